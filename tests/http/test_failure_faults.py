"""Failure simulation: injected faults — every match condition, every status respond option,
the journal, faults added at run time, and load-time validation (contract section 3)."""

from __future__ import annotations

import asyncio
import json
import textwrap
import time
from http import HTTPStatus
from pathlib import Path
from typing import Any

import httpx
import pytest

from assetfake import AssetFake, ScenarioError
from small_world import CUSTOMERS, SALES, scenario


def fault(name: str = "f", status: int = 500, **match: Any) -> dict[str, Any]:
    return {"name": name, "match": match, "respond": {"status": status}}


def hits(fake: AssetFake, calls: int, path: str = f"{CUSTOMERS}/runs") -> list[bool]:
    """Send ``calls`` identical GETs; which of them got the injected fault."""
    with fake.client() as client:
        return ["X-Fake-Fault" in client.get(path).headers for _ in range(calls)]


def fault_of(response: httpx.Response) -> str | None:
    return response.headers.get("X-Fake-Fault")


# --- match: the filters ------------------------------------------------------------------------


def test_match_operation_single() -> None:
    fake = AssetFake(scenario(fault(operation="listAssetRuns")))
    with fake.client() as client:
        runs = client.get(f"{SALES}/runs")
        others = [
            client.get(f"{SALES}/backfills"),
            client.get(f"{SALES}/materializations"),
            client.post(f"{CUSTOMERS}/materialize"),
        ]
    assert runs.status_code == 500 and fault_of(runs) == "f"
    assert [(r.status_code, fault_of(r)) for r in others] == [(200, None), (200, None), (202, None)]


def test_match_operation_list() -> None:
    fake = AssetFake(scenario(fault(operation=["listAssetRuns", "triggerAssetMaterialization"])))
    with fake.client() as client:
        faulted = [client.get(f"{SALES}/runs"), client.post(f"{CUSTOMERS}/materialize")]
        spared = [
            client.get(f"{SALES}/backfills"),
            client.post(f"{SALES}/backfills", json={"all_partitions": True}),
        ]
    assert [fault_of(r) for r in faulted] == ["f", "f"]
    assert [r.status_code for r in spared] == [200, 201]
    assert fake.state.runs("customers") == []  # a before fault: nothing was triggered


def test_match_method() -> None:
    fake = AssetFake(scenario(fault(method="POST")))
    with fake.client() as client:
        posts = [
            client.post(f"{CUSTOMERS}/materialize"),
            client.post(f"{SALES}/backfills", json={"all_partitions": True}),
        ]
        gets = [client.get(f"{SALES}/runs"), client.get(f"{SALES}/backfills/bf_x")]
    assert [fault_of(r) for r in posts] == ["f", "f"]
    assert [(r.status_code, fault_of(r)) for r in gets] == [(200, None), (404, None)]


def test_match_asset() -> None:
    fake = AssetFake(scenario(fault(asset="sales/daily")))
    with fake.client() as client:
        sales = [client.get(f"{SALES}/runs"), client.get(f"{SALES}/materializations")]
        customers = [client.get(f"{CUSTOMERS}/runs"), client.post(f"{CUSTOMERS}/materialize")]
    assert [fault_of(r) for r in sales] == ["f", "f"]
    assert [fault_of(r) for r in customers] == [None, None]


def test_match_query_exact_value() -> None:
    fake = AssetFake(scenario(fault(query={"status": "FAILED"})))
    with fake.client() as client:
        matching = client.get(f"{CUSTOMERS}/runs", params={"status": "FAILED"})
        other_value = client.get(f"{CUSTOMERS}/runs", params={"status": "QUEUED"})
        absent = client.get(f"{CUSTOMERS}/runs")
    assert (matching.status_code, fault_of(matching)) == (500, "f")
    assert [fault_of(r) for r in (other_value, absent)] == [None, None]
    assert [r.status_code for r in (other_value, absent)] == [200, 200]


def test_match_query_present() -> None:
    fake = AssetFake(scenario(fault(query={"page_token": "*"})))
    with fake.client() as client:
        # the fault runs before validation: even a garbage token is "present"
        garbage = client.get(f"{CUSTOMERS}/runs", params={"page_token": "garbage"})
        empty = client.get(f"{CUSTOMERS}/runs?page_token=")
        absent = client.get(f"{CUSTOMERS}/runs", params={"max_results": "5"})
    assert [fault_of(r) for r in (garbage, empty)] == ["f", "f"]
    assert garbage.status_code == 500
    assert (absent.status_code, fault_of(absent)) == (200, None)


