"""Keyset pagination: newest first, by sequence number, with opaque tamper-evident tokens.

Each list (runs, backfills or materializations of one asset, optionally filtered by status) is
held as sorted indexes keyed by sequence number. A page bisects to its cursor and slices, so it
costs O(log n + page size) whatever the number of stored items. A list may be layered: the
immutable history shared by every world, and the world's own live records, whose sequence numbers
are all greater.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import random
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

import msgspec
from sortedcontainers import SortedKeyList

from assetfake.domain.config import PaginationConfig
from assetfake.domain.errors import InvalidRequest


class Sequenced(Protocol):
    @property
    def seq(self) -> int: ...


R = TypeVar("R", bound=Sequenced)
R_co = TypeVar("R_co", covariant=True)


class Layer(Protocol[R_co]):
    """One sorted index of a list, oldest first, as a page reads it: a live ``SortedKeyList``
    (:func:`new_index`) or a history layer (``history.HistoryLayer``)."""

    def __len__(self) -> int: ...

    def __iter__(self) -> Iterator[R_co]: ...

    def bisect_key_left(self, seq: int) -> int: ...

    def islice(
        self, start: int | None = None, stop: int | None = None, reverse: bool = False
    ) -> Iterator[R_co]: ...


_MAC_BYTES = 12


def _by_seq(record: Sequenced) -> int:
    return record.seq


def new_index(records: Iterable[Sequenced] = ()) -> SortedKeyList:
    """A list of records kept sorted by ``seq``."""
    return SortedKeyList(records, key=_by_seq)


@dataclass(frozen=True, slots=True)
class Cursor:
    """Where a page continues: strictly older than ``before_seq``."""

    before_seq: int


class _TokenBody(msgspec.Struct, array_like=True, frozen=True):
    list_name: str
    asset: str
    status: str
    before_seq: int
    issued_ms: int


class TokenCodec:
    """Signs and checks page tokens bound to one list, asset and status filter."""

    def __init__(self, secret: bytes, ttl_ms: int | None) -> None:
        self._secret = secret
        self._ttl_ms = ttl_ms

    def encode(self, list_name: str, asset: str, status: str, before_seq: int, now_ms: int) -> str:
        body = msgspec.json.encode(_TokenBody(list_name, asset, status, before_seq, now_ms))
        mac = hmac.new(self._secret, body, hashlib.sha256).digest()[:_MAC_BYTES]
        return base64.urlsafe_b64encode(mac + body).decode().rstrip("=")

    def decode(self, token: str, list_name: str, asset: str, status: str, now_ms: int) -> Cursor:
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        except ValueError:
            raise _invalid("page_token is not a token this server issued") from None
        if base64.urlsafe_b64encode(raw).decode().rstrip("=") != token:
            raise _invalid("page_token is not a token this server issued (or it was altered)")
        mac, body = raw[:_MAC_BYTES], raw[_MAC_BYTES:]
        expected = hmac.new(self._secret, body, hashlib.sha256).digest()[:_MAC_BYTES]
        if len(mac) != _MAC_BYTES or not hmac.compare_digest(mac, expected):
            raise _invalid("page_token is not a token this server issued (or it was altered)")
        parsed = msgspec.json.decode(body, type=_TokenBody)
        if (parsed.list_name, parsed.asset) != (list_name, asset):
            raise _invalid(
                f"page_token belongs to another list ({parsed.list_name} of asset "
                f"'{parsed.asset}'), not to {list_name} of asset '{asset}'"
            )
        if parsed.status != status:
            was = parsed.status or "no status filter"
            now = status or "no status filter"
            raise _invalid(f"page_token was issued for {was}; this request has {now}")
        if self._ttl_ms is not None and now_ms - parsed.issued_ms > self._ttl_ms:
            raise InvalidRequest(
                f"page_token expired ({self._ttl_ms // 1000} s after it was issued); "
                "start again from the first page",
                code="page_token_expired",
            )
        return Cursor(parsed.before_seq)


def _invalid(message: str) -> InvalidRequest:
    return InvalidRequest(message, code="invalid_page_token")


def page_size(requested: int | None, config: PaginationConfig) -> int:
    if requested is None:
        return config.default_page_size
    if requested < 1:
        raise InvalidRequest("max_results must be at least 1", code="invalid_max_results")
    return min(requested, config.max_page_size)


class Paginator(Generic[R]):
    """Takes one newest-first page from layered indexes (newest layer first)."""

    def __init__(self, config: PaginationConfig, rng: random.Random) -> None:
        self._config = config
        self._rng = rng

    def take(
        self, layers: Sequence[Layer[R]], cursor: Cursor | None, size: int
    ) -> tuple[list[R], bool]:
        """Up to ``size`` records older than the cursor, newest first, and whether more follow."""
        want = size + 1
        out: list[R] = []
        for layer in layers:
            end = len(layer) if cursor is None else layer.bisect_key_left(cursor.before_seq)
            start = max(0, end - (want - len(out)))
            if end > start:
                out.extend(layer.islice(start, end, reverse=True))
            if len(out) >= want:
                break
        more = len(out) > size
        del out[size:]
        short = self._config.short_pages
        if more and size > 1 and short > 0 and self._rng.random() < short:
            del out[self._rng.randint(1, size - 1) :]
        return out, more
