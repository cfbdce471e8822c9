"""Soak (issue 10): 32 concurrent clients against a live server on a sped-up realtime clock,
mixing every operation with clock advances, namespace creation and drops, and scenario PUTs.

Afterwards: no 5xx but injected ones (``X-Fake-Fault``), no transport error but the injected
resets, no error or traceback in the server's log, and the lifecycle invariants of CONTRACT 2
in every namespace still there. The default run is 10 s; ``-m soak_long`` runs 60 s. Each run
prints its request count and p50/p99 latency (``-s``).

Every error answer and every fifth success is checked against the OpenAPI document, outside the
timed span (the latencies are the server's as 32 threads in this process see it), and every 4xx
must be one this traffic asks for (an idempotency key reused with another body, a backfill id
gone with its namespace).

Clock advances: a namespace loaded with ``PUT /_ns/<n>/_fake/scenario`` keeps the clock mode of
the scenario it was given, so the ``soak-man-*`` namespaces run a manual clock inside the
realtime server; advances go to them and, less often, to the realtime ones (which shift too).
"""

from __future__ import annotations

import logging
import statistics
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from soak_clients import CLIENTS, FAIL_STAGE, MANUAL, START, Client, Record, Shared, scenario

from assetfake import AssetFake
from assetfake.domain.resources import Run
from assetfake.domain.status import TERMINAL, RunStatus
from assetfake.domain.world import World
from openapi_check import OpenAPIChecker

# ------------------------------------------------------------------------------- the checks


class Collected(logging.Handler):
    """Every record at WARNING or above, and any that carries an exception."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def server_log() -> Iterator[Collected]:
    """The server's own loggers (attached after uvicorn configured them: see ``soak``)."""
    handler = Collected()
    yield handler
    for name in ("assetfake", "uvicorn.error", "asyncio"):
        logging.getLogger(name).removeHandler(handler)


def _succeeded(runs: list[Run]) -> set[str]:
    return {r.id for r in runs if r.status is RunStatus.SUCCEEDED}


def run_breaches(name: str, runs: list[Run]) -> list[str]:
    """Terminal runs ended, error iff FAILED, started_at iff the run reached RUNNING."""
    breaches = []
    for run in runs:
        reached = run.status in (RunStatus.RUNNING, RunStatus.SUCCEEDED) or (
            run.status is RunStatus.FAILED and FAIL_STAGE[run.asset_key] == "running"
        )
        checks = {
            "ended_at iff terminal": (run.ended_at is not None) == (run.status in TERMINAL),
            "error iff FAILED": (run.error is not None) == (run.status is RunStatus.FAILED),
            "started_at iff it reached RUNNING": (run.started_at is not None) == reached,
        }
        breaches += [
            f"{name}: {run.id} {run.status.value}: {c}" for c, ok in checks.items() if not ok
        ]
    return breaches


def invariant_breaches(name: str, world: World) -> list[str]:
    """CONTRACT 2 in one world: the runs' own invariants; each backfill's counts sum to its
    partitions, one run each, its succeeded count that of its runs; one materialization for
    each SUCCEEDED run and no other.

    A realtime clock moves between two reads (each catches up first), so the backfills and the
    materializations are read between two reads of the runs and held to what lies between:
    what succeeded before is counted and materialized, nothing that had not succeeded after."""
    before = world.runs()
    backfills, materializations = world.backfills(), world.materializations()
    after = world.runs()
    breaches = run_breaches(name, before)
    for backfill in backfills:
        counts = backfill.partition_counts
        total = counts.queued + counts.running + counts.succeeded + counts.failed + counts.canceled
        own = [r.id for r in after if r.backfill_id == backfill.id]
        low = len(_succeeded([r for r in before if r.backfill_id == backfill.id]))
        high = len(_succeeded([r for r in after if r.backfill_id == backfill.id]))
        if not total == backfill.num_partitions == len(own) or not low <= counts.succeeded <= high:
            shown = f"{counts} for {backfill.num_partitions} partitions, {len(own)} runs"
            breaches.append(f"{name}: backfill {backfill.id}: {shown}, {low}-{high} succeeded")
    materialized = [m.run_id for m in materializations]
    if len(set(materialized)) != len(materialized):
        breaches.append(f"{name}: a run with two materializations")
    if not _succeeded(before) <= set(materialized) <= _succeeded(after):
        missing = len(_succeeded(before) - set(materialized))
        extra = len(set(materialized) - _succeeded(after))
        breaches.append(f"{name}: {missing} SUCCEEDED runs unmaterialized, {extra} extra")
    return breaches


