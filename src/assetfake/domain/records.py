"""The stored records behind the resources. Mutable only through the world's lifecycle."""

from __future__ import annotations

import copy
from collections.abc import Mapping

from assetfake.domain import ids
from assetfake.domain.resources import Backfill, Materialization, PartitionCounts, Run, RunError
from assetfake.domain.status import COUNT_BUCKET, RunStatus
from assetfake.domain.timestamps import format_ms


def _fmt(ms: int | None) -> str | None:
    return None if ms is None else format_ms(ms)


class RunRecord:
    __slots__ = (
        "asset",
        "backfill",
        "created_ms",
        "ended_ms",
        "error_message",
        "fails",
        "id",
        "partition",
        "seq",
        "started_ms",
        "status",
        "tags",
    )

    def __init__(
        self,
        seq: int,
        run_id: str,
        asset: str,
        partition: str | None,
        tags: dict[str, str],
        created_ms: int,
        backfill: BackfillRecord | None = None,
        fails: bool = False,
        error_message: str | None = None,
    ) -> None:
        self.seq = seq
        self.id = run_id
        self.asset = asset
        self.partition = partition
        self.tags = tags
        self.created_ms = created_ms
        self.backfill = backfill
        self.fails = fails
        self.error_message = error_message
        self.status = RunStatus.QUEUED
        self.started_ms: int | None = None
        self.ended_ms: int | None = None

    def resource(self) -> Run:
        return Run(
            id=self.id,
            asset_key=self.asset,
            status=self.status,
            partition_key=self.partition,
            backfill_id=None if self.backfill is None else self.backfill.id,
            tags=dict(self.tags),
            created_at=format_ms(self.created_ms),
            started_at=_fmt(self.started_ms),
            ended_at=_fmt(self.ended_ms),
            error=(
                RunError(self.error_message or "run failed")
                if self.status is RunStatus.FAILED
                else None
            ),
        )


class MaterializationRecord:
    __slots__ = (
        "asset",
        "created_ms",
        "id",
        "metadata",
        "partition",
        "run_id",
        "seq",
        "tags",
    )

    def __init__(
        self,
        seq: int,
        mat_id: str,
        asset: str,
        run_id: str,
        partition: str | None,
        created_ms: int,
        metadata: Mapping[str, object],
        tags: dict[str, str],
    ) -> None:
        self.seq = seq
        self.id = mat_id
        self.asset = asset
        self.run_id = run_id
        self.partition = partition
        self.created_ms = created_ms
        self.metadata = metadata
        self.tags = tags

    def resource(self) -> Materialization:
        return Materialization(
            id=self.id,
            asset_key=self.asset,
            run_id=self.run_id,
            partition_key=self.partition,
            created_at=format_ms(self.created_ms),
            metadata=copy.deepcopy(dict(self.metadata)),  # the client may change its copy
            data_version=ids.data_version(self.run_id),  # derived: costs nothing stored
            tags=dict(self.tags),
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
        tags: dict[str, str],
        created_ms: int,
    ) -> None:
        self.seq = seq
        self.id = backfill_id
        self.asset = asset
        self.keys = keys
        self.selection = selection
        self.title = title
        self.tags = tags
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

    def resource(self) -> Backfill:
        return Backfill(
            id=self.id,
            asset_key=self.asset,
            status=self.status,
            title=self.title,
            tags=dict(self.tags),
            partition_selection=copy.deepcopy(self.selection),
            num_partitions=len(self.keys),
            partition_counts=PartitionCounts(**self.counts),
            created_at=format_ms(self.created_ms),
            updated_at=format_ms(self.updated_ms),
            ended_at=_fmt(self.ended_ms),
        )
