"""Whether a client waits before it retries: ``honors_retry_after`` and ``backoff``.

Both judge the time the client really waited between two identical attempts. On the manual
clock that is the fake's clock (``clock_time`` gaps: the client waits by sleeping on it). On a
realtime clock, at any speed, it is the wall clock (``wall_time`` gaps, less the real delay a
fault put before the first answer): a sped-up clock shows many fake seconds for one real one,
and judging those would let a client that ignores ``Retry-After`` pass.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from assetfake.domain.clock import ClockMode
from assetfake.http.journal import JournalEntry
from assetfake.verify.evidence import line, lines
from assetfake.verify.failure import Failure
from assetfake.verify.retrying import Identity, transient, what_was_met

#: How much a realtime gap may fall short of a wait and still count (timer granularity; a
#: journal gap measures from before one answer left to after the next request arrived, so it
#: only ever overstates the client's wait).
REALTIME_SLACK = 0.005
#: How much a realtime gap may be shorter than the one before it and not count as shrinking:
#: the larger of these seconds and this fraction of the gap before (measurement noise).
REALTIME_SHRINK_SECONDS = 0.05
REALTIME_SHRINK_FRACTION = 0.1
#: The manual clock counts whole milliseconds: a wait of 0.3333 s shows as 333 ms.
MANUAL_SLACK = 0.001


@dataclass(frozen=True, slots=True)
class Waits:
    """How long a client waited between two of its requests, on the clock that tells."""

    mode: ClockMode
    speed: float = 1.0

    def seconds(self, before: JournalEntry, after: JournalEntry) -> float:
        if self.mode == "manual":
            return (after.clock_time - before.clock_time).total_seconds()
        delayed = before.delay_seconds
        return max(0.0, after.wall_time - before.wall_time - delayed)

    def short_of(self, waited: float, wanted: float) -> bool:
        """Whether ``waited`` falls short of ``wanted``."""
        slack = MANUAL_SLACK if self.mode == "manual" else REALTIME_SLACK
        return waited < wanted - slack

    def shrank(self, gap: float, before: float) -> bool:
        if self.mode == "manual":
            return gap < before - MANUAL_SLACK
        return gap < before - max(REALTIME_SHRINK_SECONDS, REALTIME_SHRINK_FRACTION * before)

    def told(self, before: JournalEntry, after: JournalEntry) -> tuple[str, str]:
        """The wait as a report states it, and the clock it was read on."""
        waited = self.seconds(before, after)
        if self.mode == "manual":
            return f"{waited:g} s", "on the fake's manual clock"
        fake = (after.clock_time - before.clock_time).total_seconds()
        return (
            f"{waited:.3g} s",
            f"of wall-clock time; the realtime clock at speed {self.speed:g} moved {fake:.3g} s",
        )


def honors_retry_after(label: str, journal: Sequence[JournalEntry], waits: Waits) -> list[Failure]:
    failures = []
    waiting: dict[Identity, JournalEntry] = {}
    for entry in journal:
        key = entry.identity()
        told = waiting.pop(key, None)
        if (
            told is not None
            and told.retry_after is not None
            and waits.short_of(waits.seconds(told, entry), told.retry_after)
        ):
            waited, clock = waits.told(told, entry)
            failures.append(
                Failure(
                    label,
                    f"{entry.method} {entry.path} was sent again {waited} after a response "
                    f"that said Retry-After: {told.retry_after:g} ({clock})",
                    [line(told), line(entry)],
                )
            )
        if entry.retry_after is not None:
            waiting[key] = entry
    return failures


def backoff(
    label: str, least: float, journal: Sequence[JournalEntry], waits: Waits
) -> list[Failure]:
    """After a transient failure the identical attempt waits ``least`` seconds (or what the
    failure's ``Retry-After`` said), and within one retry chain the waits never shrink."""
    failures = []
    last: dict[Identity, JournalEntry] = {}
    chains: dict[Identity, list[JournalEntry]] = {}
    reference: dict[Identity, float] = {}  # the chain's last wait not set by a Retry-After
    reported: set[str] = set()  # the chains reported, by their first request's id
    for entry in journal:
        key = entry.identity()
        before = last.get(key)
        last[key] = entry
        if before is None or not transient(before):
            chains[key] = [entry]
            reference.pop(key, None)
            continue
        chain = chains[key]
        chain.append(entry)
        problem = _backoff_problem(before, entry, least, reference.get(key), waits)
        if before.retry_after is None:
            reference[key] = waits.seconds(before, entry)
        if problem is not None and chain[0].request_id not in reported:
            reported.add(chain[0].request_id)
            message = f"{entry.method} {entry.path} was sent again {problem}"
            failures.append(Failure(label, message, lines(chain)))
    return failures


def _backoff_problem(
    before: JournalEntry, entry: JournalEntry, least: float, previous: float | None, waits: Waits
) -> str | None:
    """What is wrong with the wait between ``before`` (a transient failure) and ``entry``."""
    gap = waits.seconds(before, entry)
    waited, clock = waits.told(before, entry)
    if before.retry_after is not None:
        if waits.short_of(gap, before.retry_after):
            return (
                f"{waited} after a response that said Retry-After: {before.retry_after:g} ({clock})"
            )
        return None
    if waits.short_of(gap, least):
        return (
            f"{waited} after {what_was_met(before)} ({clock}); a back-off waits at least "
            f"{least:g} s"
        )
    if previous is not None and waits.shrank(gap, previous):
        return (
            f"{waited} after {what_was_met(before)} ({clock}): the wait shrank from "
            f"{previous:.3g} s"
        )
    return None
