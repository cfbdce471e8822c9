"""The shipped scenarios' expectations, proved against clients: a careful reference client
passes every scenario, and each naive client (the reference with one bug) fails exactly the
(scenario, expectation kind) pairs in :data:`EXPECTED_FAILURES`.

Each scenario has a workload: what an application using the client does in that world (list
runs and backfills, trigger, create a backfill and wait for it, ...). The workload runs against a
fresh fake, then ``fake.verify()`` judges the scenario's ``expect`` entries.

``python tests/contract/test_client_matrix.py`` prints the matrix (naive client x scenario ->
failed expectation kinds) as a markdown table.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from clients import BASE_URL, NAIVE_CLIENTS, ClientError, ReferenceClient

from assetfake import AssetFake, ExpectationFailed
from assetfake.scenario import library

SCENARIOS = [entry.name for entry in library()]

#: For each naive client, the (scenario, expectation kind) pairs it fails; every other pair of
#: the shipped library passes.
EXPECTED_FAILURES: dict[str, set[tuple[str, str]]] = {
    "first_page_only": {
        ("happy-path", "calls"),  # customers' 300 runs take at least 3 pages
        ("large-history", "calls"),  # sales/hourly's 500 FAILED runs take at least 5 pages
    },
    "retries_4xx": {
        ("auth-expiry", "no_retry_on"),  # resends with the expired token...
        ("auth-expiry", "calls"),  # ...so it collects more than one 401
        ("forbidden-writes", "no_retry_on"),
        ("missing-asset", "no_retry_on"),
    },
    "ignores_retry_after": {
        ("rate-limited", "honors_retry_after"),
    },
    "no_idempotency_key": {
        ("ambiguous-create", "state"),  # a second backfill and a second run
        ("slow-network", "state"),  # a second run after the reset that followed the commit
    },
    "unencoded_slashes": {
        ("auth-expiry", "state"),  # its backfill create is a 404, so no backfill ends
        ("happy-path", "state"),
        ("happy-path", "calls"),  # its 404s route nowhere, and `calls: {status: 404}` sees them
        ("large-history", "calls"),  # never reads sales/hourly
        ("slow-network", "calls"),  # never reads sales/daily
    },
    "busy_poller": {
        # the clock never moves while it polls, so its backfill never ends; where a 500 or a
        # 429 makes it back off (flaky-server, rate-limited) the back-off paces it enough
        ("auth-expiry", "state"),
        ("happy-path", "state"),
        ("partial-backfill-failure", "state"),
        ("slow-network", "state"),
    },
    "never_retries": {
        ("ambiguous-create", "retries_on"),
        ("flaky-server", "retries_on"),
        ("rate-limited", "retries_on"),
        ("slow-network", "retries_on"),
        ("slow-network", "calls"),  # gave up on sales/daily after a reset
        ("slow-network", "state"),  # gave up polling after a cut-off body
    },
}

#: The API errors the reference client reports, by scenario: the ones the world is built to give.
REFERENCE_ERRORS: dict[str, set[int]] = {
    "forbidden-writes": {403},
    "missing-asset": {404},
}


# --- workloads ---------------------------------------------------------------------------------


@dataclass
class Session:
    """A client doing an application's work: each step that fails is recorded, and the
    workload goes on (an application would log it and carry on)."""

    client: ReferenceClient
    errors: list[ClientError] = field(default_factory=list)

    def __call__(self, step: Callable[..., Any], *args: Any) -> Any:
        try:
            return step(*args)
        except ClientError as error:
            self.errors.append(error)
            return None

    def survey(self, *assets: str, materializations: bool = True) -> None:
        for asset in assets:
            self(self.client.list_all, "runs", asset)
            self(self.client.list_all, "backfills", asset)
            if materializations:
                self(self.client.list_all, "materializations", asset)

    def backfill(self, asset: str, body: dict[str, Any]) -> dict[str, Any] | None:
        """Create a backfill and wait until it ends."""
        created = self(self.client.create_backfill, asset, body)
        if created is None:
            return None
        result: dict[str, Any] | None = self(self.client.wait_backfill, asset, created["id"])
        return result


def _default(s: Session) -> None:
    s.survey("sales/daily", "orders/daily", "customers")
    s(s.client.trigger, "customers")
    s.backfill("orders/daily", {"partition_keys": ["2024-01-04", "2024-01-05"]})


def _happy_path(s: Session) -> None:
    s.survey("sales/daily", "customers", "regions/metrics")
    s(s.client.trigger, "customers")
    s(s.client.trigger, "sales/daily", "2024-01-10")
    s.backfill("sales/daily", {"partition_range": {"start": "2024-01-05", "end": "2024-01-07"}})
    s(s.client.list_all, "runs", "sales/daily", "SUCCEEDED")


def _rate_limited(s: Session) -> None:
    s.survey("customers", "sales/daily")
    s(s.client.list_all, "runs", "regions/metrics", "FAILED")
    s(s.client.trigger, "customers")
    s.backfill("sales/daily", {"partition_keys": ["2024-01-08", "2024-01-09"]})


def _flaky_server(s: Session) -> None:
    s.survey("sales/daily", "customers", "regions/metrics")
    s(s.client.trigger, "customers")
    s.backfill("sales/daily", {"partition_range": {"start": "2024-01-10", "end": "2024-01-12"}})
    s(s.client.list_all, "runs", "sales/daily", "SUCCEEDED")


def _auth_expiry(s: Session) -> None:
    s(s.client.list_all, "runs", "sales/daily")
    s.backfill("sales/daily", {"partition_keys": ["2024-01-01", "2024-01-02", "2024-01-03"]})
    s(s.client.list_all, "runs", "sales/daily", "SUCCEEDED")
    s(s.client.trigger, "customers")


def _forbidden_writes(s: Session) -> None:
    s.survey("sales/daily", "customers", materializations=False)
    s(s.client.list_all, "backfills", "regions/metrics")
    s(s.client.trigger, "customers")
    s(s.client.create_backfill, "sales/daily", {"partition_keys": ["2024-01-04"]})
    s(s.client.list_all, "runs", "regions/metrics")


def _missing_asset(s: Session) -> None:
    s(s.client.list_all, "runs", "sales/weekly")
    s(s.client.trigger, "ghost")
    s(s.client.get_backfill, "sales/daily", "bf_does_not_exist")
    s(s.client.list_all, "materializations", "marketing/spend")
    s(s.client.list_all, "runs", "sales/daily")


def _ambiguous_create(s: Session) -> None:
    s.backfill("sales/daily", {"partition_range": {"start": "2024-01-01", "end": "2024-01-03"}})
    s(s.client.trigger, "customers")
    s(s.client.list_all, "runs", "customers")


def _partial_backfill_failure(s: Session) -> None:
    s.backfill("sales/daily", {"partition_range": {"start": "2024-01-01", "end": "2024-01-07"}})
    s(s.client.list_all, "runs", "sales/daily", "FAILED")
    s.backfill("regions/metrics", {"all_partitions": True})
    s(s.client.list_all, "runs", "regions/metrics", "FAILED")


def _large_history(s: Session) -> None:
    s(s.client.list_all, "runs", "sales/hourly", "FAILED")
    s(s.client.list_all, "runs", "customers", "FAILED")
    s(s.client.list_all, "backfills", "customers")


def _slow_network(s: Session) -> None:
    s(s.client.list_all, "runs", "sales/daily")
    s(s.client.list_all, "backfills", "sales/daily")
    s(s.client.list_all, "materializations", "customers")
    s(s.client.trigger, "customers")
    s.backfill("sales/daily", {"partition_keys": ["2024-01-20", "2024-01-21"]})


@dataclass(frozen=True)
class Workload:
    run: Callable[[Session], None]
    token: str | None = None
    fallback_token: str | None = None
    page_size: int | None = None


WORKLOADS: dict[str, Workload] = {
    "default": Workload(_default),
    "happy-path": Workload(_happy_path),
    "rate-limited": Workload(_rate_limited),
    "flaky-server": Workload(_flaky_server),
    "auth-expiry": Workload(
        _auth_expiry, token="writer-token", fallback_token="writer-token-renewed"
    ),
    "forbidden-writes": Workload(_forbidden_writes, token="reader-token"),
    "missing-asset": Workload(_missing_asset),
    "ambiguous-create": Workload(_ambiguous_create),
    "partial-backfill-failure": Workload(_partial_backfill_failure),
    "large-history": Workload(_large_history, page_size=100),
    "slow-network": Workload(_slow_network),
}


# --- running a client through a scenario --------------------------------------------------------


@dataclass(frozen=True)
class Result:
    errors: list[ClientError]
    failed: set[str]  # expectation kinds that failed
    report: str


@functools.cache
def _fake(scenario: str) -> AssetFake:
    """One fake per scenario (large-history takes a second to build); reset before each use."""
    return AssetFake(scenario)


def run(client_class: type[ReferenceClient], scenario: str) -> Result:
    fake = _fake(scenario)
    fake.reset()
    workload = WORKLOADS[scenario]
    with httpx.Client(transport=fake.transport, base_url=BASE_URL) as http:
        client = client_class(
            http,
            fake.clock.sleep,
            token=workload.token,
            fallback_token=workload.fallback_token,
            page_size=workload.page_size,
        )
        session = Session(client)
        workload.run(session)
    try:
        fake.verify()
    except ExpectationFailed as failure:
        kinds = {f.expectation.split()[1] for f in failure.failures}
        return Result(session.errors, kinds, str(failure))
    return Result(session.errors, set(), "")


def matrix() -> dict[str, dict[str, set[str]]]:
    """naive client -> scenario -> the expectation kinds it fails there."""
    return {
        name: {scenario: run(cls, scenario).failed for scenario in SCENARIOS}
        for name, cls in NAIVE_CLIENTS.items()
    }


def markdown(table: dict[str, dict[str, set[str]]]) -> str:
    lines = [
        "| naive client | " + " | ".join(SCENARIOS) + " |",
        "|---|" + "---|" * len(SCENARIOS),
    ]
    for name, row in table.items():
        cells = [", ".join(sorted(row[scenario])) or "·" for scenario in SCENARIOS]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


# --- tests --------------------------------------------------------------------------------------


def test_every_shipped_scenario_has_a_workload() -> None:
    assert set(WORKLOADS) == set(SCENARIOS)


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_the_reference_client_passes(scenario: str) -> None:
    result = run(ReferenceClient, scenario)
    assert not result.failed, result.report
    statuses = {getattr(error, "status", None) for error in result.errors}
    assert statuses == REFERENCE_ERRORS.get(scenario, set()), result.errors


@pytest.mark.parametrize("name", sorted(NAIVE_CLIENTS))
def test_a_naive_client_fails_exactly_the_expected_scenarios(name: str) -> None:
    client_class = NAIVE_CLIENTS[name]
    failed = {
        (scenario, kind) for scenario in SCENARIOS for kind in run(client_class, scenario).failed
    }
    assert EXPECTED_FAILURES[name], f"{name} fails no scenario"
    expected = EXPECTED_FAILURES[name]
    assert failed == expected, (
        f"{name}: unexpectedly failed {sorted(failed - expected)}, "
        f"unexpectedly passed {sorted(expected - failed)}"
    )


def test_the_table_covers_every_naive_client() -> None:
    assert set(EXPECTED_FAILURES) == set(NAIVE_CLIENTS)


if __name__ == "__main__":
    print(markdown(matrix()))
