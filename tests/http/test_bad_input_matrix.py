"""The bad-input matrix (issue 10): every input of ``bad_content.py`` and ``bad_messages.py``,
for every operation of the registry, over a raw socket on both HTTP parsers of the live server
and in-process (``fake.client()`` where httpx carries the input unchanged, a hand-made ASGI call
where it cannot); see ``raw_exchanges.py``.

Each answer must be a problem document with a documented status, never a 5xx, never a hang, and
the state (counts, runs, backfills, materializations) unchanged unless the fake answered 201/202.
Each test prints its tally (``-s``): inputs tried, 5xx, hangs, state changes, non-problem answers.
Inputs that find a known bug are listed in ``KNOWN_BUGS`` and run again, alone, as strict xfails.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from http import HTTPStatus

import pytest
from bad_content import content_inputs
from bad_inputs import CUT_SHORT, BadInput, Setup
from bad_messages import message_inputs
from raw_exchanges import Answer, Seen, in_process, over_socket, wire_bytes

from assetfake import AssetFake
from assetfake.operations import OPERATIONS, Operation
from small_world import scenario

CATEGORIES = (
    "5xx",
    "hangs",
    "state changes",
    "non-problem answers",
    "wrong status",
    "unanswered",
    "other",
)

#: sales/daily (January 2024, two SUCCEEDED runs in history) and customers (a page of history).
MATRIX_SCENARIO = scenario(
    history={
        "runs": [
            {
                "asset": "sales/daily",
                "partition": day,
                "status": "SUCCEEDED",
                "created_at": f"2024-05-31T0{n}:00:00Z",
            }
            for n, day in enumerate(("2024-01-01", "2024-01-02"))
        ],
        "generate": [{"asset": "customers", "runs": 30, "succeeded_ratio": 0.8}],
    }
)
State = tuple[object, ...]
Live = tuple[str, AssetFake, Setup, tuple[str, int]]
#: (surface, or "socket" for both parsers, or "" for all; input name) -> the bug it shows,
#: on every operation. Each is run again alone as a strict xfail (see the last test).
KNOWN_BUGS: dict[tuple[str, str], str] = {}


# ------------------------------------------------------------------------------- the fakes


def _prepare(fake: AssetFake) -> Setup:
    """Two backfills on sales/daily, and the first page token of each list."""
    with fake.client() as client:
        for day in ("2024-01-01", "2024-01-02"):
            created = client.post("/assets/sales%2Fdaily/backfills", json={"partition_keys": [day]})
            assert created.status_code == 201, created.text
        backfill_id = created.json()["id"]

        def token(path: str, **params: str) -> str:
            page = client.get(path, params={"max_results": "1", **params}).json()
            assert page["next_page_token"], page
            return str(page["next_page_token"])

        tokens = {
            "listAssetRuns": token("/assets/sales%2Fdaily/runs"),
            "listAssetBackfills": token("/assets/sales%2Fdaily/backfills"),
            "listAssetMaterializations": token("/assets/sales%2Fdaily/materializations"),
            "succeeded": token("/assets/sales%2Fdaily/runs", status="SUCCEEDED"),
            "customers": token("/assets/customers/runs"),
        }
    return Setup(backfill_id, tokens)


def _state(fake: AssetFake) -> State:
    s = fake.state
    return (s.counts(), s.runs(), s.backfills(), s.materializations())


@pytest.fixture(scope="module", params=["httptools", "h11"])
def live(request: pytest.FixtureRequest) -> Iterator[Live]:
    """One live server per parser for the module (the inputs change nothing to restore)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ASSETFAKE_HTTP", request.param)
        fake = AssetFake(MATRIX_SCENARIO)
        setup = _prepare(fake)
        with fake.serve() as url:
            host, port = url.removeprefix("http://").split(":")
            yield f"socket-{request.param}", fake, setup, (host, int(port))


def _journal_settles(fake: AssetFake, before: int, case: BadInput) -> None:
    """After a cut-short body, wait until the server journalled the abort (or a moment)."""
    if case.framing not in CUT_SHORT:
        return
    deadline = time.monotonic() + 1.0
    while len(fake.journal) <= before and time.monotonic() < deadline:
        time.sleep(0.01)


