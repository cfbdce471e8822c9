"""Failure simulation: the rate limit and its IETF draft headers (contract sections 1 and 3)."""

from __future__ import annotations

import re

import httpx
import pytest

from assetfake import AssetFake
from small_world import CUSTOMERS, SALES, TOKENS, bearer, scenario

POLICY = re.compile(r'"default";q=(\d+);w=(\d+)')
REMAINING = re.compile(r'"default";r=(\d+);t=(\d+)')


def policy_of(response: httpx.Response) -> tuple[int, int]:
    match = POLICY.fullmatch(response.headers["RateLimit-Policy"])
    assert match, response.headers["RateLimit-Policy"]
    return int(match[1]), int(match[2])


def remaining_of(response: httpx.Response) -> tuple[int, int]:
    """(r, t) of the RateLimit header, which must be in the exact draft format."""
    match = REMAINING.fullmatch(response.headers["RateLimit"])
    assert match, response.headers["RateLimit"]
    return int(match[1]), int(match[2])


def test_headers_have_the_exact_draft_format() -> None:
    # 5 requests per 10 s: one request costs 2 s of refill
    fake = AssetFake(scenario(rate_limit={"requests": 5, "per_seconds": 10}))
    with fake.client() as client:
        first = client.get(f"{CUSTOMERS}/runs")
        second = client.get(f"{CUSTOMERS}/runs")
    assert first.headers["RateLimit-Policy"] == '"default";q=5;w=10'
    assert first.headers["RateLimit"] == '"default";r=4;t=2'
    assert second.headers["RateLimit-Policy"] == '"default";q=5;w=10'
    assert second.headers["RateLimit"] == '"default";r=3;t=4'


def test_every_kind_of_response_carries_the_headers() -> None:
    fake = AssetFake(
        scenario(
            rate_limit={"requests": 7, "per_seconds": 60},
            faults=[
                {
                    "name": "boom",
                    "match": {"operation": "listAssetBackfills"},
                    "respond": {"status": 500},
                }
            ],
        )
    )
    with fake.client() as client:
        responses = [
            client.get(f"{SALES}/runs"),  # 200
            client.post(f"{SALES}/materialize", json={"partition_key": "2024-01-02"}),  # 202
            client.post(f"{SALES}/backfills", json={"all_partitions": True}),  # 201
            client.get(f"{SALES}/runs", params={"max_results": "x"}),  # 400
            client.get("/assets/nope/runs"),  # 404
            client.get(f"{SALES}/backfills"),  # injected 500
            client.get("/nowhere"),  # routed nowhere: 404
            client.delete(f"{SALES}/runs"),  # a known path, another method: 405
            client.get(f"{SALES}/materializations"),
            client.get(f"{SALES}/materializations"),
            client.get(f"{SALES}/materializations"),  # 429
        ]
    assert [r.status_code for r in responses] == [
        200,
        202,
        201,
        400,
        404,
        500,
        404,
        405,
        200,
        200,
        429,
    ]
    for response in responses:
        assert policy_of(response) == (7, 60)
        remaining_of(response)
        assert response.headers["X-Request-Id"]
    # an injected fault (phase before) and an unrouted request spend no quota; everything else
    # that got past the rate limit did
    assert [remaining_of(r)[0] for r in responses] == [6, 5, 4, 3, 2, 2, 2, 2, 1, 0, 0]
    # before the 429: more requests spent means a longer wait for the full quota
    waits = [remaining_of(r)[1] for r in responses[:5]]
    assert waits == sorted(waits) and waits[0] > 0


