"""The shipped OpenAPI document, its loader, and the response checker the other tests use."""

from __future__ import annotations

import copy
import json
from typing import Any

import httpx
import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from assetfake.http.openapi import load_openapi, openapi_document, openapi_json
from openapi_check import OpenAPIChecker, validating_event_hook

OPERATIONS = {
    "listAssetBackfills": ("get", "/assets/{assetKey}/backfills", "200"),
    "createAssetBackfill": ("post", "/assets/{assetKey}/backfills", "201"),
    "getAssetBackfill": ("get", "/assets/{assetKey}/backfills/{backfillId}", "200"),
    "listAssetMaterializations": ("get", "/assets/{assetKey}/materializations", "200"),
    "triggerAssetMaterialization": ("post", "/assets/{assetKey}/materialize", "202"),
    "listAssetRuns": ("get", "/assets/{assetKey}/runs", "200"),
}
ERRORS = {"400", "401", "403", "404", "429", "500"}

JSON = {"content-type": "application/json", "x-request-id": "req-1"}
PROBLEM = {"content-type": "application/problem+json", "x-request-id": "req-1"}

RUN: dict[str, Any] = {
    "id": "run_0001",
    "asset_key": "sales/daily",
    "status": "RUNNING",
    "partition_key": "2024-01-05",
    "backfill_id": None,
    "tags": {"team": "growth"},
    "created_at": "2024-06-01T00:00:00.000Z",
    "started_at": "2024-06-01T00:00:02.000Z",
    "ended_at": None,
    "error": None,
}
FAILED_RUN: dict[str, Any] = {
    **RUN,
    "id": "run_0002",
    "status": "FAILED",
    "backfill_id": "bf_0001",
    "ended_at": "2024-06-01T00:00:07.000Z",
    "error": {"message": "upstream timeout"},
}
QUEUED_RUN: dict[str, Any] = {
    **RUN,
    "id": "run_0003",
    "status": "QUEUED",
    "partition_key": None,
    "tags": {},
    "started_at": None,
}
MATERIALIZATION: dict[str, Any] = {
    "id": "mat_0001",
    "asset_key": "sales/daily",
    "run_id": "run_0001",
    "partition_key": "2024-01-05",
    "created_at": "2024-06-01T00:00:07.000Z",
    "metadata": {"row_count": 1000},
    "data_version": "dv_0001",
    "tags": {},
}
BACKFILL: dict[str, Any] = {
    "id": "bf_0001",
    "asset_key": "sales/daily",
    "status": "RUNNING",
    "title": None,
    "tags": {},
    "partition_selection": {"partition_keys": ["2024-01-01", "2024-01-02"]},
    "num_partitions": 2,
    "partition_counts": {"queued": 0, "running": 1, "succeeded": 1, "failed": 0, "canceled": 0},
    "created_at": "2024-06-01T00:00:00.000Z",
    "updated_at": "2024-06-01T00:00:07.000Z",
    "ended_at": None,
}
NOT_FOUND: dict[str, Any] = {
    "type": "about:blank",
    "title": "Not Found",
    "status": 404,
    "detail": "asset 'x' does not exist",
    "code": "asset_not_found",
}


def dump(value: object) -> bytes:
    return json.dumps(value).encode()


@pytest.fixture(scope="module")
def checker() -> OpenAPIChecker:
    return OpenAPIChecker()


# -- the document ---------------------------------------------------------------------------


def test_document_is_valid_openapi_3_1() -> None:
    validator = pytest.importorskip("openapi_spec_validator")
    document = load_openapi()
    assert document["openapi"] == "3.1.0"
    validator.validate(document)


def test_every_component_schema_is_a_valid_2020_12_schema() -> None:
    schemas = load_openapi()["components"]
    assert isinstance(schemas, dict)
    for schema in schemas["schemas"].values():
        Draft202012Validator.check_schema(schema)


