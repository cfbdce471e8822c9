"""uvicorn glue: an h11 protocol that hands the app its connection's transport, so that
network faults (reset, empty, truncated) really happen on the wire."""

from __future__ import annotations

import contextlib
import signal
import socket
import threading
from collections.abc import Iterator
from typing import Any

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from assetfake.http.app import TRANSPORT_EXTENSION, AssetsApp, Receive, Scope, Send


class FaultableH11Protocol(H11Protocol):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        inner = self.app
        protocol = self

        async def app(scope: Scope, receive: Receive, send: Send) -> None:
            scope.setdefault("extensions", {})[TRANSPORT_EXTENSION] = protocol.transport
            await inner(scope, receive, send)

        self.app = app


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


def server_for(app: AssetsApp, log_level: str, graceful_seconds: float) -> QuietSignalsServer:
    """A uvicorn server for ``app`` whose network faults really break connections."""
    config = uvicorn.Config(
        app,
        log_level=log_level,
        access_log=False,
        http=FaultableH11Protocol,
        lifespan="off",
        timeout_graceful_shutdown=int(graceful_seconds),
    )
    return QuietSignalsServer(config)
