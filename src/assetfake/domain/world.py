"""The world: assets, their runs, backfills and materializations, moved by the clock.

Every public method first catches up with the clock (processing the transitions due by now, in
time order), then does its one thing. A transition is a heap entry, so catching up costs what is
due, not what is stored.
"""

from __future__ import annotations

import copy
import hashlib
import heapq
import itertools
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, cast

from sortedcontainers import SortedKeyList

from assetfake.domain import ids
from assetfake.domain.clock import Clock
from assetfake.domain.config import AssetConfig, WorldConfig
from assetfake.domain.errors import ClockError, Conflict, InvalidRequest, NotFound
from assetfake.domain.history import AssetHistory, History
from assetfake.domain.pagination import Cursor, Paginator, TokenCodec, new_index, page_size
from assetfake.domain.records import BackfillRecord, MaterializationRecord, RunRecord
from assetfake.domain.resources import Backfill, Materialization, Page, Run
from assetfake.domain.selection import PartitionSelection
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
_Record = RunRecord | BackfillRecord | MaterializationRecord
Kind = Literal["runs", "backfills", "materializations"]
_HOLDS_SLOT = frozenset({RunStatus.STARTING, RunStatus.RUNNING, RunStatus.CANCELING})


@dataclass(slots=True)
class _AssetState:
    config: AssetConfig
    history: AssetHistory
    runs: SortedKeyList = field(default_factory=new_index)
    runs_by_status: dict[RunStatus, SortedKeyList] = field(default_factory=dict)
    materializations: SortedKeyList = field(default_factory=new_index)
    backfills: SortedKeyList = field(default_factory=new_index)
    backfills_by_status: dict[RunStatus, SortedKeyList] = field(default_factory=dict)
    busy: int = 0  # runs holding a slot: STARTING, RUNNING, CANCELING
    waiting: list[tuple[int, RunRecord]] = field(default_factory=list)  # heap by seq


