"""Failure simulation: bearer-token auth (contract sections 1 "Errors" and 3 "auth")."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from assetfake import AssetFake
from small_world import CUSTOMERS, SALES, bearer, scenario

BACKFILL_BODY = {"partition_keys": ["2024-01-01", "2024-01-02"]}
TRIGGER_BODY = {"partition_key": "2024-01-03"}

TOKENS: dict[str, Any] = {
    "tokens": [
        {"token": "reader", "scopes": ["assets:read"]},
        {
            "token": "writer",
            "scopes": ["assets:read", "assets:write"],
            "expires_at": "2024-06-01T00:10:00Z",
        },
    ]
}


def challenge(response: httpx.Response) -> tuple[str, dict[str, str]]:
    """The scheme and the auth-params of the WWW-Authenticate header."""
    value = response.headers["WWW-Authenticate"]
    scheme, _, rest = value.partition(" ")
    return scheme, dict(re.findall(r'([\w-]+)="([^"]*)"', rest))


def assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["type"] == "about:blank"
    assert isinstance(body["code"], str) and body["code"]
    return body


def read_calls(client: httpx.Client, headers: dict[str, str]) -> list[httpx.Response]:
    return [
        client.get(f"{SALES}/runs", headers=headers),
        client.get(f"{SALES}/backfills", headers=headers),
        client.get(f"{SALES}/materializations", headers=headers),
        client.get(f"{SALES}/backfills/bf_missing", headers=headers),
    ]


def write_calls(client: httpx.Client, headers: dict[str, str]) -> list[httpx.Response]:
    return [
        client.post(f"{SALES}/backfills", json=BACKFILL_BODY, headers=headers),
        client.post(f"{SALES}/materialize", json=TRIGGER_BODY, headers=headers),
    ]


@pytest.fixture
def fake() -> AssetFake:
    return AssetFake(scenario(auth=TOKENS))


def test_no_token_is_401_with_a_bare_bearer_challenge(fake: AssetFake) -> None:
    with fake.client() as client:
        responses = read_calls(client, {}) + write_calls(client, {})
    for response in responses:
        assert_problem(response, 401)
        assert response.headers["WWW-Authenticate"] == 'Bearer realm="assets"'
        assert "error=" not in response.headers["WWW-Authenticate"]
    assert fake.state.backfills() == []
    assert fake.state.runs() == []


def test_unknown_token_is_401_invalid_token(fake: AssetFake) -> None:
    with fake.client() as client:
        responses = read_calls(client, bearer("nobody")) + write_calls(client, bearer("nobody"))
    for response in responses:
        assert_problem(response, 401)
        scheme, params = challenge(response)
        assert scheme == "Bearer"
        assert params["realm"] == "assets"
        assert params["error"] == "invalid_token"
    assert fake.state.runs() == []


def test_a_token_expires_on_the_fakes_clock(fake: AssetFake) -> None:
    with fake.client() as client:
        assert client.get(f"{SALES}/runs", headers=bearer("writer")).status_code == 200
        fake.clock.advance(599.999)  # one millisecond before expires_at
        assert client.get(f"{SALES}/runs", headers=bearer("writer")).status_code == 200
        created = client.post(f"{SALES}/materialize", json=TRIGGER_BODY, headers=bearer("writer"))
        assert created.status_code == 202
        fake.clock.advance(0.001)  # expires_at itself: no longer valid
        expired = [
            client.get(f"{SALES}/runs", headers=bearer("writer")),
            client.post(f"{SALES}/materialize", json=TRIGGER_BODY, headers=bearer("writer")),
        ]
        still_good = client.get(f"{SALES}/runs", headers=bearer("reader"))
    for response in expired:
        assert_problem(response, 401)
        assert challenge(response)[1]["error"] == "invalid_token"
    assert still_good.status_code == 200
    assert [run.id for run in fake.state.runs("sales/daily")] == [created.json()["id"]]


def test_reader_token_on_a_post_is_403_insufficient_scope(fake: AssetFake) -> None:
    with fake.client() as client:
        responses = write_calls(client, bearer("reader"))
    for response in responses:
        assert_problem(response, 403)
        scheme, params = challenge(response)
        assert scheme == "Bearer"
        assert params["realm"] == "assets"
        assert params["error"] == "insufficient_scope"
    assert fake.state.backfills() == []
    assert fake.state.runs() == []


def test_reader_token_reads(fake: AssetFake) -> None:
    with fake.client() as client:
        statuses = [r.status_code for r in read_calls(client, bearer("reader"))]
    # the last one asks for a backfill that does not exist: past auth, it is a 404
    assert statuses == [200, 200, 200, 404]


def test_writer_token_reads_and_writes(fake: AssetFake) -> None:
    with fake.client() as client:
        reads = [r.status_code for r in read_calls(client, bearer("writer"))]
        writes = [r.status_code for r in write_calls(client, bearer("writer"))]
    assert reads == [200, 200, 200, 404]
    assert writes == [201, 202]
    assert len(fake.state.backfills("sales/daily")) == 1
    assert len(fake.state.runs("sales/daily")) == 3


def test_without_an_auth_block_the_api_is_open() -> None:
    fake = AssetFake(scenario())
    with fake.client() as client:
        anonymous = read_calls(client, {}) + write_calls(client, {})
        with_any_token = write_calls(client, bearer("whoever"))
    assert [r.status_code for r in anonymous] == [200, 200, 200, 404, 201, 202]
    assert [r.status_code for r in with_any_token] == [201, 202]
    assert all("WWW-Authenticate" not in r.headers for r in anonymous + with_any_token)


def test_token_expiring_mid_pagination_fails_the_next_page() -> None:
    fake = AssetFake(
        scenario(
            auth=TOKENS,
            pagination={"default_page_size": 10},
            history={"generate": [{"asset": "customers", "runs": 25}]},
        )
    )
    with fake.client() as client:
        first = client.get(f"{CUSTOMERS}/runs", headers=bearer("writer"))
        assert first.status_code == 200
        token = first.json()["next_page_token"]
        assert token is not None
        fake.clock.advance(600)
        second = client.get(
            f"{CUSTOMERS}/runs", params={"page_token": token}, headers=bearer("writer")
        )
        # the page token itself is still good: a valid token gets the page
        retried = client.get(
            f"{CUSTOMERS}/runs", params={"page_token": token}, headers=bearer("reader")
        )
    assert_problem(second, 401)
    assert challenge(second)[1]["error"] == "invalid_token"
    assert retried.status_code == 200
    first_ids = {item["id"] for item in first.json()["items"]}
    second_ids = {item["id"] for item in retried.json()["items"]}
    assert second_ids and not first_ids & second_ids
