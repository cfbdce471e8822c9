"""Where scenario files may be read from, and reading one safely.

A scenario file is read only if it is a regular file (never a device, a FIFO, a socket or a
directory: checked before it is opened, and again on what was opened), and only its first
:data:`~assetfake.scenario.limits.MAX_DOCUMENT_BYTES` (plus one, to tell that it is larger).

:class:`AllowedFolders` confines reading to some folders: a path is allowed when, its symbolic
links resolved, it lies inside one of them. The control API loads scenarios confined to the
shipped library and the server's scenario folders; loading from Python is not confined
(``None`` wherever a confinement is asked for).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from assetfake.scenario.limits import MAX_DOCUMENT_BYTES

StrPath = str | os.PathLike[str]

#: Open flags: never block on a FIFO, never hand the descriptor to a child process.
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)


class Unreadable(Exception):
    """A scenario file that cannot be read; ``reason`` says why (``No such file or
    directory``, ``not a regular file``)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class AllowedFolders:
    """The folders scenario files may be read from (resolved, in the order given)."""

    roots: tuple[Path, ...]

    @classmethod
    def of(cls, folders: Iterable[StrPath]) -> AllowedFolders:
        roots: list[Path] = []
        for folder in folders:
            root = resolved(Path(folder))
            if root is not None and root not in roots:
                roots.append(root)
        return cls(tuple(roots))

    def allows(self, path: Path) -> bool:
        """Whether ``path`` (resolved already) lies inside one of the folders."""
        return any(path == root or path.is_relative_to(root) for root in self.roots)


def resolved(path: Path) -> Path | None:
    """``path`` absolute with its symbolic links resolved; ``None`` when it cannot be (a name
    too long, a loop of links, a NUL)."""
    try:
        return path.resolve()
    except (OSError, RuntimeError, ValueError):
        return None


def exists(path: Path) -> bool:
    """Whether something is at ``path`` (``False`` when asking fails, as for a name too long)."""
    try:
        return path.exists()
    except (OSError, ValueError):
        return False


def read_bytes(path: Path, *, resolved: bool = False) -> bytes:
    """The first ``MAX_DOCUMENT_BYTES + 1`` bytes of the regular file at ``path``.

    With ``resolved`` (``path`` has no symbolic link left, as after a containment check), a
    link that appears at its last step since is not followed. Raises :class:`Unreadable`.
    """
    try:
        mode = os.stat(path).st_mode
    except OSError as error:
        raise Unreadable(_reason(error)) from None
    except ValueError:  # an embedded NUL
        raise Unreadable("not a valid path") from None
    if not stat.S_ISREG(mode):
        raise Unreadable("not a regular file")
    flags = _OPEN_FLAGS | (getattr(os, "O_NOFOLLOW", 0) if resolved else 0)
    try:
        descriptor = os.open(path, flags)
    except OSError as error:
        raise Unreadable(_reason(error)) from None
    with os.fdopen(descriptor, "rb") as file:
        if not stat.S_ISREG(os.fstat(file.fileno()).st_mode):  # replaced since the check
            raise Unreadable("not a regular file")
        try:
            return file.read(MAX_DOCUMENT_BYTES + 1)
        except OSError as error:
            raise Unreadable(_reason(error)) from None


def _reason(error: OSError) -> str:
    return error.strerror or str(error)
