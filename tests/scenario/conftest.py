from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from assetfake.scenario import validate_files

WriteFile = Callable[..., Path]
Problems = Callable[[str], list[str]]


@pytest.fixture
def write(tmp_path: Path) -> WriteFile:
    """Write a dedented YAML file under tmp_path; returns its path."""

    def _write(text: str, name: str = "scenario.yaml") -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    return _write


@pytest.fixture
def problems(write: WriteFile, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Problems:
    """The `file:line:col: path: message` lines for a YAML text, file named relative to cwd."""
    monkeypatch.chdir(tmp_path)

    def _problems(text: str) -> list[str]:
        write(text, "s.yaml")
        return [str(error) for error in validate_files(["s.yaml"])]

    return _problems


#: The long form of the scenario fuzz (tests/scenario/test_scenario_fuzz.py), skipped unless
#: selected: ``pytest -m fuzz_long tests/scenario``.
FUZZ_LONG_MARKER = "fuzz_long"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{FUZZ_LONG_MARKER}: the long form of the scenario fuzz (thousands of examples, minutes); "
        f"skipped unless selected with -m {FUZZ_LONG_MARKER}",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if FUZZ_LONG_MARKER in (config.getoption("markexpr", "") or ""):
        return
    skip = pytest.mark.skip(reason=f"a long run: select it with -m {FUZZ_LONG_MARKER}")
    for item in items:
        if FUZZ_LONG_MARKER in item.keywords:
            item.add_marker(skip)
