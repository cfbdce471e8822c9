"""The value types a scenario is written in: timestamps, durations, probabilities, keys.

Each is an ``Annotated`` type whose ``msgspec.Meta`` states its bounds; the type check
(:mod:`assetfake.scenario.typecheck`) reads those bounds to check and word its messages, and the
JSON Schema states them. The types that ``expect`` entries use too (asset keys, counts, operation
ids, statuses, the :class:`Spec` base) are defined in :mod:`assetfake.expectations`.
"""

from __future__ import annotations

from typing import Annotated, TypeAlias

from msgspec import Meta

from assetfake.domain.partitions import MAX_KEY_LENGTH
from assetfake.domain.timestamps import RFC3339_PATTERN
from assetfake.expectations import (
    ONE_KEY,
    AnyErrorStatus,
    AnyStatus,
    AssetKey,
    Count,
    OperationId,
    RunStatusName,
    Spec,
)
from assetfake.operations import ERROR_STATUSES

__all__ = [
    "MAX_SECONDS",
    "ONE_KEY",
    "AnyErrorStatus",
    "AnyStatus",
    "AssetKey",
    "Count",
    "ErrorStatus",
    "Headers",
    "JsonValue",
    "OperationId",
    "Ordinal",
    "PartitionKey",
    "PositiveSeconds",
    "Probability",
    "RunStatusName",
    "Seconds",
    "Spec",
    "Timestamp",
]

Timestamp = Annotated[
    str,
    Meta(
        description="An RFC 3339 timestamp, e.g. 2024-06-01T00:00:00Z.",
        extra_json_schema={"pattern": RFC3339_PATTERN},
    ),
]
#: A century: longer durations would carry the clock or history out of the years RFC 3339 names.
MAX_SECONDS = 3_155_760_000.0
Seconds = Annotated[
    float, Meta(ge=0, le=MAX_SECONDS, description="Seconds on the fake's clock (0 to a century).")
]
PositiveSeconds = Annotated[
    float, Meta(gt=0, le=MAX_SECONDS, description="Seconds (more than 0, at most a century).")
]
Probability = Annotated[float, Meta(ge=0, le=1, description="A probability from 0 to 1.")]
Ordinal = Annotated[int, Meta(ge=1)]
PartitionKey = Annotated[str, Meta(min_length=1, max_length=MAX_KEY_LENGTH)]
Headers = dict[str, str]
ErrorStatus = Annotated[int, Meta(extra_json_schema={"enum": sorted(ERROR_STATUSES)})]
#: Any JSON value (materialization metadata, a fault's body): the type check walks it.
JsonValue: TypeAlias = object
