"""Run statuses and the transition table of section 2 of the contract."""

from __future__ import annotations

from enum import Enum


class RunStatus(str, Enum):
    QUEUED = "QUEUED"
    STARTING = "STARTING"
    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    CANCELING = "CANCELING"
    CANCELED = "CANCELED"

    #: Hashed as its text, in C: Enum's own ``__hash__`` (``hash(self._name_)``, the same
    #: number, since each name is its value) is a Python call, and statuses key hot dicts and
    #: sets (every resource asks ``terminal``).
    __hash__ = str.__hash__

    @property
    def terminal(self) -> bool:
        return self in TERMINAL


TERMINAL = frozenset({RunStatus.SUCCEEDED, RunStatus.FAILED, RunStatus.CANCELED})

#: Every allowed move of a run. Anything else is a bug.
TRANSITIONS: dict[RunStatus, frozenset[RunStatus]] = {
    RunStatus.QUEUED: frozenset({RunStatus.STARTING, RunStatus.CANCELED}),
    RunStatus.STARTING: frozenset({RunStatus.RUNNING, RunStatus.FAILED, RunStatus.CANCELING}),
    RunStatus.RUNNING: frozenset({RunStatus.SUCCEEDED, RunStatus.FAILED, RunStatus.CANCELING}),
    RunStatus.CANCELING: frozenset({RunStatus.CANCELED}),
    RunStatus.SUCCEEDED: frozenset(),
    RunStatus.FAILED: frozenset(),
    RunStatus.CANCELED: frozenset(),
}

#: The ``partition_counts`` bucket of a backfill that each run status falls in.
COUNT_BUCKET: dict[RunStatus, str] = {
    RunStatus.QUEUED: "queued",
    RunStatus.STARTING: "running",
    RunStatus.RUNNING: "running",
    RunStatus.CANCELING: "running",
    RunStatus.SUCCEEDED: "succeeded",
    RunStatus.FAILED: "failed",
    RunStatus.CANCELED: "canceled",
}

ALL_STATUSES = tuple(status.value for status in RunStatus)
