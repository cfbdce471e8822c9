"""Failure simulation: the order of checks for one request (contract section 1).

route -> faults (before) -> auth -> rate limit -> request shape -> existence -> asset rules ->
the change -> faults (after).
"""

from __future__ import annotations

import re

import httpx

from assetfake import AssetFake
from small_world import CUSTOMERS, SALES, TOKENS, bearer, scenario

UNKNOWN = "/assets/nope"
BACKFILL_BODY = {"partition_keys": ["2024-01-01", "2024-01-02"]}


def remaining(response: httpx.Response) -> int:
    match = re.fullmatch(r'"default";r=(\d+);t=(\d+)', response.headers["RateLimit"])
    assert match, response.headers["RateLimit"]
    return int(match[1])


def code_of(response: httpx.Response) -> str:
    assert response.headers["content-type"] == "application/problem+json"
    code: str = response.json()["code"]
    return code


def test_a_before_fault_beats_auth() -> None:
    fake = AssetFake(
        scenario(
            auth=TOKENS,
            faults=[
                {
                    "name": "down",
                    "match": {"operation": "listAssetRuns"},
                    "respond": {"status": 500},
                }
            ],
        )
    )
    with fake.client() as client:
        anonymous = client.get(f"{SALES}/runs")
        unknown_token = client.get(f"{SALES}/runs", headers=bearer("nobody"))
        not_faulted = client.get(f"{SALES}/backfills")
    for response in (anonymous, unknown_token):
        assert response.status_code == 500
        assert response.headers["X-Fake-Fault"] == "down"
        assert "WWW-Authenticate" not in response.headers
    assert not_faulted.status_code == 401
    assert "X-Fake-Fault" not in not_faulted.headers


def test_auth_beats_the_rate_limit_and_spends_no_quota() -> None:
    fake = AssetFake(
        scenario(
            auth=TOKENS,
            rate_limit={"requests": 2, "per_seconds": 60, "scope": "global"},
        )
    )
    with fake.client() as client:
        unauthenticated = [client.get(f"{SALES}/runs") for _ in range(3)]
        unknown = [client.get(f"{SALES}/runs", headers=bearer("nobody")) for _ in range(3)]
        forbidden = [
            client.post(f"{SALES}/backfills", json=BACKFILL_BODY, headers=bearer("reader"))
            for _ in range(3)
        ]
        first = client.get(f"{SALES}/runs", headers=bearer("reader"))
        second = client.get(f"{SALES}/runs", headers=bearer("writer"))
        third = client.get(f"{SALES}/runs", headers=bearer("writer"))
    assert [r.status_code for r in unauthenticated + unknown] == [401] * 6
    assert [r.status_code for r in forbidden] == [403] * 3
    # the quota is untouched by the nine rejected requests
    assert [remaining(r) for r in unauthenticated + unknown + forbidden] == [2] * 9
    assert (first.status_code, remaining(first)) == (200, 1)
    assert (second.status_code, remaining(second)) == (200, 0)
    assert third.status_code == 429


def test_the_rate_limit_beats_request_validation() -> None:
    fake = AssetFake(scenario(rate_limit={"requests": 1, "per_seconds": 60}))
    with fake.client() as client:
        assert client.get(f"{SALES}/runs").status_code == 200
        bad_query = client.get(f"{SALES}/runs", params={"max_results": "-1"})
        bad_body = client.post(
            f"{SALES}/backfills", content=b"{not json", headers={"Content-Type": "application/json"}
        )
        unknown_asset = client.get(f"{UNKNOWN}/runs", params={"status": "nope"})
    for response in (bad_query, bad_body, unknown_asset):
        assert response.status_code == 429
        assert response.headers["Retry-After"] == "60"


def test_request_validation_beats_existence() -> None:
    fake = AssetFake(scenario())
    with fake.client() as client:
        responses = [
            client.get(f"{UNKNOWN}/runs", params={"max_results": "abc"}),
            client.get(f"{UNKNOWN}/backfills", params={"max_results": "0"}),
            client.get(f"{UNKNOWN}/runs", params={"status": "running"}),
            client.get(f"{UNKNOWN}/materializations", params={"page_token": "garbage"}),
            client.post(
                f"{UNKNOWN}/backfills",
                content=b"{not json",
                headers={"Content-Type": "application/json"},
            ),
            client.post(f"{UNKNOWN}/backfills", json={"all_partitions": True, "extra": 1}),
            client.post(f"{UNKNOWN}/materialize", json=[1, 2]),
        ]
        # the same requests, well-formed: now existence decides
        missing = client.get(f"{UNKNOWN}/runs", params={"max_results": "5"})
    assert [r.status_code for r in responses] == [400] * len(responses)
    assert all(code_of(r) != "asset_not_found" for r in responses)
    assert missing.status_code == 404
    assert code_of(missing) == "asset_not_found"


