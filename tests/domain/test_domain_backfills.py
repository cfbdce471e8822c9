"""Backfills: creation, selection forms, derived status, counts, updated_at/ended_at."""

from __future__ import annotations

import pytest

from assetfake.domain.clock import ManualClock
from assetfake.domain.config import AssetConfig, RunConfig, WorldConfig
from assetfake.domain.errors import NotFound
from assetfake.domain.partitions import Partitions
from assetfake.domain.resources import Backfill, PartitionCounts
from assetfake.domain.selection import PartitionSelection
from assetfake.domain.status import RunStatus
from assetfake.domain.timestamps import format_ms, parse_rfc3339, seconds_to_ms
from assetfake.domain.world import World

START = parse_rfc3339("2024-06-01T00:00:00Z")
DAYS = Partitions.daily("2024-01-01", "2024-01-10")


def _make_world(run: RunConfig | None = None) -> tuple[World, ManualClock]:
    clock = ManualClock(START)
    assets = (
        AssetConfig("a", DAYS, run=run or RunConfig()),
        AssetConfig("b", DAYS),
        AssetConfig("plain"),
    )
    return World(WorldConfig(START, assets), clock), clock


def _at(seconds: float) -> str:
    return format_ms(START + seconds_to_ms(seconds))


def _counts(
    queued: int = 0, running: int = 0, succeeded: int = 0, failed: int = 0, canceled: int = 0
) -> PartitionCounts:
    return PartitionCounts(queued, running, succeeded, failed, canceled)


def _keys(*days: int) -> tuple[str, ...]:
    return tuple(f"2024-01-{d:02d}" for d in days)


@pytest.mark.parametrize(
    ("selection", "echo", "keys"),
    [
        (
            PartitionSelection(keys=_keys(4, 2)),
            {"partition_keys": ["2024-01-04", "2024-01-02"]},
            _keys(2, 4),
        ),
        (
            PartitionSelection(range=("2024-01-03", "2024-01-05")),
            {"partition_range": {"start": "2024-01-03", "end": "2024-01-05"}},
            _keys(3, 4, 5),
        ),
        (
            PartitionSelection(range=("2024-01-07", "2024-01-07")),
            {"partition_range": {"start": "2024-01-07", "end": "2024-01-07"}},
            _keys(7),
        ),
        (PartitionSelection(all=True), {"all_partitions": True}, DAYS.keys),
    ],
    ids=["keys", "range", "one-day-range", "all"],
)
def test_creation_queues_one_run_per_partition_in_order(
    selection: PartitionSelection, echo: dict[str, object], keys: tuple[str, ...]
) -> None:
    world, _ = _make_world()
    backfill, created = world.create_backfill("a", selection, title="t", tags={"k": "v"})
    assert created
    assert backfill.status is RunStatus.QUEUED
    assert backfill.partition_selection == echo
    assert backfill.num_partitions == len(keys)
    assert backfill.partition_counts == _counts(queued=len(keys))
    assert (backfill.title, backfill.tags) == ("t", {"k": "v"})
    assert backfill.created_at == backfill.updated_at == _at(0)
    assert backfill.ended_at is None
    runs = world.runs("a")
    assert tuple(r.partition_key for r in runs) == keys
    assert {r.backfill_id for r in runs} == {backfill.id}
    assert {r.status for r in runs} == {RunStatus.QUEUED}
    assert {r.created_at for r in runs} == {_at(0)}
    assert sorted(r.id for r in runs) == [r.id for r in runs]  # creation order = partition order
    assert world.get_backfill("a", backfill.id) == backfill
    assert world.backfills("a") == [backfill]


def test_status_goes_queued_running_succeeded() -> None:
    world, clock = _make_world(
        RunConfig(queued_seconds=1, starting_seconds=1, running_seconds=2, max_concurrent=1)
    )
    backfill, _ = world.create_backfill("a", PartitionSelection(keys=_keys(1, 2)))
    seen: list[Backfill] = []
    for _ in range(8):
        seen.append(world.get_backfill("a", backfill.id))
        clock.advance(0.5)
    statuses = [b.status for b in seen]
    assert RunStatus.STARTING not in statuses
    assert statuses[:2] == [RunStatus.QUEUED, RunStatus.QUEUED]
    assert statuses[2] is RunStatus.RUNNING  # at 1 s the first run is STARTING
    assert seen[2].partition_counts == _counts(queued=1, running=1)
    clock.advance(10)
    done = world.get_backfill("a", backfill.id)
    assert done.status is RunStatus.SUCCEEDED
    assert done.partition_counts == _counts(succeeded=2)
    last_end = max(r.ended_at or "" for r in world.runs("a"))
    assert done.ended_at == done.updated_at == last_end == _at(7)


