"""What the direct-answer edge tests send and read: a scenario whose faults a request picks by
its ``X-Break`` header, raw requests, and a raw-socket conversation that ends the same way on
uvicorn's road and on the direct road (tests/http/test_direct_answers_edges.py and
test_direct_answers_lifecycle.py)."""

from __future__ import annotations

import json
import re
import socket
import time
from typing import Any

import pytest

from assetfake import AssetFake
from assetfake.http.socket_server import FaultableHttpToolsProtocol

SCENARIO: dict[str, Any] = {
    "version": 1,
    "name": "direct-answer-edges",
    "clock": {"start": "2024-06-01T00:00:00Z", "mode": "manual"},
    "assets": [{"key": "a", "run": {"running_seconds": 5}}],
    "history": {"generate": [{"asset": "a", "runs": 30, "spread_seconds": 3600}]},
    "faults": [
        {
            "name": "late",
            "match": {"header": {"X-Break": "late"}},
            "respond": {"delay_seconds": 0.3},
        },
        {
            "name": "later",
            "match": {"header": {"X-Break": "later"}},
            "respond": {"delay_seconds": 0.8},
        },
        {
            "name": "slow",
            "match": {"header": {"X-Break": "slow"}},
            "respond": {"network": "slow_body", "bytes_per_second": 40000},
        },
        {
            "name": "stale",
            "match": {"header": {"X-Break": "stale"}},
            "respond": {"network": "close_after"},
        },
        {
            "name": "reset",
            "match": {"header": {"X-Break": "reset"}},
            "respond": {"network": "reset"},
        },
        {
            "name": "truncated",
            "match": {"header": {"X-Break": "truncated"}},
            "respond": {"network": "truncated"},
        },
        {
            "name": "closing-500",
            "match": {"header": {"X-Break": "closing"}},
            "respond": {"status": 500, "headers": {"Connection": "close"}},
        },
    ],
}

GET = b"GET /assets/a/runs?max_results=5 HTTP/1.1\r\nHost: x\r\n\r\n"
TRIGGER = (
    b"POST /assets/a/materialize HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
    b"Content-Length: 2\r\n\r\n{}"
)


def broken(request: bytes, kind: str) -> bytes:
    """The request with ``X-Break: kind`` (the scenario's fault of that name fires)."""
    return request.replace(b"Host: x\r\n", b"Host: x\r\nX-Break: " + kind.encode() + b"\r\n")


def with_body(size: int, chunked: bool = False) -> bytes:
    """A trigger whose JSON body is ``size`` bytes (padding in a string)."""
    body = b'{"pad": "' + b"x" * max(0, size - 11) + b'"}'
    head = b"POST /assets/a/materialize HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
    if chunked:
        return head + b"Transfer-Encoding: chunked\r\n\r\n%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)
    return head + b"Content-Length: %d\r\n\r\n%s" % (len(body), body)


def put_scenario() -> bytes:
    """``PUT /_fake/scenario`` with :data:`SCENARIO` (JSON is YAML): run on a thread."""
    body = json.dumps(SCENARIO).encode()
    head = b"PUT /_fake/scenario HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % len(body)
    return head + body


#: The journal as the tests compare it (wall times aside).
Journal = list[tuple[str, str | None, int, str | None, str | None, bool]]


def port_of(url: str) -> int:
    return int(url.rsplit(":", 1)[1])


#: The last request of every conversation: the server closes after answering it, which ends
#: the conversation the same way on both roads. (A client that half-closes instead is taken
#: for gone by uvicorn, which closes on EOF, dropping what is in flight.)
LAST = b"GET /assets/a/runs?max_results=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"


def converse(
    port: int, pieces: list[bytes], pause: float = 0.05, timeout: float = 5, last: bool = True
) -> bytes:
    """Send the pieces, then :data:`LAST` (unless a piece ends with it), and read to the
    server's close (``Date`` lines dropped)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        for piece in [*pieces, LAST] if last else pieces:
            try:
                sock.sendall(piece)
            except OSError:  # the server closed already (a fault, a refusal): read what came
                break
            time.sleep(pause)
        chunks = []
        try:
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        except ConnectionResetError:
            chunks.append(b"<reset>")
    return re.sub(rb"date: [^\r]*\r\n", b"", b"".join(chunks))


def journal_of(fake: AssetFake) -> Journal:
    return [
        (e.request_id, e.operation, e.status, e.fault, e.network, e.aborted) for e in fake.journal
    ]


def statuses(answer: bytes) -> list[int]:
    return [int(s) for s in re.findall(rb"HTTP/1.1 (\d{3}) ", answer)]


def answers_of(sock: socket.socket, count: int) -> bytes:
    """Read ``count`` whole answers (Content-Length framed) from a kept-alive connection."""
    data = b""
    while not _complete(data, count):
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


def _complete(data: bytes, count: int) -> bool:
    rest = data
    for _ in range(count):
        head, sep, rest = rest.partition(b"\r\n\r\n")
        found = re.search(rb"content-length: (\d+)", head)
        if not sep or found is None or len(rest) < int(found.group(1)):
            return False
        rest = rest[int(found.group(1)) :]
    return True


def take_road(monkeypatch: pytest.MonkeyPatch, road: str) -> None:
    """The httptools protocol, answering directly (``direct``) or taking uvicorn's road for
    every request (``uvicorn``)."""
    monkeypatch.setenv("ASSETFAKE_HTTP", "httptools")
    monkeypatch.setattr(FaultableHttpToolsProtocol, "answers_directly", road == "direct")


#: The two roads a test runs on.
ROADS = ["direct", "uvicorn"]
