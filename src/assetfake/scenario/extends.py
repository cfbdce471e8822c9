"""Resolving ``extends``: finding, reading and merging the file a scenario is built on.

A relative ``extends`` is resolved against the folder of the file that names it. A document
that has no folder (a text, a mapping, a control API body) names one ``base_dirs`` gives.
Confined (:class:`~assetfake.scenario.sources.AllowedFolders`), only a file inside the allowed
folders is read; a document with no folder of its own has its relative ``extends`` looked up in
each of them in turn. A path that names no file inside them is refused with one message,
whatever the path: it never says whether an outside path exists, nor shows a line of it.
Chains are bounded (:data:`~assetfake.scenario.limits.MAX_EXTENDS_FILES`) and share one node
budget; cycles are errors.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from assetfake.scenario.document import decode_document, parse_document
from assetfake.scenario.errors import ScenarioError
from assetfake.scenario.limits import MAX_EXTENDS_FILES, NodeBudget
from assetfake.scenario.merge import merge
from assetfake.scenario.nodes import MarkedDict, MarkedList, Problem, error_at
from assetfake.scenario.sources import AllowedFolders, Unreadable, exists, read_bytes, resolved

#: What a confined load answers for any ``extends`` that names no file inside the allowed
#: folders: outside them, or nowhere.
NOT_ALLOWED = (
    "no such file in the allowed folders: a scenario loaded over the control API extends only "
    "files of the shipped library and of the server's scenario folders (--scenarios-dir, the "
    "served file's folder)"
)


@dataclass(frozen=True, slots=True)
class Link:
    """A file on the way to the one being read: its resolved path, its name as shown."""

    path: Path
    shown: str


class Resolver:
    """How one scenario's ``extends`` are resolved: the confinement (``None``: none), the node
    budget its files share, and how many files it extends so far."""

    __slots__ = ("budget", "extended", "folders")

    def __init__(self, folders: AllowedFolders | None, budget: NodeBudget) -> None:
        self.folders = folders
        self.budget = budget
        self.extended = 0

    def resolve(
        self, tree: object, base_dirs: tuple[Path, ...], display_dir: str, chain: tuple[Link, ...]
    ) -> object:
        """``tree`` merged over the scenario it extends (recursively); ``tree`` if it extends
        none. ``chain`` holds the files on the way here, to detect cycles."""
        if not isinstance(tree, MarkedDict):
            return tree
        extends = tree.get("extends")
        if not isinstance(extends, str):
            return tree  # absent, null, or a type problem the type check reports
        if not extends.strip() or "\0" in extends:
            raise _at_extends(tree, "expected a path to a scenario file")
        if self.extended >= MAX_EXTENDS_FILES:
            message = f"a scenario extends at most {MAX_EXTENDS_FILES} files, directly or not"
            raise _at_extends(tree, message)
        self.extended += 1
        display = os.path.normpath(os.path.join(display_dir, extends))
        target = self._target(tree, extends, base_dirs)
        if any(target == link.path for link in chain):
            cycle = " -> ".join([*(link.shown for link in chain), display])
            raise _at_extends(tree, f"extends cycle: {cycle}")
        try:
            data = read_bytes(target, resolved=self.folders is not None)
        except Unreadable as error:
            raise _at_extends(tree, f"cannot read {display}: {error.reason}") from None
        base = parse_document(decode_document(data, display), display, self.budget)
        if not isinstance(base, MarkedDict):
            raise _not_a_mapping(base, display)
        chain = (*chain, Link(target, display))
        base = self.resolve(base, (target.parent,), os.path.dirname(display), chain)
        return merge(base, tree)

    def _target(self, tree: MarkedDict, extends: str, base_dirs: tuple[Path, ...]) -> Path:
        """The resolved path ``extends`` names (for a confined load, an allowed one)."""
        if self.folders is None:
            target = base_dirs[0] / extends
            return resolved(target) or target  # reading it says what is wrong
        for directory in base_dirs:
            path = resolved(directory / extends)
            if path is not None and self.folders.allows(path) and exists(path):
                return path  # inside: reading it says what else is wrong
        raise _at_extends(tree, NOT_ALLOWED)


def _at_extends(tree: MarkedDict, message: str) -> ScenarioError:
    return error_at(tree, Problem(("extends",), message))


def _not_a_mapping(base: object, display: str) -> ScenarioError:
    mark = base.mark if isinstance(base, MarkedList) else None
    return ScenarioError(
        "a scenario extended by another must be a mapping; got "
        + ("an empty document" if base is None else "not a mapping"),
        file=display,
        line=mark.line if mark else 1,
        column=mark.column if mark else 1,
    )
