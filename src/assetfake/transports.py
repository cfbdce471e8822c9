"""In-process httpx transports: they call :meth:`AssetsApp.respond` directly (no event loop, no
thread hop, no ASGI messages) and turn its :class:`Outcome` into what a socket client would
meet, at the moment it would meet it:

- ``reset`` and ``hang`` raise from sending the request (``ReadError``, ``ReadTimeout``), and so
  does a request on a connection that ``close_after`` left stale (``RemoteProtocolError``);
- ``empty``, ``truncated`` and ``stall`` return the status and headers, and raise while the
  body is read (``RemoteProtocolError``, ``ReadTimeout``) — outside ``handle_request``, as on a
  socket, so a retrying transport wrapped around this one sees what it would see live;
- ``malformed`` is a 200 whose body fails to parse; ``slow_body`` dribbles the real body.
"""

from __future__ import annotations

from asyncio import sleep as _async_sleep
from collections.abc import AsyncIterator, Iterator
from time import sleep as _sleep

import httpx

from assetfake.http.app import MAX_BODY, AssetsApp
from assetfake.http.delivery import promised_headers, reply_headers, slow_pieces, stalled_after
from assetfake.http.exchange import ApiRequest, ConnectionState, Outcome

# Delays and slow bodies are real wall-clock waits (CONTRACT 3): the sleeps are bound at import,
# so that ``fake.clock.patch()`` does not turn them into moves of the fake's clock.
_CUT_SHORT = "peer closed connection without sending complete message body"


def api_request(request: httpx.Request, body: bytes) -> ApiRequest:
    url = request.url
    too_large = len(body) > MAX_BODY
    return ApiRequest(
        request.method,
        url.raw_path.partition(b"?")[0].decode("latin-1"),
        url.query.decode("latin-1"),
        {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in request.headers.raw},
        b"" if too_large else body,
        too_large=too_large,
    )


def sent_error(outcome: Outcome, request: httpx.Request) -> httpx.TransportError | None:
    """The error a socket client raises while sending this request, if any."""
    if outcome.network == "reset":
        return httpx.ReadError("[Errno 104] Connection reset by peer", request=request)
    if outcome.network == "hang":
        return httpx.ReadTimeout("timed out (the server never answered)", request=request)
    if outcome.network == "close_after":
        return httpx.RemoteProtocolError(
            "Server disconnected without sending a response.", request=request
        )
    return None


class _Body(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A response body as the socket would deliver it: whole, dribbled, or cut short."""

    def __init__(self, outcome: Outcome, request: httpx.Request) -> None:
        self.pieces: list[tuple[bytes, float]] = [(outcome.reply.body, 0.0)]
        self.error: httpx.TransportError | None = None
        body = outcome.reply.body
        respond = None if outcome.fault is None else outcome.fault.respond
        if outcome.network in ("empty", "truncated"):
            sent = body[: len(body) // 2] if outcome.network == "truncated" else b""
            detail = f"{_CUT_SHORT} (received {len(sent)} bytes, expected {len(body)})"
            self.pieces = [(sent, 0.0)]
            self.error = httpx.RemoteProtocolError(detail, request=request)
        elif outcome.network == "stall" and respond is not None:
            self.pieces = [(body[: stalled_after(outcome)], 0.0)]
            self.error = httpx.ReadTimeout("timed out (the body stalled)", request=request)
        elif outcome.network is None and respond is not None and respond.network == "slow_body":
            self.pieces = slow_pieces(body, respond.bytes_per_second)

    def __iter__(self) -> Iterator[bytes]:
        for piece, pause in self.pieces:
            yield piece
            if pause:
                _sleep(pause)
        if self.error is not None:
            raise self.error

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for piece, pause in self.pieces:
            yield piece
            if pause:
                await _async_sleep(pause)
        if self.error is not None:
            raise self.error


def _response(outcome: Outcome, request: httpx.Request) -> httpx.Response:
    reply = outcome.reply
    if outcome.network is None and (outcome.fault is None or not outcome.fault.respond.network):
        # The common case, an answer that arrives whole: its body as one piece.
        headers = reply_headers(reply, outcome.request_id, outcome.marks)
        return httpx.Response(
            reply.status, headers=headers, stream=httpx.ByteStream(reply.body), request=request
        )
    if outcome.network in ("empty", "truncated", "stall"):
        headers = promised_headers(outcome)
    else:
        headers = reply_headers(reply, outcome.request_id, outcome.marks)
    return httpx.Response(
        reply.status, headers=headers, stream=_Body(outcome, request), request=request
    )


class SyncASGITransport(httpx.BaseTransport):
    """The in-process transport of ``fake.client()`` (``fake.transport``)."""

    def __init__(self, app: AssetsApp) -> None:
        self.app = app
        self.connection = ConnectionState()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        outcome = self.app.respond(api_request(request, request.read()), self.connection)
        if outcome.delay_seconds > 0:
            _sleep(outcome.delay_seconds)
        error = sent_error(outcome, request)
        if error is not None:
            raise error
        return _response(outcome, request)


class AsyncASGITransport(httpx.AsyncBaseTransport):
    """The in-process transport of ``fake.async_client()`` (``fake.async_transport``)."""

    def __init__(self, app: AssetsApp) -> None:
        self.app = app
        self.connection = ConnectionState()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        outcome = self.app.respond(api_request(request, await request.aread()), self.connection)
        if outcome.delay_seconds > 0:
            await _async_sleep(outcome.delay_seconds)
        error = sent_error(outcome, request)
        if error is not None:
            raise error
        return _response(outcome, request)
