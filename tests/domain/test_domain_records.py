"""Stored records: runs and materializations are untracked by the cycle collector, so nothing
may hold them in a cycle — a dropped world's backfills and runs are freed all the same."""

from __future__ import annotations

import gc

from assetfake.domain.clock import ManualClock
from assetfake.domain.config import AssetConfig, WorldConfig
from assetfake.domain.partitions import Partitions
from assetfake.domain.records import BackfillRecord
from assetfake.domain.selection import PartitionSelection
from assetfake.domain.timestamps import parse_rfc3339
from assetfake.domain.world import World

START = parse_rfc3339("2024-06-01T00:00:00Z")


def _world() -> World:
    days = Partitions.daily("2024-01-01", "2024-01-10")
    config = WorldConfig(start_ms=START, assets=(AssetConfig("d", partitions=days),))
    return World(config, ManualClock(START))


def _probes() -> list[BackfillRecord]:
    return [o for o in gc.get_objects() if isinstance(o, BackfillRecord) and o.title == "probe"]


def test_a_dropped_world_frees_its_backfills_and_runs() -> None:
    world = _world()
    world.create_backfill("d", PartitionSelection(all=True), title="probe")
    world.run_until_idle()
    copy = world.copy()
    assert len(_probes()) == 2
    runs = [r for r in world.runs("d") if r.backfill_id is not None]
    assert len(runs) == 10
    del world, copy
    gc.collect()
    assert _probes() == []
