"""The API's resource shapes, as the client sees them (field order is the wire order)."""

from __future__ import annotations

from typing import Generic, TypeVar

import msgspec

from assetfake.domain.status import RunStatus

T = TypeVar("T")


class RunError(msgspec.Struct, frozen=True):
    message: str


class Run(msgspec.Struct, frozen=True):
    id: str
    asset_key: str
    status: RunStatus
    partition_key: str | None
    backfill_id: str | None
    tags: dict[str, str]
    created_at: str
    started_at: str | None
    ended_at: str | None
    error: RunError | None


class Materialization(msgspec.Struct, frozen=True):
    id: str
    asset_key: str
    run_id: str
    partition_key: str | None
    created_at: str
    metadata: dict[str, object]
    data_version: str
    tags: dict[str, str]


class PartitionCounts(msgspec.Struct, frozen=True):
    queued: int
    running: int
    succeeded: int
    failed: int
    canceled: int


class Backfill(msgspec.Struct, frozen=True):
    id: str
    asset_key: str
    status: RunStatus
    title: str | None
    tags: dict[str, str]
    partition_selection: dict[str, object]
    num_partitions: int
    partition_counts: PartitionCounts
    created_at: str
    updated_at: str
    ended_at: str | None


class Page(msgspec.Struct, Generic[T], frozen=True):
    items: list[T]
    next_page_token: str | None
