"""History: explicit runs and generated bulk, before the clock's start."""

from __future__ import annotations

import pytest

from assetfake.domain.clock import ManualClock
from assetfake.domain.config import (
    AssetConfig,
    HistoryGenerate,
    HistoryRun,
    RunConfig,
    WorldConfig,
)
from assetfake.domain.history import History
from assetfake.domain.partitions import Partitions
from assetfake.domain.status import RunStatus
from assetfake.domain.timestamps import format_ms, parse_rfc3339
from assetfake.domain.world import World

START = parse_rfc3339("2024-06-01T00:00:00Z")
DAYS = Partitions.daily("2024-01-01", "2024-01-03")
ASSETS = (
    AssetConfig(
        "days",
        DAYS,
        run=RunConfig(queued_seconds=1, starting_seconds=2, running_seconds=3),
        metadata={"rows": 7},
    ),
    AssetConfig("plain", run=RunConfig(error_message="boom")),
    AssetConfig("early", run=RunConfig(fail_stage="starting")),
)


def _make_world(
    runs: tuple[HistoryRun, ...] = (), generate: tuple[HistoryGenerate, ...] = ()
) -> tuple[World, ManualClock]:
    clock = ManualClock(START)
    config = WorldConfig(START, ASSETS, seed=5, history_runs=runs, history_generate=generate)
    return World(config, clock), clock


def _ms(text: str) -> int:
    return parse_rfc3339(text)


def test_an_explicit_succeeded_run_has_live_timestamps_and_a_materialization() -> None:
    created = START - 3_600_000
    world, _ = _make_world(
        (HistoryRun("days", RunStatus.SUCCEEDED, created, "2024-01-02", {"src": "hist"}),)
    )
    [run] = world.runs("days")
    assert run.status is RunStatus.SUCCEEDED
    assert run.partition_key == "2024-01-02"
    assert run.tags == {"src": "hist"}
    assert run.created_at == format_ms(created)
    assert run.started_at == format_ms(created + 3000)
    assert run.ended_at == format_ms(created + 6000)
    assert run.error is None
    [mat] = world.materializations("days")
    assert (mat.run_id, mat.created_at, mat.partition_key) == (run.id, run.ended_at, "2024-01-02")
    assert mat.metadata == {"rows": 7}
    assert world.list_materializations("days").items == [mat]


def test_explicit_failed_and_canceled_runs() -> None:
    world, _ = _make_world(
        (
            HistoryRun("plain", RunStatus.FAILED, START - 60_000),
            HistoryRun("plain", RunStatus.FAILED, START - 50_000, error_message="disk full"),
            HistoryRun("plain", RunStatus.CANCELED, START - 40_000),
            HistoryRun("early", RunStatus.FAILED, START - 30_000),
        )
    )
    failed, custom, canceled = world.runs("plain")
    assert failed.error is not None
    assert failed.error.message == "boom"
    assert custom.error is not None
    assert custom.error.message == "disk full"
    assert failed.started_at is not None
    assert canceled.status is RunStatus.CANCELED
    assert canceled.error is None
    assert canceled.started_at is None
    assert canceled.ended_at is not None
    [early] = world.runs("early")
    assert early.started_at is None  # a start failure never ran
    assert early.ended_at is not None
    assert world.materializations() == []


def test_a_run_still_going_at_the_start_is_capped_at_the_start() -> None:
    world, _ = _make_world((HistoryRun("days", RunStatus.SUCCEEDED, START - 4000, "2024-01-01"),))
    [run] = world.runs("days")
    assert run.started_at == format_ms(START - 1000)
    assert run.ended_at == format_ms(START)
    assert world.materializations("days")[0].created_at == format_ms(START)


def test_history_is_ordered_by_creation_not_declaration() -> None:
    world, _ = _make_world(
        (
            HistoryRun("plain", RunStatus.SUCCEEDED, START - 10_000),
            HistoryRun("plain", RunStatus.SUCCEEDED, START - 90_000),
        )
    )
    runs = world.runs("plain")
    assert [r.created_at for r in runs] == [format_ms(START - 90_000), format_ms(START - 10_000)]
    listed = world.list_runs("plain").items
    assert [r.id for r in listed] == [runs[1].id, runs[0].id]


