"""Credentials for the client under test (CONTRACT 3): revoked tokens, and the credential
source (``auth.client``) that ``fake.credentials``, ``GET /_fake/credentials`` and
``RemoteFake.credentials`` read, in process and on a live server."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import requests

from assetfake import AssetFake
from assetfake.remote import RemoteFake
from assetfake.surface import FakeSurface
from small_world import CUSTOMERS, bearer, scenario

READ_WRITE = ["assets:read", "assets:write"]
#: ``first`` is revoked five minutes in, ``second`` expires ten minutes in.
ROTATING: dict[str, Any] = {
    "tokens": [
        {"token": "first", "scopes": READ_WRITE, "revoked_at": "2024-06-01T00:05:00Z"},
        {"token": "second", "scopes": READ_WRITE, "expires_at": "2024-06-01T00:10:00Z"},
        {"token": "reader", "scopes": ["assets:read"]},
    ],
    "client": ["first", "second"],
}


def rotating() -> AssetFake:
    return AssetFake(scenario(auth=ROTATING))


# --- revoked tokens ----------------------------------------------------------------------------


def test_a_token_is_accepted_until_revoked_then_refused_as_invalid() -> None:
    fake = rotating()
    with fake.client(headers=bearer("first")) as client:
        fake.clock.advance(299.999)
        before = client.get(f"{CUSTOMERS}/runs")
        fake.clock.advance(0.001)  # exactly revoked_at: refused
        at = client.get(f"{CUSTOMERS}/runs")
        write = client.post(f"{CUSTOMERS}/materialize", json={})
    assert before.status_code == 200
    assert (at.status_code, at.json()["code"]) == (401, "token_revoked")
    assert at.headers["WWW-Authenticate"] == 'Bearer realm="assets", error="invalid_token"'
    assert (write.status_code, write.json()["code"]) == (401, "token_revoked")
    assert fake.state.runs("customers") == []  # the refused write changed nothing
    assert [e.status for e in fake.journal] == [200, 401, 401]


def test_revocation_is_on_the_fakes_clock_and_reset_brings_the_token_back() -> None:
    fake = rotating()
    fake.clock.advance(600)
    with fake.client(headers=bearer("first")) as client:
        assert client.get(f"{CUSTOMERS}/runs").status_code == 401
        fake.reset()
        assert client.get(f"{CUSTOMERS}/runs").status_code == 200


@pytest.mark.parametrize("kind", ["httpx", "requests"])
def test_a_revoked_token_is_refused_on_the_wire(kind: str) -> None:
    fake = rotating()
    with fake.serve() as url:
        fake.clock.advance(300)
        if kind == "httpx":
            answer = httpx.get(f"{url}{CUSTOMERS}/runs", headers=bearer("first"), timeout=5)
            status, code = answer.status_code, answer.json()["code"]
        else:
            got = requests.get(f"{url}{CUSTOMERS}/runs", headers=bearer("first"), timeout=5)
            status, code = got.status_code, got.json()["code"]
    assert (status, code) == (401, "token_revoked")


# --- the credential source, in process ---------------------------------------------------------


def test_the_source_hands_out_the_first_valid_client_token_then_the_next_then_the_last() -> None:
    fake = rotating()
    seen = [fake.credentials]
    for seconds in (299, 1, 299, 1, 3600):  # to 299 s, 300 s, 599 s, 600 s, later
        fake.clock.advance(seconds)
        seen.append(fake.credentials)
    assert seen == ["first", "first", "second", "second", "second", "second"]
    # past both, it keeps handing out the last: a client that keeps asking keeps failing
    with fake.client(headers=bearer(fake.credentials or "")) as client:
        refused = client.get(f"{CUSTOMERS}/runs")
    assert (refused.status_code, refused.json()["code"]) == (401, "token_expired")


def test_the_source_follows_reset() -> None:
    fake = rotating()
    fake.clock.advance(300)
    assert fake.credentials == "second"
    fake.reset()
    assert fake.credentials == "first"


def test_the_order_of_auth_client_decides_and_a_client_token_may_be_read_only() -> None:
    auth = {**ROTATING, "client": ["reader", "first"]}
    assert AssetFake(scenario(auth=auth)).credentials == "reader"


def test_without_auth_client_the_token_with_most_scopes_and_without_auth_none() -> None:
    tokens = {"tokens": [t for t in ROTATING["tokens"] if t["token"] != "first"][::-1]}
    assert AssetFake(scenario(auth=tokens)).credentials == "second"
    assert AssetFake(scenario()).credentials is None


def _trigger_three_times(fake: AssetFake, re_read: bool) -> list[int]:
    """A client that reads its token once and, if ``re_read``, again after a 401."""
    statuses: list[int] = []
    token = fake.credentials or ""
    with fake.client() as client:
        for _ in range(3):  # at 0 s, 200 s and 400 s: the first token is revoked at 300 s
            for _attempt in range(2):
                answer = client.post(f"{CUSTOMERS}/materialize", json={}, headers=bearer(token))
                statuses.append(answer.status_code)
                if answer.status_code != 401 or not re_read:
                    break
                token = fake.credentials or ""
            fake.clock.advance(200)
    return statuses


def test_a_client_that_re_reads_the_source_after_a_401_finishes_across_the_rotation() -> None:
    fake = rotating()
    assert _trigger_three_times(fake, re_read=True) == [202, 202, 401, 202]
    assert len(fake.state.runs("customers")) == 3
    credentials = [e.credential for e in fake.journal]
    assert credentials[0] == credentials[1] == credentials[2] != credentials[3]


def test_a_client_that_never_re_reads_its_token_is_refused_after_the_revocation() -> None:
    fake = rotating()
    assert _trigger_three_times(fake, re_read=False) == [202, 202, 401]
    assert len(fake.state.runs("customers")) == 2


# --- the credential source over the control API ------------------------------------------------


def test_get_credentials_in_process_answers_the_token_and_is_not_journalled() -> None:
    fake = rotating()
    with fake.client() as client:
        first = client.get("/_fake/credentials")
        fake.clock.advance(300)
        second = client.get("/_fake/credentials").json()
        named = client.get("/_ns/other/_fake/credentials").json()  # its own clock: not moved
    assert (first.status_code, first.json()) == (200, {"token": "first"})
    assert first.headers["content-type"].startswith("application/json")
    assert second == {"token": "second"}
    assert named == {"token": "first"}
    assert len(fake.journal) == 0
    with AssetFake(scenario()).client() as client:
        assert client.get("/_fake/credentials").json() == {"token": None}


@pytest.fixture
def served() -> Iterator[tuple[AssetFake, str]]:
    fake = rotating()
    with fake.serve() as url:
        yield fake, url


def test_get_credentials_on_the_wire(served: tuple[AssetFake, str]) -> None:
    fake, url = served
    assert requests.get(f"{url}/_fake/credentials", timeout=5).json() == {"token": "first"}
    fake.clock.advance(300)
    assert httpx.get(f"{url}/_fake/credentials", timeout=5).json() == {"token": "second"}


def test_remote_fake_reads_the_same_source_per_namespace(served: tuple[AssetFake, str]) -> None:
    _, url = served
    with RemoteFake(url, namespace="rotation") as remote, RemoteFake(url) as default:
        assert remote.credentials == "first"
        remote.clock.advance(300)
        assert remote.credentials == "second"
        assert default.credentials == "first"  # another namespace, another clock
        remote.clock.advance(300)
        assert remote.credentials == "second"  # none valid: the last
        remote.reset()
        assert remote.credentials == "first"
        with remote.client(headers=bearer(remote.credentials or "")) as client:
            assert client.get(f"{CUSTOMERS}/runs").status_code == 200
        remote.drop()


def _rotation_seen_by(fake: FakeSurface) -> list[str | None]:
    seen = [fake.credentials]
    fake.clock.advance(300)
    seen.append(fake.credentials)
    return seen


def test_both_fakes_answer_the_same_through_the_surface(served: tuple[AssetFake, str]) -> None:
    _, url = served
    with RemoteFake(url, namespace="surface") as remote:
        assert _rotation_seen_by(remote) == _rotation_seen_by(rotating()) == ["first", "second"]
