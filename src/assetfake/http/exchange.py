"""The two values one request is made of: what arrived (:class:`ApiRequest`) and what goes back
(:class:`Outcome`).

The outcome is decided once, by the pipeline; the journal, the log, the in-process transports and
the live server's delivery all read it and recompute nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from assetfake.http.policy import FaultRule, NetworkKind
from assetfake.http.replies import Reply


@dataclass(frozen=True, slots=True)
class ApiRequest:
    """A request as it arrived, before anything was decided about it."""

    method: str
    raw_path: str  # still percent-encoded, without the query
    query: str  # the raw query string
    headers: dict[str, str]  # lower-case names; the last of repeated headers wins
    body: bytes
    #: False when the body never arrived whole (a disconnect, a Content-Length never met, a
    #: broken chunked body): such a request is journalled as aborted and changes nothing.
    complete: bool = True
    #: True when the body was larger than the fake reads (refused at the request-shape stage).
    too_large: bool = False
    #: True when the body was not read at all (its Content-Length is over the limit): the
    #: connection cannot carry another request after the answer.
    unread: bool = False
    #: Content-Length and Transfer-Encoding both given (RFC 9112 6.1): refused.
    ambiguous_framing: bool = False


@dataclass(slots=True)
class ConnectionState:
    """What a connection remembers between its requests (one per socket connection, one per
    in-process transport): a ``close_after`` fault leaves it stale, so that the next request
    on it is dropped unanswered."""

    stale_fault: str | None = None


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one request gets: the reply, and the fault that shaped it, if any."""

    reply: Reply
    request_id: str
    operation: str | None = None
    asset: str | None = None
    fault: FaultRule | None = None
    #: The network failure the client meets on this request: the ``network`` of the fault
    #: that fired, or ``close_after`` for a request dropped on a connection that a
    #: ``close_after`` fault left stale. None when the answer arrives whole (``slow_body`` and
    #: the answer that ``close_after`` follows included).
    network: NetworkKind | None = None
    #: The request never arrived whole: nothing was acted on, nothing is answered.
    aborted: bool = False
    #: Headers the delivery adds (``X-Fake-Fault``), kept apart so a broken body can carry them.
    marks: dict[str, str] = field(default_factory=dict)
    #: The real (wall-clock) delay before the answer, drawn once when the fault fired.
    delay_seconds: float = 0.0

    @property
    def status(self) -> int:
        """The status the client sees: 200 for a ``malformed`` body, 0 when no status arrives
        whole (every other network fault, an aborted request)."""
        if self.aborted:
            return 0
        if self.network is None:
            return self.reply.status
        return 200 if self.network == "malformed" else 0

    @property
    def fault_name(self) -> str | None:
        return None if self.fault is None else self.fault.name
