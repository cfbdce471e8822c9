"""The pytest plugin: fixtures ``assetfake`` and ``assetfake_server``, marker ``assetfake``.

Fixtures, in layers (each one may be overridden in a ``conftest.py``):

- ``assetfake`` (function): an in-process :class:`~assetfake.AssetFake`, manual clock.
- ``assetfake_server_process`` (session): one live server for the session (under pytest-xdist,
  one per worker): a :class:`ServerProcess` with its ``url`` and ``scenario``.
- ``assetfake_server`` (function): a :class:`~assetfake.remote.RemoteFake` on a fresh
  namespace of that server, dropped at teardown.

``@pytest.mark.assetfake(scenario=..., seed=..., verify=True)`` picks the scenario (a name, a
path or a dict) and seed of either function fixture; without it, ``--assetfake-scenario`` or
the built-in default applies. Names are looked up in the ini ``assetfake_scenarios_dir``
(relative to the rootdir) first, then in the shipped library. With ``verify=True`` the
scenario's ``expect`` entries are checked once the test function has returned, and a failure
fails the test with the report. A server that cannot verify (no control API, no
``GET /_fake/verify``) fails the test too, with the reason: it never passes unchecked.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Generator, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from assetfake.remote import ControlError, RemoteFake

if TYPE_CHECKING:
    from assetfake.fake import AssetFake
    from assetfake.scenario import Scenario

__all__ = ["ServerProcess"]

MARKER = "assetfake"
OPTION = "--assetfake-scenario"
INI_DIRS = "assetfake_scenarios_dir"

_VERIFIERS = pytest.StashKey[list[Callable[[], None]]]()
#: The servers whose control API answered once this session (checked before their first test).
_REACHED = pytest.StashKey[set[str]]()


@dataclass(frozen=True, slots=True)
class ServerProcess:
    """The session's live server: its base URL and the scenario it serves."""

    url: str
    scenario: Scenario


@dataclass(frozen=True, slots=True)
class _Settings:
    scenario: object  # a name, a path, a mapping, a Scenario or None: as the marker gave it
    seed: int | None
    verify: bool
    marked: bool  # the marker chose a scenario or a seed


# ------------------------------------------------------------------------------------ hooks


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("assetfake", "assetfake: a fake of the Assets API")
    group.addoption(
        OPTION,
        dest="assetfake_scenario",
        default=None,
        metavar="SCENARIO",
        help="scenario (a name or a path) of the assetfake fixtures when no marker gives one",
    )
    parser.addini(
        INI_DIRS,
        type="args",
        default=[],
        help="directories (relative to the rootdir) where scenario names are looked up "
        "before the shipped library",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(scenario=None, seed=None, verify=True): the scenario (a name, a path or a "
        "dict) and seed of the assetfake fixtures; verify=False skips checking its expectations",
    )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, object, object]:
    """Check the expectations of the fakes the test used, once the test itself has passed, so
    that a failure fails the test (not its teardown)."""
    result = yield
    for verify in item.stash.get(_VERIFIERS, []):
        verify()
    return result


# --------------------------------------------------------------------------------- fixtures


@pytest.fixture
def assetfake(request: pytest.FixtureRequest) -> Iterator[AssetFake]:
    """An in-process fake with a manual clock, for the marker's (or the option's) scenario."""
    from assetfake.fake import AssetFake

    settings = _settings(request)
    source = settings.scenario
    if source is None:
        source = request.config.getoption("assetfake_scenario")
    fake = AssetFake(_load(request.config, source), settings.seed, clock="manual")
    if settings.verify:
        _on_success(request, lambda: _verify_local(fake))
    yield fake


@pytest.fixture(scope="session")
def assetfake_server_process(pytestconfig: pytest.Config) -> Iterator[ServerProcess]:
    """One live server (127.0.0.1, a free port, manual clock) for the whole session (for each
    worker under pytest-xdist), serving ``--assetfake-scenario`` or the default."""
    from assetfake.fake import AssetFake

    scenario = _load(pytestconfig, pytestconfig.getoption("assetfake_scenario"))
    fake = AssetFake(scenario, clock="manual")
    with fake.serve() as url:
        yield ServerProcess(url, fake.scenario)


