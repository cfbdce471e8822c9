"""The type check of a scenario tree against the schema, reporting every problem at its path.

``msgspec.convert`` stops at the first problem and names dict entries only as ``[...]``; this
walk follows the schema's types itself, so that it can report every problem, name unknown keys
and the allowed ones, and point into mappings. Leaves (scalars, unions of scalars) are checked by
``msgspec.convert`` and its message is reworded.
"""

from __future__ import annotations

import difflib
import json
import math
import re
import types
from collections.abc import Mapping
from types import MappingProxyType
from typing import Annotated, Any, Literal, TypeGuard, Union, cast, get_args, get_origin

import msgspec

from assetfake.scenario.nodes import Location, Problem

_TYPE_WORDS: Mapping[str, str] = MappingProxyType(
    {
        "str": "a string",
        "int": "an integer",
        "float": "a number",
        "bool": "a boolean",
        "null": "null",
        "object": "a mapping",
        "array": "a list",
    }
)
_AT = re.compile(r"^(?P<message>.*?)(?: - at `\$(?P<path>[^`]*)`)?$", re.DOTALL)
_SEGMENT = re.compile(r"\.([^.\[]+)|\[(\d+)\]|\[\.\.\.\]")
_TYPE_IN_TICKS = re.compile(r"`([^`]+)`")
_WHOLE_FLOAT = re.compile(r"(?<![\d.])(\d+)\.0\b")
_JSON_SCALARS = (str, int, float, bool, type(None))


def check_types(value: object, schema: type[msgspec.Struct]) -> list[Problem]:
    """Every type problem of ``value`` (a tree of dicts, lists and scalars) against ``schema``."""
    checker = _Checker()
    checker.check(value, schema, ())
    return checker.problems


def problem_from_validation_error(exc: msgspec.ValidationError, value: object) -> Problem:
    """A :class:`Problem` for a ``msgspec.convert(value, ...)`` failure (a fallback)."""
    return _leaf_problem(str(exc), value, None, ())


