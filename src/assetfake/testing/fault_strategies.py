"""Hypothesis strategies for faults (re-exported, with the usage example, by
:mod:`assetfake.testing.strategies`; hypothesis is a test dependency).

A generated fault list can be passed to ``fake.faults.add`` one fault at a time or put in a
scenario's ``faults``.

Every fault rule generated here fires a bounded number of times (at most
:data:`MAX_FIRINGS`; ``every`` always comes with ``times``), so a schedule of ``max_faults``
rules injects at most ``max_faults * MAX_FIRINGS`` failures in all, and a client that retries
at least that many times always gets through.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, get_args

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from hypothesis.strategies import SearchStrategy

from assetfake.fault_kinds import NetworkKind
from assetfake.operations import ERROR_STATUSES, OPERATIONS

__all__ = [
    "LIST_OPERATIONS",
    "MAX_FIRINGS",
    "NETWORK_FAULTS",
    "fault_schedules",
    "faults",
]


#: The operations that answer a page of items, in the order of the OpenAPI document.
LIST_OPERATIONS: tuple[str, ...] = tuple(op.operation_id for op in OPERATIONS.values() if op.pages)

#: The network faults ``network=True`` draws from. ``hang`` is left out: on a live server it
#: holds the connection until the client's timeout. Ask for it by name.
NETWORK_FAULTS: tuple[NetworkKind, ...] = ("reset", "empty", "truncated", "malformed")

#: The most times one generated fault rule fires.
MAX_FIRINGS = 3

#: The highest call number a ``call`` or ``calls`` counter names.
MAX_CALL = 10

#: The kinds a generated fault may name: every network kind but ``slow_body``, which needs its
#: ``bytes_per_second``.
_ALL_NETWORK: frozenset[str] = frozenset(get_args(NetworkKind)) - {"slow_body"}
_COUNTERS = ("call", "calls", "every", "times")

JSONDict = dict[str, object]


# --- faults ------------------------------------------------------------------------------------


def faults(
    operations: Sequence[str] | None = None,
    statuses: Sequence[int] = (429, 500),
    assets: Sequence[str] | None = None,
    max_faults: int = 5,
    *,
    min_faults: int = 0,
    network: bool | Sequence[NetworkKind] = False,
    phases: Sequence[Literal["before", "after"]] = ("before",),
) -> SearchStrategy[list[JSONDict]]:
    """Lists of fault rules, written as in a scenario's ``faults`` list.

    ``operations``: the operationIds a rule may match (default: all six; each rule names one).
    ``statuses``: the HTTP statuses injected (documented error statuses only: 400, 401, 403,
    404, 429, 500). A 429 sometimes sets its own ``Retry-After`` (0-5 s; else the fake sends
    ``1``). ``assets``: asset keys a rule may be limited to (they must be declared in the
    scenario); ``None`` never limits by asset. ``network``: ``True`` also draws network faults
    from :data:`NETWORK_FAULTS`, or name the kinds to draw from. ``phases``: ``"after"`` makes
    the ambiguous failure (the change is kept, the client sees the error).

    Names are unique (``fault-0-429``, ``fault-1-reset``, …). Each rule fires on a ``call``,
    on ``calls``, on the first N matching calls (``times``), or on every N-th call at most
    :data:`MAX_FIRINGS` times (``every`` with ``times``).
    """
    return _fault_lists(
        operations, statuses, assets, max_faults, min_faults, network, phases, later_pages=False
    )


def fault_schedules(
    operations: Sequence[str] = LIST_OPERATIONS,
    statuses: Sequence[int] = (429, 500),
    assets: Sequence[str] | None = None,
    max_faults: int = 3,
) -> SearchStrategy[list[JSONDict]]:
    """Any schedule of 429/500 faults on the list pages: "for every way the server can refuse
    pages, my client still returns every item exactly once".

    Like :func:`faults` on the list operations, with some rules limited to later pages (they
    match ``query: {page_token: "*"}``). The empty schedule is included and shrunk to.
    """
    unknown = [op for op in operations if op not in LIST_OPERATIONS]
    if unknown:
        raise InvalidArgument(
            f"fault_schedules() is for list operations ({', '.join(LIST_OPERATIONS)}); "
            f"got {', '.join(unknown)}"
        )
    return _fault_lists(
        operations, statuses, assets, max_faults, 0, False, ("before",), later_pages=True
    )


def _fault_lists(
    operations: Sequence[str] | None,
    statuses: Sequence[int],
    assets: Sequence[str] | None,
    max_faults: int,
    min_faults: int,
    network: bool | Sequence[NetworkKind],
    phases: Sequence[str],
    *,
    later_pages: bool,
) -> SearchStrategy[list[JSONDict]]:
    ops = _operations(operations)
    codes = _statuses(statuses)
    kinds = _network_kinds(network)
    if not codes and not kinds:
        raise InvalidArgument("no status and no network fault to inject")
    if not 0 <= min_faults <= max_faults:
        raise InvalidArgument(
            f"expected 0 <= min_faults <= max_faults, got {min_faults}, {max_faults}"
        )
    bad_phases = set(phases) - {"before", "after"}
    if not phases or bad_phases:
        raise InvalidArgument(f"phases are 'before' and/or 'after', got {list(phases)}")
    keys = tuple(assets) if assets is not None else ()
    if assets is not None and not keys:
        raise InvalidArgument("assets is empty; pass None not to limit faults by asset")
    responses: list[SearchStrategy[JSONDict]] = []
    if codes:
        responses.append(st.sampled_from(codes).flatmap(_status_response))
    if kinds:
        responses.append(st.sampled_from(kinds).map(lambda kind: {"network": kind}))
    rule = st.builds(
        _rule,
        operation=st.sampled_from(ops),
        counter=_counters(),
        respond=st.one_of(responses),
        phase=st.sampled_from(tuple(phases)),
        asset=st.sampled_from(keys) if keys else st.none(),
        later_pages=st.booleans() if later_pages else st.just(False),
    )
    return _named(st.lists(rule, min_size=min_faults, max_size=max_faults))


def _operations(operations: Sequence[str] | None) -> tuple[str, ...]:
    if operations is None:
        return tuple(OPERATIONS)
    if isinstance(operations, str):
        operations = (operations,)
    unknown = [op for op in operations if op not in OPERATIONS]
    if unknown or not operations:
        raise InvalidArgument(
            f"unknown operations {unknown}; expected some of {', '.join(OPERATIONS)}"
        )
    return tuple(operations)


def _statuses(statuses: Sequence[int]) -> tuple[int, ...]:
    wrong = [code for code in statuses if code not in ERROR_STATUSES]
    if wrong:
        documented = ", ".join(str(code) for code in sorted(ERROR_STATUSES))
        raise InvalidArgument(f"statuses {wrong} are not documented; expected some of {documented}")
    return tuple(dict.fromkeys(statuses))


def _network_kinds(network: bool | Sequence[NetworkKind]) -> tuple[str, ...]:
    if network is True:
        return NETWORK_FAULTS
    if network is False:
        return ()
    wrong = [kind for kind in network if kind not in _ALL_NETWORK]
    if wrong:
        raise InvalidArgument(
            f"unknown network faults {wrong}; expected some of {', '.join(sorted(_ALL_NETWORK))}"
        )
    return tuple(dict.fromkeys(network))


def _status_response(status: int) -> SearchStrategy[JSONDict]:
    if status != 429:
        return st.just({"status": status})
    return st.one_of(
        st.just({"status": 429}),
        st.integers(0, 5).map(lambda s: {"status": 429, "headers": {"Retry-After": str(s)}}),
    )


def _counters() -> SearchStrategy[JSONDict]:
    calls = st.integers(1, MAX_CALL)
    firings = st.integers(1, MAX_FIRINGS)
    return st.one_of(
        st.builds(lambda n: {"times": n}, firings),
        calls.map(lambda n: {"call": n}),
        st.lists(calls, min_size=1, max_size=MAX_FIRINGS, unique=True).map(
            lambda ns: {"calls": sorted(ns)}
        ),
        st.builds(lambda n, t: {"every": n, "times": t}, st.integers(2, 5), firings),
    )


def _rule(
    *,
    operation: str,
    counter: JSONDict,
    respond: JSONDict,
    phase: str,
    asset: str | None,
    later_pages: bool,
) -> JSONDict:
    """A fault rule without its name."""
    match: JSONDict = {"operation": operation}
    if asset is not None:
        match["asset"] = asset
    if later_pages:
        match["query"] = {"page_token": "*"}
    match.update(counter)
    if phase != "before":
        respond = {**respond, "phase": phase}
    return {"match": match, "respond": respond}


@st.composite
def _named(draw: st.DrawFn, rules: SearchStrategy[list[JSONDict]]) -> list[JSONDict]:
    """The rules, each named after its position and what it answers (so names are unique).
    A composite rather than a ``map``, so that a failing example shows the faults as written."""
    named: list[JSONDict] = []
    for index, rule in enumerate(draw(rules)):
        respond = rule["respond"]
        what = respond.get("status", respond.get("network")) if isinstance(respond, dict) else ""
        named.append({"name": f"fault-{index}-{what}", **rule})
    return named
