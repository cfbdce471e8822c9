"""bench/load.py against servers of the three kinds it meets: keep-alive (assetfake, Starlette,
Prism, Mountebank), closing each connection as announced (pytest-httpserver's werkzeug), and
closing unannounced (an error). Counts requests and connections, never times."""

from __future__ import annotations

import importlib.util
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"


@pytest.fixture
def load(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.syspath_prepend(str(BENCH))  # load.py imports its sibling timing.py
    spec = importlib.util.spec_from_file_location("load", BENCH / "load.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "load", module)
    spec.loader.exec_module(module)
    return module


class _Counted(ThreadingHTTPServer):
    daemon_threads = True
    connections = 0
    requests = 0


def _handler(keep_alive: bool, announce_close: bool) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1" if keep_alive else "HTTP/1.0"

        def setup(self) -> None:  # once per connection
            super().setup()
            server = self.server
            if isinstance(server, _Counted):
                server.connections += 1

        def do_GET(self) -> None:
            server = self.server
            if isinstance(server, _Counted):
                server.requests += 1
            body = b'{"ok":true}'
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            if announce_close:
                self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


@contextmanager
def _serving(keep_alive: bool, announce_close: bool) -> Iterator[_Counted]:
    server = _Counted(("127.0.0.1", 0), _handler(keep_alive, announce_close))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def _url(server: _Counted) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}"


def test_keep_alive_connections_carry_every_request(load: ModuleType) -> None:
    with _serving(keep_alive=True, announce_close=False) as server:
        result = load.run_load(_url(server), "GET", "/", connections=4, seconds=0.3, warmup=0)
    assert result.errors == 0
    assert result.requests > 4
    assert server.connections == 4


def test_a_connection_closed_as_announced_is_opened_anew(load: ModuleType) -> None:
    with _serving(keep_alive=False, announce_close=True) as server:
        result = load.run_load(_url(server), "GET", "/", connections=4, seconds=0.3, warmup=0)
    assert result.errors == 0
    assert result.requests > 4
    assert server.connections == server.requests  # one connection per request


def test_a_connection_closed_unannounced_is_an_error(load: ModuleType) -> None:
    with _serving(keep_alive=False, announce_close=False) as server:
        result = load.run_load(_url(server), "GET", "/", connections=4, seconds=0.3, warmup=0)
    assert result.errors == 4  # each client's connection lost, once
    assert server.connections == 4
