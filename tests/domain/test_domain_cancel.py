"""Cancel (control API only): runs and backfills, CANCELING → CANCELED, terminal conflicts."""

from __future__ import annotations

import pytest

from assetfake.domain.clock import ManualClock
from assetfake.domain.config import AssetConfig, HistoryRun, RunConfig, WorldConfig
from assetfake.domain.errors import Conflict, NotFound
from assetfake.domain.partitions import Partitions
from assetfake.domain.resources import PartitionCounts
from assetfake.domain.selection import PartitionSelection
from assetfake.domain.status import RunStatus
from assetfake.domain.timestamps import format_ms, parse_rfc3339, seconds_to_ms
from assetfake.domain.world import World

START = parse_rfc3339("2024-06-01T00:00:00Z")
DAYS = Partitions.daily("2024-01-01", "2024-01-10")


def _make_world(
    run: RunConfig | None = None, history: tuple[HistoryRun, ...] = ()
) -> tuple[World, ManualClock]:
    clock = ManualClock(START)
    cfg = run or RunConfig(
        queued_seconds=1, starting_seconds=2, running_seconds=5, canceling_seconds=3
    )
    config = WorldConfig(START, (AssetConfig("a", DAYS, run=cfg),), history_runs=history)
    return World(config, clock), clock


def _at(seconds: float) -> str:
    return format_ms(START + seconds_to_ms(seconds))


def test_a_queued_run_is_canceled_at_once() -> None:
    world, clock = _make_world()
    run, _ = world.trigger("a", "2024-01-01")
    clock.advance(0.5)
    canceled = world.cancel_run(run.id)
    assert canceled.status is RunStatus.CANCELED
    assert canceled.ended_at == _at(0.5)
    assert canceled.started_at is None
    assert canceled.error is None
    world.run_until_idle()
    assert world.run(run.id) == canceled
    assert world.materializations("a") == []


@pytest.mark.parametrize(
    ("cancel_at", "started_at"), [(1.5, None), (4, _at(3))], ids=["starting", "running"]
)
def test_a_started_run_goes_canceling_then_canceled(
    cancel_at: float, started_at: str | None
) -> None:
    world, clock = _make_world()
    run, _ = world.trigger("a", "2024-01-01")
    clock.advance(cancel_at)
    canceling = world.cancel_run(run.id)
    assert canceling.status is RunStatus.CANCELING
    assert canceling.ended_at is None
    assert canceling.started_at == started_at
    assert [r.id for r in world.list_runs("a", status=RunStatus.CANCELING).items] == [run.id]
    clock.advance(2.999)
    assert world.run(run.id).status is RunStatus.CANCELING
    clock.advance(0.001)
    canceled = world.run(run.id)
    assert canceled.status is RunStatus.CANCELED
    assert canceled.ended_at == _at(cancel_at + 3)
    assert canceled.started_at == started_at
    assert canceled.error is None
    world.run_until_idle()  # the run's own end would have come later: it must not happen
    assert world.run(run.id) == canceled
    assert world.materializations("a") == []


def test_cancel_of_a_run_failing_at_its_stage_end_wins() -> None:
    cfg = RunConfig(fail_partitions=frozenset({"2024-01-01"}), canceling_seconds=1)
    world, clock = _make_world(cfg)
    run, _ = world.trigger("a", "2024-01-01")
    clock.advance(3)
    world.cancel_run(run.id)
    world.run_until_idle()
    final = world.run(run.id)
    assert final.status is RunStatus.CANCELED
    assert final.error is None


def test_canceling_again_while_canceling_changes_nothing() -> None:
    world, clock = _make_world()
    run, _ = world.trigger("a", "2024-01-01")
    clock.advance(4)
    first = world.cancel_run(run.id)
    clock.advance(1)
    assert world.cancel_run(run.id) == first
    clock.advance(2)  # 3 s after the first cancel
    assert world.run(run.id).status is RunStatus.CANCELED
    assert world.run(run.id).ended_at == _at(7)


