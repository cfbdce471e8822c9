"""The dashboard in a real headless Chromium, against a live server: it loads with no console
error, shows the assets, a run that progresses by itself when the clock advances, the journal
entry of a request just made (Authorization redacted), a fault's fire count, and a client-sent
``<script>`` as text. A screenshot is saved to ``test-artifacts/dashboard.png``.

Needs a Chromium (Debian: ``apt-get install chromium``; ``.ci/run`` installs it when absent,
``ASSETFAKE_CHROMIUM`` names another binary); skipped, loudly, only where there is none.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from control_support import SMALL
from headless_chromium import Browser, chromium, find_chromium

from assetfake.fake import AssetFake

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
EVIL = '<script>window.pwned = 1</script><img src=x onerror="window.pwned = 2">'
SCENARIO = {
    **SMALL,
    "faults": [
        {
            "name": "first-list-500",
            "match": {"operation": "listAssetRuns", "call": 1},
            "respond": {"status": 500},
        }
    ],
}


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Browser]:
    binary = find_chromium()
    if binary is None:
        pytest.skip(
            "!!! NO BROWSER: the dashboard was NOT tested in a browser. Install Chromium "
            "(Debian: apt-get install -y chromium) or set ASSETFAKE_CHROMIUM to its path !!!"
        )
    with chromium(binary, tmp_path / "profile") as opened:
        yield opened


def run_status(run_id: str) -> str:
    """JavaScript: the status shown in the runs table for one run (or null)."""
    return (
        "(() => { const row = [...document.querySelectorAll('#runs tbody tr')]"
        f".find(r => r.textContent.includes({json.dumps(run_id)}));"
        " return row ? row.querySelector('.status').textContent : null; })()"
    )


def entry(key: str) -> str:
    return f"document.querySelector('details[data-key={json.dumps(key)}]')"


def test_the_dashboard_in_a_browser(browser: Browser) -> None:
    fake = AssetFake(SCENARIO)
    with fake.serve() as url, httpx.Client(base_url=url, timeout=10) as client:
        made = client.post(
            "/assets/customers/materialize",
            json={"tags": {"note": "from the browser test"}},
            headers={"Authorization": "Bearer s3cret-token", "X-Note": EVIL},
        )
        assert made.status_code == 202
        run_id, key = made.json()["id"], made.headers["x-request-id"]
        assert client.get("/assets/customers/runs").status_code == 500  # the fault fires

        browser.navigate(f"{url}/_fake/ui")
        text = browser.evaluate("document.body.innerText")
        assert "sales/daily" in text and "customers" in text
        assert browser.evaluate(run_status(run_id)) == "QUEUED"
        assert (
            browser.evaluate(
                "document.querySelector('[data-fired=\"first-list-500\"]').textContent"
            )
            == "1"
        )

        browser.evaluate(f"{entry(key)}.querySelector('summary').click()")
        shown = browser.evaluate(f"{entry(key)}.innerText")
        assert "authorization" in shown and "[redacted]" in shown
        assert "s3cret-token" not in browser.evaluate("document.documentElement.outerHTML")
        assert EVIL in shown  # the client's markup, as text ...
        assert browser.evaluate("typeof window.pwned") == "undefined"  # ... never run
        assert browser.evaluate("document.querySelectorAll('main script, main img').length") == 0

        fake.clock.advance(10)  # the page refreshes itself: the run has ended
        browser.wait_until(f"{run_status(run_id)} === 'SUCCEEDED'")
        assert browser.evaluate(f"{entry(key)}.open") is True  # what was open stays open
        client.get("/assets/sales%2Fdaily/runs")  # a new request shows up by itself
        browser.wait_until("document.querySelectorAll('details[data-key]').length === 3")

        ARTIFACTS.mkdir(exist_ok=True)
        (ARTIFACTS / ".gitignore").write_text("*\n")
        browser.screenshot(ARTIFACTS / "dashboard.png")
        assert (ARTIFACTS / "dashboard.png").stat().st_size > 10_000

        browser.navigate(f"{url}/_fake/ui/namespaces")
        assert browser.evaluate("[...document.links].some(a => a.pathname === '/_fake/ui')")
        assert browser.console_errors() == []