def test_generated_history_counts_ratio_and_spread() -> None:
    world, _ = _make_world(
        generate=(HistoryGenerate("plain", 10, succeeded_ratio=0.7, spread_seconds=100),)
    )
    runs = world.runs("plain")
    assert len(runs) == 10
    statuses = [r.status for r in runs]
    assert statuses.count(RunStatus.SUCCEEDED) == 7
    assert statuses.count(RunStatus.FAILED) == 3
    created = [_ms(r.created_at) for r in runs]
    assert created == [START - 100_000 + 10_000 * i for i in range(10)]
    assert all(_ms(r.ended_at or "") <= START for r in runs)
    mats = world.materializations("plain")
    assert len(mats) == 7
    by_run = {r.id: r for r in runs}
    for mat in mats:
        assert by_run[mat.run_id].status is RunStatus.SUCCEEDED
        assert mat.created_at == by_run[mat.run_id].ended_at
    assert world.counts()["runs"] == 10
    assert world.counts()["materializations"] == 7


def test_generated_successes_are_spread_not_bunched() -> None:
    world, _ = _make_world(generate=(HistoryGenerate("plain", 100, succeeded_ratio=0.5),))
    statuses = [r.status for r in world.runs("plain")]
    assert statuses[:50].count(RunStatus.SUCCEEDED) == 25
    assert statuses[50:].count(RunStatus.SUCCEEDED) == 25


def test_generated_history_defaults_to_one_day_before_the_start() -> None:
    world, _ = _make_world(generate=(HistoryGenerate("plain", 4),))
    runs = world.runs("plain")
    assert runs[0].created_at == format_ms(START - 86_400_000)
    assert all(_ms(r.created_at) < START for r in runs)
    assert {r.status for r in runs} == {RunStatus.SUCCEEDED}


def test_generated_history_cycles_through_partitions() -> None:
    world, _ = _make_world(generate=(HistoryGenerate("days", 7),))
    assert [r.partition_key for r in world.runs("days")] == [
        "2024-01-01",
        "2024-01-02",
        "2024-01-03",
        "2024-01-01",
        "2024-01-02",
        "2024-01-03",
        "2024-01-01",
    ]


def test_live_runs_come_after_history() -> None:
    world, _ = _make_world(generate=(HistoryGenerate("plain", 3),))
    live, _ = world.trigger("plain")
    listed = world.list_runs("plain").items
    assert listed[0].id == live.id
    assert len({r.id for r in listed}) == 4
    assert world.runs("plain")[-1].id == live.id


def test_history_of_an_unknown_asset_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown asset"):
        _make_world((HistoryRun("nope", RunStatus.SUCCEEDED, START - 1000),))


@pytest.mark.parametrize(
    "status", [RunStatus.QUEUED, RunStatus.STARTING, RunStatus.RUNNING, RunStatus.CANCELING]
)
def test_history_runs_must_be_terminal(status: RunStatus) -> None:
    with pytest.raises(ValueError):
        _make_world((HistoryRun("plain", status, START - 60_000),))


def test_history_runs_must_be_created_before_the_start() -> None:
    # Accepted, it would end before it was created and break the newest-first order.
    with pytest.raises(ValueError):
        _make_world((HistoryRun("plain", RunStatus.SUCCEEDED, START + 1),))


def test_a_history_run_created_at_the_start_ends_there() -> None:
    world, _ = _make_world((HistoryRun("plain", RunStatus.SUCCEEDED, START),))
    [run] = world.runs("plain")
    assert run.created_at == run.started_at == run.ended_at == format_ms(START)
    live, _ = world.trigger("plain")
    assert [r.id for r in world.list_runs("plain").items] == [live.id, run.id]


def test_one_history_is_shared_by_worlds_without_leaking_between_them() -> None:
    config = WorldConfig(START, ASSETS, history_generate=(HistoryGenerate("plain", 5),))
    history = History.build(config)
    first = World(config, ManualClock(START), history)
    second = World(config, ManualClock(START), history)
    first.trigger("plain")
    first.run_until_idle()
    assert len(first.runs("plain")) == 6
    assert len(second.runs("plain")) == 5
    assert len(second.materializations("plain")) == 5
    assert [r.id for r in second.runs("plain")] == [r.id for r in first.runs("plain")[:5]]
