"""Timeliness (SPEC §3, §5a): 迟报 after 2 h, 瞒报 after 10 h, periodic due times, received time."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from generator.config import Deadlines, Org, Unit
from generator.model import Report
from generator.timeliness import (
    effective_reported,
    incident_delay,
    incident_timeliness,
    judged_on_received,
    periodic_delay,
    periodic_due,
    periodic_timeliness,
    timeliness,
)

TZ = ZoneInfo("Asia/Shanghai")


def t(day, hour, minute=0):
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=TZ)


def org(**kw):
    return Org("测试局", TZ, {"a": Unit("a", "甲股", periodic=["weekly", "monthly"])}, **kw)


def report(type_, reported_at, **kw):
    return Report(id="a/2026/x", path="submissions/a/2026/x.md", folder_unit="a", meta={}, key_lines={},
                  body="", body_line=1, type=type_, unit="a", reported_at=reported_at, **kw)


@pytest.mark.parametrize(("reported", "expected"), [
    (t(20, 10, 0), "on_time"),      # exactly 2 h: still on time
    (t(20, 10, 1), "late"),         # 2 h 1 min
    (t(20, 18, 0), "late"),         # exactly 10 h: late, not yet concealed
    (t(20, 18, 1), "concealed"),    # 10 h 1 min
    (t(21, 9, 0), "concealed"),
])
def test_incident_thresholds(reported, expected):
    r = report("incident", reported, occurred_at=t(20, 8), stage="初报")
    assert incident_timeliness(r, org()) == expected


def test_incident_without_stage_is_a_first_report_and_follow_ups_are_not_timed():
    assert incident_timeliness(report("incident", t(20, 11), occurred_at=t(20, 8)), org()) == "late"
    for stage in ("续报", "终报"):
        r = report("incident", t(25, 9), occurred_at=t(20, 8), stage=stage, follows="a/2026/first")
        assert incident_timeliness(r, org()) is None
        assert timeliness(r, org()) is None


def test_configured_incident_deadlines_are_used():
    o = org(deadlines=Deadlines(incident_late=dt.timedelta(hours=1), incident_concealed=dt.timedelta(hours=4)))
    assert incident_timeliness(report("incident", t(20, 9, 30), occurred_at=t(20, 8)), o) == "late"
    assert incident_timeliness(report("incident", t(20, 12, 30), occurred_at=t(20, 8)), o) == "concealed"


def test_received_more_than_30_minutes_late_is_judged_by_received_time():
    # written as reported at 09:00 (1 h after), but committed at 11:00 (3 h after): late
    r = report("incident", t(20, 9), occurred_at=t(20, 8), received_at=t(20, 11))
    assert judged_on_received(r)
    assert effective_reported(r) == t(20, 11)
    assert incident_delay(r) == dt.timedelta(hours=3)
    assert incident_timeliness(r, org()) == "late"
    # received within 30 minutes: reported_at stands
    r = report("incident", t(20, 9, 45), occurred_at=t(20, 8), received_at=t(20, 10, 15))
    assert not judged_on_received(r)
    assert incident_timeliness(r, org()) == "on_time"


def test_imported_reports_before_ledger_since_are_judged_by_reported_at():
    r = report("incident", t(20, 9), occurred_at=t(20, 8), received_at=t(28, 10))
    assert incident_timeliness(r, org()) == "concealed"
    assert incident_timeliness(r, org(ledger_since=dt.date(2026, 11, 28))) == "on_time"


def test_periodic_due_and_timeliness():
    o = org()
    assert periodic_due(("weekly", "2026-W47"), o) == t(23, 12)
    assert periodic_due(("monthly", "2026-11"), o) == dt.datetime(2026, 12, 4, tzinfo=TZ)
    assert periodic_due(("weekly", "2026-11"), o) is None  # not the weekly form
    assert periodic_due(("info", "2026-11"), o) is None
    on_time = report("weekly", t(23, 12), period="2026-W47")
    assert periodic_timeliness(on_time, o) == "on_time"  # exactly at the due time
    late = report("weekly", t(23, 15, 30), period="2026-W47")
    assert periodic_timeliness(late, o) == "late"
    assert periodic_delay(late, o) == dt.timedelta(hours=3, minutes=30)
    # reported before the due time, but it reached the repository 2 h after
    arrived_late = report("weekly", t(23, 11), period="2026-W47", received_at=t(23, 13))
    assert periodic_timeliness(arrived_late, o) == "late"
    assert timeliness(report("info", t(23, 11)), o) is None


def test_incident_timeliness_with_missing_times_is_unknown():
    assert incident_timeliness(report("incident", t(20, 9)), org()) is None
    assert periodic_timeliness(report("weekly", t(20, 9)), org()) is None


# --- an organisation whose timezone keeps daylight saving time --------------------------------

NY = ZoneInfo("America/New_York")


def _ny_org(**kw):
    return Org("时区测试局", NY, {"a": Unit("a", "甲股", periodic=["weekly"])}, **kw)


@pytest.mark.parametrize(("occurred", "reported", "expected", "minutes"), [
    # 2026-03-08: clocks go 02:00 → 03:00; 01:30 → 04:00 on the wall is 1 h 30 min of real time
    (dt.datetime(2026, 3, 8, 1, 30, tzinfo=NY), dt.datetime(2026, 3, 8, 4, 0, tzinfo=NY), "on_time", 90),
    # 2026-11-01: clocks go 02:00 → 01:00; 00:30 → 02:00 on the wall is 2 h 30 min of real time
    (dt.datetime(2026, 11, 1, 0, 30, tzinfo=NY), dt.datetime(2026, 11, 1, 2, 0, tzinfo=NY), "late", 150),
    # 10 h 30 min on the wall across the autumn change is 11 h 30 min: concealed
    (dt.datetime(2026, 10, 31, 20, 0, tzinfo=NY), dt.datetime(2026, 11, 1, 6, 30, tzinfo=NY), "concealed", 690),
])
def test_an_incident_is_timed_by_the_hours_that_passed_not_by_the_clock_on_the_wall(occurred, reported, expected,
                                                                                     minutes):
    """Across a daylight saving change the delay is real time: 01:30 → 04:00 was judged 2 h 30 min, 迟报."""
    r = report("incident", reported, occurred_at=occurred, stage="初报")
    assert incident_delay(r, _ny_org()) == dt.timedelta(minutes=minutes)
    assert incident_timeliness(r, _ny_org()) == expected
