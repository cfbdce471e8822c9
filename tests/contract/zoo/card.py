"""Running the zoo's workflow test (``library_run.py``) for one client, and reading its report
card back as verdicts: for each mode (``in_process``, ``live``) and world, the set of what
failed there: the kinds of the expectations that failed (``observes``, ``max_attempts``, ...)
and, for the world's outcome, ``raised`` (raised in a ``succeeds`` world), ``swallowed``
(finished in a ``fails`` world) or ``wrong_error`` (raised something that is not the client's
error). An empty set is a pass.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from zoo.registry import ZOO, ZOO_CLIENT_VARIABLE

HERE = Path(__file__).resolve().parent
LIBRARY_RUN = HERE / "library_run.py"
ROOT = HERE.parents[2]

Verdicts = dict[str, dict[str, frozenset[str]]]  # mode -> world -> what failed


def inner_args(card: Path) -> list[str]:
    """The command line of one client's run over the whole library."""
    return [str(LIBRARY_RUN), "-q", "-p", "no:cacheprovider", f"--assetfake-report={card}"]


def kinds_of(cell: Mapping[str, object]) -> frozenset[str]:
    """What failed in one cell of the card."""
    found: set[str] = set()
    problems = cell.get("problems")
    for problem in problems if isinstance(problems, list) else []:
        text = str(problem)
        if text.startswith("expect["):
            found.add(text.split()[1])
        elif "the failure was swallowed" in text:
            found.add("swallowed")
        elif "outcome is succeeds" in text:
            found.add("raised")
        elif "not one of the client's errors" in text:
            found.add("wrong_error")
        else:
            found.add(f"other: {text[:60]}")
    if cell.get("status") == "error":
        found.add("error")
    return frozenset(found)


def verdicts_of(card_json: Path) -> Verdicts:
    document = json.loads(card_json.read_text(encoding="utf-8"))
    verdicts: Verdicts = {}
    for cell in document["cells"]:
        mode = str(cell["test"]).rsplit("::test_", 1)[-1]
        verdicts.setdefault(mode, {})[str(cell["scenario"])] = kinds_of(cell)
    return verdicts


def details_of(card_json: Path) -> dict[tuple[str, str], str]:
    """(mode, world) -> the report of that cell (its failures, journal lines, traceback)."""
    document = json.loads(card_json.read_text(encoding="utf-8"))
    return {
        (str(cell["test"]).rsplit("::test_", 1)[-1], str(cell["scenario"])): str(cell["detail"])
        for cell in document["cells"]
    }


def run_in_subprocess(name: str, workdir: Path) -> Path:
    """One client's run over the whole library in its own pytest process (a process of its
    own: its live server, its imports and its clock patches stay its own); returns the path
    of the JSON card."""
    card = workdir / f"{name}.md"
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_XDIST", "PYTEST_CURRENT"))
    }
    env[ZOO_CLIENT_VARIABLE] = name
    with (workdir / f"{name}.log").open("wb") as log:
        subprocess.run(
            [sys.executable, "-m", "pytest", *inner_args(card)],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            check=False,
            timeout=600,
        )
    return card.with_suffix(".json")


def run_all(workdir: Path, parallel: int = 4) -> dict[str, Verdicts]:
    with ThreadPoolExecutor(parallel) as pool:
        futures = {name: pool.submit(run_in_subprocess, name, workdir) for name in ZOO}
    return {name: verdicts_of(future.result()) for name, future in futures.items()}


def cell_text(kinds: frozenset[str] | None) -> str:
    if kinds is None:
        return "n/a"
    return ", ".join(sorted(kinds)) or "·"


def markdown(table: Mapping[str, Verdicts], worlds: list[str]) -> str:
    """The matrix: a row per client, a column per world; a cell that differs between the two
    modes shows both."""
    lines = ["| client | " + " | ".join(worlds) + " |", "|---|" + "---|" * len(worlds)]
    for name, verdicts in table.items():
        cells = []
        for world in worlds:
            seen = {mode: verdicts[mode].get(world) for mode in verdicts}
            texts = {cell_text(kinds) for kinds in seen.values()}
            if len(texts) == 1:
                cells.append(texts.pop())
            else:
                cells.append("; ".join(f"{mode}: {cell_text(k)}" for mode, k in seen.items()))
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
