"""The ASGI application: namespaces, the control API, the journal, and the pipeline's outcome
on the connection.

A plain ASGI class (no framework router) because routing must see the raw, still-encoded path.
One request, top to bottom (:meth:`AssetsApp.respond`):

    read whole -> namespace -> control API | (aborted | stale connection | pipeline)
               -> journal -> log -> deliver

:meth:`respond` is synchronous and needs no event loop: the in-process transports call it
directly and read the :class:`Outcome`; :meth:`__call__` is the ASGI face the live server uses.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections.abc import Callable, Coroutine, Mapping
from typing import Any, TypeVar

from assetfake.http.asgi import Receive, Scope, Send
from assetfake.http.delivery import connection_of, deliver, send_reply
from assetfake.http.exchange import ApiRequest, ConnectionState, Outcome
from assetfake.http.handlers import HANDLERS, Handler
from assetfake.http.journal import entry_of
from assetfake.http.namespaces import Namespace, Namespaces
from assetfake.http.pipeline import Target, process
from assetfake.http.problems import HTTPProblem
from assetfake.http.replies import Reply, problem_reply
from assetfake.http.routes import route, split_namespace
from assetfake.logs import line_writer

ControlApp = Callable[[Namespaces, Namespace | None, str, Scope, bytes], Coroutine[Any, Any, Reply]]

log = logging.getLogger("assetfake")

#: The largest body the fake reads; a larger one is refused at the request-shape stage.
MAX_BODY = 1 << 20
T = TypeVar("T")
#: RFC 9112 6.1: Content-Length beside Transfer-Encoding is a request smuggling vector: refused,
#: and the connection closed.
_AMBIGUOUS_FRAMING = HTTPProblem(
    400,
    "malformed_request",
    "a request may not carry both Content-Length and Transfer-Encoding; the connection is closed",
    {"Connection": "close"},
)


class AssetsApp:
    """Serves every namespace of one fake."""

    def __init__(
        self,
        namespaces: Namespaces,
        control: ControlApp | None = None,
        handlers: Mapping[str, Handler] = HANDLERS,
    ) -> None:
        self.namespaces = namespaces
        self.control = control
        #: operationId -> handler: the registry's table (a seam for tests of the app's hooks)
        self.handlers = handlers
        self._control_ids = itertools.count(1)  # next() is atomic: PUTs run on threads

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        request = await read_request(scope, receive)
        if not self.answers_on_loop(request):
            # building a scenario's history can take seconds: off the event loop, so that the
            # server keeps answering other namespaces and /_fake/health meanwhile
            outcome = await asyncio.to_thread(self.respond, request, connection_of(scope))
        else:
            outcome = self.respond(request, connection_of(scope))
        if outcome.aborted:
            return  # the client is gone, or never finished: nothing to answer
        await deliver(outcome, scope, receive, send)

    @staticmethod
    def answers_on_loop(request: ApiRequest) -> bool:
        """Whether :meth:`respond` may run on the event loop (loading a scenario may not)."""
        return not (request.method == "PUT" and _loads_scenario(request.raw_path))

    def respond(self, request: ApiRequest, connection: ConnectionState | None = None) -> Outcome:
        """Decide, journal and log one request's outcome (delivery is the caller's)."""
        started = time.perf_counter()
        if request.ambiguous_framing:
            with self.namespaces.default.lock:
                request_id = self.namespaces.default.next_request_id()
            return Outcome(problem_reply(_AMBIGUOUS_FRAMING), request_id)
        try:
            name, path = split_namespace(request.raw_path)
        except HTTPProblem as problem:
            with self.namespaces.default.lock:
                request_id = self.namespaces.default.next_request_id()
            return Outcome(problem_reply(problem), request_id)
        if path == "/_fake" or path.startswith("/_fake/"):
            return self._control(request, name, path)
        if path == "/" and request.method == "GET":  # a person's first look: not journalled
            with self.namespaces.default.lock:
                request_id = self.namespaces.default.next_request_id()
            from assetfake.http.dashboard import landing_page  # pages only, on first use

            page = landing_page(self.namespaces, control=self.control is not None)
            return Outcome(page, request_id)
        namespace = self.namespaces.get(name)
        target = Target(namespace, path, request.raw_path[: len(request.raw_path) - len(path)])
        with namespace.lock:
            request_id = namespace.next_request_id()
            now = namespace.world.clock.now_ms()
            if not request.complete:
                outcome = _aborted(path, request, request_id)
            elif connection is not None and connection.stale_fault is not None:
                outcome = _dropped(namespace, path, request, request_id, connection.stale_fault)
                connection.stale_fault = None
            else:
                outcome = process(target, request, request_id, now, self.handlers)
            namespace.journal.append(entry_of(request, path, outcome, now))
        if connection is not None and _leaves_stale(outcome):
            # the answer goes out whole; the connection's next request will not be answered
            connection.stale_fault = outcome.fault_name
        _log(namespace, request, outcome, started)
        return outcome

    def _control(self, request: ApiRequest, name: str | None, path: str) -> Outcome:
        # its own sequence: API request ids stay deterministic
        request_id = f"ctl_{next(self._control_ids):010d}"
        if self.control is None:
            problem = HTTPProblem(404, "not_found", "the control API is turned off (--no-control)")
            return Outcome(problem_reply(problem), request_id)
        namespace = None if name is None else self.namespaces.get(name)
        scope: Scope = {"method": request.method, "query_string": request.query.encode()}
        reply = _run_now(self.control(self.namespaces, namespace, path, scope, request.body))
        log.debug("control %s %s %s", request.method, request.raw_path, reply.status)
        return Outcome(reply, request_id)


def _leaves_stale(outcome: Outcome) -> bool:
    rule = outcome.fault
    return rule is not None and outcome.network is None and rule.respond.network == "close_after"


def _loads_scenario(raw_path: str) -> bool:
    return raw_path.endswith("/_fake/scenario")


def _aborted(path: str, request: ApiRequest, request_id: str) -> Outcome:
    operation, asset = _routed(request.method, path)
    return Outcome(Reply(0, b""), request_id, operation, asset, aborted=True)


def _dropped(
    namespace: Namespace, path: str, request: ApiRequest, request_id: str, fault: str
) -> Outcome:
    """A request on a connection that a ``close_after`` fault left stale: never answered."""
    operation, asset = _routed(request.method, path)
    rule = next((r for r in namespace.faults.rules() if r.name == fault), None)
    return Outcome(Reply(0, b""), request_id, operation, asset, rule, "close_after")


def _routed(method: str, path: str) -> tuple[str | None, str | None]:
    try:
        found = route(method, path)
    except HTTPProblem:
        return None, None
    return found.operation, found.asset_key


def _log(namespace: Namespace, request: ApiRequest, outcome: Outcome, started: float) -> None:
    if not log.isEnabledFor(logging.INFO):
        return
    query = "?" + request.query if request.query else ""
    shown = "aborted" if outcome.aborted else outcome.network or outcome.status
    fault = f" fault={outcome.fault_name}" if outcome.fault_name else ""
    duration_ms = round((time.perf_counter() - started) * 1000, 3)
    extra = {
        "request_id": outcome.request_id,
        "namespace": namespace.name,
        "method": request.method,
        "path": request.raw_path,
        "status": outcome.status,
        "fault": outcome.fault_name,
        "duration_ms": duration_ms,
    }
    writer = line_writer(log)
    if writer is not None:  # the server's own handler: the same line without a LogRecord
        message = f"{outcome.request_id} {request.method} {request.raw_path}{query} {shown}{fault}"
        writer.write_line(log.name, message, {k: v for k, v in extra.items() if v is not None})
        return
    log.info(
        "%s %s %s%s %s%s",
        outcome.request_id,
        request.method,
        request.raw_path,
        query,
        shown,
        fault,
        extra=extra,
    )


def _run_now(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine that never suspends (the control API awaits nothing) to its end."""
    try:
        coroutine.send(None)
    except StopIteration as done:
        result: T = done.value
        return result
    coroutine.close()
    raise RuntimeError("the control API suspended")


