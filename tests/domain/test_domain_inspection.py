"""State inspection: independent copies, the newest records of every asset, status counts."""

from __future__ import annotations

from collections import Counter

import msgspec

from assetfake.domain.clock import ManualClock
from assetfake.domain.config import (
    AssetConfig,
    HistoryGenerate,
    PaginationConfig,
    RunConfig,
    WorldConfig,
)
from assetfake.domain.partitions import Partitions
from assetfake.domain.selection import PartitionSelection
from assetfake.domain.status import RunStatus
from assetfake.domain.timestamps import parse_rfc3339
from assetfake.domain.world import World

START = parse_rfc3339("2024-06-01T00:00:00Z")
DAYS = Partitions.daily("2024-01-01", "2024-01-05")


def _make_world() -> tuple[World, ManualClock]:
    clock = ManualClock(START)
    assets = (
        AssetConfig("a", DAYS, run=RunConfig(max_concurrent=1, fail_probability=0.5)),
        AssetConfig("b", run=RunConfig(running_seconds=2)),
    )
    config = WorldConfig(
        START,
        assets,
        seed=4,
        history_generate=(HistoryGenerate("b", 6, succeeded_ratio=0.5),),
        pagination=PaginationConfig(short_pages=0.5),
    )
    return World(config, clock), clock


def _state(world: World) -> bytes:
    return msgspec.json.encode(
        [world.runs(), world.backfills(), world.materializations(), world.clock.now_ms()]
    )


def test_a_copy_carries_on_exactly_like_the_original() -> None:
    world, clock = _make_world()
    world.create_backfill("a", PartitionSelection(all=True), idempotency_key="k")
    world.trigger("b")
    clock.advance(2.5)
    twin = world.copy()
    assert _state(twin) == _state(world)
    assert isinstance(twin.clock, ManualClock)
    assert twin.clock is not clock
    for w, c in ((world, clock), (twin, twin.clock)):
        c.advance(3)
        w.trigger("a", "2024-01-01")  # draws from the seeded outcomes
        _, created = w.create_backfill("a", PartitionSelection(all=True), idempotency_key="k")
        assert not created
        w.run_until_idle()
    assert _state(twin) == _state(world)
    pages = [
        msgspec.json.encode(w.list_runs("b", max_results=3)) for w in (world, twin)
    ]  # the short-pages draw continues identically too
    assert pages[0] == pages[1]


def test_a_copy_is_independent_of_the_original() -> None:
    world, clock = _make_world()
    run, _ = world.trigger("b")
    twin = world.copy()
    twin.trigger("b")
    twin.cancel_run(run.id)
    assert len(world.runs("b")) == 6 + 1
    assert world.run(run.id).status is RunStatus.QUEUED
    clock.advance(100)
    assert twin.clock.now_ms() == START
    assert world.run(run.id).status is RunStatus.SUCCEEDED
    assert twin.run(run.id).status is RunStatus.CANCELED


def test_a_copy_shares_the_immutable_history() -> None:
    world, _ = _make_world()
    twin = world.copy()
    assert twin.history is world.history
    assert twin.config is world.config


def test_page_tokens_of_the_original_work_on_its_copy() -> None:
    world, _ = _make_world()
    token = world.list_runs("b", max_results=2).next_page_token
    assert token is not None
    twin = world.copy()
    assert msgspec.json.encode(twin.list_runs("b", max_results=2, page_token=token).items) == (
        msgspec.json.encode(world.list_runs("b", max_results=2, page_token=token).items)
    )


def test_newest_merges_every_asset_newest_first() -> None:
    world, clock = _make_world()
    world.trigger("b")
    clock.advance(1)
    world.create_backfill("a", PartitionSelection(range=("2024-01-02", "2024-01-04")))
    clock.advance(1)
    world.trigger("b")
    world.run_until_idle()
    for kind, everything in (
        ("runs", world.runs()),
        ("backfills", world.backfills()),
        ("materializations", world.materializations()),
    ):
        expected = sorted(everything, key=lambda r: (r.created_at, r.id), reverse=True)
        assert world.newest(kind, 1000) == expected, kind
        assert world.newest(kind, 3) == expected[:3], kind
    assert len(world.newest("runs", 1000)) == 6 + 5


def test_status_counts_follow_the_statuses() -> None:
    world, clock = _make_world()
    world.create_backfill("a", PartitionSelection(all=True))
    world.trigger("b")
    clock.advance(1.5)
    runs = world.runs()
    assert world.status_counts("runs") == dict(
        sorted(Counter(r.status.value for r in runs).items())
    )
    assert world.status_counts("runs")["QUEUED"] == 4  # one slot for asset a
    assert world.status_counts("backfills") == {"RUNNING": 1}
    world.run_until_idle()
    final = world.status_counts("runs")
    assert sum(final.values()) == len(world.runs()) == 6 + 6
    assert set(final) <= {"SUCCEEDED", "FAILED"}
    assert all(n > 0 for n in final.values())


def test_mutating_a_returned_backfill_does_not_change_the_world() -> None:
    world, _ = _make_world()
    backfill, _ = world.create_backfill("a", PartitionSelection(keys=("2024-01-01",)))
    keys = backfill.partition_selection["partition_keys"]
    assert isinstance(keys, list)
    keys.append("2099-01-01")
    backfill.tags["x"] = "y"
    again = world.get_backfill("a", backfill.id)
    assert again.partition_selection == {"partition_keys": ["2024-01-01"]}
    assert again.tags == {}


def test_mutating_returned_metadata_changes_neither_the_world_nor_its_configuration() -> None:
    metadata: dict[str, object] = {"schema": {"columns": 3}}
    config = WorldConfig(START, (AssetConfig("m", metadata=metadata),))
    world = World(config, ManualClock(START))
    world.trigger("m")
    world.run_until_idle()
    [mat] = world.materializations("m")
    schema = mat.metadata["schema"]
    assert isinstance(schema, dict)
    schema["columns"] = 99
    assert world.materializations("m")[0].metadata == {"schema": {"columns": 3}}
    # Another world from the same configuration (a namespace, a reset) must not see it either.
    other = World(config, ManualClock(START))
    other.trigger("m")
    other.run_until_idle()
    assert other.materializations("m")[0].metadata == {"schema": {"columns": 3}}
