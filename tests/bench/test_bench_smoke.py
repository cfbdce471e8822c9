"""The benchmark harness runs end to end (``bench/run.py --smoke``) and its table has every
target of issue 11 with a number to hold against the goal. Never asserts absolute times."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
ROWS = [
    "1A",
    "1B",
    "2a",
    "2s",
    "3",
    "4m",
    "4l",
    "4p-first",
    "4p-deep",
    "4r",
    "4n",
    "5",
    "6",
    "6l",
]
_NUMBER = re.compile(r"^(\d[\d,]*(?:\.\d+)?)(x| B| s| ms)")


def _rows(table: str) -> dict[str, list[str]]:
    rows: dict[str, list[str]] = {}
    for line in table.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if line.startswith("| ") and cells[0] not in ("#", "---"):
            rows[cells[0]] = cells
    return rows


@pytest.fixture(scope="module")
def smoke(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    written = tmp_path_factory.mktemp("bench") / "RESULTS.md"
    done = subprocess.run(
        [sys.executable, str(BENCH / "run.py"), "--smoke", "--write", str(written)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout, written


def test_the_table_has_every_target_with_a_number(smoke: tuple[str, Path]) -> None:
    rows = _rows(smoke[0])
    assert list(rows) == ROWS
    for key, cells in rows.items():
        assert len(cells) == 7, key
        measured, goal, met = cells[4], cells[5], cells[6]
        match = _NUMBER.match(measured)
        assert match is not None, (key, measured)
        value = float(match.group(1).replace(",", ""))
        assert value >= 0, (key, measured)
        assert match.group(2) in goal, (key, goal)  # same unit as its goal
        bound = float(goal.split()[1].rstrip("x").replace(",", ""))
        upper = goal.startswith("≤")
        if abs(value - bound) > bound / 100:  # away from the edge the shown figures round to
            assert met == ("yes" if (value <= bound if upper else value >= bound) else "**no**")


def test_each_row_names_its_baseline_from_the_same_run(smoke: tuple[str, Path]) -> None:
    for key, cells in _rows(smoke[0]).items():
        assert re.search(r"\d", cells[2]), key  # assetfake's side
        assert re.search(r"\d", cells[3]), key  # the baseline's side


def test_write_keeps_the_table_with_machine_and_date(smoke: tuple[str, Path]) -> None:
    stdout, written = smoke
    text = written.read_text()
    assert re.search(r"^- date: \d{4}-\d{2}-\d{2} ", text, re.MULTILINE)
    assert "- machine: " in text
    assert list(_rows(text)) == ROWS
    table_lines = [line for line in stdout.splitlines() if line.startswith("|")]
    assert len(table_lines) == len(ROWS) + 2  # one table: header, rule, rows
