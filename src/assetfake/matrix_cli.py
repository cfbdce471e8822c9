"""The ``assetfake matrix`` command line: its options, and the run that prints the card
(the runner itself is :mod:`assetfake.matrix`)."""

from __future__ import annotations

import argparse
import math
import sys

from assetfake.cli import CHECK_FAILED, _cannot_load, _Parser, _usage_error
from assetfake.cli_values import clock_speed, seed_number
from assetfake.library_runs import worlds_of
from assetfake.matrix import DEFAULT_SPEED, DEFAULT_TIMEOUT, MatrixOptions, ProcessEnd, run_matrix
from assetfake.report_card import Cell, write_card
from assetfake.scenario import ScenarioError

__all__ = ["add_matrix", "timeout_seconds"]


def timeout_seconds(text: str) -> float:
    """A timeout: a finite number of seconds above 0."""
    try:
        seconds = float(text)
    except ValueError:
        seconds = math.nan
    if not (math.isfinite(seconds) and seconds > 0):
        raise argparse.ArgumentTypeError(f"expected a number of seconds above 0, got {text!r}")
    return seconds


def add_matrix(sub: argparse._SubParsersAction[_Parser]) -> None:
    """The ``matrix`` subcommand, added to the ``assetfake`` parser."""
    matrix = sub.add_parser(
        "matrix",
        help="run a command once per scenario and print the report card",
        description="Run CMD once per scenario, each in a fresh namespace of a live fake "
        "($ASSETFAKE_URL, $ASSETFAKE_SCENARIO in its environment): exit status 0 counts as "
        "finishing, anything else as raising; then verify, and print the report card.",
    )
    matrix.add_argument(
        "--scenarios",
        default="library",
        metavar="NAME,…",
        help="comma-separated scenario names or files; 'library' is every shipped one "
        "(default: library)",
    )
    matrix.add_argument(
        "--scenarios-dir",
        action="append",
        default=[],
        metavar="DIR",
        help="a directory where names are looked up before the library (repeatable)",
    )
    matrix.add_argument(
        "--report",
        default=None,
        metavar="FILE",
        help="also write the card to FILE (markdown) and FILE with .json",
    )
    matrix.add_argument(
        "--seed", type=seed_number, default=None, help="overrides every scenario's seed"
    )
    matrix.add_argument(
        "--timeout",
        type=timeout_seconds,
        default=DEFAULT_TIMEOUT,
        metavar="S",
        help=f"seconds each run may take before it is killed (default: {DEFAULT_TIMEOUT:g})",
    )
    matrix.add_argument(
        "--clock",
        choices=("manual", "realtime"),
        default="realtime",
        help="realtime (default: the command waits real time and polls) or manual (the "
        "command moves the clock itself through $ASSETFAKE_URL/_fake/clock/advance)",
    )
    matrix.add_argument(
        "--speed",
        type=clock_speed,
        default=DEFAULT_SPEED,
        metavar="X",
        help=f"realtime clock speed (default: {DEFAULT_SPEED:g}: a 5 s run ends in 0.1 s)",
    )
    matrix.add_argument(
        "client_command",
        nargs=argparse.REMAINDER,
        metavar="-- CMD ARGS…",
        help="the client to run",
    )
    matrix.set_defaults(run=_matrix)


def _matrix(args: argparse.Namespace) -> int:
    given: list[str] = args.client_command
    command = given[1:] if given[:1] == ["--"] else given
    if not command:
        return _usage_error("assetfake matrix: no command to run (give it after --)")
    selection = [name.strip() for name in args.scenarios.split(",") if name.strip()]
    try:
        worlds = worlds_of(selection, args.scenarios_dir)
    except (ScenarioError, OSError, ValueError) as error:
        return _cannot_load(error)
    options = MatrixOptions(
        tuple(command), tuple(worlds), args.seed, args.timeout, args.clock, args.speed
    )
    try:
        card = run_matrix(options, progress=_matrix_progress)
    except OSError as error:
        return _usage_error(
            f"assetfake matrix: cannot run {command[0]!r}: {error.strerror or error}"
        )
    sys.stdout.write(card.markdown())
    if args.report is not None:
        try:
            markdown, document = write_card(card, args.report)
        except OSError as error:
            return _usage_error(f"assetfake matrix: cannot write {args.report}: {error}")
        print(f"report card written to {markdown} and {document}", file=sys.stderr)
    return 0 if card.passed else CHECK_FAILED


def _matrix_progress(cell: Cell, end: ProcessEnd) -> None:
    verdict = "pass" if cell.passed else "FAIL"
    print(
        f"assetfake matrix: {cell.scenario}: {verdict} ({end.describe()}, {end.seconds:.1f} s)",
        file=sys.stderr,
        flush=True,
    )
