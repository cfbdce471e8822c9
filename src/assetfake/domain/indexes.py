"""The indexes a world keeps per asset, and which of them a list reads.

Each index is a list of records sorted by sequence number (see :mod:`pagination`). A list of
runs or materializations is layered: the world's own live records first (newest), then the
shared, immutable history (:class:`~assetfake.domain.history.HistoryLayer`), whose sequence
numbers are all smaller.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from sortedcontainers import SortedKeyList

from assetfake.domain.config import AssetConfig
from assetfake.domain.history import AssetHistory
from assetfake.domain.pagination import Layer, new_index
from assetfake.domain.records import BackfillRecord, MaterializationRecord, RunRecord
from assetfake.domain.status import RunStatus

Record = RunRecord | BackfillRecord | MaterializationRecord
Kind = Literal["runs", "backfills", "materializations"]


@dataclass(slots=True)
class AssetState:
    config: AssetConfig
    history: AssetHistory
    runs: SortedKeyList = field(default_factory=new_index)
    runs_by_status: dict[RunStatus, SortedKeyList] = field(default_factory=dict)
    materializations: SortedKeyList = field(default_factory=new_index)
    backfills: SortedKeyList = field(default_factory=new_index)
    backfills_by_status: dict[RunStatus, SortedKeyList] = field(default_factory=dict)
    busy: int = 0  # runs holding a slot: STARTING, RUNNING, CANCELING
    waiting: list[tuple[int, RunRecord]] = field(default_factory=list)  # heap by seq

    def layers(self, kind: Kind, status: RunStatus | None = None) -> list[Layer[Record]]:
        """The indexes a list reads, newest layer (live) first, history last."""
        if kind == "runs":
            if status is None:
                return [self.runs, self.history.runs]
            live = bucket(self.runs_by_status, status)
            past = self.history.runs_by_status.get(status)
            return [live] if past is None else [live, past]
        if kind == "backfills":
            if status is None:
                return [self.backfills]
            return [bucket(self.backfills_by_status, status)]
        return [self.materializations, self.history.materializations]


def bucket(index: dict[RunStatus, SortedKeyList], status: RunStatus) -> SortedKeyList:
    """The index of one status, made empty on first use."""
    found = index.get(status)
    if found is None:
        found = index[status] = new_index()
    return found


def newest_first(record: Record) -> int:
    return -record.seq


def oldest_first(record: Record) -> int:
    return record.seq
