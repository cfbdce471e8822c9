"""Clients built on popular retry libraries, each configured exactly as its own documentation
shows (the configurations of docs/howto-clock-patch.md, whose recipes
tests/testing/test_clock_patch.py runs). They share the careful client's pager and poller
(``clients.PagingClient``); only the request-with-retries part is the library's. Their waits
are the library's own ``time.sleep``/``asyncio.sleep``, which ``patch_time=True`` routes to the
fake's clock. Their documented defaults are the bugs the library flags:

- urllib3 ``Retry`` on requests' ``HTTPAdapter`` (live only: requests needs a socket): retries
  idempotent methods only, so a POST's 500 or reset after the commit is given up; never retries
  a body that does not parse (requests parses after urllib3 is done).
- tenacity ``@retry(stop=stop_after_attempt(7), wait=wait_exponential(multiplier=1, max=10))``:
  retries every exception, 401/403/404 included, and ignores ``Retry-After``.
- stamina ``@stamina.retry(on=httpx.HTTPError, attempts=3)``: retries every HTTP error, 4xx
  included, ignores ``Retry-After``; three attempts.
- backoff ``@backoff.on_exception(backoff.expo, httpx.HTTPError, max_time=60)``: retries every
  HTTP error, 4xx included; full jitter, so a wait may be ~0 or shorter than the one before.
- httpx-retries ``RetryTransport(retry=Retry(total=5, backoff_factor=0.5))``: never retries a
  500 (not in its default status list) nor a POST; a body error is raised after its wrapper.
- aiohttp-retry ``RetryClient(retry_options=ExponentialRetry(attempts=3, statuses={429}))``
  (live only): ignores ``Retry-After``, retries no network error (its default ``exceptions`` is
  empty), and retries 5xx on every method.

The libraries are imported here, at the top, so that a missing one fails the import at once
(``httpcore`` too: httpx imports it lazily, and maps the errors of the copy it first met).
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import aiohttp
import backoff
import httpcore  # noqa: F401 (see above: imported before the inner runs)
import httpx
import requests
import stamina
import urllib3
from aiohttp_retry import ExponentialRetry, RetryClient
from clients import ApiError, Json, PagingClient
from httpx_retries import Retry, RetryTransport
from requests.adapters import HTTPAdapter
from tenacity import RetryError, retry, stop_after_attempt, wait_exponential

from zoo.connection import Runaway

if TYPE_CHECKING:
    from zoo.connection import Connection


def _sleep(seconds: float) -> None:
    time.sleep(seconds)  # looked up at each call: patch_time replaces time.sleep


def _code_of(body: bytes | str) -> str | None:
    """The ``code`` of a problem document, if the body is one."""
    try:
        problem = json.loads(body)
    except ValueError:
        return None
    code = problem.get("code") if isinstance(problem, dict) else None
    return code if isinstance(code, str) else None


def _error_of(error: BaseException) -> ApiError:
    if isinstance(error, httpx.HTTPStatusError):
        response = error.response
        return ApiError(response.status_code, _code_of(response.content), str(error)[:200])
    return ApiError(0, None, f"{type(error).__name__}: {error}"[:300])


def _document(data: object) -> Json:
    if not isinstance(data, dict):
        raise ApiError(0, None, f"unexpected body: {data!r:.80}")
    return data


class LibraryClient(PagingClient):
    """The shared part: the token read once (a static ``Authorization`` header, as these
    libraries' users configure it), one ``Idempotency-Key`` per POST, the pager and poller."""

    def __init__(self, connection: Connection) -> None:
        super().__init__(_sleep)
        self.connection = connection
        self.token = connection.credentials()

    def headers(self, method: str, body: Json | None) -> dict[str, str]:
        headers: dict[str, str] = {}
        if self.token is not None:
            headers["Authorization"] = f"Bearer {self.token}"
        if method == "POST":
            headers["Idempotency-Key"] = str(uuid.uuid4())
        if body is not None:
            headers["Content-Type"] = "application/json"
        return headers

    def close(self) -> None:
        pass


class HttpxLibraryClient(LibraryClient):
    def __init__(self, connection: Connection) -> None:
        super().__init__(connection)
        self.http = connection.http()

    def close(self) -> None:
        self.http.close()

    def _call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        body: Json | None = None,
    ) -> Json:
        headers = self.headers(method, body)
        content = None if body is None else json.dumps(body).encode()
        try:
            response = self.send(method, path, params, content, headers)
            return _document(response.json())
        except (ApiError, Runaway):
            raise
        except Exception as error:  # what the library gave up with
            raise _error_of(error) from error

    def send(
        self,
        method: str,
        path: str,
        params: Mapping[str, str] | None,
        content: bytes | None,
        headers: dict[str, str],
    ) -> httpx.Response:
        raise NotImplementedError

    def request(
        self,
        method: str,
        path: str,
        params: Mapping[str, str] | None,
        content: bytes | None,
        headers: dict[str, str],
    ) -> httpx.Response:
        response = self.http.request(method, path, params=params, content=content, headers=headers)
        response.raise_for_status()
        return response


