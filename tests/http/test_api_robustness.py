"""Nothing a client sends produces a 500: fuzzed paths, queries, headers and bodies, and the
malformed inputs that once did (or could). Every answer is a documented status; every error is
a problem document; only a successful POST changes the state."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assetfake.fake import AssetFake

if TYPE_CHECKING:
    from conftest import ProblemCheck

ALLOWED = {200, 201, 202, 400, 401, 403, 404, 405, 429}
SALES = "/assets/sales%2Fdaily"

KEYS = ["sales/daily", "customers", "regions/metrics", "orders/daily", "sales/hourly", "nope"]
SUFFIXES = [
    "runs",
    "materializations",
    "backfills",
    "materialize",
    "backfills/bf_x",
    "backfills/",
    "",
    "runs/x",
    "Runs",
]
PARAM_NAMES = ["max_results", "page_token", "status", "limit", "", "max_results[]", "Status"]
FIELDS = [
    "partition_keys",
    "partition_range",
    "all_partitions",
    "title",
    "tags",
    "partition_key",
    "start",
    "end",
    "x",
]
TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
SEGMENT_TEXT = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs",), exclude_characters="/?#"),
    min_size=0,
    max_size=10,
)


def weighted(*choices: tuple[int, st.SearchStrategy[Any]]) -> st.SearchStrategy[Any]:
    """One of the strategies, chosen with the given relative weights."""
    table = [strategy for weight, strategy in choices for _ in range(weight)]
    return st.integers(0, len(table) - 1).flatmap(lambda i: table[i])


def _segment(key: str) -> st.SearchStrategy[str]:
    return st.sampled_from(
        [quote(key, safe=""), key, quote(key, safe="").lower(), quote(key, safe="/")]
    )


_KNOWN = st.sampled_from(KEYS[:-1]).map(lambda key: quote(key, safe=""))
key_segments = weighted(
    (6, _KNOWN),
    (1, st.sampled_from(KEYS).flatmap(_segment)),
    (1, SEGMENT_TEXT.map(lambda text: quote(text, safe=""))),
    (1, st.sampled_from(["%", "%F", "%FF", "%C0%AF", "%00", "%2F%2F", "..", ".", "a" * 300])),
)
OPERATIONS = [
    ("GET", "runs"),
    ("GET", "materializations"),
    ("GET", "backfills"),
    ("GET", "backfills/bf_x"),
    ("POST", "backfills"),
    ("POST", "materialize"),
    ("POST", "backfills"),
    ("POST", "materialize"),
]
methods = st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"])
suffixes = st.one_of(st.sampled_from(SUFFIXES), st.none(), SEGMENT_TEXT.map(quote))
targets = weighted((4, st.sampled_from(OPERATIONS)), (1, st.tuples(methods, suffixes)))
GOOD = [
    ("POST", "/assets/sales%2Fdaily/materialize", {"partition_key": "2024-01-02"}),
    ("POST", "/assets/customers/materialize", {}),
    ("POST", "/assets/customers/materialize", None),
    ("POST", "/_ns/fz/assets/regions%2Fmetrics/materialize", {"partition_key": "us"}),
    ("POST", "/assets/regions%2Fmetrics/backfills", {"all_partitions": True}),
    ("POST", "/assets/orders%2Fdaily/backfills", {"partition_keys": ["2024-01-05"]}),
    (
        "POST",
        "/_ns/fz/assets/sales%2Fdaily/backfills",
        {"partition_range": {"start": "2024-01-01", "end": "2024-01-02"}, "tags": {"t": "x"}},
    ),
]
good_requests = st.sampled_from(GOOD).map(
    lambda g: (g[0], g[1], b"" if g[2] is None else json.dumps(g[2]).encode())
)
requests_ = weighted(
    (3, good_requests),
    (
        9,
        st.builds(
            lambda ns, key, target: (
                target[0],
                f"{ns}/assets/{key}" + (f"/{target[1]}" if target[1] is not None else ""),
            ),
            st.sampled_from(["", "", "", "", "", "/_ns/fz", "/_ns/fz", "/_ns/"]),
            key_segments,
            targets,
        ),
    ),
    (
        1,
        st.tuples(
            methods,
            st.sampled_from(["/", "/assets", "/openapi.json", "/x/assets/customers/runs", "//"]),
        ),
    ),
)

param_values = st.one_of(
    TEXT,
    st.integers(-5, 1000).map(str),
    st.sampled_from(["QUEUED", "FAILED", "failed", "1.5", "+1", "9" * 30, "%FF"]),
)
queries = st.lists(
    st.tuples(st.one_of(st.sampled_from(PARAM_NAMES), TEXT), param_values), max_size=3
).map(lambda pairs: "&".join(f"{quote(n, safe='')}={quote(v, safe='')}" for n, v in pairs))
raw_queries = st.sampled_from(["", "&&", "=", "a", "max_results", "%FF=1", "max_results=%FF"])

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | TEXT,
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.sampled_from(FIELDS) | TEXT, children, max_size=3)
    ),
    max_leaves=8,
)
near_valid = st.fixed_dictionaries(
    {},
    optional={
        "partition_keys": st.lists(
            st.sampled_from(["2024-01-01", "2024-01-31", "us", "x", ""]), max_size=3
        ),
        "partition_range": st.fixed_dictionaries(
            {"start": st.sampled_from(["2024-01-01", "2024-01-09", "us"])},
            optional={"end": st.sampled_from(["2024-01-03", "2024-01-01", "eu"])},
        ),
        "all_partitions": st.sampled_from([True, False, "true", 1]),
        "partition_key": st.sampled_from(["2024-01-02", "us", "", None, 3]),
        "title": st.sampled_from(["t", None, 1]),
        "tags": st.sampled_from([{}, {"a": "b"}, {"a": 1}, [], None]),
    },
)
valid_bodies = st.sampled_from(
    [
        {"partition_keys": ["2024-01-01", "2024-01-02"]},
        {"partition_keys": ["us"]},
        {"all_partitions": True, "title": "t", "tags": {"a": "b"}},
        {"partition_range": {"start": "2024-01-02", "end": "2024-01-03"}},
        {"partition_key": "2024-01-02"},
        {"partition_key": "eu", "tags": {"k": "v"}},
        {},
        {"tags": {}},
    ]
)
bodies = weighted(
    (1, st.none()),
    (5, valid_bodies.map(lambda v: json.dumps(v).encode())),
    (2, near_valid.map(lambda v: json.dumps(v).encode())),
    (1, st.binary(max_size=20)),
    (1, json_values.map(lambda v: json.dumps(v).encode())),
)
header_sets = st.fixed_dictionaries(
    {},
    optional={
        "content-type": st.sampled_from(
            ["application/json"] * 4
            + ["application/merge-patch+json", "text/plain", "", "json", ";", "*/*"]
        ),
        "idempotency-key": st.sampled_from(["k1", "k2", "", "x" * 300]),
        "authorization": st.sampled_from(["Bearer x", "Basic Zm9v", "Bearer", ""]),
        "accept": st.sampled_from(["*/*", "text/html", "application/xml"]),
        "x-anything": st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=10),
    },
)

_FAKE = AssetFake()
_NAMESPACES = ("default", "fz")


def _counts() -> dict[str, dict[str, int]]:
    return {name: _FAKE.namespaces.get(name).world.counts() for name in _NAMESPACES}


@settings(
    max_examples=400,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    target=requests_.map(lambda t: t if len(t) == 3 else (*t, None)),
    query=weighted((5, st.just("")), (2, queries), (1, raw_queries)),
    headers=header_sets,
    body=bodies,
)
def test_nothing_a_client_sends_is_a_500(
    target: tuple[str, str, bytes | None],
    query: str,
    headers: dict[str, str],
    body: bytes | None,
) -> None:
    method, path, fixed_body = target
    if fixed_body is not None:
        body = fixed_body
    before = _counts()
    with _FAKE.client() as client:
        request = client.build_request(method, path, content=body, headers=headers)
        if query:
            request.url = request.url.copy_with(query=query.encode())
        response = client.send(request)
    assert response.status_code in ALLOWED, (response.status_code, response.text)
    assert response.headers.get("x-request-id")
    if response.status_code >= 400:
        document = response.json()
        assert response.headers["content-type"] == "application/problem+json"
        assert document["status"] == response.status_code
        assert document["code"]
    after = _counts()
    for name in _NAMESPACES:
        grew = {k: after[name][k] - before[name][k] for k in ("runs", "backfills")}
        grew["materializations"] = (
            after[name]["materializations"] - before[name]["materializations"]
        )
        target = "fz" if path.startswith("/_ns/fz/") else "default"
        if name != target or response.status_code not in (201, 202):
            assert grew == {"runs": 0, "backfills": 0, "materializations": 0}, (name, grew)
        elif response.status_code == 202:
            assert grew["runs"] in (0, 1) and grew["backfills"] == 0
        else:
            assert grew["backfills"] in (0, 1) and grew["materializations"] == 0


@pytest.mark.parametrize(
    ("method", "path", "content", "headers"),
    [
        ("GET", "/assets/%FF/runs", None, {}),
        ("GET", "/assets/%C0%AF/runs", None, {}),
        ("GET", "/assets/a%00b/runs", None, {}),
        ("GET", f"{SALES}/runs?max_results=%FF", None, {}),
        ("GET", f"{SALES}/runs?page_token=%FF%FE", None, {}),
        ("GET", f"{SALES}/runs?%FF=1", None, {}),
        ("GET", f"{SALES}/backfills/%FF", None, {}),
        ("GET", f"/assets/{'a' * 300}/runs", None, {}),
        ("GET", f"/assets/{'%2F' * 300}/runs", None, {}),
        ("GET", "/_ns/%FF/assets/customers/runs", None, {}),
        ("POST", f"{SALES}/backfills", b"\x00\x01", {"content-type": "application/json"}),
        ("POST", f"{SALES}/backfills", b"1e999999", {"content-type": "application/json"}),
        ("POST", f"{SALES}/backfills", b'"\\ud800"', {"content-type": "application/json"}),
        ("POST", f"{SALES}/materialize", b"{}", {"content-type": "application/json; x=\xe9"}),
        ("POST", f"{SALES}/materialize", b"{}", {"idempotency-key": "\xe9"}),
        ("GET", f"{SALES}/runs", None, {"authorization": "Bearer \xff"}),
    ],
)
def test_odd_requests_get_a_documented_answer(
    api: httpx.Client, method: str, path: str, content: bytes | None, headers: dict[str, str]
) -> None:
    encoded = {k: v.encode("latin-1") for k, v in headers.items()}
    response = api.request(method, path, content=content, headers=encoded)
    assert response.status_code in ALLOWED, response.text
    if response.status_code >= 400:
        assert response.headers["content-type"] == "application/problem+json"


def test_a_max_results_too_long_for_int_is_clamped(api: httpx.Client) -> None:
    """``int()`` refuses more than 4300 digits; such a number is above the maximum all the same,
    so it is clamped like any other (it used to answer 500)."""
    response = api.get("/assets/customers/runs", params={"max_results": "1" * 5000})
    assert response.status_code == 200
    assert len(response.json()["items"]) == 100  # the default scenario's max_page_size


@pytest.mark.parametrize("opener", [b"[", b'{"a":'])
def test_a_deeply_nested_json_body_is_400(
    api: httpx.Client, problem: ProblemCheck, opener: bytes
) -> None:
    """BUG: msgspec raises RecursionError (not DecodeError) on deep nesting; the fake answers
    500."""
    body = opener * 100_000
    response = api.post(
        f"{SALES}/backfills", content=body, headers={"content-type": "application/json"}
    )
    problem(response, 400)
    trigger = api.post("/assets/customers/materialize", content=body)
    problem(trigger, 400)


def test_a_body_over_the_limit_is_400_on_an_operation(
    api: httpx.Client, problem: ProblemCheck, fake: AssetFake
) -> None:
    before = fake.state.counts()
    big = b'{"all_partitions": true, "title": "' + b"x" * (1 << 20) + b'"}'
    problem(api.post(f"{SALES}/backfills", content=big), 400)
    assert fake.state.counts() == before


def test_a_body_over_the_limit_on_an_unknown_path_is_still_404(
    api: httpx.Client, problem: ProblemCheck
) -> None:
    """BUG: the body-size check runs before routing, so an unknown path (or a wrong method)
    with a large body is answered 400 instead of 404/405 (contract: route comes first)."""
    big = b"x" * ((1 << 20) + 1)
    problem(api.post("/nowhere", content=big), 404)
    response = api.put(f"{SALES}/runs", content=big)
    problem(response, 405)
