"""Advancing the clock in one large step gives the same world as many small steps."""

from __future__ import annotations

from dataclasses import dataclass

import msgspec
from hypothesis import given, settings
from hypothesis import strategies as st

from assetfake.domain.clock import ManualClock
from assetfake.domain.config import AssetConfig, RunConfig, WorldConfig
from assetfake.domain.errors import DomainError
from assetfake.domain.partitions import Partitions
from assetfake.domain.selection import PartitionSelection
from assetfake.domain.timestamps import parse_rfc3339
from assetfake.domain.world import World

START = parse_rfc3339("2024-06-01T00:00:00Z")
KEYS = ("k0", "k1", "k2", "k3")


@dataclass(frozen=True)
class _Op:
    wait_ms: int  # how long the clock moves before the call
    kind: str  # trigger | trigger_plain | backfill | cancel_run | cancel_backfill
    arg: int


_ops = st.builds(
    _Op,
    wait_ms=st.integers(0, 15_000),
    kind=st.sampled_from(["trigger", "trigger_plain", "backfill", "cancel_run", "cancel_backfill"]),
    arg=st.integers(0, 1000),
)
_run_configs = st.builds(
    RunConfig,
    queued_seconds=st.sampled_from([0.0, 0.5, 1.0, 2.0]),
    starting_seconds=st.sampled_from([0.0, 1.0, 1.5]),
    running_seconds=st.sampled_from([0.0, 2.0, 5.0]),
    canceling_seconds=st.sampled_from([0.0, 1.0]),
    max_concurrent=st.sampled_from([None, 1, 2]),
    fail_partitions=st.frozensets(st.sampled_from(KEYS), max_size=1),
    fail_probability=st.sampled_from([0.0, 0.5]),
    fail_stage=st.sampled_from(["starting", "running"]),
)


def _make_world(part: RunConfig, plain: RunConfig, seed: int) -> tuple[World, ManualClock]:
    clock = ManualClock(START)
    assets = (
        AssetConfig("part", Partitions.static(list(KEYS)), run=part, metadata={"rows": 1}),
        AssetConfig("plain", run=plain),
    )
    return World(WorldConfig(START, assets, seed=seed), clock), clock


def _call(world: World, op: _Op) -> bytes:
    """Apply one operation; its answer (or its error's code), encoded."""
    try:
        if op.kind == "trigger":
            result: object = world.trigger("part", KEYS[op.arg % len(KEYS)])
        elif op.kind == "trigger_plain":
            result = world.trigger("plain")
        elif op.kind == "backfill":
            lo, hi = sorted((op.arg % len(KEYS), (op.arg // 7) % len(KEYS)))
            result = world.create_backfill("part", PartitionSelection(range=(KEYS[lo], KEYS[hi])))
        elif op.kind == "cancel_run":
            runs = world.runs()
            if not runs:
                return b"none"
            result = world.cancel_run(runs[op.arg % len(runs)].id)
        else:
            backfills = world.backfills()
            if not backfills:
                return b"none"
            result = world.cancel_backfill(backfills[op.arg % len(backfills)].id)
    except DomainError as exc:
        return exc.code.encode()
    return msgspec.json.encode(result)


def _snapshot(world: World) -> bytes:
    return msgspec.json.encode(
        [world.runs(), world.backfills(), world.materializations(), world.clock.now_ms()]
    )


def _small_steps(clock: ManualClock, world: World, total_ms: int, cuts: list[int]) -> None:
    """Move ``total_ms`` in pieces, letting the world catch up after each."""
    done = 0
    for cut in sorted(c % (total_ms + 1) for c in cuts):
        clock.advance((cut - done) / 1000)
        world.catch_up()
        done = cut
    clock.advance((total_ms - done) / 1000)
    world.catch_up()


@settings(max_examples=80, deadline=None)
@given(
    part=_run_configs,
    plain=_run_configs,
    seed=st.integers(0, 5),
    ops=st.lists(_ops, max_size=25),
    tail_ms=st.integers(0, 60_000),
    cuts=st.lists(st.integers(0, 60_000), max_size=12),
)
def test_one_large_advance_equals_many_small_ones(
    part: RunConfig, plain: RunConfig, seed: int, ops: list[_Op], tail_ms: int, cuts: list[int]
) -> None:
    big, big_clock = _make_world(part, plain, seed)
    small, small_clock = _make_world(part, plain, seed)
    for op in ops:
        big_clock.advance(op.wait_ms / 1000)
        _small_steps(small_clock, small, op.wait_ms, cuts)
        assert _call(big, op) == _call(small, op)
    big_clock.advance(tail_ms / 1000)
    _small_steps(small_clock, small, tail_ms, cuts)
    assert _snapshot(big) == _snapshot(small)


@settings(max_examples=40, deadline=None)
@given(
    part=_run_configs,
    seed=st.integers(0, 5),
    ops=st.lists(_ops, max_size=20),
    step_ms=st.integers(1, 700),
)
def test_run_until_idle_equals_stepping_to_the_end(
    part: RunConfig, seed: int, ops: list[_Op], step_ms: int
) -> None:
    idle, idle_clock = _make_world(part, RunConfig(), seed)
    stepped, stepped_clock = _make_world(part, RunConfig(), seed)
    for op in ops:
        for world, clock in ((idle, idle_clock), (stepped, stepped_clock)):
            clock.advance(op.wait_ms / 1000)
            _call(world, op)
    idle.run_until_idle()
    while stepped.pending:
        stepped_clock.advance(step_ms / 1000)
        stepped.catch_up()
    # The clocks may differ (stepping overshoots); the state must not.
    assert msgspec.json.encode([idle.runs(), idle.backfills(), idle.materializations()]) == (
        msgspec.json.encode([stepped.runs(), stepped.backfills(), stepped.materializations()])
    )
