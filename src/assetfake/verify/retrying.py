"""Whether a client retries what it should, never what it should not, and not without bound.

Two requests are the same request when :meth:`JournalEntry.identity` says so (method, raw path,
query, body and credential). A retry expectation names what it reacts to by status (``500``) or
by the network failure the client met (``reset``, ``malformed``, ...).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence

from assetfake.http.journal import JournalEntry
from assetfake.verify.evidence import MAX_LINES, line, lines
from assetfake.verify.failure import Failure

Identity = tuple[object, ...]


def met(entry: JournalEntry, triggers: Collection[int | str]) -> bool:
    """Whether the client met one of ``triggers``: a status, or the network failure named."""
    if entry.network is not None:
        return entry.network in triggers
    return not entry.aborted and entry.status in triggers


def transient(entry: JournalEntry) -> bool:
    """A failure to back off from: a 429, a 5xx, or a network failure (a malformed 200
    included) — except ``close_after``: a request sent on a kept-alive connection the server
    had closed is retried at once on a new one by every HTTP stack, and the server is fine."""
    if entry.network is not None:
        return entry.network != "close_after"
    return entry.status == 429 or 500 <= entry.status < 600


def what_was_met(entry: JournalEntry) -> str:
    """The answer as a report says it: ``500``, ``a reset network failure``, ..."""
    if entry.aborted:
        return "nothing (the request never arrived whole)"
    if entry.network == "malformed":
        return "a malformed 200 (a body that does not parse)"
    if entry.network is not None:
        return f"a {entry.network} network failure"
    return str(entry.status)


def no_retry_on(
    label: str, triggers: Collection[int | str], journal: Sequence[JournalEntry]
) -> list[Failure]:
    failures = []
    refused: dict[Identity, JournalEntry] = {}
    reported: set[Identity] = set()
    for entry in journal:
        key = entry.identity()
        first = refused.get(key)
        if first is not None and key not in reported:
            reported.add(key)
            failures.append(
                Failure(
                    label,
                    f"{entry.method} {entry.path} got {what_was_met(first)}, which retrying "
                    "cannot fix, and was sent again unchanged",
                    [line(first), line(entry)],
                )
            )
        if met(entry, triggers) and key not in refused:
            refused[key] = entry
    return failures


def retries_on(
    label: str, triggers: Collection[int | str], journal: Sequence[JournalEntry]
) -> list[Failure]:
    later: dict[Identity, list[int]] = defaultdict(list)
    entries = list(journal)
    for index, entry in enumerate(entries):
        later[entry.identity()].append(index)
    failures = []
    handled: set[Identity] = set()
    for index, entry in enumerate(entries):
        key = entry.identity()
        if not met(entry, triggers) or key in handled:
            continue
        handled.add(key)
        after = [entries[i] for i in later[key] if i > index]
        if not after:
            failures.append(
                Failure(
                    label,
                    f"{entry.method} {entry.path} got {what_was_met(entry)}, a transient "
                    "failure, and was never retried",
                    [line(entry)],
                )
            )
        elif not any(e.succeeded for e in after):
            failures.append(
                Failure(
                    label,
                    f"{entry.method} {entry.path} got {what_was_met(entry)} and was retried "
                    f"{len(after)} time(s) without ever succeeding",
                    lines([entry, *after]),
                )
            )
    return failures


def max_attempts(label: str, most: int, journal: Sequence[JournalEntry]) -> list[Failure]:
    """No request sent more than ``most`` times in a row: the attempts of one request since
    its last success (other requests in between do not break the row, so interleaving cannot
    hide an unbounded retry loop)."""
    streaks: dict[Identity, list[JournalEntry]] = defaultdict(list)
    over: dict[Identity, list[JournalEntry]] = {}
    for entry in journal:
        key = entry.identity()
        streak = streaks[key]
        streak.append(entry)
        if len(streak) > most and key not in over:
            over[key] = streak  # keeps growing while the row goes on
        if entry.succeeded:
            streaks[key] = []
    failures = []
    for streak in over.values():
        first = streak[0]
        failures.append(
            Failure(
                label,
                f"{first.method} {first.path} was sent {len(streak)} times in a row without "
                f"success (at most {most} allowed); the last answer: {what_was_met(streak[-1])}",
                lines(streak, MAX_LINES),
            )
        )
    return failures
