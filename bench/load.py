"""A closed-loop HTTP/1.1 load generator: asyncio protocols over raw loopback sockets.

``connections`` kept-alive connections each send one request, wait for the whole response
(Content-Length framed), and send the next, until the deadline: every load is bounded in time.
Latencies are recorded after a warm-up; a response whose status is not the expected one counts
as an error (a benchmark of error pages would measure nothing). A server that answers
``Connection: close`` (pytest-httpserver's werkzeug always does) is served as a client would:
the connection is opened anew for the next request, and the connect counts in its latency.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from functools import partial
from typing import cast
from urllib.parse import urlsplit

from timing import percentile


@dataclass(frozen=True, slots=True)
class LoadResult:
    requests: int  # completed after the warm-up
    errors: int  # answered with another status, or connections lost
    seconds: float  # measured span (after the warm-up)
    p50_ms: float
    p99_ms: float

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds > 0 else 0.0


def request_bytes(url: str, method: str, path: str, body: bytes = b"") -> bytes:
    host = urlsplit(url).netloc
    head = f"{method} {path} HTTP/1.1\r\nHost: {host}\r\nAccept: */*\r\n"
    if body or method in ("POST", "PUT"):
        head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
    return head.encode() + b"\r\n" + body


class _Tally:
    def __init__(self, measure_from: float, deadline: float, expect: bytes) -> None:
        self.measure_from = measure_from
        self.deadline = deadline
        self.expect = expect  # b"200"
        self.latencies: list[float] = []
        self.errors = 0


class _Connection(asyncio.Protocol):
    """One connection's requests, one at a time; ``done`` gets True when the server closed it
    as announced (``Connection: close``) before the deadline: open another."""

    def __init__(
        self, request: bytes, tally: _Tally, done: asyncio.Future[bool], opened_at: float
    ) -> None:
        self._request = request
        self._tally = tally
        self._done = done
        self._buffer = b""
        self._sent_at = opened_at  # the first request's latency includes the connect
        self._transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast("asyncio.Transport", transport)  # a TCP connection is one
        self._transport.write(self._request)

    def _send(self) -> None:
        if self._transport is not None:
            self._sent_at = time.perf_counter()
            self._transport.write(self._request)

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        while True:
            head_end = self._buffer.find(b"\r\n\r\n")
            if head_end < 0:
                return
            head = self._buffer[:head_end]
            length = _content_length(head)
            total = head_end + 4 + length
            if len(self._buffer) < total:
                return
            status = self._buffer[9:12]
            self._buffer = self._buffer[total:]
            self._answered(status, closing=_closes(head))
            if self._done.done():
                return

    def _answered(self, status: bytes, closing: bool) -> None:
        now = time.perf_counter()
        tally = self._tally
        if status != tally.expect:
            tally.errors += 1
        elif now >= tally.measure_from:
            tally.latencies.append(now - self._sent_at)
        if now >= tally.deadline or closing:
            self._finish(reopen=closing and now < tally.deadline)
        else:
            self._send()

    def _finish(self, reopen: bool = False) -> None:
        if not self._done.done():
            self._done.set_result(reopen)
        if self._transport is not None:
            self._transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self._done.done():  # lost before an answer, or closed unannounced
            self._tally.errors += 1
            self._done.set_result(False)


def _content_length(head: bytes) -> int:
    at = head.lower().find(b"\r\ncontent-length:")
    if at < 0:
        return 0
    end = head.find(b"\r\n", at + 2)
    return int(head[at + 17 : end if end >= 0 else len(head)])


def _closes(head: bytes) -> bool:
    return b"\r\nconnection: close" in head.lower()


async def _client(host: str, port: int, request: bytes, tally: _Tally) -> None:
    """One closed-loop client: its connection, and a new one each time the server closes it."""
    loop = asyncio.get_running_loop()
    reopen = True
    while reopen:
        done: asyncio.Future[bool] = loop.create_future()
        opened_at = time.perf_counter()
        connection = partial(_Connection, request, tally, done, opened_at)
        await loop.create_connection(connection, host, port)
        reopen = await done


async def _drive(
    url: str, request: bytes, connections: int, seconds: float, warmup: float, expect: int
) -> LoadResult:
    parts = urlsplit(url)
    start = time.perf_counter()
    tally = _Tally(start + warmup, start + warmup + seconds, str(expect).encode())
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    clients = [_client(host, port, request, tally) for _ in range(connections)]
    await asyncio.wait_for(asyncio.gather(*clients), timeout=warmup + seconds + 30)
    span = time.perf_counter() - tally.measure_from
    latencies = sorted(tally.latencies)
    return LoadResult(
        len(latencies),
        tally.errors,
        span,
        percentile(latencies, 0.50) * 1e3,
        percentile(latencies, 0.99) * 1e3,
    )


def run_load(
    url: str,
    method: str,
    path: str,
    *,
    body: bytes = b"",
    connections: int = 32,
    seconds: float = 2.0,
    warmup: float = 0.3,
    expect: int = 200,
) -> LoadResult:
    """Drive ``connections`` kept-alive connections at ``url`` for ``warmup + seconds``."""
    request = request_bytes(url, method, path, body)
    return asyncio.run(_drive(url, request, connections, seconds, warmup, expect))
