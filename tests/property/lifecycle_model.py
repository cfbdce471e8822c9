"""The lifecycle of CONTRACT section 2, written again from its text: the property test's oracle.

Nothing here is taken from ``assetfake.domain`` but the status names and the ``RunConfig`` record
a world is built from. The moves a run may make, which statuses are terminal, how long each one
lasts, which runs hold a ``max_concurrent`` slot, and how a backfill's status and counts follow
from its runs are all spelled out below, so that a wrong entry in ``src``'s own tables (or a
lifecycle that disagrees with them) makes ``test_lifecycle_machine.py`` fail.

The model is a plain simulation: it walks the instants at which something is due, in time
order, and at each instant moves every run whose status has lasted its configured time, then
serves the queue (first created, first served) while a slot is free, until nothing changes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from assetfake.domain.config import RunConfig
from assetfake.domain.status import RunStatus

QUEUED = RunStatus.QUEUED
STARTING = RunStatus.STARTING
RUNNING = RunStatus.RUNNING
SUCCEEDED = RunStatus.SUCCEEDED
FAILED = RunStatus.FAILED
CANCELING = RunStatus.CANCELING
CANCELED = RunStatus.CANCELED

#: Every move of a run that section 2 allows, one pair per arrow of its text.
MOVES: frozenset[tuple[RunStatus, RunStatus]] = frozenset(
    {
        (QUEUED, STARTING),
        (STARTING, RUNNING),
        (RUNNING, SUCCEEDED),
        (RUNNING, FAILED),
        (STARTING, FAILED),  # a start failure
        (QUEUED, CANCELED),  # cancel while queued
        (STARTING, CANCELING),
        (RUNNING, CANCELING),
        (CANCELING, CANCELED),
    }
)
TERMINAL = frozenset({SUCCEEDED, FAILED, CANCELED})
#: The ``partition_counts`` bucket of each status: ``running`` is whatever left the queue and
#: is not terminal yet.
BUCKET: Mapping[RunStatus, str] = {
    QUEUED: "queued",
    STARTING: "running",
    RUNNING: "running",
    CANCELING: "running",
    SUCCEEDED: "succeeded",
    FAILED: "failed",
    CANCELED: "canceled",
}
BUCKETS = ("queued", "running", "succeeded", "failed", "canceled")
#: Runs holding one of ``max_concurrent`` slots. Section 2 names STARTING and RUNNING; a run
#: being canceled keeps its slot until it is CANCELED (the fake's behaviour, which this test
#: has always accepted; the contract does not say either way).
HOLDS_SLOT = frozenset({STARTING, RUNNING, CANCELING})


def _starting(cfg: RunConfig) -> float:
    return cfg.starting_seconds


def _running(cfg: RunConfig) -> float:
    return cfg.running_seconds


def _canceling(cfg: RunConfig) -> float:
    return cfg.canceling_seconds


#: How long each timed status lasts (QUEUED lasts its queue time, then until a slot is free).
LASTS: Mapping[RunStatus, Callable[[RunConfig], float]] = {
    STARTING: _starting,
    RUNNING: _running,
    CANCELING: _canceling,
}


def ms(seconds: float) -> int:
    return round(seconds * 1000)


def reachable(start: RunStatus) -> frozenset[RunStatus]:
    """Every status a run in ``start`` may show later (itself included)."""
    seen = {start}
    todo = [start]
    while todo:
        here = todo.pop()
        for old, new in MOVES:
            if old is here and new not in seen:
                seen.add(new)
                todo.append(new)
    return frozenset(seen)


def derive_backfill_status(statuses: Sequence[RunStatus], canceled: bool) -> RunStatus:
    """Section 2's backfill status, from its runs' statuses alone."""
    all_terminal = all(s in TERMINAL for s in statuses)
    if canceled:
        return CANCELED if all_terminal else CANCELING
    if all_terminal:
        if FAILED in statuses:
            return FAILED
        if all(s is SUCCEEDED for s in statuses):
            return SUCCEEDED
        return CANCELED  # its runs were canceled one by one
    if all(s is QUEUED for s in statuses):
        return QUEUED
    return RUNNING


@dataclass
class ModelRun:
    id: str
    asset: str
    partition: str | None
    backfill_id: str | None
    created_ms: int
    fails: bool | None  # None: drawn from the seeded RNG, learnt when the outcome is due
    status: RunStatus = QUEUED
    since_ms: int = 0  # when it entered its status
    started_ms: int | None = None
    ended_ms: int | None = None


@dataclass
class ModelBackfill:
    id: str
    created_ms: int
    runs: list[ModelRun] = field(default_factory=list)
    canceled: bool = False
    updated_ms: int = 0
    ended_ms: int | None = None

    @property
    def status(self) -> RunStatus:
        return derive_backfill_status([r.status for r in self.runs], self.canceled)

    @property
    def counts(self) -> tuple[int, ...]:
        buckets = [BUCKET[r.status] for r in self.runs]
        return tuple(buckets.count(name) for name in BUCKETS)


def fails_upfront(cfg: RunConfig, partition: str | None) -> bool | None:
    """Whether a new run will fail, when the configuration alone says so."""
    if partition is not None and partition in cfg.fail_partitions:
        return True
    if cfg.fail_probability <= 0:
        return False
    if cfg.fail_probability >= 1:
        return True
    return None


class LifecycleModel:
    """The runs and backfills of one world as section 2 says they must be.

    ``failed(run_id)`` answers, when a run's outcome is due, whether the seeded RNG made it fail
    (the one thing the contract leaves to the fake); every other fact is the model's own.
    """

    def __init__(self, configs: Mapping[str, RunConfig], failed: Callable[[str], bool]) -> None:
        self.configs = dict(configs)
        self._failed = failed
        self.runs: dict[str, ModelRun] = {}  # creation order: the order the queue is served in
        self.backfills: dict[str, ModelBackfill] = {}

    # ------------------------------------------------------------------ what the API does

    def add_run(
        self, run_id: str, asset: str, partition: str | None, now: int, backfill: str | None = None
    ) -> ModelRun:
        fails = fails_upfront(self.configs[asset], partition)
        run = ModelRun(run_id, asset, partition, backfill, now, fails, since_ms=now)
        self.runs[run_id] = run
        return run

    def add_backfill(
        self, backfill_id: str, asset: str, runs: Sequence[tuple[str, str]], now: int
    ) -> ModelBackfill:
        """``runs``: (run id, partition key) in partition order."""
        backfill = ModelBackfill(backfill_id, now, updated_ms=now)
        self.backfills[backfill_id] = backfill
        for run_id, key in runs:
            backfill.runs.append(self.add_run(run_id, asset, key, now, backfill_id))
        return backfill

    def cancel_run(self, run_id: str, now: int) -> RunStatus | None:
        """The run's status after a cancel; None when it may not be canceled (terminal)."""
        run = self.runs[run_id]
        if run.status in TERMINAL:
            return None
        self._cancel(run, now)
        return run.status

    def cancel_backfill(self, backfill_id: str, now: int) -> RunStatus | None:
        backfill = self.backfills[backfill_id]
        if backfill.status in TERMINAL:
            return None
        if not backfill.canceled:
            backfill.canceled = True
            backfill.updated_ms = now
            for run in backfill.runs:
                if run.status not in TERMINAL:
                    self._cancel(run, now)
        return backfill.status

    def advance(self, now: int) -> None:
        """Process every instant up to ``now`` at which something is due, in time order."""
        for _ in range(10_000):
            instant = self._next_instant(now)
            if instant is None:
                return
            self._settle(instant)
        raise AssertionError("the model did not settle (a bug in the model)")

    # -------------------------------------------------------------------------- internals

    def _due(self, run: ModelRun) -> int | None:
        lasts = LASTS.get(run.status)
        return None if lasts is None else run.since_ms + ms(lasts(self.configs[run.asset]))

    def _ready(self, run: ModelRun) -> int:
        return run.created_ms + ms(self.configs[run.asset].queued_seconds)

    def _free_slot(self, asset: str) -> bool:
        limit = self.configs[asset].max_concurrent
        busy = sum(r.asset == asset and r.status in HOLDS_SLOT for r in self.runs.values())
        return limit is None or busy < limit

    def _next_instant(self, now: int) -> int | None:
        due: list[int] = []
        for run in self.runs.values():
            end = self._due(run)
            if end is not None:
                due.append(end)
            elif run.status is QUEUED and self._free_slot(run.asset):
                due.append(self._ready(run))
        return min((t for t in due if t <= now), default=None)

    def _settle(self, at: int) -> None:
        """Everything that happens at one instant; zero durations still pass through."""
        changed = True
        while changed:
            changed = False
            for run in list(self.runs.values()):
                end = self._due(run)
                if end is not None and end <= at:
                    if end != at:
                        raise AssertionError(f"the model missed the instant {end} of {run.id}")
                    self._finish(run, at)
                    changed = True
            for asset in self.configs:
                changed = self._serve_queue(asset, at) or changed

    def _serve_queue(self, asset: str, at: int) -> bool:
        """First created, first served: queued runs whose queue time is over take free slots."""
        served = False
        for run in list(self.runs.values()):
            if run.asset != asset or run.status is not QUEUED or self._ready(run) > at:
                continue
            if not self._free_slot(asset):
                break
            self._move(run, STARTING, at)
            served = True
        return served

    def _finish(self, run: ModelRun, at: int) -> None:
        """The end of a timed status; a failing run fails at the end of its fail_stage."""
        stage = self.configs[run.asset].fail_stage
        if run.status is STARTING:
            failing = stage == "starting" and self._fails(run)
            self._move(run, FAILED if failing else RUNNING, at)
        elif run.status is RUNNING:
            failing = stage == "running" and self._fails(run)
            self._move(run, FAILED if failing else SUCCEEDED, at)
        else:
            self._move(run, CANCELED, at)

    def _fails(self, run: ModelRun) -> bool:
        if run.fails is None:
            run.fails = self._failed(run.id)
        return run.fails

    def _cancel(self, run: ModelRun, at: int) -> None:
        if run.status is QUEUED:
            self._move(run, CANCELED, at)
        elif run.status in (STARTING, RUNNING):
            self._move(run, CANCELING, at)

    def _move(self, run: ModelRun, new: RunStatus, at: int) -> None:
        if (run.status, new) not in MOVES:
            raise AssertionError(f"the model moved {run.id} {run.status.value} -> {new.value}")
        run.status, run.since_ms = new, at
        if new is RUNNING:
            run.started_ms = at
        if new in TERMINAL:
            run.ended_ms = at
        if run.backfill_id is not None:
            backfill = self.backfills[run.backfill_id]
            backfill.updated_ms = at
            if backfill.ended_ms is None and backfill.status in TERMINAL:
                backfill.ended_ms = at
