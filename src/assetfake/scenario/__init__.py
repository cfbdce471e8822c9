"""The scenario format: typed schema, loader with line numbers, ``extends``, the library."""

from __future__ import annotations

from assetfake.scenario.errors import ScenarioError
from assetfake.scenario.library import LibraryEntry, find_scenario, library
from assetfake.scenario.loader import validate_files
from assetfake.scenario.model import Scenario
from assetfake.scenario.schema import ScenarioSpec, scenario_json_schema

__all__ = [
    "LibraryEntry",
    "Scenario",
    "ScenarioError",
    "ScenarioSpec",
    "find_scenario",
    "library",
    "scenario_json_schema",
    "validate_files",
]
