"""Timing primitives shared by the benchmarks: a per-call cost, repetitions and their median."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence


def per_call_us(fn: Callable[[], object], repeat: int, rounds: int = 5) -> float:
    """The best of ``rounds`` averages of ``repeat`` calls, in microseconds (the best filters
    out the other processes of a shared machine)."""
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(repeat):
            fn()
        best = min(best, (time.perf_counter() - start) / repeat)
    return best * 1e6


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


def paired(
    measure_a: Callable[[], float], measure_b: Callable[[], float], reps: int
) -> tuple[float, float, float]:
    """Interleave ``reps`` measurements of two sides (a, b, a, b, ...) so that both see the
    same machine; returns the median of a, the median of b and the median of a/b per pair."""
    a_values: list[float] = []
    b_values: list[float] = []
    for _ in range(reps):
        a_values.append(measure_a())
        b_values.append(measure_b())
    ratios = [a / b for a, b in zip(a_values, b_values, strict=True) if b]
    return median(a_values), median(b_values), median(ratios) if ratios else float("nan")


def percentile(sorted_values: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile of already sorted values."""
    if not sorted_values:
        return float("nan")
    rank = min(len(sorted_values) - 1, max(0, round(fraction * len(sorted_values)) - 1))
    return sorted_values[rank]
