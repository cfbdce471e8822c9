"""The modes of bench/run.py: how many repetitions, how long each load, how big each probe."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Mode:
    name: str
    reps: int
    load_seconds: float
    warmup: float
    connections: int
    tail_seconds: float  # the p99/p50 load; 0: read the B repetitions instead
    requests: int  # per in-process repetition
    small_runs: int
    big_runs: int
    probe_repeat: int
    partitions: tuple[int, int]  # backfill: baseline, target


MODES = {
    "full": Mode("full", 5, 5.0, 0.5, 32, 60.0, 2000, 1_000, 1_000_000, 200, (1_000, 10_000)),
    "quick": Mode("quick", 3, 0.8, 0.2, 32, 0.0, 1000, 1_000, 100_000, 100, (1_000, 10_000)),
    "smoke": Mode("smoke", 1, 0.3, 0.1, 4, 0.0, 100, 1_000, 10_000, 10, (100, 1_000)),
}
