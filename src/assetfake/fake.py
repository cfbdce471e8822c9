"""``AssetFake``: the fake as a Python object — app, clients, clock, state, live server."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, overload

import msgspec

from assetfake.assembly import fault_rule, template_of
from assetfake.domain.clock import ClockMode
from assetfake.domain.resources import Backfill, Materialization, Run
from assetfake.domain.world import World
from assetfake.http.app import AssetsApp
from assetfake.http.control import ControlAPI
from assetfake.http.guards import issued_credential
from assetfake.http.journal import JOURNAL_CAP, Journal
from assetfake.http.namespaces import Namespace, Namespaces, WorldTemplate
from assetfake.http.policy import FaultRule
from assetfake.scenario import Scenario, ScenarioError
from assetfake.scenario.control_input import allowed_folders, request_scenario, served_folder_of
from assetfake.scenario.limits import MAX_HISTORY_RUNS

# httpx, the in-process transports, the live server, the clock patch and the verifier are
# imported where they are used: ``assetfake serve`` needs none of them to start (issue 11).
if TYPE_CHECKING:
    import httpx
    from typing_extensions import Unpack

    from assetfake.surface import ClientOptions, FaultDocument
    from assetfake.transports import AsyncASGITransport, SyncASGITransport

#: What :class:`AssetFake` loads: a library name, a path, a mapping, a :class:`Scenario`, or
#: ``None`` for the built-in default.
ScenarioSource = str | os.PathLike[str] | Mapping[str, object] | Scenario | None

BASE_URL = "http://assetfake"
#: How many scenarios loaded through the control API keep their built template.
TEMPLATE_CACHE = 16
#: How many runs of history those templates hold together, at most (history is stored as
#: columns: a million generated runs take about 10-60 MB, depending on their shape).
TEMPLATE_CACHE_RUNS = MAX_HISTORY_RUNS


class FakeClock:
    """The fake's clock. Always the current world's (it survives ``reset``)."""

    def __init__(self, namespace: Namespace) -> None:
        self._namespace = namespace

    @property
    def mode(self) -> ClockMode:
        return self._namespace.world.clock.mode

    def now(self) -> datetime:
        with self._namespace.lock:
            return self._namespace.world.clock.now()

    def advance(self, seconds: float = 0.0) -> datetime:
        """Move the clock forward and process every transition due in between."""
        with self._namespace.lock:
            world = self._namespace.world
            world.clock.advance(seconds)
            world.catch_up()
            return world.clock.now()

    def sleep(self, seconds: float) -> None:
        """Inject this in place of ``time.sleep`` into the client under test."""
        self.advance(seconds)

    def patch(self) -> AbstractContextManager[None]:
        """Route ``time.sleep``, ``asyncio.sleep`` and the clocks retry libraries read to this
        clock for the code under test (see :mod:`assetfake.timepatch`; a no-op on realtime)."""
        from assetfake import timepatch

        return timepatch.patched(self)


class FakeState:
    """Read access to the current world, as API resources."""

    def __init__(self, namespace: Namespace) -> None:
        self._namespace = namespace

    def runs(self, asset: str | None = None) -> list[Run]:
        """Every run (of one asset, or all), oldest first."""
        with self._namespace.lock:
            return self._namespace.world.runs(asset)

    def backfills(self, asset: str | None = None) -> list[Backfill]:
        with self._namespace.lock:
            return self._namespace.world.backfills(asset)

    def materializations(self, asset: str | None = None) -> list[Materialization]:
        with self._namespace.lock:
            return self._namespace.world.materializations(asset)

    def run(self, run_id: str) -> Run:
        with self._namespace.lock:
            return self._namespace.world.run(run_id)

    def counts(self) -> dict[str, int]:
        with self._namespace.lock:
            return self._namespace.world.counts()


def _history_runs(scenario: Scenario) -> int:
    history = scenario.spec.history
    return len(history.runs) + sum(entry.runs for entry in history.generate)


def _validated_fault(namespace: Namespace, fault: object) -> FaultRule:
    """A fault document validated as a scenario's ``faults`` entry would be."""
    assets = [{"key": asset.key} for asset in namespace.template.config.assets]
    probe = Scenario.load({"version": 1, "assets": assets, "faults": [fault]})
    return fault_rule(probe.spec.faults[0])