# ------------------------------------------------------------------------------- the verdict


def problem_flaw(answer: Answer, method: str) -> str:
    """What keeps an error answer from being an RFC 9457 problem document ("" when nothing)."""
    content_type = answer.headers.get("content-type")
    if content_type != "application/problem+json":
        return f"content-type {content_type!r}: {answer.body[:80]!r}"
    if not answer.headers.get("x-request-id"):
        return "no X-Request-Id"
    if answer.status == 405 and not answer.headers.get("allow"):
        return "405 without Allow"
    if method == "HEAD" and not answer.body:
        return ""
    try:
        doc = json.loads(answer.body)
    except ValueError:
        return f"body is not JSON: {answer.body[:80]!r}"
    phrase = HTTPStatus(answer.status).phrase
    expected = {"type": "about:blank", "status": answer.status, "title": phrase}
    if not isinstance(doc, dict) or any(doc.get(k) != v for k, v in expected.items()):
        return f"fields: {str(doc)[:200]}"
    if not all(isinstance(doc.get(k), str) and doc[k] for k in ("detail", "code")):
        return f"no detail or code: {str(doc)[:200]}"
    return ""


def verdict(case: BadInput, seen: Seen, changed: bool, method: str) -> dict[str, str]:
    """The flaws of one exchange, by category (empty: the answer was right)."""
    flaws: dict[str, str] = {}
    if seen.error.startswith("off the document"):
        flaws["other"] = seen.error
    statuses = [a.status for a in seen.answers]
    allowed = [sorted(a) for a in case.answers]
    for position, answer in enumerate(seen.answers):
        if answer.status >= 500:
            flaws["5xx"] = f"{answer.status}: {answer.body[:200]!r}"
        if answer.status >= 400 and (flaw := problem_flaw(answer, method)):
            flaws["non-problem answers"] = f"{answer.status}: {flaw}"
        if position >= len(case.answers) or answer.status not in case.answers[position]:
            flaws["wrong status"] = f"answers {statuses}, allowed {allowed}"
    wanted = 0 if case.silent else len(case.answers) - case.optional
    if len(seen.answers) < wanted:
        how = "timed out" if seen.timed_out else "closed"
        category = "hangs" if seen.timed_out else "unanswered"
        flaws[category] = f"{len(seen.answers)} of {wanted} answers ({how})"
    if case.closes and not seen.closed:
        flaws["other"] = "the connection stayed open after an ambiguous framing"
    if changed and not any(s in (201, 202) for s in statuses):
        flaws["state changes"] = f"the state changed, answers {statuses}"
    return flaws


@dataclass(slots=True)
class Tally:
    counts: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)

    def line(self, label: str) -> str:
        figures = ", ".join(f"{c} {self.counts[c]}" for c in CATEGORIES)
        vias = ", ".join(
            f"{v} {self.counts[v]}" for v in ("socket", "httpx", "asgi") if self.counts[v]
        )
        tried = self.counts["tried"]
        return f"bad-input matrix [{label}]: {tried} inputs tried ({vias}); {figures}"

    def add(self, case: BadInput, seen: Seen, flaws: dict[str, str]) -> None:
        self.counts["tried"] += 1
        self.counts[seen.via] += 1
        self.counts.update(flaws.keys())
        if flaws:
            report = "; ".join(f"{k}: {v}" for k, v in flaws.items())
            self.failures.append(f"{case.name!r}: {report}")


#: Every input this process tried (what ``-p no:xdist -s`` prints last is the whole matrix's).
TOTALS = Tally()


def cases_for(op: Operation, setup: Setup, surface: str) -> list[BadInput]:
    """The inputs for one operation on one surface (a protocol-level one only on a socket)."""
    every = [*content_inputs(op, setup), *message_inputs(op, setup)]
    return [c for c in every if surface.startswith("socket") or c.wire is None]


