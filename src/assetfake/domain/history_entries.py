"""What a history run follows from: its asset's timing, and for a generated run, its place in
its ``history.generate`` entry.

A generated run is never stored as a record: run ``i`` of an entry is created at
``start + i * spread // runs``, succeeds when the running total of successes steps up (so that
they spread evenly) and names partition ``i mod len(keys)``; :meth:`Generated.record` makes its
record when a list reads it, and the ``*_column`` methods give the same values for every ``i``
at once (what building the history's indexes reads).
"""

from __future__ import annotations

import bisect
import operator
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import islice, repeat

from assetfake.domain.config import AssetConfig, HistoryGenerate
from assetfake.domain.records import NO_TAGS, RunRecord
from assetfake.domain.status import RunStatus
from assetfake.domain.timestamps import seconds_to_ms


@dataclass(frozen=True, slots=True)
class Timing:
    """An asset's run durations as offsets from creation (ms), and how its runs fail: a history
    run has the timestamps it would have had running live, capped at the clock's start."""

    starting_ms: int  # created -> STARTING
    running_ms: int  # created -> RUNNING
    ended_ms: int  # created -> the end of a run that runs to the end
    fails_starting: bool
    error_message: str
    limit_ms: int  # the clock's start

    @classmethod
    def of(cls, asset: AssetConfig, limit_ms: int) -> Timing:
        cfg = asset.run
        starting = seconds_to_ms(cfg.queued_seconds)
        running = starting + seconds_to_ms(cfg.starting_seconds)
        ended = running + seconds_to_ms(cfg.running_seconds)
        fails_starting = cfg.fail_stage == "starting"
        return cls(starting, running, ended, fails_starting, cfg.error_message, limit_ms)

    def finished(
        self,
        seq: int,
        run_id: str,
        asset: str,
        partition: str | None,
        tags: Mapping[str, str],
        created_ms: int,
        status: RunStatus,
        message: str | None,
    ) -> RunRecord:
        """The record of a run created at ``created_ms`` that ended in ``status``."""
        limit = self.limit_ms
        started: int | None = None
        error: str | None = None
        if status is RunStatus.CANCELED:
            ended = min(created_ms + self.starting_ms, limit)
        elif status is RunStatus.FAILED and self.fails_starting:
            ended = min(created_ms + self.running_ms, limit)
            error = message or self.error_message
        else:
            started = min(created_ms + self.running_ms, limit)
            ended = min(created_ms + self.ended_ms, limit)
            if status is RunStatus.FAILED:
                error = message or self.error_message
        # Positional, in RunRecord's field order (no backfill, not set to fail).
        return RunRecord(
            seq,
            run_id,
            asset,
            partition,
            tags,
            created_ms,
            None,
            False,
            error,
            status,
            started,
            ended,
        )

    def succeeded_ends(self, created: list[int]) -> list[int]:
        """When runs created at ``created`` (ascending) ended, had they run to the end: those
        still going at the clock's start end there."""
        capped = bisect.bisect_right(created, self.limit_ms - self.ended_ms)
        ends = list(map(operator.add, islice(created, capped), repeat(self.ended_ms)))
        ends += repeat(self.limit_ms, len(created) - capped)
        return ends


@dataclass(frozen=True, slots=True)
class Generated:
    """One ``history.generate`` entry, placed among the planned runs at ``offset``."""

    asset: str
    timing: Timing
    offset: int
    runs: int
    start_ms: int
    spread_ms: int
    ratio: float
    keys: tuple[str, ...] | None

    @classmethod
    def of(cls, gen: HistoryGenerate, asset: AssetConfig, offset: int, limit_ms: int) -> Generated:
        spread = max(1, seconds_to_ms(gen.spread_seconds))
        keys = asset.partitions.keys if asset.partitions is not None else None
        timing = Timing.of(asset, limit_ms)
        start = limit_ms - spread
        return cls(gen.asset, timing, offset, gen.runs, start, spread, gen.succeeded_ratio, keys)

    def created(self, i: int) -> int:
        return self.start_ms + (i * self.spread_ms) // self.runs

    def succeeded(self, i: int) -> bool:
        ratio = self.ratio
        return int((i + 1) * ratio) > int(i * ratio)

    def record(self, seq: int, run_id: str, i: int) -> RunRecord:
        """The record of run ``i`` of this entry, numbered ``seq``."""
        keys = self.keys
        partition = None if keys is None else keys[i % len(keys)]
        status = RunStatus.SUCCEEDED if self.succeeded(i) else RunStatus.FAILED
        timing = self.timing
        return timing.finished(
            seq, run_id, self.asset, partition, NO_TAGS, self.created(i), status, None
        )

    def created_column(self) -> list[int]:
        """:meth:`created` of every run, in order."""
        start, spread, runs = self.start_ms, self.spread_ms, self.runs
        if spread % runs == 0:
            return list(range(start, start + spread, spread // runs))
        return [start + (i * spread) // runs for i in range(runs)]

    def succeeded_column(self) -> list[bool]:
        """:meth:`succeeded` of every run, in order (the same arithmetic, run by the C loops of
        ``map``: ``int(i * ratio)`` once for each ``i``)."""
        floors = list(map(int, map(operator.mul, range(self.runs + 1), repeat(self.ratio))))
        return list(map(operator.gt, floors[1:], floors[:-1]))
