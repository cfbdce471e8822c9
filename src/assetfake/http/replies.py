"""What a request gets back, before it becomes ASGI messages; problem documents as replies."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from assetfake.domain.errors import DomainError
from assetfake.http.problems import PROBLEM_TYPE, HTTPProblem, problem_body, status_of

JSON = "application/json"


@dataclass(slots=True)
class Reply:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = JSON
    #: (id, status) of each run or backfill the body carries, for the journal (``observes``).
    seen: tuple[tuple[str, str], ...] = ()


def problem_reply(problem: HTTPProblem) -> Reply:
    return Reply(
        problem.status,
        problem_body(problem.status, problem.code, problem.detail),
        dict(problem.headers),
        PROBLEM_TYPE,
    )


def error_reply(error: DomainError) -> Reply:
    status = status_of(error)
    return Reply(status, problem_body(status, error.code, error.message), content_type=PROBLEM_TYPE)


def header_value(headers: Mapping[str, str], name: str) -> str | None:
    """A header's value, whatever the case of its name (``name`` in lower case)."""
    return next((value for key, value in headers.items() if key.lower() == name), None)
