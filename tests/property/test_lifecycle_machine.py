"""A Hypothesis state machine over World, run beside the test's own model of section 2.

``lifecycle_model.py`` is the lifecycle written again from the contract (its own table of moves,
durations, slots and backfill rules; nothing of ``src``'s lifecycle is imported). After every step
of triggers, backfills, cancels and clock advances the world must show exactly what the model
says, and the invariants of section 2 must hold.

The default run has 100 examples (a few seconds); ``-m lifecycle_long`` adds a run of 2,000.
"""

from __future__ import annotations

from collections import Counter

import msgspec
import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)
from lifecycle_checks import Snapshot, check_against_model, check_durations
from lifecycle_model import (
    BUCKET,
    TERMINAL,
    LifecycleModel,
    derive_backfill_status,
    ms,
    reachable,
)

from assetfake.domain.clock import ManualClock
from assetfake.domain.config import AssetConfig, RunConfig, WorldConfig
from assetfake.domain.errors import Conflict
from assetfake.domain.partitions import Partitions
from assetfake.domain.resources import Backfill, Run
from assetfake.domain.selection import PartitionSelection
from assetfake.domain.status import RunStatus
from assetfake.domain.timestamps import parse_rfc3339
from assetfake.domain.world import World

START = parse_rfc3339("2024-06-01T00:00:00Z")
KEYS = ("p0", "p1", "p2", "p3", "p4")
_SLOT = (RunStatus.STARTING, RunStatus.RUNNING)
_LEFT_QUEUE = frozenset(
    {
        RunStatus.STARTING,
        RunStatus.RUNNING,
        RunStatus.SUCCEEDED,
        RunStatus.FAILED,
        RunStatus.CANCELING,
    }
)
_REACHABLE = {status: reachable(status) for status in RunStatus}

_durations = st.sampled_from([0.0, 0.0, 0.5, 1.0, 3.0])
_run_configs = st.builds(
    RunConfig,
    queued_seconds=_durations,
    starting_seconds=_durations,
    running_seconds=st.sampled_from([0.0, 1.0, 4.0, 10.0]),
    canceling_seconds=_durations,
    max_concurrent=st.sampled_from([None, 1, 1, 2, 3]),
    fail_partitions=st.frozensets(st.sampled_from(KEYS), max_size=2),
    fail_probability=st.sampled_from([0.0, 0.3, 1.0]),
    fail_stage=st.sampled_from(["starting", "running"]),
    error_message=st.sampled_from(["run failed", "disk full"]),
)


def _selected(selection: PartitionSelection) -> tuple[str, ...]:
    if selection.keys is not None:
        return selection.keys
    if selection.range is not None:
        start, end = selection.range
        return KEYS[KEYS.index(start) : KEYS.index(end) + 1]
    return KEYS


class LifecycleMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.world: World | None = None
        self.clock = ManualClock(START)
        self.seen: dict[str, Run] = {}
        self.seen_backfills: dict[str, Backfill] = {}
        self.canceled_backfills: set[str] = set()
        self.canceled_in_queue: set[str] = set()
        self.configs: dict[str, RunConfig] = {}
        self.model: LifecycleModel | None = None
        self._snapshot: Snapshot | None = None

    @initialize(
        partitioned=_run_configs,
        plain=_run_configs,
        seed=st.integers(0, 3),
    )
    def build(self, partitioned: RunConfig, plain: RunConfig, seed: int) -> None:
        assets = (
            AssetConfig("part", Partitions.static(list(KEYS)), run=partitioned),
            AssetConfig("plain", run=plain),
        )
        self.configs = {"part": partitioned, "plain": plain}
        self.world = World(WorldConfig(START, assets, seed=seed), self.clock)
        self.model = LifecycleModel(self.configs, self._failed_in_world)

    # ------------------------------------------------------------------------------ rules

    @property
    def w(self) -> World:
        assert self.world is not None
        self._snapshot = None  # every use of the world may change what it shows
        return self.world

    @property
    def m(self) -> LifecycleModel:
        assert self.model is not None
        return self.model

    def _failed_in_world(self, run_id: str) -> bool:
        """The model's one question to the world: did the seeded RNG make this run fail?"""
        return self.w.run(run_id).status is RunStatus.FAILED

    def _settle_model(self) -> None:
        """Bring the model to the clock's now (every rule ends with it)."""
        self.m.advance(self.clock.now_ms())

    def snap(self) -> Snapshot:
        if self._snapshot is None:
            world = self.w
            self._snapshot = Snapshot(
                world.runs(), world.backfills(), world.materializations(), self.clock.now_ms()
            )
        return self._snapshot

    @rule(partitioned=st.booleans(), key=st.sampled_from(KEYS))
    def trigger(self, partitioned: bool, key: str) -> None:
        if partitioned:
            run, created = self.w.trigger("part", key)
        else:
            run, created = self.w.trigger("plain")
        assert created
        assert run.status is RunStatus.QUEUED
        assert run.id not in self.seen
        self.seen[run.id] = run
        asset, partition = ("part", key) if partitioned else ("plain", None)
        self.m.add_run(run.id, asset, partition, parse_rfc3339(run.created_at))
        self._settle_model()

    @rule(
        selection=st.one_of(
            st.lists(st.sampled_from(KEYS), min_size=1, max_size=5, unique=True).map(
                lambda keys: PartitionSelection(keys=tuple(keys))
            ),
            st.tuples(st.integers(0, 4), st.integers(0, 4)).map(
                lambda ij: PartitionSelection(range=(KEYS[min(ij)], KEYS[max(ij)]))
            ),
            st.just(PartitionSelection(all=True)),
        )
    )
    def create_backfill(self, selection: PartitionSelection) -> None:
        backfill, created = self.w.create_backfill("part", selection)
        assert created
        assert backfill.status is RunStatus.QUEUED
        assert backfill.num_partitions == len(_selected(selection))
        self.seen_backfills[backfill.id] = backfill
        mine = [r for r in self.w.runs("part") if r.backfill_id == backfill.id]
        assert tuple(r.partition_key for r in mine) == tuple(sorted(_selected(selection)))
        for run in mine:  # runs() caught up: with zero durations they may have moved already
            assert run.created_at == backfill.created_at
            self.seen[run.id] = msgspec.structs.replace(
                run, status=RunStatus.QUEUED, started_at=None, ended_at=None, error=None
            )
        runs = list(zip((r.id for r in mine), sorted(_selected(selection)), strict=True))
        self.m.add_backfill(backfill.id, "part", runs, parse_rfc3339(backfill.created_at))
        self._settle_model()

    @rule(ms=st.one_of(st.integers(0, 2_000), st.integers(0, 40_000)))  # small steps see states
    def advance(self, ms: int) -> None:
        self._snapshot = None
        self.clock.advance(ms / 1000)
        self._settle_model()

    @precondition(lambda self: bool(self.seen))
    @rule(pick=st.integers(0, 10_000))
    def cancel_run(self, pick: int) -> None:
        ids = sorted(self.seen)
        run_id = ids[pick % len(ids)]
        before = self.w.run(run_id).status
        expected = self.m.cancel_run(run_id, self.clock.now_ms())
        try:
            after = self.w.cancel_run(run_id)
        except Conflict as exc:
            assert before in TERMINAL, f"Conflict for a {before.value} run"
            assert exc.code == "run_not_cancelable"
            assert expected is None, f"Conflict, but the model has it {expected}"
            return
        assert before not in TERMINAL
        assert after.status is expected, (after.status.value, expected)
        if before is RunStatus.QUEUED:
            assert after.status is RunStatus.CANCELED
            self.canceled_in_queue.add(run_id)
        elif before is RunStatus.CANCELING:
            assert after.status is RunStatus.CANCELING
        else:
            assert after.status is RunStatus.CANCELING
        self._settle_model()

    @precondition(lambda self: bool(self.seen_backfills))
    @rule(pick=st.integers(0, 10_000))
    def cancel_backfill(self, pick: int) -> None:
        ids = sorted(self.seen_backfills)
        backfill_id = ids[pick % len(ids)]
        before = self.w.get_backfill("part", backfill_id)
        queued = [
            r.id
            for r in self.w.runs("part")
            if r.backfill_id == backfill_id and r.status is RunStatus.QUEUED
        ]
        expected = self.m.cancel_backfill(backfill_id, self.clock.now_ms())
        try:
            after = self.w.cancel_backfill(backfill_id)
        except Conflict as exc:
            assert before.status in TERMINAL, f"Conflict for a {before.status.value} backfill"
            assert exc.code == "backfill_not_cancelable"
            assert expected is None, f"Conflict, but the model has it {expected}"
            return
        assert before.status not in TERMINAL
        assert after.status in (RunStatus.CANCELING, RunStatus.CANCELED)
        assert after.status is expected, (after.status.value, expected)
        self.canceled_backfills.add(backfill_id)
        self.canceled_in_queue.update(queued)
        self._settle_model()

    # ------------------------------------------------------------------------- invariants

    @invariant()
    def runs_only_move_forward(self) -> None:
        runs = self.snap().runs
        assert {r.id for r in runs} == set(self.seen)
        for run in runs:
            last = self.seen[run.id]
            assert run.status in _REACHABLE[last.status], (
                f"{run.id}: {last.status.value} -> {run.status.value}"
            )
            if last.status in TERMINAL:
                assert run == last, "a terminal run changed"
            assert run.created_at == last.created_at
            if last.started_at is not None:
                assert run.started_at == last.started_at
            self.seen[run.id] = run

    @invariant()
    def run_fields_match_status(self) -> None:
        snap = self.snap()
        now = snap.now_ms
        for run in snap.runs:
            status = run.status
            assert (run.ended_at is not None) == (status in TERMINAL)
            assert (run.error is not None) == (status is RunStatus.FAILED)
            if status in (RunStatus.RUNNING, RunStatus.SUCCEEDED):
                assert run.started_at is not None
            if status in (RunStatus.QUEUED, RunStatus.STARTING):
                assert run.started_at is None
            stamps = [
                parse_rfc3339(t)
                for t in (run.created_at, run.started_at, run.ended_at)
                if t is not None
            ]
            assert stamps == sorted(stamps)
            assert stamps[-1] <= now

    @invariant()
    def status_index_matches_runs(self) -> None:
        snap = self.snap()
        world = self.world  # not self.w: listing does not change what the snapshot shows
        assert world is not None
        for asset in ("part", "plain"):
            expected = {r.id: r.status for r in snap.runs_of(asset)}
            indexed: dict[str, RunStatus] = {}
            for status in RunStatus:
                token = None
                while True:
                    page = world.list_runs(asset, status=status, max_results=100, page_token=token)
                    for item in page.items:
                        assert item.id not in indexed
                        indexed[item.id] = status
                    token = page.next_page_token
                    if token is None:
                        break
            assert indexed == expected

    @invariant()
    def backfills_follow_their_runs(self) -> None:
        snap = self.snap()
        runs = snap.runs_of("part")
        now = snap.now_ms
        for backfill in snap.backfills:
            mine = [r for r in runs if r.backfill_id == backfill.id]
            assert len(mine) == backfill.num_partitions
            c = backfill.partition_counts
            assert c.queued + c.running + c.succeeded + c.failed + c.canceled == len(mine)
            buckets = Counter(BUCKET[r.status] for r in mine)
            assert (c.queued, c.running, c.succeeded, c.failed, c.canceled) == (
                buckets["queued"],
                buckets["running"],
                buckets["succeeded"],
                buckets["failed"],
                buckets["canceled"],
            )
            statuses = [r.status for r in mine]
            derived = derive_backfill_status(statuses, backfill.id in self.canceled_backfills)
            assert backfill.status is derived, (backfill.status.value, derived.value)
            assert backfill.status is not RunStatus.STARTING
            assert (backfill.ended_at is not None) == (backfill.status in TERMINAL)
            updated = parse_rfc3339(backfill.updated_at)
            assert parse_rfc3339(backfill.created_at) <= updated <= now
            for run in mine:
                for stamp in (run.started_at, run.ended_at):
                    if stamp is not None:
                        assert parse_rfc3339(stamp) <= updated
            if backfill.ended_at is not None:
                last_end = max(parse_rfc3339(r.ended_at or "") for r in mine)
                assert parse_rfc3339(backfill.ended_at) == updated == last_end
            last = self.seen_backfills[backfill.id]
            if last.status in TERMINAL:
                assert backfill == last, "a terminal backfill changed"
            self.seen_backfills[backfill.id] = backfill

    @invariant()
    def one_materialization_per_succeeded_run(self) -> None:
        snap = self.snap()
        runs = {r.id: r for r in snap.runs}
        mats = snap.materializations
        by_run = Counter(m.run_id for m in mats)
        succeeded = {i for i, r in runs.items() if r.status is RunStatus.SUCCEEDED}
        assert set(by_run) == succeeded
        assert all(n == 1 for n in by_run.values())
        for mat in mats:
            run = runs[mat.run_id]
            assert mat.created_at == run.ended_at
            assert (mat.asset_key, mat.partition_key) == (run.asset_key, run.partition_key)

    @invariant()
    def slots_and_queue_order(self) -> None:
        snap = self.snap()
        now = snap.now_ms
        for asset, cfg in self.configs.items():
            runs = snap.runs_of(asset)  # oldest first: the order they are served in
            busy = sum(r.status in _SLOT for r in runs)
            if cfg.max_concurrent is not None:
                assert busy <= cfg.max_concurrent
            # First created, first served: no run left the queue ahead of an older queued one.
            left = [
                i
                for i, r in enumerate(runs)
                if r.status in _LEFT_QUEUE
                or (r.status is RunStatus.CANCELED and r.id not in self.canceled_in_queue)
            ]
            waiting = [i for i, r in enumerate(runs) if r.status is RunStatus.QUEUED]
            if left and waiting:
                assert max(left) < min(waiting)
            # A run whose queue time is over waits only for a slot.
            queue_ms = ms(cfg.queued_seconds)
            ready = [
                r
                for r in runs
                if r.status is RunStatus.QUEUED and parse_rfc3339(r.created_at) + queue_ms <= now
            ]
            if ready:
                holding = sum(r.status in (*_SLOT, RunStatus.CANCELING) for r in runs)
                assert cfg.max_concurrent is not None
                assert holding >= cfg.max_concurrent

    @invariant()
    def statuses_last_their_configured_time(self) -> None:
        check_durations(self.snap(), self.configs)

    @invariant()
    def world_matches_model(self) -> None:
        check_against_model(self.snap(), self.m, self.configs)


TestLifecycle = LifecycleMachine.TestCase
TestLifecycle.settings = settings(
    max_examples=100, stateful_step_count=30, deadline=None, report_multiple_bugs=False
)


@pytest.mark.lifecycle_long
class TestLifecycleLong(LifecycleMachine.TestCase):
    settings = settings(
        max_examples=2000, stateful_step_count=40, deadline=None, report_multiple_bugs=False
    )
