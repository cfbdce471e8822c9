"""The shipped scenario library: every scenario the contract names is there, is valid, says what
it probes, expects something, and is addressable by name from Python, the CLI and the pytest
marker."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest
from zoo.expected import EXPECTED
from zoo.registry import ZOO

from assetfake import AssetFake
from assetfake.cli import main
from assetfake.expectations import scenario_outcome
from assetfake.scenario import Scenario, library, validate_files
from assetfake.scenario.library import library_root
from assetfake.scenario.schema import DelayRange

pytest_plugins = ["pytester"]

#: The library the contract promises (section 3); more may be shipped.
PROMISED = {
    "default",
    "happy-path",
    "rate-limited",
    "flaky-server",
    "auth-expiry",
    "forbidden-writes",
    "missing-asset",
    "ambiguous-create",
    "partial-backfill-failure",
    "large-history",
    "slow-network",
}

#: What the contract adds for whole-library runs (section 6), by the names this library gives
#: them: permanent outage, credential revoked and rotated, vanishing resources, expiring page
#: tokens with short pages, stale keep-alive, stalled and slow bodies, both POSTs ambiguous by
#: a 500 after the commit and by a reset after it.
PROMISED_FOR_WHOLE_RUNS = {
    "permanent-outage",
    "credential-revoked",
    "credential-rotated",
    "vanishing-backfill",
    "vanishing-resource",
    "expiring-page-tokens",
    "stale-keep-alive",
    "stalled-body",
    "slow-body",
    "ambiguous-create",
    "ambiguous-create-reset",
    "ambiguous-trigger",
    "ambiguous-trigger-reset",
}

#: The bug classes each world is built to catch, by the zoo client that has that bug
#: (tests/contract/zoo: each naive client is the careful one with that one bug; the library
#: clients are retry libraries as documented). Each is checked against the zoo's expected
#: matrix: the world does catch it, in any ordinary workflow.
CATCHES: dict[str, set[str]] = {
    "default": {"unencoded_slashes"},
    "happy-path": {"unencoded_slashes", "first_page_only", "quits_polling_early"},
    "rate-limited": {"ignores_retry_after", "no_backoff", "never_retries", "tenacity"},
    "flaky-server": {"no_backoff", "never_retries", "urllib3_retry", "httpx_retries"},
    "auth-expiry": {"retries_auth_errors", "stale_credentials"},
    "forbidden-writes": {"retries_auth_errors", "stamina"},
    "missing-asset": {"retries_404", "backoff"},
    "ambiguous-create": {"no_idempotency_key", "never_retries", "httpx_retries"},
    "ambiguous-create-reset": {"no_idempotency_key", "no_post_network_retries", "aiohttp_retry"},
    "ambiguous-trigger": {"no_idempotency_key", "urllib3_retry"},
    "ambiguous-trigger-reset": {"no_idempotency_key", "no_post_network_retries"},
    "partial-backfill-failure": {"quits_polling_early", "busy_poller"},
    "large-history": {"first_page_only"},
    "slow-network": {"no_network_retries", "no_idempotency_key", "stamina"},
    "permanent-outage": {"unbounded_retries", "no_backoff", "backoff"},
    "credential-revoked": {"retries_auth_errors"},
    "credential-rotated": {"stale_credentials", "retries_auth_errors"},
    "vanishing-backfill": {"retries_404", "tenacity"},
    "vanishing-resource": {"empty_on_404", "swallows_errors", "retries_404"},
    "expiring-page-tokens": {"no_walk_restart", "swallows_errors", "ignores_retry_after"},
    "stale-keep-alive": {"no_network_retries"},
    "stalled-body": {"no_network_retries", "urllib3_retry", "httpx_retries", "aiohttp_retry"},
    # a slow answer is a whole one: it catches no class of its own among the zoo's, only what
    # any world with a backfill catches (a client that does not wait for the end)
    "slow-body": {"quits_polling_early", "busy_poller"},
}

ENTRIES = {entry.name: entry for entry in library()}
NAMES = sorted(ENTRIES)
ROOT = library_root()


def test_the_library_holds_every_promised_scenario() -> None:
    assert set(NAMES) >= PROMISED | PROMISED_FOR_WHOLE_RUNS


def test_every_scenario_and_fixture_file_validates() -> None:
    assert ROOT is not None
    files = sorted((ROOT / "scenarios").glob("*.yaml")) + sorted((ROOT / "fixtures").glob("*.yaml"))
    assert {path.stem for path in files} >= PROMISED | {"catalog"}
    assert [str(error) for error in validate_files(files)] == []


@pytest.mark.parametrize("name", NAMES)
def test_a_scenario_says_what_it_probes_and_expects_something(name: str) -> None:
    scenario = Scenario.load(ENTRIES[name].path)
    assert scenario.spec.name == name  # the name inside matches the file's name
    assert len(scenario.description.split()) >= 10, "the description says what it probes"
    assert ENTRIES[name].description  # the library lists the file's own description
    assert scenario.spec.expect, "a shipped scenario states what a good client does in it"


@pytest.mark.parametrize("name", NAMES)
def test_a_scenario_states_its_outcome(name: str) -> None:
    expect = Scenario.load(ENTRIES[name].path).spec.expect
    stated = [entry.outcome for entry in expect if entry.outcome is not None]
    assert len(stated) == 1, "a shipped world says whether a good workflow finishes in it"
    assert scenario_outcome(expect) == stated[0]
    if stated[0] == "fails":  # a world where nothing can finish still judges how it gives up
        assert {entry.kind for entry in expect} & {"no_retry_on", "max_attempts", "calls"}


@pytest.mark.parametrize("name", NAMES)
def test_a_scenario_names_the_bug_classes_it_catches(name: str) -> None:
    named = CATCHES[name]
    assert named, "a shipped world catches some bug class"
    assert named <= set(ZOO)
    caught_here = {client for client, row in EXPECTED.items() if name in row}
    assert named <= caught_here, f"named but not caught: {sorted(named - caught_here)}"


def test_every_bug_class_of_the_zoo_is_caught_by_a_named_world() -> None:
    assert set(CATCHES) == set(NAMES)
    bugs = {name for name, client in ZOO.items() if client.kind != "careful"}
    named = set().union(*CATCHES.values())
    assert bugs - named == set()


@pytest.mark.parametrize("name", NAMES)
def test_a_scenario_builds_on_the_shared_catalog(name: str) -> None:
    assert ROOT is not None
    catalog = Scenario.load(ROOT / "fixtures" / "catalog.yaml")
    scenario = Scenario.load(ENTRIES[name].path)
    assert {a.key for a in scenario.spec.assets} >= {a.key for a in catalog.spec.assets}


@functools.cache
def _fake(name: str) -> AssetFake:
    return AssetFake(scenario=name)


@pytest.mark.parametrize("name", NAMES)
def test_a_scenario_is_addressable_by_name_in_python(name: str) -> None:
    fake = _fake(name)
    assert fake.scenario.name == name
    assert Path(fake.scenario.source).resolve() == ENTRIES[name].path.resolve()


def test_the_cli_lists_every_scenario_with_its_description(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["scenarios"]) == 0
    lines = {line.split()[0]: line for line in capsys.readouterr().out.splitlines() if line}
    assert set(lines) == set(NAMES)
    for name in NAMES:
        assert ENTRIES[name].description[:40] in lines[name]


def test_large_history_is_large() -> None:
    # It loads in a few hundredths of a second (History.build stores columns); not gated
    # here, as times are not gated anywhere in the test suite.
    counts = _fake("large-history").state.counts()
    assert counts["runs"] >= 100_000
    assert counts["materializations"] > 0


@pytest.mark.parametrize("name", NAMES)
def test_a_world_with_auth_issues_the_client_its_credentials(name: str) -> None:
    """No prose: a generic client is wired to any world by its credential source alone."""
    fake = _fake(name)
    auth = fake.scenario.spec.auth
    if auth is None:
        assert fake.credentials is None
        return
    assert auth.client, "auth.client names what the client under test is issued"
    assert fake.credentials == auth.client[0]


def _longest(delay: float | DelayRange) -> float:
    return delay.max if isinstance(delay, DelayRange) else delay


@pytest.mark.parametrize("name", NAMES)
def test_real_delays_stay_small(name: str) -> None:
    """Fault delays are real wall-clock time in every run of every client: kept short."""
    faults = Scenario.load(ENTRIES[name].path).spec.faults
    assert all(_longest(f.respond.delay_seconds) <= 0.2 for f in faults)


def test_slow_network_delays_and_breaks() -> None:
    faults = Scenario.load("slow-network").spec.faults
    assert any(_longest(f.respond.delay_seconds) > 0 for f in faults)
    assert any(isinstance(f.respond.delay_seconds, DelayRange) for f in faults)
    assert {f.respond.network for f in faults} >= {"reset", "truncated", "malformed"}


def test_the_network_worlds_use_the_new_kinds() -> None:
    kinds = {
        name: {f.respond.network for f in Scenario.load(ENTRIES[name].path).spec.faults}
        for name in ("stale-keep-alive", "stalled-body", "slow-body")
    }
    assert kinds == {
        "stale-keep-alive": {"close_after"},
        "stalled-body": {"stall"},
        "slow-body": {"slow_body"},
    }


def test_the_pytest_marker_finds_every_scenario_by_name(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        f"""
        import pytest

        NAMES = {NAMES!r}

        @pytest.mark.parametrize(
            "name",
            [pytest.param(n, marks=pytest.mark.assetfake(scenario=n, verify=False)) for n in NAMES],
        )
        def test_by_name(assetfake, name):
            assert assetfake.scenario.name == name
        """
    )
    # In a subprocess, so that the plugin comes by its entry point alone (no -p, no conftest).
    result = pytester.runpytest_subprocess("-q")
    result.assert_outcomes(passed=len(NAMES))
