"""Every example in README.md and docs/*.md runs.

- A ```python block that defines tests (``def test_…``) is written to a test file and run by an
  in-process pytest (``pytester``) with the assetfake plugin; every test in it must pass.
- Any other ```python block is exec'd in a fresh namespace.
- A ```yaml block that is a whole scenario (a top-level ``version:`` line) must load.
- A ```sh block marked ``<!-- runnable -->`` is run as a shell script (``sh -eu``, in a fresh
  directory with the page's example files, ``assetfake`` and ``python`` of this interpreter on
  the ``PATH``): it must exit 0, and whatever it started is stopped afterwards.

Markers, HTML comments on the lines just before a fence (several may be stacked):

- ``<!-- runnable -->``: a ```sh block that is run (see above).
- ``<!-- no-test -->``: the block is not run or loaded (for shell-dependent code, or a scenario
  that is wrong on purpose; use sparingly).
- ``<!-- file: some/path.ext -->``: the block is also a file of the example project. All such
  files of a page are written to the directory its examples run in (the pytester directory, or
  the working directory of exec'd blocks) so that examples can use them, e.g. a scenario file and
  the ``pyproject.toml`` that points ``assetfake_scenarios_dir`` at it.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from assetfake import Scenario

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

_FENCE = re.compile(r"^```([\w+-]*)\s*$")
_NO_TEST = re.compile(r"^<!--\s*no-test\s*-->$")
_RUNNABLE = re.compile(r"^<!--\s*runnable\s*-->$")
_FILE = re.compile(r"^<!--\s*file:\s*(\S+)\s*-->$")
_DEFINES_TESTS = re.compile(r"^\s*(?:async\s+)?def\s+test_\w*\s*\(", re.MULTILINE)
_SCENARIO = re.compile(r"^version:", re.MULTILINE)

pytest_plugins = ["pytester"]


@dataclass(frozen=True)
class Block:
    page: Path
    line: int  # of the opening fence, 1-based
    language: str
    code: str
    skip: bool
    file: str | None  # the example project's file this block is, if any
    runnable: bool = False  # a shell block to run

    @property
    def id(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"


def blocks(page: Path) -> list[Block]:
    """The fenced blocks of a page, with the marker before each."""
    found: list[Block] = []
    lines = page.read_text(encoding="utf-8").splitlines()
    markers: list[str] = []
    index = 0
    while index < len(lines):
        opening = _FENCE.match(lines[index])
        if opening is None:
            text = lines[index].strip()
            if text.startswith("<!--"):
                markers.append(text)
            elif text:
                markers = []
            index += 1
            continue
        end = index + 1
        while end < len(lines) and lines[end].rstrip() != "```":
            end += 1
        if end == len(lines):
            raise AssertionError(f"{page}:{index + 1}: unclosed code fence")
        files = [m.group(1) for m in map(_FILE.match, markers) if m is not None]
        found.append(
            Block(
                page=page,
                line=index + 1,
                language=opening.group(1).lower(),
                code="\n".join(lines[index + 1 : end]) + "\n",
                skip=any(_NO_TEST.match(marker) for marker in markers),
                file=files[-1] if files else None,
                runnable=any(_RUNNABLE.match(marker) for marker in markers),
            )
        )
        markers = []
        index = end + 1
    return found


ALL_BLOCKS = [block for page in PAGES for block in blocks(page)]
PYTHON = [b for b in ALL_BLOCKS if b.language in ("python", "py") and not b.skip]
SHELL = [b for b in ALL_BLOCKS if b.language in ("sh", "shell", "bash") and b.runnable]
SCENARIOS = [
    b
    for b in ALL_BLOCKS
    if b.language in ("yaml", "yml") and not b.skip and _SCENARIO.search(b.code)
]


def _write_project_files(page: Path, directory: Path) -> None:
    for block in ALL_BLOCKS:
        if block.page == page and block.file is not None:
            target = directory / block.file
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(block.code, encoding="utf-8")


def test_the_pages_have_examples() -> None:
    assert (ROOT / "README.md") in {block.page for block in PYTHON}
    assert len(PYTHON) >= 10


@pytest.mark.parametrize("block", PYTHON, ids=lambda block: block.id)
def test_python_example_runs(
    block: Block, pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write_project_files(block.page, pytester.path)
    if _DEFINES_TESTS.search(block.code):
        _run_as_tests(block, pytester)
    else:
        monkeypatch.chdir(pytester.path)
        namespace: dict[str, object] = {"__name__": "__doc_example__"}
        exec(compile(block.code, block.id, "exec"), namespace)  # the docs' own code


def _run_as_tests(block: Block, pytester: pytest.Pytester) -> None:
    name = block.file if block.file and block.file.endswith(".py") else "test_example.py"
    path = pytester.path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(block.code, encoding="utf-8")
    arguments = [str(path), "-p", "no:cacheprovider"]
    if os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD"):  # else the entry point loads it
        arguments += ["-p", "assetfake.testing.plugin"]
    result = pytester.runpytest(*arguments)
    outcomes = result.parseoutcomes()
    assert result.ret == 0, f"{block.id}: the example's tests did not pass:\n{result.stdout.str()}"
    assert outcomes.get("passed", 0) >= 1, f"{block.id}: no test ran:\n{result.stdout.str()}"


@pytest.mark.parametrize("block", SCENARIOS, ids=lambda block: block.id)
def test_scenario_example_loads(block: Block, tmp_path: Path) -> None:
    """A scenario in the docs is valid. One that is an example project's file is loaded where the
    page puts it; any other resolves ``extends`` as a file of the shipped library would."""
    if block.file is not None:
        _write_project_files(block.page, tmp_path)
        Scenario.load(tmp_path / block.file)
    else:
        Scenario.from_yaml_text(block.code, block.id, base_dir=ROOT / "scenarios")


def test_the_readme_shell_example_is_run() -> None:
    assert any(block.page == ROOT / "README.md" for block in SHELL)


@pytest.mark.parametrize("block", SHELL, ids=lambda block: block.id)
def test_shell_example_runs(block: Block, tmp_path: Path) -> None:
    if shutil.which("curl") is None:
        pytest.skip(f"!!! {block.id} NOT RUN: it needs curl, which is not installed !!!")
    _write_project_files(block.page, tmp_path)
    script = tmp_path / "example.sh"
    script.write_text(block.code, encoding="utf-8")
    here = str(Path(sys.executable).parent)  # assetfake's console script lives beside it
    env = {**os.environ, "PATH": here + os.pathsep + os.environ.get("PATH", "")}
    log = tmp_path / "example.log"
    with log.open("w") as output:  # a file, not a pipe: a server left running cannot block it
        shell = subprocess.Popen(
            ["sh", "-eu", str(script)],
            cwd=tmp_path,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: what it starts is stopped below
        )
        try:
            shell.wait(timeout=60)
        finally:
            with contextlib.suppress(ProcessLookupError):  # everything it started is gone
                os.killpg(shell.pid, signal.SIGTERM)
            shell.wait(timeout=10)
    shown = log.read_text(encoding="utf-8", errors="replace")
    assert shell.returncode == 0, f"{block.id}: the example failed:\n{shown}"
