"""The typed schema of a scenario file (section 3 of the contract), as msgspec Structs.

One module per part of the file: :mod:`.settings` (clock, auth, rate limit, pagination),
:mod:`.assets`, :mod:`.history`, :mod:`.faults`; the ``expect`` entries are
:mod:`assetfake.expectations` (the HTTP layer carries them too), and :mod:`.fields` holds the
value types. Structs check types and ranges; the rules that relate fields to each other live in
:mod:`assetfake.scenario.rules`. Sequences are tuples so that a validated scenario is immutable
all the way down, mappings apart.
"""

from __future__ import annotations

from assetfake.expectations import CallsExpect, ExpectSpec, StateCount, StateExpect
from assetfake.scenario.schema.assets import (
    AssetSpec,
    DailyRange,
    HourlyRange,
    MaterializationSpec,
    PartitionsSpec,
    RunSpec,
)
from assetfake.scenario.schema.faults import (
    DelayRange,
    FaultSpec,
    MatchSpec,
    RespondSpec,
    WindowSpec,
)
from assetfake.scenario.schema.history import HistoryGenerateSpec, HistoryRunSpec, HistorySpec
from assetfake.scenario.schema.scenario import ScenarioSpec, scenario_json_schema
from assetfake.scenario.schema.settings import (
    DEFAULT_CLOCK_START,
    AuthSpec,
    ClockSpec,
    PaginationSpec,
    RateLimitSpec,
    TokenSpec,
)

__all__ = [
    "DEFAULT_CLOCK_START",
    "AssetSpec",
    "AuthSpec",
    "CallsExpect",
    "ClockSpec",
    "DailyRange",
    "DelayRange",
    "ExpectSpec",
    "FaultSpec",
    "HistoryGenerateSpec",
    "HistoryRunSpec",
    "HistorySpec",
    "HourlyRange",
    "MatchSpec",
    "MaterializationSpec",
    "PaginationSpec",
    "PartitionsSpec",
    "RateLimitSpec",
    "RespondSpec",
    "RunSpec",
    "ScenarioSpec",
    "StateCount",
    "StateExpect",
    "TokenSpec",
    "WindowSpec",
    "scenario_json_schema",
]
