"""Hypothesis strategies for testing Assets API clients against assetfake.

Everything generated here is valid by construction: a generated fault list can be passed to
``fake.faults.add`` one fault at a time or put in a scenario's ``faults``, and a generated
scenario loads with :meth:`assetfake.Scenario.load`. ::

    from hypothesis import given
    from assetfake import AssetFake
    from assetfake.operations import LIST_RUNS
    from assetfake.testing.strategies import fault_schedules

    @given(fault_schedules(operations=[LIST_RUNS.operation_id]))
    def test_my_client_survives(faults):
        fake = AssetFake({"version": 1, "assets": [{"key": "customers"}], "faults": faults})
        ...

Hypothesis is a test dependency (the ``test`` extra), not a runtime one: this module imports it
and is meant to be imported by tests only; ``import assetfake`` never imports it. Faults are
built in :mod:`assetfake.testing.fault_strategies`, scenarios in
:mod:`assetfake.testing.scenario_strategies`.
"""

from __future__ import annotations

from assetfake.testing.fault_strategies import (
    LIST_OPERATIONS,
    MAX_FIRINGS,
    NETWORK_FAULTS,
    fault_schedules,
    faults,
)
from assetfake.testing.scenario_strategies import asset_keys, scenarios

__all__ = [
    "LIST_OPERATIONS",
    "MAX_FIRINGS",
    "NETWORK_FAULTS",
    "asset_keys",
    "fault_schedules",
    "faults",
    "scenarios",
]
