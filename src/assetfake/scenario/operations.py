"""The operations a scenario names, a view of :mod:`assetfake.operations` (the one table).

Faults and expectations name operations by ``operationId``; a fault's status must be one the
operation documents. Kept so that the scenario layer reads the registry through one name.
"""

from __future__ import annotations

from assetfake.operations import (
    ANY_ERROR_STATUS,
    ANY_STATUS,
    ERROR_STATUSES,
    OPERATIONS,
    UNDOCUMENTED_STATUSES,
    Method,
    Operation,
)

__all__ = [
    "ANY_ERROR_STATUS",
    "ANY_STATUS",
    "ERROR_STATUSES",
    "OPERATIONS",
    "UNDOCUMENTED_STATUSES",
    "Method",
    "Operation",
]
