"""Reporting periods: ISO weeks, months, quarters, years, and when periodic reports fall due.

A period runs from its start (inclusive) to the start of the next one (exclusive), at local
midnight in the organisation's timezone. An ISO week belongs to the month, quarter and year
that hold its Thursday (so 2026-W53 belongs to December 2026, and 2026-W01 to January 2026
although it starts on 2025-12-29).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo

KINDS = ("weekly", "monthly", "quarterly", "annual")
KIND_LABELS = {"weekly": "周", "monthly": "月", "quarterly": "季度", "annual": "年"}
_FORMS = {
    # ASCII digits only: \d also takes full-width ２０２６, which would read as a second 2026
    "weekly": re.compile(r"^([0-9]{4})-W([0-9]{2})$"),
    "monthly": re.compile(r"^([0-9]{4})-([0-9]{2})$"),
    "quarterly": re.compile(r"^([0-9]{4})-Q([1-4])$"),
    "annual": re.compile(r"^([0-9]{4})$"),
}
FORM_EXAMPLES = {"weekly": "2026-W48", "monthly": "2026-11", "quarterly": "2026-Q4", "annual": "2026"}
#: Chinese names of periods (also used by the site's 填报 form, which names them the same way)
LABELS = {"weekly": "{year}年第{n}周", "monthly": "{year}年{n}月", "quarterly": "{year}年第{n}季度", "annual": "{year}年"}
QUARTER_NAMES = "一二三四"


@dataclass(frozen=True, slots=True, order=True)
class Period:
    start: dt.date  # first day
    end: dt.date  # first day of the next period (exclusive)
    kind: str
    id: str

    @property
    def label(self) -> str:
        """Chinese name: 2026年第48周 · 2026年11月 · 2026年第四季度 · 2026年."""
        if self.kind == "weekly":
            year, week = self.id.split("-W")
            return LABELS["weekly"].format(year=year, n=int(week))
        if self.kind == "monthly":
            year, month = self.id.split("-")
            return LABELS["monthly"].format(year=year, n=int(month))
        if self.kind == "quarterly":
            year, q = self.id.split("-Q")
            return LABELS["quarterly"].format(year=year, n=QUARTER_NAMES[int(q) - 1])
        return LABELS["annual"].format(year=self.id)

    def start_at(self, tz: ZoneInfo) -> dt.datetime:
        return dt.datetime.combine(self.start, dt.time(), tz)

    def end_at(self, tz: ZoneInfo) -> dt.datetime:
        return dt.datetime.combine(self.end, dt.time(), tz)

    def contains(self, moment: dt.datetime | dt.date, tz: ZoneInfo | None = None) -> bool:
        """Whether a local date (or an aware time, read in ``tz``) falls in the period."""
        if isinstance(moment, dt.datetime):
            moment = moment.astimezone(tz).date() if tz else moment.date()
        return self.start <= moment < self.end

    @property
    def thursday(self) -> dt.date:
        """For weeks: the day that decides which month/quarter/year the week belongs to."""
        return self.start + dt.timedelta(days=3)

    def belongs_to(self, outer: Period) -> bool:
        """Whether this period is counted inside ``outer`` (weeks by their Thursday)."""
        if self.kind == "weekly" and outer.kind != "weekly":
            return outer.start <= self.thursday < outer.end
        return outer.start <= self.start and self.end <= outer.end

    def next(self) -> Period:
        return period_containing(self.kind, self.end)

    def previous(self) -> Period:
        return period_containing(self.kind, self.start - dt.timedelta(days=1))

    def due(self, deadline: dt.timedelta, tz: ZoneInfo) -> dt.datetime:
        """When the report owed for this period falls due: its end plus the deadline."""
        return self.end_at(tz) + deadline


def _week(year: int, week: int) -> Period:
    start = dt.date.fromisocalendar(year, week, 1)
    return Period(start, start + dt.timedelta(days=7), "weekly", f"{year}-W{week:02d}")


def _month(year: int, month: int) -> Period:
    start = dt.date(year, month, 1)
    end = dt.date(year + (month == 12), month % 12 + 1, 1)
    return Period(start, end, "monthly", f"{year}-{month:02d}")


def _quarter(year: int, q: int) -> Period:
    start = dt.date(year, 3 * q - 2, 1)
    end = dt.date(year + (q == 4), (3 * q) % 12 + 1, 1)
    return Period(start, end, "quarterly", f"{year}-Q{q}")


def _year(year: int) -> Period:
    return Period(dt.date(year, 1, 1), dt.date(year + 1, 1, 1), "annual", f"{year}")


def parse(text: object, kind: str | None = None) -> Period | None:
    """``2026-W48`` / ``2026-11`` / ``2026-Q4`` / ``2026`` → Period; None if not of that form.

    With ``kind`` only that kind's form is accepted.
    """
    if isinstance(text, int) and not isinstance(text, bool):
        text = str(text)
    if not isinstance(text, str):
        return None
    return _parse(text.strip(), kind)


@lru_cache(maxsize=4096)  # thousands of periodic reports name a few hundred periods
def _parse(text: str, kind: str | None) -> Period | None:
    for k in (kind,) if kind else KINDS:
        m = _FORMS[k].match(text)
        if not m:
            continue
        year = int(m.group(1))
        if not 1900 <= year <= 9998:
            return None
        try:
            if k == "weekly":
                return _week(year, int(m.group(2)))
            if k == "monthly":
                return _month(year, int(m.group(2)))
            if k == "quarterly":
                return _quarter(year, int(m.group(2)))
            return _year(year)
        except ValueError:  # week 54, month 13, ...
            return None
    return None


def kind_of(text: object) -> str | None:
    """Which kind's form a period id has (without checking that it exists)."""
    if isinstance(text, int) and not isinstance(text, bool):
        text = str(text)
    if not isinstance(text, str):
        return None
    for k, rx in _FORMS.items():
        if rx.match(text.strip()):
            return k
    return None


def period_containing(kind: str, day: dt.date) -> Period:
    """The period of ``kind`` that holds ``day``."""
    if kind == "weekly":
        year, week, _ = day.isocalendar()
        return _week(year, week)
    if kind == "monthly":
        return _month(day.year, day.month)
    if kind == "quarterly":
        return _quarter(day.year, (day.month - 1) // 3 + 1)
    return _year(day.year)


def periods_in(kind: str, outer: Period) -> list[Period]:
    """Every period of ``kind`` that belongs to ``outer`` (weeks by their Thursday), in order.

    A longer kind than ``outer`` (a monthly report inside a week summary) belongs to none.
    """
    if KINDS.index(kind) > KINDS.index(outer.kind):
        return []
    if kind == "weekly":
        first = period_containing("weekly", outer.start)
        if not first.belongs_to(outer):
            first = first.next()
    else:
        first = period_containing(kind, outer.start)
    out = []
    current = first
    while current.belongs_to(outer):
        out.append(current)
        current = current.next()
    return out


def enclosing(period: Period) -> list[Period]:
    """The longer periods a period belongs to, shortest first (a week: its month, quarter, year)."""
    anchor = period.thursday if period.kind == "weekly" else period.start
    return [period_containing(k, anchor) for k in KINDS[KINDS.index(period.kind) + 1:]]
