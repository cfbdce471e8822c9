"""Schemathesis finds nothing the served document and the fake disagree on.

Every phase (examples, coverage, fuzzing, stateful) and every check, over the document the
instance itself serves at ``/openapi.json``: in-process (ASGI) and against a live server, for
the default scenario (no auth) and for a scenario with bearer auth. The default run has short
forms; ``-m schemathesis_long`` runs at least 200 examples per operation. The only configured
check is the semantic-400 excuse of ``schemathesis_runs.SEMANTIC_400``.

Two runs over documents that lie on purpose prove that the harness would see a lie.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from schemathesis.specs.openapi.schemas import OpenApiSchema
from schemathesis_runs import PHASES, RunFigures, config, run_schemathesis

from assetfake.fake import AssetFake
from assetfake.http.openapi import openapi_document

SHORT = 8
LONG = 200
AUTH_SCENARIO = "auth-expiry"  # bearer auth; this token reads and writes and never expires
AUTH_TOKEN = "writer-token-renewed"
#: Every check Schemathesis runs by default (``max_response_time`` needs a limit to mean
#: anything), with ``positive_data_acceptance`` under its configured name.
CHECKS = {
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
    "positive_data_acceptance_but_semantic_400",
    "missing_required_header",
    "unsupported_method",
    "allow_header_conformance",
    "use_after_free",
    "ensure_resource_availability",
    "ignored_auth",
    "object_level_authorization",
}
#: The links the document declares; stateful testing must follow each of them.
DECLARED_LINKS = ("GetCreatedBackfill", "ListRunsOfAsset")


def assert_clean(figures: RunFigures) -> None:
    report = figures.summary()
    assert figures.errors == [], report
    assert figures.failure_count() == 0, report
    assert figures.skipped_phases == [], report
    for phase in PHASES:
        assert figures.cases[phase] > 0, report
    assert set(figures.checks) >= CHECKS, report
    for link in DECLARED_LINKS:
        assert any(f"] {link} -> " in covered for covered in figures.links_covered), report


@pytest.fixture
def live_fake() -> Iterator[tuple[AssetFake, str]]:
    fake = AssetFake()
    with fake.serve() as url:
        yield fake, url


def in_process(fake: AssetFake, examples: int, bearer: str | None = None) -> OpenApiSchema:
    return schemathesis.openapi.from_asgi(
        "/openapi.json", fake.app, config=config(examples, bearer=bearer)
    )


def over_document(fake: AssetFake, document: dict[str, Any], examples: int) -> OpenApiSchema:
    schema = schemathesis.openapi.from_dict(document, config=config(examples))
    schema.app = fake.app
    schema.location = "/openapi.json"
    return schema


# -- short forms (the default run) ------------------------------------------------------------


def test_in_process_default_scenario() -> None:
    assert_clean(run_schemathesis(in_process(AssetFake(), SHORT)))


def test_live_server_default_scenario(live_fake: tuple[AssetFake, str]) -> None:
    _, url = live_fake
    schema = schemathesis.openapi.from_url(f"{url}/openapi.json", config=config(SHORT))
    assert_clean(run_schemathesis(schema))


def test_in_process_scenario_with_auth() -> None:
    fake = AssetFake(AUTH_SCENARIO)
    assert_clean(run_schemathesis(in_process(fake, SHORT, bearer=AUTH_TOKEN)))


# -- the harness sees a lie -------------------------------------------------------------------


def test_a_document_declaring_auth_the_instance_lacks_is_caught() -> None:
    """The finding of issue 10: the real service's document served by an instance without
    auth. Schemathesis sends no or a bogus token and sees it accepted."""
    figures = run_schemathesis(over_document(AssetFake(), openapi_document(auth=True), 3))
    failed = [failure for found in figures.failures.values() for failure in found]
    assert any(failure.startswith("ignored_auth ") for failure in failed), figures.summary()


def test_a_document_that_hides_the_page_token_rules_is_caught() -> None:
    """Without the token's length and alphabet, an empty ``page_token`` is schema-valid; the
    fake refuses it for its shape, which the semantic excuse does not cover."""
    document: Any = openapi_document(auth=False)
    document["components"]["schemas"]["PageToken"] = {"type": "string"}
    figures = run_schemathesis(over_document(AssetFake(), document, 3))
    failed = [failure for found in figures.failures.values() for failure in found]
    assert any(
        failure.startswith("positive_data_acceptance_but_semantic_400 ")
        and "'page_token': ''" in failure
        for failure in failed
    ), figures.summary()


# -- long forms (-m schemathesis_long) --------------------------------------------------------


@pytest.mark.schemathesis_long
def test_long_in_process_default_scenario() -> None:
    figures = run_schemathesis(in_process(AssetFake(), LONG))
    print(figures.summary())
    assert_clean(figures)


@pytest.mark.schemathesis_long
def test_long_live_server_default_scenario(live_fake: tuple[AssetFake, str]) -> None:
    _, url = live_fake
    figures = run_schemathesis(
        schemathesis.openapi.from_url(f"{url}/openapi.json", config=config(LONG))
    )
    print(figures.summary())
    assert_clean(figures)


@pytest.mark.schemathesis_long
def test_long_in_process_scenario_with_auth() -> None:
    fake = AssetFake(AUTH_SCENARIO)
    figures = run_schemathesis(in_process(fake, LONG, bearer=AUTH_TOKEN))
    print(figures.summary())
    assert_clean(figures)
