"""The control API's answers as typed records, which :class:`~assetfake.remote.RemoteFake`
decodes with msgspec (unknown fields are ignored: a server may send more), and the report of a
verdict's failures."""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping, Sequence
from datetime import datetime

import msgspec

from assetfake.domain.clock import ClockMode
from assetfake.domain.resources import Backfill, Materialization, Run
from assetfake.http.journal import Details, JournalEntry
from assetfake.verify.engine import Failure


class Verdict(msgspec.Struct, frozen=True):
    """``GET /_fake/verify``: whether every expectation held, the failures (each a
    :class:`~assetfake.verify.Failure` when the server sent one's shape) and the report."""

    passed: bool
    failures: list[object] = []
    report: str | None = None


class ClockAnswer(msgspec.Struct, frozen=True):
    now: datetime
    mode: ClockMode
    speed: float = 1.0


class FaultTally(msgspec.Struct, frozen=True):
    """A fault rule as ``GET /_fake/faults`` lists it: as written, and how often it matched
    a call and fired."""

    name: str
    match: dict[str, object]
    respond: dict[str, object]
    matched: int
    fired: int


class TransitionsAnswer(msgspec.Struct, frozen=True):
    transitions: int


class FaultsAnswer(msgspec.Struct, frozen=True):
    """The rules' names, and (from this server) their definitions with their counts."""

    faults: list[str]
    rules: list[FaultTally] = []


class AssetAnswer(msgspec.Struct, frozen=True):
    key: str


class StateAnswer(msgspec.Struct, frozen=True):
    assets: list[AssetAnswer]
    runs: list[Run]
    backfills: list[Backfill]
    materializations: list[Materialization]
    counts: dict[str, int | dict[str, int]]


class RequestDetails(msgspec.Struct, frozen=True):
    """A journal item's ``request``: headers (``Authorization`` redacted), the body kept (UTF-8
    text, or base64 when ``body_base64``), the whole body's size, whether the body was cut."""

    headers: dict[str, str]
    body: str
    body_base64: bool
    size: int
    cut: bool = False

    def body_bytes(self) -> bytes:
        return base64.b64decode(self.body) if self.body_base64 else self.body.encode("utf-8")


class ResponseDetails(msgspec.Struct, frozen=True):
    """A journal item's ``response``: the status sent (0: none), headers and body size."""

    status: int
    headers: dict[str, str]
    size: int


class JournalItem(msgspec.Struct, frozen=True):
    """A journal item of the control API (the contract's fields, then this server's)."""

    operation: str | None
    method: str
    path: str
    query: str
    status: int
    fault: str | None
    clock_time: datetime
    wall_time: float
    body_digest: str = ""
    request_id: str = ""
    asset: str | None = None
    retry_after: float | None = None
    network: str | None = None
    aborted: bool = False
    resources: list[tuple[str, str]] = []
    request: RequestDetails | None = None
    response: ResponseDetails | None = None

    def entry(self) -> JournalEntry:
        return JournalEntry(
            operation=self.operation,
            method=self.method,
            path=self.path,
            query=self.query,
            status=self.status,
            fault=self.fault,
            clock_time=self.clock_time,
            wall_time=self.wall_time,
            body_digest=self.body_digest,
            request_id=self.request_id,
            asset=self.asset,
            retry_after=self.retry_after,
            network=self.network,
            aborted=self.aborted,
            resources=tuple(self.resources),
            details=self._details(),
        )

    def _details(self) -> Details | None:
        request, response = self.request, self.response
        if request is None or response is None:
            return None
        return Details(
            request_headers=tuple(request.headers.items()),
            request_body=request.body_bytes(),
            request_size=request.size,
            response_status=response.status,
            response_headers=tuple(response.headers.items()),
            response_size=response.size,
        )


class JournalAnswer(msgspec.Struct, frozen=True):
    items: list[JournalItem]


class LoadedAnswer(msgspec.Struct, frozen=True):
    """``PUT /_fake/scenario``: which scenario is now loaded (name, seed, how many assets)."""

    seed: int
    scenario: str | None = None
    assets: int = 0


class SnapshotAnswer(msgspec.Struct, frozen=True):
    id: str


def format_failures(failures: Sequence[object]) -> str:
    """A readable report of a verdict's failures, one per line."""
    lines = [f"{len(failures)} expectation(s) failed:"]
    for failure in failures:
        lines.append(f"  - {describe(failure)}")
    return "\n".join(lines) if failures else "expectations failed (no details given)"


def as_failure(item: object) -> object:
    """A failure of the verdict as a :class:`Failure` when it has one's shape, else as sent."""
    try:
        return msgspec.convert(item, Failure)
    except msgspec.ValidationError:
        return item


def describe(failure: object) -> str:
    if isinstance(failure, Failure):
        lines = [f"{failure.expectation}: {failure.message}"]
        lines.extend(f"      {entry}" for entry in failure.journal)
        return "\n".join(lines)
    if isinstance(failure, Mapping):
        message = failure.get("message")
        if isinstance(message, str):
            where = failure.get("expectation")
            lines = [f"{where}: {message}" if where else message]
            journal = failure.get("journal")
            if isinstance(journal, list):
                lines.extend(f"      {entry}" for entry in journal)
            return "\n".join(lines)
        return json.dumps(failure, sort_keys=True, default=str)
    return str(failure)
