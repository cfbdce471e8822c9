"""``assetfake matrix``: run a client's command once per world, for clients in any language
(contract section 6).

One live server (``AssetFake().serve()``, in this process) serves every run; each world gets a
fresh namespace, loaded with its scenario through ``PUT /_ns/<ns>/_fake/scenario``, and the
command runs with ``ASSETFAKE_URL`` (that namespace's base URL) and ``ASSETFAKE_SCENARIO`` (the
world's name) in its environment. Exit status 0 counts as the workflow finishing, anything else
as raising; then the namespace's expectations are verified (``GET /_fake/verify``) and the run
becomes a :class:`~assetfake.report_card.Cell`.

The clock. A process in another language cannot be handed the fake's ``sleep``: it waits real
time and polls. So the worlds run on a **realtime** clock, sped up (``speed``, 50 by default):
a run that takes 5 fake seconds ends 0.1 s after it started, so a polling client finishes
quickly, while the time-based verdicts (``honors_retry_after``, ``backoff``) judge the wall
time the client really waited. ``clock="manual"`` is there for a client that drives the clock
itself (``POST $ASSETFAKE_URL/_fake/clock/advance``).

A run that outlives ``timeout`` seconds is killed (its whole process group) and fails its cell.
The command's output (stdout and stderr, interleaved) is captured and shown for failing cells.
"""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import httpx

from assetfake.domain.clock import ClockMode
from assetfake.library_runs import LibraryWorld, expectation_verdict, outcome_problem
from assetfake.remote import RemoteFake
from assetfake.report_card import Cell, CellStatus, ReportCard, cut_detail
from assetfake.verify import ExpectationFailed
from assetfake.verify.engine import line

__all__ = [
    "DEFAULT_SPEED",
    "DEFAULT_TIMEOUT",
    "MatrixOptions",
    "ProcessEnd",
    "run_matrix",
    "run_process",
]

DEFAULT_TIMEOUT = 60.0
DEFAULT_SPEED = 50.0
#: How many of the last journal lines a failing cell shows.
JOURNAL_TAIL = 12
URL_VARIABLE = "ASSETFAKE_URL"
SCENARIO_VARIABLE = "ASSETFAKE_SCENARIO"
NO_REQUEST = f"no request reached the fake (does the command use ${URL_VARIABLE}?)"


@dataclass(frozen=True, slots=True)
class MatrixOptions:
    """What to run, in which worlds, on which clock."""

    command: tuple[str, ...]
    worlds: tuple[LibraryWorld, ...]
    seed: int | None = None
    timeout: float = DEFAULT_TIMEOUT
    clock: ClockMode = "realtime"
    speed: float = DEFAULT_SPEED

    @property
    def label(self) -> str:
        """The command as the card's column names it."""
        text = shlex.join(self.command)
        return text if len(text) <= 80 else text[:79] + "…"


@dataclass(frozen=True, slots=True)
class ProcessEnd:
    """How a run of the command ended: its exit status (``None``: killed at the timeout, a
    negative number: ended by that signal), what it printed, how long it took."""

    status: int | None
    output: str
    seconds: float

    def describe(self) -> str:
        if self.status is None:
            return f"timed out after {self.seconds:.1f} s (killed)"
        if self.status < 0:
            try:
                name = signal.Signals(-self.status).name
            except ValueError:
                name = f"signal {-self.status}"
            return f"was killed by {name}"
        return f"exited with status {self.status}"


def run_matrix(
    options: MatrixOptions, progress: Callable[[Cell, ProcessEnd], None] | None = None
) -> ReportCard:
    """Run the command in every world (one after the other) and return the card; ``progress``
    hears of each cell as it is decided."""
    from assetfake.fake import AssetFake

    cells: list[Cell] = []
    with AssetFake().serve() as url, httpx.Client(timeout=30.0) as http:
        for index, world in enumerate(options.worlds, start=1):
            remote = RemoteFake(url, f"matrix-{index}-{world.name}", client=http)
            try:
                cell, end = _run_world(remote, world, options)
            finally:
                remote.drop()
            cells.append(cell)
            if progress is not None:
                progress(cell, end)
    return ReportCard.of(cells)


def _run_world(
    remote: RemoteFake, world: LibraryWorld, options: MatrixOptions
) -> tuple[Cell, ProcessEnd]:
    speed = options.speed if options.clock == "realtime" else None
    scenario = world.scenario.with_overrides(
        seed=options.seed, clock_mode=options.clock, clock_speed=speed
    )
    remote.load_scenario(scenario.to_dict())
    environment = {**os.environ, URL_VARIABLE: remote.url, SCENARIO_VARIABLE: world.name}
    end = run_process(options.command, environment, options.timeout)
    problems: list[str] = []  # how the run ended, then the expectations that failed
    if end.status is None:
        problems.append(end.describe())
    else:
        mismatch = outcome_problem(
            world.outcome,
            None if end.status == 0 else end.describe(),
            end.status != 0,
            "any non-zero exit status",
            finished=end.describe(),
        )
        if mismatch is not None:
            problems.append(mismatch)
    try:
        remote.verify()
    except ExpectationFailed as failure:
        verdict = expectation_verdict(failure)
    else:
        verdict = expectation_verdict(None)
    journal = [line(entry) for entry in remote.journal]
    if not journal:
        problems.append(NO_REQUEST)
    detail = ""
    if problems or verdict.problems:
        detail = _detail(problems, verdict.report, journal, end)
    problems.extend(verdict.problems)
    status: CellStatus = "fail" if problems else "pass"
    return Cell(options.label, world.name, world.outcome, status, tuple(problems), detail), end


def _detail(problems: Sequence[str], report: str, journal: list[str], end: ProcessEnd) -> str:
    """How the run ended, the verifier's report, the requests, the output."""
    parts = list(problems)
    if report:
        parts.append(report)
    shown = journal[-JOURNAL_TAIL:]
    if journal:
        cut = f" (the last {len(shown)} of {len(journal)})" if len(shown) < len(journal) else ""
        parts.append(f"its requests{cut}:")
        parts.extend(f"    {entry}" for entry in shown)
    parts.append(f"its output ({end.describe()}, {end.seconds:.1f} s):")
    parts.append(end.output.rstrip() or "(nothing)")
    return cut_detail("\n".join(parts))


def run_process(command: Sequence[str], environment: dict[str, str], timeout: float) -> ProcessEnd:
    """Run ``command`` in a session of its own, its output captured (stdout and stderr
    together); at ``timeout`` its whole process group is killed. Raises :class:`OSError` when
    the command cannot be started."""
    started = time.monotonic()
    process = subprocess.Popen(
        list(command),
        env=environment,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    status: int | None
    try:
        output, _ = process.communicate(timeout=timeout)
        status = process.returncode
    except subprocess.TimeoutExpired:
        _kill_group(process)
        try:
            output, _ = process.communicate(timeout=5)
        except subprocess.TimeoutExpired:  # a process that left the group holds the pipe
            output = b"(its output was lost: a process it started still holds it open)"
        status = None
    seconds = time.monotonic() - started
    return ProcessEnd(status, cut_detail(output.decode("utf-8", errors="replace")), seconds)


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    """Kill the process and every process it started (they share its session's group)."""
    killpg = getattr(os, "killpg", None)
    try:
        if killpg is not None:
            killpg(process.pid, signal.SIGKILL)
        else:  # pragma: no cover - no process groups (Windows)
            process.kill()
    except ProcessLookupError:
        pass
