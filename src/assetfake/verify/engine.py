"""Judging a scenario's ``expect`` entries against the journal and the final state.

Each failure names the expectation, says what was seen, and quotes the journal lines that show
it, so that the report alone tells a client's author what their client did wrong.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from assetfake.domain.status import RunStatus
from assetfake.domain.world import World
from assetfake.http.journal import JournalEntry
from assetfake.scenario.schema import CallsExpect, ExpectSpec, StateExpect
from assetfake.verify.failure import ExpectationFailed

MAX_LINES = 8


@dataclass(frozen=True, slots=True)
class Failure:
    expectation: str  # e.g. "expect[2] no_retry_on [401, 404]"
    message: str
    journal: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "expectation": self.expectation,
            "message": self.message,
            "journal": list(self.journal),
        }


def line(entry: JournalEntry) -> str:
    """One journal entry as a report line."""
    moment = entry.clock_time.strftime("%H:%M:%S.") + f"{entry.clock_time.microsecond // 1000:03d}"
    query = f"?{entry.query}" if entry.query else ""
    status = entry.status or "no response"
    fault = f"  [fault {entry.fault}]" if entry.fault else ""
    retry = f"  Retry-After: {entry.retry_after:g}" if entry.retry_after is not None else ""
    return (
        f"{moment}  {entry.request_id}  {entry.method} {entry.path}{query} -> {status}"
        f"{retry}{fault}"
    )


def verify(
    expectations: Iterable[object], journal: Sequence[JournalEntry], world: World
) -> list[Failure]:
    """Every failed expectation (scenario ``expect`` entries); empty when all hold."""
    failures: list[Failure] = []
    for index, spec in enumerate(expectations):
        if not isinstance(spec, ExpectSpec):
            raise TypeError(f"not an expectation: {spec!r}")
        label = f"expect[{index}] {spec.kind}"
        if spec.calls is not None:
            failures.extend(_calls(label, spec.calls, journal))
        elif spec.honors_retry_after:
            failures.extend(_honors_retry_after(label, journal))
        elif spec.no_retry_on is not None:
            codes = spec.no_retry_on
            failures.extend(_no_retry_on(f"{label} {list(codes)}", set(codes), journal))
        elif spec.retries_on is not None:
            codes = spec.retries_on
            failures.extend(_retries_on(f"{label} {list(codes)}", set(codes), journal))
        elif spec.state is not None:
            failures.extend(_state(label, spec.state, world))
    return failures


def report(failures: Sequence[Failure]) -> str:
    if not failures:
        return "all expectations hold"
    parts = [f"{len(failures)} expectation(s) failed:"]
    for failure in failures:
        parts.append(f"\n{failure.expectation}: {failure.message}")
        parts.extend(f"    {text}" for text in failure.journal)
    return "\n".join(parts)


def check(expectations: Iterable[object], journal: Sequence[JournalEntry], world: World) -> None:
    """Raise :class:`ExpectationFailed` with the report when an expectation fails."""
    failures = verify(expectations, journal, world)
    if failures:
        raise ExpectationFailed(report(failures), failures)


def _unmet(n: int, exactly: int | None, least: int | None, most: int | None) -> list[str]:
    """The count bounds that ``n`` breaks, as words (empty: all hold)."""
    wanted = []
    if exactly is not None and n != exactly:
        wanted.append(f"exactly {exactly}")
    if least is not None and n < least:
        wanted.append(f"at least {least}")
    if most is not None and n > most:
        wanted.append(f"at most {most}")
    return wanted


def _calls(label: str, spec: CallsExpect, journal: Sequence[JournalEntry]) -> list[Failure]:
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
    wanted = _unmet(n, spec.exactly, spec.min, spec.max)
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
    return [
        Failure(
            label,
            f"expected {' and '.join(wanted)} {what} requests, saw {n}",
            [line(e) for e in seen[:MAX_LINES]],
        )
    ]


def _honors_retry_after(label: str, journal: Sequence[JournalEntry]) -> list[Failure]:
    failures = []
    waiting: dict[tuple[object, ...], JournalEntry] = {}
    for entry in journal:
        key = entry.identity()
        told = waiting.pop(key, None)
        if told is not None and told.retry_after is not None:
            waited = (entry.clock_time - told.clock_time).total_seconds()
            if waited < told.retry_after:
                failures.append(
                    Failure(
                        label,
                        f"{entry.method} {entry.path} was sent again {waited:g} s after a "
                        f"response that said Retry-After: {told.retry_after:g}",
                        [line(told), line(entry)],
                    )
                )
        if entry.retry_after is not None:
            waiting[key] = entry
    return failures


def _no_retry_on(label: str, codes: set[int], journal: Sequence[JournalEntry]) -> list[Failure]:
    failures = []
    refused: dict[tuple[object, ...], JournalEntry] = {}
    reported: set[tuple[object, ...]] = set()
    for entry in journal:
        key = entry.identity()
        first = refused.get(key)
        if first is not None and key not in reported:
            reported.add(key)
            failures.append(
                Failure(
                    label,
                    f"{entry.method} {entry.path} got {first.status}, which retrying cannot fix, "
                    "and was sent again unchanged",
                    [line(first), line(entry)],
                )
            )
        if entry.status in codes and key not in refused:
            refused[key] = entry
    return failures


def _retries_on(label: str, codes: set[int], journal: Sequence[JournalEntry]) -> list[Failure]:
    later: dict[tuple[object, ...], list[int]] = defaultdict(list)
    entries = list(journal)
    for index, entry in enumerate(entries):
        later[entry.identity()].append(index)
    failures = []
    handled: set[tuple[object, ...]] = set()
    for index, entry in enumerate(entries):
        key = entry.identity()
        if entry.status not in codes or key in handled:
            continue
        handled.add(key)
        after = [entries[i] for i in later[key] if i > index]
        if not after:
            failures.append(
                Failure(
                    label,
                    f"{entry.method} {entry.path} got {entry.status}, a transient failure, "
                    "and was never retried",
                    [line(entry)],
                )
            )
        elif not any(e.succeeded for e in after):
            failures.append(
                Failure(
                    label,
                    f"{entry.method} {entry.path} got {entry.status} and was retried "
                    f"{len(after)} time(s) without ever succeeding",
                    [line(e) for e in [entry, *after][:MAX_LINES]],
                )
            )
    return failures


def _state(label: str, spec: StateExpect, world: World) -> list[Failure]:
    for kind in ("runs", "backfills", "materializations"):
        count_spec = getattr(spec, kind)
        if count_spec is not None:
            break
    else:
        return []
    status = None if count_spec.status is None else RunStatus(count_spec.status)
    n = world.count(kind, count_spec.asset, status)  # from the indexes: O(assets)
    wanted = _unmet(n, count_spec.count, count_spec.min, count_spec.max)
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
    return [Failure(label, f"expected {' and '.join(wanted)} {what} in the final state, found {n}")]
