"""The rules of a scenario that relate fields to each other, checked on the typed spec.

Each rule reports a :class:`Problem` at the path of the field to fix. These run only once the
scenario has passed the type check.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from assetfake.domain.partitions import DAILY_FORMAT, HOURLY_FORMAT, Partitions
from assetfake.domain.timestamps import format_ms, parse_rfc3339
from assetfake.scenario.nodes import Location, Problem
from assetfake.scenario.operations import ANY_ERROR_STATUS, ANY_STATUS, ERROR_STATUSES, OPERATIONS
from assetfake.scenario.schema import (
    AssetSpec,
    CallsExpect,
    ExpectSpec,
    FaultSpec,
    MatchSpec,
    PartitionsSpec,
    RespondSpec,
    ScenarioSpec,
    StateExpect,
)


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


@dataclass(frozen=True, slots=True)
class _BoundShape:
    name: str
    format: str
    pattern: re.Pattern[str]


_HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
#: Header values (and fault names, sent in X-Fake-Fault) are visible ASCII and spaces.
_HEADER_VALUE = re.compile(r"^[\x20-\x7e]*$")

_DAILY = _BoundShape("YYYY-MM-DD", DAILY_FORMAT, re.compile(r"^\d{4}-\d{2}-\d{2}$"))
_HOURLY = _BoundShape(
    "YYYY-MM-DD-HH:00", HOURLY_FORMAT, re.compile(r"^\d{4}-\d{2}-\d{2}-\d{2}:\d{2}$")
)


@dataclass(slots=True)
class _Declared:
    """The declared assets: their partitions (``None`` if unpartitioned or invalid)."""

    partitions: dict[str, Partitions | None] = field(default_factory=dict)
    partitioned: set[str] = field(default_factory=set)

    def __contains__(self, key: str) -> bool:
        return key in self.partitions


def check_rules(spec: ScenarioSpec) -> list[Problem]:
    """Every rule problem of ``spec``, in the order of the file's sections."""
    problems: list[Problem] = []

    def report(
        location: Location, message: str, related: Location | None = None, *, at_key: bool = False
    ) -> None:
        problems.append(Problem(location, message, at_key=at_key, related=related))

    start_ms = _timestamp(spec.clock.start, ("clock", "start"), report)
    if start_ms is not None and not _FIRST_START_MS <= start_ms <= _LAST_START_MS:
        report(
            ("clock", "start"),
            "the clock must start between 1900 and 9000 (so that "
            "history and runs stay within the years a timestamp can name)",
        )
        start_ms = None
    if spec.auth is not None:
        _check_auth(spec, report)
    pagination = spec.pagination
    if pagination.default_page_size > pagination.max_page_size:
        report(
            ("pagination", "default_page_size"),
            f"must not exceed max_page_size ({pagination.max_page_size}), "
            f"got {pagination.default_page_size}",
        )
    partitions = _check_assets(spec.assets, report)
    _check_history(spec, partitions, start_ms, report)
    _check_faults(spec.faults, partitions, report)
    _check_expect(spec.expect, partitions, report)
    return problems


_FIRST_START_MS = parse_rfc3339("1900-01-01T00:00:00Z")
_LAST_START_MS = parse_rfc3339("9000-01-01T00:00:00Z")


def _timestamp(text: str, location: Location, report: Report) -> int | None:
    try:
        return parse_rfc3339(text)
    except ValueError as exc:
        report(location, str(exc))
        return None


def _check_auth(spec: ScenarioSpec, report: Report) -> None:
    seen: dict[str, int] = {}
    tokens = spec.auth.tokens if spec.auth is not None else ()
    for index, token in enumerate(tokens):
        location: Location = ("auth", "tokens", index)
        if token.token in seen:
            report(
                (*location, "token"),
                f"duplicate token {token.token!r} (first at {{related}})",
                ("auth", "tokens", seen[token.token], "token"),
            )
        seen.setdefault(token.token, index)
        if token.expires_at is not None:
            _timestamp(token.expires_at, (*location, "expires_at"), report)


# --- assets ------------------------------------------------------------------------------------


def _check_assets(assets: Sequence[AssetSpec], report: Report) -> _Declared:
    declared = _Declared()
    first: dict[str, int] = {}
    for index, asset in enumerate(assets):
        location: Location = ("assets", index)
        if asset.key in first:
            report(
                (*location, "key"),
                f"duplicate asset key {asset.key!r} (first at {{related}})",
                ("assets", first[asset.key], "key"),
            )
            continue
        first[asset.key] = index
        if any(not part for part in asset.key.split("/")):
            report(
                (*location, "key"),
                f"an asset key is components joined by '/', with no empty component; "
                f"got {asset.key!r}",
            )
        partitions = None
        if asset.partitions is not None:
            declared.partitioned.add(asset.key)
            partitions = _partitions(asset.partitions, (*location, "partitions"), report)
        declared.partitions[asset.key] = partitions
        _check_fail_partitions(asset, partitions, location, report)
    return declared


