"""observes (the client read back what it made, in a terminal status), outcome (not verify's),
and reports that name the expectation, what was seen, the resources and the journal lines."""

from __future__ import annotations

import httpx
import pytest
from verify_journal import BACKFILLS, RUNS, Log, judge, text, world

from assetfake import AssetFake, ExpectationFailed
from assetfake.verify import report
from small_world import SALES, scenario

CREATE = {"method": "POST", "path": BACKFILLS, "operation": "createAssetBackfill"}
TRIGGER = {"method": "POST", "path": "/assets/sales%2Fdaily/materialize"}
GET_BF = {"path": f"{BACKFILLS}/bf_1", "operation": "getAssetBackfill"}

# --- observes, on hand-written journals --------------------------------------------------------


def test_observes_backfills_passes_when_read_back_terminal() -> None:
    log = Log()
    log.add(0, 201, **CREATE, resources=(("bf_1", "QUEUED"),))
    log.add(5, 200, **GET_BF, resources=(("bf_1", "RUNNING"),))
    log.add(
        9,
        200,
        path=BACKFILLS,
        operation="listAssetBackfills",
        resources=(("bf_2", "RUNNING"), ("bf_1", "FAILED")),
    )
    assert judge([{"observes": {"backfills": "terminal"}}], log.entries) == []


def test_observes_fails_when_the_client_never_saw_the_outcome() -> None:
    log = Log()
    log.add(0, 201, **CREATE, resources=(("bf_1", "QUEUED"),))
    log.add(5, 200, **GET_BF, resources=(("bf_1", "RUNNING"),))
    log.add(9, 200, **GET_BF, network="malformed", resources=(("bf_1", "SUCCEEDED"),))
    failures = judge([{"observes": {"backfills": "terminal"}}], log.entries)
    assert [f.expectation for f in failures] == ["expect[0] observes"]
    assert failures[0].message == (
        "1 of the 1 backfill(s) the client created were never read back in a terminal status: "
        "bf_1 last seen RUNNING (req_2)"
    )
    assert failures[0].resources == ["bf_1 gone"]  # not in this world: named as such
    assert [line.split()[1] for line in failures[0].journal] == ["req_1", "req_2"]


def test_observes_runs_judges_the_runs_the_client_triggered() -> None:
    log = Log()
    log.add(
        0, 202, **TRIGGER, operation="triggerAssetMaterialization", resources=(("run_9", "QUEUED"),)
    )
    log.add(
        1,
        202,
        **TRIGGER,
        operation="triggerAssetMaterialization",
        body="b",
        resources=(("run_10", "QUEUED"),),
    )
    log.add(9, 200, resources=(("run_10", "SUCCEEDED"), ("run_9", "RUNNING")))
    failures = judge([{"observes": {"runs": "terminal"}}], log.entries)
    assert "1 of the 2 run(s) the client triggered" in text(failures)
    assert "run_9 last seen RUNNING (req_3)" in text(failures)
    log.add(12, 200, resources=(("run_9", "CANCELED"),))
    assert judge([{"observes": {"runs": "terminal"}}], log.entries) == []


def test_a_create_whose_answer_names_no_backfill_is_not_a_vacuous_pass() -> None:
    log = Log()
    log.add(0, 201, **CREATE)  # no resources recorded for it
    failures = judge([{"observes": {"backfills": "terminal"}}], log.entries)
    assert "name no backfill" in text(failures)


def test_observes_through_the_client_a_poll_that_died_is_caught() -> None:
    expect = [
        {"observes": {"backfills": "terminal"}},
        {"state": {"backfills": {"status": "RUNNING", "max": 0}}},
    ]
    body = {"partition_keys": ["2024-01-01"]}
    for poll_to_the_end in (True, False):
        fake = AssetFake(scenario(expect=expect))
        with fake.client() as client:
            created = client.post(f"{SALES}/backfills", json=body).json()
            fake.clock.advance(60)  # the clock moved past its end either way
            if poll_to_the_end:
                seen = client.get(f"{SALES}/backfills/{created['id']}").json()
                assert seen["status"] == "SUCCEEDED"
        if poll_to_the_end:
            fake.verify()
        else:
            with pytest.raises(ExpectationFailed, match=f"{created['id']} last seen QUEUED"):
                fake.verify()


# --- outcome is the whole-library runner's ------------------------------------------------------


