"""Every response validates against the shipped OpenAPI document.

The test-wide hook (tests/conftest.py) checks every response any test receives; here we prove
the hook is wired into every transport (a broken answer fails the test that receives it, and the
opt-out marker turns that off), then drive every operation of every shipped scenario through
the whole lifecycle, and every documented error status, so that the hook sees them all.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from assetfake.fake import AssetFake
from assetfake.http import handlers
from assetfake.http.replies import Reply
from assetfake.operations import GET_BACKFILL, LIST_RUNS
from assetfake.scenario import library
from openapi_check import OpenAPIChecker

SALES = "/assets/sales%2Fdaily"
BROKEN_PAGE = b'{"items": [{"id": 1}], "next_page_token": null}'


@pytest.fixture
def broken_runs_list(fake: AssetFake) -> None:
    """listAssetRuns answers a page whose run has none of the required fields."""
    fake.app.handlers = {
        **handlers.HANDLERS,
        LIST_RUNS.operation_id: lambda world, call: Reply(200, BROKEN_PAGE),
    }


@pytest.fixture
def undocumented_status(fake: AssetFake) -> None:
    """getAssetBackfill answers 409, which the document does not list for it."""

    def conflict(world: object, call: object) -> Reply:
        body = b'{"type":"about:blank","title":"Conflict","status":409,"detail":"x","code":"c"}'
        return Reply(409, body, content_type="application/problem+json")

    fake.app.handlers = {**handlers.HANDLERS, GET_BACKFILL.operation_id: conflict}


# ------------------------------------------------------------------------ the hook is wired


@pytest.mark.usefixtures("broken_runs_list")
def test_the_hook_checks_the_sync_in_process_client(fake: AssetFake) -> None:
    with fake.client() as client:
        assert client.get(f"{SALES}/materializations").status_code == 200
        with pytest.raises(AssertionError, match="listAssetRuns"):
            client.get(f"{SALES}/runs")


@pytest.mark.usefixtures("broken_runs_list")
def test_the_hook_checks_the_async_in_process_client(fake: AssetFake) -> None:
    async def fetch() -> None:
        async with fake.async_client() as client:
            await client.get(f"{SALES}/runs")

    with pytest.raises(AssertionError, match="does not match"):
        asyncio.run(fetch())


@pytest.mark.usefixtures("broken_runs_list")
def test_the_hook_checks_a_live_server(fake: AssetFake) -> None:
    with fake.serve() as url, httpx.Client(base_url=url, timeout=10) as client:
        assert client.get("/assets/customers/materializations").status_code == 200
        with pytest.raises(AssertionError, match="listAssetRuns"):
            client.get(f"{SALES}/runs")


@pytest.mark.usefixtures("undocumented_status")
def test_the_hook_refuses_an_undocumented_status(fake: AssetFake) -> None:
    with fake.client() as client, pytest.raises(AssertionError, match="not documented"):
        client.get(f"{SALES}/backfills/bf_1")


@pytest.mark.no_openapi_check
@pytest.mark.usefixtures("broken_runs_list")
def test_the_marker_turns_the_hook_off(fake: AssetFake) -> None:
    with fake.client() as client:
        response = client.get(f"{SALES}/runs")
    assert response.status_code == 200
    assert response.content == BROKEN_PAGE


def test_a_malformed_fault_is_not_checked_but_an_error_fault_is(fake: AssetFake) -> None:
    fake.faults.add(
        {
            "name": "garble",
            "match": {"operation": "listAssetRuns"},
            "respond": {"network": "malformed"},
        }
    )
    fake.faults.add(
        {"name": "boom", "match": {"operation": "listAssetBackfills"}, "respond": {"status": 500}}
    )
    with fake.client() as client:
        garbled = client.get(f"{SALES}/runs")
        assert garbled.status_code == 200
        assert garbled.headers["x-fake-fault"] == "garble"
        with pytest.raises(ValueError):
            garbled.json()
        boom = client.get(f"{SALES}/backfills")  # checked by the hook: a valid problem document
        assert boom.status_code == 500
        assert boom.headers["x-fake-fault"] == "boom"


def test_the_hook_keeps_a_broken_connection_an_error_of_the_read() -> None:
    """Unmarked (``mark_faults: false``) truncated bodies make the hook's read fail: the test
    still sees the transport error, where it would have seen it without the hook."""
    fake = AssetFake({**_scenario(), "mark_faults": False})
    fake.faults.add(
        {
            "name": "cut",
            "match": {"operation": "listAssetRuns"},
            "respond": {"network": "truncated"},
        }
    )
    with fake.serve() as url, httpx.Client(base_url=url, timeout=10) as client:
        with pytest.raises(httpx.RemoteProtocolError):
            client.get(f"{SALES}/runs")
        with client.stream("GET", f"{SALES}/runs") as response:
            assert response.status_code == 200
            assert "x-fake-fault" not in response.headers
            with pytest.raises(httpx.RemoteProtocolError):
                response.read()
        assert client.get(f"{SALES}/backfills").status_code == 200


def test_the_checker_skips_only_non_api_paths(openapi_checker: OpenAPIChecker) -> None:
    garbage = b"not json"
    for path in ("/openapi.json", "/_fake/state", "/_ns/a/_fake/clock", "/_ns/a/openapi.json"):
        openapi_checker.check("GET", path, 200, {"content-type": "text/plain"}, garbage)
    with pytest.raises(AssertionError):
        openapi_checker.check("GET", "/_ns/a/assets/x/runs", 200, {}, garbage)


# ------------------------------------------------------------------- every shipped scenario


def _partitions(fake: AssetFake) -> dict[str, tuple[str, ...] | None]:
    return {
        asset.key: None if asset.partitions is None else asset.partitions.keys
        for asset in fake.world.assets()
    }


def _token(fake: AssetFake) -> dict[str, str]:
    auth = fake.scenario.spec.auth
    if auth is None or not auth.tokens:
        return {}
    best = max(auth.tokens, key=lambda t: (len(t.scopes), t.expires_at is None))
    return {"Authorization": f"Bearer {best.token}"}


def _exercise(fake: AssetFake) -> Iterator[tuple[str, httpx.Response]]:
    """Every operation on every asset, at several points of the lifecycle."""
    limited = fake.scenario.spec.rate_limit
    pause = 0.0 if limited is None else float(limited.per_seconds)
    with fake.client(headers=_token(fake)) as client:

        def call(method: str, path: str, **kwargs: Any) -> tuple[str, httpx.Response]:
            if pause:
                fake.clock.advance(pause)  # a fresh quota for each request
            return f"{method} {path}", client.request(method, path, **kwargs)

        for key, keys in _partitions(fake).items():
            base = "/assets/" + key.replace("/", "%2F")
            trigger = {} if keys is None else {"partition_key": keys[0]}
            triggered = call("POST", f"{base}/materialize", json=trigger)
            yield triggered
            run_id = triggered[1].json()["id"] if triggered[1].status_code == 202 else None
            if keys is not None:
                selection = {"partition_keys": list(keys[:3]), "title": "sweep", "tags": {"a": "b"}}
                created = call("POST", f"{base}/backfills", json=selection)
                yield created
                location = created[1].headers.get("location")
                if location:
                    yield call("GET", location)
            for step in (0.0, 1.5, 2.5):  # queued, starting/running, running
                fake.clock.advance(step)
                for kind in ("runs", "materializations", "backfills"):
                    first = call("GET", f"{base}/{kind}", params={"max_results": "5"})
                    yield first
                    token = first[1].json().get("next_page_token") if first[1].is_success else None
                    if token:
                        yield call(
                            "GET",
                            f"{base}/{kind}",
                            params={"max_results": "5", "page_token": token},
                        )
            if run_id is not None and fake.state.run(run_id).ended_at is None:
                fake.cancel_run(run_id)  # CANCELING (or CANCELED) shows up in the lists
                yield call("GET", f"{base}/runs", params={"max_results": "5"})
                yield call("GET", f"{base}/backfills")
        fake.run_until_idle()
        for key in _partitions(fake):
            base = "/assets/" + key.replace("/", "%2F")
            for status in ("SUCCEEDED", "FAILED", "CANCELED"):
                yield call("GET", f"{base}/runs", params={"status": status, "max_results": "5"})
            yield call("GET", f"{base}/materializations", params={"max_results": "5"})
            yield call("GET", f"{base}/backfills", params={"max_results": "5"})


@pytest.mark.parametrize("name", [entry.name for entry in library()])
def test_every_operation_of_every_shipped_scenario_conforms(name: str) -> None:
    fake = AssetFake(name)
    fake.faults.clear()  # no delays, no broken connections: the answers themselves are checked
    spec = fake.scenario.spec
    answers = list(_exercise(fake))
    assert len(answers) > 40
    for what, response in answers:
        status = response.status_code
        if status in (401, 403):
            assert spec.auth is not None, (what, response.text)
        else:
            assert status in (200, 201, 202), (what, status, response.text)
    if spec.auth is None:
        assert sum(r.status_code == 201 for _, r in answers) >= 3


# --------------------------------------------------------------- every documented error status

TOKENS = {
    "tokens": [
        {"token": "reader", "scopes": ["assets:read"]},
        {"token": "writer", "scopes": ["assets:read", "assets:write"]},
    ]
}
OPERATIONS = [
    ("GET", "runs", None),
    ("GET", "materializations", None),
    ("GET", "backfills", None),
    ("GET", "backfills/bf_1", None),
    ("POST", "backfills", {"all_partitions": True}),
    ("POST", "materialize", {"partition_key": "2024-01-01"}),
]


def _scenario(**extra: Any) -> dict[str, Any]:
    return {
        "version": 1,
        "name": "errors",
        "seed": 9,
        "clock": {"start": "2024-06-01T00:00:00Z", "mode": "manual"},
        "assets": [
            {
                "key": "sales/daily",
                "partitions": {"daily": {"start": "2024-01-01", "end": "2024-01-03"}},
            }
        ],
        **extra,
    }


@pytest.mark.parametrize(("method", "suffix", "body"), OPERATIONS)
def test_every_error_status_of_every_operation_conforms(
    method: str, suffix: str, body: Any
) -> None:
    fake = AssetFake(_scenario(auth=TOKENS, rate_limit={"requests": 2, "per_seconds": 60}))
    path = f"{SALES}/{suffix}"
    writer = {"Authorization": "Bearer writer"}
    with fake.client() as client:
        seen = {
            client.request(method, path, json=body).status_code,  # 401, no token
            client.request(
                method, path, json=body, headers={"Authorization": "Bearer x"}
            ).status_code,
            client.request(
                method, path, json=body, headers={"Authorization": "Bearer reader"}
            ).status_code,
            client.request(method, path + "?bogus=1", json=body, headers=writer).status_code,
            client.request(method, "/assets/nope/" + suffix, json=body, headers=writer).status_code,
            client.request(method, path, json=body, headers=writer).status_code,  # quota spent
        }
        fake.faults.add({"name": "boom", "match": {"method": method}, "respond": {"status": 500}})
        fake.clock.advance(60)
        seen.add(client.request(method, path, json=body, headers=writer).status_code)
    expected = {401, 400, 404, 429, 500}
    if method == "POST":
        expected.add(403)
    elif suffix != "backfills/bf_1":
        expected.add(200)
    assert seen == expected
