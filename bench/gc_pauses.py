"""What the cycle collector costs a fake under load: collections by generation, their total
and longest pause, over ``--requests`` in-process POSTs (the B workload), what the server built
first frozen as ``assetfake serve`` freezes it.

    python bench/gc_pauses.py [--requests 100000]
"""

from __future__ import annotations

import argparse
import gc
import sys
import time

from assetfake import AssetFake
from assetfake.http.exchange import ApiRequest, ConnectionState

TRIGGER = ApiRequest(
    method="POST",
    raw_path="/assets/customers/materialize",
    query="",
    headers={"host": "x", "content-type": "application/json", "content-length": "2"},
    body=b"{}",
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=100_000)
    args = parser.parse_args(argv)
    app = AssetFake().app
    gc.collect()
    gc.freeze()
    pauses: dict[int, list[float]] = {0: [], 1: [], 2: []}
    began = [0.0]

    def timed(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            began[0] = time.perf_counter()
        else:
            pauses[info["generation"]].append(time.perf_counter() - began[0])

    connection = ConnectionState()
    gc.callbacks.append(timed)
    start = time.process_time()
    try:
        for _ in range(args.requests):
            app.respond(TRIGGER, connection)
    finally:
        gc.callbacks.remove(timed)
    spent = time.process_time() - start
    print("| generation | collections | total ms | longest ms |")
    print("|---|--:|--:|--:|")
    for generation, times in pauses.items():
        longest = max(times, default=0.0) * 1e3
        print(f"| {generation} | {len(times)} | {sum(times) * 1e3:.0f} | {longest:.1f} |")
    each = spent / args.requests * 1e6
    print(f"\n{args.requests:,} POSTs in {spent:.2f} s of CPU ({each:.1f} µs each)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
