"""Whole-library runs through the plugin (contract section 6), run by ``pytester``: the marker's
``scenarios=`` and ``client_errors=``, the outcome verdict, ``--assetfake-report`` (also under
pytest-xdist), ``patch_time=True`` and scenario names found in ``assetfake_scenarios_dir``.

The worlds are defined here (written to the example project's ``worlds/`` directory, which its
ini names), plus the shipped ``default``, so that these tests do not depend on the library's
contents; one test runs ``scenarios="library"`` and checks only that every shipped world is in
the card.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from test_plugin import ARGS, LEAN, LEAN_XDIST

from assetfake.library_runs import shipped_names

pytest_plugins = ["pytester"]

_BASE: dict[str, Any] = {
    "version": 1,
    "seed": 11,
    "clock": {"start": "2030-01-01T00:00:00Z", "mode": "manual"},
    "assets": [{"key": "customers", "run": {"queued_seconds": 1, "running_seconds": 2}}],
}
_ALWAYS_500 = {"name": "down", "match": {"operation": "listAssetRuns"}, "respond": {"status": 500}}

#: The worlds of these tests: two that succeed, two that fail, and what each expects.
WORLDS: dict[str, dict[str, Any]] = {
    "calm": {**_BASE, "expect": [{"no_retry_on": [400, 404]}]},
    "flaky": {
        **_BASE,
        "faults": [
            {
                "name": "once",
                "match": {"operation": "listAssetRuns", "call": 1},
                "respond": {"status": 500},
            }
        ],
        "expect": [{"retries_on": [500]}, {"no_retry_on": [404]}],
    },
    "outage": {
        **_BASE,
        "faults": [_ALWAYS_500],
        "expect": [{"outcome": "fails"}, {"calls": {"operation": "listAssetRuns", "max": 4}}],
    },
    "vanishing": {
        **_BASE,
        "faults": [
            {"name": "gone", "match": {"operation": "listAssetRuns"}, "respond": {"status": 404}}
        ],
        "expect": [{"outcome": "fails"}, {"no_retry_on": [404]}],
    },
}
ORDER = ["default", "calm", "flaky", "outage", "vanishing"]

#: The client under test: retries 5xx (up to ``retries`` times, sleeping 2**attempt), raises
#: ClientError on a 4xx or when the retries run out; ``workflow`` triggers a run and polls the
#: run list until it ends.
WORKFLOW = '''
import time

class ClientError(Exception):
    pass

class Client:
    def __init__(self, http, sleep=None, retries=3):
        self.http, self.retries = http, retries
        self.sleep = sleep or (lambda seconds: time.sleep(seconds))  # looked up when called

    def request(self, method, path, **options):
        for attempt in range(self.retries + 1):
            answer = self.http.request(method, path, **options)
            if answer.status_code < 400:
                return answer.json()
            if answer.status_code < 500 or attempt == self.retries:
                raise ClientError(f"{method} {path} answered {answer.status_code}")
            self.sleep(2 ** attempt)

def workflow(client):
    run = client.request("POST", "/assets/customers/materialize", json={})
    for _ in range(20):
        listed = client.request("GET", "/assets/customers/runs")["items"]
        mine = [r for r in listed if r["id"] == run["id"]]
        if mine and mine[0]["status"] in ("SUCCEEDED", "FAILED", "CANCELED"):
            return mine[0]
        client.sleep(1)
    raise ClientError("the run never ended")

def swallowing(client):
    """The bug: errors become an empty result."""
    try:
        return workflow(client)
    except ClientError:
        return None
'''

#: Three clients through every world, through the fixture named FIXTURE.
CLIENTS = """
import pytest
from workflow import Client, ClientError, swallowing, workflow

WORLDS = {order!r}

def fake_client(fake):
    return fake.client()

@pytest.mark.assetfake(scenarios=WORLDS, client_errors=(ClientError,))
def test_careful({fixture}):
    with {fixture}.client() as http:
        workflow(Client(http, {fixture}.clock.sleep))

