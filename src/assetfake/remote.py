"""``RemoteFake``: a fake reached over HTTP, driven through its control API.

The same shape as :class:`assetfake.AssetFake` where that makes sense (``clock``, ``faults``,
``journal``, ``reset``, ``run_until_idle``, ``verify``, ``client``), on one namespace of a live
server — so a test can run against a shared server exactly as against an in-process fake::

    fake = RemoteFake("http://127.0.0.1:8000", namespace="test-42")
    with fake.client() as c:
        run = c.post("/assets/customers/materialize", json={}).json()
    fake.run_until_idle()
    newest = fake.state()["runs"][0]
    assert (newest["id"], newest["status"]) == (run["id"], "SUCCEEDED")
    fake.drop()
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any, cast
from urllib.parse import quote

import httpx

from assetfake.verify.failure import ExpectationFailed

__all__ = [
    "ControlError",
    "ExpectationFailed",
    "RemoteClock",
    "RemoteFake",
    "RemoteFaults",
    "RemoteJournalEntry",
    "format_failures",
]

#: A JSON object as decoded from a control answer.
JSONObject = dict[str, Any]

#: What :meth:`RemoteFake.load_scenario` accepts: a scenario as a mapping (sent as JSON), the
#: text of a YAML (or JSON) document, or the path of a scenario file (its text is sent).
RemoteScenario = Mapping[str, object] | str | os.PathLike[str]


class ControlError(RuntimeError):
    """The control API answered with something else than 2xx."""

    def __init__(self, method: str, url: str, status: int, code: str | None, detail: str) -> None:
        super().__init__(
            f"{method} {url} answered {status}" + (f" ({code})" if code else "") + f": {detail}"
        )
        self.method = method
        self.url = url
        self.status = status
        self.code = code
        self.detail = detail


@dataclass(frozen=True, slots=True)
class RemoteJournalEntry:
    """One journaled API request, as the control API reports it."""

    operation: str | None
    method: str
    path: str
    query: str
    status: int
    fault: str | None
    clock_time: datetime
    wall_time: float
    body_digest: str
    request_id: str

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RemoteJournalEntry:
        return cls(
            operation=data["operation"],
            method=data["method"],
            path=data["path"],
            query=data["query"],
            status=int(data["status"]),
            fault=data["fault"],
            clock_time=_parse_time(data["clock_time"]),
            wall_time=float(data["wall_time"]),
            body_digest=data.get("body_digest", ""),
            request_id=data.get("request_id", ""),
        )


class RemoteClock:
    """The namespace's clock."""

    def __init__(self, fake: RemoteFake) -> None:
        self._fake = fake

    def now(self) -> datetime:
        """The fake's current instant, a timezone-aware UTC datetime."""
        return _parse_time(self._fake._call("GET", "clock")["now"])

    @property
    def mode(self) -> str:
        """``"manual"`` or ``"realtime"``."""
        return str(self._fake._call("GET", "clock")["mode"])

    def advance(self, seconds: float = 0.0) -> datetime:
        """Move the clock forward and process every transition due in between."""
        answer = self._fake._call("POST", "clock/advance", json={"seconds": seconds})
        return _parse_time(answer["now"])

    def sleep(self, seconds: float) -> None:
        """Inject this in place of ``time.sleep`` into the client under test."""
        self.advance(seconds)


class RemoteFaults:
    """The namespace's fault rules: the scenario's, plus any added at run time."""

    def __init__(self, fake: RemoteFake) -> None:
        self._fake = fake

    def add(self, fault: Mapping[str, object] | Sequence[Mapping[str, object]]) -> list[str]:
        """Add one fault (or a list), written as in a scenario's ``faults`` list; it applies
        from the next request. Returns the names of every active rule."""
        data = dict(fault) if isinstance(fault, Mapping) else [dict(f) for f in fault]
        return _names(self._fake._call("POST", "faults", json=data))

    def clear(self) -> None:
        """Remove every fault, the scenario's included, until the next ``reset``."""
        self._fake._call("DELETE", "faults")

    def names(self) -> list[str]:
        """The names of the active rules, in the order they are tried."""
        return _names(self._fake._call("GET", "faults"))

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def __len__(self) -> int:
        return len(self.names())


