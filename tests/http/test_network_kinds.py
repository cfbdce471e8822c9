"""The network faults ``stall``, ``slow_body`` and ``close_after``, and seeded delay ranges, as
the client under test meets them (CONTRACT 3): in process, where the transports raise at the
moment a socket client would, and on a live ``fake.serve()`` with httpx and requests — and the
same verdict from ``fake.verify()`` both ways."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
import requests

from assetfake import AssetFake, ExpectationFailed
from small_world import CUSTOMERS, SALES, scenario

STALL_AFTER = 10
RATE = 8000.0  # bytes per second: a page of 20 generated runs (~5 kB) takes ~0.6 s
TIMEOUT = 1.0  # the read timeout of the clients that meet a stall (short, yet ample on load)


def kinds_world(*, seed: int = 7, **extra: Any) -> dict[str, Any]:
    """One fault per new kind, chosen by the request's ``X-Break`` header, and a history that
    makes a page of runs a few kilobytes."""
    faults = [
        {
            "name": "net-stall",
            "match": {"header": {"X-Break": "stall"}},
            "respond": {"network": "stall", "stall_after_bytes": STALL_AFTER},
        },
        {
            "name": "net-slow_body",
            "match": {"header": {"X-Break": "slow_body"}},
            "respond": {"network": "slow_body", "bytes_per_second": RATE},
        },
        {
            "name": "net-close_after",
            "match": {"header": {"X-Break": "close_after"}},
            "respond": {"network": "close_after"},
        },
    ]
    return scenario(
        *faults,
        seed=seed,
        history={"generate": [{"asset": "customers", "runs": 40}]},
        **extra,
    )


def breaking(kind: str) -> dict[str, str]:
    return {"X-Break": kind}


def journal_of(fake: AssetFake) -> list[tuple[int, str | None, str | None]]:
    return [(e.status, e.fault, e.network) for e in fake.journal]


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[AssetFake, str]]:
    fake = AssetFake(kinds_world())
    with fake.serve() as url:
        yield fake, url


# --- stall: the status and headers, a few bytes, then nothing ----------------------------------


def test_in_process_a_stall_returns_the_headers_then_times_out_reading_the_body() -> None:
    fake = AssetFake(kinds_world())
    with fake.client(timeout=TIMEOUT) as client:
        with client.stream("GET", f"{CUSTOMERS}/runs", headers=breaking("stall")) as response:
            assert response.status_code == 200
            promised = int(response.headers["content-length"])
            assert response.headers["X-Fake-Fault"] == "net-stall"
            received: list[bytes] = []
            with pytest.raises(httpx.ReadTimeout):
                for chunk in response.iter_raw():
                    received.append(chunk)
        with pytest.raises(httpx.ReadTimeout):
            client.get(f"{CUSTOMERS}/runs", headers=breaking("stall"))
        after = client.get(f"{CUSTOMERS}/runs")
    assert len(b"".join(received)) == STALL_AFTER < promised
    assert after.status_code == 200
    assert journal_of(fake) == [(0, "net-stall", "stall")] * 2 + [(200, None, None)]


def test_in_process_async_a_stall_times_out_reading_the_body() -> None:
    fake = AssetFake(kinds_world())

    async def call() -> BaseException | None:
        async with fake.async_client(timeout=TIMEOUT) as client:
            try:
                await client.get(f"{CUSTOMERS}/runs", headers=breaking("stall"))
            except httpx.TransportError as error:
                return error
        return None

    assert type(asyncio.run(call())) is httpx.ReadTimeout


def test_on_the_wire_httpx_gets_the_headers_then_a_read_timeout(
    served: tuple[AssetFake, str],
) -> None:
    _, url = served
    with httpx.Client(base_url=url, timeout=TIMEOUT) as client:
        started = time.monotonic()
        with client.stream("GET", f"{CUSTOMERS}/runs", headers=breaking("stall")) as response:
            assert response.status_code == 200  # the status and headers arrived
            promised = int(response.headers["content-length"])
            received: list[bytes] = []
            with pytest.raises(httpx.ReadTimeout):
                for chunk in response.iter_raw():
                    received.append(chunk)
        stalled_for = time.monotonic() - started
        assert client.get(f"{CUSTOMERS}/runs").status_code == 200  # a new connection
    assert TIMEOUT <= stalled_for < TIMEOUT + 3
    assert len(b"".join(received)) == STALL_AFTER < promised


def test_on_the_wire_requests_times_out_reading_a_stalled_body(
    served: tuple[AssetFake, str],
) -> None:
    fake, url = served
    before = sum(1 for e in fake.journal if e.network == "stall")
    with requests.Session() as session:
        started = time.monotonic()
        with pytest.raises(requests.ConnectionError, match="Read timed out"):
            session.get(f"{url}{CUSTOMERS}/runs", headers=breaking("stall"), timeout=TIMEOUT)
        elapsed = time.monotonic() - started
        assert session.get(f"{url}{CUSTOMERS}/runs", timeout=5).status_code == 200
    assert TIMEOUT <= elapsed < TIMEOUT + 3
    assert sum(1 for e in fake.journal if e.network == "stall") == before + 1


# --- slow_body: the whole answer, dribbled -----------------------------------------------------


def _timed(get: Callable[[], bytes]) -> tuple[bytes, float]:
    started = time.monotonic()
    body = get()
    return body, time.monotonic() - started


def _assert_dribbled(body: bytes, whole: bytes, elapsed: float) -> None:
    assert body == whole  # the real answer, all of it
    expected = len(body) / RATE
    assert expected > 0.4  # the page is large enough for the rate to show
    assert expected - 0.15 <= elapsed < expected + 1.5


def test_in_process_a_slow_body_arrives_whole_at_the_rate() -> None:
    fake = AssetFake(kinds_world())
    with fake.client() as client:
        whole = client.get(f"{CUSTOMERS}/runs").content
        body, elapsed = _timed(
            lambda: client.get(f"{CUSTOMERS}/runs", headers=breaking("slow_body")).content
        )
    _assert_dribbled(body, whole, elapsed)
    assert journal_of(fake) == [(200, None, None), (200, "net-slow_body", None)]


def test_in_process_async_a_slow_body_arrives_whole_at_the_rate() -> None:
    fake = AssetFake(kinds_world())

    async def call() -> tuple[bytes, bytes, float]:
        async with fake.async_client() as client:
            whole = (await client.get(f"{CUSTOMERS}/runs")).content
            started = time.monotonic()
            slow = await client.get(f"{CUSTOMERS}/runs", headers=breaking("slow_body"))
            return whole, slow.content, time.monotonic() - started

    whole, body, elapsed = asyncio.run(call())
    _assert_dribbled(body, whole, elapsed)


@pytest.mark.parametrize("kind", ["httpx", "requests"])
def test_on_the_wire_a_slow_body_arrives_whole_at_the_rate(
    served: tuple[AssetFake, str], kind: str
) -> None:
    _, url = served
    target = f"{url}{CUSTOMERS}/runs"
    if kind == "httpx":
        with httpx.Client(timeout=10) as client:
            whole = client.get(target).content
            body, elapsed = _timed(
                lambda: client.get(target, headers=breaking("slow_body")).content
            )
    else:
        with requests.Session() as session:
            whole = session.get(target, timeout=10).content
            body, elapsed = _timed(
                lambda: session.get(target, headers=breaking("slow_body"), timeout=10).content
            )
    _assert_dribbled(body, whole, elapsed)


# --- close_after: the answer, then the kept-alive connection is gone --------------------------


def _close_after_then_trigger(client: httpx.Client) -> tuple[int, BaseException | None, int]:
    """The answer with close_after, a POST on the same connection, then one more request."""
    answered = client.get(f"{CUSTOMERS}/runs", headers=breaking("close_after")).status_code
    error: BaseException | None = None
    try:
        client.post(f"{CUSTOMERS}/materialize", json={})
    except httpx.TransportError as raised:
        error = raised
    return answered, error, client.get(f"{CUSTOMERS}/runs").status_code


def test_in_process_the_request_after_close_after_fails_and_changes_nothing() -> None:
    fake = AssetFake(kinds_world())
    runs_before = len(fake.state.runs("customers"))
    with fake.client() as client:
        answered, error, after = _close_after_then_trigger(client)
    assert (answered, after) == (200, 200)
    assert type(error) is httpx.RemoteProtocolError
    assert len(fake.state.runs("customers")) == runs_before  # the dropped trigger ran nothing
    assert journal_of(fake) == [
        (200, "net-close_after", None),
        (0, "net-close_after", "close_after"),
        (200, None, None),
    ]
    assert fake.journal[1].operation == "triggerAssetMaterialization"


def test_in_process_async_the_request_after_close_after_fails() -> None:
    fake = AssetFake(kinds_world())

    async def call() -> tuple[int, BaseException | None]:
        async with fake.async_client() as client:
            first = await client.get(f"{SALES}/runs", headers=breaking("close_after"))
            try:
                await client.get(f"{SALES}/runs")
            except httpx.TransportError as error:
                return first.status_code, error
        return first.status_code, None

    status, error = asyncio.run(call())
    assert status == 200
    assert type(error) is httpx.RemoteProtocolError


def test_on_the_wire_httpx_meets_the_stale_connection_on_its_next_request() -> None:
    fake = AssetFake(kinds_world())
    with fake.serve() as url, httpx.Client(base_url=url, timeout=5) as client:
        runs_before = len(fake.state.runs("customers"))
        answered, error, after = _close_after_then_trigger(client)
    assert (answered, after) == (200, 200)
    assert type(error) is httpx.RemoteProtocolError
    assert len(fake.state.runs("customers")) == runs_before
    assert journal_of(fake)[:2] == [
        (200, "net-close_after", None),
        (0, "net-close_after", "close_after"),
    ]


def test_on_the_wire_requests_meets_the_stale_connection_on_its_next_request() -> None:
    fake = AssetFake(kinds_world())
    with fake.serve() as url, requests.Session() as session:
        runs_before = len(fake.state.runs("customers"))
        first = session.get(f"{url}{CUSTOMERS}/runs", headers=breaking("close_after"), timeout=5)
        with pytest.raises(requests.ConnectionError, match="Remote end closed"):
            session.post(f"{url}{CUSTOMERS}/materialize", json={}, timeout=5)
        after = session.get(f"{url}{CUSTOMERS}/runs", timeout=5)
    assert (first.status_code, after.status_code) == (200, 200)
    assert json.loads(first.content)["items"]
    assert len(fake.state.runs("customers")) == runs_before
    assert journal_of(fake) == [
        (200, "net-close_after", None),
        (0, "net-close_after", "close_after"),
        (200, None, None),
    ]


# --- the same verdict in process and live ------------------------------------------------------

#: What a client meets as a failure: httpx's and requests' transport errors, a body that fails.
FAILURES = (httpx.TransportError, requests.RequestException, ValueError)
Send = Callable[[str], bytes]


def verdict_world(kind: str) -> dict[str, Any]:
    """The first list of runs meets ``kind``; a careful client retries what failed."""
    respond: dict[str, Any] = {"network": kind}
    if kind == "slow_body":
        respond["bytes_per_second"] = 50_000.0
    expect: list[dict[str, Any]] = [{"calls": {"operation": "listAssetRuns", "min": 2}}]
    if kind != "slow_body":
        expect.append({"retries_on": [kind]})
    return {
        **scenario(
            {"name": kind, "match": {"operation": "listAssetRuns", "call": 1}, "respond": respond}
        ),
        "expect": expect,
    }


def workflow(send: Send, careful: bool) -> None:
    """List both assets' runs; a careful client retries a failed read (twice at most)."""
    for path in (f"{CUSTOMERS}/runs", f"{SALES}/runs"):
        for attempt in range(3 if careful else 1):
            try:
                json.loads(send(path))
                break
            except FAILURES:
                if not careful or attempt == 2:
                    raise


