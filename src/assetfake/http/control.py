"""The control API under ``/_fake`` (and ``/_ns/{ns}/_fake``): drive a fake from any language.

Exempt from auth, faults, rate limits and the journal. Each endpoint is one small function;
``ROUTES`` maps a method and a path under ``/_fake`` to it. Needs from the composition root
two callables: one that turns a scenario document into a template, one that turns a fault
document into a rule (both raise ``ValueError`` with the validation messages), and optionally
a verifier (without one, ``GET /_fake/verify`` is a 404).
"""

from __future__ import annotations

import functools
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import msgspec

from assetfake.domain.errors import DomainError
from assetfake.http.guards import issued_credential
from assetfake.http.inspection import clock_view, fault_views, journal_item, state_view
from assetfake.http.namespaces import Namespace, Namespaces, WorldTemplate
from assetfake.http.openapi import control_openapi_json
from assetfake.http.policy import FaultRule
from assetfake.http.problems import HTTPProblem
from assetfake.http.replies import Reply, error_reply, problem_reply

if TYPE_CHECKING:
    from assetfake.http.dashboard import Verdicts

#: (body, ``?name=``) -> template: a body in JSON or YAML, or a scenario named (body empty)
TemplateLoader = Callable[[bytes, str | None], WorldTemplate]
FaultLoader = Callable[[Namespace, object], FaultRule]
Verifier = Callable[[Namespace], Mapping[str, object]]  # {"passed", "failures", "report"}


@dataclass(frozen=True, slots=True)
class ControlCall:
    """One control request, routed: its namespace, the path's variable parts, its body."""

    namespaces: Namespaces
    ns: Namespace
    is_named: bool  # addressed as /_ns/{name}/_fake/...
    args: tuple[str, ...]  # the path parts that fill the route's ``*``
    body: bytes
    query: str = ""  # the raw query string


@dataclass
class ControlAPI:
    load_template: TemplateLoader
    load_fault: FaultLoader
    verify: Verifier | None = None

    @functools.cached_property
    def verdicts(self) -> Verdicts:
        """The verdicts the dashboard shows, recomputed no more often than they can afford
        (made with the first page: the dashboard is imported only when a page is served)."""
        from assetfake.http.dashboard import Verdicts

        return Verdicts()

    async def __call__(
        self,
        namespaces: Namespaces,
        named: Namespace | None,
        path: str,
        scope: Mapping[str, object],
        body: bytes,
    ) -> Reply:
        method = str(scope["method"])
        raw_query = scope.get("query_string", b"")
        query = raw_query.decode("latin-1") if isinstance(raw_query, bytes) else ""
        parts = tuple(p for p in path.split("/")[2:] if p)
        try:
            for (verb, pattern), endpoint in ROUTES.items():
                args = _match(pattern, parts) if verb == method else None
                if args is not None:
                    ns = named or namespaces.default
                    call = ControlCall(namespaces, ns, named is not None, args, body, query)
                    return endpoint(self, call)
            raise _no_endpoint(method, parts)
        except HTTPProblem as problem:
            return problem_reply(problem)
        except DomainError as error:
            return error_reply(error)


Endpoint = Callable[[ControlAPI, ControlCall], Reply]


def _match(pattern: tuple[str, ...], parts: tuple[str, ...]) -> tuple[str, ...] | None:
    """The parts that fill the pattern's ``*``, or None when the path is not the pattern's."""
    if len(pattern) != len(parts):
        return None
    if any(want not in ("*", part) for want, part in zip(pattern, parts, strict=True)):
        return None
    return tuple(part for want, part in zip(pattern, parts, strict=True) if want == "*")


def _no_endpoint(method: str, parts: tuple[str, ...]) -> HTTPProblem:
    return HTTPProblem(404, "not_found", f"no control endpoint {method} /_fake/" + "/".join(parts))


# ------------------------------------------------------------------------------- endpoints


def _health(api: ControlAPI, call: ControlCall) -> Reply:
    return _json({"status": "ok", "namespace": call.ns.name})


def _drop(api: ControlAPI, call: ControlCall) -> Reply:
    if not call.is_named:  # the default namespace is never dropped
        raise _no_endpoint("DELETE", ())
    call.namespaces.drop(call.ns.name)
    return _json({"dropped": call.ns.name})


