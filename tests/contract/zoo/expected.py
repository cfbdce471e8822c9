"""The expected matrix of the zoo: for each client, the worlds of the shipped library where it
fails and what fails there. Expectation kinds (``observes``, ``max_attempts``, ...) name the
failed expectations; ``raised`` (raised its error in a ``succeeds`` world), ``swallowed``
(finished in a ``fails`` world) and ``wrong_error`` (raised something that is not its error:
the zoo's request budget stopped it) name an outcome mismatch. A world not named: it passes.
The same verdict holds in process and live.
"""

from __future__ import annotations

_AMBIGUOUS = (
    "ambiguous-create",
    "ambiguous-create-reset",
    "ambiguous-trigger",
    "ambiguous-trigger-reset",
)
_RESETS = ("ambiguous-create-reset", "ambiguous-trigger-reset")
_FOURXX = ("missing-asset", "vanishing-backfill", "vanishing-resource")
_AUTH_RETRIED = {
    "auth-expiry": {"calls", "no_retry_on", "observes", "raised", "state"},
    "credential-revoked": {"calls", "no_retry_on"},
    "credential-rotated": {"calls", "no_retry_on", "observes", "raised"},
    "forbidden-writes": {"calls", "no_retry_on"},
    **{world: {"no_retry_on"} for world in _FOURXX},
}
_STALE_TOKEN = {
    "auth-expiry": {"observes", "raised", "state"},
    "credential-rotated": {"observes", "raised"},
}

