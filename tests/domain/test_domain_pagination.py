"""Lists: newest first, page sizes, tamper-evident tokens, expiry and short pages."""

from __future__ import annotations

import string
from collections.abc import Callable, Sequence
from typing import TypeVar

import pytest

from assetfake.domain.clock import ManualClock
from assetfake.domain.config import (
    AssetConfig,
    HistoryGenerate,
    PaginationConfig,
    RunConfig,
    WorldConfig,
)
from assetfake.domain.errors import InvalidRequest
from assetfake.domain.partitions import Partitions
from assetfake.domain.resources import Backfill, Materialization, Page, Run
from assetfake.domain.selection import PartitionSelection
from assetfake.domain.status import RunStatus
from assetfake.domain.timestamps import parse_rfc3339
from assetfake.domain.world import World

START = parse_rfc3339("2024-06-01T00:00:00Z")
DAYS = Partitions.daily("2024-01-01", "2024-01-10")
_TOKEN_ALPHABET = string.ascii_letters + string.digits + "-_+/="
T = TypeVar("T", Run, Backfill, Materialization)


def _make_world(
    pagination: PaginationConfig | None = None, seed: int = 0, history: int = 0
) -> tuple[World, ManualClock]:
    clock = ManualClock(START)
    assets = (AssetConfig("a", DAYS, run=RunConfig(running_seconds=3)), AssetConfig("b", DAYS))
    generate = (HistoryGenerate("a", history),) if history else ()
    config = WorldConfig(
        START,
        assets,
        seed=seed,
        history_generate=generate,
        pagination=pagination or PaginationConfig(),
    )
    return World(config, clock), clock


def _walk(fetch: Callable[[str | None], Page[T]], limit: int = 10_000) -> list[T]:
    items: list[T] = []
    token: str | None = None
    for _ in range(limit):
        page = fetch(token)
        items.extend(page.items)
        token = page.next_page_token
        if token is None:
            return items
        assert page.items, "a page with a next token must not be empty"
    raise AssertionError("the walk did not end")


def _ids(items: Sequence[Run | Backfill | Materialization]) -> list[str]:
    return [item.id for item in items]


def _token(world: World, asset: str = "a", status: RunStatus | None = None) -> str:
    token = world.list_runs(asset, status, max_results=1).next_page_token
    assert token is not None
    return token


def _refused(call: Callable[[], object]) -> str:
    with pytest.raises(InvalidRequest) as info:
        call()
    return info.value.code


def test_default_page_size_and_clamping() -> None:
    world, _ = _make_world(PaginationConfig(default_page_size=3, max_page_size=5))
    for _ in range(8):
        world.trigger("b", "2024-01-01")
    assert len(world.list_runs("b").items) == 3
    assert len(world.list_runs("b", max_results=4).items) == 4
    assert len(world.list_runs("b", max_results=5).items) == 5
    assert len(world.list_runs("b", max_results=1000).items) == 5
    assert len(world.list_runs("b", max_results=1).items) == 1


@pytest.mark.parametrize("size", [0, -1])
def test_max_results_below_one_is_refused(size: int) -> None:
    world, _ = _make_world()
    for call in (world.list_runs, world.list_backfills, world.list_materializations):
        assert _refused(lambda call=call: call("a", max_results=size)) == "invalid_max_results"


def test_newest_first_with_ties_broken_by_id_descending() -> None:
    world, clock = _make_world(history=5)
    for _ in range(3):
        world.trigger("a", "2024-01-01")
    world.create_backfill("a", PartitionSelection(range=("2024-01-01", "2024-01-04")))
    clock.advance(1)
    world.trigger("a", "2024-01-02")
    world.run_until_idle()
    runs = world.runs("a")
    listed = _walk(lambda t: world.list_runs("a", max_results=3, page_token=t))
    expected = sorted(runs, key=lambda r: (r.created_at, r.id), reverse=True)
    assert _ids(listed) == [r.id for r in expected]
    assert len(listed) == 5 + 3 + 4 + 1
    mats = world.materializations("a")
    listed_mats = _walk(lambda t: world.list_materializations("a", max_results=4, page_token=t))
    expected_mats = sorted(mats, key=lambda m: (m.created_at, m.id), reverse=True)
    assert _ids(listed_mats) == [m.id for m in expected_mats]
    assert len(listed_mats) == len(mats) == 13


