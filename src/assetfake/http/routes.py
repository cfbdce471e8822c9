"""Routing on the raw path: an asset key is exactly one percent-decoded path segment.

``/assets/sales%2Fdaily/runs`` addresses ``sales/daily``; ``/assets/sales/daily/runs`` does not,
and earns a 404 that says how to encode the key (a common client bug).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from urllib.parse import quote, unquote

from assetfake.http.problems import HTTPProblem
from assetfake.operations import ASSET_KEY, BACKFILL_ID, GET_BACKFILL, OPERATIONS, Operation

MAX_KEY_LENGTH = 255

#: (suffix after the asset key, method) -> operation, from the registry. A placeholder segment
#: (``{backfillId}``) matches any one non-empty segment.
_OPERATIONS: dict[tuple[tuple[str, ...], str], Operation] = {
    (op.suffix, op.method): op for op in OPERATIONS.values()
}
#: Longest first, so that ``backfills/{backfillId}`` is tried before ``backfills``.
_SUFFIXES = sorted({suffix for suffix, _ in _OPERATIONS}, key=len, reverse=True)


@dataclass(frozen=True, slots=True)
class Route:
    operation: str  # the operationId (a key of assetfake.operations.OPERATIONS)
    asset_key: str
    backfill_id: str | None = None
    #: What is wrong with the path's parameters: refused with a 400 at the request-shape
    #: stage, after faults, auth and the rate limit have had their say.
    invalid: str | None = None


def split_namespace(raw_path: str) -> tuple[str | None, str]:
    """``/_ns/{ns}/rest`` -> (ns, /rest); anything else -> (None, path)."""
    if raw_path.startswith("/_ns/"):
        rest = raw_path[5:]
        name, sep, tail = rest.partition("/")
        name = unquote(name)
        if not name:
            raise HTTPProblem(404, "namespace_missing", "a namespace name is required after /_ns/")
        return name, "/" + tail if sep else "/"
    return None, raw_path


@functools.lru_cache(maxsize=4096)  # a pure function; a client asks for the same few paths
def route(method: str, raw_path: str) -> Route:
    """Resolve an API request, or raise the 404/405/400 ``HTTPProblem`` it deserves (a problem
    is never cached: lru_cache keeps results only)."""
    return _resolve(method, raw_path)


def _resolve(method: str, raw_path: str) -> Route:
    if not raw_path.startswith("/assets/"):
        raise HTTPProblem(404, "not_found", f"no such path: {raw_path}")
    segments = raw_path[len("/assets/") :].split("/")
    key_segment, rest = segments[0], tuple(segments[1:])
    matched = _match(rest)
    if matched is not None and key_segment:
        suffix, backfill_segment = matched
        allowed = sorted(m for (s, m) in _OPERATIONS if s == suffix)
        operation = _OPERATIONS.get((suffix, method))
        if operation is None:
            raise HTTPProblem(
                405,
                "method_not_allowed",
                f"{method} is not allowed on {raw_path}; allowed: {', '.join(allowed)}",
                {"Allow": ", ".join(allowed)},
            )
        asset_key, invalid = _decode(key_segment, "asset key")
        if invalid is None and len(asset_key) > MAX_KEY_LENGTH:
            invalid = f"an asset key is at most {MAX_KEY_LENGTH} characters"
        backfill_id = None
        if backfill_segment is not None:
            backfill_id, bad_id = _decode(backfill_segment, "backfill id")
            invalid = invalid or bad_id
        return Route(operation.operation_id, asset_key, backfill_id, invalid)
    for cut in range(2, len(segments)):
        if _match(tuple(segments[cut:])) is not None and all(segments[:cut]):
            key = "/".join(unquote(s) for s in segments[:cut])
            fixed = "/assets/" + quote(key, safe="") + "/" + "/".join(segments[cut:])
            raise HTTPProblem(
                404,
                "asset_key_not_encoded",
                f"no such path: {raw_path}. Asset keys containing '/' must be percent-encoded "
                f"as %2F in the URL: asset '{key}' is addressed as {fixed}",
            )
    raise HTTPProblem(404, "not_found", f"no such path: {raw_path}")


def _match(rest: tuple[str, ...]) -> tuple[tuple[str, ...], str | None] | None:
    """The suffix that ``rest`` matches, and the raw backfill-id segment in it (or None)."""
    for suffix in _SUFFIXES:
        if len(rest) != len(suffix):
            continue
        if all(_fits(part, segment) for part, segment in zip(suffix, rest, strict=True)):
            ids = [
                segment for part, segment in zip(suffix, rest, strict=True) if part == BACKFILL_ID
            ]
            return suffix, (ids[0] if ids else None)
    return None


def _fits(part: str, segment: str) -> bool:
    if part.startswith("{"):  # a path parameter: any one non-empty segment
        return segment != ""
    return part == segment


def _decode(segment: str, what: str) -> tuple[str, str | None]:
    """The percent-decoded segment, and what is wrong with it (None: nothing)."""
    try:
        return unquote(segment, errors="strict"), None
    except UnicodeDecodeError:
        decoded = unquote(segment, errors="replace")
        return decoded, f"the {what} is not valid UTF-8 once percent-decoded"


def location(prefix: str, asset_key: str, backfill_id: str) -> str:
    """The URL of a backfill (the path of GET_BACKFILL), for a ``Location`` header."""
    path = GET_BACKFILL.path.replace(ASSET_KEY, quote(asset_key, safe=""))
    return prefix + path.replace(BACKFILL_ID, quote(backfill_id, safe=""))
