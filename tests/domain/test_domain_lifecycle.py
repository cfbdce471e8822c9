"""The run lifecycle of section 2, on a manual clock, with exact timestamps."""

from __future__ import annotations

import pytest

from assetfake.domain.clock import ManualClock
from assetfake.domain.config import AssetConfig, RunConfig, WorldConfig
from assetfake.domain.partitions import Partitions
from assetfake.domain.resources import Run
from assetfake.domain.selection import PartitionSelection
from assetfake.domain.status import RunStatus
from assetfake.domain.timestamps import format_ms, parse_rfc3339, seconds_to_ms
from assetfake.domain.world import World

START = parse_rfc3339("2024-06-01T00:00:00Z")
DAYS = Partitions.daily("2024-01-01", "2024-01-10")


def _make_world(*assets: AssetConfig, seed: int = 0) -> tuple[World, ManualClock]:
    clock = ManualClock(START)
    return World(WorldConfig(START, assets, seed=seed), clock), clock


def _at(seconds: float) -> str:
    return format_ms(START + seconds_to_ms(seconds))


def _indexed_status(world: World, asset: str, run_id: str) -> RunStatus:
    """The run's status as the status index sees it; it must sit in exactly one bucket."""
    found = [
        status
        for status in RunStatus
        if any(r.id == run_id for r in world.list_runs(asset, status=status, max_results=100).items)
    ]
    assert len(found) == 1, found
    return found[0]


def _status(world: World, run_id: str) -> RunStatus:
    return world.run(run_id).status


def test_each_state_lasts_its_configured_time() -> None:
    cfg = RunConfig(queued_seconds=2, starting_seconds=3, running_seconds=4)
    world, clock = _make_world(AssetConfig("a", run=cfg))
    run, created = world.trigger("a")
    assert created
    assert run.status is RunStatus.QUEUED
    assert run.created_at == _at(0)
    timeline = [
        (1.999, RunStatus.QUEUED),
        (2.0, RunStatus.STARTING),
        (4.999, RunStatus.STARTING),
        (5.0, RunStatus.RUNNING),
        (8.999, RunStatus.RUNNING),
        (9.0, RunStatus.SUCCEEDED),
        (100.0, RunStatus.SUCCEEDED),
    ]
    elapsed = 0.0
    for at, expected in timeline:
        clock.advance(at - elapsed)
        elapsed = at
        assert _status(world, run.id) is expected, at
        assert _indexed_status(world, "a", run.id) is expected, at
    final = world.run(run.id)
    assert (final.created_at, final.started_at, final.ended_at) == (_at(0), _at(5), _at(9))
    assert final.error is None


def test_timestamps_appear_exactly_on_entering_their_state() -> None:
    world, clock = _make_world(AssetConfig("a"))  # defaults: 1 s, 1 s, 5 s
    run, _ = world.trigger("a")
    seen: list[Run] = []
    for _ in range(8):
        seen.append(world.run(run.id))
        clock.advance(1)
    statuses = [r.status for r in seen]
    assert statuses == [RunStatus.QUEUED, RunStatus.STARTING] + [RunStatus.RUNNING] * 5 + [
        RunStatus.SUCCEEDED
    ]
    for r in seen:
        assert (r.started_at is not None) == (r.status in (RunStatus.RUNNING, RunStatus.SUCCEEDED))
        assert (r.ended_at is not None) == (r.status is RunStatus.SUCCEEDED)
        assert r.error is None
    assert seen[-1].started_at == _at(2)
    assert seen[-1].ended_at == _at(7)


def test_all_zero_durations_still_end_in_success_at_the_creation_instant() -> None:
    cfg = RunConfig(queued_seconds=0, starting_seconds=0, running_seconds=0)
    world, _ = _make_world(AssetConfig("a", run=cfg, metadata={"rows": 1}))
    run, _ = world.trigger("a")
    assert run.status is RunStatus.QUEUED
    done = world.run(run.id)
    assert done.status is RunStatus.SUCCEEDED
    assert done.created_at == done.started_at == done.ended_at == _at(0)
    mats = world.materializations("a")
    assert [(m.run_id, m.created_at) for m in mats] == [(run.id, _at(0))]


def test_zero_queue_time_still_passes_through_starting() -> None:
    cfg = RunConfig(queued_seconds=0, starting_seconds=1)
    world, clock = _make_world(AssetConfig("a", run=cfg))
    run, _ = world.trigger("a")
    assert _indexed_status(world, "a", run.id) is RunStatus.STARTING
    clock.advance(1)
    assert _indexed_status(world, "a", run.id) is RunStatus.RUNNING
    assert world.run(run.id).started_at == _at(1)


