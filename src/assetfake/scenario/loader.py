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
from assetfake.scenario._pytree import tree_of
from assetfake.scenario.document import decode_document, parse_document
from assetfake.scenario.errors import DICT_FILE, ScenarioError
from assetfake.scenario.extends import NOT_ALLOWED, Link, Resolver
from assetfake.scenario.limits import NodeBudget
from assetfake.scenario.nodes import Problem, error_at, to_plain
from assetfake.scenario.rules import check_rules
from assetfake.scenario.schema import ScenarioSpec
from assetfake.scenario.size_checks import size_problems
from assetfake.scenario.sources import AllowedFolders, Unreadable, read_bytes, resolved
from assetfake.scenario.sources import StrPath as StrPath  # re-exported: model.py reads it here
from assetfake.scenario.typecheck import check_types


@dataclass(frozen=True, slots=True)
class Validated:
    """A scenario that passed every check: its spec, and each asset's partition set (``None``:
    unpartitioned) as the domain built it during the check, so that it is parsed once."""

    spec: ScenarioSpec
    partitions: Mapping[str, Partitions | None]


def load_path(path: StrPath, *, folders: AllowedFolders | None = None) -> Validated:
    """The validated scenario in the file at ``path`` (YAML or JSON). With ``folders``, the
    file and every file it extends must lie inside them (the control API's confinement)."""
    display = os.fspath(path)
    target = Path(path)
    if folders is not None:
        inside = resolved(target)
        if inside is None or not folders.allows(inside):
            raise ScenarioError(f"cannot read file: {NOT_ALLOWED}", file=display)
        target = inside
    try:
        data = read_bytes(target, resolved=folders is not None)
    except Unreadable as error:
        raise ScenarioError(f"cannot read file: {error.reason}", file=display) from None
    text = decode_document(data, display)
    return load_text(text, file=display, base_dir=Path(path).parent, folders=folders)


def load_text(
    text: str,
    file: str = "<text>",
    base_dir: StrPath | None = None,
    *,
    folders: AllowedFolders | None = None,
) -> Validated:
    """The validated scenario in ``text`` (JSON if it parses as JSON, else YAML); errors name
    ``file``. A relative ``extends`` is resolved against ``base_dir``, by default the directory
    of ``file`` if it names one; else the working directory, or with ``folders`` each of them in
    turn."""
    budget = NodeBudget()
    tree = parse_document(text, file, budget)
    if tree is None:
        raise ScenarioError(
            "the scenario is empty; expected a mapping", file=file, line=1, column=1
        )
    has_folder = not file.startswith("<")
    if base_dir is not None:
        base_dirs: tuple[Path, ...] = (Path(base_dir),)
    elif has_folder:
        base_dirs = (Path(file).parent,)
    else:
        base_dirs = (Path.cwd(),) if folders is None else folders.roots
    top = resolved(Path(file)) if has_folder else None
    chain = () if top is None else (Link(top, file),)
    tree = Resolver(folders, budget).resolve(tree, base_dirs, _display_dir(file), chain)
    return validate_tree(tree, file)


def load_mapping(
    data: Mapping[str, object],
    base_dir: StrPath | None = None,
    *,
    folders: AllowedFolders | None = None,
) -> Validated:
    """The validated scenario given as a Python mapping; errors name the file ``<dict>`` and no
    line (parts merged in from an ``extends`` file keep their file and line). A relative
    ``extends`` is resolved against ``base_dir``, by default the working directory (or with
    ``folders``, each of them in turn)."""
    budget = NodeBudget()
    tree = tree_of(data, budget)
    if base_dir is not None:
        base_dirs: tuple[Path, ...] = (Path(base_dir),)
    else:
        base_dirs = (Path.cwd(),) if folders is None else folders.roots
    tree = Resolver(folders, budget).resolve(tree, base_dirs, "", ())
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
    too_large = size_problems(spec)
    if too_large:  # before the rules: they build every partition set
        raise _collect(tree, too_large, file)
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
