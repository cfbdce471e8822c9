"""Lists over HTTP: order, max_results, status filter, page tokens, expiry, short pages."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import httpx
import pytest

from assetfake.fake import AssetFake

if TYPE_CHECKING:
    from conftest import ProblemCheck

SALES = "/assets/sales%2Fdaily"
CUSTOMERS = "/assets/customers"  # 251 runs of history in the default scenario
REGIONS = "/assets/regions%2Fmetrics"
STATUSES = ["QUEUED", "STARTING", "RUNNING", "SUCCEEDED", "FAILED", "CANCELING", "CANCELED"]


def small(**pagination: Any) -> dict[str, Any]:
    """A scenario with 30 runs of `customers` history and the given pagination settings."""
    return {
        "version": 1,
        "name": "paging",
        "seed": 3,
        "clock": {"start": "2024-06-01T00:00:00Z", "mode": "manual"},
        "pagination": pagination,
        "assets": [{"key": "customers"}, {"key": "other"}],
        "history": {"generate": [{"asset": "customers", "runs": 30, "succeeded_ratio": 0.5}]},
    }


def walk(client: httpx.Client, path: str, **params: str) -> tuple[list[dict[str, Any]], list[int]]:
    """Every item of a list, following next_page_token; and each page's size."""
    items: list[dict[str, Any]] = []
    sizes: list[int] = []
    token: str | None = None
    for _ in range(1000):
        query = dict(params, **({"page_token": token} if token else {}))
        response = client.get(path, params=query)
        assert response.status_code == 200, response.text
        page = response.json()
        items.extend(page["items"])
        sizes.append(len(page["items"]))
        token = page["next_page_token"]
        if token is None:
            return items, sizes
    raise AssertionError("the walk never ended")


def newest_first(items: list[dict[str, Any]]) -> bool:
    keys = [(item["created_at"], item["id"]) for item in items]
    return keys == sorted(keys, reverse=True) and len(set(keys)) == len(keys)


@pytest.mark.parametrize("kind", ["runs", "materializations"])
def test_a_walk_yields_every_item_once_newest_first(
    api: httpx.Client, fake: AssetFake, kind: str
) -> None:
    items, sizes = walk(api, f"{CUSTOMERS}/{kind}", max_results="100")
    stored = getattr(fake.state, kind)("customers")
    assert len(items) == len(stored) > 200
    assert {item["id"] for item in items} == {record.id for record in stored}
    assert newest_first(items)
    assert sizes[:-1] == [100] * (len(sizes) - 1)


def test_ties_on_created_at_are_broken_by_id_descending(api: httpx.Client) -> None:
    api.post(f"{SALES}/backfills", json={"all_partitions": True})
    api.post(f"{SALES}/backfills", json={"partition_keys": ["2024-01-01"]})
    runs, _ = walk(api, f"{SALES}/runs", status="QUEUED", max_results="7")
    assert len(runs) == 32
    assert len({run["created_at"] for run in runs}) == 1
    assert [run["id"] for run in runs] == sorted((run["id"] for run in runs), reverse=True)
    # created in partition order, so newest first is reverse partition order, per backfill
    assert runs[0]["partition_key"] == "2024-01-01"
    assert [run["partition_key"] for run in runs[1:]] == [
        f"2024-01-{d:02d}" for d in range(31, 0, -1)
    ]
    backfills, _ = walk(api, f"{SALES}/backfills", max_results="1")
    assert len(backfills) == 2
    assert backfills[0]["id"] > backfills[1]["id"]


def test_default_page_size_and_clamp_to_the_maximum() -> None:
    fake = AssetFake(small(default_page_size=7, max_page_size=12))
    with fake.client() as client:
        first = client.get(f"{CUSTOMERS}/runs").json()
        assert len(first["items"]) == 7 and first["next_page_token"]
        clamped = client.get(f"{CUSTOMERS}/runs", params={"max_results": "1000"}).json()
        assert len(clamped["items"]) == 12
        huge = client.get(f"{CUSTOMERS}/runs", params={"max_results": "9" * 40}).json()
        assert len(huge["items"]) == 12
        one = client.get(f"{CUSTOMERS}/runs", params={"max_results": "1"}).json()
        assert len(one["items"]) == 1
        padded = client.get(f"{CUSTOMERS}/runs", params={"max_results": "003"}).json()
        assert len(padded["items"]) == 3


def test_the_shipped_defaults_are_20_and_100(api: httpx.Client) -> None:
    assert len(api.get(f"{CUSTOMERS}/runs").json()["items"]) == 20
    assert len(api.get(f"{CUSTOMERS}/runs", params={"max_results": "101"}).json()["items"]) == 100


