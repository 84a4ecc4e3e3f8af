"""Timeliness (SPEC §3, §5a): on time, late (迟报), concealed (瞒报) — pure and fast.

Used by the rules R303/R304 (one report at a time), by ``summary`` and by the site
(tens of thousands of reports), so nothing here reads files or git.

- An incident 初报 is judged by (reported time − occurred_at) against
  ``deadlines.incident``: longer than ``late`` is 迟报, longer than ``concealed`` is 瞒报.
  续报 and 终报 are not timed.
- A periodic report (周报 月报 季报 年报) is due at the end of its ``period`` plus the type's
  deadline; reported after that it is 迟报.
- The reported time is ``reported_at``, unless the report reached the repository (its
  received time, from git) more than 30 minutes after ``reported_at`` — then the received
  time is used (SPEC §5a, the same threshold as R305). Reports dated before
  ``ledger_since`` were imported from older records: their received time says when they
  were imported, not when they were reported, so they are judged by ``reported_at``.
- Exactly at the limit is still on time ("after 2 hours" means more than 2 hours).
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Any

from . import periods
from .config import Org
from .model import PERIODIC_TYPES, Report

RECEIVED_GRACE = dt.timedelta(minutes=30)

ON_TIME = "on_time"
LATE = "late"
CONCEALED = "concealed"
TIMELINESS_LABELS = {ON_TIME: "按时", LATE: "迟报", CONCEALED: "瞒报"}

_TIMED_LATER_STAGES = ("续报", "终报")


def elapsed(later: dt.datetime, earlier: dt.datetime) -> dt.timedelta:
    """The real time between two moments.

    Python subtracts two times of the same zone by their wall clocks: in a zone that keeps
    daylight saving time, 01:30 → 04:00 on the night the clocks go forward would be 2 h 30 min
    where 1 h 30 min passed. In UTC the difference is the time that passed.
    """
    return later.astimezone(dt.UTC) - earlier.astimezone(dt.UTC)


def is_imported(report: Report, org: Org | None) -> bool:
    """A report dated before ``ledger_since`` (imported from older records)."""
    if org is None or org.ledger_since is None or report.reported_at is None:
        return False
    return report.reported_at.astimezone(org.timezone).date() < org.ledger_since


def judged_on_received(report: Report, org: Org | None = None) -> bool:
    """Whether timeliness is judged by the received time (received > reported_at + 30 min)."""
    reported = report.reported_at
    received = report.received_at
    if reported is None or received is None:
        return False
    return elapsed(received, reported) > RECEIVED_GRACE and not is_imported(report, org)


def effective_reported(report: Report, org: Org | None = None) -> dt.datetime | None:
    """The time a report is judged by: received when it came > 30 min after reported_at."""
    if judged_on_received(report, org):
        return report.received_at
    return report.reported_at


# --- incidents ------------------------------------------------------------------------

def is_timed_incident(report: Report) -> bool:
    """An incident 初报 (the only incident stage that is timed)."""
    return report.type == "incident" and report.stage not in _TIMED_LATER_STAGES


def incident_delay(report: Report, org: Org | None = None) -> dt.timedelta | None:
    """How long after it occurred the incident was reported (by the effective time)."""
    moment = effective_reported(report, org)
    occurred = occurred_for_timeliness(report)
    if moment is None or occurred is None:
        return None
    return elapsed(moment, occurred)


def occurred_for_timeliness(report: Report) -> dt.datetime | None:
    """occurred_at, or the earlier occurred_at of the report as received (history.py): a time moved
    later after receipt does not make a late report timely (R303/R304 say so)."""
    return report.occurred_as_received or report.occurred_at  # (set only when earlier: history.py)


def incident_timeliness(report: Report, org: Org) -> str | None:
    """``on_time`` | ``late`` | ``concealed`` for an incident 初报; None otherwise (or unknown)."""
    if not is_timed_incident(report):
        return None
    delay = incident_delay(report, org)
    if delay is None:
        return None
    if delay > org.deadlines.incident_concealed:
        return CONCEALED
    if delay > org.deadlines.incident_late:
        return LATE
    return ON_TIME


# --- periodic reports -----------------------------------------------------------------

@lru_cache(maxsize=4096)
def _period(period_id: str, kind: str) -> periods.Period | None:
    return periods.parse(period_id, kind)


def periodic_due(report_or_key: Report | tuple[str, str], org: Org) -> dt.datetime | None:
    """When a periodic report is due: end of its period + the type's deadline.

    Accepts a ``Report`` or a ``(type, period_id)`` pair; None when the type is not periodic
    or the period is not of the type's form.
    """
    if isinstance(report_or_key, tuple):
        kind, period_id = report_or_key
    else:
        kind, period_id = report_or_key.type, report_or_key.period
    if kind not in PERIODIC_TYPES or period_id is None:
        return None
    period = _period(str(period_id), kind)
    if period is None:
        return None
    return period.due(org.deadlines.periodic[kind], org.timezone)


def periodic_delay(report: Report, org: Org) -> dt.timedelta | None:
    """How long after its due time a periodic report was reported (negative: before)."""
    due = periodic_due(report, org)
    moment = effective_reported(report, org)
    if due is None or moment is None:
        return None
    return elapsed(moment, due)


def periodic_timeliness(report: Report, org: Org) -> str | None:
    """``on_time`` | ``late`` for a periodic report; None otherwise (or unknown)."""
    delay = periodic_delay(report, org)
    if delay is None:
        return None
    return LATE if delay > dt.timedelta(0) else ON_TIME


def timeliness(report: Report, org: Org) -> str | None:
    """The timeliness of any report: incidents' 初报 and periodic reports; None for the rest."""
    if report.type == "incident":
        return incident_timeliness(report, org)
    if report.type in PERIODIC_TYPES:
        return periodic_timeliness(report, org)
    return None


#: R305: a report dated more than this before its first commit is backdated
BACKDATE_TOLERANCE = dt.timedelta(minutes=30)


def backdated_by(report: Any, org: Any = None) -> dt.timedelta | None:
    """R305: how long before its first commit the report is dated, when over 30 minutes.

    ``received_at`` is only set by ``apply_history`` (never for reports dated before
    ``ledger_since``), so imported and uncommitted reports give None. Passing ``org``
    re-checks ``ledger_since`` for reports whose fields were set some other way.
    """
    reported = getattr(report, "reported_at", None)
    received = getattr(report, "received_at", None)
    if reported is None or received is None or is_imported(report, org):
        return None
    gap = elapsed(received, reported)
    return gap if gap > BACKDATE_TOLERANCE else None
