"""Parity: the in-process ``AssetFake`` and a ``RemoteFake`` over a live server answer one
script with equal values of the same types (both are a ``FakeSurface``)."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from control_support import SMALL

from assetfake import AssetFake, ExpectationFailed, Run, RunStatus
from assetfake.domain.resources import Backfill, Materialization
from assetfake.http.journal import JournalEntry
from assetfake.remote import RemoteFake
from assetfake.surface import FakeSurface
from assetfake.verify import Failure

SALES = "/assets/sales%2Fdaily"
#: SMALL, with an expectation the script breaks (it lists runs once, not five times).
SCENARIO: dict[str, Any] = {
    **SMALL,
    "expect": [{"calls": {"operation": "listAssetRuns", "min": 5}}],
}
BOOM = {
    "name": "boom",
    "match": {"operation": "listAssetRuns", "call": 1},
    "respond": {"status": 500},
}
LATER = [
    {"name": "later-a", "match": {"call": 99}, "respond": {"status": 429}},
    {"name": "later-b", "match": {"call": 98}, "respond": {"network": "reset"}},
]


@pytest.fixture
def remote() -> Iterator[RemoteFake]:
    """A RemoteFake on the default namespace of a server of its own, serving SCENARIO."""
    with AssetFake(SCENARIO).serve() as url, RemoteFake(url) as fake:
        yield fake


#: What the control API carries of an entry: the contract's fields, then this server's. The
#: wall time differs between two fakes; the rest must be equal.
CARRIED = (
    *("operation", "method", "path", "query", "status", "fault", "clock_time"),
    *("body_digest", "request_id", "asset", "retry_after", "network"),
)


def _journal(fake: FakeSurface) -> list[tuple[object, ...]]:
    entries = list(fake.journal)
    assert {type(e) for e in entries} == {JournalEntry}
    assert all(isinstance(e.wall_time, float) and e.wall_time > 0 for e in entries)
    return [tuple(getattr(e, name) for name in CARRIED) for e in entries]


def script(fake: FakeSurface) -> dict[str, object]:
    """Every question of the surface, in a scenario of requests, faults, cancels and resets."""
    seen: dict[str, object] = {"start": fake.clock.now(), "mode": fake.clock.mode}
    with fake.client() as c:
        c.post(f"{SALES}/materialize", json={"partition_key": "2024-01-01"})
        seen["advanced"] = fake.clock.advance(1.5)
        fake.clock.sleep(0.25)
        seen["slept"] = fake.clock.now()
        seen["added"] = fake.faults.add(BOOM)
        seen["added_many"] = fake.faults.add(LATER)
        seen["names"] = fake.faults.names()
        seen["count"] = len(fake.faults)
        seen["statuses"] = [c.get(f"{SALES}/runs").status_code for _ in range(2)]
        backfill = c.post(f"{SALES}/backfills", json={"partition_keys": ["2024-01-02"]}).json()
        seen["canceled_backfill"] = fake.cancel_backfill(backfill["id"])
        run = c.post("/assets/customers/materialize", json={}).json()
        seen["canceled_run"] = fake.cancel_run(run["id"])
    seen["transitions"] = fake.run_until_idle()
    seen["runs"] = fake.state.runs()
    seen["sales_runs"] = fake.state.runs("sales/daily")
    seen["backfills"] = fake.state.backfills()
    seen["materializations"] = fake.state.materializations("sales/daily")
    seen["counts"] = fake.state.counts()
    seen["journal"] = _journal(fake)
    with pytest.raises(ExpectationFailed) as failed:
        fake.verify()
    seen["report"] = str(failed.value)
    seen["failures"] = failed.value.failures
    fake.faults.clear()
    seen["cleared"] = (fake.faults.names(), len(fake.faults))
    fake.reset()
    seen["after_reset"] = (fake.clock.now(), fake.state.runs(), len(fake.journal))
    seen["faults_after_reset"] = fake.faults.names()
    return seen


def _types(value: object) -> object:
    """The type of a value, and of what it holds (lists, tuples, dicts)."""
    if isinstance(value, list | tuple):
        return (type(value), [_types(item) for item in value])
    if isinstance(value, dict):
        return (dict, {key: _types(item) for key, item in value.items()})
    return type(value)


def test_the_same_script_gets_the_same_answers_in_process_and_remote(
    remote: RemoteFake,
) -> None:
    local = script(AssetFake(SCENARIO))
    over_http = script(remote)
    assert over_http.keys() == local.keys()
    for key in local:
        assert over_http[key] == local[key], key
        assert _types(over_http[key]) == _types(local[key]), key


def test_the_answers_are_the_documented_types(remote: RemoteFake) -> None:
    for seen in (script(AssetFake(SCENARIO)), script(remote)):
        start = seen["start"]
        assert isinstance(start, datetime)
        assert start.utcoffset() is not None and start.utcoffset().total_seconds() == 0
        assert (seen["added"], seen["added_many"]) == ("boom", ["later-a", "later-b"])
        assert seen["names"] == ["boom", "later-a", "later-b"]
        assert seen["statuses"] == [500, 200]
        assert isinstance(seen["canceled_backfill"], Backfill)
        canceled = seen["canceled_run"]
        assert isinstance(canceled, Run)
        assert canceled.status in (RunStatus.CANCELING, RunStatus.CANCELED)
        runs = seen["runs"]
        assert isinstance(runs, list) and {type(r) for r in runs} == {Run}
        # oldest first: the materialization, the backfill's one run, the canceled run
        assert [r.asset_key for r in runs] == ["sales/daily", "sales/daily", "customers"]
        assert runs[-1] == canceled or runs[-1].status is RunStatus.CANCELED
        materializations = seen["materializations"]
        assert isinstance(materializations, list)
        assert [type(m) for m in materializations] == [Materialization]
        journal = seen["journal"]
        assert isinstance(journal, list) and len(journal) == 5
        faults = [entry[CARRIED.index("fault")] for entry in journal]
        assert faults == [None, "boom", None, None, None]
        failures = seen["failures"]
        assert isinstance(failures, list) and [type(f) for f in failures] == [Failure]
        assert "expect[0] calls" in str(seen["report"])
        assert seen["cleared"] == ([], 0)
        assert seen["after_reset"] == (start, [], 0)
        assert seen["faults_after_reset"] == []


def test_a_history_reads_the_same_in_both_oldest_first() -> None:
    local = AssetFake("default")
    with AssetFake("default").serve() as url, RemoteFake(url, "history") as remote:
        assert remote.state.counts() == local.state.counts()
        assert remote.state.runs() == local.state.runs()
        assert remote.state.materializations() == local.state.materializations()
        for key in {run.asset_key for run in local.state.runs()}:
            assert remote.state.runs(key) == local.state.runs(key)
            assert remote.state.materializations(key) == local.state.materializations(key)
        remote.drop()


def test_mypy_accepts_both_fakes_as_the_surface_and_rejects_a_partial_one(
    tmp_path: Path, pytestconfig: pytest.Config
) -> None:
    mypy = pytest.importorskip("mypy.api")
    source = tmp_path / "surface_check.py"
    source.write_text(
        textwrap.dedent(
            """
            from assetfake.fake import AssetFake
            from assetfake.remote import RemoteFake
            from assetfake.surface import FakeSurface

            local: FakeSurface = AssetFake()
            remote: FakeSurface = RemoteFake("http://fake.test")


            class StateOfDicts:
                def runs(self, asset: str | None = None) -> list[dict[str, object]]:
                    raise NotImplementedError


            class Partial(RemoteFake):
                @property
                def state(self) -> StateOfDicts:  # type: ignore[override]
                    raise NotImplementedError


            partial: FakeSurface = Partial("http://fake.test")
            """
        )
    )
    store = getattr(pytestconfig, "cache", None)  # None under -p no:cacheprovider
    cache = store.mkdir("assetfake-mypy") if store is not None else tmp_path
    out, err, status = mypy.run(["--strict", "--cache-dir", str(cache), str(source)])
    errors = [line for line in out.splitlines() if ": error:" in line]
    assert status == 1, out + err
    assert len(errors) == 1, out
    lines = source.read_text().splitlines()
    line = 1 + next(n for n, text in enumerate(lines) if text.startswith("partial:"))
    assert f"surface_check.py:{line}: error: Incompatible types in assignment" in errors[0]
    assert '"Partial"' in errors[0] and '"FakeSurface"' in errors[0]
    assert 'state: expected "StateSurface", got "StateOfDicts"' in out