@pytest.mark.parametrize(
    "value", ["", "0", "00", "-1", "+5", "1.5", "abc", " 5", "5 ", "1e2", "0x10", "\uff15", "²"]
)
@pytest.mark.parametrize("kind", ["runs", "backfills", "materializations"])
def test_a_bad_max_results_is_400(
    api: httpx.Client, problem: ProblemCheck, kind: str, value: str
) -> None:
    doc = problem(api.get(f"{SALES}/{kind}", params={"max_results": value}), 400)
    assert doc["code"] == "invalid_max_results"
    assert "max_results" in doc["detail"]


def test_max_results_given_twice_is_400(api: httpx.Client, problem: ProblemCheck) -> None:
    problem(api.get(f"{SALES}/runs?max_results=1&max_results=2"), 400)


def test_the_status_filter_is_exact(api: httpx.Client) -> None:
    failed = api.get(f"{SALES}/runs", params={"status": "FAILED"}).json()
    assert [run["partition_key"] for run in failed["items"]] == ["2024-01-03"]
    succeeded, _ = walk(api, f"{CUSTOMERS}/runs", status="SUCCEEDED", max_results="100")
    assert {run["status"] for run in succeeded} == {"SUCCEEDED"}
    all_runs, _ = walk(api, f"{CUSTOMERS}/runs", max_results="100")
    assert len(succeeded) == sum(run["status"] == "SUCCEEDED" for run in all_runs)
    assert newest_first(succeeded)
    assert api.get(f"{SALES}/runs", params={"status": "RUNNING"}).json()["items"] == []
    api.post(f"{SALES}/backfills", json={"partition_keys": ["2024-01-02"]})
    queued = api.get(f"{SALES}/backfills", params={"status": "QUEUED"}).json()["items"]
    assert len(queued) == 1
    assert api.get(f"{SALES}/backfills", params={"status": "RUNNING"}).json()["items"] == []


@pytest.mark.parametrize("value", ["failed", "Failed", "DONE", "", " FAILED", "QUEUED,FAILED"])
@pytest.mark.parametrize("kind", ["runs", "backfills"])
def test_a_bad_status_is_400_listing_the_allowed_values(
    api: httpx.Client, problem: ProblemCheck, kind: str, value: str
) -> None:
    doc = problem(api.get(f"{SALES}/{kind}", params={"status": value}), 400)
    for status in STATUSES:
        assert status in doc["detail"]


def test_materializations_take_no_status(api: httpx.Client, problem: ProblemCheck) -> None:
    doc = problem(
        api.get(f"{SALES}/materializations", params={"status": "SUCCEEDED"}),
        400,
        "unknown_parameter",
    )
    assert "status" in doc["detail"]


@pytest.mark.parametrize(
    ("path", "params"),
    [
        (f"{SALES}/runs", {"maxResults": "5"}),
        (f"{SALES}/runs", {"pageToken": "x"}),
        (f"{SALES}/backfills", {"limit": "5"}),
        (f"{SALES}/materializations", {"offset": "5"}),
        (f"{SALES}/backfills/bf_1", {"max_results": "5"}),
        (f"{SALES}/backfills/bf_1", {"expand": "runs"}),
    ],
)
def test_an_unknown_query_parameter_is_400(
    api: httpx.Client, problem: ProblemCheck, path: str, params: dict[str, str]
) -> None:
    (name,) = params
    doc = problem(api.get(path, params=params), 400, "unknown_parameter")
    assert name in doc["detail"]


def test_posts_take_no_query_parameters(
    api: httpx.Client, problem: ProblemCheck, fake: AssetFake
) -> None:
    before = fake.state.counts()
    problem(
        api.post(f"{SALES}/materialize?dry_run=1", json={"partition_key": "2024-01-01"}),
        400,
        "unknown_parameter",
    )
    problem(
        api.post(f"{SALES}/backfills?x=", json={"all_partitions": True}), 400, "unknown_parameter"
    )
    assert fake.state.counts() == before


def _token(client: httpx.Client, path: str, **params: str) -> str:
    page = client.get(path, params={"max_results": "5", **params}).json()
    token: str = page["next_page_token"]
    assert token
    return token