class RemoteFake:
    """One namespace of a live assetfake server (the default one when ``namespace`` is None).

    ``client`` is the ``httpx.Client`` used for control calls (one is made, and closed by
    :meth:`close`, when none is given). Control calls that answer something else than 2xx raise
    :class:`ControlError` with the problem document's ``detail``.
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

    def client(self, **kwargs: Any) -> httpx.Client:
        """A new ``httpx.Client`` whose ``base_url`` is this namespace's URL."""
        kwargs.setdefault("base_url", self.url)
        return httpx.Client(**kwargs)

    def health(self) -> JSONObject:
        return self._call("GET", "health")

    def drop(self) -> None:
        """Drop the namespace: state, clock, faults and journal are forgotten; its next use
        starts afresh from the server's scenario. Not for the default namespace."""
        if self.namespace is None:
            raise ValueError("the default namespace cannot be dropped; use reset()")
        self._request("DELETE", self.url + "/_fake")

    # --------------------------------------------------------------------------------- state

    def reset(self) -> None:
        """Back to the scenario's initial state: state, clock, faults, rate buckets, journal."""
        self._call("POST", "reset")

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
        answer = self._call("PUT", "scenario", content=body, headers={"content-type": content_type})
        return int(answer["loaded"])

    def run_until_idle(self) -> int:
        """Advance the manual clock until no transition is pending; returns how many ran."""
        return int(self._call("POST", "clock/run-until-idle")["transitions"])

    def state(self) -> JSONObject:
        """``GET /_fake/state``: assets, the newest runs, backfills and materializations,
        counts."""
        return self._call("GET", "state")

    def cancel_run(self, run_id: str) -> JSONObject:
        return self._call("POST", f"runs/{quote(run_id, safe='')}/cancel")

    def cancel_backfill(self, backfill_id: str) -> JSONObject:
        return self._call("POST", f"backfills/{quote(backfill_id, safe='')}/cancel")

    def snapshot(self) -> str:
        """Remember the namespace's state; returns an id for :meth:`restore`."""
        return str(self._call("POST", "snapshot")["id"])

    def restore(self, snapshot_id: str) -> None:
        self._call("POST", f"restore/{quote(snapshot_id, safe='')}")

    # ------------------------------------------------------------------------------- journal

    @property
    def journal(self) -> list[RemoteJournalEntry]:
        """Every API request of the namespace, in arrival order (a fresh list each time)."""
        items = self._call("GET", "journal")["items"]
        return [RemoteJournalEntry.from_json(item) for item in items]

    def clear_journal(self) -> None:
        self._call("DELETE", "journal")

    # --------------------------------------------------------------------------- expectations

    def verdict(self) -> JSONObject:
        """``GET /_fake/verify``: ``{"passed": bool, "failures": [...], "report": str}``."""
        return self._call("GET", "verify")

    def verify(self) -> None:
        """Check the scenario's ``expect`` entries; raises :class:`ExpectationFailed` with a
        readable report when one does not hold."""
        verdict = self.verdict()
        if not verdict.get("passed", False):
            failures = list(verdict.get("failures") or [])
            report = verdict.get("report")
            if not isinstance(report, str) or not report:
                report = format_failures(failures)
            raise ExpectationFailed(report, failures)

    # ------------------------------------------------------------------------------ plumbing

    def _call(self, method: str, path: str, **kwargs: Any) -> JSONObject:
        return self._request(method, f"{self.url}/_fake/{path}", **kwargs)

    def _request(self, method: str, url: str, **kwargs: Any) -> JSONObject:
        response = self._http.request(method, url, **kwargs)
        if not response.is_success:
            code, detail = _problem(response)
            raise ControlError(method, url, response.status_code, code, detail)
        data = response.json()
        if not isinstance(data, dict):
            raise ControlError(
                method,
                url,
                response.status_code,
                None,
                f"expected a JSON object, got {type(data).__name__}",
            )
        return cast(JSONObject, data)


def format_failures(failures: Sequence[object]) -> str:
    """A readable report of a verdict's failures, one per line."""
    lines = [f"{len(failures)} expectation(s) failed:"]
    for failure in failures:
        lines.append(f"  - {_describe(failure)}")
    return "\n".join(lines) if failures else "expectations failed (no details given)"


def _describe(failure: object) -> str:
    if isinstance(failure, Mapping):
        message = failure.get("message")
        if isinstance(message, str):
            where = failure.get("expectation")
            lines = [f"{where}: {message}" if where else message]
            journal = failure.get("journal")
            if isinstance(journal, list):
                lines.extend(f"      {entry}" for entry in journal)
            return "\n".join(lines)
        return json.dumps(failure, sort_keys=True, default=str)
    return str(failure)


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


def _names(answer: JSONObject) -> list[str]:
    return [str(name) for name in answer["faults"]]


def _parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))
