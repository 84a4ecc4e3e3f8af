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

_LOCAL = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?$")
_OFFSET = re.compile(
    r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})$"
)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_time(value: object, tz: ZoneInfo) -> dt.datetime | None:
    """A report time → aware datetime, or None when it is not of an accepted form."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    m = _LOCAL.match(text)
    try:
        if m:
            y, mo, d, h, mi, s = (int(g) if g else 0 for g in m.groups())
            return dt.datetime(y, mo, d, h, mi, s, tzinfo=tz)
        if _OFFSET.match(text):
            return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return None


def parse_date(value: object) -> dt.date | None:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if not isinstance(value, str) or not _DATE.match(value.strip()):
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        return None


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
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M")


_DURATION = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?$")


def parse_duration(text: Any) -> dt.timedelta | None:
    """``2h``, ``30m``, ``1d12h`` → timedelta; None when the form is wrong."""
    if not isinstance(text, str) or not text:
        return None
    m = _DURATION.match(text.strip())
    if not m or not any(m.groups()):
        return None
    days, hours, minutes = (int(g) if g else 0 for g in m.groups())
    return dt.timedelta(days=days, hours=hours, minutes=minutes)
