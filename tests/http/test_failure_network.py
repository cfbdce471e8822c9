"""Failure simulation: network faults (reset, empty, truncated, malformed, hang), in process —
where the transports raise the httpx exception a real connection would — and on the wire,
against a real uvicorn server and real clients (httpx and requests)."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
import requests

from assetfake import AssetFake
from small_world import CUSTOMERS, SALES, scenario

KINDS = ("reset", "empty", "truncated", "malformed", "hang")

#: What an in-process httpx client raises for each network fault (the transports' contract).
IN_PROCESS: dict[str, type[httpx.TransportError]] = {
    "reset": httpx.ReadError,
    "hang": httpx.ReadTimeout,
    "empty": httpx.RemoteProtocolError,
    "truncated": httpx.RemoteProtocolError,
}


def by_header() -> dict[str, Any]:
    """One fault per kind, chosen by the request's ``X-Break`` header."""
    return scenario(
        *(
            {
                "name": f"net-{kind}",
                "match": {"header": {"X-Break": kind}},
                "respond": {"network": kind},
            }
            for kind in KINDS
        )
    )


def breaking(kind: str) -> dict[str, str]:
    return {"X-Break": kind}


# --- in process --------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", sorted(IN_PROCESS))
def test_in_process_sync_client_raises_the_documented_exception(kind: str) -> None:
    fake = AssetFake(by_header())
    with fake.client() as client:
        started = time.monotonic()
        with pytest.raises(IN_PROCESS[kind]) as caught:
            client.get(f"{CUSTOMERS}/runs", headers=breaking(kind))
        elapsed = time.monotonic() - started
        after = client.get(f"{CUSTOMERS}/runs")
    assert type(caught.value) is IN_PROCESS[kind]
    assert caught.value.request.url.path == "/assets/customers/runs"
    assert elapsed < 1  # even hang: in process there is no socket to wait on
    assert after.status_code == 200
    assert [(e.status, e.fault) for e in fake.journal] == [(0, f"net-{kind}"), (200, None)]


@pytest.mark.parametrize("kind", sorted(IN_PROCESS))
def test_in_process_async_client_raises_the_documented_exception(kind: str) -> None:
    fake = AssetFake(by_header())

    async def scenario_run() -> tuple[BaseException | None, int]:
        async with fake.async_client() as client:
            error: BaseException | None = None
            try:
                await client.get(f"{SALES}/runs", headers=breaking(kind))
            except httpx.TransportError as raised:
                error = raised
            after = await client.get(f"{SALES}/runs")
            return error, after.status_code

    error, after_status = asyncio.run(scenario_run())
    assert type(error) is IN_PROCESS[kind]
    assert after_status == 200
    assert fake.journal[0].fault == f"net-{kind}"
    assert fake.journal[0].status == 0


def test_in_process_malformed_is_a_200_whose_body_is_not_json() -> None:
    fake = AssetFake(by_header())
    with fake.client() as client:
        response = client.get(f"{CUSTOMERS}/runs", headers=breaking("malformed"))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers["X-Fake-Fault"] == "net-malformed"
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.content)
    assert (fake.journal[0].status, fake.journal[0].fault) == (200, "net-malformed")


def test_in_process_async_malformed_is_a_200_whose_body_is_not_json() -> None:
    fake = AssetFake(by_header())

    async def call() -> httpx.Response:
        async with fake.async_client() as client:
            return await client.post(f"{CUSTOMERS}/materialize", headers=breaking("malformed"))

    response = asyncio.run(call())
    assert response.status_code == 200
    with pytest.raises(ValueError):
        response.json()


def test_a_malformed_response_still_carries_the_rate_limit_headers() -> None:
    """Contract: with a rate limit, *every* response carries RateLimit-Policy and RateLimit."""
    fake = AssetFake({**by_header(), "rate_limit": {"requests": 5, "per_seconds": 10}})
    with fake.client() as client:
        response = client.get(f"{CUSTOMERS}/runs", headers=breaking("malformed"))
    assert response.status_code == 200
    assert response.headers["X-Request-Id"]
    assert response.headers.get("RateLimit-Policy") == '"default";q=5;w=10'
    assert response.headers.get("RateLimit", "").startswith('"default";r=')