def test_backfills_newest_first() -> None:
    world, clock = _make_world()
    made = []
    for day in (1, 2, 3):
        made.append(world.create_backfill("a", PartitionSelection(keys=(f"2024-01-0{day}",)))[0])
    clock.advance(1)
    made.append(world.create_backfill("a", PartitionSelection(all=True))[0])
    listed = _walk(lambda t: world.list_backfills("a", max_results=2, page_token=t))
    assert _ids(listed) == [b.id for b in reversed(made)]


def test_an_empty_list_has_no_next_token() -> None:
    world, _ = _make_world()
    page = world.list_runs("a")
    assert page.items == []
    assert page.next_page_token is None


def test_the_last_page_has_no_next_token() -> None:
    world, _ = _make_world()
    for _ in range(4):
        world.trigger("a", "2024-01-01")
    assert world.list_runs("a", max_results=4).next_page_token is None
    first = world.list_runs("a", max_results=2)
    assert first.next_page_token is not None
    second = world.list_runs("a", max_results=2, page_token=first.next_page_token)
    assert len(second.items) == 2
    assert second.next_page_token is None


def test_a_status_filter_lists_only_that_status() -> None:
    world, clock = _make_world()
    for day, wait in zip(range(1, 5), (3, 1.5, 1, 0.5), strict=True):  # ages 6, 3, 1.5 and 0.5 s
        world.trigger("a", f"2024-01-0{day}")
        clock.advance(wait)
    by_status = {s: world.list_runs("a", status=s).items for s in RunStatus}
    assert [len(by_status[s]) for s in RunStatus] == [1, 1, 1, 1, 0, 0, 0]
    for status, items in by_status.items():
        assert all(r.status is status for r in items)


@pytest.mark.parametrize("garbage", ["", "abc", "!!!!", "é", "x" * 500, "AAAAAAAAAAAAAAAAAAAAAAAA"])
def test_garbage_tokens_are_refused(garbage: str) -> None:
    world, _ = _make_world()
    world.trigger("a", "2024-01-01")
    assert _refused(lambda: world.list_runs("a", page_token=garbage)) == "invalid_page_token"


def test_a_token_altered_in_any_one_character_is_refused() -> None:
    world, _ = _make_world()
    for _ in range(3):
        world.trigger("a", "2024-01-01")
    token = _token(world)
    world.list_runs("a", page_token=token)  # the original is fine
    accepted = []
    for i, original in enumerate(token):
        for replacement in _TOKEN_ALPHABET:
            if replacement == original:
                continue
            altered = token[:i] + replacement + token[i + 1 :]
            try:
                world.list_runs("a", max_results=1, page_token=altered)
            except InvalidRequest as exc:
                assert exc.code == "invalid_page_token"
            else:
                accepted.append((i, replacement))
    assert accepted == []


def test_a_token_of_another_asset_is_refused() -> None:
    world, _ = _make_world()
    for asset in ("a", "b"):
        for _ in range(2):
            world.trigger(asset, "2024-01-01")
    assert _refused(lambda: world.list_runs("b", page_token=_token(world, "a"))) == (
        "invalid_page_token"
    )


def test_a_token_of_another_list_is_refused() -> None:
    world, _ = _make_world()
    for _ in range(2):
        world.create_backfill("a", PartitionSelection(keys=("2024-01-01",)))
    world.run_until_idle()
    runs_token = _token(world)
    backfills_token = world.list_backfills("a", max_results=1).next_page_token
    mats_token = world.list_materializations("a", max_results=1).next_page_token
    assert backfills_token is not None
    assert mats_token is not None
    assert _refused(lambda: world.list_backfills("a", page_token=runs_token)) == (
        "invalid_page_token"
    )
    assert _refused(lambda: world.list_materializations("a", page_token=runs_token)) == (
        "invalid_page_token"
    )
    assert _refused(lambda: world.list_runs("a", page_token=backfills_token)) == (
        "invalid_page_token"
    )
    assert _refused(lambda: world.list_runs("a", page_token=mats_token)) == "invalid_page_token"


