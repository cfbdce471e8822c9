"""The assets of a scenario: their keys, partitions, how their runs behave, their metadata.

How runs behave by default is the domain's :class:`~assetfake.domain.config.RunConfig`; the
shapes of partition bounds are the domain's too (:mod:`assetfake.domain.partitions`, which also
parses them, once, while the scenario is checked).
"""

from __future__ import annotations

from typing import Annotated

from msgspec import Meta

from assetfake.domain.config import FailStage, RunConfig
from assetfake.domain.partitions import DAILY_PATTERN, HOURLY_PATTERN
from assetfake.scenario.schema.fields import (
    ONE_KEY,
    AssetKey,
    JsonValue,
    PartitionKey,
    Probability,
    Seconds,
    Spec,
)

#: The domain's defaults for runs.
_RUN = RunConfig()

DailyBound = Annotated[str, Meta(extra_json_schema={"pattern": DAILY_PATTERN})]
HourlyBound = Annotated[str, Meta(extra_json_schema={"pattern": HOURLY_PATTERN})]


class DailyRange(Spec, frozen=True, kw_only=True):
    """Daily partitions from start to end, both inclusive."""

    start: DailyBound
    end: DailyBound


class HourlyRange(Spec, frozen=True, kw_only=True):
    """Hourly partitions (YYYY-MM-DD-HH:00) from start to end, both inclusive."""

    start: HourlyBound
    end: HourlyBound


class PartitionsSpec(Spec, frozen=True, kw_only=True):
    """Exactly one of daily, hourly or static."""

    daily: DailyRange | None = None
    hourly: HourlyRange | None = None
    static: Annotated[tuple[PartitionKey, ...], Meta(min_length=1)] | None = None


class RunSpec(Spec, frozen=True, kw_only=True):
    """How runs of the asset behave."""

    queued_seconds: Seconds = _RUN.queued_seconds
    starting_seconds: Seconds = _RUN.starting_seconds
    running_seconds: Seconds = _RUN.running_seconds
    canceling_seconds: Seconds = _RUN.canceling_seconds
    max_concurrent: (
        Annotated[int, Meta(ge=1, description="Runs in STARTING/RUNNING at once; null: unlimited.")]
        | None
    ) = _RUN.max_concurrent
    fail_partitions: tuple[PartitionKey, ...] = ()
    fail_probability: Probability = _RUN.fail_probability
    fail_stage: FailStage = _RUN.fail_stage
    error_message: str = _RUN.error_message


class MaterializationSpec(Spec, frozen=True, kw_only=True):
    """What the asset's materializations carry."""

    metadata: dict[str, JsonValue] = {}  # noqa: RUF012 (msgspec copies it)


class AssetSpec(Spec, frozen=True, kw_only=True):
    """An asset of the world."""

    key: AssetKey
    partitions: Annotated[PartitionsSpec | None, Meta(extra_json_schema=ONE_KEY)] = None
    run: RunSpec = RunSpec()
    materialization: MaterializationSpec = MaterializationSpec()
