"""The operation registry (``assetfake.operations``) says what ``openapi.yaml`` says, both ways,
and every layer that derives from it (routing, the handlers' table) covers each operation."""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from typing import cast

import pytest
import yaml

from assetfake.http.handlers import HANDLERS
from assetfake.http.problems import HTTPProblem
from assetfake.http.routes import route
from assetfake.operations import (
    ASSET_KEY,
    BACKFILL_ID,
    OPERATIONS,
    READ_SCOPE,
    WRITE_SCOPE,
    Operation,
)
from assetfake.testing.strategies import LIST_OPERATIONS

JSON = dict[str, object]
METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")


@cache
def load_document() -> JSON:
    """The shipped ``openapi.yaml``, read as a client would (not through the fake's loader)."""
    return cast(JSON, yaml.safe_load((files("assetfake") / "openapi.yaml").read_text("utf-8")))


def _documented() -> dict[str, tuple[str, str, JSON]]:
    """operationId -> (method, path, operation object) of every operation in the document."""
    found: dict[str, tuple[str, str, JSON]] = {}
    for path, item in cast(JSON, load_document()["paths"]).items():
        for method, operation in cast(JSON, item).items():
            if method in METHODS:
                body = cast(JSON, operation)
                found[cast(str, body["operationId"])] = (method.upper(), path, body)
    return found


DOCUMENTED = _documented()


def _resolve(node: JSON) -> JSON:
    ref = node.get("$ref")
    if not isinstance(ref, str):
        return node
    target: object = load_document()
    for part in ref.removeprefix("#/").split("/"):
        target = cast(JSON, target)[part]
    return cast(JSON, target)


def _query_parameters(operation: JSON) -> frozenset[str]:
    parameters = [
        _resolve(cast(JSON, p)) for p in cast(list[object], operation.get("parameters", []))
    ]
    return frozenset(cast(str, p["name"]) for p in parameters if p["in"] == "query")


def _body_rule(operation: JSON) -> str:
    body = operation.get("requestBody")
    if body is None:
        return "absent"
    return "required" if _resolve(cast(JSON, body)).get("required") is True else "optional"


def _scope(operation: JSON) -> str:
    (requirement,) = cast(list[dict[str, list[str]]], operation["security"])
    (scopes,) = requirement.values()
    (scope,) = scopes
    return scope


def test_the_registry_and_the_document_name_the_same_operations() -> None:
    assert set(OPERATIONS) == set(DOCUMENTED)
    assert len(OPERATIONS) == 6
    assert all(op.operation_id == name for name, op in OPERATIONS.items())


@pytest.mark.parametrize("operation", OPERATIONS.values(), ids=list(OPERATIONS))
def test_each_operation_is_described_as_the_document_says(operation: Operation) -> None:
    method, path, documented = DOCUMENTED[operation.operation_id]
    assert (operation.method, operation.path) == (method, path)
    statuses = {int(code) for code in cast(JSON, documented["responses"])}
    successes = {code for code in statuses if code < 300}
    assert successes == {operation.success}
    assert statuses - successes == operation.errors
    assert operation.statuses == statuses
    assert operation.query == _query_parameters(documented)
    assert operation.body == _body_rule(documented)
    assert operation.scope == _scope(documented)


def test_reads_need_the_read_scope_and_writes_the_write_scope() -> None:
    scopes = {
        op.method: {o.scope for o in OPERATIONS.values() if o.method == op.method}
        for op in OPERATIONS.values()
    }
    assert scopes == {"GET": {READ_SCOPE}, "POST": {WRITE_SCOPE}}


def test_every_operation_has_a_handler_and_the_list_strategies_cover_every_list() -> None:
    assert set(HANDLERS) == set(OPERATIONS)
    paging = {
        name for name, (_, _, doc) in DOCUMENTED.items() if "page_token" in _query_parameters(doc)
    }
    assert set(LIST_OPERATIONS) == paging


def _url(operation: Operation, key: str = "sales%2Fdaily", backfill: str = "bf%5F1") -> str:
    return operation.path.replace(ASSET_KEY, key).replace(BACKFILL_ID, backfill)


@pytest.mark.parametrize("operation", OPERATIONS.values(), ids=list(OPERATIONS))
def test_routing_resolves_each_path_to_its_operation(operation: Operation) -> None:
    found = route(operation.method, _url(operation))
    assert found.operation == operation.operation_id
    assert found.asset_key == "sales/daily"
    assert found.backfill_id == ("bf_1" if BACKFILL_ID in operation.path else None)
    assert found.invalid is None


@pytest.mark.parametrize("operation", OPERATIONS.values(), ids=list(OPERATIONS))
def test_another_method_on_the_path_is_405_with_the_documented_methods(
    operation: Operation,
) -> None:
    allowed = sorted(m for m, path, _ in DOCUMENTED.values() if path == operation.path)
    with pytest.raises(HTTPProblem) as refused:
        route("DELETE", _url(operation))
    assert refused.value.status == 405
    assert refused.value.headers == {"Allow": ", ".join(allowed)}


@pytest.mark.parametrize("operation", OPERATIONS.values(), ids=list(OPERATIONS))
def test_an_unencoded_key_on_each_path_earns_the_encoding_hint(operation: Operation) -> None:
    with pytest.raises(HTTPProblem) as refused:
        route(operation.method, _url(operation, key="sales/daily"))
    assert (refused.value.status, refused.value.code) == (404, "asset_key_not_encoded")
    assert "/assets/sales%2Fdaily/" in refused.value.detail
