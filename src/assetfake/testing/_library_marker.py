"""What the plugin's marker says, and the whole-library runs it starts (contract section 6).

The plugin (:mod:`assetfake.testing.plugin`) stays a list of hooks and fixtures; this module
holds what they share: the marker's settings, the fakes a test used (to verify them and patch
their clocks), the verdict of a run in a world, and the report card's collector. A run's cell
travels on its test report as the user property ``assetfake_cell`` (JSON), which pytest-xdist
carries from a worker to the controller like any other, so the card is written once, by the
process that saw every report.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import pytest

from assetfake.library_runs import (
    ExpectationVerdict,
    LibraryWorld,
    describe_error,
    outcome_problem,
    worlds_of,
)
from assetfake.report_card import Cell, CellStatus, ReportCard, cut_detail, write_card

if TYPE_CHECKING:
    from collections.abc import Sequence

MARKER = "assetfake"
ARGUMENTS = frozenset({"scenario", "seed", "verify", "scenarios", "client_errors", "patch_time"})
WORLD_FIXTURE = "assetfake_world"
CELL_PROPERTY = "assetfake_cell"
COLLECTOR = "assetfake-report-card"
#: How many of the last journal lines an outcome mismatch shows.
JOURNAL_TAIL = 8


class PatchableClock(Protocol):
    def patch(self) -> AbstractContextManager[None]: ...


@dataclass(frozen=True, slots=True)
class FakeHandle:
    """A fake a test used: how to judge its expectations, its clock (for ``patch_time``) and
    its journal as report lines (to show what the client met when the outcome is wrong)."""

    verdict: Callable[[], ExpectationVerdict]
    clock: PatchableClock
    journal: Callable[[], list[str]]


@dataclass(frozen=True, slots=True)
class MarkerSettings:
    """The closest ``@pytest.mark.assetfake`` of a test, checked."""

    scenario: object = None  # a name, a path, a mapping, a Scenario or None: as given
    seed: int | None = None
    verify: bool = True
    marked: bool = False  # the marker chose a scenario or a seed
    scenarios: object = None  # the selection of a whole-library run, or None
    client_errors: tuple[type[BaseException], ...] = ()
    patch_time: bool = False


_SETTINGS = pytest.StashKey[MarkerSettings]()
_HANDLES = pytest.StashKey[list[FakeHandle]]()
_WORLD = pytest.StashKey[LibraryWorld]()
_CELL = pytest.StashKey[Cell]()


# --------------------------------------------------------------------------------- settings


def settings_of(node: pytest.Item) -> MarkerSettings:
    """The node's marker settings (checked once; a bad marker is a usage error)."""
    cached = node.stash.get(_SETTINGS, None)
    if cached is None:
        cached = node.stash[_SETTINGS] = _parse(node)
    return cached