@pytest.mark.assetfake(scenarios=WORLDS, client_errors=ClientError)
def test_swallows({fixture}):
    with {fixture}.client() as http:
        swallowing(Client(http, {fixture}.clock.sleep))

@pytest.mark.assetfake(scenarios=WORLDS, client_errors=[ClientError])
def test_never_retries({fixture}):
    with {fixture}.client() as http:
        workflow(Client(http, {fixture}.clock.sleep, retries=0))
"""

SWALLOWED = "finished, but this world's outcome is fails: the failure was swallowed"
RAISED_IN_FLAKY = (
    "raised ClientError: GET /assets/customers/runs answered 500, "
    "but this world's outcome is succeeds"
)
#: Every cell of CLIENTS: the problems it reports (empty: pass).
EXPECTED: dict[tuple[str, str], list[str]] = {
    **{("test_careful", world): [] for world in ORDER},
    **{("test_swallows", world): [] for world in ("default", "calm", "flaky")},
    ("test_swallows", "outage"): [SWALLOWED],
    ("test_swallows", "vanishing"): [SWALLOWED],
    ("test_never_retries", "default"): [],
    ("test_never_retries", "calm"): [],
    ("test_never_retries", "flaky"): [RAISED_IN_FLAKY, "expect[0] retries_on [500]"],
    ("test_never_retries", "outage"): [],
    ("test_never_retries", "vanishing"): [],
}


def project(pytester: pytest.Pytester, fixture: str = "assetfake") -> None:
    """The example project: its worlds, the workflow module and the tests of CLIENTS."""
    pytester.makeini("[pytest]\nassetfake_scenarios_dir = worlds\n")
    worlds = pytester.mkdir("worlds")
    for name, document in WORLDS.items():
        (worlds / f"{name}.yaml").write_text(yaml.safe_dump({**document, "name": name}))
    pytester.makepyfile(workflow=WORKFLOW)
    pytester.makepyfile(test_clients=CLIENTS.format(order=ORDER, fixture=fixture))


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest(*ARGS, *LEAN, *args)


def card_cells(path: Path) -> dict[tuple[str, str], dict[str, Any]]:
    document = json.loads(path.read_text())
    return {(cell["test"].split("::")[-1], cell["scenario"]): cell for cell in document["cells"]}


def assert_expected_cells(path: Path) -> None:
    cells = card_cells(path)
    assert set(cells) == set(EXPECTED)
    for key, problems in EXPECTED.items():
        cell = cells[key]
        assert cell["problems"] == problems, key
        assert cell["status"] == ("fail" if problems else "pass"), key
        assert cell["passed"] is not problems, key
        assert cell["outcome"] == ("fails" if key[1] in ("outage", "vanishing") else "succeeds")


# ----------------------------------------------------------------------------- the verdicts


@pytest.mark.parametrize("fixture", ["assetfake", "assetfake_server"])
def test_each_client_is_judged_by_every_world(pytester: pytest.Pytester, fixture: str) -> None:
    project(pytester, fixture)
    result = run(pytester, "-rf", "--assetfake-report", "card.md")
    failing = [key for key, problems in EXPECTED.items() if problems]
    result.assert_outcomes(passed=len(EXPECTED) - len(failing), failed=len(failing))
    # ids are [<scenario>]; the careful client passes every world
    for world in ORDER:
        result.stdout.no_fnmatch_line(f"FAILED test_clients.py::test_careful[[]{world}[]]*")
    result.stdout.fnmatch_lines_random(
        [
            "FAILED test_clients.py::test_swallows[[]outage[]]*",
            "FAILED test_clients.py::test_swallows[[]vanishing[]]*",
            "FAILED test_clients.py::test_never_retries[[]flaky[]]*",
        ]
    )
    output = result.stdout.str()
    swallowed = output[output.index("_ test_swallows[outage] _") :]
    assert f"assetfake [outage]: {SWALLOWED}" in swallowed.split("\n_")[0]
    raised = output[output.index("_ test_never_retries[flaky] _") :].split("\n_")[0]
    assert f"assetfake [flaky]: {RAISED_IN_FLAKY}" in raised
    assert "workflow.py" in raised  # where the client raised
    assert "expect[0] retries_on [500]" in raised  # and the expectation, with the journal
    assert "GET /assets/customers/runs -> 500" in raised
    assert_expected_cells(pytester.path / "card.json")
    result.stdout.fnmatch_lines(
        ["assetfake report card: 3 test(s) x 5 world(s): 3 of 15 cells fail", "*card.md*"]
    )


def test_a_fails_world_wants_one_of_the_clients_errors(pytester: pytest.Pytester) -> None:
    project(pytester)
    pytester.makepyfile(
        test_clients="""
        import pytest
        from workflow import ClientError

        class Other(Exception):
            pass

        @pytest.mark.assetfake(scenarios=["vanishing", "calm"], client_errors=(ClientError,))
        def test_wrong_error(assetfake):
            with assetfake.client() as http:
                http.get("/assets/customers/runs")
            raise Other("not the client's")

        @pytest.mark.assetfake(scenarios=["vanishing"])
        def test_no_client_errors(assetfake):
            raise ClientError("surfaced")

        @pytest.mark.assetfake(scenarios=["vanishing"], client_errors=ClientError)
        def test_assert_in_the_test_is_not_the_clients_error(assetfake):
            assert [] == ["a run"]
        """
    )
    result = run(pytester)
    result.assert_outcomes(failed=4)
    result.stdout.fnmatch_lines_random(
        [
            "*assetfake [[]vanishing[]]: raised Other: not the client's, which is not one of "
            "the client's errors (ClientError)",
            "*assetfake [[]calm[]]: raised Other: not the client's, but this world's outcome "
            "is succeeds",
            "*assetfake [[]vanishing[]]: raised ClientError: surfaced, which is not one of the "
            "client's errors (none given: add client_errors=(YourError,) to the marker)",
            "*assetfake [[]vanishing[]]: raised AssertionError: *, which is not one of the "
            "client's errors (ClientError)",
        ]
    )


def test_verify_false_still_judges_the_outcome(pytester: pytest.Pytester) -> None:
    project(pytester)
    pytester.makepyfile(
        test_clients="""
        import pytest

        @pytest.mark.assetfake(scenarios=["outage", "flaky"], verify=False)
        def test_does_nothing(assetfake):
            pass  # flaky expects a retry: unchecked; outage expects a raise: still judged
        """
    )
    result = run(pytester, "-rf")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["FAILED test_clients.py::test_does_nothing[[]outage[]]*"])


def test_skips_and_setup_errors_reach_the_card(pytester: pytest.Pytester) -> None:
    project(pytester)
    pytester.makepyfile(
        test_clients="""
        import pytest

        @pytest.fixture
        def broken(assetfake):
            if assetfake.scenario.name == "calm":
                raise RuntimeError("fixture broke")

        @pytest.mark.assetfake(scenarios=["calm", "flaky", "outage"], verify=False)
        def test_mixed(assetfake, broken):
            if assetfake.scenario.name == "flaky":
                pytest.skip("not today")
            assert False, "own failure"
        """
    )
    result = run(pytester, "--assetfake-report", "out/card.md")
    result.assert_outcomes(failed=1, skipped=1, errors=1)
    cells = card_cells(pytester.path / "out" / "card.json")
    assert cells[("test_mixed", "calm")]["status"] == "error"
    assert cells[("test_mixed", "calm")]["problems"] == [
        "error at setup: RuntimeError: fixture broke"
    ]
    assert cells[("test_mixed", "flaky")]["status"] == "skip"
    assert cells[("test_mixed", "flaky")]["problems"] == ["not today"]
    assert cells[("test_mixed", "outage")]["status"] == "fail"
    assert cells[("test_mixed", "outage")]["problems"][0].startswith(
        "raised AssertionError: own failure"
    )


# ---------------------------------------------------------------------------- report card


def test_report_card_markdown_and_json(pytester: pytest.Pytester) -> None:
    project(pytester)
    result = run(pytester, "--assetfake-report", "card.md")
    result.assert_outcomes(passed=12, failed=3)
    markdown = (pytester.path / "card.md").read_text()
    table = [line for line in markdown.splitlines() if line.startswith("|")]
    assert table[0] == (
        "| scenario | outcome | test_clients.py::test_careful | test_clients.py::test_swallows "
        "| test_clients.py::test_never_retries |"
    )
    assert table[2:] == [
        "| default | succeeds | pass | pass | pass |",
        "| calm | succeeds | pass | pass | pass |",
        f"| flaky | succeeds | pass | pass | FAIL: {RAISED_IN_FLAKY}; expect[0] retries_on [500] |",
        f"| outage | fails | pass | FAIL: {SWALLOWED} | pass |",
        f"| vanishing | fails | pass | FAIL: {SWALLOWED} | pass |",
    ]
    assert markdown.startswith("# assetfake report card: 3 test(s) x 5 world(s): 3 of 15 cells")
    details = markdown[markdown.index("## Failing cells") :]
    assert "### test_clients.py::test_never_retries [flaky]" in details
    assert "GET /assets/customers/runs -> 500" in details  # the journal lines of the report
    document = json.loads((pytester.path / "card.json").read_text())
    assert document["passed"] is False
    assert document["counts"] == {"cells": 15, "failed": 3, "tests": 3, "scenarios": 5}
    assert document["scenarios"] == [
        {"name": name, "outcome": "fails" if name in ("outage", "vanishing") else "succeeds"}
        for name in ORDER
    ]


def test_other_parameters_stay_in_the_cards_test_name(pytester: pytest.Pytester) -> None:
    project(pytester)
    pytester.makepyfile(
        test_clients="""
        import pytest

        @pytest.mark.parametrize("page_size", [1, 20])
        @pytest.mark.assetfake(scenarios=["calm", "outage"], verify=False)
        def test_pages(assetfake, page_size):
            pass
        """
    )
    result = run(pytester, "-rf", "--assetfake-report", "card.md")
    result.stdout.fnmatch_lines_random(
        [
            "FAILED test_clients.py::test_pages[[]outage-1[]]*",
            "FAILED test_clients.py::test_pages[[]outage-20[]]*",
        ]
    )
    document = json.loads((pytester.path / "card.json").read_text())
    assert document["tests"] == [
        "test_clients.py::test_pages[1]",
        "test_clients.py::test_pages[20]",
    ]
    statuses = {(c["test"].split("::")[1], c["scenario"]): c["status"] for c in document["cells"]}
    assert statuses == {
        ("test_pages[1]", "calm"): "pass",
        ("test_pages[20]", "calm"): "pass",
        ("test_pages[1]", "outage"): "fail",
        ("test_pages[20]", "outage"): "fail",
    }


def test_report_card_under_xdist_reaches_the_controller(pytester: pytest.Pytester) -> None:
    project(pytester)
    result = pytester.runpytest(*ARGS, *LEAN_XDIST, "-n", "2", "--assetfake-report", "card.md")
    result.assert_outcomes(passed=12, failed=3)
    assert_expected_cells(pytester.path / "card.json")
    # written once, by the controller: the same table as without xdist (tests in file order)
    markdown = (pytester.path / "card.md").read_text()
    assert "| outage | fails | pass | FAIL: " in markdown
    assert sorted(p.name for p in pytester.path.glob("card*")) == ["card.json", "card.md"]


def test_the_whole_shipped_library_is_in_the_card(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.assetfake(scenarios="library", verify=False)
        def test_nothing(assetfake):
            pass
        """
    )
    result = run(pytester, "--assetfake-report", "card.md")
    document = json.loads((pytester.path / "card.json").read_text())
    names = [scenario["name"] for scenario in document["scenarios"]]
    assert names == shipped_names()
    assert "default" in names and len(names) >= 11
    fails = [s["name"] for s in document["scenarios"] if s["outcome"] == "fails"]
    result.assert_outcomes(passed=len(names) - len(fails), failed=len(fails))