def test_zero_starting_time_enters_running_at_the_end_of_the_queue() -> None:
    cfg = RunConfig(queued_seconds=1, starting_seconds=0, running_seconds=1)
    world, clock = _make_world(AssetConfig("a", run=cfg))
    run, _ = world.trigger("a")
    clock.advance(0.999)
    assert _indexed_status(world, "a", run.id) is RunStatus.QUEUED
    clock.advance(0.001)
    assert _indexed_status(world, "a", run.id) is RunStatus.RUNNING
    assert world.run(run.id).started_at == _at(1)


def test_zero_starting_time_with_a_start_failure_fails_without_running() -> None:
    cfg = RunConfig(
        queued_seconds=1,
        starting_seconds=0,
        fail_stage="starting",
        fail_partitions=frozenset({"2024-01-02"}),
    )
    world, clock = _make_world(AssetConfig("a", DAYS, run=cfg))
    run, _ = world.trigger("a", "2024-01-02")
    clock.advance(1)
    failed = world.run(run.id)
    assert failed.status is RunStatus.FAILED
    assert failed.started_at is None  # it passed through STARTING, never RUNNING
    assert failed.ended_at == _at(1)


def test_zero_running_time_succeeds_at_the_instant_it_starts_running() -> None:
    cfg = RunConfig(queued_seconds=1, starting_seconds=1, running_seconds=0)
    world, clock = _make_world(AssetConfig("a", run=cfg))
    run, _ = world.trigger("a")
    clock.advance(1)
    assert _indexed_status(world, "a", run.id) is RunStatus.STARTING
    clock.advance(1)
    done = world.run(run.id)
    assert done.status is RunStatus.SUCCEEDED
    assert done.started_at == done.ended_at == _at(2)


def test_failure_at_the_end_of_running() -> None:
    cfg = RunConfig(fail_partitions=frozenset({"2024-01-03"}), error_message="upstream timeout")
    world, clock = _make_world(AssetConfig("a", DAYS, run=cfg))
    bad, _ = world.trigger("a", "2024-01-03")
    good, _ = world.trigger("a", "2024-01-04")
    clock.advance(6.999)
    assert _status(world, bad.id) is RunStatus.RUNNING
    assert world.run(bad.id).error is None
    clock.advance(0.001)
    failed = world.run(bad.id)
    assert failed.status is RunStatus.FAILED
    assert failed.started_at == _at(2)
    assert failed.ended_at == _at(7)
    assert failed.error is not None
    assert failed.error.message == "upstream timeout"
    assert _status(world, good.id) is RunStatus.SUCCEEDED
    assert world.run(good.id).error is None


def test_failure_at_the_end_of_starting() -> None:
    cfg = RunConfig(
        starting_seconds=2, fail_partitions=frozenset({"2024-01-03"}), fail_stage="starting"
    )
    world, clock = _make_world(AssetConfig("a", DAYS, run=cfg))
    bad, _ = world.trigger("a", "2024-01-03")
    clock.advance(2.999)
    assert _indexed_status(world, "a", bad.id) is RunStatus.STARTING
    clock.advance(0.001)
    failed = world.run(bad.id)
    assert failed.status is RunStatus.FAILED
    assert failed.started_at is None
    assert failed.ended_at == _at(3)
    assert failed.error is not None
    assert failed.error.message == "run failed"


def test_a_failing_run_has_no_materialization() -> None:
    cfg = RunConfig(fail_partitions=frozenset({"2024-01-01"}))
    world, _ = _make_world(AssetConfig("a", DAYS, run=cfg))
    bad, _ = world.trigger("a", "2024-01-01")
    good, _ = world.trigger("a", "2024-01-02")
    world.run_until_idle()
    assert [m.run_id for m in world.materializations("a")] == [good.id]
    assert world.run(bad.id).status is RunStatus.FAILED


def _outcomes(seed: int, probability: float, n: int = 200) -> list[RunStatus]:
    world, _ = _make_world(AssetConfig("a", run=RunConfig(fail_probability=probability)), seed=seed)
    ids = [world.trigger("a")[0].id for _ in range(n)]
    world.run_until_idle()
    return [world.run(i).status for i in ids]


def test_fail_probability_is_seeded() -> None:
    first = _outcomes(1, 0.5)
    assert first == _outcomes(1, 0.5)
    assert first != _outcomes(2, 0.5)
    failures = first.count(RunStatus.FAILED)
    assert 60 <= failures <= 140
    assert set(first) == {RunStatus.FAILED, RunStatus.SUCCEEDED}


@pytest.mark.parametrize(
    ("probability", "expected"), [(0.0, RunStatus.SUCCEEDED), (1.0, RunStatus.FAILED)]
)
def test_fail_probability_extremes(probability: float, expected: RunStatus) -> None:
    assert set(_outcomes(3, probability, 30)) == {expected}


