"""The domain's one error hierarchy. Every error has a stable machine-readable ``code``."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error the domain raises on purpose."""

    code = "domain_error"

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code


class InvalidRequest(DomainError):
    """The request is well-formed but breaks a rule (a bad partition, a tampered token…)."""

    code = "invalid_request"


class NotFound(DomainError):
    """The addressed asset, backfill or run does not exist."""

    code = "not_found"


class Conflict(DomainError):
    """The operation does not apply to the resource in its current state."""

    code = "conflict"


class ClockError(DomainError):
    """A clock operation that the clock's mode does not allow."""

    code = "clock_error"
