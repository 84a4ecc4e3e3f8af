"""Times and dates as reports write them.

A time is ``YYYY-MM-DD HH:MM`` (in the organisation's timezone) or ISO 8601 with an offset
(``2026-11-27T09:30:00+08:00``). A date is ``YYYY-MM-DD``. Anything else is refused, so a
report never means something other than what its author wrote.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from zoneinfo import ZoneInfo

_LOCAL = re.compile(r"^([0-9]{4})-([0-9]{2})-([0-9]{2})[ T]([0-9]{2}):([0-9]{2})(?::([0-9]{2}))?$")
_OFFSET = re.compile(
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?(?:Z|[+-][0-9]{2}:?[0-9]{2})$"
)
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")  # ASCII digits only: \d takes ２０２６
# A time must stay a time after conversion to any timezone and after adding or subtracting any
# deadline (durations in _org.yml are at most 3,650 days): 0001-01-01 00:00+14:00 or
# 9999-12-31 23:59-12:00 parse, but cannot be converted or compared, so they are refused (R203).
MARGIN = dt.timedelta(days=3660)


def usable(moment: dt.datetime) -> bool:
    """Whether an aware time can be converted, compared and moved by any deadline."""
    try:
        utc = moment.astimezone(dt.UTC)
        utc - MARGIN, utc + MARGIN  # noqa: B018 - raises OverflowError when out of range
    except (OverflowError, ValueError):
        return False
    return True


def parse_time(value: object, tz: ZoneInfo) -> dt.datetime | None:
    """A report time → aware datetime, or None when it is not of an accepted form or not usable."""
    moment = _parse_time(value, tz)
    return moment if moment is not None and usable(moment) else None


def out_of_range(value: object, tz: ZoneInfo) -> bool:
    """A time or date of the right form that cannot be converted or compared (R203's hint)."""
    moment = _parse_time(value, tz)
    if moment is None and isinstance(value, str) and _DATE.match(value.strip()):
        try:
            moment = dt.datetime.combine(dt.date.fromisoformat(value.strip()), dt.time(12), dt.UTC)
        except ValueError:
            return False
    return moment is not None and not usable(moment)


def _parse_time(value: object, tz: ZoneInfo) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    text = value.strip()
    m = _LOCAL.match(text)
    try:
        if m:
            y, mo, d, h, mi, s = (int(g) if g else 0 for g in m.groups())
            moment = dt.datetime(y, mo, d, h, mi, s, tzinfo=tz)
        elif _OFFSET.match(text):
            moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        else:
            return None
    except ValueError:
        return None
    return moment


def parse_date(value: object) -> dt.date | None:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value if usable(dt.datetime.combine(value, dt.time(12), dt.UTC)) else None
    if not isinstance(value, str) or not _DATE.match(value.strip()):
        return None
    try:
        day = dt.date.fromisoformat(value.strip())
    except ValueError:
        return None
    return day if usable(dt.datetime.combine(day, dt.time(12), dt.UTC)) else None


def parse_as_of(value: str, tz: ZoneInfo | None = None) -> dt.datetime | None:
    """``--as-of``: a time as above, or a date (its end, 23:59:59), in ``tz`` (default Asia/Shanghai).

    A time without offset is kept naive-free by attaching the default timezone; callers with an
    ``Org`` re-read it with ``localize`` so the organisation's timezone wins.
    """
    tz = tz or ZoneInfo("Asia/Shanghai")
    moment = parse_time(value, tz)
    if moment is not None:
        return moment
    day = parse_date(value)
    if day is not None:
        return dt.datetime.combine(day, dt.time(23, 59, 59), tz)
    return None


def format_time(moment: dt.datetime | None, tz: ZoneInfo) -> str:
    """Shown on the site and in summaries as ``2026-11-03 15:10`` in the organisation's timezone."""
    if moment is None:
        return ""
    local = moment.astimezone(tz)
    if local.year < 1000:  # (strftime does not pad such a year the same way on every platform)
        return local.strftime("%Y-%m-%d %H:%M")
    # the same text as strftime, without its call into the C library (the site shows hundreds of
    # thousands of times at 50,000 reports)
    return f"{local.year}-{local.month:02}-{local.day:02} {local.hour:02}:{local.minute:02}"


_DURATION = re.compile(r"(?:([0-9]{1,7})d)?(?:([0-9]{1,9})h)?(?:([0-9]{1,11})m)?")
MAX_DURATION = dt.timedelta(days=3650)  # MARGIN keeps every time this far from the ends


def parse_duration(text: Any) -> dt.timedelta | None:
    """``2h``, ``30m``, ``1d12h`` → timedelta; None when the form is wrong."""
    if not isinstance(text, str) or not text:
        return None
    m = _DURATION.fullmatch(text.strip())
    if not m or not any(m.groups()):
        return None
    days, hours, minutes = (int(g) if g else 0 for g in m.groups())
    delta = dt.timedelta(days=days, hours=hours, minutes=minutes)
    return delta if delta <= MAX_DURATION else None
