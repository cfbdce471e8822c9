"""The six operations of the Assets API, as far as a scenario refers to them.

Faults and expectations name operations by ``operationId``; a fault's status must be one the
operation documents. The HTTP layer owns routing; this table only describes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

Method = Literal["GET", "POST"]

#: The error statuses every operation documents (section 1 of the contract).
ERROR_STATUSES: frozenset[int] = frozenset({400, 401, 403, 404, 429, 500})

#: Statuses the fake can answer with that no operation documents (a known path, another method).
UNDOCUMENTED_STATUSES: frozenset[int] = frozenset({405})


@dataclass(frozen=True, slots=True)
class Operation:
    operation_id: str
    method: Method
    path: str
    success: int
    errors: frozenset[int] = ERROR_STATUSES

    @property
    def statuses(self) -> frozenset[int]:
        """Every status this operation documents, success included."""
        return self.errors | {self.success}


OPERATIONS: Mapping[str, Operation] = MappingProxyType(
    {
        op.operation_id: op
        for op in (
            Operation("listAssetBackfills", "GET", "/assets/{assetKey}/backfills", 200),
            Operation("createAssetBackfill", "POST", "/assets/{assetKey}/backfills", 201),
            Operation("getAssetBackfill", "GET", "/assets/{assetKey}/backfills/{backfillId}", 200),
            Operation(
                "listAssetMaterializations", "GET", "/assets/{assetKey}/materializations", 200
            ),
            Operation("triggerAssetMaterialization", "POST", "/assets/{assetKey}/materialize", 202),
            Operation("listAssetRuns", "GET", "/assets/{assetKey}/runs", 200),
        )
    }
)

#: Every status the fake can send, documented or not.
ANY_STATUS: frozenset[int] = frozenset().union(
    *(op.statuses for op in OPERATIONS.values()), UNDOCUMENTED_STATUSES
)

#: Error statuses the fake can send (what ``no_retry_on`` / ``retries_on`` may name).
ANY_ERROR_STATUS: frozenset[int] = ERROR_STATUSES | UNDOCUMENTED_STATUSES