def test_match_header_exact_value() -> None:
    fake = AssetFake(scenario(fault(header={"X-Client": "batch"})))
    with fake.client() as client:
        exact = client.get(f"{CUSTOMERS}/runs", headers={"x-client": "batch"})
        other_case_value = client.get(f"{CUSTOMERS}/runs", headers={"X-Client": "Batch"})
        absent = client.get(f"{CUSTOMERS}/runs")
    assert fault_of(exact) == "f"  # header names are case-insensitive
    assert [fault_of(r) for r in (other_case_value, absent)] == [None, None]


def test_match_header_present() -> None:
    fake = AssetFake(scenario(fault(header={"Idempotency-Key": "*"})))
    with fake.client() as client:
        keyed = client.post(f"{CUSTOMERS}/materialize", headers={"Idempotency-Key": "abc"})
        plain = client.post(f"{CUSTOMERS}/materialize")
    assert (keyed.status_code, fault_of(keyed)) == (500, "f")
    assert (plain.status_code, fault_of(plain)) == (202, None)
    assert len(fake.state.runs("customers")) == 1


def test_match_token() -> None:
    tokens = {
        "tokens": [
            {"token": "reader", "scopes": ["assets:read"]},
            {"token": "writer", "scopes": ["assets:read", "assets:write"]},
        ]
    }
    fake = AssetFake(scenario(fault(token="writer"), auth=tokens))
    with fake.client() as client:
        writer = client.get(f"{SALES}/runs", headers={"Authorization": "Bearer writer"})
        reader = client.get(f"{SALES}/runs", headers={"Authorization": "Bearer reader"})
        anonymous = client.get(f"{SALES}/runs")
    assert (writer.status_code, fault_of(writer)) == (500, "f")
    assert (reader.status_code, fault_of(reader)) == (200, None)
    assert (anonymous.status_code, fault_of(anonymous)) == (401, None)


# --- match: which matching calls fire -----------------------------------------------------------


def fired_on(fake: AssetFake, calls: int) -> list[int]:
    """The 1-based numbers of the calls, among ``calls`` identical GETs, that got the fault."""
    return [n for n, hit in enumerate(hits(fake, calls), 1) if hit]


def test_call_fires_on_the_nth_matching_call_only() -> None:
    assert fired_on(AssetFake(scenario(fault(call=2))), 5) == [2]


def test_calls_fires_on_each_listed_call() -> None:
    assert fired_on(AssetFake(scenario(fault(calls=[1, 3, 4]))), 6) == [1, 3, 4]


def test_after_fires_on_every_call_after_the_nth() -> None:
    assert fired_on(AssetFake(scenario(fault(after=2))), 6) == [3, 4, 5, 6]


def test_every_fires_on_each_nth_call() -> None:
    assert fired_on(AssetFake(scenario(fault(every=3))), 9) == [3, 6, 9]


def test_times_caps_the_firings() -> None:
    assert fired_on(AssetFake(scenario(fault(times=2))), 5) == [1, 2]


def test_calls_are_counted_among_matching_calls_only() -> None:
    fake = AssetFake(scenario(fault(operation="listAssetRuns", asset="sales/daily", call=2)))
    with fake.client() as client:
        sequence = [
            client.get(f"{CUSTOMERS}/runs"),  # another asset: not counted
            client.get(f"{SALES}/materializations"),  # another operation: not counted
            client.get(f"{SALES}/runs"),  # 1st matching
            client.get(f"{CUSTOMERS}/runs"),
            client.get(f"{SALES}/runs"),  # 2nd matching: fires
            client.get(f"{SALES}/runs"),
        ]
    assert [fault_of(r) for r in sequence] == [None, None, None, None, "f", None]


def test_between_is_a_clock_window_start_inclusive_end_exclusive() -> None:
    window = {"start": "2024-06-01T00:01:00Z", "end": "2024-06-01T00:02:00Z"}
    fake = AssetFake(scenario(fault(between=window)))
    seen: dict[int, bool] = {}
    elapsed_ms = 0
    for at_ms in (0, 59_999, 60_000, 119_999, 120_000, 180_000):
        fake.clock.advance((at_ms - elapsed_ms) / 1000)
        elapsed_ms = at_ms
        seen[at_ms] = hits(fake, 1)[0]
    assert fake.clock.now().isoformat() == "2024-06-01T00:03:00+00:00"
    assert seen == {
        0: False,
        59_999: False,
        60_000: True,  # the start: included
        119_999: True,
        120_000: False,  # the end: excluded
        180_000: False,
    }