@pytest.fixture
def assetfake_server(
    assetfake_server_process: ServerProcess, request: pytest.FixtureRequest
) -> Iterator[RemoteFake]:
    """The session's live server, seen through a namespace of this test's own (dropped at
    teardown): ``.url`` and the clock, journal, faults and verify API over the control API."""
    settings = _settings(request)
    _require_control(request.config, assetfake_server_process.url)
    remote = RemoteFake(assetfake_server_process.url, namespace_for(request.node.nodeid))
    try:
        if settings.marked:
            scenario = assetfake_server_process.scenario
            if settings.scenario is not None:
                scenario = _load(request.config, settings.scenario)
            scenario = scenario.with_overrides(seed=settings.seed, clock_mode="manual")
            remote.load_scenario(scenario.to_dict())
        if settings.verify:
            _on_success(request, lambda: _verify_remote(remote))
        yield remote
    finally:
        try:
            remote.drop()
        finally:
            remote.close()


# -------------------------------------------------------------------------------- internals


def namespace_for(nodeid: str) -> str:
    """The namespace of a test: its worker (under pytest-xdist) and a hash of its node id."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    digest = hashlib.sha256(nodeid.encode()).hexdigest()[:16]
    return f"test-{worker}-{digest}"


def _settings(request: pytest.FixtureRequest) -> _Settings:
    marker = request.node.get_closest_marker(MARKER)
    if marker is None:
        return _Settings(None, None, True, False)
    if len(marker.args) > 1:
        raise pytest.UsageError(f"@pytest.mark.{MARKER} takes one positional argument")
    unknown = set(marker.kwargs) - {"scenario", "seed", "verify"}
    if unknown:
        raise pytest.UsageError(
            f"@pytest.mark.{MARKER} got unknown arguments: {', '.join(sorted(unknown))}"
        )
    scenario = marker.args[0] if marker.args else marker.kwargs.get("scenario")
    seed = marker.kwargs.get("seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise pytest.UsageError(f"@pytest.mark.{MARKER}: seed must be an int, got {seed!r}")
    verify = marker.kwargs.get("verify", True)
    return _Settings(scenario, seed, bool(verify), scenario is not None or seed is not None)


def _scenario_dirs(config: pytest.Config) -> list[Path]:
    return [config.rootpath / directory for directory in config.getini(INI_DIRS)]


def _load(config: pytest.Config, source: object) -> Scenario:
    from assetfake.scenario import Scenario

    if source is not None and not isinstance(source, str | os.PathLike | Mapping | Scenario):
        raise pytest.UsageError(
            "an assetfake scenario is a name, a path, a dict or a Scenario; "
            f"got {type(source).__name__}"
        )
    return Scenario.load(source, extra_dirs=_scenario_dirs(config))


def _on_success(request: pytest.FixtureRequest, verify: Callable[[], None]) -> None:
    item = request.node
    verifiers = item.stash.get(_VERIFIERS, None)
    if verifiers is None:
        verifiers = item.stash[_VERIFIERS] = []
    verifiers.append(verify)


def _require_control(config: pytest.Config, url: str) -> None:
    """Fail loudly, once per server, when the server has no control API to drive."""
    reached = config.stash.setdefault(_REACHED, set())
    if url in reached:
        return
    with RemoteFake(url) as remote:
        try:
            remote.health()
        except ControlError as error:
            problem = f"GET /_fake/health answered {error.status}: {error.detail}"
        else:
            reached.add(url)
            return
    pytest.fail(
        f"assetfake_server: the server at {url} does not answer its control API ({problem}); "
        "the fixture drives it through /_fake, so serve it with the control API on "
        "(without --no-control)",
        pytrace=False,
    )


def _verify_local(fake: AssetFake) -> None:
    try:
        fake.verify()
    except AssertionError as failure:
        report = str(failure)
    else:
        return
    pytest.fail(f"assetfake expectations failed:\n{report}", pytrace=False)


def _verify_remote(remote: RemoteFake) -> None:
    try:
        remote.verify()
    except ControlError as error:
        code = f" {error.code}" if error.code else ""
        message = (
            f"assetfake: the server at {remote.base_url} cannot verify this test's "
            f"expectations (GET /_fake/verify answered {error.status}{code}: {error.detail}); "
            "serve it with a verifier, or mark the test @pytest.mark.assetfake(verify=False) "
            "to leave its expectations unchecked"
        )
    except AssertionError as failure:
        message = f"assetfake expectations failed:\n{failure}"
    else:
        return
    pytest.fail(message, pytrace=False)
