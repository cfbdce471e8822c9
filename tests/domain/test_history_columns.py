"""History kept as columns: the same runs and materializations as the record-per-run history it
replaced (its algorithm is kept here as the reference: plan, stable sort by creation, finish
each run, one materialization per SUCCEEDED run by (ended, seq)), found by id without a dict,
read page by page through layers that behave as the live indexes do, and compact."""

from __future__ import annotations

import tracemalloc
from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assetfake.domain import ids
from assetfake.domain.clock import ManualClock
from assetfake.domain.config import (
    AssetConfig,
    HistoryGenerate,
    HistoryRun,
    RunConfig,
    WorldConfig,
)
from assetfake.domain.errors import NotFound
from assetfake.domain.history import History, HistoryLayer
from assetfake.domain.partitions import Partitions
from assetfake.domain.records import MaterializationRecord, RunRecord
from assetfake.domain.status import RunStatus
from assetfake.domain.timestamps import parse_rfc3339, seconds_to_ms
from assetfake.domain.world import World

START = parse_rfc3339("2024-06-01T00:00:00Z")
TERMINAL = (RunStatus.SUCCEEDED, RunStatus.FAILED, RunStatus.CANCELED)


# --- the reference: one record per run, as history was built before it became columns -------


@dataclass
class _Run:
    seq: int
    created: int
    asset: str
    partition: str | None
    status: RunStatus
    tags: dict[str, str]
    message: str | None
    started: int | None = None
    ended: int | None = None


def _reference(config: WorldConfig) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    """(runs, materializations) of ``config``'s history, as tuples, in seq order."""
    planned = [
        (r.created_at_ms, r.asset, r.partition, r.status, dict(r.tags), r.error_message)
        for r in config.history_runs
    ]
    for gen in config.history_generate:
        asset = config.asset(gen.asset)
        keys = asset.partitions.keys if asset is not None and asset.partitions else None
        spread = max(1, seconds_to_ms(gen.spread_seconds))
        for i in range(gen.runs):
            ok = int((i + 1) * gen.succeeded_ratio) > int(i * gen.succeeded_ratio)
            planned.append(
                (
                    START - spread + (i * spread) // gen.runs,
                    gen.asset,
                    None if keys is None else keys[i % len(keys)],
                    RunStatus.SUCCEEDED if ok else RunStatus.FAILED,
                    {},
                    None,
                )
            )
    planned.sort(key=lambda item: item[0])
    tag = ids.seed_tag(config.seed)
    runs = [_Run(seq, *item) for seq, item in enumerate(planned, 1)]
    for run in runs:
        cfg = config.asset(run.asset).run  # type: ignore[union-attr]
        queued = run.created + seconds_to_ms(cfg.queued_seconds)
        started = queued + seconds_to_ms(cfg.starting_seconds)
        ended = started + seconds_to_ms(cfg.running_seconds)
        if run.status is RunStatus.CANCELED:
            run.ended, run.message = min(queued, START), None
            continue
        if run.status is RunStatus.FAILED:
            run.message = run.message or cfg.error_message
            if cfg.fail_stage == "starting":
                run.ended = min(started, START)
                continue
        else:
            run.message = None
        run.started, run.ended = min(started, START), min(ended, START)
    done = sorted(
        (r for r in runs if r.status is RunStatus.SUCCEEDED), key=lambda r: (r.ended, r.seq)
    )
    mats = [
        (
            seq,
            ids.make_id(ids.MATERIALIZATION, tag, seq),
            r.asset,
            ids.make_id(ids.RUN, tag, r.seq),
            r.partition,
            r.ended,
            dict(config.asset(r.asset).metadata),  # type: ignore[union-attr]
            r.tags,
        )
        for seq, r in enumerate(done, len(runs) + 1)
    ]
    as_tuples = [
        (
            r.seq,
            ids.make_id(ids.RUN, tag, r.seq),
            r.asset,
            r.partition,
            r.tags,
            r.created,
            *_ends(r),
        )
        for r in runs
    ]
    return as_tuples, mats


