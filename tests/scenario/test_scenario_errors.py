"""Every kind of problem in a scenario file is reported as `file:line:col: path: message`."""

from __future__ import annotations

import pickle
from collections.abc import Callable
from pathlib import Path

import pytest

from assetfake.scenario import Scenario, ScenarioError, validate_files
from assetfake.scenario.schema import ScenarioSpec

Problems = Callable[[str], list[str]]
WriteFile = Callable[..., Path]

TOP_LEVEL_KEYS = ", ".join(ScenarioSpec.__struct_fields__)


# --- structure: unknown keys, types, ranges, missing keys --------------------------------------


def test_unknown_top_level_key_names_it_and_the_allowed_keys(problems: Problems) -> None:
    assert problems("""
        version: 1
        clok: {start: "2024-06-01T00:00:00Z"}
        """) == [
        "s.yaml:2:1: clok: unknown key 'clok' (did you mean 'clock'?); "
        f"allowed keys: {TOP_LEVEL_KEYS}"
    ]


def test_unknown_nested_key_is_reported_at_the_key(problems: Problems) -> None:
    (line,) = problems("""
        assets:
          - key: a
            run:
              queued_seconds: 1
              runing_seconds: 3
        """)
    assert line.startswith(
        "s.yaml:5:7: assets[0].run.runing_seconds: unknown key 'runing_seconds' "
        "(did you mean 'running_seconds'?); allowed keys: queued_seconds, starting_seconds, "
    )


def test_type_error_deep_in_a_list(problems: Problems) -> None:
    assert problems("""
        faults:
          - {name: one, respond: {status: 500}}
          - {name: two, respond: {status: 500}}
          - name: three
            match: {operation: listAssetRuns, call: "2"}
            respond: {status: 429}
        """) == ['s.yaml:5:45: faults[2].match.call: expected an integer or null, got "2"']


def test_range_error_reports_the_value(problems: Problems) -> None:
    assert problems("""
        assets:
          - key: a
          - key: b
            run:
              running_seconds: -5
        """) == ["s.yaml:5:24: assets[1].run.running_seconds: expected a number >= 0, got -5"]


def test_missing_required_key_points_at_the_mapping(problems: Problems) -> None:
    assert problems("""
        assets:
          - key: a
          - run: {running_seconds: 1}
        """) == ["s.yaml:3:5: assets[1]: missing required key 'key'"]


def test_enum_error_lists_the_allowed_values(problems: Problems) -> None:
    assert problems("clock: {mode: fast}\n") == [
        's.yaml:1:15: clock.mode: expected one of manual, realtime; got "fast"'
    ]


def test_version_must_be_1(problems: Problems) -> None:
    assert problems("version: 2\n") == ["s.yaml:1:10: version: expected 1; got 2"]


def test_a_number_where_a_string_is_expected_suggests_quoting(problems: Problems) -> None:
    assert problems("""
        assets:
          - key: a
        faults:
          - name: q
            match: {query: {max_results: 5}}
            respond: {status: 400}
        """) == [
        "s.yaml:5:34: faults[0].match.query.max_results: expected a string, got 5 "
        "(quote it to make it a string)"
    ]


def test_wrong_container_type(problems: Problems) -> None:
    assert problems("assets: {key: a}\n") == ["s.yaml:1:9: assets: expected a list, got a mapping"]


def test_non_finite_numbers_are_rejected(problems: Problems) -> None:
    assert problems("""
        assets:
          - key: a
            run: {running_seconds: .inf}
            materialization: {metadata: {ratio: .nan}}
        """) == [
        "s.yaml:3:28: assets[0].run.running_seconds: expected a finite number, got inf",
        "s.yaml:4:41: assets[0].materialization.metadata.ratio: expected a finite number, got nan",
    ]


def test_string_length_limits(problems: Problems) -> None:
    key = "k" * 256
    assert problems(f"assets: [{{key: {key}}}]\n") == [
        "s.yaml:1:16: assets[0].key: expected a string of length <= 255, "
        "got a string of 256 characters"
    ]


