"""The bad-input matrix's content inputs: bodies (malformed, non-UTF-8, not an object, wrong
field types, huge numbers, deep nesting, oversized), query parameters (unknown, repeated,
``max_results`` edges, page tokens, ``status``) and odd keys and ids in the path."""

from __future__ import annotations

import json
from urllib.parse import quote

from bad_inputs import (
    BAD,
    KEY,
    MAX_BODY,
    NOT_THERE,
    BadInput,
    Setup,
    body_of,
    post,
    target_of,
)

from assetfake.operations import Operation


def _bodies(op: Operation) -> list[BadInput]:
    """Bodies a POST refuses with a 400; a GET reads no body, so it answers as usual."""
    refused = BAD if post(op) else frozenset({op.success})
    deep = b"[" * 100_000
    raw = {
        "malformed: open brace": b"{",
        "malformed: missing value": b'{"partition_key": }',
        "malformed: single quotes": b"{'partition_key': '2024-01-02'}",
        "malformed: trailing garbage": body_of(op) + b"x" if post(op) else b"{}x",
        "malformed: bare word": b"nul",
        "malformed: trailing comma": b'{"partition_key": "2024-01-02",}',
        "malformed: NaN": b'{"partition_key": NaN}',
        "non-UTF-8: latin-1 string": b'{"partition_key": "caf\xe9"}',
        "non-UTF-8: 0xff": b"\xff\xfe",
        "non-UTF-8: UTF-16 object": "{}".encode("utf-16"),
        "non-UTF-8: BOM then object": b"\xef\xbb\xbf" + (body_of(op) or b"{}"),
        "lone surrogate escape": b'{"partition_key": "\\ud800"}',
        "NUL byte": b'{"partition_key": "2024-01-02\x00"}',
        "not an object: array": b"[]",
        "not an object: string": b'"x"',
        "not an object: number": b"1",
        "not an object: null": b"null",
        "not an object: true": b"true",
        "not an object: array of object": b"[" + (body_of(op) or b"{}") + b"]",
        "huge number: 1e400": b"1e400",
        "huge number: 1e400 in a field": b'{"partition_key": 1e400}',
        "huge number: 10**5000 literal": b'{"partition_key": 1' + b"0" * 5000 + b"}",
        "huge number: -10**5000 in tags": b'{"tags": {"a": -1' + b"0" * 5000 + b"}}",
        "deep nesting: 100k [": deep,
        "deep nesting: 100k [ closed": deep + b"]" * 100_000,
        'deep nesting: 100k {"a":': b'{"a":' * 100_000,
        "deep nesting: in tags": b'{"tags": ' + deep,
        "oversized: title over 1 MiB": b'{"title": "' + b"x" * MAX_BODY + b'"}',
        "oversized: valid JSON padded past 1 MiB": (body_of(op) or b"{}") + b" " * MAX_BODY,
    }
    cases = [BadInput(name, (refused,), body=body) for name, body in raw.items()]
    if not post(op):  # an oversized body a GET does not read may be refused all the same
        cases = [
            BadInput(c.name, (frozenset({op.success, 400}),), body=c.body)
            if c.name.startswith("oversized")
            else c
            for c in cases
        ]
    return cases


