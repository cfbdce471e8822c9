"""Does a page cost the same with 1,000,000 stored runs as with 1,000? Does an advance cost
what is due, and a reset/namespace what is live? Prints ratios against the small baseline,
measured in the same run.

    python bench/bench_scale.py            # 1k vs 1M stored runs
    python bench/bench_scale.py --big 100000
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from assetfake import AssetFake
from assetfake.domain.status import RunStatus


def scenario(runs: int) -> dict[str, object]:
    return {
        "version": 1,
        "name": f"scale-{runs}",
        "assets": [
            {"key": "big", "run": {"running_seconds": 5}},
            {"key": "parts", "partitions": {"daily": {"start": "2024-01-01", "end": "2024-12-31"}}},
        ],
        "history": {"generate": [{"asset": "big", "runs": runs, "succeeded_ratio": 0.9}]},
    }


def per_call(fn: Callable[[], object], repeat: int) -> float:
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(repeat):
            fn()
        best = min(best, (time.perf_counter() - start) / repeat)
    return best * 1e6  # microseconds


def measure(runs: int) -> dict[str, float]:
    fake = AssetFake(scenario(runs))
    world = fake.world
    first = world.list_runs("big", max_results=100)
    middle_token = first.next_page_token
    for _ in range(min(50, runs // 200)):
        middle_token = world.list_runs(
            "big", max_results=100, page_token=middle_token
        ).next_page_token
    out = {
        "first page (100)": per_call(lambda: world.list_runs("big", max_results=100), 200),
        "deep page (100)": per_call(
            lambda: world.list_runs("big", max_results=100, page_token=middle_token), 200
        ),
        "FAILED filter page": per_call(
            lambda: world.list_runs("big", RunStatus.FAILED, max_results=100), 200
        ),
        "materializations page": per_call(
            lambda: world.list_materializations("big", max_results=100), 200
        ),
    }
    with fake.client() as client:
        out["HTTP page via client"] = per_call(
            lambda: client.get("/assets/big/runs?max_results=100"), 100
        )
    out["reset"] = per_call(fake.reset, 200)
    out["new namespace"] = per_call(lambda: fake.namespaces.template.new_world(), 200)

    # advance: 100 triggers due, whatever is stored
    def advance() -> None:
        fake.reset()
        for _ in range(100):
            world_now = fake.world
            world_now.trigger("big")
        fake.clock.advance(60)

    out["100 triggers + advance"] = per_call(advance, 5)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--big", type=int, default=1_000_000)
    args = parser.parse_args()
    small = measure(args.small)
    big = measure(args.big)
    name_w = max(map(len, small))
    print(f"{'operation':<{name_w}}  {args.small:>12,} runs  {args.big:>12,} runs   ratio")
    for name in small:
        print(
            f"{name:<{name_w}}  {small[name]:>12.1f} µs  {big[name]:>12.1f} µs  "
            f"{big[name] / small[name]:>6.2f}x"
        )


if __name__ == "__main__":
    main()
