"""Milliseconds since the epoch, the domain's one unit of time, and its RFC 3339 form."""

from __future__ import annotations

import math
import re
from datetime import date, datetime, timedelta, timezone

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_EPOCH_ORDINAL = EPOCH.toordinal()
_DAY_MS = 86_400_000

#: RFC 3339 date-time (also the scenario schema's pattern for timestamps).
RFC3339_PATTERN = (
    r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$"
)
_RFC3339 = re.compile(RFC3339_PATTERN)


def format_ms(ms: int) -> str:
    """``2024-06-01T00:00:00.000Z`` for an instant given in epoch milliseconds."""
    days, t = divmod(ms, _DAY_MS)  # floor division: instants before 1970 borrow a day
    day = date.fromordinal(_EPOCH_ORDINAL + days).isoformat()
    return f"{day}T{t // 3_600_000:02d}:{t // 60_000 % 60:02d}:{t // 1000 % 60:02d}.{t % 1000:03d}Z"


def to_datetime(ms: int) -> datetime:
    return EPOCH + timedelta(milliseconds=ms)


def from_datetime(moment: datetime) -> int:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    delta = moment - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1000 + delta.microseconds // 1000


def parse_rfc3339(text: str) -> int:
    """Epoch milliseconds of an RFC 3339 timestamp; ``ValueError`` if it is not one."""
    match = _RFC3339.fullmatch(text)
    if match is None:
        raise ValueError(
            f"expected an RFC 3339 timestamp such as 2024-06-01T00:00:00Z, got {text!r}"
        )
    year, month, day, hour, minute, second = (int(match.group(i)) for i in range(1, 7))
    try:  # built from the parts: fromisoformat of Python 3.10 refuses most fractions
        moment = datetime(year, month, day, hour, minute, second, tzinfo=timezone.utc)
    except ValueError as exc:  # e.g. month 13
        raise ValueError(f"not a valid timestamp: {text!r}") from exc
    frac = match.group(7) or ".0"
    millis = int(frac[1:4].ljust(3, "0"))
    zone = match.group(8)
    offset = 0
    if zone not in ("Z", "z"):
        sign = -1 if zone[0] == "-" else 1
        offset = sign * (int(zone[1:3]) * 60 + int(zone[4:6])) * 60_000
    return from_datetime(moment) + millis - offset


#: 9999-12-31T23:59:59.999Z, the last instant RFC 3339 (and datetime) can name.
MAX_MS = 253_402_300_799_999


def checked_advance(now_ms: int, seconds: float) -> int:
    """``now_ms`` moved forward by ``seconds``; ``ValueError`` for a negative, non-finite or
    too large step."""
    if not math.isfinite(seconds):
        raise ValueError(f"the clock moves by a finite number of seconds, not {seconds}")
    if seconds < 0:
        raise ValueError(f"the clock cannot go backwards (advance by {seconds} s)")
    if seconds > (MAX_MS - now_ms) / 1000:
        raise ValueError(f"advancing by {seconds} s would pass the year 9999")
    return now_ms + seconds_to_ms(seconds)


def seconds_to_ms(seconds: float) -> int:
    return round(seconds * 1000)
