"""YAML text to marked containers, with a safe loader only.

Differences from PyYAML's ``safe_load``, all on purpose:

- no implicit timestamps: ``2024-01-05`` stays the string ``"2024-01-05"``;
- YAML 1.2 booleans: only ``true`` / ``false`` (any case form PyYAML knows) are booleans, so
  ``no``, ``on`` or ``yes`` stay strings (static partitions ``[no, se, dk]`` just work);
- mapping keys are always strings (``1: x`` has the key ``"1"``);
- a key written twice in one mapping is an error (``<<`` merge keys may be overridden);
- only plain mappings, sequences and scalars (string, integer, float, boolean, null): other tags
  (``!!binary``, ``!!set``, ``!!timestamp``, ``!!python/...``, custom ``!tags``) are errors;
- the bounds of :mod:`.limits`: nodes after alias expansion (counted on the composed graph, so
  an alias bomb is refused before it is expanded), nesting depth, integer digits; recursive
  aliases are errors.
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
from assetfake.scenario.limits import (
    INT_CEILING,
    MAX_DEPTH,
    MAX_INT_DIGITS,
    NodeBudget,
    integer_too_large,
    nested_too_deeply,
)
from assetfake.scenario.nodes import Location, Mark, MarkedDict, MarkedList, locate

_YAML = "tag:yaml.org,2002:"
_MAP_TAG = _YAML + "map"
_SEQ_TAG = _YAML + "seq"
_STR_TAG = _YAML + "str"
_INT_TAG = _YAML + "int"
_MERGE_TAG = _YAML + "merge"
_BOOL_TAG = _YAML + "bool"
_TIMESTAMP_TAG = _YAML + "timestamp"
#: Scalar tags the safe constructor builds; any other tag is refused without constructing it.
#: An integer in plain decimal (other forms go through the constructor: ``0x1F``, ``1_000``,
#: YAML 1.1's octal ``017`` and sexagesimal ``1:30``).
_DECIMAL = re.compile(r"-?(?:0|[1-9][0-9]*)\Z")
_SCALAR_TAGS = frozenset(_YAML + name for name in ("null", "bool", "float", "binary", "timestamp"))


class _Loader(_SafeLoader):
    """``SafeLoader`` without implicit timestamps and with YAML 1.2 booleans."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in (_TIMESTAMP_TAG, _BOOL_TAG)]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    _BOOL_TAG, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def parse_yaml(text: str, file: str, budget: NodeBudget | None = None) -> object:
    """The single document in ``text`` as marked containers (``None`` for an empty document).

    Raises :class:`ScenarioError`, located, for syntax errors and for the rules in the module
    docstring. ``budget`` is what is left of the node bound (a fresh one by default); the
    document's nodes are taken from it.
    """
    budget = NodeBudget() if budget is None else budget
    try:
        loader = _Loader(text)
    except yaml.reader.ReaderError as exc:
        raise _reader_error(exc, text, file) from None
    except UnicodeEncodeError as exc:  # a lone surrogate in a Python string
        raise _surrogate_error(exc, text, file) from None
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        return _Builder(loader, file, budget).build(node)
    except yaml.MarkedYAMLError as exc:
        raise _syntax_error(exc, file) from None
    except yaml.reader.ReaderError as exc:
        raise _reader_error(exc, text, file) from None
    except yaml.YAMLError as exc:
        raise ScenarioError(f"invalid YAML: {exc}", file=file, line=1, column=1) from None
    except RecursionError:  # pragma: no cover - libyaml caps nesting at 1000 levels
        raise ScenarioError(nested_too_deeply(), file=file, line=1, column=1) from None
    finally:
        loader.dispose()


def _reader_error(exc: yaml.reader.ReaderError, text: str, file: str) -> ScenarioError:
    line, column = line_column(text, exc.position)
    message = f"invalid YAML: {exc.reason} (character #x{exc.character:04x})"
    return ScenarioError(message, file=file, line=line, column=column)


def _surrogate_error(exc: UnicodeEncodeError, text: str, file: str) -> ScenarioError:
    line, column = line_column(text, exc.start)
    message = f"a lone surrogate (\\u{ord(text[exc.start]):04x}) is not a character"
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
        return ScenarioError(message, file=file, line=1, column=1)
    return ScenarioError(message, file=file, line=mark.line + 1, column=mark.column + 1)


def line_column(text: str, position: int) -> tuple[int, int]:
    """The 1-based line and column of the character at ``position`` in ``text``."""
    before = text[:position]
    line = before.count("\n") + 1
    return line, position - (before.rfind("\n") + 1) + 1


