"""The document is written for the tools that read it (CONTRACT 1): security schemes only where
the instance has auth, no ``Authorization`` parameter, raw examples, request bodies that
generators can type (closed ``oneOf`` branches, no ``const``), and links for stateful testers.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from assetfake.http.openapi import openapi_document

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
SELECTORS = ("partition_keys", "partition_range", "all_partitions")


def operations(document: Any) -> Iterator[tuple[str, dict[str, Any], dict[str, Any]]]:
    """(path, path item, operation) for every operation."""
    for path, item in document["paths"].items():
        for method in METHODS:
            if method in item:
                yield path, item, item[method]


def resolve(document: Any, node: Any) -> Any:
    while isinstance(node, dict) and "$ref" in node:
        target = document
        for part in node["$ref"][2:].split("/"):
            target = target[part]
        node = target
    return node


def walk(document: Any, node: Any, seen: set[str] | None = None) -> Iterator[dict[str, Any]]:
    """Every schema object reachable from ``node``, following ``$ref``s once each."""
    seen = set() if seen is None else seen
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            if ref not in seen:
                seen.add(ref)
                yield from walk(document, resolve(document, node), seen)
            return
        yield node
        for value in node.values():
            yield from walk(document, value, seen)
    elif isinstance(node, list):
        for value in node:
            yield from walk(document, value, seen)


@pytest.mark.parametrize("auth", [True, False])
def test_both_documents_are_valid_openapi_3_1(auth: bool) -> None:
    validator = pytest.importorskip("openapi_spec_validator")
    validator.validate(openapi_document(auth))


def test_bearer_security_is_declared_exactly_when_the_instance_has_auth() -> None:
    real, open_ = openapi_document(auth=True), openapi_document(auth=False)
    assert real["components"]["securitySchemes"]["bearerAuth"] == {
        **real["components"]["securitySchemes"]["bearerAuth"],
        "type": "http",
        "scheme": "bearer",
    }
    for _, _, operation in operations(real):
        scope = "assets:read" if operation["operationId"].startswith(("list", "get")) else None
        assert operation["security"] == [{"bearerAuth": [scope or "assets:write"]}]
    assert "securitySchemes" not in open_["components"] and "security" not in open_
    for _, _, operation in operations(open_):
        assert "security" not in operation
    # otherwise the same document, but for a sentence saying so
    assert "needs no credentials" in open_["info"]["description"]
    for document in (real, open_):
        document["components"].pop("securitySchemes", None)
        document["info"].pop("description")
        for _, _, operation in operations(document):
            operation.pop("security", None)
    assert real == open_


@pytest.mark.parametrize("auth", [True, False])
def test_no_authorization_header_parameter(auth: bool) -> None:
    document = openapi_document(auth)
    for _, item, operation in operations(document):
        for parameter in [*item.get("parameters", []), *operation.get("parameters", [])]:
            parameter = resolve(document, parameter)
            assert parameter["name"].lower() != "authorization", operation["operationId"]


def test_examples_are_raw_values_clients_encode() -> None:
    document = openapi_document()
    parameters = document["components"]["parameters"]
    assert parameters["AssetKey"]["example"] == "sales/daily"
    for name, parameter in parameters.items():
        if "example" in parameter and parameter["in"] in ("path", "query"):
            assert "%" not in str(parameter["example"]), name
    assert "sales/daily" in document["components"]["schemas"]["AssetKey"]["examples"]


def test_request_bodies_use_no_const() -> None:
    document = openapi_document()
    bodies = [op["requestBody"] for _, _, op in operations(document) if "requestBody" in op]
    assert len(bodies) == 2
    for body in bodies:
        for schema in walk(document, body):
            assert "const" not in schema, schema


def test_create_backfill_is_one_of_three_closed_objects_one_per_selector() -> None:
    document = openapi_document()
    schema = document["components"]["schemas"]["CreateBackfillRequest"]
    assert set(schema) <= {"description", "oneOf", "examples"}  # no properties beside oneOf
    branches = [resolve(document, branch) for branch in schema["oneOf"]]
    assert len(branches) == 3
    for branch, selector in zip(branches, SELECTORS, strict=True):
        assert branch["type"] == "object" and branch["additionalProperties"] is False
        assert branch["required"] == [selector]
        assert set(branch["properties"]) == {selector, "title", "tags"}
    every = resolve(document, branches[2]["properties"]["all_partitions"])
    assert every == {**every, "type": "boolean", "enum": [True]}


def test_trigger_body_is_one_closed_object() -> None:
    document = openapi_document()
    schema = document["components"]["schemas"]["TriggerMaterializationRequest"]
    assert schema["type"] == "object" and schema["additionalProperties"] is False
    assert set(schema["properties"]) == {"partition_key", "tags"}


def _links(document: Any, operation_id: str, status: str) -> dict[str, Any]:
    for _, _, operation in operations(document):
        if operation["operationId"] == operation_id:
            links: dict[str, Any] = operation["responses"][status]["links"]
            return links
    raise KeyError(operation_id)


def test_links_chain_a_created_backfill_and_a_triggered_run() -> None:
    document = openapi_document()
    created = _links(document, "createAssetBackfill", "201")
    assert {link["operationId"]: link["parameters"] for link in created.values()} == {
        "getAssetBackfill": {
            "assetKey": "$request.path.assetKey",
            "backfillId": "$response.body#/id",
        }
    }
    triggered = _links(document, "triggerAssetMaterialization", "202")
    assert {link["operationId"]: link["parameters"] for link in triggered.values()} == {
        "listAssetRuns": {"assetKey": "$request.path.assetKey"}
    }


def test_every_link_names_an_operation_and_its_parameters() -> None:
    document = openapi_document()
    declared = {
        operation["operationId"]: {
            resolve(document, parameter)["name"]
            for parameter in [*item.get("parameters", []), *operation.get("parameters", [])]
        }
        for _, item, operation in operations(document)
    }
    found = 0
    for _, _, operation in operations(document):
        for response in operation["responses"].values():
            for link in resolve(document, response).get("links", {}).values():
                assert set(link["parameters"]) <= declared[link["operationId"]]
                found += 1
    assert found == 2
