"""Clients of the Assets API used to prove the shipped scenarios' expectations (test code).

:class:`ReferenceClient` is a careful client: it percent-encodes asset keys, walks every page by
``next_page_token``, retries 429 (after ``Retry-After``), 500, network errors and unparseable
bodies with exponential back-off through an injected ``sleep``, never retries 400/401/403/404,
reuses one ``Idempotency-Key`` across the retries of one POST, switches once to a fallback
token on 401, and pauses between polls.

Each naive client is the reference client with exactly one realistic bug, set by one class
attribute; :data:`NAIVE_CLIENTS` names them.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote

import httpx

Sleep = Callable[[float], None]
Json = dict[str, Any]

BASE_URL = "http://assetfake"
TERMINAL = frozenset({"SUCCEEDED", "FAILED", "CANCELED"})


class ClientError(Exception):
    """What the client reports when it cannot do what it was asked."""


class ApiError(ClientError):
    """The API answered an error the client does not (or no longer) retry; ``status`` 0 when
    the last attempt failed on the network or its body could not be parsed."""

    def __init__(self, status: int, code: str | None, message: str) -> None:
        super().__init__(f"{status} {code or ''}: {message}".strip())
        self.status = status
        self.code = code


class WaitTimeout(ClientError):
    """A backfill was still not terminal after the client's last poll."""


class _Transient(Exception):
    """An attempt failed in a way that retrying may fix (network error, unparseable body)."""


class ReferenceClient:
    """A careful client. ``sleep`` is ``time.sleep`` in production, ``fake.clock.sleep`` here."""

    #: Statuses that retrying may fix; 400, 401, 403 and 404 never are.
    retry_statuses: frozenset[int] = frozenset({429, 500})
    honors_retry_after = True
    follows_pages = True
    sends_idempotency_keys = True
    encodes_keys = True
    retries = True
    sleeps_between_polls = True

    max_attempts = 8
    backoff_base = 0.5  # seconds; doubles every attempt
    backoff_cap = 30.0
    poll_interval = 1.0  # seconds; grows by half every poll
    poll_cap = 10.0
    max_polls = 120

    def __init__(
        self,
        http: httpx.Client,
        sleep: Sleep,
        *,
        token: str | None = None,
        fallback_token: str | None = None,
        page_size: int | None = None,
    ) -> None:
        self.http = http
        self.sleep = sleep
        self.token = token
        self.fallback_token = fallback_token
        self.page_size = page_size

    # --- the operations ------------------------------------------------------------------------

    def list_all(self, kind: str, asset: str, status: str | None = None) -> list[Json]:
        """Every item of a list (``runs``, ``backfills`` or ``materializations``), newest first,
        walking ``next_page_token`` until it is null."""
        params: dict[str, str] = {}
        if status is not None:
            params["status"] = status
        if self.page_size is not None:
            params["max_results"] = str(self.page_size)
        items: list[Json] = []
        token: str | None = None
        while True:
            query = dict(params) if token is None else {**params, "page_token": token}
            page = self._call("GET", f"{self._asset_path(asset)}/{kind}", params=query)
            items.extend(page["items"])
            token = page.get("next_page_token")
            if not token or not self.follows_pages:
                return items

    def trigger(self, asset: str, partition: str | None = None) -> Json:
        """Start one run (202 QUEUED)."""
        body: Json = {} if partition is None else {"partition_key": partition}
        return self._call("POST", f"{self._asset_path(asset)}/materialize", body=body)

    def create_backfill(self, asset: str, body: Mapping[str, Any]) -> Json:
        return self._call("POST", f"{self._asset_path(asset)}/backfills", body=dict(body))

    def get_backfill(self, asset: str, backfill_id: str) -> Json:
        path = f"{self._asset_path(asset)}/backfills/{quote(backfill_id, safe='')}"
        return self._call("GET", path)

    def wait_backfill(self, asset: str, backfill_id: str) -> Json:
        """Poll the backfill, pausing between polls, until it is terminal."""
        interval = self.poll_interval
        for _ in range(self.max_polls):
            backfill = self.get_backfill(asset, backfill_id)
            if backfill["status"] in TERMINAL:
                return backfill
            if self.sleeps_between_polls:
                self.sleep(interval)
                interval = min(self.poll_cap, interval * 1.5)
        raise WaitTimeout(f"backfill {backfill_id} still not terminal after {self.max_polls} polls")

    # --- one request, with retries -------------------------------------------------------------

    def _asset_path(self, asset: str) -> str:
        return "/assets/" + quote(asset, safe="" if self.encodes_keys else "/")

    def _call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        body: Json | None = None,
    ) -> Json:
        headers: dict[str, str] = {}
        if method == "POST" and self.sends_idempotency_keys:
            headers["Idempotency-Key"] = str(uuid.uuid4())  # one key for every retry of this call
        content = None if body is None else json.dumps(body).encode()
        if content is not None:
            headers["Content-Type"] = "application/json"
        attempt = 0
        while True:
            attempt += 1
            if self.token is not None:
                headers["Authorization"] = f"Bearer {self.token}"
            try:
                response = self.http.request(
                    method, path, params=params, content=content, headers=headers
                )
                if 200 <= response.status_code < 300:
                    return _parsed(response)
            except (httpx.TransportError, _Transient) as error:
                if not self.retries or attempt >= self.max_attempts:
                    raise ApiError(0, None, f"{method} {path}: {error}") from error
                self.sleep(self._backoff(attempt))
                continue
            status = response.status_code
            if self.retries and status in self.retry_statuses and attempt < self.max_attempts:
                self.sleep(self._delay(response, attempt))
                continue
            if status == 401 and self._renew_credential():
                continue  # a new credential: not the same request again
            raise _api_error(response)

    def _renew_credential(self) -> bool:
        if self.fallback_token is None or self.token == self.fallback_token:
            return False
        self.token = self.fallback_token
        return True

    def _backoff(self, attempt: int) -> float:
        return float(min(self.backoff_cap, self.backoff_base * 2 ** (attempt - 1)))

    def _delay(self, response: httpx.Response, attempt: int) -> float:
        if self.honors_retry_after:
            retry_after = _retry_after(response)
            if retry_after is not None:
                return retry_after
        return self._backoff(attempt)


