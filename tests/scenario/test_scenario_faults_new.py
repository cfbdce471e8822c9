"""The scenario format's network faults stall, slow_body and close_after, seeded delay ranges,
revoked tokens and the client's credentials (``auth.client``): what loads, what the policy
records get, and every problem reported where it is."""

from __future__ import annotations

from pathlib import Path
from typing import Any, get_args

import jsonschema
import pytest

from assetfake import AssetFake, Scenario, ScenarioError
from assetfake import fault_kinds as kinds
from assetfake.assembly import policies_of
from assetfake.domain.timestamps import parse_rfc3339
from assetfake.http import policy
from assetfake.scenario.schema import faults as fault_schema
from assetfake.scenario.schema import scenario_json_schema
from small_world import scenario

Problems = Any  # the ``problems`` fixture of conftest.py


def _respond(**respond: object) -> dict[str, Any]:
    return scenario({"name": "f", "match": {"operation": "listAssetRuns"}, "respond": respond})


def _fault_policy(**respond: object) -> policy.FaultResponse:
    (rule,) = policies_of(Scenario.load(_respond(**respond)).spec).faults
    return rule.respond


# --- one vocabulary ----------------------------------------------------------------------------


def test_the_schema_and_the_policy_name_the_same_literals() -> None:
    assert fault_schema.NetworkKind is kinds.NetworkKind is policy.NetworkKind
    assert policy.Phase is kinds.Phase
    assert policy.RateScope is kinds.RateScope
    assert set(kinds.NETWORK_KINDS) == {
        *("reset", "empty", "truncated", "malformed", "hang"),
        *("stall", "slow_body", "close_after"),
    }
    assert set(kinds.NETWORK_FAILURES) == set(kinds.NETWORK_KINDS) - {"slow_body"}
    assert set(kinds.KIND_PARAMETERS.values()) <= set(kinds.NETWORK_KINDS)


def test_the_json_schema_lists_every_network_kind() -> None:
    respond = scenario_json_schema()["$defs"]["RespondSpec"]  # type: ignore[index]
    network = respond["properties"]["network"]
    listed = next(option["enum"] for option in network["anyOf"] if "enum" in option)
    assert sorted(listed) == sorted(kinds.NETWORK_KINDS)


# --- what loads, and what the fake is given ----------------------------------------------------


def test_stall_defaults_to_the_headers_alone_and_takes_a_byte_count() -> None:
    assert _fault_policy(network="stall").stall_after_bytes == 0
    stalled = _fault_policy(network="stall", stall_after_bytes=12)
    assert (stalled.network, stalled.stall_after_bytes) == ("stall", 12)


def test_slow_body_carries_its_rate_and_close_after_needs_nothing() -> None:
    slow = _fault_policy(network="slow_body", bytes_per_second=512.5)
    assert (slow.network, slow.bytes_per_second) == ("slow_body", 512.5)
    closing = _fault_policy(network="close_after")
    assert (closing.network, closing.stall_after_bytes, closing.bytes_per_second) == (
        "close_after",
        0,
        0.0,
    )


def test_a_delay_is_a_number_or_a_range() -> None:
    fixed = _fault_policy(status=500, delay_seconds=1.5)
    assert (fixed.delay_seconds, fixed.delay_max_seconds) == (1.5, None)
    ranged = _fault_policy(network="reset", delay_seconds={"min": 0.25, "max": 2})
    assert (ranged.delay_seconds, ranged.delay_max_seconds) == (0.25, 2.0)
    latency = _fault_policy(delay_seconds={"min": 0, "max": 0.5})  # only a delay: latency
    assert (latency.status, latency.network, latency.delay_max_seconds) == (None, None, 0.5)


def test_revoked_at_and_the_client_tokens_reach_the_auth_policy() -> None:
    spec = Scenario.load(
        scenario(
            auth={
                "tokens": [
                    {
                        "token": "old",
                        "scopes": ["assets:read"],
                        "revoked_at": "2024-06-01T00:05:00Z",
                    },
                    {
                        "token": "new",
                        "scopes": ["assets:read"],
                        "expires_at": "2024-06-02T00:00:00Z",
                    },
                ],
                "client": ["old", "new"],
            }
        )
    ).spec
    auth = policies_of(spec).auth
    assert auth is not None
    assert auth.client == ("old", "new")
    assert auth.tokens["old"].revoked_at_ms == parse_rfc3339("2024-06-01T00:05:00Z")
    assert auth.tokens["old"].expires_at_ms is None
    assert auth.tokens["new"].expires_at_ms == parse_rfc3339("2024-06-02T00:00:00Z")
    assert auth.tokens["new"].revoked_at_ms is None


