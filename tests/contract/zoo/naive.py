"""Naive clients: the careful :class:`~clients.ReferenceClient` with exactly one realistic bug
each, set by one class attribute (or one overridden method). :data:`NAIVE_CLIENTS` names them;
the docstring of each says the bug as its author would not."""

from __future__ import annotations

import math

from clients import ApiError, ClientError, Json, ReferenceClient


class RetriesAuthErrors(ReferenceClient):
    """Treats 401 and 403 as transient ("the token may not have propagated yet"): sends the
    same request, with the same token, again."""

    retry_statuses = frozenset({401, 403, 429, 500})


class Retries404(ReferenceClient):
    """Treats 404 as transient ("eventual consistency"): sends the same request again."""

    retry_statuses = frozenset({404, 429, 500})


class UnboundedRetries(ReferenceClient):
    """Retries 429, 500 and network errors for as long as they last (back-off capped at 30 s)."""

    max_attempts = math.inf


class EmptyOn404(ReferenceClient):
    """Reads a list that answers 404 as an empty list ("no runs yet")."""

    def list_all(self, kind: str, asset: str) -> list[Json]:
        try:
            return super().list_all(kind, asset)
        except ApiError as error:
            if error.status == 404:
                return []
            raise


class SwallowsErrors(ReferenceClient):
    """A best-effort pager: when a page fails for good, returns the items read so far."""

    def _walk(self, kind: str, asset: str) -> list[Json]:
        params = {"max_results": str(self.page_size)}
        items: list[Json] = []
        token: str | None = None
        while True:
            query = params if token is None else {**params, "page_token": token}
            try:
                page = self._call("GET", f"{self.asset_path(asset)}/{kind}", params=query)
            except ClientError:
                return items
            items.extend(page["items"])
            token = page.get("next_page_token")
            if not token:
                return items


class IgnoresRetryAfter(ReferenceClient):
    """Retries a 429 on its own back-off schedule (0.5 s, 1 s, ...), sooner than Retry-After."""

    honors_retry_after = False


class NoBackoff(ReferenceClient):
    """Retries at once, without waiting (bounded, so it ends): it hammers a struggling server."""

    backs_off = False


class NoIdempotencyKey(ReferenceClient):
    """Sends no ``Idempotency-Key``, so a retried POST whose first answer was lost repeats it."""

    sends_idempotency_keys = False


class UnencodedKeys(ReferenceClient):
    """Puts asset keys into the path with their slashes unencoded (``/assets/sales/daily``)."""

    encodes_keys = False


class FirstPageOnly(ReferenceClient):
    """Reads the first page of a list and ignores ``next_page_token``."""

    follows_pages = False


class QuitsPollingEarly(ReferenceClient):
    """Polls a backfill three times, then returns what it saw as if it were the outcome."""

    quiet_after_polls = 3


class BusyPoller(ReferenceClient):
    """Polls a backfill in a tight loop without pausing (bounded, so it ends)."""

    sleeps_between_polls = False


class StaleCredentials(ReferenceClient):
    """Reads its token once; after a 401 it reports the failure instead of asking again."""

    rereads_credentials = False


class NoNetworkRetries(ReferenceClient):
    """Retries 429 and 500, but gives up on a reset, a cut-off or malformed body, a timeout."""

    retries_network = False


class NoPostNetworkRetries(ReferenceClient):
    """Retries network errors on GET only: a POST whose connection dropped "may have been
    applied", so it gives up, although it sends an Idempotency-Key that makes a retry safe."""

    retries_post_network = False


class NoWalkRestart(ReferenceClient):
    """Treats every 400 as final, an expired page token too: never starts a walk again."""

    restarts_expired_walks = False


class NeverRetries(ReferenceClient):
    """Gives up on the first 429, 500 or network error."""

    retries = False


NAIVE_CLIENTS: dict[str, type[ReferenceClient]] = {
    "retries_auth_errors": RetriesAuthErrors,
    "retries_404": Retries404,
    "unbounded_retries": UnboundedRetries,
    "empty_on_404": EmptyOn404,
    "swallows_errors": SwallowsErrors,
    "ignores_retry_after": IgnoresRetryAfter,
    "no_backoff": NoBackoff,
    "no_idempotency_key": NoIdempotencyKey,
    "unencoded_slashes": UnencodedKeys,
    "first_page_only": FirstPageOnly,
    "quits_polling_early": QuitsPollingEarly,
    "busy_poller": BusyPoller,
    "stale_credentials": StaleCredentials,
    "no_network_retries": NoNetworkRetries,
    "no_post_network_retries": NoPostNetworkRetries,
    "no_walk_restart": NoWalkRestart,
    "never_retries": NeverRetries,
}