def test_every_problem_is_collected_in_document_order(write: WriteFile) -> None:
    path = write("""
        seed: -1
        clock: {mode: fast, speed: 0}
        assets:
          - {key: a, colour: red}
        """)
    with pytest.raises(ScenarioError) as caught:
        Scenario.load(path)
    error = caught.value
    file = str(path)
    assert [str(e) for e in error.errors] == [
        f"{file}:1:7: seed: expected an integer >= 0, got -1",
        f'{file}:2:15: clock.mode: expected one of manual, realtime; got "fast"',
        f"{file}:2:28: clock.speed: expected a number > 0, got 0",
        f"{file}:4:14: assets[0].colour: unknown key 'colour'; allowed keys: key, partitions, "
        "run, materialization",
    ]
    assert (error.file, error.line, error.column, error.path) == (file, 1, 7, "seed")
    assert error.message == "expected an integer >= 0, got -1"
    assert str(error) == str(error.errors[0])


# --- YAML itself -------------------------------------------------------------------------------


def test_yaml_syntax_error_has_line_and_column(problems: Problems) -> None:
    (line,) = problems("""
        version: 1
        assets:
          - key: a
           bad: indentation
        """)
    # the problem's wording is the parser's (libyaml or PyYAML); location and context are ours
    assert line.startswith("s.yaml:4:4: $: invalid YAML: ")
    assert line.endswith("(while parsing a block collection at line 3, column 3)")


def test_duplicate_key_is_an_error(problems: Problems) -> None:
    assert problems("""
        assets:
          - key: a
            key: b
        """) == ["s.yaml:3:5: assets[0].key: duplicate key 'key' (first at line 2, column 5)"]


def test_merge_keys_may_be_overridden_without_a_duplicate_error(write: WriteFile) -> None:
    path = write("""
        assets:
          - &base {key: a, run: {running_seconds: 3}}
          - <<: *base
            key: b
        """)
    spec = Scenario.load(path).spec
    assert [(a.key, a.run.running_seconds) for a in spec.assets] == [("a", 3.0), ("b", 3.0)]


def test_empty_file(problems: Problems) -> None:
    assert problems("") == ["s.yaml:1:1: $: the scenario is empty; expected a mapping"]


def test_document_that_is_not_a_mapping(problems: Problems) -> None:
    assert problems("- a\n- b\n") == ["s.yaml:1:1: $: expected a mapping, got a list"]


def test_several_documents(problems: Problems) -> None:
    (line,) = problems("a: 1\n---\nb: 2\n")
    assert line.startswith("s.yaml:2:1: $: invalid YAML: but found another document")


def test_unsupported_tags(problems: Problems) -> None:
    assert problems("name: !!binary aGVsbG8=\ndescription: !!set {a}\n") == [
        "s.yaml:1:7: name: unsupported YAML value of type bytes (tag tag:yaml.org,2002:binary); "
        "use a string, number, boolean or null",
        "s.yaml:2:14: description: unsupported YAML tag tag:yaml.org,2002:set; use a plain mapping",
    ]


def test_recursive_alias(problems: Problems) -> None:
    assert problems("assets: &a [*a]\n") == [
        "s.yaml:1:9: assets[0]: recursive alias: a node cannot contain itself"
    ]


def test_alias_expansion_is_bounded(problems: Problems) -> None:
    levels = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for level in range(1, 9):
        refs = ", ".join([f"*a{level - 1}"] * 10)
        levels.append(f"a{level}: &a{level} [{refs}]")
    text = "\n".join(["metadata_bomb:", *(f"  {line}" for line in levels)]) + "\n"
    (line,) = problems(text)
    assert (
        line == "s.yaml:1:1: $: the document expands to more than 1000000 nodes (too many aliases?)"
    )


def test_unreadable_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    assert [str(e) for e in validate_files([missing])] == [
        f"{missing}: $: cannot read file: No such file or directory"
    ]


def test_control_characters(problems: Problems) -> None:
    (line,) = problems("name: a\ndescription: \x01\n")
    assert line.startswith("s.yaml:2:14: $: invalid YAML: ")
    assert line.endswith(" characters are not allowed (character #x0001)")