def _pattern(seed: int, calls: int = 200) -> list[bool]:
    return hits(AssetFake(scenario(fault(probability=0.3)), seed=seed), calls)


def test_probability_is_reproducible_for_a_seed() -> None:
    first, second = _pattern(11), _pattern(11)
    assert first == second
    assert 30 <= sum(first) <= 90  # about 30 % of 200 fire: neither none nor all


def test_probability_differs_with_another_seed() -> None:
    assert _pattern(11) != _pattern(12)


def test_probability_follows_the_scenarios_seed() -> None:
    def pattern(seed: int) -> list[bool]:
        return hits(AssetFake({**scenario(fault(probability=0.5)), "seed": seed}), 100)

    assert pattern(3) == pattern(3)
    assert pattern(3) != pattern(4)


def test_probability_extremes() -> None:
    assert hits(AssetFake(scenario(fault(probability=0.0))), 50) == [False] * 50
    assert hits(AssetFake(scenario(fault(probability=1.0))), 50) == [True] * 50


# --- match: combined conditions -----------------------------------------------------------------


def test_combined_filters_and_after_with_times() -> None:
    fake = AssetFake(
        scenario(
            fault(
                operation="listAssetRuns",
                asset="sales/daily",
                query={"status": "*"},
                after=1,
                times=2,
            )
        )
    )
    with fake.client() as client:
        faults = [
            fault_of(client.get(f"{SALES}/runs", params={"status": "QUEUED"})),  # 1: after 1
            fault_of(client.get(f"{SALES}/runs")),  # no status: filtered out
            fault_of(client.get(f"{CUSTOMERS}/runs", params={"status": "QUEUED"})),  # asset
            fault_of(client.get(f"{SALES}/runs", params={"status": "FAILED"})),  # 2: fires
            fault_of(client.get(f"{SALES}/runs", params={"status": "QUEUED"})),  # 3: fires
            fault_of(client.get(f"{SALES}/runs", params={"status": "QUEUED"})),  # 4: times
        ]
    assert faults == [None, None, None, "f", "f", None]


def test_combined_method_header_and_every() -> None:
    fake = AssetFake(scenario(fault(method="POST", header={"X-Retry": "*"}, every=2)))
    with fake.client() as client:
        faults = []
        for _ in range(3):
            faults.append(
                fault_of(client.post(f"{CUSTOMERS}/materialize", headers={"X-Retry": "1"}))
            )
            faults.append(fault_of(client.post(f"{CUSTOMERS}/materialize")))
            faults.append(fault_of(client.get(f"{CUSTOMERS}/runs", headers={"X-Retry": "1"})))
    # only the three POSTs with the header count; the 2nd of them fires
    assert faults == [None, None, None, "f", None, None, None, None, None]


def test_combined_probability_and_times() -> None:
    fired = hits(AssetFake(scenario(fault(probability=0.5, times=3))), 60)
    assert sum(fired) == 3


def test_combined_between_and_calls() -> None:
    window = {"start": "2024-06-01T00:00:10Z", "end": "2024-06-01T00:00:20Z"}
    fake = AssetFake(scenario(fault(between=window, calls=[1, 2, 3])))
    first = hits(fake, 1)  # call 1, outside the window
    fake.clock.advance(10)
    inside = hits(fake, 3)  # calls 2, 3 and 4
    assert first == [False]
    assert inside == [True, True, False]


def test_the_first_firing_rule_wins() -> None:
    fake = AssetFake(
        scenario(
            fault("first", status=403, call=1),
            fault("second", status=500),
        )
    )
    with fake.client() as client:
        responses = [client.get(f"{CUSTOMERS}/runs") for _ in range(2)]
    assert [(r.status_code, fault_of(r)) for r in responses] == [(403, "first"), (500, "second")]


def test_every_rule_counts_a_matching_call_even_when_another_rule_answers_it() -> None:
    fake = AssetFake(scenario(fault("first", status=403, call=1), fault("second", call=2)))
    with fake.client() as client:
        responses = [client.get(f"{CUSTOMERS}/runs") for _ in range(3)]
    # "second" counts call 1 (answered by "first") among its matching calls: it fires on call 2
    assert [(r.status_code, fault_of(r)) for r in responses] == [
        (403, "first"),
        (500, "second"),
        (200, None),
    ]