async def read_request(scope: Scope, receive: Receive) -> ApiRequest:
    """The request, its body read to the end (or to the disconnect that cut it short). A body
    whose Content-Length is over the limit is not read at all (nor is ``100 Continue`` sent):
    it is refused at the request-shape stage, and the connection closed after the answer."""
    headers = request_headers(scope)
    unread = declares_too_large(headers)
    chunks: list[bytes] = []
    size = 0
    complete = unread
    while not unread:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size <= MAX_BODY:
            chunks.append(chunk)
        if not message.get("more_body", False):
            complete = True
            break
    return request_of(scope, headers, b"".join(chunks), complete, size > MAX_BODY)


def request_headers(scope: Scope) -> dict[str, str]:
    """The request's headers: lower-case names, the last of repeated headers winning."""
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}


def declares_too_large(headers: Mapping[str, str]) -> bool:
    """Whether the Content-Length promises more than the fake reads (the body stays unread)."""
    declared = headers.get("content-length", "")
    return declared.isdigit() and int(declared) > MAX_BODY


def request_of(
    scope: Scope, headers: dict[str, str], body: bytes, complete: bool, too_large: bool
) -> ApiRequest:
    """The :class:`ApiRequest` of a scope whose body was read as far as it arrived
    (``too_large``: it went past :data:`MAX_BODY`); a body whose Content-Length promised more
    than that is left unread."""
    unread = declares_too_large(headers)
    return ApiRequest(
        method=scope["method"],
        raw_path=_origin_form(scope.get("raw_path") or scope["path"].encode()),
        query=scope.get("query_string", b"").decode("latin-1"),
        headers=headers,
        body=b"" if unread else body,
        complete=complete,
        too_large=too_large or unread,
        unread=unread,
        ambiguous_framing="content-length" in headers and "transfer-encoding" in headers,
    )


def _origin_form(raw: bytes) -> str:
    """The path of the target, without its query; an absolute-form target
    (``http://host/assets/...``, RFC 9112 3.2.2) loses its scheme and authority."""
    path = raw.split(b"?", 1)[0].decode("latin-1")
    for scheme in ("http://", "https://"):
        if path[: len(scheme)].lower() == scheme:
            rest = path[len(scheme) :]
            return rest[rest.find("/") :] if "/" in rest else "/"
    return path


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


__all__ = ["MAX_BODY", "AssetsApp", "read_request", "request_of", "send_reply"]