# --- rules between fields ----------------------------------------------------------------------

CATALOG = """
    assets:
      - key: sales/daily
        partitions: {daily: {start: "2024-01-01", end: "2024-01-31"}}
      - key: customers
    """


def test_fault_status_must_be_documented_by_its_operation(problems: Problems) -> None:
    assert problems(
        CATALOG
        + """
    faults:
      - name: teapot
        match: {operation: listAssetRuns}
        respond: {status: 418}
      - name: any-op
        respond: {status: 503}
    """
    ) == [
        "s.yaml:9:23: faults[0].respond.status: 418 is not an error status listAssetRuns "
        "documents; expected one of 400, 401, 403, 404, 429, 500",
        "s.yaml:11:23: faults[1].respond.status: 503 is not an error status an operation "
        "documents; expected one of 400, 401, 403, 404, 429, 500",
    ]


def test_fault_operations_methods_and_assets_must_be_known(problems: Problems) -> None:
    assert problems(
        CATALOG
        + """
    faults:
      - name: f
        match: {operation: [listAssetRuns, listRuns], method: POST, asset: ghost}
        respond: {network: reset, body: {}}
    """
    ) == [
        "s.yaml:8:40: faults[0].match.operation[1]: unknown operation 'listRuns' (did you mean "
        "'listAssetRuns'?); expected one "
        "of listAssetBackfills, createAssetBackfill, getAssetBackfill, "
        "listAssetMaterializations, triggerAssetMaterialization, listAssetRuns",
        "s.yaml:8:59: faults[0].match.method: POST never matches operation listAssetRuns "
        "(method GET)",
        "s.yaml:8:72: faults[0].match.asset: asset 'ghost' is not declared in assets "
        "(declared: sales/daily, customers)",
        "s.yaml:9:37: faults[0].respond.body: a network fault (reset) sends no body",
    ]


def test_fault_respond_needs_exactly_one_of_status_and_network(problems: Problems) -> None:
    assert problems("faults: [{name: f, respond: {status: 500, network: hang}}]\n") == [
        "s.yaml:1:29: faults[0].respond: expected one of status, network, not both"
    ]


def test_a_fault_with_only_a_delay_slows_the_real_answer(problems: Problems) -> None:
    assert problems("faults: [{name: f, respond: {delay_seconds: 0.1}}]\n") == []
    assert problems("faults: [{name: f, respond: {headers: {X-A: b}}}]\n") == [
        "s.yaml:1:29: faults[0].respond: expected status or network (or only delay_seconds > 0 "
        "to slow down the real answer)"
    ]


def test_fault_firing_conditions_are_exclusive_and_names_unique(problems: Problems) -> None:
    assert problems("""
        faults:
          - {name: f, match: {call: 1, after: 2}, respond: {status: 500}}
          - {name: f, match: {between: {start: "2024-06-02T00:00:00Z", end: "2024-06-01T00:00:00Z"}}, respond: {status: 500}}
        """) == [  # noqa: E501
        "s.yaml:2:39: faults[0].match.after: at most one of call, calls, after, every; "
        "got call, after",
        "s.yaml:3:12: faults[1].name: duplicate fault name 'f' (first at line 2, column 12)",
        "s.yaml:3:69: faults[1].match.between.end: the window's end must be after its start",
    ]


def test_history_must_match_declared_assets_and_partitions(problems: Problems) -> None:
    assert problems(
        CATALOG
        + """
    history:
      runs:
        - {asset: sales/daily, status: SUCCEEDED, created_at: "2024-05-01T00:00:00Z"}
        - {asset: sales/daily, partition: "2024-02-01", status: FAILED, created_at: "2024-05-01T00:00:00Z"}
        - {asset: customers, partition: x, status: SUCCEEDED, created_at: "2024-05-01T00:00:00Z"}
        - {asset: ghost, status: SUCCEEDED, created_at: "2024-05-01T00:00:00Z"}
      generate:
        - {asset: ghost, runs: 3}
    """  # noqa: E501
    ) == [
        "s.yaml:8:7: history.runs[0]: missing required key 'partition': asset 'sales/daily' "
        "is partitioned",
        "s.yaml:9:39: history.runs[1].partition: '2024-02-01' is not a partition of asset "
        "'sales/daily' (daily: 2024-01-01 to 2024-01-31)",
        "s.yaml:10:37: history.runs[2].partition: asset 'customers' is not partitioned",
        "s.yaml:11:15: history.runs[3].asset: asset 'ghost' is not declared in assets "
        "(declared: sales/daily, customers)",
        "s.yaml:13:15: history.generate[0].asset: asset 'ghost' is not declared in assets "
        "(declared: sales/daily, customers)",
    ]


