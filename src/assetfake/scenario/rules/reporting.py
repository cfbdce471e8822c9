"""How a rule reports a problem, and the timestamps rules read (reported when unreadable)."""

from __future__ import annotations

from typing import Protocol

from assetfake.domain.timestamps import parse_rfc3339
from assetfake.scenario.nodes import Location


class Report(Protocol):
    def __call__(
        self,
        location: Location,
        message: str,
        related: Location | None = None,
        *,
        at_key: bool = False,
    ) -> None:
        """Report a problem at ``location`` (at its key with ``at_key``); ``{related}`` in the
        message names where ``related`` is."""


def timestamp(text: str, location: Location, report: Report) -> int | None:
    """``text`` in epoch milliseconds, or ``None`` (reported) when it is not RFC 3339."""
    try:
        return parse_rfc3339(text)
    except ValueError as exc:
        report(location, str(exc))
        return None
