"""What ``assetfake serve`` imports before its first answer (issue 11, start-up): never httpx
(66 ms of imports a server does not need), nor the in-process transports, the remote driver,
the clock patch, the matrix runner or the verifier; and ``import assetfake`` alone imports
none of the package's modules until a public name is read."""

from __future__ import annotations

import subprocess
import sys
import urllib.request
from importlib import import_module

import pytest

import assetfake

#: Modules the serve path must not import (each is imported where it is used instead).
NOT_FOR_SERVE = {
    "httpx",
    "assetfake.transports",
    "assetfake.remote",
    "assetfake.surface",
    "assetfake.timepatch",
    "assetfake.matrix",
    "assetfake.matrix_cli",
    "assetfake.verify.engine",
    "assetfake.http.dashboard",  # the pages: imported when one is served
}


def _imported_by(command: list[str], path: str) -> set[str]:
    """Every module ``python -X importtime COMMAND`` imported up to its answer to ``GET path``."""
    process = subprocess.Popen(
        [sys.executable, "-X", "importtime", *command],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().decode().strip()
        assert url.startswith("http://"), url
        with urllib.request.urlopen(url + path, timeout=30) as answer:
            assert answer.status == 200
    finally:
        process.terminate()
        _, errors = process.communicate(timeout=30)
    return {
        line.rsplit("|", 1)[1].strip()
        for line in errors.decode().splitlines()
        if line.startswith("import time:") and "|" in line
    }


def test_serve_answers_without_importing_what_it_does_not_need() -> None:
    imported = _imported_by(
        ["-m", "assetfake", "serve", "--port", "0"], "/assets/customers/runs?max_results=20"
    )
    assert {"assetfake.fake", "assetfake.http.app", "uvicorn"} <= imported  # the parse works
    assert imported & NOT_FOR_SERVE == set()


def test_import_assetfake_imports_no_module_of_the_package_until_a_name_is_read() -> None:
    code = (
        "import sys, assetfake; print(sorted(m for m in sys.modules if m.startswith('assetfake.')))"
    )
    printed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert printed.strip() == "[]"


def test_every_public_name_is_the_object_its_module_defines() -> None:
    for name in assetfake.__all__:
        home = assetfake._HOMES[name]
        assert getattr(assetfake, name) is getattr(import_module(home), name)
    assert set(assetfake._HOMES) == set(assetfake.__all__)
    assert set(assetfake.__all__) <= set(dir(assetfake))


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="NoSuchName"):
        assetfake.NoSuchName  # type: ignore[attr-defined]  # noqa: B018


def test_serve_moves_what_it_built_out_of_the_collectors_sight_before_serving() -> None:
    """A full collection under load walks only what the requests added (issue 11, p99): the
    app, its template and the modules are frozen before the server runs."""
    code = "\n".join(
        [
            "import gc, sys",
            "import assetfake.http.socket_server as socket_server",
            "real = socket_server.server_for",
            "def server_for(*args, **kwargs):",
            "    server = real(*args, **kwargs)",
            "    def run(sockets=None):",
            "        app = server.config.app",
            "        seen = any(o is app for o in gc.get_objects())",
            "        print(gc.get_freeze_count(), len(gc.get_objects()), seen, flush=True)",
            "    server.run = run",
            "    return server",
            "socket_server.server_for = server_for",
            "from assetfake.cli import main",
            "sys.exit(main(['serve', '--port', '0', '--log-level', 'error']))",
        ]
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    url, counts = done.stdout.splitlines()[:2]
    assert url.startswith("http://")
    frozen, visible, app_visible = counts.split()
    assert app_visible == "False"
    assert int(frozen) > 10 * int(visible)
