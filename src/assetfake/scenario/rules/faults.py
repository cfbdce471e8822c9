"""The rules of ``faults``: unique, sendable names; matches that can match; answers an
operation documents."""

from __future__ import annotations

import re
from collections.abc import Sequence

from assetfake.fault_kinds import KIND_PARAMETERS
from assetfake.scenario.nodes import Location
from assetfake.scenario.operations import ERROR_STATUSES, OPERATIONS
from assetfake.scenario.rules.references import Declared, check_asset_ref, operation_ids
from assetfake.scenario.rules.reporting import Report, timestamp
from assetfake.scenario.schema import FaultSpec, MatchSpec, RespondSpec

_HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
#: Header values (and fault names, sent in X-Fake-Fault) are visible ASCII and spaces.
_HEADER_VALUE = re.compile(r"^[\x20-\x7e]*$")


def check_faults(faults: Sequence[FaultSpec], declared: Declared, report: Report) -> None:
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


def _check_match(
    match: MatchSpec, declared: Declared, location: Location, report: Report
) -> tuple[str, ...] | None:
    operations = operation_ids(match.operation, (*location, "operation"), report)
    if operations and match.method is not None:
        methods = {OPERATIONS[op].method for op in operations}
        if match.method not in methods:
            report(
                (*location, "method"),
                f"{match.method} never matches operation {', '.join(operations)} "
                f"(method {', '.join(sorted(methods))})",
            )
    if match.asset is not None:
        check_asset_ref(match.asset, declared, (*location, "asset"), report)
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
        start = timestamp(match.between.start, (*location, "between", "start"), report)
        end = timestamp(match.between.end, (*location, "between", "end"), report)
        if start is not None and end is not None and start >= end:
            report((*location, "between", "end"), "the window's end must be after its start")
    return operations


def _check_respond(
    respond: RespondSpec, operations: tuple[str, ...] | None, location: Location, report: Report
) -> None:
    _check_delay(respond, location, report)
    _check_kind_parameters(respond, location, report)
    if respond.status is not None and respond.network is not None:
        report(location, "expected one of status, network, not both")
        return
    if respond.status is None and respond.network is None:
        # A latency fault: the real answer, late.
        delay, most = respond.delay_bounds
        if max(delay, most or 0.0) <= 0 or respond.body is not None or respond.headers:
            report(
                location,
                "expected status or network (or only delay_seconds > 0 to slow "
                "down the real answer)",
            )
        return
    _check_header_names(respond.headers, (*location, "headers"), report, answer=True)
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
    _check_status(respond.status, operations, (*location, "status"), report)


def _check_delay(respond: RespondSpec, location: Location, report: Report) -> None:
    low, high = respond.delay_bounds
    if high is not None and low > high:
        report(
            (*location, "delay_seconds", "min"),
            f"min ({low:g}) is greater than max ({high:g})",
        )


def _check_kind_parameters(respond: RespondSpec, location: Location, report: Report) -> None:
    """Each kind's parameters only with that kind; slow_body with its rate."""
    for name, kind in KIND_PARAMETERS.items():
        if getattr(respond, name) is None or respond.network == kind:
            continue
        got = f"network is {respond.network}" if respond.network else "there is no network"
        report((*location, name), f"{name} belongs to network: {kind}; {got}")
    if respond.network == "slow_body" and respond.bytes_per_second is None:
        report(
            location,
            "missing required key 'bytes_per_second': network slow_body dribbles the "
            "body at that rate",
        )


def _check_status(
    status: int | None, operations: tuple[str, ...] | None, location: Location, report: Report
) -> None:
    if operations is None:
        if status not in ERROR_STATUSES:
            report(location, _bad_status(status, "an operation"))
        return
    for op in operations:
        if status not in OPERATIONS[op].errors:
            report(location, _bad_status(status, op))
            return


#: Headers that frame the answer: the fake's server writes its own (a second one would make
#: the answer ambiguous, RFC 9112 6.3), so a fault may not set them.
_FRAMING = frozenset({"content-length", "transfer-encoding"})


def _check_header_names(
    headers: dict[str, str], location: Location, report: Report, answer: bool = False
) -> None:
    """Valid names; for the headers of an answer (``answer``), none that frames it."""
    for name in headers:
        if not _HEADER_NAME.match(name):
            report((*location, name), f"{name!r} is not a valid HTTP header name", at_key=True)
        elif answer and name.lower() in _FRAMING:
            report(
                (*location, name),
                f"{name} frames the answer and the fake's server writes its own; leave it out "
                "(a body's length follows from respond.body)",
                at_key=True,
            )


def _bad_status(status: int | None, who: str) -> str:
    documented = ", ".join(str(code) for code in sorted(ERROR_STATUSES))
    return f"{status} is not an error status {who} documents; expected one of {documented}"
