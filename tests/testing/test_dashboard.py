"""The dashboard's pages as HTML (in process): what they show, that everything a client sent is
escaped, that they stay bounded, that the stamp moves exactly when the page would change, and
the landing page. The real browser is in ``test_dashboard_browser.py``."""

from __future__ import annotations

import base64
import hashlib
import re
from html.parser import HTMLParser
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from control_support import SMALL

from assetfake.fake import AssetFake
from assetfake.http.app import AssetsApp
from assetfake.http.dashboard import (
    JOURNAL_SHOWN,
    RUNS_SHOWN,
    VERDICT_DUTY,
    Verdicts,
    landing_page,
    namespace_page,
)
from assetfake.http.dashboard_sections import REPORT_SHOWN
from assetfake.http.journal import BODY_KEPT
from assetfake.http.namespaces import Namespace
from assetfake.transports import SyncASGITransport

EVIL = '<script>window.pwned = 1</script><img src=x onerror="alert(1)">'


class Page(HTMLParser):
    """The tags, attributes and text of a page, as a browser's parser reads them."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def count(self, tag: str, attribute: str | None = None) -> int:
        return sum(1 for t, a in self.tags if t == tag and (attribute is None or attribute in a))

    def attributes(self, attribute: str) -> list[str]:
        return [a[attribute] or "" for _, a in self.tags if attribute in a]


def ui(client: httpx.Client, path: str = "/_fake/ui") -> tuple[httpx.Response, Page]:
    answer = client.get(path)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "text/html; charset=utf-8"
    return answer, Page(answer.text)


@pytest.fixture
def fake() -> AssetFake:
    return AssetFake(
        {
            **SMALL,
            "faults": [
                {
                    "name": "second-list-500",
                    "match": {"operation": "listAssetRuns", "call": 2},
                    "respond": {"status": 500},
                }
            ],
            "expect": [{"calls": {"operation": "listAssetRuns", "min": 5}}],
        }
    )


def test_the_page_shows_clock_assets_runs_journal_faults_and_verdict(fake: AssetFake) -> None:
    with fake.client() as client:
        run = client.post("/assets/customers/materialize", json={}).json()
        for _ in range(2):
            client.get("/assets/sales%2Fdaily/runs", headers={"Authorization": "Bearer s3cret"})
        answer, page = ui(client)
    text = " ".join(page.text)
    assert "2030-01-01T00:00:00.000Z" in text  # the clock
    assert "sales/daily" in text and "customers" in text
    assert run["id"] in text and "QUEUED" in text
    assert page.count("details", "data-key") == 3
    assert "[redacted]" in text and "s3cret" not in answer.text
    assert "second-list-500" in text
    fired = re.search(r'data-fired="second-list-500">(\d+)<', answer.text)
    assert fired is not None and fired.group(1) == "1"
    assert 'data-passed="false"' in answer.text  # 2 calls of the 5 expected
    assert "listAssetRuns" in text


def test_everything_a_client_sent_is_shown_as_text(fake: AssetFake) -> None:
    with fake.client() as client:
        client.post(
            "/assets/customers/materialize",
            json={"tags": {"note": EVIL}},
            headers={"X-Note": EVIL, EVIL.replace(" ", "").replace('"', ""): "header name"},
        )
        client.get("/assets/%3Cscript%3E/runs", params={"q": EVIL})
        client.get(f"/_ns/{quote(EVIL, safe='')}/assets/customers/runs")  # a namespace of that name
        answer, page = ui(client)
        named = ui(client, f"/_ns/{quote(EVIL, safe='')}/_fake/ui")[0].text
        index = client.get("/_fake/ui/namespaces").text
    for html_text in (answer.text, named, index):
        assert EVIL not in html_text
        assert "<img" not in html_text
        scripts = Page(html_text)
        assert scripts.count("script") == 1  # our own, at the end
        assert scripts.count("img") == 0
        assert not [t for t, a in scripts.tags if any(k.startswith("on") for k in a)]
    assert EVIL in "".join(page.text)  # ... and it is all there, as text
    assert EVIL in "".join(Page(index).text)


def test_the_page_allows_only_its_own_inline_script_and_style(fake: AssetFake) -> None:
    with fake.client() as client:
        answer, page = ui(client)
    policy = answer.headers["content-security-policy"]
    script = re.search(r"<script>(.*)</script>", answer.text, re.S)
    style = re.search(r"<style>(.*)</style>", answer.text, re.S)
    assert script is not None and style is not None

    def digest(text: str) -> str:
        return base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()

    assert f"script-src 'sha256-{digest(script.group(1))}'" in policy
    assert f"style-src 'sha256-{digest(style.group(1))}'" in policy
    assert "default-src 'none'" in policy and "connect-src 'self'" in policy
    # nothing is loaded from elsewhere: no src, no stylesheet, only local links
    assert page.attributes("src") == []
    assert all(h.startswith(("/", "data:", "#")) for h in page.attributes("href"))


def test_the_page_stays_bounded_and_shows_the_newest_first() -> None:
    fake = AssetFake(SMALL)
    with fake.client() as client:
        for n in range(JOURNAL_SHOWN + 50):
            client.get("/assets/customers/runs", params={"n": n})
        for _ in range(RUNS_SHOWN + 10):
            client.post("/assets/customers/materialize", json={})
        answer, page = ui(client)
    keys = page.attributes("data-key")
    assert len(keys) == JOURNAL_SHOWN
    newest = fake.journal[len(fake.journal) - 1].request_id
    assert keys[0] == newest and keys == sorted(keys, reverse=True)
    runs = re.findall(r"run_[0-9a-z]+", answer.text.split('id="runs"')[1].split("</table>")[0])
    assert len(set(runs)) == RUNS_SHOWN
    assert f"newest first: {JOURNAL_SHOWN} of {JOURNAL_SHOWN + 50 + RUNS_SHOWN + 10}" in answer.text


def test_a_journal_entry_shows_the_exchange(fake: AssetFake) -> None:
    long = b'{"tags": {"x": "' + b"y" * (BODY_KEPT + 10) + b'"}}'
    with fake.client() as client:
        client.post("/assets/customers/materialize", content=b"\xff\xfe not text")
        client.post("/assets/customers/materialize", content=long)
        page = ui(client)[1]
    text = "".join(page.text)
    assert "not UTF-8" in text
    assert f"{len(long)} byte(s), the first {BODY_KEPT} kept" in text
    assert "more byte(s) in the control API" in text
    assert "application/problem+json" in text  # the answer's headers
    assert "Answer" in text and "status 400" in text


def test_the_stamp_moves_exactly_when_the_page_would(fake: AssetFake) -> None:
    with fake.client() as client:

        def stamp() -> str:
            value: str = client.get("/_fake/ui/stamp").json()["stamp"]
            return value

        first = stamp()
        assert stamp() == first  # nothing happened
        client.get("/assets/customers/runs")
        after_request = stamp()
        assert after_request != first
        client.post("/_fake/clock/advance", json={"seconds": 1})
        after_advance = stamp()
        assert after_advance != after_request
        client.post("/_fake/faults", json={"name": "f", "respond": {"status": 500}})
        after_fault = stamp()
        assert after_fault != after_advance
        client.delete("/_fake/journal")
        assert stamp() != after_fault
        client.post("/_fake/reset")
        assert stamp() != after_fault
        assert client.get("/_ns/other/_fake/ui/stamp").json()["stamp"] != stamp()


def test_a_named_namespace_has_its_own_page_and_the_index_links_them(fake: AssetFake) -> None:
    with fake.client() as client:
        client.get("/_ns/team a/assets/customers/runs")
        page = ui(client, "/_ns/team%20a/_fake/ui")[1]
        body = page.tags[[t for t, _ in page.tags].index("body")][1]
        assert body["data-stamp-url"] == "/_ns/team%20a/_fake/ui/stamp"
        assert body["data-page-url"] == "/_ns/team%20a/_fake/ui"
        assert "namespace team a" in "".join(page.text)
        assert page.count("details", "data-key") == 1
        _, default = ui(client)
        assert default.count("details", "data-key") == 0
        _, index = ui(client, "/_fake/ui/namespaces")
    links = index.attributes("href")
    assert "/_fake/ui" in links and "/_ns/team%20a/_fake/ui" in links


def test_the_dashboard_is_off_with_the_control_api() -> None:
    fake = AssetFake(SMALL)
    app = AssetsApp(fake.namespaces, control=None)
    with httpx.Client(transport=SyncASGITransport(app), base_url="http://x") as client:
        assert client.get("/_fake/ui").status_code == 404
        assert client.get("/_fake/ui/namespaces").status_code == 404


def test_the_landing_page_says_what_this_is_and_where_to_go() -> None:
    fake = AssetFake({**SMALL, "auth": {"tokens": [{"token": "tok-1", "scopes": ["assets:read"]}]}})
    reply = landing_page(fake.namespaces)
    assert reply.status == 200 and reply.content_type.startswith("text/html")
    page = Page(reply.body.decode())
    text = "".join(page.text)
    assert "stateful fake of the Assets API" in text
    assert "sales/daily" in text and "customers" in text
    links = page.attributes("href")
    for href in ("/openapi.json", "/_fake/openapi.json", "/_fake/ui", "/_fake/ui/namespaces"):
        assert href in links
    assert "curl -s -H 'Authorization: Bearer tok-1'" in text
    assert "/assets/sales%2Fdaily/runs" in text
    assert "script-src 'sha256-" in reply.headers["Content-Security-Policy"]
    quiet = Page(landing_page(fake.namespaces, control=False).body.decode())
    assert [h for h in quiet.attributes("href") if h.startswith("/_fake")] == []
    plain: Any = landing_page(AssetFake(SMALL).namespaces)
    assert "Authorization" not in plain.body.decode()


def test_a_costly_verdict_is_not_recomputed_on_every_change() -> None:
    """Judging a long journal holds the namespace's lock: the page recomputes the verdict when
    the namespace changed, but at most once per VERDICT_DUTY times what it last cost."""
    ticks = iter([0.0, 0.5, 1.0, 1.0, 5.5, 6.0])  # the timer's readings, in order
    calls: list[str] = []

    def verify(ns: Namespace) -> dict[str, object]:
        calls.append(ns.name)
        return {"passed": True, "failures": [], "report": "all expectations hold"}

    verdicts = Verdicts(timer=lambda: next(ticks))
    ns = AssetFake(SMALL).namespaces.default
    assert verdicts.of(ns, verify, "s1") == verify(ns)  # computed at 0.0, cost 0.5
    calls.clear()
    assert verdicts.of(ns, verify, "s1")["passed"] is True  # same stamp: kept
    assert verdicts.of(ns, verify, "s2")["stale"] is True  # changed, 1.0 < 10 x 0.5: kept
    assert calls == []
    assert "stale" not in verdicts.of(ns, verify, "s3")  # 5.5 >= 10 x 0.5: recomputed
    assert calls == ["default"]
    assert VERDICT_DUTY == 10.0


def test_a_long_report_is_cut_on_the_page() -> None:
    report = "expect[0] calls: x\n" * 5000

    def verify(ns: Namespace) -> dict[str, object]:
        return {"passed": False, "failures": [], "report": report}

    reply = namespace_page(AssetFake(SMALL).namespaces.default, "", verify)
    text = "".join(Page(reply.body.decode()).text)
    assert report[:REPORT_SHOWN] in text and report not in text
    assert f"… {len(report) - REPORT_SHOWN} more character(s): GET /_fake/verify" in text
