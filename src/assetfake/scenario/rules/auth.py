"""The rules of ``auth``: unique tokens, readable instants, and a client issued only tokens
that the fake knows."""

from __future__ import annotations

from assetfake.scenario.nodes import Location
from assetfake.scenario.rules.reporting import Report, timestamp
from assetfake.scenario.schema import AuthSpec


def check_auth(auth: AuthSpec | None, report: Report) -> None:
    if auth is None:
        return
    seen: dict[str, int] = {}
    for index, token in enumerate(auth.tokens):
        location: Location = ("auth", "tokens", index)
        if token.token in seen:
            report(
                (*location, "token"),
                f"duplicate token {token.token!r} (first at {{related}})",
                ("auth", "tokens", seen[token.token], "token"),
            )
        seen.setdefault(token.token, index)
        for name in ("expires_at", "revoked_at"):
            instant: str | None = getattr(token, name)
            if instant is not None:
                timestamp(instant, (*location, name), report)
    _check_client(auth, seen, report)


def _check_client(auth: AuthSpec, declared: dict[str, int], report: Report) -> None:
    issued: dict[str, int] = {}
    for index, token in enumerate(auth.client or ()):
        location: Location = ("auth", "client", index)
        if token in issued:
            report(
                location,
                f"duplicate token {token!r} (first at {{related}})",
                ("auth", "client", issued[token]),
            )
            continue
        issued[token] = index
        if token not in declared:
            known = ", ".join(declared) or "none"
            report(location, f"token {token!r} is not declared in auth.tokens (declared: {known})")
