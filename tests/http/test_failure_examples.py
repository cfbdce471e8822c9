"""Failure simulation, the issue's "done means" examples: each one a YAML scenario file, loaded by
path, driven by a small client the way a user's test would."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import httpx

from assetfake import AssetFake
from small_world import CUSTOMERS, SALES, bearer

CATALOG = """\
version: 1
seed: 7
clock: {start: "2024-06-01T00:00:00Z", mode: manual}
assets:
  - key: sales/daily
    partitions: {daily: {start: "2024-01-01", end: "2024-01-31"}}
  - key: customers
"""


def write(tmp_path: Path, name: str, rest: str) -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(CATALOG + textwrap.dedent(rest), encoding="utf-8")
    return path


# --- "the second page of runs is rate limited for 2 s" ---------------------------------------


SECOND_PAGE = """\
pagination: {default_page_size: 10}
history:
  generate:
    - {asset: sales/daily, runs: 25}
faults:
  - name: second-page-429
    match: {operation: listAssetRuns, asset: sales/daily, call: 2}
    respond: {status: 429, headers: {Retry-After: "2"}}
"""


def walk_runs(fake: AssetFake, client: httpx.Client, path: str) -> list[dict[str, Any]]:
    """A careful client: follows next_page_token, sleeps Retry-After (on the fake's clock)."""
    items: list[dict[str, Any]] = []
    params: dict[str, str] = {}
    while True:
        response = client.get(path, params=params)
        if response.status_code == 429:
            fake.clock.sleep(int(response.headers["Retry-After"]))
            continue
        assert response.status_code == 200, response.text
        page = response.json()
        items.extend(page["items"])
        if page["next_page_token"] is None:
            return items
        params = {"page_token": page["next_page_token"]}


def test_the_second_page_of_runs_is_rate_limited_for_2_s(tmp_path: Path) -> None:
    fake = AssetFake(write(tmp_path, "second-page", SECOND_PAGE))
    with fake.client() as client:
        other_asset = client.get(f"{CUSTOMERS}/runs")  # not counted: another asset
        items = walk_runs(fake, client, f"{SALES}/runs")
    assert other_asset.status_code == 200
    ids = [item["id"] for item in items]
    assert len(ids) == len(set(ids)) == 25
    assert set(ids) == {run.id for run in fake.state.runs("sales/daily")}
    sales = [entry for entry in fake.journal if entry.path == f"{SALES}/runs"]
    assert [(e.status, e.fault) for e in sales] == [
        (200, None),
        (429, "second-page-429"),
        (200, None),
        (200, None),
    ]
    limited, retried = sales[1], sales[2]
    assert "page_token=" in limited.query  # it is the second page that was refused ...
    assert retried.query == limited.query  # ... and the same page that was fetched again
    assert (retried.clock_time - limited.clock_time).total_seconds() == 2


def test_the_second_page_429_carries_retry_after_2(tmp_path: Path) -> None:
    fake = AssetFake(write(tmp_path, "second-page", SECOND_PAGE))
    with fake.client() as client:
        first = client.get(f"{SALES}/runs")
        second = client.get(f"{SALES}/runs", params={"page_token": first.json()["next_page_token"]})
    assert second.status_code == 429
    assert second.headers["Retry-After"] == "2"
    assert second.headers["X-Fake-Fault"] == "second-page-429"
    assert second.json()["status"] == 429


# --- "creating a backfill fails with 500 after it was committed" ------------------------------


AMBIGUOUS_CREATE = """\
faults:
  - name: ambiguous-create
    match: {operation: createAssetBackfill, times: 1}
    respond: {status: 500, phase: after}
"""


def test_creating_a_backfill_fails_with_500_after_it_was_committed(tmp_path: Path) -> None:
    fake = AssetFake(write(tmp_path, "ambiguous-create", AMBIGUOUS_CREATE))
    body = {"partition_range": {"start": "2024-01-01", "end": "2024-01-03"}, "title": "q1"}
    with fake.client() as client:
        failed = client.post(f"{SALES}/backfills", json=body, headers={"Idempotency-Key": "bf-1"})
        listed = client.get(f"{SALES}/backfills").json()["items"]
        retried = client.post(f"{SALES}/backfills", json=body, headers={"Idempotency-Key": "bf-1"})
        fetched = client.get(retried.headers["Location"])
    assert failed.status_code == 500
    assert failed.headers["X-Fake-Fault"] == "ambiguous-create"
    # committed although the client was told it failed
    assert [b["title"] for b in listed] == ["q1"]
    assert retried.status_code == 201
    assert retried.json()["id"] == listed[0]["id"]
    assert retried.json()["num_partitions"] == 3
    assert fetched.status_code == 200 and fetched.json()["id"] == listed[0]["id"]
    assert len(fake.state.backfills("sales/daily")) == 1
    assert [run.partition_key for run in fake.state.runs("sales/daily")] == [
        "2024-01-01",
        "2024-01-02",
        "2024-01-03",
    ]


def test_a_retry_without_idempotency_key_duplicates_the_backfill(tmp_path: Path) -> None:
    """Why the scenario exists: a naive client that retries without a key creates two."""
    fake = AssetFake(write(tmp_path, "ambiguous-create", AMBIGUOUS_CREATE))
    with fake.client() as client:
        statuses = [
            client.post(f"{SALES}/backfills", json={"all_partitions": True}).status_code
            for _ in range(2)
        ]
    assert statuses == [500, 201]
    assert len(fake.state.backfills("sales/daily")) == 2


# --- "20 % of triggers reset the connection" ---------------------------------------------------


FLAKY_TRIGGERS = """\
faults:
  - name: reset-on-trigger
    match: {operation: triggerAssetMaterialization, probability: 0.2}
    respond: {network: reset}
"""


def trigger_many(fake: AssetFake, calls: int) -> list[bool]:
    """Which of ``calls`` triggers had their connection reset."""
    resets = []
    with fake.client() as client:
        for _ in range(calls):
            try:
                response = client.post(f"{CUSTOMERS}/materialize")
            except httpx.ReadError:
                resets.append(True)
            else:
                assert response.status_code == 202
                resets.append(False)
    return resets


def test_twenty_percent_of_triggers_reset_the_connection(tmp_path: Path) -> None:
    path = write(tmp_path, "flaky-triggers", FLAKY_TRIGGERS)
    fake = AssetFake(path)
    resets = trigger_many(fake, 200)
    assert 20 <= sum(resets) <= 60
    # a reset (phase before) commits nothing; every other trigger made one run
    assert len(fake.state.runs("customers")) == 200 - sum(resets)
    assert [e.fault for e in fake.journal if e.fault] == ["reset-on-trigger"] * sum(resets)
    # other operations are never reset
    with fake.client() as client:
        assert all(client.get(f"{CUSTOMERS}/runs").status_code == 200 for _ in range(20))


def test_twenty_percent_of_triggers_is_reproducible(tmp_path: Path) -> None:
    path = write(tmp_path, "flaky-triggers", FLAKY_TRIGGERS)
    first = trigger_many(AssetFake(path), 200)
    again = trigger_many(AssetFake(path), 200)
    reseeded = trigger_many(AssetFake(path, seed=8), 200)
    assert first == again
    assert first != reseeded


# --- "the writer token expires after 10 minutes" ----------------------------------------------


WRITER_EXPIRES = """\
auth:
  tokens:
    - {token: reader, scopes: ["assets:read"]}
    - {token: writer, scopes: ["assets:read", "assets:write"], expires_at: "2024-06-01T00:10:00Z"}
"""


def test_the_writer_token_expires_after_10_minutes(tmp_path: Path) -> None:
    fake = AssetFake(write(tmp_path, "writer-expires", WRITER_EXPIRES))
    with fake.client() as client:
        early = client.post(f"{CUSTOMERS}/materialize", headers=bearer("writer"))
        fake.clock.advance(9 * 60 + 59)
        late = client.post(f"{CUSTOMERS}/materialize", headers=bearer("writer"))
        fake.clock.advance(1)
        expired_write = client.post(f"{CUSTOMERS}/materialize", headers=bearer("writer"))
        expired_read = client.get(f"{CUSTOMERS}/runs", headers=bearer("writer"))
        reader = client.get(f"{CUSTOMERS}/runs", headers=bearer("reader"))
        fake.clock.advance(24 * 3600)
        reader_tomorrow = client.get(f"{CUSTOMERS}/runs", headers=bearer("reader"))
    assert [early.status_code, late.status_code] == [202, 202]
    for response in (expired_write, expired_read):
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].startswith('Bearer realm="assets"')
        assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]
    assert reader.status_code == 200
    assert [run["id"] for run in reader.json()["items"]] == [late.json()["id"], early.json()["id"]]
    assert reader_tomorrow.status_code == 200
    assert len(fake.state.runs("customers")) == 2
