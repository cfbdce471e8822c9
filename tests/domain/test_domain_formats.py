"""The strings resources derive from records: RFC 3339 instants (formatted from date ordinals,
memoised per world) and data versions; and the copies a caller gets are its own."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from types import MappingProxyType

from hypothesis import given
from hypothesis import strategies as st

from assetfake.domain import ids
from assetfake.domain.clock import ManualClock
from assetfake.domain.config import AssetConfig, WorldConfig
from assetfake.domain.records import ResourceMemo, copied_metadata
from assetfake.domain.timestamps import MAX_MS, format_ms, parse_rfc3339
from assetfake.domain.world import World

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_YEAR_1_MS = parse_rfc3339("0001-01-01T00:00:00Z")
START = parse_rfc3339("2024-06-01T00:00:00Z")


def _reference(ms: int) -> str:
    moment = _EPOCH + timedelta(milliseconds=ms)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


@given(st.integers(min_value=parse_rfc3339("1000-01-01T00:00:00Z"), max_value=MAX_MS))
def test_format_matches_datetime_over_the_whole_range(ms: int) -> None:
    assert format_ms(ms) == _reference(ms)


def test_format_at_the_edges_of_days_and_of_the_range() -> None:
    assert format_ms(_YEAR_1_MS) == "0001-01-01T00:00:00.000Z"
    assert format_ms(MAX_MS) == "9999-12-31T23:59:59.999Z"
    assert format_ms(-86_400_000) == "1969-12-31T00:00:00.000Z"
    assert format_ms(86_399_999) == "1970-01-01T23:59:59.999Z"


def test_the_memo_answers_what_the_function_does_past_its_bound() -> None:
    memo = ResourceMemo(limit=3)
    instants = [0, 1, 2, 3, 4, 0, 86_400_000, 1, -1]
    assert [memo.instant(ms) for ms in instants] == [format_ms(ms) for ms in instants]
    assert memo.optional_instant(None) is None
    versions = [f"run_{i}" for i in (1, 2, 3, 4, 1, 5)]
    assert [memo.data_version(v) for v in versions] == [ids.data_version(v) for v in versions]


def test_metadata_copies_are_the_callers_flat_or_nested() -> None:
    flat = MappingProxyType({"rows": 3, "ok": True, "name": "x", "none": None, "ratio": 0.5})
    copy = copied_metadata(flat)
    assert copy == dict(flat)
    copy["rows"] = 4
    assert flat["rows"] == 3
    nested = MappingProxyType({"schema": {"columns": ["a"]}})
    deep = copied_metadata(nested)
    deep["schema"]["columns"].append("b")  # type: ignore[index]
    assert nested["schema"] == {"columns": ["a"]}


def _world() -> World:
    config = WorldConfig(
        start_ms=START,
        assets=(AssetConfig("a", metadata=MappingProxyType({"rows": 1})),),
    )
    return World(config, ManualClock(START))


def test_resources_share_nothing_mutable_with_the_world() -> None:
    world = _world()
    run, _ = world.trigger("a")
    run.tags["x"] = "y"  # a tagless run: its tags are a fresh dict each time
    tagged, _ = world.trigger("a", tags={"team": "growth"})
    world.run_until_idle()
    assert world.run(run.id).tags == {}
    for _ in range(2):  # terminal: the memo's resource, handed out as a copy each time
        finished = world.run(tagged.id)
        assert finished.tags == {"team": "growth"}
        finished.tags["team"] = "other"
        world.run(run.id).tags["x"] = "y"
    assert world.run(run.id).tags == {}
    for _ in range(2):
        mat = world.list_materializations("a").items[-1]
        assert (mat.metadata, mat.tags) == ({"rows": 1}, {})
        mat.metadata["rows"] = 99
        mat.tags["x"] = "y"


def test_a_copy_of_a_world_with_tagless_runs_moves_on_its_own() -> None:
    world = _world()
    run, _ = world.trigger("a")
    before = world.list_runs("a").items  # fills the memo of the original
    clone = world.copy()
    clone.run_until_idle()
    assert clone.run(run.id).status.value == "SUCCEEDED"
    assert world.run(run.id).status.value == "QUEUED"
    assert world.list_runs("a").items == before
    assert clone.run(run.id).created_at == before[0].created_at
