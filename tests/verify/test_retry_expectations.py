"""retries_on / no_retry_on with network kinds, and max_attempts: each can pass and can fail."""

from __future__ import annotations

from typing import get_args

import httpx
import pytest
from verify_journal import BACKFILLS, Log, judge, text

from assetfake import AssetFake, ExpectationFailed
from assetfake.expectations import NetworkFailure
from assetfake.http.policy import NetworkKind
from small_world import SALES, scenario

# --- retries_on / no_retry_on name network failures -------------------------------------------


def test_the_network_kinds_are_the_http_layers_failures() -> None:
    """Every network kind an expectation names is one the HTTP layer journals; only
    ``slow_body`` (whose answer arrives whole) is left out."""
    assert set(get_args(NetworkKind)) - set(get_args(NetworkFailure)) == {"slow_body"}
    assert set(get_args(NetworkFailure)) <= set(get_args(NetworkKind))


@pytest.mark.parametrize(
    "network", ["reset", "empty", "truncated", "stall", "close_after", "hang", "malformed"]
)
def test_retries_on_a_network_kind_passes_when_retried_until_success(network: str) -> None:
    log = Log()
    status = 200 if network == "malformed" else 0
    log.add(0, status, network=network)
    log.add(1, 200)
    assert judge([{"retries_on": [network]}], log.entries) == []


def test_retries_on_a_network_kind_fails_when_given_up() -> None:
    log = Log()
    log.add(0, 0, method="POST", path=BACKFILLS, operation="createAssetBackfill", network="reset")
    log.add(1, 200)  # another request: not a retry of the POST
    failures = judge([{"retries_on": ["reset", 500]}], log.entries)
    assert [f.expectation for f in failures] == ["expect[0] retries_on [reset, 500]"]
    assert "got a reset network failure, a transient failure, and was never retried" in text(
        failures
    )
    assert "req_1" in text(failures) and "no response (reset)" in text(failures)


def test_a_malformed_200_is_a_failed_read_that_must_be_retried() -> None:
    given_up = Log()
    given_up.add(0, 200, network="malformed")  # the client took the broken body as an answer
    failures = judge([{"retries_on": ["malformed"]}], given_up.entries)
    assert "a malformed 200 (a body that does not parse)" in text(failures)
    retried_badly = Log()
    retried_badly.add(0, 200, network="malformed")
    retried_badly.add(1, 200, network="malformed")  # retried, and never read a whole answer
    failures = judge([{"retries_on": ["malformed"]}], retried_badly.entries)
    assert "retried 1 time(s) without ever succeeding" in text(failures)


def test_a_status_code_does_not_match_a_network_failure_and_back() -> None:
    log = Log()
    log.add(0, 0, network="reset")  # never retried, but 500 was asked for, not reset
    log.add(1, 500)
    log.add(2, 200)
    assert judge([{"retries_on": [500]}], log.entries) == []
    assert judge([{"retries_on": ["reset"]}], log.entries) == []  # the same request: retried
    apart = Log()
    apart.add(0, 0, network="reset", query="a=1")
    apart.add(1, 200, query="a=2")
    assert len(judge([{"retries_on": ["reset"]}], apart.entries)) == 1
    assert judge([{"retries_on": [500]}], apart.entries) == []


def test_no_retry_on_a_network_kind() -> None:
    resent = Log()
    resent.add(
        0, 0, method="POST", path=BACKFILLS, operation="createAssetBackfill", network="reset"
    )
    resent.add(1, 201, method="POST", path=BACKFILLS, operation="createAssetBackfill")
    failures = judge([{"no_retry_on": ["reset"]}], resent.entries)
    assert "got a reset network failure, which retrying cannot fix" in text(failures)
    changed = Log()  # a new body (say, an Idempotency-Key header's retry is another request)
    changed.add(
        0, 0, method="POST", path=BACKFILLS, operation="createAssetBackfill", network="reset"
    )
    changed.add(1, 201, method="POST", path=BACKFILLS, operation="createAssetBackfill", body="b")
    assert judge([{"no_retry_on": ["reset"]}], changed.entries) == []


def test_retries_on_reset_through_the_in_process_transport() -> None:
    fault = {
        "name": "reset-once",
        "match": {"operation": "listAssetRuns", "times": 1},
        "respond": {"network": "reset"},
    }
    expect = [{"retries_on": ["reset"]}]
    careful = AssetFake(scenario(fault, expect=expect))
    with careful.client() as client:
        with pytest.raises(httpx.TransportError):
            client.get(f"{SALES}/runs")
        assert client.get(f"{SALES}/runs").status_code == 200
    careful.verify()
    naive = AssetFake(scenario(fault, expect=expect))
    with naive.client() as client, pytest.raises(httpx.TransportError):
        client.get(f"{SALES}/runs")
    with pytest.raises(ExpectationFailed, match=r"reset network failure.*never retried"):
        naive.verify()


# --- max_attempts ------------------------------------------------------------------------------


def test_max_attempts_passes_within_the_bound_and_fails_beyond() -> None:
    bounded = Log()
    for second in range(3):
        bounded.add(second, 500)
    bounded.add(3, 200, path="/assets/customers/runs")  # gave up; went on with something else
    assert judge([{"max_attempts": 3}], bounded.entries) == []
    unbounded = Log()
    for second in range(5):
        unbounded.add(second, 500)
    failures = judge([{"max_attempts": 3}], unbounded.entries)
    assert [f.expectation for f in failures] == ["expect[0] max_attempts 3"]
    assert "was sent 5 times in a row without success (at most 3 allowed)" in failures[0].message
    assert failures[0].journal[0].endswith("-> 500") and "req_5" in failures[0].journal[-1]


def test_max_attempts_counts_the_attempts_of_a_request_that_finally_succeeded() -> None:
    log = Log()
    for second in range(3):
        log.add(second, 429)
    log.add(3, 200)  # the fourth attempt: one too many
    assert "sent 4 times in a row" in text(judge([{"max_attempts": 3}], log.entries))


def test_max_attempts_is_not_fooled_by_interleaved_requests() -> None:
    log = Log()
    for second in range(5):
        log.add(2 * second, 500)
        log.add(2 * second + 1, 200, path="/assets/customers/runs")  # a different request
    assert len(judge([{"max_attempts": 3}], log.entries)) == 1


def test_polling_that_succeeds_is_not_retrying() -> None:
    log = Log()
    for second in range(20):
        log.add(second, 200)  # the same GET, answered each time
    log.add(20, 500)
    log.add(21, 200)
    assert judge([{"max_attempts": 2}], log.entries) == []


def test_max_attempts_through_a_permanent_outage() -> None:
    outage = {
        "name": "down",
        "match": {"operation": "listAssetRuns"},
        "respond": {"status": 500},
    }
    for tries, holds in ((4, True), (10, False)):
        fake = AssetFake(scenario(outage, expect=[{"max_attempts": 4}]))
        with fake.client() as client:
            for _ in range(tries):
                client.get(f"{SALES}/runs")
        if holds:
            fake.verify()
        else:
            with pytest.raises(ExpectationFailed, match="sent 10 times in a row"):
                fake.verify()
