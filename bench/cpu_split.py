"""Where a live request's cost goes: the server's CPU per answered request, in user space
(Python) and in the kernel (sockets, epoll), for ``assetfake serve`` and the bare Starlette
baseline under the same loads (A: a page of runs, B: a trigger).

    python bench/cpu_split.py [--seconds 4]

Reads the server process's ``utime`` and ``stime`` (``/proc/<pid>/stat``, Linux only) around
each load: CPU time, so the figures hold on a busy machine too. Prints one markdown table.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

import inprocess
import load
import servers
from assetfake import AssetFake


def _cpu_seconds(pid: int) -> tuple[float, float]:
    """(user, system) CPU seconds of process ``pid`` so far."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    tick = os.sysconf("SC_CLK_TCK")
    return int(fields[11]) / tick, int(fields[12]) / tick


def _split(server: servers.Server, workload: str, seconds: float) -> tuple[float, float, float]:
    """(req/s, user µs per request, system µs per request) under one load."""
    user0, sys0 = _cpu_seconds(server.process.pid)
    if workload == "A":
        result = load.run_load(server.url, "GET", inprocess.PAGE_PATH, seconds=seconds, warmup=0)
    else:
        result = load.run_load(
            server.url,
            "POST",
            inprocess.TRIGGER_PATH,
            body=b"{}",
            seconds=seconds,
            warmup=0,
            expect=202,
        )
    user1, sys1 = _cpu_seconds(server.process.pid)
    done = max(1, result.requests)
    return result.per_second, (user1 - user0) / done * 1e6, (sys1 - sys0) / done * 1e6


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=4.0, help="each load (default 4)")
    args = parser.parse_args(argv)
    if not Path("/proc/self/stat").exists():
        print("cpu_split.py reads /proc/<pid>/stat: Linux only", file=sys.stderr)
        return 2
    page, run = inprocess.reference_bodies(AssetFake())
    rows = ["| server | load | req/s | user µs/req | system µs/req | total µs/req |"]
    rows.append("|---|---|--:|--:|--:|--:|")
    with tempfile.TemporaryDirectory(prefix="assetfake-cpu-") as workdir:
        work = Path(workdir)
        (work / "page.json").write_bytes(page)
        (work / "run.json").write_bytes(run)
        servers.BYTECODE_DIR = work / "bytecode"
        servers.pin_loadgen()
        sides = {
            "assetfake serve": servers.assetfake_command(),
            "bare Starlette": servers.bare_command(work / "page.json", work / "run.json"),
        }
        for name, command in sides.items():
            with servers.running(command, inprocess.PAGE_PATH) as server:
                for workload in ("A", "B"):
                    rps, user, system = _split(server, workload, args.seconds)
                    rows.append(
                        f"| {name} | {workload} | {rps:,.0f} | {user:.1f} | {system:.1f} "
                        f"| {user + system:.1f} |"
                    )
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
