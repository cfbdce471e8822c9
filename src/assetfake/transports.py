"""An in-process synchronous httpx transport that calls the ASGI app with no event loop and
no thread hop: the app never suspends while handling a request (its only awaits are the body
it is handed and the response it sends), so one ``coroutine.send(None)`` runs it to the end.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

import httpx

from assetfake.http.app import SYNC_EXTENSION, AssetsApp
from assetfake.http.faults import NetworkFault


def network_error(fault: NetworkFault, request: httpx.Request) -> httpx.TransportError:
    """The httpx exception a real connection would have raised for this network fault."""
    if fault.kind == "reset":
        return httpx.ReadError("[Errno 104] Connection reset by peer", request=request)
    if fault.kind == "hang":
        return httpx.ReadTimeout("timed out (the server never answered)", request=request)
    if fault.kind == "empty":
        return httpx.RemoteProtocolError(
            "peer closed connection without sending complete message body", request=request
        )
    return httpx.RemoteProtocolError(
        "peer closed connection without sending complete message body (incomplete chunked read)",
        request=request,
    )


class AppSuspended(RuntimeError):
    """The app awaited something that does not complete at once; use the async transport."""


class SyncASGITransport(httpx.BaseTransport):
    def __init__(self, app: AssetsApp, client: tuple[str, int] = ("127.0.0.1", 50000)) -> None:
        self.app = app
        self.client = client

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        url = request.url
        raw_path = url.raw_path.split(b"?", 1)[0]
        scope: MutableMapping[str, Any] = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": "1.1",
            "method": request.method,
            "scheme": url.scheme,
            "path": url.path,
            "raw_path": raw_path,
            "query_string": url.query,
            "root_path": "",
            "headers": [(k.lower(), v) for k, v in request.headers.raw],
            "server": (url.host, url.port or (443 if url.scheme == "https" else 80)),
            "client": self.client,
            "extensions": {SYNC_EXTENSION: {}},
        }
        sent_body = False
        status = 500
        headers: list[tuple[bytes, bytes]] = []
        chunks: list[bytes] = []

        async def receive() -> MutableMapping[str, Any]:
            nonlocal sent_body
            if sent_body:
                return {"type": "http.disconnect"}
            sent_body = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: MutableMapping[str, Any]) -> None:
            nonlocal status, headers
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        coroutine = self.app(scope, receive, send)
        try:
            coroutine.send(None)
        except StopIteration:
            pass
        except NetworkFault as fault:
            raise network_error(fault, request) from None
        else:
            coroutine.close()
            raise AppSuspended("the app suspended during a request; use fake.async_client()")
        return httpx.Response(status, headers=headers, content=b"".join(chunks), request=request)


class AsyncASGITransport(httpx.ASGITransport):
    """httpx's ASGI transport, with network faults raised as httpx exceptions."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            return await super().handle_async_request(request)
        except NetworkFault as fault:
            raise network_error(fault, request) from None