def test_without_auth_client_no_client_tokens_are_named() -> None:
    auth = policies_of(
        Scenario.load(scenario(auth={"tokens": [{"token": "t", "scopes": []}]})).spec
    )
    assert auth.auth is not None and auth.auth.client == ()


def test_an_extending_file_replaces_the_client_list_whole(tmp_path: Path) -> None:
    (tmp_path / "base.yaml").write_text(
        "version: 1\nauth:\n  tokens: [{token: a, scopes: []}]\n  client: [a]\n", "utf-8"
    )
    (tmp_path / "child.yaml").write_text(
        "extends: base.yaml\nauth:\n  tokens: [{token: b, scopes: []}]\n  client: [b, a]\n",
        "utf-8",
    )
    auth = Scenario.load(tmp_path / "child.yaml").spec.auth
    assert auth is not None
    assert [t.token for t in auth.tokens] == ["a", "b"]  # tokens concatenate
    assert auth.client == ("b", "a")  # the client list: this file wins


def test_faults_added_at_run_time_take_the_new_kinds_and_are_checked_the_same() -> None:
    fake = AssetFake(scenario())
    fake.faults.add({"name": "slow", "respond": {"network": "slow_body", "bytes_per_second": 100}})
    assert [r.respond.bytes_per_second for r in fake.faults] == [100.0]
    with pytest.raises(ScenarioError, match="bytes_per_second belongs to network: slow_body"):
        fake.faults.add({"name": "x", "respond": {"network": "stall", "bytes_per_second": 1}})
    assert fake.faults.names() == ["slow"]


# --- problems, where they are ------------------------------------------------------------------


def test_a_kinds_parameter_with_another_kind_is_reported_at_the_parameter(
    problems: Problems,
) -> None:
    assert problems("""
        faults:
          - name: a
            respond: {network: stall, bytes_per_second: 10}
          - name: b
            respond: {status: 500, stall_after_bytes: 3}
          - name: c
            respond:
              network: slow_body
              bytes_per_second: 10
              stall_after_bytes: 3
          - {name: d, respond: {network: slow_body}}
        """) == [
        "s.yaml:3:49: faults[0].respond.bytes_per_second: bytes_per_second belongs to network: "
        "slow_body; network is stall",
        "s.yaml:5:47: faults[1].respond.stall_after_bytes: stall_after_bytes belongs to "
        "network: stall; there is no network",
        "s.yaml:10:26: faults[2].respond.stall_after_bytes: stall_after_bytes belongs to "
        "network: stall; network is slow_body",
        "s.yaml:11:24: faults[3].respond: missing required key 'bytes_per_second': network "
        "slow_body dribbles the body at that rate",
    ]


def test_a_delay_range_runs_from_min_to_max_and_may_be_a_latency(problems: Problems) -> None:
    assert problems("""
        faults:
          - {name: a, respond: {status: 500, delay_seconds: {min: 3, max: 1}}}
          - {name: b, respond: {delay_seconds: {min: 0, max: 0}}}
          - {name: c, respond: {delay_seconds: {min: 0, max: 0.5}}}
        """) == [
        "s.yaml:2:59: faults[0].respond.delay_seconds.min: min (3) is greater than max (1)",
        "s.yaml:3:24: faults[1].respond: expected status or network (or only delay_seconds > 0 "
        "to slow down the real answer)",
    ]


def test_the_new_parameters_are_type_checked_bound_by_bound(problems: Problems) -> None:
    assert problems("""
        faults:
          - {name: a, respond: {network: slow_body, bytes_per_second: 0}}
          - {name: b, respond: {network: stall, stall_after_bytes: -1}}
          - {name: c, respond: {network: stall, stall_after_bytes: 1.5}}
          - {name: d, respond: {status: 500, delay_seconds: {min: -1, max: 1}}}
          - {name: e, respond: {status: 500, delay_seconds: {min: 1}}}
          - {name: f, respond: {status: 500, delay_seconds: soon}}
          - {name: g, respond: {status: 500, delay_seconds: {min: 0, max: 1, mean: 2}}}
        """) == [
        "s.yaml:2:63: faults[0].respond.bytes_per_second: expected a number > 0, got 0",
        "s.yaml:3:60: faults[1].respond.stall_after_bytes: expected an integer >= 0, got -1",
        "s.yaml:4:60: faults[2].respond.stall_after_bytes: expected an integer or null, got 1.5",
        "s.yaml:5:59: faults[3].respond.delay_seconds.min: expected a number >= 0, got -1",
        "s.yaml:6:53: faults[4].respond.delay_seconds: missing required key 'max'",
        's.yaml:7:53: faults[5].respond.delay_seconds: expected a number or a mapping, got "soon"',
        "s.yaml:8:70: faults[6].respond.delay_seconds.mean: unknown key 'mean'; allowed keys: "
        "min, max",
    ]


