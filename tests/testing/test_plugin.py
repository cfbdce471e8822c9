"""The pytest plugin, run through ``pytester``: fixtures, marker, option, ini, verify, xdist."""

from __future__ import annotations

import json
from importlib.metadata import entry_points
from typing import Any

import pytest
import yaml
from control_support import SMALL

from assetfake.fake import AssetFake
from assetfake.testing.plugin import namespace_for

pytest_plugins = ["pytester"]

PLUGIN = "assetfake.testing.plugin"
_INSTALLED = any(ep.value == PLUGIN for ep in entry_points(group="pytest11"))
#: Load the plugin explicitly only when its entry point is not installed.
ARGS: tuple[str, ...] = () if _INSTALLED else ("-p", PLUGIN)

#: A scenario whose one expectation fails unless the test lists the runs of sales/daily.
EXPECTS_A_LIST: dict[str, Any] = {
    **SMALL,
    "expect": [{"calls": {"operation": "listAssetRuns", "asset": "sales/daily", "min": 1}}],
}


#: Plugins an in-process run does without: pytester forgets the modules a run imports, so
#: hypothesis (150 modules) would be imported, and rewritten, again by every run.
LEAN_XDIST = ("-p", "no:cacheprovider", "-p", "no:hypothesispytest", "-p", "no:anyio")
LEAN = (*LEAN_XDIST, "-p", "no:xdist")


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest(*ARGS, *LEAN, *args)


# ------------------------------------------------------------------------------ registration


def test_marker_option_and_ini_are_registered(pytester: pytest.Pytester) -> None:
    result = run(pytester, "--markers")
    result.stdout.fnmatch_lines(
        [
            "@pytest.mark.assetfake(scenario=None, seed=None, verify=True, scenarios=None, "
            "client_errors=(), patch_time=False)*"
        ]
    )
    help_text = run(pytester, "--help")
    help_text.stdout.fnmatch_lines(
        [
            "*--assetfake-scenario=SCENARIO*",
            "*--assetfake-report=FILE*",
            "*assetfake_scenarios_dir*",
        ]
    )


def test_unknown_marker_arguments_are_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.assetfake(scenaro="default")
        def test_typo(assetfake):
            pass
        """
    )
    result = run(pytester)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*unknown arguments: scenaro*"])


# -------------------------------------------------------------------------- assetfake fixture


def test_assetfake_defaults_to_the_default_scenario_manual_clock(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        """
        from assetfake import AssetFake

        def test_default(assetfake):
            assert isinstance(assetfake, AssetFake)
            assert assetfake.scenario.name == "default"
            assert assetfake.clock.mode == "manual"
            with assetfake.client() as c:
                assert c.get("/assets/sales%2Fdaily/runs").status_code == 200
            assert len(assetfake.journal) == 1

        def test_fresh_each_time(assetfake):
            assert len(assetfake.journal) == 0
        """
    )
    run(pytester).assert_outcomes(passed=2)


def test_marker_picks_scenario_and_seed(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        f"""
        import pytest

        @pytest.mark.assetfake(scenario="rate-limited", seed=9)
        def test_named(assetfake):
            assert (assetfake.scenario.name, assetfake.seed) == ("rate-limited", 9)

        @pytest.mark.assetfake("happy-path", verify=False)
        def test_positional(assetfake):
            assert assetfake.scenario.name == "happy-path"

        @pytest.mark.assetfake(scenario={SMALL!r})
        def test_dict(assetfake):
            assert assetfake.scenario.name == "small"
            assert assetfake.clock.now().year == 2030

        @pytest.mark.assetfake(seed=3)
        class TestOnAClass:
            def test_seed_only(self, assetfake):
                assert (assetfake.scenario.name, assetfake.seed) == ("default", 3)
        """
    )
    run(pytester).assert_outcomes(passed=4)


def test_option_sets_the_scenario_and_a_marker_wins(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        pytestmark = pytest.mark.assetfake(verify=False)  # happy-path expects calls

        def test_option(assetfake):
            assert assetfake.scenario.name == "happy-path"

        @pytest.mark.assetfake(scenario="default")
        def test_marker_wins(assetfake):
            assert assetfake.scenario.name == "default"
        """
    )
    run(pytester, "--assetfake-scenario", "happy-path").assert_outcomes(passed=2)


