"""Servers in subprocesses, on loopback: started, timed to their first answer, stopped.

A server prints its URL on the first line of stdout (``assetfake serve`` and bare_app.py both
do), or is told its port (``url=``: Prism and Mountebank, whose output is not read). When the
machine has two cores or more, the server is pinned to core 0 and the load generator (this
process) to core 1, so that neither steals the other's time.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

BENCH = Path(__file__).resolve().parent
#: The cores this process may use, read before it pins itself to one of them.
CORES = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []


def can_pin() -> bool:
    return len(CORES) >= 2


def pin_loadgen() -> None:
    if can_pin():
        os.sched_setaffinity(0, {CORES[1]})


def _pin_server() -> None:  # runs in the child, between fork and exec
    os.sched_setaffinity(0, {CORES[0]})


#: Where the Python servers keep their compiled bytecode during a run (set by ``run.py``).
BYTECODE_DIR: Path | None = None


def child_env() -> dict[str, str]:
    """A server's environment: bytecode written and read in :data:`BYTECODE_DIR`, as an
    installed package has it after its first start (``PYTHONDONTWRITEBYTECODE``, which some
    machines set, would make every start compile every module again: for assetfake about
    11,000 lines, 55 ms)."""
    env = dict(os.environ)
    if BYTECODE_DIR is not None:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(BYTECODE_DIR)
    return env


def assetfake_command(*args: str) -> list[str]:
    """``assetfake serve`` with stock settings, on a free loopback port."""
    return [sys.executable, "-m", "assetfake", "serve", "--port", "0", *args]


def bare_command(page_file: Path, run_file: Path) -> list[str]:
    return [
        sys.executable,
        str(BENCH / "bare_app.py"),
        "--page",
        str(page_file),
        "--run",
        str(run_file),
    ]


class Server:
    def __init__(self, process: subprocess.Popen[bytes], url: str, started_s: float) -> None:
        self.process = process
        self.url = url
        self.started_s = started_s  # from spawn to the first 200 answer

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def free_port() -> int:
    """A loopback port free now, for a server that is told its port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def running(
    command: Sequence[str],
    probe_path: str,
    pin: bool = True,
    url: str | None = None,
    cwd: Path | None = None,
) -> Iterator[Server]:
    """Start ``command``, wait for its URL (printed, or ``url``) and its first 200 to
    ``GET probe_path``."""
    start = time.perf_counter()
    process = subprocess.Popen(
        list(command),
        stdout=subprocess.PIPE if url is None else subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        preexec_fn=_pin_server if pin and can_pin() else None,
        cwd=cwd,
        env=child_env(),
    )
    server: Server | None = None
    try:
        if url is None:
            url = process.stdout.readline().decode().strip() if process.stdout else ""
        if not url.startswith("http://"):
            raise RuntimeError(f"{command[:4]} printed no URL (exit {process.poll()})")
        _poll_until_ok(process, url, probe_path, deadline=start + 30)
        server = Server(process, url, time.perf_counter() - start)
        yield server
    finally:
        if server is not None:
            server.stop()
        else:
            process.kill()
            process.wait()


def _poll_until_ok(process: subprocess.Popen[bytes], url: str, path: str, deadline: float) -> None:
    while time.perf_counter() < deadline:
        if get_status(url, path) == 200:
            return
        if process.poll() is not None:
            raise RuntimeError(f"{process.args!r} exited {process.returncode} before answering")
        time.sleep(0.002)
    raise RuntimeError(f"{url}{path} never answered 200")


def get_status(url: str, path: str) -> int:
    """The status of one ``GET`` on a fresh connection; 0 when nothing answers."""
    parts = urlsplit(url)
    try:
        address = (parts.hostname or "127.0.0.1", parts.port or 80)
        with socket.create_connection(address, timeout=5) as sock:
            request = f"GET {path} HTTP/1.1\r\nHost: {parts.netloc}\r\nConnection: close\r\n\r\n"
            sock.sendall(request.encode())
            head = sock.recv(64)
    except OSError:
        return 0
    try:
        return int(head[9:12])
    except ValueError:
        return 0
