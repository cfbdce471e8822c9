"""What the control API tells a person about each exchange and each fault: the journal's
request and response details, the fault rules as written with their counts, and which scenario
``PUT /_fake/scenario`` loaded. Answers are checked against ``control-openapi.yaml`` by
``send`` (see ``conftest``)."""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx
import msgspec
import pytest
from control_support import SMALL, Send

from assetfake.fake import AssetFake
from assetfake.http.journal import BODY_KEPT, REDACTED
from assetfake.remote import RemoteFake

ONE_CLIENT = pytest.mark.parametrize("send", ["httpx"], indirect=True)


def load(send: Send, ns: str, scenario: dict[str, Any] = SMALL) -> dict[str, Any]:
    answer = send("PUT", f"{ns}/_fake/scenario", json=scenario)
    assert answer.status == 200, answer.body
    body: dict[str, Any] = answer.body
    return body


def journal(send: Send, ns: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = send("GET", f"{ns}/_fake/journal").body["items"]
    return items


def test_journal_items_carry_the_request_and_the_answer(send: Send, ns: str) -> None:
    load(send, ns)
    sent = json.dumps({"tags": {"note": "<script>alert(1)</script>", "on": "false"}})
    answer = send(
        "POST",
        f"{ns}/assets/customers/materialize",
        content=sent.encode(),
        headers={
            "Authorization": "Bearer very-secret",
            "Content-Type": "application/json",
            "X-Trace": "abc-123",
        },
    )
    assert answer.status == 202
    (item,) = journal(send, ns)
    request, response = item["request"], item["response"]
    assert request["headers"]["authorization"] == REDACTED
    assert "very-secret" not in json.dumps(item)
    assert request["headers"]["x-trace"] == "abc-123"
    assert request["headers"]["content-type"] == "application/json"
    assert (request["body"], request["body_base64"]) == (sent, False)
    assert (request["size"], request["cut"]) == (len(sent.encode()), False)
    assert response["status"] == 202
    assert response["headers"]["content-type"] == "application/json"
    assert response["size"] == int(answer.headers["content-length"])
    assert item["aborted"] is False
    assert item["resources"] == [[answer.body["id"], "QUEUED"]]
    assert item["request_id"] == answer.headers["x-request-id"]


@ONE_CLIENT
def test_a_body_that_is_not_text_comes_as_base64_and_a_long_one_is_cut(send: Send, ns: str) -> None:
    load(send, ns)
    binary = bytes(range(256)) * 4
    send("POST", f"{ns}/assets/customers/materialize", content=binary)
    long = b'{"tags": {"x": "' + b"a" * (BODY_KEPT + 100) + b'"}}'
    send("POST", f"{ns}/assets/customers/materialize", content=long)
    first, second = (item["request"] for item in journal(send, ns))
    assert first["body_base64"] is True
    assert base64.b64decode(first["body"]) == binary
    assert (first["size"], first["cut"]) == (len(binary), False)
    assert second["body_base64"] is False
    assert second["body"].encode() == long[:BODY_KEPT]
    assert (second["size"], second["cut"]) == (len(long), True)


@ONE_CLIENT
def test_a_reset_connection_is_journalled_with_no_answer_sent(send: Send, ns: str) -> None:
    load(send, ns)
    send(
        "POST",
        f"{ns}/_fake/faults",
        json={
            "name": "cut",
            "match": {"operation": "listAssetRuns"},
            "respond": {"network": "reset"},
        },
    )
    with pytest.raises(httpx.TransportError), httpx.Client(timeout=5) as client:
        client.get(f"{ns}/assets/customers/runs")
    (item,) = journal(send, ns)
    assert (item["status"], item["network"], item["fault"]) == (0, "reset", "cut")
    assert item["response"] == {"status": 0, "headers": {}, "size": 0}


def test_faults_list_each_rule_as_written_with_its_counts(send: Send, ns: str) -> None:
    load(send, ns)
    rules = [
        {
            "name": "second-list-500",
            "match": {"operation": "listAssetRuns", "asset": "customers", "call": 2},
            "respond": {"status": 500, "headers": {"X-Why": "test"}},
        },
        {
            "name": "windowed",
            "match": {
                "operation": ["listAssetRuns", "getAssetBackfill"],
                "header": {"X-Tenant": "*"},
                "between": {"start": "2030-01-01T00:00:00Z", "end": "2030-01-02T00:00:00Z"},
                "times": 1,
            },
            "respond": {"status": 429, "phase": "before"},
        },
    ]
    assert send("POST", f"{ns}/_fake/faults", json=rules).status == 201
    for _ in range(3):
        send("GET", f"{ns}/assets/customers/runs")
    fired = journal(send, ns)[1]["response"]
    assert fired["status"] == 500
    assert (fired["headers"]["x-why"], fired["headers"]["x-fake-fault"]) == (
        "test",
        "second-list-500",
    )
    answer = send("GET", f"{ns}/_fake/faults").body
    assert answer["faults"] == ["second-list-500", "windowed"]
    first, second = answer["rules"]
    assert first == {**rules[0], "matched": 3, "fired": 1}
    assert second == {
        "name": "windowed",
        "match": {
            "operation": ["getAssetBackfill", "listAssetRuns"],
            "header": {"x-tenant": "*"},  # header names are matched case-insensitively
            "times": 1,
            "between": {"start": "2030-01-01T00:00:00.000Z", "end": "2030-01-02T00:00:00.000Z"},
        },
        "respond": {"status": 429},  # defaults are left out
        "matched": 0,
        "fired": 0,
    }
    send("GET", f"{ns}/assets/customers/runs", headers={"X-Tenant": "t"})
    counts = [(r["matched"], r["fired"]) for r in send("GET", f"{ns}/_fake/faults").body["rules"]]
    assert counts == [(4, 1), (1, 1)]


@ONE_CLIENT
def test_fault_counts_return_to_zero_on_reset(send: Send, ns: str) -> None:
    load(send, ns, {**SMALL, "faults": [{"name": "f", "respond": {"status": 500}}]})
    send("GET", f"{ns}/assets/customers/runs")
    assert send("GET", f"{ns}/_fake/faults").body["rules"][0]["fired"] == 1
    send("POST", f"{ns}/_fake/reset")
    assert send("GET", f"{ns}/_fake/faults").body["rules"][0]["fired"] == 0


@ONE_CLIENT
def test_put_scenario_answers_the_scenario_it_loaded(send: Send, ns: str) -> None:
    body = load(send, ns, {**SMALL, "name": "two-assets", "seed": 9})
    assert (body["scenario"], body["seed"], body["assets"]) == ("two-assets", 9, 2)


@ONE_CLIENT
def test_put_scenario_answers_its_seed_and_asset_count(send: Send, ns: str) -> None:
    body = load(send, ns, {**SMALL, "seed": 9, "assets": SMALL["assets"][:1]})
    assert (body["seed"], body["assets"]) == (9, 1)


def test_the_remote_journal_decodes_into_the_same_entries() -> None:
    fake = AssetFake(SMALL)
    with fake.serve() as url, httpx.Client(base_url=url, timeout=5) as client:
        headers = {"Authorization": "Bearer t", "Content-Type": "application/json"}
        client.post("/assets/customers/materialize", json={"tags": {"a": "b"}}, headers=headers)
        client.post("/assets/customers/materialize", content=b"\xff\x00")
        client.get("/assets/nowhere/runs?max_results=2")
        with RemoteFake(url) as remote:
            decoded = remote.journal
    local = [msgspec.structs.replace(entry, credential=None) for entry in fake.journal]
    assert decoded == local
    assert all(entry.details is not None for entry in decoded)
    assert decoded[1].details is not None and decoded[1].details.request_body == b"\xff\x00"