def test_history_must_be_before_the_clock_start(problems: Problems) -> None:
    assert problems("""
        clock: {start: "2024-06-01T00:00:00Z"}
        assets: [{key: a}]
        history:
          runs:
            - {asset: a, status: SUCCEEDED, created_at: "2024-06-01T00:00:00Z"}
            - {asset: a, status: SUCCEEDED, created_at: 2024-05-01}
            - {asset: a, status: SUCCEEDED, created_at: "2024-05-01T00:00:00Z", error_message: x}
        """) == [
        "s.yaml:5:49: history.runs[0].created_at: history must be before the clock start "
        "(2024-06-01T00:00:00.000Z), got 2024-06-01T00:00:00Z",
        "s.yaml:6:49: history.runs[1].created_at: expected an RFC 3339 timestamp such as "
        "2024-06-01T00:00:00Z, got '2024-05-01'",
        "s.yaml:7:88: history.runs[2].error_message: only a FAILED run has an error; "
        "status is SUCCEEDED",
    ]


def test_asset_rules(problems: Problems) -> None:
    assert problems("""
        assets:
          - {key: a, run: {fail_partitions: [x]}}
          - {key: b, partitions: {static: [us, eu]}, run: {fail_partitions: [eu, apac]}}
          - {key: a}
          - {key: c, partitions: {daily: {start: "2024-01-01", end: "2024-1-31"}}}
          - {key: d, partitions: {hourly: {start: "2024-01-01-00:30", end: "2024-01-02-00:00"}}}
          - {key: e, partitions: {daily: {start: "2024-02-01", end: "2024-01-01"}}}
          - {key: f, partitions: {}}
          - {key: g/}
        pagination: {default_page_size: 50, max_page_size: 10}
        """) == [
        "s.yaml:2:38: assets[0].run.fail_partitions[0]: asset 'a' is not partitioned, "
        "so it has no partition 'x'",
        "s.yaml:3:74: assets[1].run.fail_partitions[1]: 'apac' is not a partition of asset "
        "'b' (static: us, eu)",
        "s.yaml:4:11: assets[2].key: duplicate asset key 'a' (first at line 2, column 11)",
        "s.yaml:5:61: assets[3].partitions.daily.end: expected a YYYY-MM-DD partition bound, "
        "got '2024-1-31'",
        "s.yaml:6:43: assets[4].partitions.hourly.start: an hourly bound must fall on the "
        "hour, got '2024-01-01-00:30'",
        "s.yaml:7:34: assets[5].partitions.daily: partition start is after its end",
        "s.yaml:8:26: assets[6].partitions: expected exactly one of daily, hourly, static",
        "s.yaml:9:11: assets[7].key: an asset key is components joined by '/', with no empty "
        "component; got 'g/'",
        "s.yaml:10:33: pagination.default_page_size: must not exceed max_page_size (10), got 50",
    ]


