"""The stored records behind the resources. Mutable only through the world's lifecycle.

Each call hands out a resource of its own (the caller may change its tags and metadata), but
what a resource derives from its record comes from a world's :class:`ResourceMemo`, bounded:
RFC 3339 instants and data versions (pure functions: the same instant always names the same
string, whatever the clock did since), and the resources of records that can no longer change
(terminal runs, materializations), handed out as copies with fresh tags and metadata.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from types import MappingProxyType
from typing import TypeVar

import msgspec

from assetfake.domain import ids
from assetfake.domain.resources import Backfill, Materialization, PartitionCounts, Run, RunError
from assetfake.domain.status import COUNT_BUCKET, RunStatus
from assetfake.domain.timestamps import format_ms

#: The tags of every record that has none (most history): one immutable mapping, not a dict each.
NO_TAGS: Mapping[str, str] = MappingProxyType({})
_SCALARS = frozenset({str, int, float, bool, type(None)})
K = TypeVar("K")
V = TypeVar("V")


class ResourceMemo:
    """One world's memo of what resources derive from records. Each table is bounded: when
    full it starts again empty (a page of history formats each of its instants once; a client
    reading the same pages again formats none)."""

    __slots__ = ("_instants", "_limit", "_materializations", "_runs", "_versions")

    def __init__(self, limit: int = 4096) -> None:
        self._limit = limit
        self._instants: dict[int, str] = {}
        self._versions: dict[str, str] = {}
        self._runs: dict[int, Run] = {}  # by seq: terminal runs only
        self._materializations: dict[int, Materialization] = {}  # by seq

    def instant(self, ms: int) -> str:
        text = self._instants.get(ms)
        if text is None:
            text = remember(self._instants, ms, format_ms(ms), self._limit)
        return text

    def optional_instant(self, ms: int | None) -> str | None:
        return None if ms is None else self.instant(ms)

    def data_version(self, run_id: str) -> str:
        version = self._versions.get(run_id)
        if version is None:
            version = remember(self._versions, run_id, ids.data_version(run_id), self._limit)
        return version

    def finished_run(self, record: RunRecord) -> Run:
        """The resource of a terminal run, which nothing can change any more."""
        run = self._runs.get(record.seq)
        if run is None:
            run = remember(self._runs, record.seq, record.build(self), self._limit)
        return run

    def materialization(self, record: MaterializationRecord) -> Materialization:
        mat = self._materializations.get(record.seq)
        if mat is None:
            mat = remember(self._materializations, record.seq, record.build(self), self._limit)
        return mat


def remember(table: dict[K, V], key: K, value: V, limit: int) -> V:
    """Keep ``value`` under ``key`` in a bounded memo: when the table is full it starts again
    empty (what a page needs again comes back at once). Returns ``value``."""
    if len(table) >= limit:
        table.clear()
    table[key] = value
    return value


def copied_metadata(metadata: Mapping[str, object]) -> dict[str, object]:
    """A copy the client may change: shallow when every value is a scalar (the common case),
    deep otherwise."""
    for value in metadata.values():
        if type(value) not in _SCALARS:  # a subclass takes the deep road too: still correct
            return copy.deepcopy(dict(metadata))
    return dict(metadata)


class RunRecord(msgspec.Struct, gc=False, eq=False):
    """A run as stored. Untracked by the cycle collector (``gc=False``: a world holds
    millions, and a full collection would walk them all), so it must never be part of a
    reference cycle: it names its backfill by id. Compared by identity (``eq=False``)."""

    seq: int
    id: str
    asset: str
    partition: str | None
    tags: Mapping[str, str]
    created_ms: int
    backfill_id: str | None = None
    fails: bool = False
    error_message: str | None = None
    status: RunStatus = RunStatus.QUEUED
    started_ms: int | None = None
    ended_ms: int | None = None

    def __post_init__(self) -> None:
        if not self.tags:
            self.tags = NO_TAGS

    def resource(self, memo: ResourceMemo) -> Run:
        if not self.status.terminal:
            return self.build(memo)
        return msgspec.structs.replace(memo.finished_run(self), tags=dict(self.tags))

    def view(self, memo: ResourceMemo) -> Run:
        """The resource to read and never change (it may be the memo's own)."""
        return memo.finished_run(self) if self.status.terminal else self.build(memo)

    def build(self, memo: ResourceMemo) -> Run:
        status = self.status
        return Run(  # positional, in the wire order of resources.Run
            self.id,
            self.asset,
            status,
            self.partition,
            self.backfill_id,
            dict(self.tags),
            memo.instant(self.created_ms),
            memo.optional_instant(self.started_ms),
            memo.optional_instant(self.ended_ms),
            RunError(self.error_message or "run failed") if status is RunStatus.FAILED else None,
        )


class MaterializationRecord(msgspec.Struct, gc=False, eq=False):
    """A materialization as stored; untracked and compared by identity, as a run."""

    seq: int
    id: str
    asset: str
    run_id: str
    partition: str | None
    created_ms: int
    metadata: Mapping[str, object]
    tags: Mapping[str, str]

    def __post_init__(self) -> None:
        if not self.tags:
            self.tags = NO_TAGS

    @classmethod
    def of_run(
        cls, seq: int, tag: str, run: RunRecord, at_ms: int, metadata: Mapping[str, object]
    ) -> MaterializationRecord:
        """The materialization a SUCCEEDED run made at ``at_ms`` (its id from ``seq``; its
        asset, partition and tags the run's)."""
        mat_id = ids.make_id(ids.MATERIALIZATION, tag, seq)
        return cls(seq, mat_id, run.asset, run.id, run.partition, at_ms, metadata, dict(run.tags))

    def view(self, memo: ResourceMemo) -> Materialization:
        """The resource to read and never change (the memo's own)."""
        return memo.materialization(self)

    def resource(self, memo: ResourceMemo) -> Materialization:
        return msgspec.structs.replace(  # the client may change its metadata and tags
            memo.materialization(self),
            metadata=copied_metadata(self.metadata),
            tags=dict(self.tags),
        )

    def build(self, memo: ResourceMemo) -> Materialization:
        return Materialization(  # positional, in the wire order of resources.Materialization
            self.id,
            self.asset,
            self.run_id,
            self.partition,
            memo.instant(self.created_ms),
            copied_metadata(self.metadata),
            memo.data_version(self.run_id),  # derived: costs nothing stored
            dict(self.tags),
        )


class BackfillRecord:
    __slots__ = (
        "asset",
        "canceled",
        "counts",
        "created_ms",
        "ended_ms",
        "id",
        "keys",
        "runs",
        "selection",
        "seq",
        "status",
        "tags",
        "title",
        "updated_ms",
    )

    def __init__(
        self,
        seq: int,
        backfill_id: str,
        asset: str,
        keys: tuple[str, ...],
        selection: dict[str, object],
        title: str | None,
        tags: Mapping[str, str],
        created_ms: int,
    ) -> None:
        self.seq = seq
        self.id = backfill_id
        self.asset = asset
        self.keys = keys
        self.selection = selection
        self.title = title
        self.tags = tags if tags else NO_TAGS
        self.created_ms = created_ms
        self.updated_ms = created_ms
        self.ended_ms: int | None = None
        self.canceled = False
        self.status = RunStatus.QUEUED
        self.runs: list[RunRecord] = []
        self.counts = {"queued": 0, "running": 0, "succeeded": 0, "failed": 0, "canceled": 0}

    def derive_status(self) -> RunStatus:
        """Section 2: the backfill's status follows from its runs' statuses."""
        counts, total = self.counts, len(self.keys)
        done = counts["succeeded"] + counts["failed"] + counts["canceled"]
        if self.canceled:
            return RunStatus.CANCELED if done == total else RunStatus.CANCELING
        if done == total:
            if counts["failed"]:
                return RunStatus.FAILED
            if counts["succeeded"] == total:
                return RunStatus.SUCCEEDED
            return RunStatus.CANCELED
        if counts["queued"] == total:
            return RunStatus.QUEUED
        return RunStatus.RUNNING

    def count_move(self, old: RunStatus | None, new: RunStatus) -> None:
        if old is not None:
            self.counts[COUNT_BUCKET[old]] -= 1
        self.counts[COUNT_BUCKET[new]] += 1

    def view(self, memo: ResourceMemo) -> Backfill:
        """A backfill changes while it runs: its view is a fresh resource."""
        return self.resource(memo)

    def resource(self, memo: ResourceMemo) -> Backfill:
        return Backfill(
            id=self.id,
            asset_key=self.asset,
            status=self.status,
            title=self.title,
            tags=dict(self.tags),
            partition_selection=copy.deepcopy(self.selection),
            num_partitions=len(self.keys),
            partition_counts=PartitionCounts(**self.counts),
            created_at=memo.instant(self.created_ms),
            updated_at=memo.instant(self.updated_ms),
            ended_at=memo.optional_instant(self.ended_ms),
        )