def _field_bodies(op: Operation) -> dict[str, dict[str, object]]:
    """Bodies with one field of a wrong type or value (the rest valid)."""
    if op.operation_id == "createAssetBackfill":
        keys: dict[str, object] = {"partition_keys": ["2024-01-02"]}
        wrong_keys: tuple[object, ...] = ("2024-01-02", [1], [None], [[]], {}, None, True, [])
        bodies: dict[str, dict[str, object]] = {
            f"partition_keys={json.dumps(v)}": {"partition_keys": v}
            for v in (*wrong_keys, ["2099-01-01"])
        }
        ranges: tuple[object, ...] = (
            [],
            "x",
            {"start": 1, "end": "2024-01-03"},
            {"start": "2024-01-03"},
            {"start": "2024-01-05", "end": "2024-01-01"},
            None,
            {"start": "2024-01-01", "end": "2024-01-02", "x": 1},
        )
        bodies.update({f"partition_range={json.dumps(v)}": {"partition_range": v} for v in ranges})
        alls: tuple[object, ...] = ("true", 1, None, False, {})
        bodies.update({f"all_partitions={json.dumps(v)}": {"all_partitions": v} for v in alls})
        bodies["two selectors"] = {**keys, "all_partitions": True}
        bodies["no selector"] = {"title": "t"}
    else:
        keys = {"partition_key": "2024-01-02"}
        values: tuple[object, ...] = (1, [], {}, True, None, "", "2024-13-01", "x" * 10_000)
        bodies = {f"partition_key={json.dumps(v)[:20]}": {"partition_key": v} for v in values}
    titles: tuple[object, ...] = (1, [], {}, True, "t\ud800")
    for value in titles if op.operation_id == "createAssetBackfill" else ():
        bodies[f"title={json.dumps(value)}"] = {**keys, "title": value}
    tags: tuple[object, ...] = ([], "x", {"a": 1}, {"a": None}, {"a": {}}, 1, None, {"\udfff": "x"})
    for value in tags:
        bodies[f"tags={json.dumps(value)}"] = {**keys, "tags": value}
    bodies["unknown field"] = {**keys, "x": 1}
    bodies["camelCase field"] = {
        "partitionKeys" if "partition_keys" in keys else "partitionKey": next(iter(keys.values()))
    }
    return bodies


def _fields(op: Operation) -> list[BadInput]:
    if not post(op):
        return []
    return [
        BadInput(f"field {name}", (BAD,), body=json.dumps(body).encode())
        for name, body in _field_bodies(op).items()
    ]


def _lists(op: Operation) -> frozenset[int]:
    """What a list parameter given a valid value answers (400 where the operation has none)."""
    return frozenset({op.success}) if op.pages else BAD


def _query(op: Operation, setup: Setup) -> list[BadInput]:
    """Unknown, repeated and odd parameters, ``max_results`` edges, page tokens, ``status``."""
    fine, path = _lists(op), target_of(op, setup)
    values = {
        "0": BAD,
        "00": BAD,
        "-1": BAD,
        "+1": BAD,
        "1.5": BAD,
        "": BAD,
        "%201": BAD,
        "1%20": BAD,
        "1e2": BAD,
        "0x10": BAD,
        "%EF%BC%91": BAD,
        "%D9%A1": BAD,
        "%C2%B2": BAD,
        "%FF": BAD,
        "1": fine,
        "01": fine,
        "100": fine,
        "101": fine,
        "9" * 30: fine,
        "1" * 5001: fine,
    }
    cases = [
        BadInput(
            f"max_results={v[:12]}",
            (answer if op.pages else BAD,),
            target=f"{path}?max_results={v}",
        )
        for v, answer in values.items()
    ]
    odd = {
        "unknown parameter": ("x=1", BAD),
        "misspelt parameter": ("page_size=1", BAD),
        "parameter in another case": ("MAX_RESULTS=1", BAD),
        "repeated parameter": ("max_results=1&max_results=2", BAD),
        "parameter without =": ("max_results", BAD),
        "empty name": ("=1", BAD),
        "non-UTF-8 name": ("%FF=1", BAD),
        "non-UTF-8 value": ("page_token=%FF%FE", BAD),
        "64 kB value": ("x=" + "a" * 65536, BAD),
        "only separators": ("&&", frozenset({op.success})),
        "empty query": ("", frozenset({op.success})),
        "status on a list without it": ("status=QUEUED", fine if op.filters_by_status else BAD),
        "status lower case": ("status=queued", BAD),
        "status empty": ("status=", BAD),
        "status list": ("status=QUEUED,RUNNING", BAD),
        "status with NUL": ("status=QUEUED%00", BAD),
    }
    cases += [BadInput(n, (a,), target=f"{path}?{q}") for n, (q, a) in odd.items()]
    return cases + _tokens(op, setup)