@pytest.mark.parametrize(
    ("run_config", "final"),
    [
        (RunConfig(), RunStatus.SUCCEEDED),
        (RunConfig(fail_partitions=frozenset({"2024-01-01"})), RunStatus.FAILED),
    ],
)
def test_a_terminal_run_cannot_be_canceled(run_config: RunConfig, final: RunStatus) -> None:
    world, _ = _make_world(run_config)
    run, _ = world.trigger("a", "2024-01-01")
    world.run_until_idle()
    before = world.run(run.id)
    assert before.status is final
    with pytest.raises(Conflict) as info:
        world.cancel_run(run.id)
    assert info.value.code == "run_not_cancelable"
    assert world.run(run.id) == before


def test_a_canceled_run_cannot_be_canceled_again() -> None:
    world, _ = _make_world()
    run, _ = world.trigger("a", "2024-01-01")
    world.cancel_run(run.id)
    with pytest.raises(Conflict) as info:
        world.cancel_run(run.id)
    assert info.value.code == "run_not_cancelable"


def test_a_history_run_cannot_be_canceled() -> None:
    history = (HistoryRun("a", RunStatus.SUCCEEDED, START - 60_000, "2024-01-01"),)
    world, _ = _make_world(history=history)
    [old] = world.runs("a")
    with pytest.raises(Conflict) as info:
        world.cancel_run(old.id)
    assert info.value.code == "run_not_cancelable"


def test_cancel_of_an_unknown_run() -> None:
    world, _ = _make_world()
    with pytest.raises(NotFound) as info:
        world.cancel_run("run_nope")
    assert info.value.code == "run_not_found"


def test_a_canceled_waiting_run_gives_its_turn_to_the_next() -> None:
    cfg = RunConfig(queued_seconds=1, starting_seconds=1, running_seconds=2, max_concurrent=1)
    world, clock = _make_world(cfg)
    first, _ = world.trigger("a", "2024-01-01")
    second, _ = world.trigger("a", "2024-01-02")
    third, _ = world.trigger("a", "2024-01-03")
    clock.advance(1.5)
    world.cancel_run(second.id)
    world.run_until_idle()
    assert world.run(second.id).status is RunStatus.CANCELED
    assert world.run(third.id).started_at == _at(1 + 1 + 2 + 1)  # right after the first
    assert world.run(first.id).ended_at == _at(4)


def test_cancel_frees_the_slot_no_later_than_the_canceled_instant() -> None:
    cfg = RunConfig(
        queued_seconds=1,
        starting_seconds=1,
        running_seconds=100,
        canceling_seconds=2,
        max_concurrent=1,
    )
    world, clock = _make_world(cfg)
    first, _ = world.trigger("a", "2024-01-01")
    second, _ = world.trigger("a", "2024-01-02")
    clock.advance(10)
    world.cancel_run(first.id)
    clock.advance(2)
    assert world.run(first.id).status is RunStatus.CANCELED
    assert world.run(second.id).status is not RunStatus.QUEUED


def test_cancel_backfill_of_queued_runs_ends_it_at_once() -> None:
    world, clock = _make_world()
    backfill, _ = world.create_backfill("a", PartitionSelection(keys=("2024-01-01", "2024-01-02")))
    clock.advance(0.5)
    canceled = world.cancel_backfill(backfill.id)
    assert canceled.status is RunStatus.CANCELED
    assert canceled.partition_counts == PartitionCounts(0, 0, 0, 0, 2)
    assert canceled.ended_at == canceled.updated_at == _at(0.5)
    assert {r.status for r in world.runs("a")} == {RunStatus.CANCELED}
    assert world.get_backfill("a", backfill.id) == canceled


