"""The faults of a scenario: which requests a rule matches, and what it answers them with."""

from __future__ import annotations

from typing import Annotated

from msgspec import Meta

from assetfake.fault_kinds import NetworkKind, Phase
from assetfake.operations import Method
from assetfake.scenario.schema.fields import (
    AssetKey,
    Count,
    ErrorStatus,
    Headers,
    JsonValue,
    OperationId,
    Ordinal,
    Probability,
    Seconds,
    Spec,
    Timestamp,
)

__all__ = [
    "MAX_BODY_BYTES",
    "MAX_BYTES_PER_SECOND",
    "DelayRange",
    "FaultSpec",
    "MatchSpec",
    "NetworkKind",
    "RespondSpec",
    "WindowSpec",
]

#: The most bytes a stall can let through (the largest answer the fake sends is far smaller).
MAX_BODY_BYTES = 1 << 30
#: The fastest a slow body can be dribbled (faster is no slower than a real answer).
MAX_BYTES_PER_SECOND = 1e9

_QUERY = "Query parameter -> exact value, or '*' for present."
_HEADER = "Header -> exact value, or '*' for present."


class WindowSpec(Spec, frozen=True, kw_only=True):
    """A clock window: start inclusive, end exclusive."""

    start: Timestamp
    end: Timestamp


class MatchSpec(Spec, frozen=True, kw_only=True):
    """Which requests a fault applies to (all given conditions must hold), and which of the
    matching calls fire (at most one of call, calls, after, every)."""

    operation: OperationId | Annotated[tuple[OperationId, ...], Meta(min_length=1)] | None = None
    method: Method | None = None
    asset: AssetKey | None = None
    query: Annotated[Headers, Meta(description=_QUERY)] = {}  # noqa: RUF012 (msgspec copies it)
    header: Annotated[Headers, Meta(description=_HEADER)] = {}  # noqa: RUF012 (msgspec copies it)
    token: str | None = None
    call: (
        Annotated[Ordinal, Meta(description="Fire on the N-th matching call (1-based).")] | None
    ) = None
    calls: Annotated[tuple[Ordinal, ...], Meta(min_length=1)] | None = None
    after: Annotated[Count, Meta(description="Fire on every call after the N-th.")] | None = None
    every: Annotated[Ordinal, Meta(description="Fire on the N-th, 2N-th, ... call.")] | None = None
    probability: Probability | None = None
    times: Annotated[Ordinal, Meta(description="Fire at most N times.")] | None = None
    between: WindowSpec | None = None


class DelayRange(Spec, frozen=True, kw_only=True):
    """A delay drawn for each firing, uniformly between min and max (seeded)."""

    min: Seconds
    max: Seconds


_NETWORK = (
    "reset: close, no response; empty: headers promising a body, then close; truncated: close "
    "mid-body; malformed: 200 with invalid JSON; hang: never answer; stall: headers and "
    "stall_after_bytes of the body, then nothing; slow_body: the real answer, dribbled at "
    "bytes_per_second; close_after: the real answer, then the kept-alive connection is closed "
    "(the next request on it fails)."
)

#: A parameter of one network kind requires that kind (and slow_body requires its rate).
_KIND_RULES: list[dict[str, object]] = [
    {
        "if": {"required": ["stall_after_bytes"]},
        "then": {"required": ["network"], "properties": {"network": {"const": "stall"}}},
    },
    {
        "if": {"required": ["bytes_per_second"]},
        "then": {"required": ["network"], "properties": {"network": {"const": "slow_body"}}},
    },
    {
        "if": {"required": ["network"], "properties": {"network": {"const": "slow_body"}}},
        "then": {"required": ["bytes_per_second"]},
    },
]


class RespondSpec(Spec, frozen=True, kw_only=True):
    """What a fault answers: an HTTP error (`status`) or a network failure (`network`)."""

    status: ErrorStatus | None = None
    headers: Headers = {}  # noqa: RUF012 (msgspec copies it)
    body: Annotated[
        JsonValue, Meta(description="Response body; null: the problem document for the status.")
    ] = None
    delay_seconds: Annotated[
        Seconds | DelayRange,
        Meta(
            description="A real wall-clock delay before answering: seconds, or {min, max} "
            "for a seeded, uniform draw on each firing."
        ),
    ] = 0.0
    phase: Annotated[
        Phase, Meta(description="after: the state change is kept, the client sees the error.")
    ] = "before"
    network: Annotated[NetworkKind, Meta(description=_NETWORK)] | None = None
    stall_after_bytes: (
        Annotated[
            int,
            Meta(
                ge=0,
                le=MAX_BODY_BYTES,
                description="network: stall only. How many bytes of the body arrive before "
                "it stalls (default 0: the status and headers, no body).",
            ),
        ]
        | None
    ) = None
    bytes_per_second: (
        Annotated[
            float,
            Meta(
                gt=0,
                le=MAX_BYTES_PER_SECOND,
                description="network: slow_body only, and required there. The rate the body "
                "is dribbled at.",
            ),
        ]
        | None
    ) = None

    @property
    def delay_bounds(self) -> tuple[float, float | None]:
        """The delay as ``(seconds, None)`` or, for a range, ``(min, max)``."""
        if isinstance(self.delay_seconds, DelayRange):
            return self.delay_seconds.min, self.delay_seconds.max
        return self.delay_seconds, None


class FaultSpec(Spec, frozen=True, kw_only=True):
    """An injected fault: a rule that matches requests and answers them with an error."""

    name: Annotated[str, Meta(min_length=1)]
    match: MatchSpec = MatchSpec()
    respond: Annotated[
        RespondSpec,
        Meta(
            extra_json_schema={
                "anyOf": [
                    {"required": ["status"]},
                    {"required": ["network"]},
                    {"required": ["delay_seconds"]},
                ],
                "allOf": _KIND_RULES,
            }
        ),
    ]