# ------------------------------------------------------------------------------ patch_time


@pytest.mark.parametrize("fixture", ["assetfake", "assetfake_server"])
def test_patch_time_runs_an_unmodified_client_on_the_fake_clock(
    pytester: pytest.Pytester, fixture: str
) -> None:
    project(pytester)
    pytester.makepyfile(
        test_clients=f"""
        import time
        from datetime import timedelta
        import pytest
        from workflow import Client, ClientError, workflow

        @pytest.mark.assetfake(scenarios=["flaky", "outage"], client_errors=ClientError,
                               patch_time=True)
        def test_library(request, {fixture}):
            start, wall = {fixture}.clock.now(), time.perf_counter()
            with {fixture}.client() as http:
                try:
                    workflow(Client(http))  # time.sleep, not the fake's: the patch reaches it
                finally:
                    waited = {fixture}.clock.now() - start
                    assert time.perf_counter() - wall < 5
                    # outage: back-off 1 + 2 + 4 s; flaky: 1 s back-off, then polls of 1 s
                    if "outage" in request.node.name:
                        assert waited == timedelta(seconds=7)
                    else:
                        assert waited >= timedelta(seconds=3)

        @pytest.mark.assetfake(patch_time=True)
        def test_one_world({fixture}):
            start = {fixture}.clock.now()
            time.sleep(90)
            assert {fixture}.clock.now() - start == timedelta(seconds=90)

        @pytest.mark.assetfake
        def test_unpatched_by_default({fixture}):
            start = {fixture}.clock.now()
            time.sleep(0.01)
            assert {fixture}.clock.now() == start
        """
    )
    run(pytester).assert_outcomes(passed=4)


