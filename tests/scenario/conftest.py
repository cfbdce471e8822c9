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
