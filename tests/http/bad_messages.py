"""The bad-input matrix's message inputs: methods, headers (huge, many, NUL/CR, content types,
``Idempotency-Key``), body framing (chunked, lying Content-Length, cut short) and the
protocol-level inputs only a socket carries (request lines, Host, pipelining)."""

from __future__ import annotations

from bad_inputs import (
    BAD,
    MAX_BODY,
    NO_METHOD,
    READ_TIMEOUT,
    BadInput,
    Setup,
    body_of,
    post,
    target_of,
)

from assetfake.operations import OPERATIONS, Operation


def _methods(op: Operation, setup: Setup) -> list[BadInput]:
    """Methods the path does not have: 405 with Allow (400 where the parser refuses the token)."""
    taken = {o.method for o in OPERATIONS.values() if o.path == op.path}
    methods = [
        "PATCH",
        "PROPFIND",
        "PUT",
        "DELETE",
        "OPTIONS",
        "TRACE",
        "HEAD",
        "CONNECT",
        "FOO",
        "get",
        "G@RB",
        "M" * 300,
        *({"GET", "POST"} - taken),
    ]
    return [BadInput(f"method {m[:12]}", (NO_METHOD,), method=m) for m in methods]


def _headers(op: Operation) -> list[BadInput]:
    """Odd headers on the valid request: answered as usual, or refused with a problem."""
    usual = frozenset({op.success})
    either = frozenset({op.success, 400})
    many = tuple((f"X-Header-{n}", "v") for n in range(500))
    cases = [
        BadInput("a 64 kB header", (either,), headers=(("X-Big", "a" * 65536),)),
        BadInput("a 1 MiB header", (either,), headers=(("X-Big", "a" * MAX_BODY),)),
        BadInput("500 headers", (either,), headers=many),
        BadInput("NUL in a header", (either,), headers=(("X-A", "a\x00b"),)),
        BadInput("CR in a header", (either,), headers=(("X-A", "a\rb"),)),
        BadInput("non-ASCII header value", (usual,), headers=(("X-A", "caf\xe9"),)),
        BadInput(
            "unknown Authorization (auth off)", (usual,), headers=(("Authorization", "Bearer x"),)
        ),
        BadInput("HTTP/1.0 without Host", (usual,), host=False, version="1.0"),
        BadInput("Accept: text/html", (usual,), headers=(("Accept", "text/html"),)),
    ]
    if post(op):
        for name, value in {
            "empty": "",
            "300 characters": "k" * 300,
            "non-ASCII": "caf\xe9",
            "DEL character": "k\x7fk",
            "NUL": "k\x00",
        }.items():
            cases.append(
                BadInput(
                    f"Idempotency-Key {name}",
                    (either if "NUL" in name else BAD,),
                    headers=(("Idempotency-Key", value),),
                )
            )
    types = {
        "text/plain": BAD,
        "application/x-www-form-urlencoded": BAD,
        "application/xml": BAD,
        "multipart/form-data; boundary=x": BAD,
        "application/jsonx": BAD,
        "json": BAD,
        ";": BAD,
        "": BAD,
        "application/json; charset=utf-8": usual,
        "APPLICATION/JSON": usual,
        "application/merge-patch+json": usual,
    }
    for media, answer in types.items():
        refused = answer if post(op) else usual
        cases.append(
            BadInput(
                f"Content-Type {media!r}",
                (refused,),
                headers=(("Content-Type", media),),
                body=None if post(op) else b"{}",
            )
        )
    cases.append(BadInput("no Content-Type", (usual,), headers=(("Content-Type", None),)))
    return cases


def _framings(op: Operation) -> list[BadInput]:
    """Bodies that lie about their length or never end: nothing is acted on."""
    body = body_of(op) or b"{}"
    ok = frozenset({op.success})
    short = frozenset({op.success, 400}) if not post(op) else BAD
    cases = [
        BadInput("chunked (valid)", (ok,), body=body, framing="chunked"),
        BadInput("Content-Length 1 short", (short, BAD), body=body, framing="short", optional=1),
        BadInput(
            "Content-Length 1 short, half-closed",
            (short, BAD),
            body=body,
            framing="short",
            half_close=True,
            optional=1,
        ),
    ]
    for framing in ("long", "unterminated", "bad_chunk"):
        for half_close in (False, True):
            name = f"{framing}{', half-closed' if half_close else ''}"
            cases.append(
                BadInput(
                    f"body cut short: {name}",
                    (BAD,),
                    body=body,
                    framing=framing,
                    half_close=half_close,
                    silent=True,
                )
            )
    # over the limit: refused from the headers, before any of the body is read (issue 10)
    over = ("Content-Length", str(2 * MAX_BODY))
    for name, headers in {
        "Content-Length over 1 MiB, body not sent": (over,),
        "Expect 100-continue, over 1 MiB": (over, ("Expect", "100-continue")),
    }.items():
        cases.append(
            BadInput(name, (BAD,), headers=headers, body=b"", framing="declared", patience=0.2)
        )
    return cases


