"""A scenario given as Python data, copied into marked containers (with no marks) within the
bounds of :mod:`.limits`: nodes, depth and integer size; a mapping that contains itself is an
error. A problem is a :class:`ScenarioError` naming ``<dict>`` and the path, never a
``RecursionError`` or ``ValueError``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from assetfake.scenario.errors import ScenarioError
from assetfake.scenario.limits import (
    INT_CEILING,
    MAX_DEPTH,
    NodeBudget,
    integer_too_large,
    nested_too_deeply,
)
from assetfake.scenario.nodes import Location, MarkedDict, MarkedList, locate

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_SHARED = "a part found n times counts n times"


def tree_of(value: object, budget: NodeBudget | None = None) -> object:
    """A copy of ``value`` (mappings, lists, tuples, scalars) in marked containers, its nodes
    taken from ``budget``. Keys are kept as they are: the type check reports keys that are not
    strings. An object found twice is copied once (as YAML aliases are), and counted each time:
    the count is memoised, so a structure built from shared parts costs what its parts cost."""
    budget = NodeBudget() if budget is None else budget
    size = _Measure(budget.remaining).size(value, (), 1)
    if size > budget.remaining:
        raise _error((), budget.too_many(_SHARED))
    budget.spend(size)
    return _copy(value, {})


def _is_collection(value: object) -> bool:
    return isinstance(value, Mapping | list | tuple)


class _Measure:
    """Nodes with shared parts expanded (memoised per object), depth, and the scalars' bounds."""

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._sizes: dict[int, int] = {}
        self._heights: dict[int, int] = {}
        self._active: set[int] = set()

    def size(self, value: object, location: Location, depth: int) -> int:
        if not _is_collection(value):
            _check_scalar(value, location)
            return 1
        key = id(value)
        height = self._heights.get(key)
        if height is not None and depth + height - 1 <= MAX_DEPTH:
            return self._sizes[key]
        if key in self._active:
            raise _error(location, "the scenario contains itself")
        if depth > MAX_DEPTH:
            raise _error(location, nested_too_deeply())
        self._active.add(key)
        total, tallest = 1, 0
        for step, item in _entries(value, location):
            total += self.size(item, (*location, step), depth + 1)
            if _is_collection(item):
                tallest = max(tallest, self._heights.get(id(item), 1))
            if total > self._limit:
                break
        self._active.discard(key)
        self._sizes[key] = total
        self._heights[key] = tallest + 1
        return total


def _entries(value: object, location: Location) -> list[tuple[str | int, object]]:
    """The items of a collection with their path steps; a mapping's keys are checked (and
    counted: one node each, as a YAML mapping's keys are)."""
    if isinstance(value, Mapping):
        entries: list[tuple[str | int, object]] = []
        for key, item in value.items():
            _check_scalar(key, location)
            entries.append((_step(key), None))
            entries.append((_step(key), item))
        return entries
    if isinstance(value, list | tuple):
        return list(enumerate(value))
    return []


def _copy(value: object, copies: dict[int, object]) -> object:
    if not _is_collection(value):
        return value
    key = id(value)
    if key in copies:
        return copies[key]
    if isinstance(value, Mapping):
        result = MarkedDict()
        for name, item in value.items():
            result.put(name, _copy(item, copies), None, None)
        copies[key] = result
        return result
    items = MarkedList()
    if isinstance(value, list | tuple):
        for item in value:
            items.push(_copy(item, copies), None)
    copies[key] = items
    return items


def _check_scalar(value: object, location: Location) -> None:
    if isinstance(value, int) and not -INT_CEILING < value < INT_CEILING:
        raise _error(location, integer_too_large())
    if isinstance(value, str):
        lone = _LONE_SURROGATE.search(value)
        if lone is not None:
            message = f"a lone surrogate (\\u{ord(lone.group()):04x}) is not a character"
            raise _error(location, message)


def _step(key: object) -> str | int:
    return key if isinstance(key, str) else repr(key)


def _error(location: Location, message: str) -> ScenarioError:
    _, path = locate(None, location)
    return ScenarioError(message, path=path)
