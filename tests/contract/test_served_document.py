"""The served document tells the truth about the instance that serves it (CONTRACT 1).

An instance serves the document of its own scenario (bearer security only with an ``auth``
block), and every constraint the document states on a parameter is one the fake enforces, at
the very bounds the document gives: a value just inside is not refused for its shape, a value
just outside is a 400. The bounds are read from the document, so the two cannot drift apart.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx
import pytest
from jsonschema import Draft202012Validator

from assetfake.domain.pagination import TokenCodec
from assetfake.domain.status import ALL_STATUSES
from assetfake.fake import AssetFake
from assetfake.http.openapi import openapi_document

SALES = "/assets/sales%2Fdaily"
DOCUMENT: Any = openapi_document(auth=False)
SCHEMAS: Any = DOCUMENT["components"]["schemas"]
AUTH = {"tokens": [{"token": "writer", "scopes": ["assets:read", "assets:write"]}]}


def _code(response: httpx.Response) -> str:
    assert response.headers["content-type"] == "application/problem+json", response.text
    code: str = response.json()["code"]
    return code


@pytest.fixture
def api() -> httpx.Client:
    return AssetFake().client()


@pytest.mark.parametrize("auth", [False, True])
def test_an_instance_serves_the_document_of_its_scenario(auth: bool) -> None:
    scenario: dict[str, Any] = {"version": 1, "name": "s", "assets": [{"key": "a"}]}
    if auth:
        scenario["auth"] = AUTH
    served = AssetFake(scenario).client().get("/openapi.json")
    assert served.status_code == 200
    document = served.json()
    assert document == openapi_document(auth=auth)
    assert ("securitySchemes" in document["components"]) is auth


def test_the_default_scenario_serves_a_document_without_security(api: httpx.Client) -> None:
    document = api.get("/openapi.json").json()
    assert "security" not in document
    for item in document["paths"].values():
        for operation in item.values():
            assert "security" not in operation


# -- max_results: decimal digits, at least `minimum`, clamped above the maximum --------------


MINIMUM = DOCUMENT["components"]["parameters"]["MaxResults"]["schema"]["minimum"]


@pytest.mark.parametrize(
    "value",
    [str(MINIMUM), "100", "101", "007", "9" * 40],
    ids=["min", "max", "max+1", "0-led", "huge"],
)
def test_max_results_in_the_document_is_accepted(api: httpx.Client, value: str) -> None:
    response = api.get(f"{SALES}/runs", params={"max_results": value})
    assert response.status_code == 200
    assert 1 <= len(response.json()["items"]) <= 100


@pytest.mark.parametrize("value", [str(MINIMUM - 1), "-1", "+1", "1.0", "1e2", "", "x", " 1"])
def test_max_results_outside_the_document_is_refused(api: httpx.Client, value: str) -> None:
    response = api.get(f"{SALES}/runs", params={"max_results": value})
    assert (response.status_code, _code(response)) == (400, "invalid_max_results")


# -- page_token: URL-safe base64, within the documented lengths -------------------------------


TOKEN: Any = SCHEMAS["PageToken"]
TOKEN_SCHEMA = Draft202012Validator(TOKEN)


def test_every_token_the_server_issues_fits_the_documented_page_token(api: httpx.Client) -> None:
    issued = [
        api.get(f"{path}", params={"max_results": "1", **extra}).json()["next_page_token"]
        for path, extra in [
            (f"{SALES}/runs", {}),
            (f"{SALES}/runs", {"status": "SUCCEEDED"}),
            (f"{SALES}/materializations", {}),
            ("/assets/customers/runs", {}),
        ]
    ]
    codec = TokenCodec(b"s" * 32, None)
    shortest = codec.encode("runs", "a", "", 0, 0)
    # the longest key, each character escaped by JSON, the longest names and numbers
    longest = codec.encode("materializations", "\x01" * 255, "CANCELING", 2**63 - 1, -(2**63) + 1)
    for token in [*issued, shortest, longest]:
        assert isinstance(token, str)
        TOKEN_SCHEMA.validate(token)
    assert len(longest) < TOKEN["maxLength"] and len(shortest) > TOKEN["minLength"]


@pytest.mark.parametrize(
    "token",
    ["", "A" * (TOKEN["minLength"] - 1), "A" * (TOKEN["maxLength"] + 1), "AAAA+AAAA/AAAAAAAAAA="],
    ids=["empty", "short", "long", "alphabet"],
)
def test_a_page_token_outside_the_document_is_refused(api: httpx.Client, token: str) -> None:
    assert not TOKEN_SCHEMA.is_valid(token)
    response = api.get(f"{SALES}/runs", params={"page_token": token})
    assert (response.status_code, _code(response)) == (400, "invalid_page_token")


# -- Idempotency-Key: 1-255 printable ASCII characters ----------------------------------------


KEY: Any = SCHEMAS["IdempotencyKey"]
KEY_SCHEMA = Draft202012Validator(KEY)


@pytest.mark.parametrize(
    "key", ["k", "k" * KEY["maxLength"], "a b", "~!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}"]
)
def test_an_idempotency_key_in_the_document_is_accepted(api: httpx.Client, key: str) -> None:
    assert KEY_SCHEMA.is_valid(key)
    response = api.post("/assets/customers/materialize", headers={"Idempotency-Key": key})
    assert response.status_code == 202


@pytest.mark.parametrize("key", ["", "k" * (KEY["maxLength"] + 1)], ids=["empty", "too-long"])
def test_an_idempotency_key_of_the_wrong_length_is_refused(api: httpx.Client, key: str) -> None:
    response = api.post("/assets/customers/materialize", headers={"Idempotency-Key": key})
    assert (response.status_code, _code(response)) == (400, "invalid_idempotency_key")


@pytest.mark.parametrize(
    "key",
    ["caf\xe9", "a\x01b", "a\x7fb", " lead", "tail "],
    ids=["latin-1", "C0", "DEL", "lead", "tail"],
)
def test_an_idempotency_key_of_other_characters_is_refused(api: httpx.Client, key: str) -> None:
    assert not KEY_SCHEMA.is_valid(key)
    headers = [(b"idempotency-key", key.encode("latin-1"))]
    response = api.post("/assets/customers/materialize", headers=headers)
    assert (response.status_code, _code(response)) == (400, "invalid_idempotency_key")


# -- the asset key: 1-255 characters once percent-decoded --------------------------------------


ASSET_KEY: Any = SCHEMAS["AssetKey"]


def test_an_asset_key_at_the_documented_length_is_looked_up(api: httpx.Client) -> None:
    key = "é" * ASSET_KEY["maxLength"]  # characters, not bytes
    response = api.get(f"/assets/{quote(key, safe='')}/runs")
    assert (response.status_code, _code(response)) == (404, "asset_not_found")


def test_an_asset_key_longer_than_documented_is_refused(api: httpx.Client) -> None:
    key = "k" * (ASSET_KEY["maxLength"] + 1)
    response = api.get(f"/assets/{key}/runs")
    assert (response.status_code, _code(response)) == (400, "invalid_path")


# -- status: the documented enum, exact case -------------------------------------------------


def test_status_accepts_exactly_the_documented_values(api: httpx.Client) -> None:
    documented = SCHEMAS["AssetRunStatus"]["enum"]
    assert tuple(documented) == ALL_STATUSES
    for status in documented:
        for path in (f"{SALES}/runs", f"{SALES}/backfills"):
            assert api.get(path, params={"status": status}).status_code == 200
    for status in ("queued", "Queued", "DONE", ""):
        response = api.get(f"{SALES}/runs", params={"status": status})
        assert (response.status_code, _code(response)) == (400, "invalid_status")


# -- bodies: what the schemas allow is not refused for its shape -------------------------------


def test_null_title_and_null_partition_key_mean_none(api: httpx.Client) -> None:
    created = api.post(f"{SALES}/backfills", json={"all_partitions": True, "title": None})
    assert created.status_code == 201 and created.json()["title"] is None
    run = api.post("/assets/customers/materialize", json={"partition_key": None})
    assert run.status_code == 202 and run.json()["partition_key"] is None


def test_duplicate_partition_keys_are_refused_as_the_schema_says(api: httpx.Client) -> None:
    keys = ["2024-01-01", "2024-01-01"]
    assert not Draft202012Validator(SCHEMAS["PartitionKeys"]).is_valid(keys)
    response = api.post(f"{SALES}/backfills", json={"partition_keys": keys})
    assert (response.status_code, _code(response)) == (400, "duplicate_partition")