@pytest.mark.parametrize(
    ("issued_with", "used_with"),
    [(None, RunStatus.QUEUED), (RunStatus.QUEUED, None), (RunStatus.QUEUED, RunStatus.RUNNING)],
)
def test_a_token_used_with_another_status_filter_is_refused(
    issued_with: RunStatus | None, used_with: RunStatus | None
) -> None:
    world, _ = _make_world()
    for _ in range(3):
        world.trigger("a", "2024-01-01")
    token = _token(world, status=issued_with)
    world.list_runs("a", status=issued_with, page_token=token)
    assert _refused(lambda: world.list_runs("a", status=used_with, page_token=token)) == (
        "invalid_page_token"
    )


def test_a_token_of_a_world_with_another_seed_is_refused() -> None:
    first, _ = _make_world(seed=1)
    second, _ = _make_world(seed=2)
    for world in (first, second):
        for _ in range(3):
            world.trigger("a", "2024-01-01")
    token = _token(first)
    assert _refused(lambda: second.list_runs("a", page_token=token)) == "invalid_page_token"


def test_tokens_expire_after_their_ttl_on_the_fake_clock() -> None:
    world, clock = _make_world(PaginationConfig(page_token_ttl_seconds=60))
    for _ in range(3):
        world.trigger("a", "2024-01-01")
    token = _token(world)
    clock.advance(59.999)
    assert len(world.list_runs("a", max_results=1, page_token=token).items) == 1
    fresh = _token(world)
    clock.advance(60.001)
    assert _refused(lambda: world.list_runs("a", page_token=fresh)) == "page_token_expired"
    assert _refused(lambda: world.list_runs("a", page_token=token)) == "page_token_expired"


def test_tokens_without_a_ttl_never_expire() -> None:
    world, clock = _make_world()
    for _ in range(3):
        world.trigger("a", "2024-01-01")
    token = _token(world)
    clock.advance(10 * 365 * 86_400)
    assert len(world.list_runs("a", page_token=token).items) == 2


def test_short_pages_are_short_yet_the_walk_yields_everything() -> None:
    world, _ = _make_world(PaginationConfig(short_pages=1.0), history=60)
    pages: list[int] = []

    def fetch(token: str | None) -> Page[Run]:
        page = world.list_runs("a", max_results=10, page_token=token)
        pages.append(len(page.items))
        return page

    items = _walk(fetch)
    assert _ids(items) == [r.id for r in reversed(world.runs("a"))]
    assert all(1 <= n < 10 for n in pages[:-1])
    assert len(pages) > 6


def test_short_pages_never_cut_a_page_of_one() -> None:
    world, _ = _make_world(PaginationConfig(short_pages=1.0), history=5)
    sizes = []
    token = None
    for _ in range(5):
        page = world.list_runs("a", max_results=1, page_token=token)
        sizes.append(len(page.items))
        token = page.next_page_token
    assert sizes == [1] * 5
    assert token is None


def test_short_pages_zero_gives_full_pages() -> None:
    world, _ = _make_world(PaginationConfig(short_pages=0.0), history=35)
    items = []
    token = None
    sizes = []
    while True:
        page = world.list_runs("a", max_results=10, page_token=token)
        sizes.append(len(page.items))
        items.extend(page.items)
        token = page.next_page_token
        if token is None:
            break
    assert sizes == [10, 10, 10, 5]
    assert len({r.id for r in items}) == 35


def test_a_walk_across_history_and_live_records_with_a_status_filter() -> None:
    world, clock = _make_world(history=12)
    for _ in range(5):
        world.trigger("a", "2024-01-01")
    clock.advance(1)
    succeeded = _walk(
        lambda t: world.list_runs("a", status=RunStatus.SUCCEEDED, max_results=5, page_token=t)
    )
    queued = _walk(
        lambda t: world.list_runs("a", status=RunStatus.STARTING, max_results=2, page_token=t)
    )
    assert len(succeeded) == 12
    assert len(queued) == 5
