"""The composition root: how a validated scenario becomes the template every namespace's world
starts from (the scenario and HTTP layers do not import each other; this module sees both).

A :class:`~assetfake.scenario.Scenario` already holds the domain's
:class:`~assetfake.domain.config.WorldConfig` (clock, seed, assets, history) with any seed and
clock overrides applied (:meth:`~assetfake.scenario.Scenario.with_overrides`, the one place they
are). :func:`template_of` adds the HTTP layer's :class:`~assetfake.http.policy.Policies` (auth,
rate limit, faults) and the ``expect`` entries, which need no conversion: they are
:mod:`assetfake.expectations` records, the type the template and the verifier both name.
"""

from __future__ import annotations

from assetfake.domain.timestamps import parse_rfc3339
from assetfake.http.namespaces import WorldTemplate
from assetfake.http.policy import (
    AuthPolicy,
    FaultMatch,
    FaultResponse,
    FaultRule,
    Policies,
    RateLimitPolicy,
    TokenGrant,
)
from assetfake.scenario import Scenario
from assetfake.scenario.schema import AuthSpec, FaultSpec, ScenarioSpec


def policies_of(spec: ScenarioSpec) -> Policies:
    """``spec`` is a validated scenario spec (:attr:`assetfake.Scenario.spec`)."""
    rate = None
    if spec.rate_limit is not None:
        rl = spec.rate_limit
        rate = RateLimitPolicy(rl.requests, rl.per_seconds, rl.scope)
    return Policies(
        auth=None if spec.auth is None else auth_policy(spec.auth),
        rate_limit=rate,
        faults=tuple(fault_rule(f) for f in spec.faults),
        mark_faults=spec.mark_faults,
    )


def auth_policy(spec: AuthSpec) -> AuthPolicy:
    """The tokens the fake accepts (with when each expires or is revoked, on its clock) and
    the ones the client under test is issued, in order."""
    grants = {
        t.token: TokenGrant(
            t.token,
            frozenset(t.scopes),
            expires_at_ms=_instant(t.expires_at),
            revoked_at_ms=_instant(t.revoked_at),
        )
        for t in spec.tokens
    }
    return AuthPolicy(grants, client=spec.client or ())


def _instant(text: str | None) -> int | None:
    return None if text is None else parse_rfc3339(text)


def fault_rule(spec: FaultSpec) -> FaultRule:
    """A validated fault spec as a rule of the fault engine."""
    m, r = spec.match, spec.respond
    delay, delay_max = r.delay_bounds
    operations = None
    if m.operation is not None:
        operations = frozenset([m.operation] if isinstance(m.operation, str) else m.operation)
    between = None
    if m.between is not None:
        between = (parse_rfc3339(m.between.start), parse_rfc3339(m.between.end))
    return FaultRule(
        name=spec.name,
        match=FaultMatch(
            operations=operations,
            method=m.method,
            asset=m.asset,
            query=dict(m.query),
            header={k.lower(): v for k, v in m.header.items()},
            token=m.token,
            call=m.call,
            calls=None if m.calls is None else frozenset(m.calls),
            after=m.after,
            every=m.every,
            probability=m.probability,
            times=m.times,
            between=between,
        ),
        respond=FaultResponse(
            status=r.status,
            headers=dict(r.headers),
            body=r.body,
            delay_seconds=delay,
            delay_max_seconds=delay_max,
            phase=r.phase,
            network=r.network,
            stall_after_bytes=r.stall_after_bytes or 0,
            bytes_per_second=r.bytes_per_second or 0.0,
        ),
    )


def template_of(scenario: Scenario) -> WorldTemplate:
    """The template every namespace serving ``scenario`` starts from."""
    return WorldTemplate(
        scenario.config,
        policies=policies_of(scenario.spec),
        expectations=scenario.spec.expect,
        name=scenario.name,
    )
