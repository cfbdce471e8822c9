"""The words a fault is written in: its network kinds, its phase, a rate limit's scope.

One vocabulary for every layer that names them: the scenario schema decodes them, the HTTP
layer's policy records carry them (``http/policy.py``), the expectations name the failures a
client meets (``expectations.py``). Like :mod:`assetfake.operations` and
:mod:`assetfake.expectations` beside it, this module imports nothing of the fake, so that the
scenario format and the HTTP layer share it without importing each other.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Literal, get_args

#: When a fault strikes: ``before`` the request is acted on, or ``after`` (the change is kept,
#: the client sees the error: the ambiguous failure).
Phase = Literal["before", "after"]

#: The network faults a scenario's ``respond.network`` names (CONTRACT section 3).
NetworkKind = Literal[
    "reset", "empty", "truncated", "malformed", "hang", "stall", "slow_body", "close_after"
]

#: The network failures a client can meet, as the journal records them and ``retries_on`` /
#: ``no_retry_on`` name them: every kind but ``slow_body``, whose answer arrives whole.
#: (``close_after`` is the request the client sent next on the connection the server closed.)
NetworkFailure = Literal["reset", "empty", "truncated", "stall", "malformed", "close_after", "hang"]

#: Whom a rate limit's bucket belongs to: each bearer token, or everyone at once.
RateScope = Literal["token", "global"]

NETWORK_KINDS: tuple[NetworkKind, ...] = get_args(NetworkKind)
NETWORK_FAILURES: tuple[NetworkFailure, ...] = get_args(NetworkFailure)

#: The kinds whose client still receives the real answer whole (late, or on a connection
#: that is closed afterwards).
ANSWERED_KINDS: frozenset[NetworkKind] = frozenset({"slow_body", "close_after"})

#: The ``respond`` parameters that belong to one network kind, and that kind.
KIND_PARAMETERS: Mapping[str, NetworkKind] = MappingProxyType(
    {"stall_after_bytes": "stall", "bytes_per_second": "slow_body"}
)
