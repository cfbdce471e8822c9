"""Request shape: query parameters and JSON bodies, checked before anything touches the state.

Every problem here is a 400 with a stable ``code``; nothing a client sends raises anything else.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from urllib.parse import parse_qsl

import msgspec

from assetfake.domain.selection import PartitionSelection
from assetfake.domain.status import ALL_STATUSES, RunStatus
from assetfake.http.problems import HTTPProblem
from assetfake.operations import OPERATIONS, Body, Operation

MAX_IDEMPOTENCY_KEY = 255


@dataclass(frozen=True, slots=True)
class ListQuery:
    max_results: int | None = None
    page_token: str | None = None
    status: RunStatus | None = None


@dataclass(frozen=True, slots=True)
class TriggerBody:
    partition_key: str | None = None
    tags: dict[str, str] | None = None


@dataclass(frozen=True, slots=True)
class BackfillBody:
    selection: PartitionSelection
    title: str | None = None
    tags: dict[str, str] | None = None


def bad(code: str, detail: str) -> HTTPProblem:
    return HTTPProblem(400, code, detail)


def parse_query(operation: Operation, query_string: str) -> ListQuery:
    """The list parameters; parameters the operation does not take are refused (they are
    usually a client typo)."""
    return _parsed(operation.operation_id, query_string)


@functools.lru_cache(maxsize=4096)  # a pure function of the operation and the query string
def _parsed(operation_id: str, query_string: str) -> ListQuery:
    return _parse_query(OPERATIONS[operation_id], query_string)


def _parse_query(operation: Operation, query_string: str) -> ListQuery:
    allowed = operation.query
    try:
        pairs = parse_qsl(
            query_string, keep_blank_values=True, strict_parsing=False, errors="strict"
        )
    except UnicodeDecodeError:
        raise bad("invalid_query", "the query string is not valid UTF-8") from None
    seen: dict[str, str] = {}
    for name, value in pairs:
        if name not in allowed:
            known = ", ".join(sorted(allowed)) or "none"
            raise bad(
                "unknown_parameter",
                f"unknown query parameter '{name}'; this operation takes: {known}",
            )
        if name in seen:
            raise bad("invalid_parameter", f"query parameter '{name}' is given more than once")
        seen[name] = value
    return ListQuery(
        max_results=_max_results(seen["max_results"]) if "max_results" in seen else None,
        page_token=_page_token(seen["page_token"]) if "page_token" in seen else None,
        status=_status(seen["status"]) if "status" in seen else None,
    )


def _max_results(value: str) -> int:
    if not value.isascii() or not value.isdigit():
        raise bad(
            "invalid_max_results",
            f"max_results must be a positive integer in decimal digits, got {value!r}",
        )
    # More digits than any page size: clamp without int() (which refuses > 4300 digits).
    number = int(value) if len(value) <= 18 else 10**18
    if number < 1:
        raise bad("invalid_max_results", f"max_results must be at least 1, got {value!r}")
    return number


def _page_token(value: str) -> str:
    if not value:
        raise bad("invalid_page_token", "page_token is empty; omit it for the first page")
    return value


def _status(value: str) -> RunStatus:
    if value not in ALL_STATUSES:
        raise bad(
            "invalid_status",
            f"status must be one of {', '.join(ALL_STATUSES)} (exact case), got {value!r}",
        )
    return RunStatus(value)


#: What the served document states for Idempotency-Key: printable ASCII, no space at the ends.
_IDEMPOTENCY_KEY = re.compile(r"[!-~](?:[ -~]*[!-~])?")


def idempotency_key(value: str | None) -> str | None:
    if value is None:
        return None
    if not value or len(value) > MAX_IDEMPOTENCY_KEY:
        raise bad(
            "invalid_idempotency_key", f"Idempotency-Key must be 1-{MAX_IDEMPOTENCY_KEY} characters"
        )
    if _IDEMPOTENCY_KEY.fullmatch(value) is None:
        raise bad(
            "invalid_idempotency_key",
            "Idempotency-Key must be printable ASCII, with no space at either end",
        )
    return value


def json_object(body: bytes, content_type: str | None, rule: Body) -> dict[str, object]:
    """The JSON object a POST sent (``{}`` for no body where the body is optional)."""
    if content_type is not None:
        media = content_type.split(";", 1)[0].strip().lower()
        if media != "application/json" and not media.endswith("+json"):
            raise bad(
                "unsupported_content_type",
                "the body must be sent with Content-Type: application/json, got "
                f"{content_type!r} (curl -d sends a form: add "
                "-H 'Content-Type: application/json')",
            )
    if not body.strip():
        if rule == "required":
            raise bad("body_required", "this operation needs a JSON object body")
        return {}
    try:
        data = msgspec.json.decode(body)
    except msgspec.DecodeError as exc:
        raise bad("invalid_json", f"the body is not valid JSON: {exc}") from None
    except RecursionError:
        raise bad("invalid_json", "the body is nested too deeply") from None
    if not isinstance(data, dict):
        raise bad("invalid_body", f"the body must be a JSON object, got {_kind(data)}")
    return data


def _json(value: object) -> str:
    """A value the client sent, written as JSON (``false``, not Python's ``False``)."""
    return json.dumps(value, ensure_ascii=False)


def _kind(value: object) -> str:
    if value is None:
        return "null"
    return {
        bool: "a boolean",
        int: "a number",
        float: "a number",
        str: "a string",
        list: "an array",
        dict: "an object",
    }.get(type(value), type(value).__name__)


def _unknown(data: dict[str, object], allowed: tuple[str, ...], where: str = "") -> None:
    extra = [name for name in data if name not in allowed]
    if extra:
        raise bad(
            "unknown_field",
            f"unknown field '{where}{extra[0]}'; allowed fields: {', '.join(allowed)}",
        )


def _string(value: object, where: str) -> str:
    if not isinstance(value, str):
        raise bad("invalid_field", f"{where} must be a string, got {_kind(value)}")
    return value


def _tags(value: object) -> dict[str, str]:
    if not isinstance(value, dict):
        raise bad("invalid_field", f"tags must be an object of strings, got {_kind(value)}")
    for name, tag in value.items():
        _string(tag, f"tags.{name}")
    return dict(value)


def trigger_body(data: dict[str, object]) -> TriggerBody:
    """The body of a materialization trigger (fields: partition_key, tags)."""
    _unknown(data, ("partition_key", "tags"))
    partition = data.get("partition_key")
    return TriggerBody(
        partition_key=None if partition is None else _string(partition, "partition_key"),
        tags=_tags(data["tags"]) if "tags" in data else None,
    )


_SELECTORS = ("partition_keys", "partition_range", "all_partitions")


def backfill_body(data: dict[str, object]) -> BackfillBody:
    """The body of a new backfill (one selector, title, tags)."""
    _unknown(data, (*_SELECTORS, "title", "tags"))
    given = [name for name in _SELECTORS if name in data]
    if len(given) != 1:
        which = "none" if not given else ", ".join(given)
        raise bad("invalid_selection", f"give exactly one of {', '.join(_SELECTORS)}; got {which}")
    title = data.get("title")
    return BackfillBody(
        selection=_selection(given[0], data[given[0]]),
        title=None if title is None else _string(title, "title"),
        tags=_tags(data["tags"]) if "tags" in data else None,
    )


def _selection(name: str, value: object) -> PartitionSelection:
    if name == "partition_keys":
        if not isinstance(value, list):
            raise bad(
                "invalid_field", f"partition_keys must be an array of strings, got {_kind(value)}"
            )
        return PartitionSelection(
            keys=tuple(_string(k, f"partition_keys[{i}]") for i, k in enumerate(value))
        )
    if name == "partition_range":
        if not isinstance(value, dict):
            raise bad(
                "invalid_field",
                f"partition_range must be an object with start and end, got {_kind(value)}",
            )
        _unknown(value, ("start", "end"), "partition_range.")
        if "start" not in value or "end" not in value:
            raise bad("invalid_field", "partition_range needs both start and end")
        start = _string(value["start"], "partition_range.start")
        return PartitionSelection(range=(start, _string(value["end"], "partition_range.end")))
    if value is not True:
        raise bad("invalid_field", f"all_partitions must be true when given, got {_json(value)}")
    return PartitionSelection(all=True)
