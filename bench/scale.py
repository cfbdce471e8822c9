"""Costs against the size of the stored state.

A *probe* runs in a fresh process (``python bench/scale.py --small 1000 --big 1000000``, JSON
on stdout) so that its RSS deltas are the worlds' alone: bytes per stored history run (with its
materialization), time to load the generated runs, then a page's cost, reset and namespace
creation at both sizes, interleaved. The backfill
measure (a backfill of every partition, run to idle) runs in the caller's process.
"""

from __future__ import annotations

import argparse
import gc
import itertools
import json
import os
import subprocess
import sys
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

from assetfake import AssetFake
from assetfake.domain.status import RunStatus
from timing import clock, paired, per_call_us

HERE = Path(__file__).resolve()
PAGE = "/assets/big/runs?max_results=20"


def history_scenario(runs: int) -> dict[str, object]:
    """large-history's shape: one unpartitioned asset, ``runs`` runs over 30 days, 1% FAILED
    (the rest SUCCEEDED, each with its materialization)."""
    generate = [{"asset": "big", "runs": runs, "succeeded_ratio": 0.99, "spread_seconds": 2592000}]
    return {
        "version": 1,
        "name": f"scale-{runs}",
        "clock": {"start": "2024-06-01T00:00:00Z", "mode": "manual"},
        "assets": [{"key": "big", "run": {"running_seconds": 5}}],
        "history": {"generate": generate if runs else []},
    }


def _rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _loaded(runs: int) -> tuple[AssetFake, float, float]:
    """A fake with ``runs`` generated runs, the seconds it took and its RSS per run."""
    gc.collect()
    before = _rss_bytes()
    start = clock()
    fake = AssetFake(history_scenario(runs))
    load_s = clock() - start
    gc.collect()
    return fake, load_s, (_rss_bytes() - before) / runs


def _costs(fake: AssetFake, repeat: int, extended: bool) -> dict[str, Callable[[], float]]:
    """One repetition of each cost, in µs per call (``extended``: the domain's own lists and
    the lifecycle's advance too)."""
    world = fake.world
    token = None
    for _ in range(min(50, world.count("runs") // 40)):  # a page in the middle of a walk
        token = world.list_runs("big", max_results=20, page_token=token).next_page_token
    deep_path = PAGE if token is None else f"{PAGE}&page_token={token}"
    names = (f"bench{i}" for i in itertools.count())
    client = fake.client()
    costs = {
        "first_page_us": lambda: per_call_us(lambda: client.get(PAGE), repeat, rounds=1),
        "deep_page_us": lambda: per_call_us(lambda: client.get(deep_path), repeat, rounds=1),
        "reset_us": lambda: per_call_us(fake.reset, repeat, rounds=1),
        "namespace_us": lambda: per_call_us(
            lambda: fake.namespaces.get(next(names)), repeat, rounds=1
        ),
    }
    if extended:
        costs.update(_domain_costs(fake, repeat))
    return costs


def _domain_costs(fake: AssetFake, repeat: int) -> dict[str, Callable[[], float]]:
    def advance() -> None:  # 100 triggers due, whatever is stored
        fake.reset()
        for _ in range(100):
            fake.world.trigger("big")
        fake.clock.advance(60)

    def page_of(status: RunStatus | None) -> Callable[[], float]:
        return lambda: per_call_us(
            lambda: fake.world.list_runs("big", status, max_results=100), repeat, rounds=1
        )

    return {
        "domain_page_100_us": page_of(None),
        "domain_failed_page_100_us": page_of(RunStatus.FAILED),
        "domain_materializations_100_us": lambda: per_call_us(
            lambda: fake.world.list_materializations("big", max_results=100), repeat, rounds=1
        ),
        "triggers_100_and_advance_us": lambda: per_call_us(advance, max(1, repeat // 40), 1),
    }


def probe(
    small_runs: int, big_runs: int, repeat: int, reps: int, extended: bool = False
) -> dict[str, float]:
    """Measured in this process, which must be fresh: load and RSS of each size, then each
    cost at both sizes, interleaved, ``reps`` times (medians, and the median ratio)."""
    warm = AssetFake(history_scenario(10))  # imports and first-use caches, out of the deltas
    with warm.client() as client:
        client.get(PAGE)
    small, small_load, small_rss = _loaded(small_runs)
    big, big_load, big_rss = _loaded(big_runs)
    out = {
        "small_load_s": small_load,
        "big_load_s": big_load,
        "small_bytes_per_run": small_rss,
        "big_bytes_per_run": big_rss,
    }
    small_costs, big_costs = _costs(small, repeat, extended), _costs(big, repeat, extended)
    for name, small_cost in small_costs.items():
        big_us, small_us, ratio = paired(big_costs[name], small_cost, reps)
        out.update({f"big_{name}": big_us, f"small_{name}": small_us, f"ratio_{name}": ratio})
    return out


def run_probe(
    small_runs: int, big_runs: int, repeat: int, reps: int, extended: bool = False
) -> dict[str, float]:
    """:func:`probe` in a fresh interpreter."""
    sizes = ["--small", str(small_runs), "--big", str(big_runs)]
    more = ["--extended"] if extended else []
    out = subprocess.run(
        [sys.executable, str(HERE), *sizes, "--repeat", str(repeat), "--reps", str(reps), *more],
        check=True,
        capture_output=True,
        text=True,
        timeout=600,
    )
    result: dict[str, float] = json.loads(out.stdout)
    return result


def backfill_scenario(partitions: int) -> dict[str, object]:
    first = date(1990, 1, 1)
    last = first + timedelta(days=partitions - 1)
    daily = {"start": first.isoformat(), "end": last.isoformat()}
    return {
        "version": 1,
        "name": f"backfill-{partitions}",
        "clock": {"start": "2024-06-01T00:00:00Z", "mode": "manual"},
        "assets": [{"key": "parts", "partitions": {"daily": daily}}],
    }


def backfill_to_idle_s(partitions: int, reps: int) -> list[float]:
    """Seconds to create a backfill of every partition and run it to idle (over HTTP
    in-process, then the manual clock), once per repetition."""
    fake = AssetFake(backfill_scenario(partitions))
    times: list[float] = []
    with fake.client() as client:
        for _ in range(reps):
            fake.reset()
            start = clock()
            created = client.post("/assets/parts/backfills", json={"all_partitions": True})
            fake.run_until_idle()
            times.append(clock() - start)
            if created.status_code != 201:
                raise RuntimeError(f"backfill answered {created.status_code}")
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--small", type=int, default=1_000, help="generated runs, baseline")
    parser.add_argument("--big", type=int, default=1_000_000, help="generated runs")
    parser.add_argument("--repeat", type=int, default=200, help="calls per repetition")
    parser.add_argument("--reps", type=int, default=5, help="repetitions")
    parser.add_argument("--extended", action="store_true", help="the domain's costs too")
    args = parser.parse_args()
    print(json.dumps(probe(args.small, args.big, args.repeat, args.reps, args.extended)))


if __name__ == "__main__":
    main()
