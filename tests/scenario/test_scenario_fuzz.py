"""Scenario fuzz: Hypothesis over YAML texts (mutations of the shipped scenarios and fixtures,
hostile fragments spliced into them: alias bombs, Python tags, huge numbers, deep nesting,
``extends`` cycles and escapes) and over dicts, through ``assetfake validate`` (the CLI's main,
in-process), ``Scenario.load``, ``AssetFake(...)`` and ``PUT /_fake/scenario`` (in-process).

Each input either loads or fails with located ``ScenarioError`` lines only (a 400 problem over
HTTP, every line of its detail located); nothing takes over 5 s; and a PUT opens no file outside
the allowed folders (an audit hook sees every open, from any thread). The CI form runs a few
hundred examples (about 20 s); ``pytest -m fuzz_long tests/scenario`` runs the long form.
"""

from __future__ import annotations

import contextlib
import faulthandler
import io
import json
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import yaml
from hostile_inputs import (
    PYTHON_TAGS,
    SECRET_KEYS,
    Folders,
    OpenSpy,
    alias_bomb,
    is_located,
    metadata_scenario,
    nested_lists,
    outside_of,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assetfake import AssetFake, ScenarioError
from assetfake.cli import main
from assetfake.scenario import Scenario
from assetfake.scenario.library import library_root

ROOT = library_root()
assert ROOT is not None
SHIPPED = sorted([*(ROOT / "scenarios").glob("*.yaml"), *(ROOT / "fixtures").glob("*.yaml")])
TEXTS = {path.name: path.read_text(encoding="utf-8") for path in SHIPPED}
SECONDS = 5.0
HANG_SECONDS = 120  # a hang ends the run with every thread's traceback, not silence

CI_EXAMPLES = 80
LONG_EXAMPLES = 1500
FUZZ = settings(
    max_examples=CI_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
LONG = settings(FUZZ, max_examples=LONG_EXAMPLES)


# --- the world the inputs meet -----------------------------------------------------------------


@dataclass(frozen=True)
class World:
    """The folders (a copy of the shipped layout inside the allowed one), the fake serving with
    that folder configured, and its in-process client."""

    folders: Folders
    scenarios: Path
    fake: AssetFake
    client: httpx.Client

    @property
    def allowed(self) -> list[Path]:
        assert ROOT is not None
        return [self.folders.allowed, ROOT / "scenarios", ROOT / "fixtures"]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    folders = Folders.make(tmp_path_factory.mktemp("fuzz"))
    assert ROOT is not None
    for part in ("scenarios", "fixtures"):
        shutil.copytree(ROOT / part, folders.allowed / part)
    (folders.allowed / "cycle-a.yaml").write_text("extends: cycle-b.yaml\n", encoding="utf-8")
    (folders.allowed / "cycle-b.yaml").write_text("extends: cycle-a.yaml\n", encoding="utf-8")
    fake = AssetFake(scenarios_dirs=[folders.allowed])
    with fake.client() as client:
        yield World(folders, folders.allowed / "scenarios", fake, client)


# --- strategies ----------------------------------------------------------------------------------

TOKENS = [
    "&a ", "*a", "*nowhere", "<<: *a\n", "[", "]", "{", "}", ": ", "- ", "\n", "\t", "#", "'", '"',
    "!!python/object:os.system", "!!binary", "!!int", "!!float", "!!str", "!!timestamp", "!x ",
    "9" * 700, "-" + "9" * 641, "1e999", "0x" + "f" * 700, ":".join(["1"] * 400), ".nan", "~",
    "\\ud800", "\ud83d\ude00", "\x00", "\x85", "\ufeff", "é", "---\n", "...\n", "%YAML 1.1\n",
    "extends: ", "null", "true", "no", "?", "|", ">", "&a [*a]",
]  # fmt: skip


def _extends_targets(folders: Folders) -> list[str]:
    return [
        *folders.escapes().values(),
        "cycle-a.yaml",
        "../fixtures/catalog.yaml",
        "../scenarios/default.yaml",
        "catalog.yaml",
        "default.yaml",
        "",
        "\x00",
        "a" * 5000,
    ]


@st.composite
def mutated(draw: st.DrawFn, extends_targets: list[str]) -> str:
    """A shipped file with a few edits: a token or a hostile fragment inserted, a slice deleted,
    a line duplicated or dropped."""
    text = TEXTS[draw(st.sampled_from(sorted(TEXTS)))]
    for _ in range(draw(st.integers(1, 4))):
        edit = draw(st.sampled_from(["insert", "fragment", "delete", "duplicate", "drop"]))
        at = draw(st.integers(0, len(text)))
        lines = text.splitlines(keepends=True)
        line = draw(st.integers(0, max(len(lines) - 1, 0)))
        if edit == "insert":
            text = text[:at] + draw(st.sampled_from(TOKENS)) + text[at:]
        elif edit == "fragment":
            start = text.rfind("\n", 0, at) + 1
            text = text[:start] + draw(fragments(extends_targets)) + "\n" + text[start:]
        elif edit == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 40)) :]
        elif edit == "duplicate" and lines:
            text = "".join([*lines[: line + 1], *lines[line:]])
        elif lines:
            text = "".join([*lines[:line], *lines[line + 1 :]])
    return text


