"""RFC 9457 problem documents, and the one table from domain errors to HTTP statuses."""

from __future__ import annotations

from http import HTTPStatus

import msgspec

from assetfake.domain.errors import ClockError, Conflict, DomainError, InvalidRequest, NotFound

PROBLEM_TYPE = "application/problem+json"

#: Domain error class -> HTTP status. The only place that knows both.
STATUS_OF: dict[type[DomainError], int] = {
    InvalidRequest: 400,
    NotFound: 404,
    Conflict: 409,
    ClockError: 409,
}


class Problem(msgspec.Struct, frozen=True, omit_defaults=False):
    type: str
    title: str
    status: int
    detail: str
    code: str


class HTTPProblem(Exception):
    """A request the HTTP layer answers with a problem document (shape errors, 404 routes…)."""

    def __init__(
        self, status: int, code: str, detail: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail
        self.headers = headers or {}


def title_of(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def problem_body(status: int, code: str, detail: str) -> bytes:
    return msgspec.json.encode(Problem("about:blank", title_of(status), status, detail, code))


def status_of(error: DomainError) -> int:
    for cls in type(error).__mro__:
        if cls in STATUS_OF:
            return STATUS_OF[cls]
    return 400
