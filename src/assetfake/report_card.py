"""The report card of a whole-library run (contract section 6): one cell per test and scenario.

Shared by the pytest plugin (``--assetfake-report``) and ``assetfake matrix``. A cell says
whether the test passed in that world and, when it did not, why: the expectations that failed
(their labels, ``expect[1] no_retry_on [404]``), the outcome mismatch (``finished, but this
world's outcome is fails: the failure was swallowed``), a timeout, a setup error. The card is
written as a markdown table (one row per scenario, one column per test, so that the usual case,
one workflow test over the whole library, reads top to bottom) followed by the details of each
failing cell, and as JSON with the same cells.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from assetfake.expectations import Outcome

__all__ = ["Cell", "CellStatus", "ReportCard", "cut_detail", "json_path_of", "write_card"]

#: What happened in a cell: passed, failed (expectations or outcome), skipped, or an error
#: before the test could run (setup, a scenario that does not load).
CellStatus = Literal["pass", "fail", "skip", "error"]

#: The longest detail (report, captured output) a cell keeps, in characters.
MAX_DETAIL = 8000


@dataclass(frozen=True, slots=True)
class Cell:
    """One test in one scenario."""

    test: str
    scenario: str
    outcome: Outcome  # what the world says a well-behaved client does
    status: CellStatus
    problems: tuple[str, ...] = ()  # one line each: failed expectations, outcome mismatch
    detail: str = ""  # the full report: failure messages, journal lines, captured output

    @property
    def passed(self) -> bool:
        return self.status in ("pass", "skip")

    def summary(self) -> str:
        """The cell as the table shows it."""
        if self.status == "pass":
            return "pass"
        if self.status == "skip":
            return "skip" + (f": {self.problems[0]}" if self.problems else "")
        word = "FAIL" if self.status == "fail" else "ERROR"
        return f"{word}: " + ("; ".join(self.problems) or "see details")

    def as_dict(self) -> dict[str, object]:
        return {
            "test": self.test,
            "scenario": self.scenario,
            "outcome": self.outcome,
            "status": self.status,
            "passed": self.passed,
            "problems": list(self.problems),
            "detail": self.detail,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> Cell:
        """The cell :meth:`as_dict` gave (how a pytest-xdist worker's cells reach the
        controller)."""
        problems = data.get("problems", ())
        outcome: Outcome = "fails" if data.get("outcome") == "fails" else "succeeds"
        status = data.get("status")
        return cls(
            test=str(data["test"]),
            scenario=str(data["scenario"]),
            outcome=outcome,
            status=status if status in ("pass", "fail", "skip", "error") else "error",
            problems=tuple(str(p) for p in problems) if isinstance(problems, list) else (),
            detail=str(data.get("detail", "")),
        )


@dataclass(frozen=True, slots=True)
class ReportCard:
    """Cells, in the order tests and scenarios were first seen."""

    cells: tuple[Cell, ...] = field(default_factory=tuple)

    @classmethod
    def of(cls, cells: Iterable[Cell]) -> ReportCard:
        """A card of these cells; a later cell of the same test and scenario replaces an
        earlier one (a rerun)."""
        latest: dict[tuple[str, str], Cell] = {}
        for cell in cells:
            latest.pop((cell.test, cell.scenario), None)
            latest[(cell.test, cell.scenario)] = cell
        return cls(tuple(latest.values()))

    @property
    def tests(self) -> list[str]:
        return list(dict.fromkeys(cell.test for cell in self.cells))

    @property
    def scenarios(self) -> list[str]:
        return list(dict.fromkeys(cell.scenario for cell in self.cells))

    @property
    def passed(self) -> bool:
        return all(cell.passed for cell in self.cells)

    @property
    def failed(self) -> list[Cell]:
        return [cell for cell in self.cells if not cell.passed]

    def cell(self, test: str, scenario: str) -> Cell | None:
        for cell in self.cells:
            if (cell.test, cell.scenario) == (test, scenario):
                return cell
        return None

    def headline(self) -> str:
        failed = len(self.failed)
        total = len(self.cells)
        worlds = len(self.scenarios)
        verdict = "every cell passes" if not failed else f"{failed} of {total} cells fail"
        return f"assetfake report card: {len(self.tests)} test(s) x {worlds} world(s): {verdict}"

    def markdown(self, *, details: bool = True) -> str:
        """The table (a row per scenario: its outcome, then a column per test), then each
        failing cell's details."""
        tests = self.tests
        outcomes = {cell.scenario: cell.outcome for cell in self.cells}
        lines = [f"# {self.headline()}", ""]
        lines.append("| scenario | outcome | " + " | ".join(_escape(t) for t in tests) + " |")
        lines.append("|---|---|" + "---|" * len(tests))
        for scenario in self.scenarios:
            row = [_escape(scenario), outcomes[scenario]]
            for test in tests:
                cell = self.cell(test, scenario)
                row.append("—" if cell is None else _escape(cell.summary()))
            lines.append("| " + " | ".join(row) + " |")
        if details and self.failed:
            lines.extend(["", "## Failing cells"])
            for cell in self.failed:
                lines.extend(["", f"### {cell.test} [{cell.scenario}]", "", "```text"])
                lines.append(_fenced(cell.detail or cell.summary()))
                lines.append("```")
        return "\n".join(lines) + "\n"

    def as_dict(self) -> dict[str, object]:
        outcomes = {cell.scenario: cell.outcome for cell in self.cells}
        return {
            "passed": self.passed,
            "tests": self.tests,
            "scenarios": [{"name": name, "outcome": outcomes[name]} for name in self.scenarios],
            "cells": [cell.as_dict() for cell in self.cells],
            "counts": {
                "cells": len(self.cells),
                "failed": len(self.failed),
                "tests": len(self.tests),
                "scenarios": len(self.scenarios),
            },
        }

    def json(self) -> str:
        return json.dumps(self.as_dict(), indent=2, ensure_ascii=False) + "\n"


def json_path_of(path: Path) -> Path:
    """Where the JSON card goes beside the markdown one: the same name with ``.json``."""
    return path.with_suffix(".json")


def write_card(card: ReportCard, path: str | Path) -> tuple[Path, Path]:
    """Write the markdown card to ``path`` and the JSON beside it (``path`` with ``.json``; a
    ``path`` that already ends in ``.json`` gets the JSON, the markdown goes to ``.md``).
    Returns both paths, markdown first."""
    target = Path(path)
    if target.suffix == ".json":
        markdown, document = target.with_suffix(".md"), target
    else:
        markdown, document = target, json_path_of(target)
    markdown.parent.mkdir(parents=True, exist_ok=True)
    markdown.write_text(card.markdown(), encoding="utf-8")
    document.write_text(card.json(), encoding="utf-8")
    return markdown, document


def cut_detail(text: str, limit: int = MAX_DETAIL) -> str:
    """``text`` kept to its last ``limit`` characters (the end of an output says most)."""
    if len(text) <= limit:
        return text
    return f"[… {len(text) - limit} characters cut …]\n" + text[-limit:]


def _escape(text: str) -> str:
    """A table cell: one line, pipes escaped."""
    return " ".join(text.split()).replace("|", "\\|")


def _fenced(text: str) -> str:
    """Text that cannot close the fence it is shown in."""
    return text.rstrip("\n").replace("```", "`\u200b``")