def fragments(extends_targets: list[str]) -> st.SearchStrategy[str]:
    """Top-level YAML lines that attack a bound or the confinement."""
    sizes = st.integers(2, 12)
    return st.one_of(
        st.builds(lambda width, levels: alias_bomb(width, levels).split("\n", 1)[1], sizes, sizes),
        st.sampled_from(PYTHON_TAGS).map(_described),
        st.integers(600, 6000).map(lambda digits: "seed: " + "9" * digits),
        st.integers(50, 1200).map(lambda levels: "bomb: " + nested_lists(levels)),
        st.integers(50, 80).map(_block_nesting),
        st.sampled_from(extends_targets).map(lambda target: f"extends: {json.dumps(target)}"),
        st.integers(1, 3_000_000).map(_generated_history),
    )


def _described(tag: str) -> str:
    return "description: " + tag.replace("{canary}", "x")


def _block_nesting(levels: int) -> str:
    return "deep:" + "".join(f"\n{' ' * level}- " for level in range(levels)) + "x"


def _generated_history(runs: int) -> str:
    return f"history: {{generate: [{{asset: customers, runs: {runs}}}]}}"


def _json_values() -> st.SearchStrategy[object]:
    scalars = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.integers(min_value=10**600, max_value=10**700),
        st.floats(allow_nan=False),
        st.text(max_size=20),
        st.sampled_from(["SUCCEEDED", "sales/daily", "2024-01-01", "listAssetRuns", "x\ud800"]),
    )
    return st.recursive(
        scalars,
        lambda children: st.one_of(
            st.lists(children, max_size=4),
            st.dictionaries(st.sampled_from(_KEYS) | st.text(max_size=8), children, max_size=4),
        ),
        max_leaves=30,
    )


_KEYS = [
    "version", "name", "seed", "extends", "clock", "auth", "assets", "history", "faults", "expect",
    "key", "partitions", "run", "runs", "generate", "match", "respond", "status", "metadata",
]  # fmt: skip


@st.composite
def scenario_dicts(draw: st.DrawFn, extends_targets: list[str]) -> dict[str, object]:
    """A dict that looks like a scenario: a few known keys, values of any JSON type."""
    data: dict[str, object] = {"version": 1, "assets": [{"key": "customers"}]}
    for key in draw(st.lists(st.sampled_from(_KEYS), max_size=5)):
        data[key] = draw(_json_values())
    if draw(st.booleans()):
        data["extends"] = draw(st.sampled_from(extends_targets))
    if draw(st.booleans()):
        data["metadata_depth"] = json.loads(nested_lists(draw(st.integers(55, 70))))
    return data


# --- what every input must do --------------------------------------------------------------------


@contextlib.contextmanager
def bounded(what: str) -> Iterator[None]:
    """Within SECONDS of this process's CPU time (asserted: a bound on the work an input can
    cause, not on how busy the machine is), and a traceback dump rather than a hang past
    HANG_SECONDS of wall time."""
    faulthandler.dump_traceback_later(HANG_SECONDS, exit=True)
    started = time.process_time()
    try:
        yield
    finally:
        faulthandler.cancel_dump_traceback_later()
    elapsed = time.process_time() - started
    assert elapsed < SECONDS, f"{what} took {elapsed:.1f} s of CPU time"


def only_located(error: ScenarioError, *, dict_ok: bool = False) -> None:
    for problem in error.errors:
        line = problem.format()
        assert is_located(line) or (dict_ok and problem.file == "<dict>"), line


