"""A world's lists, as pages and as inspection: newest first, layered, signed page tokens.

A page costs O(log n + page size) whatever is stored (see :mod:`pagination`); the resources on
it derive their strings through the world's :class:`~assetfake.domain.records.ResourceMemo`.
"""

from __future__ import annotations

import hashlib
import heapq
import itertools
import random
from collections.abc import Iterable, Sequence

from assetfake.domain.clock import Clock
from assetfake.domain.config import PaginationConfig
from assetfake.domain.indexes import AssetState, Kind, Record, newest_first, oldest_first
from assetfake.domain.pagination import Cursor, Paginator, TokenCodec, page_size
from assetfake.domain.records import ResourceMemo
from assetfake.domain.resources import Backfill, Materialization, Page, Run
from assetfake.domain.status import RunStatus
from assetfake.domain.timestamps import seconds_to_ms

Resource = Run | Backfill | Materialization


class Lists:
    def __init__(self, pagination: PaginationConfig, seed: int, clock: Clock) -> None:
        secret = hashlib.sha256(f"assetfake:page-token:{seed}".encode()).digest()
        ttl = pagination.page_token_ttl_seconds
        self.memo = ResourceMemo()
        self._pagination = pagination
        self._clock = clock
        self._tokens = TokenCodec(secret, None if ttl is None else seconds_to_ms(ttl))
        self._paginator: Paginator[Record] = Paginator(pagination, random.Random(f"{seed}:pages"))

    def size(self, max_results: int | None) -> int:
        return page_size(max_results, self._pagination)

    def cursor(
        self, kind: Kind, asset: str, status: RunStatus | None, token: str | None
    ) -> Cursor | None:
        """Where the page continues; ``InvalidRequest`` for a token this list did not issue
        (or one expired on the fake's clock)."""
        if token is None:
            return None
        filt = "" if status is None else status.value
        return self._tokens.decode(token, kind, asset, filt, self._clock.now_ms())

    def page(
        self,
        kind: Kind,
        state: AssetState,
        status: RunStatus | None,
        size: int,
        cursor: Cursor | None,
        shared: bool = False,
    ) -> Page[Resource]:
        """Up to ``size`` records of an asset's list older than the cursor, newest first
        (``shared``: resources to read and never change, see :meth:`World.list_runs`)."""
        records, more = self._paginator.take(state.layers(kind, status), cursor, size)
        token = None
        if more and records:
            filt = "" if status is None else status.value
            now = self._clock.now_ms()
            token = self._tokens.encode(kind, state.config.key, filt, records[-1].seq, now)
        items = [r.view(self.memo) for r in records] if shared else self.resources(records)
        return Page(items=items, next_page_token=token)

    def resources(self, records: Iterable[Record]) -> list[Resource]:
        memo = self.memo
        return [record.resource(memo) for record in records]

    def newest(self, states: Iterable[AssetState], kind: Kind, limit: int) -> list[Resource]:
        """The newest ``limit`` records of every asset, newest first; O(limit x assets)."""
        streams = [layer.islice(reverse=True) for state in states for layer in state.layers(kind)]
        merged = heapq.merge(*streams, key=newest_first)
        return self.resources(itertools.islice(merged, limit))

    @staticmethod
    def every(states: Sequence[AssetState], kind: Kind) -> list[Record]:
        """Every record of a kind, oldest first (history first)."""
        records: list[Record] = []
        for state in states:
            for layer in reversed(state.layers(kind)):
                records.extend(layer)
        if len(states) > 1:
            records.sort(key=oldest_first)
        return records
