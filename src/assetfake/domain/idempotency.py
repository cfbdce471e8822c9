"""Idempotency keys: a repeated request with the same key and body replays the first answer;
the same key with another body is refused."""

from __future__ import annotations

from assetfake.domain.errors import InvalidRequest
from assetfake.domain.records import BackfillRecord, RunRecord

Created = RunRecord | BackfillRecord


class IdempotencyLog:
    def __init__(self) -> None:
        self._seen: dict[tuple[str, str, str], tuple[object, Created]] = {}

    def replay(self, op: str, asset: str, key: str | None, fingerprint: object) -> Created | None:
        """What the first request with this key created, or None when the key is new;
        ``InvalidRequest`` when the key was used with another body."""
        if key is None:
            return None
        seen = self._seen.get((op, asset, key))
        if seen is None:
            return None
        if seen[0] != fingerprint:
            raise InvalidRequest(
                f"Idempotency-Key '{key}' was already used with a different request body",
                code="idempotency_key_reused",
            )
        return seen[1]

    def remember(
        self, op: str, asset: str, key: str | None, fingerprint: object, record: Created
    ) -> None:
        if key is not None:
            self._seen[(op, asset, key)] = (fingerprint, record)
