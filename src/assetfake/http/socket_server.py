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
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, ClassVar, cast

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.protocols.http.httptools_impl import (
    HEADER_RE,
    HEADER_VALUE_RE,
    STATUS_LINE,
    HttpToolsProtocol,
    RequestResponseCycle,
)

from assetfake.http.app import MAX_BODY, AssetsApp, request_headers, request_of
from assetfake.http.asgi import Receive, Scope, Send
from assetfake.http.delivery import (
    CONNECTION_EXTENSION,
    TRANSPORT_EXTENSION,
    deliver,
    needs_the_loop,
    reply_headers,
)
from assetfake.http.exchange import ConnectionState, Outcome
from assetfake.http.problems import PROBLEM_TYPE, problem_body

_BAD_REQUEST = problem_body(
    400,
    "malformed_request",
    "the request is not valid HTTP/1.1 (a malformed request line or header, a missing Host, "
    "a repeated Content-Length or a broken chunked body); the connection is closed",
)


def _handing_over(protocol: H11Protocol | HttpToolsProtocol, connection: ConnectionState) -> None:
    """Wrap the protocol's app so that each request's scope carries the connection's transport
    and state (the same :class:`ConnectionState` for every request of the connection)."""
    inner = protocol.app

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        _hand_over(scope, protocol.transport, connection)
        await inner(scope, receive, send)

    protocol.app = app


def _hand_over(scope: Scope, transport: object, connection: ConnectionState) -> None:
    extensions = scope.setdefault("extensions", {})
    extensions[TRANSPORT_EXTENSION] = transport
    extensions[CONNECTION_EXTENSION] = connection


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
        _handing_over(self, ConnectionState())

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
    refused here too, so that both parsers answer the same inputs the same way.

    The common path takes no ASGI task: a request that arrived whole in the bytes just read
    is answered there and then (:meth:`AssetsApp.respond`, then one write of the whole
    answer). What takes time or breaks the connection (a body still arriving, ``Expect:
    100-continue``, loading a scenario, a delay, a network fault, a slow body) takes uvicorn's
    road: a task with the ASGI cycle, the outcome delivered by :func:`deliver`."""

    #: Whether whole requests are answered without an ASGI task (False: every request takes
    #: uvicorn's road; the tests compare the two).
    answers_directly: ClassVar[bool] = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.connection_state = ConnectionState()
        _handing_over(self, self.connection_state)
        app = self.config.app
        self._assets_app = app if isinstance(app, AssetsApp) else None
        self._reading = False  # inside data_received: a whole request may be answered now
        self._deferred: RequestResponseCycle | None = None  # its task not started yet

    def data_received(self, data: bytes) -> None:
        self._reading = True
        try:
            super().data_received(data)
        finally:
            self._reading = False
        deferred, self._deferred = self._deferred, None
        if deferred is not None:  # its body is still arriving, or never will (the app then
            self._start_task(deferred, self.app)  # journals it as aborted)

    def _start_asgi_task(self, cycle: RequestResponseCycle, app: Any) -> None:
        if self._reading and self.transport.is_closing():
            # parsed behind an answer that closed the connection, or after a write to a gone
            # client failed: never run (uvicorn drops its queue with the connection)
            return
        if self.answers_directly and self._reading and app is self.app and self._answerable(cycle):
            self._deferred = cycle  # answered by on_message_complete if it arrives whole
            return
        self._start_task(cycle, app)

    def _start_task(self, cycle: RequestResponseCycle, app: Any) -> None:
        """uvicorn's road. The request is in flight: the keep-alive timer that a direct answer
        before it may have armed is stopped (uvicorn arms it only on an idle connection)."""
        self._unset_keepalive_if_required()
        super()._start_asgi_task(cycle, app)

    def _answerable(self, cycle: RequestResponseCycle) -> bool:
        scope = cycle.scope
        return (
            self._assets_app is not None
            and scope["method"] != "HEAD"
            and not cycle.waiting_for_100_continue
            and not self.flow.write_paused  # a client not reading: uvicorn's send drains
        )

    def on_message_complete(self) -> None:
        super().on_message_complete()
        cycle = self._deferred
        if cycle is not None and cycle is self.cycle and not cycle.more_body:
            self._deferred = None
            self._answer_now(cycle)

    def _answer_now(self, cycle: RequestResponseCycle) -> None:
        app = self._assets_app
        scope = cast("Scope", cycle.scope)
        headers = request_headers(scope)
        body = bytes(cycle.body)
        request = request_of(scope, headers, body, True, len(body) > MAX_BODY)
        if app is None or request.unread or not app.answers_on_loop(request):
            self._start_task(cycle, self.app)
            return
        try:
            outcome = app.respond(request, self.connection_state)
            response = None if needs_the_loop(outcome) else self._whole(outcome, cycle)
        except Exception as error:  # a bug of ours: uvicorn's 500, its log line, the close
            self._start_task(cycle, cast(Any, _raising(error)))
            return
        if response is None:
            _hand_over(scope, self.transport, self.connection_state)
            self._start_task(cycle, cast(Any, _delivering(outcome)))
            return
        cycle.response_started = cycle.response_complete = True
        self.transport.write(response)
        if not cycle.keep_alive:
            self.transport.close()
        self.on_response_complete()

    def _whole(self, outcome: Outcome, cycle: RequestResponseCycle) -> bytes | None:
        """The whole answer as uvicorn would write it, or None when a header is one uvicorn
        refuses (on the ASGI road it then closes the connection without an answer; the
        scenario format already refuses such values)."""
        headers = [
            *self.server_state.default_headers,
            *reply_headers(outcome.reply, outcome.request_id, outcome.marks),
        ]
        names = b"".join([name for name, _ in headers])  # one search each, not one a header
        if HEADER_RE.search(names) or HEADER_VALUE_RE.search(b"".join([v for _, v in headers])):
            return None
        content = [STATUS_LINE[outcome.reply.status]]
        closes = False
        for name, value in headers:
            if name == b"connection" and b"close" in [t.strip().lower() for t in value.split(b",")]:
                cycle.keep_alive, closes = False, True
            content.extend((name, b": ", value, b"\r\n"))
        if not cycle.keep_alive and not closes:
            content.append(b"connection: close\r\n")
        content.extend((b"\r\n", outcome.reply.body))
        return b"".join(content)

    def on_headers_complete(self) -> None:
        version = self.parser.get_http_version()
        names = [name for name, _ in self.headers]  # lower-case: uvicorn's on_header made them
        hosts = names.count(b"host")
        if hosts > 1 or (version == "1.1" and hosts == 0):
            raise ValueError("an HTTP/1.1 request needs one Host header")  # -> send_400_response
        codings = [v for n, v in self.headers if n == b"transfer-encoding"]
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


def _delivering(outcome: Outcome) -> Callable[[Scope, Receive, Send], Awaitable[None]]:
    """An ASGI app that delivers an outcome already decided (the request is not run again).
    It takes the request's body first, as the app does: uvicorn then reads on, so that what
    the client sends meanwhile is read (a close with unread bytes would be a reset)."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        await deliver(outcome, scope, receive, send)

    return app


def _raising(error: Exception) -> Callable[[Scope, Receive, Send], Awaitable[None]]:
    """An ASGI app that raises ``error``: uvicorn logs it and answers its 500, as when the app
    itself raises on its road."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        raise error

    return app


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
