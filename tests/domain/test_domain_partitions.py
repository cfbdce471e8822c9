"""Partition sets: daily, hourly and static keys, inclusive ranges, bad bounds."""

from __future__ import annotations

import re

import pytest

from assetfake.domain.partitions import DAILY_PATTERN, HOURLY_PATTERN, Partitions, PartitionsError


def test_daily_is_inclusive_at_both_ends() -> None:
    parts = Partitions.daily("2024-01-01", "2024-01-31")
    assert len(parts) == 31
    assert parts.keys[0] == "2024-01-01"
    assert parts.keys[-1] == "2024-01-31"
    assert parts.kind == "daily"


def test_daily_crosses_a_leap_day_and_a_year() -> None:
    assert Partitions.daily("2024-02-28", "2024-03-01").keys == (
        "2024-02-28",
        "2024-02-29",
        "2024-03-01",
    )
    assert Partitions.daily("2023-12-31", "2024-01-01").keys == ("2023-12-31", "2024-01-01")


def test_daily_single_day() -> None:
    assert Partitions.daily("2024-01-05", "2024-01-05").keys == ("2024-01-05",)


def test_hourly_is_inclusive_and_crosses_midnight() -> None:
    parts = Partitions.hourly("2024-01-01-22:00", "2024-01-02-01:00")
    assert parts.keys == (
        "2024-01-01-22:00",
        "2024-01-01-23:00",
        "2024-01-02-00:00",
        "2024-01-02-01:00",
    )
    assert parts.kind == "hourly"


def test_static_keeps_declared_order() -> None:
    parts = Partitions.static(["us", "eu", "apac"])
    assert parts.keys == ("us", "eu", "apac")
    assert [parts.position(k) for k in ("us", "eu", "apac")] == [0, 1, 2]


def test_membership_and_positions() -> None:
    parts = Partitions.daily("2024-01-01", "2024-01-10")
    assert "2024-01-10" in parts
    assert "2024-01-11" not in parts
    assert "2023-12-31" not in parts
    assert 20240101 not in parts
    assert parts.position("2024-01-04") == 3


def test_select_range_is_inclusive() -> None:
    parts = Partitions.daily("2024-01-01", "2024-01-10")
    assert parts.select_range("2024-01-03", "2024-01-05") == (
        "2024-01-03",
        "2024-01-04",
        "2024-01-05",
    )
    assert parts.select_range("2024-01-07", "2024-01-07") == ("2024-01-07",)
    assert parts.select_range("2024-01-01", "2024-01-10") == parts.keys


def test_describe_gives_the_scenario_form() -> None:
    assert Partitions.daily("2024-01-01", "2024-01-02").describe() == {
        "daily": {"start": "2024-01-01", "end": "2024-01-02"}
    }
    assert Partitions.hourly("2024-01-01-00:00", "2024-01-01-01:00").describe() == {
        "hourly": {"start": "2024-01-01-00:00", "end": "2024-01-01-01:00"}
    }
    assert Partitions.static(["b", "a"]).describe() == {"static": ["b", "a"]}


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("2024-01-02", "2024-01-01"),  # start after end
        ("2024/01/01", "2024-01-31"),
        ("2024-01-01", "2024-01-32"),
        ("2024-01-01T00:00", "2024-01-31"),
        ("", "2024-01-31"),
    ],
)
def test_daily_bad_bounds(start: str, end: str) -> None:
    with pytest.raises(ValueError):
        Partitions.daily(start, end)


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("2024-01-01-02:00", "2024-01-01-01:00"),  # start after end
        ("2024-01-01-00:30", "2024-01-01-02:00"),  # not on the hour
        ("2024-01-01-00:00", "2024-01-01-02:15"),
        ("2024-01-01", "2024-01-02"),  # daily form
        ("2024-01-01-25:00", "2024-01-02-00:00"),
    ],
)
def test_hourly_bad_bounds(start: str, end: str) -> None:
    with pytest.raises(ValueError):
        Partitions.hourly(start, end)


def test_too_many_partitions_is_refused_before_building_them() -> None:
    with pytest.raises(ValueError, match="at most"):
        Partitions.hourly("1900-01-01-00:00", "2100-01-01-00:00")


@pytest.mark.parametrize(
    "keys", [[], ["us", "us"], ["us", ""], ["x" * 256]], ids=["empty", "dup", "blank", "long"]
)
def test_static_bad_keys(keys: list[str]) -> None:
    with pytest.raises(ValueError):
        Partitions.static(keys)


def test_static_key_of_255_characters_is_allowed() -> None:
    assert len(Partitions.static(["x" * 255])) == 1


def test_a_bad_set_names_each_bound_or_key_at_fault() -> None:
    with pytest.raises(PartitionsError) as caught:
        Partitions.hourly("2024-01-01-00:30", "2024-1-02-00:00")
    assert [(p.at, p.message) for p in caught.value.problems] == [
        ("start", "an hourly bound must fall on the hour, got '2024-01-01-00:30'"),
        ("end", "expected a YYYY-MM-DD-HH:00 partition bound, got '2024-1-02-00:00'"),
    ]
    with pytest.raises(PartitionsError) as caught:
        Partitions.daily("2024-01-02", "2024-01-01")
    assert [(p.at, p.message) for p in caught.value.problems] == [
        (None, "partition start is after its end")
    ]
    with pytest.raises(PartitionsError) as caught:
        Partitions.static(["us", "eu", "us", ""])
    assert [(p.at, p.message) for p in caught.value.problems] == [
        (2, "duplicate partition key 'us'"),
        (3, "a partition key must be 1-255 characters"),
    ]


@pytest.mark.parametrize(
    ("pattern", "good", "bad"),
    [
        (DAILY_PATTERN, "2024-01-31", "2024-01-31-00:00"),
        (HOURLY_PATTERN, "2024-01-31-23:00", "2024-01-31-23:30"),
    ],
)
def test_the_bound_patterns_accept_what_the_parser_accepts(
    pattern: str, good: str, bad: str
) -> None:
    # the scenario's JSON Schema states these patterns: they must agree with the parser
    build = Partitions.daily if pattern == DAILY_PATTERN else Partitions.hourly
    assert re.match(pattern, good) and len(build(good, good)) == 1
    assert not re.match(pattern, bad)
    with pytest.raises(PartitionsError):
        build(bad, bad)
