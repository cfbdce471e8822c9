"""The ASGI application: raw-path routing, namespaces, the API operations and /openapi.json.

A plain ASGI class (no framework router) because routing must see the raw, still-encoded
path. Nothing in a request handler awaits anything but the request body and the response
sends, so an in-process transport can drive it without an event loop.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from assetfake.domain.errors import DomainError
from assetfake.http.handlers import HANDLERS, Call, Reply
from assetfake.http.namespaces import Namespace, Namespaces
from assetfake.http.openapi import openapi_json
from assetfake.http.problems import PROBLEM_TYPE, HTTPProblem, problem_body, status_of
from assetfake.http.routes import route, split_namespace

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

log = logging.getLogger("assetfake")

MAX_BODY = 1 << 20


class AssetsApp:
    """Serves every namespace of one fake."""

    def __init__(self, namespaces: Namespaces) -> None:
        self.namespaces = namespaces

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        raw = scope.get("raw_path") or scope["path"].encode()
        raw_path = raw.split(b"?", 1)[0].decode("latin-1")
        method = scope["method"]
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        body, too_large = await _read_body(receive)
        try:
            name, path = split_namespace(raw_path)
            namespace = self.namespaces.get(name)
        except HTTPProblem as problem:
            with self.namespaces.default.lock:
                request_id = self.namespaces.default.next_request_id()
            await _send(send, _problem_reply(problem), request_id)
            return
        with namespace.lock:
            request_id = namespace.next_request_id()
            if too_large:
                reply = _problem_reply(
                    HTTPProblem(400, "body_too_large", f"the body exceeds {MAX_BODY} bytes")
                )
            else:
                query = scope.get("query_string", b"").decode("latin-1")
                prefix = "" if name is None else raw_path[: len(raw_path) - len(path)]
                reply = self._dispatch(namespace, method, path, query, headers, body, prefix)
        log.info("%s %s %s", method, raw_path, reply.status)
        await _send(send, reply, request_id)

    def _dispatch(
        self,
        namespace: Namespace,
        method: str,
        path: str,
        query: str,
        headers: dict[str, str],
        body: bytes,
        prefix: str,
    ) -> Reply:
        try:
            if path == "/openapi.json":
                if method != "GET":
                    raise HTTPProblem(405, "method_not_allowed", "only GET", {"Allow": "GET"})
                return Reply(200, openapi_json())
            found = route(method, path)
            call = Call(found, query, headers, body, prefix)
            return HANDLERS[found.operation](namespace.world, call)
        except HTTPProblem as problem:
            return _problem_reply(problem)
        except DomainError as error:
            status = status_of(error)
            return Reply(
                status, problem_body(status, error.code, error.message), content_type=PROBLEM_TYPE
            )
        except Exception as error:  # a bug of ours: answer a problem, never a traceback
            log.exception("assetfake internal error on %s %s", method, path)
            return Reply(
                500,
                problem_body(
                    500, "fake_internal_error", f"assetfake failed: {type(error).__name__}"
                ),
                content_type=PROBLEM_TYPE,
            )


def _problem_reply(problem: HTTPProblem) -> Reply:
    return Reply(
        problem.status,
        problem_body(problem.status, problem.code, problem.detail),
        dict(problem.headers),
        PROBLEM_TYPE,
    )


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


async def _send(send: Send, reply: Reply, request_id: str) -> None:
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
