"""Auth (bearer tokens with scopes, expiring on the fake's clock) and the token-bucket rate
limit, with the headers the contract requires."""

from __future__ import annotations

import math
from dataclasses import dataclass

from assetfake.http.policy import AuthPolicy, RateLimitPolicy
from assetfake.http.problems import HTTPProblem
from assetfake.operations import OPERATIONS

REALM = 'Bearer realm="assets"'
INVALID_TOKEN = f'{REALM}, error="invalid_token"'
INSUFFICIENT_SCOPE = f'{REALM}, error="insufficient_scope"'


def bearer_token(headers: dict[str, str]) -> str | None:
    """The bearer token presented, ``""`` for a malformed Authorization header, or None."""
    value = headers.get("authorization")
    if value is None:
        return None
    scheme, _, token = value.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return ""
    return token.strip()


def check_auth(policy: AuthPolicy, operation: str, token: str | None, now_ms: int) -> None:
    """Raise the 401 or 403 this request deserves, if any."""
    if token is None:
        raise HTTPProblem(
            401,
            "unauthenticated",
            "this operation needs a bearer token (Authorization: Bearer <token>)",
            {"WWW-Authenticate": REALM},
        )
    grant = policy.tokens.get(token)
    if grant is None:
        raise HTTPProblem(
            401,
            "invalid_token",
            "the bearer token is not known",
            {"WWW-Authenticate": INVALID_TOKEN},
        )
    if grant.revoked_at_ms is not None and now_ms >= grant.revoked_at_ms:
        raise HTTPProblem(
            401,
            "token_revoked",
            "the bearer token has been revoked",
            {"WWW-Authenticate": INVALID_TOKEN},
        )
    if grant.expires_at_ms is not None and now_ms >= grant.expires_at_ms:
        raise HTTPProblem(
            401,
            "token_expired",
            "the bearer token has expired",
            {"WWW-Authenticate": INVALID_TOKEN},
        )
    needed = OPERATIONS[operation].scope
    if needed not in grant.scopes:
        raise HTTPProblem(
            403,
            "insufficient_scope",
            f"this operation needs scope '{needed}'",
            {"WWW-Authenticate": f'{INSUFFICIENT_SCOPE}, scope="{needed}"'},
        )


def issued_credential(policy: AuthPolicy | None, now_ms: int) -> str | None:
    """What the credential source hands the client under test now: the first of
    ``auth.client`` valid at ``now_ms``, else the last of them (a client that keeps asking
    keeps failing); without ``auth.client``, the token with the most scopes. None: no auth."""
    if policy is None or not policy.tokens:
        return None
    if policy.client:
        grants = [policy.tokens[name] for name in policy.client if name in policy.tokens]
        valid = next((g.token for g in grants if g.valid_at(now_ms)), None)
        return valid if valid is not None else policy.client[-1]
    ranked = sorted(policy.tokens.values(), key=lambda g: -len(g.scopes))
    return ranked[0].token


@dataclass(slots=True)
class _Bucket:
    level: float
    updated_ms: int


class RateLimiter:
    """One token bucket per bearer token (``scope: token``; no token shares one) or one for
    all (``scope: global``), refilled continuously on the fake's clock."""

    def __init__(self, policy: RateLimitPolicy) -> None:
        self.policy = policy
        self._rate = policy.requests / policy.per_seconds  # tokens per second
        self._buckets: dict[str, _Bucket] = {}

    def _bucket(self, token: str | None, now_ms: int, keep: bool = True) -> _Bucket:
        """The caller's bucket, refilled up to now; a new one is stored only if ``keep``
        (so that looking at the quota of a refused request stores nothing)."""
        key = "" if self.policy.scope == "global" or token is None else token
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = _Bucket(float(self.policy.requests), now_ms)
            if keep:
                self._buckets[key] = bucket
        elapsed = max(0, now_ms - bucket.updated_ms) / 1000
        bucket.level = min(float(self.policy.requests), bucket.level + elapsed * self._rate)
        bucket.updated_ms = now_ms
        return bucket

    def take(self, token: str | None, now_ms: int) -> dict[str, str]:
        """Spend one request, or raise 429. Returns the headers for the response."""
        bucket = self._bucket(token, now_ms)
        if bucket.level < 1:
            wait = max(1, math.ceil(round((1 - bucket.level) / self._rate, 6)))
            headers = self._headers(0, wait)
            headers["Retry-After"] = str(wait)
            raise HTTPProblem(
                429,
                "rate_limited",
                f"rate limit of {self.policy.requests} requests per "
                f"{self.policy.per_seconds:g} s exceeded; retry in {wait} s",
                headers,
            )
        bucket.level -= 1
        return self.peek_headers(token, now_ms)

    def peek_headers(self, token: str | None, now_ms: int) -> dict[str, str]:
        bucket = self._bucket(token, now_ms, keep=False)
        missing = float(self.policy.requests) - bucket.level
        return self._headers(
            math.floor(round(bucket.level, 6)), max(0, math.ceil(round(missing / self._rate, 6)))
        )

    def _headers(self, remaining: int, reset: int) -> dict[str, str]:
        return {
            "RateLimit-Policy": f'"default";q={self.policy.requests};'
            f"w={math.ceil(self.policy.per_seconds)}",
            "RateLimit": f'"default";r={remaining};t={reset}',
        }
