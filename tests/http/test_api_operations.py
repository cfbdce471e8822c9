"""The six operations' success answers, and a lifecycle driven through the API on the manual
clock (default scenario: sales/daily runs 1 s queued, 1 s starting, 5 s running)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import httpx

from assetfake.fake import AssetFake

SALES = "/assets/sales%2Fdaily"
ORDERS = "/assets/orders%2Fdaily"
REGIONS = "/assets/regions%2Fmetrics"
START = "2024-06-01T00:00:00.000Z"

RUN_FIELDS = {
    "id",
    "asset_key",
    "status",
    "partition_key",
    "backfill_id",
    "tags",
    "created_at",
    "started_at",
    "ended_at",
    "error",
}
BACKFILL_FIELDS = {
    "id",
    "asset_key",
    "status",
    "title",
    "tags",
    "partition_selection",
    "num_partitions",
    "partition_counts",
    "created_at",
    "updated_at",
    "ended_at",
}
MATERIALIZATION_FIELDS = {
    "id",
    "asset_key",
    "run_id",
    "partition_key",
    "created_at",
    "metadata",
    "data_version",
    "tags",
}


def at(seconds: float) -> str:
    """The RFC 3339 form the API uses for the default scenario's start plus ``seconds``."""
    moment = datetime(2024, 6, 1, tzinfo=timezone.utc) + timedelta(seconds=seconds)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def counts(**given: int) -> dict[str, int]:
    return {"queued": 0, "running": 0, "succeeded": 0, "failed": 0, "canceled": 0, **given}


def test_list_runs_answers_a_page_of_runs(api: httpx.Client, fake: AssetFake) -> None:
    response = api.get(f"{SALES}/runs")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    page = response.json()
    assert set(page) == {"items", "next_page_token"}
    assert page["next_page_token"] is None
    assert [run["id"] for run in page["items"]] == [
        run.id for run in reversed(fake.state.runs("sales/daily"))
    ]
    assert [run["partition_key"] for run in page["items"]] == [
        "2024-01-03",
        "2024-01-02",
        "2024-01-01",
    ]
    failed, ok, _ = page["items"]
    assert set(failed) == RUN_FIELDS
    assert failed["status"] == "FAILED"
    assert failed["error"] == {"message": "warehouse unavailable"}
    assert failed["created_at"] == "2024-05-31T00:20:00.000Z"
    assert ok["status"] == "SUCCEEDED"
    assert ok["error"] is None
    assert ok["tags"] == {"team": "growth"}
    assert ok["started_at"] is not None and ok["ended_at"] is not None


def test_trigger_answers_202_with_a_queued_run(api: httpx.Client, fake: AssetFake) -> None:
    before = len(fake.state.runs("sales/daily"))
    response = api.post(
        f"{SALES}/materialize", json={"partition_key": "2024-01-07", "tags": {"by": "test"}}
    )
    assert response.status_code == 202
    run = response.json()
    assert set(run) == RUN_FIELDS
    assert run["status"] == "QUEUED"
    assert run["asset_key"] == "sales/daily"
    assert run["partition_key"] == "2024-01-07"
    assert run["tags"] == {"by": "test"}
    assert run["backfill_id"] is None
    assert run["created_at"] == START
    assert run["started_at"] is None and run["ended_at"] is None and run["error"] is None
    assert len(fake.state.runs("sales/daily")) == before + 1
    newest = api.get(f"{SALES}/runs", params={"max_results": "1"}).json()["items"]
    assert newest == [run]


def test_trigger_of_an_unpartitioned_asset_takes_no_body(api: httpx.Client) -> None:
    bare = api.post("/assets/customers/materialize")
    empty = api.post("/assets/customers/materialize", json={})
    tagged = api.post("/assets/customers/materialize", json={"tags": {"k": "v"}})
    assert [r.status_code for r in (bare, empty, tagged)] == [202, 202, 202]
    assert bare.json()["partition_key"] is None
    assert tagged.json()["tags"] == {"k": "v"}
    assert len({r.json()["id"] for r in (bare, empty, tagged)}) == 3