def test_a_reset_before_the_change_creates_nothing() -> None:
    fake = AssetFake(
        scenario(
            {
                "name": "drop",
                "match": {"operation": "createAssetBackfill"},
                "respond": {"network": "reset"},
            }
        )
    )
    with fake.client() as client, pytest.raises(httpx.ReadError):
        client.post(f"{SALES}/backfills", json={"all_partitions": True})
    assert fake.state.backfills() == []
    assert fake.state.runs() == []


def test_a_reset_after_the_change_keeps_it_and_a_keyed_retry_finds_it() -> None:
    fake = AssetFake(
        scenario(
            {
                "name": "lost-reply",
                "match": {"operation": "triggerAssetMaterialization", "times": 1},
                "respond": {"network": "reset", "phase": "after"},
            }
        )
    )
    with fake.client() as client:
        with pytest.raises(httpx.ReadError):
            client.post(f"{CUSTOMERS}/materialize", headers={"Idempotency-Key": "once"})
        committed = fake.state.runs("customers")
        retried = client.post(f"{CUSTOMERS}/materialize", headers={"Idempotency-Key": "once"})
    assert len(committed) == 1
    assert retried.status_code == 202
    assert retried.json()["id"] == committed[0].id
    assert len(fake.state.runs("customers")) == 1


# --- on the wire -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[AssetFake, str]]:
    fake = AssetFake(by_header())
    with fake.serve() as url:
        yield fake, url


def _httpx_get(url: str, headers: dict[str, str], timeout: float) -> int:
    with httpx.Client(timeout=timeout) as client:
        return client.get(url, headers=headers).status_code


def _requests_get(url: str, headers: dict[str, str], timeout: float) -> int:
    with requests.Session() as session:
        return session.get(url, headers=headers, timeout=timeout).status_code


Getter = Callable[[str, dict[str, str], float], int]
CLIENTS: dict[str, Getter] = {"httpx": _httpx_get, "requests": _requests_get}

#: What each real client raises, per network fault.
ON_THE_WIRE: dict[tuple[str, str], tuple[type[BaseException], ...]] = {
    ("reset", "httpx"): (httpx.ReadError,),
    ("reset", "requests"): (requests.ConnectionError,),
    ("empty", "httpx"): (httpx.RemoteProtocolError,),
    ("empty", "requests"): (requests.exceptions.ChunkedEncodingError, requests.ConnectionError),
    ("truncated", "httpx"): (httpx.RemoteProtocolError,),
    ("truncated", "requests"): (requests.exceptions.ChunkedEncodingError, requests.ConnectionError),
    ("hang", "httpx"): (httpx.ReadTimeout,),
    ("hang", "requests"): (requests.exceptions.ReadTimeout,),
}


def _faults_of(fake: AssetFake, name: str) -> int:
    return sum(1 for entry in fake.journal if entry.fault == name)


@pytest.mark.parametrize(("kind", "client"), sorted(ON_THE_WIRE))
def test_on_the_wire_a_real_client_gets_a_broken_connection(
    served: tuple[AssetFake, str], kind: str, client: str
) -> None:
    fake, url = served
    get = CLIENTS[client]
    fired_before = _faults_of(fake, f"net-{kind}")
    timeout = 0.5 if kind == "hang" else 5.0
    started = time.monotonic()
    with pytest.raises(ON_THE_WIRE[kind, client]) as caught:
        get(f"{url}/assets/customers/runs", breaking(kind), timeout)
    elapsed = time.monotonic() - started
    if kind == "hang":
        assert 0.5 <= elapsed < 3  # the client's read timeout fired, nothing else did
    elif client == "requests":
        assert not isinstance(caught.value, requests.exceptions.Timeout)
    assert _faults_of(fake, f"net-{kind}") == fired_before + 1
    # the server keeps serving normal requests on new connections
    assert get(f"{url}/assets/customers/runs", {}, 5.0) == 200
    assert get(f"{url}/assets/sales%2Fdaily/backfills", {}, 5.0) == 200


