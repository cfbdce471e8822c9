"""The pytest plugin: fixtures ``assetfake`` and ``assetfake_server``, marker ``assetfake``.

Fixtures, in layers (each one may be overridden in a ``conftest.py``):

- ``assetfake`` (function): an in-process :class:`~assetfake.AssetFake`, manual clock.
- ``assetfake_server_process`` (session): one live server for the session (under pytest-xdist,
  one per worker): a :class:`ServerProcess` with its ``url`` and ``scenario``.
- ``assetfake_server`` (function): a :class:`~assetfake.remote.RemoteFake` on a fresh
  namespace of that server, dropped at teardown.
- ``assetfake_world`` (function): the :class:`~assetfake.library_runs.LibraryWorld` of a
  whole-library run (``None`` outside one); both fakes above take their scenario from it.

``@pytest.mark.assetfake(scenario=..., seed=..., verify=True, patch_time=False)`` picks the
scenario (a name, a path or a dict) and seed of either function fixture; without it,
``--assetfake-scenario`` or the built-in default applies. Names are looked up in the ini
``assetfake_scenarios_dir`` (relative to the rootdir) first, then in the shipped library; the
plugin also puts those directories in ``ASSETFAKE_SCENARIOS_DIR`` for the session, so that
``AssetFake("my-scenario")`` written in a test finds them too. With ``verify=True`` the
scenario's ``expect`` entries are checked once the test function has returned, and a failure
fails the test with the report. A server that cannot verify (no control API, no
``GET /_fake/verify``) fails the test too, with the reason: it never passes unchecked.
``patch_time=True`` runs the test inside ``fake.clock.patch()`` of the fakes it uses.

Whole-library runs (contract section 6): ``scenarios="library"`` (or a list of names, paths,
dicts) parametrizes the test over those worlds, ids ``[<scenario>]``, and judges each run by
the world's expectations and its ``outcome``: in a ``succeeds`` world the test must finish, in
a ``fails`` world it must raise one of ``client_errors``. ``--assetfake-report FILE`` writes
the report card (:mod:`assetfake.report_card`) of every such run, also under pytest-xdist
(each report carries its cell to the controller as a user property).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Generator, Iterable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from assetfake.remote import ControlError, RemoteFake
from assetfake.testing import _library_marker as library_marker
from assetfake.testing._library_marker import MARKER, FakeHandle

if TYPE_CHECKING:
    from assetfake.fake import AssetFake
    from assetfake.http.journal import JournalEntry
    from assetfake.library_runs import ExpectationVerdict, LibraryWorld
    from assetfake.scenario import Scenario

__all__ = ["ServerProcess", "namespace_for"]

OPTION = "--assetfake-scenario"
REPORT_OPTION = "--assetfake-report"
INI_DIRS = "assetfake_scenarios_dir"
WORLD_FIXTURE = "assetfake_world"

#: The servers whose control API answered once this session (checked before their first test).
_REACHED = pytest.StashKey[set[str]]()
#: The environment variable's value before the session set it (restored at the end).
_ENVIRONMENT = pytest.StashKey[str | None]()


@dataclass(frozen=True, slots=True)
class ServerProcess:
    """The session's live server: its base URL and the scenario it serves."""

    url: str
    scenario: Scenario


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
    group.addoption(
        REPORT_OPTION,
        dest="assetfake_report",
        default=None,
        metavar="FILE",
        help="write the report card of the whole-library runs (marker scenarios=) to FILE as "
        "markdown, and as JSON beside it (FILE with .json)",
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
        f"{MARKER}(scenario=None, seed=None, verify=True, scenarios=None, client_errors=(), "
        "patch_time=False): the scenario (a name, a path or a dict) and seed of the assetfake "
        "fixtures; verify=False skips checking its expectations; scenarios='library' (or a "
        "list) runs the test in every world, judged by each world's outcome with "
        "client_errors as the client's errors; patch_time=True runs it in fake.clock.patch()",
    )
    library_marker.start_collecting(config)
    _export_scenario_dirs(config)


def pytest_unconfigure(config: pytest.Config) -> None:
    if _ENVIRONMENT not in config.stash:
        return
    from assetfake.scenario.library import SCENARIOS_DIR_VARIABLE

    before = config.stash[_ENVIRONMENT]
    if before is None:
        os.environ.pop(SCENARIOS_DIR_VARIABLE, None)
    else:
        os.environ[SCENARIOS_DIR_VARIABLE] = before


@pytest.hookimpl(tryfirst=True)
def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrize a test marked ``scenarios=`` over its worlds (first: its id leads)."""
    marker = metafunc.definition.get_closest_marker(MARKER)
    if marker is None or marker.kwargs.get("scenarios") is None:
        return
    if WORLD_FIXTURE not in metafunc.fixturenames:
        pytest.fail(
            f"{metafunc.definition.nodeid}: @pytest.mark.{MARKER}(scenarios=...) runs the test "
            "in each world through the assetfake or assetfake_server fixture; it uses neither",
            pytrace=False,
        )
    worlds = library_marker.worlds_for(metafunc.definition, _scenario_dirs(metafunc.config))
    metafunc.parametrize(WORLD_FIXTURE, worlds, ids=[world.name for world in worlds], indirect=True)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, object, None]:
    """Run the test (inside ``fake.clock.patch()`` with ``patch_time=True``), then check the
    expectations of the fakes it used, so that a failure fails the test (not its teardown);
    in a whole-library run, judge how it ended against the world's outcome too."""
    settings = library_marker.settings_of(item)
    handles = library_marker.handles_of(item)
    world = library_marker.world_of(item)
    raised: Exception | None = None
    with _patched_clocks(handles, settings.patch_time):
        if world is None:
            yield
        else:
            try:
                yield
            except Exception as error:  # the test's outcome (skip, fail, exit) passes through
                raised = error
    if world is None:
        if settings.verify:
            for handle in handles:
                verdict = handle.verdict()
                if verdict.problems:
                    pytest.fail(f"assetfake expectations failed:\n{verdict.report}", False)
        return None
    library_marker.judge(item, world, settings, raised)
    return None


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    library_marker.attach_cell(item, report)
    return report


