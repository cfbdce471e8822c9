"""The typed schema of a scenario file (section 3 of the contract), as msgspec Structs.

Structs check types and ranges; the rules that relate fields to each other (a fault's status
against its operation, history against the declared assets, …) live in :mod:`.rules`.
Sequences are tuples so that a validated scenario is immutable all the way down, mappings apart.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta

from assetfake.domain.timestamps import RFC3339_PATTERN
from assetfake.scenario.operations import ANY_ERROR_STATUS, ANY_STATUS, ERROR_STATUSES, OPERATIONS

DEFAULT_CLOCK_START = "2024-06-01T00:00:00Z"


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
Count = Annotated[int, Meta(ge=0)]
Ordinal = Annotated[int, Meta(ge=1)]
AssetKey = Annotated[
    str,
    Meta(
        min_length=1,
        max_length=255,
        description="An asset key: 1-255 characters, components joined by '/'.",
        examples=["sales/daily"],
    ),
]
PartitionKey = Annotated[str, Meta(min_length=1, max_length=255)]
Headers = dict[str, str]
Scope = Literal["assets:read", "assets:write"]
RunStatusName = Literal[
    "QUEUED", "STARTING", "RUNNING", "SUCCEEDED", "FAILED", "CANCELING", "CANCELED"
]
TerminalStatus = Literal["SUCCEEDED", "FAILED", "CANCELED"]
OperationId = Annotated[str, Meta(extra_json_schema={"enum": sorted(OPERATIONS)})]
ErrorStatus = Annotated[int, Meta(extra_json_schema={"enum": sorted(ERROR_STATUSES)})]
AnyStatus = Annotated[int, Meta(extra_json_schema={"enum": sorted(ANY_STATUS)})]
AnyErrorStatus = Annotated[int, Meta(extra_json_schema={"enum": sorted(ANY_ERROR_STATUS)})]
NetworkFault = Literal["reset", "empty", "truncated", "malformed", "hang"]

_ONE_KEY = {"minProperties": 1, "maxProperties": 1}


class Spec(
    msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True, omit_defaults=True
):
    """Base of every scenario struct: unknown keys are errors, values are immutable."""


# --- clock, auth, rate limit, pagination -------------------------------------------------------


class ClockSpec(Spec, frozen=True, kw_only=True):
    """The fake's clock: where it starts and how it moves."""

    start: Timestamp = DEFAULT_CLOCK_START
    mode: Annotated[
        Literal["manual", "realtime"],
        Meta(description="manual: moves only when told; realtime: wall clock times speed."),
    ] = "manual"
    speed: Annotated[float, Meta(gt=0, le=1e6, description="Realtime speed factor.")] = 1.0


class TokenSpec(Spec, frozen=True, kw_only=True):
    """A bearer token the fake accepts."""

    token: Annotated[str, Meta(min_length=1)]
    scopes: tuple[Scope, ...]
    expires_at: Timestamp | None = None


class AuthSpec(Spec, frozen=True, kw_only=True):
    """Require bearer tokens: GET operations need assets:read, POST operations assets:write."""

    tokens: tuple[TokenSpec, ...] = ()


class RateLimitSpec(Spec, frozen=True, kw_only=True):
    """At most `requests` requests per `per_seconds`, per token or for everyone."""

    requests: Annotated[int, Meta(ge=1)]
    per_seconds: PositiveSeconds = 1.0
    scope: Literal["token", "global"] = "token"


class PaginationSpec(Spec, frozen=True, kw_only=True):
    """List page sizes, deliberately short pages and page token expiry."""

    default_page_size: Annotated[int, Meta(ge=1)] = 20
    max_page_size: Annotated[int, Meta(ge=1)] = 100
    short_pages: Annotated[
        Probability, Meta(description="Seeded probability that a non-final page is cut short.")
    ] = 0.0
    page_token_ttl_seconds: PositiveSeconds | None = None


