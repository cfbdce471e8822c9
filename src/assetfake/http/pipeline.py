"""The request pipeline: one API request through the stages of CONTRACT section 1, in order.

    route -> faults (phase before) -> auth -> rate limit -> request shape -> handler
          -> faults (phase after)

:func:`process` reads top to bottom. Each stage is a function with one job; a stage that ends
the request raises the :class:`HTTPProblem` (or the domain raises the :class:`DomainError`) that
becomes its answer. What comes out is one :class:`Outcome`: the journal, the log and both
deliveries (in-process and on the wire) read it and decide nothing more.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from assetfake.domain.errors import DomainError
from assetfake.http.exchange import ApiRequest, Outcome
from assetfake.http.faults import FaultCall, fault_reply
from assetfake.http.guards import RateLimiter, bearer_token, check_auth
from assetfake.http.handlers import HANDLERS, Call, Handler
from assetfake.http.namespaces import Namespace
from assetfake.http.openapi import openapi_json
from assetfake.http.policy import FaultRule
from assetfake.http.problems import PROBLEM_TYPE, HTTPProblem, problem_body
from assetfake.http.replies import Reply, error_reply, problem_reply
from assetfake.http.routes import Route, route

log = logging.getLogger("assetfake")

#: The body a ``malformed`` fault answers with: the start of a page, cut off.
MALFORMED_BODY = b'{"items": [{"id": "run_'
#: What a broken connection promised to send, when the fault struck before any answer existed.
_NEVER_WHOLE = problem_body(500, "internal_error", "this body never arrives whole")
#: Network faults whose client still receives the real answer whole.
_ANSWERED = frozenset({"slow_body", "close_after"})


@dataclass(slots=True)
class Quota:
    """The rate limit's view of one request. Its headers are computed once: by the spend, or
    (for a request that never reached the rate-limit stage) by a look that spends nothing."""

    limiter: RateLimiter | None
    token: str | None
    now_ms: int
    headers: dict[str, str] | None = field(default=None)

    def spend(self) -> None:
        """The rate-limit stage: spend one request, or raise its 429."""
        if self.limiter is None:
            return
        try:
            self.headers = self.limiter.take(self.token, self.now_ms)
        except HTTPProblem as refused:
            self.headers = {k: v for k, v in refused.headers.items() if k.startswith("RateLimit")}
            raise

    def final(self) -> dict[str, str]:
        if self.headers is None:
            self.headers = {}
            if self.limiter is not None:
                self.headers = self.limiter.peek_headers(self.token, self.now_ms)
        return self.headers


@dataclass(frozen=True, slots=True)
class Target:
    """Where a request goes: the namespace, the path inside it and the prefix it came by."""

    namespace: Namespace
    path: str  # without the ``/_ns/{name}`` prefix
    prefix: str  # ``/_ns/{name}`` or ""


def process(
    target: Target,
    request: ApiRequest,
    request_id: str,
    now_ms: int,
    handlers: Mapping[str, Handler] = HANDLERS,
) -> Outcome:
    """Run one API request through every stage. Call with the namespace's lock held."""
    namespace = target.namespace
    token = bearer_token(request.headers)
    quota = Quota(namespace.limiter, token, now_ms)
    if target.path == "/openapi.json":  # a document, not an operation
        return _finish(Outcome(_openapi(namespace, request.method), request_id), quota)
    try:
        found = route(request.method, target.path)  # route
    except HTTPProblem as problem:
        return _finish(Outcome(problem_reply(problem), request_id), quota)
    fault = decide_fault(namespace, found, request, token, now_ms)  # faults, phase before
    if fault is not None and _replaces(fault) and fault.respond.phase == "before":
        reply = Reply(0, b"")
    else:
        reply = _answer(target, found, request, token, quota, now_ms, handlers)
        if fault is not None and not 200 <= reply.status < 300:
            namespace.faults.retract(fault)  # an after-phase fault only hits a change that
            fault = None  # happened, and is not spent by one that did not
    outcome = Outcome(reply, request_id, found.operation, found.asset_key, fault)
    delay = 0.0 if fault is None else namespace.faults.delay_for(fault)
    return _finish(outcome, quota, namespace.template.policies.mark_faults, delay)


