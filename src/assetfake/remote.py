"""``RemoteFake``: a fake reached over HTTP, driven through its control API.

A :class:`~assetfake.surface.FakeSurface`, like :class:`assetfake.AssetFake`, with the same
answers and the same types (``clock``, ``faults``, ``journal``, ``state``, ``reset``,
``run_until_idle``, ``verify``, ``client``), on one namespace of a live server — so a test runs
against a shared server exactly as against an in-process fake::

    fake = RemoteFake("http://127.0.0.1:8000", namespace="test-42")
    with fake.client() as c:
        run = c.post("/assets/customers/materialize", json={}).json()
    fake.run_until_idle()
    newest = fake.state.runs("customers")[-1]
    assert (newest.id, newest.status) == (run["id"], RunStatus.SUCCEEDED)
    fake.drop()
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, TypeVar, overload
from urllib.parse import quote

import httpx
import msgspec

from assetfake import timepatch
from assetfake._control_answers import (
    ClockAnswer,
    FaultsAnswer,
    JournalAnswer,
    LoadedAnswer,
    SnapshotAnswer,
    StateAnswer,
    TransitionsAnswer,
    Verdict,
    as_failure,
    format_failures,
)
from assetfake.domain.clock import ClockMode
from assetfake.domain.errors import NotFound
from assetfake.domain.resources import Backfill, Materialization, Run
from assetfake.http.journal import JournalEntry
from assetfake.surface import ClientOptions, FaultDocument
from assetfake.verify.failure import ExpectationFailed

if TYPE_CHECKING:
    from typing_extensions import Unpack

__all__ = [
    "ControlError",
    "ExpectationFailed",
    "IncompleteState",
    "RemoteClock",
    "RemoteFake",
    "RemoteFaults",
    "RemoteState",
    "Verdict",
    "format_failures",
]

T = TypeVar("T")

#: A JSON object as decoded from a control answer.
JSONObject = dict[str, object]

#: What :meth:`RemoteFake.load_scenario` accepts: a scenario as a mapping (sent as JSON), the
#: text of a YAML (or JSON) document, or the path of a scenario file (its text is sent).
RemoteScenario = Mapping[str, object] | str | os.PathLike[str]


class ControlError(RuntimeError):
    """The control API answered with something else than 2xx (or with an unexpected body)."""

    def __init__(self, method: str, url: str, status: int, code: str | None, detail: str) -> None:
        super().__init__(
            f"{method} {url} answered {status}" + (f" ({code})" if code else "") + f": {detail}"
        )
        self.method = method
        self.url = url
        self.status = status
        self.code = code
        self.detail = detail


class IncompleteState(RuntimeError):
    """``GET /_fake/state`` lists only the newest runs, backfills or materializations: a
    namespace holding more cannot answer ``state.runs()`` (and the others) in full."""


class RemoteClock:
    """The namespace's clock."""

    def __init__(self, fake: RemoteFake) -> None:
        self._fake = fake

    def now(self) -> datetime:
        """The fake's current instant, a timezone-aware UTC datetime."""
        return self._fake._call("GET", "clock", ClockAnswer).now

    @property
    def mode(self) -> ClockMode:
        """``"manual"`` or ``"realtime"``."""
        return self._fake._call("GET", "clock", ClockAnswer).mode

    def advance(self, seconds: float = 0.0) -> datetime:
        """Move the clock forward and process every transition due in between."""
        return self._fake._call("POST", "clock/advance", ClockAnswer, json={"seconds": seconds}).now

    def sleep(self, seconds: float) -> None:
        """Inject this in place of ``time.sleep`` into the client under test."""
        self.advance(seconds)

    def patch(self) -> AbstractContextManager[None]:
        """Route ``time.sleep``, ``asyncio.sleep`` and the clocks retry libraries read to this
        clock for the code under test (see :mod:`assetfake.timepatch`; a no-op on realtime)."""
        return timepatch.patched(self)


class RemoteFaults:
    """The namespace's fault rules: the scenario's, plus any added at run time."""

    def __init__(self, fake: RemoteFake) -> None:
        self._fake = fake

    @overload
    def add(self, fault: FaultDocument) -> str: ...

    @overload
    def add(self, fault: Sequence[FaultDocument]) -> list[str]: ...

    def add(self, fault: FaultDocument | Sequence[FaultDocument]) -> str | list[str]:
        """Add one fault (returns its name) or several (returns theirs), written as in a
        scenario's ``faults`` list; they apply from the next request. A fault the server finds
        invalid raises :class:`ControlError` (400, ``invalid_fault``) and none is added."""
        one = isinstance(fault, Mapping)
        documents = [dict(fault)] if isinstance(fault, Mapping) else [dict(f) for f in fault]
        names = self._fake._call("POST", "faults", FaultsAnswer, json=documents).faults
        added = names[len(names) - len(documents) :]  # the new rules come last
        return added[0] if one else added

    def clear(self) -> None:
        """Remove every fault, the scenario's included, until the next ``reset``."""
        self._fake._call("DELETE", "faults", FaultsAnswer)

    def names(self) -> list[str]:
        """The names of the active rules, in the order they are tried."""
        return self._fake._call("GET", "faults", FaultsAnswer).faults

    def __len__(self) -> int:
        return len(self.names())


