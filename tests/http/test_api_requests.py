"""The POST bodies (every 400 of the contract), 404s, the order of checks, Idempotency-Key."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from assetfake.fake import AssetFake

if TYPE_CHECKING:
    from conftest import ProblemCheck

SALES = "/assets/sales%2Fdaily"
CUSTOMERS = "/assets/customers"
REGIONS = "/assets/regions%2Fmetrics"


def _body(value: Any) -> bytes:
    return value if isinstance(value, bytes) else json.dumps(value).encode()


@pytest.mark.parametrize(
    ("path", "body", "code", "mention"),
    [
        # not JSON
        (SALES, b"{", "invalid_json", None),
        (SALES, b"partition_keys=2024-01-01", "invalid_json", None),
        (SALES, b"\xff\xfe{}", "invalid_json", None),
        # no body at all (it is required)
        (SALES, b"", None, None),
        # not an object
        (SALES, [], "invalid_body", None),
        (SALES, "all_partitions", "invalid_body", None),
        (SALES, None, "invalid_body", None),
        (SALES, 1, "invalid_body", None),
        # zero selectors
        (SALES, {}, "invalid_selection", None),
        (SALES, {"title": "t", "tags": {}}, "invalid_selection", None),
        # several selectors
        (
            SALES,
            {"partition_keys": ["2024-01-01"], "all_partitions": True},
            "invalid_selection",
            None,
        ),
        (
            SALES,
            {
                "partition_keys": ["2024-01-01"],
                "partition_range": {"start": "2024-01-01", "end": "2024-01-02"},
            },
            "invalid_selection",
            None,
        ),
        # an unknown field, top level and nested
        (SALES, {"all_partitions": True, "priority": 1}, "unknown_field", "priority"),
        (SALES, {"all_partitions": True, "partitionKeys": []}, "unknown_field", "partitionKeys"),
        (
            SALES,
            {"partition_range": {"start": "2024-01-01", "end": "2024-01-02", "step": 1}},
            "unknown_field",
            "step",
        ),
        # the asset is not partitioned
        (CUSTOMERS, {"all_partitions": True}, "not_partitioned", "customers"),
        (CUSTOMERS, {"partition_keys": ["x"]}, "not_partitioned", "customers"),
        # a key not in the asset's partitions
        (SALES, {"partition_keys": ["2024-02-01"]}, "unknown_partition", "2024-02-01"),
        (SALES, {"partition_keys": ["2024-01-01", "us"]}, "unknown_partition", "us"),
        (REGIONS, {"partition_keys": ["US"]}, "unknown_partition", "US"),
        (
            SALES,
            {"partition_range": {"start": "2023-12-31", "end": "2024-01-02"}},
            "unknown_partition",
            "2023-12-31",
        ),
        # a range whose start is after its end
        (
            SALES,
            {"partition_range": {"start": "2024-01-05", "end": "2024-01-04"}},
            "invalid_range",
            None,
        ),
        # an empty selection
        (SALES, {"partition_keys": []}, "empty_selection", None),
        # wrong types
        (SALES, {"partition_keys": "2024-01-01"}, "invalid_field", None),
        (SALES, {"partition_keys": [20240101]}, "invalid_field", None),
        (SALES, {"partition_range": {"start": "2024-01-01"}}, "invalid_field", None),
        (SALES, {"partition_range": ["2024-01-01", "2024-01-02"]}, "invalid_field", None),
        (SALES, {"all_partitions": False}, "invalid_field", None),
        (SALES, {"all_partitions": "true"}, "invalid_field", None),
        (SALES, {"all_partitions": True, "title": 5}, "invalid_field", None),
        (SALES, {"all_partitions": True, "tags": {"a": 1}}, "invalid_field", None),
        (SALES, {"all_partitions": True, "tags": ["a"]}, "invalid_field", None),
    ],
)
def test_create_backfill_400s(
    api: httpx.Client,
    fake: AssetFake,
    problem: ProblemCheck,
    path: str,
    body: Any,
    code: str | None,
    mention: str | None,
) -> None:
    before = fake.state.counts()
    response = api.post(
        f"{path}/backfills", content=_body(body), headers={"content-type": "application/json"}
    )
    doc = problem(response, 400, code)
    if mention is not None:
        assert mention in doc["detail"]
    assert fake.state.counts() == before


@pytest.mark.parametrize(
    ("path", "body", "code", "mention"),
    [
        (SALES, b"{", "invalid_json", None),
        (SALES, [], "invalid_body", None),
        (SALES, "2024-01-01", "invalid_body", None),
        (CUSTOMERS, None, "invalid_body", None),
        (SALES, {"partition_key": "2024-01-01", "run_config": {}}, "unknown_field", "run_config"),
        (CUSTOMERS, {"partitionKey": "x"}, "unknown_field", "partitionKey"),
        (SALES, {}, "partition_required", None),
        (SALES, {"tags": {"a": "b"}}, "partition_required", None),
        (CUSTOMERS, {"partition_key": "2024-01-01"}, "partition_not_allowed", None),
        (SALES, {"partition_key": "2024-13-01"}, "unknown_partition", "2024-13-01"),
        (SALES, {"partition_key": ""}, "unknown_partition", None),
        (REGIONS, {"partition_key": "Eu"}, "unknown_partition", "Eu"),
        (SALES, {"partition_key": 20240101}, "invalid_field", None),
        (CUSTOMERS, {"tags": {"a": None}}, "invalid_field", None),
        (CUSTOMERS, {"tags": "a=b"}, "invalid_field", None),
    ],
)
def test_trigger_400s(
    api: httpx.Client,
    fake: AssetFake,
    problem: ProblemCheck,
    path: str,
    body: Any,
    code: str,
    mention: str | None,
) -> None:
    before = fake.state.counts()
    response = api.post(
        f"{path}/materialize", content=_body(body), headers={"content-type": "application/json"}
    )
    doc = problem(response, 400, code)
    if mention is not None:
        assert mention in doc["detail"]
    assert fake.state.counts() == before


def test_a_partitioned_trigger_without_a_body_is_400(
    api: httpx.Client, problem: ProblemCheck
) -> None:
    problem(api.post(f"{SALES}/materialize"), 400, "partition_required")


def test_a_non_json_content_type_is_400(api: httpx.Client, problem: ProblemCheck) -> None:
    response = api.post(
        f"{CUSTOMERS}/materialize", content=b"{}", headers={"content-type": "text/plain"}
    )
    problem(response, 400)
    charset = api.post(
        f"{CUSTOMERS}/materialize",
        content=b"{}",
        headers={"content-type": "application/json; charset=utf-8"},
    )
    assert charset.status_code == 202


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("GET", "runs", None),
        ("GET", "materializations", None),
        ("GET", "backfills", None),
        ("GET", "backfills/bf_1", None),
        ("POST", "backfills", {"all_partitions": True}),
        ("POST", "materialize", {}),
        ("POST", "materialize", None),
    ],
)
@pytest.mark.parametrize("key", ["nope", "sales%2Fweekly", "%F0%9F%90%8D"])
def test_an_unknown_asset_is_404(
    api: httpx.Client, problem: ProblemCheck, method: str, suffix: str, body: Any, key: str
) -> None:
    doc = problem(api.request(method, f"/assets/{key}/{suffix}", json=body), 404)
    assert doc["code"] == "asset_not_found"
    assert httpx.URL(f"/a/{key}").path.removeprefix("/a/") in doc["detail"]


def test_an_unknown_backfill_is_404(api: httpx.Client, problem: ProblemCheck) -> None:
    doc = problem(api.get(f"{SALES}/backfills/bf_nope"), 404, "backfill_not_found")
    assert "bf_nope" in doc["detail"]
    created = api.post(f"{SALES}/backfills", json={"partition_keys": ["2024-01-01"]}).json()
    other = api.get(f"/assets/orders%2Fdaily/backfills/{created['id']}")
    problem(other, 404, "backfill_not_found")
    assert api.get(f"{SALES}/backfills/{created['id']}").status_code == 200
    problem(api.get(f"/assets/nope/backfills/{created['id']}"), 404, "asset_not_found")


def test_request_shape_is_checked_before_existence(
    api: httpx.Client, problem: ProblemCheck
) -> None:
    problem(api.post("/assets/nope/backfills", content=b"{"), 400)
    problem(api.post("/assets/nope/materialize", json={"bogus": 1}), 400, "unknown_field")
    problem(api.get("/assets/nope/runs", params={"max_results": "0"}), 400)
    problem(api.get("/assets/nope/runs", params={"bogus": "1"}), 400, "unknown_parameter")


def test_existence_is_checked_before_asset_rules(api: httpx.Client, problem: ProblemCheck) -> None:
    problem(api.post("/assets/nope/materialize", json={}), 404, "asset_not_found")
    problem(
        api.post("/assets/nope/materialize", json={"partition_key": "2024-01-01"}),
        404,
        "asset_not_found",
    )
    problem(
        api.post("/assets/nope/backfills", json={"partition_keys": ["x"]}), 404, "asset_not_found"
    )


# ---------------------------------------------------------------------------- Idempotency-Key


def test_a_replayed_trigger_returns_the_original_run(api: httpx.Client, fake: AssetFake) -> None:
    headers = {"Idempotency-Key": "trigger-1"}
    body = {"partition_key": "2024-01-04", "tags": {"a": "b"}}
    first = api.post(f"{SALES}/materialize", json=body, headers=headers)
    assert first.status_code == 202
    runs = len(fake.state.runs())
    fake.clock.advance(1.5)  # the run is STARTING now
    again = api.post(f"{SALES}/materialize", json=body, headers=headers)
    assert again.status_code == 202
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["status"] == "STARTING", "the original resource in its current state"
    assert len(fake.state.runs()) == runs
    assert again.headers["x-request-id"] != first.headers["x-request-id"]
    # the same body written differently is the same request
    reordered = api.post(
        f"{SALES}/materialize",
        content=b'{ "tags": {"a": "b"},  "partition_key": "2024-01-04" }',
        headers={**headers, "content-type": "application/json"},
    )
    assert reordered.status_code == 202
    assert reordered.json()["id"] == first.json()["id"]
    assert len(fake.state.runs()) == runs


def test_a_replayed_backfill_returns_the_original(api: httpx.Client, fake: AssetFake) -> None:
    headers = {"Idempotency-Key": "bf-1"}
    body = {"partition_range": {"start": "2024-01-01", "end": "2024-01-03"}, "title": "t"}
    first = api.post(f"{SALES}/backfills", json=body, headers=headers)
    assert first.status_code == 201
    counts = fake.state.counts()
    again = api.post(f"{SALES}/backfills", json=body, headers=headers)
    assert again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["location"] == first.headers["location"]
    assert fake.state.counts() == counts
    assert len(fake.state.backfills("sales/daily")) == 1


def test_an_unkeyed_repeat_creates_again(api: httpx.Client, fake: AssetFake) -> None:
    body = {"partition_key": "2024-01-04"}
    ids = {api.post(f"{SALES}/materialize", json=body).json()["id"] for _ in range(3)}
    assert len(ids) == 3
    assert len(fake.state.runs("sales/daily")) == 6


@pytest.mark.parametrize(
    ("suffix", "body", "other"),
    [
        ("materialize", {"partition_key": "2024-01-04"}, {"partition_key": "2024-01-05"}),
        (
            "materialize",
            {"partition_key": "2024-01-04"},
            {"partition_key": "2024-01-04", "tags": {"x": "y"}},
        ),
        ("backfills", {"partition_keys": ["2024-01-01"]}, {"partition_keys": ["2024-01-02"]}),
        ("backfills", {"all_partitions": True}, {"all_partitions": True, "title": "again"}),
    ],
)
def test_a_reused_key_with_another_body_is_400(
    api: httpx.Client,
    fake: AssetFake,
    problem: ProblemCheck,
    suffix: str,
    body: dict[str, Any],
    other: dict[str, Any],
) -> None:
    headers = {"Idempotency-Key": "k-1"}
    first = api.post(f"{SALES}/{suffix}", json=body, headers=headers)
    assert first.is_success
    counts = fake.state.counts()
    doc = problem(
        api.post(f"{SALES}/{suffix}", json=other, headers=headers), 400, "idempotency_key_reused"
    )
    assert "k-1" in doc["detail"]
    assert fake.state.counts() == counts
    # the original is still what the key answers
    assert (
        api.post(f"{SALES}/{suffix}", json=body, headers=headers).json()["id"]
        == (first.json()["id"])
    )


def test_a_key_answered_400_creates_nothing_and_stays_free(
    api: httpx.Client, fake: AssetFake, problem: ProblemCheck
) -> None:
    headers = {"Idempotency-Key": "k-2"}
    problem(api.post(f"{SALES}/materialize", json={"partition_key": "nope"}, headers=headers), 400)
    created = api.post(
        f"{SALES}/materialize", json={"partition_key": "2024-01-04"}, headers=headers
    )
    assert created.status_code == 202
    assert len(fake.state.runs("sales/daily")) == 4