def _ends(run: _Run) -> tuple[object, ...]:
    return (run.status, run.started, run.ended, run.message)


def _run_tuple(run: RunRecord) -> tuple[object, ...]:
    live = (run.backfill_id, run.fails) if run.backfill_id is not None or run.fails else ()
    first = (run.seq, run.id, run.asset, run.partition, dict(run.tags), run.created_ms)
    return (*first, run.status, run.started_ms, run.ended_ms, run.error_message, *live)


def _mat_tuple(mat: MaterializationRecord) -> tuple[object, ...]:
    metadata, tags = dict(mat.metadata), dict(mat.tags)
    return (mat.seq, mat.id, mat.asset, mat.run_id, mat.partition, mat.created_ms, metadata, tags)


def _stored(history: History) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    runs = [run for entry in history.assets.values() for run in entry.runs]
    mats = [mat for entry in history.assets.values() for mat in entry.materializations]
    runs.sort(key=lambda r: r.seq)
    mats.sort(key=lambda m: m.seq)
    return [_run_tuple(r) for r in runs], [_mat_tuple(m) for m in mats]


def _assert_like_reference(config: WorldConfig) -> History:
    history = History.build(config)
    runs, mats = _reference(config)
    assert _stored(history) == (runs, mats)
    assert (history.run_count, history.materialization_count) == (len(runs), len(mats))
    assert history.next_seq == len(runs) + len(mats) + 1
    for asset in config.assets:  # each index, and each status's, in seq order
        entry = history.assets[asset.key]
        own = [r for r in runs if r[2] == asset.key]
        assert [r.seq for r in entry.runs] == [r[0] for r in own]
        for status in TERMINAL:
            layer = entry.runs_by_status.get(status)
            got = [] if layer is None else [r.seq for r in layer]
            assert got == [r[0] for r in own if r[6] is status]
        assert [m.seq for m in entry.materializations] == [m[0] for m in mats if m[2] == asset.key]
    for run in runs:  # found by id, the same record
        found = history.run(str(run[1]))
        assert found is not None
        assert _run_tuple(found) == run
    return history


# --- the same history as the reference ----------------------------------------------------------

DAYS = Partitions.daily("2024-01-01", "2024-01-03")
ASSETS = (
    AssetConfig("slow", run=RunConfig(running_seconds=7200, error_message="boom")),
    AssetConfig("days", DAYS, run=RunConfig(1, 2, 3), metadata={"rows": 7}),
    AssetConfig("early", run=RunConfig(queued_seconds=0.4, fail_stage="starting")),
    AssetConfig("quick", run=RunConfig(0, 0, 0), metadata={"nested": [1, {"a": 2}]}),
)


def test_written_and_generated_runs_interleave_by_creation_ties_in_declared_order() -> None:
    tie = START - 50_000  # a generated run of 'quick' is created then too
    config = WorldConfig(
        START,
        ASSETS,
        seed=11,
        history_runs=(
            HistoryRun("quick", RunStatus.SUCCEEDED, tie, tags={"w": "1"}),
            HistoryRun("slow", RunStatus.FAILED, tie, error_message=""),
            HistoryRun("days", RunStatus.CANCELED, START - 90_000, "2024-01-02"),
        ),
        history_generate=(
            HistoryGenerate("quick", 10, 0.5, 100),  # created at START - 100 s + 10 s * i
            HistoryGenerate("slow", 4, 1.0, 100),  # ... and at START - 100 s + 25 s * i
        ),
    )
    history = _assert_like_reference(config)
    at_tie = [r for r in history.assets["quick"].runs if r.created_ms == tie]
    at_tie += [r for r in history.assets["slow"].runs if r.created_ms == tie]
    # declared order: the written runs, then quick's entry, then slow's
    assert [(r.asset, r.tags.get("w")) for r in sorted(at_tie, key=lambda r: r.seq)] == [
        ("quick", "1"),
        ("slow", None),
        ("quick", None),
        ("slow", None),
    ]