@contextmanager
def senders(fake: AssetFake, how: str) -> Iterator[Send]:
    """A client of ``fake``: in process (httpx), or live with httpx or requests."""
    if how == "in-process":
        with fake.client(timeout=TIMEOUT) as client:
            yield lambda path: client.get(path).content
        return
    with fake.serve() as url:
        if how == "httpx":
            with httpx.Client(base_url=url, timeout=TIMEOUT) as live:
                yield lambda path: live.get(path).content
        else:
            with requests.Session() as session:
                yield lambda path: session.get(url + path, timeout=TIMEOUT).content


def verdict(kind: str, how: str, careful: bool) -> tuple[bool, bool, list[Any]]:
    """Whether the workflow raised, whether verify passed, and the journal."""
    fake = AssetFake(verdict_world(kind))
    raised = False
    with senders(fake, how) as send:
        try:
            workflow(send, careful)
        except FAILURES:
            raised = True
    try:
        fake.verify()
        passed = True
    except ExpectationFailed:
        passed = False
    return raised, passed, journal_of(fake)


@pytest.mark.parametrize(
    "kind",
    [
        "stall",
        "slow_body",
        "close_after",
    ],
)
@pytest.mark.parametrize("careful", [True, False], ids=["careful", "naive"])
def test_in_process_and_live_clients_get_the_same_verdict(kind: str, careful: bool) -> None:
    seen = {how: verdict(kind, how, careful) for how in ("in-process", "httpx", "requests")}
    assert seen["in-process"] == seen["httpx"] == seen["requests"], seen
    raised, passed, _ = seen["in-process"]
    if kind == "slow_body":  # nothing fails: every client finishes and passes
        assert (raised, passed) == (False, True)
    else:
        assert (raised, passed) == (not careful, careful)


