"""Journals written by hand for the verifier's tests: entries at chosen fake-clock and wall-clock
instants, judged against a small world."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta, timezone

from assetfake.domain.clock import ClockMode
from assetfake.domain.world import World
from assetfake.fake import AssetFake
from assetfake.http.journal import JournalEntry
from assetfake.scenario import Scenario
from assetfake.verify import Failure, verify
from small_world import scenario

START = datetime(2024, 6, 1, tzinfo=timezone.utc)
RUNS = "/assets/sales%2Fdaily/runs"
BACKFILLS = "/assets/sales%2Fdaily/backfills"


class Log:
    """A journal under construction; ``add`` appends one entry ``at`` seconds after the start
    on the fake's clock (``wall``: seconds on the wall clock, by default the same)."""

    def __init__(self) -> None:
        self.entries: list[JournalEntry] = []

    def add(
        self,
        at: float,
        status: int = 200,
        *,
        wall: float | None = None,
        method: str = "GET",
        path: str = RUNS,
        query: str = "",
        body: str = "",
        operation: str | None = "listAssetRuns",
        network: str | None = None,
        retry_after: float | None = None,
        resources: tuple[tuple[str, str], ...] = (),
        aborted: bool = False,
    ) -> JournalEntry:
        entry = JournalEntry(
            operation=operation,
            method=method,
            path=path,
            query=query,
            status=status,
            fault=None,
            clock_time=START + timedelta(seconds=at),
            wall_time=1_000_000.0 + (at if wall is None else wall),
            body_digest=body,
            request_id=f"req_{len(self.entries) + 1}",
            asset="sales/daily",
            retry_after=retry_after,
            network=network,
            aborted=aborted,
            resources=resources,
        )
        self.entries.append(entry)
        return entry


def world() -> World:
    return AssetFake(scenario()).namespaces.default.world


def judge(
    expect: Sequence[dict[str, object]],
    entries: Sequence[JournalEntry],
    mode: ClockMode = "manual",
    on: World | None = None,
) -> list[Failure]:
    """The failures of ``expect`` (validated as a scenario's) over ``entries``."""
    specs = Scenario.load(scenario(expect=list(expect))).spec.expect
    return verify(specs, entries, on if on is not None else world(), clock_mode=mode)


def text(failures: Sequence[Failure]) -> str:
    return "\n".join(
        "\n".join([f"{f.expectation}: {f.message}", *f.resources, *f.journal]) for f in failures
    )
