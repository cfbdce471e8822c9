"""Routing on the raw path, unknown paths, 405 with Allow, /openapi.json, X-Request-Id,
namespaces and reset — through the in-process client."""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx
import pytest

from assetfake.fake import AssetFake
from assetfake.http.openapi import openapi_document

if TYPE_CHECKING:
    from conftest import ProblemCheck

OPERATION_IDS = {
    "listAssetBackfills",
    "createAssetBackfill",
    "getAssetBackfill",
    "listAssetMaterializations",
    "triggerAssetMaterialization",
    "listAssetRuns",
}

# (method, suffix after the key, body) of the six operations, on an existing partitioned asset
SIX = [
    ("GET", "runs", None),
    ("GET", "materializations", None),
    ("GET", "backfills", None),
    ("GET", "backfills/bf_x", None),
    ("POST", "backfills", {"partition_keys": ["2024-01-01"]}),
    ("POST", "materialize", {"partition_key": "2024-01-01"}),
]


def test_an_encoded_key_is_one_segment(api: httpx.Client) -> None:
    response = api.get("/assets/sales%2Fdaily/runs")
    assert response.status_code == 200
    items = response.json()["items"]
    assert items, "the default scenario has history for sales/daily"
    assert {run["asset_key"] for run in items} == {"sales/daily"}


def test_the_key_segment_is_percent_decoded(api: httpx.Client) -> None:
    lower = api.get("/assets/sales%2fdaily/runs")
    upper = api.get("/assets/sales%2Fdaily/runs")
    assert lower.status_code == upper.status_code == 200
    assert lower.json() == upper.json()
    spelled = api.get("/assets/custom%65rs/runs")
    assert spelled.status_code == 200
    assert {run["asset_key"] for run in spelled.json()["items"]} == {"customers"}


def test_an_unpartitioned_plain_key_needs_no_encoding(api: httpx.Client) -> None:
    response = api.get("/assets/customers/materializations", params={"max_results": "3"})
    assert response.status_code == 200
    assert [m["asset_key"] for m in response.json()["items"]] == ["customers"] * 3


@pytest.mark.parametrize(("method", "suffix", "body"), SIX)
def test_an_unencoded_slash_is_404_saying_how_to_encode(
    api: httpx.Client,
    problem: ProblemCheck,
    fake: AssetFake,
    method: str,
    suffix: str,
    body: object,
) -> None:
    before = fake.state.counts()
    response = api.request(method, f"/assets/sales/daily/{suffix}", json=body)
    doc = problem(response, 404, "asset_key_not_encoded")
    assert "%2F" in doc["detail"]
    assert f"/assets/sales%2Fdaily/{suffix}" in doc["detail"]
    assert fake.state.counts() == before


def test_an_unencoded_key_of_three_components(api: httpx.Client, problem: ProblemCheck) -> None:
    doc = problem(api.get("/assets/a/b/c/materializations"), 404, "asset_key_not_encoded")
    assert "/assets/a%2Fb%2Fc/materializations" in doc["detail"]


@pytest.mark.parametrize(
    "path",
    [
        "/assets",
        "/assets/",
        "/assets/sales%2Fdaily",
        "/assets/sales%2Fdaily/",
        "/assets/sales%2Fdaily/unknown",
        "/assets/sales%2Fdaily/runs/extra",
        "/assets/sales%2Fdaily/backfills/bf_1/",
        "/assets//runs",
        "/v1/assets/sales%2Fdaily/runs",
        "/asset/sales%2Fdaily/runs",
        "/ASSETS/sales%2Fdaily/runs",
        "/assets/sales%2Fdaily/RUNS",
    ],
)
def test_an_unknown_path_is_404(api: httpx.Client, problem: ProblemCheck, path: str) -> None:
    for method in ("GET", "POST", "DELETE"):
        doc = problem(api.request(method, path), 404)
        assert doc["code"] != "asset_key_not_encoded"


@pytest.mark.parametrize(
    ("suffix", "methods", "allow"),
    [
        ("runs", ["POST", "PUT", "DELETE", "PATCH"], {"GET"}),
        ("materializations", ["POST", "PUT", "DELETE"], {"GET"}),
        ("backfills", ["PUT", "DELETE", "PATCH"], {"GET", "POST"}),
        ("backfills/bf_1", ["POST", "PUT", "DELETE"], {"GET"}),
        ("materialize", ["GET", "PUT", "DELETE"], {"POST"}),
    ],
)
@pytest.mark.parametrize("key", ["sales%2Fdaily", "no-such-asset"])
def test_a_known_path_with_another_method_is_405_with_allow(
    api: httpx.Client,
    problem: ProblemCheck,
    suffix: str,
    methods: list[str],
    allow: set[str],
    key: str,
) -> None:
    for method in methods:
        response = api.request(method, f"/assets/{key}/{suffix}")
        problem(response, 405)
        allowed = {part.strip() for part in response.headers["allow"].split(",")}
        assert allowed == allow


