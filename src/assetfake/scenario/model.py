"""``Scenario``: a loaded, validated scenario — its file form and the world it describes.

A scenario is two records, built once when it is loaded: ``spec``, the file as written
(:class:`~assetfake.scenario.schema.ScenarioSpec`, what ``to_dict`` and the control API send),
and ``config``, the domain's :class:`~assetfake.domain.config.WorldConfig` of it (clock, seed,
assets with their partition sets, history, pagination). Everything else is read off one of
them. Overrides of the seed and clock (``--seed``, ``--clock``, ``--speed``, ``AssetFake(seed=,
clock=, speed=)``, the plugin's marker) go through :meth:`Scenario.with_overrides` only.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import msgspec

from assetfake.domain.clock import ClockMode
from assetfake.domain.config import WorldConfig
from assetfake.scenario.errors import DICT_FILE
from assetfake.scenario.library import DEFAULT_SCENARIO, find_scenario, is_scenario_name
from assetfake.scenario.loader import StrPath, Validated, load_mapping, load_path, load_text
from assetfake.scenario.nodes import from_python, locate
from assetfake.scenario.schema import ScenarioSpec
from assetfake.scenario.typecheck import check_types
from assetfake.scenario.world_config import world_config_of

#: The ``name`` of a scenario that sets none and has no file to be named after.
UNNAMED = "custom"


@dataclass(frozen=True, slots=True)
class Scenario:
    """A validated scenario. Build with :meth:`load` or :meth:`from_yaml_text`.

    ``spec`` is the whole validated scenario (``extends`` merged in); ``config`` is the world
    it describes, for the domain; ``source`` is the path of the file it was loaded from,
    ``"<dict>"`` for a mapping, or the name given to :meth:`from_yaml_text`.
    """

    name: str
    source: str
    spec: ScenarioSpec
    config: WorldConfig

    @property
    def description(self) -> str:
        return self.spec.description or ""

    @property
    def seed(self) -> int:
        return self.config.seed

    @classmethod
    def load(
        cls,
        source: Scenario | StrPath | Mapping[str, object] | None = None,
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
            return cls._of(load_mapping(source), DICT_FILE)
        if isinstance(source, str) and is_scenario_name(source):
            source = find_scenario(source, extra_dirs)
        if isinstance(source, str | os.PathLike):
            return cls._of(load_path(source), os.fspath(source))
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
        return cls._of(load_text(text, file, base_dir), file)

    @classmethod
    def _of(cls, valid: Validated, source: str) -> Scenario:
        spec = valid.spec
        if spec.name is not None:
            name = spec.name
        elif source.startswith("<"):
            name = UNNAMED
        else:
            name = Path(source).stem
        return cls(name, source, spec, world_config_of(spec, valid.partitions))

    def with_overrides(
        self,
        *,
        seed: int | None = None,
        clock_mode: ClockMode | None = None,
        clock_speed: float | None = None,
    ) -> Scenario:
        """This scenario with another seed or clock; ``None`` keeps the scenario's. The values
        are checked as the file's ``seed``, ``clock.mode`` and ``clock.speed`` would be
        (:class:`ValueError` naming the field)."""
        clock: dict[str, object] = {}
        if clock_mode is not None:
            clock["mode"] = clock_mode
        if clock_speed is not None:
            clock["speed"] = clock_speed
        changes: dict[str, object] = {} if seed is None else {"seed": seed}
        if clock:
            changes["clock"] = clock
        if not changes:
            return self
        _check_overrides(changes)
        spec = msgspec.structs.replace(
            self.spec,
            seed=self.spec.seed if seed is None else seed,
            clock=msgspec.structs.replace(self.spec.clock, **clock),
        )
        return Scenario(
            self.name, self.source, spec, world_config_of(spec, self.config.partitions())
        )

    def to_dict(self) -> dict[str, object]:
        """The whole scenario, ``extends`` merged in (and dropped), as JSON-ready data that
        loads back to an equal spec. Fields left at their defaults are omitted."""
        data: dict[str, object] = msgspec.json.decode(msgspec.json.encode(self.spec))
        data.pop("extends", None)
        return data


def _check_overrides(changes: dict[str, object]) -> None:
    tree = from_python(changes)
    problems = check_types(tree, ScenarioSpec)
    if problems:
        raise ValueError("; ".join(f"{locate(tree, p.location)[1]}: {p.message}" for p in problems))
