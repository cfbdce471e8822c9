"""One scenario model: the file's spec and the domain's config, built once; overrides in one
place; defaults from the domain; the type check's wording from the schema's types."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import get_args

import pytest

from assetfake.assembly import template_of
from assetfake.domain.config import HistoryGenerate, PaginationConfig, RunConfig
from assetfake.domain.partitions import Partitions
from assetfake.expectations import ExpectSpec
from assetfake.fake import AssetFake
from assetfake.http.policy import NetworkKind
from assetfake.scenario import Scenario
from assetfake.scenario.schema.faults import NetworkKind as ScenarioNetworkKind

Problems = Callable[[str], list[str]]


def test_partitions_are_parsed_once_and_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[Partitions] = []
    daily = Partitions.daily

    def counting(start: str, end: str) -> Partitions:
        built.append(daily(start, end))
        return built[-1]

    monkeypatch.setattr(Partitions, "daily", staticmethod(counting))
    scenario = Scenario.load(
        {
            "assets": [
                {"key": "a", "partitions": {"daily": {"start": "2024-01-01", "end": "2024-01-31"}}}
            ]
        }
    )
    changed = scenario.with_overrides(seed=4)
    assert len(built) == 1  # by the rules, while checking; not again by the conversion
    assert scenario.config.assets[0].partitions is built[0]
    assert changed.config.assets[0].partitions is built[0]


def test_defaults_are_the_domains() -> None:
    config = Scenario.load(
        {"assets": [{"key": "a"}], "history": {"generate": [{"asset": "a", "runs": 2}]}}
    ).config
    assert config.assets[0].run == RunConfig()
    assert config.pagination == PaginationConfig()
    assert config.history_generate == (HistoryGenerate("a", 2),)
    assert (config.seed, config.clock_mode, config.clock_speed) == (0, "manual", 1.0)


def test_overrides_are_checked_as_the_file_would_be() -> None:
    scenario = Scenario.load({})
    with pytest.raises(ValueError, match=r"^seed: expected an integer >= 0, got -1$"):
        scenario.with_overrides(seed=-1)
    with pytest.raises(
        ValueError, match=r'^clock.mode: expected one of manual, realtime; got "fast"$'
    ):
        scenario.with_overrides(clock_mode="fast")  # type: ignore[arg-type]
    with pytest.raises(
        ValueError, match=r"^clock.speed: expected a number <= 1000000, got 10000000.0$"
    ):
        scenario.with_overrides(clock_speed=1e7)
    with pytest.raises(ValueError, match="seed"):
        AssetFake(seed=2**63)


def test_the_fake_serves_the_overridden_scenario() -> None:
    fake = AssetFake("default", seed=7, clock="realtime", speed=10.0)
    assert (fake.scenario.seed, fake.seed, fake.scenario.to_dict()["seed"]) == (7, 7, 7)
    clock = fake.world.clock
    assert (clock.mode, clock.speed) == ("realtime", 10.0)
    assert fake.scenario.name == "default"


def test_the_template_carries_the_expectations_as_they_were_decoded() -> None:
    scenario = Scenario.load("default")
    template = template_of(scenario)
    assert template.expectations == scenario.spec.expect
    assert template.expectations and all(isinstance(e, ExpectSpec) for e in template.expectations)
    assert template.config is scenario.config
    assert template.name == scenario.name == "default"


# --- the type check, worded from the schema's types --------------------------------------------


def test_a_boolean_is_not_a_number_and_true_is_not_1(problems: Problems) -> None:
    assert problems("version: true\nseed: false\nclock: {speed: true}\n") == [
        "s.yaml:1:10: version: expected 1; got true",
        "s.yaml:2:7: seed: expected an integer, got false",
        "s.yaml:3:16: clock.speed: expected a number, got true",
    ]


def test_items_of_a_list_in_a_union_are_checked_one_by_one(problems: Problems) -> None:
    assert problems("""
        faults:
          - name: f
            match: {operation: [listAssetRuns, 5], calls: [], method: PUT}
            respond: {status: 500}
          - {name: g, match: {operation: {a: 1}}, respond: {status: 500}}
        """) == [
        "s.yaml:3:40: faults[0].match.operation[1]: expected a string, got 5 "
        "(quote it to make it a string)",
        "s.yaml:3:51: faults[0].match.calls: expected a list of length >= 1, got a list",
        's.yaml:3:63: faults[0].match.method: expected one of GET, POST; got "PUT"',
        "s.yaml:5:34: faults[1].match.operation: expected a string or a list or null, "
        "got a mapping",
    ]


def test_an_integer_too_large_for_a_number(problems: Problems) -> None:
    huge = "9" * 400
    assert problems(f"assets: [{{key: a, run: {{running_seconds: {huge}}}}}]\n") == [
        f"s.yaml:1:42: assets[0].run.running_seconds: expected a number, got {huge}"
    ]


def test_an_override_file_and_the_checked_spec_agree(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text("seed: 3\nclock: {mode: realtime, speed: 2}\n", encoding="utf-8")
    from_file = Scenario.load(path)
    overridden = Scenario.load({}).with_overrides(seed=3, clock_mode="realtime", clock_speed=2)
    assert from_file.config == overridden.config


def test_every_network_fault_a_scenario_names_is_one_the_http_layer_applies() -> None:
    assert set(get_args(ScenarioNetworkKind)) <= set(get_args(NetworkKind))