class RemoteState:
    """The namespace's resources, decoded into the API's own structs, oldest first (as
    :attr:`assetfake.AssetFake.state` answers). Each call reads ``GET /_fake/state``, which
    lists the newest 1,000 of each kind: past that, :class:`IncompleteState` is raised rather
    than a silently shorter answer."""

    def __init__(self, fake: RemoteFake) -> None:
        self._fake = fake

    def runs(self, asset: str | None = None) -> list[Run]:
        state = self._read("runs", asset)
        return [run for run in reversed(state.runs) if asset in (None, run.asset_key)]

    def backfills(self, asset: str | None = None) -> list[Backfill]:
        state = self._read("backfills", asset)
        return [b for b in reversed(state.backfills) if asset in (None, b.asset_key)]

    def materializations(self, asset: str | None = None) -> list[Materialization]:
        state = self._read("materializations", asset)
        mats = reversed(state.materializations)
        return [m for m in mats if asset in (None, m.asset_key)]

    def counts(self) -> dict[str, int]:
        """Totals: ``assets``, ``runs``, ``backfills``, ``materializations``,
        ``pending_transitions``."""
        counts = self._fake._call("GET", "state", StateAnswer).counts
        return {name: n for name, n in counts.items() if isinstance(n, int)}

    def document(self) -> JSONObject:
        """``GET /_fake/state`` as sent: namespace, clock, assets, the newest resources,
        counts (with ``runs_by_status`` and ``backfills_by_status``)."""
        return self._fake._call("GET", "state", JSONObject)

    def _read(self, kind: str, asset: str | None) -> StateAnswer:
        state = self._fake._call("GET", "state", StateAnswer)
        if asset is not None and asset not in {a.key for a in state.assets}:
            raise NotFound(f"asset '{asset}' does not exist", code="asset_not_found")
        listed: Sequence[object] = getattr(state, kind)
        total = state.counts.get(kind)
        if isinstance(total, int) and total > len(listed):
            raise IncompleteState(
                f"the namespace holds {total} {kind}, and GET /_fake/state lists only the "
                f"newest {len(listed)}: read them through the API's paginated lists instead"
            )
        return state


