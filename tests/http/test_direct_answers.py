"""The live server answers a request that arrived whole without an ASGI task (one write of the
whole answer, ``FaultableHttpToolsProtocol``): the same bytes, journal and state as uvicorn's
road, whatever the client sends on the connection (pipelined requests, a body cut across
packets, ``Expect: 100-continue``, ``Connection: close``, HTTP/1.0, faults)."""

from __future__ import annotations

import re
import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol, RequestResponseCycle

from assetfake import AssetFake
from assetfake.http.socket_server import FaultableHttpToolsProtocol

SCENARIO = {
    "version": 1,
    "name": "direct-answers",
    "clock": {"start": "2024-06-01T00:00:00Z", "mode": "manual"},
    "assets": [{"key": "a", "run": {"running_seconds": 5}}],
    "history": {"generate": [{"asset": "a", "runs": 30, "spread_seconds": 3600}]},
    "faults": [
        {
            "name": "third-trigger-500",
            "match": {"operation": "triggerAssetMaterialization", "call": 3},
            "respond": {"status": 500},
        },
        {
            "name": "slow-list",
            "match": {"operation": "listAssetMaterializations", "call": 1},
            "respond": {"network": "slow_body", "bytes_per_second": 20000},
        },
    ],
}

GET_PAGE = b"GET /assets/a/runs?max_results=5 HTTP/1.1\r\nHost: x\r\n\r\n"
TRIGGER = (
    b"POST /assets/a/materialize HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
    b"Content-Length: 2\r\n\r\n{}"
)
#: Each conversation: the pieces a client sends on one connection, with a pause between.
CONVERSATIONS: dict[str, list[bytes]] = {
    "one GET": [GET_PAGE],
    "pipelined GET, POST, GET": [GET_PAGE + TRIGGER + GET_PAGE],
    "keep-alive, one by one": [GET_PAGE, TRIGGER, TRIGGER, TRIGGER, GET_PAGE],
    "a body cut across packets": [TRIGGER[:-1], TRIGGER[-1:]],
    "headers cut across packets": [GET_PAGE[:20], GET_PAGE[20:]],
    "expect 100-continue": [
        TRIGGER.replace(b"\r\n\r\n{}", b"\r\nExpect: 100-continue\r\n\r\n"),
        b"{}",
    ],
    "connection close": [GET_PAGE.replace(b"Host: x", b"Host: x\r\nConnection: close")],
    "HTTP/1.0": [b"GET /assets/a/runs?max_results=2 HTTP/1.0\r\n\r\n"],
    "an unknown path, then a page": [b"GET /nope HTTP/1.1\r\nHost: x\r\n\r\n" + GET_PAGE],
    "a bad query": [b"GET /assets/a/runs?max_results=zero HTTP/1.1\r\nHost: x\r\n\r\n"],
    "a slow body (a task)": [b"GET /assets/a/materializations HTTP/1.1\r\nHost: x\r\n\r\n"],
    "HEAD": [b"HEAD /assets/a/runs HTTP/1.1\r\nHost: x\r\n\r\n"],
}


def _converse(port: int, pieces: list[bytes]) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        for piece in pieces:
            sock.sendall(piece)
            time.sleep(0.05)
        sock.shutdown(socket.SHUT_WR)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return re.sub(rb"date: [^\r]*\r\n", b"", b"".join(chunks))


def _run(directly: bool, pieces: list[bytes], monkeypatch: pytest.MonkeyPatch) -> tuple:
    monkeypatch.setenv("ASSETFAKE_HTTP", "httptools")
    monkeypatch.setattr(FaultableHttpToolsProtocol, "answers_directly", directly)
    fake = AssetFake(SCENARIO)
    with fake.serve() as url:
        answer = _converse(int(url.rsplit(":", 1)[1]), pieces)
        journal = [(e.request_id, e.status, e.fault, e.resources) for e in fake.journal]
        return answer, journal, fake.state.counts()


@pytest.fixture(params=list(CONVERSATIONS), ids=list(CONVERSATIONS))
def conversation(request: pytest.FixtureRequest) -> list[bytes]:
    return CONVERSATIONS[request.param]


