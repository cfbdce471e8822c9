"""The rules of triggerAssetMaterialization and createAssetBackfill, and idempotency keys."""

from __future__ import annotations

import pytest

from assetfake.domain.clock import ManualClock
from assetfake.domain.config import AssetConfig, WorldConfig
from assetfake.domain.errors import DomainError, InvalidRequest, NotFound
from assetfake.domain.partitions import Partitions
from assetfake.domain.selection import PartitionSelection
from assetfake.domain.status import RunStatus
from assetfake.domain.timestamps import parse_rfc3339
from assetfake.domain.world import World

START = parse_rfc3339("2024-06-01T00:00:00Z")
DAYS = Partitions.daily("2024-01-01", "2024-01-10")


def _make_world() -> tuple[World, ManualClock]:
    clock = ManualClock(START)
    assets = (
        AssetConfig("days", DAYS),
        AssetConfig("other", DAYS),
        AssetConfig("plain"),
        AssetConfig("regions", Partitions.static(["us", "eu"])),
    )
    return World(WorldConfig(START, assets), clock), clock


def _totals(world: World) -> tuple[int, int]:
    counts = world.counts()
    return counts["runs"], counts["backfills"]


@pytest.mark.parametrize(
    ("asset", "partition", "code"),
    [
        ("days", None, "partition_required"),
        ("plain", "2024-01-01", "partition_not_allowed"),
        ("days", "2024-02-01", "unknown_partition"),
        ("days", "2024-1-1", "unknown_partition"),
        ("regions", "US", "unknown_partition"),
        ("plain", "", "partition_not_allowed"),
        ("days", "", "unknown_partition"),
    ],
)
def test_trigger_rules(asset: str, partition: str | None, code: str) -> None:
    world, _ = _make_world()
    with pytest.raises(InvalidRequest) as info:
        world.trigger(asset, partition)
    assert info.value.code == code
    assert info.value.message
    assert _totals(world) == (0, 0)


def test_trigger_valid_forms() -> None:
    world, _ = _make_world()
    plain, _ = world.trigger("plain")
    day, _ = world.trigger("days", "2024-01-10", tags={"team": "growth"})
    region, _ = world.trigger("regions", "eu")
    assert (plain.partition_key, day.partition_key, region.partition_key) == (
        None,
        "2024-01-10",
        "eu",
    )
    assert day.tags == {"team": "growth"}
    assert plain.tags == {}
    assert {plain.backfill_id, day.backfill_id, region.backfill_id} == {None}
    assert len({plain.id, day.id, region.id}) == 3


def test_trigger_unknown_asset() -> None:
    world, _ = _make_world()
    with pytest.raises(NotFound) as info:
        world.trigger("nope")
    assert info.value.code == "asset_not_found"
    assert isinstance(info.value, DomainError)


@pytest.mark.parametrize(
    ("asset", "selection", "code"),
    [
        ("plain", PartitionSelection(all=True), "not_partitioned"),
        ("plain", PartitionSelection(keys=("2024-01-01",)), "not_partitioned"),
        ("days", PartitionSelection(keys=("2024-01-01", "2024-02-01")), "unknown_partition"),
        ("days", PartitionSelection(range=("2023-12-31", "2024-01-02")), "unknown_partition"),
        ("days", PartitionSelection(range=("2024-01-02", "2024-01-11")), "unknown_partition"),
        ("days", PartitionSelection(range=("2024-01-05", "2024-01-04")), "invalid_range"),
        ("regions", PartitionSelection(range=("eu", "us")), "invalid_range"),
        ("days", PartitionSelection(keys=()), "empty_selection"),
        ("days", PartitionSelection(keys=("2024-01-02", "2024-01-02")), "duplicate_partition"),
    ],
    ids=[
        "plain-all",
        "plain-keys",
        "unknown-key",
        "range-start",
        "range-end",
        "range-reversed",
        "static-range-reversed",
        "empty",
        "duplicate",
    ],
)
def test_create_backfill_rules(asset: str, selection: PartitionSelection, code: str) -> None:
    world, _ = _make_world()
    with pytest.raises(InvalidRequest) as info:
        world.create_backfill(asset, selection)
    assert info.value.code == code
    assert _totals(world) == (0, 0)


def test_static_range_follows_declared_order() -> None:
    world, _ = _make_world()
    backfill, _ = world.create_backfill("regions", PartitionSelection(range=("us", "eu")))
    assert backfill.num_partitions == 2
    assert [r.partition_key for r in world.runs("regions")] == ["us", "eu"]


