"""The documented bounds on a scenario (``assetfake.scenario.limits``): each one accepted at the
bound and, over it, a located ``ScenarioError`` (file:line:col, path, what was expected) — from
a file, a text, a JSON text, a dict, ``assetfake validate`` and ``PUT /_fake/scenario`` — never a
``ValueError``, ``RecursionError`` or ``MemoryError``; YAML's Python tags refused; ``extends``
over the control API confined to the allowed folders, with one message for every way out."""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest
from hostile_inputs import (
    METADATA_DEPTH,
    METADATA_LISTS,
    METADATA_PREFIX,
    PYTHON_TAGS,
    SECRET_KEYS,
    Folders,
    alias_bomb,
    is_located,
    metadata_scenario,
    nested_lists,
)

from assetfake import AssetFake, ScenarioError
from assetfake.cli import main
from assetfake.scenario import Scenario
from assetfake.scenario.extends import NOT_ALLOWED
from assetfake.scenario.limits import (
    MAX_DEPTH,
    MAX_DOCUMENT_BYTES,
    MAX_EXTENDS_FILES,
    MAX_HISTORY_RUNS,
    MAX_INT_DIGITS,
    MAX_NODES,
    MAX_PARTITIONS_TOTAL,
)

ONE_ASSET = "version: 1\nassets: [{key: a}]\n"


def load_text(text: str) -> Scenario:
    return Scenario.from_yaml_text(text, "s.yaml")


def problem_of(text: str) -> ScenarioError:
    with pytest.raises(ScenarioError) as caught:
        load_text(text)
    return caught.value


# --- document bytes ------------------------------------------------------------------------------


def _document_of(size: int) -> str:
    head = "version: 1\n#"
    return head + "x" * (size - len(head) - 1) + "\n"


