"""Whole-library runs (contract section 6): which worlds a selection names, and the verdict of
one run of a client's workflow in one world.

A world's verdict has two parts: the scenario's ``expect`` entries (judged by the verifier) and
its ``outcome`` — in a ``succeeds`` world the workflow must finish, in a ``fails`` world it must
end by raising one of the client's errors. Both the pytest plugin (the marker's ``scenarios=``
and ``client_errors=``) and ``assetfake matrix`` (a process's exit status) judge the outcome
here and put the verdict on the same :class:`~assetfake.report_card.Cell`.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from assetfake.expectations import Outcome, scenario_outcome
from assetfake.scenario import Scenario, ScenarioError
from assetfake.scenario.library import SUFFIXES, is_scenario_name, shipped_scenarios_dir
from assetfake.verify import ExpectationFailed, Failure

__all__ = [
    "LIBRARY",
    "ExpectationVerdict",
    "LibraryWorld",
    "expectation_verdict",
    "outcome_problem",
    "shipped_names",
    "worlds_of",
]

#: The selection that means every scenario of the shipped library.
LIBRARY = "library"

#: What a selection may list: names (``"library"`` among them), paths, mappings, scenarios.
WorldSource = str | os.PathLike[str] | Mapping[str, object] | Scenario

SWALLOWED_TAIL = "but this world's outcome is fails: the failure was swallowed"


@dataclass(frozen=True, slots=True)
class LibraryWorld:
    """One world of a whole-library run: its name (the test id ``[<name>]``), the scenario."""

    name: str
    scenario: Scenario

    @property
    def outcome(self) -> Outcome:
        return scenario_outcome(self.scenario.spec.expect)


@dataclass(frozen=True, slots=True)
class ExpectationVerdict:
    """What the verifier said: the labels of the failed expectations and the full report."""

    problems: tuple[str, ...] = ()
    report: str = ""


def shipped_names() -> list[str]:
    """The names of the shipped library's scenarios, sorted."""
    shipped = shipped_scenarios_dir()
    if shipped is None:
        return []
    files = (path for path in shipped.iterdir() if path.is_file() and path.suffix in SUFFIXES)
    return sorted({path.stem for path in files if is_scenario_name(path.stem)})


def worlds_of(
    selection: object, extra_dirs: Iterable[str | os.PathLike[str]] = ()
) -> list[LibraryWorld]:
    """The worlds a selection names: ``"library"`` (every shipped scenario), one name or path,
    or a list of names, paths, mappings and scenarios (``"library"`` in it expands in place).
    Names are looked up in ``extra_dirs`` first. Raises :class:`ScenarioError` for one that does
    not load, :class:`ValueError` for a selection that is not one, or names a world twice."""
    entries: Sequence[object]
    if isinstance(selection, str | os.PathLike | Mapping | Scenario):
        entries = [selection]
    elif isinstance(selection, list | tuple):
        entries = selection
    else:
        raise ValueError(
            "scenarios= is 'library', a scenario (a name, a path, a dict) or a list of them; "
            f"got {type(selection).__name__}"
        )
    sources: list[object] = []
    for entry in entries:
        sources.extend(shipped_names() if entry == LIBRARY else [entry])
    if not sources:
        raise ValueError("scenarios= names no scenario")
    directories = list(extra_dirs)
    worlds: list[LibraryWorld] = []
    for source in sources:
        if not isinstance(source, str | os.PathLike | Mapping | Scenario):
            raise ValueError(
                "each of scenarios= is a name, a path, a dict or a Scenario; "
                f"got {type(source).__name__}"
            )
        scenario = Scenario.load(source, extra_dirs=directories)
        worlds.append(LibraryWorld(_world_name(source, scenario), scenario))
    seen: set[str] = set()
    for world in worlds:
        if world.name in seen:
            raise ValueError(f"scenarios= names the world {world.name!r} twice")
        seen.add(world.name)
    return worlds


def _world_name(source: object, scenario: Scenario) -> str:
    """A name given is the world's name; a file or a mapping is named by the scenario."""
    return source if isinstance(source, str) and is_scenario_name(source) else scenario.name


def outcome_problem(
    outcome: Outcome,
    failure: str | None,
    expected_failure: bool,
    client_errors: str,
    *,
    finished: str = "finished",
) -> str | None:
    """What is wrong with how the run ended, or ``None``. ``failure`` says how it failed
    (``raised ValueError: …``, ``exited with status 3``; ``None``: it ``finished``),
    ``expected_failure`` whether that is one of the client's errors (``client_errors`` names
    them, for the message)."""
    if outcome == "succeeds":
        if failure is None:
            return None
        return f"{failure}, but this world's outcome is succeeds"
    if failure is None:
        return f"{finished}, {SWALLOWED_TAIL}"
    if expected_failure:
        return None
    return f"{failure}, which is not one of the client's errors ({client_errors})"


def describe_error(error: BaseException, limit: int = 200) -> str:
    """``Type: message`` on one line, bounded."""
    text = " ".join(str(error).split())
    if len(text) > limit:
        text = text[:limit] + "…"
    return type(error).__name__ + (f": {text}" if text else "")


def expectation_verdict(failure: AssertionError | None) -> ExpectationVerdict:
    """The verdict of a ``verify()`` that raised ``failure`` (``None``: every expectation
    held): the failed expectations' labels (``expect[1] no_retry_on [404]``) and the report."""
    if failure is None:
        return ExpectationVerdict()
    report = str(failure)
    labels: list[str] = []
    if isinstance(failure, ExpectationFailed):
        for item in failure.failures:
            if isinstance(item, Failure):
                labels.append(item.expectation)
            elif isinstance(item, Mapping) and isinstance(item.get("expectation"), str):
                labels.append(str(item["expectation"]))
    if not labels:
        labels.append(report.splitlines()[0] if report else "expectations failed")
    return ExpectationVerdict(tuple(labels), report)


def load_error_text(error: ScenarioError) -> str:
    """Every problem of a scenario that did not load, one per line."""
    return "\n".join(problem.format() for problem in error.errors)