def test_expectation_rules(problems: Problems) -> None:
    assert problems("""
        assets: [{key: a}]
        expect:
          - {calls: {operation: listAssetRuns, max: 1}, no_retry_on: [404]}
          - calls: {operation: createAssetBackfill, status: 200, exactly: 1, min: 1}
          - calls: {asset: a}
          - state: {runs: {count: 1}, backfills: {count: 1}}
          - state: {materializations: {asset: ghost, status: SUCCEEDED, min: 2, max: 1}}
          - no_retry_on: [404, 503]
          - retries_on: [404]
        """) == [
        "s.yaml:3:5: expect[0]: an expectation is a mapping with exactly one key of calls, "
        "honors_retry_after, no_retry_on, retries_on, state, max_attempts, backoff, observes, "
        "outcome; got calls, no_retry_on",
        "s.yaml:4:53: expect[1].calls.status: 200 is not a status operation createAssetBackfill "
        "answers; expected one of 201, 400, 401, 403, 404, 429, 500",
        "s.yaml:4:67: expect[1].calls.exactly: exactly excludes min and max",
        "s.yaml:5:12: expect[2].calls: expected at least one of exactly, min, max",
        "s.yaml:6:12: expect[3].state: expected exactly one of runs, backfills, "
        "materializations; got runs, backfills",
        "s.yaml:7:39: expect[4].state.materializations.asset: asset 'ghost' is not declared in "
        "assets (declared: a)",
        "s.yaml:7:54: expect[4].state.materializations.status: materializations have no status",
        "s.yaml:7:70: expect[4].state.materializations.min: min (2) is greater than max (1)",
        "s.yaml:8:24: expect[5].no_retry_on[1]: 503 is not an error status the fake sends; "
        "expected one of 400, 401, 403, 404, 405, 429, 500",
        "s.yaml:9:18: expect[6].retries_on[0]: 404 is also in no_retry_on (at line 3, column 63)",
    ]


def test_expectation_kinds_have_typed_values(problems: Problems) -> None:
    assert problems("""
        expect:
          - retries_on: [reset, resett, 500]
          - observes: {runs: done}
          - {max_attempts: 0}
          - backoff: {min_seconds: -1}
          - backoff: {}
          - outcome: maybe
        """) == [
        "s.yaml:2:25: expect[0].retries_on[1]: expected an integer or one of reset, empty, "
        'truncated, stall, malformed, close_after, hang, got "resett"',
        's.yaml:3:22: expect[1].observes.runs: expected terminal; got "done"',
        "s.yaml:4:20: expect[2].max_attempts: expected an integer >= 1, got 0",
        "s.yaml:5:28: expect[3].backoff.min_seconds: expected a number >= 0, got -1",
        "s.yaml:6:14: expect[4].backoff: missing required key 'min_seconds'",
        's.yaml:7:14: expect[5].outcome: expected one of succeeds, fails; got "maybe"',
    ]


def test_network_kinds_observes_and_outcome_rules(problems: Problems) -> None:
    assert problems("""
        expect:
          - retries_on: [reset, malformed, 500]
          - no_retry_on: [malformed, 404]
          - observes: {backfills: terminal, runs: terminal}
          - observes: {}
          - outcome: fails
          - outcome: succeeds
        """) == [
        "s.yaml:2:25: expect[0].retries_on[1]: malformed is also in no_retry_on "
        "(at line 3, column 19)",
        "s.yaml:4:15: expect[2].observes: expected exactly one of backfills, runs; "
        "got backfills, runs",
        "s.yaml:5:15: expect[3].observes: expected exactly one of backfills, runs",
        "s.yaml:7:14: expect[5].outcome: a scenario states its outcome once; it is already "
        "stated at line 6, column 14",
    ]


def test_auth_tokens_are_unique_and_timestamps_valid(problems: Problems) -> None:
    assert problems("""
        auth:
          tokens:
            - {token: t, scopes: ["assets:read"]}
            - {token: t, scopes: ["assets:read", "assets:admin"], expires_at: tomorrow}
        """) == [
        "s.yaml:4:42: auth.tokens[1].scopes[1]: expected one of assets:read, assets:write; "
        'got "assets:admin"'
    ]


def test_auth_rules_after_types_pass(problems: Problems) -> None:
    assert problems("""
        auth:
          tokens:
            - {token: t, scopes: ["assets:read"]}
            - {token: t, scopes: [], expires_at: tomorrow}
        """) == [
        "s.yaml:4:15: auth.tokens[1].token: duplicate token 't' (first at line 3, column 15)",
        "s.yaml:4:42: auth.tokens[1].expires_at: expected an RFC 3339 timestamp such as "
        "2024-06-01T00:00:00Z, got 'tomorrow'",
    ]


