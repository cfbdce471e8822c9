"""Timestamps: epoch milliseconds and their RFC 3339 form with milliseconds and ``Z``."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assetfake.domain.timestamps import (
    format_ms,
    from_datetime,
    parse_rfc3339,
    seconds_to_ms,
    to_datetime,
)

_YEAR_1000_MS = -30_610_224_000_000  # 1000-01-01T00:00:00Z
_YEAR_9999_END_MS = 253_402_300_799_999  # 9999-12-31T23:59:59.999Z


def test_format_has_milliseconds_and_z() -> None:
    assert format_ms(0) == "1970-01-01T00:00:00.000Z"
    assert format_ms(1_717_200_000_123) == "2024-06-01T00:00:00.123Z"
    assert format_ms(1_717_200_000_007) == "2024-06-01T00:00:00.007Z"


def test_format_before_the_epoch_borrows_correctly() -> None:
    assert format_ms(-1) == "1969-12-31T23:59:59.999Z"
    assert format_ms(-1000) == "1969-12-31T23:59:59.000Z"


@pytest.mark.parametrize("text", ["0001-01-01T00:00:00.000Z", "0999-12-31T23:59:59.999Z"])
def test_format_pads_years_before_1000_to_four_digits(text: str) -> None:
    assert format_ms(parse_rfc3339(text)) == text


def test_bounds_used_by_the_round_trip_property() -> None:
    assert format_ms(_YEAR_1000_MS) == "1000-01-01T00:00:00.000Z"
    assert format_ms(_YEAR_9999_END_MS) == "9999-12-31T23:59:59.999Z"


@given(st.integers(min_value=_YEAR_1000_MS, max_value=_YEAR_9999_END_MS))
def test_parse_inverts_format(ms: int) -> None:
    text = format_ms(ms)
    assert parse_rfc3339(text) == ms
    assert len(text) == len("2024-06-01T00:00:00.000Z")


@given(st.integers(min_value=_YEAR_1000_MS, max_value=_YEAR_9999_END_MS))
def test_datetime_round_trip_is_exact_to_the_millisecond(ms: int) -> None:
    moment = to_datetime(ms)
    assert moment.utcoffset() == timedelta(0)
    assert from_datetime(moment) == ms


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-06-01T00:00:00Z", "2024-06-01T00:00:00.000Z"),
        ("2024-06-01T00:00:00.5Z", "2024-06-01T00:00:00.500Z"),
        ("2024-06-01T00:00:00.123Z", "2024-06-01T00:00:00.123Z"),
        # Sub-millisecond digits are dropped, never rounded up into the next millisecond.
        ("2024-06-01T00:00:00.1239Z", "2024-06-01T00:00:00.123Z"),
        ("2024-06-01T00:00:00.999999999Z", "2024-06-01T00:00:00.999Z"),
        ("2024-06-01T02:00:00+02:00", "2024-06-01T00:00:00.000Z"),
        ("2024-05-31T23:30:00-00:30", "2024-06-01T00:00:00.000Z"),
        ("2024-06-01t00:00:00z", "2024-06-01T00:00:00.000Z"),
        ("2024-06-01 00:00:00Z", "2024-06-01T00:00:00.000Z"),
        ("2024-02-29T12:00:00Z", "2024-02-29T12:00:00.000Z"),
    ],
)
def test_parse_normalises_to_utc_milliseconds(text: str, expected: str) -> None:
    assert format_ms(parse_rfc3339(text)) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "2024-06-01",
        "2024-06-01T00:00:00",  # no offset
        "2024-06-01T00:00Z",  # no seconds
        "2024-06-01T00:00:00+0200",  # offset without colon
        "2024-06-01T00:00:00.Z",
        "2024-06-01T00:00:00.1234567890Z",  # more than nanoseconds
        "2024-13-01T00:00:00Z",
        "2023-02-29T00:00:00Z",
        "2024-06-01T24:00:00Z",
        "2024-06-01T23:59:60Z",
        " 2024-06-01T00:00:00Z",
        "2024-06-01T00:00:00Z\n",
        "2024-06-01T00:00:00Z junk",
        "yesterday",
    ],
)
def test_parse_rejects_what_is_not_an_rfc3339_timestamp(text: str) -> None:
    with pytest.raises(ValueError, match="timestamp"):
        parse_rfc3339(text)


def test_naive_datetimes_are_taken_as_utc() -> None:
    naive = datetime(2024, 6, 1, 0, 0, 0, 123_999)
    aware = naive.replace(tzinfo=timezone.utc)
    assert from_datetime(naive) == from_datetime(aware) == 1_717_200_000_123


def test_offset_datetimes_convert_to_the_same_instant() -> None:
    plus_two = datetime(2024, 6, 1, 2, 0, tzinfo=timezone(timedelta(hours=2)))
    assert from_datetime(plus_two) == 1_717_200_000_000


@pytest.mark.parametrize(
    ("seconds", "ms"),
    [(0, 0), (1, 1000), (0.001, 1), (2.5, 2500), (0.0004, 0), (86_400, 86_400_000)],
)
def test_seconds_to_ms(seconds: float, ms: int) -> None:
    assert seconds_to_ms(seconds) == ms