def test_every_schema_example_validates_against_its_schema() -> None:
    document = load_openapi()
    registry = Registry().with_resource(
        "urn:doc", Resource.from_contents(document, default_specification=DRAFT202012)
    )
    schemas: Any = document["components"]
    checked = 0
    for name, schema in schemas["schemas"].items():
        validator = Draft202012Validator(
            {"$ref": f"urn:doc#/components/schemas/{name}"}, registry=registry
        )
        for example in schema.get("examples", []):
            validator.validate(example)
            checked += 1
    assert checked >= 6


def test_every_local_ref_resolves() -> None:
    document = load_openapi()
    refs: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("$ref"), str):
                refs.append(node["$ref"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(document)
    assert refs
    for ref in refs:
        assert ref.startswith("#/components/"), ref
        target: Any = document
        for part in ref[2:].split("/"):
            assert part in target, f"unresolved $ref {ref}"
            target = target[part]


def test_has_exactly_the_six_operations() -> None:
    paths = load_openapi()["paths"]
    assert isinstance(paths, dict)
    found = {
        op["operationId"]: (method, path)
        for path, item in paths.items()
        for method, op in item.items()
        if method != "parameters"
    }
    assert found == {op_id: (m, p) for op_id, (m, p, _) in OPERATIONS.items()}


@pytest.mark.parametrize("operation_id", sorted(OPERATIONS))
def test_operation_documents_its_success_and_exactly_the_six_errors(operation_id: str) -> None:
    method, path, success = OPERATIONS[operation_id]
    document = load_openapi()
    operation = document["paths"][path][method]  # type: ignore[index]
    assert set(operation["responses"]) == ERRORS | {success}
    success_content = operation["responses"][success]["content"]
    assert list(success_content) == ["application/json"]
    components = document["components"]["responses"]  # type: ignore[index]
    for code in ERRORS:
        ref = operation["responses"][code]["$ref"]
        response = components[ref.rsplit("/", 1)[1]]
        assert list(response["content"]) == ["application/problem+json"]
        assert "X-Request-Id" in response["headers"]
    scopes = operation["security"][0]["bearerAuth"]
    assert scopes == (["assets:read"] if method == "get" else ["assets:write"])


def test_posts_take_an_idempotency_key_and_the_right_body() -> None:
    paths: Any = load_openapi()["paths"]
    create = paths["/assets/{assetKey}/backfills"]["post"]
    trigger = paths["/assets/{assetKey}/materialize"]["post"]
    for operation in (create, trigger):
        assert {"$ref": "#/components/parameters/IdempotencyKey"} in operation["parameters"]
    assert create["requestBody"]["required"] is True
    assert trigger["requestBody"]["required"] is False
    assert "Location" in create["responses"]["201"]["headers"]


@pytest.mark.parametrize(
    ("body", "valid"),
    [
        ({"partition_keys": ["2024-01-01"]}, True),
        ({"partition_range": {"start": "2024-01-01", "end": "2024-01-31"}, "title": "t"}, True),
        ({"all_partitions": True, "tags": {"team": "growth"}}, True),
        ({}, False),
        ({"partition_keys": []}, False),
        ({"all_partitions": False}, False),
        ({"partition_keys": ["a"], "all_partitions": True}, False),
        ({"partition_keys": ["a"], "color": "red"}, False),
        ({"partition_range": {"start": "a"}}, False),
        ({"all_partitions": True, "tags": {"n": 1}}, False),
        ({"all_partitions": True, "title": None}, True),
        ({"all_partitions": "true"}, False),
        ({"partition_keys": ["a", "a"]}, False),
        ({"partition_range": {"start": "a", "end": "b", "step": 1}}, False),
        ({"title": "only a title"}, False),
    ],
)
def test_create_backfill_request_schema(body: dict[str, Any], valid: bool) -> None:
    resource = Resource.from_contents(load_openapi(), default_specification=DRAFT202012)
    validator = Draft202012Validator(
        {"$ref": "urn:doc#/components/schemas/CreateBackfillRequest"},
        registry=Registry().with_resource("urn:doc", resource),
    )
    assert validator.is_valid(body) is valid


def test_loader_hands_out_copies_and_json_matches_yaml() -> None:
    first = load_openapi()
    first["paths"] = {}
    assert load_openapi()["paths"] != {}
    assert json.loads(openapi_json()) == load_openapi()
    assert openapi_json() is openapi_json()


@pytest.mark.parametrize("auth", [True, False])
def test_each_instance_document_is_cached_apart_and_handed_out_as_a_copy(auth: bool) -> None:
    first = openapi_document(auth)
    first["paths"] = {}
    assert openapi_document(auth)["paths"] != {}
    assert json.loads(openapi_json(auth)) == openapi_document(auth)
    assert openapi_json(auth) is openapi_json(auth=auth)
    assert openapi_json(True) != openapi_json(False)
    assert load_openapi() == openapi_document(auth=True)  # the real service's


# -- the checker accepts correct responses ----------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "status", "headers", "body"),
    [
        (
            "GET",
            "/assets/sales%2Fdaily/runs?max_results=2",
            200,
            JSON,
            {"items": [FAILED_RUN, RUN, QUEUED_RUN], "next_page_token": "H5aBIQfIPnjCKgz8WyJydW5z"},
        ),
        ("GET", "/assets/customers/runs", 200, JSON, {"items": [], "next_page_token": None}),
        ("POST", "/assets/customers/materialize", 202, JSON, QUEUED_RUN),
        (
            "GET",
            "/assets/sales%2Fdaily/materializations",
            200,
            JSON,
            {"items": [MATERIALIZATION], "next_page_token": None},
        ),
        (
            "POST",
            "/assets/sales%2Fdaily/backfills",
            201,
            {**JSON, "Location": "/assets/sales%2Fdaily/backfills/bf_0001"},
            BACKFILL,
        ),
        ("GET", "/assets/sales%2Fdaily/backfills/bf_0001", 200, JSON, BACKFILL),
        (
            "GET",
            "/assets/sales%2Fdaily/backfills",
            200,
            {**JSON, "RateLimit-Policy": '"default";q=10;w=1', "RateLimit": '"default";r=9;t=1'},
            {
                "items": [
                    {
                        **BACKFILL,
                        "status": "FAILED",
                        "title": "January",
                        "partition_selection": {
                            "partition_range": {"start": "2024-01-01", "end": "2024-01-02"}
                        },
                        "partition_counts": {
                            "queued": 0,
                            "running": 0,
                            "succeeded": 1,
                            "failed": 1,
                            "canceled": 0,
                        },
                        "ended_at": "2024-06-01T00:00:07.000Z",
                    },
                    {**BACKFILL, "partition_selection": {"all_partitions": True}},
                ],
                "next_page_token": None,
            },
        ),
        ("GET", "/assets/x/runs", 404, PROBLEM, NOT_FOUND),
        (
            "GET",
            "/assets/x/runs",
            401,
            {**PROBLEM, "WWW-Authenticate": 'Bearer realm="assets"'},
            {**NOT_FOUND, "title": "Unauthorized", "status": 401, "code": "unauthorized"},
        ),
        (
            "POST",
            "/assets/x/materialize",
            429,
            {**PROBLEM, "Retry-After": "2", "RateLimit": '"default";r=0;t=2'},
            {**NOT_FOUND, "title": "Too Many Requests", "status": 429, "code": "rate_limited"},
        ),
        ("GET", "/_ns/test-42/assets/sales%2Fdaily/backfills/bf_0001", 200, JSON, BACKFILL),
        ("GET", "/assets/sales/daily/runs", 404, PROBLEM, NOT_FOUND),
        (
            "DELETE",
            "/assets/x/runs",
            405,
            {**PROBLEM, "Allow": "GET"},
            {
                **NOT_FOUND,
                "title": "Method Not Allowed",
                "status": 405,
                "code": "method_not_allowed",
            },
        ),
        ("GET", "/openapi.json", 200, {}, "anything"),
        ("GET", "/_fake/state", 200, {}, "anything"),
        ("DELETE", "/_ns/test-42/_fake", 204, {}, ""),
    ],
)
def test_checker_accepts(
    checker: OpenAPIChecker,
    method: str,
    path: str,
    status: int,
    headers: dict[str, str],
    body: object,
) -> None:
    checker.check(method, path, status, headers, dump(body))


# -- the checker rejects wrong responses ------------------------------------------------------


def without(record: dict[str, Any], field: str) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k != field}


