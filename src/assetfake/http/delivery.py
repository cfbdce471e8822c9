"""Putting an :class:`Outcome` on an ASGI connection, network faults included.

On the live server the connection's transport is handed over in the scope (see
:mod:`assetfake.http.socket_server`), so a reset, an empty or truncated body, a stall, a hang
and a stale keep-alive connection really happen on the socket. A bare ASGI server gives no
transport: a fault that needs one raises :class:`InjectedNetworkFault` out of the app.
"""

from __future__ import annotations

import asyncio
import socket
import struct
from collections.abc import Mapping
from typing import Protocol

from assetfake.http.asgi import Receive, Scope, Send
from assetfake.http.exchange import ConnectionState, Outcome
from assetfake.http.replies import Reply

#: The ASGI scope extension under which the live server hands over the connection's transport.
TRANSPORT_EXTENSION = "assetfake.transport"
#: The scope extension that carries the connection's :class:`ConnectionState`.
CONNECTION_EXTENSION = "assetfake.connection"
#: How often a slow body sends a piece, per second.
_SLOW_TICKS = 10


class InjectedNetworkFault(Exception):
    """A network fault that had no socket to break (a bare ASGI server)."""

    def __init__(self, kind: str, rule: str) -> None:
        super().__init__(f"injected network fault '{kind}' (rule '{rule}')")
        self.kind = kind
        self.rule = rule


class Transport(Protocol):
    def get_extra_info(self, name: str) -> object: ...
    def abort(self) -> None: ...
    def close(self) -> None: ...
    def is_closing(self) -> bool: ...


def connection_of(scope: Scope) -> ConnectionState | None:
    state = scope.get("extensions", {}).get(CONNECTION_EXTENSION)
    return state if isinstance(state, ConnectionState) else None


async def deliver(outcome: Outcome, scope: Scope, receive: Receive, send: Send) -> None:
    """Send the outcome as the client must meet it."""
    if outcome.delay_seconds > 0:
        await asyncio.sleep(outcome.delay_seconds)
    action = None if outcome.fault is None else outcome.fault.respond.network
    if outcome.network is None or outcome.network == "malformed":
        if action == "slow_body" and outcome.fault is not None:
            rate = outcome.fault.respond.bytes_per_second
            await send_reply(send, outcome.reply, outcome.request_id, outcome.marks, rate)
        else:
            await send_reply(send, outcome.reply, outcome.request_id, outcome.marks)
        return
    transport = scope.get("extensions", {}).get(TRANSPORT_EXTENSION)
    if transport is None:
        raise InjectedNetworkFault(outcome.network, outcome.fault_name or "")
    await _break(outcome, transport, receive, send)


async def _break(outcome: Outcome, transport: Transport, receive: Receive, send: Send) -> None:
    kind = outcome.network
    if kind == "reset":
        _reset(transport)
    elif kind == "close_after":  # the stale keep-alive connection: closed, never answered
        transport.close()
    elif kind == "hang":
        await _wait_for_disconnect(receive, transport)
        return
    else:
        body = outcome.reply.body
        await send(
            {"type": "http.response.start", "status": 200, "headers": promised_headers(outcome)}
        )
        sent = {"empty": 0, "truncated": len(body) // 2}.get(kind or "")
        if sent is None:  # stall: a few bytes, then nothing until the client gives up
            after = stalled_after(outcome)
            await send({"type": "http.response.body", "body": body[:after], "more_body": True})
            await _wait_for_disconnect(receive, transport)
            return
        if sent:
            await send({"type": "http.response.body", "body": body[:sent], "more_body": True})
        transport.close()
    await asyncio.sleep(0.01)  # let the server notice the closed connection


def stalled_after(outcome: Outcome) -> int:
    """How much of the body a stall sends: its ``stall_after_bytes``, but never all of it (a
    body sent whole is no stall)."""
    after = 0 if outcome.fault is None else outcome.fault.respond.stall_after_bytes
    return max(0, min(after, len(outcome.reply.body) - 1))


def promised_headers(outcome: Outcome) -> list[tuple[bytes, bytes]]:
    """The headers of an answer whose body will not arrive whole: it promises all of it."""
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(outcome.reply.body)).encode()),
        (b"x-request-id", outcome.request_id.encode()),
    ]
    return headers + [(k.lower().encode(), v.encode()) for k, v in outcome.marks.items()]


def _reset(transport: Transport) -> None:
    sock = transport.get_extra_info("socket")  # an asyncio TransportSocket, not a socket
    setsockopt = getattr(sock, "setsockopt", None)
    if setsockopt is not None:  # linger 0: close() sends RST instead of FIN
        setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()


async def _wait_for_disconnect(receive: Receive, transport: Transport) -> None:
    try:
        while (await receive())["type"] != "http.disconnect":
            pass
    except asyncio.CancelledError:  # the server is shutting down: still never answer
        transport.abort()


def reply_headers(
    reply: Reply, request_id: str = "", marks: Mapping[str, str] | None = None
) -> list[tuple[bytes, bytes]]:
    """The header block of a whole answer."""
    headers = [
        (b"content-type", reply.content_type.encode()),
        (b"content-length", str(len(reply.body)).encode()),
    ]
    if request_id:
        headers.append((b"x-request-id", request_id.encode()))
    for name, value in (*reply.headers.items(), *(marks or {}).items()):
        headers.append((name.lower().encode("latin-1"), value.encode("latin-1")))
    return headers


def needs_the_loop(outcome: Outcome) -> bool:
    """Whether delivering the outcome takes time or a broken connection (a delay, a network
    fault, a slow body): only then is it delivered by a task on the event loop."""
    if outcome.delay_seconds > 0 or outcome.network is not None:
        return True
    return outcome.fault is not None and outcome.fault.respond.network == "slow_body"


def slow_pieces(body: bytes, bytes_per_second: float) -> list[tuple[bytes, float]]:
    """A slow body as pieces, each with the pause that follows it (seconds)."""
    piece = max(1, int(bytes_per_second / _SLOW_TICKS))
    starts = range(0, len(body), piece)
    return [
        (body[s : s + piece], piece / bytes_per_second if s + piece < len(body) else 0.0)
        for s in starts
    ]


async def send_reply(
    send: Send,
    reply: Reply,
    request_id: str = "",
    marks: Mapping[str, str] | None = None,
    bytes_per_second: float | None = None,
) -> None:
    """A whole answer; dribbled at ``bytes_per_second`` when that is given."""
    headers = reply_headers(reply, request_id, marks)
    await send({"type": "http.response.start", "status": reply.status, "headers": headers})
    if not bytes_per_second or not reply.body:
        await send({"type": "http.response.body", "body": reply.body})
        return
    for piece, pause in slow_pieces(reply.body, bytes_per_second):
        await send({"type": "http.response.body", "body": piece, "more_body": pause > 0})
        if pause:
            await asyncio.sleep(pause)
