"""One input of the bad-input matrix sent as it is, and what came back: over a raw socket
(:func:`over_socket`), through ``fake.client()`` where httpx carries it unchanged, or as a
hand-made ASGI call where it cannot (:func:`in_process`)."""

from __future__ import annotations

import asyncio
import socket
import time
from dataclasses import dataclass, field

import httpx
from bad_inputs import CUT_SHORT, BadInput, Setup, body_of, target_of

from assetfake import AssetFake
from assetfake.http.asgi import Message
from assetfake.operations import Operation

#: How long an optional answer, or the silence of a cut-short body, is waited for: a fake that
#: acted on half a body would answer at once.
GRACE = 0.1


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes


@dataclass(slots=True)
class Seen:
    via: str  # "socket", "httpx" or "asgi"
    answers: list[Answer] = field(default_factory=list)
    timed_out: bool = False
    closed: bool = False
    error: str = ""


# ------------------------------------------------------------------------------- the socket


def _framed(body: bytes, framing: str) -> tuple[bytes, bytes]:
    """(the framing headers, the bytes of the body) for one framing."""
    if framing in ("chunked", "unterminated", "bad_chunk"):
        half = max(1, len(body) // 2)
        pieces = [body[:half], body[half:]] if framing == "chunked" else [body]
        data = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in pieces if p)
        end = {"chunked": b"0\r\n\r\n", "unterminated": b"", "bad_chunk": b"ZZ\r\n"}[framing]
        return b"Transfer-Encoding: chunked\r\n", data + end
    if framing == "declared":  # the case's own Content-Length, and no body
        return b"", b""
    length = {"length": len(body), "long": len(body) + 50, "short": len(body) - 1}[framing]
    return (b"Content-Length: %d\r\n" % length if body or framing != "length" else b""), body


def _headers(op: Operation, case: BadInput) -> list[tuple[str, str]]:
    """The request's headers (Host aside): the defaults, then the case's own over them."""
    body = body_of(op) if case.body is None else case.body
    headers: dict[str, str | None] = {"content-type": "application/json"} if body else {}
    names: dict[str, str] = {}
    for name, value in case.headers:
        headers[name.lower()] = value
        names[name.lower()] = name
    return [(names.get(k, k), v) for k, v in headers.items() if v is not None]


def wire_bytes(op: Operation, setup: Setup, case: BadInput) -> bytes:
    if case.wire is not None:
        return case.wire
    method = case.method or op.method
    target = case.target if case.target is not None else target_of(op, setup)
    body = body_of(op) if case.body is None else case.body
    framing, data = _framed(body, case.framing)
    head = f"{method} {target} HTTP/{case.version}\r\n".encode("latin-1")
    if case.host:
        head += b"Host: assetfake\r\n"
    for name, value in _headers(op, case):
        head += f"{name}: {value}\r\n".encode("latin-1")
    return head + framing + b"\r\n" + data


def parse_answers(data: bytes, methods: list[str]) -> tuple[list[Answer], bytes]:
    """The whole answers at the start of ``data`` (1xx skipped), and what is left."""
    answers: list[Answer] = []
    while True:
        head, sep, rest = data.partition(b"\r\n\r\n")
        if not sep:
            return answers, data
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        bodiless = status < 200 or (len(answers) < len(methods) and methods[len(answers)] == "HEAD")
        size = 0 if bodiless else int(headers.get("content-length", "0"))
        if len(rest) < size:
            return answers, data
        if status >= 200:
            answers.append(Answer(status, headers, rest[:size]))
        data = rest[size:]


