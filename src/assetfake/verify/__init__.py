"""Verdicts: a scenario's ``expect`` entries judged against a journal and a world."""

from __future__ import annotations

from assetfake.verify.engine import Failure, check, report, verify
from assetfake.verify.failure import ExpectationFailed

__all__ = ["ExpectationFailed", "Failure", "check", "report", "verify"]
