"""``python -m assetfake serve`` as a real process: it prints its URL, answers, and stops cleanly
(exit 0) on SIGINT and SIGTERM; its log lines are timestamped text or JSON; it warns when it
listens beyond the loopback."""

from __future__ import annotations

import hashlib
import json
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")

STARTUP_SECONDS = 20
STOP_SECONDS = 10


@contextmanager
def serving(*args: str, host: str = "127.0.0.1") -> Iterator[tuple[subprocess.Popen[str], str]]:
    """Start the server; yield the process and the URL from its first stdout line."""
    process = subprocess.Popen(
        [sys.executable, "-m", "assetfake", "serve", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line: list[str] = []
        reader = threading.Thread(target=lambda: line.append(process.stdout.readline()))
        reader.start()
        reader.join(STARTUP_SECONDS)
        assert line and line[0], f"no URL on stdout; stderr: {_stderr(process)}"
        url = line[0].strip()
        assert url.startswith(f"http://{host}:"), url
        assert int(url.rsplit(":", 1)[1]) > 0
        yield process, url
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(STOP_SECONDS)
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()


def _stderr(process: subprocess.Popen[str]) -> str:
    if process.poll() is None:
        process.kill()
    assert process.stderr is not None
    return process.stderr.read()


def _stop(process: subprocess.Popen[str], sig: signal.Signals) -> tuple[int, str]:
    process.send_signal(sig)
    try:
        code = process.wait(STOP_SECONDS)
    except subprocess.TimeoutExpired:
        pytest.fail(f"the server did not stop within {STOP_SECONDS} s of {sig.name}")
    assert process.stderr is not None
    return code, process.stderr.read()


def test_serve_answers_and_stops_on_sigint() -> None:
    with serving("--clock", "manual") as (process, url):
        with httpx.Client(base_url=url, timeout=10) as client:
            response = client.get("/assets/sales%2Fdaily/runs")
            assert response.status_code == 200
            assert [run["partition_key"] for run in response.json()["items"]] == [
                "2024-01-03",
                "2024-01-02",
                "2024-01-01",
            ]
            assert client.get("/assets/sales/daily/runs").json()["code"] == (
                "asset_key_not_encoded"
            )
            clock = client.get("/_fake/clock").json()
            assert clock["mode"] == "manual"
            assert clock["now"].startswith("2024-06-01T00:00:00")
        code, err = _stop(process, signal.SIGINT)
    assert code == 0, err
    assert "Traceback" not in err


def test_serve_a_named_scenario_with_a_seed_stops_on_sigterm() -> None:
    seed_tag = hashlib.sha256(b"assetfake:5").hexdigest()[:6]
    with serving("happy-path", "--seed", "5", "--no-control") as (process, url):
        with httpx.Client(base_url=url, timeout=10) as client:
            created = client.post("/assets/customers/materialize")
            assert created.status_code == 202
            assert created.json()["id"].startswith(f"run_{seed_tag}")
            assert created.headers["x-request-id"].startswith(f"req_{seed_tag}")
            assert client.get("/_fake/health").status_code == 404  # --no-control
        code, err = _stop(process, signal.SIGTERM)
    assert code == 0, err
    assert "Traceback" not in err


TIMESTAMPED = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (DEBUG|INFO|WARNING|ERROR) ")


def test_text_log_lines_are_timestamped_and_loopback_does_not_warn() -> None:
    with serving("--clock", "manual") as (process, url):
        httpx.get(url + "/assets/customers/runs", timeout=10).raise_for_status()
        code, err = _stop(process, signal.SIGTERM)
    assert code == 0, err
    lines = err.splitlines()
    assert lines, "the server logs"
    assert all(TIMESTAMPED.match(line) for line in lines), err
    assert any("/assets/customers/runs" in line for line in lines), err
    assert not any("WARNING" in line for line in lines), err


def test_json_log_lines_are_one_object_each() -> None:
    with serving("--clock", "manual", "--log-format", "json") as (process, url):
        httpx.get(url + "/assets/customers/runs", timeout=10).raise_for_status()
        code, err = _stop(process, signal.SIGINT)
    assert code == 0, err
    records = [json.loads(line) for line in err.splitlines()]  # every line is JSON
    assert records
    for record in records:
        assert {"time", "level", "message"} <= set(record)
        assert TIMESTAMPED.match(record["time"] + " INFO ")
    assert any("/assets/customers/runs" in record["message"] for record in records)


def test_listening_beyond_the_loopback_warns_once() -> None:
    with serving("--clock", "manual", "--host", "0.0.0.0", host="0.0.0.0") as (process, url):
        port = url.rsplit(":", 1)[1]
        local = f"http://127.0.0.1:{port}"
        assert httpx.get(local + "/_fake/health", timeout=10).status_code == 200
        code, err = _stop(process, signal.SIGTERM)
    assert code == 0, err
    warnings = [line for line in err.splitlines() if " WARNING " in line]
    assert len(warnings) == 1, err
    assert "0.0.0.0" in warnings[0] and "127.0.0.1" in warnings[0]
