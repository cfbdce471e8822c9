"""The scenario's settings: its clock, bearer tokens, rate limit and list pagination.

Defaults the domain also has (clock mode and speed, page sizes) are read from the domain's
records, not written again.
"""

from __future__ import annotations

from typing import Annotated

from msgspec import Meta

from assetfake.domain.clock import ClockMode
from assetfake.domain.config import PaginationConfig, WorldConfig
from assetfake.fault_kinds import RateScope
from assetfake.operations import Scope
from assetfake.scenario.schema.fields import PositiveSeconds, Probability, Spec, Timestamp

DEFAULT_CLOCK_START = "2024-06-01T00:00:00Z"

#: The domain's defaults, read off records built with nothing else given.
_WORLD = WorldConfig(start_ms=0)
_PAGES = PaginationConfig()


class ClockSpec(Spec, frozen=True, kw_only=True):
    """The fake's clock: where it starts and how it moves."""

    start: Timestamp = DEFAULT_CLOCK_START
    mode: Annotated[
        ClockMode,
        Meta(description="manual: moves only when told; realtime: wall clock times speed."),
    ] = _WORLD.clock_mode
    speed: Annotated[float, Meta(gt=0, le=1e6, description="Realtime speed factor.")] = (
        _WORLD.clock_speed
    )


class TokenSpec(Spec, frozen=True, kw_only=True):
    """A bearer token the fake accepts."""

    token: Annotated[str, Meta(min_length=1)]
    scopes: tuple[Scope, ...]
    expires_at: Timestamp | None = None
    revoked_at: (
        Annotated[
            Timestamp,
            Meta(description="On the fake's clock: from then on, the token is 401 invalid_token."),
        ]
        | None
    ) = None


class AuthSpec(Spec, frozen=True, kw_only=True):
    """Require bearer tokens: GET operations need assets:read, POST operations assets:write."""

    tokens: tuple[TokenSpec, ...] = ()
    client: (
        Annotated[
            tuple[Annotated[str, Meta(min_length=1)], ...],
            Meta(
                min_length=1,
                description="The tokens the client under test is issued, in order: the "
                "credential source (fake.credentials, GET /_fake/credentials) hands out the "
                "first valid now, else the last.",
            ),
        ]
        | None
    ) = None


class RateLimitSpec(Spec, frozen=True, kw_only=True):
    """At most `requests` requests per `per_seconds`, per token or for everyone."""

    requests: Annotated[int, Meta(ge=1)]
    per_seconds: PositiveSeconds = 1.0
    scope: RateScope = "token"


class PaginationSpec(Spec, frozen=True, kw_only=True):
    """List page sizes, deliberately short pages and page token expiry."""

    default_page_size: Annotated[int, Meta(ge=1)] = _PAGES.default_page_size
    max_page_size: Annotated[int, Meta(ge=1)] = _PAGES.max_page_size
    short_pages: Annotated[
        Probability, Meta(description="Seeded probability that a non-final page is cut short.")
    ] = _PAGES.short_pages
    page_token_ttl_seconds: PositiveSeconds | None = _PAGES.page_token_ttl_seconds
