"""The soak's clients (``test_soak.py``): its scenario, and :class:`Client`, one of 32 threads
sending a seeded mix of every operation, clock advances, scenario PUTs and namespace drops to a
live server, timing each answer and checking it (status, code, the OpenAPI document)."""

from __future__ import annotations

import json
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx

from assetfake.domain.status import RunStatus
from assetfake.operations import OPERATIONS
from openapi_check import OpenAPIChecker

CLIENTS = 32
START = "2024-06-01T00:00:00.000Z"  # the clock's start: history is before it
#: Every error answer is checked against the document, and every n-th success (validating
#: them all would starve the server of the GIL it shares with the clients).
CHECKED_EVERY = 5
DAYS = [f"2024-01-{d:02d}" for d in range(1, 32)]
REGIONS = ["us", "eu", "apac"]
#: Where a failing run of each asset fails (a start failure never reaches RUNNING).
FAIL_STAGE = {"sales/daily": "running", "regions/metrics": "starting", "customers": "running"}
KEYS = {
    "sales/daily": "sales%2Fdaily",
    "regions/metrics": "regions%2Fmetrics",
    "customers": "customers",
}
MANUAL = ("soak-man-0", "soak-man-1")
REALTIME = ("soak-rt-0", "soak-rt-1")
CHURNED = ("soak-tmp-0", "soak-tmp-1", "soak-tmp-2")
#: The operation whose injected fault resets the connection: the only transport errors allowed.
RESET_OPERATION = "getAssetBackfill"
#: The 4xx codes this traffic can earn; any other is a bug.
EXPECTED_CODES = {
    400: {"idempotency_key_reused"},
    404: {"backfill_not_found"},
    429: {"injected_fault"},
}
#: Page tokens are signed with a key derived from the seed: one taken before a namespace got
#: another scenario (or was dropped and came back from the server's) is refused.
RELOADED_CODES = {400: {"invalid_page_token"}}


def scenario(seed: int = 11, mode: str = "realtime", faults: bool = True) -> dict[str, Any]:
    """The soak's world: a daily asset, a static one that fails at start, an unpartitioned one
    with some history; faults (500, 429, reset, an ambiguous 500 after the commit) on four
    operations; no rate limit, no auth."""
    document: dict[str, Any] = {
        "version": 1,
        "seed": seed,
        "clock": {"start": "2024-06-01T00:00:00Z", "mode": mode},
        "pagination": {"default_page_size": 20, "max_page_size": 50},
        "assets": [
            {
                "key": "sales/daily",
                "partitions": {"daily": {"start": DAYS[0], "end": DAYS[-1]}},
                "run": {
                    "running_seconds": 4,
                    "max_concurrent": 4,
                    "fail_partitions": ["2024-01-05"],
                },
            },
            {
                "key": "regions/metrics",
                "partitions": {"static": REGIONS},
                "run": {"fail_probability": 0.3, "fail_stage": "starting"},
            },
            {"key": "customers", "run": {"running_seconds": 2, "fail_probability": 0.1}},
        ],
        "history": {"generate": [{"asset": "customers", "runs": 40, "succeeded_ratio": 0.8}]},
    }
    if faults:
        document["faults"] = [
            fault("soak-500", "listAssetRuns", 9, {"status": 500}),
            fault("soak-429", "triggerAssetMaterialization", 7, {"status": 429}),
            fault("soak-reset", RESET_OPERATION, 5, {"network": "reset"}),
            fault("soak-after", "createAssetBackfill", 6, {"status": 500, "phase": "after"}),
        ]
    return document


def fault(name: str, operation: str, every: int, respond: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "match": {"operation": operation, "every": every}, "respond": respond}


# ------------------------------------------------------------------------------- the clients


@dataclass(slots=True)
class Record:
    """What one client saw."""

    latencies: list[float] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)
    injected: int = 0


