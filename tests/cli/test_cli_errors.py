"""Bad command-line values: one line on stderr, exit status 2, never a traceback (CONTRACT 7).

The table runs in-process (an exception escaping ``main`` fails the test, as a traceback would
show); the cases of the original report also run as real processes, where a traceback would be
printed."""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from assetfake.cli import build_parser, main

HUGE = "9" * 5000
UNBINDABLE = "192.0.2.1"  # TEST-NET-1 (RFC 5737): never an address of this machine

BAD_VALUES: list[tuple[str, list[str], str]] = [
    ("speed-negative", ["serve", "--speed", "-1"], "--speed"),
    ("speed-zero", ["serve", "--speed", "0"], "--speed"),
    ("speed-nan", ["serve", "--speed", "nan"], "--speed"),
    ("speed-inf", ["serve", "--speed", "inf"], "--speed"),
    ("speed-huge", ["serve", "--speed", "1e7"], "--speed"),
    ("speed-word", ["serve", "--speed", "fast"], "--speed"),
    ("port-too-big", ["serve", "--port", "99999"], "--port"),
    ("port-negative", ["serve", "--port", "-1"], "--port"),
    ("port-word", ["serve", "--port", "abc"], "--port"),
    ("port-empty", ["serve", "--port", ""], "--port"),
    ("port-huge", ["serve", "--port", HUGE], "--port"),
    ("seed-negative", ["serve", "--seed", "-1"], "--seed"),
    ("seed-word", ["serve", "--seed", "abc"], "--seed"),
    ("seed-over-63-bits", ["serve", "--seed", str(2**63)], "--seed"),
    ("seed-huge", ["serve", "--seed", HUGE], "--seed"),
    ("clock-unknown", ["serve", "--clock", "sundial"], "--clock"),
    ("log-level-unknown", ["serve", "--log-level", "loud"], "--log-level"),
    ("log-format-unknown", ["serve", "--log-format", "xml"], "--log-format"),
    ("option-unknown", ["serve", "--colour", "blue"], "--colour"),
    ("command-unknown", ["launch"], "launch"),
    ("scenario-unknown", ["serve", "no-such-scenario", "--port", "0"], "no-such-scenario"),
    ("scenario-file-missing", ["serve", "/no/such/dir/s.yaml", "--port", "0"], "s.yaml"),
    ("openapi-scenario-unknown", ["openapi", "--scenario", "no-such-scenario"], "no-such"),
    ("host-unbindable", ["serve", "--host", UNBINDABLE, "--port", "0"], UNBINDABLE),
    ("host-malformed", ["serve", "--host", "::1::2", "--port", "0"], "::1::2"),
    ("validate-no-file", ["validate"], "FILE"),
    ("verify-no-url", ["verify"], "--url"),
]


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    try:
        code = main(argv)
    except SystemExit as stop:  # argparse's own exit
        code = stop.code if isinstance(stop.code, int) else 1
    return code, capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "named"), [c[1:] for c in BAD_VALUES], ids=[c[0] for c in BAD_VALUES]
)
def test_a_bad_value_is_one_line_and_exit_2(
    argv: list[str], named: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = _run(argv, capsys)
    assert code == 2, err
    assert len(err.splitlines()) == 1, err
    assert named in err, "the line names what was wrong"
    assert "Traceback" not in err


def test_an_address_in_use_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = str(busy.getsockname()[1])
        code, err = _run(["serve", "--port", port, "--clock", "manual"], capsys)
    assert code == 2
    assert len(err.splitlines()) == 1, err
    assert f"127.0.0.1:{port}" in err


def test_a_scenario_that_fails_to_load_prints_its_located_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("version: 1\nseed: -4\nassets: [{key: a, colour: red}]\n", encoding="utf-8")
    for argv in (["serve", str(broken), "--port", "0"], ["openapi", "--scenario", str(broken)]):
        code, err = _run(argv, capsys)
        assert code == 2, argv
        lines = err.splitlines()
        assert [line.split(":")[:2] for line in lines] == [[str(broken), "2"], [str(broken), "3"]]


def test_a_scenario_with_a_huge_integer_is_refused_without_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    huge = tmp_path / "huge.yaml"
    huge.write_text(f"version: 1\nseed: {HUGE}\n", encoding="utf-8")
    code, err = _run(["serve", str(huge), "--port", "0"], capsys)
    assert code == 2
    assert err.startswith(f"{huge}") or err.startswith("assetfake:"), err
    assert len(err.splitlines()) == 1
    assert main(["validate", str(huge)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 1
    assert out[0].startswith(f"{huge}:")


@pytest.mark.parametrize(
    "argv",
    [["--speed", "-1"], ["--speed", "0"], ["--port", "99999"], ["--host", UNBINDABLE]],
    ids=["speed-negative", "speed-zero", "port-too-big", "host-unbindable"],
)
def test_a_real_process_prints_no_traceback(argv: list[str]) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "assetfake", "serve", "--port", "0", *argv],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2, done.stderr
    assert len(done.stderr.splitlines()) == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout == "", "no URL: nothing was served"


def _actions(parser: argparse.ArgumentParser) -> list[tuple[str, argparse.Action]]:
    found: list[tuple[str, argparse.Action]] = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found += [(f"{name} {label}", a) for label, a in _actions(sub)]
        elif not isinstance(action, argparse._HelpAction):
            found.append(("/".join(action.option_strings) or action.dest, action))
    return found


def test_every_option_and_argument_has_help() -> None:
    actions = _actions(build_parser())
    labels = {label for label, _ in actions}
    for expected in ("serve --host", "serve scenario", "validate files", "--version"):
        assert expected in labels, labels
    missing = [label for label, action in actions if not action.help]
    assert missing == []


def test_every_command_has_help() -> None:
    (commands,) = [a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)]
    helps = {choice.dest: choice.help for choice in commands._choices_actions}
    for command in ("serve", "validate", "scenarios", "openapi", "schema", "verify"):
        assert helps.get(command), f"{command} has no help text"


def test_the_help_of_serve_names_every_option(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["serve", "--help"])
    assert stop.value.code == 0
    out = capsys.readouterr().out
    options = ["--host", "--port", "--seed", "--clock", "--speed", "--no-control"]
    for option in [*options, "--log-level", "--log-format", "SCENARIO"]:
        assert option in out
    assert "127.0.0.1" in out, "the default host is stated"


BROKEN_TWICE = textwrap.dedent(
    """\
    version: 1
    assets:
      - key: a
        run: {queued_seconds: -1}
    """
)


def test_validate_checks_every_file_and_says_ok_for_the_good_ones(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = tmp_path / "good.yaml"
    good.write_text("version: 1\nassets: [{key: a}]\n", encoding="utf-8")
    first, second = tmp_path / "first.yaml", tmp_path / "second.yaml"
    first.write_text(BROKEN_TWICE, encoding="utf-8")
    second.write_text("version: 2\n", encoding="utf-8")
    assert main(["validate", str(first), str(good), str(second)]) == 1
    lines = capsys.readouterr().out.splitlines()
    ok = lines.index(f"ok: {good}")  # files in the order given, each in full
    before, after = lines[:ok], lines[ok + 1 :]
    assert before and all(line.startswith(f"{first}:") for line in before), lines
    assert after and all(line.startswith(f"{second}:") for line in after), lines
    assert any(line.startswith(f"{first}:4:") for line in before), lines
    assert not any(line.startswith("ok:") for line in before + after)