def test_a_document_of_the_bound_loads_and_one_byte_more_is_located_where_it_goes_over(
    tmp_path: Path,
) -> None:
    assert load_text(_document_of(MAX_DOCUMENT_BYTES)).spec.version == 1
    over = _document_of(MAX_DOCUMENT_BYTES + 1)
    error = problem_of(over)
    expected = "s.yaml:2:1048566: $: the document is larger than 1 MiB (1048576 bytes)"
    assert str(error) == expected
    path = tmp_path / "s.yaml"
    path.write_text(over, encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:  # a file is read no further than the bound
        Scenario.load(path)
    assert str(caught.value) == expected.replace("s.yaml", str(path), 1)


def test_a_character_device_is_never_read_and_a_fifo_never_opened(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    for path in (Path("/dev/zero"), fifo):
        started = time.perf_counter()
        with pytest.raises(ScenarioError) as caught:
            Scenario.load(path)
        assert str(caught.value) == f"{path}: $: cannot read file: not a regular file"
        assert time.perf_counter() - started < 1
    child = tmp_path / "child.yaml"
    child.write_text("version: 1\nextends: /dev/zero\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        Scenario.load(child)
    assert str(caught.value) == (
        f"{child}:2:10: extends: cannot read /dev/zero: not a regular file"
    )


# --- nodes after alias expansion -----------------------------------------------------------------

# ONE_ASSET-like frame around the metadata: version, assets, the asset, key, materialization,
# metadata: 12 nodes (keys count as nodes), then "l" + its list + "r" + its list + "p" + its list.
FRAME_NODES = 18


def _aliased(scalars: int, repeats: int, padding: int) -> str:
    return (
        "version: 1\nassets:\n  - key: a\n    materialization:\n      metadata:\n"
        f"        l: &l [{', '.join(['0'] * scalars)}]\n"
        f"        r: [{', '.join(['*l'] * repeats)}]\n"
        f"        p: [{', '.join(['0'] * padding)}]\n"
    )


def test_a_document_of_the_node_bound_loads_and_one_node_more_is_refused() -> None:
    scalars, repeats = 999, 998
    padding = MAX_NODES - FRAME_NODES - scalars - repeats * (scalars + 1)
    scenario = load_text(_aliased(scalars, repeats, padding))
    metadata = scenario.spec.assets[0].materialization.metadata
    assert len(metadata["r"]) == repeats and len(metadata["p"]) == padding
    error = problem_of(_aliased(scalars, repeats, padding + 1))
    assert str(error) == (
        "s.yaml:1:1: $: the document expands to more than 1000000 nodes (too many aliases?)"
    )


def test_an_alias_bomb_is_refused_fast_from_every_surface(tmp_path: Path) -> None:
    bomb = alias_bomb(10, 9)  # a billion scalars, 90 written
    started = time.perf_counter()
    error = problem_of(bomb)
    assert (error.line, error.column, error.path) == (1, 1, "$")
    assert "expands to more than 1000000 nodes" in error.message
    path = tmp_path / "bomb.yaml"
    path.write_text(bomb, encoding="utf-8")
    with pytest.raises(ScenarioError):
        AssetFake(path)
    shared: list[object] = [0] * 10
    for _ in range(9):
        shared = [shared] * 10  # the same in Python: one list, a billion times over
    with pytest.raises(ScenarioError, match="expands to more than 1000000 nodes"):
        Scenario.load({"version": 1, "bomb": shared})
    answer = AssetFake().client().put("/_fake/scenario", content=bomb.encode())
    assert answer.status_code == 400
    assert answer.json()["detail"].startswith("<request body>:1:1: $: the document expands")
    assert time.perf_counter() - started < 2


def test_the_files_of_an_extends_chain_share_the_node_bound(tmp_path: Path) -> None:
    half = MAX_NODES // 2
    base = tmp_path / "base.yaml"
    base.write_text(_aliased(999, half // 1000, 0), encoding="utf-8")
    child = tmp_path / "child.yaml"
    child.write_text(
        "extends: base.yaml\n" + _aliased(999, half // 1000 + 10, 0).replace("version: 1\n", ""),
        encoding="utf-8",
    )
    with pytest.raises(ScenarioError) as caught:
        Scenario.load(child)
    assert caught.value.file == str(base) and (caught.value.line, caught.value.column) == (1, 1)
    assert "nodes left of the 1000000 the files of an extends chain" in caught.value.message


# --- depth ---------------------------------------------------------------------------------------


def test_nesting_to_the_bound_loads_and_one_level_more_is_located() -> None:
    at_bound = load_text(metadata_scenario(nested_lists(METADATA_LISTS)))
    value = at_bound.spec.assets[0].materialization.metadata["m"]
    for _ in range(METADATA_LISTS - 1):
        (value,) = value
    assert value == []
    error = problem_of(metadata_scenario(nested_lists(METADATA_LISTS + 1)))
    path = "assets[0].materialization.metadata.m" + "[0]" * METADATA_LISTS
    column = len(METADATA_PREFIX) + METADATA_LISTS + 1
    expected = f"s.yaml:1:{column}: {path}: nested deeper than 64 levels of mappings and lists"
    assert str(error) == expected
    assert MAX_DEPTH == METADATA_DEPTH + METADATA_LISTS


def test_depth_is_bounded_in_json_in_dicts_and_through_aliases() -> None:
    levels = METADATA_LISTS + 1
    text = '{"assets": [{"key": "a", "materialization": {"metadata": {"m": '
    error = problem_of(text + nested_lists(levels) + "}}}]}")
    assert (error.line, error.column) == (1, len(text) + levels)
    assert error.path.endswith("m" + "[0]" * (levels - 1))
    value: object = []
    for _ in range(levels - 1):
        value = [value]
    data = {"assets": [{"key": "a", "materialization": {"metadata": {"m": value}}}]}
    with pytest.raises(ScenarioError, match=r"^<dict>: assets\[0\]\.materialization\.metadata\.m"):
        Scenario.load(data)
    looped: dict[str, object] = {"version": 1}
    looped["x"] = looped
    with pytest.raises(ScenarioError, match=r"^<dict>: x: the scenario contains itself$"):
        Scenario.load(looped)
    chained = ["a0: &a0 [x]"]  # each anchor 10 levels deeper than the one before
    chained += [f"a{i}: &a{i} {'[' * 10}*a{i - 1}{']' * 10}" for i in range(1, 9)]
    error = problem_of("\n".join(chained) + "\n")
    assert error.message == "nested deeper than 64 levels of mappings and lists"
    # a7 is the first that goes too deep; the list past the bound is written in a1 (line 2)
    assert (error.line, error.column) == (2, 12) and error.path == "a7" + "[0]" * 63


def test_libyaml_nesting_far_past_the_bound_is_located_too() -> None:
    for text in ("a: " + nested_lists(5000), "- " * 5000 + "x"):
        error = problem_of(text)
        assert error.line is not None and error.column is not None
        assert "nest" in error.message


# --- integers ------------------------------------------------------------------------------------


def test_integers_of_the_bound_load_and_one_digit_more_is_located() -> None:
    for sign in ("", "-"):
        widest = sign + "9" * MAX_INT_DIGITS
        scenario = load_text(metadata_scenario(widest))
        assert scenario.spec.assets[0].materialization.metadata["m"] == int(widest)
        error = problem_of(metadata_scenario(sign + "9" * (MAX_INT_DIGITS + 1)))
        assert str(error) == (
            f"s.yaml:1:{len(METADATA_PREFIX) + 1}: assets[0].materialization.metadata.m: "
            "integer too large: at most 640 digits"
        )


HUGE = "9" * 5000


@pytest.mark.parametrize(
    ("text", "where"),
    [
        (f"seed: {HUGE}\n", "s.yaml:1:7: seed"),
        (f'{{"seed": {HUGE}}}', "s.yaml:1:10: seed"),
        (f"seed: -{HUGE}\n", "s.yaml:1:7: seed"),
        (f"seed: !!int {HUGE}\n", "s.yaml:1:7: seed"),
        (f"seed: 0x{'f' * 5000}\n", "s.yaml:1:7: seed"),
        ("seed: " + ":".join(["59"] * 5000) + "\n", "s.yaml:1:7: seed"),  # YAML 1.1 base 60
        (
            f"{ONE_ASSET}faults: [{{name: f, match: {{call: {HUGE}}}, "
            "respond: {status: 500}}]\n",
            "s.yaml:3:34: faults[0].match.call",
        ),
    ],
    ids=["decimal", "json", "negative", "tagged", "hex", "sexagesimal", "fault-call"],
)
def test_a_huge_integer_is_a_located_error(text: str, where: str) -> None:
    started = time.perf_counter()
    assert str(problem_of(text)) == f"{where}: integer too large: at most 640 digits"
    assert time.perf_counter() - started < 0.5


def test_a_huge_seed_in_assetfake_validate_and_in_assetfake_and_a_dict(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("s.yaml").write_text(f"seed: {HUGE}\n", encoding="utf-8")
    assert main(["validate", "s.yaml"]) == 1
    captured = capsys.readouterr()
    assert captured.out == "s.yaml:1:7: seed: integer too large: at most 640 digits\n"
    assert captured.err == ""
    with pytest.raises(ScenarioError) as caught:
        AssetFake("s.yaml")
    assert (caught.value.line, caught.value.column, caught.value.path) == (1, 7, "seed")
    with pytest.raises(ScenarioError, match=r"^<dict>: seed: integer too large"):
        AssetFake({"version": 1, "seed": 10**5000})


# --- history -------------------------------------------------------------------------------------


def _history(*runs: int, listed: int = 0) -> dict[str, object]:
    history: dict[str, object] = {"generate": [{"asset": "a", "runs": n} for n in runs]}
    if listed:
        run = {"asset": "a", "status": "SUCCEEDED", "created_at": "2024-05-01T00:00:00Z"}
        history["runs"] = [run] * listed
    return {"version": 1, "assets": [{"key": "a"}], "history": history}


def test_history_to_the_bound_loads_and_one_run_more_is_located_at_the_entry_that_goes_over() -> (
    None
):
    assert Scenario.load(_history(MAX_HISTORY_RUNS - 50_000, 50_000)).spec.history.generate
    assert Scenario.load(_history(MAX_HISTORY_RUNS - 3, listed=3)).spec.history.runs
    assert Scenario.load(_history(MAX_HISTORY_RUNS)).spec.history.generate[0].runs == 1_000_000
    message = (
        "history holds at most 1000000 runs in total (history.runs and every history.generate "
        "entry's runs, extends included); this brings it to 1000001"
    )
    with pytest.raises(ScenarioError) as caught:
        Scenario.load(_history(MAX_HISTORY_RUNS - 50_000, 1, 50_000))
    assert str(caught.value) == f"<dict>: history.generate[2].runs: {message}"
    with pytest.raises(ScenarioError) as caught:
        Scenario.load(_history(MAX_HISTORY_RUNS - 2, listed=3))
    assert str(caught.value) == f"<dict>: history.generate[0].runs: {message}"
    with pytest.raises(ScenarioError) as caught:  # one entry past it: the schema's own bound
        Scenario.load(_history(10_000_000))
    assert str(caught.value) == (
        "<dict>: history.generate[0].runs: expected an integer <= 1000000, got 10000000"
    )


def test_history_is_counted_across_extends(tmp_path: Path) -> None:
    (tmp_path / "base.yaml").write_text(
        ONE_ASSET + "history: {generate: [{asset: a, runs: 950000}]}\n", encoding="utf-8"
    )
    child = tmp_path / "child.yaml"
    child.write_text(
        "extends: base.yaml\nhistory:\n  generate:\n    - {asset: a, runs: 50001}\n",
        encoding="utf-8",
    )
    with pytest.raises(ScenarioError) as caught:
        Scenario.load(child)
    error = caught.value
    assert (error.file, error.line, error.column) == (str(child), 4, 24)
    assert error.path == "history.generate[0].runs"
    assert error.message.endswith("this brings it to 1000001")


# --- extends chains ------------------------------------------------------------------------------


def _chain(tmp_path: Path, extended: int) -> Path:
    for index in range(extended):
        (tmp_path / f"f{index}.yaml").write_text(f"extends: f{index + 1}.yaml\n", encoding="utf-8")
    (tmp_path / f"f{extended}.yaml").write_text(ONE_ASSET, encoding="utf-8")
    return tmp_path / "f0.yaml"


def test_a_chain_of_the_bound_loads_and_one_file_more_is_located(tmp_path: Path) -> None:
    (tmp_path / "ok").mkdir()
    (tmp_path / "over").mkdir()
    assert Scenario.load(_chain(tmp_path / "ok", MAX_EXTENDS_FILES)).spec.assets[0].key == "a"
    with pytest.raises(ScenarioError) as caught:
        Scenario.load(_chain(tmp_path / "over", MAX_EXTENDS_FILES + 1))
    last = tmp_path / "over" / f"f{MAX_EXTENDS_FILES}.yaml"
    assert str(caught.value) == (
        f"{last}:1:10: extends: a scenario extends at most 16 files, directly or not"
    )


# --- YAML's Python tags --------------------------------------------------------------------------


@pytest.mark.parametrize("tag", PYTHON_TAGS)
def test_a_python_or_custom_tag_is_refused_located_and_builds_nothing(
    tag: str, tmp_path: Path
) -> None:
    canary = tmp_path / "canary"
    text = f"version: 1\ndescription: {tag.replace('{canary}', str(canary))}\n"
    error = problem_of(text)
    assert (error.line, error.column, error.path) == (2, 14, "description")
    assert "unsupported YAML" in error.message
    answer = AssetFake().client().put("/_fake/scenario", content=text.encode())
    assert answer.status_code == 400
    assert answer.json()["detail"].startswith("<request body>:2:14: description: unsupported")
    assert not canary.exists()


def test_explicit_tags_that_do_not_fit_their_text_are_located() -> None:
    error = problem_of("seed: !!int abc\nname: !!bool maybe\ndescription: !!float x\n")
    assert [e.format() for e in error.errors] == [
        "s.yaml:1:7: seed: cannot read 'abc' as an integer",
        "s.yaml:2:7: name: cannot read 'maybe' as tag:yaml.org,2002:bool",
        "s.yaml:3:14: description: cannot read 'x' as tag:yaml.org,2002:float",
    ]


# --- JSON ----------------------------------------------------------------------------------------


def test_json_is_read_as_json_surrogate_escapes_included() -> None:
    document = {"version": 1, "name": "smile \U0001f600", "clock": {"speed": 1e2}}
    text = json.dumps(document)  # ensure_ascii: "\ud83d\ude00"
    assert "\\ud83d\\ude00" in text
    scenario = load_text(text)
    assert (scenario.name, scenario.spec.clock.speed) == ("smile \U0001f600", 100.0)
    answer = AssetFake().client().put("/_fake/scenario", content=text.encode())
    assert answer.status_code == 200 and answer.json()["scenario"] == "smile \U0001f600"


def test_json_keeps_lines_and_refuses_lone_surrogates_and_duplicate_keys() -> None:
    error = problem_of('{\n  "version": 1,\n  "seed": -3\n}')
    assert str(error) == "s.yaml:3:11: seed: expected an integer >= 0, got -3"
    error = problem_of('{"name": "x \\ud800"}')
    assert str(error) == "s.yaml:1:10: name: a lone surrogate (\\ud800) is not a character"
    error = problem_of('{"seed": 1,\n "seed": 2}')
    assert str(error) == "s.yaml:2:2: seed: duplicate key 'seed' (first at line 1, column 2)"


# --- extends over the control API ----------------------------------------------------------------


@pytest.fixture
def folders(tmp_path: Path) -> Folders:
    return Folders.make(tmp_path)


@pytest.fixture
def control(folders: Folders) -> Iterator[httpx.Client]:
    fake = AssetFake(scenarios_dirs=[folders.allowed])
    with fake.client() as client:
        yield client


def _put_extends(client: httpx.Client, target: str) -> httpx.Response:
    return client.put("/_fake/scenario", content=f"version: 1\nextends: {json.dumps(target)}\n")


def test_every_way_out_of_the_allowed_folders_gets_the_one_message(
    control: httpx.Client, folders: Folders
) -> None:
    expected = f"<request body>:2:10: extends: {NOT_ALLOWED}"
    for what, target in folders.escapes().items():
        started = time.perf_counter()
        answer = _put_extends(control, target)
        assert answer.status_code == 400, what
        assert answer.headers["content-type"] == "application/problem+json", what
        detail = answer.json()["detail"]
        assert detail == expected, what
        assert not any(key in answer.text for key in SECRET_KEYS), what
        assert time.perf_counter() - started < 1, what


def test_allowed_files_load_and_their_problems_are_shown(
    control: httpx.Client, folders: Folders
) -> None:
    assert _put_extends(control, "base.yaml").json()["assets"] == 1  # from --scenarios-dir
    assert _put_extends(control, str(folders.allowed / "base.yaml")).status_code == 200
    assert _put_extends(control, "../fixtures/catalog.yaml").status_code == 200  # shipped
    answer = _put_extends(control, "fifo.yaml")
    assert answer.json()["detail"] == (
        "<request body>:2:10: extends: cannot read fifo.yaml: not a regular file"
    )
    (folders.allowed / "bad.yaml").write_text("version: 1\nasets: []\n", encoding="utf-8")
    answer = _put_extends(control, "bad.yaml")
    assert answer.json()["detail"].startswith("bad.yaml:2:1: asets: unknown key")


def test_an_allowed_file_may_not_lead_out_either(control: httpx.Client, folders: Folders) -> None:
    secret = folders.outside / "secret.yaml"
    (folders.allowed / "hop.yaml").write_text(f"extends: {secret}\n", encoding="utf-8")
    answer = _put_extends(control, "hop.yaml")
    assert answer.json()["detail"] == f"hop.yaml:1:10: extends: {NOT_ALLOWED}"
    (folders.allowed / "a.yaml").write_text("extends: b.yaml\n", encoding="utf-8")
    (folders.allowed / "b.yaml").write_text("extends: a.yaml\n", encoding="utf-8")
    answer = _put_extends(control, "a.yaml")
    cycle = "a.yaml -> b.yaml -> a.yaml"
    assert answer.json()["detail"] == f"b.yaml:1:10: extends: extends cycle: {cycle}"


def test_the_served_files_folder_is_allowed_and_python_loading_is_not_confined(
    folders: Folders,
) -> None:
    served = folders.allowed / "served.yaml"
    secret = folders.outside / "secret.yaml"
    (folders.outside / "ok.yaml").write_text(ONE_ASSET, encoding="utf-8")
    served.write_text(f"extends: {folders.outside / 'ok.yaml'}\n", encoding="utf-8")
    fake = AssetFake(served)  # from Python, extends goes wherever the file says
    assert [asset.key for asset in fake.scenario.config.assets] == ["a"]
    with fake.client() as client:
        assert _put_extends(client, "base.yaml").status_code == 200  # the served file's folder
        assert _put_extends(client, str(secret)).json()["detail"].endswith(NOT_ALLOWED)


def test_put_by_name_loads_shipped_and_configured_scenarios(
    control: httpx.Client, folders: Folders, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (folders.allowed / "mine.yaml").write_text("name: mine\nextends: base.yaml\n", encoding="utf-8")
    answer = control.put("/_fake/scenario", params={"name": "mine"})
    assert (answer.status_code, answer.json()["scenario"], answer.json()["assets"]) == (
        200,
        "mine",
        1,
    )
    assert control.put("/_fake/scenario?name=rate-limited").json()["scenario"] == "rate-limited"
    environment = tmp_path / "environment"
    environment.mkdir()
    (environment / "env-one.yaml").write_text(ONE_ASSET, encoding="utf-8")
    monkeypatch.setenv("ASSETFAKE_SCENARIOS_DIR", str(environment))
    assert control.put("/_fake/scenario?name=env-one").json()["scenario"] == "env-one"
    for query, detail in [
        ("?name=../outside/secret", "no scenario named '../outside/secret'"),
        ("?name=nowhere", "no scenario named 'nowhere'"),
        ("?name=", "'name' is empty"),
        ("?name=a&name=b", "'name' is given more than once"),
        ("?file=/etc/hostname", "unknown query parameter 'file'"),
    ]:
        answer = control.put(f"/_fake/scenario{query}")
        assert answer.status_code == 400 and detail in answer.json()["detail"], query
    answer = control.put("/_fake/scenario?name=default", content=ONE_ASSET)
    assert answer.status_code == 400 and "not both" in answer.json()["detail"]


def test_serve_threads_scenarios_dir_into_the_control_api(
    folders: Folders, capsys: pytest.CaptureFixture[str]
) -> None:
    from assetfake import cli

    args = cli.build_parser().parse_args(
        ["serve", "--scenarios-dir", str(folders.allowed), "--scenarios-dir", str(folders.outside)]
    )
    fake = cli._fake(args)
    assert fake.scenarios_dirs == (folders.allowed, folders.outside)
    with fake.client() as client:
        assert client.put("/_fake/scenario?name=base").status_code == 200
    with pytest.raises(SystemExit) as exited:
        main(["serve", "--scenarios-dir", str(folders.allowed / "nope")])
    assert exited.value.code == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert "--scenarios-dir: not a folder" in line


def test_every_problem_line_of_a_refused_put_is_located(control: httpx.Client) -> None:
    bodies = [
        b"version: 1\nseed: " + HUGE.encode() + b"\nassets: [[[[",
        b'{"version": 1, "seed": ' + HUGE.encode() + b"}",
        b"\xff\xfe not utf-8",
        b"",
        b"- a list",
        b"'a string'",
        b"version: 1\nextends: /etc/hostname\nseed: " + HUGE.encode() + b"\n",
    ]
    for body in bodies:
        answer = control.put("/_fake/scenario", content=body)
        assert answer.status_code == 400, body[:40]
        lines = answer.json()["detail"].splitlines()
        assert lines and all(is_located(line) for line in lines), lines


# --- a large build off the event loop ------------------------------------------------------------

ANSWER_SECONDS = 0.5


def test_a_put_of_the_largest_history_never_stops_the_server_answering() -> None:
    """While a namespace builds the largest history allowed, in the shape that costs the most
    to build (a hundred assets whose runs interleave: about a second of work), health and the
    API of another namespace keep answering on a live server: nine answers in ten within
    ANSWER_SECONDS, and none waiting anywhere near the build (a blocked server holds a request
    for the whole build; on a machine busy with other tests an answer may take longer than
    ANSWER_SECONDS, but not a quarter of a build that the same load slows down)."""
    keys = [f"a{index}" for index in range(100)]
    generate = [
        {"asset": key, "runs": MAX_HISTORY_RUNS // 100, "spread_seconds": 86_400 + index}
        for index, key in enumerate(keys)
    ]
    largest = {
        "version": 1,
        "seed": 4242,
        "assets": [{"key": key} for key in keys],
        "history": {"generate": generate},
    }
    fake = AssetFake()
    with fake.serve() as url, httpx.Client(base_url=url, timeout=30) as client:
        done: dict[str, float] = {}

        def put() -> None:
            started = time.perf_counter()
            answer = httpx.put(f"{url}/_ns/big/_fake/scenario", json=largest, timeout=60)
            done.update(status=answer.status_code, seconds=time.perf_counter() - started)

        loading = threading.Thread(target=put)
        loading.start()
        waits: list[float] = []
        while loading.is_alive():
            for path in ("/_fake/health", "/_ns/other/assets/customers/runs"):
                started = time.perf_counter()
                assert client.get(path).status_code == 200
                waits.append(time.perf_counter() - started)
            time.sleep(0.02)
        loading.join()
        assert done["status"] == 200
        build = done["seconds"]
        assert len(waits) >= 10, f"the build took {build:.2f} s: too short to overlap"
        waits.sort()
        assert waits[len(waits) * 9 // 10] < ANSWER_SECONDS, f"answers took {waits}"
        assert waits[-1] < build / 4, f"an answer took {waits[-1]:.2f} s of a {build:.2f} s build"
        runs = client.get("/_ns/big/_fake/state").json()["counts"]["runs"]
        assert runs == MAX_HISTORY_RUNS


# --- partitions ----------------------------------------------------------------------------------


def _daily(count: int) -> dict[str, object]:
    """Daily partitions: ``count`` of them from 1900-01-01."""
    end = date(1900, 1, 1) + timedelta(days=count - 1)
    return {"daily": {"start": "1900-01-01", "end": end.isoformat()}}


def test_partitions_to_the_total_bound_load_and_one_more_is_refused_before_any_is_built() -> None:
    half = MAX_PARTITIONS_TOTAL // 2
    assets: list[dict[str, object]] = [
        {"key": "a", "partitions": _daily(half)},
        {"key": "b", "partitions": _daily(half - 2)},
        {"key": "c", "partitions": {"static": ["x", "y"]}},
    ]
    scenario = Scenario.load({"version": 1, "assets": assets})
    assert sum(len(p or ()) for p in scenario.config.partitions().values()) == MAX_PARTITIONS_TOTAL
    assets.append({"key": "d", "partitions": {"static": ["z"]}})
    started = time.perf_counter()
    with pytest.raises(ScenarioError) as caught:
        Scenario.load({"version": 1, "assets": assets})
    assert str(caught.value) == (
        "<dict>: assets[3].partitions: the assets hold at most 1000000 partitions together; "
        "this one brings them to 1000001"
    )
    assert time.perf_counter() - started < 0.5  # refused from what is written, nothing built
