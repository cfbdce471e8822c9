"""A newcomer's first hour, without stumbles: the install commands the docs give work from the
repository, the CI recipe's client runs against the fake, the errors a first ``curl`` meets say
what to do, and the failure message the docs quote is the one Hypothesis prints today."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from test_docs_examples import ALL_BLOCKS, PAGES, ROOT, Block

from assetfake.fake import AssetFake

CI_PAGE = ROOT / "docs" / "howto-ci.md"
needs_curl = pytest.mark.skipif(
    shutil.which("curl") is None, reason="!!! NOT RUN: needs curl, which is not installed !!!"
)


def _page_blocks(page: Path, language: str) -> list[Block]:
    return [b for b in ALL_BLOCKS if b.page == page and b.language == language]


# ---------------------------------------------------------------------------- installing


def _pip_installs(text: str) -> list[list[str]]:
    """The arguments of every ``pip install`` in a text (shell quoting undone)."""
    found = []
    for match in re.finditer(r"pip install ([^\n`|&;#]*)", text):
        try:
            found.append(shlex.split(match.group(1)))
        except ValueError:  # an unbalanced quote in prose
            found.append(match.group(1).split())
    return found


@pytest.mark.parametrize("page", PAGES, ids=lambda page: str(page.relative_to(ROOT)))
def test_no_page_installs_assetfake_from_a_package_index(page: Path) -> None:
    """assetfake is not on an index: ``pip install assetfake`` cannot work. Every install of
    it names a checkout (``.``, ``./assetfake``, ``-e .``) or the repository (``git+``)."""
    for arguments in _pip_installs(page.read_text(encoding="utf-8")):
        for argument in arguments:
            name = re.split(r"[\[=<>~!@ ]", argument, maxsplit=1)[0]
            if name == "assetfake":
                assert "@ git+" in argument, f"{page.name}: pip install {argument!r}"


def test_the_tutorial_and_the_howtos_say_how_to_install_from_the_repository() -> None:
    for name in ("tutorial.md", "howto-non-python.md", "howto-ci.md"):
        text = (ROOT / "docs" / name).read_text(encoding="utf-8")
        assert '"assetfake @ git+<repository URL>"' in text, name


def test_the_vcs_form_the_docs_give_names_this_project() -> None:
    """``assetfake @ git+URL`` installs the distribution called assetfake (pip checks the name
    against the project's metadata): the name in pyproject.toml must be that one."""
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert re.search(r'^name = "assetfake"$', pyproject, re.MULTILINE)


# ------------------------------------------------------------------------------ the CI page


def test_the_ci_recipes_install_from_the_repository_and_run_the_matrix() -> None:
    recipes = [yaml.safe_load(block.code) for block in _page_blocks(CI_PAGE, "yaml")]
    assert len(recipes) == 2
    github, gitlab = recipes
    steps = github["jobs"]["assetfake"]["steps"]
    runs = "\n".join(str(step.get("run", "")) for step in steps)
    job = gitlab["client-against-assetfake"]
    gitlab_runs = "\n".join(job["before_script"] + job["script"])
    for commands, env in (
        (runs, github["jobs"]["assetfake"]["env"]),
        (gitlab_runs, job["variables"]),
    ):
        assert 'pip install "assetfake @ git+${ASSETFAKE_REPOSITORY}"' in commands
        assert env["ASSETFAKE_REPOSITORY"].endswith(".git")
        assert "assetfake matrix --clock manual --scenarios default -- ./client.sh" in commands


def _client_script(tmp_path: Path) -> Path:
    (block,) = [b for b in ALL_BLOCKS if b.page == CI_PAGE and b.file == "client.sh"]
    script = tmp_path / "client.sh"
    script.write_text(block.code, encoding="utf-8")
    return script


def _run_client(script: Path, url: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["sh", str(script)],
        cwd=script.parent,
        env={**os.environ, "ASSETFAKE_URL": url, "ASSETFAKE_SCENARIO": "default"},
        capture_output=True,
        text=True,
        timeout=60,
    )


@needs_curl
def test_the_ci_client_runs_its_workflow_against_the_fake(tmp_path: Path) -> None:
    script = _client_script(tmp_path)
    fake = AssetFake()
    with fake.serve() as url:
        done = _run_client(script, f"{url}/_ns/ci-plain")
        runs = fake.namespaces.get("ci-plain").world.runs("customers")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"run {runs[-1].id} succeeded"


@needs_curl
def test_the_ci_client_gets_through_a_bad_day(tmp_path: Path) -> None:
    """What the recipe says the client copes with: a 429 with a Retry-After, a 500 after the
    trigger was committed (the retry, with the same Idempotency-Key, starts no second run), and
    a reset connection."""
    script = _client_script(tmp_path)
    faults: list[dict[str, Any]] = [
        {
            "name": "trigger-500-after",
            "match": {"operation": "triggerAssetMaterialization", "times": 1},
            "respond": {"status": 500, "phase": "after"},
        },
        {
            "name": "first-list-429",
            "match": {"operation": "listAssetRuns", "call": 1},
            "respond": {"status": 429, "headers": {"Retry-After": "30"}},
        },
        {
            "name": "second-list-reset",
            "match": {"operation": "listAssetRuns", "call": 2},
            "respond": {"network": "reset"},
        },
    ]
    fake = AssetFake()
    with fake.serve() as url:
        ns = f"{url}/_ns/ci-bad-day"
        before = len(fake.state.runs("customers"))
        assert httpx.post(f"{ns}/_fake/faults", json=faults).status_code == 201
        done = _run_client(script, ns)
        namespace = fake.namespaces.get("ci-bad-day")
        runs = namespace.world.runs("customers")
        statuses = [entry.status for entry in namespace.journal]
        waited = namespace.world.clock.now_ms() - namespace.template.config.start_ms
    assert done.returncode == 0, done.stderr
    assert len(runs) == before + 1  # one run, however often the trigger was sent
    assert statuses[:4] == [500, 202, 429, 0]
    assert waited >= 30_000  # the Retry-After was honoured, on the fake's clock


# ------------------------------------------------------------------- a first curl's errors


@needs_curl
def test_a_form_body_from_curl_is_told_which_header_to_add() -> None:
    with AssetFake().serve() as url:
        done = subprocess.run(
            ["curl", "-sS", "-X", "POST", f"{url}/assets/customers/materialize", "-d", "{}"],
            capture_output=True,
            text=True,
            timeout=30,
        )
    problem = httpx.Response(400, content=done.stdout).json()
    assert problem["code"] == "unsupported_content_type"
    assert "application/x-www-form-urlencoded" in problem["detail"]
    assert "add -H 'Content-Type: application/json'" in problem["detail"]


def test_a_detail_writes_the_value_sent_as_json() -> None:
    with AssetFake().client() as client:
        answer = client.post("/assets/sales%2Fdaily/backfills", json={"all_partitions": False})
    assert answer.status_code == 400
    assert answer.json()["detail"] == "all_partitions must be true when given, got false"


# ------------------------------------------------------------------- the Hypothesis quote


def test_the_quoted_hypothesis_failure_is_what_hypothesis_prints() -> None:
    """howto-pagination.md quotes the failure of its property test for a client that gives up
    on the first 500. Run that test with that bug: the quote's first line and arguments are
    what Hypothesis prints now."""
    page = ROOT / "docs" / "howto-pagination.md"
    (example,) = [b for b in _page_blocks(page, "python") if "def test_every_run" in b.code]
    buggy = example.code.replace("for _ in range(20):", "for _ in range(1):")
    assert buggy != example.code
    namespace: dict[str, Any] = {"__name__": "quoted_example"}
    exec(compile(buggy, example.id, "exec"), namespace)
    with pytest.raises(httpx.HTTPStatusError) as failure:  # the client gives up on a 500
        namespace["test_every_run_exactly_once"]()
    printed = "\n".join(getattr(failure.value, "__notes__", []))
    (quote,) = [b for b in _page_blocks(page, "") if "test_every_run_exactly_once(" in b.code]
    first_line = quote.code.splitlines()[0]
    assert first_line == "Failing test case: test_every_run_exactly_once("
    assert printed.splitlines()[0] == first_line
    arguments = re.findall(r"^    (\w+)=", quote.code, re.MULTILINE)
    assert arguments == re.findall(r"^    (\w+)=", printed, re.MULTILINE)