def test_a_capped_run_ends_at_the_start_and_its_materialization_there_too() -> None:
    config = WorldConfig(
        START, ASSETS, seed=2, history_generate=(HistoryGenerate("slow", 5, 0.6, 3600),)
    )
    history = _assert_like_reference(config)
    runs = list(history.assets["slow"].runs)
    # created every 12 minutes over the last hour, each running 2 h: all still going at START
    assert [r.ended_ms for r in runs] == [START] * 5
    assert [r.started_ms for r in runs] == [r.created_ms + 2000 for r in runs]
    assert [r.status for r in runs].count(RunStatus.FAILED) == 2
    assert {r.error_message for r in runs if r.status is RunStatus.FAILED} == {"boom"}
    assert [m.created_ms for m in history.assets["slow"].materializations] == [START] * 3


def test_materializations_of_several_assets_are_ordered_by_when_their_runs_ended() -> None:
    config = WorldConfig(
        START,
        ASSETS,
        seed=3,
        history_generate=(
            HistoryGenerate("slow", 3, 1.0, 30_000),  # each ends 2 h after it was created
            HistoryGenerate("quick", 3, 1.0, 30_000),  # ends as it is created
        ),
    )
    history = _assert_like_reference(config)
    seqs = {key: [m.seq for m in history.assets[key].materializations] for key in ("slow", "quick")}
    # created in pairs (slow first: declared first), but slow's end 2 h later: they interleave
    assert seqs == {"quick": [7, 9, 11], "slow": [8, 10, 12]}
    slow = history.materialization(8)
    assert slow.run_id == ids.make_id(ids.RUN, ids.seed_tag(3), 1)
    assert slow.created_ms == START - 30_000_000 + 7_202_000


_status = st.sampled_from(TERMINAL)
_timing = st.builds(
    RunConfig,
    queued_seconds=st.sampled_from([0, 0.0015, 1, 30]),
    starting_seconds=st.sampled_from([0, 1, 2.5]),
    running_seconds=st.sampled_from([0, 5, 100, 7200]),
    fail_stage=st.sampled_from(["starting", "running"]),
    error_message=st.sampled_from(["run failed", "boom"]),
)


@st.composite
def _configs(draw: st.DrawFn) -> WorldConfig:
    count = draw(st.integers(1, 4))
    assets = tuple(
        AssetConfig(
            f"a{i}",
            draw(st.sampled_from([None, DAYS])),
            run=draw(_timing),
            metadata={"i": i},
        )
        for i in range(count)
    )
    keys = [asset.key for asset in assets]
    written = draw(
        st.lists(
            st.builds(
                HistoryRun,
                st.sampled_from(keys),
                _status,
                st.integers(START - 200_000, START),  # within the entries' spreads: ties
                st.sampled_from([None, "2024-01-02"]),
                st.sampled_from([{}, {"t": "x"}]),
                st.sampled_from([None, "", "disk full"]),
            ),
            max_size=12,
        )
    )
    generate = draw(
        st.lists(
            st.builds(
                HistoryGenerate,
                st.sampled_from(keys),
                st.integers(0, 40),
                st.sampled_from([0.0, 0.3, 0.5, 0.99, 1.0, 1]),
                st.sampled_from([0.001, 0.01, 1, 100, 200]),
            ),
            max_size=5,
        )
    )
    seed = draw(st.integers(0, 3))
    return WorldConfig(START, assets, seed, tuple(written), tuple(generate))


@settings(max_examples=150, deadline=None)
@given(_configs())
def test_any_history_is_the_reference_history(config: WorldConfig) -> None:
    _assert_like_reference(config)


# --- found by id, without a dict --------------------------------------------------------------