class RemoteFake:
    """One namespace of a live assetfake server (the default one when ``namespace`` is None).

    ``client`` is the ``httpx.Client`` used for control calls (one is made, and closed by
    :meth:`close`, when none is given). Control calls that answer something else than 2xx raise
    :class:`ControlError` with the problem document's ``detail``; a domain error of the API
    (an unknown run to cancel, say) is a :class:`ControlError` too, with the API's ``code``.
    """

    def __init__(
        self, base_url: str, namespace: str | None = None, client: httpx.Client | None = None
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.namespace = namespace
        prefix = "" if namespace is None else "/_ns/" + quote(namespace, safe="")
        #: The namespace's base URL: API paths and ``/_fake/...`` go after it.
        self.url = self.base_url + prefix
        self._owns_client = client is None
        self._http = client if client is not None else httpx.Client(timeout=30.0)
        self.clock = RemoteClock(self)
        self.faults = RemoteFaults(self)
        self.state = RemoteState(self)

    # ------------------------------------------------------------------------------ lifecycle

    def close(self) -> None:
        """Close the control client, if this object made it."""
        if self._owns_client:
            self._http.close()

    def __enter__(self) -> RemoteFake:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"RemoteFake({self.url!r})"

    def client(self, **options: Unpack[ClientOptions]) -> httpx.Client:
        """A new ``httpx.Client`` whose ``base_url`` is this namespace's URL."""
        options.setdefault("base_url", self.url)
        return httpx.Client(**options)

    def health(self) -> JSONObject:
        return self._call("GET", "health", JSONObject)

    def drop(self) -> None:
        """Drop the namespace: state, clock, faults and journal are forgotten; its next use
        starts afresh from the server's scenario. Not for the default namespace."""
        if self.namespace is None:
            raise ValueError("the default namespace cannot be dropped; use reset()")
        self._request("DELETE", self.url + "/_fake", JSONObject)

    # --------------------------------------------------------------------------------- state

    def reset(self) -> None:
        """Back to the scenario's initial state: state, clock, faults, rate buckets, journal."""
        self._call("POST", "reset", ClockAnswer)

    def load_scenario(self, scenario: RemoteScenario) -> int:
        """Load a scenario into this namespace (into the whole server for the default one:
        every named namespace is then dropped). A mapping is sent as JSON, a ``str`` as YAML
        text, a path as its file's text (a relative ``extends`` in it is then resolved by the
        server: send ``Scenario.load(path).to_dict()`` instead to resolve it here). Returns
        the loaded scenario's seed. A scenario the server finds invalid raises
        :class:`ControlError` (status 400) with the validation messages."""
        if isinstance(scenario, Mapping):
            body = json.dumps(scenario).encode()
            content_type = "application/json"
        else:
            text = scenario if isinstance(scenario, str) else Path(scenario).read_text("utf-8")
            body = text.encode()
            content_type = "application/yaml"
        headers = {"content-type": content_type}
        return self._call("PUT", "scenario", LoadedAnswer, content=body, headers=headers).seed

    def run_until_idle(self) -> int:
        """Advance the manual clock until no transition is pending; returns how many ran."""
        return self._call("POST", "clock/run-until-idle", TransitionsAnswer).transitions

    def cancel_run(self, run_id: str) -> Run:
        return self._call("POST", f"runs/{quote(run_id, safe='')}/cancel", Run)

    def cancel_backfill(self, backfill_id: str) -> Backfill:
        return self._call("POST", f"backfills/{quote(backfill_id, safe='')}/cancel", Backfill)

    def snapshot(self) -> str:
        """Remember the namespace's state; returns an id for :meth:`restore`."""
        return self._call("POST", "snapshot", SnapshotAnswer).id

    def restore(self, snapshot_id: str) -> None:
        self._call("POST", f"restore/{quote(snapshot_id, safe='')}", ClockAnswer)

    # ------------------------------------------------------------------------------- journal

    @property
    def journal(self) -> list[JournalEntry]:
        """Every API request of the namespace, in arrival order (a fresh list each time), as
        the same records as :attr:`assetfake.AssetFake.journal` holds, ``details`` included
        (``credential`` is not sent over the control API: it is ``None`` here)."""
        return [item.entry() for item in self._call("GET", "journal", JournalAnswer).items]

    def clear_journal(self) -> None:
        self._call("DELETE", "journal", JournalAnswer)

    # --------------------------------------------------------------------------- credentials

    @property
    def credentials(self) -> str | None:
        """``GET /_fake/credentials``: the bearer token the client under test is issued now
        (the first of ``auth.client`` valid on the fake's clock, else the last); ``None``
        when the scenario has no auth."""
        return self._call("GET", "credentials", _CredentialsAnswer).token

    # --------------------------------------------------------------------------- expectations

    def verdict(self) -> Verdict:
        """``GET /_fake/verify``: whether every expectation held, and why not."""
        verdict = self._call("GET", "verify", Verdict)
        return msgspec.structs.replace(verdict, failures=[as_failure(f) for f in verdict.failures])

    def verify(self) -> None:
        """Check the scenario's ``expect`` entries; raises :class:`ExpectationFailed` with the
        server's report (or one made of the failures) when one does not hold."""
        verdict = self.verdict()
        if not verdict.passed:
            report = verdict.report or format_failures(verdict.failures)
            raise ExpectationFailed(report, verdict.failures)

    # ------------------------------------------------------------------------------ plumbing

    def _call(
        self,
        method: str,
        path: str,
        answer: type[T],
        *,
        json: object = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> T:
        url = f"{self.url}/_fake/{path}"
        return self._request(method, url, answer, json=json, content=content, headers=headers)

    def _request(
        self,
        method: str,
        url: str,
        answer: type[T],
        *,
        json: object = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> T:
        response = self._http.request(method, url, json=json, content=content, headers=headers)
        if not response.is_success:
            code, detail = _problem(response)
            raise ControlError(method, url, response.status_code, code, detail)
        try:
            return msgspec.json.decode(response.content, type=answer)
        except msgspec.DecodeError as error:
            raise ControlError(
                method, url, response.status_code, None, f"unexpected answer: {error}"
            ) from None


class _CredentialsAnswer(msgspec.Struct, frozen=True):
    token: str | None


def _problem(response: httpx.Response) -> tuple[str | None, str]:
    try:
        data = response.json()
    except ValueError:
        return None, response.text or response.reason_phrase
    if isinstance(data, dict):
        code = data.get("code")
        detail = data.get("detail") or data.get("title") or response.reason_phrase
        return (code if isinstance(code, str) else None), str(detail)
    return None, response.text
