"""The faults of a scenario: which requests a rule matches, and what it answers them with."""

from __future__ import annotations

from typing import Annotated, Literal

from msgspec import Meta

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

#: The network failures a scenario's fault can answer with: each is one of the HTTP layer's
#: ``http.policy.NetworkKind`` (neither layer imports the other; a test ties the two).
NetworkKind = Literal["reset", "empty", "truncated", "malformed", "hang"]

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


class RespondSpec(Spec, frozen=True, kw_only=True):
    """What a fault answers: an HTTP error (`status`) or a network failure (`network`)."""

    status: ErrorStatus | None = None
    headers: Headers = {}  # noqa: RUF012 (msgspec copies it)
    body: Annotated[
        JsonValue, Meta(description="Response body; null: the problem document for the status.")
    ] = None
    delay_seconds: Annotated[
        Seconds, Meta(description="A real wall-clock delay before answering.")
    ] = 0.0
    phase: Annotated[
        Literal["before", "after"],
        Meta(description="after: the state change is kept, the client sees the error."),
    ] = "before"
    network: NetworkKind | None = None


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
                ]
            }
        ),
    ]
