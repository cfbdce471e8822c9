"""``timepatch.patched(clock)``: unmodified retry libraries run on the fake's clock.

The library recipes are the code blocks of docs/howto-clock-patch.md, run here as they are
written (each block names itself on its first line, ``# recipe: <name>``), timed, and checked
against the fake's journal: the gaps between attempts are the waits each library's policy
implies, on the fake's clock, and the whole run takes milliseconds of wall time.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import itertools
import re
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import FrameType

import pytest

from assetfake import AssetFake, ExpectationFailed, timepatch
from assetfake.remote import RemoteFake

DOC = Path(__file__).resolve().parents[2] / "docs" / "howto-clock-patch.md"
START = datetime(2024, 6, 1, tzinfo=timezone.utc)
REAL_SLEEP, REAL_MONOTONIC, REAL_ASYNC_SLEEP = time.sleep, time.monotonic, asyncio.sleep
_FENCE = re.compile(r"^```(\w*)\n(.*?)^```$", re.MULTILINE | re.DOTALL)
_RECIPE = re.compile(r"^# recipe: (\S+)$")


def _fenced(language: str) -> list[str]:
    text = DOC.read_text(encoding="utf-8")
    return [m.group(2) for m in _FENCE.finditer(text) if m.group(1) == language]


def _recipes() -> dict[str, str]:
    found: dict[str, str] = {}
    for code in _fenced("python"):
        named = _RECIPE.match(code.splitlines()[0])
        if named is not None:
            found[named.group(1)] = code
    return found


RECIPES = _recipes()
(WORLD,) = _fenced("yaml")


@dataclass(frozen=True)
class Policy:
    """What a library's documented configuration does in the recipes' world."""

    statuses: tuple[int, ...]
    gaps: tuple[tuple[float, float], ...]  # (at least, at most) fake seconds between attempts
    sleeper: str  # the module whose code calls time.sleep / asyncio.sleep for the wait


POLICIES = {
    # Retry-After: 30, then backoff_factor * 2 ** (2 - 1) = 0.2 s.
    "requests": Policy((429, 500, 200), ((30, 30), (0.2, 0.2)), "urllib3.util.retry"),
    # wait_exponential(multiplier=1): 2 ** 0, 2 ** 1; Retry-After ignored.
    "tenacity": Policy((429, 500, 200), ((1, 1), (2, 2)), "tenacity.nap"),
    # 0.1 * 2 ** (n - 1) + uniform(0, 1), through tenacity's default sleep.
    "stamina": Policy((429, 500, 200), ((0.1, 1.1), (0.2, 1.2)), "tenacity.nap"),
    # backoff.expo 1, 2 with full jitter: uniform(0, 1), uniform(0, 2).
    "backoff": Policy((429, 500, 200), ((0, 1), (0, 2)), "backoff._sync"),
    # Retry-After: 30; 500 is not in the default status_forcelist.
    "httpx-retries": Policy((429, 500), ((30, 30),), "httpx_retries.retry"),
    "httpx-retries-async": Policy((429, 500), ((30, 30),), "httpx_retries.retry"),
    # ExponentialRetry: 0.1 * 2 ** attempt, attempt counting from 1; Retry-After ignored.
    "aiohttp-retry": Policy((429, 500, 200), ((0.2, 0.2), (0.4, 0.4)), "aiohttp_retry.client"),
}
HONOR_RETRY_AFTER = {"requests", "httpx-retries", "httpx-retries-async"}


def _patched_values() -> list[object]:
    """What every patch point holds now (modules of optional libraries imported first)."""
    return [
        getattr(importlib.import_module(point.module), point.attribute)
        for point in timepatch.PATCH_POINTS
    ]


@dataclass
class RecipeRun:
    namespace: dict[str, object]
    block_seconds: list[float] = field(default_factory=list)

    @property
    def fake(self) -> AssetFake:
        fake = self.namespace["fake"]
        assert isinstance(fake, AssetFake)
        return fake


@pytest.fixture
def recipe_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "retry-world.yaml").write_text(WORLD, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _timed_patch(run: RecipeRun) -> Callable[[timepatch.PatchableClock], object]:
    real = timepatch.patched

    @contextlib.contextmanager
    def timed(clock: timepatch.PatchableClock) -> Iterator[None]:
        started = time.perf_counter()
        with real(clock):
            yield
        run.block_seconds.append(time.perf_counter() - started)

    return timed


def run_recipe(name: str, monkeypatch: pytest.MonkeyPatch) -> RecipeRun:
    """Run the docs' recipe as written; ``patched`` is timed (the recipe imports it by name)."""
    run = RecipeRun({"__name__": "__recipe__"})
    monkeypatch.setattr(timepatch, "patched", _timed_patch(run))
    exec(compile(RECIPES[name], f"{DOC.name}[{name}]", "exec"), run.namespace)
    return run


def _gaps(fake: AssetFake) -> list[float]:
    times = [entry.clock_time for entry in fake.journal]
    return [(later - earlier).total_seconds() for earlier, later in itertools.pairwise(times)]