# --- assets ------------------------------------------------------------------------------------


class DailyRange(Spec, frozen=True, kw_only=True):
    """Daily partitions from start to end, both inclusive."""

    start: Annotated[str, Meta(extra_json_schema={"pattern": r"^\d{4}-\d{2}-\d{2}$"})]
    end: Annotated[str, Meta(extra_json_schema={"pattern": r"^\d{4}-\d{2}-\d{2}$"})]


class HourlyRange(Spec, frozen=True, kw_only=True):
    """Hourly partitions (YYYY-MM-DD-HH:00) from start to end, both inclusive."""

    start: Annotated[str, Meta(extra_json_schema={"pattern": r"^\d{4}-\d{2}-\d{2}-\d{2}:00$"})]
    end: Annotated[str, Meta(extra_json_schema={"pattern": r"^\d{4}-\d{2}-\d{2}-\d{2}:00$"})]


class PartitionsSpec(Spec, frozen=True, kw_only=True):
    """Exactly one of daily, hourly or static."""

    daily: DailyRange | None = None
    hourly: HourlyRange | None = None
    static: Annotated[tuple[PartitionKey, ...], Meta(min_length=1)] | None = None


class RunSpec(Spec, frozen=True, kw_only=True):
    """How runs of the asset behave."""

    queued_seconds: Seconds = 1.0
    starting_seconds: Seconds = 1.0
    running_seconds: Seconds = 5.0
    canceling_seconds: Seconds = 1.0
    max_concurrent: (
        Annotated[int, Meta(ge=1, description="Runs in STARTING/RUNNING at once; null: unlimited.")]
        | None
    ) = None
    fail_partitions: tuple[PartitionKey, ...] = ()
    fail_probability: Probability = 0.0
    fail_stage: Literal["starting", "running"] = "running"
    error_message: str = "run failed"


class MaterializationSpec(Spec, frozen=True, kw_only=True):
    """What the asset's materializations carry."""

    metadata: dict[str, Any] = {}


class AssetSpec(Spec, frozen=True, kw_only=True):
    """An asset of the world."""

    key: AssetKey
    partitions: Annotated[PartitionsSpec | None, Meta(extra_json_schema=_ONE_KEY)] = None
    run: RunSpec = RunSpec()
    materialization: MaterializationSpec = MaterializationSpec()


# --- history -----------------------------------------------------------------------------------


class HistoryRunSpec(Spec, frozen=True, kw_only=True):
    """One run that ended before the clock's start."""

    asset: AssetKey
    partition: PartitionKey | None = None
    status: TerminalStatus
    created_at: Timestamp
    tags: Headers = {}
    error_message: str | None = None


class HistoryGenerateSpec(Spec, frozen=True, kw_only=True):
    """Bulk history: `runs` runs spread evenly over `spread_seconds` before the start."""

    asset: AssetKey
    runs: Annotated[int, Meta(ge=0, le=10_000_000)]
    succeeded_ratio: Probability = 1.0
    spread_seconds: PositiveSeconds = 86_400.0


class HistorySpec(Spec, frozen=True, kw_only=True):
    """What already happened before the clock's start."""

    runs: tuple[HistoryRunSpec, ...] = ()
    generate: tuple[HistoryGenerateSpec, ...] = ()


# --- faults ------------------------------------------------------------------------------------


class WindowSpec(Spec, frozen=True, kw_only=True):
    """A clock window: start inclusive, end exclusive."""

    start: Timestamp
    end: Timestamp


