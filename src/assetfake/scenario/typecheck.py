"""The type check of a scenario tree against the schema, reporting every problem at its path.

The check reads the schema's own type information — each struct's fields
(``msgspec.structs.fields``), unions, literals, containers, and the bounds that
``Annotated[..., msgspec.Meta(...)]`` states — and walks the tree beside it. So it reports every
problem (``msgspec.convert`` stops at the first), names unknown keys and the allowed ones, and
points into mappings. Its messages are written from the type that was expected and the value
that was found; no text of msgspec is read. It accepts what ``msgspec.convert`` accepts for these
types (an integer where a number is expected, never a boolean for a number), so the conversion
that follows a clean check cannot fail.
"""

from __future__ import annotations

import difflib
import json
import math
import operator
import re
import types
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Annotated, Literal, TypeGuard, Union, get_args, get_origin

import msgspec

from assetfake.scenario.nodes import Location, Problem

_JSON_SCALARS = (str, int, float, bool, type(None))
_WORDS: Mapping[object, str] = MappingProxyType(
    {
        str: "a string",
        int: "an integer",
        float: "a number",
        bool: "a boolean",
        type(None): "null",
    }
)


#: Each struct's fields by their names in the file, resolved once per process (resolving reads
#: and evaluates the class's annotations: about 0.1 ms a struct, on every load before).
_FIELDS: dict[type[msgspec.Struct], dict[str, msgspec.structs.FieldInfo]] = {}


def _fields_of(schema: type[msgspec.Struct]) -> dict[str, msgspec.structs.FieldInfo]:
    fields = _FIELDS.get(schema)
    if fields is None:  # two threads may both resolve it: the same value, either one kept
        fields = {field.encode_name: field for field in msgspec.structs.fields(schema)}
        _FIELDS[schema] = fields
    return fields


def check_types(value: object, schema: type[msgspec.Struct]) -> list[Problem]:
    """Every type problem of ``value`` (a tree of dicts, lists and scalars) against ``schema``."""
    checker = _Checker()
    checker.check(value, schema, ())
    return checker.problems