class TenacityClient(HttpxLibraryClient):
    def send(
        self, method: str, path: str, params: Any, content: Any, headers: Any
    ) -> httpx.Response:
        @retry(stop=stop_after_attempt(7), wait=wait_exponential(multiplier=1, max=10))
        def attempt() -> httpx.Response:
            response = self.request(method, path, params, content, headers)
            response.json()  # inside the retried function, as tenacity's users write it
            return response

        try:
            return attempt()
        except RetryError as error:
            last = error.last_attempt.exception()
            raise _error_of(last if last is not None else error) from error


class StaminaClient(HttpxLibraryClient):
    def send(
        self, method: str, path: str, params: Any, content: Any, headers: Any
    ) -> httpx.Response:
        @stamina.retry(on=httpx.HTTPError, attempts=3)
        def attempt() -> httpx.Response:
            return self.request(method, path, params, content, headers)

        return attempt()


class BackoffClient(HttpxLibraryClient):
    def send(
        self, method: str, path: str, params: Any, content: Any, headers: Any
    ) -> httpx.Response:
        @backoff.on_exception(backoff.expo, httpx.HTTPError, max_time=60)
        def attempt() -> httpx.Response:
            return self.request(method, path, params, content, headers)

        return attempt()


class HttpxRetriesClient(HttpxLibraryClient):
    def __init__(self, connection: Connection) -> None:
        LibraryClient.__init__(self, connection)
        retry = Retry(total=5, backoff_factor=0.5)  # httpx_retries.Retry
        self.http = connection.http(lambda inner: RetryTransport(transport=inner, retry=retry))

    def send(
        self, method: str, path: str, params: Any, content: Any, headers: Any
    ) -> httpx.Response:
        return self.request(method, path, params, content, headers)


class Urllib3Client(LibraryClient):
    """requests with urllib3's ``Retry`` on an ``HTTPAdapter`` (live only)."""

    def __init__(self, connection: Connection) -> None:
        super().__init__(connection)
        self.session = requests.Session()
        retries = urllib3.util.Retry(
            total=3,
            backoff_factor=0.1,
            status_forcelist=[429, 500],
            respect_retry_after_header=True,
        )
        self.session.mount("http://", HTTPAdapter(max_retries=retries))

    def close(self) -> None:
        self.session.close()

    def _call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        body: Json | None = None,
    ) -> Json:
        url = self.connection.base_url + path
        data = None if body is None else json.dumps(body).encode()
        try:
            response = self.session.request(
                method,
                url,
                params=params,
                data=data,
                headers=self.headers(method, body),
                timeout=self.connection.timeouts,
            )
            response.raise_for_status()
            return _document(response.json())
        except requests.HTTPError as error:
            answer = error.response
            status, code = (
                (0, None) if answer is None else (answer.status_code, _code_of(answer.content))
            )
            raise ApiError(status, code, str(error)[:200]) from error
        except (requests.RequestException, ValueError) as error:
            raise _error_of(error) from error


class AiohttpRetryClient(LibraryClient):
    """aiohttp-retry's ``RetryClient`` on a private event loop (live only)."""

    def __init__(self, connection: Connection) -> None:
        super().__init__(connection)
        self.loop = asyncio.new_event_loop()  # asyncio.Runner is 3.11+
        self.client: Any = None

    def close(self) -> None:
        if self.client is not None:
            self.loop.run_until_complete(self.client.close())
        self.loop.close()

    async def _open(self) -> Any:
        if self.client is None:
            timeout = aiohttp.ClientTimeout(total=None, sock_read=self.connection.timeouts[1])
            retry_options = ExponentialRetry(attempts=3, statuses={429})
            self.client = RetryClient(retry_options=retry_options, timeout=timeout)
        return self.client

    async def _send(self, method: str, url: str, params: Any, data: Any, headers: Any) -> Json:
        client = await self._open()
        async with client.request(
            method, url, params=params, data=data, headers=headers
        ) as response:
            if not 200 <= response.status < 300:
                body = await response.read()
                raise ApiError(response.status, _code_of(body), body[:200].decode(errors="replace"))
            return _document(json.loads(await response.read()))

    def _call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        body: Json | None = None,
    ) -> Json:
        url = self.connection.base_url + path
        data = None if body is None else json.dumps(body).encode()
        coroutine = self._send(method, url, dict(params or {}), data, self.headers(method, body))
        try:
            return self.loop.run_until_complete(coroutine)
        except ApiError:
            raise
        except Exception as error:
            raise _error_of(error) from error
