"""The careful reference client of the Assets API, and the errors every zoo client reports.

:class:`ReferenceClient` is what a careful client author writes: it percent-encodes asset keys,
asks for full pages and walks them by ``next_page_token`` alone (starting the walk again when a
page token has expired), retries 429 (after ``Retry-After``), 500, network errors and
unparseable bodies with bounded exponential back-off through an injected ``sleep``, never
retries 400/401/403/404, reuses one ``Idempotency-Key`` across the retries of one POST, re-reads
its credential source once after a 401 (as SDKs re-read a token provider), and pauses between
polls until a backfill is terminal.

Each naive client of the zoo (``zoo/naive.py``) is this client with exactly one realistic bug,
set by one class attribute; the clients built on retry libraries (``zoo/libraries.py``) share
its pager and poller and replace the request-with-retries part by the library.
"""

from __future__ import annotations

import json
import math
import uuid
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote

import httpx

Sleep = Callable[[float], None]
Credentials = Callable[[], "str | None"]
Json = dict[str, Any]

BASE_URL = "http://assetfake"
TERMINAL = frozenset({"SUCCEEDED", "FAILED", "CANCELED"})
EXPIRED_TOKEN = "page_token_expired"


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


class Transient(Exception):
    """An attempt failed in a way that retrying may fix (network error, unparseable body)."""


class PagingClient:
    """The walk of a list and the wait for a backfill, over one request primitive ``_call``
    (a :class:`ReferenceClient` retries in it by hand, a library client through its library)."""

    follows_pages = True
    restarts_expired_walks = True
    sleeps_between_polls = True
    quiet_after_polls: int | None = None  # stop polling after N polls and return what it saw
    encodes_keys = True

    page_size = 100
    poll_interval = 1.0  # seconds; grows by half every poll
    poll_cap = 30.0
    max_polls = 150
    max_walks = 3

    def __init__(self, sleep: Sleep) -> None:
        self.sleep = sleep

    def _call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        body: Json | None = None,
    ) -> Json:
        raise NotImplementedError

    def list_all(self, kind: str, asset: str) -> list[Json]:
        """Every item of a list (``runs``, ``backfills``, ``materializations``), newest first."""
        for walk in range(1, self.max_walks + 1):
            try:
                return self._walk(kind, asset)
            except ApiError as error:
                if error.code != EXPIRED_TOKEN or not self.restarts_expired_walks:
                    raise
                if walk == self.max_walks:
                    raise
        raise AssertionError("unreachable")

    def _walk(self, kind: str, asset: str) -> list[Json]:
        params = {"max_results": str(self.page_size)}
        items: list[Json] = []
        token: str | None = None
        while True:
            query = params if token is None else {**params, "page_token": token}
            page = self._call("GET", f"{self.asset_path(asset)}/{kind}", params=query)
            items.extend(page["items"])
            token = page.get("next_page_token")
            if not token or not self.follows_pages:
                return items

    def trigger(self, asset: str, partition: str | None = None) -> Json:
        """Start one run (202 QUEUED)."""
        body: Json = {} if partition is None else {"partition_key": partition}
        return self._call("POST", f"{self.asset_path(asset)}/materialize", body=body)

    def create_backfill(self, asset: str, body: Mapping[str, Any]) -> Json:
        return self._call("POST", f"{self.asset_path(asset)}/backfills", body=dict(body))

    def get_backfill(self, asset: str, backfill_id: str) -> Json:
        path = f"{self.asset_path(asset)}/backfills/{quote(backfill_id, safe='')}"
        return self._call("GET", path)

    def wait_backfill(self, asset: str, backfill_id: str) -> Json:
        """Poll the backfill, pausing between polls, until it is terminal."""
        interval = self.poll_interval
        for poll in range(1, self.max_polls + 1):
            backfill = self.get_backfill(asset, backfill_id)
            if backfill["status"] in TERMINAL:
                return backfill
            if self.quiet_after_polls is not None and poll >= self.quiet_after_polls:
                return backfill
            if self.sleeps_between_polls:
                self.sleep(interval)
                interval = min(self.poll_cap, interval * 1.5)
        raise WaitTimeout(f"backfill {backfill_id} still not terminal after {self.max_polls} polls")

    def asset_path(self, asset: str) -> str:
        return "/assets/" + quote(asset, safe="" if self.encodes_keys else "/")