class MatchSpec(Spec, frozen=True, kw_only=True):
    """Which requests a fault applies to (all given conditions must hold), and which of the
    matching calls fire (at most one of call, calls, after, every)."""

    operation: OperationId | Annotated[tuple[OperationId, ...], Meta(min_length=1)] | None = None
    method: Literal["GET", "POST"] | None = None
    asset: AssetKey | None = None
    query: Annotated[
        Headers, Meta(description="Query parameter -> exact value, or '*' for present.")
    ] = {}
    header: Annotated[Headers, Meta(description="Header -> exact value, or '*' for present.")] = {}
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
    headers: Headers = {}
    body: Annotated[
        Any, Meta(description="Response body; null: the problem document for the status.")
    ] = None
    delay_seconds: Annotated[
        Seconds, Meta(description="A real wall-clock delay before answering.")
    ] = 0.0
    phase: Annotated[
        Literal["before", "after"],
        Meta(description="after: the state change is kept, the client sees the error."),
    ] = "before"
    network: NetworkFault | None = None


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


# --- expectations ------------------------------------------------------------------------------


class CallsExpect(Spec, frozen=True, kw_only=True):
    """The number of requests that match (at least one of min, max, exactly)."""

    operation: OperationId | None = None
    asset: AssetKey | None = None
    status: AnyStatus | None = None
    min: Count | None = None
    max: Count | None = None
    exactly: Count | None = None


class StateCount(Spec, frozen=True, kw_only=True):
    """How many resources of a kind the final state holds (count, or min and/or max)."""

    asset: AssetKey | None = None
    status: RunStatusName | None = None
    count: Count | None = None
    min: Count | None = None
    max: Count | None = None


class StateExpect(Spec, frozen=True, kw_only=True):
    """The final state: exactly one of runs, backfills, materializations."""

    runs: StateCount | None = None
    backfills: StateCount | None = None
    materializations: StateCount | None = None


class ExpectSpec(Spec, frozen=True, kw_only=True):
    """One expectation: a mapping with exactly one key."""

    calls: CallsExpect | None = None
    honors_retry_after: (
        Annotated[bool, Meta(description="No identical request sooner than Retry-After said.")]
        | None
    ) = None
    no_retry_on: Annotated[tuple[AnyErrorStatus, ...], Meta(min_length=1)] | None = None
    retries_on: Annotated[tuple[AnyErrorStatus, ...], Meta(min_length=1)] | None = None
    state: Annotated[StateExpect | None, Meta(extra_json_schema=_ONE_KEY)] = None

    @property
    def kind(self) -> str:
        """The one key this expectation sets."""
        for field in self.__struct_fields__:
            if getattr(self, field) is not None:
                return field
        return ""


# --- the scenario ------------------------------------------------------------------------------


class ScenarioSpec(Spec, frozen=True, kw_only=True):
    """An assetfake scenario: a world, the faults in it, and what a well-behaved client does."""

    version: Annotated[Literal[1], Meta(description="The format version; always 1.")] = 1
    name: str | None = None
    description: str | None = None
    seed: Annotated[
        int,
        Meta(ge=0, le=2**63 - 1, description="Drives ids, fail_probability, fault probability."),
    ] = 0
    extends: (
        Annotated[
            str, Meta(description="A scenario file merged underneath, relative to this file.")
        ]
        | None
    ) = None
    clock: ClockSpec = ClockSpec()
    auth: AuthSpec | None = None
    rate_limit: RateLimitSpec | None = None
    pagination: PaginationSpec = PaginationSpec()
    assets: tuple[AssetSpec, ...] = ()
    history: HistorySpec = HistorySpec()
    faults: tuple[FaultSpec, ...] = ()
    mark_faults: Annotated[
        bool, Meta(description="Add X-Fake-Fault: <rule name> to injected fault responses.")
    ] = True
    expect: tuple[Annotated[ExpectSpec, Meta(extra_json_schema=_ONE_KEY)], ...] = ()


def scenario_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a scenario file, for editor completion."""
    schema = msgspec.json.schema(ScenarioSpec)
    document: dict[str, Any] = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://assetfake.invalid/scenario.schema.json",
        "title": "assetfake scenario",
        **schema,
    }
    decoded: dict[str, Any] = msgspec.json.decode(msgspec.json.encode(document))
    return decoded
