"""The rules of ``expect``: one key per entry, counts that can hold, statuses the fake sends,
one ``observes`` kind per entry and one ``outcome`` per scenario."""

from __future__ import annotations

from collections.abc import Sequence

from assetfake.expectations import (
    CallsExpect,
    ExpectSpec,
    ObservesExpect,
    StateCount,
    StateExpect,
)
from assetfake.scenario.nodes import Location
from assetfake.scenario.operations import ANY_ERROR_STATUS, ANY_STATUS, OPERATIONS
from assetfake.scenario.rules.references import Declared, check_asset_ref, operation_ids
from assetfake.scenario.rules.reporting import Report


def check_expect(expect: Sequence[ExpectSpec], declared: Declared, report: Report) -> None:
    for index, entry in enumerate(expect):
        location: Location = ("expect", index)
        given = [name for name in entry.__struct_fields__ if getattr(entry, name) is not None]
        if len(given) != 1:
            report(
                location,
                "an expectation is a mapping with exactly one key of "
                + ", ".join(entry.__struct_fields__)
                + (f"; got {', '.join(given)}" if given else ""),
            )
            continue
        if entry.calls is not None:
            _check_calls(entry.calls, (*location, "calls"), report)
        elif entry.state is not None:
            _check_state(entry.state, declared, (*location, "state"), report)
        elif entry.no_retry_on is not None or entry.retries_on is not None:
            _check_retry_codes(entry, location, report)
        elif entry.observes is not None:
            _check_observes(entry.observes, (*location, "observes"), report)
    _check_retry_lists(expect, report)
    _check_one_outcome(expect, report)


def _check_retry_codes(entry: ExpectSpec, location: Location, report: Report) -> None:
    name = "no_retry_on" if entry.no_retry_on is not None else "retries_on"
    for position, code in enumerate(entry.no_retry_on or entry.retries_on or ()):
        if isinstance(code, int) and code not in ANY_ERROR_STATUS:
            codes = ", ".join(str(known) for known in sorted(ANY_ERROR_STATUS))
            report(
                (*location, name, position),
                f"{code} is not an error status the fake sends; expected one of {codes}",
            )


def _check_retry_lists(expect: Sequence[ExpectSpec], report: Report) -> None:
    never: dict[int | str, Location] = {}
    for index, entry in enumerate(expect):
        for position, code in enumerate(entry.no_retry_on or ()):
            never.setdefault(code, ("expect", index, "no_retry_on", position))
    for index, entry in enumerate(expect):
        for position, code in enumerate(entry.retries_on or ()):
            if code in never:
                report(
                    ("expect", index, "retries_on", position),
                    f"{code} is also in no_retry_on (at {{related}})",
                    never[code],
                )


def _check_counts(
    bounds: dict[str, int | None], exact_name: str, location: Location, report: Report
) -> None:
    exact = bounds[exact_name]
    low, high = bounds["min"], bounds["max"]
    if exact is None and low is None and high is None:
        report(location, f"expected at least one of {exact_name}, min, max")
    elif exact is not None and (low is not None or high is not None):
        report((*location, exact_name), f"{exact_name} excludes min and max")
    elif low is not None and high is not None and low > high:
        report((*location, "min"), f"min ({low}) is greater than max ({high})")


def _check_calls(calls: CallsExpect, location: Location, report: Report) -> None:
    operations = operation_ids(calls.operation, (*location, "operation"), report)
    _check_counts(
        {"exactly": calls.exactly, "min": calls.min, "max": calls.max}, "exactly", location, report
    )
    if calls.status is None:
        return
    allowed = ANY_STATUS
    if operations:
        allowed = OPERATIONS[operations[0]].statuses
    if calls.status not in allowed:
        codes = ", ".join(str(code) for code in sorted(allowed))
        who = f"operation {operations[0]} answers" if operations else "the fake sends"
        report(
            (*location, "status"), f"{calls.status} is not a status {who}; expected one of {codes}"
        )


def _check_state(
    state: StateExpect, declared: Declared, location: Location, report: Report
) -> None:
    given = [name for name in state.__struct_fields__ if getattr(state, name) is not None]
    if len(given) != 1:
        report(
            location,
            "expected exactly one of runs, backfills, materializations"
            + (f"; got {', '.join(given)}" if given else ""),
        )
        return
    kind = given[0]
    count: StateCount = getattr(state, kind)
    where: Location = (*location, kind)
    _check_counts(
        {"count": count.count, "min": count.min, "max": count.max}, "count", where, report
    )
    if count.asset is not None:
        check_asset_ref(count.asset, declared, (*where, "asset"), report)
    if count.status is not None:
        if kind == "materializations":
            report((*where, "status"), "materializations have no status")
        elif kind == "backfills" and count.status == "STARTING":
            report((*where, "status"), "a backfill never reports STARTING")


def _check_observes(observes: ObservesExpect, location: Location, report: Report) -> None:
    given = [name for name in observes.__struct_fields__ if getattr(observes, name) is not None]
    if len(given) != 1:
        report(
            location,
            "expected exactly one of backfills, runs"
            + (f"; got {', '.join(given)}" if given else ""),
        )


def _check_one_outcome(expect: Sequence[ExpectSpec], report: Report) -> None:
    first: Location | None = None
    for index, entry in enumerate(expect):
        if entry.outcome is None:
            continue
        if first is None:
            first = ("expect", index, "outcome")
        else:
            report(
                ("expect", index, "outcome"),
                "a scenario states its outcome once; it is already stated at {related}",
                first,
            )
