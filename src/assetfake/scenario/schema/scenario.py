"""``ScenarioSpec``: a whole scenario file, and its JSON Schema."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from msgspec import Meta

from assetfake.domain.config import WorldConfig
from assetfake.expectations import ExpectSpec
from assetfake.scenario.schema.assets import AssetSpec
from assetfake.scenario.schema.faults import FaultSpec
from assetfake.scenario.schema.fields import ONE_KEY, Spec
from assetfake.scenario.schema.history import HistorySpec
from assetfake.scenario.schema.settings import AuthSpec, ClockSpec, PaginationSpec, RateLimitSpec

_WORLD = WorldConfig(start_ms=0)


class ScenarioSpec(Spec, frozen=True, kw_only=True):
    """An assetfake scenario: a world, the faults in it, and what a well-behaved client does."""

    version: Annotated[Literal[1], Meta(description="The format version; always 1.")] = 1
    name: str | None = None
    description: str | None = None
    seed: Annotated[
        int,
        Meta(ge=0, le=2**63 - 1, description="Drives ids, fail_probability, fault probability."),
    ] = _WORLD.seed
    extends: (
        Annotated[
            str, Meta(description="A scenario file merged underneath, relative to this file.")
        ]
        | None
    ) = None
    clock: ClockSpec = ClockSpec()
    auth: AuthSpec | None = None
    rate_limit: RateLimitSpec | None = None
    pagination: PaginationSpec = PaginationSpec()
    assets: tuple[AssetSpec, ...] = ()
    history: HistorySpec = HistorySpec()
    faults: tuple[FaultSpec, ...] = ()
    mark_faults: Annotated[
        bool, Meta(description="Add X-Fake-Fault: <rule name> to injected fault responses.")
    ] = True
    expect: tuple[Annotated[ExpectSpec, Meta(extra_json_schema=ONE_KEY)], ...] = ()


def scenario_json_schema() -> dict[str, object]:
    """The JSON Schema (draft 2020-12) of a scenario file, for editor completion."""
    schema = msgspec.json.schema(ScenarioSpec, schema_hook=_any_json)
    document: dict[str, object] = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://assetfake.invalid/scenario.schema.json",
        "title": "assetfake scenario",
        **schema,
    }
    decoded: dict[str, object] = msgspec.json.decode(msgspec.json.encode(document))
    return decoded


def _any_json(tp: type) -> dict[str, object]:
    """The schema of :data:`~assetfake.scenario.schema.fields.JsonValue` (``object``)."""
    if tp is object:
        return {"description": "Any JSON value."}
    raise NotImplementedError(f"no JSON Schema for {tp!r}")
