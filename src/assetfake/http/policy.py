"""What a scenario asks of the HTTP layer beyond the world: auth, rate limit, faults.

Plain frozen data, built by the composition root from a validated scenario (or at run time
through ``fake.faults.add``); the guards and the fault engine only read it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from assetfake.fault_kinds import NetworkKind, Phase, RateScope

__all__ = [
    "AuthPolicy",
    "FaultMatch",
    "FaultResponse",
    "FaultRule",
    "NetworkKind",
    "Phase",
    "Policies",
    "RateLimitPolicy",
    "RateScope",
    "TokenGrant",
]


@dataclass(frozen=True, slots=True)
class TokenGrant:
    token: str
    scopes: frozenset[str]
    expires_at_ms: int | None = None
    revoked_at_ms: int | None = None

    def valid_at(self, now_ms: int) -> bool:
        """Neither expired nor revoked at ``now_ms`` (on the fake's clock)."""
        ends = [t for t in (self.expires_at_ms, self.revoked_at_ms) if t is not None]
        return all(now_ms < t for t in ends)


@dataclass(frozen=True, slots=True)
class AuthPolicy:
    tokens: Mapping[str, TokenGrant]
    #: ``auth.client``: the credentials the client under test is issued, in order.
    client: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RateLimitPolicy:
    requests: int
    per_seconds: float
    scope: RateScope = "token"


@dataclass(frozen=True, slots=True)
class FaultMatch:
    """Which calls a fault considers (the filters) and which of those it fires on."""

    operations: frozenset[str] | None = None
    method: str | None = None
    asset: str | None = None
    query: Mapping[str, str] = field(default_factory=dict)
    header: Mapping[str, str] = field(default_factory=dict)  # lower-case names
    token: str | None = None
    call: int | None = None
    calls: frozenset[int] | None = None
    after: int | None = None
    every: int | None = None
    probability: float | None = None
    times: int | None = None
    between: tuple[int, int] | None = None  # clock window, ms: start inclusive, end exclusive


@dataclass(frozen=True, slots=True)
class FaultResponse:
    status: int | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    body: object = None  # None: the problem document for the status; str: sent as is
    delay_seconds: float = 0.0
    #: With ``delay_seconds``: the upper end of a seeded, uniform delay (``{min, max}``).
    delay_max_seconds: float | None = None
    phase: Phase = "before"
    network: NetworkKind | None = None
    stall_after_bytes: int = 0  # network: stall
    bytes_per_second: float = 0.0  # network: slow_body


@dataclass(frozen=True, slots=True)
class FaultRule:
    name: str
    match: FaultMatch
    respond: FaultResponse


@dataclass(frozen=True, slots=True)
class Policies:
    auth: AuthPolicy | None = None
    rate_limit: RateLimitPolicy | None = None
    faults: tuple[FaultRule, ...] = ()
    mark_faults: bool = True
