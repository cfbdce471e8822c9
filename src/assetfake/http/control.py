"""The control API under ``/_fake`` (and ``/_ns/{ns}/_fake``): drive a fake from any language.

Exempt from auth, faults, rate limits and the journal. Needs from the composition root only
two callables: one that turns a scenario document into a template, one that turns a fault
document into a rule (both raise ``ValueError`` with the validation messages).
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

import msgspec

from assetfake.domain.errors import DomainError
from assetfake.domain.timestamps import format_ms, from_datetime
from assetfake.http.journal import JournalEntry
from assetfake.http.namespaces import Namespace, Namespaces, WorldTemplate
from assetfake.http.openapi import control_openapi_json
from assetfake.http.policy import FaultRule
from assetfake.http.problems import HTTPProblem
from assetfake.http.replies import Reply, error_reply, problem_reply

STATE_LIMIT = 1000

TemplateLoader = Callable[[bytes], WorldTemplate]  # YAML or JSON (JSON is YAML)
FaultLoader = Callable[[Namespace, object], FaultRule]
Verifier = Callable[[Namespace], dict[str, Any]]


@dataclass
class ControlAPI:
    load_template: TemplateLoader
    load_fault: FaultLoader
    verify: Verifier | None = None

    async def __call__(
        self,
        namespaces: Namespaces,
        named: Namespace | None,
        path: str,
        scope: MutableMapping[str, Any],
        body: bytes,
    ) -> Reply:
        method = scope["method"]
        namespace = named or namespaces.default
        parts = tuple(p for p in path.split("/")[2:] if p)
        try:
            return self._route(namespaces, namespace, named is not None, method, parts, body)
        except HTTPProblem as problem:
            return problem_reply(problem)
        except DomainError as error:
            return error_reply(error)

    def _route(
        self,
        namespaces: Namespaces,
        ns: Namespace,
        is_named: bool,
        method: str,
        parts: tuple[str, ...],
        body: bytes,
    ) -> Reply:
        match (method, parts):
            case ("GET", ("health",)):
                return _json({"status": "ok", "namespace": ns.name})
            case ("DELETE", ()) if is_named:
                namespaces.drop(ns.name)
                return _json({"dropped": ns.name})
            case ("GET", ("openapi.json",)):
                return Reply(200, control_openapi_json())
            case ("POST", ("reset",)):
                ns.reset()
                return _json(_clock(ns))
            case ("PUT", ("scenario",)):
                try:
                    template = self.load_template(body)
                except ValueError as error:
                    raise HTTPProblem(400, "invalid_scenario", str(error)) from None
                if is_named:
                    ns.reset(template)
                else:
                    namespaces.replace_template(template)
                return _json({"loaded": template.config.seed, **_clock(ns)})
            case ("GET", ("clock",)):
                return _json(_clock(ns))
            case ("POST", ("clock", "advance")):
                seconds = _number(_object(body), "seconds")
                with ns.lock:
                    try:
                        ns.world.clock.advance(seconds)
                    except ValueError as error:
                        raise HTTPProblem(400, "invalid_advance", str(error)) from None
                    ns.world.catch_up()
                return _json(_clock(ns))
            case ("POST", ("clock", "run-until-idle")):
                with ns.lock:
                    done = ns.world.run_until_idle()
                return _json({**_clock(ns), "transitions": done})
            case ("GET", ("journal",)):
                with ns.lock:
                    items = [_entry(e) for e in ns.journal]
                return _json({"items": items})
            case ("DELETE", ("journal",)):
                with ns.lock:
                    ns.journal.clear()
                return _json({"items": []})
            case ("GET", ("faults",)):
                with ns.lock:
                    names = [rule.name for rule in ns.faults.rules()]
                return _json({"faults": names})
            case ("POST", ("faults",)):
                data = _decode(body)
                docs = data if isinstance(data, list) else [data]
                try:
                    rules = [self.load_fault(ns, doc) for doc in docs]
                except ValueError as error:
                    raise HTTPProblem(400, "invalid_fault", str(error)) from None
                with ns.lock:
                    for rule in rules:
                        ns.faults.add(rule)
                    names = [rule.name for rule in ns.faults.rules()]
                return _json({"faults": names}, 201)
            case ("DELETE", ("faults",)):
                with ns.lock:
                    ns.faults.clear()
                return _json({"faults": []})
            case ("GET", ("state",)):
                return _json(_state(ns))
            case ("POST", ("runs", run_id, "cancel")):
                with ns.lock:
                    return _json(ns.world.cancel_run(run_id))
            case ("POST", ("backfills", backfill_id, "cancel")):
                with ns.lock:
                    return _json(ns.world.cancel_backfill(backfill_id))
            case ("GET", ("verify",)):
                if self.verify is None:
                    raise HTTPProblem(404, "not_found", "verify is not available")
                with ns.lock:
                    return _json(self.verify(ns))
            case ("POST", ("snapshot",)):
                return _json({"id": ns.snapshot()}, 201)
            case ("POST", ("restore", snapshot_id)):
                if not ns.restore(snapshot_id):
                    raise HTTPProblem(
                        404,
                        "snapshot_not_found",
                        f"no snapshot '{snapshot_id}' of namespace '{ns.name}'",
                    )
                return _json(_clock(ns))
        raise HTTPProblem(
            404, "not_found", f"no control endpoint {method} /_fake/" + "/".join(parts)
        )


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


def _clock(ns: Namespace) -> dict[str, object]:
    with ns.lock:
        clock = ns.world.clock
        return {"now": format_ms(clock.now_ms()), "mode": clock.mode, "speed": clock.speed}


def _entry(entry: JournalEntry) -> dict[str, object]:
    return {
        "operation": entry.operation,
        "method": entry.method,
        "path": entry.path,
        "query": entry.query,
        "status": entry.status,
        "fault": entry.fault,
        "clock_time": format_ms(from_datetime(entry.clock_time)),
        "wall_time": entry.wall_time,
        "body_digest": entry.body_digest,
        "request_id": entry.request_id,
        "asset": entry.asset,
        "retry_after": entry.retry_after,
        "network": entry.network,
    }


def _state(ns: Namespace) -> dict[str, object]:
    with ns.lock:
        world = ns.world
        return {
            "namespace": ns.name,
            "clock": _clock(ns),
            "assets": [
                {
                    "key": a.key,
                    "partitions": None if a.partitions is None else a.partitions.describe(),
                }
                for a in world.assets()
            ],
            "runs": world.newest("runs", STATE_LIMIT),
            "backfills": world.newest("backfills", STATE_LIMIT),
            "materializations": world.newest("materializations", STATE_LIMIT),
            "counts": {
                **world.counts(),
                "runs_by_status": world.status_counts("runs"),
                "backfills_by_status": world.status_counts("backfills"),
            },
        }