def test_a_direct_answer_is_uvicorns_answer_byte_for_byte(
    conversation: list[bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    direct = _run(True, conversation, monkeypatch)
    through_asgi = _run(False, conversation, monkeypatch)
    assert direct[0] == through_asgi[0]
    assert direct[1:] == through_asgi[1:]
    assert direct[0].startswith(b"HTTP/1.1 ")


def test_pipelined_requests_are_answered_in_order(monkeypatch: pytest.MonkeyPatch) -> None:
    answer, journal, _ = _run(True, [GET_PAGE + TRIGGER + TRIGGER + TRIGGER], monkeypatch)
    statuses = re.findall(rb"HTTP/1.1 (\d{3})", answer)
    assert statuses == [b"200", b"202", b"202", b"500"]
    assert [status for _, status, _, _ in journal] == [200, 202, 202, 500]
    assert journal[3][2] == "third-trigger-500"


def test_connection_close_closes_after_the_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSETFAKE_HTTP", "httptools")
    fake = AssetFake(SCENARIO)
    with fake.serve() as url:
        port = int(url.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            sock.sendall(CONVERSATIONS["connection close"][0])  # and no half-close
            chunks = []
            while chunk := sock.recv(65536):  # ends only when the server closes
                chunks.append(chunk)
    answer = b"".join(chunks)
    assert answer.count(b"HTTP/1.1 200") == 1
    assert b"connection: close\r\n" in answer


@pytest.fixture
def counting(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[object]]:
    """The ASGI tasks the live server starts (uvicorn's road), as a list of their cycles."""
    started: list[object] = []
    original = HttpToolsProtocol._start_asgi_task

    def counted(self: HttpToolsProtocol, cycle: RequestResponseCycle, app: Any) -> None:
        started.append(cycle)
        original(self, cycle, app)

    monkeypatch.setenv("ASSETFAKE_HTTP", "httptools")
    monkeypatch.setattr(HttpToolsProtocol, "_start_asgi_task", counted)
    yield started


def test_whole_requests_take_no_task_and_the_rest_do(counting: list[object]) -> None:
    fake = AssetFake(SCENARIO)
    with fake.serve() as url:
        port = int(url.rsplit(":", 1)[1])
        _converse(port, [GET_PAGE + TRIGGER + GET_PAGE])
        assert len(counting) == 0, "three whole requests, answered directly"
        _converse(port, CONVERSATIONS["a body cut across packets"])
        assert len(counting) == 1, "a body still arriving: uvicorn's road"
        _converse(port, CONVERSATIONS["a slow body (a task)"])
        assert len(counting) == 2, "a slow body is delivered by a task"


CUT_SHORT = {
    "content-length never met": TRIGGER.replace(b"Content-Length: 2", b"Content-Length: 90"),
    "a bad chunk": TRIGGER.replace(b"Content-Length: 2", b"Transfer-Encoding: chunked").replace(
        b"\r\n\r\n{}", b"\r\n\r\n2\r\n{}\r\nZZ\r\n"
    ),
    "an unterminated chunked body": TRIGGER.replace(
        b"Content-Length: 2", b"Transfer-Encoding: chunked"
    ).replace(b"\r\n\r\n{}", b"\r\n\r\n2\r\n{}\r\n"),
}


@pytest.mark.parametrize("data", CUT_SHORT.values(), ids=list(CUT_SHORT))
def test_a_request_cut_short_in_one_packet_is_journalled_as_aborted(
    data: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    """CONTRACT 7: it changes nothing, and the journal records it as aborted."""
    monkeypatch.setenv("ASSETFAKE_HTTP", "httptools")
    fake = AssetFake(SCENARIO)
    before = fake.state.counts()
    with fake.serve() as url:
        _converse(int(url.rsplit(":", 1)[1]), [data])
        deadline = time.monotonic() + 5
        while not list(fake.journal) and time.monotonic() < deadline:
            time.sleep(0.01)
        entries = list(fake.journal)
    assert fake.state.counts() == before
    assert [(e.aborted, e.status, e.operation) for e in entries] == [
        (True, 0, "triggerAssetMaterialization")
    ]