def test_create_backfill_unknown_asset() -> None:
    world, _ = _make_world()
    with pytest.raises(NotFound) as info:
        world.create_backfill("nope", PartitionSelection(all=True))
    assert info.value.code == "asset_not_found"


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"keys": ("a",), "all": True},
        {"keys": ("a",), "range": ("a", "b")},
        {"range": ("a", "b"), "all": True},
    ],
)
def test_a_selection_has_exactly_one_selector(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        PartitionSelection(**kwargs)  # type: ignore[arg-type]


def test_lists_of_an_unknown_asset() -> None:
    world, _ = _make_world()
    for call in (world.list_runs, world.list_backfills, world.list_materializations):
        with pytest.raises(NotFound) as info:
            call("nope")
        assert info.value.code == "asset_not_found"


# ------------------------------------------------------------------------------ idempotency


def test_trigger_replay_returns_the_run_in_its_current_state() -> None:
    world, clock = _make_world()
    first, created = world.trigger("days", "2024-01-01", {"a": "1", "b": "2"}, "key-1")
    assert created
    clock.advance(3)
    again, created = world.trigger("days", "2024-01-01", {"b": "2", "a": "1"}, "key-1")
    assert not created
    assert again.id == first.id
    assert again.status is RunStatus.RUNNING
    assert again == world.run(first.id)
    assert _totals(world) == (1, 0)


@pytest.mark.parametrize(
    ("partition", "tags"),
    [
        ("2024-01-02", {"a": "1"}),
        ("2024-01-01", {"a": "2"}),
        ("2024-01-01", {}),
        ("2024-01-01", {"a": "1", "b": "1"}),
    ],
)
def test_trigger_key_reused_with_another_body(partition: str, tags: dict[str, str]) -> None:
    world, _ = _make_world()
    world.trigger("days", "2024-01-01", {"a": "1"}, "key-1")
    with pytest.raises(InvalidRequest) as info:
        world.trigger("days", partition, tags, "key-1")
    assert info.value.code == "idempotency_key_reused"
    assert _totals(world) == (1, 0)


def test_no_tags_and_empty_tags_are_the_same_body() -> None:
    world, _ = _make_world()
    first, _ = world.trigger("plain", None, None, "k")
    again, created = world.trigger("plain", None, {}, "k")
    assert (again.id, created) == (first.id, False)


def test_without_a_key_every_trigger_creates() -> None:
    world, _ = _make_world()
    first, _ = world.trigger("plain")
    second, created = world.trigger("plain")
    assert created
    assert first.id != second.id


def test_keys_are_per_asset() -> None:
    world, _ = _make_world()
    days, _ = world.trigger("days", "2024-01-01", None, "k")
    other, created = world.trigger("other", "2024-01-01", None, "k")
    assert created
    assert other.id != days.id
    assert other.asset_key == "other"


def test_keys_are_per_operation() -> None:
    world, _ = _make_world()
    run, _ = world.trigger("days", "2024-01-01", None, "k")
    backfill, created = world.create_backfill(
        "days", PartitionSelection(keys=("2024-01-01",)), idempotency_key="k"
    )
    assert created
    assert backfill.id != run.id
    assert _totals(world) == (2, 1)


def test_a_refused_request_does_not_spend_its_key() -> None:
    world, _ = _make_world()
    with pytest.raises(InvalidRequest):
        world.trigger("days", "2099-01-01", None, "k")
    run, created = world.trigger("days", "2024-01-03", None, "k")
    assert created
    assert run.partition_key == "2024-01-03"


def test_backfill_replay_returns_the_backfill_in_its_current_state() -> None:
    world, clock = _make_world()
    selection = PartitionSelection(range=("2024-01-01", "2024-01-03"))
    first, created = world.create_backfill("days", selection, "title", {"t": "v"}, "key-1")
    assert created
    clock.advance(2)
    again, created = world.create_backfill(
        "days",
        PartitionSelection(range=("2024-01-01", "2024-01-03")),
        "title",
        {"t": "v"},
        "key-1",
    )
    assert not created
    assert again.id == first.id
    assert again.status is RunStatus.RUNNING
    assert again == world.get_backfill("days", first.id)
    assert _totals(world) == (3, 1)


@pytest.mark.parametrize(
    ("selection", "title", "tags"),
    [
        (PartitionSelection(range=("2024-01-01", "2024-01-04")), "title", {}),
        # The same partitions, asked for another way, are another body.
        (PartitionSelection(keys=("2024-01-01", "2024-01-02", "2024-01-03")), "title", {}),
        (PartitionSelection(range=("2024-01-01", "2024-01-03")), None, {}),
        (PartitionSelection(range=("2024-01-01", "2024-01-03")), "title", {"x": "y"}),
    ],
)
def test_backfill_key_reused_with_another_body(
    selection: PartitionSelection, title: str | None, tags: dict[str, str]
) -> None:
    world, _ = _make_world()
    world.create_backfill(
        "days", PartitionSelection(range=("2024-01-01", "2024-01-03")), "title", {}, "key-1"
    )
    with pytest.raises(InvalidRequest) as info:
        world.create_backfill("days", selection, title, tags, "key-1")
    assert info.value.code == "idempotency_key_reused"
    assert _totals(world) == (3, 1)
