"""Every client of the zoo by name: the careful reference, the naive clients (one bug each) and
the clients built on retry libraries, with how to build one on a :class:`Connection`, where it
can run (in process needs an httpx transport; requests and aiohttp need a socket) and whether
its waits need ``patch_time`` (the library clients sleep with ``time.sleep``/``asyncio.sleep``;
the others are handed ``fake.clock.sleep``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from clients import PagingClient, ReferenceClient

from zoo import libraries
from zoo.connection import Connection
from zoo.naive import NAIVE_CLIENTS

#: The environment variable that names the client ``library_run.py`` runs.
ZOO_CLIENT_VARIABLE = "ASSETFAKE_ZOO_CLIENT"

Built = tuple[PagingClient, Callable[[], None]]


@dataclass(frozen=True)
class ZooClient:
    name: str
    kind: str  # "careful", "naive" or "library"
    make: Callable[[Connection], Built]
    in_process: bool = True
    live: bool = True
    patch_time: bool = False

    @property
    def modes(self) -> tuple[str, ...]:
        return tuple(m for m, on in (("in_process", self.in_process), ("live", self.live)) if on)


def _hand_written(cls: type[ReferenceClient]) -> Callable[[Connection], Built]:
    def make(connection: Connection) -> Built:
        http = connection.http()
        return cls(http, connection.sleep, connection.credentials), http.close

    return make


def _library(cls: type[libraries.LibraryClient]) -> Callable[[Connection], Built]:
    def make(connection: Connection) -> Built:
        client = cls(connection)
        return client, client.close

    return make


LIBRARY_CLIENTS: dict[str, tuple[type[libraries.LibraryClient], bool]] = {
    # name: (class, runs in process)
    "urllib3_retry": (libraries.Urllib3Client, False),
    "tenacity": (libraries.TenacityClient, True),
    "stamina": (libraries.StaminaClient, True),
    "backoff": (libraries.BackoffClient, True),
    "httpx_retries": (libraries.HttpxRetriesClient, True),
    "aiohttp_retry": (libraries.AiohttpRetryClient, False),
}

ZOO: dict[str, ZooClient] = {
    "careful": ZooClient("careful", "careful", _hand_written(ReferenceClient)),
    **{name: ZooClient(name, "naive", _hand_written(cls)) for name, cls in NAIVE_CLIENTS.items()},
    **{
        name: ZooClient(name, "library", _library(cls), in_process=local, patch_time=True)
        for name, (cls, local) in LIBRARY_CLIENTS.items()
    },
}