def _parsed(response: httpx.Response) -> Json:
    try:
        document = response.json()
    except (httpx.TransportError, ValueError) as error:  # cut off, or not JSON
        raise _Transient(f"unreadable {response.status_code} body: {error}") from error
    if not isinstance(document, dict):
        raise _Transient(f"unexpected {response.status_code} body: {document!r:.80}")
    return document


def _retry_after(response: httpx.Response) -> float | None:
    """``Retry-After`` in seconds (delta-seconds form; an HTTP-date is not used by this API)."""
    value = response.headers.get("Retry-After")
    try:
        return None if value is None else max(0.0, float(value))
    except ValueError:
        return None


def _api_error(response: httpx.Response) -> ApiError:
    try:
        problem = response.json()
    except ValueError:
        problem = None
    if isinstance(problem, dict):
        return ApiError(response.status_code, problem.get("code"), str(problem.get("detail")))
    return ApiError(response.status_code, None, response.text[:200])


# --- naive clients: the reference client with one bug each ------------------------------------


class FirstPageOnly(ReferenceClient):
    """Reads the first page of a list and ignores ``next_page_token``."""

    follows_pages = False


class RetriesClientErrors(ReferenceClient):
    """Treats 401, 403 and 404 as transient and retries them like a 500."""

    retry_statuses = frozenset({401, 403, 404, 429, 500})


class IgnoresRetryAfter(ReferenceClient):
    """Retries a 429 on its own back-off schedule (0.5 s, 1 s, ...), sooner than Retry-After."""

    honors_retry_after = False


class NoIdempotencyKey(ReferenceClient):
    """Sends no ``Idempotency-Key``, so a retried POST whose first answer was lost repeats it."""

    sends_idempotency_keys = False


class UnencodedKeys(ReferenceClient):
    """Puts asset keys into the path with their slashes unencoded (``/assets/sales/daily``)."""

    encodes_keys = False


class BusyPoller(ReferenceClient):
    """Polls a backfill in a tight loop without pausing (bounded, so it ends)."""

    sleeps_between_polls = False


class NeverRetries(ReferenceClient):
    """Gives up on the first 429, 500 or network error."""

    retries = False


NAIVE_CLIENTS: dict[str, type[ReferenceClient]] = {
    "first_page_only": FirstPageOnly,
    "retries_4xx": RetriesClientErrors,
    "ignores_retry_after": IgnoresRetryAfter,
    "no_idempotency_key": NoIdempotencyKey,
    "unencoded_slashes": UnencodedKeys,
    "busy_poller": BusyPoller,
    "never_retries": NeverRetries,
}
