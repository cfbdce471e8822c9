"""``observes``: the client read back, in a terminal status, what it made.

A clock that moved past a backfill's end proves nothing about the client: a client whose poll
died still finds the final state right. So this judges what the client was *told*: the ids and
statuses each whole, successful response carried (``JournalEntry.resources``). Made means
answered with the operation's success status (201 for createAssetBackfill, 202 for
triggerAssetMaterialization, an idempotent replay included); read back means any later whole
answer that carried the id in a terminal status (SUCCEEDED, FAILED, CANCELED).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from assetfake.domain.errors import DomainError
from assetfake.domain.status import TERMINAL
from assetfake.domain.world import World
from assetfake.expectations import ObservesExpect
from assetfake.http.journal import JournalEntry
from assetfake.operations import CREATE_BACKFILL, TRIGGER_MATERIALIZATION
from assetfake.verify.evidence import MAX_LINES, lines, resources_of
from assetfake.verify.failure import Failure

_TERMINAL = frozenset(status.value for status in TERMINAL)


@dataclass(frozen=True, slots=True)
class _Made:
    noun: str  # "backfill" or "run"
    operation: str
    success: int
    verb: str  # "created", "triggered"


_KINDS = {
    "backfills": _Made(
        "backfill", CREATE_BACKFILL.operation_id, CREATE_BACKFILL.success, "created"
    ),
    "runs": _Made(
        "run",
        TRIGGER_MATERIALIZATION.operation_id,
        TRIGGER_MATERIALIZATION.success,
        "triggered",
    ),
}


def observes(
    label: str, spec: ObservesExpect, journal: Sequence[JournalEntry], world: World
) -> list[Failure]:
    kind = "backfills" if spec.backfills is not None else "runs"
    made = _KINDS[kind]
    created: dict[str, JournalEntry] = {}
    unnamed: list[JournalEntry] = []
    last_seen: dict[str, tuple[str, JournalEntry]] = {}
    for entry in journal:
        carried = resources_of(entry)
        if entry.operation == made.operation and entry.status == made.success:
            if not carried:
                unnamed.append(entry)
            for resource_id, _ in carried[:1]:
                created.setdefault(resource_id, entry)
        for resource_id, status in carried:
            known = last_seen.get(resource_id)
            if known is None or known[0] not in _TERMINAL:  # keep the first terminal sighting
                last_seen[resource_id] = (status, entry)
    failures = []
    if unnamed:
        failures.append(
            Failure(
                label,
                f"{len(unnamed)} {made.operation} answer(s) with {made.success} name no "
                f"{made.noun}: the journal cannot tell which {kind} the client {made.verb}",
                lines(unnamed),
            )
        )
    missed = [rid for rid in created if last_seen.get(rid, ("", None))[0] not in _TERMINAL]
    if missed:
        failures.append(_missed(label, made, missed, created, last_seen, world))
    return failures


def _missed(
    label: str,
    made: _Made,
    missed: list[str],
    created: dict[str, JournalEntry],
    last_seen: dict[str, tuple[str, JournalEntry]],
    world: World,
) -> Failure:
    told = []
    shown: list[JournalEntry] = []
    for rid in missed[:MAX_LINES]:
        status, entry = last_seen.get(rid, ("", created[rid]))
        told.append(f"{rid} last seen {status or 'never'} ({entry.request_id})")
        shown.extend({id(e): e for e in (created[rid], entry)}.values())
    shown.sort(key=lambda e: (e.clock_time, e.request_id))
    more = f" (and {len(missed) - MAX_LINES} more)" if len(missed) > MAX_LINES else ""
    return Failure(
        label,
        f"{len(missed)} of the {len(created)} {made.noun}(s) the client {made.verb} were never "
        f"read back in a terminal status: {'; '.join(told)}{more}",
        lines(shown, 2 * MAX_LINES),
        [f"{rid} {_final_status(world, made, rid, created[rid].asset)}" for rid in missed],
    )


def _final_status(world: World, made: _Made, resource_id: str, asset: str | None) -> str:
    """The resource's status in the final state (what the client could have seen)."""
    try:
        if made.noun == "run":
            return world.run(resource_id).status.value
        if asset is not None:
            return world.get_backfill(asset, resource_id).status.value
    except DomainError:
        pass
    return "gone"
