"""What the property test compares after every step: the world's view, its durations read
from each run's own fields, and the world against the model of ``lifecycle_model.py``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from lifecycle_model import LifecycleModel, ms

from assetfake.domain.config import RunConfig
from assetfake.domain.resources import Backfill, Materialization, Run
from assetfake.domain.status import RunStatus
from assetfake.domain.timestamps import parse_rfc3339


@dataclass(frozen=True)
class Snapshot:
    """What the world shows after one step; the invariants share it (they do not change it)."""

    runs: list[Run]
    backfills: list[Backfill]
    materializations: list[Materialization]
    now_ms: int

    def runs_of(self, asset: str) -> list[Run]:
        return [r for r in self.runs if r.asset_key == asset]


def ms_of(stamp: str | None) -> int | None:
    return None if stamp is None else parse_rfc3339(stamp)


def check_durations(snap: Snapshot, configs: Mapping[str, RunConfig]) -> None:
    """Read from each run's own fields: RUNNING lasts running_seconds, a run starts no
    sooner than its queue and starting times allow (exactly then when slots are unlimited),
    and no status outlives its time."""
    for run in snap.runs:
        cfg = configs[run.asset_key]
        created, started, ended = ms_of(run.created_at), ms_of(run.started_at), ms_of(run.ended_at)
        assert created is not None
        queued, starting = ms(cfg.queued_seconds), ms(cfg.starting_seconds)
        running = ms(cfg.running_seconds)
        free = cfg.max_concurrent is None
        if started is not None:  # it passed QUEUED and STARTING
            assert started >= created + queued + starting, run
            assert started == created + queued + starting or not free, run
        if run.status is RunStatus.RUNNING:
            assert started is not None and snap.now_ms < started + running, run
        if run.status in (RunStatus.SUCCEEDED, RunStatus.FAILED) and started is not None:
            assert ended == started + running, run
        if run.status is RunStatus.FAILED and started is None:  # a start failure
            assert cfg.fail_stage == "starting", run
            assert ended is not None and ended >= created + queued + starting, run
            assert ended == created + queued + starting or not free, run
        if free and run.status is RunStatus.QUEUED:
            assert snap.now_ms < created + queued, run
        if free and run.status is RunStatus.STARTING:
            assert snap.now_ms < created + queued + starting, run


def check_against_model(
    snap: Snapshot, model: LifecycleModel, configs: Mapping[str, RunConfig]
) -> None:
    """Every run, backfill and materialization is what the contract's model says."""
    for run in snap.runs:
        want = model.runs[run.id]
        message = configs[run.asset_key].error_message
        error = None if run.error is None else run.error.message
        shown = (run.status, ms_of(run.started_at), ms_of(run.ended_at), error)
        expected = (
            want.status,
            want.started_ms,
            want.ended_ms,
            message if want.status is RunStatus.FAILED else None,
        )
        assert shown == expected, f"{run.id}: world {shown}, model {expected}"
    assert len(snap.runs) == len(model.runs)
    for backfill in snap.backfills:
        want_bf = model.backfills[backfill.id]
        c = backfill.partition_counts
        shown_bf = (
            backfill.status,
            (c.queued, c.running, c.succeeded, c.failed, c.canceled),
            ms_of(backfill.updated_at),
            ms_of(backfill.ended_at),
        )
        expected_bf = (want_bf.status, want_bf.counts, want_bf.updated_ms, want_bf.ended_ms)
        assert shown_bf == expected_bf, f"{backfill.id}: world {shown_bf}, model {expected_bf}"
    assert len(snap.backfills) == len(model.backfills)
    made = {m.run_id: ms_of(m.created_at) for m in snap.materializations}
    succeeded = {r.id: r.ended_ms for r in model.runs.values() if r.status is RunStatus.SUCCEEDED}
    assert made == succeeded