def test_status_never_reports_starting() -> None:
    world, clock = _make_world(RunConfig(starting_seconds=5))
    backfill, _ = world.create_backfill("a", PartitionSelection(keys=_keys(1)))
    clock.advance(1)
    assert world.run(world.runs("a")[0].id).status is RunStatus.STARTING
    current = world.get_backfill("a", backfill.id)
    assert current.status is RunStatus.RUNNING
    assert current.partition_counts == _counts(running=1)
    assert [b.id for b in world.list_backfills("a", status=RunStatus.RUNNING).items] == [
        backfill.id
    ]
    assert world.list_backfills("a", status=RunStatus.STARTING).items == []


def test_updated_at_follows_the_latest_run_change() -> None:
    world, clock = _make_world(RunConfig(queued_seconds=1, starting_seconds=1, running_seconds=5))
    backfill, _ = world.create_backfill("a", PartitionSelection(keys=_keys(1)))
    clock.advance(0.5)
    assert world.get_backfill("a", backfill.id).updated_at == _at(0)
    clock.advance(1)  # STARTING at 1 s
    assert world.get_backfill("a", backfill.id).updated_at == _at(1)
    clock.advance(1)  # RUNNING at 2 s
    current = world.get_backfill("a", backfill.id)
    assert current.updated_at == _at(2)
    assert current.ended_at is None


def test_one_failed_partition_fails_the_backfill_once_all_are_terminal() -> None:
    cfg = RunConfig(fail_partitions=frozenset({"2024-01-02"}), running_seconds=1)
    world, clock = _make_world(cfg)
    backfill, _ = world.create_backfill("a", PartitionSelection(range=("2024-01-01", "2024-01-03")))
    clock.advance(3)  # all three end at 3 s
    done = world.get_backfill("a", backfill.id)
    assert done.status is RunStatus.FAILED
    assert done.partition_counts == _counts(succeeded=2, failed=1)
    assert done.ended_at == _at(3)
    assert len(world.materializations("a")) == 2


def test_not_failed_until_every_run_is_terminal() -> None:
    cfg = RunConfig(
        fail_partitions=frozenset({"2024-01-01"}), fail_stage="starting", max_concurrent=1
    )
    world, clock = _make_world(cfg)
    backfill, _ = world.create_backfill("a", PartitionSelection(keys=_keys(1, 2)))
    clock.advance(2)  # the first run failed at 2 s; the second is STARTING
    current = world.get_backfill("a", backfill.id)
    assert current.status is RunStatus.RUNNING
    assert current.partition_counts == _counts(running=1, failed=1)
    assert current.ended_at is None


def test_partition_counts_always_sum_to_num_partitions() -> None:
    world, clock = _make_world(RunConfig(max_concurrent=2, fail_probability=0.5))
    backfill, _ = world.create_backfill("a", PartitionSelection(all=True))
    for _ in range(40):
        current = world.get_backfill("a", backfill.id)
        c = current.partition_counts
        assert c.queued + c.running + c.succeeded + c.failed + c.canceled == 10
        clock.advance(0.5)


def test_list_backfills_filters_by_status() -> None:
    world, clock = _make_world(RunConfig(running_seconds=10))
    first, _ = world.create_backfill("a", PartitionSelection(keys=_keys(1)))
    clock.advance(1)
    second, _ = world.create_backfill("a", PartitionSelection(keys=_keys(2)))
    ids = {s: [b.id for b in world.list_backfills("a", status=s).items] for s in RunStatus}
    assert ids[RunStatus.RUNNING] == [first.id]
    assert ids[RunStatus.QUEUED] == [second.id]
    assert sum(len(v) for v in ids.values()) == 2
    assert [b.id for b in world.list_backfills("a").items] == [second.id, first.id]
    assert world.list_backfills("b").items == []


def test_get_backfill_not_found() -> None:
    world, _ = _make_world()
    backfill, _ = world.create_backfill("a", PartitionSelection(keys=_keys(1)))
    with pytest.raises(NotFound) as info:
        world.get_backfill("a", "bf_nope")
    assert info.value.code == "backfill_not_found"
    with pytest.raises(NotFound) as info:
        world.get_backfill("b", backfill.id)  # exists, but for another asset
    assert info.value.code == "backfill_not_found"
    with pytest.raises(NotFound) as info:
        world.get_backfill("nope", backfill.id)
    assert info.value.code == "asset_not_found"
