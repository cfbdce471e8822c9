"""Hostile scenario inputs and the checks the limits and fuzz tests share.

- builders: alias bombs, nesting, huge integers, python tags;
- :class:`Folders`: an allowed folder (a server's ``--scenarios-dir``) and an outside one with
  a secret in it, plus links and special files that point out of the allowed one;
- :class:`OpenSpy`: every file the process opens while it records (an audit hook, so that
  ``open``, ``Path.open``, ``io.open`` and ``os.open`` are all seen, from any thread);
- :func:`is_located`: a ``file:line:col: path: message`` line.
"""

from __future__ import annotations

import os
import re
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from assetfake.scenario.limits import MAX_DEPTH

#: ``file:line:col: path: message``, as ScenarioError writes a located problem.
LOCATED = re.compile(
    r"^(?P<file>.+?):(?P<line>\d+):(?P<column>\d+): (?P<path>.+?): (?P<message>.+)$"
)

#: Key names of the outside secret file: no answer may ever contain them.
SECRET_KEYS = ("outside_secret_key", "hunter2_password")

#: YAML tags that build Python objects in an unsafe loader; each must be refused, located.
PYTHON_TAGS = (
    "!!python/object:os.system {}",
    "!!python/object/apply:os.system ['touch {canary}']",
    "!!python/object/new:os.system ['touch {canary}']",
    "!!python/name:os.system",
    "!!python/module:os",
    "!!python/tuple [1, 2]",
    "!!python/bytes aGVsbG8=",
    "!ruby/object {}",
    "!custom 1",
    "!!set {a}",
    "!!omap [a: 1]",
)


def is_located(line: str) -> bool:
    return LOCATED.match(line) is not None


def alias_bomb(width: int, levels: int) -> str:
    """A YAML text whose last anchor expands to ``width ** levels`` scalars."""
    lines = [f"  a0: &a0 [{', '.join(['lol'] * width)}]"]
    for level in range(1, levels):
        refs = ", ".join([f"*a{level - 1}"] * width)
        lines.append(f"  a{level}: &a{level} [{refs}]")
    return "version: 1\nbomb:\n" + "\n".join(lines) + "\n"


def metadata_scenario(value_text: str) -> str:
    """A valid scenario (one flow line) whose asset metadata ``m`` is ``value_text``."""
    return METADATA_PREFIX + value_text + "}}}]\n"


#: Where ``m``'s value starts (1-based column = len + 1), at depth 5 (so 59 more list levels fit).
METADATA_PREFIX = "assets: [{key: a, materialization: {metadata: {m: "
#: The depth of ``m``'s mapping in :func:`metadata_scenario`: root, assets, the asset,
#: materialization, metadata.
METADATA_DEPTH = 5
#: The most list levels that fit in ``m`` under the depth bound.
METADATA_LISTS = MAX_DEPTH - METADATA_DEPTH


def nested_lists(levels: int) -> str:
    return "[" * levels + "]" * levels


@dataclass(frozen=True)
class Folders:
    """``allowed`` (a scenario folder of the server) and ``outside`` (never to be read)."""

    allowed: Path
    outside: Path

    @classmethod
    def make(cls, root: Path) -> Folders:
        allowed = root / "allowed"
        outside = root / "outside"
        allowed.mkdir()
        outside.mkdir()
        (outside / "secret.yaml").write_text(
            "".join(f"{key}: 1\n" for key in SECRET_KEYS), encoding="utf-8"
        )
        (allowed / "base.yaml").write_text("version: 1\nassets: [{key: based}]\n", encoding="utf-8")
        (allowed / "link-out.yaml").symlink_to(outside / "secret.yaml")
        (allowed / "dir-out").symlink_to(outside)
        os.mkfifo(outside / "fifo.yaml")
        os.mkfifo(allowed / "fifo.yaml")
        return cls(allowed, outside)

    def escapes(self) -> dict[str, str]:
        """``extends`` values that lead out of the allowed folder (each must be refused with
        the one 'not allowed' message), by what they try."""
        secret = self.outside / "secret.yaml"
        relative = os.path.relpath(secret, self.allowed)
        return {
            "absolute outside file": str(secret),
            "absolute outside missing file": str(self.outside / "missing.yaml"),
            "relative ..": relative,
            "relative .. to a missing file": relative.replace("secret", "missing"),
            "dotdot inside a path": f"sub/../{relative}",
            "symlink to an outside file": "link-out.yaml",
            "symlinked folder": "dir-out/secret.yaml",
            "outside fifo": str(self.outside / "fifo.yaml"),
            "/etc/hostname": "/etc/hostname",
            "/etc/passwd by ..": "../" * 40 + "etc/passwd",
            "/dev/zero": "/dev/zero",
            "/dev/stdin": "/dev/stdin",
            "/proc/self/environ": "/proc/self/environ",
            "the root folder": "/",
            "an outside folder": str(self.outside),
            "home": "~/.bashrc",
        }


class OpenSpy:
    """The paths opened while :meth:`recording` (an audit hook, installed once per process:
    hooks cannot be removed, so it does nothing while nobody records)."""

    _installed: ClassVar[bool] = False
    _lock: ClassVar[threading.Lock] = threading.Lock()
    _active: ClassVar[list[list[str]]] = []

    @classmethod
    def _hook(cls, event: str, args: tuple[object, ...]) -> None:
        if event != "open" or not cls._active or not args:
            return
        path = args[0]
        if isinstance(path, bytes):
            path = path.decode(errors="replace")
        if isinstance(path, str | os.PathLike):
            for log in cls._active:
                log.append(os.fspath(path))

    @classmethod
    @contextmanager
    def recording(cls) -> Iterator[list[str]]:
        with cls._lock:
            if not cls._installed:
                sys.addaudithook(cls._hook)
                cls._installed = True
        log: list[str] = []
        cls._active.append(log)
        try:
            yield log
        finally:
            cls._active.remove(log)


def outside_of(opened: list[str], allowed: list[Path]) -> list[str]:
    """The opened paths that lie outside ``allowed`` and outside Python's own installation
    (an import may open a module's file at any time)."""
    own = [Path(p).resolve() for p in {sys.prefix, sys.base_prefix, sys.exec_prefix}]
    own.append(Path(__file__).resolve().parents[2] / "src")
    roots = [folder.resolve() for folder in allowed] + own
    found = []
    for path in opened:
        resolved = Path(path).resolve()
        if not any(resolved == root or resolved.is_relative_to(root) for root in roots):
            found.append(path)
    return found
