"""The partitions of an asset: daily, hourly or static keys, in their natural order.

This module is the one parser of partition sets. The scenario's checks build each asset's set
here and report a :class:`PartitionsError`'s problems at the field each one names (a bound, a
static key); the world's configuration then keeps the sets built during the check. The shapes of
a bound (:data:`DAILY_PATTERN`, :data:`HOURLY_PATTERN`) are stated here once; the scenario's JSON
Schema quotes them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

PartitionKind = Literal["daily", "hourly", "static"]
Bound = Literal["start", "end"]

HOURLY_FORMAT = "%Y-%m-%d-%H:%M"
DAILY_FORMAT = "%Y-%m-%d"
#: A daily bound (and key): ``2024-01-31``.
DAILY_PATTERN = r"^\d{4}-\d{2}-\d{2}$"
#: An hourly bound (and key), on the hour: ``2024-01-31-23:00``.
HOURLY_PATTERN = r"^\d{4}-\d{2}-\d{2}-\d{2}:00$"
MAX_PARTITIONS = 1_000_000
MAX_KEY_LENGTH = 255


@dataclass(frozen=True, slots=True)
class PartitionProblem:
    """Why a set cannot be built. ``at`` is the bound at fault, the index of the static key at
    fault, or ``None`` for the set as a whole (start after end, too many partitions)."""

    at: Bound | int | None
    message: str


class PartitionsError(ValueError):
    """A partition set that cannot be built, with every problem found in it."""

    def __init__(self, *problems: PartitionProblem) -> None:
        self.problems = problems
        super().__init__("; ".join(problem.message for problem in problems))


@dataclass(frozen=True, slots=True)
class _BoundShape:
    name: str  # as a message shows it
    format: str
    #: The shape with any minutes (an hourly bound off the hour gets its own message).
    pattern: re.Pattern[str]
    step: timedelta
    on_the_hour: bool


_DAILY = _BoundShape(
    "YYYY-MM-DD", DAILY_FORMAT, re.compile(DAILY_PATTERN), timedelta(days=1), on_the_hour=False
)
_HOURLY = _BoundShape(
    "YYYY-MM-DD-HH:00",
    HOURLY_FORMAT,
    re.compile(HOURLY_PATTERN.replace(":00$", r":\d{2}$")),
    timedelta(hours=1),
    on_the_hour=True,
)


@dataclass(frozen=True, slots=True)
class Partitions:
    """An ordered, finite set of partition keys. Build with :meth:`daily`, :meth:`hourly`,
    :meth:`static` (each raises :class:`PartitionsError`)."""

    kind: PartitionKind
    keys: tuple[str, ...]
    start: str | None = None
    end: str | None = None
    _index: dict[str, int] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._index.update((key, i) for i, key in enumerate(self.keys))

    @classmethod
    def daily(cls, start: str, end: str) -> Partitions:
        return cls("daily", _series(start, end, _DAILY), start, end)

    @classmethod
    def hourly(cls, start: str, end: str) -> Partitions:
        return cls("hourly", _series(start, end, _HOURLY), start, end)

    @classmethod
    def static(cls, keys: Sequence[str]) -> Partitions:
        if not keys:
            raise PartitionsError(
                PartitionProblem(None, "a static partition set needs at least one key")
            )
        problems: list[PartitionProblem] = []
        seen: set[str] = set()
        for index, key in enumerate(keys):
            if not key or len(key) > MAX_KEY_LENGTH:
                message = f"a partition key must be 1-{MAX_KEY_LENGTH} characters"
                problems.append(PartitionProblem(index, message))
            elif key in seen:
                problems.append(PartitionProblem(index, f"duplicate partition key {key!r}"))
            seen.add(key)
        if problems:
            raise PartitionsError(*problems)
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


def _series(start: str, end: str, shape: _BoundShape) -> tuple[str, ...]:
    problems: list[PartitionProblem] = []
    moments: list[datetime] = []
    bounds: tuple[tuple[Bound, str], ...] = (("start", start), ("end", end))
    for bound, text in bounds:
        moment = _parse_bound(text, shape)
        if isinstance(moment, str):
            problems.append(PartitionProblem(bound, moment))
        else:
            moments.append(moment)
    if problems:
        raise PartitionsError(*problems)
    first, last = moments
    if first > last:
        raise PartitionsError(PartitionProblem(None, "partition start is after its end"))
    count = int((last - first) / shape.step) + 1
    if count > MAX_PARTITIONS:
        message = f"at most {MAX_PARTITIONS} partitions per asset, got {count}"
        raise PartitionsError(PartitionProblem(None, message))
    return tuple((first + shape.step * i).strftime(shape.format) for i in range(count))


def _parse_bound(text: object, shape: _BoundShape) -> datetime | str:
    """The instant a bound names, or why it names none."""
    expected = f"expected a {shape.name} partition bound, got {text!r}"
    if not isinstance(text, str) or not shape.pattern.match(text):
        return expected
    try:
        moment = datetime.strptime(text, shape.format)
    except ValueError:
        return expected
    if shape.on_the_hour and moment.minute:
        return f"an hourly bound must fall on the hour, got {text!r}"
    return moment