def test_verify_passes_over_outcome() -> None:
    assert judge([{"outcome": "fails"}], []) == []


# --- reports ------------------------------------------------------------------------------------


def test_a_calls_shortfall_shows_the_requests_made_instead() -> None:
    log = Log()
    log.add(0, 404, path="/assets/sales/daily/runs", operation=None)  # an unencoded slash
    log.add(1, 400, query="max_results=0")
    failures = judge(
        [{"calls": {"operation": "listAssetRuns", "status": 200, "min": 1}}], log.entries
    )
    assert failures[0].message.startswith(
        "expected at least 1 listAssetRuns answered 200 requests, saw 0"
    )
    assert "the last requests of that operation" in failures[0].message
    assert [line.split()[1] for line in failures[0].journal] == ["req_2"]
    failures = judge([{"calls": {"operation": "createAssetBackfill", "min": 1}}], log.entries)
    assert "the last requests made:" in failures[0].message
    assert [line.split()[1] for line in failures[0].journal] == ["req_1", "req_2"]
    assert "the journal is empty" in text(judge([{"calls": {"min": 1}}], []))


def test_a_state_failure_names_the_resources_and_the_requests() -> None:
    expect = [{"state": {"backfills": {"asset": "sales/daily", "status": "RUNNING", "max": 0}}}]
    fake = AssetFake(scenario(expect=expect))
    with fake.client() as client:
        client.post(f"{SALES}/backfills", json={"partition_keys": ["2024-01-01", "2024-01-02"]})
        fake.clock.advance(3)  # one run started: the backfill is RUNNING
        client.get(f"{SALES}/backfills")
    backfill = fake.state.backfills("sales/daily")[0]
    with pytest.raises(ExpectationFailed) as caught:
        fake.verify()
    failure = caught.value.failures[0]
    assert failure.resources == [f"{backfill.id} RUNNING"]
    assert f"the matching ones: {backfill.id} RUNNING" in failure.message
    assert [line.split()[2] for line in failure.journal] == ["POST", "GET"]
    assert f"resources: {backfill.id} RUNNING" in str(caught.value)


def test_a_state_shortfall_names_what_is_there_instead() -> None:
    expect = [{"state": {"runs": {"asset": "customers", "status": "SUCCEEDED", "min": 1}}}]
    fake = AssetFake(scenario(expect=expect))
    with fake.client() as client:
        run = client.post("/assets/customers/materialize").json()
    with pytest.raises(ExpectationFailed) as caught:
        fake.verify()
    failure = caught.value.failures[0]
    assert failure.resources == [f"{run['id']} QUEUED"]
    assert "found 0; there are:" in failure.message
    empty = judge([{"state": {"backfills": {"count": 1}}}], [], on=world())
    assert "there are no backfills at all" in empty[0].message
    assert empty[0].journal == ["(no request touched these resources)"]


def test_every_failure_quotes_journal_lines() -> None:
    log = Log()
    for at in (0, 0.1, 0.2, 0.3, 0.4):
        log.add(at, 429, retry_after=1)
    expect = [
        {"honors_retry_after": True},
        {"retries_on": [429]},
        {"max_attempts": 2},
        {"backoff": {"min_seconds": 1}},
        {"calls": {"operation": "listAssetRuns", "max": 1}},
    ]
    failures = judge(expect, log.entries)
    assert sorted({f.expectation.split()[0] for f in failures}) == [
        f"expect[{i}]" for i in range(5)
    ]
    assert all(
        f.journal and all(RUNS in line for line in f.journal if "..." not in line) for f in failures
    )
    assert report(failures).count("req_") >= len(failures)


def test_a_client_error_report_is_one_readable_text() -> None:
    fake = AssetFake(scenario(expect=[{"no_retry_on": [404]}]))
    with fake.client() as client:
        for _ in range(2):
            client.get("/assets/nope/runs")
    with pytest.raises(ExpectationFailed) as caught:
        fake.verify()
    lines = str(caught.value).splitlines()
    assert lines[0] == "1 expectation(s) failed:"
    assert lines[2].startswith("expect[0] no_retry_on [404]: GET /assets/nope/runs got 404")
    assert [line.split()[1] for line in lines[3:]] == [e.request_id for e in fake.journal]
    assert isinstance(httpx.Response(200), httpx.Response)