class _Builder:
    """Builds marked containers from composed nodes, collecting every problem it finds."""

    def __init__(self, loader: _Loader, file: str, budget: NodeBudget) -> None:
        self._loader = loader
        self._file = file
        self._budget = budget
        self._built: dict[int, object] = {}
        self._active: set[int] = set()
        self._problems: list[tuple[Mark, Location, str]] = []
        self._measure = _Measure(file, budget.remaining)

    def build(self, node: Node) -> object:
        size = self._measure.size(node)
        if size > self._budget.remaining:
            raise ScenarioError(
                self._budget.too_many(),
                file=self._file,
                line=node.start_mark.line + 1,
                column=node.start_mark.column + 1,
                path=ROOT_PATH,
            )
        self._budget.spend(size)
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

    def _node(self, node: Node, location: Location) -> object:
        if isinstance(node, ScalarNode):
            return self._scalar(node, location)
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
            else:  # pragma: no cover - the composer builds only these three
                result = None
        finally:
            self._active.discard(key)
        self._built[key] = result
        return result

    def _scalar(self, node: ScalarNode, location: Location) -> object:
        tag = node.tag
        if tag == _STR_TAG:
            return node.value
        if tag == _INT_TAG:
            return self._integer(node, location)
        if tag not in _SCALAR_TAGS:
            self._problem(
                node, location, f"unsupported YAML tag {tag}; use a string, number, boolean or null"
            )
            return None
        try:
            value = self._loader.construct_object(node, deep=True)
        except yaml.MarkedYAMLError:
            raise
        except (ValueError, KeyError, IndexError, TypeError, AttributeError):
            self._problem(node, location, f"cannot read {_shown(node.value)} as {tag}")
            return None
        if value is None or isinstance(value, str | int | float | bool):
            return value
        self._problem(
            node,
            location,
            f"unsupported YAML value of type {type(value).__name__} (tag {tag}); "
            "use a string, number, boolean or null",
        )
        return None

    def _integer(self, node: ScalarNode, location: Location) -> int | None:
        text = str(node.value)
        if _DECIMAL.match(text) and len(text) <= MAX_INT_DIGITS:
            return int(text)
        digits = text.replace("_", "").lstrip("+-")
        prefix = 2 if digits[:2] in ("0x", "0b", "0o") else 0
        value: object = None
        if len(digits) <= MAX_INT_DIGITS + prefix:
            try:
                value = self._loader.construct_object(node, deep=True)
            except (ValueError, KeyError, IndexError, TypeError):
                self._problem(node, location, f"cannot read {_shown(text)} as an integer")
                return None
        if isinstance(value, int) and -INT_CEILING < value < INT_CEILING:
            return value
        self._problem(node, location, integer_too_large())
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


class _Measure:
    """Nodes after alias expansion, memoised per composed node (so that a bomb costs what its
    text costs), and nesting depth, with aliases followed: a located error past
    :data:`~assetfake.scenario.limits.MAX_DEPTH`."""

    def __init__(self, file: str, limit: int) -> None:
        self._file = file
        self._limit = limit
        self._sizes: dict[int, int] = {}
        self._heights: dict[int, int] = {}
        self._active: set[int] = set()
        self._trail: list[str | int] = []

    def size(self, node: Node) -> int:
        return 1 if isinstance(node, ScalarNode) else self._size(node, 1)

    def _size(self, node: Node, depth: int) -> int:
        key = id(node)
        height = self._heights.get(key)
        if height is not None and depth + height - 1 <= MAX_DEPTH:
            return self._sizes[key]
        if key in self._active:
            return 1  # a recursive alias: the builder reports it
        if depth > MAX_DEPTH:
            raise self._too_deep(node)
        self._active.add(key)
        total, tallest = 1, 0
        for step, child in _children(node):
            self._trail.append(step)
            total += self._size(child, depth + 1)
            self._trail.pop()
            tallest = max(tallest, self._heights.get(id(child), 1))
            if total > self._limit:
                break
        total += _scalars(node)
        self._active.discard(key)
        self._sizes[key] = total
        self._heights[key] = tallest + 1
        return total

    def _too_deep(self, node: Node) -> ScenarioError:
        _, path = locate(None, tuple(self._trail))
        return ScenarioError(
            nested_too_deeply(),
            file=self._file,
            line=node.start_mark.line + 1,
            column=node.start_mark.column + 1,
            path=path,
        )


def _children(node: Node) -> list[tuple[str | int, Node]]:
    """The collections in ``node`` (its scalars are counted by :func:`_scalars`)."""
    children: list[tuple[str | int, Node]] = []
    if isinstance(node, SequenceNode):
        for index, item in enumerate(node.value):
            if not isinstance(item, ScalarNode):
                children.append((index, item))
    elif isinstance(node, MappingNode):
        for key, value in node.value:
            step = str(key.value) if isinstance(key, ScalarNode) else "?"
            children.extend(
                (step, part) for part in (key, value) if not isinstance(part, ScalarNode)
            )
    return children


def _scalars(node: Node) -> int:
    """How many scalars ``node`` holds directly (keys included)."""
    if isinstance(node, SequenceNode):
        return sum(isinstance(item, ScalarNode) for item in node.value)
    if isinstance(node, MappingNode):
        return sum(isinstance(part, ScalarNode) for pair in node.value for part in pair)
    return 0


def _shown(text: object) -> str:
    shown = repr(str(text))
    return shown if len(shown) <= 40 else shown[:37] + "..."