def test_a_run_is_found_from_its_id_and_nothing_else_is() -> None:
    config = WorldConfig(
        START, ASSETS, seed=7, history_generate=(HistoryGenerate("quick", 30, 0.5),)
    )
    history = History.build(config)
    world = World(config, ManualClock(START), history)
    tag = ids.seed_tag(7)
    first = ids.make_id(ids.RUN, tag, 1)
    found = history.run(first)
    assert found is not None
    assert (found.seq, found.id) == (1, first)
    assert history.run(ids.make_id(ids.RUN, tag, 30)) is not None
    live, _ = world.trigger("quick")
    assert history.run(live.id) is None  # a live run's: numbered past the history
    assert world.run(live.id).id == live.id
    foreign = ids.make_id(ids.RUN, ids.seed_tag(8), 1)
    mat = ids.make_id(ids.MATERIALIZATION, tag, 31)
    for wrong in (
        foreign,
        mat,
        ids.make_id(ids.RUN, tag, 0),
        ids.make_id(ids.RUN, tag, 10**12),
        f"run_{tag}00000000001",  # eleven digits: not how seq 1 is written
        f"run_{tag}000000000\u0661",  # an Arabic-Indic digit one: int() would take it
        f"run_{tag}+000000001",
        f"run_{tag}",
        first.upper(),
        first + " ",
        "",
    ):
        assert history.run(wrong) is None, wrong
    with pytest.raises(NotFound, match="does not exist"):
        world.run(mat)


# --- layers read as the live indexes do --------------------------------------------------------


def _layer(seqs: list[int]) -> HistoryLayer[int]:
    made: dict[int, int] = {}
    return HistoryLayer(seqs, lambda seq: seq * 10, made)


@pytest.mark.parametrize(
    ("start", "stop"), [(None, None), (0, 3), (2, 5), (3, 3), (4, 99), (None, 2), (1, None)]
)
@pytest.mark.parametrize("reverse", [False, True])
def test_a_layer_slices_like_a_list(start: int | None, stop: int | None, reverse: bool) -> None:
    seqs = [2, 3, 5, 8, 13]
    expected = [seq * 10 for seq in seqs[start:stop]]
    got = list(_layer(seqs).islice(start, stop, reverse=reverse))
    assert got == (expected[::-1] if reverse else expected)


def test_a_layer_bisects_and_counts_by_seq() -> None:
    layer = _layer([2, 3, 5, 8, 13])
    assert len(layer) == 5
    assert [layer.bisect_key_left(seq) for seq in (1, 2, 4, 5, 13, 14)] == [0, 0, 2, 2, 4, 5]
    assert list(layer) == [20, 30, 50, 80, 130]


def test_records_read_again_come_from_the_made_records_and_never_change() -> None:
    config = WorldConfig(START, ASSETS, history_generate=(HistoryGenerate("days", 20, 0.5),))
    history = History.build(config)
    layer = history.assets["days"].runs
    once = list(layer.islice(0, 20, reverse=True))
    again = list(layer.islice(0, 20, reverse=True))
    assert all(a is b for a, b in zip(once, again, strict=True))
    assert [r.partition for r in once[-3:]] == ["2024-01-03", "2024-01-02", "2024-01-01"]
    mats = history.assets["days"].materializations
    assert [m.seq for m in mats.islice(0, 3)] == [21, 22, 23]
    assert all(m.metadata == {"rows": 7} for m in mats)


# --- compact: a few machine integers per run ----------------------------------------------------


def _bytes_per_run(config: WorldConfig, runs: int) -> float:
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        history = History.build(config)
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert history.run_count == runs
    return (after - before) / runs


def test_a_generated_history_costs_a_few_bytes_a_run_not_a_record() -> None:
    runs = 200_000
    one = WorldConfig(START, ASSETS, history_generate=(HistoryGenerate("days", runs, 0.99),))
    assert _bytes_per_run(one, runs) < 24  # a record per run would cost hundreds
    spread = tuple(HistoryGenerate(asset.key, runs // 4, 0.9) for asset in ASSETS)
    interleaved = WorldConfig(START, ASSETS, history_generate=spread)
    assert _bytes_per_run(interleaved, runs) < 80


def test_no_history_at_all() -> None:
    history = History.build(WorldConfig(START, ASSETS))
    assert (history.run_count, history.materialization_count, history.next_seq) == (0, 0, 1)
    assert all(
        len(entry.runs) == 0 and not entry.runs_by_status for entry in history.assets.values()
    )
    assert history.run(ids.make_id(ids.RUN, ids.seed_tag(0), 1)) is None