def _answer(
    target: Target,
    found: Route,
    request: ApiRequest,
    token: str | None,
    quota: Quota,
    now: int,
    handlers: Mapping[str, Handler],
) -> Reply:
    """The stages between the faults: auth, rate limit, request shape, the handler."""
    namespace = target.namespace
    try:
        auth = namespace.template.policies.auth
        if auth is not None:
            check_auth(auth, found.operation, token, now)  # auth
        quota.spend()  # rate limit
        check_shape(found, request)  # request shape (what does not need the handler)
        call = Call(found, request.query, request.headers, request.body, target.prefix)
        return handlers[found.operation](namespace.world, call)  # shape, existence, change
    except HTTPProblem as problem:
        return problem_reply(problem)
    except DomainError as error:
        return error_reply(error)
    except Exception as error:  # a bug of ours: answer a problem, never a traceback
        log.exception("assetfake internal error on %s %s", request.method, found)
        detail = f"assetfake failed: {type(error).__name__}"
        return Reply(500, problem_body(500, "fake_internal_error", detail), {}, PROBLEM_TYPE)


def decide_fault(
    namespace: Namespace, found: Route, request: ApiRequest, token: str | None, now_ms: int
) -> FaultRule | None:
    """The faults stage: which rule, if any, fires on this request (every rule counts it)."""
    if not namespace.faults.active:
        return None
    query = _query_map(request.query)
    call = FaultCall(
        found.operation, request.method, found.asset_key, query, request.headers, token
    )
    return namespace.faults.decide(call, now_ms)


def check_shape(found: Route, request: ApiRequest) -> None:
    """The request-shape checks that need no handler: path parameters, body size."""
    if found.invalid is not None:
        raise HTTPProblem(400, "invalid_path", found.invalid)
    if request.too_large:
        close = {"Connection": "close"} if request.unread else {}
        raise HTTPProblem(
            400, "body_too_large", "the body exceeds the size the fake reads (1 MiB)", close
        )


def _finish(outcome: Outcome, quota: Quota, mark: bool = True, delay: float = 0.0) -> Outcome:
    """The answer as the client gets it: the fault's reply in place of the real one, the rate
    limit's headers on every answer, the fault's mark."""
    fault = outcome.fault
    rate = quota.final()
    reply = outcome.reply
    network = None if fault is None else fault.respond.network
    if fault is not None and network is None and fault.respond.status is not None:
        reply = fault_reply(fault, rate)
    elif network == "malformed":
        quota_only = {k: v for k, v in rate.items() if k.startswith("RateLimit")}
        reply = Reply(200, MALFORMED_BODY, quota_only)
    elif network in ("empty", "truncated", "stall"):
        reply = Reply(200, reply.body if reply.status else _NEVER_WHOLE)
    elif network in ("reset", "hang"):
        reply = Reply(0, b"")
    else:
        for name, value in rate.items():
            reply.headers.setdefault(name, value)
    marks = {"X-Fake-Fault": fault.name} if fault is not None and mark else {}
    failure = None if network in _ANSWERED else network
    return Outcome(
        reply,
        outcome.request_id,
        outcome.operation,
        outcome.asset,
        fault,
        failure,
        marks=marks,
        delay_seconds=0.0 if fault is None else delay,
    )


def _replaces(fault: FaultRule) -> bool:
    """Whether the fault answers instead of the operation (``slow_body`` and ``close_after``
    deliver the real answer, so the operation still runs)."""
    network = fault.respond.network
    return fault.respond.status is not None or (network is not None and network not in _ANSWERED)


def _openapi(namespace: Namespace, method: str) -> Reply:
    if method != "GET":
        return problem_reply(HTTPProblem(405, "method_not_allowed", "only GET", {"Allow": "GET"}))
    return Reply(200, openapi_json(auth=namespace.template.policies.auth is not None))


def _query_map(query: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, value in parse_qsl(query, keep_blank_values=True, errors="replace"):
        out.setdefault(name, value)
    return out