def test_max_concurrent_serves_first_created_first() -> None:
    cfg = RunConfig(queued_seconds=1, starting_seconds=1, running_seconds=2, max_concurrent=1)
    world, _ = _make_world(AssetConfig("a", run=cfg))
    ids = [world.trigger("a")[0].id for _ in range(3)]
    world.run_until_idle()
    runs = [world.run(i) for i in ids]
    # Each run starts (STARTING) when the previous one ends, then takes 1 s to start running.
    assert [r.started_at for r in runs] == [_at(2), _at(5), _at(8)]
    assert [r.ended_at for r in runs] == [_at(4), _at(7), _at(10)]


def test_max_concurrent_is_never_exceeded() -> None:
    cfg = RunConfig(queued_seconds=0.5, starting_seconds=1, running_seconds=3, max_concurrent=2)
    world, clock = _make_world(AssetConfig("a", run=cfg))
    for _ in range(7):
        world.trigger("a")
        clock.advance(0.25)
    busiest = 0
    for _ in range(200):
        busy = sum(r.status in (RunStatus.STARTING, RunStatus.RUNNING) for r in world.runs("a"))
        busiest = max(busiest, busy)
        clock.advance(0.25)
    assert busiest == 2
    assert {r.status for r in world.runs("a")} == {RunStatus.SUCCEEDED}


def test_slots_are_per_asset() -> None:
    cfg = RunConfig(max_concurrent=1)
    world, clock = _make_world(AssetConfig("a", run=cfg), AssetConfig("b", run=cfg))
    a, _ = world.trigger("a")
    b, _ = world.trigger("b")
    clock.advance(1)
    assert (_status(world, a.id), _status(world, b.id)) == (RunStatus.STARTING, RunStatus.STARTING)


def test_a_backfill_queues_behind_earlier_runs_and_in_partition_order() -> None:
    cfg = RunConfig(queued_seconds=1, starting_seconds=0, running_seconds=1, max_concurrent=1)
    world, _ = _make_world(AssetConfig("a", DAYS, run=cfg))
    single, _ = world.trigger("a", "2024-01-09")
    selection = PartitionSelection(keys=("2024-01-05", "2024-01-02", "2024-01-03"))
    backfill, _ = world.create_backfill("a", selection)
    world.run_until_idle()
    order = sorted(world.runs("a"), key=lambda r: r.started_at or "")
    assert [r.partition_key for r in order] == [
        "2024-01-09",
        "2024-01-02",
        "2024-01-03",
        "2024-01-05",
    ]
    assert order[0].id == single.id
    assert [r.started_at for r in order] == [_at(1), _at(2), _at(3), _at(4)]
    assert {r.backfill_id for r in order[1:]} == {backfill.id}


def test_materialization_appears_exactly_when_the_run_succeeds() -> None:
    metadata = {"row_count": 1000, "source": "s3"}
    world, clock = _make_world(AssetConfig("a", DAYS, metadata=metadata))
    run, _ = world.trigger("a", "2024-01-05", tags={"team": "growth"})
    clock.advance(6.999)
    assert world.materializations("a") == []
    assert world.list_materializations("a").items == []
    clock.advance(0.001)
    [mat] = world.materializations("a")
    done = world.run(run.id)
    assert done.status is RunStatus.SUCCEEDED
    assert mat.created_at == done.ended_at == _at(7)
    assert mat.run_id == run.id
    assert mat.asset_key == "a"
    assert mat.partition_key == "2024-01-05"
    assert mat.metadata == metadata
    assert mat.tags == {"team": "growth"}
    assert mat.data_version
    assert world.list_materializations("a").items == [mat]
    clock.advance(100)
    assert world.materializations("a") == [mat]


def test_different_runs_have_different_data_versions() -> None:
    world, _ = _make_world(AssetConfig("a"))
    world.trigger("a")
    world.trigger("a")
    world.run_until_idle()
    versions = {m.data_version for m in world.materializations("a")}
    assert len(versions) == 2


def test_run_until_idle_stops_at_the_last_transition() -> None:
    world, clock = _make_world(AssetConfig("a"))
    world.trigger("a")
    clock.advance(3)
    world.trigger("a")
    done = world.run_until_idle()
    # Three transitions a run; the trigger at 3 s already caught up with two of the first's.
    assert done == 3 + 1
    assert clock.now_ms() == START + seconds_to_ms(3 + 7)
    assert world.counts()["pending_transitions"] == 0
    assert world.run_until_idle() == 0
    assert clock.now_ms() == START + seconds_to_ms(10)
