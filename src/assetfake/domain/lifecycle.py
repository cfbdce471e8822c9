"""The lifecycle of live records: created with the next sequence number, moved through the
status table by the clock.

A transition is a heap entry ``(due, order, kind, run)``, so catching up with the clock costs
what is due, not what is stored. An entry is valid only while its run still has the status it
was scheduled for (a canceled run's stale entries are skipped).
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Mapping

from assetfake.domain import ids
from assetfake.domain.clock import Clock
from assetfake.domain.errors import ClockError
from assetfake.domain.indexes import AssetState, bucket
from assetfake.domain.records import BackfillRecord, MaterializationRecord, RunRecord
from assetfake.domain.status import TRANSITIONS, RunStatus
from assetfake.domain.timestamps import MAX_MS, seconds_to_ms

# Event kinds, each valid only while the run still has the status it was scheduled for.
_QUEUE_DONE, _START_DONE, _RUN_DONE, _CANCEL_DONE = range(4)
_EXPECTS = {
    _QUEUE_DONE: RunStatus.QUEUED,
    _START_DONE: RunStatus.STARTING,
    _RUN_DONE: RunStatus.RUNNING,
    _CANCEL_DONE: RunStatus.CANCELING,
}
_HOLDS_SLOT = frozenset({RunStatus.STARTING, RunStatus.RUNNING, RunStatus.CANCELING})


class Lifecycle:
    """Creates a world's live runs, backfills and materializations, keeps them by id, and
    fires their transitions in time order."""

    def __init__(
        self, clock: Clock, assets: dict[str, AssetState], seed: int, first_seq: int
    ) -> None:
        self.clock = clock
        self.runs_by_id: dict[str, RunRecord] = {}
        self.backfills_by_id: dict[str, BackfillRecord] = {}
        self.materializations_by_id: dict[str, MaterializationRecord] = {}
        self._assets = assets
        self._tag = ids.seed_tag(seed)
        self._seq = first_seq
        self._order = 0
        self._events: list[tuple[int, int, int, RunRecord]] = []
        self._outcomes = random.Random(f"{seed}:outcomes")

    @property
    def pending(self) -> int:
        """Transitions scheduled and not yet due (including stale ones of canceled runs)."""
        return len(self._events)

    # ------------------------------------------------------------------------ creation

    def new_backfill(
        self,
        state: AssetState,
        keys: tuple[str, ...],
        selection: dict[str, object],
        title: str | None,
        tags: Mapping[str, str],
    ) -> BackfillRecord:
        """A backfill and one QUEUED run per key, in the keys' order."""
        seq = self._next_seq()
        backfill = BackfillRecord(
            seq,
            ids.make_id(ids.BACKFILL, self._tag, seq),
            state.config.key,
            keys,
            selection,
            title,
            dict(tags),
            self.clock.now_ms(),
        )
        self.backfills_by_id[backfill.id] = backfill
        state.backfills.add(backfill)
        bucket(state.backfills_by_status, backfill.status).add(backfill)
        runs = [self._new_run(state, key, tags, backfill) for key in keys]
        backfill.runs.extend(runs)
        state.runs.update(runs)  # in bulk: one merge, not one insertion per partition
        bucket(state.runs_by_status, RunStatus.QUEUED).update(runs)
        return backfill

    def new_run(
        self, state: AssetState, partition: str | None, tags: Mapping[str, str]
    ) -> RunRecord:
        """A QUEUED run, its outcome drawn now (seeded), its first transition scheduled."""
        run = self._new_run(state, partition, tags, None)
        state.runs.add(run)
        bucket(state.runs_by_status, RunStatus.QUEUED).add(run)
        return run

    def _new_run(
        self,
        state: AssetState,
        partition: str | None,
        tags: Mapping[str, str],
        backfill: BackfillRecord | None,
    ) -> RunRecord:
        """A QUEUED run, known by id and scheduled but not yet in the asset's indexes."""
        cfg = state.config.run
        fails = partition is not None and partition in cfg.fail_partitions
        if cfg.fail_probability > 0 and self._outcomes.random() < cfg.fail_probability:
            fails = True
        seq = self._next_seq()
        now = self.clock.now_ms()
        run = RunRecord(
            seq,
            ids.make_id(ids.RUN, self._tag, seq),
            state.config.key,
            partition,
            dict(tags),
            now,
            None if backfill is None else backfill.id,
            fails,
            cfg.error_message if fails else None,
        )
        self.runs_by_id[run.id] = run
        if backfill is not None:
            backfill.count_move(None, RunStatus.QUEUED)
        self._schedule(now + seconds_to_ms(cfg.queued_seconds), _QUEUE_DONE, run)
        return run

    def _next_seq(self) -> int:
        seq = self._seq
        self._seq += 1
        return seq

    def _materialize(self, state: AssetState, run: RunRecord, at: int) -> None:
        seq = self._next_seq()
        mat = MaterializationRecord.of_run(seq, self._tag, run, at, state.config.metadata)
        self.materializations_by_id[mat.id] = mat
        state.materializations.add(mat)

    # ------------------------------------------------------------------------- moving

    def cancel(self, run: RunRecord, at: int) -> None:
        """QUEUED runs end CANCELED now; started ones pass through CANCELING."""
        if run.status is RunStatus.QUEUED:
            self._move(run, RunStatus.CANCELED, at)
        elif run.status in (RunStatus.STARTING, RunStatus.RUNNING):
            self._move(run, RunStatus.CANCELING, at)
            cfg = self._assets[run.asset].config.run
            self._schedule(at + seconds_to_ms(cfg.canceling_seconds), _CANCEL_DONE, run)

    def cancel_backfill(self, backfill: BackfillRecord, at: int) -> None:
        backfill.canceled = True
        for run in backfill.runs:
            if not run.status.terminal:
                self.cancel(run, at)
        self._refresh_backfill(backfill, at)

    def catch_up(self) -> int:
        """Process every transition due by the clock's now, in time order."""
        now = self.clock.now_ms()
        events = self._events
        done = 0
        while events and events[0][0] <= now:
            due, _, kind, run = heapq.heappop(events)
            if run.status is _EXPECTS[kind]:
                self._fire(kind, run, due)
                done += 1
        return done

    def run_until_idle(self, limit: int) -> int:
        """Advance a manual clock through every pending transition; returns how many ran."""
        if self.clock.mode != "manual":
            raise ClockError("run_until_idle needs a manual clock")
        done = self.catch_up()
        while self._drop_stale() and done < limit:
            if self._events[0][0] > MAX_MS:
                raise ClockError("the next transition is due after the year 9999")
            self.clock.advance_to_ms(self._events[0][0])
            done += self.catch_up()
        return done

    def _drop_stale(self) -> bool:
        """Drop due-less events of runs that moved on (canceled); is anything left?"""
        events = self._events
        while events and events[0][3].status is not _EXPECTS[events[0][2]]:
            heapq.heappop(events)
        return bool(events)

    def _schedule(self, due: int, kind: int, run: RunRecord) -> None:
        self._order += 1
        heapq.heappush(self._events, (due, self._order, kind, run))

    def _fire(self, kind: int, run: RunRecord, at: int) -> None:
        state = self._assets[run.asset]
        cfg = state.config.run
        if kind == _QUEUE_DONE:
            heapq.heappush(state.waiting, (run.seq, run))
            self._fill_slots(state, at)
        elif kind == _START_DONE:
            if run.fails and cfg.fail_stage == "starting":
                self._move(run, RunStatus.FAILED, at)
            else:
                self._move(run, RunStatus.RUNNING, at)
                self._schedule(at + seconds_to_ms(cfg.running_seconds), _RUN_DONE, run)
        elif kind == _RUN_DONE:
            self._move(run, RunStatus.FAILED if run.fails else RunStatus.SUCCEEDED, at)
        else:
            self._move(run, RunStatus.CANCELED, at)

    def _fill_slots(self, state: AssetState, at: int) -> None:
        limit = state.config.run.max_concurrent
        while state.waiting and (limit is None or state.busy < limit):
            _, run = heapq.heappop(state.waiting)
            if run.status is RunStatus.QUEUED:  # a canceled one is skipped
                self._move(run, RunStatus.STARTING, at)
                self._schedule(
                    at + seconds_to_ms(state.config.run.starting_seconds), _START_DONE, run
                )

    def _move(self, run: RunRecord, new: RunStatus, at: int) -> None:
        old = run.status
        if new not in TRANSITIONS[old]:
            raise RuntimeError(f"illegal transition {old.value} -> {new.value} of {run.id}")
        state = self._assets[run.asset]
        state.runs_by_status[old].remove(run)
        run.status = new
        bucket(state.runs_by_status, new).add(run)
        if new is RunStatus.RUNNING:
            run.started_ms = at
        if new.terminal:
            run.ended_ms = at
        if not run.fails and new is RunStatus.FAILED:
            run.error_message = state.config.run.error_message
        held, holds = old in _HOLDS_SLOT, new in _HOLDS_SLOT
        state.busy += int(holds) - int(held)
        if new is RunStatus.SUCCEEDED:
            self._materialize(state, run, at)
        if run.backfill_id is not None:
            backfill = self.backfills_by_id[run.backfill_id]
            backfill.count_move(old, new)
            self._refresh_backfill(backfill, at)
        if held and not holds:
            self._fill_slots(state, at)

    def _refresh_backfill(self, backfill: BackfillRecord, at: int) -> None:
        backfill.updated_ms = at
        new = backfill.derive_status()
        if new is backfill.status:
            return
        state = self._assets[backfill.asset]
        state.backfills_by_status[backfill.status].remove(backfill)
        backfill.status = new
        bucket(state.backfills_by_status, new).add(backfill)
        if new.terminal:
            backfill.ended_ms = at
