"""How a zoo client reaches the fake: in process (the ``assetfake`` fixture's transport) or live
(the ``assetfake_server`` fixture's namespace URL), with the fake's clock and its credential
source, and a budget of requests that stops a runaway client.

The credential source is what a real SDK's token provider is: in process ``fake.credentials``,
live ``GET /_fake/credentials`` of the namespace (what a client in any language reads).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import httpx
from clients import BASE_URL, Credentials, Sleep

from assetfake import AssetFake
from assetfake.remote import RemoteFake

#: The most requests one run of the workflow may send; past it the client is stopped with
#: :class:`Runaway` (the journal then shows the unbounded retries to ``max_attempts``).
REQUEST_BUDGET = 400
#: (connect, read) seconds: a stalled body must end a live read, and quickly.
TIMEOUTS = (5.0, 1.0)

TransportWrapper = Callable[[httpx.BaseTransport], httpx.BaseTransport]


class Runaway(Exception):
    """The client sent more requests than any workflow run needs: it was stopped. Not a
    client error, so the world's outcome check reports it."""


@dataclass
class Budget:
    left: int = REQUEST_BUDGET

    def spend(self) -> None:
        self.left -= 1
        if self.left < 0:
            raise Runaway(f"stopped after {REQUEST_BUDGET} requests: the client does not stop")


class BudgetTransport(httpx.BaseTransport):
    """Counts every attempt (also those a retrying transport above it makes)."""

    def __init__(self, inner: httpx.BaseTransport, budget: Budget) -> None:
        self.inner = inner
        self.budget = budget

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.budget.spend()
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


@dataclass
class Connection:
    base_url: str
    sleep: Sleep
    credentials: Credentials
    live: bool
    transport: httpx.BaseTransport | None = None  # in process; None: real sockets
    budget: Budget = field(default_factory=Budget)

    @property
    def timeouts(self) -> tuple[float, float]:
        return TIMEOUTS

    def http(self, wrap: TransportWrapper | None = None) -> httpx.Client:
        """An httpx client to the fake; ``wrap`` puts a library's transport around the budget."""
        inner = self.transport if self.transport is not None else httpx.HTTPTransport()
        transport: httpx.BaseTransport = BudgetTransport(inner, self.budget)
        if wrap is not None:
            transport = wrap(transport)
        connect, read = TIMEOUTS
        return httpx.Client(
            base_url=self.base_url,
            transport=transport,
            timeout=httpx.Timeout(connect, read=read),
        )


def in_process(fake: AssetFake) -> Connection:
    return Connection(
        base_url=BASE_URL,
        sleep=fake.clock.sleep,
        credentials=lambda: fake.credentials,
        live=False,
        transport=fake.transport,
    )


def live(remote: RemoteFake) -> Connection:
    def credentials() -> str | None:
        answer = httpx.get(f"{remote.url}/_fake/credentials", timeout=5.0)
        answer.raise_for_status()
        token = answer.json()["token"]
        return token if isinstance(token, str) else None

    return Connection(
        base_url=remote.url, sleep=remote.clock.sleep, credentials=credentials, live=True
    )
