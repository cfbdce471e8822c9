"""Hypothesis strategies for whole scenarios (part of :mod:`assetfake.testing.strategies`,
which re-exports them; split out to keep each module one concept)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta, timezone
from typing import Literal

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from hypothesis.strategies import SearchStrategy

from assetfake.fault_kinds import NetworkKind
from assetfake.testing.fault_strategies import (
    JSONDict,
    _network_kinds,
    _statuses,
    faults,
)

PartitionKind = Literal["daily", "hourly", "static", "none"]

_CLOCK_START = datetime(2024, 6, 1, tzinfo=timezone.utc)
_FIRST_DAY = date(2024, 1, 1)
_MAX_PARTITIONS = 12


# --- scenarios ---------------------------------------------------------------------------------


def asset_keys() -> SearchStrategy[str]:
    """Asset keys: one to three lowercase components joined by ``/`` (``sales/daily``)."""
    component = st.from_regex(r"\A[a-z][a-z0-9_]{0,7}\Z")
    return st.lists(component, min_size=1, max_size=3).map("/".join)


def scenarios(
    *,
    max_assets: int = 3,
    partitions: Sequence[PartitionKind] = ("daily", "static", "none"),
    max_history_runs: int = 30,
    short_pages: bool = True,
    max_faults: int = 3,
    statuses: Sequence[int] = (429, 500),
    network: bool | Sequence[NetworkKind] = False,
) -> SearchStrategy[JSONDict]:
    """Whole scenarios, as the dict you would pass to ``AssetFake`` or ``Scenario.load``.

    One to ``max_assets`` assets with distinct keys, each partitioned as one of ``partitions``
    (``"none"``: unpartitioned), with drawn run durations (0-30 s), concurrency limits and
    failing partitions; a little history (explicit runs and up to ``max_history_runs``
    generated ones per asset); pagination with small page sizes and, with ``short_pages``, a
    drawn probability of short pages; and up to ``max_faults`` faults (see :func:`faults`;
    ``0``: none). The clock starts at the default ``2024-06-01T00:00:00Z``, manual.
    """
    kinds = tuple(dict.fromkeys(partitions))
    wrong = set(kinds) - {"daily", "hourly", "static", "none"}
    if not kinds or wrong:
        raise InvalidArgument(f"partitions are some of daily, hourly, static, none; got {kinds}")
    if max_assets < 1 or max_history_runs < 0 or max_faults < 0:
        raise InvalidArgument("expected max_assets >= 1, max_history_runs >= 0, max_faults >= 0")
    _statuses(statuses)
    _network_kinds(network)
    return _scenario(
        kinds, max_assets, max_history_runs, short_pages, max_faults, statuses, network
    )


@st.composite
def _scenario(
    draw: st.DrawFn,
    kinds: tuple[str, ...],
    max_assets: int,
    max_history_runs: int,
    short_pages: bool,
    max_faults: int,
    statuses: Sequence[int],
    network: bool | Sequence[NetworkKind],
) -> JSONDict:
    keys = draw(st.lists(asset_keys(), min_size=1, max_size=max_assets, unique=True))
    assets: list[JSONDict] = []
    partition_keys: dict[str, list[str]] = {}
    for key in keys:
        asset, partition_list = draw(_asset(key, kinds))
        assets.append(asset)
        partition_keys[key] = partition_list
    scenario: JSONDict = {
        "version": 1,
        "name": "generated",
        "seed": draw(st.integers(0, 2**32 - 1)),
        "clock": {"start": "2024-06-01T00:00:00Z", "mode": "manual"},
        "pagination": draw(_pagination(short_pages)),
        "assets": assets,
    }
    history = draw(_history(partition_keys, max_history_runs))
    if history:
        scenario["history"] = history
    if max_faults:
        rules = draw(faults(statuses=statuses, assets=keys, max_faults=max_faults, network=network))
        if rules:
            scenario["faults"] = rules
    return scenario


@st.composite
def _asset(draw: st.DrawFn, key: str, kinds: tuple[str, ...]) -> tuple[JSONDict, list[str]]:
    kind = draw(st.sampled_from(kinds))
    asset: JSONDict = {"key": key}
    keys: list[str] = []
    if kind == "daily":
        first = _FIRST_DAY + timedelta(days=draw(st.integers(0, 120)))
        days = draw(st.integers(1, _MAX_PARTITIONS))
        keys = [(first + timedelta(days=n)).isoformat() for n in range(days)]
        asset["partitions"] = {"daily": {"start": keys[0], "end": keys[-1]}}
    elif kind == "hourly":
        first_hour = datetime(2024, 1, 1) + timedelta(hours=draw(st.integers(0, 24 * 60)))
        hours = draw(st.integers(1, _MAX_PARTITIONS))
        keys = [(first_hour + timedelta(hours=n)).strftime("%Y-%m-%d-%H:00") for n in range(hours)]
        asset["partitions"] = {"hourly": {"start": keys[0], "end": keys[-1]}}
    elif kind == "static":
        keys = draw(st.lists(st.from_regex(r"\A[a-z]{1,4}\Z"), min_size=1, max_size=5, unique=True))
        asset["partitions"] = {"static": keys}
    seconds = st.integers(0, 30)
    run: JSONDict = draw(
        st.fixed_dictionaries(
            {},
            optional={
                "queued_seconds": seconds,
                "starting_seconds": seconds,
                "running_seconds": seconds,
                "canceling_seconds": seconds,
                "max_concurrent": st.one_of(st.none(), st.integers(1, 4)),
                "fail_probability": st.sampled_from((0.0, 0.1, 0.5, 1.0)),
                "fail_stage": st.sampled_from(("starting", "running")),
                "error_message": st.sampled_from(("run failed", "upstream timeout")),
            },
        )
    )
    if draw(st.booleans()) and keys:
        run["fail_partitions"] = draw(
            st.lists(st.sampled_from(keys), min_size=1, max_size=3, unique=True)
        )
    if run:
        asset["run"] = run
    if draw(st.booleans()):
        asset["materialization"] = {"metadata": {"row_count": draw(st.integers(0, 10**6))}}
    return asset, keys


def _pagination(short_pages: bool) -> SearchStrategy[JSONDict]:
    def build(default: int, extra: int, short: float | None) -> JSONDict:
        pagination: JSONDict = {"default_page_size": default, "max_page_size": default + extra}
        if short is not None:
            pagination["short_pages"] = short
        return pagination

    short = (
        st.one_of(st.none(), st.sampled_from((0.0, 0.3, 0.5, 1.0))) if short_pages else st.none()
    )
    return st.builds(build, st.integers(1, 20), st.integers(0, 80), short)


@st.composite
def _history(draw: st.DrawFn, partitions: dict[str, list[str]], max_runs: int) -> JSONDict:
    keys = list(partitions)
    runs: list[JSONDict] = []
    for _ in range(draw(st.integers(0, 3))):
        key = draw(st.sampled_from(keys))
        minutes = draw(st.integers(1, 60 * 24 * 7))
        created = _CLOCK_START - timedelta(minutes=minutes)
        run: JSONDict = {
            "asset": key,
            "status": draw(st.sampled_from(("SUCCEEDED", "FAILED", "CANCELED"))),
            "created_at": created.strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        if partitions[key]:
            run["partition"] = draw(st.sampled_from(partitions[key]))
        runs.append(run)
    generate: list[JSONDict] = []
    if max_runs:
        for key in draw(st.lists(st.sampled_from(keys), max_size=len(keys), unique=True)):
            entry: JSONDict = {
                "asset": key,
                "runs": draw(st.integers(0, max_runs)),
                "succeeded_ratio": draw(st.sampled_from((0.0, 0.5, 0.9, 1.0))),
            }
            if draw(st.booleans()):
                entry["spread_seconds"] = draw(st.sampled_from((60, 3600, 86_400, 604_800)))
            generate.append(entry)
    history: JSONDict = {}
    if runs:
        history["runs"] = runs
    if generate:
        history["generate"] = generate
    return history
