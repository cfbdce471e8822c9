"""JSON text to marked containers, for a document that is JSON (RFC 8259).

YAML reads most JSON, but not all of it: it refuses the surrogate-pair escapes ``json.dumps``
writes for characters outside the Basic Multilingual Plane (``"\\ud83d\\ude00"``) and reads
``1e5`` as a string. A document that parses as JSON is therefore read here, as JSON, with the
same marks (line, column) and the same bounds as YAML (:mod:`.limits`); what is not JSON goes to
the YAML reader. Parsing keeps its own stack of open containers (recursion goes no deeper than
the depth bound) and stops at the first bound it meets.
"""

from __future__ import annotations

import bisect
import json
import re
from dataclasses import dataclass, field
from json.decoder import scanstring  # type: ignore[attr-defined]

from assetfake.scenario.errors import ScenarioError
from assetfake.scenario.limits import (
    INT_CEILING,
    MAX_DEPTH,
    MAX_INT_DIGITS,
    NodeBudget,
    integer_too_large,
    nested_too_deeply,
)
from assetfake.scenario.nodes import Location, Mark, MarkedDict, MarkedList, locate

_SPACE = re.compile(r"[ \t\n\r]*")
_NUMBER = re.compile(r"(-?(?:0|[1-9][0-9]*))(\.[0-9]+)?([eE][-+]?[0-9]+)?")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_LITERALS: dict[str, object] = {"true": True, "false": False, "null": None}


class NotJSON(Exception):
    """The text is not a JSON document (the caller reads it as YAML)."""


@dataclass
class _Frame:
    """A container being filled: its location, and for a mapping the key being read."""

    container: MarkedDict | MarkedList
    location: Location
    key: str | None = None
    key_mark: Mark | None = None
    seen: dict[str, Mark] = field(default_factory=dict)


class _Reader:
    def __init__(self, text: str, file: str, budget: NodeBudget) -> None:
        self.text = text
        self.file = file
        self.budget = budget
        self.nodes = 0
        self.stack: list[_Frame] = []
        self._lines: list[int] | None = None  # where each line after the first starts

    def mark(self, position: int) -> Mark:
        if self._lines is None:
            self._lines = [match.end() for match in re.finditer("\n", self.text)]
        line = bisect.bisect_right(self._lines, position)
        start = self._lines[line - 1] if line else 0
        return Mark(self.file, line + 1, position - start + 1)

    def fail(self, position: int, message: str, location: Location) -> ScenarioError:
        mark = self.mark(position)
        _, path = locate(None, location)
        return ScenarioError(message, file=self.file, line=mark.line, column=mark.column, path=path)

    def skip(self, position: int) -> int:
        match = _SPACE.match(self.text, position)
        return position if match is None else match.end()

    def count(self, position: int, location: Location) -> None:
        self.nodes += 1
        if self.nodes > self.budget.remaining:
            raise self.fail(position, self.budget.too_many(), location)


def parse_json(text: str, file: str, budget: NodeBudget | None = None) -> object:
    """The JSON document in ``text`` as marked containers, its nodes taken from ``budget``.

    Raises :class:`NotJSON` when ``text`` is not JSON, and a located :class:`ScenarioError`
    when it is JSON over a bound (or holds a duplicate key or a lone surrogate).
    """
    reader = _Reader(text, file, NodeBudget() if budget is None else budget)
    position = reader.skip(1 if text.startswith("\ufeff") else 0)
    root, position = _value(reader, position, ())
    while reader.stack:
        position = _continue(reader, reader.skip(position))
    if reader.skip(position) != len(text):
        raise NotJSON
    reader.budget.spend(reader.nodes)
    return _finish(reader, root)


def _finish(reader: _Reader, root: object) -> object:
    if isinstance(root, _Frame):
        return root.container
    return root