def _load_fault(namespace: Namespace, fault: object) -> FaultRule:
    try:
        return _validated_fault(namespace, fault)
    except ScenarioError as error:
        raise ValueError("\n".join(str(e) for e in error.errors)) from None


def _verify_namespace(namespace: Namespace) -> dict[str, object]:
    from assetfake.verify import engine as verify

    failures = verify.verify(
        namespace.template.expectations, list(namespace.journal), namespace.world
    )
    return {
        "passed": not failures,
        "failures": [failure.as_dict() for failure in failures],
        "report": verify.report(failures),
    }


class FakeFaults:
    """Faults of the current world: the scenario's, plus any added at run time."""

    def __init__(self, namespace: Namespace) -> None:
        self._namespace = namespace

    @overload
    def add(self, fault: FaultDocument) -> str: ...

    @overload
    def add(self, fault: Sequence[FaultDocument]) -> list[str]: ...

    def add(self, fault: FaultDocument | Sequence[FaultDocument]) -> str | list[str]:
        """Add one fault (returns its name) or several (returns theirs), written as in a
        scenario's ``faults`` list and validated the same way (``ScenarioError`` when one is
        wrong: then none is added). They apply from the next request."""
        documents = [fault] if isinstance(fault, Mapping) else list(fault)
        rules = [_validated_fault(self._namespace, document) for document in documents]
        with self._namespace.lock:
            for rule in rules:
                self._namespace.faults.add(rule)
        names = [rule.name for rule in rules]
        return names[0] if isinstance(fault, Mapping) else names

    def clear(self) -> None:
        """Remove every fault, the scenario's included, until the next ``reset``."""
        with self._namespace.lock:
            self._namespace.faults.clear()

    def names(self) -> list[str]:
        """The names of the faults in force, in the order they are tried."""
        return [rule.name for rule in self]

    def __iter__(self) -> Iterator[FaultRule]:
        with self._namespace.lock:
            return iter(self._namespace.faults.rules())

    def __len__(self) -> int:
        return len(self._namespace.faults.active)


