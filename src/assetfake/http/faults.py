"""The fault engine: which injected failure, if any, a request gets.

Rules are data (:mod:`assetfake.http.policy`). Each rule counts the calls that pass its filters
(operation, method, asset, query, header, token) and fires on some of them (call, calls, after,
every, between, probability, times). Every rule counts every call it matches; the first rule
that fires wins. Probability draws come from a generator per rule, seeded by the scenario's
seed and the rule's name, so they are reproducible and independent of other rules.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field

import msgspec

from assetfake.http.guards import INSUFFICIENT_SCOPE, INVALID_TOKEN
from assetfake.http.policy import FaultRule
from assetfake.http.problems import PROBLEM_TYPE, problem_body
from assetfake.http.replies import Reply, header_value

_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    429: "rate_limited",
    500: "internal_error",
}
_DEFAULT_HEADERS = {
    401: {"WWW-Authenticate": INVALID_TOKEN},
    403: {"WWW-Authenticate": INSUFFICIENT_SCOPE},
    429: {"Retry-After": "1"},
}


@dataclass(frozen=True, slots=True)
class FaultCall:
    """What the filters look at."""

    operation: str
    method: str
    asset: str
    query: dict[str, str]
    headers: dict[str, str]
    token: str | None


@dataclass(slots=True)
class _Active:
    rule: FaultRule
    rng: random.Random
    count: int = 0
    fired: int = 0


@dataclass(slots=True)
class FaultEngine:
    seed: int
    active: list[_Active] = field(default_factory=list)

    @classmethod
    def of(cls, rules: tuple[FaultRule, ...], seed: int) -> FaultEngine:
        engine = cls(seed)
        for rule in rules:
            engine.add(rule)
        return engine

    def add(self, rule: FaultRule) -> None:
        self.active.append(_Active(rule, random.Random(f"{self.seed}:fault:{rule.name}")))

    def clear(self) -> None:
        self.active.clear()

    def rules(self) -> list[FaultRule]:
        return [entry.rule for entry in self.active]

    def tallies(self) -> list[tuple[FaultRule, int, int]]:
        """Each active rule, in the order they are tried, with how many calls passed its
        filters and how many of those it fired on."""
        return [(entry.rule, entry.count, entry.fired) for entry in self.active]

    def retract(self, rule: FaultRule) -> None:
        """An after-phase fault that did not apply (the change failed) is not spent."""
        for entry in self.active:
            if entry.rule is rule and entry.fired:
                entry.fired -= 1
                return

    def delay_for(self, rule: FaultRule) -> float:
        """The wall-clock delay this firing of ``rule`` waits: fixed, or drawn (seeded, from
        the rule's own generator) between ``delay_seconds`` and ``delay_max_seconds``."""
        low, high = rule.respond.delay_seconds, rule.respond.delay_max_seconds
        if high is None or high <= low:
            return low
        entry = next((e for e in self.active if e.rule is rule), None)
        draw = entry.rng.random() if entry is not None else 0.0
        return low + (high - low) * draw

    def decide(self, call: FaultCall, now_ms: int) -> FaultRule | None:
        chosen: FaultRule | None = None
        for entry in self.active:
            if not _passes_filters(entry.rule, call):
                continue
            entry.count += 1
            if chosen is None and _fires(entry, now_ms):
                entry.fired += 1
                chosen = entry.rule
        return chosen


def _passes_filters(rule: FaultRule, call: FaultCall) -> bool:
    m = rule.match
    if m.operations is not None and call.operation not in m.operations:
        return False
    if m.method is not None and m.method.upper() != call.method:
        return False
    if m.asset is not None and m.asset != call.asset:
        return False
    if m.token is not None and m.token != call.token:
        return False
    for name, want in m.query.items():
        got = call.query.get(name)
        if got is None or (want != "*" and got != want):
            return False
    for name, want in m.header.items():
        got = call.headers.get(name.lower())
        if got is None or (want != "*" and got != want):
            return False
    return True


def _fires(entry: _Active, now_ms: int) -> bool:
    m, n = entry.rule.match, entry.count
    if m.call is not None and n != m.call:
        return False
    if m.calls is not None and n not in m.calls:
        return False
    if m.after is not None and n <= m.after:
        return False
    if m.every is not None and n % m.every:
        return False
    if m.between is not None and not m.between[0] <= now_ms < m.between[1]:
        return False
    if m.times is not None and entry.fired >= m.times:
        return False
    return m.probability is None or entry.rng.random() < m.probability


def fault_reply(rule: FaultRule, rate_headers: Mapping[str, str]) -> Reply:
    """The answer of a status fault, over the rate limit's headers (an injected 429 reports
    the quota spent until its Retry-After)."""
    respond = rule.respond
    status = respond.status or 500
    headers = merge_headers(rate_headers, _DEFAULT_HEADERS.get(status, {}), respond.headers)
    content_type = header_value(headers, "content-type")
    if content_type is not None:
        headers = {k: v for k, v in headers.items() if k.lower() != "content-type"}
    if status == 429 and rate_headers:
        retry = header_value(headers, "retry-after")
        headers = merge_headers(headers, {"RateLimit": f'"default";r=0;t={retry}'})
    if respond.body is None:
        code = _CODES.get(status, "injected_fault")
        body = problem_body(status, code, f"injected fault '{rule.name}'")
        return Reply(status, body, headers, content_type or PROBLEM_TYPE)
    if isinstance(respond.body, str):
        text = content_type or "text/plain; charset=utf-8"
        return Reply(status, respond.body.encode(), headers, text)
    return Reply(status, msgspec.json.encode(respond.body), headers, content_type or PROBLEM_TYPE)


def merge_headers(*layers: Mapping[str, str]) -> dict[str, str]:
    """Header mappings merged case-insensitively; a later layer wins, with its spelling."""
    merged: dict[str, tuple[str, str]] = {}
    for layer in layers:
        for name, value in layer.items():
            merged[name.lower()] = (name, value)
    return dict(merged.values())
