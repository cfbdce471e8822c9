"""The fake's clock for unmodified client libraries: ``with patched(fake.clock): ...``.

While the block runs on a **manual** clock, the code under test that sleeps or reads the time
on the thread that entered the block meets the fake's clock instead of the wall clock:

- ``time.sleep(s)`` advances the fake's clock by ``s`` and returns at once;
- ``asyncio.sleep(s)`` does the same, then still yields to the event loop once (the original
  ``asyncio.sleep(0)``), so other tasks run as they would;
- ``time.monotonic()`` and ``time.time()`` (and ``datetime.now()`` where a library below reads
  it) return the real value **plus** the seconds advanced through the patch so far: they never
  go backwards, deadlines computed from them (``stop_after_delay``, ``max_time``, asyncio's
  ``loop.time()`` and the timers scheduled on it) expire by the time the client waited.

So a retry library's own back-off and ``Retry-After`` handling run instantly, and the fake
judges them (``honors_retry_after``, ``backoff``) on its clock, where the waits appear as gaps.

On a **realtime** clock the block is a no-op: sleeps are real, and the time-based verdicts judge
the wall time the client really waited.

Where it reaches. The attributes in :data:`PATCH_POINTS` are replaced process-wide (they are
module globals) while at least one block is active anywhere, and put back when the last one
exits, also on an error. The replacements divert only calls made **on a thread that is inside a
block**; every other thread gets the functions that were there before. This is what keeps the
fake's own live server (``fake.serve()`` runs uvicorn on a thread of the same process) and any
unrelated thread on real time. Consequences for test authors:

- run the client under test on the thread that enters the block (``asyncio.run`` inside the block
  is fine: the loop runs on that thread); work the client hands to other threads (thread pools,
  ``asyncio.to_thread``) sleeps for real;
- every sleep on that thread moves the fake's clock, the in-process transport's own fault delays
  included (``delay_seconds``, ``slow_body``);
- enter ``fake.serve()`` *before* the block (``with fake.serve() as url, patched(fake.clock):``):
  the server's start-up wait polls ``time.sleep``/``time.monotonic`` on the entering thread;
- blocks nest (the innermost clock gets the sleeps); several threads may each hold their own
  block, each with its own clock and offset;
- a module imported *inside* a block that binds ``from time import sleep`` keeps the replacement
  after the block; outside a block the replacement delegates to the real function, so this only
  costs a lookup;
- the offset is dropped when the thread's outermost block exits: a ``time.monotonic()`` read
  inside and compared with one read after is off by the waits of the block.
"""

from __future__ import annotations

import asyncio
import datetime as _datetime_module
import importlib
import math
import threading
import time
import types
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from assetfake.domain.clock import ClockMode

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = ["PATCH_POINTS", "PatchPoint", "PatchableClock", "patched"]


class PatchableClock(Protocol):
    """What :func:`patched` needs of a clock: ``fake.clock`` and a ``RemoteFake``'s clock."""

    @property
    def mode(self) -> ClockMode: ...

    def advance(self, seconds: float) -> object: ...


@dataclass(slots=True)
class _Timeline:
    """One thread's active blocks (innermost last) and the seconds its sleeps advanced."""

    clocks: list[tuple[object, PatchableClock]] = field(default_factory=list)
    offset: float = 0.0

    def advance(self, seconds: float) -> None:
        self.clocks[-1][1].advance(seconds)
        self.offset += seconds


_local = threading.local()


def _timeline() -> _Timeline | None:
    timeline: _Timeline | None = getattr(_local, "timeline", None)
    return timeline


def _offset() -> float:
    timeline = _timeline()
    return 0.0 if timeline is None else timeline.offset


def _wait_of(seconds: object) -> float | None:
    """The finite, non-negative wait a sleep asks for; ``None`` when the real function should
    answer (it raises for a negative or invalid value, and sleeps forever for infinity)."""
    if not isinstance(seconds, int | float):
        return None
    value = float(seconds)
    return value if math.isfinite(value) and value >= 0 else None


# --- what was there before: replacements delegate to these off the patched threads ---------


@dataclass(slots=True)
class _Previous:
    """The functions the replacements stand in for: what the module held when the first block
    was entered (the real ones, unless a test had already put its own there)."""

    sleep: Callable[[float], None] = time.sleep
    monotonic: Callable[[], float] = time.monotonic
    time: Callable[[], float] = time.time
    async_sleep: Callable[..., Coroutine[object, object, object]] = asyncio.sleep

    def capture(self) -> None:
        if time.sleep is not _sleep:
            self.sleep = time.sleep
        if time.monotonic is not _monotonic:
            self.monotonic = time.monotonic
        if time.time is not _time:
            self.time = time.time
        if asyncio.sleep is not _async_sleep:
            self.async_sleep = asyncio.sleep


_previous = _Previous()


# --- the replacements ------------------------------------------------------------------------


def _sleep(seconds: float) -> None:
    timeline = _timeline()
    wait = _wait_of(seconds)
    if timeline is None or wait is None:
        _previous.sleep(seconds)
        return
    timeline.advance(wait)


async def _async_sleep(delay: float, result: object = None) -> object:
    timeline = _timeline()
    if timeline is None or not math.isfinite(delay):
        return await _previous.async_sleep(delay, result)
    if delay > 0:
        timeline.advance(float(delay))
    return await _previous.async_sleep(0, result)


def _monotonic() -> float:
    return _previous.monotonic() + _offset()


def _time() -> float:
    return _previous.time() + _offset()


class _ShiftedDatetime(_datetime_module.datetime):
    """``datetime.datetime`` whose ``now()`` follows the patched ``time.time()``."""

    @classmethod
    def now(cls, tz: _datetime_module.tzinfo | None = None) -> Self:
        return cls.fromtimestamp(_time(), tz)


