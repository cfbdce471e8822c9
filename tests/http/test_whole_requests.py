"""A request is acted on only once it has arrived whole (CONTRACT 7), and requests too broken to
reach the app get a problem document from the fake's own protocol layer, on a real socket."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import Iterator
from typing import Any

import pytest

from assetfake import AssetFake

Message = dict[str, Any]


@pytest.fixture(params=["httptools", "h11"])
def live(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[AssetFake, str, int]]:
    """A live server, on each of the two HTTP parsers it can speak."""
    monkeypatch.setenv("ASSETFAKE_HTTP", request.param)
    fake = AssetFake()
    with fake.serve() as url:
        host, port = url.removeprefix("http://").split(":")
        yield fake, host, int(port)


def _exchange(host: str, port: int, data: bytes, half_close: bool = True) -> bytes:
    """Send ``data`` on a fresh connection, optionally half-close, and read all that comes."""
    with socket.create_connection((host, port), timeout=5) as sock:
        sock.sendall(data)
        if half_close:
            sock.shutdown(socket.SHUT_WR)
        chunks = []
        while True:
            try:
                chunk = sock.recv(65536)
            except (TimeoutError, ConnectionResetError):
                break
            if not chunk:
                break
            chunks.append(chunk)
    return b"".join(chunks)


def _counts(fake: AssetFake) -> dict[str, int]:
    return fake.state.counts()


CUT_SHORT = {
    "content-length never met (trigger)": (
        b"POST /assets/customers/materialize HTTP/1.1\r\nHost: x\r\n"
        b"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{}"
    ),
    "content-length never met (backfill)": (
        b"POST /assets/sales%2Fdaily/backfills HTTP/1.1\r\nHost: x\r\n"
        b"Content-Type: application/json\r\nContent-Length: 500\r\n\r\n"
        b'{"partition_keys": ["2024-01-01"]}'
    ),
    "unterminated chunked body": (
        b"POST /assets/customers/materialize HTTP/1.1\r\nHost: x\r\n"
        b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n"
    ),
    "bad chunk size": (
        b"POST /assets/customers/materialize HTTP/1.1\r\nHost: x\r\n"
        b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\nZZ\r\n"
    ),
}


@pytest.mark.parametrize("data", CUT_SHORT.values(), ids=list(CUT_SHORT))
def test_a_body_that_never_arrives_whole_changes_nothing(
    live: tuple[AssetFake, str, int], data: bytes
) -> None:
    fake, host, port = live
    before = _counts(fake)
    answer = _exchange(host, port, data)
    assert _counts(fake) == before
    assert b"202" not in answer.split(b"\r\n", 1)[0]
    if answer:  # h11 refused the framing itself: a problem document, not text/plain
        assert b"application/problem+json" in answer
    entries = list(fake.journal)
    if entries:  # a request the app saw begin is journalled as aborted
        assert entries[-1].aborted and entries[-1].status == 0


def test_the_same_request_sent_whole_does_change_the_state(
    live: tuple[AssetFake, str, int],
) -> None:
    fake, host, port = live
    before = _counts(fake)
    answer = _exchange(
        host,
        port,
        b"POST /assets/customers/materialize HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
        b"Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}",
    )
    assert answer.startswith(b"HTTP/1.1 202")
    assert _counts(fake) != before


MALFORMED = {
    "garbage": b"GARBAGE\r\n\r\n",
    "no host": b"GET /assets/customers/runs HTTP/1.1\r\n\r\n",
    "two content-lengths": (
        b"POST /assets/customers/materialize HTTP/1.1\r\nHost: x\r\n"
        b"Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}"
    ),
    "NUL in a header": b"GET /assets/customers/runs HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n\r\n",
    "bare CR in a header": b"GET /assets/customers/runs HTTP/1.1\r\nHost: x\r\nX-A: a\rb\r\n\r\n",
    "non-ASCII target": "GET /assets/caf\u00e9/runs HTTP/1.1\r\nHost: x\r\n\r\n".encode(),
    "space in target": b"GET /assets/a b/runs HTTP/1.1\r\nHost: x\r\n\r\n",
    "header without colon": b"GET / HTTP/1.1\r\nHost: x\r\nnocolon\r\n\r\n",
}


@pytest.mark.parametrize("data", MALFORMED.values(), ids=list(MALFORMED))
def test_protocol_errors_get_a_problem_document(
    live: tuple[AssetFake, str, int], data: bytes
) -> None:
    fake, host, port = live
    before = _counts(fake)
    answer = _exchange(host, port, data, half_close=False)
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400"), answer[:200]
    assert b"content-type: application/problem+json" in head.lower()
    problem = json.loads(body)
    assert problem["status"] == 400 and problem["code"] == "malformed_request"
    assert _counts(fake) == before


def test_in_process_a_disconnect_before_the_body_ends_changes_nothing() -> None:
    fake = AssetFake()
    before = _counts(fake)
    sent: list[Message] = []
    messages: list[Message] = [
        {"type": "http.request", "body": b"{", "more_body": True},
        {"type": "http.disconnect"},
    ]

    async def receive() -> Message:
        return messages.pop(0)

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": "POST",
        "path": "/assets/customers/materialize",
        "raw_path": b"/assets/customers/materialize",
        "query_string": b"",
        "headers": [(b"content-type", b"application/json")],
    }
    asyncio.run(fake.app(scope, receive, send))
    assert sent == []  # nobody to answer
    assert _counts(fake) == before
    (entry,) = fake.journal
    assert entry.aborted and entry.operation == "triggerAssetMaterialization"
    assert entry.status == 0
