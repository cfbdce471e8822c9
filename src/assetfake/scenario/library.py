"""The shipped library of scenarios (``scenarios/``) and reusable parts (``fixtures/``).

A wheel carries both under ``assetfake/_library/``; a source checkout has them at the
repository root. Scenarios are addressed by name: the file's name without ``.yaml``.

Where a name is looked up, in order: the directories a caller passes (``extra_dirs``), then
those the environment variable ``ASSETFAKE_SCENARIOS_DIR`` lists (separated by ``os.pathsep``;
the pytest plugin sets it to its ini option ``assetfake_scenarios_dir`` for the session, so that
``AssetFake("my-scenario")`` in a test finds the project's scenarios too), then the shipped
library. The first file found wins: a project's scenario shadows a shipped one of its name.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml

from assetfake.scenario.errors import ScenarioError

DEFAULT_SCENARIO = "default"
#: Directories (``os.pathsep``-separated) searched after the caller's, before the library.
SCENARIOS_DIR_VARIABLE = "ASSETFAKE_SCENARIOS_DIR"
SUFFIXES = (".yaml", ".yml", ".json")
_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")


@dataclass(frozen=True, slots=True)
class LibraryEntry:
    """A scenario addressable by name."""

    name: str
    description: str
    path: Path


def library_root() -> Path | None:
    """The directory holding the shipped ``scenarios/`` and ``fixtures/``, if there is one."""
    package = Path(__file__).resolve().parents[1]  # src/assetfake or site-packages/assetfake
    for root in (package / "_library", package.parents[1]):
        if (root / "scenarios").is_dir():
            return root
    return None


def shipped_scenarios_dir() -> Path | None:
    root = library_root()
    return None if root is None else root / "scenarios"


def library(extra_dirs: Iterable[str | os.PathLike[str]] = ()) -> list[LibraryEntry]:
    """The scenarios addressable by name, sorted by name: those in ``extra_dirs`` and in
    ``ASSETFAKE_SCENARIOS_DIR`` first (they shadow shipped ones of the same name), then the
    shipped library."""
    entries: dict[str, LibraryEntry] = {}
    for directory in _search_dirs(extra_dirs):
        for path in sorted(directory.iterdir()):
            if path.stem in entries or path.suffix not in SUFFIXES or not _NAME.match(path.stem):
                continue
            if path.is_file():
                entries[path.stem] = LibraryEntry(path.stem, _description(path), path)
    return sorted(entries.values(), key=lambda entry: entry.name)


def find_scenario(name: str, extra_dirs: Iterable[str | os.PathLike[str]] = ()) -> Path:
    """The file of the scenario called ``name``: looked up in ``extra_dirs`` in order, then in
    ``ASSETFAKE_SCENARIOS_DIR``'s directories, then in the shipped library. Raises
    :class:`ScenarioError` naming the known scenarios."""
    directories = _search_dirs(extra_dirs)
    if _NAME.match(name):
        for directory in directories:
            for suffix in SUFFIXES:
                candidate = directory / f"{name}{suffix}"
                if candidate.is_file():
                    return candidate
    known = ", ".join(entry.name for entry in library(extra_dirs)) or "none"
    raise ScenarioError(f"no scenario named {name!r}; known scenarios: {known}", file=name)


def is_scenario_name(text: str) -> bool:
    """Whether ``text`` reads as a library name rather than a path: no directory separator and
    no ``.yaml`` / ``.yml`` / ``.json`` suffix."""
    has_separator = "/" in text or os.sep in text or (os.altsep is not None and os.altsep in text)
    return not has_separator and not text.endswith(SUFFIXES)


def environment_dirs() -> list[Path]:
    """The directories ``ASSETFAKE_SCENARIOS_DIR`` names, in order (empty entries skipped)."""
    listed = os.environ.get(SCENARIOS_DIR_VARIABLE, "")
    return [Path(entry) for entry in listed.split(os.pathsep) if entry]


def _search_dirs(extra_dirs: Iterable[str | os.PathLike[str]]) -> list[Path]:
    directories = [Path(directory) for directory in extra_dirs]
    directories.extend(environment_dirs())
    shipped = shipped_scenarios_dir()
    if shipped is not None:
        directories.append(shipped)
    return [directory for directory in directories if directory.is_dir()]


def _description(path: Path) -> str:
    """The file's own ``description`` (it is not inherited through ``extends``), or ``""``."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return ""
    description = data.get("description") if isinstance(data, dict) else None
    return " ".join(description.split()) if isinstance(description, str) else ""
