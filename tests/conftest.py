"""Test-wide: every API response any test receives is checked against the OpenAPI document.

The autouse fixture ``_openapi_checked_responses`` wraps the transports a test can reach the fake
through — the in-process sync and async transports and httpx's real HTTP transports (live
servers) — so that each response is validated by :class:`openapi_check.OpenAPIChecker` before
the test sees it. Skipped: the control API and ``/openapi.json`` (the checker skips them), and a
2xx response marked ``X-Fake-Fault`` (a ``network: malformed``/``empty``/``truncated`` fault,
broken on purpose; its body is not even read). An error marked ``X-Fake-Fault`` whose body the
scenario wrote (``respond.body``) has its status and headers checked, not its body; with the
fake's own problem document it is checked whole; a bodiless answer to HEAD has its status and
headers checked. A test opts out with
``@pytest.mark.no_openapi_check`` (needed, e.g., for ``mark_faults: false`` with a custom body).

Also shared fixtures for the API tests: ``fake`` (the default scenario, manual clock) and
``api`` (its in-process sync client).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from http import HTTPStatus
from typing import Any

import httpx
import pytest

from assetfake.fake import AssetFake
from assetfake.transports import AsyncASGITransport, SyncASGITransport
from openapi_check import OpenAPIChecker

NO_CHECK_MARKER = "no_openapi_check"


#: The long forms, each skipped unless selected with ``-m <marker>``; the default run has the
#: short form of each.
LONG_RUNS: dict[str, str] = {
    "schemathesis_long": "a long Schemathesis run (at least 200 examples per operation)",
    "lifecycle_long": "the long run of the lifecycle state machine (2,000 examples)",
    "fuzz_long": "the long form of the scenario fuzz (thousands of examples, minutes)",
    "soak_long": "the 60 s soak of a live server",
}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{NO_CHECK_MARKER}: do not validate this test's API responses against the OpenAPI "
        "document (for tests that break responses on purpose)",
    )
    for marker, what in LONG_RUNS.items():
        config.addinivalue_line(
            "markers", f"{marker}: {what}; skipped unless selected with -m {marker}"
        )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    selected = config.getoption("markexpr", "") or ""
    for marker in LONG_RUNS:
        if marker in selected and f"not {marker}" not in selected:
            continue
        skip = pytest.mark.skip(reason=f"a long run: select it with -m {marker}")
        for item in items:
            if marker in item.keywords:
                item.add_marker(skip)


@pytest.fixture(scope="session")
def openapi_checker() -> OpenAPIChecker:
    """One checker (its compiled validators are cached) for the whole session."""
    return OpenAPIChecker()


def _skipped(response: httpx.Response) -> bool:
    return "x-fake-fault" in response.headers and 200 <= response.status_code < 300


def _default_fault_body(body: bytes, fault: str) -> bool:
    """Whether a fault's body is the fake's own problem document (not the scenario's)."""
    try:
        document = json.loads(body)
    except ValueError:
        return False
    return isinstance(document, dict) and document.get("detail") == f"injected fault '{fault}'"


def _check(checker: OpenAPIChecker, request: httpx.Request, response: httpx.Response) -> None:
    status = response.status_code
    headers: Mapping[str, str] = response.headers
    body = response.content
    fault = response.headers.get("x-fake-fault")
    custom_fault = fault is not None and not _default_fault_body(body, fault)
    if custom_fault or (request.method == "HEAD" and not body):
        # A scenario-written fault body (`respond.body`, e.g. a proxy's plain-text error page)
        # is off the document on purpose, and an answer to HEAD has no body (a real server
        # drops it): check the status and headers, not the body.
        headers = {**dict(response.headers), "content-type": "application/problem+json"}
        body = json.dumps(
            {
                "type": "about:blank",
                "title": "Custom",
                "status": status,
                "code": "custom_fault_body",
            }
        ).encode()
    checker.check(request.method, request.url.raw_path.decode("ascii"), status, headers, body)


class _RaisingStream(httpx.SyncByteStream, httpx.AsyncByteStream):
    """Re-raises, when the test reads the body, the error reading it raised in the hook."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    def __iter__(self) -> Iterator[bytes]:
        raise self.error

    async def __aiter__(self) -> AsyncIterator[bytes]:
        raise self.error
        yield b""  # pragma: no cover - makes this an async generator


def _unread(request: httpx.Request, response: httpx.Response, error: Exception) -> httpx.Response:
    return httpx.Response(
        response.status_code,
        headers=response.headers,
        stream=_RaisingStream(error),
        request=request,
        extensions=response.extensions,
    )


def _sync_wrapper(
    original: Callable[[Any, httpx.Request], httpx.Response], checker: OpenAPIChecker
) -> Callable[[Any, httpx.Request], httpx.Response]:
    def handle_request(self: Any, request: httpx.Request) -> httpx.Response:
        response = original(self, request)
        if _skipped(response):
            return response
        try:
            response.read()
        except httpx.TransportError as error:  # a broken connection: the test sees it on read
            response.close()
            return _unread(request, response, error)
        _check(checker, request, response)
        return response

    return handle_request


def _async_wrapper(original: Any, checker: OpenAPIChecker) -> Any:
    async def handle_async_request(self: Any, request: httpx.Request) -> httpx.Response:
        response: httpx.Response = await original(self, request)
        if _skipped(response):
            return response
        try:
            await response.aread()
        except httpx.TransportError as error:
            await response.aclose()
            return _unread(request, response, error)
        _check(checker, request, response)
        return response

    return handle_async_request


@pytest.fixture(autouse=True)
def _openapi_checked_responses(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    if request.node.get_closest_marker(NO_CHECK_MARKER) is not None:
        return
    checker: OpenAPIChecker = request.getfixturevalue("openapi_checker")
    for cls in (SyncASGITransport, httpx.HTTPTransport):
        original = cls.handle_request
        monkeypatch.setattr(cls, "handle_request", _sync_wrapper(original, checker))
    for cls in (AsyncASGITransport, httpx.AsyncHTTPTransport):
        original_async = cls.handle_async_request
        monkeypatch.setattr(cls, "handle_async_request", _async_wrapper(original_async, checker))


@pytest.fixture
def fake() -> AssetFake:
    """The default scenario (a small catalog with history), manual clock."""
    return AssetFake()


@pytest.fixture
def api(fake: AssetFake) -> Iterator[httpx.Client]:
    """An in-process sync client of ``fake``."""
    with fake.client() as client:
        yield client


ProblemCheck = Callable[..., dict[str, Any]]


def assert_problem(
    response: httpx.Response, status: int, code: str | None = None
) -> dict[str, Any]:
    """Assert an RFC 9457 problem answer of ``status`` (and ``code``); returns the document."""
    assert response.status_code == status, f"{response.status_code}: {response.text}"
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers.get("x-request-id")
    body: dict[str, Any] = response.json()
    assert set(body) >= {"type", "title", "status", "detail", "code"}, body
    assert body["type"] == "about:blank"
    assert body["status"] == status
    assert body["title"] == HTTPStatus(status).phrase
    assert isinstance(body["detail"], str) and body["detail"]
    assert isinstance(body["code"], str) and body["code"]
    if code is not None:
        assert body["code"] == code, body
    return body


@pytest.fixture
def problem() -> ProblemCheck:
    """``problem(response, status, code=None)``: assert a problem document; returns it."""
    return assert_problem
