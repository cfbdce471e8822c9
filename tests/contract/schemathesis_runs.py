"""Schemathesis against the fake: every phase, every check, and the figures of the run.

``run_schemathesis`` drives Schemathesis's own engine (what ``schemathesis run`` runs: the
examples, coverage, fuzzing and stateful phases) over a loaded schema and returns what happened,
per phase: how many test cases ran and which checks failed on which operation.

Every check is on, with one change, made exactly where the fake is right to refuse a request the
document calls valid: :func:`positive_data_acceptance_but_semantic_400` replaces the built-in
``positive_data_acceptance`` and differs from it only in accepting a 400 whose problem ``code``
names a rule no schema can state (see ``SEMANTIC_400``). Any other refusal of schema-valid data
is still a failure.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import schemathesis
from schemathesis.engine import events, from_schema
from schemathesis.openapi.checks import RejectedPositiveData
from schemathesis.specs.openapi.checks import positive_data_acceptance
from schemathesis.specs.openapi.schemas import OpenApiSchema

PHASES = ("examples", "coverage", "fuzzing", "stateful")
STATEFUL_MINIMUM = 30
_LISTS = ("listAssetRuns", "listAssetBackfills", "listAssetMaterializations")
#: The shape of a page token the fake could have issued, stated here and not read from the
#: document under test, so that a document which stops saying it is caught.
_WELL_FORMED_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,4096}")


def _always(case: schemathesis.Case) -> bool:
    return True


def _well_formed_token(case: schemathesis.Case) -> bool:
    token = (case.query or {}).get("page_token")
    return isinstance(token, str) and _WELL_FORMED_TOKEN.fullmatch(token) is not None


# Whether a string is a partition of the asset, whether the asset is partitioned at all, and
# whether an Idempotency-Key was used before with another body are the asset's and the server's
# business: no schema of the request can state them.
_WRITE_RULES = {
    code: _always
    for code in ("unknown_partition", "invalid_range", "not_partitioned", "idempotency_key_reused")
}
_TRIGGER_RULES = {
    code: _always
    for code in (
        "unknown_partition",
        "partition_required",
        "partition_not_allowed",
        "idempotency_key_reused",
    )
}
#: Per operation, the problem codes of the 400s that a schema-valid request may earn for what it
#: means rather than for its shape, each with the condition under which the excuse holds. Page
#: tokens are tamper-evident (CONTRACT 1, "Lists and pagination"): a token of the right alphabet
#: and length is still one the server never issued, and is refused.
SEMANTIC_400: dict[str, dict[str, Callable[[schemathesis.Case], bool]]] = {
    **{operation: {"invalid_page_token": _well_formed_token} for operation in _LISTS},
    "createAssetBackfill": _WRITE_RULES,
    "triggerAssetMaterialization": _TRIGGER_RULES,
}


def _problem_code(response: schemathesis.Response) -> str | None:
    try:
        document = json.loads(response.content)
    except ValueError:
        return None
    code = document.get("code") if isinstance(document, dict) else None
    return code if isinstance(code, str) else None


@schemathesis.check
def positive_data_acceptance_but_semantic_400(
    ctx: schemathesis.CheckContext, response: schemathesis.Response, case: schemathesis.Case
) -> bool | None:
    """``positive_data_acceptance``, except for the semantic 400s of ``SEMANTIC_400``."""
    try:
        return positive_data_acceptance(ctx, response, case)
    except RejectedPositiveData:
        operation_id = case.operation.definition.raw.get("operationId", "")
        excuse = SEMANTIC_400.get(operation_id, {}).get(_problem_code(response) or "")
        if response.status_code == 400 and excuse is not None and excuse(case):
            return None
        raise


def config_text(max_examples: int, *, bearer: str | None = None, seed: int = 1) -> str:
    """The Schemathesis configuration (TOML) of one run: every phase, every check."""
    auth = f'\n[auth.openapi.bearerAuth]\nbearer = "{bearer}"\n' if bearer else ""
    return f"""
seed = {seed}

[generation]
mode = "all"
max-examples = {max_examples}
database = "none"

[checks]
# Replaced by positive_data_acceptance_but_semantic_400 (above), which is on like every check.
positive_data_acceptance.enabled = false

[phases.stateful]
max-steps = 20

[phases.stateful.generation]
# Enough scenarios, even in a short run, to follow every declared link.
max-examples = {max(max_examples, STATEFUL_MINIMUM)}
{auth}"""


def config(max_examples: int, *, bearer: str | None = None) -> schemathesis.Config:
    return schemathesis.Config.from_str(config_text(max_examples, bearer=bearer))


@dataclass(slots=True)
class RunFigures:
    """What one Schemathesis run did, per phase."""

    cases: Counter[str] = field(default_factory=Counter)
    checks: Counter[str] = field(default_factory=Counter)
    failures: dict[str, list[str]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)  # "stateful POST 201": how many
    links_total: int = 0
    links_covered: set[str] = field(default_factory=set)
    skipped_phases: list[str] = field(default_factory=list)

    def failure_count(self) -> int:
        return sum(len(found) for found in self.failures.values())

    def summary(self) -> str:
        lines = [
            f"{phase}: {self.cases[phase]} cases, {len(self.failures.get(phase, []))} failures"
            for phase in PHASES
        ]
        lines.append(f"links: {len(self.links_covered)} covered of {self.links_total}")
        lines += [f"  covered: {link}" for link in sorted(self.links_covered)]
        lines.append(
            "statuses: " + ", ".join(f"{k} x{n}" for k, n in sorted(self.statuses.items()))
        )
        lines += [f"error: {error}" for error in self.errors]
        for phase, found in self.failures.items():
            lines += [f"{phase} FAILED {failure}" for failure in found[:20]]
        return "\n".join(lines)


def _record(figures: RunFigures, event: events.ScenarioFinished) -> None:
    phase = event.phase.value
    phase = "stateful" if phase == "stateful_testing" else phase
    recorder = event.recorder
    if phase == "stateful" and event.is_final:
        return  # Hypothesis replaying a failing example: its checks were counted already
    figures.cases[phase] += len(recorder.cases)
    for interaction in recorder.interactions.values():
        if interaction.response is not None:
            method = interaction.request.method
            figures.statuses[f"{phase} {method} {interaction.response.status_code}"] += 1
    for case_id, nodes in recorder.checks.items():
        for node in nodes:
            figures.checks[node.name] += 1
            if node.status.value != "failure" or node.failure_info is None:
                continue
            failure = node.failure_info.failure
            case = recorder.cases[case_id].value
            figures.failures.setdefault(phase, []).append(
                f"{node.name} on {case.method} {case.path} {case.path_parameters} "
                f"{case.query} {case.headers}: {failure.title}: {failure.message}"
            )
    figures.links_covered.update(
        node.transition.id
        for node in recorder.cases.values()
        if node.transition is not None and node.is_transition_applied
    )


def run_schemathesis(schema: OpenApiSchema) -> RunFigures:
    """Run every phase of Schemathesis over ``schema`` and return its figures."""
    figures = RunFigures()
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            _record(figures, event)
        elif isinstance(event, events.PhaseStarted) and event.payload is not None:
            figures.links_total = event.payload.transitions_total
        elif isinstance(event, events.PhaseFinished) and event.phase.skip_reason is not None:
            figures.skipped_phases.append(f"{event.phase.name.value}: {event.phase.skip_reason}")
        elif isinstance(event, (events.NonFatalError, events.FatalError)):
            figures.errors.append(repr(getattr(event, "value", None) or event))
    return figures
