"""Reading a scenario (file, text or mapping), resolving ``extends``, and validating it.

A scenario passes three checks in turn: YAML (:mod:`._yaml`, with line numbers), types
(:mod:`.typecheck`, against :class:`~assetfake.scenario.schema.ScenarioSpec`) and rules
(:mod:`.rules`). The result is a :class:`Validated` spec with each asset's partition set as the
rules had the domain build it; every problem found is raised as one :class:`ScenarioError`
carrying them all, in document order.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import msgspec

from assetfake.domain.partitions import Partitions
from assetfake.scenario._yaml import parse_yaml
from assetfake.scenario.errors import DICT_FILE, ScenarioError
from assetfake.scenario.merge import merge
from assetfake.scenario.nodes import (
    MarkedDict,
    MarkedList,
    Problem,
    error_at,
    from_python,
    to_plain,
)
from assetfake.scenario.rules import check_rules
from assetfake.scenario.schema import ScenarioSpec
from assetfake.scenario.typecheck import check_types

StrPath = str | os.PathLike[str]


@dataclass(frozen=True, slots=True)
class Validated:
    """A scenario that passed every check: its spec, and each asset's partition set (``None``:
    unpartitioned) as the domain built it during the check, so that it is parsed once."""

    spec: ScenarioSpec
    partitions: Mapping[str, Partitions | None]


def load_path(path: StrPath) -> Validated:
    """The validated scenario in the file at ``path`` (YAML or JSON)."""
    display = os.fspath(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError(f"cannot read file: not UTF-8 ({exc.reason})", file=display) from None
    except OSError as exc:
        raise ScenarioError(f"cannot read file: {exc.strerror or exc}", file=display) from None
    return load_text(text, file=display, base_dir=Path(path).parent)


def load_text(text: str, file: str = "<text>", base_dir: StrPath | None = None) -> Validated:
    """The validated scenario in ``text``; errors name ``file``. A relative ``extends`` is
    resolved against ``base_dir``, by default the directory of ``file`` if it names one, else
    the working directory."""
    if base_dir is None:
        base_dir = Path.cwd() if file.startswith("<") else Path(file).parent
    tree = parse_yaml(text, file)
    if tree is None:
        raise ScenarioError(
            "the scenario is empty; expected a mapping", file=file, line=1, column=1
        )
    chain = () if file.startswith("<") else ((Path(file).resolve(), file),)
    tree = _resolve_extends(tree, Path(base_dir), _display_dir(file), chain)
    return validate_tree(tree, file)


def load_mapping(data: Mapping[str, object], base_dir: StrPath | None = None) -> Validated:
    """The validated scenario given as a Python mapping; errors name the file ``<dict>`` and no
    line (parts merged in from an ``extends`` file keep their file and line). A relative
    ``extends`` is resolved against ``base_dir``, by default the working directory."""
    tree = from_python(data)
    directory = Path.cwd() if base_dir is None else Path(base_dir)
    tree = _resolve_extends(tree, directory, "", ())
    return validate_tree(tree, DICT_FILE)


def validate_tree(tree: object, file: str) -> Validated:
    """The spec of a merged tree, or a :class:`ScenarioError` with every problem in it."""
    problems = check_types(tree, ScenarioSpec)
    if problems:
        raise _collect(tree, problems, file)
    try:
        spec = msgspec.convert(to_plain(tree), ScenarioSpec)
    except msgspec.ValidationError as exc:  # a type the check accepts and msgspec does not
        raise _collect(tree, [Problem((), f"does not fit the schema: {exc}")], file) from None
    checked = check_rules(spec)
    if checked.problems:
        raise _collect(tree, checked.problems, file)
    return Validated(spec, checked.partitions)


def validate_files(paths: Iterable[StrPath]) -> list[ScenarioError]:
    """Every problem in the given scenario files, one error per problem, file by file."""
    errors: list[ScenarioError] = []
    for path in paths:
        try:
            load_path(path)
        except ScenarioError as exc:
            errors.extend(exc.errors)
    return errors


def _collect(tree: object, problems: list[Problem], file: str) -> ScenarioError:
    errors: list[ScenarioError] = []
    seen: set[str] = set()
    for problem in problems:
        error = error_at(tree, problem)
        if error.format() not in seen:
            seen.add(error.format())
            errors.append(error)
    errors.sort(key=lambda e: (e.file != file, e.file, e.line or 0, e.column or 0))
    return ScenarioError.collect(errors)


def _display_dir(file: str) -> str:
    return "" if file.startswith("<") else os.path.dirname(file)


def _resolve_extends(
    tree: object, base_dir: Path, display_dir: str, chain: tuple[tuple[Path, str], ...]
) -> object:
    """``tree`` merged over the scenario it extends (recursively); ``tree`` if it extends none.

    ``chain`` holds the files on the way here (resolved path, name as shown), to detect cycles.
    """
    if not isinstance(tree, MarkedDict):
        return tree
    extends = tree.get("extends")
    if not isinstance(extends, str):
        return tree  # absent, null, or a type problem the type check reports
    if not extends.strip():
        raise error_at(tree, Problem(("extends",), "expected a path to a scenario file"))
    target = (base_dir / extends).resolve()
    display = os.path.normpath(os.path.join(display_dir, extends))
    if any(target == path for path, _ in chain):
        cycle = " -> ".join([*(shown for _, shown in chain), display])
        raise error_at(tree, Problem(("extends",), f"extends cycle: {cycle}"))
    try:
        text = target.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.reason if isinstance(exc, UnicodeDecodeError) else exc.strerror or str(exc)
        raise error_at(tree, Problem(("extends",), f"cannot read {display}: {reason}")) from None
    base = parse_yaml(text, display)
    if not isinstance(base, MarkedDict):
        mark = base.mark if isinstance(base, MarkedList) else None
        raise ScenarioError(
            "a scenario extended by another must be a mapping; got "
            + ("an empty document" if base is None else "not a mapping"),
            file=display,
            line=mark.line if mark else 1,
            column=mark.column if mark else 1,
        )
    chain = (*chain, (target, display))
    base = _resolve_extends(base, target.parent, os.path.dirname(display), chain)
    return merge(base, tree)
