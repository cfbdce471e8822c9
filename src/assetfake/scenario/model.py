"""``Scenario``: a loaded, validated scenario, and its conversion to the domain's config."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

import msgspec

from assetfake.domain.clock import ClockMode
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
from assetfake.scenario.errors import DICT_FILE
from assetfake.scenario.library import DEFAULT_SCENARIO, find_scenario, is_scenario_name
from assetfake.scenario.loader import StrPath, load_mapping, load_path, load_text
from assetfake.scenario.nodes import to_plain
from assetfake.scenario.schema import AssetSpec, PartitionsSpec, ScenarioSpec

#: The ``name`` of a scenario that sets none and has no file to be named after.
UNNAMED = "custom"


@dataclass(frozen=True, slots=True)
class ClockSettings:
    """The scenario's clock: its start in epoch milliseconds, its mode and realtime speed."""

    start_ms: int
    mode: ClockMode = "manual"
    speed: float = 1.0


@dataclass(frozen=True, slots=True)
class Scenario:
    """A validated scenario. Build with :meth:`load` or :meth:`from_yaml_text`.

    ``spec`` is the whole validated scenario (``extends`` merged in); ``source`` is the path of
    the file it was loaded from, ``"<dict>"`` for a mapping, or the name given to
    :meth:`from_yaml_text`.
    """

    name: str
    description: str
    seed: int
    source: str
    spec: ScenarioSpec
    clock: ClockSettings

    @classmethod
    def load(
        cls,
        source: Scenario | StrPath | Mapping[str, Any] | None = None,
        *,
        extra_dirs: Iterable[StrPath] = (),
    ) -> Scenario:
        """A scenario from a library name (``"rate-limited"``), a path (``str`` with a ``/``
        or a ``.yaml``/``.yml``/``.json`` suffix, or any ``os.PathLike``), a mapping, or a
        :class:`Scenario` (returned as is). ``None`` loads ``"default"``. Names are looked up in
        ``extra_dirs`` first, then in the shipped library.

        Raises :class:`~assetfake.scenario.errors.ScenarioError`.
        """
        if isinstance(source, Scenario):
            return source
        if source is None:
            source = DEFAULT_SCENARIO
        if isinstance(source, Mapping):
            return cls.from_spec(load_mapping(source), DICT_FILE)
        if isinstance(source, str) and is_scenario_name(source):
            source = find_scenario(source, extra_dirs)
        if isinstance(source, str | os.PathLike):
            return cls.from_spec(load_path(source), os.fspath(source))
        raise TypeError(
            "a scenario is a name, a path, a mapping, a Scenario or None; "
            f"got {type(source).__name__}"
        )

    @classmethod
    def from_yaml_text(
        cls, text: str, file: str = "<text>", *, base_dir: StrPath | None = None
    ) -> Scenario:
        """A scenario from YAML (or JSON) text; errors name ``file``. A relative ``extends`` is
        resolved against ``base_dir`` (default: the directory of ``file`` if it is a path,
        else the working directory)."""
        return cls.from_spec(load_text(text, file, base_dir), file)

    @classmethod
    def from_spec(cls, spec: ScenarioSpec, source: str) -> Scenario:
        """A scenario for an already validated spec."""
        if spec.name is not None:
            name = spec.name
        elif source.startswith("<"):
            name = UNNAMED
        else:
            name = Path(source).stem
        return cls(
            name=name,
            description=spec.description or "",
            seed=spec.seed,
            source=source,
            spec=spec,
            clock=ClockSettings(
                start_ms=parse_rfc3339(spec.clock.start),
                mode=spec.clock.mode,
                speed=spec.clock.speed,
            ),
        )

    def with_overrides(
        self,
        *,
        seed: int | None = None,
        clock_mode: ClockMode | None = None,
        clock_speed: float | None = None,
    ) -> Scenario:
        """This scenario with another seed or clock (as ``--seed``, ``--clock``, ``--speed``)."""
        if clock_speed is not None and not clock_speed > 0:
            raise ValueError(f"the clock speed must be more than 0, got {clock_speed}")
        if seed is not None and seed < 0:
            raise ValueError(f"the seed must be 0 or more, got {seed}")
        clock = msgspec.structs.replace(
            self.spec.clock,
            mode=clock_mode or self.spec.clock.mode,
            speed=self.spec.clock.speed if clock_speed is None else clock_speed,
        )
        spec = msgspec.structs.replace(
            self.spec, seed=self.spec.seed if seed is None else seed, clock=clock
        )
        return Scenario.from_spec(spec, self.source)

    def to_dict(self) -> dict[str, Any]:
        """The whole scenario, ``extends`` merged in (and dropped), as JSON-ready data that
        loads back to an equal spec. Fields left at their defaults are omitted."""
        data: dict[str, Any] = msgspec.json.decode(msgspec.json.encode(self.spec))
        data.pop("extends", None)
        return data

    def world_config(self, seed: int | None = None) -> WorldConfig:
        """The domain's configuration of this world; ``seed`` overrides the scenario's."""
        spec = self.spec
        assets = tuple(_asset_config(asset) for asset in spec.assets)
        by_key = {asset.key: asset for asset in assets}
        history_runs = tuple(
            HistoryRun(
                asset=run.asset,
                status=RunStatus(run.status),
                created_at_ms=parse_rfc3339(run.created_at),
                partition=run.partition,
                tags=MappingProxyType(dict(run.tags)),
                error_message=(
                    (run.error_message or by_key[run.asset].run.error_message)
                    if run.status == "FAILED"
                    else None
                ),
            )
            for run in spec.history.runs
        )
        history_generate = tuple(
            HistoryGenerate(
                asset=generate.asset,
                runs=generate.runs,
                succeeded_ratio=generate.succeeded_ratio,
                spread_seconds=generate.spread_seconds,
            )
            for generate in spec.history.generate
        )
        pagination = PaginationConfig(
            default_page_size=spec.pagination.default_page_size,
            max_page_size=spec.pagination.max_page_size,
            short_pages=spec.pagination.short_pages,
            page_token_ttl_seconds=spec.pagination.page_token_ttl_seconds,
        )
        return WorldConfig(
            start_ms=self.clock.start_ms,
            assets=assets,
            seed=self.seed if seed is None else seed,
            history_runs=history_runs,
            history_generate=history_generate,
            pagination=pagination,
        )


def _asset_config(asset: AssetSpec) -> AssetConfig:
    run = asset.run
    return AssetConfig(
        key=asset.key,
        partitions=None if asset.partitions is None else _partitions(asset.partitions),
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
        metadata=MappingProxyType(_plain_mapping(asset.materialization.metadata)),
    )


def _partitions(spec: PartitionsSpec) -> Partitions:
    if spec.daily is not None:
        return Partitions.daily(spec.daily.start, spec.daily.end)
    if spec.hourly is not None:
        return Partitions.hourly(spec.hourly.start, spec.hourly.end)
    return Partitions.static(tuple(spec.static or ()))


def _plain_mapping(data: Mapping[str, Any]) -> dict[str, object]:
    copied = to_plain(dict(data))
    return copied if isinstance(copied, dict) else {}
