"""``bench/cpu_split.py`` prints, for both servers and both loads, the server's CPU per
answered request split into user and system time (never asserts absolute times)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
_ROW = re.compile(
    r"^\| (assetfake serve|bare Starlette) \| ([AB]) \| ([\d,]+) \| ([\d.]+) \| ([\d.]+) "
    r"\| ([\d.]+) \|$",
    re.MULTILINE,
)


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc (Linux)")
def test_the_split_has_both_servers_and_both_loads_and_adds_up() -> None:
    done = subprocess.run(
        [sys.executable, str(BENCH / "cpu_split.py"), "--seconds", "0.3"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=BENCH,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    rows = _ROW.findall(done.stdout)
    assert sorted((server, load) for server, load, *_ in rows) == [
        ("assetfake serve", "A"),
        ("assetfake serve", "B"),
        ("bare Starlette", "A"),
        ("bare Starlette", "B"),
    ]
    for _, _, rps, user, system, total in rows:
        assert float(rps.replace(",", "")) > 0
        assert float(user) > 0
        assert abs(float(user) + float(system) - float(total)) < 0.15
