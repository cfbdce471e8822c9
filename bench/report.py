"""The one table of issue 11's targets, and the machine it was measured on."""

from __future__ import annotations

import datetime as dt
import platform
import sys
from dataclasses import dataclass
from importlib.metadata import version

HEADER = ("#", "target", "assetfake", "baseline (same run)", "measured", "goal", "met")


@dataclass(frozen=True, slots=True)
class Row:
    key: str  # stable id: "1A", "2s", ... (the smoke test looks rows up by it)
    target: str
    value: str  # assetfake's side, human-readable
    baseline: str  # the other side, measured in the same run
    measured: float | None  # the number the goal speaks of; None: not measured (see the note)
    unit: str  # "x" (a ratio), "B", "s", "ms"
    goal: float
    at_most: bool  # goal is an upper bound (else a lower bound)
    note: str = ""  # e.g. "extrapolated from 100,000"

    @property
    def met(self) -> bool | None:
        if self.measured is None:
            return None
        return self.measured <= self.goal if self.at_most else self.measured >= self.goal

    def cells(self) -> tuple[str, ...]:
        sign = "≤" if self.at_most else "≥"
        if self.measured is None:
            measured = "not measured"
        else:
            measured = f"{_number(self.measured)}{_unit(self.unit)}"
        if self.note:
            measured += f" ({self.note})"
        goal = f"{sign} {_number(self.goal)}{_unit(self.unit)}"
        met = {True: "yes", False: "**no**", None: "n/a"}[self.met]
        return (self.key, self.target, self.value, self.baseline, measured, goal, met)


def _unit(unit: str) -> str:
    return "x" if unit == "x" else f" {unit}"


def _number(value: float) -> str:
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def count(value: float) -> str:
    return f"{value:,.0f}"


def micros(value: float) -> str:
    return f"{value:,.0f} µs" if value >= 100 else f"{value:.1f} µs"


def seconds(value: float) -> str:
    return f"{value:.3f} s"


def table(rows: list[Row]) -> str:
    lines = ["| " + " | ".join(HEADER) + " |", "|---|---|--:|--:|--:|--:|:-:|"]
    lines += ["| " + " | ".join(row.cells()) + " |" for row in rows]
    return "\n".join(lines)


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def machine(cores: int) -> list[str]:
    """``cores``: how many this process could use before it pinned itself to one."""
    return [
        f"- date: {dt.datetime.now(dt.timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}",
        f"- machine: {_cpu_model()}, {cores} cores usable; {platform.platform()}",
        f"- Python {sys.version.split()[0]}; assetfake {version('assetfake')}, "
        f"uvicorn {version('uvicorn')}, starlette {version('starlette')}, "
        f"httpx {version('httpx')}",
    ]
