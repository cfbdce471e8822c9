"""The fake's clocks: manual (moves only when told) and realtime (a source times speed)."""

from __future__ import annotations

import math
from datetime import timedelta

import pytest

from assetfake.domain.clock import ManualClock, RealtimeClock
from assetfake.domain.config import AssetConfig, RunConfig, WorldConfig
from assetfake.domain.errors import ClockError
from assetfake.domain.status import RunStatus
from assetfake.domain.timestamps import MAX_MS, parse_rfc3339
from assetfake.domain.world import World

START = parse_rfc3339("2024-06-01T00:00:00Z")


class _FakeSource:
    """A monotonic time source the test moves by hand."""

    def __init__(self, value: float = 1000.0) -> None:
        self.value = value

    def __call__(self) -> float:
        return self.value


def test_manual_clock_starts_where_told_and_stands_still() -> None:
    clock = ManualClock(START)
    assert clock.mode == "manual"
    assert clock.now_ms() == START
    assert clock.now_ms() == START
    assert clock.isoformat() == "2024-06-01T00:00:00.000Z"


def test_manual_now_is_timezone_aware_utc() -> None:
    now = ManualClock(START).now()
    assert now.utcoffset() == timedelta(0)
    assert now.isoformat() == "2024-06-01T00:00:00+00:00"


def test_manual_advance_and_sleep_add_up() -> None:
    clock = ManualClock(START)
    returned = clock.advance(seconds=1.5)
    clock.sleep(2)
    clock.advance(0.001)
    clock.advance()
    assert clock.now_ms() == START + 3501
    assert returned.isoformat() == "2024-06-01T00:00:01.500000+00:00"


@pytest.mark.parametrize("seconds", [-1, -0.001])
def test_manual_clock_refuses_to_go_backwards(seconds: float) -> None:
    clock = ManualClock(START)
    with pytest.raises(ValueError, match="backwards"):
        clock.advance(seconds)
    with pytest.raises(ValueError, match="backwards"):
        clock.sleep(seconds)
    assert clock.now_ms() == START


@pytest.mark.parametrize("seconds", [math.nan, math.inf, 1e300, 300_000_000_000])
def test_manual_clock_refuses_steps_it_cannot_take(seconds: float) -> None:
    clock = ManualClock(START)
    with pytest.raises(ValueError):
        clock.advance(seconds)
    assert clock.now_ms() == START


def test_manual_clock_reaches_the_last_nameable_instant_and_no_further() -> None:
    clock = ManualClock(START)
    clock.advance((MAX_MS - START) / 1000)
    assert clock.isoformat() == "9999-12-31T23:59:59.999Z"
    with pytest.raises(ValueError):
        clock.advance(0.001)
    assert clock.now_ms() == MAX_MS


def test_manual_advance_to_only_moves_forward() -> None:
    clock = ManualClock(START)
    clock.advance_to_ms(START + 5000)
    clock.advance_to_ms(START + 1000)
    assert clock.now_ms() == START + 5000


def test_realtime_follows_the_source_times_speed() -> None:
    source = _FakeSource()
    clock = RealtimeClock(START, source, speed=2.0)
    assert clock.mode == "realtime"
    assert clock.now_ms() == START
    source.value += 1.5
    assert clock.now_ms() == START + 3000
    assert clock.isoformat() == "2024-06-01T00:00:03.000Z"


def test_realtime_advance_jumps_ahead_of_the_source() -> None:
    source = _FakeSource()
    clock = RealtimeClock(START, source)
    clock.advance(10)
    source.value += 1
    assert clock.now_ms() == START + 11_000
    with pytest.raises(ValueError, match="backwards"):
        clock.advance(-1)
    clock.advance_to_ms(START + 20_000)
    clock.advance_to_ms(START)
    assert clock.now_ms() == START + 20_000


@pytest.mark.parametrize("seconds", [math.nan, math.inf, -math.inf, 1e300])
def test_realtime_clock_refuses_steps_it_cannot_take(seconds: float) -> None:
    clock = RealtimeClock(START, _FakeSource())
    with pytest.raises(ValueError):
        clock.advance(seconds)
    assert clock.now_ms() == START


@pytest.mark.parametrize("speed", [0.0, -1.0, math.nan, math.inf])
def test_realtime_speed_must_be_positive_and_finite(speed: float) -> None:
    with pytest.raises(ValueError, match="speed"):
        RealtimeClock(START, _FakeSource(), speed=speed)


def test_world_on_a_realtime_clock_follows_the_source() -> None:
    source = _FakeSource()
    config = WorldConfig(START, (AssetConfig("a", run=RunConfig(running_seconds=10)),))
    world = World(config, RealtimeClock(START, source, speed=10.0))
    run, _ = world.trigger("a")
    source.value += 0.1  # 1 s of fake time: the queue time is over
    assert world.run(run.id).status is RunStatus.STARTING
    source.value += 0.1
    assert world.run(run.id).status is RunStatus.RUNNING
    source.value += 1.0
    done = world.run(run.id)
    assert done.status is RunStatus.SUCCEEDED
    assert done.ended_at == "2024-06-01T00:00:12.000Z"


def test_run_until_idle_needs_a_manual_clock() -> None:
    config = WorldConfig(START, (AssetConfig("a"),))
    world = World(config, RealtimeClock(START, _FakeSource()))
    world.trigger("a")
    with pytest.raises(ClockError) as info:
        world.run_until_idle()
    assert info.value.code == "clock_error"
