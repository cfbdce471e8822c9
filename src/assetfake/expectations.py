"""What a scenario's ``expect`` entries say a well-behaved client does (contract section 5).

One type, three readers: the scenario schema decodes ``expect:`` into :class:`ExpectSpec`
(``ScenarioSpec.expect``), the world template carries them (``http/namespaces.py``) and the
verifier judges them (``verify/engine.py``). The module sits outside ``scenario/`` and ``http/``,
beside ``operations.py`` and like it importing nothing of the fake, so that the HTTP layer can
name the type without importing the scenario format (``http`` and ``scenario`` never import each
other). The value types the entries are written in — asset keys, counts, operation ids,
statuses — are defined here, and the scenario schema uses these same ones; so is :class:`Spec`,
the base of every struct of the scenario format.
"""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from msgspec import Meta

from assetfake.fault_kinds import NetworkFailure
from assetfake.operations import ANY_ERROR_STATUS, ANY_STATUS, OPERATIONS


class Spec(
    msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True, omit_defaults=True
):
    """Base of every scenario struct: unknown keys are errors, values are immutable."""


Count = Annotated[int, Meta(ge=0)]
AssetKey = Annotated[
    str,
    Meta(
        min_length=1,
        max_length=255,
        description="An asset key: 1-255 characters, components joined by '/'.",
        examples=["sales/daily"],
    ),
]
OperationId = Annotated[str, Meta(extra_json_schema={"enum": sorted(OPERATIONS)})]
AnyStatus = Annotated[int, Meta(extra_json_schema={"enum": sorted(ANY_STATUS)})]
AnyErrorStatus = Annotated[int, Meta(extra_json_schema={"enum": sorted(ANY_ERROR_STATUS)})]
RunStatusName = Literal[
    "QUEUED", "STARTING", "RUNNING", "SUCCEEDED", "FAILED", "CANCELING", "CANCELED"
]

#: Whether a well-behaved workflow can finish in a world (contract sections 5 and 6).
Outcome = Literal["succeeds", "fails"]

#: What a retry expectation reacts to: an error status, or a network failure
#: (:data:`~assetfake.fault_kinds.NetworkFailure`: the journal's ``network`` values, every kind
#: but ``slow_body``, whose answer arrives whole). ``malformed`` is a 200 whose body does not
#: parse: a failed read that a careful client retries.
RetryTrigger = AnyErrorStatus | NetworkFailure
#: What ``observes`` asks the client to have read back: a terminal status.
Observed = Literal["terminal"]

#: JSON Schema of a mapping that must have exactly one key.
ONE_KEY: dict[str, object] = {"minProperties": 1, "maxProperties": 1}


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


class BackoffExpect(Spec, frozen=True, kw_only=True):
    """How a client spaces the retries of one request after a transient failure."""

    min_seconds: Annotated[
        float,
        Meta(
            ge=0,
            description="The least wait between two identical attempts after a 429, a 5xx or "
            "a network failure (a Retry-After, where given, rules instead).",
        ),
    ]


class ObservesExpect(Spec, frozen=True, kw_only=True):
    """What the client read back of what it made: exactly one of backfills, runs."""

    backfills: (
        Annotated[
            Observed,
            Meta(description="Every backfill it created was read back in a terminal status."),
        ]
        | None
    ) = None
    runs: (
        Annotated[
            Observed,
            Meta(description="Every run it triggered was read back in a terminal status."),
        ]
        | None
    ) = None


class ExpectSpec(Spec, frozen=True, kw_only=True):
    """One expectation: a mapping with exactly one key."""

    calls: CallsExpect | None = None
    honors_retry_after: (
        Annotated[bool, Meta(description="No identical request sooner than Retry-After said.")]
        | None
    ) = None
    no_retry_on: Annotated[tuple[RetryTrigger, ...], Meta(min_length=1)] | None = None
    retries_on: Annotated[tuple[RetryTrigger, ...], Meta(min_length=1)] | None = None
    state: Annotated[StateExpect | None, Meta(extra_json_schema=ONE_KEY)] = None
    max_attempts: (
        Annotated[
            int,
            Meta(ge=1, description="No request is sent more than this many times in a row."),
        ]
        | None
    ) = None
    backoff: BackoffExpect | None = None
    observes: Annotated[ObservesExpect | None, Meta(extra_json_schema=ONE_KEY)] = None
    outcome: (
        Annotated[
            Outcome,
            Meta(
                description="Whether a well-behaved workflow can finish in this world "
                "(fails: it must end by raising the client's error)."
            ),
        ]
        | None
    ) = None

    @property
    def kind(self) -> str:
        """The one key this expectation sets."""
        for field in self.__struct_fields__:
            if getattr(self, field) is not None:
                return field
        return ""


def scenario_outcome(expectations: tuple[ExpectSpec, ...]) -> Outcome:
    """The scenario's ``outcome`` entry; ``succeeds`` when it has none."""
    for entry in expectations:
        if entry.outcome is not None:
            return entry.outcome
    return "succeeds"