def _parse(node: pytest.Item) -> MarkerSettings:
    marker = node.get_closest_marker(MARKER)
    if marker is None:
        return MarkerSettings()
    if len(marker.args) > 1:
        raise pytest.UsageError(f"@pytest.mark.{MARKER} takes one positional argument")
    unknown = set(marker.kwargs) - ARGUMENTS
    if unknown:
        raise pytest.UsageError(
            f"@pytest.mark.{MARKER} got unknown arguments: {', '.join(sorted(unknown))}"
        )
    scenario = marker.args[0] if marker.args else marker.kwargs.get("scenario")
    scenarios = marker.kwargs.get("scenarios")
    if scenario is not None and scenarios is not None:
        raise pytest.UsageError(
            f"@pytest.mark.{MARKER}: give scenario= (one world) or scenarios= (a run over "
            "several), not both"
        )
    seed = marker.kwargs.get("seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise pytest.UsageError(f"@pytest.mark.{MARKER}: seed must be an int, got {seed!r}")
    return MarkerSettings(
        scenario=scenario,
        seed=seed,
        verify=bool(marker.kwargs.get("verify", True)),
        marked=scenario is not None or seed is not None,
        scenarios=scenarios,
        client_errors=_client_errors(marker.kwargs.get("client_errors", ())),
        patch_time=bool(marker.kwargs.get("patch_time", False)),
    )


def _client_errors(value: object) -> tuple[type[BaseException], ...]:
    errors = value if isinstance(value, tuple | list) else (value,)
    for error in errors:
        if not (isinstance(error, type) and issubclass(error, BaseException)):
            raise pytest.UsageError(
                f"@pytest.mark.{MARKER}: client_errors is an exception class or a tuple of "
                f"them (the errors the client raises); got {error!r}"
            )
    return tuple(errors)


def worlds_for(definition: pytest.Item, extra_dirs: Sequence[Path]) -> list[LibraryWorld]:
    """The worlds of a test marked ``scenarios=``; a selection that does not load fails the
    collection of that test with the reason."""
    from assetfake.scenario import ScenarioError

    selection = settings_of(definition).scenarios
    try:
        return worlds_of(selection, extra_dirs)
    except ScenarioError as error:
        reason = "\n".join(problem.format() for problem in error.errors)
    except ValueError as error:
        reason = str(error)
    pytest.fail(f"@pytest.mark.{MARKER}(scenarios=...): {reason}", pytrace=False)


# ------------------------------------------------------------------------- fakes and worlds


def add_handle(node: pytest.Item, handle: FakeHandle) -> None:
    node.stash.setdefault(_HANDLES, []).append(handle)


def handles_of(node: pytest.Item) -> list[FakeHandle]:
    handles: list[FakeHandle] = node.stash.get(_HANDLES, [])
    return handles


def remember_world(node: pytest.Item, world: LibraryWorld) -> None:
    node.stash[_WORLD] = world


def world_of(item: pytest.Item) -> LibraryWorld | None:
    """The world of this run: remembered by the fixture, else read from the parameters."""
    world = item.stash.get(_WORLD, None)
    if world is not None:
        return world
    callspec = getattr(item, "callspec", None)
    param = None if callspec is None else callspec.params.get(WORLD_FIXTURE)
    return param if isinstance(param, LibraryWorld) else None


# ---------------------------------------------------------------------------------- verdict


def judge(
    item: pytest.Item, world: LibraryWorld, settings: MarkerSettings, raised: Exception | None
) -> None:
    """The run's cell (stashed for the report), and a failure of the test when it is not a
    pass: the outcome mismatch first, then the expectations that failed."""
    names = ", ".join(error.__name__ for error in settings.client_errors)
    mismatch = outcome_problem(
        world.outcome,
        None if raised is None else f"raised {describe_error(raised)}",
        raised is not None and isinstance(raised, settings.client_errors),
        names or "none given: add client_errors=(YourError,) to the marker",
    )
    problems: list[str] = []
    parts: list[str] = []
    if mismatch is not None:
        problems.append(mismatch)
        parts.append(f"assetfake [{world.name}]: {mismatch}")
        if raised is not None:
            parts.append(_traceback(item, raised))
        parts.extend(_journal_tail(handles_of(item)))
    if settings.verify:
        for handle in handles_of(item):
            verdict = handle.verdict()
            problems.extend(verdict.problems)
            if verdict.problems:
                parts.append(f"assetfake expectations failed:\n{verdict.report}")
    status: CellStatus = "fail" if problems else "pass"
    detail = "\n".join(parts)
    item.stash[_CELL] = Cell(
        _test_label(item), world.name, world.outcome, status, tuple(problems), cut_detail(detail)
    )
    if problems:
        pytest.fail(detail, pytrace=False)


def _journal_tail(handles: list[FakeHandle]) -> list[str]:
    """The last requests the client made, as the verifier's report lines show them."""
    lines: list[str] = []
    for handle in handles:
        journal = handle.journal()
        shown = journal[-JOURNAL_TAIL:]
        cut = f" (the last {len(shown)} of {len(journal)})" if len(shown) < len(journal) else ""
        lines.append(f"its requests{cut}:" if journal else "its requests: none reached the fake")
        lines.extend(f"    {entry}" for entry in shown)
    return lines


def _traceback(item: pytest.Item, error: Exception) -> str:
    info = pytest.ExceptionInfo.from_exception(error)
    path = getattr(item, "path", None)
    if path is not None:
        cut = info.traceback.cut(path=path)
        if cut:
            info.traceback = cut
    return str(info.getrepr(style="short", chain=True))


def _test_label(item: pytest.Item) -> str:
    """The test's node id without its world's id (other parameters kept)."""
    callspec = getattr(item, "callspec", None)
    base, _, rest = item.nodeid.partition("[")
    world = world_of(item)
    if callspec is None or world is None or not rest.endswith("]"):
        return item.nodeid
    params = rest[:-1]
    if params == world.name:
        return base
    if params.startswith(world.name + "-"):
        return f"{base}[{params[len(world.name) + 1 :]}]"
    return item.nodeid


# ----------------------------------------------------------------------------- report card


def attach_cell(item: pytest.Item, report: pytest.TestReport) -> None:
    """Put the run's cell on the report that decides it: the call's, or a setup that did not
    pass (a skip, an error), or a teardown that failed."""
    world = world_of(item)
    if world is None:
        return
    cell: Cell | None = None
    if report.when == "call":
        cell = item.stash.get(_CELL, None) or _cell_of_report(item, world, report)
    elif (report.when == "setup" and not report.passed) or (
        report.when == "teardown" and report.failed
    ):
        cell = _cell_of_report(item, world, report)
    if cell is not None:
        report.user_properties.append((CELL_PROPERTY, json.dumps(cell.as_dict())))


def _cell_of_report(item: pytest.Item, world: LibraryWorld, report: pytest.TestReport) -> Cell:
    status: CellStatus
    if report.passed:
        status, problem = "pass", ""
    elif report.skipped:
        status, problem = "skip", _reason(report)
    elif report.when == "call":
        status, problem = "fail", f"the test failed: {_reason(report)}"
    else:
        status, problem = "error", f"error at {report.when}: {_reason(report)}"
    detail = "" if report.passed else cut_detail(report.longreprtext)
    problems = (problem,) if problem else ()
    return Cell(_test_label(item), world.name, world.outcome, status, problems, detail)


def _reason(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    wasxfail = getattr(report, "wasxfail", None)
    if wasxfail is not None:
        return f"xfail {wasxfail}".strip()
    crash = getattr(longrepr, "reprcrash", None)
    message = getattr(crash, "message", None)
    text = message if isinstance(message, str) else report.longreprtext
    lines = [line for line in text.splitlines() if line.strip()]
    return " ".join(lines[0].split())[:300] if lines else report.outcome


class CardCollector:
    """The cells every report carried (a worker's too, under pytest-xdist), and the card."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.cells: list[Cell] = []
        self.written: tuple[Path, Path] | None = None

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        for entry in report.user_properties:
            if len(entry) == 2 and entry[0] == CELL_PROPERTY and isinstance(entry[1], str):
                self.cells.append(Cell.from_dict(json.loads(entry[1])))

    def card(self) -> ReportCard:
        return ReportCard.of(self.cells)


def start_collecting(config: pytest.Config) -> None:
    if not config.pluginmanager.has_plugin(COLLECTOR):
        config.pluginmanager.register(CardCollector(config), COLLECTOR)


def _collector(config: pytest.Config) -> CardCollector | None:
    collector = config.pluginmanager.get_plugin(COLLECTOR)
    return collector if isinstance(collector, CardCollector) else None


def write_report(config: pytest.Config, target: Path) -> None:
    collector = _collector(config)
    if collector is not None:
        path = target if target.is_absolute() else config.invocation_params.dir / target
        collector.written = write_card(collector.card(), path)


def summary_lines(config: pytest.Config) -> list[str]:
    """The card's headline, and where it was written."""
    collector = _collector(config)
    if collector is None or hasattr(config, "workerinput"):
        return []
    lines: list[str] = []
    if collector.cells:
        lines.append(collector.card().headline())
    if collector.written is not None:
        markdown, document = collector.written
        lines.append(f"assetfake report card written to {markdown} (and {document})")
    return lines
