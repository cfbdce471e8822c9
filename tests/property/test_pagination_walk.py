"""Walking every page while the world changes underneath: every item that existed when the walk
started and still matches the filter comes back exactly once; nothing comes back twice."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from hypothesis import given, settings
from hypothesis import strategies as st

from assetfake.domain.clock import ManualClock
from assetfake.domain.config import (
    AssetConfig,
    HistoryGenerate,
    PaginationConfig,
    RunConfig,
    WorldConfig,
)
from assetfake.domain.partitions import Partitions
from assetfake.domain.resources import Backfill, Materialization, Page, Run
from assetfake.domain.selection import PartitionSelection
from assetfake.domain.status import RunStatus
from assetfake.domain.timestamps import parse_rfc3339
from assetfake.domain.world import World

START = parse_rfc3339("2024-06-01T00:00:00Z")
KEYS = ("k0", "k1", "k2")
_Item = Run | Backfill | Materialization


@dataclass(frozen=True)
class _Between:
    """What happens between two pages."""

    triggers: int
    backfills: int
    advance_ms: int


_between = st.builds(_Between, st.integers(0, 3), st.integers(0, 1), st.integers(0, 5000))


def _make_world(seed: int, short_pages: float, history: int) -> tuple[World, ManualClock]:
    clock = ManualClock(START)
    cfg = RunConfig(
        queued_seconds=1,
        starting_seconds=1,
        running_seconds=3,
        max_concurrent=2,
        fail_probability=0.3,
    )
    assets = (AssetConfig("a", Partitions.static(list(KEYS)), run=cfg),)
    generate = (HistoryGenerate("a", history, succeeded_ratio=0.6),) if history else ()
    config = WorldConfig(
        START,
        assets,
        seed=seed,
        history_generate=generate,
        pagination=PaginationConfig(max_page_size=8, short_pages=short_pages),
    )
    return World(config, clock), clock


def _everything(world: World, kind: str) -> list[_Item]:
    if kind == "runs":
        return list(world.runs("a"))
    if kind == "backfills":
        return list(world.backfills("a"))
    return list(world.materializations("a"))


def _matches(item: _Item, status: RunStatus | None) -> bool:
    return status is None or getattr(item, "status", None) is status


def _page(
    world: World, kind: str, status: RunStatus | None, size: int, token: str | None
) -> tuple[Sequence[_Item], str | None]:
    page: Page[Run] | Page[Backfill] | Page[Materialization]
    if kind == "runs":
        page = world.list_runs("a", status, size, token)
    elif kind == "backfills":
        page = world.list_backfills("a", status, size, token)
    else:
        page = world.list_materializations("a", size, token)
    return page.items, page.next_page_token


@settings(max_examples=150, deadline=None)
@given(
    seed=st.integers(0, 10),
    short_pages=st.sampled_from([0.0, 0.5, 1.0]),
    history=st.integers(0, 30),
    warmup=st.lists(_between, max_size=8),
    kind=st.sampled_from(["runs", "backfills", "materializations"]),
    status=st.one_of(st.none(), st.sampled_from(list(RunStatus))),
    sizes=st.lists(st.integers(1, 12), min_size=1, max_size=10),
    between=st.lists(_between, min_size=1, max_size=10),
)
def test_a_walk_yields_every_surviving_item_once(
    seed: int,
    short_pages: float,
    history: int,
    warmup: list[_Between],
    kind: str,
    status: RunStatus | None,
    sizes: list[int],
    between: list[_Between],
) -> None:
    world, clock = _make_world(seed, short_pages, history)

    def change(step: _Between) -> None:
        for i in range(step.triggers):
            world.trigger("a", KEYS[i % len(KEYS)])
        for _ in range(step.backfills):
            world.create_backfill("a", PartitionSelection(all=True))
        clock.advance(step.advance_ms / 1000)

    for step in warmup:
        change(step)
    if kind == "materializations":
        status = None
    at_start = {item.id for item in _everything(world, kind) if _matches(item, status)}

    yielded: list[str] = []
    order: list[tuple[str, str]] = []
    token: str | None = None
    for page_no in range(10_000):
        size = sizes[page_no % len(sizes)]
        items, token = _page(world, kind, status, size, token)
        assert len(items) <= min(size, 8)
        for item in items:
            assert _matches(item, status)  # matched when it was served
        yielded.extend(item.id for item in items)
        order.extend((item.created_at, item.id) for item in items)
        if token is None:
            break
        assert items, "a page with a next token must hold something"
        change(between[page_no % len(between)])
    else:
        raise AssertionError("the walk did not end")

    assert len(yielded) == len(set(yielded)), "an item came back twice"
    assert order == sorted(order, reverse=True), "not newest first, ties by id descending"
    at_end = {item.id for item in _everything(world, kind) if _matches(item, status)}
    missing = (at_start & at_end) - set(yielded)
    assert not missing, f"{len(missing)} surviving items never came back"
