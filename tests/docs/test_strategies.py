"""``assetfake.strategies``: what it generates loads, and it finds (or rules out) bugs in a client.

The property test at the bottom is the one the pagination how-to describes: a careful client
walks every page of runs while a generated schedule of 429/500 faults refuses some of them, and
still returns every run exactly once, newest first, honouring Retry-After on the fake's clock.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from assetfake import AssetFake, ExpectationFailed, Scenario
from assetfake.strategies import (
    LIST_OPERATIONS,
    MAX_FIRINGS,
    fault_schedules,
    faults,
    scenarios,
)

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# --- what is generated is valid ----------------------------------------------------------------


@FAST
@given(scenarios(max_faults=4, network=True, partitions=("daily", "hourly", "static", "none")))
def test_generated_scenarios_load_and_run(scenario: dict[str, Any]) -> None:
    loaded = Scenario.load(scenario)
    assert [asset.key for asset in loaded.spec.assets] == [a["key"] for a in scenario["assets"]]
    fake = AssetFake(loaded)
    with fake.client() as api:  # the world is usable: every asset answers a trigger
        for asset in loaded.spec.assets:
            body = {}
            if asset.partitions is not None:
                body = {"partition_key": _first_partition(asset.partitions)}
            fake.faults.clear()
            answer = api.post(f"/assets/{quote(asset.key, safe='')}/materialize", json=body)
            assert answer.status_code == 202, answer.text
    fake.run_until_idle()
    assert all(run.status.value in {"SUCCEEDED", "FAILED", "CANCELED"} for run in fake.state.runs())


def _first_partition(partitions: Any) -> str:
    if partitions.daily is not None:
        return str(partitions.daily.start)
    if partitions.hourly is not None:
        return str(partitions.hourly.start)
    return str(partitions.static[0])


@FAST
@given(
    faults(
        statuses=(400, 401, 403, 404, 429, 500),
        assets=["sales/daily", "customers"],
        network=["reset", "hang"],
        phases=("before", "after"),
        min_faults=1,
    )
)
def test_generated_faults_are_accepted_one_by_one(rules: list[dict[str, Any]]) -> None:
    names = [rule["name"] for rule in rules]
    assert len(set(names)) == len(names)
    fake = AssetFake("default")
    for rule in rules:
        fake.faults.add(rule)
        match = rule["match"]
        assert sum(key in match for key in ("call", "calls", "every", "times")) >= 1
        assert match.get("times", 1) <= MAX_FIRINGS
        assert len(match.get("calls", [])) <= MAX_FIRINGS
    assert len(fake.faults) == len(rules)


@given(fault_schedules())
def test_fault_schedules_stay_on_the_list_operations(rules: list[dict[str, Any]]) -> None:
    assert {rule["match"]["operation"] for rule in rules} <= set(LIST_OPERATIONS)
    assert all("status" in rule["respond"] for rule in rules)
    assert all(rule["respond"]["status"] in (429, 500) for rule in rules)


@pytest.mark.parametrize(
    "make",
    [
        lambda: faults(statuses=(418,)),
        lambda: faults(operations=["listRuns"]),
        lambda: faults(statuses=(), network=False),
        lambda: faults(assets=[]),
        lambda: fault_schedules(operations=["createAssetBackfill"]),
        lambda: scenarios(partitions=("weekly",)),  # type: ignore[arg-type]
    ],
)
def test_invalid_arguments_are_refused_early(make: Callable[[], object]) -> None:
    with pytest.raises(InvalidArgument):
        make()


# --- a careful client, under any schedule of faults -------------------------------------------


def list_runs(
    client: httpx.Client, asset: str, sleep: Callable[[float], None], page_size: int = 7
) -> list[dict[str, Any]]:
    """Every run of ``asset``, newest first: follows ``next_page_token`` (and only it), retries
    429 and 500, sleeping for Retry-After (or 1 s) with the injected ``sleep``."""
    path = f"/assets/{quote(asset, safe='')}/runs"
    items: list[dict[str, Any]] = []
    params: dict[str, str | int] = {"max_results": page_size}
    for _ in range(1000):
        for _attempt in range(30):
            answer = client.get(path, params=params)
            if answer.status_code not in (429, 500):
                break
            sleep(float(answer.headers.get("Retry-After", "1")))
        else:
            raise RuntimeError(f"{path} kept failing")
        answer.raise_for_status()
        page = answer.json()
        items.extend(page["items"])
        if page["next_page_token"] is None:
            return items
        params = {"max_results": page_size, "page_token": page["next_page_token"]}
    raise RuntimeError("too many pages")


def paged_scenario(runs: int, short_pages: float, rules: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "version": 1,
        "assets": [
            {
                "key": "sales/daily",
                "partitions": {"daily": {"start": "2024-01-01", "end": "2024-01-31"}},
            }
        ],
        "history": {"generate": [{"asset": "sales/daily", "runs": runs}]},
        "pagination": {"short_pages": short_pages},
        "faults": rules,
        "expect": [{"honors_retry_after": True}, {"retries_on": [429, 500]}],
    }


@FAST
@given(
    runs=st.integers(0, 60),
    short_pages=st.sampled_from([0.0, 0.3, 1.0]),
    rules=fault_schedules(operations=["listAssetRuns"], assets=["sales/daily"], max_faults=4),
)
def test_careful_client_returns_every_run_exactly_once(
    runs: int, short_pages: float, rules: list[dict[str, Any]]
) -> None:
    fake = AssetFake(paged_scenario(runs, short_pages, rules))
    with fake.client() as client:
        listed = list_runs(client, "sales/daily", sleep=fake.clock.sleep)
    ids = [run["id"] for run in listed]
    expected = [run.id for run in reversed(fake.state.runs("sales/daily"))]
    assert ids == expected  # every run, exactly once, newest first
    fake.verify()  # waited as long as Retry-After said; every refused page retried until 200


def test_a_client_that_ignores_retry_after_is_caught() -> None:
    rule = {
        "name": "slow-down",
        "match": {"operation": "listAssetRuns", "call": 2},
        "respond": {"status": 429, "headers": {"Retry-After": "5"}},
    }
    fake = AssetFake(paged_scenario(30, 0.0, [rule]))
    with fake.client() as client:
        list_runs(client, "sales/daily", sleep=lambda seconds: None)  # never waits
    with pytest.raises(ExpectationFailed, match="Retry-After: 5"):
        fake.verify()