def _openapi(api: ControlAPI, call: ControlCall) -> Reply:
    return Reply(200, control_openapi_json())


def _reset(api: ControlAPI, call: ControlCall) -> Reply:
    call.ns.reset()
    return _json(_clock(call.ns))


def _load_scenario(api: ControlAPI, call: ControlCall) -> Reply:
    name = _scenario_name(call.query)
    try:
        template = api.load_template(call.body, name)
    except ValueError as error:
        raise HTTPProblem(400, "invalid_scenario", str(error)) from None
    if call.is_named:
        call.ns.reset(template)
    else:
        call.namespaces.replace_template(template)
    return _json({**_loaded(template), **_clock(call.ns)})


def _scenario_name(query: str) -> str | None:
    """``?name=`` of ``PUT /_fake/scenario`` (once at most; no other parameter)."""
    try:
        pairs = urllib.parse.parse_qsl(query, keep_blank_values=True, strict_parsing=bool(query))
    except ValueError:
        raise HTTPProblem(400, "invalid_query", "the query string is malformed") from None
    unknown = sorted({key for key, _ in pairs if key != "name"})
    if unknown:
        listed = ", ".join(repr(key) for key in unknown)
        raise HTTPProblem(400, "invalid_query", f"unknown query parameter {listed}; only 'name'")
    names = [value for _, value in pairs]
    if len(names) > 1:
        raise HTTPProblem(400, "invalid_query", "'name' is given more than once")
    if names and not names[0]:
        raise HTTPProblem(400, "invalid_query", "'name' is empty; give a scenario's name")
    return names[0] if names else None


def _get_clock(api: ControlAPI, call: ControlCall) -> Reply:
    return _json(_clock(call.ns))


def _advance(api: ControlAPI, call: ControlCall) -> Reply:
    seconds = _number(_object(call.body), "seconds")
    ns = call.ns
    with ns.lock:
        try:
            ns.world.clock.advance(seconds)
        except ValueError as error:
            raise HTTPProblem(400, "invalid_advance", str(error)) from None
        ns.world.catch_up()
    return _json(_clock(ns))


def _run_until_idle(api: ControlAPI, call: ControlCall) -> Reply:
    with call.ns.lock:
        done = call.ns.world.run_until_idle()
    return _json({**_clock(call.ns), "transitions": done})


def _get_journal(api: ControlAPI, call: ControlCall) -> Reply:
    with call.ns.lock:
        entries = list(call.ns.journal)  # entries are immutable: encode them unlocked
    return _json({"items": [journal_item(e) for e in entries]})


def _clear_journal(api: ControlAPI, call: ControlCall) -> Reply:
    with call.ns.lock:
        call.ns.journal.clear()
    return _json({"items": []})


def _get_faults(api: ControlAPI, call: ControlCall) -> Reply:
    return _json(_faults(call.ns))


def _add_faults(api: ControlAPI, call: ControlCall) -> Reply:
    data = _decode(call.body)
    docs = data if isinstance(data, list) else [data]
    try:
        rules = [api.load_fault(call.ns, doc) for doc in docs]
    except ValueError as error:
        raise HTTPProblem(400, "invalid_fault", str(error)) from None
    with call.ns.lock:
        for rule in rules:
            call.ns.faults.add(rule)
    return _json(_faults(call.ns), 201)


def _clear_faults(api: ControlAPI, call: ControlCall) -> Reply:
    with call.ns.lock:
        call.ns.faults.clear()
    return _json(_faults(call.ns))


def _get_state(api: ControlAPI, call: ControlCall) -> Reply:
    return _json(state_view(call.ns))


def _cancel_run(api: ControlAPI, call: ControlCall) -> Reply:
    (run_id,) = call.args
    with call.ns.lock:
        return _json(call.ns.world.cancel_run(run_id))


def _cancel_backfill(api: ControlAPI, call: ControlCall) -> Reply:
    (backfill_id,) = call.args
    with call.ns.lock:
        return _json(call.ns.world.cancel_backfill(backfill_id))


def _verify(api: ControlAPI, call: ControlCall) -> Reply:
    if api.verify is None:
        raise HTTPProblem(404, "not_found", "verify is not available")
    with call.ns.lock:
        return _json(api.verify(call.ns))