def test_on_the_wire_empty_and_truncated_differ_in_what_arrives(
    served: tuple[AssetFake, str],
) -> None:
    _, url = served
    received = {}
    for kind in ("empty", "truncated"):
        with (
            httpx.Client(timeout=5) as client,
            client.stream(
                "GET", f"{url}/assets/customers/runs", headers=breaking(kind)
            ) as response,
        ):
            # the status line and the headers promising a body arrive ...
            assert response.status_code == 200
            promised = int(response.headers["content-length"])
            chunks: list[bytes] = []
            # ... and then the connection closes short of that body
            with pytest.raises(httpx.RemoteProtocolError):
                for chunk in response.iter_raw():
                    chunks.append(chunk)
            received[kind] = (len(b"".join(chunks)), promised)
    assert received["empty"][0] == 0
    assert 0 < received["truncated"][0] < received["truncated"][1]


@pytest.mark.parametrize("client", sorted(CLIENTS))
def test_on_the_wire_malformed_is_a_200_with_invalid_json(
    served: tuple[AssetFake, str], client: str
) -> None:
    _, url = served
    if client == "httpx":
        with httpx.Client(timeout=5) as http:
            response = http.get(f"{url}/assets/customers/runs", headers=breaking("malformed"))
        status, body, marked = (
            response.status_code,
            response.content,
            response.headers.get("X-Fake-Fault"),
        )
    else:
        with requests.Session() as session:
            answer = session.get(
                f"{url}/assets/customers/runs", headers=breaking("malformed"), timeout=5
            )
        status, body, marked = (
            answer.status_code,
            answer.content,
            answer.headers.get("X-Fake-Fault"),
        )
        with pytest.raises(requests.exceptions.JSONDecodeError):
            answer.json()
    assert status == 200
    assert marked == "net-malformed"
    with pytest.raises(json.JSONDecodeError):
        json.loads(body)
    assert CLIENTS[client](f"{url}/assets/customers/runs", {}, 5.0) == 200


def test_on_the_wire_a_reset_on_a_kept_alive_connection_leaves_the_client_usable(
    served: tuple[AssetFake, str],
) -> None:
    _, url = served
    with httpx.Client(base_url=url, timeout=5) as client:
        assert client.get("/assets/customers/runs").status_code == 200
        with pytest.raises(httpx.ReadError):
            client.get("/assets/customers/runs", headers=breaking("reset"))
        assert client.get("/assets/customers/runs").status_code == 200


@pytest.mark.no_openapi_check  # so that the thread sees whatever answer arrives, if any
def test_on_the_wire_a_hang_is_bounded_by_the_servers_shutdown() -> None:
    """``hang`` never answers: when the server shuts down under a hanging request, the client
    sees its connection close — not an HTTP response (least of all an uninjected 500)."""
    fake = AssetFake(by_header())
    outcome: dict[str, object] = {}

    def hang(url: str) -> None:
        try:
            with httpx.Client(timeout=10) as client:
                response = client.get(f"{url}/assets/customers/runs", headers=breaking("hang"))
            outcome["response"] = (response.status_code, response.text[:80])
        except httpx.TransportError as error:
            outcome["error"] = error

    with fake.serve() as url:
        thread = threading.Thread(target=hang, args=(url,))
        thread.start()
        deadline = time.monotonic() + 5
        while not any(e.fault == "net-hang" for e in fake.journal):
            assert time.monotonic() < deadline, "the request never arrived"
            time.sleep(0.01)
    thread.join(timeout=8)
    assert not thread.is_alive(), "the server shut down but the client still hangs"
    assert "response" not in outcome, outcome
    assert isinstance(outcome.get("error"), httpx.TransportError)
