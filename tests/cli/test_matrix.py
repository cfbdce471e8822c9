"""``assetfake matrix -- CMD``: a shell client (curl) run once per world, with the expected card.

The worlds are defined here (``--scenarios-dir``), plus the shipped ``default``, so that the
card does not depend on the library's contents. The client is one POSIX shell script in three
modes: careful (retries 5xx three times with back-off, exits 1 on a 4xx or when the retries run
out), swallow (the same, but exits 0 whatever happened) and no-retry.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from assetfake.cli import main

pytestmark = pytest.mark.skipif(
    shutil.which("curl") is None or shutil.which("sh") is None, reason="needs sh and curl"
)

_BASE: dict[str, Any] = {
    "version": 1,
    "seed": 11,
    "clock": {"start": "2030-01-01T00:00:00Z", "mode": "manual"},
    "assets": [{"key": "customers", "run": {"queued_seconds": 1, "running_seconds": 2}}],
}


def _fault(name: str, status: int, **match: object) -> dict[str, Any]:
    return {
        "name": name,
        "match": {"operation": "listAssetRuns", **match},
        "respond": {"status": status},
    }


WORLDS: dict[str, dict[str, Any]] = {
    "calm": {**_BASE, "expect": [{"no_retry_on": [400, 404]}]},
    "flaky": {
        **_BASE,
        "faults": [_fault("once", 500, call=1)],
        "expect": [{"retries_on": [500]}, {"no_retry_on": [404]}],
    },
    "outage": {
        **_BASE,
        "faults": [_fault("down", 500)],
        "expect": [{"outcome": "fails"}, {"calls": {"operation": "listAssetRuns", "max": 4}}],
    },
    "vanishing": {
        **_BASE,
        "faults": [_fault("gone", 404)],
        "expect": [{"outcome": "fails"}, {"no_retry_on": [404]}],
    },
}
ORDER = ["default", "calm", "flaky", "outage", "vanishing"]

CLIENT = r"""#!/bin/sh
# Trigger a run of customers, then poll the run list until that run ends.
mode=${1:-careful}
retries=3
[ "$mode" = no-retry ] && retries=0
body=$(mktemp)
trap 'rm -f "$body"' EXIT

call() {  # call METHOD PATH [JSON]: the answer's body in $body; non-zero on an error answer
  attempt=0
  while :; do
    if [ -n "${3-}" ]; then
      status=$(curl -s -o "$body" -w '%{http_code}' -X "$1" \
        -H 'content-type: application/json' -d "$3" "$ASSETFAKE_URL$2")
    else
      status=$(curl -s -o "$body" -w '%{http_code}' -X "$1" "$ASSETFAKE_URL$2")
    fi
    case $status in
      2??) return 0 ;;
      5??|000) ;;
      *) echo "$1 $2 answered $status" >&2; return 1 ;;
    esac
    if [ "$attempt" -ge "$retries" ]; then
      echo "$1 $2 answered $status after $attempt retries" >&2
      return 1
    fi
    attempt=$((attempt + 1))
    case $attempt in 1) sleep 0.05 ;; 2) sleep 0.1 ;; *) sleep 0.2 ;; esac
  done
}

workflow() {
  call POST /assets/customers/materialize '{}' || return 1
  id=$(sed -n 's/^{"id":"\([^"]*\)".*/\1/p' "$body")
  polls=0
  while [ "$polls" -lt 100 ]; do
    call GET /assets/customers/runs || return 1
    state=$(tr '{' '\n' < "$body" |
      sed -n "s/^\"id\":\"$id\",\"asset_key\":\"[^\"]*\",\"status\":\"\([A-Z]*\)\".*/\1/p")
    case $state in
      SUCCEEDED|FAILED|CANCELED) echo "run $id $state"; return 0 ;;
    esac
    polls=$((polls + 1))
    sleep 0.05
  done
  echo "run $id never ended" >&2
  return 1
}

if workflow; then exit 0; fi
[ "$mode" = swallow ] && exit 0
exit 1
"""

SWALLOWED = "exited with status 0, but this world's outcome is fails: the failure was swallowed"
RAISED_IN_FLAKY = "exited with status 1, but this world's outcome is succeeds"
#: The problems of each mode's failing cells (the others pass).
EXPECTED: dict[str, dict[str, list[str]]] = {
    "careful": {},
    "swallow": {"outage": [SWALLOWED], "vanishing": [SWALLOWED]},
    "no-retry": {"flaky": [RAISED_IN_FLAKY, "expect[0] retries_on [500]"]},
}


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working directory with the worlds (``worlds/``) and the client (``client.sh``)."""
    worlds = tmp_path / "worlds"
    worlds.mkdir()
    for name, document in WORLDS.items():
        (worlds / f"{name}.yaml").write_text(yaml.safe_dump({**document, "name": name}))
    (tmp_path / "client.sh").write_text(CLIENT)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def matrix(*args: str) -> list[str]:
    return ["matrix", "--scenarios-dir", "worlds", *args]


