"""The fake's clock: manual (moves only when told) or realtime (wall clock times speed).

The domain never reads the wall clock itself: a realtime clock is handed its time source.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime
from typing import Literal, Protocol

from assetfake.domain.timestamps import (
    MAX_MS,
    checked_advance,
    format_ms,
    seconds_to_ms,
    to_datetime,
)

ClockMode = Literal["manual", "realtime"]


class Clock(Protocol):
    mode: ClockMode
    speed: float

    def now_ms(self) -> int: ...

    def now(self) -> datetime: ...

    def advance(self, seconds: float = 0.0) -> datetime: ...

    def advance_to_ms(self, instant_ms: int) -> None: ...


class _MovingClock:
    """What both clocks share: reading the instant, and moving forward (never back, never
    past the year 9999). Subclasses say what the instant is and how to shift it."""

    mode: ClockMode
    speed: float

    def now_ms(self) -> int:
        raise NotImplementedError

    def _shift(self, ms: int) -> None:
        raise NotImplementedError

    def now(self) -> datetime:
        """The current instant, a timezone-aware UTC datetime."""
        return to_datetime(self.now_ms())

    def isoformat(self) -> str:
        return format_ms(self.now_ms())

    def advance(self, seconds: float = 0.0) -> datetime:
        """Move the clock forward; transitions due in between happen at their own instants."""
        now = self.now_ms()
        self._shift(checked_advance(now, seconds) - now)
        return self.now()

    def sleep(self, seconds: float) -> None:
        """A drop-in for ``time.sleep`` in the client under test: advances the fake's clock."""
        self.advance(seconds)

    def advance_to_ms(self, instant_ms: int) -> None:
        if instant_ms > MAX_MS:
            raise ValueError("the clock cannot pass the year 9999")
        now = self.now_ms()
        if instant_ms > now:
            self._shift(instant_ms - now)


class ManualClock(_MovingClock):
    """A clock that moves only through :meth:`advance`, :meth:`sleep` or the world's idle run."""

    mode: ClockMode = "manual"

    def __init__(self, start_ms: int, speed: float = 1.0) -> None:
        self._now_ms = start_ms
        self.speed = speed

    def now_ms(self) -> int:
        return self._now_ms

    def _shift(self, ms: int) -> None:
        self._now_ms += ms


class RealtimeClock(_MovingClock):
    """Follows a monotonic time source, times ``speed``, from ``start_ms``; ``advance`` jumps
    ahead of it (useful to skip waiting in a realtime server)."""

    mode: ClockMode = "realtime"

    def __init__(self, start_ms: int, source: Callable[[], float], speed: float = 1.0) -> None:
        if not math.isfinite(speed) or speed <= 0:
            raise ValueError(f"speed must be positive and finite, not {speed}")
        self._start_ms = start_ms
        self._source = source
        self._origin = source()
        self._offset_ms = 0
        self.speed = speed

    def now_ms(self) -> int:
        elapsed = (self._source() - self._origin) * self.speed
        return self._start_ms + self._offset_ms + seconds_to_ms(elapsed)

    def _shift(self, ms: int) -> None:
        self._offset_ms += ms
