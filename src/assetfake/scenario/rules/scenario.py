"""The whole scenario's rules, section by section; the result carries the partition sets the
domain built while they were checked (the world's configuration reuses them)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from assetfake.domain.partitions import Partitions
from assetfake.domain.timestamps import parse_rfc3339
from assetfake.scenario.nodes import Location, Problem
from assetfake.scenario.rules.assets import check_assets
from assetfake.scenario.rules.auth import check_auth
from assetfake.scenario.rules.expectations import check_expect
from assetfake.scenario.rules.faults import check_faults
from assetfake.scenario.rules.history import check_history
from assetfake.scenario.rules.reporting import Report, timestamp
from assetfake.scenario.schema import ScenarioSpec

_FIRST_START_MS = parse_rfc3339("1900-01-01T00:00:00Z")
_LAST_START_MS = parse_rfc3339("9000-01-01T00:00:00Z")


@dataclass(frozen=True, slots=True)
class RuleCheck:
    """Every rule problem, in the order of the file's sections, and each declared asset's
    partition set as the domain built it (``None``: unpartitioned, or invalid)."""

    problems: list[Problem]
    partitions: Mapping[str, Partitions | None]


def check_rules(spec: ScenarioSpec) -> RuleCheck:
    """The rules of ``spec``, which has passed the type check."""
    problems: list[Problem] = []

    def report(
        location: Location, message: str, related: Location | None = None, *, at_key: bool = False
    ) -> None:
        problems.append(Problem(location, message, at_key=at_key, related=related))

    start_ms = _check_clock(spec, report)
    check_auth(spec.auth, report)
    _check_pagination(spec, report)
    declared = check_assets(spec.assets, report)
    check_history(spec.history, declared, start_ms, report)
    check_faults(spec.faults, declared, report)
    check_expect(spec.expect, declared, report)
    return RuleCheck(problems, dict(declared.partitions))


def _check_clock(spec: ScenarioSpec, report: Report) -> int | None:
    """The clock's start (``None`` when it is reported)."""
    start_ms = timestamp(spec.clock.start, ("clock", "start"), report)
    if start_ms is not None and not _FIRST_START_MS <= start_ms <= _LAST_START_MS:
        report(
            ("clock", "start"),
            "the clock must start between 1900 and 9000 (so that "
            "history and runs stay within the years a timestamp can name)",
        )
        return None
    return start_ms


def _check_pagination(spec: ScenarioSpec, report: Report) -> None:
    pagination = spec.pagination
    if pagination.default_page_size > pagination.max_page_size:
        report(
            ("pagination", "default_page_size"),
            f"must not exceed max_page_size ({pagination.max_page_size}), "
            f"got {pagination.default_page_size}",
        )
