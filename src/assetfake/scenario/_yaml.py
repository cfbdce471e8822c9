"""YAML text to marked containers, with a safe loader only.

Differences from PyYAML's ``safe_load``, all on purpose:

- no implicit timestamps: ``2024-01-05`` stays the string ``"2024-01-05"``;
- YAML 1.2 booleans: only ``true`` / ``false`` (any case form PyYAML knows) are booleans, so
  ``no``, ``on`` or ``yes`` stay strings (static partitions ``[no, se, dk]`` just work);
- mapping keys are always strings (``1: x`` has the key ``"1"``);
- a key written twice in one mapping is an error (``<<`` merge keys may be overridden);
- only plain mappings, sequences and scalars (string, integer, float, boolean, null): other tags
  (``!!binary``, ``!!set``, ``!!timestamp``, custom ``!tags``) are errors;
- alias expansion is bounded, and recursive aliases are errors.
"""

from __future__ import annotations

import re

import yaml

try:  # libyaml's parser is several times faster; the resolver and constructor stay Python's
    from yaml import CSafeLoader as _SafeLoader
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeLoader as _SafeLoader  # type: ignore[assignment]
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from assetfake.scenario.errors import ROOT_PATH, ScenarioError
from assetfake.scenario.nodes import Location, Mark, MarkedDict, MarkedList, locate

_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_MERGE_TAG = "tag:yaml.org,2002:merge"
_BOOL_TAG = "tag:yaml.org,2002:bool"
_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"

#: Upper bound on the number of nodes after alias expansion (guards against "billion laughs").
MAX_NODES = 1_000_000


