"""A client generated from the served document works, typed, with slash-containing keys.

openapi-python-client generates a package from a live instance's ``/openapi.json`` (failing on
any warning); the tests import it, check that every request and response body has a typed
model (no ``Any``), and drive all six operations through it against the same instance with the
key ``sales/daily``: the client encodes it once (``sales%2Fdaily``), which the journal shows.
The default scenario (no auth) is driven with the plain ``Client``; the same scenario with an
``auth`` block with ``AuthenticatedClient``.
"""

from __future__ import annotations

import importlib
import inspect
import subprocess
import sys
import types
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, get_args

import pytest

from assetfake.fake import AssetFake
from assetfake.scenario import library

pytestmark = pytest.mark.skipif(
    sys.version_info < (3, 11),
    reason="openapi-python-client 0.29 generates code for Python 3.11+ (typing.Self)",
)

KEY = "sales/daily"
ENCODED = "/assets/sales%2Fdaily/"
WRITER = "writer"
READER = "reader"
#: Operation module -> (request body models, success response model).
OPERATIONS: dict[str, tuple[set[str], str]] = {
    "list_asset_runs": (set(), "RunPage"),
    "list_asset_backfills": (set(), "BackfillPage"),
    "list_asset_materializations": (set(), "MaterializationPage"),
    "get_asset_backfill": (set(), "Backfill"),
    "create_asset_backfill": (
        {"CreateBackfillByKeys", "CreateBackfillByRange", "CreateBackfillOfAllPartitions"},
        "Backfill",
    ),
    "trigger_asset_materialization": ({"TriggerMaterializationRequest"}, "Run"),
}


@dataclass(frozen=True, slots=True)
class Generated:
    """A generated client package and the live instance it was generated from."""

    fake: AssetFake
    url: str
    package: types.ModuleType
    api: dict[str, types.ModuleType]
    models: types.ModuleType


