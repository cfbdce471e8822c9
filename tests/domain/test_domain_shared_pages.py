"""``shared=True`` pages (what the HTTP layer encodes) carry the same resources as the pages a
caller may change, and changing the caller's copies never reaches a shared page."""

from __future__ import annotations

from types import MappingProxyType

import msgspec

from assetfake.domain.clock import ManualClock
from assetfake.domain.config import AssetConfig, HistoryGenerate, WorldConfig
from assetfake.domain.world import World

START = 1_717_200_000_000


def _world() -> World:
    config = WorldConfig(
        start_ms=START,
        assets=(AssetConfig("a", metadata=MappingProxyType({"rows": 1})),),
        history_generate=(HistoryGenerate("a", runs=30, spread_seconds=3600),),
    )
    world = World(config, ManualClock(START))
    world.trigger("a", tags={"team": "growth"})  # live: QUEUED, then on
    world.trigger("a")
    return world


def _pages(world: World, shared: bool) -> bytes:
    pages = [
        world.list_runs("a", max_results=50, shared=shared),
        world.list_materializations("a", max_results=50, shared=shared),
        world.list_backfills("a", shared=shared),
    ]
    return msgspec.json.encode(pages)


def test_a_shared_page_is_the_page_a_caller_gets() -> None:
    world = _world()
    assert _pages(world, shared=True) == _pages(world, shared=False)
    world.clock.advance(3)  # some live runs move on: the views follow
    assert _pages(world, shared=True) == _pages(world, shared=False)
    world.run_until_idle()
    assert _pages(world, shared=True) == _pages(world, shared=False)


def test_changing_a_callers_page_never_reaches_a_shared_page() -> None:
    world = _world()
    world.run_until_idle()
    before = _pages(world, shared=True)
    for run in world.list_runs("a", max_results=50).items:
        run.tags["x"] = "y"
    for mat in world.list_materializations("a", max_results=50).items:
        mat.metadata["rows"] = 99
        mat.tags["x"] = "y"
    assert _pages(world, shared=True) == before
