"""The request journal: every API request (not control calls), in arrival order, bounded."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

#: How many entries a namespace keeps; the oldest are dropped first.
JOURNAL_CAP = 10_000


@dataclass(frozen=True, slots=True)
class JournalEntry:
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

    @property
    def succeeded(self) -> bool:
        """A 2xx the client could use (a ``malformed`` 200 is not one)."""
        return 200 <= self.status < 300 and self.network is None

    def identity(self) -> tuple[str, str, str, str, str | None]:
        """What makes two requests "identical" for the retry expectations: method, path,
        query, body and the credential they were sent with."""
        return (self.method, self.path, self.query, self.body_digest, self.credential)


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