def known_bug(surface: str, case: BadInput) -> str | None:
    for (where, name), reason in KNOWN_BUGS.items():
        if surface.startswith(where) and name == case.name:
            return reason
    return None


def run_case(
    fake: AssetFake, op: Operation, setup: Setup, case: BadInput, address: tuple[str, int] | None
) -> tuple[Seen, dict[str, str]]:
    before, journalled = _state(fake), len(fake.journal)
    method = case.method or op.method
    if address is None:
        seen = in_process(fake, op, setup, case)
    else:
        seen = over_socket(address, wire_bytes(op, setup, case), case, method)
        _journal_settles(fake, journalled, case)
    return seen, verdict(case, seen, _state(fake) != before, method)


def _run(
    label: str,
    fake: AssetFake,
    op: Operation,
    setup: Setup,
    cases: list[BadInput],
    address: tuple[str, int] | None,
) -> Tally:
    tally = Tally()
    for case in cases:
        tally.add(case, *run_case(fake, op, setup, case, address))
    TOTALS.counts.update(tally.counts)
    print(f"\n{tally.line(label)}\n{TOTALS.line('this process, so far')}")
    return tally


# ------------------------------------------------------------------------------- the tests


@pytest.mark.parametrize("operation", list(OPERATIONS))
def test_bad_inputs_over_a_socket(live: Live, operation: str) -> None:
    surface, fake, setup, address = live
    op = OPERATIONS[operation]
    cases = [c for c in cases_for(op, setup, surface) if known_bug(surface, c) is None]
    tally = _run(f"{surface} {operation}", fake, op, setup, cases, address)
    assert not tally.failures, "\n".join(tally.failures)


@pytest.mark.parametrize("operation", list(OPERATIONS))
def test_bad_inputs_in_process(operation: str) -> None:
    fake = AssetFake(MATRIX_SCENARIO)
    setup = _prepare(fake)
    op = OPERATIONS[operation]
    cases = [c for c in cases_for(op, setup, "in-process") if known_bug("in-process", c) is None]
    tally = _run(f"in-process {operation}", fake, op, setup, cases, None)
    assert not tally.failures, "\n".join(tally.failures)


def _known(surfaces: tuple[str, ...]) -> list[object]:
    """(surface, input name) of each known bug: a strict xfail with its reason."""
    return [
        pytest.param(
            surface.removeprefix("socket-"),
            name,
            id=f"{surface}-{name}",
            marks=pytest.mark.xfail(strict=True, reason=reason),
        )
        for surface in surfaces  # grouped by surface: one live server for each
        for (where, name), reason in KNOWN_BUGS.items()
        if surface.startswith(where)
    ]


def _run_known(
    surface: str, name: str, fake: AssetFake, setup: Setup, address: tuple[str, int] | None
) -> list[str]:
    failures = []
    for operation, op in OPERATIONS.items():
        (case,) = [c for c in cases_for(op, setup, surface) if c.name == name]
        tally = _run(f"{surface} {operation} known bug", fake, op, setup, [case], address)
        failures += [f"{operation}: {failure}" for failure in tally.failures]
    return failures


SOCKET_BUGS = _known(("socket-httptools", "socket-h11"))
IN_PROCESS_BUGS = _known(("in-process",))

# Defined only while a bug is known: an empty parameter set would show as a skip.
if SOCKET_BUGS:

    @pytest.mark.parametrize(("live", "name"), SOCKET_BUGS, indirect=["live"])
    def test_known_bugs_over_a_socket(live: Live, name: str) -> None:
        """Each known bug's input, alone, on every operation: it fails until it is fixed."""
        surface, fake, setup, address = live
        failures = _run_known(surface, name, fake, setup, address)
        assert not failures, "\n".join(failures)


if IN_PROCESS_BUGS:

    @pytest.mark.parametrize(("surface", "name"), IN_PROCESS_BUGS)
    def test_known_bugs_in_process(surface: str, name: str) -> None:
        fake = AssetFake(MATRIX_SCENARIO)
        failures = _run_known(surface, name, fake, _prepare(fake), None)
        assert not failures, "\n".join(failures)