class _Loader(_SafeLoader):
    """``SafeLoader`` without implicit timestamps and with YAML 1.2 booleans."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in (_TIMESTAMP_TAG, _BOOL_TAG)]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    _BOOL_TAG, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def parse_yaml(text: str, file: str) -> object:
    """The single document in ``text`` as marked containers (``None`` for an empty document).

    Raises :class:`ScenarioError` for syntax errors and for the rules in the module docstring.
    """
    try:
        loader = _Loader(text)
    except yaml.reader.ReaderError as exc:
        raise _reader_error(exc, text, file) from None
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        return _Builder(loader, file).build(node)
    except yaml.MarkedYAMLError as exc:
        raise _syntax_error(exc, file) from None
    except yaml.reader.ReaderError as exc:
        raise _reader_error(exc, text, file) from None
    except yaml.YAMLError as exc:
        raise ScenarioError(f"invalid YAML: {exc}", file=file) from None
    except RecursionError:
        raise ScenarioError("the document is nested too deeply", file=file) from None
    finally:
        loader.dispose()


def _reader_error(exc: yaml.reader.ReaderError, text: str, file: str) -> ScenarioError:
    line, column = _line_column(text, exc.position)
    message = f"invalid YAML: {exc.reason} (character #x{exc.character:04x})"
    return ScenarioError(message, file=file, line=line, column=column)


def _syntax_error(exc: yaml.MarkedYAMLError, file: str) -> ScenarioError:
    problem = exc.problem or "syntax error"
    message = f"invalid YAML: {problem}"
    if exc.context:
        context = exc.context
        if exc.context_mark is not None and exc.context_mark is not exc.problem_mark:
            context += f" at line {exc.context_mark.line + 1}, column {exc.context_mark.column + 1}"
        message += f" ({context})"
    mark = exc.problem_mark or exc.context_mark
    if mark is None:
        return ScenarioError(message, file=file)
    return ScenarioError(message, file=file, line=mark.line + 1, column=mark.column + 1)


def _line_column(text: str, position: int) -> tuple[int, int]:
    before = text[:position]
    line = before.count("\n") + 1
    return line, position - (before.rfind("\n") + 1) + 1


class _Builder:
    """Builds marked containers from composed nodes, collecting every problem it finds."""

    def __init__(self, loader: _Loader, file: str) -> None:
        self._loader = loader
        self._file = file
        self._built: dict[int, object] = {}
        self._sizes: dict[int, int] = {}
        self._active: set[int] = set()
        self._problems: list[tuple[Mark, Location, str]] = []
        self._total = 0

    def build(self, node: Node) -> object:
        self._check_size(node)
        result = self._node(node, ())
        if self._problems:
            errors = []
            for mark, location, message in self._problems:
                _, path = locate(None, location)
                errors.append(
                    ScenarioError(
                        message, file=mark.file, line=mark.line, column=mark.column, path=path
                    )
                )
            raise ScenarioError.collect(errors)
        return result

    def _mark(self, node: Node) -> Mark:
        return Mark(self._file, node.start_mark.line + 1, node.start_mark.column + 1)

    def _problem(self, node: Node, location: Location, message: str) -> None:
        self._problems.append((self._mark(node), location, message))

    def _check_size(self, node: Node) -> None:
        if self._size(node, set()) > MAX_NODES:
            raise ScenarioError(
                f"the document expands to more than {MAX_NODES} nodes (too many aliases?)",
                file=self._file,
                line=node.start_mark.line + 1,
                column=node.start_mark.column + 1,
                path=ROOT_PATH,
            )

    def _size(self, node: Node, active: set[int]) -> int:
        """Nodes after alias expansion, memoised per node; recursion is left to :meth:`_node`."""
        key = id(node)
        if key in self._sizes:
            return self._sizes[key]
        if key in active or isinstance(node, ScalarNode):
            return 1
        active.add(key)
        children: list[Node] = []
        if isinstance(node, SequenceNode):
            children = list(node.value)
        elif isinstance(node, MappingNode):
            children = [part for pair in node.value for part in pair]
        total = 1
        for child in children:
            total += self._size(child, active)
            if total > MAX_NODES:
                break
        active.discard(key)
        self._sizes[key] = total
        return total

    def _node(self, node: Node, location: Location) -> object:
        key = id(node)
        if key in self._built:
            return self._built[key]
        if key in self._active:
            self._problem(node, location, "recursive alias: a node cannot contain itself")
            return None
        self._active.add(key)
        try:
            if isinstance(node, MappingNode):
                result: object = self._mapping(node, location)
            elif isinstance(node, SequenceNode):
                result = self._sequence(node, location)
            else:
                result = self._scalar(node, location)
        finally:
            self._active.discard(key)
        self._built[key] = result
        return result

    def _scalar(self, node: Node, location: Location) -> object:
        value = self._loader.construct_object(node, deep=True)
        if value is None or isinstance(value, str | int | float | bool):
            return value
        self._problem(
            node,
            location,
            f"unsupported YAML value of type {type(value).__name__} (tag {node.tag}); "
            "use a string, number, boolean or null",
        )
        return None

    def _sequence(self, node: SequenceNode, location: Location) -> MarkedList:
        result = MarkedList(self._mark(node))
        if node.tag != _SEQ_TAG:
            self._problem(node, location, f"unsupported YAML tag {node.tag}; use a plain list")
            return result
        for index, item in enumerate(node.value):
            result.push(self._node(item, (*location, index)), self._mark(item))
        return result

    def _mapping(self, node: MappingNode, location: Location) -> MarkedDict:
        result = MarkedDict(self._mark(node))
        if node.tag != _MAP_TAG:
            self._problem(node, location, f"unsupported YAML tag {node.tag}; use a plain mapping")
            return result
        merged: list[MarkedDict] = []
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                merged.extend(self._merge_sources(value_node, location))
                continue
            if not isinstance(key_node, ScalarNode):
                self._problem(
                    key_node, location, "a mapping key must be a string, not a collection"
                )
                continue
            key = str(key_node.value)
            if key in result:
                first = result.key_marks[key]
                where = f" (first at line {first.line}, column {first.column})" if first else ""
                self._problem(key_node, (*location, key), f"duplicate key {key!r}{where}")
                continue
            value = self._node(value_node, (*location, key))
            result.put(key, value, self._mark(key_node), self._mark(value_node))
        for source in merged:
            for key in source:
                if key not in result:
                    result.put_from(source, key)
        return result

    def _merge_sources(self, node: Node, location: Location) -> list[MarkedDict]:
        """The mappings named by a ``<<`` key: one mapping or a list of them, first wins."""
        candidates = node.value if isinstance(node, SequenceNode) else [node]
        sources: list[MarkedDict] = []
        for candidate in candidates:
            built = self._node(candidate, location) if isinstance(candidate, MappingNode) else None
            if isinstance(built, MarkedDict):
                sources.append(built)
            else:
                self._problem(
                    candidate, location, "a << merge key needs a mapping or a list of them"
                )
        return sources