def _partitions(spec: PartitionsSpec, location: Location, report: Report) -> Partitions | None:
    given = [name for name in ("daily", "hourly", "static") if getattr(spec, name) is not None]
    if len(given) != 1:
        report(
            location,
            "expected exactly one of daily, hourly, static"
            + (f"; got {', '.join(given)}" if given else ""),
        )
        return None
    try:
        if spec.daily is not None:
            bounds = (spec.daily.start, spec.daily.end)
            if not _bounds_ok(bounds, _DAILY, (*location, "daily"), report):
                return None
            return Partitions.daily(spec.daily.start, spec.daily.end)
        if spec.hourly is not None:
            bounds = (spec.hourly.start, spec.hourly.end)
            if not _bounds_ok(bounds, _HOURLY, (*location, "hourly"), report):
                return None
            return Partitions.hourly(spec.hourly.start, spec.hourly.end)
        keys = spec.static or ()
        seen: set[str] = set()
        for index, key in enumerate(keys):
            if key in seen:
                report((*location, "static", index), f"duplicate partition key {key!r}")
                return None
            seen.add(key)
        return Partitions.static(keys)
    except ValueError as exc:
        report((*location, given[0]), str(exc))
        return None


def _bounds_ok(
    bounds: tuple[str, str], shape: _BoundShape, location: Location, report: Report
) -> bool:
    ok = True
    for name, text in zip(("start", "end"), bounds, strict=True):
        try:
            if not shape.pattern.match(text):
                raise ValueError(text)
            moment = datetime.strptime(text, shape.format)
        except ValueError:
            report((*location, name), f"expected a {shape.name} partition bound, got {text!r}")
            ok = False
            continue
        if moment.minute:
            report((*location, name), f"an hourly bound must fall on the hour, got {text!r}")
            ok = False
    return ok


def _check_fail_partitions(
    asset: AssetSpec, partitions: Partitions | None, location: Location, report: Report
) -> None:
    for index, key in enumerate(asset.run.fail_partitions):
        where: Location = (*location, "run", "fail_partitions", index)
        if asset.partitions is None:
            report(where, f"asset {asset.key!r} is not partitioned, so it has no partition {key!r}")
            return
        if partitions is not None and key not in partitions:
            report(where, _not_a_partition(asset.key, key, partitions))


def _not_a_partition(asset: str, key: str, partitions: Partitions) -> str:
    if partitions.kind == "static":
        allowed = ", ".join(partitions.keys)
    else:
        allowed = f"{partitions.start} to {partitions.end}"
    return f"{key!r} is not a partition of asset {asset!r} ({partitions.kind}: {allowed})"


def _check_asset_ref(asset: str, declared: _Declared, location: Location, report: Report) -> bool:
    if asset in declared:
        return True
    known = ", ".join(declared.partitions) or "none"
    report(location, f"asset {asset!r} is not declared in assets (declared: {known})")
    return False


# --- history -----------------------------------------------------------------------------------


def _check_history(
    spec: ScenarioSpec,
    declared: _Declared,
    start_ms: int | None,
    report: Report,
) -> None:
    for index, run in enumerate(spec.history.runs):
        location: Location = ("history", "runs", index)
        if _check_asset_ref(run.asset, declared, (*location, "asset"), report):
            partitions = declared.partitions[run.asset]
            partitioned = run.asset in declared.partitioned
            if run.partition is None and partitioned:
                report(
                    location,
                    f"missing required key 'partition': asset {run.asset!r} is partitioned",
                )
            elif run.partition is not None and not partitioned:
                report((*location, "partition"), f"asset {run.asset!r} is not partitioned")
            elif (
                run.partition is not None
                and partitions is not None
                and run.partition not in partitions
            ):
                report(
                    (*location, "partition"), _not_a_partition(run.asset, run.partition, partitions)
                )
        created = _timestamp(run.created_at, (*location, "created_at"), report)
        if created is not None and start_ms is not None and created >= start_ms:
            report(
                (*location, "created_at"),
                f"history must be before the clock start ({format_ms(start_ms)}), "
                f"got {run.created_at}",
            )
        if run.error_message is not None and run.status != "FAILED":
            report(
                (*location, "error_message"),
                f"only a FAILED run has an error; status is {run.status}",
            )
    for index, generate in enumerate(spec.history.generate):
        _check_asset_ref(generate.asset, declared, ("history", "generate", index, "asset"), report)


# --- faults ------------------------------------------------------------------------------------


def _check_faults(faults: Sequence[FaultSpec], declared: _Declared, report: Report) -> None:
    first: dict[str, int] = {}
    for index, fault in enumerate(faults):
        location: Location = ("faults", index)
        if fault.name in first:
            report(
                (*location, "name"),
                f"duplicate fault name {fault.name!r} (first at {{related}})",
                ("faults", first[fault.name], "name"),
            )
        first.setdefault(fault.name, index)
        if not _HEADER_VALUE.match(fault.name):
            report(
                (*location, "name"),
                "a fault name is sent in the X-Fake-Fault header: use printable ASCII only",
            )
        operations = _check_match(fault.match, declared, (*location, "match"), report)
        _check_respond(fault.respond, operations, (*location, "respond"), report)


