"""Namespaces: independent worlds (state, clock, counters) served by one app.

Every namespace is made from the same template. The template's history is built once and shared
(it is immutable), so a new namespace or a reset costs only the live, empty part of a world.
"""

from __future__ import annotations

import copy
import threading
import time
from dataclasses import dataclass, field

from assetfake.domain import ids
from assetfake.domain.clock import ClockMode, ManualClock, RealtimeClock
from assetfake.domain.config import WorldConfig
from assetfake.domain.history import History
from assetfake.domain.world import World
from assetfake.http.faults import FaultEngine
from assetfake.http.guards import RateLimiter
from assetfake.http.journal import Journal
from assetfake.http.policy import Policies

DEFAULT = "default"


@dataclass(frozen=True, slots=True)
class WorldTemplate:
    """What every namespace starts from: the world's configuration and its clock settings."""

    config: WorldConfig
    clock_mode: ClockMode = "manual"
    speed: float = 1.0
    policies: Policies = field(default_factory=Policies)
    #: The scenario's ``expect`` entries: opaque here, read by the verifier.
    expectations: tuple[object, ...] = ()
    history: History = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "history", History.build(self.config))

    def new_world(self) -> World:
        start = self.config.start_ms
        clock: ManualClock | RealtimeClock
        if self.clock_mode == "manual":
            clock = ManualClock(start, self.speed)
        else:
            clock = RealtimeClock(start, time.monotonic, self.speed)
        return World(self.config, clock, self.history)


class Namespace:
    """One world and what belongs with it. Use ``with namespace.lock:`` around any access."""

    def __init__(self, name: str, template: WorldTemplate) -> None:
        self.name = name
        self.lock = threading.RLock()
        self.template = template
        self.journal = Journal()
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
    """The default namespace and the named ones, created on first use."""

    def __init__(self, template: WorldTemplate) -> None:
        self.template = template
        self.default = Namespace(DEFAULT, template)
        self._named: dict[str, Namespace] = {}
        self._lock = threading.Lock()

    def get(self, name: str | None) -> Namespace:
        if name is None or name == DEFAULT:
            return self.default
        with self._lock:
            namespace = self._named.get(name)
            if namespace is None:
                namespace = self._named[name] = Namespace(name, self.template)
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