def _ui(api: ControlAPI, call: ControlCall) -> Reply:
    from assetfake.http import dashboard  # pages only: not imported by a server that serves none

    base = dashboard.prefix_of(call.ns.name, call.is_named)
    return dashboard.namespace_page(call.ns, base, api.verify, api.verdicts)


def _ui_stamp(api: ControlAPI, call: ControlCall) -> Reply:
    from assetfake.http import dashboard

    return dashboard.stamp_reply(call.ns)


def _ui_namespaces(api: ControlAPI, call: ControlCall) -> Reply:
    from assetfake.http import dashboard

    return dashboard.namespace_index(call.namespaces)


def _credentials(api: ControlAPI, call: ControlCall) -> Reply:
    """What the credential source hands the client under test now (CONTRACT 3)."""
    with call.ns.lock:
        auth, now_ms = call.ns.template.policies.auth, call.ns.world.clock.now_ms()
    return _json({"token": issued_credential(auth, now_ms)})


def _snapshot(api: ControlAPI, call: ControlCall) -> Reply:
    return _json({"id": call.ns.snapshot()}, 201)


def _restore(api: ControlAPI, call: ControlCall) -> Reply:
    (snapshot_id,) = call.args
    if not call.ns.restore(snapshot_id):
        raise HTTPProblem(
            404, "snapshot_not_found", f"no snapshot '{snapshot_id}' of namespace '{call.ns.name}'"
        )
    return _json(_clock(call.ns))


#: (method, path parts under /_fake, ``*`` for a variable part) -> endpoint.
ROUTES: dict[tuple[str, tuple[str, ...]], Endpoint] = {
    ("GET", ("health",)): _health,
    ("DELETE", ()): _drop,
    ("GET", ("openapi.json",)): _openapi,
    ("POST", ("reset",)): _reset,
    ("PUT", ("scenario",)): _load_scenario,
    ("GET", ("clock",)): _get_clock,
    ("POST", ("clock", "advance")): _advance,
    ("POST", ("clock", "run-until-idle")): _run_until_idle,
    ("GET", ("journal",)): _get_journal,
    ("DELETE", ("journal",)): _clear_journal,
    ("GET", ("faults",)): _get_faults,
    ("POST", ("faults",)): _add_faults,
    ("DELETE", ("faults",)): _clear_faults,
    ("GET", ("state",)): _get_state,
    ("POST", ("runs", "*", "cancel")): _cancel_run,
    ("POST", ("backfills", "*", "cancel")): _cancel_backfill,
    ("GET", ("verify",)): _verify,
    ("GET", ("credentials",)): _credentials,
    ("POST", ("snapshot",)): _snapshot,
    ("POST", ("restore", "*")): _restore,
    ("GET", ("ui",)): _ui,
    ("GET", ("ui", "stamp")): _ui_stamp,
    ("GET", ("ui", "namespaces")): _ui_namespaces,
}


def _json(data: object, status: int = 200) -> Reply:
    return Reply(status, msgspec.json.encode(data))


def _decode(body: bytes) -> object:
    try:
        return msgspec.json.decode(body or b"null")
    except msgspec.DecodeError as error:
        raise HTTPProblem(400, "invalid_json", f"the body is not valid JSON: {error}") from None


def _object(body: bytes) -> dict[str, object]:
    data = _decode(body)
    if not isinstance(data, dict):
        raise HTTPProblem(400, "invalid_body", "the body must be a JSON object")
    return data


def _number(data: dict[str, object], name: str) -> float:
    value = data.get(name)
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise HTTPProblem(400, "invalid_field", f"'{name}' must be a number of seconds >= 0")
    try:
        return float(value)
    except OverflowError:  # an integer of hundreds of digits
        raise HTTPProblem(400, "invalid_field", f"'{name}' is too large") from None


def _faults(ns: Namespace) -> dict[str, object]:
    """The rules' names (``faults``, in the order they are tried) and, in the same order,
    their definitions with their counts (``rules``)."""
    rules = fault_views(ns)
    return {"faults": [rule["name"] for rule in rules], "rules": rules}


def _loaded(template: WorldTemplate) -> dict[str, object]:
    return {
        "scenario": template.name or None,
        "seed": template.config.seed,
        "assets": len(template.config.assets),
    }


def _clock(ns: Namespace) -> dict[str, object]:
    return clock_view(ns)