def test_existence_beats_the_rules_that_depend_on_the_asset() -> None:
    fake = AssetFake(scenario())
    with fake.client() as client:
        responses = [
            # a partition no asset has: 400 on a real asset, but the asset comes first
            client.post(f"{UNKNOWN}/backfills", json={"partition_keys": ["1999-01-01"]}),
            client.post(
                f"{UNKNOWN}/backfills",
                json={"partition_range": {"start": "2024-01-01", "end": "2024-01-02"}},
            ),
            client.post(f"{UNKNOWN}/materialize", json={"partition_key": "1999-01-01"}),
            client.post(f"{UNKNOWN}/materialize"),
        ]
        on_real_assets = [
            client.post(f"{SALES}/backfills", json={"partition_keys": ["1999-01-01"]}),
            client.post(f"{CUSTOMERS}/backfills", json={"all_partitions": True}),
            client.post(f"{SALES}/materialize"),
            client.post(f"{CUSTOMERS}/materialize", json={"partition_key": "2024-01-01"}),
        ]
    assert [r.status_code for r in responses] == [404] * 4
    assert {code_of(r) for r in responses} == {"asset_not_found"}
    assert [r.status_code for r in on_real_assets] == [400] * 4
    assert fake.state.runs() == []


def test_a_before_fault_changes_nothing() -> None:
    fake = AssetFake(
        scenario(
            faults=[
                {
                    "name": "refuse",
                    "match": {"operation": "createAssetBackfill", "times": 1},
                    "respond": {"status": 500},
                }
            ]
        )
    )
    with fake.client() as client:
        refused = client.post(
            f"{SALES}/backfills", json=BACKFILL_BODY, headers={"Idempotency-Key": "k1"}
        )
        assert fake.state.backfills() == []
        assert fake.state.runs() == []
        retried = client.post(
            f"{SALES}/backfills", json=BACKFILL_BODY, headers={"Idempotency-Key": "k1"}
        )
    assert refused.status_code == 500
    assert refused.headers["X-Fake-Fault"] == "refuse"
    assert retried.status_code == 201
    assert [b.id for b in fake.state.backfills()] == [retried.json()["id"]]


def test_an_after_fault_keeps_the_change_and_an_idempotent_retry_returns_it() -> None:
    fake = AssetFake(
        scenario(
            faults=[
                {
                    "name": "ambiguous",
                    "match": {"operation": "createAssetBackfill", "times": 1},
                    "respond": {"status": 500, "phase": "after"},
                }
            ]
        )
    )
    with fake.client() as client:
        failed = client.post(
            f"{SALES}/backfills", json=BACKFILL_BODY, headers={"Idempotency-Key": "k1"}
        )
        assert failed.status_code == 500
        assert failed.headers["X-Fake-Fault"] == "ambiguous"
        assert failed.json()["status"] == 500  # the client sees the error, not the backfill
        committed = fake.state.backfills("sales/daily")
        assert len(committed) == 1
        assert committed[0].partition_selection == BACKFILL_BODY
        runs_before = [run.id for run in fake.state.runs("sales/daily")]
        assert len(runs_before) == 2
        retried = client.post(
            f"{SALES}/backfills", json=BACKFILL_BODY, headers={"Idempotency-Key": "k1"}
        )
    assert retried.status_code == 201
    assert "X-Fake-Fault" not in retried.headers
    assert retried.json()["id"] == committed[0].id
    assert retried.headers["Location"].endswith(f"/backfills/{committed[0].id}")
    assert [b.id for b in fake.state.backfills()] == [committed[0].id]
    assert [run.id for run in fake.state.runs("sales/daily")] == runs_before
    assert [(e.status, e.fault) for e in fake.journal] == [(500, "ambiguous"), (201, None)]


def test_an_after_fault_on_a_trigger_keeps_the_run() -> None:
    fake = AssetFake(
        scenario(
            faults=[
                {
                    "name": "lost-reply",
                    "match": {"operation": "triggerAssetMaterialization", "call": 1},
                    "respond": {"status": 500, "phase": "after"},
                }
            ]
        )
    )
    with fake.client() as client:
        failed = client.post(f"{CUSTOMERS}/materialize", headers={"Idempotency-Key": "t1"})
        retried = client.post(f"{CUSTOMERS}/materialize", headers={"Idempotency-Key": "t1"})
    assert failed.status_code == 500
    assert retried.status_code == 202
    runs = fake.state.runs("customers")
    assert [run.id for run in runs] == [retried.json()["id"]]


def test_an_after_fault_does_not_hit_a_request_that_failed_on_its_own() -> None:
    fake = AssetFake(
        scenario(
            faults=[
                {
                    "name": "ambiguous",
                    "match": {"operation": "createAssetBackfill"},
                    "respond": {"status": 500, "phase": "after"},
                }
            ]
        )
    )
    with fake.client() as client:
        rejected = client.post(f"{SALES}/backfills", json={"partition_keys": ["1999-01-01"]})
    assert rejected.status_code == 400
    assert "X-Fake-Fault" not in rejected.headers
    assert fake.journal[0].fault is None
    assert fake.state.backfills() == []


def test_an_after_fault_limited_by_times_is_not_spent_by_a_rejected_request() -> None:
    """``times: 1`` means at most one firing. A 400 that the fault never answered is not a
    firing, so the first create that commits must still get the ambiguous 500."""
    fake = AssetFake(
        scenario(
            faults=[
                {
                    "name": "ambiguous",
                    "match": {"operation": "createAssetBackfill", "times": 1},
                    "respond": {"status": 500, "phase": "after"},
                }
            ]
        )
    )
    with fake.client() as client:
        rejected = client.post(f"{SALES}/backfills", json={"partition_keys": ["1999-01-01"]})
        committed = client.post(f"{SALES}/backfills", json=BACKFILL_BODY)
    assert rejected.status_code == 400
    assert "X-Fake-Fault" not in rejected.headers
    assert committed.status_code == 500
    assert committed.headers.get("X-Fake-Fault") == "ambiguous"