def _value(reader: _Reader, position: int, location: Location) -> tuple[object, int]:
    """The value starting at ``position`` (a :class:`_Frame` pushed for a container)."""
    text = reader.text
    if position >= len(text):
        raise NotJSON
    reader.count(position, location)
    char = text[position]
    if char in "{[":
        if len(reader.stack) >= MAX_DEPTH:
            raise reader.fail(position, nested_too_deeply(), location)
        mark = reader.mark(position)
        container = MarkedDict(mark) if char == "{" else MarkedList(mark)
        frame = _Frame(container, location)
        reader.stack.append(frame)
        return frame, _open(reader, reader.skip(position + 1), char)
    if char == '"':
        return _string(reader, position, location)
    for literal, value in _LITERALS.items():
        if text.startswith(literal, position):
            return value, position + len(literal)
    return _number(reader, position, location)


def _open(reader: _Reader, position: int, char: str) -> int:
    """After ``{`` or ``[``: an empty container is closed at once; else the first entry."""
    text = reader.text
    closing = "}" if char == "{" else "]"
    if text.startswith(closing, position):
        reader.stack.pop()
        return position + 1
    if char == "{":
        return _key(reader, position)
    return _item(reader, position)


def _continue(reader: _Reader, position: int) -> int:
    """After an entry of the innermost container: ``,`` and the next entry, or its end."""
    frame = reader.stack[-1]
    text = reader.text
    is_mapping = isinstance(frame.container, MarkedDict)
    if text.startswith("}" if is_mapping else "]", position):
        reader.stack.pop()
        return position + 1
    if not text.startswith(",", position):
        raise NotJSON
    position = reader.skip(position + 1)
    return _key(reader, position) if is_mapping else _item(reader, position)


def _item(reader: _Reader, position: int) -> int:
    frame = reader.stack[-1]
    items = frame.container
    if not isinstance(items, MarkedList):  # pragma: no cover - only lists get here
        raise NotJSON
    location = (*frame.location, len(items))
    value, end = _value(reader, position, location)
    items.push(_settled(value), reader.mark(position))
    return end


def _key(reader: _Reader, position: int) -> int:
    frame = reader.stack[-1]
    if not reader.text.startswith('"', position):
        raise NotJSON
    key, end = _string(reader, position, frame.location)
    key_mark = reader.mark(position)
    end = reader.skip(end)
    if not reader.text.startswith(":", end):
        raise NotJSON
    start = reader.skip(end + 1)
    location = (*frame.location, key)
    first = frame.seen.get(key)
    if first is not None:
        where = f" (first at line {first.line}, column {first.column})"
        raise reader.fail(position, f"duplicate key {key!r}{where}", location)
    frame.seen[key] = key_mark
    reader.count(position, location)
    value, end = _value(reader, start, location)
    mapping = frame.container
    if isinstance(mapping, MarkedDict):
        mapping.put(key, _settled(value), key_mark, reader.mark(start))
    return end


def _settled(value: object) -> object:
    """A container's value as it is stored: the container a frame fills, or the scalar."""
    return value.container if isinstance(value, _Frame) else value


def _string(reader: _Reader, position: int, location: Location) -> tuple[str, int]:
    try:
        value, end = scanstring(reader.text, position + 1, True)
    except json.JSONDecodeError:
        raise NotJSON from None
    lone = _LONE_SURROGATE.search(value)
    if lone is not None:
        message = f"a lone surrogate (\\u{ord(lone.group()):04x}) is not a character"
        raise reader.fail(position, message, location)
    return value, end


def _number(reader: _Reader, position: int, location: Location) -> tuple[object, int]:
    match = _NUMBER.match(reader.text, position)
    if match is None:
        raise NotJSON
    whole, fraction, exponent = match.groups()
    if fraction or exponent:
        return float(match.group()), match.end()
    value = int(whole) if len(whole.lstrip("-")) <= MAX_INT_DIGITS else INT_CEILING
    if not -INT_CEILING < value < INT_CEILING:
        raise reader.fail(position, integer_too_large(), location)
    return value, match.end()
