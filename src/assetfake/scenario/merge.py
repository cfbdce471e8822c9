"""``extends``: merging a scenario over its base.

- mappings merge key by key, this file winning;
- ``assets`` merge by ``key``: this file's entry replaces the base entry whole, in the base's
  position; new assets follow the base's;
- ``faults``, ``expect``, ``history.runs``, ``history.generate`` and ``auth.tokens`` concatenate,
  the base's first;
- anything else (scalars, other lists, a value of another type, ``null``): this file wins;
- ``name``, ``description`` and ``extends`` describe one file and are not inherited.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from assetfake.scenario.nodes import Location, MarkedDict, MarkedList

#: Lists that concatenate, the base's items first.
CONCATENATED: frozenset[Location] = frozenset(
    {("faults",), ("expect",), ("history", "runs"), ("history", "generate"), ("auth", "tokens")}
)

#: Lists whose items merge by the value of one key.
KEYED: Mapping[Location, str] = MappingProxyType({("assets",): "key"})

#: Top-level keys that describe one file and are not inherited from a base.
NOT_INHERITED: frozenset[str] = frozenset({"name", "description", "extends"})


def merge(base: object, override: object) -> object:
    """``override`` merged over ``base``. Neither is changed; marks are kept."""
    return _merge(base, override, ())


def _merge(base: object, override: object, location: Location) -> object:
    if isinstance(base, MarkedDict) and isinstance(override, MarkedDict):
        return _merge_mappings(base, override, location)
    if isinstance(base, MarkedList) and isinstance(override, MarkedList):
        if location in CONCATENATED:
            return _concatenate(base, override)
        if location in KEYED:
            return _merge_keyed(base, override, KEYED[location])
    return override


def _merge_mappings(base: MarkedDict, override: MarkedDict, location: Location) -> MarkedDict:
    result = MarkedDict(override.mark)
    for key in base:
        if not (location == () and key in NOT_INHERITED):
            result.put_from(base, key)
    for key in override:
        if key in result:
            merged = _merge(result[key], override[key], (*location, key))
            result.put(key, merged, override.key_marks.get(key), override.value_marks.get(key))
        else:
            result.put_from(override, key)
    return result


def _concatenate(base: MarkedList, override: MarkedList) -> MarkedList:
    result = MarkedList(override.mark)
    for source in (base, override):
        for position in range(len(source)):
            result.push_from(source, position)
    return result


def _merge_keyed(base: MarkedList, override: MarkedList, key: str) -> MarkedList:
    """Base items in order, each replaced by the first override item with the same key; the
    other override items after them (a key repeated within one file stays repeated, so that
    validation reports it)."""
    positions: dict[object, int] = {}
    for position, item in enumerate(base):
        if isinstance(item, dict) and _hashable(item.get(key)):
            positions.setdefault(item.get(key), position)
    replacement: dict[int, int] = {}
    appended: list[int] = []
    for position, item in enumerate(override):
        identity = item.get(key) if isinstance(item, dict) else None
        target = positions.get(identity) if _hashable(identity) else None
        if target is not None and target not in replacement:
            replacement[target] = position
        else:
            appended.append(position)
    result = MarkedList(override.mark)
    for position in range(len(base)):
        if position in replacement:
            result.push_from(override, replacement[position])
        else:
            result.push_from(base, position)
    for position in appended:
        result.push_from(override, position)
    return result


def _hashable(value: object) -> bool:
    return isinstance(value, str)