class World:
    """One simulated deployment. Not thread-safe: callers serialise access."""

    def __init__(self, config: WorldConfig, clock: Clock, history: History | None = None) -> None:
        self.config = config
        self.clock = clock
        self.history = history if history is not None else History.build(config)
        self._tag = ids.seed_tag(config.seed)
        self._seq = self.history.next_seq
        self._order = 0
        self._events: list[tuple[int, int, int, RunRecord]] = []
        self._outcomes = random.Random(f"{config.seed}:outcomes")
        secret = hashlib.sha256(f"assetfake:page-token:{config.seed}".encode()).digest()
        ttl = config.pagination.page_token_ttl_seconds
        self._tokens = TokenCodec(secret, None if ttl is None else seconds_to_ms(ttl))
        self._paginator: Paginator[_Record] = Paginator(
            config.pagination, random.Random(f"{config.seed}:pages")
        )
        self._assets = {
            asset.key: _AssetState(asset, self.history.assets[asset.key]) for asset in config.assets
        }
        self._empty = new_index()  # stands in for a status the history has none of
        self._runs_by_id: dict[str, RunRecord] = {}
        self._backfills_by_id: dict[str, BackfillRecord] = {}
        self._materializations_by_id: dict[str, MaterializationRecord] = {}
        self._idempotency: dict[
            tuple[str, str, str], tuple[object, RunRecord | BackfillRecord]
        ] = {}

    # ----------------------------------------------------------------- the API's operations

    def list_runs(
        self,
        asset_key: str,
        status: RunStatus | None = None,
        max_results: int | None = None,
        page_token: str | None = None,
    ) -> Page[Run]:
        return cast("Page[Run]", self._page("runs", asset_key, status, max_results, page_token))

    def list_backfills(
        self,
        asset_key: str,
        status: RunStatus | None = None,
        max_results: int | None = None,
        page_token: str | None = None,
    ) -> Page[Backfill]:
        page = self._page("backfills", asset_key, status, max_results, page_token)
        return cast("Page[Backfill]", page)

    def list_materializations(
        self, asset_key: str, max_results: int | None = None, page_token: str | None = None
    ) -> Page[Materialization]:
        page = self._page("materializations", asset_key, None, max_results, page_token)
        return cast("Page[Materialization]", page)

    def get_backfill(self, asset_key: str, backfill_id: str) -> Backfill:
        self.catch_up()
        self._asset(asset_key)
        backfill = self._backfills_by_id.get(backfill_id)
        if backfill is None or backfill.asset != asset_key:
            raise NotFound(
                f"backfill '{backfill_id}' does not exist for asset '{asset_key}'",
                code="backfill_not_found",
            )
        return backfill.resource()

    def trigger(
        self,
        asset_key: str,
        partition_key: str | None = None,
        tags: Mapping[str, str] | None = None,
        idempotency_key: str | None = None,
    ) -> tuple[Run, bool]:
        """Queue one run. Returns the run and whether it was created (False: an idempotent
        replay of an earlier request with the same key and body)."""
        self.catch_up()
        state = self._asset(asset_key)
        tag_map = dict(tags or {})
        fingerprint = (partition_key, sorted(tag_map.items()))
        replay = self._replay("trigger", asset_key, idempotency_key, fingerprint)
        if isinstance(replay, RunRecord):
            return replay.resource(), False
        partitions = state.config.partitions
        if partitions is None and partition_key is not None:
            raise InvalidRequest(
                f"asset '{asset_key}' is not partitioned; omit partition_key",
                code="partition_not_allowed",
            )
        if partitions is not None:
            if partition_key is None:
                raise InvalidRequest(
                    f"asset '{asset_key}' is partitioned; partition_key is required",
                    code="partition_required",
                )
            if partition_key not in partitions:
                raise InvalidRequest(
                    f"'{partition_key}' is not a partition of asset '{asset_key}'",
                    code="unknown_partition",
                )
        run = self._new_run(state, partition_key, tag_map, None)
        self._remember("trigger", asset_key, idempotency_key, fingerprint, run)
        return run.resource(), True

    def create_backfill(
        self,
        asset_key: str,
        selection: PartitionSelection,
        title: str | None = None,
        tags: Mapping[str, str] | None = None,
        idempotency_key: str | None = None,
    ) -> tuple[Backfill, bool]:
        """Create a backfill and one QUEUED run per selected partition, in partition order."""
        self.catch_up()
        state = self._asset(asset_key)
        tag_map = dict(tags or {})
        fingerprint = (selection.echo(), title, sorted(tag_map.items()))
        replay = self._replay("backfill", asset_key, idempotency_key, fingerprint)
        if isinstance(replay, BackfillRecord):
            return replay.resource(), False
        partitions = state.config.partitions
        if partitions is None:
            raise InvalidRequest(
                f"asset '{asset_key}' is not partitioned; backfills need a partitioned asset",
                code="not_partitioned",
            )
        keys = selection.resolve(partitions, asset_key)
        seq = self._next_seq()
        now = self.clock.now_ms()
        backfill = BackfillRecord(
            seq,
            ids.make_id(ids.BACKFILL, self._tag, seq),
            asset_key,
            keys,
            selection.echo(),
            title,
            tag_map,
            now,
        )
        self._backfills_by_id[backfill.id] = backfill
        state.backfills.add(backfill)
        _bucket(state.backfills_by_status, backfill.status).add(backfill)
        for key in keys:
            backfill.runs.append(self._new_run(state, key, dict(tag_map), backfill))
        self._remember("backfill", asset_key, idempotency_key, fingerprint, backfill)
        return backfill.resource(), True

    # ------------------------------------------------------------------- control operations

    def cancel_run(self, run_id: str) -> Run:
        self.catch_up()
        run = self._runs_by_id.get(run_id) or self.history.runs_by_id.get(run_id)
        if run is None:
            raise NotFound(f"run '{run_id}' does not exist", code="run_not_found")
        if run.status.terminal:
            raise Conflict(
                f"run '{run_id}' is already {run.status.value}", code="run_not_cancelable"
            )
        self._cancel(run, self.clock.now_ms())
        return run.resource()

    def cancel_backfill(self, backfill_id: str) -> Backfill:
        self.catch_up()
        backfill = self._backfills_by_id.get(backfill_id)
        if backfill is None:
            raise NotFound(f"backfill '{backfill_id}' does not exist", code="backfill_not_found")
        if backfill.status.terminal:
            raise Conflict(
                f"backfill '{backfill_id}' is already {backfill.status.value}",
                code="backfill_not_cancelable",
            )
        if backfill.canceled:  # already CANCELING: nothing more to do
            return backfill.resource()
        now = self.clock.now_ms()
        backfill.canceled = True
        for run in backfill.runs:
            if not run.status.terminal:
                self._cancel(run, now)
        self._refresh_backfill(backfill, now)
        return backfill.resource()

    def run_until_idle(self, limit: int = 10_000_000) -> int:
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

    @property
    def pending(self) -> int:
        """Transitions scheduled and not yet due (including stale ones of canceled runs)."""
        return len(self._events)

    # -------------------------------------------------------------------- state inspection

    def copy(self) -> World:
        """An independent copy of this world (state, clock, pending transitions); the
        immutable configuration and history stay shared."""
        memo: dict[int, object] = {id(self.config): self.config, id(self.history): self.history}
        for state in self._assets.values():
            for shared in (state.config, state.config.metadata, state.history):
                memo[id(shared)] = shared
        return copy.deepcopy(self, memo)

    def assets(self) -> list[AssetConfig]:
        return list(self.config.assets)

    def runs(self, asset_key: str | None = None) -> list[Run]:
        """Every run, oldest first (history first)."""
        self.catch_up()
        return cast("list[Run]", [r.resource() for r in self._each(asset_key, "runs")])

    def backfills(self, asset_key: str | None = None) -> list[Backfill]:
        self.catch_up()
        return cast("list[Backfill]", [b.resource() for b in self._each(asset_key, "backfills")])

    def materializations(self, asset_key: str | None = None) -> list[Materialization]:
        self.catch_up()
        mats = [m.resource() for m in self._each(asset_key, "materializations")]
        return cast("list[Materialization]", mats)

    def run(self, run_id: str) -> Run:
        self.catch_up()
        run = self._runs_by_id.get(run_id) or self.history.runs_by_id.get(run_id)
        if run is None:
            raise NotFound(f"run '{run_id}' does not exist", code="run_not_found")
        return run.resource()

    def counts(self) -> dict[str, int]:
        self.catch_up()
        return {
            "assets": len(self._assets),
            "runs": len(self.history.runs_by_id) + len(self._runs_by_id),
            "backfills": len(self._backfills_by_id),
            "materializations": len(self.history.materializations_by_id)
            + len(self._materializations_by_id),
            "pending_transitions": len(self._events),
        }

    def newest(self, kind: Kind, limit: int) -> list[Run | Backfill | Materialization]:
        """The newest ``limit`` runs, backfills or materializations of every asset, newest
        first; costs O(limit x assets), not O(stored)."""
        self.catch_up()
        streams = [
            layer.islice(reverse=True)
            for state in self._assets.values()
            for layer in self._layers(state, kind)
        ]
        merged = heapq.merge(*streams, key=_newest_first)
        return [record.resource() for record in itertools.islice(merged, limit)]

    def count(
        self, kind: Kind, asset_key: str | None = None, status: RunStatus | None = None
    ) -> int:
        """How many runs, backfills or materializations (of one asset, in one status) are
        stored, from the indexes: O(assets), whatever is stored."""
        self.catch_up()
        states = [self._asset(asset_key)] if asset_key is not None else self._assets.values()
        return sum(len(layer) for state in states for layer in self._layers(state, kind, status))

    def status_counts(self, kind: Kind) -> dict[str, int]:
        """How many runs (or backfills) are in each status, from the status indexes."""
        counts = {status.value: self.count(kind, status=status) for status in RunStatus}
        return {status: n for status, n in sorted(counts.items()) if n}

    # ------------------------------------------------------------------------- internals

    def _layers(
        self, state: _AssetState, kind: Kind, status: RunStatus | None = None
    ) -> list[SortedKeyList]:
        """The indexes a list reads, newest layer (live) first, history last."""
        if kind == "runs":
            if status is None:
                return [state.runs, state.history.runs]
            return [
                _bucket(state.runs_by_status, status),
                state.history.runs_by_status.get(status, self._empty),
            ]
        if kind == "backfills":
            if status is None:
                return [state.backfills]
            return [_bucket(state.backfills_by_status, status)]
        return [state.materializations, state.history.materializations]

    def _page(
        self,
        kind: Kind,
        asset_key: str,
        status: RunStatus | None,
        max_results: int | None,
        page_token: str | None,
    ) -> Page[Run | Backfill | Materialization]:
        self.catch_up()
        size = page_size(max_results, self.config.pagination)
        filt = "" if status is None else status.value
        cursor = self._cursor(kind, asset_key, filt, page_token)
        state = self._asset(asset_key)
        records, more = self._paginator.take(self._layers(state, kind, status), cursor, size)
        return Page(
            items=[record.resource() for record in records],
            next_page_token=self._next(kind, asset_key, filt, records, more),
        )

    def _each(self, asset_key: str | None, kind: Kind) -> list[_Record]:
        """Every record of a kind, oldest first."""
        states = [self._asset(asset_key)] if asset_key is not None else self._assets.values()
        records: list[_Record] = []
        for state in states:
            for layer in reversed(self._layers(state, kind)):
                records.extend(layer)
        if asset_key is None:
            records.sort(key=_oldest_first)
        return records

    def _asset(self, asset_key: str) -> _AssetState:
        state = self._assets.get(asset_key)
        if state is None:
            raise NotFound(f"asset '{asset_key}' does not exist", code="asset_not_found")
        return state

    def _cursor(self, list_name: str, asset: str, status: str, token: str | None) -> Cursor | None:
        if token is None:
            return None
        return self._tokens.decode(token, list_name, asset, status, self.clock.now_ms())

    def _next(
        self, list_name: str, asset: str, status: str, records: Sequence[_Record], more: bool
    ) -> str | None:
        if not more or not records:
            return None
        last = records[-1].seq
        return self._tokens.encode(list_name, asset, status, last, self.clock.now_ms())

    def _next_seq(self) -> int:
        seq = self._seq
        self._seq += 1
        return seq

    def _replay(
        self, op: str, asset: str, key: str | None, fingerprint: object
    ) -> RunRecord | BackfillRecord | None:
        if key is None:
            return None
        seen = self._idempotency.get((op, asset, key))
        if seen is None:
            return None
        if seen[0] != fingerprint:
            raise InvalidRequest(
                f"Idempotency-Key '{key}' was already used with a different request body",
                code="idempotency_key_reused",
            )
        return seen[1]

    def _remember(
        self,
        op: str,
        asset: str,
        key: str | None,
        fingerprint: object,
        record: RunRecord | BackfillRecord,
    ) -> None:
        if key is not None:
            self._idempotency[(op, asset, key)] = (fingerprint, record)

    def _new_run(
        self,
        state: _AssetState,
        partition: str | None,
        tags: dict[str, str],
        backfill: BackfillRecord | None,
    ) -> RunRecord:
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
            tags,
            now,
            backfill,
            fails,
            cfg.error_message if fails else None,
        )
        self._runs_by_id[run.id] = run
        state.runs.add(run)
        _bucket(state.runs_by_status, RunStatus.QUEUED).add(run)
        if backfill is not None:
            backfill.count_move(None, RunStatus.QUEUED)
        self._schedule(now + seconds_to_ms(cfg.queued_seconds), _QUEUE_DONE, run)
        return run

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

    def _fill_slots(self, state: _AssetState, at: int) -> None:
        limit = state.config.run.max_concurrent
        while state.waiting and (limit is None or state.busy < limit):
            _, run = heapq.heappop(state.waiting)
            if run.status is RunStatus.QUEUED:  # a canceled one is skipped
                self._move(run, RunStatus.STARTING, at)
                self._schedule(
                    at + seconds_to_ms(state.config.run.starting_seconds), _START_DONE, run
                )

    def _cancel(self, run: RunRecord, at: int) -> None:
        if run.status is RunStatus.QUEUED:
            self._move(run, RunStatus.CANCELED, at)
        elif run.status in (RunStatus.STARTING, RunStatus.RUNNING):
            self._move(run, RunStatus.CANCELING, at)
            cfg = self._assets[run.asset].config.run
            self._schedule(at + seconds_to_ms(cfg.canceling_seconds), _CANCEL_DONE, run)

    def _move(self, run: RunRecord, new: RunStatus, at: int) -> None:
        old = run.status
        if new not in TRANSITIONS[old]:
            raise RuntimeError(f"illegal transition {old.value} -> {new.value} of {run.id}")
        state = self._assets[run.asset]
        state.runs_by_status[old].remove(run)
        run.status = new
        _bucket(state.runs_by_status, new).add(run)
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
        if run.backfill is not None:
            run.backfill.count_move(old, new)
            self._refresh_backfill(run.backfill, at)
        if held and not holds:
            self._fill_slots(state, at)

    def _materialize(self, state: _AssetState, run: RunRecord, at: int) -> None:
        seq = self._next_seq()
        mat = MaterializationRecord(
            seq,
            ids.make_id(ids.MATERIALIZATION, self._tag, seq),
            run.asset,
            run.id,
            run.partition,
            at,
            state.config.metadata,
            dict(run.tags),
        )
        self._materializations_by_id[mat.id] = mat
        state.materializations.add(mat)

    def _refresh_backfill(self, backfill: BackfillRecord, at: int) -> None:
        backfill.updated_ms = at
        new = backfill.derive_status()
        if new is backfill.status:
            return
        state = self._assets[backfill.asset]
        state.backfills_by_status[backfill.status].remove(backfill)
        backfill.status = new
        _bucket(state.backfills_by_status, new).add(backfill)
        if new.terminal:
            backfill.ended_ms = at


def _newest_first(record: _Record) -> int:
    return -record.seq


def _oldest_first(record: _Record) -> int:
    return record.seq


def _bucket(index: dict[RunStatus, SortedKeyList], status: RunStatus) -> SortedKeyList:
    bucket = index.get(status)
    if bucket is None:
        bucket = index[status] = new_index()
    return bucket