#: client -> world -> what fails there (worlds not named: the client passes them).
EXPECTED: dict[str, dict[str, set[str]]] = {
    "careful": {},
    "retries_auth_errors": {
        "auth-expiry": {"calls", "no_retry_on"},
        "credential-revoked": {"calls", "no_retry_on"},
        "credential-rotated": {"calls", "no_retry_on"},
        "forbidden-writes": {"calls", "no_retry_on"},
    },
    "retries_404": {world: {"no_retry_on"} for world in _FOURXX},
    "unbounded_retries": {"permanent-outage": {"max_attempts", "wrong_error"}},
    "empty_on_404": {"vanishing-resource": {"swallowed"}},
    "swallows_errors": {"expiring-page-tokens": {"calls"}, "vanishing-resource": {"swallowed"}},
    "ignores_retry_after": {
        "expiring-page-tokens": {"honors_retry_after"},
        "rate-limited": {"honors_retry_after"},
    },
    "no_backoff": {
        "expiring-page-tokens": {"honors_retry_after"},
        "flaky-server": {"backoff"},
        "permanent-outage": {"backoff"},
        "rate-limited": {"honors_retry_after", "raised", "retries_on"},
    },
    "no_idempotency_key": {**{w: {"state"} for w in _AMBIGUOUS}, "slow-network": {"state"}},
    "unencoded_slashes": {
        **{w: {"raised"} for w in _AMBIGUOUS},
        "auth-expiry": {"raised", "state"},
        "credential-rotated": {"raised"},
        "default": {"raised"},
        "expiring-page-tokens": {"calls", "raised"},
        "flaky-server": {"raised"},
        "happy-path": {"calls", "raised", "state"},
        "large-history": {"calls", "raised"},
        "partial-backfill-failure": {"raised", "state"},
        "rate-limited": {"raised"},
        "slow-body": {"raised"},
        "slow-network": {"raised"},
        "stale-keep-alive": {"raised"},
        "stalled-body": {"raised"},
    },
    "first_page_only": {
        "expiring-page-tokens": {"calls"},
        "happy-path": {"calls"},
        "large-history": {"calls"},
    },
    "quits_polling_early": {
        **{w: {"observes"} for w in _AMBIGUOUS},
        "auth-expiry": {"observes", "state"},
        "credential-revoked": {"swallowed"},
        "credential-rotated": {"observes"},
        "expiring-page-tokens": {"observes"},
        "flaky-server": {"observes"},
        "happy-path": {"observes", "state"},
        "large-history": {"observes"},
        "partial-backfill-failure": {"observes", "state"},
        "rate-limited": {"observes"},
        "slow-body": {"observes"},
        "slow-network": {"observes"},
        "stale-keep-alive": {"observes"},
        "stalled-body": {"observes"},
    },
    "busy_poller": {
        **{w: {"observes", "raised"} for w in _AMBIGUOUS},
        "auth-expiry": {"observes", "raised", "state"},
        "credential-rotated": {"observes", "raised"},
        "default": {"raised"},
        "expiring-page-tokens": {"calls", "observes", "raised"},
        "happy-path": {"calls", "observes", "raised", "state"},
        "large-history": {"calls", "observes", "raised"},
        "partial-backfill-failure": {"observes", "raised", "state"},
        "slow-body": {"observes", "raised"},
        "slow-network": {"observes", "raised"},
        "stale-keep-alive": {"observes", "raised"},
        "stalled-body": {"observes", "raised"},
    },
    "stale_credentials": dict(_STALE_TOKEN),
    "no_network_retries": {
        **{w: {"raised", "retries_on"} for w in _RESETS},
        "slow-network": {"raised", "retries_on"},
        "stale-keep-alive": {"observes", "raised", "retries_on"},
        "stalled-body": {"observes", "raised", "retries_on"},
    },
    "no_post_network_retries": {
        **{w: {"raised", "retries_on"} for w in _RESETS},
        "slow-network": {"raised", "retries_on"},
    },
    "no_walk_restart": {"expiring-page-tokens": {"calls", "raised"}},
    "never_retries": {
        **{w: {"raised", "retries_on"} for w in _AMBIGUOUS},
        "expiring-page-tokens": {"calls", "raised"},
        "flaky-server": {"raised", "retries_on"},
        "rate-limited": {"raised", "retries_on"},
        "slow-network": {"raised", "retries_on"},
        "stale-keep-alive": {"observes", "raised", "retries_on"},
        "stalled-body": {"observes", "raised", "retries_on"},
    },
    # --- retry libraries, configured as their documentation shows --------------------------
    "urllib3_retry": {  # idempotent methods only: a POST's 500 or reset is given up
        **{w: {"raised", "retries_on"} for w in _AMBIGUOUS},
        **_STALE_TOKEN,
        "flaky-server": {"raised", "retries_on"},
        "slow-network": {"raised", "retries_on"},  # a malformed 200 is parsed after urllib3
        "stalled-body": {"observes", "raised", "retries_on"},
    },
    "tenacity": {  # every exception retried, 4xx included; Retry-After ignored
        **_AUTH_RETRIED,
        "expiring-page-tokens": {"honors_retry_after"},
        "rate-limited": {"honors_retry_after"},
    },
    "stamina": {  # every HTTPError retried, 4xx included; Retry-After ignored; body not retried
        **_AUTH_RETRIED,
        "expiring-page-tokens": {"honors_retry_after"},
        "rate-limited": {"honors_retry_after"},
        "slow-network": {"raised", "retries_on"},
    },
    "backoff": {  # as stamina, and full jitter: a wait may shrink
        **_AUTH_RETRIED,
        "expiring-page-tokens": {"honors_retry_after"},
        "permanent-outage": {"backoff"},
        "rate-limited": {"honors_retry_after"},
        "slow-network": {"raised", "retries_on"},
    },
    "httpx_retries": {  # no 500 retried, no POST retried, body errors raised after it
        **{w: {"raised", "retries_on"} for w in _AMBIGUOUS},
        **_STALE_TOKEN,
        "flaky-server": {"raised", "retries_on"},
        "slow-network": {"raised", "retries_on"},
        "stalled-body": {"observes", "raised", "retries_on"},
    },
    "aiohttp_retry": {  # Retry-After ignored; no network error retried
        **{w: {"raised", "retries_on"} for w in _RESETS},
        **_STALE_TOKEN,
        "expiring-page-tokens": {"honors_retry_after"},
        "rate-limited": {"honors_retry_after"},
        "slow-network": {"raised", "retries_on"},
        "stalled-body": {"observes", "raised", "retries_on"},
    },
}