# ------------------------------------------------------------------------- names and errors


def test_assetfake_finds_the_ini_directory_by_name(pytester: pytest.Pytester) -> None:
    project(pytester)
    pytester.makepyfile(
        test_clients="""
        import os
        import subprocess, sys
        from assetfake import AssetFake

        def test_by_name():
            fake = AssetFake("flaky")
            assert fake.scenario.name == "flaky"
            assert [f.name for f in fake.faults] == ["once"]

        def test_in_a_subprocess_too():
            code = "from assetfake import AssetFake; print(AssetFake('calm').scenario.name)"
            out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
            assert out.stdout.strip() == "calm", out.stderr
        """
    )
    run(pytester).assert_outcomes(passed=2)


def test_marker_usage_errors(pytester: pytest.Pytester) -> None:
    project(pytester)
    pytester.makepyfile(
        test_bad_client_errors="""
        import pytest

        @pytest.mark.assetfake(scenarios=["calm"], client_errors=("ClientError",))
        def test_strings(assetfake):
            pass
        """,
        test_both="""
        import pytest

        @pytest.mark.assetfake(scenario="calm", scenarios=["calm"])
        def test_both(assetfake):
            pass
        """,
        test_no_fixture="""
        import pytest

        @pytest.mark.assetfake(scenarios=["calm"])
        def test_without_a_fake():
            pass
        """,
        test_unknown_world="""
        import pytest

        @pytest.mark.assetfake(scenarios=["calm", "no-such-world"])
        def test_unknown(assetfake):
            pass
        """,
        test_twice="""
        import pytest

        @pytest.mark.assetfake(scenarios=["calm", "calm"])
        def test_twice(assetfake):
            pass
        """,
    )
    for name, message in [
        ("test_bad_client_errors.py", "*client_errors is an exception class or a tuple*"),
        ("test_both.py", "*give scenario= (one world) or scenarios= *, not both*"),
        ("test_no_fixture.py", "*uses neither*"),
        ("test_unknown_world.py", "*no scenario named 'no-such-world'; known scenarios: *calm*"),
        ("test_twice.py", "*names the world 'calm' twice*"),
    ]:
        result = run(pytester, name)
        assert result.ret != 0, name
        result.stdout.fnmatch_lines([message])
        result.stdout.no_fnmatch_line("*passed*")
