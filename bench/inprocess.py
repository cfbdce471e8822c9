"""The in-process clients, each against its baseline in the same process:

- ``fake.async_client()`` against the bare Starlette route (same bytes) through the same
  ``httpx.ASGITransport``;
- ``fake.client()`` against Starlette's ``TestClient`` on the fake's app (a thread hop per
  request), as a test author would otherwise write it.
"""

from __future__ import annotations

import asyncio
import warnings
from collections.abc import Callable

import httpx

with (
    warnings.catch_warnings()
):  # Starlette 1.x deprecates TestClient over httpx; still the baseline
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from assetfake import AssetFake
from bare_app import bare_app
from timing import clock

PAGE_PATH = "/assets/customers/runs?max_results=20"
TRIGGER_PATH = "/assets/customers/materialize"


def reference_bodies(fake: AssetFake) -> tuple[bytes, bytes]:
    """What the fake answers to the page and to a trigger (the baseline answers the same)."""
    with fake.client() as client:
        page = client.get(PAGE_PATH)
        run = client.post(TRIGGER_PATH)
    if page.status_code != 200 or run.status_code != 202:
        raise RuntimeError(f"the fake answered {page.status_code} and {run.status_code}")
    fake.reset()
    return page.content, run.content


def _per_request_us(run: Callable[[], None], requests: int) -> float:
    start = clock()
    run()
    return (clock() - start) / requests * 1e6


def async_us(new_client: Callable[[], httpx.AsyncClient], requests: int) -> float:
    """µs per page request through an ``httpx.AsyncClient`` (made in the event loop)."""

    async def go() -> None:
        async with new_client() as client:
            for _ in range(requests):
                (await client.get(PAGE_PATH)).raise_for_status()

    return _per_request_us(lambda: asyncio.run(go()), requests)


def sync_us(client: httpx.Client, requests: int) -> float:
    def go() -> None:
        for _ in range(requests):
            client.get(PAGE_PATH).raise_for_status()

    return _per_request_us(go, requests)


class InProcess:
    """The four clients, built once; each measure is one repetition of ``requests``."""

    def __init__(self, requests: int) -> None:
        self.requests = requests
        self.fake = AssetFake()
        page, run = reference_bodies(self.fake)
        self.bare = bare_app(page, run)

    def fake_async(self) -> float:
        return async_us(self.fake.async_client, self.requests)

    def bare_async(self) -> float:
        def new_client() -> httpx.AsyncClient:
            transport = httpx.ASGITransport(app=self.bare)
            return httpx.AsyncClient(transport=transport, base_url="http://x")

        return async_us(new_client, self.requests)

    def fake_sync(self) -> float:
        with self.fake.client() as client:
            return sync_us(client, self.requests)

    def testclient_sync(self) -> float:
        with TestClient(self.fake.app, base_url="http://x") as client:
            return sync_us(client, self.requests)
