"""Loading scenarios by name, path, dict and text; conversion to the domain; the JSON Schema."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import msgspec
import pytest
from jsonschema import Draft202012Validator

from assetfake.domain.config import WorldConfig
from assetfake.domain.status import RunStatus
from assetfake.scenario import (
    Scenario,
    ScenarioError,
    find_scenario,
    library,
    scenario_json_schema,
    validate_files,
)
from assetfake.scenario.library import shipped_scenarios_dir

WriteFile = Callable[..., Path]

REPO = Path(__file__).resolve().parents[2]


def test_plain_dates_and_times_stay_strings(write: WriteFile) -> None:
    path = write("""
        assets:
          - key: a
            partitions: {daily: {start: 2024-01-01, end: 2024-01-03}}
            materialization: {metadata: {as_of: 2024-01-05, at: 2024-01-05 10:00:00}}
        history:
          runs: [{asset: a, partition: 2024-01-02, status: SUCCEEDED, created_at: 2024-05-01T00:00:00Z}]
        """)  # noqa: E501
    scenario = Scenario.load(path)
    asset = scenario.spec.assets[0]
    assert asset.materialization.metadata == {"as_of": "2024-01-05", "at": "2024-01-05 10:00:00"}
    assert scenario.spec.history.runs[0].partition == "2024-01-02"
    assert scenario.spec.history.runs[0].created_at == "2024-05-01T00:00:00Z"
    partitions = scenario.config.assets[0].partitions
    assert partitions is not None
    assert partitions.keys == ("2024-01-01", "2024-01-02", "2024-01-03")


def test_only_true_and_false_are_booleans(write: WriteFile) -> None:
    path = write("""
        mark_faults: false
        assets: [{key: countries, partitions: {static: [no, yes, on, off, se]}}]
        """)
    spec = Scenario.load(path).spec
    assert spec.mark_faults is False
    partitions = spec.assets[0].partitions
    assert partitions is not None
    assert partitions.static == ("no", "yes", "on", "off", "se")


def test_world_config_converts_every_part(write: WriteFile) -> None:
    path = write("""
        seed: 11
        clock: {start: "2024-06-01T00:00:00Z"}
        pagination: {default_page_size: 5, max_page_size: 50, short_pages: 0.25,
                     page_token_ttl_seconds: 60}
        assets:
          - key: sales/daily
            partitions: {daily: {start: "2024-01-01", end: "2024-01-31"}}
            run: {queued_seconds: 0, starting_seconds: 2, running_seconds: 30,
                  canceling_seconds: 3, max_concurrent: 4, fail_partitions: ["2024-01-05"],
                  fail_probability: 0.1, fail_stage: starting, error_message: upstream timeout}
            materialization: {metadata: {row_count: 1000, nested: {ok: [1, 2]}}}
          - key: logs/hourly
            partitions: {hourly: {start: "2024-01-01-00:00", end: "2024-01-01-05:00"}}
          - key: regions
            partitions: {static: [us, eu, apac]}
          - key: customers
        history:
          runs:
            - {asset: sales/daily, partition: "2024-01-02", status: FAILED,
               created_at: "2024-05-31T00:00:00.250Z", tags: {team: growth}}
            - {asset: customers, status: FAILED, created_at: "2024-05-31T01:00:00+01:00",
               error_message: disk full}
            - {asset: regions, partition: eu, status: CANCELED, created_at: "2024-05-01T00:00:00Z"}
          generate:
            - {asset: customers, runs: 300, succeeded_ratio: 0.9}
            - {asset: regions, runs: 7, spread_seconds: 3600}
        """)
    config = Scenario.load(path).config
    assert isinstance(config, WorldConfig)
    assert config.start_ms == 1_717_200_000_000
    assert config.seed == 11
    assert Scenario.load(path).with_overrides(seed=99).config.seed == 99

    sales = config.asset("sales/daily")
    assert sales is not None and sales.partitions is not None
    assert sales.partitions.kind == "daily" and len(sales.partitions) == 31
    run = sales.run
    assert (run.queued_seconds, run.starting_seconds, run.running_seconds) == (0.0, 2.0, 30.0)
    assert (run.canceling_seconds, run.max_concurrent) == (3.0, 4)
    assert run.fail_partitions == frozenset({"2024-01-05"})
    assert (run.fail_probability, run.fail_stage, run.error_message) == (
        0.1,
        "starting",
        "upstream timeout",
    )
    assert dict(sales.metadata) == {"row_count": 1000, "nested": {"ok": [1, 2]}}

    hourly = config.asset("logs/hourly")
    assert hourly is not None and hourly.partitions is not None
    assert hourly.partitions.keys[-1] == "2024-01-01-05:00" and len(hourly.partitions) == 6
    regions = config.asset("regions")
    assert regions is not None and regions.partitions is not None
    assert regions.partitions.keys == ("us", "eu", "apac")
    customers = config.asset("customers")
    assert customers is not None
    assert customers.partitions is None and customers.run.running_seconds == 5.0
    assert customers.run.max_concurrent is None

    first, second, third = config.history_runs
    assert first.status is RunStatus.FAILED
    assert first.created_at_ms == 1_717_113_600_250
    assert first.partition == "2024-01-02" and dict(first.tags) == {"team": "growth"}
    assert first.error_message == "upstream timeout"  # the asset's, as none was given
    assert second.created_at_ms == 1_717_113_600_000  # +01:00 offset honoured
    assert second.error_message == "disk full" and second.partition is None
    assert third.status is RunStatus.CANCELED and third.error_message is None

    generated = config.history_generate
    assert [(g.asset, g.runs, g.succeeded_ratio, g.spread_seconds) for g in generated] == [
        ("customers", 300, 0.9, 86_400.0),
        ("regions", 7, 1.0, 3600.0),
    ]
    pagination = config.pagination
    assert (pagination.default_page_size, pagination.max_page_size) == (5, 50)
    assert (pagination.short_pages, pagination.page_token_ttl_seconds) == (0.25, 60.0)


def test_defaults_of_an_empty_scenario() -> None:
    scenario = Scenario.load({})
    assert (scenario.name, scenario.description, scenario.seed) == ("custom", "", 0)
    assert scenario.source == "<dict>"
    assert scenario.config.start_ms == 1_717_200_000_000
    assert (scenario.config.clock_mode, scenario.config.clock_speed) == ("manual", 1.0)
    spec = scenario.spec
    assert spec.auth is None and spec.rate_limit is None and spec.mark_faults is True
    config = scenario.config
    assert config.assets == () and config.pagination.default_page_size == 20


def test_load_accepts_names_paths_dicts_scenarios_and_none(write: WriteFile) -> None:
    by_name = Scenario.load("default")
    assert by_name.name == "default"
    assert Path(by_name.source) == REPO / "scenarios" / "default.yaml"
    assert Scenario.load(None) == by_name
    assert Scenario.load(by_name) is by_name
    path = write("name: mine\nseed: 5\n", "mine.yaml")
    assert Scenario.load(path).seed == 5
    assert Scenario.load(str(path)).name == "mine"
    assert Scenario.load({"seed": 6}).seed == 6
    with pytest.raises(TypeError):
        Scenario.load(42)  # type: ignore[arg-type]


def test_an_unknown_name_lists_the_known_ones() -> None:
    with pytest.raises(ScenarioError) as caught:
        Scenario.load("no-such-scenario")
    assert str(caught.value).startswith(
        "no-such-scenario: $: no scenario named 'no-such-scenario'; known scenarios: "
    )
    assert "default" in caught.value.message


def test_a_name_is_looked_up_in_extra_dirs_first(write: WriteFile, tmp_path: Path) -> None:
    mine = write("description: my own default\nseed: 77\n", "mine/default.yaml")
    write("description: only here\n", "mine/extra.yml")
    assert find_scenario("default", extra_dirs=[tmp_path / "mine"]) == mine
    assert find_scenario("default") == REPO / "scenarios" / "default.yaml"
    assert Scenario.load("default", extra_dirs=[tmp_path / "mine"]).seed == 77
    entries = {entry.name: entry for entry in library([tmp_path / "mine"])}
    assert entries["default"].description == "my own default"
    assert entries["extra"].path == tmp_path / "mine" / "extra.yml"


def test_names_cannot_escape_the_library() -> None:
    with pytest.raises(ScenarioError, match=re.escape("no scenario named '../fixtures/catalog'")):
        find_scenario("../fixtures/catalog")


def test_the_shipped_library_is_found_and_described() -> None:
    assert shipped_scenarios_dir() == REPO / "scenarios"
    entries = {entry.name: entry for entry in library()}
    default = entries["default"]
    assert default.path == REPO / "scenarios" / "default.yaml"
    assert default.description.startswith("A small catalog with history")
    assert "\n" not in default.description


def test_every_shipped_scenario_and_fixture_is_valid() -> None:
    files = sorted((REPO / "scenarios").glob("*.yaml")) + sorted((REPO / "fixtures").glob("*.yaml"))
    assert files
    assert [str(error) for error in validate_files(files)] == []


def test_the_default_scenario_is_useful_as_is() -> None:
    scenario = Scenario.load("default")
    spec = scenario.spec
    keys = [asset.key for asset in spec.assets]
    assert {"sales/daily", "customers", "regions/metrics", "orders/daily"} <= set(keys)
    assert scenario.config.start_ms == 1_717_200_000_000 and scenario.config.clock_mode == "manual"
    config = scenario.config
    sales = config.asset("sales/daily")
    assert sales is not None and sales.partitions is not None and len(sales.partitions) == 31
    regions = config.asset("regions/metrics")
    assert regions is not None and regions.partitions is not None
    assert regions.partitions.keys == ("us", "eu", "apac") and regions.run.max_concurrent == 2
    assert any(asset.run.fail_partitions for asset in config.assets)
    assert config.history_runs and sum(g.runs for g in config.history_generate) >= 200
    assert spec.faults == () and spec.auth is None and spec.rate_limit is None
    kinds = {entry.kind: entry for entry in spec.expect}
    assert kinds["no_retry_on"].no_retry_on == (400, 401, 403, 404)


def test_from_yaml_text_accepts_yaml_and_json() -> None:
    from_yaml = Scenario.from_yaml_text("name: t\nassets: [{key: a}]\n")
    from_json = Scenario.from_yaml_text('{"name": "t", "assets": [{"key": "a"}]}', "body.json")
    assert from_yaml.spec == from_json.spec
    assert (from_yaml.source, from_json.source) == ("<text>", "body.json")
    with pytest.raises(ScenarioError) as caught:
        Scenario.from_yaml_text("seed: x\n", "<request>")
    assert str(caught.value) == '<request>:1:7: seed: expected an integer, got "x"'


def test_with_overrides_changes_seed_and_clock_only() -> None:
    scenario = Scenario.load("default")
    changed = scenario.with_overrides(seed=3, clock_mode="realtime", clock_speed=10.0)
    assert (changed.seed, changed.config.clock_mode, changed.config.clock_speed) == (
        3,
        "realtime",
        10.0,
    )
    assert changed.config.start_ms == scenario.config.start_ms
    assert changed.spec.assets == scenario.spec.assets
    assert changed.config.seed == 3
    # the file form carries them too: what the plugin sends to a live server
    assert (changed.to_dict()["seed"], changed.spec.clock.speed) == (3, 10.0)
    assert scenario.with_overrides() is scenario
    with pytest.raises(ValueError, match="speed"):
        scenario.with_overrides(clock_speed=0)


def test_to_dict_loads_back_to_the_same_spec() -> None:
    scenario = Scenario.load("default")
    data = scenario.to_dict()
    assert "extends" not in data
    json.dumps(data)  # JSON-ready
    again = Scenario.load(data)
    assert again.spec == msgspec.structs.replace(scenario.spec, extends=None)


def test_specs_are_immutable() -> None:
    spec = Scenario.load("default").spec
    with pytest.raises(AttributeError):
        spec.seed = 1  # type: ignore[misc]
    assert isinstance(spec.assets, tuple)


# --- the JSON Schema ---------------------------------------------------------------------------


def test_json_schema_is_valid_draft_2020_12() -> None:
    schema = scenario_json_schema()
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    json.dumps(schema)


def test_json_schema_accepts_the_shipped_files_and_the_merged_default() -> None:
    validator = Draft202012Validator(scenario_json_schema())
    for path in [REPO / "scenarios" / "default.yaml", REPO / "fixtures" / "catalog.yaml"]:
        data = _yaml_data(path)
        assert [e.message for e in validator.iter_errors(data)] == [], path
    assert list(validator.iter_errors(Scenario.load("default").to_dict())) == []


def test_json_schema_rejects_what_the_loader_rejects() -> None:
    validator = Draft202012Validator(scenario_json_schema())
    bad: list[dict[str, object]] = [
        {"clok": {}},
        {"assets": [{"key": "a", "run": {"running_seconds": -1}}]},
        {"assets": [{"key": "a", "partitions": {}}]},
        {"faults": [{"name": "f", "respond": {}}]},
        {"faults": [{"name": "f", "respond": {"status": 418}}]},
        {"expect": [{"no_retry_on": [404], "retries_on": [500]}]},
        {"version": 2},
    ]
    for data in bad:
        assert not validator.is_valid(data), data
        with pytest.raises(ScenarioError):
            Scenario.load(data)


def _yaml_data(path: Path) -> object:
    """The file's data the way the scenario loader reads it (dates stay strings)."""
    from assetfake.scenario._yaml import parse_yaml
    from assetfake.scenario.nodes import to_plain

    return to_plain(parse_yaml(path.read_text(encoding="utf-8"), str(path)))
