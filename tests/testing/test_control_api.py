"""The control API over real HTTP (httpx and requests) against a live server.

Each test works in a namespace of its own on a server shared by the module; every control
answer is also checked against ``control-openapi.yaml`` (see ``conftest.send``).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import pytest
import yaml
from control_support import SMALL, Send

from assetfake.fake import AssetFake

START = "2030-01-01T00:00:00.000Z"
#: For tests whose cost is not the client's: run them through httpx only.
ONE_CLIENT = pytest.mark.parametrize("send", ["httpx"], indirect=True)
SALES = "/assets/sales%2Fdaily"


def load(send: Send, ns: str, scenario: dict[str, Any] = SMALL) -> None:
    answer = send("PUT", f"{ns}/_fake/scenario", json=scenario)
    assert answer.status == 200, answer.body


def materialize(send: Send, ns: str, partition: str = "2024-01-01") -> dict[str, Any]:
    answer = send("POST", f"{ns}{SALES}/materialize", json={"partition_key": partition})
    assert answer.status == 202, answer.body
    body: dict[str, Any] = answer.body
    return body


def names_of(faults: dict[str, Any]) -> list[str]:
    """The rule names of a faults answer (its ``rules`` list the same rules, in order)."""
    names: list[str] = faults["faults"]
    assert [rule["name"] for rule in faults["rules"]] == names
    return names


def fault_names(send: Send, ns: str) -> list[str]:
    return names_of(send("GET", f"{ns}/_fake/faults").body)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


# ----------------------------------------------------------------------------- server, routing


def test_health_names_the_namespace(send: Send, server: str, ns: str) -> None:
    assert send("GET", f"{server}/_fake/health").body == {"status": "ok", "namespace": "default"}
    assert send("GET", f"{ns}/_fake/health").body["namespace"] == ns.rsplit("/", 1)[1]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/_fake/nope"),
        ("POST", "/_fake/health"),
        ("PUT", "/_fake/clock"),
        ("GET", "/_fake/clock/advance"),
        ("DELETE", "/_fake"),
        ("GET", "/_fake"),
    ],
)
def test_unknown_control_endpoints_are_404_problems(
    send: Send, server: str, method: str, path: str
) -> None:
    answer = send(method, server + path)
    assert answer.status == 404
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.body["code"] == "not_found"


@ONE_CLIENT
def test_openapi_document_is_served_and_valid(send: Send, server: str) -> None:
    from openapi_spec_validator import validate

    answer = send("GET", f"{server}/_fake/openapi.json")
    assert answer.status == 200
    validate(answer.body)
    assert answer.body["info"]["title"] == "assetfake control API"
    assert "/_fake/clock/advance" in answer.body["paths"]


@ONE_CLIENT
def test_every_documented_path_is_an_endpoint(send: Send, ns: str, control_document: Any) -> None:
    for template, item in control_document.document["paths"].items():
        path = template.replace("{namespace}", "x").replace("{runId}", "run_x")
        path = path.replace("{backfillId}", "bf_x").replace("{snapshotId}", "snap-0")
        base = ns.rsplit("/_ns/", 1)[0] if path.startswith("/_ns/") else ns
        for method in ("get", "put", "post", "delete"):
            if method not in item:
                continue
            answer = send(method.upper(), base + path, json={"seconds": 0})
            if answer.status == 404:  # documented 404s only: the resource, not the endpoint
                assert "404" in item[method]["responses"], (method, path)
                assert answer.body["code"] != "not_found" or "verify" in path, (method, path)


# ------------------------------------------------------------------------------------- clock


def test_clock_get_and_advance(send: Send, ns: str) -> None:
    load(send, ns)
    assert send("GET", f"{ns}/_fake/clock").body == {"now": START, "mode": "manual", "speed": 1.0}
    answer = send("POST", f"{ns}/_fake/clock/advance", json={"seconds": 90.5})
    assert answer.status == 200
    assert answer.body["now"] == "2030-01-01T00:01:30.500Z"
    assert send("GET", f"{ns}/_fake/clock").body["now"] == "2030-01-01T00:01:30.500Z"


def test_advance_processes_the_transitions_due(send: Send, ns: str) -> None:
    load(send, ns)
    run = materialize(send, ns)
    send("POST", f"{ns}/_fake/clock/advance", json={"seconds": 1.5})
    runs = {r["id"]: r for r in send("GET", f"{ns}/_fake/state").body["runs"]}
    assert runs[run["id"]]["status"] == "STARTING"
    send("POST", f"{ns}/_fake/clock/advance", json={"seconds": 10})
    runs = {r["id"]: r for r in send("GET", f"{ns}/_fake/state").body["runs"]}
    assert runs[run["id"]]["status"] == "SUCCEEDED"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"{", "invalid_json"),
        (b"[1]", "invalid_body"),
        (b"{}", "invalid_field"),
        (b'{"seconds": -1}', "invalid_field"),
        (b'{"seconds": "5"}', "invalid_field"),
        (b'{"seconds": true}', "invalid_field"),
        (b"", "invalid_body"),
    ],
)
def test_advance_rejects_bad_bodies(send: Send, ns: str, body: bytes, code: str) -> None:
    answer = send(
        "POST",
        f"{ns}/_fake/clock/advance",
        content=body,
        headers={"content-type": "application/json"},
    )
    assert answer.status == 400
    assert answer.body["code"] == code
    assert answer.body["status"] == 400
    assert send("GET", f"{ns}/_fake/clock").body["now"] == "2024-06-01T00:00:00.000Z"


def test_advance_past_the_representable_future_is_400_and_harmless(send: Send, ns: str) -> None:
    # 1e12 s is ~31,700 years: past 9999-12-31, which no RFC 3339 timestamp can show
    answer = send("POST", f"{ns}/_fake/clock/advance", json={"seconds": 1e12})
    assert answer.status == 400
    assert answer.body["code"] == "invalid_advance"
    assert send("GET", f"{ns}/_fake/clock").body["now"] == "2024-06-01T00:00:00.000Z"
    assert send("GET", f"{ns}{SALES}/runs").status == 200


def test_run_until_idle_finishes_every_run(send: Send, ns: str) -> None:
    load(send, ns)
    materialize(send, ns, "2024-01-01")
    materialize(send, ns, "2024-01-02")
    answer = send("POST", f"{ns}/_fake/clock/run-until-idle")
    assert answer.status == 200
    assert answer.body["transitions"] == 6  # QUEUED->STARTING->RUNNING->SUCCEEDED, twice
    assert at(answer.body["now"]) == at(START) + timedelta(seconds=5)
    state = send("GET", f"{ns}/_fake/state").body
    assert {r["status"] for r in state["runs"]} == {"SUCCEEDED"}
    assert state["counts"]["pending_transitions"] == 0
    again = send("POST", f"{ns}/_fake/clock/run-until-idle").body
    assert again["transitions"] == 0


def test_run_until_idle_on_a_realtime_clock_is_409(send: Send, ns: str) -> None:
    load(send, ns, {**SMALL, "clock": {"start": "2030-01-01T00:00:00Z", "mode": "realtime"}})
    answer = send("POST", f"{ns}/_fake/clock/run-until-idle")
    assert answer.status == 409
    assert answer.body["code"] == "clock_error"
    advanced = send("POST", f"{ns}/_fake/clock/advance", json={"seconds": 3600}).body
    assert advanced["mode"] == "realtime"
    assert at(advanced["now"]) >= at(START) + timedelta(hours=1)


# ------------------------------------------------------------------------------ reset, scenario


def test_reset_restores_state_clock_faults_and_journal(send: Send, ns: str) -> None:
    load(send, ns)
    materialize(send, ns)
    send("POST", f"{ns}/_fake/clock/advance", json={"seconds": 60})
    send("POST", f"{ns}/_fake/faults", json={"name": "boom", "respond": {"status": 500}})
    answer = send("POST", f"{ns}/_fake/reset")
    assert answer.status == 200
    assert answer.body["now"] == START
    state = send("GET", f"{ns}/_fake/state").body
    assert state["counts"]["runs"] == 0
    assert fault_names(send, ns) == []
    assert send("GET", f"{ns}/_fake/journal").body == {"items": []}
    # the scenario loaded into the namespace survives a reset
    assert [a["key"] for a in state["assets"]] == ["sales/daily", "customers"]


def test_put_scenario_as_yaml_and_as_json(send: Send, ns: str) -> None:
    text = yaml.safe_dump({**SMALL, "seed": 11}).encode()
    answer = send(
        "PUT", f"{ns}/_fake/scenario", content=text, headers={"content-type": "application/yaml"}
    )
    assert answer.status == 200
    assert (answer.body["seed"], answer.body["assets"]) == (11, 2)
    assert answer.body["now"] == START
    state = send("GET", f"{ns}/_fake/state").body
    assert state["assets"][0] == {
        "key": "sales/daily",
        "partitions": {"daily": {"start": "2024-01-01", "end": "2024-01-03"}},
    }
    assert state["assets"][1] == {"key": "customers", "partitions": None}
    answer = send(
        "PUT",
        f"{ns}/_fake/scenario",
        content=json.dumps(SMALL).encode(),
        headers={"content-type": "application/json"},
    )
    assert (answer.body["seed"], answer.body["assets"]) == (5, 2)


@ONE_CLIENT
@pytest.mark.parametrize(
    ("body", "needle"),
    [
        (b"version: 1\nassets: []\nseed: -3\n", "seed"),
        (b"assets: [{key: x}]\nbogus: 1\n", "bogus"),
        (b"{not yaml: [", ""),
        (b"- just\n- a list\n", ""),
    ],
)
def test_put_invalid_scenario_is_400_and_changes_nothing(
    send: Send, ns: str, body: bytes, needle: str
) -> None:
    load(send, ns)
    answer = send(
        "PUT", f"{ns}/_fake/scenario", content=body, headers={"content-type": "application/yaml"}
    )
    assert answer.status == 400
    assert answer.body["code"] == "invalid_scenario"
    assert needle in answer.body["detail"]
    assert send("GET", f"{ns}/_fake/state").body["assets"][1]["key"] == "customers"


def test_put_scenario_on_the_default_namespace_replaces_the_servers() -> None:
    with AssetFake().serve() as url:
        import httpx

        with httpx.Client(base_url=url) as c:
            c.post("/_ns/other/_fake/clock/advance", json={"seconds": 50})
            assert c.put("/_fake/scenario", json=SMALL).status_code == 200
            assert c.get("/_fake/clock").json()["now"] == START
            # named namespaces are dropped, and start again from the new scenario
            other = c.get("/_ns/other/_fake/state").json()
            assert other["clock"]["now"] == START
            assert [a["key"] for a in other["assets"]] == ["sales/daily", "customers"]
            assert c.get("/_ns/fresh/_fake/clock").json()["now"] == START


# ------------------------------------------------------------------------------------ journal


def test_journal_lists_api_requests_not_control_calls(send: Send, ns: str) -> None:
    load(send, ns)
    send("POST", f"{ns}/_fake/clock/advance", json={"seconds": 7})
    materialize(send, ns)
    send("GET", f"{ns}{SALES}/runs?max_results=5")
    send("GET", f"{ns}/assets/nope/runs")
    send("GET", f"{ns}/_fake/state")
    items = send("GET", f"{ns}/_fake/journal").body["items"]
    assert [(i["operation"], i["method"], i["path"], i["query"], i["status"]) for i in items] == [
        ("triggerAssetMaterialization", "POST", f"{SALES}/materialize", "", 202),
        ("listAssetRuns", "GET", f"{SALES}/runs", "max_results=5", 200),
        ("listAssetRuns", "GET", "/assets/nope/runs", "", 404),
    ]
    assert items[0]["clock_time"] == "2030-01-01T00:00:07.000Z"
    assert items[0]["fault"] is None
    assert items[0]["wall_time"] <= items[1]["wall_time"]
    cleared = send("DELETE", f"{ns}/_fake/journal")
    assert cleared.body == {"items": []}
    assert send("GET", f"{ns}/_fake/journal").body == {"items": []}


def test_journal_keeps_only_the_newest_entries(send: Send) -> None:
    with AssetFake(journal_cap=3).serve() as server:
        for ns in (server, f"{server}/_ns/capped"):  # the default namespace and a named one
            for n in range(1, 6):
                send("GET", f"{ns}/assets/sales%2Fdaily/runs?n={n}")
            items = send("GET", f"{ns}/_fake/journal").body["items"]
            assert [i["query"] for i in items] == ["n=3", "n=4", "n=5"]


# ------------------------------------------------------------------------------------- faults


def test_faults_add_list_apply_and_clear(send: Send, ns: str) -> None:
    load(send, ns)
    assert fault_names(send, ns) == []
    one = {
        "name": "runs-fail",
        "match": {"operation": "listAssetRuns", "call": 1},
        "respond": {"status": 500},
    }
    answer = send("POST", f"{ns}/_fake/faults", json=one)
    assert answer.status == 201
    assert names_of(answer.body) == ["runs-fail"]
    more = [
        {"name": "a", "match": {"asset": "customers"}, "respond": {"status": 500}},
        {"name": "b", "respond": {"network": "reset"}, "match": {"method": "POST"}},
    ]
    added = send("POST", f"{ns}/_fake/faults", json=more).body
    assert names_of(added) == ["runs-fail", "a", "b"]
    assert send("GET", f"{ns}{SALES}/runs").status == 500
    assert send("GET", f"{ns}{SALES}/runs").status == 200  # call: 1 fired once
    assert send("GET", f"{ns}/assets/customers/runs").status == 500
    entries = send("GET", f"{ns}/_fake/journal").body["items"]
    assert [e["fault"] for e in entries] == ["runs-fail", None, "a"]
    assert send("DELETE", f"{ns}/_fake/faults").body == {"faults": [], "rules": []}
    assert send("GET", f"{ns}/assets/customers/runs").status == 200


@pytest.mark.parametrize(
    "body",
    [
        {"name": "x", "respond": {"status": 200}},
        {"respond": {"status": 500}},
        {"name": "x", "match": {"operation": "noSuchOp"}, "respond": {"status": 500}},
        [{"name": "ok", "respond": {"status": 500}}, {"name": "bad"}],
        "not a fault",
        None,
    ],
)
def test_invalid_faults_are_400_and_none_is_added(send: Send, ns: str, body: Any) -> None:
    answer = send("POST", f"{ns}/_fake/faults", json=body)
    assert answer.status == 400
    assert answer.body["code"] == "invalid_fault"
    assert answer.body["detail"]
    assert fault_names(send, ns) == []


def test_faults_body_must_be_json(send: Send, ns: str) -> None:
    answer = send(
        "POST",
        f"{ns}/_fake/faults",
        content=b"name: x",
        headers={"content-type": "application/yaml"},
    )
    assert answer.status == 400
    assert answer.body["code"] == "invalid_json"


def test_control_calls_escape_faults_and_auth(send: Send, ns: str) -> None:
    secured = {
        **SMALL,
        "auth": {"tokens": [{"token": "t0", "scopes": ["assets:read"]}]},
        "rate_limit": {"requests": 1, "per_seconds": 3600},
    }
    load(send, ns, secured)
    send("POST", f"{ns}/_fake/faults", json={"name": "all", "respond": {"status": 500}})
    assert send("GET", f"{ns}{SALES}/runs").status == 500
    assert send("GET", f"{ns}{SALES}/runs", headers={"authorization": "Bearer t0"}).status == 500
    send("DELETE", f"{ns}/_fake/faults")
    assert send("GET", f"{ns}{SALES}/runs").status == 401
    for _ in range(3):  # no token, faults active before, rate limit of 1: none applies here
        assert send("GET", f"{ns}/_fake/clock").status == 200
        assert send("GET", f"{ns}/_fake/state").status == 200
    assert len(send("GET", f"{ns}/_fake/journal").body["items"]) == 3


# -------------------------------------------------------------------------------------- state


def test_state_shape_and_counts(send: Send, ns: str) -> None:
    load(send, ns)
    run = materialize(send, ns)
    send("POST", f"{ns}{SALES}/backfills", json={"all_partitions": True})
    send("POST", f"{ns}/_fake/clock/run-until-idle")
    state = send("GET", f"{ns}/_fake/state").body
    assert state["namespace"] == ns.rsplit("/", 1)[1]
    assert state["clock"]["mode"] == "manual"
    assert state["counts"] == {
        "assets": 2,
        "runs": 4,
        "backfills": 1,
        "materializations": 4,
        "pending_transitions": 0,
        "runs_by_status": {"SUCCEEDED": 4},
        "backfills_by_status": {"SUCCEEDED": 1},
    }
    assert len(state["runs"]) == 4
    assert state["runs"][-1]["id"] == run["id"]  # newest first: the first run is last
    assert state["backfills"][0]["num_partitions"] == 3
    assert {m["run_id"] for m in state["materializations"]} == {r["id"] for r in state["runs"]}


@ONE_CLIENT
def test_state_lists_only_the_newest_thousand(send: Send, ns: str) -> None:
    many = {**SMALL, "history": {"generate": [{"asset": "customers", "runs": 1200}]}}
    load(send, ns, many)
    state = send("GET", f"{ns}/_fake/state").body
    assert state["counts"]["runs"] == 1200
    assert len(state["runs"]) == 1000
    created = [r["created_at"] for r in state["runs"]]
    assert created == sorted(created, reverse=True)


# ------------------------------------------------------------------------------------- cancel


def test_cancel_run(send: Send, ns: str) -> None:
    load(send, ns)
    run = materialize(send, ns)
    answer = send("POST", f"{ns}/_fake/runs/{run['id']}/cancel")
    assert answer.status == 200
    assert answer.body["id"] == run["id"]
    assert answer.body["status"] in ("CANCELING", "CANCELED")
    send("POST", f"{ns}/_fake/clock/run-until-idle")
    again = send("POST", f"{ns}/_fake/runs/{run['id']}/cancel")
    assert again.status == 409
    assert again.body["code"] == "run_not_cancelable"
    missing = send("POST", f"{ns}/_fake/runs/run_nope/cancel")
    assert missing.status == 404
    assert missing.body["code"] == "run_not_found"


def test_cancel_backfill(send: Send, ns: str) -> None:
    load(send, ns)
    created = send("POST", f"{ns}{SALES}/backfills", json={"partition_keys": ["2024-01-02"]})
    assert created.status == 201
    answer = send("POST", f"{ns}/_fake/backfills/{created.body['id']}/cancel")
    assert answer.status == 200
    assert answer.body["status"] in ("CANCELING", "CANCELED")
    send("POST", f"{ns}/_fake/clock/run-until-idle")
    assert send("GET", f"{ns}/_fake/state").body["backfills"][0]["status"] == "CANCELED"
    again = send("POST", f"{ns}/_fake/backfills/{created.body['id']}/cancel")
    assert (again.status, again.body["code"]) == (409, "backfill_not_cancelable")
    missing = send("POST", f"{ns}/_fake/backfills/bf_nope/cancel")
    assert (missing.status, missing.body["code"]) == (404, "backfill_not_found")


# ------------------------------------------------------------------------------------- verify


def test_verify_answers_a_verdict_or_404(send: Send, ns: str) -> None:
    answer = send("GET", f"{ns}/_fake/verify")
    if answer.status == 404:
        assert answer.body["code"] == "not_found"
        pytest.skip("this build's control API has no verifier")
    assert answer.status == 200
    assert isinstance(answer.body["passed"], bool)
    assert isinstance(answer.body["failures"], list)


# --------------------------------------------------------------------------- snapshot, restore


def test_snapshot_restore_round_trip(send: Send, ns: str) -> None:
    load(send, ns)
    run = materialize(send, ns)
    send(
        "POST",
        f"{ns}/_fake/faults",
        json={"name": "f", "match": {"asset": "customers"}, "respond": {"status": 500}},
    )
    taken = send("POST", f"{ns}/_fake/snapshot")
    assert taken.status == 201
    before = send("GET", f"{ns}/_fake/state").body
    materialize(send, ns, "2024-01-03")
    send("POST", f"{ns}/_fake/clock/run-until-idle")
    send("DELETE", f"{ns}/_fake/faults")
    for _ in range(2):  # a snapshot can be restored again
        restored = send("POST", f"{ns}/_fake/restore/{taken.body['id']}")
        assert restored.status == 200
        assert restored.body["now"] == START
        after = send("GET", f"{ns}/_fake/state").body
        assert after == before
        assert after["runs"][0]["id"] == run["id"]
        assert fault_names(send, ns) == ["f"]
        materialize(send, ns, "2024-01-02")


def test_restore_unknown_or_foreign_snapshot_is_404(send: Send, ns: str, server: str) -> None:
    missing = send("POST", f"{ns}/_fake/restore/snap-999999")
    assert (missing.status, missing.body["code"]) == (404, "snapshot_not_found")
    foreign = send("POST", f"{server}/_ns/someone-else-{id(send)}/_fake/snapshot").body["id"]
    answer = send("POST", f"{ns}/_fake/restore/{foreign}")
    assert (answer.status, answer.body["code"]) == (404, "snapshot_not_found")


# --------------------------------------------------------------------------------- namespaces


def test_namespaces_are_isolated(send: Send, server: str, ns: str) -> None:
    other = ns + "-other"
    load(send, ns)
    load(send, other)
    materialize(send, ns)
    send("POST", f"{ns}/_fake/clock/advance", json={"seconds": 30})
    send("POST", f"{ns}/_fake/faults", json={"name": "f", "respond": {"status": 500}})
    assert send("GET", f"{other}/_fake/clock").body["now"] == START
    assert send("GET", f"{other}/_fake/state").body["counts"]["runs"] == 0
    assert fault_names(send, other) == []
    assert send("GET", f"{other}{SALES}/runs").status == 200
    assert len(send("GET", f"{other}/_fake/journal").body["items"]) == 1
    assert len(send("GET", f"{ns}/_fake/journal").body["items"]) == 1
    assert send("GET", f"{server}/_fake/state").body["namespace"] == "default"


def test_dropping_a_namespace_makes_it_fresh(send: Send, server: str, ns: str) -> None:
    name = ns.rsplit("/", 1)[1]
    load(send, ns)
    materialize(send, ns)
    send("POST", f"{ns}/_fake/clock/advance", json={"seconds": 30})
    answer = send("DELETE", f"{ns}/_fake")
    assert answer.status == 200
    assert answer.body == {"dropped": name}
    # next use: the server's scenario (default), not the one PUT before, from its start
    state = send("GET", f"{ns}/_fake/state").body
    assert state["clock"]["now"] == "2024-06-01T00:00:00.000Z"
    assert "customers" in [a["key"] for a in state["assets"]]
    assert state["counts"]["backfills"] == 0
    assert send("GET", f"{ns}/_fake/journal").body == {"items": []}


def test_namespace_names_are_percent_decoded(send: Send, server: str) -> None:
    answer = send("GET", f"{server}/_ns/a%20b/_fake/health")
    assert answer.body["namespace"] == "a b"
    assert send("GET", f"{server}/_ns//_fake/health").status == 404