def soak(seconds: float, server_log: Collected, checker: OpenAPIChecker) -> None:
    fake = AssetFake(scenario(), clock="realtime", speed=50)
    shared = Shared()
    with fake.serve() as url:
        for name in ("assetfake", "uvicorn.error", "asyncio"):
            logging.getLogger(name).addHandler(server_log)
        with httpx.Client(base_url=url) as setup:
            for ns in MANUAL:
                answer = setup.put(
                    f"/_ns/{ns}/_fake/scenario", json=scenario(mode="manual", faults=False)
                )
                assert answer.status_code == 200 and answer.json()["mode"] == "manual", answer.text
        deadline = time.monotonic() + seconds
        clients = [Client(n, url, shared, deadline, checker) for n in range(CLIENTS)]
        with ThreadPoolExecutor(CLIENTS) as pool:
            records = list(pool.map(Client.run, clients))
        with httpx.Client(base_url=url) as after:
            assert after.get("/_fake/health").status_code == 200
        breaches, used, live = [], {}, 0
        for name in fake.namespaces.names():
            namespace = fake.namespaces.get(name)
            with namespace.lock:
                breaches += invariant_breaches(name, namespace.world)
                used[name] = namespace.world.counts()
                live += sum(
                    r.status is RunStatus.SUCCEEDED and r.created_at >= START
                    for r in namespace.world.runs()
                )
    _report(seconds, records, used)
    problems = [p for r in records for p in r.problems]
    assert not problems, f"{len(problems)} unexpected answers:\n" + "\n".join(problems[:20])
    logged = [
        f"{r.name} {r.levelname}: {r.getMessage()[:200]}"
        for r in server_log.records
        if r.levelno >= logging.ERROR or r.exc_info
    ]
    assert not logged, "\n".join(logged[:20])
    assert not breaches, "\n".join(breaches[:20])
    # it did soak: backfills and runs were created, and some runs of them ran to the end
    assert sum(r.statuses["201"] for r in records) > 100
    assert sum(r.statuses["202"] for r in records) > 100
    assert live > 100, f"only {live} runs created in the soak succeeded"


def _report(seconds: float, records: list[Record], used: dict[str, dict[str, int]]) -> None:
    latencies = sorted(x for r in records for x in r.latencies)
    statuses: Counter[str] = Counter()
    for record in records:
        statuses.update(record.statuses)
    p50 = statistics.median(latencies) * 1000
    p99 = latencies[int(len(latencies) * 0.99)] * 1000
    injected = sum(r.injected for r in records)
    print(
        f"\nsoak {seconds:.0f} s, {CLIENTS} clients: {len(latencies)} requests "
        f"({len(latencies) / seconds:.0f}/s), p50 {p50:.1f} ms, p99 {p99:.1f} ms, "
        f"{injected} injected faults; statuses {dict(sorted(statuses.items()))}; "
        f"namespaces {used}"
    )


# The answers are checked against the document by the clients themselves (outside the timing).
@pytest.mark.no_openapi_check
def test_soak(server_log: Collected, openapi_checker: OpenAPIChecker) -> None:
    soak(10, server_log, openapi_checker)


@pytest.mark.soak_long
@pytest.mark.no_openapi_check
def test_soak_long(server_log: Collected, openapi_checker: OpenAPIChecker) -> None:
    soak(60, server_log, openapi_checker)
