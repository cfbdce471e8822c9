"""A fault's ``respond.headers`` may not name a framing header (``Content-Length``,
``Transfer-Encoding``): the fake frames its own answers, so a second one would make the answer
ambiguous on the wire (two Content-Lengths, or one beside Transfer-Encoding: RFC 9112 6.3), and
the two roads of the live server would not even agree on the bytes. Refused where a fault is
read: in a scenario, and over the control API."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from edge_conversations import SCENARIO

from assetfake import AssetFake, ScenarioError


def _rule(headers: dict[str, str]) -> dict[str, Any]:
    return {
        "name": "framed",
        "match": {"operation": "listAssetRuns"},
        "respond": {"status": 500, "headers": headers},
    }


FRAMING = {
    "Transfer-Encoding": {"Transfer-Encoding": "chunked"},
    "Content-Length": {"Content-Length": "5"},
}


@pytest.mark.parametrize("headers", FRAMING.values(), ids=list(FRAMING))
def test_a_framing_header_in_a_fault_is_refused(headers: dict[str, str]) -> None:
    with pytest.raises(ScenarioError, match="frames the answer"):
        AssetFake({**SCENARIO, "faults": [_rule(headers)]})


@pytest.mark.parametrize("headers", FRAMING.values(), ids=list(FRAMING))
def test_a_framing_header_in_a_fault_added_live_is_a_400(headers: dict[str, str]) -> None:
    fake = AssetFake(SCENARIO)
    with fake.serve() as url:
        answer = httpx.post(f"{url}/_fake/faults", json=_rule(headers), timeout=5)
        page = httpx.get(f"{url}/assets/a/runs", timeout=5)
    assert answer.status_code == 400
    assert "frames the answer" in answer.text
    assert page.status_code == 200  # no rule was added
