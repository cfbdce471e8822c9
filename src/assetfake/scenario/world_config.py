"""The domain's configuration of a validated scenario: the one conversion from the file's
structs to :class:`~assetfake.domain.config.WorldConfig`.

Partition sets are not parsed here: they are the ones the domain built while the scenario's
rules were checked (:mod:`assetfake.scenario.rules.assets`).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from assetfake.domain.config import (
    AssetConfig,
    HistoryGenerate,
    HistoryRun,
    PaginationConfig,
    RunConfig,
    WorldConfig,
)
from assetfake.domain.partitions import Partitions
from assetfake.domain.status import RunStatus
from assetfake.domain.timestamps import parse_rfc3339
from assetfake.scenario.nodes import to_plain
from assetfake.scenario.schema import AssetSpec, HistoryRunSpec, ScenarioSpec


def world_config_of(spec: ScenarioSpec, partitions: Mapping[str, Partitions | None]) -> WorldConfig:
    """The world ``spec`` describes; ``partitions`` holds each asset's set, already built."""
    assets = tuple(_asset_config(asset, partitions[asset.key]) for asset in spec.assets)
    by_key = {asset.key: asset for asset in assets}
    pages = spec.pagination
    return WorldConfig(
        start_ms=parse_rfc3339(spec.clock.start),
        assets=assets,
        seed=spec.seed,
        history_runs=tuple(_history_run(run, by_key[run.asset]) for run in spec.history.runs),
        history_generate=tuple(
            HistoryGenerate(
                asset=generate.asset,
                runs=generate.runs,
                succeeded_ratio=generate.succeeded_ratio,
                spread_seconds=generate.spread_seconds,
            )
            for generate in spec.history.generate
        ),
        pagination=PaginationConfig(
            default_page_size=pages.default_page_size,
            max_page_size=pages.max_page_size,
            short_pages=pages.short_pages,
            page_token_ttl_seconds=pages.page_token_ttl_seconds,
        ),
        clock_mode=spec.clock.mode,
        clock_speed=spec.clock.speed,
    )


def _asset_config(asset: AssetSpec, partitions: Partitions | None) -> AssetConfig:
    run = asset.run
    metadata = to_plain(dict(asset.materialization.metadata))
    return AssetConfig(
        key=asset.key,
        partitions=partitions,
        run=RunConfig(
            queued_seconds=run.queued_seconds,
            starting_seconds=run.starting_seconds,
            running_seconds=run.running_seconds,
            canceling_seconds=run.canceling_seconds,
            max_concurrent=run.max_concurrent,
            fail_partitions=frozenset(run.fail_partitions),
            fail_probability=run.fail_probability,
            fail_stage=run.fail_stage,
            error_message=run.error_message,
        ),
        metadata=MappingProxyType(metadata if isinstance(metadata, dict) else {}),
    )


def _history_run(run: HistoryRunSpec, asset: AssetConfig) -> HistoryRun:
    failed = run.status == "FAILED"
    return HistoryRun(
        asset=run.asset,
        status=RunStatus(run.status),
        created_at_ms=parse_rfc3339(run.created_at),
        partition=run.partition,
        tags=MappingProxyType(dict(run.tags)),
        error_message=(run.error_message or asset.run.error_message) if failed else None,
    )
