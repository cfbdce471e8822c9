"""A fault's ``respond.headers`` may not frame the answer (the server writes its own
Content-Length); a fault's ``match.header`` may name any header, those included."""

from __future__ import annotations

import pytest

from assetfake import AssetFake, ScenarioError


def _scenario(respond_headers: dict[str, str], match_header: dict[str, str]) -> dict[str, object]:
    rule = {
        "name": "f",
        "match": {"operation": "listAssetRuns", "header": match_header},
        "respond": {"status": 500, "headers": respond_headers},
    }
    return {"version": 1, "assets": [{"key": "a"}], "faults": [rule]}


@pytest.mark.parametrize("name", ["Content-Length", "transfer-encoding", "TRANSFER-ENCODING"])
def test_a_framing_header_in_an_answer_is_refused_where_it_is_written(name: str) -> None:
    with pytest.raises(ScenarioError) as raised:
        AssetFake(_scenario({name: "5"}, {}))
    (problem,) = raised.value.errors
    assert problem.format().startswith(f"<dict>: faults[0].respond.headers.{name}: ")
    assert "frames the answer" in problem.format()


def test_other_answer_headers_and_any_matched_header_are_accepted() -> None:
    fake = AssetFake(_scenario({"X-Trace": "1", "Connection": "close"}, {"Content-Length": "0"}))
    assert fake.scenario.name
