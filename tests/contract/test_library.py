"""The shipped scenario library: every scenario the contract names is there, is valid, says what
it probes, expects something, and is addressable by name from Python, the CLI and the pytest
marker."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest

from assetfake import AssetFake
from assetfake.cli import main
from assetfake.scenario import Scenario, library, validate_files
from assetfake.scenario.library import library_root

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

ENTRIES = {entry.name: entry for entry in library()}
NAMES = sorted(ENTRIES)
ROOT = library_root()


def test_the_library_holds_every_promised_scenario() -> None:
    assert set(NAMES) >= PROMISED


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


@pytest.mark.parametrize("name", sorted(PROMISED))
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
    # It loads in about 1.5 s on a quiet machine (History.build); not gated here, as times are
    # not gated anywhere in the test suite.
    counts = _fake("large-history").state.counts()
    assert counts["runs"] >= 100_000
    assert counts["materializations"] > 0


def test_slow_network_delays_stay_small() -> None:
    faults = Scenario.load("slow-network").spec.faults
    assert any(f.respond.delay_seconds > 0 for f in faults)
    assert all(f.respond.delay_seconds <= 0.2 for f in faults)
    assert {f.respond.network for f in faults} >= {"reset", "truncated"}


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
