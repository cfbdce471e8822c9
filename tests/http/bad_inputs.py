"""The bad-input matrix's records: one input (:class:`BadInput`) and what it is built on.

Every input is built on an operation's valid request (on ``sales/daily``, the key that needs
encoding): a case changes one thing — the body, a field, the query, the key, the method, a
header, the framing — or is given as exact bytes (``wire``: protocol-level inputs that only a
socket can carry), with the statuses the fake may answer it with (CONTRACT 1 "Errors", 7).
The inputs are in ``bad_content.py`` (bodies, queries, paths) and ``bad_messages.py`` (methods,
headers, framing, protocol); the runners in ``test_bad_input_matrix.py``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Literal

from assetfake.operations import Operation

#: How the body travels: Content-Length, chunked in two pieces, a Content-Length 50 bytes
#: longer or 1 byte shorter than the body, a chunked body that never ends, a bad chunk size,
#: or only the case's own Content-Length header and no body ever sent.
Framing = Literal["length", "chunked", "long", "short", "unterminated", "bad_chunk", "declared"]
#: The framings whose body never arrives whole.
CUT_SHORT: frozenset[Framing] = frozenset({"long", "unterminated", "bad_chunk", "declared"})
#: How long an answer is waited for before it counts as a hang, in seconds.
READ_TIMEOUT = 3.0

KEY = "sales%2Fdaily"
BAD = frozenset({400})
NOT_THERE = frozenset({400, 404})
#: The statuses of a method the path does not have (400: the parser refused the token).
NO_METHOD = frozenset({400, 405})
VALID_BODIES: dict[str, dict[str, object]] = {
    "createAssetBackfill": {"partition_keys": ["2024-01-02"]},
    "triggerAssetMaterialization": {"partition_key": "2024-01-02"},
}
MAX_BODY = 1 << 20


@dataclass(frozen=True, slots=True)
class BadInput:
    """One input for one operation, and the statuses allowed for each answer, in order."""

    name: str
    answers: tuple[frozenset[int], ...]
    method: str | None = None  # None: the operation's
    target: str | None = None  # None: the operation's valid target (latin-1 text)
    headers: tuple[tuple[str, str | None], ...] = ()  # None deletes a default header
    body: bytes | None = None  # None: the operation's valid body
    framing: Framing = "length"
    half_close: bool = False
    #: No answer at all is right: the server still waits for the rest of the body.
    silent: bool = False
    host: bool = True
    version: str = "1.1"
    #: The exact bytes on the socket (a protocol-level input: no in-process form).
    wire: bytes | None = None
    #: The connection must be closed after the answer (an ambiguous framing, RFC 9112 6.1).
    closes: bool = False
    #: How many of the last ``answers`` may not come (the server waits for more bytes).
    optional: int = 0
    #: How long the answer is waited for (short where it must come before any body is sent).
    patience: float = READ_TIMEOUT


@dataclass(frozen=True, slots=True)
class Setup:
    """What the cases need from the fake they run against: a backfill and page tokens."""

    backfill_id: str
    #: the first page's ``next_page_token`` of each list (``max_results=1``), by operationId,
    #: plus ``succeeded`` (runs filtered by status) and ``customers`` (another asset's runs)
    tokens: dict[str, str]


def target_of(op: Operation, setup: Setup, key: str = KEY, backfill: str | None = None) -> str:
    path = op.path.replace("{assetKey}", key)
    return path.replace("{backfillId}", backfill or setup.backfill_id)


def body_of(op: Operation) -> bytes:
    body = VALID_BODIES.get(op.operation_id)
    return b"" if body is None else json.dumps(body).encode()


def post(op: Operation) -> bool:
    return op.method == "POST"
