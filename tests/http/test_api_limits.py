"""Edges found in review: the clock's last year, oversized numbers, odd names, stale snapshots,
the order of checks for bad path parameters, and what verify counts as a success."""

from __future__ import annotations

import pytest

from assetfake import AssetFake, ExpectationFailed
from assetfake.domain.timestamps import MAX_MS, format_ms
from small_world import CUSTOMERS, TOKENS, bearer, scenario


def test_no_transition_carries_the_clock_past_the_year_9999() -> None:
    fake = AssetFake(scenario())
    with fake.client() as client:
        near_end = (MAX_MS - fake.world.clock.now_ms()) / 1000 - 2  # two seconds left
        assert client.post("/_fake/clock/advance", json={"seconds": near_end}).status_code == 200
        assert client.post(f"{CUSTOMERS}/materialize").status_code == 202  # due in 7 s
        idle = client.post("/_fake/clock/run-until-idle")
        assert idle.status_code == 409
        assert idle.json()["code"] == "clock_error"
        runs = client.get(f"{CUSTOMERS}/runs")  # the namespace still answers
        assert runs.status_code == 200
        assert client.get("/_fake/clock").json()["now"] <= format_ms(MAX_MS)


@pytest.mark.parametrize("seconds", [10**400, 1e300, -1])
def test_an_impossible_advance_is_a_400_and_moves_nothing(seconds: float) -> None:
    fake = AssetFake(scenario())
    with fake.client() as client:
        before = client.get("/_fake/clock").json()["now"]
        answer = client.post(
            "/_fake/clock/advance",
            content=f'{{"seconds": {seconds}}}'.encode(),
            headers={"content-type": "application/json"},
        )
        assert answer.status_code == 400
        assert client.get("/_fake/clock").json()["now"] == before


def test_a_fault_named_outside_ascii_is_refused_at_the_control_api() -> None:
    fake = AssetFake(scenario())
    with fake.client() as client:
        answer = client.post("/_fake/faults", json={"name": "boom €", "respond": {"status": 500}})
        assert answer.status_code == 400
        assert "printable ASCII" in answer.json()["detail"]
        assert client.get(f"{CUSTOMERS}/runs").status_code == 200


def test_snapshots_do_not_survive_loading_another_scenario() -> None:
    fake = AssetFake(scenario())
    with fake.client() as client:
        snapshot = client.post("/_ns/a/_fake/snapshot").json()["id"]
        other = scenario(seed=8)
        assert client.put("/_ns/a/_fake/scenario", json=other).status_code == 200
        assert client.post(f"/_ns/a/_fake/restore/{snapshot}").status_code == 404


def test_the_same_scenario_put_twice_shares_one_built_template() -> None:
    fake = AssetFake(scenario())
    with fake.client() as client:
        for name in ("a", "b"):
            assert client.put(f"/_ns/{name}/_fake/scenario", json=scenario(seed=9)).is_success
    assert fake.namespaces.get("a").template is fake.namespaces.get("b").template


@pytest.mark.parametrize(
    ("path", "problem"),
    [("/assets/" + "k" * 300 + "/runs", "at most 255"), ("/assets/%ff/runs", "UTF-8")],
)
def test_bad_path_parameters_are_refused_after_auth(path: str, problem: str) -> None:
    fake = AssetFake(scenario(auth=TOKENS))
    with fake.client() as client:
        assert client.get(path).status_code == 401  # auth comes before the request's shape
        answer = client.get(path, headers=bearer("reader"))
        assert answer.status_code == 400
        assert answer.json()["code"] == "invalid_path"
        assert problem in answer.json()["detail"]


def test_looking_at_the_quota_of_refused_requests_stores_no_bucket() -> None:
    fake = AssetFake(scenario(auth=TOKENS, rate_limit={"requests": 5, "scope": "token"}))
    with fake.client() as client:
        for n in range(50):
            answer = client.get(f"{CUSTOMERS}/runs", headers=bearer(f"garbage-{n}"))
            assert answer.status_code == 401
            assert answer.headers["RateLimit"] == '"default";r=5;t=0'
    limiter = fake.namespaces.default.limiter
    assert limiter is not None
    assert len(limiter._buckets) == 0


def test_a_malformed_200_is_not_the_success_retries_on_waits_for() -> None:
    fake = AssetFake(
        scenario(
            {
                "name": "down",
                "match": {"operation": "listAssetRuns", "call": 1},
                "respond": {"status": 500},
            },
            {
                "name": "garbled",
                "match": {"operation": "listAssetRuns", "call": 2},
                "respond": {"network": "malformed"},
            },
            expect=[{"retries_on": [500]}],
        )
    )
    with fake.client() as client:
        assert client.get(f"{CUSTOMERS}/runs").status_code == 500
        garbled = client.get(f"{CUSTOMERS}/runs")  # the retry: a 200 that does not parse
        assert garbled.status_code == 200
        with pytest.raises(ValueError):
            garbled.json()
    with pytest.raises(ExpectationFailed, match="without ever succeeding"):
        fake.verify()


def test_a_state_expectation_counts_by_status() -> None:
    def world(count: int) -> AssetFake:
        history = {"generate": [{"asset": "customers", "runs": 10, "succeeded_ratio": 0.7}]}
        expect = [{"state": {"runs": {"asset": "customers", "status": "FAILED", "count": count}}}]
        return AssetFake(scenario(history=history, expect=expect))

    fake = world(3)
    with fake.client() as client:
        assert client.post(f"{CUSTOMERS}/materialize").status_code == 202
    fake.verify()  # three FAILED in history; a QUEUED run changes nothing
    with pytest.raises(ExpectationFailed, match=r"exactly 4 FAILED runs of 'customers'.*found 3"):
        world(4).verify()