def test_exceeding_the_limit_is_429_with_retry_after_equal_to_t() -> None:
    fake = AssetFake(scenario(rate_limit={"requests": 2, "per_seconds": 10}))
    with fake.client() as client:
        ok = [client.get(f"{CUSTOMERS}/runs").status_code for _ in range(2)]
        limited = client.get(f"{CUSTOMERS}/runs")
    assert ok == [200, 200]
    assert limited.status_code == 429
    assert limited.headers["content-type"] == "application/problem+json"
    assert limited.json()["status"] == 429
    retry_after = limited.headers["Retry-After"]
    assert retry_after.isdigit()
    assert remaining_of(limited) == (0, int(retry_after))
    assert int(retry_after) == 5  # one request's worth of refill at 2 per 10 s
    assert [entry.status for entry in fake.journal] == [200, 200, 429]
    assert fake.journal[2].fault is None  # the limiter's 429 is not an injected fault


def test_advancing_the_clock_by_retry_after_lets_the_next_request_pass() -> None:
    fake = AssetFake(scenario(rate_limit={"requests": 2, "per_seconds": 10}))
    with fake.client() as client:
        for _ in range(2):
            client.get(f"{CUSTOMERS}/runs")
        limited = client.get(f"{CUSTOMERS}/runs")
        wait = int(limited.headers["Retry-After"])
        fake.clock.advance(wait - 1)
        too_soon = client.get(f"{CUSTOMERS}/runs")
        fake.clock.advance(1)
        passed = client.get(f"{CUSTOMERS}/runs")
        again = client.get(f"{CUSTOMERS}/runs")
    assert too_soon.status_code == 429
    assert int(too_soon.headers["Retry-After"]) == 1
    assert passed.status_code == 200
    assert remaining_of(passed)[0] == 0
    assert again.status_code == 429


def test_a_429_does_not_spend_quota() -> None:
    fake = AssetFake(scenario(rate_limit={"requests": 1, "per_seconds": 4}))
    with fake.client() as client:
        client.get(f"{CUSTOMERS}/runs")
        for _ in range(5):
            assert client.get(f"{CUSTOMERS}/runs").status_code == 429
        fake.clock.advance(4)
        assert client.get(f"{CUSTOMERS}/runs").status_code == 200


def test_scope_token_keeps_one_bucket_per_token() -> None:
    fake = AssetFake(
        scenario(auth=TOKENS, rate_limit={"requests": 2, "per_seconds": 60, "scope": "token"})
    )
    with fake.client() as client:
        reader = [client.get(f"{SALES}/runs", headers=bearer("reader")) for _ in range(3)]
        writer = client.get(f"{SALES}/runs", headers=bearer("writer"))
    assert [r.status_code for r in reader] == [200, 200, 429]
    assert writer.status_code == 200
    assert remaining_of(writer)[0] == 1


def test_scope_global_keeps_one_bucket() -> None:
    fake = AssetFake(
        scenario(auth=TOKENS, rate_limit={"requests": 2, "per_seconds": 60, "scope": "global"})
    )
    with fake.client() as client:
        reader = [client.get(f"{SALES}/runs", headers=bearer("reader")) for _ in range(2)]
        writer = client.get(f"{SALES}/runs", headers=bearer("writer"))
    assert [r.status_code for r in reader] == [200, 200]
    assert remaining_of(reader[1])[0] == 0
    assert writer.status_code == 429
    assert remaining_of(writer)[0] == 0


@pytest.mark.parametrize("scope", ["token", "global"])
def test_requests_without_a_token_share_a_bucket(scope: str) -> None:
    fake = AssetFake(scenario(rate_limit={"requests": 2, "per_seconds": 60, "scope": scope}))
    with fake.client() as first, fake.client() as second:
        a = first.get(f"{CUSTOMERS}/runs")
        b = second.get(f"{SALES}/runs")
        c = first.post(f"{CUSTOMERS}/materialize")
        with_token = second.get(f"{CUSTOMERS}/runs", headers=bearer("someone"))
    assert [a.status_code, b.status_code, c.status_code] == [200, 200, 429]
    assert remaining_of(b)[0] == 0
    # scope token: a token (any, there is no auth block) has its own bucket
    assert with_token.status_code == (200 if scope == "token" else 429)
