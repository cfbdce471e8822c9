"""What a verdict reports: one :class:`Failure` per expectation that did not hold, and
``ExpectationFailed``, the error that carries them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Failure:
    """One expectation that did not hold: which one, what was seen, the resources involved
    (``"<id> <STATUS>"``) and the journal lines that show it."""

    expectation: str  # e.g. "expect[2] no_retry_on [401, 404]"
    message: str
    journal: list[str] = field(default_factory=list)
    resources: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "expectation": self.expectation,
            "message": self.message,
            "journal": list(self.journal),
            "resources": list(self.resources),
        }


class ExpectationFailed(AssertionError):
    """Some of a scenario's expectations did not hold; ``str()`` is the readable report and
    ``failures`` the failures one by one (as the verifier gave them)."""

    def __init__(self, report: str, failures: Sequence[object] = ()) -> None:
        super().__init__(report)
        self.report = report
        self.failures = list(failures)
