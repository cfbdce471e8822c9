"""The live rows of bench/run.py: assetfake, the bare Starlette app and the other fakes, each
in its own process on the server's core, loaded in turn by bench/load.py (targets 1, 3 and 5).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import inprocess
import load
import other_fakes
import servers
from assetfake import AssetFake
from modes import Mode
from report import Row, count, seconds
from timing import median

TRIGGER = inprocess.TRIGGER_PATH
PAGE = inprocess.PAGE_PATH
WORKLOADS = ("A", "B")
FAKE, BARE = "assetfake", "bare Starlette"  # the sides of the live loads beside the other fakes


@dataclass(frozen=True, slots=True)
class Live:
    rows: list[Row]  # 1A, 1B, 1A-other, 1B-other, 3, 5
    notes: list[str]  # the other fakes: each one's figures, or why it is not measured


def live_rows(mode: Mode, workdir: Path) -> Live:
    page, run = inprocess.reference_bodies(AssetFake())
    (workdir / "page.json").write_bytes(page)
    (workdir / "run.json").write_bytes(run)
    fake_cmd = servers.assetfake_command()
    bare_cmd = servers.bare_command(workdir / "page.json", workdir / "run.json")
    servers.pin_loadgen()
    servers.BYTECODE_DIR = workdir / "bytecode"
    for command in (fake_cmd, bare_cmd):  # untimed: each compiles its modules once
        with servers.running(command, PAGE):
            pass
    with servers.running(fake_cmd, PAGE) as fake, servers.running(bare_cmd, PAGE) as bare:
        startup = ([fake.started_s], [bare.started_s])
        document = other_fakes.served_document(fake.url, workdir)
        bodies = other_fakes.Bodies(workdir / "page.json", workdir / "run.json", document)
        found, notes = other_fakes.launches(bodies, workdir)
        with other_fakes.started(found, PAGE, workdir) as (launched, others, failed):
            sides = {FAKE: fake.url, BARE: bare.url, **others}
            results = {workload: _interleaved(mode, workload, sides) for workload in WORKLOADS}
        notes = _other_notes(results, launched, notes + failed)
        tails = [_merged(results["B"][FAKE]), _merged(results["B"][BARE])]
        if mode.tail_seconds:
            tails = [_load(mode, url, "B", mode.tail_seconds) for url in (fake.url, bare.url)]
    for _ in range(mode.reps - 1):  # fresh starts, interleaved
        for side, command in zip(startup, (fake_cmd, bare_cmd), strict=True):
            with servers.running(command, PAGE) as server:
                side.append(server.started_s)
    rows = [_bare_row(mode, w, results[w]) for w in WORKLOADS]
    rows += [_other_row(mode, w, results[w]) for w in WORKLOADS]
    return Live([*rows, _tail_row(mode, *tails), _startup_row(*startup)], notes)


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


def _interleaved(
    mode: Mode, workload: str, sides: dict[str, str]
) -> dict[str, list[load.LoadResult]]:
    """``mode.reps`` loads of each side, interleaved (a, b, c, a, b, c, ...) so that all see
    the same machine. assetfake and the bare app must answer as expected; another fake that
    does not is dropped (and named in the notes)."""
    results: dict[str, list[load.LoadResult]] = {name: [] for name in sides}
    for _ in range(mode.reps):
        for name, url in sides.items():
            result = _load(mode, url, workload, mode.load_seconds)
            if result.errors and name in (FAKE, BARE):
                raise RuntimeError(f"{url}: {result.errors} unexpected answers under {workload}")
            results[name].append(result)
    return results


def _rps(results: list[load.LoadResult]) -> float:
    return median([r.per_second for r in results])


def _ratio(side: list[load.LoadResult], other: list[load.LoadResult]) -> float:
    """The median of the ratios of the interleaved pairs."""
    pairs = zip(side, other, strict=True)
    return median([a.per_second / b.per_second for a, b in pairs if b.per_second])


def _what(workload: str) -> str:
    return f"GET {PAGE}" if workload == "A" else f"POST {TRIGGER}"


def _bare_row(mode: Mode, workload: str, results: dict[str, list[load.LoadResult]]) -> Row:
    return Row(
        f"1{workload}",
        f"live {_what(workload)}, req/s, {mode.connections} connections ({workload})",
        f"{count(_rps(results[FAKE]))} req/s",
        f"{count(_rps(results[BARE]))} req/s (bare Starlette)",
        _ratio(results[FAKE], results[BARE]),
        "x",
        0.7,
        at_most=False,
    )


def _measured_others(results: dict[str, list[load.LoadResult]]) -> dict[str, float]:
    """Each other fake that answered every request as expected: its median req/s."""
    return {
        name: _rps(runs)
        for name, runs in results.items()
        if name not in (FAKE, BARE) and not any(r.errors for r in runs)
    }


def _other_row(mode: Mode, workload: str, results: dict[str, list[load.LoadResult]]) -> Row:
    target = f"live {workload} vs the best other fake measured ({', '.join(other_fakes.NAMES)})"
    value = f"{count(_rps(results[FAKE]))} req/s"
    others = _measured_others(results)
    if not others:
        return Row(
            f"1{workload}-other",
            target,
            value,
            "none measured: see the notes",
            None,
            "x",
            2.0,
            at_most=False,
        )
    best = max(others, key=others.__getitem__)
    return Row(
        f"1{workload}-other",
        target,
        value,
        f"{count(others[best])} req/s ({best}, the best of {len(others)})",
        _ratio(results[FAKE], results[best]),
        "x",
        2.0,
        at_most=False,
    )


def _other_notes(
    results: dict[str, dict[str, list[load.LoadResult]]],
    launched: dict[str, other_fakes.Launch],
    missing: list[str],
) -> list[str]:
    """Each other fake measured: its figures (median req/s, median p50) and its setup."""
    notes: list[str] = []
    for name, launch in launched.items():
        figures = []
        for workload in WORKLOADS:
            side = results[workload][name]
            errors = sum(r.errors for r in side)
            p50 = median([r.p50_ms for r in side])
            figure = f"{workload} {count(_rps(side))} req/s, p50 {p50:.1f} ms"
            if errors:
                figure += f", {errors:,} unexpected answers: not counted"
            figures.append(figure)
        label = f"{name} {launch.version}".rstrip()
        notes.append(f"{label}: {'; '.join(figures)} ({other_fakes.SETUP[name]})")
    return [*notes, *missing]


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
        "start-up of `assetfake serve` to its first 200 (bytecode cached, as installed)",
        seconds(median(fake)),
        f"{seconds(median(bare))} (bare Starlette under uvicorn)",
        median(fake),
        "s",
        0.2,
        at_most=True,
    )