# --- respond -----------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [400, 401, 403, 404, 429, 500])
def test_default_body_is_the_problem_document(status: int) -> None:
    fake = AssetFake(scenario(fault("injected", status=status)))
    with fake.client() as client:
        response = client.get(f"{CUSTOMERS}/runs")
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["X-Fake-Fault"] == "injected"
    assert response.headers["X-Request-Id"]
    body = response.json()
    assert body["type"] == "about:blank"
    assert body["title"] == HTTPStatus(status).phrase
    assert body["status"] == status
    assert isinstance(body["detail"], str) and body["detail"]
    assert isinstance(body["code"], str) and body["code"]


def test_injected_401_and_403_carry_their_challenges() -> None:
    fake = AssetFake(
        scenario(fault("a", status=401, method="GET"), fault("b", status=403, method="POST"))
    )
    with fake.client() as client:
        unauthorized = client.get(f"{CUSTOMERS}/runs")
        forbidden = client.post(f"{CUSTOMERS}/materialize")
    assert unauthorized.headers["WWW-Authenticate"].startswith('Bearer realm="assets"')
    assert 'error="insufficient_scope"' in forbidden.headers["WWW-Authenticate"]


@pytest.mark.no_openapi_check  # a custom body is not a problem document
def test_custom_headers_and_json_body() -> None:
    fake = AssetFake(
        scenario(
            {
                "name": "custom",
                "match": {"operation": "listAssetRuns"},
                "respond": {
                    "status": 500,
                    "headers": {"X-Upstream": "db-1", "Cache-Control": "no-store"},
                    "body": {"message": "database unavailable", "retryable": True},
                },
            }
        )
    )
    with fake.client() as client:
        response = client.get(f"{CUSTOMERS}/runs")
    assert response.status_code == 500
    assert response.headers["X-Upstream"] == "db-1"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.json() == {"message": "database unavailable", "retryable": True}
    assert response.headers["X-Fake-Fault"] == "custom"


@pytest.mark.no_openapi_check  # a custom body is not a problem document
def test_custom_text_body_is_sent_as_is() -> None:
    fake = AssetFake(
        scenario(
            {
                "name": "proxy",
                "respond": {"status": 500, "body": "upstream connect error"},
            }
        )
    )
    with fake.client() as client:
        response = client.get(f"{CUSTOMERS}/runs")
    assert response.content == b"upstream connect error"
    assert response.headers["content-type"].startswith("text/plain")


@pytest.mark.no_openapi_check  # a custom body is not a problem document
def test_a_custom_content_type_replaces_the_default_one() -> None:
    """A proxy's HTML error page: the Content-Type the fault sets is the only one sent."""
    fake = AssetFake(
        scenario(
            {
                "name": "proxy-page",
                "respond": {
                    "status": 500,
                    "headers": {"Content-Type": "text/html"},
                    "body": "<html><body>502 Bad Gateway</body></html>",
                },
            }
        )
    )
    with fake.client() as client:
        response = client.get(f"{CUSTOMERS}/runs")
    assert response.headers.get_list("content-type") == ["text/html"]
    assert response.text == "<html><body>502 Bad Gateway</body></html>"


def test_injected_429_defaults_to_retry_after_1() -> None:
    fake = AssetFake(scenario(fault("slow-down", status=429)))
    with fake.client() as client:
        response = client.get(f"{CUSTOMERS}/runs")
    assert response.status_code == 429
    assert response.headers.get_list("Retry-After") == ["1"]
    assert "RateLimit" not in response.headers  # no rate limit in this scenario


def test_injected_429_keeps_the_retry_after_it_sets() -> None:
    fake = AssetFake(
        scenario({"name": "slow-down", "respond": {"status": 429, "headers": {"Retry-After": "7"}}})
    )
    with fake.client() as client:
        response = client.get(f"{CUSTOMERS}/runs")
    assert response.headers.get_list("Retry-After") == ["7"]


def test_injected_429_retry_after_header_name_is_case_insensitive() -> None:
    fake = AssetFake(
        scenario(
            {"name": "slow-down", "respond": {"status": 429, "headers": {"retry-after": "3"}}},
            rate_limit={"requests": 5},
        )
    )
    with fake.client() as client:
        response = client.get(f"{CUSTOMERS}/runs")
    assert response.headers.get_list("Retry-After") == ["3"]
    assert response.headers["RateLimit"] == '"default";r=0;t=3'


