"""The bounds checked on a spec whose types are right, before its rules build anything: history
runs in total (:data:`~assetfake.scenario.limits.MAX_HISTORY_RUNS`) and partitions in total
(:data:`~assetfake.scenario.limits.MAX_PARTITIONS_TOTAL`). Each is counted from what is written,
without building a run or a partition; a bound that cannot be read is left to the rules.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from assetfake.domain.partitions import DAILY_FORMAT, HOURLY_FORMAT, MAX_PARTITIONS
from assetfake.scenario.limits import MAX_HISTORY_RUNS, MAX_PARTITIONS_TOTAL
from assetfake.scenario.nodes import Problem
from assetfake.scenario.schema import AssetSpec, HistorySpec, ScenarioSpec


def size_problems(spec: ScenarioSpec) -> list[Problem]:
    """Every bound ``spec`` goes over, at the entry that goes over it."""
    return [*_history_problems(spec.history), *_partition_problems(spec.assets)]


def _history_problems(history: HistorySpec) -> list[Problem]:
    if len(history.runs) > MAX_HISTORY_RUNS:
        message = _too_much_history(len(history.runs))
        return [Problem(("history", "runs", MAX_HISTORY_RUNS), message)]
    total = len(history.runs)
    for index, entry in enumerate(history.generate):
        total += entry.runs
        if total > MAX_HISTORY_RUNS:
            return [Problem(("history", "generate", index, "runs"), _too_much_history(total))]
    return []


def _too_much_history(total: int) -> str:
    return (
        f"history holds at most {MAX_HISTORY_RUNS} runs in total (history.runs and every "
        f"history.generate entry's runs, extends included); this brings it to {total}"
    )


def _partition_problems(assets: Sequence[AssetSpec]) -> list[Problem]:
    total = 0
    for index, asset in enumerate(assets):
        count = _partition_count(asset)
        if count > MAX_PARTITIONS:
            continue  # the rules refuse it on its own, before building it
        total += count
        if total > MAX_PARTITIONS_TOTAL:
            message = (
                f"the assets hold at most {MAX_PARTITIONS_TOTAL} partitions together; "
                f"this one brings them to {total}"
            )
            return [Problem(("assets", index, "partitions"), message)]
    return []


def _partition_count(asset: AssetSpec) -> int:
    partitions = asset.partitions
    if partitions is None:
        return 0
    if partitions.static is not None:
        return len(partitions.static)
    if partitions.daily is not None:
        return _span(partitions.daily.start, partitions.daily.end, DAILY_FORMAT, timedelta(days=1))
    if partitions.hourly is not None:
        hourly = partitions.hourly
        return _span(hourly.start, hourly.end, HOURLY_FORMAT, timedelta(hours=1))
    return 0


def _span(start: str, end: str, shape: str, step: timedelta) -> int:
    try:
        first, last = datetime.strptime(start, shape), datetime.strptime(end, shape)
    except ValueError:
        return 0  # the rules say what is wrong with it
    return max(int((last - first) / step) + 1, 0)
