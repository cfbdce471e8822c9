"""The history of a scenario: runs that ended before the clock's start, listed or generated."""

from __future__ import annotations

from typing import Annotated, Literal

from msgspec import Meta

from assetfake.domain.config import HistoryGenerate
from assetfake.scenario.limits import MAX_HISTORY_RUNS
from assetfake.scenario.schema.fields import (
    AssetKey,
    Headers,
    PartitionKey,
    PositiveSeconds,
    Probability,
    Spec,
    Timestamp,
)

TerminalStatus = Literal["SUCCEEDED", "FAILED", "CANCELED"]

#: The domain's defaults for generated history.
_GENERATED = HistoryGenerate(asset="", runs=0)


class HistoryRunSpec(Spec, frozen=True, kw_only=True):
    """One run that ended before the clock's start."""

    asset: AssetKey
    partition: PartitionKey | None = None
    status: TerminalStatus
    created_at: Timestamp
    tags: Headers = {}  # noqa: RUF012 (msgspec copies it)
    error_message: str | None = None


class HistoryGenerateSpec(Spec, frozen=True, kw_only=True):
    """Bulk history: `runs` runs spread evenly over `spread_seconds` before the start."""

    asset: AssetKey
    runs: Annotated[int, Meta(ge=0, le=MAX_HISTORY_RUNS)]  # and all entries together too
    succeeded_ratio: Probability = _GENERATED.succeeded_ratio
    spread_seconds: PositiveSeconds = _GENERATED.spread_seconds


class HistorySpec(Spec, frozen=True, kw_only=True):
    """What already happened before the clock's start."""

    runs: tuple[HistoryRunSpec, ...] = ()
    generate: tuple[HistoryGenerateSpec, ...] = ()