RUNS = "/assets/sales%2Fdaily/runs"


@pytest.mark.parametrize(
    ("method", "path", "status", "headers", "body", "message"),
    [
        pytest.param(
            "GET",
            RUNS,
            200,
            JSON,
            {"items": [without(RUN, "error")], "next_page_token": None},
            "'error' is a required property",
            id="missing-field",
        ),
        pytest.param(
            "GET",
            RUNS,
            200,
            JSON,
            {"items": [{**RUN, "owner": "me"}], "next_page_token": None},
            "Additional properties are not allowed",
            id="extra-field",
        ),
        pytest.param(
            "GET",
            RUNS,
            200,
            JSON,
            {"items": [{**RUN, "status": "DONE"}], "next_page_token": None},
            "'DONE' is not one of",
            id="wrong-enum",
        ),
        pytest.param(
            "GET",
            RUNS,
            200,
            JSON,
            {"items": [{**RUN, "created_at": "2024-06-01T00:00:00Z"}], "next_page_token": None},
            "does not match",
            id="timestamp-without-milliseconds",
        ),
        pytest.param(
            "GET",
            RUNS,
            200,
            JSON,
            {
                "items": [{**RUN, "started_at": "2024-06-01T00:00:00.000+00:00"}],
                "next_page_token": None,
            },
            "$.items[0].started_at",
            id="timestamp-with-offset",
        ),
        pytest.param(
            "GET",
            RUNS,
            200,
            JSON,
            {"items": [{**RUN, "error": {"message": "boom"}}], "next_page_token": None},
            "error",
            id="error-on-a-running-run",
        ),
        pytest.param(
            "GET",
            RUNS,
            200,
            JSON,
            {"items": [{**FAILED_RUN, "ended_at": None}], "next_page_token": None},
            "ended_at",
            id="terminal-run-without-ended-at",
        ),
        pytest.param(
            "GET", RUNS, 200, JSON, {"items": []}, "'next_page_token' is a required", id="no-token"
        ),
        pytest.param(
            "GET",
            "/assets/sales%2Fdaily/backfills/bf_0001",
            200,
            JSON,
            {**BACKFILL, "status": "STARTING"},
            "'STARTING' is not one of",
            id="backfill-starting",
        ),
        pytest.param(
            "GET",
            "/assets/sales%2Fdaily/backfills/bf_0001",
            200,
            JSON,
            {**BACKFILL, "partition_selection": {"partition_keys": ["a"], "all_partitions": True}},
            "partition_selection",
            id="two-selectors",
        ),
        pytest.param(
            "POST",
            "/assets/customers/materialize",
            409,
            PROBLEM,
            {**NOT_FOUND, "status": 409},
            "status 409 is not documented",
            id="undocumented-status",
        ),
        pytest.param(
            "POST",
            "/assets/customers/backfills",
            200,
            JSON,
            BACKFILL,
            "status 200 is not documented",
            id="200-instead-of-201",
        ),
        pytest.param(
            "POST",
            "/assets/customers/backfills",
            201,
            JSON,
            BACKFILL,
            "required header Location is missing",
            id="201-without-location",
        ),
        pytest.param(
            "GET",
            RUNS,
            200,
            {"content-type": "application/json"},
            {"items": [], "next_page_token": None},
            "required header X-Request-Id is missing",
            id="no-request-id",
        ),
        pytest.param(
            "GET",
            RUNS,
            404,
            JSON,
            NOT_FOUND,
            "expected 'application/problem+json'",
            id="error-as-plain-json",
        ),
        pytest.param(
            "GET",
            RUNS,
            200,
            {**JSON, "content-type": "text/plain"},
            {"items": [], "next_page_token": None},
            "content-type is 'text/plain'",
            id="success-as-text",
        ),
        pytest.param(
            "GET",
            RUNS,
            404,
            PROBLEM,
            without(NOT_FOUND, "code"),
            "'code' is a required",
            id="no-code",
        ),
        pytest.param(
            "GET",
            RUNS,
            400,
            PROBLEM,
            NOT_FOUND,
            "problem document says status 404",
            id="problem-status-mismatch",
        ),
        pytest.param(
            "GET",
            RUNS,
            401,
            PROBLEM,
            {**NOT_FOUND, "status": 401},
            "required header WWW-Authenticate is missing",
            id="401-without-challenge",
        ),
        pytest.param(
            "GET",
            RUNS,
            429,
            {**PROBLEM, "Retry-After": "soon"},
            {**NOT_FOUND, "status": 429},
            "header Retry-After: 'soon' is not an integer",
            id="retry-after-not-integer",
        ),
        pytest.param(
            "GET",
            RUNS,
            200,
            {**JSON, "RateLimit": "remaining=3"},
            {"items": [], "next_page_token": None},
            "header RateLimit",
            id="ratelimit-malformed",
        ),
        pytest.param("GET", RUNS, 200, JSON, b"{not json", "body is not JSON", id="not-json"),
        pytest.param(
            "GET",
            "/assets/x/lineage",
            200,
            JSON,
            {},
            "no operation at this path",
            id="unknown-path",
        ),
        pytest.param(
            "DELETE", RUNS, 405, PROBLEM, {**NOT_FOUND, "status": 405}, "Allow", id="405-no-allow"
        ),
    ],
)
def test_checker_rejects(
    checker: OpenAPIChecker,
    method: str,
    path: str,
    status: int,
    headers: dict[str, str],
    body: object,
    message: str,
) -> None:
    raw = body if isinstance(body, bytes) else dump(body)
    with pytest.raises(AssertionError) as info:
        checker.check(method, path, status, headers, raw)
    assert message in str(info.value)