def test_injected_429_under_a_rate_limit_agrees_with_the_ratelimit_header() -> None:
    fake = AssetFake(
        scenario(
            {"name": "slow-down", "respond": {"status": 429, "headers": {"Retry-After": "2"}}},
            rate_limit={"requests": 5, "per_seconds": 1},
        )
    )
    with fake.client() as client:
        response = client.get(f"{CUSTOMERS}/runs")
    assert response.headers["Retry-After"] == "2"
    assert response.headers["RateLimit"] == '"default";r=0;t=2'
    assert response.headers["RateLimit-Policy"] == '"default";q=5;w=1'


def test_delay_seconds_is_a_real_delay() -> None:
    fake = AssetFake(
        scenario(
            {
                "name": "slow",
                "match": {"operation": "listAssetRuns"},
                "respond": {"status": 500, "delay_seconds": 0.25},
            }
        )
    )
    with fake.client() as client:
        started = time.monotonic()
        slow = client.get(f"{CUSTOMERS}/runs")
        delayed = time.monotonic() - started
        started = time.monotonic()
        fast = client.get(f"{CUSTOMERS}/materializations")
        undelayed = time.monotonic() - started
    assert slow.status_code == 500
    assert delayed >= 0.25
    assert fast.status_code == 200
    assert undelayed < 0.2
    assert fake.clock.now().isoformat() == "2024-06-01T00:00:00+00:00"  # wall time, not clock


def test_delay_seconds_in_the_async_client() -> None:
    fake = AssetFake(scenario({"name": "slow", "respond": {"status": 500, "delay_seconds": 0.2}}))

    async def call() -> tuple[int, float]:
        async with fake.async_client() as client:
            started = time.monotonic()
            response = await client.get(f"{CUSTOMERS}/runs")
            return response.status_code, time.monotonic() - started

    status, elapsed = asyncio.run(call())
    assert status == 500
    assert elapsed >= 0.2


def test_mark_faults_false_drops_the_header_but_not_the_journal() -> None:
    fake = AssetFake(scenario(fault("quiet"), mark_faults=False))
    with fake.client() as client:
        response = client.get(f"{CUSTOMERS}/runs")
    assert response.status_code == 500
    assert "X-Fake-Fault" not in response.headers
    assert fake.journal[0].fault == "quiet"


def test_the_journal_records_the_fault_name_and_status() -> None:
    fake = AssetFake(
        scenario(
            fault("boom", operation="listAssetRuns", call=2),
            fault("nope", status=404, operation="triggerAssetMaterialization"),
        )
    )
    with fake.client() as client:
        client.get(f"{CUSTOMERS}/runs")
        client.get(f"{CUSTOMERS}/runs")
        client.post(f"{CUSTOMERS}/materialize")
        client.get(f"{CUSTOMERS}/runs")
    assert [(e.operation, e.status, e.fault) for e in fake.journal] == [
        ("listAssetRuns", 200, None),
        ("listAssetRuns", 500, "boom"),
        ("triggerAssetMaterialization", 404, "nope"),
        ("listAssetRuns", 200, None),
    ]


# --- faults at run time and reset --------------------------------------------------------------


def test_faults_added_at_run_time_apply_from_the_next_request() -> None:
    fake = AssetFake(scenario())
    with fake.client() as client:
        before = client.get(f"{CUSTOMERS}/runs")
        fake.faults.add(
            {
                "name": "late",
                "match": {"operation": "listAssetRuns", "every": 2},
                "respond": {"status": 429, "headers": {"Retry-After": "4"}},
            }
        )
        after = [client.get(f"{CUSTOMERS}/runs") for _ in range(4)]
    assert before.status_code == 200
    assert [(r.status_code, fault_of(r)) for r in after] == [
        (200, None),
        (429, "late"),
        (200, None),
        (429, "late"),
    ]
    assert after[1].headers["Retry-After"] == "4"
    assert [rule.name for rule in fake.faults] == ["late"]


def test_an_invalid_fault_added_at_run_time_is_refused() -> None:
    fake = AssetFake(scenario())
    with pytest.raises(ScenarioError) as caught:
        fake.faults.add(
            {"name": "teapot", "match": {"operation": "listAssetRuns"}, "respond": {"status": 418}}
        )
    assert "418" in caught.value.message
    with pytest.raises(ScenarioError):
        fake.faults.add(
            {"name": "ghost", "match": {"asset": "no/such/asset"}, "respond": {"status": 500}}
        )
    assert len(fake.faults) == 0
    assert hits(fake, 1) == [False]


