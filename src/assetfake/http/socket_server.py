"""uvicorn glue: an h11 protocol that hands the app its connection (transport and state), so
that network faults really happen on the wire, and that answers requests too broken to reach
the app (a malformed request line or header, no Host, two Content-Lengths, a bad chunk) with a
problem document instead of uvicorn's text/plain page."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import threading
from collections.abc import Iterator
from typing import Any

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from assetfake.http.app import AssetsApp
from assetfake.http.asgi import Receive, Scope, Send
from assetfake.http.delivery import CONNECTION_EXTENSION, TRANSPORT_EXTENSION
from assetfake.http.exchange import ConnectionState
from assetfake.http.problems import PROBLEM_TYPE, problem_body

_BAD_REQUEST = problem_body(
    400,
    "malformed_request",
    "the request is not valid HTTP/1.1 (a malformed request line or header, a missing Host, "
    "a repeated Content-Length or a broken chunked body); the connection is closed",
)


def _handing_over(protocol: H11Protocol | HttpToolsProtocol) -> None:
    """Wrap the protocol's app so that each request's scope carries the connection's transport
    and state (the same :class:`ConnectionState` for every request of the connection)."""
    inner = protocol.app
    connection = ConnectionState()

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        extensions = scope.setdefault("extensions", {})
        extensions[TRANSPORT_EXTENSION] = protocol.transport
        extensions[CONNECTION_EXTENSION] = connection
        await inner(scope, receive, send)

    protocol.app = app


def _problem_response() -> bytes:
    head = (
        b"HTTP/1.1 400 Bad Request\r\n"
        b"content-type: " + PROBLEM_TYPE.encode() + b"\r\n"
        b"content-length: " + str(len(_BAD_REQUEST)).encode() + b"\r\n"
        b"x-request-id: req_protocol_error\r\nconnection: close\r\n\r\n"
    )
    return head + _BAD_REQUEST


class FaultableH11Protocol(H11Protocol):
    """The h11 protocol (pure Python, always installed)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _handing_over(self)

    def send_400_response(self, msg: str) -> None:
        """A request h11 cannot parse: a problem document, then the connection is closed."""
        if self.conn.our_state not in (h11.IDLE, h11.SEND_RESPONSE):
            self.transport.close()  # an answer was already under way: nothing more to say
            return
        headers = [
            (b"content-type", PROBLEM_TYPE.encode()),
            (b"content-length", str(len(_BAD_REQUEST)).encode()),
            (b"x-request-id", b"req_protocol_error"),
            (b"connection", b"close"),
        ]
        try:
            for event in (
                h11.Response(status_code=400, headers=headers, reason=b"Bad Request"),
                h11.Data(data=_BAD_REQUEST),
                h11.EndOfMessage(),
            ):
                self.transport.write(self.conn.send(event))
        except h11.LocalProtocolError:
            pass  # h11 will not answer in this state: closing is all that is left
        self.transport.close()


class FaultableHttpToolsProtocol(HttpToolsProtocol):
    """The httptools protocol (C parser, about twice as fast): used when httptools is
    installed. llhttp accepts an HTTP/1.1 request without Host, which h11 and RFC 9112 refuse:
    refused here too, so that both parsers answer the same inputs the same way."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _handing_over(self)

    def on_headers_complete(self) -> None:
        version = self.parser.get_http_version()
        hosts = sum(name.lower() == b"host" for name, _ in self.headers)
        if hosts > 1 or (version == "1.1" and hosts == 0):
            raise ValueError("an HTTP/1.1 request needs one Host header")  # -> send_400_response
        codings = [v for n, v in self.headers if n.lower() == b"transfer-encoding"]
        if codings and [v.strip().lower() for v in codings] != [b"chunked"]:
            raise ValueError("the only transfer coding the fake reads is chunked")
        super().on_headers_complete()

    _refuse_when_answered = False

    def send_400_response(self, msg: str) -> None:
        cycle = self.cycle
        if cycle is not None and cycle.more_body:  # this request's own body is broken
            if not cycle.response_started:
                self.transport.write(_problem_response())
            self.transport.close()
            return
        if (cycle is not None and not cycle.response_complete) or self.pipeline:
            # requests that arrived whole before the garbage are answered first
            self._refuse_when_answered = True
            self.flow.pause_reading()
            return
        self.transport.write(_problem_response())
        self.transport.close()

    def on_response_complete(self) -> None:
        if self._refuse_when_answered and not self.pipeline:
            self.server_state.total_requests += 1
            self.transport.write(_problem_response())
            self.transport.close()
            return
        super().on_response_complete()


class QuietSignalsServer(uvicorn.Server):
    """SIGINT and SIGTERM stop the server gracefully and the process then exits normally
    (uvicorn's own handling re-raises the signal after shutdown, killing the process with it)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        stops = (signal.SIGINT, signal.SIGTERM)
        previous = {sig: signal.signal(sig, self.handle_exit) for sig in stops}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


def listening_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to ``host:port`` (0: a free port) and listening; ``OSError`` when
    the address is taken. IPPROTO_TCP makes asyncio set TCP_NODELAY on accepted connections
    (without it, kept-alive requests stall 40 ms)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
    except OSError:
        sock.close()
        raise
    return sock


def http_protocol() -> type[H11Protocol] | type[HttpToolsProtocol]:
    """The protocol the live server speaks: httptools (a dependency) unless
    ``ASSETFAKE_HTTP=h11`` asks for the pure-Python parser (the tests run both)."""
    if os.environ.get("ASSETFAKE_HTTP") == "h11":
        return FaultableH11Protocol
    return FaultableHttpToolsProtocol


def server_for(app: AssetsApp, log_level: str, graceful_seconds: float) -> QuietSignalsServer:
    """A uvicorn server for ``app`` whose network faults really break connections."""
    config = uvicorn.Config(
        app,
        log_level=log_level,
        access_log=False,
        http=http_protocol(),
        lifespan="off",
        timeout_graceful_shutdown=int(graceful_seconds),
    )
    return QuietSignalsServer(config)