def test_the_doc_has_a_recipe_per_library() -> None:
    assert set(RECIPES) == {*POLICIES, "asyncio"}


@pytest.mark.parametrize("name", sorted(POLICIES))
def test_recipe_runs_instantly_on_the_fake_clock(
    name: str, recipe_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    policy = POLICIES[name]
    before = _patched_values()
    run = run_recipe(name, monkeypatch)
    fake = run.fake

    assert len(run.block_seconds) == 1 and run.block_seconds[0] < 2.0, run.block_seconds
    assert [entry.status for entry in fake.journal] == list(policy.statuses)
    assert fake.journal[0].clock_time == START
    gaps = _gaps(fake)
    assert len(gaps) == len(policy.gaps)
    for gap, (least, most) in zip(gaps, policy.gaps, strict=True):
        assert least - 0.001 <= gap <= most + 0.001, (name, gaps)
    if name in HONOR_RETRY_AFTER:
        assert gaps[0] >= 30
    # the clock moved only through the library's waits: by their sum, and not after the last try
    moved = (fake.clock.now() - START).total_seconds()
    assert moved >= sum(least for least, _ in policy.gaps) - 0.001
    assert moved == pytest.approx(sum(gaps), abs=0.001)
    assert _patched_values() == before
    assert time.sleep is REAL_SLEEP


@dataclass
class SleepSpy:
    """Stands in for the real sleeps on the test's thread: records who asked for how long,
    and returns at once (other threads, such as the live server's, sleep for real)."""

    thread: int = field(default_factory=threading.get_ident)
    calls: list[tuple[str, float]] = field(default_factory=list)

    def record(self, frame: FrameType | None, seconds: float) -> bool:
        if threading.get_ident() != self.thread:
            return False
        caller = "?" if frame is None else str(frame.f_globals.get("__name__"))
        self.calls.append((caller, float(seconds)))
        return True

    def waits_of(self, module: str) -> list[float]:
        return [seconds for caller, seconds in self.calls if caller == module and seconds > 0]


@pytest.fixture
def sleep_spy(monkeypatch: pytest.MonkeyPatch) -> SleepSpy:
    spy = SleepSpy()
    real_sleep, real_async_sleep = time.sleep, asyncio.sleep

    def spied_sleep(seconds: float) -> None:
        if not spy.record(sys._getframe(1), seconds):
            real_sleep(seconds)

    async def spied_async_sleep(delay: float, result: object = None) -> object:
        if not spy.record(sys._getframe(1), delay):
            return await real_async_sleep(delay, result)
        return await real_async_sleep(0, result)

    monkeypatch.setattr(time, "sleep", spied_sleep)
    monkeypatch.setattr(asyncio, "sleep", spied_async_sleep)
    return spy


@pytest.mark.parametrize("name", sorted(POLICIES))
def test_without_the_patch_the_library_sleeps_for_real(
    name: str, recipe_dir: Path, monkeypatch: pytest.MonkeyPatch, sleep_spy: SleepSpy
) -> None:
    """The same recipe with ``patched`` turned into a no-op: the library's own waits reach the
    real sleep (recorded, not slept), and the fake's clock never moves."""
    policy = POLICIES[name]
    run = RecipeRun({"__name__": "__recipe__"})
    monkeypatch.setattr(timepatch, "patched", lambda clock: contextlib.nullcontext())
    with contextlib.suppress(ExpectationFailed):  # on its unmoved clock, nothing was waited
        exec(compile(RECIPES[name], f"{DOC.name}[{name}]", "exec"), run.namespace)
    waits = sleep_spy.waits_of(policy.sleeper)
    assert len(waits) == len(policy.gaps), sleep_spy.calls
    for wait, (least, most) in zip(waits, policy.gaps, strict=True):
        assert least <= wait <= most
    assert [entry.status for entry in run.fake.journal] == list(policy.statuses)
    assert {entry.clock_time for entry in run.fake.journal} == {START}
    assert run.fake.clock.now() == START


def test_plain_asyncio_sleep_recipe(recipe_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run = run_recipe("asyncio", monkeypatch)
    assert run.block_seconds[0] < 1.0
    assert run.fake.clock.now() == START + timedelta(seconds=5)
    assert asyncio.sleep is REAL_ASYNC_SLEEP


def _outage() -> AssetFake:
    return AssetFake(
        {
            "version": 1,
            "clock": {"start": "2024-06-01T00:00:00Z"},
            "assets": [{"key": "customers"}],
            "faults": [
                {
                    "name": "down",
                    "match": {"operation": "listAssetRuns"},
                    "respond": {"status": 500},
                }
            ],
        }
    )


def test_asyncio_sleep_still_yields_and_loop_time_follows() -> None:
    fake = AssetFake()
    order: list[str] = []

    async def sleeper() -> float:
        loop = asyncio.get_running_loop()
        before = loop.time()
        await asyncio.sleep(5)
        order.append("sleeper")
        return loop.time() - before

    async def other() -> None:
        order.append("other")

    async def main() -> float:
        waited = asyncio.create_task(sleeper())
        bystander = asyncio.create_task(other())
        result = await waited
        await bystander
        return result

    started = time.perf_counter()
    with timepatch.patched(fake.clock):
        loop_waited = asyncio.run(main())
    assert time.perf_counter() - started < 1.0
    assert order == ["other", "sleeper"]  # the other task ran while the sleeper "slept"
    assert loop_waited >= 5
    assert fake.clock.now() == START + timedelta(seconds=5)


def test_deadlines_count_the_waits_backoff_max_time() -> None:
    """backoff measures max_time with datetime.now(): through the patch it is the waited time,
    so a permanent outage ends after max_time fake seconds, at once (not max_time wall seconds
    of back-to-back requests)."""
    import backoff
    import httpx

    fake = _outage()
    with fake.client() as client:

        @backoff.on_exception(backoff.expo, httpx.HTTPError, max_time=10)
        def list_runs() -> object:
            response = client.get("/assets/customers/runs")
            response.raise_for_status()
            return response.json()

        started = time.perf_counter()
        with timepatch.patched(fake.clock), pytest.raises(httpx.HTTPStatusError):
            list_runs()
    assert time.perf_counter() - started < 2.0
    moved = (fake.clock.now() - START).total_seconds()
    assert 0 < moved <= 10
    assert 2 <= len(fake.journal) < 40


def test_deadlines_count_the_waits_tenacity_stop_after_delay() -> None:
    import httpx
    import tenacity

    fake = _outage()
    with fake.client() as client:

        @tenacity.retry(
            stop=tenacity.stop_after_delay(20), wait=tenacity.wait_fixed(3), reraise=True
        )
        def list_runs() -> object:
            response = client.get("/assets/customers/runs")
            response.raise_for_status()
            return response.json()

        with timepatch.patched(fake.clock), pytest.raises(httpx.HTTPStatusError):
            list_runs()
    # attempts at 0, 3, ..., 18, 21: the one at 21 s is past the 20 s delay, and is the last
    assert _gaps(fake) == [3.0] * 7
    assert fake.clock.now() == START + timedelta(seconds=21)


def test_monotonic_and_time_move_with_the_waits_and_never_back() -> None:
    fake = AssetFake()
    with timepatch.patched(fake.clock):
        mono, wall = time.monotonic(), time.time()
        time.sleep(3600)
        assert time.monotonic() - mono >= 3600
        assert time.time() - wall >= 3600
        assert datetime.now().timestamp() - wall < 60  # datetime itself is left alone
    assert time.monotonic() - mono < 60  # the offset is dropped with the block
    assert time.monotonic is REAL_MONOTONIC


def test_nesting_routes_to_the_innermost_clock() -> None:
    outer, inner = AssetFake(), AssetFake()
    with timepatch.patched(outer.clock):
        mono = time.monotonic()
        time.sleep(1)
        with timepatch.patched(inner.clock):
            time.sleep(10)
            assert time.monotonic() - mono >= 11
        time.sleep(100)
        assert time.sleep is not REAL_SLEEP  # still patched: the outer block is active
        assert time.monotonic() - mono >= 111
    assert time.sleep is REAL_SLEEP
    assert outer.clock.now() == START + timedelta(seconds=101)
    assert inner.clock.now() == START + timedelta(seconds=10)


def test_restores_everything_on_an_error() -> None:
    fake = AssetFake()
    before = _patched_values()
    with pytest.raises(RuntimeError, match="boom"), timepatch.patched(fake.clock):
        assert _patched_values() != before
        raise RuntimeError("boom")
    assert _patched_values() == before
    started = time.monotonic()
    time.sleep(0.01)  # real again: wall time passes, the fake's clock stays
    assert time.monotonic() - started >= 0.01
    assert fake.clock.now() == START


def test_realtime_clock_is_a_no_op() -> None:
    fake = AssetFake(clock="realtime")
    with timepatch.patched(fake.clock):
        assert time.sleep is REAL_SLEEP
        assert asyncio.sleep is REAL_ASYNC_SLEEP


def test_other_threads_keep_real_time() -> None:
    """The live server's thread (and any other) is not diverted: only the entering thread is."""
    fake = AssetFake()
    seen: dict[str, float] = {}

    def elsewhere() -> None:
        started = time.monotonic()
        time.sleep(0.05)
        seen["slept"] = time.monotonic() - started

    with timepatch.patched(fake.clock):
        time.sleep(30)
        worker = threading.Thread(target=elsewhere)
        worker.start()
        worker.join()
    assert 0.05 <= seen["slept"] < 5
    assert fake.clock.now() == START + timedelta(seconds=30)


def test_a_remote_fakes_clock(server: str) -> None:
    with RemoteFake(server, "clock-patch") as remote:
        start = remote.clock.now()
        with timepatch.patched(remote.clock):
            time.sleep(45)
        assert remote.clock.now() == start + timedelta(seconds=45)
        remote.drop()
