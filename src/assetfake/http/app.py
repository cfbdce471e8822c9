"""The ASGI application: raw-path routing, namespaces, the order of checks, the operations.

A plain ASGI class (no framework router) because routing must see the raw, still-encoded path.
Nothing in a request handler awaits anything but the request body and the response sends (a
fault's delay aside), so an in-process transport can drive it without an event loop.

Order of checks for one request (contract, section 1): route -> faults (phase before) -> auth
-> rate limit -> request shape -> existence -> asset rules -> the change -> faults (phase after).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import socket
import struct
import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from assetfake.domain.errors import DomainError
from assetfake.domain.timestamps import to_datetime
from assetfake.http.faults import FaultCall, NetworkFault, fault_reply, merge_headers
from assetfake.http.guards import bearer_token, check_auth
from assetfake.http.handlers import HANDLERS, Call
from assetfake.http.journal import JournalEntry
from assetfake.http.namespaces import Namespace, Namespaces
from assetfake.http.openapi import openapi_json
from assetfake.http.policy import FaultRule
from assetfake.http.problems import PROBLEM_TYPE, HTTPProblem, problem_body
from assetfake.http.replies import Reply, error_reply, header_value, problem_reply
from assetfake.http.routes import Route, route, split_namespace

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ControlApp = Callable[[Namespaces, Namespace | None, str, Scope, bytes], Awaitable[Reply]]

log = logging.getLogger("assetfake")

MAX_BODY = 1 << 20
#: The ASGI scope extension under which the live server hands over the connection's transport.
TRANSPORT_EXTENSION = "assetfake.transport"
SYNC_EXTENSION = "assetfake.sync"
_MALFORMED = b'{"items": [{"id": "run_'


@dataclass(slots=True)
class Outcome:
    reply: Reply
    fault: FaultRule | None = None


class AssetsApp:
    """Serves every namespace of one fake."""

    def __init__(self, namespaces: Namespaces, control: ControlApp | None = None) -> None:
        self.namespaces = namespaces
        self.control = control
        self._control_calls = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        raw = scope.get("raw_path") or scope["path"].encode()
        raw_path = raw.split(b"?", 1)[0].decode("latin-1")
        method = scope["method"]
        query = scope.get("query_string", b"").decode("latin-1")
        body, too_large = await _read_body(receive)
        try:
            name, path = split_namespace(raw_path)
        except HTTPProblem as problem:
            await _send(send, problem_reply(problem), self.namespaces.default)
            return
        if path == "/_fake" or path.startswith("/_fake/"):
            await self._control(scope, send, name, path, body)
            return
        namespace = self.namespaces.get(name)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        with namespace.lock:
            request_id = namespace.next_request_id()
            arrived_ms = namespace.world.clock.now_ms()
            prefix = raw_path[: len(raw_path) - len(path)]
            outcome, found = _dispatch(
                namespace, method, path, query, headers, None if too_large else body, prefix
            )
            limiter = namespace.limiter
            if limiter is not None and "RateLimit" not in outcome.reply.headers:
                token = bearer_token(headers)  # routed nowhere: report the quota, spend none
                outcome.reply.headers.update(limiter.peek_headers(token, arrived_ms))
            fault = outcome.fault
            network = None if fault is None else fault.respond.network
            status = 200 if network == "malformed" else 0 if network else outcome.reply.status
            retry_after = None if network else header_value(outcome.reply.headers, "retry-after")
            namespace.journal.append(
                JournalEntry(
                    operation=None if found is None else found.operation,
                    method=method,
                    path=path,
                    query=query,
                    status=status,
                    fault=None if fault is None else fault.name,
                    clock_time=to_datetime(arrived_ms),
                    wall_time=time.time(),
                    body_digest=hashlib.sha256(body).hexdigest(),
                    request_id=request_id,
                    asset=None if found is None else found.asset_key,
                    retry_after=_seconds(retry_after),
                    credential=_digest(headers.get("authorization")),
                    network=network,
                )
            )
            mark = namespace.template.policies.mark_faults
        log.info(
            "%s %s%s %s%s",
            method,
            raw_path,
            "?" + query if query else "",
            status or network,
            f" fault={fault.name}" if fault else "",
        )
        if fault is not None:
            await _inject(scope, receive, send, outcome, fault, request_id, mark)
            return
        await _send(send, outcome.reply, request_id=request_id)

    async def _control(
        self, scope: Scope, send: Send, name: str | None, path: str, body: bytes
    ) -> None:
        if self.control is None:
            reply = problem_reply(
                HTTPProblem(404, "not_found", "the control API is turned off (--no-control)")
            )
        else:
            namespace = None if name is None else self.namespaces.get(name)
            reply = await self.control(self.namespaces, namespace, path, scope, body)
        self._control_calls += 1  # its own sequence: API request ids stay deterministic
        await _send(send, reply, request_id=f"ctl_{self._control_calls:010d}")


def _seconds(value: str | None) -> float | None:
    try:
        return None if value is None else float(value)
    except ValueError:
        return None


def _digest(value: str | None) -> str | None:
    return None if value is None else hashlib.sha256(value.encode()).hexdigest()[:16]


def _dispatch(
    namespace: Namespace,
    method: str,
    path: str,
    query: str,
    headers: dict[str, str],
    body: bytes | None,
    prefix: str,
) -> tuple[Outcome, Route | None]:
    if path == "/openapi.json":
        if method != "GET":
            return Outcome(
                problem_reply(HTTPProblem(405, "method_not_allowed", "only GET", {"Allow": "GET"}))
            ), None
        return Outcome(Reply(200, openapi_json())), None
    try:
        found = route(method, path)
    except HTTPProblem as problem:
        return Outcome(problem_reply(problem)), None
    return _operate(namespace, found, method, query, headers, body, prefix), found


def _operate(
    namespace: Namespace,
    found: Route,
    method: str,
    query: str,
    headers: dict[str, str],
    body: bytes | None,  # None: larger than MAX_BODY, refused at the request-shape stage
    prefix: str,
) -> Outcome:
    world = namespace.world
    policies = namespace.template.policies
    now = world.clock.now_ms()
    token = bearer_token(headers)
    fault = None
    if namespace.faults.active:
        call = FaultCall(
            found.operation, method, found.asset_key, _query_map(query), headers, token
        )
        fault = namespace.faults.decide(call, now)
    rate_headers: dict[str, str] | None = None
    replaces = fault is not None and (fault.respond.status or fault.respond.network) is not None
    if fault is not None and replaces and fault.respond.phase == "before":
        reply = Reply(0, b"")
    else:
        try:
            if policies.auth is not None:
                check_auth(policies.auth, found.operation, token, now)
            if namespace.limiter is not None:
                rate_headers = namespace.limiter.take(token, now)
            if found.invalid is not None:
                raise HTTPProblem(400, "invalid_path", found.invalid)
            if body is None:
                raise HTTPProblem(400, "body_too_large", f"the body exceeds {MAX_BODY} bytes")
            reply = HANDLERS[found.operation](world, Call(found, query, headers, body, prefix))
        except HTTPProblem as problem:
            reply = problem_reply(problem)
        except DomainError as error:
            reply = error_reply(error)
        except Exception as error:  # a bug of ours: answer a problem, never a traceback
            log.exception("assetfake internal error on %s %s", method, found)
            reply = Reply(
                500,
                problem_body(
                    500, "fake_internal_error", f"assetfake failed: {type(error).__name__}"
                ),
                content_type=PROBLEM_TYPE,
            )
        if fault is not None and not 200 <= reply.status < 300:
            namespace.faults.retract(fault)  # an after-phase fault only hits a change that
            fault = None  # happened, and is not spent by one that did not
    if namespace.limiter is not None:
        if rate_headers is None:
            rate_headers = namespace.limiter.peek_headers(token, now)
        for name, value in rate_headers.items():
            reply.headers.setdefault(name, value)
    if fault is not None and fault.respond.network is None and fault.respond.status is not None:
        status, payload, extra, content_type = fault_reply(fault)
        headers_out = merge_headers(rate_headers or {}, extra)
        if status == 429 and rate_headers is not None:
            retry = header_value(headers_out, "retry-after")
            headers_out = merge_headers(headers_out, {"RateLimit": f'"default";r=0;t={retry}'})
        reply = Reply(status, payload, headers_out, content_type)
    return Outcome(reply, fault)


def _query_map(query: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, value in parse_qsl(query, keep_blank_values=True, errors="replace"):
        out.setdefault(name, value)
    return out


async def _inject(
    scope: Scope,
    receive: Receive,
    send: Send,
    outcome: Outcome,
    fault: FaultRule,
    request_id: str,
    mark: bool,
) -> None:
    respond = fault.respond
    if respond.delay_seconds > 0:
        if SYNC_EXTENSION in scope.get("extensions", {}):
            time.sleep(respond.delay_seconds)
        else:
            await asyncio.sleep(respond.delay_seconds)
    extra = {"X-Fake-Fault": fault.name} if mark else {}
    if respond.network is None:
        outcome.reply.headers.update(extra)
        await _send(send, outcome.reply, request_id=request_id)
        return
    if respond.network == "malformed":
        quota = {k: v for k, v in outcome.reply.headers.items() if k.startswith("RateLimit")}
        await _send(send, Reply(200, _MALFORMED, {**quota, **extra}), request_id=request_id)
        return
    transport = scope.get("extensions", {}).get(TRANSPORT_EXTENSION)
    if transport is None:
        raise NetworkFault(respond.network, fault.name)
    if respond.network == "reset":
        sock = transport.get_extra_info("socket")
        if sock is not None:  # linger 0: close() sends RST instead of FIN
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        transport.abort()
    elif respond.network == "hang":
        try:
            while (await receive())["type"] != "http.disconnect":
                pass
        except asyncio.CancelledError:  # the server is shutting down: still never answer
            transport.abort()
        return
    else:
        promised = (
            outcome.reply.body
            if outcome.reply.status
            else problem_body(500, "internal_error", "this body never arrives whole")
        )
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(promised)).encode()),
            (b"x-request-id", request_id.encode()),
        ]
        headers += [(k.lower().encode(), v.encode()) for k, v in extra.items()]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        if respond.network == "truncated":
            await send(
                {
                    "type": "http.response.body",
                    "body": promised[: len(promised) // 2],
                    "more_body": True,
                }
            )
        transport.close()
    await asyncio.sleep(0.01)  # let the server notice the closed connection


async def _read_body(receive: Receive) -> tuple[bytes, bool]:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size <= MAX_BODY:
            chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks), size > MAX_BODY


async def _send(
    send: Send, reply: Reply, namespace: Namespace | None = None, request_id: str = ""
) -> None:
    if namespace is not None:
        with namespace.lock:
            request_id = namespace.next_request_id()
    headers = [
        (b"content-type", reply.content_type.encode()),
        (b"content-length", str(len(reply.body)).encode()),
    ]
    if request_id:
        headers.append((b"x-request-id", request_id.encode()))
    headers.extend(
        (k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in reply.headers.items()
    )
    await send({"type": "http.response.start", "status": reply.status, "headers": headers})
    await send({"type": "http.response.body", "body": reply.body})


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