class _Checker:
    """One walk: the problems found so far."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def report(self, location: Location, message: str) -> None:
        self.problems.append(Problem(location, message))

    def check(self, value: object, tp: object, location: Location) -> None:
        if isinstance(value, float) and not math.isfinite(value):
            self.report(location, f"expected a finite number, got {value}")
            return
        base, metas = _unwrap(tp)
        if base is object:
            _check_json(value, location, self.problems)
        elif _is_union(base):
            self.check_union(value, get_args(base), location)
        elif get_origin(base) is Literal:
            if not _fits(base, value):
                self.report(location, _not_one_of(get_args(base), value))
        elif not _fits(base, value):
            self.report(location, _mismatch(_expected(base), value))
        elif _is_struct(base) and isinstance(value, dict):
            self.check_struct(value, base, location)
        elif isinstance(value, list):
            self.check_items(value, base, metas, location)
        elif isinstance(value, dict):
            self.check_entries(value, get_args(base)[1], location)
        else:
            broken = _broken_bound(value, metas)
            if broken:
                self.report(location, _mismatch(f"{_expected(base)}{broken}", value))

    def check_union(self, value: object, members: tuple[object, ...], location: Location) -> None:
        for member in members:
            if _fits(_unwrap(member)[0], value):
                self.check(value, member, location)
                return
        bases = [_unwrap(member)[0] for member in members]
        named = [base for base in bases if base is not type(None)]
        if named and all(get_origin(base) is Literal for base in named):
            allowed = tuple(option for base in named for option in get_args(base))
            self.report(location, _not_one_of(allowed, value))
            return
        self.report(location, _mismatch(" or ".join(_expected(base) for base in bases), value))

    def check_struct(
        self, value: dict[object, object], schema: type[msgspec.Struct], location: Location
    ) -> None:
        fields = _fields_of(schema)
        for key in value:
            if key not in fields:
                message = _unknown_key(key, fields)
                self.problems.append(Problem((*location, str(key)), message, at_key=True))
        for name, field in fields.items():
            if field.required and name not in value:
                self.report(location, f"missing required key {name!r}")
        for name, field in fields.items():
            if name in value:
                self.check(value[name], field.type, (*location, name))

    def check_items(
        self, value: list[object], base: object, metas: tuple[object, ...], location: Location
    ) -> None:
        broken = _broken_bound(value, metas)
        if broken:
            self.report(location, _mismatch(f"a list{broken}", value))
        item_type = get_args(base)[0]
        for index, item in enumerate(value):
            self.check(item, item_type, (*location, index))

    def check_entries(
        self, value: dict[object, object], value_type: object, location: Location
    ) -> None:
        for key, item in value.items():
            if isinstance(key, str):
                self.check(item, value_type, (*location, key))
            else:
                self.report(location, f"keys must be strings, got {_show(key)}")


# --- what a type accepts, and how a message names it -------------------------------------------


def _fits(base: object, value: object) -> bool:
    """Whether ``value`` has the shape of ``base`` (its bounds apart)."""
    origin = get_origin(base)
    if base is object or _is_union(base):
        return True
    if _is_struct(base) or origin is dict:
        return isinstance(value, dict)
    if origin is tuple or origin is list:
        return isinstance(value, list)
    if origin is Literal:
        return any(type(value) is type(option) and value == option for option in get_args(base))
    if base is float:
        return isinstance(value, float) or (isinstance(value, int) and _fits_float(value))
    if base is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if base is type(None):
        return value is None
    return isinstance(base, type) and type(value) is base


def _fits_float(value: int) -> bool:
    if isinstance(value, bool):
        return False
    try:
        float(value)
    except OverflowError:
        return False
    return True


def _expected(base: object) -> str:
    """How a message names what ``base`` accepts: "an integer", "a mapping", "one of a, b"."""
    origin = get_origin(base)
    if _is_struct(base) or origin is dict:
        return "a mapping"
    if origin is tuple or origin is list:
        return "a list"
    if origin is Literal:
        return _one_of(get_args(base))
    return _WORDS.get(base, getattr(base, "__name__", str(base)))


def _one_of(allowed: Sequence[object]) -> str:
    shown = ", ".join(str(option) for option in allowed)
    return shown if len(allowed) == 1 else f"one of {shown}"


def _not_one_of(allowed: Sequence[object], value: object) -> str:
    return f"expected {_one_of(allowed)}; got {_show(value)}"


def _mismatch(expected: str, value: object) -> str:
    message = f"expected {expected}, got {_show(value)}"
    if "a string" in expected and isinstance(value, int | float | bool):
        message += " (quote it to make it a string)"
    return message


def _broken_bound(value: object, metas: tuple[object, ...]) -> str:
    """The first bound of ``metas`` that ``value`` breaks, as a message says it (" >= 0",
    " of length <= 255"); empty when it keeps them all."""
    for meta in metas:
        if not isinstance(meta, msgspec.Meta):
            continue
        if isinstance(value, int | float) and not isinstance(value, bool):
            broken = _broken_number_bound(value, meta)
        elif isinstance(value, str | list | dict):
            broken = _broken_size_bound(value, meta)
        else:
            broken = ""
        if broken:
            return broken
    return ""


def _broken_number_bound(value: float, meta: msgspec.Meta) -> str:
    checks = (
        (meta.gt, ">", operator.gt),
        (meta.ge, ">=", operator.ge),
        (meta.lt, "<", operator.lt),
        (meta.le, "<=", operator.le),
    )
    for bound, sign, holds in checks:
        if bound is not None and not holds(value, bound):
            return f" {sign} {_number(bound)}"
    if meta.multiple_of is not None and value % meta.multiple_of:
        return f" that is a multiple of {_number(meta.multiple_of)}"
    return ""


def _broken_size_bound(value: str | list[object] | dict[object, object], meta: msgspec.Meta) -> str:
    if meta.min_length is not None and len(value) < meta.min_length:
        return f" of length >= {meta.min_length}"
    if meta.max_length is not None and len(value) > meta.max_length:
        return f" of length <= {meta.max_length}"
    if meta.pattern is not None and isinstance(value, str) and not re.search(meta.pattern, value):
        return f" matching {meta.pattern!r}"
    return ""


def _number(bound: float) -> str:
    return str(int(bound)) if float(bound).is_integer() else repr(bound)


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


def _is_union(tp: object) -> bool:
    origin = get_origin(tp)
    return origin is Union or origin is types.UnionType


def _is_struct(tp: object) -> TypeGuard[type[msgspec.Struct]]:
    return isinstance(tp, type) and issubclass(tp, msgspec.Struct)
