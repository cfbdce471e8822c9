"""The surface every fake offers a test: one typed protocol for the in-process
:class:`~assetfake.AssetFake` and the :class:`~assetfake.remote.RemoteFake` that drives a live
server over its control API (contract section 4).

Both answer with the same types: aware UTC datetimes from the clock, fault names from
``faults``, :class:`JournalEntry` records from ``journal``, the API's own resource structs
(:class:`Run`, :class:`Backfill`, :class:`Materialization`) from ``state``, and
:class:`ExpectationFailed` from ``verify``. A test written against :class:`FakeSurface` runs
unchanged against either::

    def exercise(fake: FakeSurface) -> None:
        with fake.client() as c:
            c.post("/assets/customers/materialize", json={})
        fake.run_until_idle()
        assert fake.state.runs("customers")[-1].status is RunStatus.SUCCEEDED
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import TYPE_CHECKING, Protocol, TypedDict, overload

import httpx

from assetfake.domain.clock import ClockMode
from assetfake.domain.resources import Backfill, Materialization, Run
from assetfake.http.journal import JournalEntry
from assetfake.verify.failure import ExpectationFailed

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from assetfake.fake import AssetFake
    from assetfake.remote import RemoteFake

__all__ = [
    "ClientOptions",
    "ClockSurface",
    "ExpectationFailed",
    "FakeSurface",
    "FaultDocument",
    "FaultsSurface",
    "JournalEntry",
    "JournalView",
    "StateSurface",
]

#: A fault written as in a scenario's ``faults`` list (``name``, ``match``, ``respond``).
FaultDocument = Mapping[str, object]


class ClientOptions(TypedDict, total=False):
    """What ``client()`` passes on to ``httpx.Client`` (the transport and, unless given, the
    base URL are the fake's)."""

    base_url: str
    headers: Mapping[str, str]
    params: Mapping[str, str]
    cookies: dict[str, str]
    auth: tuple[str, str] | httpx.Auth
    timeout: float | httpx.Timeout | None
    follow_redirects: bool


class ClockSurface(Protocol):
    """The fake's clock."""

    @property
    def mode(self) -> ClockMode: ...

    def now(self) -> datetime:
        """The current instant, a timezone-aware UTC datetime."""
        ...

    def advance(self, seconds: float = 0.0) -> datetime:
        """Move forward, processing every transition due in between; returns the new now."""
        ...

    def sleep(self, seconds: float) -> None:
        """Inject in place of ``time.sleep``: the client under test waits on the fake's clock."""
        ...

    def patch(self) -> AbstractContextManager[None]:
        """Route the sleeps and clocks of unmodified client libraries to this clock."""
        ...


class FaultsSurface(Protocol):
    """The faults in force: the scenario's, plus any added at run time."""

    @overload
    def add(self, fault: FaultDocument) -> str: ...

    @overload
    def add(self, fault: Sequence[FaultDocument]) -> list[str]: ...

    def add(self, fault: FaultDocument | Sequence[FaultDocument]) -> str | list[str]:
        """Add one fault (returns its name) or several (returns theirs, in order); they are
        validated as a scenario's and all added or none. They apply from the next request."""
        ...

    def clear(self) -> None:
        """Remove every fault, the scenario's included, until the next ``reset``."""
        ...

    def names(self) -> list[str]:
        """The names of the faults in force, in the order they are tried."""
        ...

    def __len__(self) -> int: ...


class StateSurface(Protocol):
    """The world's resources, as the API shows them, oldest first."""

    def runs(self, asset: str | None = None) -> list[Run]: ...

    def backfills(self, asset: str | None = None) -> list[Backfill]: ...

    def materializations(self, asset: str | None = None) -> list[Materialization]: ...

    def counts(self) -> dict[str, int]:
        """Totals: ``assets``, ``runs``, ``backfills``, ``materializations``,
        ``pending_transitions``."""
        ...


class JournalView(Protocol):
    """The journaled API requests (never control calls), in arrival order."""

    def __iter__(self) -> Iterator[JournalEntry]: ...

    def __len__(self) -> int: ...

    def __getitem__(self, index: int) -> JournalEntry: ...


class FakeSurface(Protocol):
    """What a test may ask of any fake, in process or remote."""

    @property
    def clock(self) -> ClockSurface: ...

    @property
    def faults(self) -> FaultsSurface: ...

    @property
    def state(self) -> StateSurface: ...

    @property
    def journal(self) -> JournalView: ...

    @property
    def credentials(self) -> str | None:
        """The bearer token the client under test is issued now (``auth.client``: the first
        valid on the fake's clock, else the last); ``None`` when the scenario has no auth."""
        ...

    def client(self, **options: Unpack[ClientOptions]) -> httpx.Client:
        """A new ``httpx.Client`` that reaches the fake (``base_url`` set)."""
        ...

    def run_until_idle(self) -> int:
        """Run every pending transition on the manual clock; returns how many ran."""
        ...

    def reset(self) -> None:
        """The scenario's initial state: state, clock, faults, rate buckets, journal."""
        ...

    def verify(self) -> None:
        """Raise :class:`ExpectationFailed` with the report when an ``expect`` entry fails."""
        ...

    def cancel_run(self, run_id: str) -> Run: ...

    def cancel_backfill(self, backfill_id: str) -> Backfill: ...


if TYPE_CHECKING:
    # Checked by mypy on every run: both fakes are a FakeSurface (nothing at run time).
    def _conforms(local: AssetFake, remote: RemoteFake) -> tuple[FakeSurface, FakeSurface]:
        return local, remote