def test_clear_removes_every_fault_until_reset() -> None:
    fake = AssetFake(scenario(fault("scenario-fault")))
    fake.faults.add(fault("runtime-fault", status=404))
    assert len(fake.faults) == 2
    fake.faults.clear()
    assert len(fake.faults) == 0
    assert hits(fake, 3) == [False, False, False]
    fake.reset()
    assert [rule.name for rule in fake.faults] == ["scenario-fault"]
    assert hits(fake, 1) == [True]


def test_reset_restores_the_scenarios_faults_with_counters_zeroed() -> None:
    fake = AssetFake(scenario(fault("second", call=2), fault("odd", status=404, times=1)))
    fake.faults.add(fault("runtime", status=403))
    with fake.client() as client:
        first_round = [
            (r.status_code, fault_of(r))
            for r in (client.get(f"{CUSTOMERS}/runs") for _ in range(4))
        ]
        fake.reset()
        second_round = [
            (r.status_code, fault_of(r))
            for r in (client.get(f"{CUSTOMERS}/runs") for _ in range(4))
        ]
    assert first_round == [(404, "odd"), (500, "second"), (403, "runtime"), (403, "runtime")]
    # the runtime fault is gone; "second" and "odd" count (and fire) from zero again
    assert second_round == [(404, "odd"), (500, "second"), (200, None), (200, None)]
    assert len(fake.journal) == 4


def test_reset_replays_the_same_probability_pattern() -> None:
    fake = AssetFake(scenario(fault(probability=0.4)))
    first = hits(fake, 50)
    fake.reset()
    assert hits(fake, 50) == first


# --- load-time validation ----------------------------------------------------------------------


@pytest.mark.parametrize("status", [418, 409, 200, 503])
def test_a_status_the_operation_does_not_document_is_refused_at_load(
    tmp_path: Path, status: int
) -> None:
    path = tmp_path / "bad-status.yaml"
    path.write_text(
        textwrap.dedent(f"""\
        version: 1
        assets:
          - key: sales/daily
            partitions: {{daily: {{start: "2024-01-01", end: "2024-01-31"}}}}
          - key: customers
        faults:
          - name: fine
            match: {{operation: listAssetRuns}}
            respond: {{status: 500}}
          - name: odd
            match: {{operation: createAssetBackfill}}
            respond:
              status: {status}
        """),
        encoding="utf-8",
    )
    with pytest.raises(ScenarioError) as caught:
        AssetFake(path)
    error = caught.value
    assert error.line == 13
    assert error.column == 15
    assert error.path == "faults[1].respond.status"
    assert str(status) in error.message
    assert error.file == str(path)
    assert str(error).startswith(f"{path}:13:15: faults[1].respond.status: ")


def test_a_status_fault_without_operation_is_checked_against_every_operation() -> None:
    with pytest.raises(ScenarioError) as caught:
        AssetFake(scenario({"name": "x", "respond": {"status": 409}}))
    assert caught.value.path == "faults[0].respond.status"
    assert caught.value.line is None  # a dict has no lines


def test_a_fault_name_with_quotes_keeps_the_body_valid() -> None:
    fake = AssetFake(scenario(fault('say "hi"')))
    with fake.client() as client:
        response = client.get(f"{CUSTOMERS}/runs")
    assert json.loads(response.content)["status"] == 500
    assert response.headers["X-Fake-Fault"] == 'say "hi"'


def test_a_delay_only_fault_slows_down_the_real_answer() -> None:
    slow = {
        "name": "slow",
        "match": {"operation": "triggerAssetMaterialization"},
        "respond": {"delay_seconds": 0.15},
    }
    fake = AssetFake(scenario(slow))
    with fake.client() as client:
        started = time.monotonic()
        response = client.post(f"{CUSTOMERS}/materialize")
        took = time.monotonic() - started
    assert response.status_code == 202  # the real answer, and the change happened
    assert response.json()["status"] == "QUEUED"
    assert fault_of(response) == "slow"
    assert took >= 0.15
    assert len(fake.state.runs("customers")) == 1
    assert [entry.fault for entry in fake.journal] == ["slow"]
