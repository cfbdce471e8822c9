"""Namespaces: independent worlds (state, clock, counters) served by one app.

Every namespace is made from the same template. The template's history is built once and shared
(it is immutable), so a new namespace or a reset costs only the live, empty part of a world.

A template is the domain's :class:`~assetfake.domain.config.WorldConfig` (clock included), the
HTTP layer's :class:`~assetfake.http.policy.Policies`, and the scenario's ``expect`` entries,
typed as :class:`assetfake.expectations.ExpectSpec`. That type lives outside both ``scenario/``
and ``http/`` (like the operation table) so that this module can name it without importing the
scenario format; the HTTP layer only carries the entries, for the verifier.
"""

from __future__ import annotations

import copy
import threading
import time
from dataclasses import dataclass, field

from assetfake.domain import ids
from assetfake.domain.clock import ManualClock, RealtimeClock
from assetfake.domain.config import WorldConfig
from assetfake.domain.history import History
from assetfake.domain.world import World
from assetfake.expectations import ExpectSpec
from assetfake.http.faults import FaultEngine
from assetfake.http.guards import RateLimiter
from assetfake.http.journal import JOURNAL_CAP, Journal
from assetfake.http.policy import Policies

DEFAULT = "default"


@dataclass(frozen=True, slots=True)
class WorldTemplate:
    """What every namespace starts from: the world's configuration (its clock included), the
    HTTP layer's policies, and the scenario's expectations."""

    config: WorldConfig
    policies: Policies = field(default_factory=Policies)
    #: The scenario's ``expect`` entries: carried here, judged by the verifier.
    expectations: tuple[ExpectSpec, ...] = ()
    #: The name of the scenario it serves (what the control API reports having loaded).
    name: str = ""
    history: History = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "history", History.build(self.config))

    def new_world(self) -> World:
        config = self.config
        clock: ManualClock | RealtimeClock
        if config.clock_mode == "manual":
            clock = ManualClock(config.start_ms, config.clock_speed)
        else:
            clock = RealtimeClock(config.start_ms, time.monotonic, config.clock_speed)
        return World(config, clock, self.history)


class Namespace:
    """One world and what belongs with it. Use ``with namespace.lock:`` around any access.
    Its journal keeps the newest ``journal_cap`` entries."""

    def __init__(self, name: str, template: WorldTemplate, journal_cap: int = JOURNAL_CAP) -> None:
        self.name = name
        self.lock = threading.RLock()
        self.template = template
        self.journal = Journal(journal_cap)
        self.snapshots: dict[str, tuple[World, FaultEngine, RateLimiter | None]] = {}
        self._snapshot_ids = 0
        self._start(template)

    def _start(self, template: WorldTemplate) -> None:
        self.template = template
        self.world = template.new_world()
        self.requests = 0
        self._tag = ids.seed_tag(template.config.seed)
        policies = template.policies
        self.faults = FaultEngine.of(policies.faults, template.config.seed)
        limit = policies.rate_limit
        self.limiter = None if limit is None else RateLimiter(limit)
        self.journal.clear()

    def snapshot(self) -> str:
        """Save the world (state, clock), fault counters and rate buckets; returns an id."""
        with self.lock:
            self._snapshot_ids += 1
            snapshot_id = f"snap-{self._snapshot_ids}"
            self.snapshots[snapshot_id] = (
                self.world.copy(),
                copy.deepcopy(self.faults),
                copy.deepcopy(self.limiter),
            )
            return snapshot_id

    def restore(self, snapshot_id: str) -> bool:
        """Return to a snapshot (it stays available for another restore)."""
        with self.lock:
            saved = self.snapshots.get(snapshot_id)
            if saved is None:
                return False
            world, faults, limiter = saved
            self.world = world.copy()
            self.faults = copy.deepcopy(faults)
            self.limiter = copy.deepcopy(limiter)
            return True

    def reset(self, template: WorldTemplate | None = None) -> None:
        """The template's initial state: world, clock, faults (runtime additions dropped,
        counters zeroed), rate buckets, journal and request ids."""
        with self.lock:
            if template is not None and template is not self.template:
                self.snapshots.clear()  # they belong to the world of another scenario
            self._start(template or self.template)

    def next_request_id(self) -> str:
        self.requests += 1
        return f"req_{self._tag}{self.requests:010d}"


class Namespaces:
    """The default namespace and the named ones, created on first use; each journal keeps the
    newest ``journal_cap`` entries."""

    def __init__(self, template: WorldTemplate, *, journal_cap: int = JOURNAL_CAP) -> None:
        self.template = template
        self.journal_cap = journal_cap
        self.default = Namespace(DEFAULT, template, journal_cap)
        self._named: dict[str, Namespace] = {}
        self._lock = threading.Lock()

    def get(self, name: str | None) -> Namespace:
        if name is None or name == DEFAULT:
            return self.default
        with self._lock:
            namespace = self._named.get(name)
            if namespace is None:
                namespace = self._named[name] = Namespace(name, self.template, self.journal_cap)
            return namespace

    def replace_template(self, template: WorldTemplate) -> None:
        """Load another scenario: the default namespace restarts from it, named ones are
        dropped (they are re-created from it on next use)."""
        with self._lock:
            self.template = template
            self._named.clear()
        self.default.reset(template)

    def drop(self, name: str) -> bool:
        with self._lock:
            return self._named.pop(name, None) is not None

    def names(self) -> list[str]:
        with self._lock:
            return [DEFAULT, *sorted(self._named)]