@pytest.mark.parametrize("mode", sorted(EXPECTED))
def test_the_shell_client_through_every_world(
    project: Path, capsys: pytest.CaptureFixture[str], mode: str
) -> None:
    code = main(
        matrix("--scenarios", ",".join(ORDER), "--report", "card.md", "--", "sh", "client.sh", mode)
    )
    out, err = capsys.readouterr()
    failing = EXPECTED[mode]
    assert code == (1 if failing else 0), out
    table = [line for line in out.splitlines() if line.startswith("|")]
    assert table[0] == f"| scenario | outcome | sh client.sh {mode} |"
    rows = []
    for world in ORDER:
        outcome = "fails" if world in ("outage", "vanishing") else "succeeds"
        problems = failing.get(world)
        rows.append(
            f"| {world} | {outcome} | {'FAIL: ' + '; '.join(problems) if problems else 'pass'} |"
        )
    assert table[2:] == rows
    # one progress line per world on stderr
    assert [line.split(":")[1].strip() for line in err.splitlines() if "matrix:" in line] == ORDER
    document = json.loads((project / "card.json").read_text())
    assert (project / "card.md").read_text() == out
    cells = {cell["scenario"]: cell for cell in document["cells"]}
    assert list(cells) == ORDER
    for world, cell in cells.items():
        assert cell["test"] == f"sh client.sh {mode}"
        assert cell["problems"] == failing.get(world, [])
        assert cell["passed"] is (world not in failing)
    if mode == "no-retry":  # a failing cell shows the requests and the output
        detail = cells["flaky"]["detail"]
        assert "GET /assets/customers/runs -> 500  [fault once]" in detail
        assert "GET /assets/customers/runs answered 500 after 0 retries" in detail


def test_the_command_sees_its_world(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    show = (
        'echo "world=$ASSETFAKE_SCENARIO url=$ASSETFAKE_URL"; '
        'curl -s "$ASSETFAKE_URL/_fake/clock"; exit 7'
    )
    assert main(matrix("--scenarios", "calm", "--seed", "3", "--", "sh", "-c", show)) == 1
    out = capsys.readouterr().out
    assert "world=calm url=http://127.0.0.1:" in out
    assert "/_ns/matrix-1-calm" in out
    assert '"mode":"realtime"' in out and '"speed":50' in out  # the matrix's default clock
    assert "exited with status 7, but this world's outcome is succeeds" in out
    assert "no request reached the fake (does the command use $ASSETFAKE_URL?)" in out


def test_manual_clock_and_speed_are_options(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    show = 'curl -s "$ASSETFAKE_URL/_fake/clock"; exit 1'
    main(matrix("--scenarios", "calm", "--clock", "manual", "--", "sh", "-c", show))
    assert '"mode":"manual"' in capsys.readouterr().out
    main(matrix("--scenarios", "calm", "--speed", "7", "--", "sh", "-c", show))
    assert '"speed":7' in capsys.readouterr().out


def test_a_run_past_its_timeout_is_killed_with_its_children(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    started = time.monotonic()
    code = main(
        matrix("--scenarios", "outage", "--timeout", "0.5", "--", "sh", "-c", "sleep 30 & sleep 30")
    )
    assert time.monotonic() - started < 10
    assert code == 1
    out = capsys.readouterr().out
    assert "| outage | fails | FAIL: timed out after 0.5 s (killed); no request reached" in out


def test_usage_errors(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["matrix", "--scenarios", "calm"]) == 2
    assert "no command to run (give it after --)" in capsys.readouterr().err
    assert main(matrix("--scenarios", "calm,no-such-world", "--", "true")) == 2
    assert "no scenario named 'no-such-world'" in capsys.readouterr().err
    assert main(matrix("--scenarios", "calm", "--", "./no-such-program")) == 2
    assert "cannot run './no-such-program'" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_info:
        main(matrix("--timeout", "0", "--", "true"))
    assert exit_info.value.code == 2


def test_python_m_assetfake_matrix_over_the_shipped_library(project: Path) -> None:
    """End to end, as CI runs it; every shipped world appears in the card."""
    from assetfake.library_runs import shipped_names

    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "assetfake",
            "matrix",
            "--report",
            "card.md",
            "--",
            "sh",
            "client.sh",
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode in (0, 1), done.stderr
    document = json.loads((project / "card.json").read_text())
    assert [s["name"] for s in document["scenarios"]] == shipped_names()
    assert done.stdout.startswith("# assetfake report card: 1 test(s) x ")
