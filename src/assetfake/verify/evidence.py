"""What a report quotes: journal entries as lines, and the resources a response carried."""

from __future__ import annotations

from collections.abc import Sequence

from assetfake.http.journal import JournalEntry

#: How many journal lines (and resources) one failure quotes at most.
MAX_LINES = 8

#: Resource pairs as the journal keeps them: (id, status) of each resource a response carried.
Resources = tuple[tuple[str, str], ...]


def line(entry: JournalEntry) -> str:
    """One journal entry as a report line."""
    moment = entry.clock_time.strftime("%H:%M:%S.") + f"{entry.clock_time.microsecond // 1000:03d}"
    query = f"?{entry.query}" if entry.query else ""
    if entry.aborted:
        status = "aborted (the request never arrived whole)"
    elif entry.network is not None:
        status = f"{entry.status or 'no response'} ({entry.network})"
    else:
        status = str(entry.status or "no response")
    fault = f"  [fault {entry.fault}]" if entry.fault else ""
    retry = f"  Retry-After: {entry.retry_after:g}" if entry.retry_after is not None else ""
    carried = resources_of(entry)
    ids = "  " + ", ".join(f"{i} {s}".rstrip() for i, s in carried[:3]) if carried else ""
    more = f" (+{len(carried) - 3})" if len(carried) > 3 else ""
    return (
        f"{moment}  {entry.request_id}  {entry.method} {entry.path}{query} -> {status}"
        f"{retry}{fault}{ids}{more}"
    )


def lines(entries: Sequence[JournalEntry], limit: int = MAX_LINES) -> list[str]:
    """The entries as lines; past ``limit``, the first and the last ones around a gap line."""
    if len(entries) <= limit:
        return [line(e) for e in entries]
    head, tail = limit // 2, limit - limit // 2
    skipped = len(entries) - head - tail
    return [
        *(line(e) for e in entries[:head]),
        f"... {skipped} more ...",
        *(line(e) for e in entries[-tail:]),
    ]


def resources_of(entry: JournalEntry) -> Resources:
    """The (id, status) pairs the response carried, when the client got it whole: what the
    client could read. Empty for a failure or a broken body."""
    if not entry.succeeded:
        return ()
    return entry.resources
