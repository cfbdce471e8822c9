"""honors_retry_after and backoff judge the time the client really waited: the fake's clock on
a manual clock, the wall clock on a realtime clock at any speed (a sped-up clock must not make
them vacuous)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from verify_journal import Log, judge, text

from assetfake import AssetFake, ExpectationFailed
from small_world import SALES, scenario

SPEED = 20

# --- honors_retry_after, on hand-written journals ---------------------------------------------


def test_honors_retry_after_on_the_manual_clock() -> None:
    waited = Log()
    waited.add(0, 429, retry_after=2)
    waited.add(2, 200)
    assert judge([{"honors_retry_after": True}], waited.entries) == []
    hurried = Log()
    hurried.add(0, 429, retry_after=2)
    hurried.add(1.5, 200)
    failures = judge([{"honors_retry_after": True}], hurried.entries)
    assert (
        "sent again 1.5 s after a response that said Retry-After: 2 (on the fake's manual clock)"
        in text(failures)
    )
    assert "Retry-After: 2" in failures[0].journal[0] and "req_2" in failures[0].journal[1]


def test_on_a_realtime_clock_the_wall_clock_tells() -> None:
    # at speed 20: 0.1 real seconds show as 2 fake seconds
    sped_up = Log()
    sped_up.add(0, 429, retry_after=2, wall=0.0)
    sped_up.add(2, 200, wall=0.1)
    assert judge([{"honors_retry_after": True}], sped_up.entries, mode="manual") == []
    failures = judge([{"honors_retry_after": True}], sped_up.entries, mode="realtime")
    assert "again 0.1 s after a response that said Retry-After: 2 (of wall-clock time; " in (
        text(failures)
    )
    really = Log()
    really.add(0, 429, retry_after=2, wall=0.0)
    really.add(40, 200, wall=2.0)
    assert judge([{"honors_retry_after": True}], really.entries, mode="realtime") == []
    clock_jumped = Log()  # a client that moved the realtime clock instead of waiting
    clock_jumped.add(0, 429, retry_after=2, wall=0.0)
    clock_jumped.add(2, 200, wall=0.001)
    assert len(judge([{"honors_retry_after": True}], clock_jumped.entries, mode="realtime")) == 1


# --- backoff, on hand-written journals ---------------------------------------------------------


def test_backoff_passes_for_growing_waits_and_fails_for_short_ones() -> None:
    growing = Log()
    for at, status in ((0, 500), (0.5, 503), (1.5, 0), (3.5, 200)):
        growing.add(at, status, network="reset" if status == 0 else None)
    assert judge([{"backoff": {"min_seconds": 0.5}}], growing.entries) == []
    hammering = Log()
    for at in (0, 0.1, 0.2):
        hammering.add(at, 500)
    failures = judge([{"backoff": {"min_seconds": 0.5}}], hammering.entries)
    assert [f.expectation for f in failures] == ["expect[0] backoff min_seconds 0.5"]
    assert "0.1 s after 500 (on the fake's manual clock); a back-off waits at least 0.5 s" in (
        failures[0].message
    )
    assert len(failures[0].journal) == 2  # reported once per chain, with the chain so far


def test_backoff_waits_never_shrink_within_a_chain() -> None:
    shrinking = Log()
    for at in (0, 2, 3, 4):
        shrinking.add(at, 500)
    failures = judge([{"backoff": {"min_seconds": 1}}], shrinking.entries)
    assert "the wait shrank from 2 s" in text(failures)
    constant = Log()
    for at in (0, 1, 2, 3):
        constant.add(at, 500)
    constant.add(4, 200)
    assert judge([{"backoff": {"min_seconds": 1}}], constant.entries) == []


def test_a_success_ends_the_chain() -> None:
    log = Log()
    for at, status in ((0, 500), (4, 200), (5, 500), (6, 200)):
        log.add(at, status)  # the second chain starts again at the least wait
    assert judge([{"backoff": {"min_seconds": 1}}], log.entries) == []


def test_retry_after_rules_over_min_seconds_and_the_growth() -> None:
    told = Log()
    for at, status, after in ((0, 500, None), (4, 429, 1.0), (5, 500, None), (9, 200, None)):
        told.add(at, status, retry_after=after)
    # 4 s, then 1 s as Retry-After said (shorter than min_seconds and than 4: allowed), then 4 s
    assert judge([{"backoff": {"min_seconds": 2}}], told.entries) == []
    too_soon = Log()
    too_soon.add(0, 429, retry_after=3.0)
    too_soon.add(2.5, 200)  # longer than min_seconds, shorter than Retry-After
    failures = judge([{"backoff": {"min_seconds": 1}}], too_soon.entries)
    assert "after a response that said Retry-After: 3" in text(failures)


def test_the_failures_that_start_a_back_off() -> None:
    log = Log()
    for at, status in ((0, 404), (0.01, 404), (0.02, 400), (0.03, 200)):
        log.add(at, status)  # not transient: the backoff expectation has nothing to say
    assert judge([{"backoff": {"min_seconds": 1}}], log.entries) == []
    malformed = Log()
    malformed.add(0, 200, network="malformed")
    malformed.add(0.01, 200)
    assert "after a malformed 200" in text(
        judge([{"backoff": {"min_seconds": 1}}], malformed.entries)
    )


def test_a_stale_keep_alive_connection_is_retried_at_once() -> None:
    log = Log()
    log.add(0, 0, network="close_after")
    log.add(0.001, 200)  # on a new connection, at once: what every HTTP stack does
    assert judge([{"backoff": {"min_seconds": 1}}], log.entries) == []
    reset = Log()
    reset.add(0, 0, network="reset")
    reset.add(0.001, 200)
    assert "after a reset network failure" in text(
        judge([{"backoff": {"min_seconds": 1}}], reset.entries)
    )


def test_backoff_on_a_realtime_clock_reads_wall_gaps_with_slack_for_noise() -> None:
    noisy = Log()  # a client sleeping 1 s each time, measured with a few ms of noise
    for at, wall in ((0, 0.0), (20, 1.004), (40, 2.003), (60, 3.0)):
        noisy.add(at, 500, wall=wall)
    assert judge([{"backoff": {"min_seconds": 1}}], noisy.entries, mode="realtime") == []
    sped_up = Log()  # 20 fake seconds each, 0.05 real ones
    for at, wall in ((0, 0.0), (20, 0.05), (40, 0.1)):
        sped_up.add(at, 500, wall=wall)
    assert judge([{"backoff": {"min_seconds": 1}}], sped_up.entries, mode="manual") == []
    failures = judge([{"backoff": {"min_seconds": 1}}], sped_up.entries, mode="realtime")
    assert (
        "0.05 s after 500 (of wall-clock time; the realtime clock at speed 1 moved 20 s)"
        in text(failures)
    )


# --- the same clients on a manual clock and on a realtime clock at speed 20 --------------------

RETRY_AFTER = {
    "name": "slow-down",
    "match": {"operation": "listAssetRuns", "call": 1},
    "respond": {"status": 429, "headers": {"Retry-After": "1"}},
}
OUTAGE = {
    "name": "blips",
    "match": {"operation": "listAssetRuns", "calls": [1, 2, 3]},
    "respond": {"status": 500},
}
Wait = Callable[[float], None]


def _fake(fault: dict[str, Any], expect: dict[str, Any], realtime: bool) -> AssetFake:
    document = scenario(fault, expect=[expect])
    if realtime:
        return AssetFake(document, clock="realtime", speed=SPEED)
    return AssetFake(document)


def _waiters(fake: AssetFake) -> dict[str, Wait]:
    return {
        "real seconds": time.sleep,
        "fake seconds": fake.clock.sleep,
        "real seconds / speed": lambda seconds: time.sleep(seconds / SPEED),
        "no wait": lambda seconds: None,
    }


def _obey_retry_after(client: httpx.Client, wait: Wait) -> None:
    for _ in range(3):
        answer = client.get(f"{SALES}/runs")
        if answer.status_code != 429:
            return
        wait(float(answer.headers["Retry-After"]))


def _back_off(client: httpx.Client, wait: Wait, waits: tuple[float, ...]) -> None:
    for seconds in (*waits, None):
        if client.get(f"{SALES}/runs").status_code == 200 or seconds is None:
            return
        wait(seconds)


@pytest.mark.parametrize(
    ("realtime", "waiter", "holds"),
    [
        (False, "fake seconds", True),
        (False, "no wait", False),
        (False, "real seconds / speed", False),
        (True, "real seconds", True),
        (True, "fake seconds", False),
        (True, "real seconds / speed", False),
        (True, "no wait", False),
    ],
)
def test_honors_retry_after_on_either_clock(realtime: bool, waiter: str, holds: bool) -> None:
    fake = _fake(RETRY_AFTER, {"honors_retry_after": True}, realtime)
    with fake.client() as client:
        _obey_retry_after(client, _waiters(fake)[waiter])
    first, second = fake.journal[0], fake.journal[1]
    assert (first.status, first.retry_after, second.status) == (429, 1.0, 200)
    if holds:
        fake.verify()
        return
    with pytest.raises(ExpectationFailed, match="after a response that said Retry-After: 1"):
        fake.verify()
    if realtime and waiter == "real seconds / speed":  # not vacuous: the fake's clock moved enough
        assert (second.clock_time - first.clock_time).total_seconds() >= 1


@pytest.mark.parametrize(
    ("realtime", "waiter", "waits", "holds"),
    [
        (False, "fake seconds", (0.2, 0.4, 0.8), True),
        (False, "fake seconds", (0.4, 0.2, 0.2), False),  # shrinks
        (False, "no wait", (0.2, 0.4, 0.8), False),
        (True, "real seconds", (0.2, 0.4, 0.8), True),
        (True, "fake seconds", (0.2, 0.4, 0.8), False),
        (True, "real seconds / speed", (0.2, 0.4, 0.8), False),
        (True, "real seconds", (0.2, 0.05, 0.2), False),  # too short once
    ],
)
def test_backoff_on_either_clock(
    realtime: bool, waiter: str, waits: tuple[float, ...], holds: bool
) -> None:
    fake = _fake(OUTAGE, {"backoff": {"min_seconds": 0.2}}, realtime)
    with fake.client() as client:
        _back_off(client, _waiters(fake)[waiter], waits)
    assert [entry.status for entry in fake.journal] == [500, 500, 500, 200]
    if holds:
        fake.verify()
    else:
        with pytest.raises(ExpectationFailed, match=r"expect\[0\] backoff min_seconds 0\.2"):
            fake.verify()
