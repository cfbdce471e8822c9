"""Timing primitives shared by the benchmarks: a per-call cost, repetitions and their median.

In-process costs read :func:`clock`: wall time by default, or this process's CPU time after
:func:`use_cpu_time` (``--cpu-time``: steadier on a machine shared with other work; loads and
start-up always read wall time, as a client waits it).
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable, Sequence

#: Set in the environment, so that probes in subprocesses read the same clock.
CPU_TIME_VARIABLE = "ASSETFAKE_BENCH_CPU_TIME"


def use_cpu_time() -> None:
    os.environ[CPU_TIME_VARIABLE] = "1"


def cpu_time() -> bool:
    return os.environ.get(CPU_TIME_VARIABLE) == "1"


def clock() -> float:
    """Seconds, for in-process costs: wall time, or CPU time (see :func:`use_cpu_time`)."""
    return time.process_time() if cpu_time() else time.perf_counter()


def per_call_us(fn: Callable[[], object], repeat: int, rounds: int = 5) -> float:
    """The best of ``rounds`` averages of ``repeat`` calls, in microseconds (the best filters
    out the other processes of a shared machine)."""
    best = float("inf")
    for _ in range(rounds):
        start = clock()
        for _ in range(repeat):
            fn()
        best = min(best, (clock() - start) / repeat)
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
