"""``ExpectationFailed``: a scenario's ``expect`` entries did not hold."""

from __future__ import annotations

from collections.abc import Sequence


class ExpectationFailed(AssertionError):
    """Some of a scenario's expectations did not hold; ``str()`` is the readable report and
    ``failures`` the failures one by one (as the verifier gave them)."""

    def __init__(self, report: str, failures: Sequence[object] = ()) -> None:
        super().__init__(report)
        self.report = report
        self.failures = list(failures)