class AssetFake:
    """A fake Assets API.

    ``scenario`` is a shipped scenario's name, a path to a YAML file, a dict, a
    :class:`Scenario`, or ``None`` for the built-in default. ``seed`` overrides the scenario's.
    ``clock`` overrides the scenario's clock mode (``"manual"`` or ``"realtime"``).
    """

    def __init__(
        self,
        scenario: ScenarioSource = None,
        seed: int | None = None,
        *,
        clock: ClockMode | None = None,
        speed: float | None = None,
        journal_cap: int = JOURNAL_CAP,
        scenarios_dirs: Sequence[str | os.PathLike[str]] = (),
    ) -> None:
        #: Where scenario names are looked up first (``serve --scenarios-dir``); with the
        #: served file's folder and the shipped library, the only folders a scenario loaded
        #: over the control API may read (``?name=``, ``extends``).
        self.scenarios_dirs = tuple(Path(folder) for folder in scenarios_dirs)
        self.scenario = Scenario.load(scenario, extra_dirs=self.scenarios_dirs).with_overrides(
            seed=seed, clock_mode=clock, clock_speed=speed
        )
        template = template_of(self.scenario)
        self._templates: dict[bytes, WorldTemplate] = {}
        self._template_runs: dict[bytes, int] = {}
        self._templates_lock = threading.Lock()  # scenario PUTs are built on threads
        self.seed = template.config.seed
        self.namespaces = Namespaces(template, journal_cap=journal_cap)
        self.app = AssetsApp(
            self.namespaces, ControlAPI(self._load_template, _load_fault, _verify_namespace)
        )
        self._transports: tuple[SyncASGITransport, AsyncASGITransport] | None = None
        self._namespace = self.namespaces.default
        self.clock = FakeClock(self._namespace)
        self.state = FakeState(self._namespace)
        self.faults = FakeFaults(self._namespace)

    @property
    def transport(self) -> SyncASGITransport:
        """The in-process transport of :meth:`client` (one for the fake's lifetime)."""
        return self._in_process()[0]

    @property
    def async_transport(self) -> AsyncASGITransport:
        """The in-process transport of :meth:`async_client`."""
        return self._in_process()[1]

    def _in_process(self) -> tuple[SyncASGITransport, AsyncASGITransport]:
        # Built on first use, so that a served fake never imports httpx.
        if self._transports is None:
            from assetfake.transports import AsyncASGITransport, SyncASGITransport

            with self._templates_lock:
                if self._transports is None:
                    self._transports = (SyncASGITransport(self.app), AsyncASGITransport(self.app))
        return self._transports

    @property
    def journal(self) -> Journal:
        """Every API request of the default namespace, in arrival order (bounded)."""
        return self._namespace.journal

    def _load_template(self, body: bytes, name: str | None = None) -> WorldTemplate:
        """A scenario sent to ``PUT /_fake/scenario``: the body (JSON if it parses as JSON,
        else YAML), or the one called ``name``; its ``extends`` confined to the allowed folders
        (see :mod:`assetfake.scenario.control_input`)."""
        folders = allowed_folders(served_folder_of(self.scenario), self.scenarios_dirs)
        try:
            scenario = request_scenario(body, name, folders, self.scenarios_dirs)
        except ScenarioError as error:
            raise ValueError("\n".join(str(e) for e in error.errors)) from None
        # Tests on a shared server PUT the same scenario again and again: build its history
        # once (templates are immutable, so one can serve many namespaces).
        key = msgspec.json.encode(scenario.spec)
        with self._templates_lock:
            template = self._templates.get(key)
        if template is None:
            template = template_of(scenario)
            self._remember(key, template, _history_runs(scenario))
        return template

    def _remember(self, key: bytes, template: WorldTemplate, runs: int) -> None:
        """Cache a template: at most TEMPLATE_CACHE of them, TEMPLATE_CACHE_RUNS runs of
        history together (the oldest go first; a larger one is not kept)."""
        if runs > TEMPLATE_CACHE_RUNS:
            return
        with self._templates_lock:
            self._templates.pop(key, None)
            self._template_runs.pop(key, None)
            while self._templates and (
                len(self._templates) >= TEMPLATE_CACHE
                or sum(self._template_runs.values()) + runs > TEMPLATE_CACHE_RUNS
            ):
                oldest = next(iter(self._templates))
                del self._templates[oldest]
                self._template_runs.pop(oldest, None)
            self._templates[key] = template
            self._template_runs[key] = runs

    @property
    def credentials(self) -> str | None:
        """The bearer token the client under test is issued now: the first of the scenario's
        ``auth.client`` valid on the fake's clock, else the last of them (without
        ``auth.client``, the token with the most scopes; ``None`` without ``auth``). Re-read it
        after a 401, as SDKs re-read a token provider."""
        with self._namespace.lock:
            return issued_credential(
                self._namespace.template.policies.auth, self._namespace.world.clock.now_ms()
            )

    @property
    def world(self) -> World:
        """The default namespace's world (the domain object behind the API)."""
        return self._namespace.world

    def client(self, **options: Unpack[ClientOptions]) -> httpx.Client:
        """An ``httpx.Client`` calling the app in-process (no network, no thread)."""
        import httpx

        options.setdefault("base_url", BASE_URL)
        return httpx.Client(transport=self.transport, **options)

    def async_client(self, **options: Unpack[ClientOptions]) -> httpx.AsyncClient:
        import httpx

        options.setdefault("base_url", BASE_URL)
        return httpx.AsyncClient(transport=self.async_transport, **options)

    @contextmanager
    def serve(self, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
        """Serve on a real socket in a background thread; yields the base URL."""
        from assetfake.server import LiveServer

        with LiveServer(self.app, host, port) as url:
            yield url

    def run_until_idle(self) -> int:
        """Advance the manual clock until no transition is pending; returns how many ran."""
        with self._namespace.lock:
            return self._namespace.world.run_until_idle()

    def reset(self) -> None:
        """Back to the scenario's initial state: state, clock and request counters."""
        self._namespace.reset()

    def verify(self) -> None:
        """Check the scenario's ``expect`` entries against the journal and the state; raise
        :class:`assetfake.ExpectationFailed` with a readable report when one fails."""
        from assetfake.verify import engine as verify

        with self._namespace.lock:
            verify.check(
                self._namespace.template.expectations,
                list(self._namespace.journal),
                self._namespace.world,
            )

    def cancel_run(self, run_id: str) -> Run:
        with self._namespace.lock:
            return self._namespace.world.cancel_run(run_id)

    def cancel_backfill(self, backfill_id: str) -> Backfill:
        with self._namespace.lock:
            return self._namespace.world.cancel_backfill(backfill_id)
