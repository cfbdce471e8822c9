"""The in-process clients: assetfake's sync transport against httpx's async ASGITransport (the
contract's baseline: within 2x of it) and Starlette's TestClient (a thread hop per request).

    python bench/bench_transport.py
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import httpx
from starlette.testclient import TestClient

from assetfake import AssetFake

PATH = "/assets/customers/runs?max_results=5"
N = 2000


def timed(run: Callable[[], None]) -> float:
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        run()
        best = min(best, (time.perf_counter() - start) / N)
    return best * 1e6


def main() -> None:
    fake = AssetFake()

    def sync_transport() -> None:
        with fake.client() as client:
            for _ in range(N):
                client.get(PATH)

    def async_baseline() -> None:
        async def go() -> None:
            transport = httpx.ASGITransport(app=fake.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://x") as client:
                for _ in range(N):
                    await client.get(PATH)

        asyncio.run(go())

    def starlette_testclient() -> None:
        with TestClient(fake.app) as client:
            for _ in range(N):
                client.get(PATH)

    baseline = timed(async_baseline)
    rows = [
        ("httpx.ASGITransport (async, baseline)", baseline),
        ("assetfake sync transport (fake.client())", timed(sync_transport)),
        ("starlette TestClient", timed(starlette_testclient)),
    ]
    print(f"{'client':<42} {'µs/request':>11} {'ratio':>7}")
    for name, value in rows:
        print(f"{name:<42} {value:>11.1f} {value / baseline:>6.2f}x")


if __name__ == "__main__":
    main()