def test_an_unknown_network_kind_lists_the_new_ones(problems: Problems) -> None:
    (line,) = problems("faults: [{name: a, respond: {network: slow}}]\n")
    assert line == (
        "s.yaml:1:39: faults[0].respond.network: expected one of "
        + ", ".join(get_args(kinds.NetworkKind))
        + '; got "slow"'
    )


def test_the_answered_kinds_send_no_headers_or_body_of_their_own(problems: Problems) -> None:
    assert problems("""
        faults:
          - {name: a, respond: {network: close_after, headers: {X-A: b}}}
        """) == [
        "s.yaml:2:56: faults[0].respond.headers: a network fault (close_after) sends no headers"
    ]


def test_the_client_names_declared_tokens_once_each(problems: Problems) -> None:
    assert problems("""
        auth:
          tokens:
            - {token: reader, scopes: ["assets:read"]}
            - {token: writer, scopes: ["assets:write"], revoked_at: "2024-06-01T00:05:00Z"}
          client: [writer, ghost, writer]
        """) == [
        "s.yaml:5:20: auth.client[1]: token 'ghost' is not declared in auth.tokens "
        "(declared: reader, writer)",
        "s.yaml:5:27: auth.client[2]: duplicate token 'writer' (first at line 5, column 12)",
    ]


def test_an_empty_client_list_and_an_unreadable_revocation_are_reported(
    problems: Problems,
) -> None:
    assert problems("""
        auth:
          tokens: [{token: t, scopes: [], revoked_at: "yesterday"}]
          client: []
        """) == [
        "s.yaml:3:11: auth.client: expected a list of length >= 1, got a list",
    ]
    (line,) = problems("""
        auth:
          tokens: [{token: t, scopes: [], revoked_at: "yesterday"}]
        """)
    assert line.startswith("s.yaml:2:47: auth.tokens[0].revoked_at: ")


def test_a_client_without_tokens_names_none(problems: Problems) -> None:
    assert problems("auth: {client: [a]}\n") == [
        "s.yaml:1:17: auth.client[0]: token 'a' is not declared in auth.tokens (declared: none)"
    ]


# --- the JSON Schema agrees --------------------------------------------------------------------


def _valid(document: dict[str, Any]) -> bool:
    return jsonschema.Draft202012Validator(scenario_json_schema()).is_valid(document)


@pytest.mark.parametrize(
    "respond",
    [
        {"network": "stall"},
        {"network": "stall", "stall_after_bytes": 5},
        {"network": "slow_body", "bytes_per_second": 100},
        {"network": "close_after"},
        {"status": 500, "delay_seconds": {"min": 0.5, "max": 2}},
        {"delay_seconds": {"min": 0, "max": 1}},
    ],
)
def test_the_json_schema_accepts_what_loads(respond: dict[str, object]) -> None:
    document = _respond(**respond)
    Scenario.load(document)
    assert _valid(document)


@pytest.mark.parametrize(
    "respond",
    [
        {"network": "slow_body"},
        {"network": "reset", "bytes_per_second": 100},
        {"network": "reset", "stall_after_bytes": 1},
        {"status": 500, "stall_after_bytes": 1},
        {"network": "slow_body", "bytes_per_second": 0},
        {"status": 500, "delay_seconds": {"min": 1}},
    ],
)
def test_the_json_schema_refuses_what_fails_to_load(respond: dict[str, object]) -> None:
    document = _respond(**respond)
    with pytest.raises(ScenarioError):
        Scenario.load(document)
    assert not _valid(document)


def test_the_json_schema_takes_the_client_and_revocations() -> None:
    document = scenario(
        auth={
            "tokens": [{"token": "a", "scopes": [], "revoked_at": "2024-06-01T00:00:00Z"}],
            "client": ["a"],
        }
    )
    assert _valid(document)
    assert not _valid({**document, "auth": {"tokens": [], "client": []}})
    assert not _valid({**document, "auth": {"tokens": [], "client": "a"}})