class ReferenceClient(PagingClient):
    """A careful client. ``sleep`` is ``time.sleep`` in production, ``fake.clock.sleep`` here;
    ``credentials`` is its token provider (``None``: no auth)."""

    #: Statuses that retrying may fix; 400, 401, 403 and 404 never are.
    retry_statuses: frozenset[int] = frozenset({429, 500})
    honors_retry_after = True
    sends_idempotency_keys = True
    retries = True
    retries_network = True
    retries_post_network = True
    backs_off = True
    rereads_credentials = True

    max_attempts: float = 6
    backoff_base = 0.5  # seconds; doubles every attempt
    backoff_cap = 30.0

    def __init__(self, http: httpx.Client, sleep: Sleep, credentials: Credentials) -> None:
        super().__init__(sleep)
        self.http = http
        self.credentials = credentials
        self.token = credentials()

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
                    return parsed(response)
            except (httpx.TransportError, Transient) as error:
                if not self._retries_failure(method, attempt):
                    raise ApiError(0, None, f"{method} {path}: {error}") from error
                self._pause(self._backoff(attempt))
                continue
            if self._retries_status(response.status_code, attempt):
                self._pause(self._delay(response, attempt))
                continue
            if response.status_code == 401 and self._renew_credential():
                continue  # a new credential: not the same request again
            raise api_error(response)

    def _retries_failure(self, method: str, attempt: int) -> bool:
        if not (self.retries and self.retries_network) or attempt >= self.max_attempts:
            return False
        return method != "POST" or self.retries_post_network

    def _retries_status(self, status: int, attempt: int) -> bool:
        return self.retries and status in self.retry_statuses and attempt < self.max_attempts

    def _renew_credential(self) -> bool:
        if not self.rereads_credentials:
            return False
        fresh = self.credentials()
        if fresh is None or fresh == self.token:
            return False
        self.token = fresh
        return True

    def _pause(self, seconds: float) -> None:
        if self.backs_off:
            self.sleep(seconds)

    def _backoff(self, attempt: int) -> float:
        return float(min(self.backoff_cap, self.backoff_base * 2 ** min(attempt - 1, 30)))

    def _delay(self, response: httpx.Response, attempt: int) -> float:
        if self.honors_retry_after:
            retry_after = retry_after_of(response)
            if retry_after is not None:
                return retry_after
        return self._backoff(attempt)


def parsed(response: httpx.Response) -> Json:
    """The JSON object a 2xx carried; :class:`Transient` when it cannot be read or parsed."""
    try:
        document = response.json()
    except (httpx.TransportError, ValueError) as error:  # cut off, or not JSON
        raise Transient(f"unreadable {response.status_code} body: {error}") from error
    if not isinstance(document, dict):
        raise Transient(f"unexpected {response.status_code} body: {document!r:.80}")
    return document


def retry_after_of(response: httpx.Response) -> float | None:
    """``Retry-After`` in seconds (delta-seconds form; an HTTP-date is not used by this API)."""
    value = response.headers.get("Retry-After")
    try:
        seconds = None if value is None else float(value)
    except ValueError:
        return None
    return None if seconds is None or not math.isfinite(seconds) else max(0.0, seconds)


def api_error(response: httpx.Response) -> ApiError:
    try:
        problem = response.json()
    except (httpx.TransportError, ValueError):
        problem = None
    if isinstance(problem, dict):
        return ApiError(response.status_code, problem.get("code"), str(problem.get("detail")))
    return ApiError(response.status_code, None, response.text[:200])
