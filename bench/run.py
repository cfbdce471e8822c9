"""Every target of issue 11, each beside its baseline measured in the same run.

    python bench/run.py                  # the full run (a few minutes)
    python bench/run.py --quick          # under a minute; 100,000 runs stand in for 1,000,000
    python bench/run.py --smoke          # seconds; checks the harness, not the fake
    python bench/run.py --write bench/RESULTS.md

Loopback only; every load is bounded in time. Servers run in subprocesses (pinned to one core
when there are two); the load generator is bench/load.py. Each figure is the median of several
repetitions; a ratio is the median of the ratios of interleaved pairs. Prints one markdown
table; writes a file only when ``--write`` is given.

The other fakes of target 1 (bench/other_fakes.py) are measured when they are installed, and
named as not measured otherwise:

    pip install -e ".[bench]"       # pytest-httpserver
    npm install --prefix bench      # Prism and Mountebank (bench/package.json; needs node, npm)
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import inprocess
import report
import scale
import servers
import timing
from bare_app import stack_label
from live import live_rows
from modes import MODES, Mode
from report import Row, count, micros, seconds
from timing import median, paired

TARGET_RUNS = 1_000_000


def _inprocess_rows(mode: Mode) -> list[Row]:
    clients = inprocess.InProcess(mode.requests)
    clients.fake_sync()  # warm every path once
    fake_a, bare_a, ratio_a = paired(clients.fake_async, clients.bare_async, mode.reps)
    fake_s, test_s, ratio_s = paired(clients.fake_sync, clients.testclient_sync, mode.reps)
    return [
        Row(
            "2a",
            "in-process page: `fake.async_client()` vs bare route, same httpx.ASGITransport",
            micros(fake_a),
            micros(bare_a),
            ratio_a,
            "x",
            1.3,
            at_most=True,
        ),
        Row(
            "2s",
            "in-process page: `fake.client()` vs Starlette `TestClient(fake.app)`",
            micros(fake_s),
            micros(test_s),
            ratio_s,
            "x",
            0.2,
            at_most=True,
        ),
    ]


def _scale_rows(mode: Mode) -> list[Row]:
    got = scale.run_probe(mode.small_runs, mode.big_runs, mode.probe_repeat, mode.reps)
    n, b = count(mode.small_runs), count(mode.big_runs)
    scaled = mode.big_runs != TARGET_RUNS
    rows = [
        Row(
            "4m",
            f"RSS per stored history run (with its materialization), {b} runs",
            f"{got['big_bytes_per_run']:,.0f} B",
            f"{got['small_bytes_per_run']:,.0f} B at {n} runs",
            got["big_bytes_per_run"],
            "B",
            400,
            at_most=True,
        ),
        Row(
            "4l",
            "load 1,000,000 generated runs",
            f"{seconds(got['big_load_s'])} for {b}",
            f"{seconds(got['small_load_s'])} for {n}",
            got["big_load_s"] * TARGET_RUNS / mode.big_runs,
            "s",
            1.0,
            at_most=True,
            note=f"extrapolated from {b}" if scaled else "",
        ),
    ]
    for what in ("first", "deep"):
        key = f"{what}_page_us"
        rows.append(
            Row(
                f"4p-{what}",
                f"{what} page of 20 via `fake.client()`, {b} vs {n} runs",
                micros(got[f"big_{key}"]),
                micros(got[f"small_{key}"]),
                got[f"ratio_{key}"],
                "x",
                1.1,
                at_most=True,
            )
        )
    for what in ("reset", "namespace"):
        key = f"{what}_us"
        rows.append(
            Row(
                f"4{what[0]}",
                f"{what} at {b} runs",
                micros(got[f"big_{key}"]),
                f"{micros(got[f'small_{key}'])} at {n}",
                got[f"big_{key}"] / 1000,
                "ms",
                1.0,
                at_most=True,
            )
        )
    return rows


def _backfill_rows(mode: Mode) -> list[Row]:
    few, many = mode.partitions
    small = median(scale.backfill_to_idle_s(few, mode.reps))
    big = median(scale.backfill_to_idle_s(many, mode.reps))
    linear = big / (small * many / few)
    return [
        Row(
            "6",
            f"backfill of {count(many)} partitions to idle",
            seconds(big),
            f"{seconds(small)} for {count(few)}",
            big * 10_000 / many,
            "s",
            0.25,
            at_most=True,
            note="" if many == 10_000 else f"scaled from {count(many)}",
        ),
        Row(
            "6l",
            f"backfill cost per partition, {count(many)} vs {count(few)}",
            micros(big / many * 1e6),
            micros(small / few * 1e6),
            linear,
            "x",
            1.2,
            at_most=True,
        ),
    ]


def measure(mode: Mode) -> tuple[list[Row], list[str]]:
    """Every row of the table, and the notes on the other fakes."""
    with tempfile.TemporaryDirectory(prefix="assetfake-bench-") as workdir:
        live = live_rows(mode, Path(workdir))
    rows = [*live.rows[:4], *_inprocess_rows(mode), *live.rows[4:5]]
    rows += [*_scale_rows(mode), *live.rows[5:], *_backfill_rows(mode)]
    return rows, _notes_text(live.notes)


def _notes_text(notes: list[str]) -> list[str]:
    return [
        "Other fakes beside assetfake (rows 1A-other, 1B-other; bench/other_fakes.py), each in its "
        "own process on the server's core, its per-request log off:",
        "",
        *(f"- {note}" for note in notes),
    ]


def _header(mode: Mode) -> list[str]:
    pinning = "server on core 0, load generator on core 1" if servers.can_pin() else "unpinned"
    return [
        f"- mode: {mode.name} ({mode.reps} repetitions, loads of {mode.load_seconds:g} s after "
        f"{mode.warmup:g} s warm-up, {mode.connections} keep-alive connections; {pinning})",
        f"- bare baseline: Starlette under {stack_label()}, access log off",
        "- assetfake: `assetfake serve` with stock settings (default scenario, realtime clock)",
        f"- in-process costs in {'CPU' if timing.cpu_time() else 'wall'} time; "
        "live loads and start-up in wall time",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    speed = parser.add_mutually_exclusive_group()
    speed.add_argument("--quick", action="store_true", help="under a minute")
    speed.add_argument("--smoke", action="store_true", help="seconds: the harness only")
    parser.add_argument("--write", type=Path, help="also write the table, machine and date here")
    parser.add_argument(
        "--cpu-time",
        action="store_true",
        help="in-process costs in CPU time (steadier on a busy machine; loads stay wall time)",
    )
    args = parser.parse_args(argv)
    if args.cpu_time:
        timing.use_cpu_time()
    mode = MODES["smoke" if args.smoke else "quick" if args.quick else "full"]
    rows, notes = measure(mode)
    text = report.table(rows)
    print("\n".join([*_header(mode), "", text, "", *notes]))
    if args.write is not None:
        lines = [
            "# Benchmark results (issue 11)",
            "",
            *report.machine(len(servers.CORES) or 1),
            *_header(mode),
        ]
        command = " ".join(["python bench/run.py", *(argv or sys.argv[1:])])
        lines += [f"- command: `{command}`", "", text, "", *notes, ""]
        args.write.write_text("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
