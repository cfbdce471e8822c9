"""Same configuration, seed and calls ⇒ byte-identical output; another seed ⇒ other ids."""

from __future__ import annotations

import msgspec

from assetfake.domain.clock import ManualClock
from assetfake.domain.config import (
    AssetConfig,
    HistoryGenerate,
    HistoryRun,
    PaginationConfig,
    RunConfig,
    WorldConfig,
)
from assetfake.domain.partitions import Partitions
from assetfake.domain.selection import PartitionSelection
from assetfake.domain.status import RunStatus
from assetfake.domain.timestamps import parse_rfc3339
from assetfake.domain.world import World

START = parse_rfc3339("2024-06-01T00:00:00Z")
DAYS = Partitions.daily("2024-01-01", "2024-01-10")


def _make_world(seed: int) -> tuple[World, ManualClock]:
    clock = ManualClock(START)
    assets = (
        AssetConfig(
            "a",
            DAYS,
            run=RunConfig(max_concurrent=2, fail_probability=0.4, running_seconds=2),
            metadata={"rows": 3},
        ),
        AssetConfig("b", run=RunConfig(fail_probability=0.5, fail_stage="starting")),
    )
    config = WorldConfig(
        START,
        assets,
        seed=seed,
        history_runs=(HistoryRun("a", RunStatus.SUCCEEDED, START - 5000, "2024-01-01"),),
        history_generate=(HistoryGenerate("b", 20, succeeded_ratio=0.5),),
        pagination=PaginationConfig(short_pages=0.5, page_token_ttl_seconds=600),
    )
    return World(config, clock), clock


def _script(seed: int) -> bytes:
    """A fixed sequence of calls; everything they answer, encoded."""
    world, clock = _make_world(seed)
    out: list[object] = []
    for i in range(6):
        out.append(world.trigger("a", f"2024-01-0{i + 1}", {"i": str(i)}))
        out.append(world.trigger("b"))
        clock.advance(0.7)
    out.append(world.create_backfill("a", PartitionSelection(all=True), "all"))
    clock.advance(3)
    out.append(world.cancel_run(world.list_runs("a", status=RunStatus.QUEUED).items[-1].id))
    out.append(world.list_runs("a", max_results=5))
    token = world.list_runs("b", max_results=7).next_page_token
    out.append(world.list_runs("b", max_results=7, page_token=token))
    world.run_until_idle()
    out += [
        world.runs(),
        world.backfills(),
        world.materializations(),
        world.counts(),
        world.list_materializations("a", max_results=4),
        clock.isoformat(),
    ]
    return msgspec.json.encode(out)


def test_same_seed_same_calls_give_byte_identical_output() -> None:
    assert _script(7) == _script(7)


def test_another_seed_gives_other_ids() -> None:
    first, _ = _make_world(1)
    second, _ = _make_world(2)
    for world in (first, second):
        world.trigger("a", "2024-01-01")
        world.create_backfill("a", PartitionSelection(keys=("2024-01-02",)))
        world.run_until_idle()
    ids_1 = (
        {r.id for r in first.runs()}
        | {b.id for b in first.backfills()}
        | {m.id for m in first.materializations()}
    )
    ids_2 = (
        {r.id for r in second.runs()}
        | {b.id for b in second.backfills()}
        | {m.id for m in second.materializations()}
    )
    assert len(ids_1) == len(ids_2) > 20
    assert ids_1.isdisjoint(ids_2)
    assert _script(1) != _script(2)


def test_ids_are_unique_per_kind() -> None:
    world, _ = _make_world(3)
    world.create_backfill("a", PartitionSelection(all=True))
    for _ in range(5):
        world.trigger("b")
    world.run_until_idle()
    runs, backfills, mats = world.runs(), world.backfills(), world.materializations()
    assert len({r.id for r in runs}) == len(runs) == 1 + 20 + 10 + 5
    assert len({m.id for m in mats}) == len(mats)
    assert len({b.id for b in backfills}) == len(backfills) == 1
    assert world.counts() == {
        "assets": 2,
        "runs": 36,
        "backfills": 1,
        "materializations": len(mats),
        "pending_transitions": 0,
    }
