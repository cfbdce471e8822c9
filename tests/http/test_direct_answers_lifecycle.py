"""The direct road (``FaultableHttpToolsProtocol.answers_directly``) over a connection's and a
server's life, compared with uvicorn's road: stopping with kept-alive connections and mid
pipeline, ``assetfake serve`` stopped by SIGTERM with its request lines on stderr (one per
request, both log formats, whole lines while scenario loads log from their threads), and the
instants the log and the journal memoise, shared by threads."""

from __future__ import annotations

import json
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import IO

import pytest
from edge_conversations import (
    GET,
    ROADS,
    SCENARIO,
    TRIGGER,
    answers_of,
    broken,
    port_of,
    put_scenario,
    statuses,
    take_road,
)

from assetfake import AssetFake
from assetfake.domain.timestamps import to_datetime
from assetfake.http import journal
from assetfake.logs import instant_text
from assetfake.server import LiveServer


@pytest.mark.parametrize("road", ROADS)
def test_stopping_closes_idle_kept_alive_connections(
    road: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    take_road(monkeypatch, road)
    fake = AssetFake(SCENARIO)
    server = LiveServer(fake.app)
    url = server.start()
    sockets = [socket.create_connection(("127.0.0.1", port_of(url)), timeout=3) for _ in range(3)]
    try:
        for sock in sockets:
            sock.sendall(GET + TRIGGER)
            assert statuses(answers_of(sock, 2)) == [200, 202]
        started = time.monotonic()
        server.stop()
        stopped = time.monotonic() - started
        assert [sock.recv(65536) for sock in sockets] == [b""] * 3  # closed, nothing more
    finally:
        server.stop()
        for sock in sockets:
            sock.close()
    assert stopped < 1.0  # idle connections: the graceful timeout (1 s) is not waited for
    assert [e.status for e in fake.journal] == [200, 202] * 3


@pytest.mark.parametrize("road", ROADS)
def test_stopping_mid_pipeline_answers_what_is_in_flight_and_queued(
    road: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A delay (0.3 s) in flight, two requests queued behind it, when the server is told to
    stop: all three answered, in order, then the connection closed."""
    take_road(monkeypatch, road)
    fake = AssetFake(SCENARIO)
    server = LiveServer(fake.app)
    url = server.start()
    try:
        with socket.create_connection(("127.0.0.1", port_of(url)), timeout=3) as sock:
            sock.sendall(broken(GET, "late") + TRIGGER + GET)
            time.sleep(0.1)
            stopping = _in_thread(server.stop)
            chunks = []
            while chunk := sock.recv(65536):
                chunks.append(chunk)
            stopping.join(5)
    finally:
        server.stop()
    answer = b"".join(chunks)
    assert statuses(answer) == [200, 202, 200]
    assert [e.status for e in fake.journal] == [200, 202, 200]


def _in_thread(work: Callable[[], object]) -> threading.Thread:
    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    return thread


# --- assetfake serve in a process: SIGTERM, and its request lines ---------------------------

#: ``assetfake serve`` on the road given as the first argument.
_SERVE = (
    "import sys; from assetfake.http.socket_server import FaultableHttpToolsProtocol as P; "
    "P.answers_directly = sys.argv.pop(1) == 'direct'; "
    "from assetfake.cli import main; sys.exit(main())"
)
_TIME = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"


def _serve(
    road: str, scenario: Path, log_format: str, stderr: IO[str]
) -> tuple[subprocess.Popen[str], int]:
    options = ["--clock", "manual", "--log-level", "debug", "--log-format", log_format]
    process = subprocess.Popen(
        [sys.executable, "-c", _SERVE, road, "serve", str(scenario), "--port", "0", *options],
        stdout=subprocess.PIPE,
        stderr=stderr,
        text=True,
        env={**_environ(), "ASSETFAKE_HTTP": "httptools"},
    )
    assert process.stdout is not None
    line: list[str] = []
    reader = _in_thread(lambda: line.append(process.stdout.readline()))  # type: ignore[union-attr]
    reader.join(20)
    if not line or not line[0]:
        process.kill()
        pytest.fail("assetfake serve printed no URL")
    return process, port_of(line[0].strip())


def _environ() -> dict[str, str]:
    import os

    return dict(os.environ)


def _exchange(port: int) -> tuple[list[str], socket.socket]:
    """Whole, pipelined, slow-road and split requests, and scenario loads on threads at the
    same time; the ids of the answered requests, and a connection left open and idle."""
    idle = socket.create_connection(("127.0.0.1", port), timeout=5)
    idle.sendall(GET + TRIGGER + broken(GET, "late") + GET)
    answers = answers_of(idle, 4)
    loads = [_in_thread(lambda: _put_scenarios(port)) for _ in range(3)]
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(GET * 100)
        answers += answers_of(sock, 100)
        sock.sendall(TRIGGER[:-1])
        time.sleep(0.05)
        sock.sendall(TRIGGER[-1:] + b"GET /nope HTTP/1.1\r\nHost: x\r\n\r\n")
        answers += answers_of(sock, 2)
    for load in loads:
        load.join(10)
    ids = [i.decode() for i in re.findall(rb"x-request-id: (\S+)\r\n", answers)]
    assert len(ids) == 106
    return ids, idle


def _put_scenarios(port: int) -> None:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        for _ in range(3):
            sock.sendall(put_scenario())
            assert statuses(answers_of(sock, 1)) == [200]


def _request_lines(stderr: str, log_format: str) -> list[tuple[str, str]]:
    """(request id, status shown) of each request line; every line must be whole."""
    found = []
    for line in stderr.splitlines():
        if log_format == "json":
            record = json.loads(line)  # a line two threads garbled would not parse
            if "request_id" in record:
                found.append((record["request_id"], str(record["status"])))
            continue
        assert re.match(_TIME + r" (INFO|DEBUG|WARNING) ", line), line
        words = line.split(" ")
        if words[2].startswith("req_"):
            found.append((words[2], words[5]))
    return found


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize("log_format", ["text", "json"])
@pytest.mark.parametrize("road", ROADS)
def test_serve_writes_one_whole_line_per_request_and_stops_on_sigterm(
    road: str, log_format: str, tmp_path: Path
) -> None:
    scenario = tmp_path / "edges.yaml"
    scenario.write_text(json.dumps(SCENARIO))
    with (tmp_path / "stderr").open("w+") as log:
        process, port = _serve(road, scenario, log_format, log)
        try:
            ids, idle = _exchange(port)
            with idle:
                process.send_signal(signal.SIGTERM)
                code = process.wait(10)
                assert idle.recv(65536) == b""  # the idle kept-alive connection was closed
        finally:
            if process.poll() is None:
                process.kill()
            process.communicate(timeout=10)
        log.seek(0)
        stderr = log.read()
    assert code == 0
    lines = _request_lines(stderr, log_format)
    assert [request_id for request_id, _ in lines] == ids  # once each, in the order answered
    assert [status for _, status in lines].count("202") == 2
    assert stderr.count("control PUT /_fake/scenario 200") == 9


# --- the memoised instants, shared by threads ------------------------------------------------


def _by_datetime(created: float) -> str:
    moment = datetime.fromtimestamp(created, tz=timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _hammer(check: Callable[[int, int], str | None]) -> list[str]:
    """Eight threads, each checking its own instants (a second apart from the others'), with
    the interpreter switching threads as often as it can: the wrong answers found."""
    wrong: list[str] = []
    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        threads = [
            _in_thread(lambda t=t: wrong.extend(filter(None, (check(t, i) for i in range(3000)))))
            for t in range(8)
        ]
        for thread in threads:
            thread.join(30)
    finally:
        sys.setswitchinterval(previous)
    return wrong


def test_log_instants_are_right_when_threads_share_the_memo() -> None:
    def check(thread: int, i: int) -> str | None:
        created = 1_717_243_200 + thread + (i % 7) / 8 + i * 0.000_001
        got = instant_text(created)
        return None if got == _by_datetime(created) else f"{created}: {got}"

    assert _hammer(check) == []


def test_journal_instants_are_right_when_threads_share_the_memo() -> None:
    def check(thread: int, i: int) -> str | None:
        ms = 1_717_243_200_000 + thread * 1000 + i % 5
        got = journal._instant(ms)
        return None if got == to_datetime(ms) else f"{ms}: {got}"

    assert _hammer(check) == []