def test_openapi_json_is_served(api: httpx.Client, problem: ProblemCheck) -> None:
    response = api.get("/openapi.json")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    document = response.json()
    assert document == openapi_document(auth=False)  # the default scenario has no auth block
    assert document["openapi"].startswith("3.1")
    operation_ids = {
        operation["operationId"]
        for item in document["paths"].values()
        for name, operation in item.items()
        if isinstance(operation, dict) and "operationId" in operation
    }
    assert operation_ids == OPERATION_IDS
    assert api.get("/_ns/other/openapi.json").json() == document
    refused = api.post("/openapi.json")
    problem(refused, 405)
    assert refused.headers["allow"] == "GET"


def test_every_response_carries_a_distinct_request_id(api: httpx.Client) -> None:
    responses = [
        api.get("/assets/sales%2Fdaily/runs"),
        api.post("/assets/customers/materialize"),
        api.post("/assets/sales%2Fdaily/backfills", json={"all_partitions": True}),
        api.get("/assets/sales%2Fdaily/backfills/nope"),
        api.get("/assets/nope/runs"),
        api.get("/assets/sales/daily/runs"),
        api.get("/nowhere"),
        api.delete("/assets/sales%2Fdaily/runs"),
        api.get("/assets/sales%2Fdaily/runs", params={"max_results": "x"}),
        api.post("/assets/sales%2Fdaily/backfills", content=b"{"),
        api.get("/openapi.json"),
        api.get("/_ns//assets/customers/runs"),
    ]
    ids = [response.headers.get("x-request-id") for response in responses]
    assert all(ids), ids
    assert len(set(ids)) == len(ids)
    statuses = {response.status_code for response in responses}
    assert statuses == {200, 201, 202, 400, 404, 405}


def test_request_ids_restart_after_reset(fake: AssetFake, api: httpx.Client) -> None:
    first = [api.get("/assets/customers/runs").headers["x-request-id"] for _ in range(3)]
    fake.reset()
    again = [api.get("/assets/customers/runs").headers["x-request-id"] for _ in range(3)]
    assert first == again


def test_a_namespace_has_its_own_state(fake: AssetFake, api: httpx.Client) -> None:
    before = fake.state.counts()
    created = api.post("/_ns/x/assets/customers/materialize", json={"tags": {"ns": "x"}})
    assert created.status_code == 202
    run_id = created.json()["id"]

    def run_ids(prefix: str) -> set[str]:
        page = api.get(f"{prefix}/assets/customers/runs", params={"status": "QUEUED"})
        assert page.status_code == 200
        return {run["id"] for run in page.json()["items"]}

    assert run_ids("/_ns/x") == {run_id}
    assert run_ids("") == set()
    assert run_ids("/_ns/y") == set()
    assert fake.state.counts() == before

    backfill = api.post("/_ns/x/assets/regions%2Fmetrics/backfills", json={"all_partitions": True})
    assert backfill.status_code == 201
    location = backfill.headers["location"]
    assert location == f"/_ns/x/assets/regions%2Fmetrics/backfills/{backfill.json()['id']}"
    assert api.get(location).json() == backfill.json()
    unprefixed = location.removeprefix("/_ns/x")
    assert api.get(unprefixed).status_code == 404


def test_a_namespace_has_its_own_clock(fake: AssetFake, api: httpx.Client) -> None:
    created = api.post("/_ns/slow/assets/customers/materialize").json()
    mine = api.post("/assets/customers/materialize").json()
    fake.clock.advance(60)
    (theirs,) = api.get("/_ns/slow/assets/customers/runs", params={"max_results": "1"}).json()[
        "items"
    ]
    assert theirs["id"] == created["id"]
    assert theirs["status"] == "QUEUED"
    (ours,) = api.get("/assets/customers/runs", params={"max_results": "1"}).json()["items"]
    assert ours["id"] == mine["id"]
    assert ours["status"] == "SUCCEEDED"


def test_a_namespace_needs_a_name(api: httpx.Client, problem: ProblemCheck) -> None:
    problem(api.get("/_ns//assets/customers/runs"), 404)


def test_reset_restores_the_initial_state(fake: AssetFake, api: httpx.Client) -> None:
    start = fake.clock.now()
    initial_counts = fake.state.counts()
    initial_page = api.get("/assets/sales%2Fdaily/runs").json()
    backfill = api.post("/assets/sales%2Fdaily/backfills", json={"all_partitions": True})
    api.post("/assets/customers/materialize")
    fake.clock.advance(3600)
    assert fake.state.counts() != initial_counts
    location = backfill.headers["location"]
    assert api.get(location).json()["status"] == "SUCCEEDED"

    fake.reset()

    assert fake.clock.now() == start
    assert fake.state.counts() == initial_counts
    assert api.get("/assets/sales%2Fdaily/runs").json() == initial_page
    assert api.get(location).status_code == 404
    again = api.post("/assets/sales%2Fdaily/backfills", json={"all_partitions": True})
    assert again.json() == backfill.json(), "same state + same request => same resource"


def test_the_root_is_a_landing_page_for_people(api: httpx.Client, problem: ProblemCheck) -> None:
    page = api.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    for asset in ("sales%2Fdaily", "customers", "/openapi.json", "/_fake/ui"):
        assert asset in page.text
    assert page.headers.get("x-request-id")
    problem(api.post("/"), 404, "not_found")  # only GET: the root is no operation