def over_socket(address: tuple[str, int], data: bytes, case: BadInput, method: str) -> Seen:
    seen = Seen("socket")
    wanted = 0 if case.silent else len(case.answers) - case.optional
    with socket.create_connection(address, timeout=case.patience) as sock:
        try:
            sock.sendall(data)
            if case.half_close:
                sock.shutdown(socket.SHUT_WR)
        except OSError as error:  # the server refused early and closed: read what it said
            seen.error = f"send: {error}"
        buffer, start = b"", time.monotonic()
        while True:
            answers, _ = parse_answers(buffer, [method] * len(case.answers))
            if len(answers) >= len(case.answers) and not case.closes:
                break
            waited = len(answers) >= wanted
            limit = GRACE if waited and not case.closes else case.patience
            sock.settimeout(max(0.01, start + limit - time.monotonic()) if waited else limit)
            try:
                chunk = sock.recv(1 << 16)
            except TimeoutError:
                seen.timed_out = not waited
                break
            except ConnectionResetError:
                chunk = b""
            if not chunk:
                seen.closed = True
                break
            buffer += chunk
    seen.answers = parse_answers(buffer, [method] * len(case.answers))[0]
    return seen


def _asgi_messages(body: bytes, framing: str) -> list[Message]:
    if framing in CUT_SHORT:
        return [
            {"type": "http.request", "body": body, "more_body": True},
            {"type": "http.disconnect"},
        ]
    if framing == "short":
        body = body[:-1]
    if framing == "chunked":
        half = len(body) // 2
        return [
            {"type": "http.request", "body": body[:half], "more_body": True},
            {"type": "http.request", "body": body[half:], "more_body": False},
        ]
    return [{"type": "http.request", "body": body, "more_body": False}]


def over_asgi(fake: AssetFake, op: Operation, setup: Setup, case: BadInput) -> Seen:
    """A hand-made ASGI call: for what httpx cannot send (cut-short bodies, no Host, raw bytes)."""
    target = case.target if case.target is not None else target_of(op, setup)
    raw_path, _, query = target.encode("latin-1").partition(b"?")
    body = body_of(op) if case.body is None else case.body
    headers = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in _headers(op, case)]
    if case.host:
        headers.insert(0, (b"host", b"assetfake"))
    messages = _asgi_messages(body, case.framing)
    scope: Message = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": case.version,
        "method": case.method or op.method,
        "scheme": "http",
        "path": raw_path.decode("latin-1"),
        "raw_path": raw_path,
        "query_string": query,
        "headers": headers,
        "root_path": "",
        "server": ("assetfake", 80),
        "client": ("127.0.0.1", 1),
    }
    sent: list[Message] = []

    async def receive() -> Message:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)

    asyncio.run(fake.app(scope, receive, send))
    seen = Seen("asgi")
    for start in (m for m in sent if m["type"] == "http.response.start"):
        headers_of = {k.decode("latin-1"): v.decode("latin-1") for k, v in start["headers"]}
        content = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
        seen.answers.append(Answer(start["status"], headers_of, content))
    return seen


def _httpx_request(
    client: httpx.Client, op: Operation, setup: Setup, case: BadInput
) -> httpx.Request | None:
    """The case as an httpx request, or None when httpx would not send exactly it."""
    if case.framing != "length" or not case.host or case.version != "1.1":
        return None
    target = case.target if case.target is not None else target_of(op, setup)
    body = body_of(op) if case.body is None else case.body
    headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in _headers(op, case)]
    request = client.build_request(
        case.method or op.method, "/", content=body or None, headers=headers
    )
    query = target.encode("latin-1").partition(b"?")[2]
    try:
        request.url = request.url.copy_with(raw_path=target.encode("latin-1"))
    except (httpx.InvalidURL, UnicodeDecodeError):
        return None
    if request.url.raw_path != target.encode("latin-1") or request.url.query != query:
        return None
    if request.method != (case.method or op.method):  # httpx upper-cases it
        return None
    return request


def in_process(fake: AssetFake, op: Operation, setup: Setup, case: BadInput) -> Seen:
    with fake.client() as client:
        request = _httpx_request(client, op, setup, case)
        if request is None:
            return over_asgi(fake, op, setup, case)
        seen = Seen("httpx")
        try:
            response = client.send(request)
        except AssertionError as error:  # the response is off the OpenAPI document
            seen.error = f"off the document: {str(error)[:300]}"
            return seen
        seen.answers.append(Answer(response.status_code, dict(response.headers), response.content))
        return seen