class Shared:
    """Backfill ids seen, per namespace (read by every client; stale ones are 404s)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.backfills: dict[str, list[str]] = {}

    def add(self, namespace: str, backfill_id: str) -> None:
        with self.lock:
            self.backfills.setdefault(namespace, []).append(backfill_id)

    def pick(self, namespace: str, rng: random.Random) -> str:
        with self.lock:
            known = self.backfills.get(namespace, [])
            return rng.choice(known) if known and rng.random() < 0.9 else "bf_missing"


class Client:
    """One soak client: a seeded sequence of actions on one kept-alive httpx client."""

    def __init__(
        self, number: int, url: str, shared: Shared, deadline: float, checker: OpenAPIChecker
    ) -> None:
        self.rng = random.Random(number)
        self.checker = checker
        self.number = number
        self.http = httpx.Client(base_url=url, timeout=10)
        self.shared = shared
        self.deadline = deadline
        self.record = Record()

    def run(self) -> Record:
        actions = [
            (self.list_page, 30),
            (self.get_backfill, 10),
            (self.create_backfill, 12),
            (self.trigger, 15),
            (self.advance, 6),
            (self.load_scenario, 2),
            (self.drop, 1),
            (self.health, 2),
        ]
        choices, weights = zip(*actions, strict=True)
        with self.http:
            while time.monotonic() < self.deadline:
                self.rng.choices(choices, weights)[0]()
        return self.record

    def namespace(self) -> str:
        return self.rng.choice(["default", "default", *MANUAL, *REALTIME, *CHURNED])

    @staticmethod
    def prefix(namespace: str) -> str:
        return "" if namespace == "default" else f"/_ns/{namespace}"

    def send(self, operation: str, method: str, path: str, **kwargs: Any) -> httpx.Response | None:
        started = time.perf_counter()
        try:
            response = self.http.request(method, path, **kwargs)
        except httpx.TransportError as error:
            self.record.latencies.append(time.perf_counter() - started)
            self.record.statuses[f"{operation} {type(error).__name__}"] += 1
            if operation != RESET_OPERATION:
                self.record.problems.append(f"{method} {path}: {error!r}")
            return None
        self.record.latencies.append(time.perf_counter() - started)
        status = response.status_code
        self.record.statuses[str(status)] += 1
        injected = "x-fake-fault" in response.headers
        self.record.injected += injected
        allowed = OPERATIONS[operation].statuses if operation in OPERATIONS else {200}
        if status >= 300 or len(self.record.latencies) % CHECKED_EVERY == 0:
            raw_path = response.request.url.raw_path.decode("ascii")
            try:
                self.checker.check(method, raw_path, status, response.headers, response.content)
            except AssertionError as error:
                self.record.problems.append(f"off the document: {error}")
        if (status >= 500 and not injected) or status not in allowed:
            self.record.problems.append(f"{method} {path}: {status} {response.text[:200]}")
        elif 400 <= status < 500 and not injected:
            code = response.json().get("code")
            expected = EXPECTED_CODES.get(status, set())
            if path.startswith(tuple(f"/_ns/{ns}/" for ns in (*MANUAL, *CHURNED))):
                expected = expected | RELOADED_CODES.get(status, set())
            if code not in expected:
                self.record.problems.append(f"{method} {path}: {status} {code}")
        return response

    # --- the API

    def list_page(self) -> None:
        ns = self.namespace()
        operation = self.rng.choice(
            ["listAssetRuns", "listAssetBackfills", "listAssetMaterializations"]
        )
        key = KEYS[self.rng.choice(list(KEYS))]
        suffix = OPERATIONS[operation].path.rsplit("/", 1)[1]
        params: dict[str, str] = {"max_results": str(self.rng.randint(1, 60))}
        if OPERATIONS[operation].filters_by_status and self.rng.random() < 0.3:
            params["status"] = self.rng.choice([s.value for s in RunStatus])
        path = f"{self.prefix(ns)}/assets/{key}/{suffix}"
        for _ in range(self.rng.randint(1, 3)):  # and a page or two more
            response = self.send(operation, "GET", path, params=params)
            if response is None or response.status_code != 200:
                return
            token = response.json()["next_page_token"]
            if token is None:
                return
            params["page_token"] = token

    def get_backfill(self) -> None:
        ns = self.namespace()
        key = KEYS[self.rng.choice(["sales/daily", "regions/metrics"])]
        backfill_id = self.shared.pick(ns, self.rng)
        self.send(RESET_OPERATION, "GET", f"{self.prefix(ns)}/assets/{key}/backfills/{backfill_id}")

    def create_backfill(self) -> None:
        ns = self.namespace()
        if self.rng.random() < 0.5:
            asset, body = "sales/daily", self._days()
        else:
            asset, body = "regions/metrics", {"all_partitions": True}
        if self.rng.random() < 0.3:
            body["tags"] = {"client": str(self.number)}
        headers = {}
        if self.rng.random() < 0.2:  # a small pool: replays, and the same key with another body
            headers["Idempotency-Key"] = f"soak-{self.number}-{self.rng.randint(0, 2)}"
        path = f"{self.prefix(ns)}/assets/{KEYS[asset]}/backfills"
        response = self.send("createAssetBackfill", "POST", path, json=body, headers=headers)
        if response is not None and response.status_code == 201:
            self.shared.add(ns, response.json()["id"])

    def _days(self) -> dict[str, Any]:
        if self.rng.random() < 0.5:
            return {"partition_keys": sorted(self.rng.sample(DAYS, self.rng.randint(1, 4)))}
        start = self.rng.randint(0, 27)
        return {
            "partition_range": {"start": DAYS[start], "end": DAYS[start + self.rng.randint(0, 3)]}
        }

    def trigger(self) -> None:
        ns = self.namespace()
        asset = self.rng.choice(list(KEYS))
        body: dict[str, Any] = {}
        if asset == "sales/daily":
            body["partition_key"] = self.rng.choice(DAYS)
        elif asset == "regions/metrics":
            body["partition_key"] = self.rng.choice(REGIONS)
        path = f"{self.prefix(ns)}/assets/{KEYS[asset]}/materialize"
        self.send("triggerAssetMaterialization", "POST", path, json=body)

    # --- the control API

    def advance(self) -> None:
        ns = self.rng.choice([*MANUAL, *MANUAL, *MANUAL, "default", *REALTIME])
        seconds = round(self.rng.uniform(0, 20), 3)
        self.send(
            "advance", "POST", f"{self.prefix(ns)}/_fake/clock/advance", json={"seconds": seconds}
        )

    def load_scenario(self) -> None:
        ns = self.rng.choice([*CHURNED, *MANUAL])
        mode = "manual" if ns in MANUAL else self.rng.choice(["manual", "realtime"])
        document = scenario(seed=self.rng.randint(1, 5), mode=mode, faults=False)
        self.send("scenario", "PUT", f"/_ns/{ns}/_fake/scenario", content=json.dumps(document))

    def drop(self) -> None:
        self.send("drop", "DELETE", f"/_ns/{self.rng.choice(CHURNED)}/_fake")

    def health(self) -> None:
        self.send("health", "GET", "/_fake/health")