def test_create_backfill_answers_201_with_a_location(api: httpx.Client, fake: AssetFake) -> None:
    body = {"partition_keys": ["2024-01-09", "2024-01-08"], "title": "fix", "tags": {"t": "1"}}
    response = api.post(f"{SALES}/backfills", json=body)
    assert response.status_code == 201
    backfill = response.json()
    assert set(backfill) == BACKFILL_FIELDS
    assert backfill["asset_key"] == "sales/daily"
    assert backfill["status"] == "QUEUED"
    assert backfill["title"] == "fix"
    assert backfill["tags"] == {"t": "1"}
    assert backfill["partition_selection"] == {"partition_keys": ["2024-01-09", "2024-01-08"]}
    assert backfill["num_partitions"] == 2
    assert backfill["partition_counts"] == counts(queued=2)
    assert backfill["created_at"] == backfill["updated_at"] == START
    assert backfill["ended_at"] is None
    location = response.headers["location"]
    assert location == f"{SALES}/backfills/{backfill['id']}"
    fetched = api.get(location)
    assert fetched.status_code == 200
    assert fetched.json() == backfill

    runs = api.get(f"{SALES}/runs", params={"status": "QUEUED"}).json()["items"]
    # one QUEUED run per partition, created in partition order: newest first lists 09 first
    assert [(r["partition_key"], r["backfill_id"]) for r in runs] == [
        ("2024-01-09", backfill["id"]),
        ("2024-01-08", backfill["id"]),
    ]
    assert all(r["tags"] == {"t": "1"} for r in runs)
    assert [b.id for b in fake.state.backfills("sales/daily")] == [backfill["id"]]


def test_a_partition_range_is_inclusive(api: httpx.Client) -> None:
    selection = {"partition_range": {"start": "2024-01-03", "end": "2024-01-06"}}
    response = api.post(f"{SALES}/backfills", json=selection)
    assert response.status_code == 201
    backfill = response.json()
    assert backfill["partition_selection"] == selection
    assert backfill["num_partitions"] == 4
    runs = api.get(f"{SALES}/runs", params={"status": "QUEUED"}).json()["items"]
    assert sorted(r["partition_key"] for r in runs) == [
        "2024-01-03",
        "2024-01-04",
        "2024-01-05",
        "2024-01-06",
    ]
    one = api.post(
        f"{SALES}/backfills",
        json={"partition_range": {"start": "2024-01-31", "end": "2024-01-31"}},
    )
    assert one.json()["num_partitions"] == 1


def test_all_partitions_selects_every_partition(api: httpx.Client) -> None:
    regions = api.post(f"{REGIONS}/backfills", json={"all_partitions": True})
    assert regions.status_code == 201
    assert regions.json()["num_partitions"] == 3
    assert regions.json()["partition_selection"] == {"all_partitions": True}
    hourly = api.post("/assets/sales%2Fhourly/backfills", json={"all_partitions": True})
    assert hourly.json()["num_partitions"] == 48


def test_list_backfills_and_get_backfill(api: httpx.Client) -> None:
    assert api.get(f"{SALES}/backfills").json() == {"items": [], "next_page_token": None}
    first = api.post(f"{SALES}/backfills", json={"partition_keys": ["2024-01-01"]}).json()
    second = api.post(f"{SALES}/backfills", json={"partition_keys": ["2024-01-02"]}).json()
    listed = api.get(f"{SALES}/backfills")
    assert listed.status_code == 200
    assert listed.json() == {"items": [second, first], "next_page_token": None}
    got = api.get(f"{SALES}/backfills/{first['id']}")
    assert got.status_code == 200
    assert got.json() == first
    assert api.get(f"{ORDERS}/backfills").json()["items"] == []


def test_list_materializations_answers_a_page(api: httpx.Client, fake: AssetFake) -> None:
    response = api.get(f"{SALES}/materializations")
    assert response.status_code == 200
    page = response.json()
    assert page["next_page_token"] is None
    items = page["items"]
    assert [m["partition_key"] for m in items] == ["2024-01-02", "2024-01-01"]
    for materialization in items:
        assert set(materialization) == MATERIALIZATION_FIELDS
        assert materialization["metadata"] == {"row_count": 1000, "source": "warehouse.sales"}
        assert materialization["asset_key"] == "sales/daily"
    runs = {r.id: r for r in fake.state.runs("sales/daily")}
    for materialization in items:
        run = runs[materialization["run_id"]]
        assert run.status == "SUCCEEDED"
        assert run.partition_key == materialization["partition_key"]
        assert run.ended_at == materialization["created_at"]