class _ShiftedDatetimeModule(types.ModuleType):
    """The ``datetime`` module as a library that did ``import datetime`` sees it while patched:
    everything as it is, except ``datetime.datetime.now()``."""

    datetime = _ShiftedDatetime

    def __getattr__(self, name: str) -> object:
        return getattr(_datetime_module, name)


_SHIFTED_DATETIME = _ShiftedDatetimeModule("datetime")


@dataclass(frozen=True, slots=True)
class PatchPoint:
    """One attribute the patch replaces, and why (what reads it, from the library's source)."""

    module: str
    attribute: str
    replacement: object
    reason: str
    optional: bool = False  # the module belongs to a library that may not be installed


#: Every attribute :func:`patched` replaces. Read against the installed sources of urllib3 2.x,
#: tenacity 9, stamina 26, backoff 2.2, httpx-retries 0.6 and aiohttp-retry 2.9: all of them
#: look ``time.sleep``/``asyncio.sleep``/``time.monotonic`` up on the module at call time, so
#: the four ``time``/``asyncio`` entries reach them; the others are names a library bound at
#: import. Deliberately *not* replaced: ``time.perf_counter`` (requests binds it as
#: ``preferred_clock`` and httpx reads it, both only for ``Response.elapsed``, never to decide a
#: retry), ``aiohttp.connector``'s ``from time import monotonic`` (keep-alive bookkeeping, not a
#: retry clock), ``time.monotonic_ns``/``time.time_ns`` (no retry library here reads them), and
#: ``asyncio.tasks.sleep`` (the same function as ``asyncio.sleep``; none binds it by that name).
PATCH_POINTS: tuple[PatchPoint, ...] = (
    PatchPoint(
        "time",
        "sleep",
        _sleep,
        "urllib3 Retry.sleep_for_retry and _sleep_backoff (requests' HTTPAdapter retries); "
        "tenacity.nap.sleep, the default sleep of tenacity.Retrying and so of stamina's sync "
        "path; backoff._sync retry loops; httpx_retries Retry.sleep: all call time.sleep()",
    ),
    PatchPoint(
        "time",
        "monotonic",
        _monotonic,
        "tenacity's RetryCallState start and outcome times (stop_after_delay, and so stamina's "
        "timeout=); asyncio's BaseEventLoop.time(), so that loop timers see the waited time",
    ),
    PatchPoint(
        "time",
        "time",
        _time,
        "urllib3 Retry.parse_retry_after: an HTTP-date Retry-After minus time.time()",
    ),
    PatchPoint(
        "asyncio",
        "sleep",
        _async_sleep,
        "tenacity.asyncio._portable_async_sleep (AsyncRetrying's default, stamina's async path "
        "via stamina._core._smart_sleep), backoff._async, httpx_retries Retry.asleep, "
        "aiohttp_retry _RequestContext._do_request: all call asyncio.sleep()",
    ),
    PatchPoint(
        "backoff._sync",
        "datetime",
        _SHIFTED_DATETIME,
        "backoff measures elapsed (max_time=) as datetime.datetime.now() - start, through the "
        "module it bound with `import datetime`",
        optional=True,
    ),
    PatchPoint(
        "backoff._async",
        "datetime",
        _SHIFTED_DATETIME,
        "the same as backoff._sync, for coroutines",
        optional=True,
    ),
    PatchPoint(
        "httpx_retries.retry",
        "datetime",
        _SHIFTED_DATETIME,
        "Retry.parse_retry_after: an HTTP-date Retry-After minus datetime.datetime.now(utc)",
        optional=True,
    ),
    PatchPoint(
        "anyio._backends._asyncio",
        "sleep",
        _async_sleep,
        "anyio binds `from asyncio import sleep` at import; anyio.sleep() under asyncio is how "
        "httpcore backs off its connect retries (httpx.AsyncHTTPTransport(retries=N))",
        optional=True,
    ),
)


class _Installation:
    """The process-wide side: how many blocks are active, and what the patched attributes held
    before the first of them (put back when the last one exits)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._active = 0
        self._saved: list[tuple[object, str, object]] = []

    def acquire(self) -> None:
        with self._lock:
            if self._active == 0:
                self._install()
            self._active += 1

    def release(self) -> None:
        with self._lock:
            self._active -= 1
            if self._active == 0:
                self._restore()

    def _install(self) -> None:
        _previous.capture()
        for point in PATCH_POINTS:
            try:
                module = importlib.import_module(point.module)
            except ImportError:
                if point.optional:
                    continue
                raise
            if point.optional and not hasattr(module, point.attribute):
                continue  # another version of the library, which does not read it there
            self._saved.append((module, point.attribute, getattr(module, point.attribute)))
            setattr(module, point.attribute, point.replacement)

    def _restore(self) -> None:
        for module, attribute, value in reversed(self._saved):
            setattr(module, attribute, value)
        self._saved.clear()


_installation = _Installation()


@contextmanager
def patched(clock: PatchableClock) -> Iterator[None]:
    """Route ``time.sleep``, ``asyncio.sleep`` and the clocks retry libraries read to ``clock``
    on this thread for the duration of the block (a no-op on a realtime clock)."""
    if clock.mode != "manual":
        yield
        return
    token = object()
    _installation.acquire()
    timeline = _timeline()
    if timeline is None:
        timeline = _Timeline()
        _local.timeline = timeline
    timeline.clocks.append((token, clock))
    try:
        yield
    finally:
        timeline.clocks[:] = [entry for entry in timeline.clocks if entry[0] is not token]
        if not timeline.clocks:
            del _local.timeline
        _installation.release()