def _generate(url: str, where: Path, name: str) -> types.ModuleType:
    config = where / "generator.yaml"
    config.write_text("post_hooks: []\n", encoding="utf-8")
    command = ["generate", "--url", f"{url}/openapi.json", "--meta", "none"]
    command += ["--output-path", str(where / name), "--config", str(config), "--fail-on-warning"]
    done = subprocess.run(
        [sys.executable, "-m", "openapi_python_client", *command],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "warning" not in (done.stdout + done.stderr).lower(), done.stdout + done.stderr
    return importlib.import_module(name)


@contextmanager
def _generated(scenario: dict[str, Any] | None, where: Path) -> Iterator[Generated]:
    name = f"generated_assets_client_{where.name.replace('-', '_')}"
    fake = AssetFake(scenario)
    sys.path.insert(0, str(where))
    try:
        with fake.serve() as url:
            package = _generate(url, where, name)
            api = {
                operation: importlib.import_module(
                    f"{name}.api.materialization_and_runs.{operation}"
                )
                for operation in OPERATIONS
            }
            yield Generated(fake, url, package, api, importlib.import_module(f"{name}.models"))
    finally:
        sys.path.remove(str(where))
        for module in [m for m in sys.modules if m == name or m.startswith(f"{name}.")]:
            del sys.modules[module]


@pytest.fixture(scope="module")
def open_instance(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Generated]:
    """The default scenario (no auth), and a client generated from what it serves."""
    with _generated(None, tmp_path_factory.mktemp("open")) as generated:
        yield generated


@pytest.fixture(scope="module")
def auth_instance(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Generated]:
    """A scenario with bearer auth, and a client generated from what it serves."""
    default = next(entry.path for entry in library() if entry.name == "default")
    scenario = {
        "version": 1,
        "name": "default-with-auth",
        "extends": str(default),
        "auth": {
            "tokens": [
                {"token": READER, "scopes": ["assets:read"]},
                {"token": WRITER, "scopes": ["assets:read", "assets:write"]},
            ]
        },
    }
    with _generated(scenario, tmp_path_factory.mktemp("auth")) as generated:
        yield generated


def _names(annotation: object) -> set[str]:
    """The names in a type annotation (``A | B | None`` -> {"A", "B", "None"})."""
    if isinstance(annotation, str):
        return {part.strip() for part in annotation.split("|")}
    members = get_args(annotation) or (annotation,)
    return {"None" if m is type(None) else getattr(m, "__name__", repr(m)) for m in members}


@pytest.mark.parametrize("instance", ["open_instance", "auth_instance"])
def test_every_request_and_response_body_has_a_typed_model(
    instance: str, request: pytest.FixtureRequest
) -> None:
    generated: Generated = request.getfixturevalue(instance)
    models = generated.models
    for operation, (bodies, success) in OPERATIONS.items():
        signature = inspect.signature(generated.api[operation].sync)
        if bodies:
            body = _names(signature.parameters["body"].annotation)
            assert body - {"Unset"} == bodies, operation  # no Any, no dict
            for model in bodies:
                assert hasattr(getattr(models, model), "from_dict"), model
        else:
            assert "body" not in signature.parameters, operation
        assert _names(signature.return_annotation) == {success, "Problem", "None"}, operation
        assert hasattr(getattr(models, success), "from_dict"), success
    fields = {
        (model, name): _names(parameter.annotation)
        for model in ("Run", "Backfill", "CreateBackfillOfAllPartitions")
        for name, parameter in inspect.signature(getattr(models, model)).parameters.items()
    }
    assert fields["Run", "status"] == {"AssetRunStatus"}
    assert fields["Run", "error"] == {"None", "RunError"}
    assert fields["Backfill", "partition_selection"] == {
        "PartitionKeysSelection",
        "PartitionRangeSelection",
        "AllPartitionsSelection",
    }
    assert fields["CreateBackfillOfAllPartitions", "all_partitions"] == {"bool"}


def _client(generated: Generated, token: str | None = None) -> Any:
    if token is None:
        return generated.package.Client(base_url=generated.url, raise_on_unexpected_status=True)
    return generated.package.AuthenticatedClient(
        base_url=generated.url, token=token, raise_on_unexpected_status=True
    )


def _lists(generated: Generated, client: Any) -> None:
    api, models = generated.api, generated.models
    first = api["list_asset_runs"].sync(KEY, client=client, max_results=2)
    assert isinstance(first, models.RunPage) and len(first.items) == 2
    assert all(isinstance(run, models.Run) and run.asset_key == KEY for run in first.items)
    assert isinstance(first.items[0].created_at, datetime) and first.items[0].created_at.tzinfo
    second = api["list_asset_runs"].sync(
        KEY, client=client, max_results=2, page_token=first.next_page_token
    )
    assert isinstance(second, models.RunPage)
    assert {run.id for run in first.items}.isdisjoint(run.id for run in second.items)
    materializations = api["list_asset_materializations"].sync(KEY, client=client)
    assert isinstance(materializations, models.MaterializationPage)
    for materialization in materializations.items:
        assert isinstance(materialization, models.Materialization)
        assert materialization.asset_key == KEY and materialization.run_id


def _writes(generated: Generated, client: Any) -> list[str]:
    """Trigger (twice, idempotently) and create three backfills; returns the backfills' ids."""
    api, models = generated.api, generated.models
    trigger = models.TriggerMaterializationRequest(
        partition_key="2024-01-10", tags=models.Tags.from_dict({"team": "growth"})
    )
    run = api["trigger_asset_materialization"].sync(
        KEY, client=client, body=trigger, idempotency_key="generated-1"
    )
    assert isinstance(run, models.Run)
    assert (run.asset_key, run.status, run.partition_key) == (
        KEY,
        models.AssetRunStatus.QUEUED,
        "2024-01-10",
    )
    assert run.tags.additional_properties == {"team": "growth"}
    again = api["trigger_asset_materialization"].sync(
        KEY, client=client, body=trigger, idempotency_key="generated-1"
    )
    assert isinstance(again, models.Run) and again.id == run.id
    bodies = [
        models.CreateBackfillByKeys(partition_keys=["2024-01-02", "2024-01-01"], title="two"),
        models.CreateBackfillByRange(
            partition_range=models.PartitionRange(start="2024-01-03", end="2024-01-05")
        ),
        models.CreateBackfillOfAllPartitions(all_partitions=True),
    ]
    selections = [
        models.PartitionKeysSelection,
        models.PartitionRangeSelection,
        models.AllPartitionsSelection,
    ]
    ids = []
    for body, selection, count in zip(bodies, selections, (2, 3, 31), strict=True):
        backfill = api["create_asset_backfill"].sync(KEY, client=client, body=body)
        assert isinstance(backfill, models.Backfill), backfill
        assert isinstance(backfill.partition_selection, selection)
        assert (backfill.asset_key, backfill.num_partitions) == (KEY, count)
        assert backfill.status == models.BackfillStatus.QUEUED
        ids.append(backfill.id)
    return ids


def test_all_six_operations_through_the_generated_client(open_instance: Generated) -> None:
    generated = open_instance
    api, models = generated.api, generated.models
    before = len(generated.fake.journal)
    with _client(generated) as client:
        _lists(generated, client)
        ids = _writes(generated, client)
        listed = api["list_asset_backfills"].sync(
            KEY, client=client, status=models.AssetRunStatus.QUEUED, max_results=100
        )
        generated.fake.run_until_idle()
        done = api["get_asset_backfill"].sync(KEY, ids[0], client=client)
        missing = api["get_asset_backfill"].sync(KEY, "bf_missing", client=client)
    assert isinstance(listed, models.BackfillPage)
    assert set(ids) <= {backfill.id for backfill in listed.items}
    assert isinstance(done, models.Backfill) and done.id == ids[0]
    assert done.status == models.BackfillStatus.SUCCEEDED
    assert isinstance(done.ended_at, datetime)
    assert done.partition_counts.succeeded == 2 and done.title == "two"
    assert isinstance(missing, models.Problem)
    assert (missing.status, missing.code) == (404, "backfill_not_found")
    paths = [entry.path for entry in list(generated.fake.journal)[before:]]
    assert len(paths) == 11
    assert all(path.startswith(ENCODED) for path in paths), paths


def test_authenticated_client_on_an_instance_with_auth(auth_instance: Generated) -> None:
    generated = auth_instance
    api, models = generated.api, generated.models
    body = models.CreateBackfillOfAllPartitions(all_partitions=True)
    with _client(generated, WRITER) as writer:
        _lists(generated, writer)
        ids = _writes(generated, writer)
        got = api["get_asset_backfill"].sync(KEY, ids[1], client=writer)
    with _client(generated) as anonymous_client:
        anonymous = api["list_asset_backfills"].sync(KEY, client=anonymous_client)
    with _client(generated, READER) as reader:
        refused = api["create_asset_backfill"].sync(KEY, client=reader, body=body)
    assert isinstance(got, models.Backfill) and got.id == ids[1]
    assert isinstance(anonymous, models.Problem)
    assert (anonymous.status, anonymous.code) == (401, "unauthenticated")
    assert isinstance(refused, models.Problem)
    assert (refused.status, refused.code) == (403, "insufficient_scope")