def test_a_backfill_runs_to_completion_through_the_api(api: httpx.Client, fake: AssetFake) -> None:
    created = api.post(f"{SALES}/backfills", json={"partition_keys": ["2024-01-10", "2024-01-11"]})
    location = created.headers["location"]
    backfill_id = created.json()["id"]

    def backfill() -> dict[str, object]:
        response = api.get(location)
        assert response.status_code == 200
        body: dict[str, object] = response.json()
        return body

    def runs() -> list[dict[str, object]]:
        items: list[dict[str, object]] = api.get(f"{SALES}/runs").json()["items"]
        return [r for r in items if r["backfill_id"] == backfill_id]

    assert backfill()["status"] == "QUEUED"
    fake.clock.advance(1)  # queue time over: STARTING (a started run: the backfill is RUNNING)
    assert {r["status"] for r in runs()} == {"STARTING"}
    state = backfill()
    assert state["status"] == "RUNNING"
    assert state["partition_counts"] == counts(running=2)
    assert state["updated_at"] == at(1)
    fake.clock.advance(1)
    assert {r["status"] for r in runs()} == {"RUNNING"}
    assert {r["started_at"] for r in runs()} == {at(2)}
    assert backfill()["partition_counts"] == counts(running=2)
    assert api.get(f"{SALES}/materializations").json()["items"][0]["partition_key"] == (
        "2024-01-02"
    ), "no materialization before a run succeeds"
    fake.clock.advance(4.999)
    assert {r["status"] for r in runs()} == {"RUNNING"}
    fake.clock.advance(0.001)
    assert {r["status"] for r in runs()} == {"SUCCEEDED"}
    assert {r["ended_at"] for r in runs()} == {at(7)}
    final = backfill()
    assert final["status"] == "SUCCEEDED"
    assert final["partition_counts"] == counts(succeeded=2)
    assert final["ended_at"] == final["updated_at"] == at(7)
    mats = api.get(f"{SALES}/materializations", params={"max_results": "2"}).json()["items"]
    run_ids = {r["id"] for r in runs()}
    assert {m["run_id"] for m in mats} == run_ids
    assert {m["partition_key"] for m in mats} == {"2024-01-10", "2024-01-11"}
    assert {m["created_at"] for m in mats} == {at(7)}


def test_a_failing_partition_fails_the_backfill(api: httpx.Client, fake: AssetFake) -> None:
    # orders/daily: max_concurrent 2, 2024-01-05 fails with "upstream timeout"
    keys = ["2024-01-04", "2024-01-05", "2024-01-06"]
    created = api.post(f"{ORDERS}/backfills", json={"partition_keys": keys})
    location = created.headers["location"]
    fake.clock.advance(1)
    waiting = api.get(location).json()
    assert waiting["partition_counts"] == counts(running=2, queued=1)
    fake.run_until_idle()
    final = api.get(location).json()
    assert final["status"] == "FAILED"
    assert final["partition_counts"] == counts(succeeded=2, failed=1)
    runs = api.get(f"{ORDERS}/runs", params={"max_results": "3"}).json()["items"]
    by_key = {r["partition_key"]: r for r in runs}
    assert by_key["2024-01-05"]["status"] == "FAILED"
    assert by_key["2024-01-05"]["error"] == {"message": "upstream timeout"}
    assert by_key["2024-01-04"]["error"] is None
    mats = api.get(f"{ORDERS}/materializations").json()["items"]
    assert sorted(m["partition_key"] for m in mats) == ["2024-01-04", "2024-01-06"]
    failed = api.get(f"{ORDERS}/backfills", params={"status": "FAILED"}).json()["items"]
    assert [b["id"] for b in failed] == [final["id"]]
