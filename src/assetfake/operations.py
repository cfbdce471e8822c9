"""The six operations of the Assets API: the one table every layer derives from.

Routing (``http/routes.py``), the handlers' table (``http/handlers.py``), query parsing, the
scopes that auth asks for, the scenario checks of ``operation:`` names and fault statuses, and
the Hypothesis strategies all read this module; ``tests/contract/test_operation_registry.py``
checks it against ``openapi.yaml`` both ways. It describes the API being faked and imports
nothing of the fake itself.

To add an operation: add a record here and to ``OPERATIONS``, describe it in ``openapi.yaml``,
and give it a handler in ``http/handlers.py`` (a test fails until all three agree).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

Method = Literal["GET", "POST"]
Scope = Literal["assets:read", "assets:write"]
#: Whether an operation reads a JSON body: it must send one, it may, or it is not read.
Body = Literal["required", "optional", "absent"]

READ_SCOPE: Scope = "assets:read"
WRITE_SCOPE: Scope = "assets:write"

#: The placeholders of the path parameters, and the prefix of every path.
ASSET_KEY = "{assetKey}"
BACKFILL_ID = "{backfillId}"
PATH_PREFIX = f"/assets/{ASSET_KEY}/"

#: The error statuses every operation documents (section 1 of the contract).
ERROR_STATUSES: frozenset[int] = frozenset({400, 401, 403, 404, 429, 500})

#: Statuses the fake can answer with that no operation documents (a known path, another method).
UNDOCUMENTED_STATUSES: frozenset[int] = frozenset({405})

#: The query parameters of a list (``status`` only where the items have one).
PAGE_PARAMETERS: frozenset[str] = frozenset({"max_results", "page_token"})
STATUS_PARAMETER = "status"


@dataclass(frozen=True, slots=True)
class Operation:
    """One operation as the OpenAPI document describes it."""

    operation_id: str
    method: Method
    #: The path template, as in the document: ``/assets/{assetKey}/backfills/{backfillId}``.
    path: str
    success: int
    body: Body = "absent"
    #: The query parameters it takes; any other one is refused with a 400.
    query: frozenset[str] = frozenset()
    errors: frozenset[int] = ERROR_STATUSES

    def __post_init__(self) -> None:
        if not self.path.startswith(PATH_PREFIX) or self.path == PATH_PREFIX:
            raise ValueError(f"{self.operation_id}: a path starts with {PATH_PREFIX}")
        if self.body != "absent" and self.method == "GET":
            raise ValueError(f"{self.operation_id}: a GET reads no body")

    @property
    def suffix(self) -> tuple[str, ...]:
        """The path segments after the asset key (``("backfills", "{backfillId}")``)."""
        return tuple(self.path[len(PATH_PREFIX) :].split("/"))

    @property
    def scope(self) -> Scope:
        """The scope a bearer token needs: reads need ``assets:read``, writes ``assets:write``."""
        return READ_SCOPE if self.method == "GET" else WRITE_SCOPE

    @property
    def pages(self) -> bool:
        """Whether it answers a page of items (and takes ``max_results`` and ``page_token``)."""
        return self.query >= PAGE_PARAMETERS

    @property
    def filters_by_status(self) -> bool:
        """Whether it takes the ``status`` query parameter."""
        return STATUS_PARAMETER in self.query

    @property
    def statuses(self) -> frozenset[int]:
        """Every status this operation documents, success included."""
        return self.errors | {self.success}


_FILTERED_PAGE = PAGE_PARAMETERS | {STATUS_PARAMETER}

LIST_BACKFILLS = Operation(
    "listAssetBackfills", "GET", "/assets/{assetKey}/backfills", 200, query=_FILTERED_PAGE
)
CREATE_BACKFILL = Operation(
    "createAssetBackfill", "POST", "/assets/{assetKey}/backfills", 201, body="required"
)
GET_BACKFILL = Operation(
    "getAssetBackfill", "GET", "/assets/{assetKey}/backfills/{backfillId}", 200
)
LIST_MATERIALIZATIONS = Operation(
    "listAssetMaterializations",
    "GET",
    "/assets/{assetKey}/materializations",
    200,
    query=PAGE_PARAMETERS,
)
TRIGGER_MATERIALIZATION = Operation(
    "triggerAssetMaterialization", "POST", "/assets/{assetKey}/materialize", 202, body="optional"
)
LIST_RUNS = Operation("listAssetRuns", "GET", "/assets/{assetKey}/runs", 200, query=_FILTERED_PAGE)

#: Every operation by ``operationId``, in the order of the document.
OPERATIONS: Mapping[str, Operation] = MappingProxyType(
    {
        op.operation_id: op
        for op in (
            LIST_BACKFILLS,
            CREATE_BACKFILL,
            GET_BACKFILL,
            LIST_MATERIALIZATIONS,
            TRIGGER_MATERIALIZATION,
            LIST_RUNS,
        )
    }
)

#: Every status the fake can send, documented or not.
ANY_STATUS: frozenset[int] = frozenset().union(
    *(op.statuses for op in OPERATIONS.values()), UNDOCUMENTED_STATUSES
)

#: Error statuses the fake can send (what ``no_retry_on`` / ``retries_on`` may name).
ANY_ERROR_STATUS: frozenset[int] = ERROR_STATUSES | UNDOCUMENTED_STATUSES
