"""Containers that remember where each key and item came from, and paths into them.

The YAML loader builds :class:`MarkedDict` and :class:`MarkedList` trees; a scenario given as a
Python mapping is copied into the same containers with no marks. Merging (``extends``) keeps each
node's own marks, so a problem is always reported in the file it is written in.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass

from assetfake.scenario.errors import DICT_FILE, ROOT_PATH, ScenarioError

#: A path into a scenario: mapping keys and list indices, outermost first.
Location = tuple[str | int, ...]

_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


@dataclass(frozen=True, slots=True)
class Problem:
    """A problem found at ``location``; with ``at_key`` it is reported at the mapping key.

    ``{related}`` in the message is replaced by where ``related`` is written (``line 3,
    column 5``, with the file if it is another one, or the path for a mapping's nodes).
    """

    location: Location
    message: str
    at_key: bool = False
    related: Location | None = None


@dataclass(frozen=True, slots=True)
class Mark:
    """A position in a file; ``line`` and ``column`` are 1-based."""

    file: str
    line: int
    column: int


class MarkedDict(dict[str, object]):
    """A mapping that knows where it, each of its keys and each of its values start."""

    __slots__ = ("key_marks", "mark", "value_marks")

    def __init__(self, mark: Mark | None = None) -> None:
        super().__init__()
        self.mark = mark
        self.key_marks: dict[str, Mark | None] = {}
        self.value_marks: dict[str, Mark | None] = {}

    def put(self, key: str, value: object, key_mark: Mark | None, value_mark: Mark | None) -> None:
        self[key] = value
        self.key_marks[key] = key_mark
        self.value_marks[key] = value_mark

    def put_from(self, other: MarkedDict, key: str) -> None:
        """Copy one entry of ``other``, marks included."""
        self.put(key, other[key], other.key_marks.get(key), other.value_marks.get(key))


class MarkedList(list[object]):
    """A list that knows where it and each item start, and each item's index in its own file
    (lists concatenated by ``extends`` keep the index the item has where it is written)."""

    __slots__ = ("item_index", "item_marks", "mark")

    def __init__(self, mark: Mark | None = None) -> None:
        super().__init__()
        self.mark = mark
        self.item_marks: list[Mark | None] = []
        self.item_index: list[int] = []

    def push(self, value: object, item_mark: Mark | None, index: int | None = None) -> None:
        self.item_index.append(len(self) if index is None else index)
        self.append(value)
        self.item_marks.append(item_mark)

    def push_from(self, other: MarkedList, position: int) -> None:
        """Copy one item of ``other``, its mark and its own index included."""
        self.push(other[position], other.item_marks[position], other.item_index[position])


def from_python(value: object) -> object:
    """A copy of a Python scenario (mappings, lists, tuples, scalars) in marked containers with
    no marks. Keys are kept as they are: the type check reports keys that are not strings."""
    try:
        return _copy(value)
    except RecursionError:
        raise ScenarioError("the scenario is nested too deeply (or contains itself)") from None


def _copy(value: object) -> object:
    if isinstance(value, Mapping):
        result = MarkedDict()
        for key, item in value.items():
            result.put(key, _copy(item), None, None)
        return result
    if isinstance(value, list | tuple):
        items = MarkedList()
        for item in value:
            items.push(_copy(item), None)
        return items
    return value


def to_plain(value: object) -> object:
    """A deep copy in builtin ``dict`` and ``list`` (what ``msgspec.convert`` gets)."""
    if isinstance(value, dict):
        return {key: to_plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [to_plain(item) for item in value]
    return value


def locate(root: object, location: Location, *, at_key: bool = False) -> tuple[Mark | None, str]:
    """The mark of the deepest node of ``location`` that exists, and the path written as the
    user reads it (``faults[2].match.call``; list indices as in the file the item is written in).

    With ``at_key``, the last step points at the mapping key rather than its value. A node that
    came from a Python mapping has no mark: the result's mark is then ``None``.
    """
    node: object = root
    mark = root.mark if isinstance(root, MarkedDict | MarkedList) else None
    parts: list[str] = []
    last = len(location) - 1
    for step, segment in enumerate(location):
        if isinstance(segment, int):
            index = segment
            if isinstance(node, MarkedList) and 0 <= segment < len(node):
                index = node.item_index[segment]
                mark = node.item_marks[segment]
                node = node[segment]
            else:
                node = None
            parts.append(f"[{index}]")
            continue
        parts.append(_key_part(segment, first=not parts))
        if isinstance(node, MarkedDict) and segment in node:
            marks = node.key_marks if (at_key and step == last) else node.value_marks
            mark = marks.get(segment)
            node = node[segment]
        else:
            node = None
    return mark, "".join(parts) or ROOT_PATH


def _key_part(key: str, *, first: bool) -> str:
    if _PLAIN_KEY.match(key):
        return key if first else f".{key}"
    return f"[{json.dumps(key)}]"


def error_at(root: object, problem: Problem) -> ScenarioError:
    """A :class:`ScenarioError` for ``problem`` in ``root``, at its mark if it has one."""
    mark, path = locate(root, problem.location, at_key=problem.at_key)
    message = problem.message
    if problem.related is not None:
        related_mark, related_path = locate(root, problem.related)
        if related_mark is None:
            where = related_path
        else:
            where = f"line {related_mark.line}, column {related_mark.column}"
            if mark is None or related_mark.file != mark.file:
                where = f"{related_mark.file}:{related_mark.line}:{related_mark.column}"
        message = message.replace("{related}", where)
    if mark is None:
        return ScenarioError(message, file=DICT_FILE, path=path)
    return ScenarioError(message, file=mark.file, line=mark.line, column=mark.column, path=path)