def pytest_sessionfinish(session: pytest.Session) -> None:
    config = session.config
    target = config.getoption("assetfake_report")
    if target is not None and not hasattr(config, "workerinput"):
        library_marker.write_report(config, Path(target))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for line in library_marker.summary_lines(terminalreporter.config):
        terminalreporter.write_line(line)


# --------------------------------------------------------------------------------- fixtures


@pytest.fixture
def assetfake_world(request: pytest.FixtureRequest) -> LibraryWorld | None:
    """The world of this run of a test marked ``scenarios=`` (``None`` for any other test)."""
    world: LibraryWorld | None = getattr(request, "param", None)
    if world is not None:
        library_marker.remember_world(request.node, world)
    return world


@pytest.fixture
def assetfake(
    request: pytest.FixtureRequest, assetfake_world: LibraryWorld | None
) -> Iterator[AssetFake]:
    """An in-process fake with a manual clock, for the marker's (or the option's) scenario,
    or for the world of a whole-library run."""
    from assetfake.fake import AssetFake

    settings = library_marker.settings_of(request.node)
    if assetfake_world is not None:
        scenario = assetfake_world.scenario
    else:
        source = settings.scenario
        if source is None:
            source = request.config.getoption("assetfake_scenario")
        scenario = _load(request.config, source)
    fake = AssetFake(scenario, settings.seed, clock="manual")
    library_marker.add_handle(
        request.node,
        FakeHandle(lambda: _verify_local(fake), fake.clock, lambda: _lines(fake.journal)),
    )
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
    assetfake_server_process: ServerProcess,
    request: pytest.FixtureRequest,
    assetfake_world: LibraryWorld | None,
) -> Iterator[RemoteFake]:
    """The session's live server, seen through a namespace of this test's own (dropped at
    teardown): ``.url`` and the clock, journal, faults and verify API over the control API.
    In a whole-library run the namespace holds the run's world."""
    settings = library_marker.settings_of(request.node)
    _require_control(request.config, assetfake_server_process.url)
    remote = RemoteFake(assetfake_server_process.url, namespace_for(request.node.nodeid))
    try:
        scenario: Scenario | None = None
        if assetfake_world is not None:
            scenario = assetfake_world.scenario
        elif settings.marked:
            scenario = assetfake_server_process.scenario
            if settings.scenario is not None:
                scenario = _load(request.config, settings.scenario)
        if scenario is not None:
            scenario = scenario.with_overrides(seed=settings.seed, clock_mode="manual")
            remote.load_scenario(scenario.to_dict())
        library_marker.add_handle(
            request.node,
            FakeHandle(
                lambda: _verify_remote(remote), remote.clock, lambda: _lines(remote.journal)
            ),
        )
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


def _scenario_dirs(config: pytest.Config) -> list[Path]:
    return [config.rootpath / directory for directory in config.getini(INI_DIRS)]


def _export_scenario_dirs(config: pytest.Config) -> None:
    """Put the ini directories first in ``ASSETFAKE_SCENARIOS_DIR`` for the session."""
    from assetfake.scenario.library import SCENARIOS_DIR_VARIABLE

    directories = [str(directory.resolve()) for directory in _scenario_dirs(config)]
    if not directories:
        return
    before = os.environ.get(SCENARIOS_DIR_VARIABLE)
    config.stash[_ENVIRONMENT] = before
    os.environ[SCENARIOS_DIR_VARIABLE] = os.pathsep.join([*directories, *filter(None, [before])])


def _load(config: pytest.Config, source: object) -> Scenario:
    from assetfake.scenario import Scenario

    if source is not None and not isinstance(source, str | os.PathLike | Mapping | Scenario):
        raise pytest.UsageError(
            "an assetfake scenario is a name, a path, a dict or a Scenario; "
            f"got {type(source).__name__}"
        )
    return Scenario.load(source, extra_dirs=_scenario_dirs(config))


@contextmanager
def _patched_clocks(handles: list[FakeHandle], patch_time: bool) -> Iterator[None]:
    with ExitStack() as stack:
        if patch_time:
            for handle in handles:
                stack.enter_context(handle.clock.patch())
        yield


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


def _lines(journal: Iterable[JournalEntry]) -> list[str]:
    from assetfake.verify.engine import line

    return [line(entry) for entry in journal]


def _verify_local(fake: AssetFake) -> ExpectationVerdict:
    from assetfake.library_runs import expectation_verdict

    try:
        fake.verify()
    except AssertionError as failure:
        return expectation_verdict(failure)
    return expectation_verdict(None)


def _verify_remote(remote: RemoteFake) -> ExpectationVerdict:
    from assetfake.library_runs import expectation_verdict

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
        return expectation_verdict(failure)
    else:
        return expectation_verdict(None)
    pytest.fail(message, pytrace=False)