# --- the error object --------------------------------------------------------------------------


def test_error_formats() -> None:
    located = ScenarioError("boom", file="a.yaml", line=3, column=7, path="faults[2].match.call")
    assert str(located) == "a.yaml:3:7: faults[2].match.call: boom"
    unlocated = ScenarioError("boom", path="assets[0].key")
    assert str(unlocated) == "<dict>: assets[0].key: boom"
    assert (unlocated.file, unlocated.line, unlocated.column) == ("<dict>", None, None)


def test_error_survives_pickling_with_all_its_errors() -> None:
    first = ScenarioError("one", file="a.yaml", line=1, column=2, path="seed")
    second = ScenarioError("two", path="name")
    combined = ScenarioError.collect([first, second])
    copy = pickle.loads(pickle.dumps(combined))
    assert str(copy) == "a.yaml:1:2: seed: one"
    assert copy.format_all() == "a.yaml:1:2: seed: one\n<dict>: name: two"
    assert copy.to_dict() == {
        "file": "a.yaml",
        "line": 1,
        "column": 2,
        "path": "seed",
        "message": "one",
    }


def test_dict_scenarios_report_dict_and_no_line() -> None:
    with pytest.raises(ScenarioError) as caught:
        Scenario.load({"assets": [{"key": "a"}, {"key": "b", "run": {"running_seconds": "x"}}]})
    assert str(caught.value) == '<dict>: assets[1].run.running_seconds: expected a number, got "x"'
    assert caught.value.line is None


def test_dict_scenarios_with_non_string_keys_and_values() -> None:
    with pytest.raises(ScenarioError) as caught:
        Scenario.load({"assets": [{"key": "a", "materialization": {"metadata": {1: object()}}}]})
    assert str(caught.value) == (
        "<dict>: assets[0].materialization.metadata: keys must be strings, got 1"
    )


def test_dict_duplicates_name_the_first_by_path() -> None:
    with pytest.raises(ScenarioError) as caught:
        Scenario.load(
            {
                "faults": [
                    {"name": "f", "respond": {"status": 500}},
                    {"name": "f", "respond": {"status": 500}},
                ]
            }
        )
    assert (
        str(caught.value)
        == "<dict>: faults[1].name: duplicate fault name 'f' (first at faults[0].name)"
    )


def test_a_duplicate_in_another_file_is_named_with_its_file(write: WriteFile) -> None:
    base = write("faults: [{name: f, respond: {status: 500}}]\n", "base.yaml")
    child = write("extends: base.yaml\nfaults: [{name: f, respond: {status: 404}}]\n", "child.yaml")
    assert [str(e) for e in validate_files([child])] == [
        f"{child}:2:17: faults[0].name: duplicate fault name 'f' (first at {base}:1:17)"
    ]


def test_fault_headers_must_be_sendable(problems: Problems) -> None:
    assert problems("""
        faults:
          - name: h
            match: {header: {"bad name": "*"}}
            respond: {status: 429, headers: {Retry-After: "2", X-Evil: "a\\r\\nSet-Cookie: x"}}
        """) == [
        "s.yaml:3:22: faults[0].match.header[\"bad name\"]: 'bad name' is not a valid HTTP "
        "header name",
        "s.yaml:4:64: faults[0].respond.headers.X-Evil: a header value must be printable ASCII "
        "(no line breaks, control characters or non-ASCII letters)",
    ]


def test_fault_names_and_header_values_must_be_ascii(problems: Problems) -> None:
    # Both end up in response headers (X-Fake-Fault), which carry no UTF-8.
    assert problems("""
        faults:
          - name: "boom €"
            respond: {status: 500, headers: {X-A: "€"}}
        """) == [
        "s.yaml:2:11: faults[0].name: a fault name is sent in the X-Fake-Fault header: use "
        "printable ASCII only",
        "s.yaml:3:43: faults[0].respond.headers.X-A: a header value must be printable ASCII "
        "(no line breaks, control characters or non-ASCII letters)",
    ]
