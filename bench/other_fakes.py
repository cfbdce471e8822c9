"""The other fakes measured beside assetfake (issue 11, target 1: at least 2x the best of them).

Each answers the two benchmarked routes on loopback in a process of its own, pinned like the
others (bench/servers.py), with its per-request log off (the strictest comparison: assetfake
runs with stock settings, its access log on):

- pytest-httpserver (pip, the ``bench`` extra): bench/httpserver_app.py, answering the bytes
  assetfake answers;
- Prism (npm, bench/package.json): ``prism mock`` on the OpenAPI document the stock fake serves
  (``GET /openapi.json``: no security scheme, as the fake needs no token); it answers bodies of
  its own, built from the schemas (a page of one run);
- Mountebank (npm, the same install): one imposter, a stub per route answering assetfake's
  bytes, with ``Connection: keep-alive`` and a ``Content-Length`` (by default it closes every
  connection and chunks the body).

Prism and Mountebank are found in bench/node_modules/.bin, else on PATH. A fake that is not
installed, or does not start, is skipped with a note that says so.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import sys
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import servers

BENCH = Path(__file__).resolve().parent
NAMES = ("pytest-httpserver", "Prism", "Mountebank")
INSTALL = {
    "pytest-httpserver": 'pip install -e ".[bench]"',
    "Prism": "npm install --prefix bench",
    "Mountebank": "npm install --prefix bench",
}


#: How each is set up, for the notes under the table.
SETUP = {
    "pytest-httpserver": "werkzeug, threaded; assetfake's bytes; it closes each connection after "
    "one answer, so each request opens a new one",
    "Prism": "`prism mock` on the fake's served document; bodies of its own, a page of one run",
    "Mountebank": "one imposter; assetfake's bytes, keep-alive",
}
_NODE_PACKAGES = {"prism": "@stoplight/prism-cli", "mb": "mountebank"}


@dataclass(frozen=True, slots=True)
class Launch:
    name: str
    version: str  # "" when not known (a node tool found on PATH)
    command: tuple[str, ...]
    url: str | None  # None: the server prints its URL on its first line


@dataclass(frozen=True, slots=True)
class Bodies:
    """The files of what assetfake answers, and of the document it serves."""

    page: Path
    run: Path
    document: Path


def node_tool(name: str) -> str | None:
    """``name`` as ``npm install --prefix bench`` installs it, else on PATH."""
    local = BENCH / "node_modules" / ".bin" / name
    return str(local) if local.exists() else shutil.which(name)


def _node_version(name: str) -> str:
    manifest = BENCH / "node_modules" / _NODE_PACKAGES[name] / "package.json"
    try:
        return str(json.loads(manifest.read_text())["version"])
    except (OSError, ValueError, KeyError):
        return ""


def served_document(fake_url: str, workdir: Path) -> Path:
    """The OpenAPI document the running fake serves, in a file for Prism."""
    with urllib.request.urlopen(f"{fake_url}/openapi.json", timeout=10) as answer:
        document: bytes = answer.read()
    path = workdir / "openapi.json"
    path.write_bytes(document)
    return path


def _httpserver(bodies: Bodies) -> Launch | None:
    if importlib.util.find_spec("pytest_httpserver") is None:
        return None
    script = str(BENCH / "httpserver_app.py")
    command = (sys.executable, script, "--page", str(bodies.page), "--run", str(bodies.run))
    return Launch("pytest-httpserver", version("pytest-httpserver"), command, None)


def _prism(bodies: Bodies) -> Launch | None:
    prism = node_tool("prism")
    if prism is None:
        return None
    port = servers.free_port()
    command = (prism, "mock", "-h", "127.0.0.1", "-p", str(port), "-v", "warn")
    url = f"http://127.0.0.1:{port}"
    return Launch("Prism", _node_version("prism"), (*command, str(bodies.document)), url)


def _stub(method: str, path: str, status: int, body: bytes) -> dict[str, object]:
    headers = {
        "Content-Type": "application/json",
        "Content-Length": str(len(body)),
        "Connection": "keep-alive",
    }
    return {
        "predicates": [{"matches": {"method": method, "path": path}}],
        "responses": [{"is": {"statusCode": status, "headers": headers, "body": body.decode()}}],
    }


def _mountebank(bodies: Bodies, workdir: Path) -> Launch | None:
    mb = node_tool("mb")
    if mb is None:
        return None
    admin, port = servers.free_port(), servers.free_port()
    stubs = [
        _stub("GET", "^/assets/[^/]+/runs$", 200, bodies.page.read_bytes()),
        _stub("POST", "^/assets/[^/]+/materialize$", 202, bodies.run.read_bytes()),
    ]
    imposter = {"protocol": "http", "host": "127.0.0.1", "port": port, "stubs": stubs}
    config = workdir / "mountebank.json"
    config.write_text(json.dumps({"imposters": [imposter]}))
    command = (
        *(mb, "start", "--port", str(admin), "--configfile", str(config), "--noParse"),
        *("--nologfile", "--loglevel", "warn", "--pidfile", str(workdir / "mb.pid")),
    )
    return Launch("Mountebank", _node_version("mb"), command, f"http://127.0.0.1:{port}")


def launches(bodies: Bodies, workdir: Path) -> tuple[list[Launch], list[str]]:
    """The other fakes installed here, and a note for each that is not."""
    found = [_httpserver(bodies), _prism(bodies), _mountebank(bodies, workdir)]
    notes = [
        f"{name} not measured: not installed (`{INSTALL[name]}`)"
        for name, launch in zip(NAMES, found, strict=True)
        if launch is None
    ]
    return [launch for launch in found if launch is not None], notes


@contextmanager
def started(
    found: list[Launch], probe_path: str, workdir: Path
) -> Iterator[tuple[dict[str, Launch], dict[str, str], list[str]]]:
    """Each fake that started and its URL, by name, and a note for each that did not."""
    launched = {launch.name: launch for launch in found}
    urls: dict[str, str] = {}
    notes: list[str] = []
    with ExitStack() as stack:
        for launch in found:
            try:
                server = stack.enter_context(
                    servers.running(launch.command, probe_path, url=launch.url, cwd=workdir)
                )
            except (OSError, RuntimeError) as error:
                notes.append(f"{launch.name} not measured: it did not start ({error})")
            else:
                urls[launch.name] = server.url
        yield {name: launched[name] for name in urls}, urls, notes
