"""`extends`: merged underneath, with per-key rules; problems keep their own file and line."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from assetfake.scenario import Scenario, ScenarioError, validate_files

WriteFile = Callable[..., Path]

BASE = """
    name: base
    description: the base file
    seed: 3
    clock: {start: "2024-03-01T00:00:00Z", mode: realtime, speed: 2.0}
    rate_limit: {requests: 5, per_seconds: 2}
    auth:
      tokens:
        - {token: base-reader, scopes: ["assets:read"]}
    assets:
      - {key: a, run: {running_seconds: 7, max_concurrent: 3}}
      - {key: b}
    faults:
      - {name: base-fault, respond: {status: 500}}
    history:
      runs:
        - {asset: b, status: SUCCEEDED, created_at: "2024-01-01T00:00:00Z"}
      generate:
        - {asset: b, runs: 4}
    expect:
      - no_retry_on: [400]
    """


@pytest.fixture
def merged(write: WriteFile) -> Scenario:
    write(BASE, "base/base.yaml")
    child = write(
        """
        extends: ../base/base.yaml
        seed: 9
        clock: {speed: 4.0}
        auth:
          tokens:
            - {token: child-writer, scopes: ["assets:write"]}
        assets:
          - {key: c}
          - {key: a, run: {queued_seconds: 2}}
        faults:
          - {name: child-fault, respond: {status: 404}}
        history:
          runs:
            - {asset: c, status: FAILED, created_at: "2024-02-01T00:00:00Z"}
          generate:
            - {asset: c, runs: 2}
        expect:
          - retries_on: [500]
        """,
        "child/child.yaml",
    )
    return Scenario.load(child)


def test_assets_merge_by_key_and_the_child_entry_replaces_the_base_entry_whole(
    merged: Scenario,
) -> None:
    assets = merged.spec.assets
    assert [asset.key for asset in assets] == ["a", "b", "c"]
    replaced = assets[0].run
    assert replaced.queued_seconds == 2.0
    assert replaced.running_seconds == 5.0  # the base's 7 is not merged in: replaced whole
    assert replaced.max_concurrent is None


def test_lists_concatenate_base_first(merged: Scenario) -> None:
    spec = merged.spec
    assert [fault.name for fault in spec.faults] == ["base-fault", "child-fault"]
    assert [entry.kind for entry in spec.expect] == ["no_retry_on", "retries_on"]
    assert [run.asset for run in spec.history.runs] == ["b", "c"]
    assert [generate.asset for generate in spec.history.generate] == ["b", "c"]
    assert spec.auth is not None
    assert [token.token for token in spec.auth.tokens] == ["base-reader", "child-writer"]


def test_scalars_override_and_mappings_merge_key_by_key(merged: Scenario) -> None:
    assert merged.seed == 9
    assert merged.config.clock_speed == 4.0  # from the child
    assert merged.config.clock_mode == "realtime"  # from the base, same mapping
    assert merged.spec.clock.start == "2024-03-01T00:00:00Z"
    assert merged.spec.rate_limit is not None
    assert merged.spec.rate_limit.requests == 5  # untouched base block


def test_name_and_description_are_not_inherited(merged: Scenario) -> None:
    assert merged.name == "child"  # the file's stem, not the base's name
    assert merged.description == ""
    assert merged.spec.extends == "../base/base.yaml"


def test_null_in_the_child_drops_a_base_block(write: WriteFile) -> None:
    write(BASE, "base.yaml")
    child = write("extends: base.yaml\nrate_limit: null\n", "child.yaml")
    assert Scenario.load(child).spec.rate_limit is None


def test_an_asset_key_repeated_in_the_child_is_still_a_duplicate(write: WriteFile) -> None:
    write("assets: [{key: a}]\n", "base.yaml")
    child = write("extends: base.yaml\nassets: [{key: a}, {key: a}]\n", "child.yaml")
    assert [str(e) for e in validate_files([child])] == [
        f"{child}:2:26: assets[1].key: duplicate asset key 'a' (first at line 2, column 16)"
    ]


def test_errors_in_the_base_file_name_the_base_file_and_its_line(
    write: WriteFile, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    write(
        """
        assets:
          - key: a
            run: {running_seconds: -1}
        """,
        "fixtures/base.yaml",
    )
    write(
        """
        extends: ../fixtures/base.yaml
        assets:
          - {key: z, run: {max_concurrent: 0}}
        """,
        "scenarios/child.yaml",
    )
    assert [str(e) for e in validate_files(["scenarios/child.yaml"])] == [
        # the extending file's problems first, then the base's; indices as in each file
        "scenarios/child.yaml:3:36: assets[0].run.max_concurrent: expected an integer >= 1, got 0",
        "fixtures/base.yaml:3:28: assets[0].run.running_seconds: expected a number >= 0, got -1",
    ]


def test_list_indices_are_those_of_the_file_the_item_is_written_in(write: WriteFile) -> None:
    write("faults: [{name: one, respond: {status: 500}}, {name: two, respond: {status: 500}}]\n",
          "base.yaml")  # fmt: skip
    child = write(
        """
        extends: base.yaml
        faults:
          - {name: three, match: {call: 0}, respond: {status: 500}}
        """,
        "child.yaml",
    )
    assert [str(e) for e in validate_files([child])] == [
        f"{child}:3:33: faults[0].match.call: expected an integer >= 1, got 0"
    ]


def test_syntax_errors_in_the_base_file(write: WriteFile) -> None:
    base = write("assets: [\n", "base.yaml")
    child = write("extends: base.yaml\n", "child.yaml")
    (error,) = validate_files([child])
    assert (error.file, error.line, error.column) == (str(base), 2, 1)
    assert error.message.startswith("invalid YAML:")


def test_a_base_that_is_not_a_mapping(write: WriteFile) -> None:
    base = write("- a\n", "base.yaml")
    child = write("extends: base.yaml\n", "child.yaml")
    assert [str(e) for e in validate_files([child])] == [
        f"{base}:1:1: $: a scenario extended by another must be a mapping; got not a mapping"
    ]


def test_a_missing_base_is_reported_at_extends(write: WriteFile) -> None:
    child = write("name: c\nextends: nowhere.yaml\n", "child.yaml")
    nowhere = child.parent / "nowhere.yaml"
    assert [str(e) for e in validate_files([child])] == [
        f"{child}:2:10: extends: cannot read {nowhere}: No such file or directory"
    ]


def test_extends_cycle_is_an_error(
    write: WriteFile, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    write("extends: b.yaml\n", "a.yaml")
    write("seed: 1\nextends: c.yaml\n", "b.yaml")
    write("extends: a.yaml\n", "c.yaml")
    assert [str(e) for e in validate_files(["a.yaml"])] == [
        "c.yaml:1:10: extends: extends cycle: a.yaml -> b.yaml -> c.yaml -> a.yaml"
    ]


def test_a_file_extending_itself(write: WriteFile) -> None:
    path = write("extends: self.yaml\n", "self.yaml")
    with pytest.raises(ScenarioError, match=r"extends cycle: .*self\.yaml -> .*self\.yaml$"):
        Scenario.load(path)


def test_a_three_level_chain_merges_in_order(write: WriteFile) -> None:
    write("seed: 1\nfaults: [{name: g, respond: {status: 500}}]\n", "grand.yaml")
    write("extends: grand.yaml\nseed: 2\nfaults: [{name: p, respond: {status: 500}}]\n",
          "parent.yaml")  # fmt: skip
    child = write("extends: parent.yaml\nfaults: [{name: c, respond: {status: 500}}]\n", "c.yaml")
    spec = Scenario.load(child).spec
    assert spec.seed == 2
    assert [fault.name for fault in spec.faults] == ["g", "p", "c"]


def test_a_dict_may_extend_a_file_relative_to_the_working_directory(
    write: WriteFile, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    write("assets: [{key: a, run: {running_seconds: -1}}]\n", "base.yaml")
    with pytest.raises(ScenarioError) as caught:
        Scenario.load({"extends": "base.yaml", "assets": [{"key": "b", "run": {"fail_stage": 1}}]})
    assert [str(e) for e in caught.value.errors] == [
        "<dict>: assets[0].run.fail_stage: expected one of starting, running; got 1",
        "base.yaml:1:42: assets[0].run.running_seconds: expected a number >= 0, got -1",
    ]


def test_yaml_text_resolves_extends_against_base_dir(write: WriteFile, tmp_path: Path) -> None:
    write("assets: [{key: a}]\n", "lib/base.yaml")
    scenario = Scenario.from_yaml_text(
        "extends: base.yaml\nseed: 4\n", "<request>", base_dir=tmp_path / "lib"
    )
    assert [asset.key for asset in scenario.spec.assets] == ["a"]
    assert scenario.source == "<request>"
