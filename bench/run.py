"""Every target of issue 11, each beside its baseline measured in the same run.

    python bench/run.py                  # the full run (a few minutes)
    python bench/run.py --quick          # under a minute; 100,000 runs stand in for 1,000,000
    python bench/run.py --smoke          # seconds; checks the harness, not the fake
    python bench/run.py --write bench/RESULTS.md

Loopback only; every load is bounded in time. Servers run in subprocesses (pinned to one core
when there are two); the load generator is bench/load.py. Each figure is the median of several
repetitions; a ratio is the median of the ratios of interleaved pairs. Prints one markdown
table; writes a file only when ``--write`` is given.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import inprocess
import load
import report
import scale
import servers
import timing
from assetfake import AssetFake
from bare_app import stack_label
from report import Row, count, micros, seconds
from timing import median, paired


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
    "quick": Mode("quick", 3, 1.5, 0.3, 32, 0.0, 1000, 1_000, 100_000, 100, (1_000, 10_000)),
    "smoke": Mode("smoke", 1, 0.3, 0.1, 4, 0.0, 100, 1_000, 10_000, 10, (100, 1_000)),
}
TARGET_RUNS = 1_000_000
TRIGGER = inprocess.TRIGGER_PATH
PAGE = inprocess.PAGE_PATH


def _live_rows(mode: Mode, workdir: Path) -> list[Row]:
    page, run = inprocess.reference_bodies(AssetFake())
    (workdir / "page.json").write_bytes(page)
    (workdir / "run.json").write_bytes(run)
    fake_cmd = servers.assetfake_command()
    bare_cmd = servers.bare_command(workdir / "page.json", workdir / "run.json")
    servers.pin_loadgen()
    with servers.running(fake_cmd, PAGE) as fake, servers.running(bare_cmd, PAGE) as bare:
        startup = ([fake.started_s], [bare.started_s])
        rows, tails = _throughput_rows(mode, fake.url, bare.url)
        if mode.tail_seconds:
            tails = [_load(mode, url, "B", mode.tail_seconds) for url in (fake.url, bare.url)]
    for _ in range(mode.reps - 1):  # fresh starts, interleaved
        for side, command in zip(startup, (fake_cmd, bare_cmd), strict=True):
            with servers.running(command, PAGE) as server:
                side.append(server.started_s)
    return [*rows, _tail_row(mode, *tails), _startup_row(*startup)]


def _load(mode: Mode, url: str, workload: str, span: float) -> load.LoadResult:
    if workload == "A":
        return load.run_load(
            url, "GET", PAGE, connections=mode.connections, seconds=span, warmup=mode.warmup
        )
    return load.run_load(
        url,
        "POST",
        TRIGGER,
        body=b"{}",
        connections=mode.connections,
        seconds=span,
        warmup=mode.warmup,
        expect=202,
    )


def _throughput_rows(
    mode: Mode, fake_url: str, bare_url: str
) -> tuple[list[Row], list[load.LoadResult]]:
    rows: list[Row] = []
    last: list[load.LoadResult] = []
    for workload, what in (("A", f"GET {PAGE}"), ("B", f"POST {TRIGGER}")):
        results: dict[str, list[load.LoadResult]] = {fake_url: [], bare_url: []}

        def side(
            url: str, workload: str = workload, results: dict[str, list[load.LoadResult]] = results
        ) -> float:
            result = _load(mode, url, workload, mode.load_seconds)
            if result.errors:
                raise RuntimeError(f"{url}: {result.errors} unexpected answers under {workload}")
            results[url].append(result)
            return result.per_second

        fake_rps, bare_rps, ratio = paired(
            lambda: side(fake_url), lambda: side(bare_url), mode.reps
        )
        rows.append(
            Row(
                f"1{workload}",
                f"live {what}, req/s, {mode.connections} connections ({workload})",
                f"{count(fake_rps)} req/s",
                f"{count(bare_rps)} req/s (bare Starlette)",
                ratio,
                "x",
                0.7,
                at_most=False,
            )
        )
        last = [_merged(results[fake_url]), _merged(results[bare_url])]
    return rows, last


def _merged(results: list[load.LoadResult]) -> load.LoadResult:
    """The repetitions' median p50 and p99 (each repetition's percentiles are exact)."""
    return load.LoadResult(
        sum(r.requests for r in results),
        sum(r.errors for r in results),
        sum(r.seconds for r in results),
        median([r.p50_ms for r in results]),
        median([r.p99_ms for r in results]),
    )


def _tail_row(mode: Mode, fake: load.LoadResult, bare: load.LoadResult) -> Row:
    span = mode.tail_seconds or mode.load_seconds
    note = "" if mode.tail_seconds == 60 else f"{span:g} s loads, not 60 s"
    return Row(
        "3",
        "p99 / p50 latency under B load",
        f"p50 {fake.p50_ms:.1f} ms, p99 {fake.p99_ms:.1f} ms",
        f"{bare.p99_ms / bare.p50_ms:.2f}x (bare: p50 {bare.p50_ms:.1f}, p99 {bare.p99_ms:.1f})",
        fake.p99_ms / fake.p50_ms,
        "x",
        3.0,
        at_most=True,
        note=note,
    )


def _startup_row(fake: list[float], bare: list[float]) -> Row:
    return Row(
        "5",
        "start-up of `assetfake serve` to its first 200",
        seconds(median(fake)),
        f"{seconds(median(bare))} (bare Starlette under uvicorn)",
        median(fake),
        "s",
        0.2,
        at_most=True,
    )


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


NOTES = [
    "Target 1's second half (≥ 2x the best other fake: Prism, Mountebank, pytest-httpserver) is "
    "not measured here: none of them is installed by the project.",
]


def measure(mode: Mode) -> list[Row]:
    with tempfile.TemporaryDirectory(prefix="assetfake-bench-") as workdir:
        live = _live_rows(mode, Path(workdir))
    rows = [*live[:2], *_inprocess_rows(mode), *live[2:3]]
    rows += [*_scale_rows(mode), *live[3:], *_backfill_rows(mode)]
    return rows


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
    rows = measure(mode)
    text = report.table(rows)
    print("\n".join([*_header(mode), "", text]))
    for note in NOTES:
        print(f"\n{note}")
    if args.write is not None:
        lines = [
            "# Benchmark results (issue 11)",
            "",
            *report.machine(len(servers.CORES) or 1),
            *_header(mode),
        ]
        command = " ".join(["python bench/run.py", *(argv or sys.argv[1:])])
        lines += [f"- command: `{command}`", "", text, "", *NOTES, ""]
        args.write.write_text("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