def test_scenario_by_path(pytester: pytest.Pytester) -> None:
    path = pytester.path / "mine.yaml"
    path.write_text(yaml.safe_dump({**SMALL, "name": "by-path"}))
    pytester.makepyfile(
        f"""
        import pathlib
        import pytest

        @pytest.mark.assetfake(scenario=pathlib.Path({str(path)!r}))
        def test_path(assetfake):
            assert assetfake.scenario.name == "by-path"

        def test_option_path(assetfake):
            assert assetfake.scenario.name == "by-path"
        """
    )
    run(pytester, "--assetfake-scenario", str(path)).assert_outcomes(passed=2)


def test_ini_directory_is_searched_before_the_library(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nassetfake_scenarios_dir = team/scenarios\n")
    directory = pytester.mkpydir("team") / "scenarios"
    directory.mkdir()
    (directory / "local-one.yaml").write_text(yaml.safe_dump({**SMALL, "name": "local-one"}))
    # same name as a shipped scenario: the local one shadows it
    (directory / "happy-path.yaml").write_text(yaml.safe_dump({**SMALL, "name": "local-happy"}))
    sub = pytester.mkpydir("sub")  # the lookup is relative to the rootdir, not the test file
    (sub / "test_ini.py").write_text(
        """
import pytest

@pytest.mark.assetfake(scenario="local-one")
def test_local(assetfake):
    assert assetfake.scenario.name == "local-one"

@pytest.mark.assetfake(scenario="happy-path")  # the shipped one would fail to verify
def test_shadowed(assetfake):
    assert assetfake.scenario.name == "local-happy"

@pytest.mark.assetfake(scenario="rate-limited")
def test_shipped(assetfake):
    assert assetfake.scenario.name == "rate-limited"
"""
    )
    run(pytester).assert_outcomes(passed=3)


def test_unknown_scenario_name_errors_with_the_known_ones(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.assetfake(scenario="no-such-scenario")
        def test_unknown(assetfake):
            pass
        """
    )
    result = run(pytester)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*no scenario named 'no-such-scenario'*happy-path*"])


# --------------------------------------------------------------------------------- verify


def _verify_tests(fixture: str) -> str:
    call = (
        "with {f}.client() as c: c.get('/assets/sales%2Fdaily/runs')"
        if fixture == "assetfake"
        else "import httpx; httpx.get({f}.url + '/assets/sales%2Fdaily/runs')"
    ).format(f=fixture)
    return f"""
import pytest

SCENARIO = {EXPECTS_A_LIST!r}

@pytest.mark.assetfake(scenario=SCENARIO)
def test_breaks_expectation({fixture}):
    pass

@pytest.mark.assetfake(scenario=SCENARIO)
def test_meets_expectation({fixture}):
    {call}

@pytest.mark.assetfake(scenario=SCENARIO, verify=False)
def test_not_verified({fixture}):
    pass

@pytest.mark.assetfake(scenario=SCENARIO)
def test_fails_by_itself({fixture}):
    assert 1 == 2, "its own failure"
"""


@pytest.mark.parametrize("fixture", ["assetfake", "assetfake_server"])
def test_verify_failure_fails_the_test_with_the_report(
    pytester: pytest.Pytester, fixture: str
) -> None:
    pytester.makepyfile(test_verify=_verify_tests(fixture))
    result = run(pytester, "-rf")
    result.assert_outcomes(passed=2, failed=2)
    result.stdout.fnmatch_lines(
        [
            "*_ test_breaks_expectation _*",
            "*assetfake expectations failed:*",
            "*expect[[]0[]] calls*",
        ]
    )
    # a test that fails by itself reports its own failure, not the expectations'
    output = result.stdout.str()
    own = output[output.index("_ test_fails_by_itself _") :]
    assert "its own failure" in own
    assert "expectations failed" not in own.split("short test summary")[0]
    # the failure is the test's (call phase), not an error at teardown
    result.stdout.fnmatch_lines(["FAILED test_verify.py::test_breaks_expectation*"])
    assert "ERROR" not in output


#: A conftest whose session server is the default fake, changed by ``{change}``.
_CHANGED_SERVER = """
import dataclasses
import pytest
from assetfake import AssetFake
from assetfake.testing.plugin import ServerProcess

@pytest.fixture(scope="session")
def assetfake_server_process():
    fake = AssetFake(clock="manual")
    {change}
    with fake.serve() as url:
        yield ServerProcess(url, fake.scenario)
"""


def test_a_server_without_a_verifier_fails_the_test_loudly(pytester: pytest.Pytester) -> None:
    no_verifier = "fake.app.control = dataclasses.replace(fake.app.control, verify=None)"
    pytester.makeconftest(_CHANGED_SERVER.format(change=no_verifier))
    pytester.makepyfile(
        """
        import pytest

        def test_verified(assetfake_server):
            assert assetfake_server.clock.now().year == 2024

        @pytest.mark.assetfake(verify=False)
        def test_not_verified(assetfake_server):
            assert assetfake_server.clock.now().year == 2024
        """
    )
    result = run(pytester, "-rf")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*cannot verify this test's expectations*404 not_found: verify is not available*"
            "@pytest.mark.assetfake(verify=False)*",
            "FAILED test_a_server_without_a_verifier_fails_the_test_loudly.py::test_verified*",
        ]
    )
    assert "During handling" not in result.stdout.str()


def test_a_server_without_a_control_api_is_a_setup_error(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(_CHANGED_SERVER.format(change="fake.app.control = None"))
    pytester.makepyfile(
        """
        def test_first(assetfake_server):
            pass

        def test_second(assetfake_server):
            pass
        """
    )
    result = run(pytester)
    result.assert_outcomes(errors=2)
    result.stdout.fnmatch_lines(
        ["*does not answer its control API (GET /_fake/health answered 404*--no-control*"]
    )
    assert "Traceback" not in result.stdout.str()


# ------------------------------------------------------------------------- assetfake_server


def test_assetfake_server_gives_each_test_a_fresh_namespace(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import httpx
        from assetfake.remote import RemoteFake

        seen = {}

        def test_first(assetfake_server):
            assert isinstance(assetfake_server, RemoteFake)
            assert "/_ns/test-" in assetfake_server.url
            assert assetfake_server.state.document()["namespace"] == assetfake_server.namespace
            with assetfake_server.client() as c:
                c.post("/assets/sales%2Fdaily/materialize", json={"partition_key": "2024-01-02"})
            assetfake_server.clock.advance(100)
            seen["first"] = assetfake_server.namespace
            seen["now"] = assetfake_server.clock.now()

        def test_second(assetfake_server, assetfake_server_process):
            assert assetfake_server.namespace != seen["first"]
            assert assetfake_server.journal == []
            assert assetfake_server.clock.now() < seen["now"]
            # the first test's namespace was dropped: using it again starts afresh
            with RemoteFake(assetfake_server_process.url, seen["first"]) as again:
                assert again.clock.now() < seen["now"]
                assert again.journal == []
                again.drop()
        """
    )
    run(pytester).assert_outcomes(passed=2)


def test_assetfake_server_marker_loads_scenario_and_seed(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        f"""
        import pytest
        from assetfake import AssetFake

        def first_run_id(remote_or_local):
            with remote_or_local.client() as c:
                answer = c.post("/assets/customers/materialize", json={{}})
            assert answer.status_code == 202, answer.text
            return answer.json()["id"]

        @pytest.mark.assetfake(scenario={SMALL!r}, seed=9)
        def test_marker(assetfake_server):
            state = assetfake_server.state.document()
            assert [a["key"] for a in state["assets"]] == ["sales/daily", "customers"]
            assert state["clock"]["mode"] == "manual"
            local = first_run_id(AssetFake({SMALL!r}, seed=9))
            assert first_run_id(assetfake_server) == local
            assert first_run_id(AssetFake({SMALL!r}, seed=8)) != local

        @pytest.mark.assetfake(seed=4)
        def test_seed_only(assetfake_server):
            assets = assetfake_server.state.document()["assets"]
            assert "customers" in [a["key"] for a in assets]
            assert first_run_id(assetfake_server) == first_run_id(AssetFake(seed=4))

        def test_unmarked(assetfake_server):
            assert first_run_id(assetfake_server) == first_run_id(AssetFake())
        """
    )
    run(pytester).assert_outcomes(passed=3)


def test_session_server_follows_the_option(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        def test_option(assetfake_server, assetfake_server_process):
            assert assetfake_server_process.scenario.name == "small"
            keys = [a["key"] for a in assetfake_server.state.document()["assets"]]
            assert keys == ["sales/daily", "customers"]
        """
    )
    path = pytester.path / "small.yaml"
    path.write_text(yaml.safe_dump(SMALL))
    run(pytester, "--assetfake-scenario", str(path)).assert_outcomes(passed=1)


def test_session_server_fixture_can_be_overridden(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        f"""
        import pytest
        from assetfake import AssetFake
        from assetfake.testing.plugin import ServerProcess

        @pytest.fixture(scope="session")
        def assetfake_server_process():
            fake = AssetFake({SMALL!r})
            with fake.serve() as url:
                yield ServerProcess(url, fake.scenario)
        """
    )
    pytester.makepyfile(
        """
        def test_uses_the_override(assetfake_server):
            assert assetfake_server.clock.now().year == 2030
        """
    )
    run(pytester).assert_outcomes(passed=1)


def test_under_xdist_each_worker_has_its_server_and_tests_share_nothing(
    pytester: pytest.Pytester,
) -> None:
    out = pytester.path / "out"
    out.mkdir()
    pytester.makepyfile(
        f"""
        import json, os, time
        import pytest

        @pytest.mark.parametrize("n", range(4))
        def test_parallel(assetfake_server, n):
            assetfake_server.faults.add({{"name": f"f{{n}}", "respond": {{"status": 500}},
                                          "match": {{"call": 99}}}})
            with assetfake_server.client() as c:
                for _ in range(n + 1):
                    assert c.post("/assets/customers/materialize", json={{}}).status_code == 202
            time.sleep(0.1)  # overlap with the other worker's tests
            assetfake_server.clock.advance(n)
            assetfake_server.run_until_idle()
            runs = assetfake_server.state.runs()
            assert len([r for r in runs if r.created_at >= "2024-06-01"]) == n + 1
            operations = [e.operation for e in assetfake_server.journal]
            assert operations == ["triggerAssetMaterialization"] * (n + 1)
            assert assetfake_server.faults.names() == [f"f{{n}}"]
            path = os.path.join({str(out)!r}, f"{{n}}.json")
            with open(path, "w") as f:
                json.dump({{"worker": os.environ["PYTEST_XDIST_WORKER"],
                           "namespace": assetfake_server.namespace,
                           "url": assetfake_server.url}}, f)
        """
    )
    result = pytester.runpytest(*ARGS, *LEAN_XDIST, "-n", "2")  # workers are subprocesses
    result.assert_outcomes(passed=4)
    records = [json.loads(p.read_text()) for p in sorted(out.iterdir())]
    assert len({r["namespace"] for r in records}) == 4
    for record in records:
        assert record["namespace"].startswith(f"test-{record['worker']}-")
    servers = {r["worker"]: r["url"].split("/_ns/")[0] for r in records}
    if len(servers) == 2:  # xdist put tests on both workers: each has its own server
        assert len(set(servers.values())) == 2


# --------------------------------------------------------------------------------- in place


def test_namespace_names_are_stable_and_per_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)
    main = namespace_for("tests/x.py::test_a")
    assert main == namespace_for("tests/x.py::test_a")
    assert main.startswith("test-main-")
    assert main != namespace_for("tests/x.py::test_b")
    monkeypatch.setenv("PYTEST_XDIST_WORKER", "gw3")
    assert namespace_for("tests/x.py::test_a").startswith("test-gw3-")


@pytest.mark.assetfake(scenario=SMALL, seed=12)
def test_the_fixtures_work_here_too(assetfake: AssetFake, assetfake_server: Any) -> None:
    assert assetfake.seed == 12
    assert assetfake.clock.now().year == 2030
    assert assetfake_server.clock.now() == assetfake.clock.now()
