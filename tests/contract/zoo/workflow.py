"""The one workflow every zoo client runs in every world, written once against a small client
interface: what an application using an Assets API client does on an ordinary day.

It triggers a materialization of ``customers``, creates a backfill of ``sales/daily`` over a few
partitions (the client sends an ``Idempotency-Key``), polls the backfill until it is terminal,
and pages through the runs and the materializations of ``sales/daily`` by ``next_page_token``.
It asserts nothing itself: whether the client behaved is the world's verdict (its expectations
and its outcome), not the test's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

Json = dict[str, Any]

TRIGGERED = "customers"
BACKFILLED = "sales/daily"
PARTITIONS = ("2024-01-10", "2024-01-11", "2024-01-12")


class AssetsClient(Protocol):
    """What the workflow needs of a client; each raises the client's own error on failure."""

    def trigger(self, asset: str, partition: str | None = None) -> Json: ...

    def create_backfill(self, asset: str, body: Mapping[str, Any]) -> Json: ...

    def wait_backfill(self, asset: str, backfill_id: str) -> Json: ...

    def list_all(self, kind: str, asset: str) -> list[Json]: ...


@dataclass(frozen=True)
class WorkflowResult:
    run: Json
    backfill: Json  # as last read: terminal for a client that waited
    runs: list[Json]
    materializations: list[Json]


def workflow(client: AssetsClient) -> WorkflowResult:
    run = client.trigger(TRIGGERED)
    created = client.create_backfill(BACKFILLED, {"partition_keys": list(PARTITIONS)})
    backfill = client.wait_backfill(BACKFILLED, created["id"])
    runs = client.list_all("runs", BACKFILLED)
    materializations = client.list_all("materializations", BACKFILLED)
    return WorkflowResult(run, backfill, runs, materializations)
