"""The small world most HTTP tests use: a daily-partitioned asset and an unpartitioned one."""

from __future__ import annotations

from typing import Any

SALES = "/assets/sales%2Fdaily"
CUSTOMERS = "/assets/customers"

TOKENS: dict[str, Any] = {
    "tokens": [
        {"token": "reader", "scopes": ["assets:read"]},
        {"token": "writer", "scopes": ["assets:read", "assets:write"]},
    ]
}


def scenario(*faults: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """A scenario dict: ``sales/daily`` (January 2024) and ``customers``, seed 7, the given
    faults, and any other top-level fields."""
    document: dict[str, Any] = {
        "version": 1,
        "seed": 7,
        "clock": {"start": "2024-06-01T00:00:00Z"},
        "assets": [
            {
                "key": "sales/daily",
                "partitions": {"daily": {"start": "2024-01-01", "end": "2024-01-31"}},
            },
            {"key": "customers"},
        ],
    }
    if faults:
        document["faults"] = list(faults)
    document.update(extra)
    return document


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
