"""The other ways in: the async client, the bare transports, and a live server (httpx and
requests). Live responses through httpx are checked by the test-wide OpenAPI hook; those of
requests are checked here explicitly."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
import requests

from assetfake.fake import AssetFake
from openapi_check import OpenAPIChecker

SALES = "/assets/sales%2Fdaily"


def test_the_async_client_works() -> None:
    fake = AssetFake()

    async def scenario() -> tuple[httpx.Response, httpx.Response, httpx.Response]:
        async with fake.async_client() as client:
            created = await client.post(
                f"{SALES}/materialize", json={"partition_key": "2024-01-09"}
            )
            listed = await client.get(f"{SALES}/runs", params={"max_results": "1"})
            missing = await client.get("/assets/nope/runs")
            return created, listed, missing

    created, listed, missing = asyncio.run(scenario())
    assert created.status_code == 202
    assert listed.json()["items"] == [created.json()]
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    assert [run.id for run in fake.state.runs("sales/daily")][-1] == created.json()["id"]


def test_async_and_sync_clients_answer_the_same_bytes() -> None:
    one, two = AssetFake(), AssetFake()

    async def via_async() -> list[tuple[int, bytes, str]]:
        async with one.async_client() as client:
            out = []
            for method, path, body in _SEQUENCE:
                response = await client.request(method, path, json=body)
                out.append(
                    (response.status_code, response.content, response.headers["x-request-id"])
                )
            return out

    with two.client() as client:
        sync = []
        for method, path, body in _SEQUENCE:
            response = client.request(method, path, json=body)
            sync.append((response.status_code, response.content, response.headers["x-request-id"]))
    assert asyncio.run(via_async()) == sync


_SEQUENCE: list[tuple[str, str, Any]] = [
    ("POST", f"{SALES}/backfills", {"partition_keys": ["2024-01-01", "2024-01-02"]}),
    ("POST", "/assets/customers/materialize", None),
    ("GET", f"{SALES}/runs", None),
    ("GET", "/assets/sales/daily/runs", None),
    ("POST", f"{SALES}/materialize", {"bogus": True}),
    ("GET", "/assets/customers/materializations?max_results=3", None),
]


def test_the_transports_plug_into_the_consumers_own_clients() -> None:
    fake = AssetFake()
    with httpx.Client(transport=fake.transport, base_url="http://api.example") as client:
        assert client.post("/assets/customers/materialize").status_code == 202
    assert len(fake.state.runs("customers")) == 252

    async def use_async() -> list[Any]:
        async with httpx.AsyncClient(
            transport=fake.async_transport, base_url="http://api.example"
        ) as client:
            page = await client.get("/assets/customers/runs?status=QUEUED")
            items: list[Any] = page.json()["items"]
            return items

    assert len(asyncio.run(use_async())) == 1


def test_a_live_server_with_httpx(fake: AssetFake) -> None:
    with fake.serve() as url, httpx.Client(base_url=url, timeout=10) as client:
        assert url.startswith("http://127.0.0.1:")
        created = client.post(f"{SALES}/backfills", json={"partition_keys": ["2024-01-05"]})
        assert created.status_code == 201
        location = created.headers["location"]
        assert client.get(location).json() == created.json()
        listed = client.get(f"{SALES}/runs", params={"status": "QUEUED"})
        assert [run["backfill_id"] for run in listed.json()["items"]] == [created.json()["id"]]
        # routing on the raw path survives a real HTTP server
        unencoded = client.get("/assets/sales/daily/runs")
        assert unencoded.status_code == 404
        assert unencoded.json()["code"] == "asset_key_not_encoded"
        assert client.delete(f"{SALES}/runs").headers["allow"] == "GET"
        head = client.head(f"{SALES}/runs")
        assert (head.status_code, head.headers["allow"], head.content) == (405, "GET", b"")
        fake.clock.advance(60)
        done = client.get(location).json()
        assert done["status"] == "SUCCEEDED"
        ids = [r.headers["x-request-id"] for r in (created, listed, unencoded)]
        assert len(set(ids)) == 3
    assert [b.id for b in fake.state.backfills("sales/daily")] == [created.json()["id"]]
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{url}/assets/customers/runs", timeout=2)


def test_a_live_server_with_requests(fake: AssetFake, openapi_checker: OpenAPIChecker) -> None:
    def check(response: requests.Response) -> requests.Response:
        openapi_checker.check(
            response.request.method or "GET",
            response.request.path_url,
            response.status_code,
            response.headers,
            response.content,
        )
        return response

    with fake.serve() as url, requests.Session() as session:
        first = check(session.get(f"{url}{SALES}/runs", timeout=10))
        assert first.status_code == 200
        with fake.client() as local:
            assert first.json() == local.get(f"{SALES}/runs").json()
        created = check(
            session.post(
                f"{url}/assets/customers/materialize",
                json={"tags": {"via": "requests"}},
                timeout=10,
            )
        )
        assert created.status_code == 202
        assert created.json()["tags"] == {"via": "requests"}
        assert fake.state.runs("customers")[-1].id == created.json()["id"]
        bad = check(session.post(f"{url}{SALES}/backfills", data=b"{", timeout=10))
        assert bad.status_code == 400
        assert bad.headers["content-type"] == "application/problem+json"
        unencoded = check(session.get(f"{url}/assets/sales/daily/runs", timeout=10))
        assert unencoded.json()["code"] == "asset_key_not_encoded"
        ns = check(session.get(f"{url}/_ns/req/assets/customers/runs?status=QUEUED", timeout=10))
        assert ns.json()["items"] == []