def _operation_ids(
    operation: str | tuple[str, ...] | None, location: Location, report: Report
) -> tuple[str, ...] | None:
    """The known operationIds named (``None``: any operation)."""
    if operation is None:
        return None
    if isinstance(operation, str):
        named: list[tuple[Location, str]] = [(location, operation)]
    else:
        named = [((*location, index), name) for index, name in enumerate(operation)]
    known: list[str] = []
    for where, name in named:
        if name in OPERATIONS:
            known.append(name)
        else:
            report(where, f"unknown operation {name!r}; expected one of {', '.join(OPERATIONS)}")
    return tuple(known)


def _check_match(
    match: MatchSpec,
    declared: _Declared,
    location: Location,
    report: Report,
) -> tuple[str, ...] | None:
    operations = _operation_ids(match.operation, (*location, "operation"), report)
    if operations and match.method is not None:
        methods = {OPERATIONS[op].method for op in operations}
        if match.method not in methods:
            report(
                (*location, "method"),
                f"{match.method} never matches operation {', '.join(operations)} "
                f"(method {', '.join(sorted(methods))})",
            )
    if match.asset is not None:
        _check_asset_ref(match.asset, declared, (*location, "asset"), report)
    which = [
        name for name in ("call", "calls", "after", "every") if getattr(match, name) is not None
    ]
    if len(which) > 1:
        report(
            (*location, which[1]),
            f"at most one of call, calls, after, every; got {', '.join(which)}",
        )
    for key in match.query:
        if not key:
            report((*location, "query"), "a query parameter name must not be empty")
    _check_header_names(match.header, (*location, "header"), report)
    if match.between is not None:
        start = _timestamp(match.between.start, (*location, "between", "start"), report)
        end = _timestamp(match.between.end, (*location, "between", "end"), report)
        if start is not None and end is not None and start >= end:
            report((*location, "between", "end"), "the window's end must be after its start")
    return operations


def _check_respond(
    respond: RespondSpec, operations: tuple[str, ...] | None, location: Location, report: Report
) -> None:
    if respond.status is not None and respond.network is not None:
        report(location, "expected one of status, network, not both")
        return
    if respond.status is None and respond.network is None:
        # A latency fault: the real answer, late.
        if respond.delay_seconds <= 0 or respond.body is not None or respond.headers:
            report(
                location,
                "expected status or network (or only delay_seconds > 0 to slow "
                "down the real answer)",
            )
        return
    _check_header_names(respond.headers, (*location, "headers"), report)
    for name, value in respond.headers.items():
        if not _HEADER_VALUE.match(value):
            report(
                (*location, "headers", name),
                "a header value must be printable ASCII (no line breaks, control characters "
                "or non-ASCII letters)",
            )
    if respond.network is not None:
        for name, present in (
            ("headers", bool(respond.headers)),
            ("body", respond.body is not None),
        ):
            if present:
                report((*location, name), f"a network fault ({respond.network}) sends no {name}")
        return
    status = respond.status
    if operations is None:
        if status not in ERROR_STATUSES:
            report((*location, "status"), _bad_status(status, "an operation"))
        return
    for op in operations:
        if status not in OPERATIONS[op].errors:
            report((*location, "status"), _bad_status(status, op))
            return


def _check_header_names(headers: dict[str, str], location: Location, report: Report) -> None:
    for name in headers:
        if not _HEADER_NAME.match(name):
            report((*location, name), f"{name!r} is not a valid HTTP header name", at_key=True)


def _bad_status(status: int | None, who: str) -> str:
    documented = ", ".join(str(code) for code in sorted(ERROR_STATUSES))
    return f"{status} is not an error status {who} documents; expected one of {documented}"


# --- expectations ------------------------------------------------------------------------------


def _check_expect(expect: Sequence[ExpectSpec], declared: _Declared, report: Report) -> None:
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
            name = "no_retry_on" if entry.no_retry_on is not None else "retries_on"
            for position, code in enumerate(entry.no_retry_on or entry.retries_on or ()):
                if code not in ANY_ERROR_STATUS:
                    codes = ", ".join(str(known) for known in sorted(ANY_ERROR_STATUS))
                    report(
                        (*location, name, position),
                        f"{code} is not an error status the fake sends; expected one of {codes}",
                    )
    _check_retry_lists(expect, report)


def _check_retry_lists(expect: Sequence[ExpectSpec], report: Report) -> None:
    never: dict[int, Location] = {}
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
    operations = _operation_ids(calls.operation, (*location, "operation"), report)
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
    state: StateExpect,
    declared: _Declared,
    location: Location,
    report: Report,
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
    count = getattr(state, kind)
    where: Location = (*location, kind)
    _check_counts(
        {"count": count.count, "min": count.min, "max": count.max}, "count", where, report
    )
    if count.asset is not None:
        _check_asset_ref(count.asset, declared, (*where, "asset"), report)
    if count.status is not None:
        if kind == "materializations":
            report((*where, "status"), "materializations have no status")
        elif kind == "backfills" and count.status == "STARTING":
            report((*where, "status"), "a backfill never reports STARTING")
