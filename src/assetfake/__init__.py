"""assetfake: a stateful fake of the Assets API (runs, materializations, backfills) for testing
its clients, in process or as a server, driven by YAML scenarios.

The public names are imported on first use (PEP 562): ``assetfake serve`` imports only what
serving needs, and ``import assetfake`` costs nothing until a name is read.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
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

#: Each public name, and the module it is defined in.
_HOMES = {
    "AssetFake": "assetfake.fake",
    "Backfill": "assetfake.domain.resources",
    "DomainError": "assetfake.domain.errors",
    "ExpectationFailed": "assetfake.verify",
    "FakeSurface": "assetfake.surface",
    "JournalEntry": "assetfake.http.journal",
    "ManualClock": "assetfake.domain.clock",
    "Materialization": "assetfake.domain.resources",
    "Page": "assetfake.domain.resources",
    "RealtimeClock": "assetfake.domain.clock",
    "RemoteFake": "assetfake.remote",
    "Run": "assetfake.domain.resources",
    "RunStatus": "assetfake.domain.status",
    "Scenario": "assetfake.scenario",
    "ScenarioError": "assetfake.scenario",
    "__version__": "assetfake._version",
}

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


def __getattr__(name: str) -> object:
    """A public name, imported from its module the first time it is read (then cached)."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'assetfake' has no attribute {name!r}")
    value = getattr(import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
