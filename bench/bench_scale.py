"""Does a page cost the same with 1,000,000 stored runs as with 1,000? Does an advance cost
what is due, and a reset/namespace what is live? Prints ratios against the small baseline,
measured in the same run (one fresh process holds both worlds; costs interleaved).

    python bench/bench_scale.py            # 1k vs 1M stored runs
    python bench/bench_scale.py --big 100000

bench/run.py reads the same probe (bench/scale.py) for issue 11's table.
"""

from __future__ import annotations

import argparse

from scale import run_probe


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--big", type=int, default=1_000_000)
    parser.add_argument("--reps", type=int, default=5)
    args = parser.parse_args()
    got = run_probe(args.small, args.big, repeat=200, reps=args.reps, extended=True)
    names = [key[len("ratio_") :] for key in got if key.startswith("ratio_")]
    width = max(map(len, names))
    print(f"{'operation':<{width}}  {args.small:>12,} runs  {args.big:>12,} runs   ratio")
    for name in names:
        small, big, ratio = got[f"small_{name}"], got[f"big_{name}"], got[f"ratio_{name}"]
        print(f"{name:<{width}}  {small:>12.1f} µs  {big:>12.1f} µs  {ratio:>6.2f}x")
    for size in ("small", "big"):
        runs = args.small if size == "small" else args.big
        print(
            f"{runs:,} runs: loaded in {got[f'{size}_load_s']:.3f} s, "
            f"{got[f'{size}_bytes_per_run']:,.0f} B of RSS per run"
        )


if __name__ == "__main__":
    main()
