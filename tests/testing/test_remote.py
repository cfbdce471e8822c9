"""``RemoteFake``: the AssetFake-shaped view of a namespace of a live server."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest
import yaml
from control_support import SMALL

from assetfake import DomainError, ExpectationFailed, Run, RunStatus
from assetfake.http.journal import JournalEntry
from assetfake.remote import ControlError, IncompleteState, RemoteFake, Verdict
from assetfake.verify import Failure

START = datetime(2030, 1, 1, tzinfo=timezone.utc)
_names = itertools.count(1)


@pytest.fixture
def remote(server: str) -> Iterator[RemoteFake]:
    with RemoteFake(server, f"remote-{next(_names)}") as fake:
        fake.load_scenario(SMALL)
        yield fake
        fake.drop()


def test_url_is_the_namespace_base(server: str) -> None:
    with RemoteFake(server + "/", "a b/c") as fake:
        assert fake.url == f"{server}/_ns/a%20b%2Fc"
        assert fake.health() == {"status": "ok", "namespace": "a b/c"}
        fake.drop()
    with RemoteFake(server) as default:
        assert default.url == server
        assert default.health()["namespace"] == "default"
        with pytest.raises(ValueError, match="default namespace"):
            default.drop()


def test_clock(remote: RemoteFake) -> None:
    assert remote.clock.now() == START
    assert remote.clock.now().tzinfo is not None
    assert remote.clock.mode == "manual"
    assert remote.clock.advance(1.5) == START + timedelta(seconds=1.5)
    remote.clock.sleep(10)
    assert remote.clock.now() == START + timedelta(seconds=11.5)


def test_client_journal_and_run_until_idle(remote: RemoteFake) -> None:
    with remote.client() as c:
        assert str(c.base_url).rstrip("/") == remote.url
        created = c.post("/assets/customers/materialize", json={})
        assert created.status_code == 202
        c.get("/assets/customers/runs", params={"max_results": 2})
    assert remote.run_until_idle() == 3
    journal = remote.journal
    assert [type(e) for e in journal] == [JournalEntry] * 2
    first, second = journal
    assert (first.operation, first.method, first.status) == (
        "triggerAssetMaterialization",
        "POST",
        202,
    )
    assert (second.path, second.query) == ("/assets/customers/runs", "max_results=2")
    assert first.clock_time == START
    assert first.fault is None
    assert isinstance(first.wall_time, float)
    assert first.request_id == created.headers["x-request-id"]
    assert len(first.body_digest) == 64
    runs = remote.state.runs()
    assert [type(run) for run in runs] == [Run]
    assert runs[-1].id == created.json()["id"]
    assert runs[-1].status is RunStatus.SUCCEEDED
    assert remote.state.runs("customers") == runs
    assert remote.state.runs("sales/daily") == []
    remote.clear_journal()
    assert remote.journal == []


def test_faults(remote: RemoteFake) -> None:
    assert remote.faults.names() == []
    name = remote.faults.add({"name": "once", "match": {"call": 1}, "respond": {"status": 500}})
    assert name == "once"
    added = remote.faults.add(
        [
            {"name": "x", "match": {"call": 9}, "respond": {"status": 500}},
            {"name": "y", "match": {"call": 9}, "respond": {"status": 500}},
        ]
    )
    assert added == ["x", "y"]
    assert remote.faults.names() == ["once", "x", "y"]
    assert len(remote.faults) == 3
    with remote.client() as c:
        assert c.get("/assets/customers/runs").status_code == 500
    assert remote.journal[0].fault == "once"
    remote.faults.clear()
    assert len(remote.faults) == 0


def test_control_errors_carry_the_problem(remote: RemoteFake) -> None:
    with pytest.raises(ControlError) as caught:
        remote.faults.add({"name": "bad", "respond": {"status": 200}})
    error = caught.value
    assert (error.status, error.code) == (400, "invalid_fault")
    assert "respond.status" in error.detail
    assert error.detail in str(error)
    assert "/_fake/faults" in str(error)
    with pytest.raises(ControlError, match="run_not_found") as missing:
        remote.cancel_run("run_nope")
    assert missing.value.status == 404


def test_load_scenario_from_dict_text_and_path(remote: RemoteFake, tmp_path: Path) -> None:
    assert remote.load_scenario({**SMALL, "seed": 21}) == 21
    assert remote.load_scenario(yaml.safe_dump({**SMALL, "seed": 22})) == 22
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump({**SMALL, "seed": 23}))
    assert remote.load_scenario(path) == 23
    with pytest.raises(ControlError) as caught:
        remote.load_scenario("version: 1\nassets: 7\n")
    assert (caught.value.status, caught.value.code) == (400, "invalid_scenario")
    assert "assets" in caught.value.detail


def test_cancel_reset_snapshot(remote: RemoteFake) -> None:
    with remote.client() as c:
        run = c.post("/assets/customers/materialize", json={}).json()
        backfill = c.post("/assets/sales%2Fdaily/backfills", json={"all_partitions": True}).json()
    canceled = remote.cancel_run(run["id"])
    assert (type(canceled), canceled.id) == (Run, run["id"])
    assert canceled.status in (RunStatus.CANCELING, RunStatus.CANCELED)
    assert remote.cancel_backfill(backfill["id"]).id == backfill["id"]
    remote.run_until_idle()
    snapshot = remote.snapshot()
    remote.reset()
    assert remote.state.counts()["runs"] == 0
    assert remote.journal == []
    remote.restore(snapshot)
    assert remote.state.document()["counts"]["runs_by_status"] == {"CANCELED": 4}
    assert [r.status for r in remote.state.runs()] == [RunStatus.CANCELED] * 4


def test_verify_passes_and_fails_with_the_servers_report(remote: RemoteFake) -> None:
    remote.verify()  # no expectations: nothing to fail
    expects = {**SMALL, "expect": [{"calls": {"operation": "listAssetRuns", "min": 2}}]}
    remote.load_scenario(expects)
    with remote.client() as c:
        c.get("/assets/customers/runs")
    with pytest.raises(ExpectationFailed) as caught:
        remote.verify()
    assert isinstance(caught.value, AssertionError)
    assert "expect[0] calls" in str(caught.value)
    assert "saw 1" in str(caught.value)
    first = caught.value.failures[0]
    assert isinstance(first, Failure)
    assert first.expectation == "expect[0] calls"
    verdict = remote.verdict()
    assert (type(verdict), verdict.passed) == (Verdict, False)


def _mock(answer: httpx.Response) -> httpx.Client:
    return httpx.Client(transport=httpx.MockTransport(lambda request: answer))


def test_verify_without_a_report_formats_the_failures() -> None:
    verdict = {
        "passed": False,
        "failures": [
            {
                "expectation": "expect[1] no_retry_on [404]",
                "message": "retried",
                "journal": ["00:00:01.000  req_1  GET /x -> 404"],
            },
            "plain text failure",
        ],
    }
    client = _mock(httpx.Response(200, json=verdict))
    with pytest.raises(ExpectationFailed) as caught:
        RemoteFake("http://fake.test", "n", client=client).verify()
    report = str(caught.value)
    assert report.startswith("2 expectation(s) failed:")
    assert "expect[1] no_retry_on [404]: retried" in report
    assert "GET /x -> 404" in report
    assert "plain text failure" in report


def test_non_json_error_answers_still_raise_control_error() -> None:
    client = _mock(httpx.Response(502, text="bad gateway"))
    with pytest.raises(ControlError) as caught:
        RemoteFake("http://fake.test", client=client).reset()
    assert (caught.value.status, caught.value.code, caught.value.detail) == (
        502,
        None,
        "bad gateway",
    )


def test_a_given_client_is_used_and_left_open() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(f"{request.method} {request.url}")
        return httpx.Response(
            200, json={"now": "2030-01-01T00:00:00.000Z", "mode": "manual", "speed": 1.0}
        )

    client = httpx.Client(transport=httpx.MockTransport(handler))
    with RemoteFake("http://fake.test", "ns 1", client=client) as fake:
        assert fake.clock.now() == START
        fake.clock.advance(2)
    assert seen == [
        "GET http://fake.test/_ns/ns%201/_fake/clock",
        "POST http://fake.test/_ns/ns%201/_fake/clock/advance",
    ]
    assert not client.is_closed
    assert json.loads(client.post("http://fake.test/x").content)["mode"] == "manual"


def test_state_of_an_unknown_asset_is_the_domains_not_found(remote: RemoteFake) -> None:
    for read in (remote.state.runs, remote.state.backfills, remote.state.materializations):
        with pytest.raises(DomainError) as caught:
            read("no/such/asset")
        assert caught.value.code == "asset_not_found"


def test_state_past_the_listed_thousand_is_refused_not_cut(server: str) -> None:
    many = {**SMALL, "history": {"generate": [{"asset": "customers", "runs": 1001}]}}
    with RemoteFake(server, f"remote-{next(_names)}") as fake:
        fake.load_scenario(many)
        with pytest.raises(IncompleteState, match="holds 1001 runs"):
            fake.state.runs("customers")
        assert fake.state.counts()["runs"] == 1001
        assert fake.state.backfills() == []  # 0 backfills: all of them are listed
        fake.drop()


def test_journal_items_of_another_server_need_only_the_contracts_fields() -> None:
    item = {
        "operation": None,
        "method": "GET",
        "path": "/nowhere",
        "query": "a=1",
        "status": 404,
        "fault": None,
        "clock_time": "2030-01-01T00:00:00.250Z",
        "wall_time": 17.5,
        "extra": "ignored",
    }
    client = _mock(httpx.Response(200, json={"items": [item]}))
    (entry,) = RemoteFake("http://fake.test", client=client).journal
    assert entry == JournalEntry(
        operation=None,
        method="GET",
        path="/nowhere",
        query="a=1",
        status=404,
        fault=None,
        clock_time=START + timedelta(milliseconds=250),
        wall_time=17.5,
        body_digest="",
        request_id="",
    )


@pytest.mark.parametrize(
    "body", [{"now": "yesterday", "mode": "manual"}, {"now": "2030-01-01T00:00:00Z"}, [1]]
)
def test_an_answer_of_the_wrong_shape_is_a_control_error(body: object) -> None:
    client = _mock(httpx.Response(200, json=body))
    with pytest.raises(ControlError, match="unexpected answer") as caught:
        RemoteFake("http://fake.test", client=client).clock.now()
    assert caught.value.status == 200
