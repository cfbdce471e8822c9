"""Same scenario, seed and requests on a manual clock => byte-identical bodies and X-Request-Ids.

The sequence mixes everything the seed drives: ids, ``fail_probability`` outcomes, short pages
(``short_pages``) and page tokens, plus errors, clock steps and idempotent replays.
"""

from __future__ import annotations

import re
from typing import Any

from assetfake.fake import AssetFake

SCENARIO: dict[str, Any] = {
    "version": 1,
    "name": "determinism",
    "seed": 11,
    "clock": {"start": "2024-06-01T00:00:00Z", "mode": "manual"},
    "pagination": {"default_page_size": 4, "max_page_size": 10, "short_pages": 0.5},
    "assets": [
        {
            "key": "sales/daily",
            "partitions": {"daily": {"start": "2024-01-01", "end": "2024-01-20"}},
            "run": {"running_seconds": 3, "max_concurrent": 3, "fail_probability": 0.4},
            "materialization": {"metadata": {"rows": 10}},
        },
        {"key": "customers", "run": {"fail_probability": 0.5, "fail_stage": "starting"}},
    ],
    "history": {"generate": [{"asset": "customers", "runs": 40, "succeeded_ratio": 0.7}]},
}

SALES = "/assets/sales%2Fdaily"
Answer = tuple[int, str, str | None, bytes]


def _sequence(fake: AssetFake) -> list[Answer]:
    answers: list[Answer] = []
    with fake.client() as client:

        def send(method: str, path: str, **kwargs: Any) -> Any:
            response = client.request(method, path, **kwargs)
            answers.append(
                (
                    response.status_code,
                    response.headers["x-request-id"],
                    response.headers.get("location"),
                    response.content,
                )
            )
            return response

        def walk(path: str, **params: str) -> None:
            token = None
            while True:
                query = dict(params, **({"page_token": token} if token else {}))
                token = send("GET", path, params=query).json()["next_page_token"]
                if token is None:
                    return

        send(
            "POST",
            f"{SALES}/backfills",
            json={"partition_range": {"start": "2024-01-01", "end": "2024-01-12"}},
        )
        for i in range(6):
            send("POST", "/assets/customers/materialize", json={"tags": {"i": str(i)}})
        send(
            "POST",
            f"{SALES}/materialize",
            json={"partition_key": "2024-01-15"},
            headers={"Idempotency-Key": "k"},
        )
        fake.clock.advance(1.5)
        send(
            "POST",
            f"{SALES}/materialize",
            json={"partition_key": "2024-01-15"},
            headers={"Idempotency-Key": "k"},
        )
        walk(f"{SALES}/runs")
        walk("/assets/customers/runs", max_results="7")
        send("GET", "/assets/sales/daily/runs")
        send("POST", f"{SALES}/backfills", content=b"{")
        send("GET", "/assets/customers/runs", params={"page_token": "forged"})
        for _ in range(4):
            fake.clock.advance(2.25)
            walk(f"{SALES}/runs", status="RUNNING")
            walk(f"{SALES}/backfills")
        fake.run_until_idle()
        send("POST", f"{SALES}/backfills", json={"all_partitions": True, "title": "all"})
        fake.clock.advance(4)
        walk(f"{SALES}/runs", max_results="10")
        walk(f"{SALES}/materializations")
        walk("/assets/customers/runs", status="FAILED")
        walk("/assets/customers/materializations", max_results="5")
        walk(f"{SALES}/backfills", max_results="1")
    return answers


def test_same_scenario_seed_and_requests_give_identical_bytes() -> None:
    first = _sequence(AssetFake(SCENARIO))
    second = _sequence(AssetFake(SCENARIO))
    assert len(first) > 40
    assert first == second
    statuses = {status for status, *_ in first}
    assert statuses == {200, 201, 202, 400, 404}
    bodies = b"".join(body for *_, body in first)
    for status in (b'"FAILED"', b'"SUCCEEDED"', b'"RUNNING"', b'"STARTING"', b'"QUEUED"'):
        assert status in bodies, "the sequence should visit every non-cancel status"


def test_the_same_after_reset() -> None:
    fake = AssetFake(SCENARIO)
    first = _sequence(fake)
    fake.reset()
    assert _sequence(fake) == first


def test_the_seed_argument_overrides_the_scenario_seed() -> None:
    assert _sequence(AssetFake(SCENARIO, seed=11)) == _sequence(AssetFake(SCENARIO))


def _ids(answers: list[Answer]) -> set[str]:
    found: set[str] = set()
    for _, request_id, _, body in answers:
        found.add(request_id)
        found.update(re.findall(r'"id":"([^"]+)"', body.decode()))
    return found


def test_another_seed_changes_the_ids() -> None:
    one = _sequence(AssetFake(SCENARIO, seed=1))
    two = _sequence(AssetFake(SCENARIO, seed=2))
    assert [status for status, *_ in one][:3] == [201, 202, 202]
    assert one != two
    ids_one, ids_two = _ids(one), _ids(two)
    assert len(ids_one) > 50
    assert ids_one.isdisjoint(ids_two), "run, backfill, materialization and request ids all change"


def test_the_default_scenario_is_deterministic_too() -> None:
    def run(fake: AssetFake) -> list[tuple[str, bytes]]:
        with fake.client() as client:
            out = []
            for _ in range(3):
                created = client.post(f"{SALES}/backfills", json={"all_partitions": True})
                out.append((created.headers["x-request-id"], created.content))
                fake.clock.advance(3)
                page = client.get(f"{SALES}/runs", params={"max_results": "50"})
                out.append((page.headers["x-request-id"], page.content))
            return out

    assert run(AssetFake()) == run(AssetFake())
