"""The request journal: every API request (not control calls), in arrival order, bounded."""

from __future__ import annotations

import functools
import hashlib
import time
from collections import deque
from collections.abc import Iterator
from datetime import datetime

import msgspec

from assetfake.domain.timestamps import to_datetime
from assetfake.http.exchange import ApiRequest, Outcome
from assetfake.http.replies import header_value

#: How many entries a namespace keeps; the oldest are dropped first.
JOURNAL_CAP = 10_000
#: How much of a request body an entry keeps; the rest is cut (``body_cut`` says so).
BODY_KEPT = 64 * 1024
REDACTED = "[redacted]"


class Details(msgspec.Struct, frozen=True, gc=False):
    """What a person reading the journal wants to see of one exchange. Untracked by the cycle
    collector (``gc=False``; it holds only strings, bytes, numbers and tuples of them): a
    journal holds thousands, and a server under load would have every collection walk them."""

    request_headers: tuple[tuple[str, str], ...]  # lower-case names; Authorization redacted
    request_body: bytes  # at most BODY_KEPT bytes
    request_size: int  # the whole body's size
    response_status: int  # what was sent on the status line (0: none was sent)
    response_headers: tuple[tuple[str, str], ...]
    response_size: int  # the body's size, as sent (or promised, for a broken body)

    @property
    def body_cut(self) -> bool:
        return self.request_size > len(self.request_body)


class JournalEntry(msgspec.Struct, frozen=True, gc=False):
    """One request as the journal keeps it; untracked by the cycle collector, as
    :class:`Details` (nothing in it can be part of a reference cycle)."""

    operation: str | None  # None for a path that routed nowhere
    method: str
    path: str  # the raw path, still percent-encoded, without the namespace prefix
    query: str  # the raw query string
    status: int  # 0 when a network fault answered with no status
    fault: str | None  # the fault rule that fired, if any
    clock_time: datetime
    wall_time: float
    body_digest: str  # sha256 of the request body, hex; identifies identical requests
    request_id: str
    asset: str | None = None  # the asset key addressed, decoded
    retry_after: float | None = None  # the Retry-After the response carried, in seconds
    credential: str | None = None  # a digest of the Authorization header, if one was sent
    network: str | None = None  # the network fault that answered (reset, malformed, ...)
    aborted: bool = False  # the request never arrived whole: nothing was acted on
    details: Details | None = None  # headers and bodies, for people (dashboard, control API)
    #: (id, status) of each run or backfill the answer carried, when it arrived whole.
    resources: tuple[tuple[str, str], ...] = ()
    #: The real delay a fault put before the answer (seconds): not time the client waited.
    delay_seconds: float = 0.0

    @property
    def succeeded(self) -> bool:
        """A 2xx the client could use (a ``malformed`` 200 is not one)."""
        return 200 <= self.status < 300 and self.network is None

    def identity(self) -> tuple[str, str, str, str, str | None]:
        """What makes two requests "identical" for the retry expectations: method, path,
        query, body and the credential they were sent with."""
        return (self.method, self.path, self.query, self.body_digest, self.credential)


def entry_of(request: ApiRequest, path: str, outcome: Outcome, arrived_ms: int) -> JournalEntry:
    """The journal's line for one request, read off its outcome."""
    reply = outcome.reply
    retry_after = None if outcome.network else header_value(reply.headers, "retry-after")
    return JournalEntry(
        operation=outcome.operation,
        method=request.method,
        path=path,
        query=request.query,
        status=outcome.status,
        fault=outcome.fault_name,
        clock_time=_instant(arrived_ms),
        wall_time=time.time(),
        body_digest=hashlib.sha256(request.body).hexdigest() if request.body else _EMPTY_DIGEST,
        request_id=outcome.request_id,
        asset=outcome.asset,
        retry_after=_seconds(retry_after),
        credential=_digest(request.headers.get("authorization")),
        network=outcome.network,
        aborted=outcome.aborted,
        details=details_of(request, outcome),
        resources=reply.seen if outcome.network is None else (),
        delay_seconds=outcome.delay_seconds,
    )


def details_of(request: ApiRequest, outcome: Outcome) -> Details:
    reply = outcome.reply
    sent = not outcome.aborted and outcome.network not in ("reset", "hang", "close_after")
    headers: list[tuple[str, str]] = []
    if sent:
        headers = [("content-type", reply.content_type)]
        headers += [(k.lower(), v) for k, v in reply.headers.items()]
        headers += [(k.lower(), v) for k, v in outcome.marks.items()]
    return Details(
        request_headers=tuple(
            (k, REDACTED if k == "authorization" else v) for k, v in request.headers.items()
        ),
        request_body=request.body[:BODY_KEPT],
        request_size=len(request.body),
        response_status=reply.status if sent else 0,
        response_headers=tuple(headers),
        response_size=len(reply.body) if sent else 0,
    )


_EMPTY_DIGEST = hashlib.sha256(b"").hexdigest()


#: The instant of an entry: many requests arrive in the same millisecond.
_instant = functools.lru_cache(maxsize=1)(to_datetime)


def _seconds(value: str | None) -> float | None:
    try:
        return None if value is None else float(value)
    except ValueError:
        return None


def _digest(value: str | None) -> str | None:
    return None if value is None else hashlib.sha256(value.encode()).hexdigest()[:16]


class Journal:
    def __init__(self, cap: int | None = None) -> None:
        self._entries: deque[JournalEntry] = deque(maxlen=JOURNAL_CAP if cap is None else cap)
        self.dropped = 0

    def append(self, entry: JournalEntry) -> None:
        if len(self._entries) == self._entries.maxlen:
            self.dropped += 1
        self._entries.append(entry)

    def clear(self) -> None:
        self._entries.clear()
        self.dropped = 0

    def __iter__(self) -> Iterator[JournalEntry]:
        return iter(list(self._entries))

    def __len__(self) -> int:
        return len(self._entries)

    def __getitem__(self, index: int) -> JournalEntry:
        return self._entries[index]