def _tokens(op: Operation, setup: Setup) -> list[BadInput]:
    path = target_of(op, setup)
    if not op.pages:
        token = next(iter(setup.tokens.values()))
        return [
            BadInput("page_token where none is taken", (BAD,), target=f"{path}?page_token={token}")
        ]
    own = setup.tokens[op.operation_id]
    middle = len(own) // 2
    flipped = own[:middle] + ("A" if own[middle] != "A" else "B") + own[middle + 1 :]
    others = {name: token for name, token in setup.tokens.items() if token != own}
    tokens = {
        "garbage": "abc",
        "empty": "",
        "huge": "A" * 65536,
        "tampered": flipped,
        "truncated": own[:-2],
        "padded": own + "=",
        "swapped case": own.swapcase(),
        "with NUL": own + "\x00",
        "with space": " " + own,
        **{f"of {name}": token for name, token in others.items()},
    }
    cases = [
        BadInput(f"page_token {n}", (BAD,), target=f"{path}?page_token={quote(t, safe='')}")
        for n, t in tokens.items()
    ]
    cases.append(
        BadInput("page_token valid", (frozenset({200}),), target=f"{path}?page_token={own}")
    )
    if op.filters_by_status:
        cases.append(
            BadInput(
                "page_token with another status",
                (BAD,),
                target=f"{path}?page_token={own}&status=FAILED",
            )
        )
    return cases


KEYS = {
    "control character %01": "a%01b",
    "raw control character": "a\x01b",  # on a socket the parser refuses it; in-process: ASGI
    "raw latin-1 byte": "caf\xe9",
    "%00": "a%00b",
    "..": "..",
    ".": ".",
    "%2e%2e": "%2e%2e",
    "%2E%2E%2F%2E%2E": "%2E%2E%2F%2E%2E",
    "double encoding %252F": "sales%252Fdaily",
    "unencoded slash": "sales/daily",
    "empty": "",
    "only %2F": "%2F",
    "empty component": "sales%2F%2Fdaily",
    "space": "%20",
    "10 kB": "k" * 10_000,
    "10 kB of %2F": "%2F" * 3400,
    "non-UTF-8 %FF": "%FF",
    "overlong %C0%AF": "%C0%AF",
    "UTF-8 surrogate %ED%A0%80": "%ED%A0%80",
    "truncated escape %": "sales%",
    "bad escape %zz": "sales%zz",
    "unknown asset": "nope",
    "other case": "SALES%2FDAILY",
    "unicode": "caf%C3%A9",
}


def _paths(op: Operation, setup: Setup) -> list[BadInput]:
    cases = [
        BadInput(f"key {name}", (NOT_THERE,), target=target_of(op, setup, key))
        for name, key in KEYS.items()
    ]
    good = target_of(op, setup)
    first = op.suffix[0][0]  # the suffix's first letter percent-encoded: no longer its path
    encoded = good.replace(f"{KEY}/{first}", f"{KEY}/%{ord(first):02X}", 1)
    cases += [
        BadInput("trailing slash", (NOT_THERE,), target=good + "/"),
        # routed on the raw path: ``backfills/..`` is the path of getAssetBackfill (405 for POST)
        BadInput("dot segment after", (NOT_THERE | {405},), target=good + "/.."),
        BadInput("encoded suffix", (NOT_THERE,), target=encoded),
        BadInput("double slash", (NOT_THERE,), target=good.replace("/assets/", "/assets//")),
    ]
    if "{backfillId}" in op.path:
        ids = {
            "..": "..",
            "%00": "%00",
            "10 kB": "b" * 10_000,
            "%FF": "%FF",
            "unknown": "bf_x",
            "other asset's": setup.backfill_id,
        }
        for name, bid in ids.items():
            key = "customers" if name == "other asset's" else KEY
            cases.append(
                BadInput(f"backfill id {name}", (NOT_THERE,), target=target_of(op, setup, key, bid))
            )
    return cases


def content_inputs(op: Operation, setup: Setup) -> list[BadInput]:
    """The body, query and path inputs of one operation."""
    return [*_bodies(op), *_fields(op), *_query(op, setup), *_paths(op, setup)]
