"""The world before the clock's start: immutable, built once per configuration, and shared by
every world (namespace, reset) made from that configuration.

Every history run is terminal, so nothing here ever changes; live worlds layer their own
records above it (their sequence numbers start at :attr:`History.next_seq`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sortedcontainers import SortedKeyList

from assetfake.domain import ids
from assetfake.domain.config import AssetConfig, HistoryGenerate, WorldConfig
from assetfake.domain.pagination import new_index
from assetfake.domain.records import MaterializationRecord, RunRecord
from assetfake.domain.status import RunStatus
from assetfake.domain.timestamps import seconds_to_ms


@dataclass(slots=True)
class AssetHistory:
    runs: SortedKeyList = field(default_factory=new_index)
    runs_by_status: dict[RunStatus, SortedKeyList] = field(default_factory=dict)
    materializations: SortedKeyList = field(default_factory=new_index)


@dataclass(slots=True)
class History:
    next_seq: int
    assets: dict[str, AssetHistory]
    runs_by_id: dict[str, RunRecord]
    materializations_by_id: dict[str, MaterializationRecord]

    @classmethod
    def build(cls, config: WorldConfig) -> History:
        tag = ids.seed_tag(config.seed)
        runs = _run_records(config, tag)
        mats = _materializations(config, tag, runs, len(runs))
        assets = {asset.key: AssetHistory() for asset in config.assets}
        _index(assets, runs, mats)
        return cls(
            len(runs) + len(mats) + 1,
            assets,
            {run.id: run for run in runs},
            {mat.id: mat for mat in mats},
        )


def _run_records(config: WorldConfig, tag: str) -> list[RunRecord]:
    """The history's runs, in creation order (ties keep their declared order), finished."""
    planned = _plan(config)
    planned.sort(key=lambda item: item[0])  # stable
    runs: list[RunRecord] = []
    for seq, (created_ms, asset_key, partition, status, tags, message) in enumerate(planned, 1):
        if not status.terminal:
            raise ValueError(f"history runs must be terminal, not {status.value}")
        if created_ms > config.start_ms:
            raise ValueError("history runs must be created no later than the clock's start")
        asset = config.asset(asset_key)
        if asset is None:
            raise ValueError(f"history names an unknown asset '{asset_key}'")
        run = RunRecord(seq, ids.make_id(ids.RUN, tag, seq), asset_key, partition, tags, created_ms)
        _finish(run, asset, status, message, config.start_ms)
        runs.append(run)
    return runs


def _materializations(
    config: WorldConfig, tag: str, runs: list[RunRecord], last_seq: int
) -> list[MaterializationRecord]:
    """One materialization per SUCCEEDED run, at the instant it ended, in that order."""
    succeeded = sorted(
        (run for run in runs if run.status is RunStatus.SUCCEEDED),
        key=lambda run: (run.ended_ms, run.seq),
    )
    mats: list[MaterializationRecord] = []
    for seq, run in enumerate(succeeded, last_seq + 1):
        asset = config.asset(run.asset)
        metadata = {} if asset is None else asset.metadata
        ended = run.ended_ms if run.ended_ms is not None else run.created_ms
        mat_id = ids.make_id(ids.MATERIALIZATION, tag, seq)
        mats.append(
            MaterializationRecord(
                seq, mat_id, run.asset, run.id, run.partition, ended, metadata, dict(run.tags)
            )
        )
    return mats


def _index(
    assets: dict[str, AssetHistory], runs: list[RunRecord], mats: list[MaterializationRecord]
) -> None:
    """Records are already in sequence order: build each index in one go, not add by add."""
    grouped: dict[tuple[str, RunStatus | None], list[RunRecord]] = {}
    for run in runs:
        grouped.setdefault((run.asset, None), []).append(run)
        grouped.setdefault((run.asset, run.status), []).append(run)
    for (asset_key, bucket), records in grouped.items():
        entry = assets[asset_key]
        if bucket is None:
            entry.runs.update(records)
        else:
            entry.runs_by_status[bucket] = new_index(records)
    mats_of: dict[str, list[MaterializationRecord]] = {}
    for mat in mats:
        mats_of.setdefault(mat.asset, []).append(mat)
    for asset_key, records_of in mats_of.items():
        assets[asset_key].materializations.update(records_of)


_Planned = tuple[int, str, "str | None", RunStatus, dict[str, str], "str | None"]


def _plan(config: WorldConfig) -> list[_Planned]:
    planned: list[_Planned] = [
        (run.created_at_ms, run.asset, run.partition, run.status, dict(run.tags), run.error_message)
        for run in config.history_runs
    ]
    for gen in config.history_generate:
        planned.extend(_generate(config, gen))
    return planned


def _generate(config: WorldConfig, gen: HistoryGenerate) -> list[_Planned]:
    asset = config.asset(gen.asset)
    keys = asset.partitions.keys if asset is not None and asset.partitions is not None else None
    spread = max(1, seconds_to_ms(gen.spread_seconds))
    start = config.start_ms - spread
    out: list[_Planned] = []
    ratio = gen.succeeded_ratio
    for i in range(gen.runs):
        # Run i succeeds when the running total of successes steps up: spread evenly.
        ok = int((i + 1) * ratio) > int(i * ratio)
        out.append(
            (
                start + (i * spread) // gen.runs,
                gen.asset,
                None if keys is None else keys[i % len(keys)],
                RunStatus.SUCCEEDED if ok else RunStatus.FAILED,
                {},
                None,
            )
        )
    return out


def _finish(
    run: RunRecord, asset: AssetConfig, status: RunStatus, message: str | None, limit_ms: int
) -> None:
    """Give a history run the timestamps it would have had running live, capped at the start."""
    cfg = asset.run
    queued = run.created_ms + seconds_to_ms(cfg.queued_seconds)
    started = queued + seconds_to_ms(cfg.starting_seconds)
    ended = started + seconds_to_ms(cfg.running_seconds)
    run.status = status
    if status is RunStatus.CANCELED:
        run.ended_ms = min(queued, limit_ms)
        return
    if status is RunStatus.FAILED:
        run.error_message = message or cfg.error_message
        if cfg.fail_stage == "starting":
            run.ended_ms = min(started, limit_ms)
            return
    run.started_ms = min(started, limit_ms)
    run.ended_ms = min(ended, limit_ms)
