"""``calls`` and ``state``: counts of requests in the journal and of resources in the world.

A count that fell short quotes the requests that were made instead; a state count names the
resources involved (ids and statuses) and the requests that touched that kind of resource.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from assetfake.domain.resources import Backfill, Materialization, Run
from assetfake.domain.status import RunStatus
from assetfake.domain.world import Kind, World
from assetfake.expectations import CallsExpect, StateCount, StateExpect
from assetfake.http.journal import JournalEntry
from assetfake.operations import (
    CREATE_BACKFILL,
    GET_BACKFILL,
    LIST_BACKFILLS,
    LIST_MATERIALIZATIONS,
    LIST_RUNS,
    TRIGGER_MATERIALIZATION,
)
from assetfake.verify.evidence import MAX_LINES, lines
from assetfake.verify.failure import Failure

#: How many of the newest resources a state failure looks through to name the ones involved.
NEWEST_LOOKED_AT = 500
#: The operations that make or read each kind of resource.
_TOUCHING: dict[Kind, frozenset[str]] = {
    "runs": frozenset(
        op.operation_id for op in (TRIGGER_MATERIALIZATION, CREATE_BACKFILL, LIST_RUNS)
    ),
    "backfills": frozenset(
        op.operation_id for op in (CREATE_BACKFILL, GET_BACKFILL, LIST_BACKFILLS)
    ),
    "materializations": frozenset(
        op.operation_id for op in (TRIGGER_MATERIALIZATION, LIST_MATERIALIZATIONS)
    ),
}
_KINDS: tuple[Kind, ...] = ("runs", "backfills", "materializations")


def unmet(n: int, exactly: int | None, least: int | None, most: int | None) -> list[str]:
    """The count bounds that ``n`` breaks, as words (empty: all hold)."""
    wanted = []
    if exactly is not None and n != exactly:
        wanted.append(f"exactly {exactly}")
    if least is not None and n < least:
        wanted.append(f"at least {least}")
    if most is not None and n > most:
        wanted.append(f"at most {most}")
    return wanted


def calls(label: str, spec: CallsExpect, journal: Sequence[JournalEntry]) -> list[Failure]:
    routed_only = spec.operation is not None or spec.asset is not None
    seen = [
        e
        for e in journal
        if (e.operation is not None or not routed_only)  # a 404 that routed nowhere counts
        and (spec.operation is None or e.operation == spec.operation)
        and (spec.asset is None or e.asset == spec.asset)
        and (spec.status is None or e.status == spec.status)
    ]
    n = len(seen)
    wanted = unmet(n, spec.exactly, spec.min, spec.max)
    if not wanted:
        return []
    what = " ".join(
        part
        for part in (
            spec.operation or "API",
            f"on '{spec.asset}'" if spec.asset else "",
            f"answered {spec.status}" if spec.status is not None else "",
        )
        if part
    )
    message = f"expected {' and '.join(wanted)} {what} requests, saw {n}"
    short = n < max(spec.min or 0, spec.exactly or 0)
    if not short:
        return [Failure(label, message, lines(seen))]
    instead, which = _made_instead(spec, journal)
    return [Failure(label, f"{message}; {which}", instead)]


def _made_instead(spec: CallsExpect, journal: Sequence[JournalEntry]) -> tuple[list[str], str]:
    """The requests made instead of the missing ones: those of the same operation and asset
    (any status), else of the same operation or asset, else the last of the journal."""
    op, asset = spec.operation, spec.asset
    looser: list[tuple[str, Callable[[JournalEntry], bool]]] = []
    if op is not None and asset is not None:
        looser.append(
            ("of that operation on that asset", lambda e: (e.operation, e.asset) == (op, asset))
        )
    if op is not None:
        looser.append(("of that operation", lambda e: e.operation == op))
    elif asset is not None:
        looser.append(("on that asset", lambda e: e.asset == asset))
    for words, matches in looser:
        found = [e for e in journal if matches(e)]
        if found:
            return _last(found), f"the last requests {words}:"
    if not journal:
        return [], "the journal is empty: the client made no request"
    return _last(journal), "the last requests made:"


def _last(entries: Sequence[JournalEntry]) -> list[str]:
    shown = lines(entries[-MAX_LINES:])
    skipped = len(entries) - MAX_LINES
    return ([f"... {skipped} earlier ..."] if skipped > 0 else []) + shown


def state(
    label: str, spec: StateExpect, world: World, journal: Sequence[JournalEntry]
) -> list[Failure]:
    for kind in _KINDS:
        count_spec: StateCount | None = getattr(spec, kind)
        if count_spec is not None:
            break
    else:
        return []
    status = None if count_spec.status is None else RunStatus(count_spec.status)
    n = world.count(kind, count_spec.asset, status)  # from the indexes: O(assets)
    wanted = unmet(n, count_spec.count, count_spec.min, count_spec.max)
    if not wanted:
        return []
    what = " ".join(
        p
        for p in (
            count_spec.status or "",
            kind,
            f"of '{count_spec.asset}'" if count_spec.asset else "",
        )
        if p
    )
    involved, whose = _involved(world, kind, count_spec, n)
    touching = [
        e
        for e in journal
        if e.operation in _TOUCHING[kind]
        and (count_spec.asset is None or e.asset == count_spec.asset)
    ]
    shown = _last(touching) if touching else ["(no request touched these resources)"]
    return [
        Failure(
            label,
            f"expected {' and '.join(wanted)} {what} in the final state, found {n}; {whose}",
            shown,
            involved,
        )
    ]


def _involved(world: World, kind: Kind, spec: StateCount, n: int) -> tuple[list[str], str]:
    """The resources a state failure is about, as ``"<id> <STATUS>"``: the matching ones when
    there are too many, else those of that kind and asset in any status (what is there
    instead); the newest first."""
    newest = [
        r
        for r in world.newest(kind, NEWEST_LOOKED_AT)
        if spec.asset is None or r.asset_key == spec.asset
    ]
    too_many = (spec.max is not None and n > spec.max) or (
        spec.count is not None and n > spec.count
    )
    if too_many and spec.status is not None:
        newest = [r for r in newest if _status(r) == spec.status]
    named = [f"{r.id} {_status(r)}".rstrip() for r in newest[:MAX_LINES]]
    if not named:
        return [], f"there are no {kind} at all" + (f" of '{spec.asset}'" if spec.asset else "")
    more = " (newest first)" if len(newest) > len(named) else ""
    return named, ("the matching ones" if too_many else "there are") + f"{more}: " + ", ".join(
        named
    )


def _status(resource: Run | Backfill | Materialization) -> str:
    return "" if isinstance(resource, Materialization) else resource.status.value
