"""The CLI in-process: openapi, schema, scenarios, validate, and serve's early failures."""

from __future__ import annotations

import gc
import json
import re
import socket
import textwrap
import warnings
from pathlib import Path

import httpx
import pytest
import yaml
from jsonschema import Draft202012Validator
from jsonschema.validators import validator_for

from assetfake.cli import main
from assetfake.http.openapi import load_openapi
from assetfake.scenario import library

OPERATION_IDS = {
    "listAssetBackfills",
    "createAssetBackfill",
    "getAssetBackfill",
    "listAssetMaterializations",
    "triggerAssetMaterialization",
    "listAssetRuns",
}
ERROR_LINE = re.compile(r"^(?P<file>[^:]+):(?P<line>\d+):(?P<col>\d+): (?P<path>\S+): (?P<msg>.+)$")


def _operation_ids(document: dict[str, object]) -> set[str]:
    paths = document["paths"]
    assert isinstance(paths, dict)
    return {
        operation["operationId"]
        for item in paths.values()
        for operation in item.values()
        if isinstance(operation, dict) and "operationId" in operation
    }


def _shipped(name: str) -> Path:
    (entry,) = [entry for entry in library() if entry.name == name]
    return Path(entry.path)


@pytest.mark.parametrize("argv", [["openapi"], ["openapi", "--format", "json"]])
def test_openapi_prints_json(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    assert main(argv) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["openapi"].startswith("3.1")
    assert _operation_ids(document) == OPERATION_IDS
    assert document == load_openapi()


def test_openapi_prints_yaml(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["openapi", "--format", "yaml"]) == 0
    out = capsys.readouterr().out
    assert not out.lstrip().startswith("{"), "YAML, not JSON"
    document = yaml.safe_load(out)
    assert _operation_ids(document) == OPERATION_IDS
    assert document == load_openapi()


def test_openapi_refuses_another_format(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["openapi", "--format", "xml"])
    assert exit_info.value.code == 2
    assert "xml" in capsys.readouterr().err


def test_schema_prints_a_json_schema_of_the_scenario_format(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    validator_class = validator_for(schema, default=Draft202012Validator)
    validator_class.check_schema(schema)
    validator = validator_class(schema)
    shipped = yaml.safe_load(_shipped("default").read_text(encoding="utf-8"))
    assert list(validator.iter_errors(shipped)) == []
    assert list(validator.iter_errors({"version": 1, "assets": [{"key": "a"}]})) == []
    assert list(validator.iter_errors({"version": 1, "no_such_key": True})) != []
    assert list(validator.iter_errors({"version": 1, "assets": [{"key": 3}]})) != []


def test_scenarios_lists_the_library_with_descriptions(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scenarios"]) == 0
    lines = capsys.readouterr().out.splitlines()
    names = [line.split()[0] for line in lines]
    assert names == [entry.name for entry in library()]
    assert "default" in names
    (default,) = [line for line in lines if line.split()[0] == "default"]
    assert "A small catalog with history" in default
    for line, entry in zip(lines, library(), strict=True):
        assert " ".join((entry.description or "").split()) in line


def test_validate_accepts_the_shipped_default(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(_shipped("default"))]) == 0
    assert capsys.readouterr().out == f"ok: {_shipped('default')}\n"


def test_validate_accepts_every_shipped_scenario(capsys: pytest.CaptureFixture[str]) -> None:
    paths = [str(entry.path) for entry in library()]
    assert main(["validate", *paths]) == 0
    assert capsys.readouterr().out.splitlines() == [f"ok: {path}" for path in paths]


BROKEN = textwrap.dedent(
    """\
    version: 1
    name: broken
    assets:
      - key: sales/daily
        run: {queued_seconds: -1}
      - key: customers
        colour: blue
    """
)


def test_validate_reports_file_line_col_path_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text(BROKEN, encoding="utf-8")
    good = _shipped("default")
    assert main(["validate", str(good), str(broken)]) == 1
    ok, *lines = capsys.readouterr().out.splitlines()
    assert ok == f"ok: {good}"
    assert len(lines) == 2, lines
    found = [ERROR_LINE.match(line) for line in lines]
    assert all(found), lines
    by_path = {m["path"]: m for m in found if m}
    assert set(by_path) == {"assets[0].run.queued_seconds", "assets[1].colour"}
    for match in by_path.values():
        assert match["file"] == str(broken)
    seconds = by_path["assets[0].run.queued_seconds"]
    assert (int(seconds["line"]), int(seconds["col"])) == (
        5,
        BROKEN.splitlines()[4].index("-1") + 1,
    )
    colour = by_path["assets[1].colour"]
    assert int(colour["line"]) == 7
    assert "colour" in colour["msg"]


def test_validate_reports_syntax_errors_and_missing_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    syntax = tmp_path / "syntax.yaml"
    syntax.write_text("version: 1\nassets: [\n", encoding="utf-8")
    missing = tmp_path / "missing.yaml"
    assert main(["validate", str(syntax), str(missing)]) == 1
    out = capsys.readouterr().out
    assert out.count(str(syntax)) == 1
    assert str(missing) in out
    first = out.splitlines()[0]
    assert ERROR_LINE.match(first), first


def test_no_command_prints_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    out = capsys.readouterr().out
    for command in ("serve", "validate", "scenarios", "openapi", "schema"):
        assert command in out


def test_serve_refuses_a_broken_scenario(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text(BROKEN, encoding="utf-8")
    assert main(["serve", str(broken), "--port", "0"]) == 2
    err = capsys.readouterr().err
    assert f"{broken}:5:" in err
    lines = err.splitlines()
    assert len(lines) == 2, "one line per problem, nothing else"
    assert all(ERROR_LINE.match(line) for line in lines), lines


def test_serve_refuses_an_unknown_scenario_name(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "no-such-scenario", "--port", "0"]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1, err
    assert "no-such-scenario" in err
    assert "default" in err, "the message lists the known scenarios"


@pytest.mark.filterwarnings("ignore::ResourceWarning")  # see the next test
def test_serve_refuses_a_busy_port(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        assert main(["serve", "--port", str(port), "--clock", "manual"]) == 2
    err = capsys.readouterr().err
    assert str(port) in err
    assert len(err.splitlines()) == 1, err


def test_serve_closes_the_socket_it_could_not_bind(capsys: pytest.CaptureFixture[str]) -> None:
    """BUG: ``_serve`` returns 1 without closing the socket whose bind failed (ResourceWarning:
    unclosed socket)."""
    with socket.socket() as busy, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        assert main(["serve", "--port", str(busy.getsockname()[1])]) == 2
        gc.collect()
    capsys.readouterr()
    leaks = [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)]
    assert leaks == []


def test_version_is_the_installed_distributions(capsys: pytest.CaptureFixture[str]) -> None:
    from importlib.metadata import version

    from assetfake._version import __version__

    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert stop.value.code == 0
    assert capsys.readouterr().out == f"assetfake {version('assetfake')}\n"
    assert __version__ == version("assetfake")


def test_version_without_metadata_falls_back(monkeypatch: pytest.MonkeyPatch) -> None:
    from importlib.metadata import PackageNotFoundError

    from assetfake import _version

    def missing(name: str) -> str:
        raise PackageNotFoundError(name)

    monkeypatch.setattr(_version, "version", missing)
    assert _version.installed_version() == _version.UNKNOWN_VERSION == "0+unknown"


def _declares_security(document: dict[str, object]) -> bool:
    paths = document["paths"]
    assert isinstance(paths, dict)
    operations = [op for item in paths.values() for op in item.values() if isinstance(op, dict)]
    components = document.get("components")
    schemes = isinstance(components, dict) and bool(components.get("securitySchemes"))
    return schemes or "security" in document or any("security" in op for op in operations)


@pytest.mark.parametrize(
    ("scenario", "auth"),
    [("auth-expiry", True), ("forbidden-writes", True), ("default", False), ("happy-path", False)],
)
def test_openapi_for_a_scenario_prints_the_document_its_instance_serves(
    capsys: pytest.CaptureFixture[str], scenario: str, auth: bool
) -> None:
    from assetfake import AssetFake
    from assetfake.http.openapi import openapi_document

    for source in (scenario, str(_shipped(scenario))):
        assert main(["openapi", "--scenario", source]) == 0
        document = json.loads(capsys.readouterr().out)
        assert _operation_ids(document) == OPERATION_IDS
        assert _declares_security(document) is auth
        assert document == openapi_document(auth)
    with AssetFake(scenario).client() as client:
        assert client.get("/openapi.json").json() == document, "what the instance serves"


def test_openapi_without_a_scenario_is_the_real_services_with_auth(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["openapi"]) == 0
    assert _declares_security(json.loads(capsys.readouterr().out))


def test_verify_warns_and_fails_on_a_namespace_no_request_reached(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from assetfake import AssetFake

    with AssetFake("default", clock="manual").serve() as url:
        assert main(["verify", "--url", f"{url}/_ns/never-used"]) == 1
        err = capsys.readouterr().err
        assert "warning" in err and "no request reached" in err
        assert len(err.splitlines()) == 1
        httpx.get(f"{url}/_ns/used/assets/customers/runs", timeout=10).raise_for_status()
        assert main(["verify", "--url", f"{url}/_ns/used"]) == 0
        captured = capsys.readouterr()
        assert captured.err == ""
        assert "hold" in captured.out


def test_verify_of_an_unreachable_url_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    assert main(["verify", "--url", f"http://127.0.0.1:{port}"]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "cannot reach" in err