def test_cancel_backfill_with_started_runs_goes_through_canceling() -> None:
    cfg = RunConfig(
        queued_seconds=1,
        starting_seconds=1,
        running_seconds=5,
        canceling_seconds=2,
        max_concurrent=1,
    )
    world, clock = _make_world(cfg)
    backfill, _ = world.create_backfill("a", PartitionSelection(range=("2024-01-01", "2024-01-03")))
    clock.advance(3)  # the first run is RUNNING, the others wait for the slot
    canceling = world.cancel_backfill(backfill.id)
    assert canceling.status is RunStatus.CANCELING
    assert canceling.partition_counts == PartitionCounts(0, 1, 0, 0, 2)
    assert canceling.ended_at is None
    assert canceling.updated_at == _at(3)
    assert world.list_backfills("a", status=RunStatus.CANCELING).items == [canceling]
    clock.advance(2)
    canceled = world.get_backfill("a", backfill.id)
    assert canceled.status is RunStatus.CANCELED
    assert canceled.partition_counts == PartitionCounts(0, 0, 0, 0, 3)
    assert canceled.ended_at == canceled.updated_at == _at(5)
    world.run_until_idle()
    assert world.get_backfill("a", backfill.id) == canceled
    assert world.materializations("a") == []


def test_cancel_backfill_keeps_what_already_succeeded() -> None:
    cfg = RunConfig(queued_seconds=1, starting_seconds=0, running_seconds=1, max_concurrent=1)
    world, clock = _make_world(cfg)
    backfill, _ = world.create_backfill("a", PartitionSelection(keys=("2024-01-01", "2024-01-02")))
    clock.advance(2)  # the first succeeded at 2 s; the second is now RUNNING
    world.cancel_backfill(backfill.id)
    world.run_until_idle()
    done = world.get_backfill("a", backfill.id)
    assert done.status is RunStatus.CANCELED
    assert done.partition_counts == PartitionCounts(0, 0, 1, 0, 1)
    assert len(world.materializations("a")) == 1


def test_canceling_a_canceling_backfill_changes_nothing() -> None:
    world, clock = _make_world()
    backfill, _ = world.create_backfill("a", PartitionSelection(keys=("2024-01-01",)))
    clock.advance(4)
    first = world.cancel_backfill(backfill.id)
    assert first.status is RunStatus.CANCELING
    clock.advance(1)
    assert world.cancel_backfill(backfill.id) == first


@pytest.mark.parametrize("finish", ["succeed", "cancel"])
def test_a_terminal_backfill_cannot_be_canceled(finish: str) -> None:
    world, _ = _make_world()
    backfill, _ = world.create_backfill("a", PartitionSelection(keys=("2024-01-01",)))
    if finish == "cancel":
        world.cancel_backfill(backfill.id)
    world.run_until_idle()
    before = world.get_backfill("a", backfill.id)
    assert before.status.terminal
    with pytest.raises(Conflict) as info:
        world.cancel_backfill(backfill.id)
    assert info.value.code == "backfill_not_cancelable"
    assert world.get_backfill("a", backfill.id) == before


def test_cancel_of_an_unknown_backfill() -> None:
    world, _ = _make_world()
    with pytest.raises(NotFound) as info:
        world.cancel_backfill("bf_nope")
    assert info.value.code == "backfill_not_found"


def test_canceling_one_run_of_a_backfill_leaves_it_canceled_not_succeeded() -> None:
    world, _ = _make_world()
    backfill, _ = world.create_backfill("a", PartitionSelection(keys=("2024-01-01", "2024-01-02")))
    first = world.runs("a")[0]
    world.cancel_run(first.id)
    assert world.get_backfill("a", backfill.id).partition_counts == PartitionCounts(1, 0, 0, 0, 1)
    world.run_until_idle()
    done = world.get_backfill("a", backfill.id)
    assert done.status is RunStatus.CANCELED
    assert done.partition_counts == PartitionCounts(0, 0, 1, 0, 1)
    assert done.ended_at is not None


def test_run_until_idle_does_not_move_the_clock_for_canceled_runs() -> None:
    cfg = RunConfig(queued_seconds=100)
    world, clock = _make_world(cfg)
    run, _ = world.trigger("a", "2024-01-01")
    world.cancel_run(run.id)
    assert world.run_until_idle() == 0
    assert clock.now_ms() == START  # nothing was left to happen