def test_a_page_token_is_bound_to_its_list_asset_and_status(
    api: httpx.Client, problem: ProblemCheck
) -> None:
    runs_token = _token(api, f"{CUSTOMERS}/runs")
    failed_token = _token(api, f"{CUSTOMERS}/runs", status="SUCCEEDED")
    mats_token = _token(api, f"{CUSTOMERS}/materializations")
    # each works where it was issued
    assert api.get(f"{CUSTOMERS}/runs", params={"page_token": runs_token}).status_code == 200
    assert (
        api.get(
            f"{CUSTOMERS}/runs", params={"page_token": failed_token, "status": "SUCCEEDED"}
        ).status_code
        == 200
    )
    misuse = [
        (f"{REGIONS}/runs", {"page_token": runs_token}),  # another asset
        (f"{CUSTOMERS}/materializations", {"page_token": runs_token}),  # another list
        (f"{CUSTOMERS}/backfills", {"page_token": runs_token}),
        (f"{CUSTOMERS}/runs", {"page_token": mats_token}),
        (f"{CUSTOMERS}/runs", {"page_token": runs_token, "status": "SUCCEEDED"}),  # status
        (f"{CUSTOMERS}/runs", {"page_token": failed_token}),
        (f"{CUSTOMERS}/runs", {"page_token": failed_token, "status": "FAILED"}),
    ]
    for path, params in misuse:
        problem(api.get(path, params=params), 400, "invalid_page_token")


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: "garbage",
        lambda t: "",
        lambda t: t[:-1],
        lambda t: t + "A",
        lambda t: t[:10] + ("B" if t[10] != "B" else "C") + t[11:],
        lambda t: t[::-1],
        lambda t: "%%%",
        lambda t: "é" * 8,
        lambda t: t + "==",
    ],
)
def test_a_garbage_or_altered_page_token_is_400(
    api: httpx.Client, problem: ProblemCheck, mangle: Any
) -> None:
    token = _token(api, f"{CUSTOMERS}/runs")
    problem(
        api.get(f"{CUSTOMERS}/runs", params={"page_token": mangle(token)}),
        400,
        "invalid_page_token",
    )


def test_a_token_from_another_fake_seed_is_refused(problem: ProblemCheck) -> None:
    with AssetFake(seed=1).client() as one, AssetFake(seed=2).client() as two:
        token = _token(one, f"{CUSTOMERS}/runs")
        problem(
            two.get(f"{CUSTOMERS}/runs", params={"page_token": token}), 400, "invalid_page_token"
        )


def test_page_tokens_expire_on_the_fake_clock(problem: ProblemCheck) -> None:
    fake = AssetFake(small(page_token_ttl_seconds=60))
    with fake.client() as client:
        token = _token(client, f"{CUSTOMERS}/runs")
        fake.clock.advance(59)
        fresh = client.get(f"{CUSTOMERS}/runs", params={"page_token": token, "max_results": "5"})
        assert fresh.status_code == 200
        later = fresh.json()["next_page_token"]
        fake.clock.advance(2)  # the first token is now 61 s old, the second 2 s
        doc = problem(
            client.get(f"{CUSTOMERS}/runs", params={"page_token": token}),
            400,
            "page_token_expired",
        )
        assert "expired" in doc["detail"]
        assert client.get(f"{CUSTOMERS}/runs", params={"page_token": later}).status_code == 200


def test_without_a_ttl_tokens_do_not_expire(api: httpx.Client, fake: AssetFake) -> None:
    token = _token(api, f"{CUSTOMERS}/runs")
    fake.clock.advance(30 * 86400)
    assert api.get(f"{CUSTOMERS}/runs", params={"page_token": token}).status_code == 200


def test_short_pages_still_walk_everything() -> None:
    fake = AssetFake(small(short_pages=1.0))
    with fake.client() as client:
        items, sizes = walk(client, f"{CUSTOMERS}/runs", max_results="10")
        assert len(items) == 30
        assert len({item["id"] for item in items}) == 30
        assert newest_first(items)
        assert all(size < 10 for size in sizes[:-1]), sizes
        assert all(size >= 1 for size in sizes)
        assert len(sizes) > 3


def test_a_walk_ignores_items_created_during_it(api: httpx.Client) -> None:
    before, _ = walk(api, f"{CUSTOMERS}/runs", max_results="100")
    seen: list[dict[str, Any]] = []
    token: str | None = None
    while True:
        params = {"max_results": "60", **({"page_token": token} if token else {})}
        page = api.get(f"{CUSTOMERS}/runs", params=params).json()
        seen.extend(page["items"])
        token = page["next_page_token"]
        assert api.post(f"{CUSTOMERS}/materialize").status_code == 202
        if token is None:
            break
    assert [run["id"] for run in seen] == [run["id"] for run in before]
    after, _ = walk(api, f"{CUSTOMERS}/runs", max_results="100")
    assert len(after) == len(before) + 5


def test_an_empty_list_has_no_token(api: httpx.Client) -> None:
    assert api.get(f"{SALES}/backfills").json() == {"items": [], "next_page_token": None}
    assert api.get("/assets/sales%2Fhourly/runs", params={"max_results": "1"}).json() == {
        "items": [],
        "next_page_token": None,
    }


def test_an_exact_last_page_has_no_token(api: httpx.Client) -> None:
    page = api.get(f"{SALES}/runs", params={"max_results": "3"}).json()
    assert len(page["items"]) == 3
    assert page["next_page_token"] is None
    two = api.get(f"{SALES}/runs", params={"max_results": "2"}).json()
    assert two["next_page_token"]
    rest = api.get(
        f"{SALES}/runs", params={"max_results": "2", "page_token": two["next_page_token"]}
    ).json()
    assert len(rest["items"]) == 1 and rest["next_page_token"] is None
