"""uvicorn glue: an h11 protocol that hands the app its connection's transport, so that
network faults (reset, empty, truncated) really happen on the wire."""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from typing import Any

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from assetfake.http.app import TRANSPORT_EXTENSION, Receive, Scope, Send


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
