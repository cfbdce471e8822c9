"""The configuration of a world: its clock, its assets, how their runs behave, and its history.

Built by the scenario layer from a validated scenario file; the domain only reads it. The
defaults of these records are the defaults of the scenario format too: the scenario schema reads
them from here (``RunConfig().queued_seconds``, ...) rather than writing them again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

from assetfake.domain.clock import ClockMode
from assetfake.domain.partitions import Partitions
from assetfake.domain.status import RunStatus

FailStage = Literal["starting", "running"]

_EMPTY: Mapping[str, object] = MappingProxyType({})
_NO_TAGS: Mapping[str, str] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class RunConfig:
    """How runs of one asset behave. Durations in seconds on the fake's clock."""

    queued_seconds: float = 1.0
    starting_seconds: float = 1.0
    running_seconds: float = 5.0
    canceling_seconds: float = 1.0
    max_concurrent: int | None = None
    fail_partitions: frozenset[str] = frozenset()
    fail_probability: float = 0.0
    fail_stage: FailStage = "running"
    error_message: str = "run failed"


@dataclass(frozen=True, slots=True)
class AssetConfig:
    key: str
    partitions: Partitions | None = None
    run: RunConfig = RunConfig()
    metadata: Mapping[str, object] = field(default_factory=lambda: _EMPTY)


@dataclass(frozen=True, slots=True)
class HistoryRun:
    """One run that ended before the clock's start. Only terminal statuses are allowed."""

    asset: str
    status: RunStatus
    created_at_ms: int
    partition: str | None = None
    tags: Mapping[str, str] = field(default_factory=lambda: _NO_TAGS)
    error_message: str | None = None


@dataclass(frozen=True, slots=True)
class HistoryGenerate:
    """Bulk history: ``runs`` runs spread evenly over ``spread_seconds`` before the start;
    a ``succeeded_ratio`` share SUCCEEDED (spread evenly), the rest FAILED."""

    asset: str
    runs: int
    succeeded_ratio: float = 1.0
    spread_seconds: float = 86_400.0


@dataclass(frozen=True, slots=True)
class PaginationConfig:
    default_page_size: int = 20
    max_page_size: int = 100
    short_pages: float = 0.0
    page_token_ttl_seconds: float | None = None


@dataclass(frozen=True, slots=True)
class WorldConfig:
    """A whole world: where its clock starts (epoch ms) and how it moves (``clock_mode``,
    ``clock_speed`` for realtime), its seed, assets, history and page sizes."""

    start_ms: int
    assets: tuple[AssetConfig, ...] = ()
    seed: int = 0
    history_runs: tuple[HistoryRun, ...] = ()
    history_generate: tuple[HistoryGenerate, ...] = ()
    pagination: PaginationConfig = PaginationConfig()
    clock_mode: ClockMode = "manual"
    clock_speed: float = 1.0
    _by_key: dict[str, AssetConfig] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._by_key.update((asset.key, asset) for asset in self.assets)

    def asset(self, key: str) -> AssetConfig | None:
        return self._by_key.get(key)

    def partitions(self) -> dict[str, Partitions | None]:
        """Each asset's partition set (``None``: unpartitioned), by key."""
        return {asset.key: asset.partitions for asset in self.assets}
