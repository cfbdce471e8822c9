"""The client zoo through the whole shipped library, judged by the ``assetfake`` marker.

One workflow (``zoo/workflow.py``), one marker line, one error type: ``zoo/library_run.py`` is the
test a client author writes, ``@pytest.mark.assetfake(scenarios="library",
client_errors=(ClientError,))``, in process (``assetfake``) and live (``assetfake_server``).
Each test below runs it for one zoo client (a pytest process of its own, with
``--assetfake-report``) and reads the report card: for every mode and world, what failed there
must be exactly what :data:`EXPECTED` says (expectation kinds, or ``raised`` / ``swallowed`` /
``wrong_error`` for the world's outcome), and the same in process and live. So the careful
client passes every world, each naive client is caught where its bug shows and nowhere else,
and a verdict that drifts fails the suite.

``python tests/contract/test_client_matrix.py`` prints the matrix (client x world) as a
markdown table, from fresh runs.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import pytest
from zoo.card import details_of, markdown, run_all, run_in_subprocess, verdicts_of
from zoo.expected import EXPECTED
from zoo.registry import ZOO

from assetfake.library_runs import shipped_names

WORLDS = shipped_names()


def test_the_matrix_covers_every_client_and_only_shipped_worlds() -> None:
    assert set(EXPECTED) == set(ZOO)
    for name, row in EXPECTED.items():
        assert set(row) <= set(WORLDS), name
        assert all(row.values()), f"{name}: a world listed with nothing failing"


def test_the_careful_client_passes_and_every_other_client_is_caught() -> None:
    assert EXPECTED["careful"] == {}
    uncaught = [
        name for name, client in ZOO.items() if client.kind == "naive" and not EXPECTED[name]
    ]
    assert uncaught == []
    naive = [client for client in ZOO.values() if client.kind == "naive"]
    libraries = [client for client in ZOO.values() if client.kind == "library"]
    assert len(naive) >= 12 and len(libraries) >= 4


@pytest.mark.parametrize("name", sorted(ZOO))
def test_a_client_gets_its_expected_verdict_in_every_world(name: str, tmp_path: Path) -> None:
    client = ZOO[name]
    card = run_in_subprocess(name, tmp_path)
    verdicts = verdicts_of(card)
    details = details_of(card)
    assert sorted(verdicts) == sorted(client.modes)
    expected = {world: frozenset(kinds) for world, kinds in EXPECTED[name].items()}
    problems = []
    for mode, seen in verdicts.items():
        assert sorted(seen) == sorted(WORLDS), f"{mode}: not every world ran"
        failing = {world: kinds for world, kinds in seen.items() if kinds}
        for world in sorted(set(failing) | set(expected)):
            if failing.get(world) != expected.get(world):
                got, want = sorted(failing.get(world, ())), sorted(expected.get(world, ()))
                problems.append(f"{mode} [{world}]: got {got}, expected {want}")
                problems.append(details.get((mode, world), "")[-1500:])
    assert not problems, f"{name}:\n" + "\n".join(problems)


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as directory:
        table = run_all(Path(directory), parallel=int(sys.argv[1]) if len(sys.argv) > 1 else 4)
    print(markdown(table, WORLDS))
