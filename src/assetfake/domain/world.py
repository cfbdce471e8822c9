"""The world: assets, their runs, backfills and materializations, moved by the clock.

Every public method first catches up with the clock (processing the transitions due by now, in
time order), then does its one thing. The parts: :mod:`indexes` (what is kept per asset),
:mod:`lifecycle` (creating live records and firing their transitions), :mod:`listing` (pages
and inspection lists), :mod:`idempotency` (replayed requests).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import cast

from assetfake.domain.clock import Clock
from assetfake.domain.config import AssetConfig, WorldConfig
from assetfake.domain.errors import Conflict, InvalidRequest, NotFound
from assetfake.domain.history import History
from assetfake.domain.idempotency import IdempotencyLog
from assetfake.domain.indexes import AssetState, Kind, Record
from assetfake.domain.lifecycle import Lifecycle
from assetfake.domain.listing import Lists
from assetfake.domain.records import NO_TAGS, BackfillRecord, ResourceMemo, RunRecord
from assetfake.domain.resources import Backfill, Materialization, Page, Run
from assetfake.domain.selection import PartitionSelection
from assetfake.domain.status import RunStatus

__all__ = ["Kind", "World"]


class World:
    """One simulated deployment. Not thread-safe: callers serialise access."""

    def __init__(self, config: WorldConfig, clock: Clock, history: History | None = None) -> None:
        self.config = config
        self.clock = clock
        self.history = history if history is not None else History.build(config)
        self._assets = {
            asset.key: AssetState(asset, self.history.assets[asset.key]) for asset in config.assets
        }
        self._life = Lifecycle(clock, self._assets, config.seed, self.history.next_seq)
        self._lists = Lists(config.pagination, config.seed, clock)
        self._idempotency = IdempotencyLog()

    # ----------------------------------------------------------------- the API's operations

    def list_runs(
        self,
        asset_key: str,
        status: RunStatus | None = None,
        max_results: int | None = None,
        page_token: str | None = None,
        *,
        shared: bool = False,
    ) -> Page[Run]:
        """A page of the asset's runs. Each resource is the caller's to change, unless
        ``shared``: then a finished run's resource may be the world's own, to read (encode)
        and never change — what the HTTP layer does, without a copy per run."""
        page = self._page("runs", asset_key, status, max_results, page_token, shared)
        return cast("Page[Run]", page)

    def list_backfills(
        self,
        asset_key: str,
        status: RunStatus | None = None,
        max_results: int | None = None,
        page_token: str | None = None,
        *,
        shared: bool = False,
    ) -> Page[Backfill]:
        page = self._page("backfills", asset_key, status, max_results, page_token, shared)
        return cast("Page[Backfill]", page)

    def list_materializations(
        self,
        asset_key: str,
        max_results: int | None = None,
        page_token: str | None = None,
        *,
        shared: bool = False,
    ) -> Page[Materialization]:
        """A page of the asset's materializations (``shared``: as :meth:`list_runs`)."""
        page = self._page("materializations", asset_key, None, max_results, page_token, shared)
        return cast("Page[Materialization]", page)

    def get_backfill(self, asset_key: str, backfill_id: str) -> Backfill:
        self.catch_up()
        self._asset(asset_key)
        backfill = self._life.backfills_by_id.get(backfill_id)
        if backfill is None or backfill.asset != asset_key:
            raise NotFound(
                f"backfill '{backfill_id}' does not exist for asset '{asset_key}'",
                code="backfill_not_found",
            )
        return backfill.resource(self._memo)

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
        replay = self._idempotency.replay("trigger", asset_key, idempotency_key, fingerprint)
        if isinstance(replay, RunRecord):
            return replay.resource(self._memo), False
        _check_partition(state.config, partition_key)
        run = self._life.new_run(state, partition_key, tag_map)
        self._idempotency.remember("trigger", asset_key, idempotency_key, fingerprint, run)
        return run.resource(self._memo), True

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
        replay = self._idempotency.replay("backfill", asset_key, idempotency_key, fingerprint)
        if isinstance(replay, BackfillRecord):
            return replay.resource(self._memo), False
        partitions = state.config.partitions
        if partitions is None:
            raise InvalidRequest(
                f"asset '{asset_key}' is not partitioned; backfills need a partitioned asset",
                code="not_partitioned",
            )
        keys = selection.resolve(partitions, asset_key)
        backfill = self._life.new_backfill(state, keys, selection.echo(), title, tag_map)
        self._idempotency.remember("backfill", asset_key, idempotency_key, fingerprint, backfill)
        return backfill.resource(self._memo), True

    # ------------------------------------------------------------------- control operations

    def cancel_run(self, run_id: str) -> Run:
        self.catch_up()
        run = self._run_record(run_id)
        if run.status.terminal:
            raise Conflict(
                f"run '{run_id}' is already {run.status.value}", code="run_not_cancelable"
            )
        self._life.cancel(run, self.clock.now_ms())
        return run.resource(self._memo)

    def cancel_backfill(self, backfill_id: str) -> Backfill:
        self.catch_up()
        backfill = self._life.backfills_by_id.get(backfill_id)
        if backfill is None:
            raise NotFound(f"backfill '{backfill_id}' does not exist", code="backfill_not_found")
        if backfill.status.terminal:
            raise Conflict(
                f"backfill '{backfill_id}' is already {backfill.status.value}",
                code="backfill_not_cancelable",
            )
        if not backfill.canceled:  # already CANCELING: nothing more to do
            self._life.cancel_backfill(backfill, self.clock.now_ms())
        return backfill.resource(self._memo)

    def run_until_idle(self, limit: int = 10_000_000) -> int:
        """Advance a manual clock through every pending transition; returns how many ran."""
        return self._life.run_until_idle(limit)

    def catch_up(self) -> int:
        """Process every transition due by the clock's now, in time order."""
        return self._life.catch_up()

    @property
    def pending(self) -> int:
        """Transitions scheduled and not yet due (including stale ones of canceled runs)."""
        return self._life.pending

    # -------------------------------------------------------------------- state inspection

    def copy(self) -> World:
        """An independent copy of this world (state, clock, pending transitions); the
        immutable configuration and history stay shared, and the copy memoises its own
        formatted strings."""
        memo: dict[int, object] = {id(self.config): self.config, id(self.history): self.history}
        memo[id(NO_TAGS)] = NO_TAGS
        memo[id(self._lists.memo)] = ResourceMemo()
        for state in self._assets.values():
            for shared in (state.config, state.config.metadata, state.history):
                memo[id(shared)] = shared
        return copy.deepcopy(self, memo)

    def assets(self) -> list[AssetConfig]:
        return list(self.config.assets)

    def runs(self, asset_key: str | None = None) -> list[Run]:
        """Every run, oldest first (history first)."""
        self.catch_up()
        return cast("list[Run]", self._lists.resources(self._every(asset_key, "runs")))

    def backfills(self, asset_key: str | None = None) -> list[Backfill]:
        self.catch_up()
        return cast("list[Backfill]", self._lists.resources(self._every(asset_key, "backfills")))

    def materializations(self, asset_key: str | None = None) -> list[Materialization]:
        self.catch_up()
        mats = self._lists.resources(self._every(asset_key, "materializations"))
        return cast("list[Materialization]", mats)

    def run(self, run_id: str) -> Run:
        self.catch_up()
        return self._run_record(run_id).resource(self._memo)

    def counts(self) -> dict[str, int]:
        self.catch_up()
        life, history = self._life, self.history
        return {
            "assets": len(self._assets),
            "runs": history.run_count + len(life.runs_by_id),
            "backfills": len(life.backfills_by_id),
            "materializations": history.materialization_count + len(life.materializations_by_id),
            "pending_transitions": life.pending,
        }

    def newest(self, kind: Kind, limit: int) -> list[Run | Backfill | Materialization]:
        """The newest ``limit`` runs, backfills or materializations of every asset, newest
        first; costs O(limit x assets), not O(stored)."""
        self.catch_up()
        return self._lists.newest(self._assets.values(), kind, limit)

    def count(
        self, kind: Kind, asset_key: str | None = None, status: RunStatus | None = None
    ) -> int:
        """How many runs, backfills or materializations (of one asset, in one status) are
        stored, from the indexes: O(assets), whatever is stored."""
        self.catch_up()
        states = [self._asset(asset_key)] if asset_key is not None else self._assets.values()
        return sum(len(layer) for state in states for layer in state.layers(kind, status))

    def status_counts(self, kind: Kind) -> dict[str, int]:
        """How many runs (or backfills) are in each status, from the status indexes."""
        counts = {status.value: self.count(kind, status=status) for status in RunStatus}
        return {status: n for status, n in sorted(counts.items()) if n}

    # ------------------------------------------------------------------------- internals

    @property
    def _memo(self) -> ResourceMemo:
        return self._lists.memo

    def _page(
        self,
        kind: Kind,
        asset_key: str,
        status: RunStatus | None,
        max_results: int | None,
        page_token: str | None,
        shared: bool = False,
    ) -> Page[Run | Backfill | Materialization]:
        self.catch_up()
        size = self._lists.size(max_results)  # checks in this order: size, token, asset
        cursor = self._lists.cursor(kind, asset_key, status, page_token)
        return self._lists.page(kind, self._asset(asset_key), status, size, cursor, shared)

    def _every(self, asset_key: str | None, kind: Kind) -> list[Record]:
        states = [self._asset(asset_key)] if asset_key is not None else list(self._assets.values())
        return self._lists.every(states, kind)

    def _asset(self, asset_key: str) -> AssetState:
        state = self._assets.get(asset_key)
        if state is None:
            raise NotFound(f"asset '{asset_key}' does not exist", code="asset_not_found")
        return state

    def _run_record(self, run_id: str) -> RunRecord:
        run = self._life.runs_by_id.get(run_id) or self.history.run(run_id)
        if run is None:
            raise NotFound(f"run '{run_id}' does not exist", code="run_not_found")
        return run


def _check_partition(asset: AssetConfig, partition_key: str | None) -> None:
    """A partitioned asset's run names one of its partitions; an unpartitioned one's none."""
    partitions = asset.partitions
    if partitions is None:
        if partition_key is not None:
            raise InvalidRequest(
                f"asset '{asset.key}' is not partitioned; omit partition_key",
                code="partition_not_allowed",
            )
        return
    if partition_key is None:
        raise InvalidRequest(
            f"asset '{asset.key}' is partitioned; partition_key is required",
            code="partition_required",
        )
    if partition_key not in partitions:
        raise InvalidRequest(
            f"'{partition_key}' is not a partition of asset '{asset.key}'",
            code="unknown_partition",
        )
