"""uvicorn glue: an h11 protocol that hands the app its connection's transport, so that
network faults (reset, empty, truncated) really happen on the wire."""

from __future__ import annotations

from typing import Any

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