def through_validate(path: Path) -> None:
    out = io.StringIO()
    with bounded("validate"), contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        code = main(["validate", str(path)])
    lines = out.getvalue().splitlines()
    assert code in (0, 1), lines
    assert lines, "validate printed nothing"
    if code == 0:
        assert lines == [f"ok: {path}"]
    else:
        assert all(is_located(line) for line in lines), lines


def through_python(load: Callable[[], object], *, dict_ok: bool = False) -> None:
    with bounded("loading from Python"):
        try:
            load()
        except ScenarioError as error:
            only_located(error, dict_ok=dict_ok)


def through_put(world: World, body: bytes) -> None:
    with bounded("PUT /_fake/scenario"), OpenSpy.recording() as opened:
        answer = world.client.put("/_ns/fuzz/_fake/scenario", content=body)
    assert outside_of(opened, world.allowed) == [], "a PUT opened a file outside the folders"
    assert answer.status_code in (200, 400), answer.text[:500]
    assert not any(key in answer.text for key in SECRET_KEYS), answer.text[:500]
    if answer.status_code == 400:
        assert answer.headers["content-type"] == "application/problem+json"
        lines = answer.json()["detail"].splitlines()
        assert lines and all(is_located(line) for line in lines), lines


def check_text(world: World, text: str) -> None:
    path = world.scenarios / "fuzzed.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    through_validate(path)
    through_python(lambda: AssetFake(path))
    through_put(world, text.encode("utf-8", "surrogatepass"))


def check_dict(world: World, data: dict[str, object]) -> None:
    through_python(lambda: Scenario.load(data), dict_ok=True)
    try:
        body = json.dumps(data).encode()
    except (ValueError, TypeError):  # a float JSON cannot write, a key of another type
        return
    through_put(world, body)
    with contextlib.suppress(yaml.YAMLError, UnicodeEncodeError):
        through_put(world, yaml.safe_dump(data, allow_unicode=True).encode())


# --- the tests: a CI form and a long one ---------------------------------------------------------


def _mutated_cases(world: World) -> st.SearchStrategy[str]:
    return mutated(_extends_targets(world.folders))


def test_the_shipped_scenarios_load_as_they_are(world: World) -> None:
    """The fuzz's starting points load, over PUT too (so that a mutation is what breaks them)."""
    for path in SHIPPED:
        if path.parent.name == "scenarios":
            answer = world.client.put("/_ns/fuzz/_fake/scenario", content=path.read_bytes())
            assert answer.status_code == 200, (path.name, answer.text)


@FUZZ
@given(data=st.data())
def test_mutated_shipped_files(world: World, data: st.DataObject) -> None:
    check_text(world, data.draw(_mutated_cases(world)))


@pytest.mark.fuzz_long
@LONG
@given(data=st.data())
def test_mutated_shipped_files_long(world: World, data: st.DataObject) -> None:
    check_text(world, data.draw(_mutated_cases(world)))


@FUZZ
@given(data=st.data())
def test_hostile_fragments_in_a_valid_scenario(world: World, data: st.DataObject) -> None:
    lines = data.draw(st.lists(fragments(_extends_targets(world.folders)), min_size=1, max_size=3))
    check_text(world, "version: 1\nassets: [{key: customers}]\n" + "\n".join(lines) + "\n")


@pytest.mark.fuzz_long
@LONG
@given(data=st.data())
def test_hostile_fragments_in_a_valid_scenario_long(world: World, data: st.DataObject) -> None:
    lines = data.draw(st.lists(fragments(_extends_targets(world.folders)), min_size=1, max_size=3))
    check_text(world, "version: 1\nassets: [{key: customers}]\n" + "\n".join(lines) + "\n")


@FUZZ
@given(data=st.data())
def test_generated_dicts(world: World, data: st.DataObject) -> None:
    check_dict(world, data.draw(scenario_dicts(_extends_targets(world.folders))))


@pytest.mark.fuzz_long
@LONG
@given(data=st.data())
def test_generated_dicts_long(world: World, data: st.DataObject) -> None:
    check_dict(world, data.draw(scenario_dicts(_extends_targets(world.folders))))


@FUZZ
@given(levels=st.integers(55, 75), digits=st.integers(630, 660))
def test_around_the_depth_and_digit_bounds(world: World, levels: int, digits: int) -> None:
    check_text(world, metadata_scenario(nested_lists(levels)))
    check_text(world, metadata_scenario("9" * digits))