# --- seeded delay ranges -----------------------------------------------------------------------


def _delays(seed: int, firings: int = 6) -> tuple[list[float], float]:
    fake = AssetFake(
        scenario(
            {
                "name": "late",
                "match": {"operation": "listAssetRuns"},
                "respond": {"status": 500, "delay_seconds": {"min": 0.01, "max": 0.03}},
            }
        ),
        seed=seed,
    )
    started = time.monotonic()
    with fake.client() as client:
        for _ in range(firings):
            assert client.get(f"{CUSTOMERS}/runs").status_code == 500
    waited = time.monotonic() - started
    return [e.delay_seconds for e in fake.journal], waited


def test_a_delay_range_is_drawn_per_firing_within_its_bounds_and_really_waited() -> None:
    delays, waited = _delays(seed=7)
    assert all(0.01 <= d <= 0.03 for d in delays)
    assert len(set(delays)) == len(delays)  # a draw per firing
    assert waited >= sum(delays)


def test_a_delay_range_is_reproducible_for_a_seed_and_varies_across_seeds() -> None:
    first, _ = _delays(seed=7)
    again, _ = _delays(seed=7)
    other, _ = _delays(seed=8)
    assert first == again
    assert first != other


def test_a_reset_draws_the_same_delays_again() -> None:
    fake = AssetFake(
        scenario(
            {
                "name": "late",
                "match": {"operation": "listAssetRuns"},
                "respond": {"network": "reset", "delay_seconds": {"min": 0, "max": 0.01}},
            }
        )
    )

    def run() -> list[float]:
        with fake.client() as client:
            for _ in range(3):
                with pytest.raises(httpx.ReadError):
                    client.get(f"{CUSTOMERS}/runs")
        return [e.delay_seconds for e in fake.journal]

    first = run()
    fake.reset()
    assert run() == first
