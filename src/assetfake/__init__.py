"""assetfake: a stateful fake of the Assets API (runs, materializations, backfills) for testing
its clients, in process or as a server, driven by YAML scenarios."""

from __future__ import annotations

from assetfake._version import __version__
from assetfake.domain.clock import ManualClock, RealtimeClock
from assetfake.domain.errors import DomainError
from assetfake.domain.resources import Backfill, Materialization, Page, Run
from assetfake.domain.status import RunStatus
from assetfake.fake import AssetFake
from assetfake.http.journal import JournalEntry
from assetfake.remote import RemoteFake
from assetfake.scenario import Scenario, ScenarioError
from assetfake.surface import FakeSurface
from assetfake.verify import ExpectationFailed

__all__ = [
    "AssetFake",
    "Backfill",
    "DomainError",
    "ExpectationFailed",
    "FakeSurface",
    "JournalEntry",
    "ManualClock",
    "Materialization",
    "Page",
    "RealtimeClock",
    "RemoteFake",
    "Run",
    "RunStatus",
    "Scenario",
    "ScenarioError",
    "__version__",
]