class _Checker:
    """One walk: the problems found so far, and each struct's fields (resolved once)."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self._fields: dict[type[msgspec.Struct], dict[str, msgspec.structs.FieldInfo]] = {}

    def check(self, value: object, tp: object, location: Location) -> None:
        if isinstance(value, float) and not math.isfinite(value):
            self.problems.append(Problem(location, f"expected a finite number, got {value}"))
            return
        base, metas = _unwrap(tp)
        origin = get_origin(base)
        if _is_struct(base):
            if isinstance(value, dict):
                self.check_struct(value, base, location)
            else:
                self.leaf(value, tp, location)
        elif origin is Union or origin is types.UnionType:
            self.check_union(value, tp, get_args(base), location)
        elif origin is tuple or origin is list:
            if not isinstance(value, list):
                self.leaf(value, tp, location)
                return
            if metas:
                constraints: tuple[object, ...] = (tuple[Any, ...], *metas)
                self.leaf(value, cast(Any, Annotated)[constraints], location)
            item_type = get_args(base)[0]
            for index, item in enumerate(value):
                self.check(item, item_type, (*location, index))
        elif origin is dict:
            if not isinstance(value, dict):
                self.leaf(value, tp, location)
                return
            value_type = get_args(base)[1]
            for key, item in value.items():
                if isinstance(key, str):
                    self.check(item, value_type, (*location, key))
                else:
                    self.problems.append(
                        Problem(location, f"keys must be strings, got {_show(key)}")
                    )
        elif base is Any:
            _check_json(value, location, self.problems)
        else:
            self.leaf(value, tp, location)

    def check_union(
        self, value: object, tp: object, members: tuple[object, ...], location: Location
    ) -> None:
        if value is None and type(None) in members:
            return
        structs = [member for member in members if _is_struct(_unwrap(member)[0])]
        if isinstance(value, dict) and len(structs) == 1:
            self.check(value, structs[0], location)
        else:
            self.leaf(value, tp, location)

    def check_struct(
        self, value: dict[Any, object], schema: type[msgspec.Struct], location: Location
    ) -> None:
        fields = self._fields.get(schema)
        if fields is None:
            fields = {field.encode_name: field for field in msgspec.structs.fields(schema)}
            self._fields[schema] = fields
        for key in value:
            if key not in fields:
                message = _unknown_key(key, fields)
                self.problems.append(Problem((*location, str(key)), message, at_key=True))
        for name, field in fields.items():
            if field.required and name not in value:
                self.problems.append(Problem(location, f"missing required key {name!r}"))
        for name, field in fields.items():
            if name in value:
                self.check(value[name], field.type, (*location, name))

    def leaf(self, value: object, tp: object, location: Location) -> None:
        try:
            msgspec.convert(value, tp)
        except msgspec.ValidationError as exc:
            self.problems.append(_leaf_problem(str(exc), value, tp, location))


def _unknown_key(key: object, fields: Mapping[str, object]) -> str:
    message = f"unknown key {key!r}"
    if isinstance(key, str):
        close = difflib.get_close_matches(key, list(fields), n=1)
        if close:
            message += f" (did you mean {close[0]!r}?)"
    return f"{message}; allowed keys: {', '.join(fields)}"


def _check_json(value: object, location: Location, out: list[Problem]) -> None:
    """Any JSON value: what metadata and fault bodies may hold."""
    if isinstance(value, float) and not math.isfinite(value):
        out.append(Problem(location, f"expected a finite number, got {value}"))
    elif isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str):
                _check_json(item, (*location, key), out)
            else:
                out.append(Problem(location, f"keys must be strings, got {_show(key)}"))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_json(item, (*location, index), out)
    elif not isinstance(value, _JSON_SCALARS):
        out.append(
            Problem(
                location,
                "expected a JSON value (string, number, boolean, null, list or mapping), "
                f"got {type(value).__name__}",
            )
        )


def _leaf_problem(raw: str, value: object, tp: object, location: Location) -> Problem:
    matched = _AT.match(raw)
    message, sub = (matched.group("message"), matched.group("path") or "") if matched else (raw, "")
    steps: list[str | int] = []
    for segment in _SEGMENT.finditer(sub):
        if segment.group(0) == "[...]":
            break  # a mapping entry msgspec does not name: report at the mapping
        steps.append(segment.group(1) if segment.group(1) is not None else int(segment.group(2)))
    target = _at(value, steps)
    return Problem((*location, *steps), _reword(message, target, tp))


def _at(value: object, steps: list[str | int]) -> object:
    for step in steps:
        if isinstance(value, list) and isinstance(step, int) and step < len(value):
            value = value[step]
            continue
        if not (isinstance(value, dict) and step in value):
            return None
        value = value[step]
    return value


def _reword(message: str, value: object, tp: object) -> str:
    allowed = _literal_values(tp)
    if allowed and (message.startswith("Invalid enum value") or ", got " in message):
        shown = ", ".join(str(option) for option in allowed)
        expected = f"expected {shown}" if len(allowed) == 1 else f"expected one of {shown}"
        return f"{expected}; got {_show(value)}"
    if message.startswith("Object missing required field"):
        return _TYPE_IN_TICKS.sub(lambda m: repr(m.group(1)), message).replace(
            "Object missing required field", "missing required key"
        )
    text = _TYPE_IN_TICKS.sub(lambda m: _type_words(m.group(1)), message)
    text = _WHOLE_FLOAT.sub(r"\1", text)
    text = text[:1].lower() + text[1:]
    text = text.split(", got ")[0]
    text += f", got {_show(value)}"
    if "a string" in text.split(", got ")[0] and isinstance(value, int | float | bool):
        text += " (quote it to make it a string)"
    return text


def _type_words(spec: str) -> str:
    return " or ".join(_TYPE_WORDS.get(part.strip(), part.strip()) for part in spec.split("|"))


def _literal_values(tp: object) -> tuple[object, ...]:
    base, _ = _unwrap(tp)
    if get_origin(base) is Literal:
        return get_args(base)
    found: list[object] = []
    for member in get_args(base):
        found.extend(_literal_values(member))
    return tuple(found)


def _show(value: object) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, str) and len(value) > 40:
        return f"a string of {len(value)} characters"
    if isinstance(value, _JSON_SCALARS):
        return json.dumps(value)
    return type(value).__name__


def _unwrap(tp: object) -> tuple[object, tuple[object, ...]]:
    if get_origin(tp) is Annotated:
        base, *metas = get_args(tp)
        return base, tuple(metas)
    return tp, ()


def _is_struct(tp: object) -> TypeGuard[type[msgspec.Struct]]:
    return isinstance(tp, type) and issubclass(tp, msgspec.Struct)
