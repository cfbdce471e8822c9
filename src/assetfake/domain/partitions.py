"""The partitions of an asset: daily, hourly or static keys, in their natural order."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

PartitionKind = Literal["daily", "hourly", "static"]

HOURLY_FORMAT = "%Y-%m-%d-%H:%M"
DAILY_FORMAT = "%Y-%m-%d"
MAX_PARTITIONS = 1_000_000


@dataclass(frozen=True, slots=True)
class Partitions:
    """An ordered, finite set of partition keys. Build with :meth:`daily`, :meth:`hourly`,
    :meth:`static`."""

    kind: PartitionKind
    keys: tuple[str, ...]
    start: str | None = None
    end: str | None = None
    _index: dict[str, int] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._index.update((key, i) for i, key in enumerate(self.keys))

    @classmethod
    def daily(cls, start: str, end: str) -> Partitions:
        first = _parse(start, DAILY_FORMAT, "YYYY-MM-DD")
        last = _parse(end, DAILY_FORMAT, "YYYY-MM-DD")
        keys = _series(first, last, timedelta(days=1), DAILY_FORMAT)
        return cls("daily", keys, start, end)

    @classmethod
    def hourly(cls, start: str, end: str) -> Partitions:
        first = _parse(start, HOURLY_FORMAT, "YYYY-MM-DD-HH:MM")
        last = _parse(end, HOURLY_FORMAT, "YYYY-MM-DD-HH:MM")
        if first.minute or last.minute:
            raise ValueError("hourly partition bounds must fall on the hour (minutes 00)")
        keys = _series(first, last, timedelta(hours=1), HOURLY_FORMAT)
        return cls("hourly", keys, start, end)

    @classmethod
    def static(cls, keys: list[str] | tuple[str, ...]) -> Partitions:
        if not keys:
            raise ValueError("a static partition set needs at least one key")
        if len(set(keys)) != len(keys):
            raise ValueError("static partition keys must be unique")
        for key in keys:
            if not key or len(key) > 255:
                raise ValueError("a partition key must be 1-255 characters")
        return cls("static", tuple(keys))

    def __contains__(self, key: object) -> bool:
        return key in self._index

    def __len__(self) -> int:
        return len(self.keys)

    def position(self, key: str) -> int:
        return self._index[key]

    def select_range(self, start: str, end: str) -> tuple[str, ...]:
        """Keys from ``start`` to ``end``, both inclusive; both must be keys of this set."""
        return self.keys[self._index[start] : self._index[end] + 1]

    def describe(self) -> dict[str, object]:
        """The scenario form of this set, e.g. ``{"daily": {"start": ..., "end": ...}}``."""
        if self.kind == "static":
            return {"static": list(self.keys)}
        return {self.kind: {"start": self.start, "end": self.end}}


def _parse(text: str, fmt: str, shape: str) -> datetime:
    try:
        return datetime.strptime(text, fmt)
    except (TypeError, ValueError):
        raise ValueError(f"expected a {shape} partition bound, got {text!r}") from None


def _series(first: datetime, last: datetime, step: timedelta, fmt: str) -> tuple[str, ...]:
    if first > last:
        raise ValueError("partition start is after its end")
    count = int((last - first) / step) + 1
    if count > MAX_PARTITIONS:
        raise ValueError(f"at most {MAX_PARTITIONS} partitions per asset, got {count}")
    return tuple((first + step * i).strftime(fmt) for i in range(count))