def test_rejection_names_the_operation_and_shows_the_body(checker: OpenAPIChecker) -> None:
    with pytest.raises(AssertionError) as info:
        checker.check("GET", RUNS, 200, JSON, dump({"items": [{**RUN, "status": "DONE"}]}))
    text = str(info.value)
    assert "listAssetRuns (GET /assets/sales%2Fdaily/runs) -> 200" in text
    assert "$.items[0].status" in text
    assert '"DONE"' in text


def test_fault_responses_are_checked_unless_skipped() -> None:
    malformed = {**JSON, "X-Fake-Fault": "garbage"}
    OpenAPIChecker().check("GET", RUNS, 200, malformed, b"{trunc")
    with pytest.raises(AssertionError):
        OpenAPIChecker().check("GET", RUNS, 500, {**PROBLEM, "X-Fake-Fault": "f"}, b"oops")
    OpenAPIChecker(skip_faults=True).check("GET", RUNS, 500, {"X-Fake-Fault": "f"}, b"oops")


def test_checker_rejects_a_mutated_document() -> None:
    document: Any = copy.deepcopy(load_openapi())
    document["components"]["schemas"]["Run"]["required"].append("owner")
    with pytest.raises(AssertionError, match="'owner' is a required property"):
        OpenAPIChecker(document).check(
            "POST", "/assets/customers/materialize", 202, JSON, dump(RUN)
        )


# -- the httpx event hook ---------------------------------------------------------------------


def test_event_hook_checks_every_response_of_a_client(checker: OpenAPIChecker) -> None:
    seen: list[str] = []

    def app(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.raw_path.decode())
        if request.url.raw_path.startswith(b"/assets/sales%2Fdaily/"):
            return httpx.Response(200, headers=JSON, json={"items": [RUN], "next_page_token": None})
        return httpx.Response(200, headers=JSON, json={"items": [{**RUN, "status": "NOPE"}]})

    hook = validating_event_hook(checker)
    with httpx.Client(
        transport=httpx.MockTransport(app), base_url="http://fake", event_hooks={"response": [hook]}
    ) as client:
        assert client.get("/assets/sales%2Fdaily/runs").status_code == 200
        with pytest.raises(AssertionError, match="NOPE"):
            client.get("/assets/customers/runs")
    assert seen == ["/assets/sales%2Fdaily/runs", "/assets/customers/runs"]
