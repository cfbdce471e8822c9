"""What a namespace shows to whoever looks at it: its clock, its journal entries with their
details, its fault rules as written with their counts, its state.

Plain JSON-compatible data, shared by the control API (which encodes it) and the dashboard
(which renders it). Each function reads; none changes anything.
"""

from __future__ import annotations

import base64

from assetfake.domain.timestamps import format_ms, from_datetime
from assetfake.http.journal import Details, JournalEntry
from assetfake.http.namespaces import Namespace
from assetfake.http.policy import FaultMatch, FaultResponse, FaultRule

#: How many of each kind of resource ``GET /_fake/state`` lists (the newest).
STATE_LIMIT = 1000

JSONObject = dict[str, object]


def clock_view(ns: Namespace) -> JSONObject:
    with ns.lock:
        clock = ns.world.clock
        return {"now": format_ms(clock.now_ms()), "mode": clock.mode, "speed": clock.speed}


# ------------------------------------------------------------------------------- journal


def journal_item(entry: JournalEntry) -> JSONObject:
    """A journal entry as the control API lists it: the contract's fields, then the rest."""
    details = entry.details
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
        "aborted": entry.aborted,
        "resources": [list(pair) for pair in entry.resources],
        "request": None if details is None else request_view(details),
        "response": None if details is None else response_view(details),
    }


def request_view(details: Details) -> JSONObject:
    """The request's headers (``Authorization`` redacted), its body (UTF-8 text, else base64
    with ``body_base64`` true; the first 64 KiB, ``cut`` when there was more) and its size."""
    body = details.request_body
    try:
        text, is_base64 = body.decode("utf-8"), False
    except UnicodeDecodeError:
        text, is_base64 = base64.b64encode(body).decode("ascii"), True
    return {
        "headers": dict(details.request_headers),
        "body": text,
        "body_base64": is_base64,
        "size": details.request_size,
        "cut": details.body_cut,
    }


def response_view(details: Details) -> JSONObject:
    """The answer's status (0: none was sent), headers and body size, as sent."""
    return {
        "status": details.response_status,
        "headers": dict(details.response_headers),
        "size": details.response_size,
    }


def newest_entries(ns: Namespace, limit: int) -> tuple[list[JournalEntry], int]:
    """The newest ``limit`` journal entries, newest first, and how many the journal holds."""
    with ns.lock:
        journal = ns.journal
        total = len(journal)
        return [journal[i] for i in range(total - 1, max(total - limit, 0) - 1, -1)], total


# -------------------------------------------------------------------------------- faults


def fault_views(ns: Namespace) -> list[JSONObject]:
    """Each active rule, in the order they are tried: its definition as a scenario writes it
    (``name``, ``match``, ``respond``), how many calls passed its filters (``matched``) and how
    many it fired on (``fired``)."""
    with ns.lock:
        tallies = ns.faults.tallies()
    return [
        {**fault_definition(rule), "matched": matched, "fired": fired}
        for rule, matched, fired in tallies
    ]


def fault_definition(rule: FaultRule) -> JSONObject:
    """The rule written back in the scenario format (fields left at their default omitted)."""
    return {"name": rule.name, "match": _match(rule.match), "respond": _respond(rule.respond)}


def _match(m: FaultMatch) -> JSONObject:
    operation: object = None
    if m.operations is not None:
        names = sorted(m.operations)
        operation = names[0] if len(names) == 1 else names
    fields: list[tuple[str, object]] = [
        ("operation", operation),
        ("method", m.method),
        ("asset", m.asset),
        ("query", dict(m.query) or None),
        ("header", dict(m.header) or None),
        ("token", m.token),
        ("call", m.call),
        ("calls", None if m.calls is None else sorted(m.calls)),
        ("after", m.after),
        ("every", m.every),
        ("probability", m.probability),
        ("times", m.times),
    ]
    out: JSONObject = {name: value for name, value in fields if value is not None}
    if m.between is not None:
        out["between"] = {"start": format_ms(m.between[0]), "end": format_ms(m.between[1])}
    return out


def _respond(r: FaultResponse) -> JSONObject:
    out: JSONObject = {}
    if r.status is not None:
        out["status"] = r.status
    if r.headers:
        out["headers"] = dict(r.headers)
    if r.body is not None:
        out["body"] = r.body
    if r.delay_max_seconds is not None:
        out["delay_seconds"] = {"min": r.delay_seconds, "max": r.delay_max_seconds}
    elif r.delay_seconds:
        out["delay_seconds"] = r.delay_seconds
    if r.phase != "before":
        out["phase"] = r.phase
    if r.network is not None:
        out["network"] = r.network
    if r.stall_after_bytes:
        out["stall_after_bytes"] = r.stall_after_bytes
    if r.bytes_per_second:
        out["bytes_per_second"] = r.bytes_per_second
    return out


# --------------------------------------------------------------------------------- state


def state_view(ns: Namespace, limit: int = STATE_LIMIT) -> JSONObject:
    with ns.lock:
        world = ns.world
        return {
            "namespace": ns.name,
            "clock": clock_view(ns),
            "assets": [
                {
                    "key": a.key,
                    "partitions": None if a.partitions is None else a.partitions.describe(),
                }
                for a in world.assets()
            ],
            "runs": world.newest("runs", limit),
            "backfills": world.newest("backfills", limit),
            "materializations": world.newest("materializations", limit),
            "counts": {
                **world.counts(),
                "runs_by_status": world.status_counts("runs"),
                "backfills_by_status": world.status_counts("backfills"),
            },
        }