def _requests(op: Operation, setup: Setup) -> tuple[bytes, bytes, bytes]:
    """The operation's request as bytes: its head (no framing), whole, and refused (400)."""
    method, path = op.method, target_of(op, setup)
    body = body_of(op) or b"{}"
    head = f"{method} {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n".encode()
    good = head + b"Content-Length: %d\r\n\r\n" % len(body) + body
    bad = (
        head + b"Content-Type: text/plain\r\nContent-Length: 2\r\n\r\n{}"
        if post(op)
        else f"{method} {path}?x=1 HTTP/1.1\r\nHost: x\r\n\r\n".encode()
    )
    return head, good, bad


Raw = dict[str, tuple[bytes, tuple[frozenset[int], ...]]]


def _request_lines(op: Operation, setup: Setup) -> Raw:
    """Request lines, targets, versions, Host and header syntax."""
    method, path = op.method, target_of(op, setup)
    head, good, _ = _requests(op, setup)
    body = body_of(op) or b"{}"
    ok, either = frozenset({op.success}), frozenset({op.success, 400})
    line = f"{method} {{}} HTTP/1.1\r\nHost: x\r\n\r\n"
    return {
        "garbage request line": (b"GARBAGE\r\n\r\n", (BAD,)),
        "HTTP/1.1 without Host": (f"{method} {path} HTTP/1.1\r\n\r\n".encode(), (BAD,)),
        "two Hosts": (head + b"Host: y\r\nContent-Length: %d\r\n\r\n" % len(body) + body, (BAD,)),
        "raw control character in the target": (
            line.format("/assets/a\x01b/runs").encode(),
            (BAD,),
        ),
        "raw non-ASCII in the target": (
            line.format("/assets/caf\xe9/runs").encode("latin-1"),
            (BAD,),
        ),
        "space in the target": (line.format("/assets/a b/runs").encode(), (BAD,)),
        "header without colon": (head + b"nocolon\r\n\r\n", (BAD,)),
        "space in a header name": (head + b"X A: b\r\n\r\n", (BAD,)),
        "version http/1.1 lower case": (good.replace(b"HTTP/1.1", b"http/1.1", 1), (BAD,)),
        "version HTTP/2.0": (good.replace(b"HTTP/1.1", b"HTTP/2.0", 1), (either,)),
        "obsolete line folding": (
            good.replace(b"Host: x\r\n", b"Host: x\r\nX-A: a\r\n b\r\n"),
            (either,),
        ),
        "bare LF line ends": (good.replace(b"\r\n", b"\n"), (either,)),
        "absolute-form target": (
            good.replace(path.encode(), b"http://x" + path.encode(), 1),
            (ok,),
        ),
    }


def _wire_framings(op: Operation, setup: Setup) -> Raw:
    """Content-Length and Transfer-Encoding anomalies, Expect, and pipelining."""
    head, good, bad = _requests(op, setup)
    body = body_of(op) or b"{}"
    ok, either = frozenset({op.success}), frozenset({op.success, 400})
    chunked = b"Transfer-Encoding: chunked\r\n\r\n"
    gzip = b"Transfer-Encoding: gzip, chunked\r\n\r\n%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)
    return {
        "two Content-Lengths": (head + b"Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}", (BAD,)),
        # RFC 9112 6.1: refused, or read as chunked; either way the connection is then closed
        AMBIGUOUS: (head + b"Content-Length: 2\r\n" + chunked + b"2\r\n{}\r\n0\r\n\r\n", (either,)),
        "Content-Length -1": (head + b"Content-Length: -1\r\n\r\n{}", (BAD,)),
        "Content-Length 10**25": (head + b"Content-Length: " + b"9" * 25 + b"\r\n\r\n{}", (BAD,)),
        "Transfer-Encoding gzip": (head + b"Transfer-Encoding: gzip\r\n\r\n{}", (BAD,)),
        # the body is not gzip-coded: it must not be read as JSON as it is
        "Transfer-Encoding gzip, chunked": (head + gzip, (BAD,)),
        "chunk size overflow": (head + chunked + b"F" * 24 + b"\r\n{}\r\n0\r\n\r\n", (BAD,)),
        "Expect 100-continue": (
            good.replace(b"Content-Length", b"Expect: 100-continue\r\nContent-Length"),
            (ok,),
        ),
        "pipelined: bad, good, bad": (bad + good + bad, (BAD, ok, BAD)),
        "pipelined: good then garbage": (good + b"GARBAGE\r\n\r\n", (ok, BAD)),
    }


AMBIGUOUS = "Content-Length and chunked"


def _protocol(op: Operation, setup: Setup) -> list[BadInput]:
    """Inputs only a socket carries: the parser (or the fake's protocol layer) answers them."""
    raw = {**_request_lines(op, setup), **_wire_framings(op, setup)}
    return [
        BadInput(
            name,
            answers,
            wire=data,
            closes=name == AMBIGUOUS,
            patience=0.25 if name == AMBIGUOUS else READ_TIMEOUT,
        )
        for name, (data, answers) in raw.items()
    ]


def message_inputs(op: Operation, setup: Setup) -> list[BadInput]:
    """The method, header, framing and protocol-level inputs of one operation."""
    return [*_methods(op, setup), *_headers(op), *_framings(op), *_protocol(op, setup)]
