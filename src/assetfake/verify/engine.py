"""Judging a scenario's ``expect`` entries against the journal and the final state.

Each failure names the expectation, says what was seen, names the resources involved and quotes
the journal lines that show it, so that the report alone tells a client's author what their
client did wrong. ``outcome`` is not judged here: it is the whole-library runner's (whether the
test body finished or raised the client's error), so :func:`verify` passes over it.

The time-based entries (``honors_retry_after``, ``backoff``) read the clock mode: the manual
clock's gaps on a manual clock, the wall clock's on a realtime clock at any speed
(:mod:`assetfake.verify.waiting`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from assetfake.domain.clock import ClockMode
from assetfake.domain.world import World
from assetfake.expectations import ExpectSpec
from assetfake.http.journal import JournalEntry
from assetfake.verify import counting, observing, retrying, waiting
from assetfake.verify.evidence import MAX_LINES, line
from assetfake.verify.failure import ExpectationFailed, Failure

__all__ = ["MAX_LINES", "Failure", "check", "line", "report", "verify"]


def verify(
    expectations: Iterable[object],
    journal: Sequence[JournalEntry],
    world: World,
    clock_mode: ClockMode | None = None,
) -> list[Failure]:
    """Every failed expectation (scenario ``expect`` entries); empty when all hold.
    ``clock_mode`` says which clock the time-based entries read (default: the world's)."""
    mode = world.clock.mode if clock_mode is None else clock_mode
    waits = waiting.Waits(mode, world.clock.speed)
    failures: list[Failure] = []
    for index, spec in enumerate(expectations):
        if not isinstance(spec, ExpectSpec):
            raise TypeError(f"not an expectation: {spec!r}")
        failures.extend(_judge(f"expect[{index}] {spec.kind}", spec, journal, world, waits))
    return failures


def _judge(
    label: str,
    spec: ExpectSpec,
    journal: Sequence[JournalEntry],
    world: World,
    waits: waiting.Waits,
) -> list[Failure]:
    if spec.calls is not None:
        return counting.calls(label, spec.calls, journal)
    if spec.honors_retry_after:
        return waiting.honors_retry_after(label, journal, waits)
    if spec.no_retry_on is not None:
        codes = spec.no_retry_on
        return retrying.no_retry_on(f"{label} {_listed(codes)}", set(codes), journal)
    if spec.retries_on is not None:
        codes = spec.retries_on
        return retrying.retries_on(f"{label} {_listed(codes)}", set(codes), journal)
    if spec.state is not None:
        return counting.state(label, spec.state, world, journal)
    if spec.max_attempts is not None:
        return retrying.max_attempts(f"{label} {spec.max_attempts}", spec.max_attempts, journal)
    if spec.backoff is not None:
        least = spec.backoff.min_seconds
        return waiting.backoff(f"{label} min_seconds {least:g}", least, journal, waits)
    if spec.observes is not None:
        return observing.observes(label, spec.observes, journal, world)
    return []  # outcome: judged by the whole-library runner


def _listed(codes: Sequence[int | str]) -> str:
    return "[" + ", ".join(str(code) for code in codes) + "]"


def report(failures: Sequence[Failure]) -> str:
    if not failures:
        return "all expectations hold"
    parts = [f"{len(failures)} expectation(s) failed:"]
    for failure in failures:
        parts.append(f"\n{failure.expectation}: {failure.message}")
        if failure.resources:
            parts.append("  resources: " + ", ".join(failure.resources))
        parts.extend(f"    {text}" for text in failure.journal)
    return "\n".join(parts)


def check(
    expectations: Iterable[object],
    journal: Sequence[JournalEntry],
    world: World,
    clock_mode: ClockMode | None = None,
) -> None:
    """Raise :class:`ExpectationFailed` with the report when an expectation fails."""
    failures = verify(expectations, journal, world, clock_mode)
    if failures:
        raise ExpectationFailed(report(failures), failures)
