"""Periods (SPEC §5a): ISO weeks across month and year boundaries, periods_in, due times."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from generator import periods
from generator.periods import parse, period_containing, periods_in

TZ = ZoneInfo("Asia/Shanghai")


def ids(items):
    return [p.id for p in items]


def test_2026_w01_starts_in_2025_and_belongs_to_january_2026():
    w01 = parse("2026-W01")
    assert w01.start == dt.date(2025, 12, 29)
    assert w01.end == dt.date(2026, 1, 5)
    assert w01.belongs_to(parse("2026-01"))
    assert w01.belongs_to(parse("2026"))
    assert not w01.belongs_to(parse("2025-12"))
    assert not w01.belongs_to(parse("2025"))


def test_2026_has_53_weeks_and_2025_has_52():
    w53 = parse("2026-W53")
    assert (w53.start, w53.end) == (dt.date(2026, 12, 28), dt.date(2027, 1, 4))
    assert w53.belongs_to(parse("2026-12")) and w53.belongs_to(parse("2026-Q4"))
    assert len(periods_in("weekly", parse("2026"))) == 53
    assert parse("2025-W53") is None
    assert len(periods_in("weekly", parse("2025"))) == 52


def test_weeks_of_a_month_go_by_their_thursday():
    # 2026-11-01 is a Sunday: W44 (Oct 26 – Nov 1) belongs to October.
    assert ids(periods_in("weekly", parse("2026-11"))) == ["2026-W45", "2026-W46", "2026-W47", "2026-W48"]
    # W49 (Nov 30 – Dec 6, Thursday Dec 3) belongs to December, as does W53.
    assert ids(periods_in("weekly", parse("2026-12"))) == [
        "2026-W49", "2026-W50", "2026-W51", "2026-W52", "2026-W53"]
    assert ids(periods_in("weekly", parse("2027-01"))) == ["2027-W01", "2027-W02", "2027-W03", "2027-W04"]
    assert ids(periods_in("weekly", parse("2025-12"))) == ["2025-W49", "2025-W50", "2025-W51", "2025-W52"]
    assert ids(periods_in("weekly", parse("2026-01"))) == [
        "2026-W01", "2026-W02", "2026-W03", "2026-W04", "2026-W05"]


def test_every_week_of_a_year_belongs_to_exactly_one_month():
    year = parse("2026")
    by_month = [w for m in periods_in("monthly", year) for w in periods_in("weekly", m)]
    assert ids(by_month) == ids(periods_in("weekly", year))


def test_periods_in_longer_kinds_and_same_kind():
    assert ids(periods_in("monthly", parse("2026-Q4"))) == ["2026-10", "2026-11", "2026-12"]
    assert ids(periods_in("quarterly", parse("2026"))) == ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]
    assert ids(periods_in("weekly", parse("2026-W48"))) == ["2026-W48"]
    assert periods_in("monthly", parse("2026-W48")) == []
    assert periods_in("annual", parse("2026-Q4")) == []
    assert ids(periods_in("annual", parse("2026"))) == ["2026"]


def test_due_is_period_end_plus_deadline_in_local_time():
    assert parse("2026-W48").due(dt.timedelta(hours=12), TZ) == dt.datetime(2026, 11, 30, 12, 0, tzinfo=TZ)
    assert parse("2026-11").due(dt.timedelta(days=3), TZ) == dt.datetime(2026, 12, 4, 0, 0, tzinfo=TZ)
    assert parse("2026-Q4").due(dt.timedelta(days=5), TZ) == dt.datetime(2027, 1, 6, 0, 0, tzinfo=TZ)
    assert parse("2026").due(dt.timedelta(days=15), TZ) == dt.datetime(2027, 1, 16, 0, 0, tzinfo=TZ)
    # W53 is due in the next year
    assert parse("2026-W53").due(dt.timedelta(hours=12), TZ) == dt.datetime(2027, 1, 4, 12, 0, tzinfo=TZ)


@pytest.mark.parametrize("text", ["2026-13", "2026-00", "2026-W00", "2026-W54", "2026-Q5", "26-11", "abc", "", None,
                                  "2026-11-01", "2026W48"])
def test_bad_period_ids_are_refused(text):
    assert parse(text) is None


def test_parse_with_kind_only_accepts_that_form():
    assert parse("2026-11", "weekly") is None
    assert parse("2026-W48", "weekly").kind == "weekly"
    assert parse(2026).id == "2026"  # YAML may read `period: 2026` as a number


def test_labels_in_chinese():
    assert parse("2026-W48").label == "2026年第48周"
    assert parse("2026-11").label == "2026年11月"
    assert parse("2026-Q4").label == "2026年第四季度"
    assert parse("2026").label == "2026年"


def test_containing_next_previous_and_enclosing():
    assert period_containing("weekly", dt.date(2027, 1, 1)).id == "2026-W53"
    assert period_containing("weekly", dt.date(2025, 12, 31)).id == "2026-W01"
    assert parse("2026-W53").next().id == "2027-W01"
    assert parse("2026-W01").previous().id == "2025-W52"
    assert parse("2026-12").next().id == "2027-01"
    assert parse("2026-Q1").previous().id == "2025-Q4"
    assert ids(periods.enclosing(parse("2026-W01"))) == ["2026-01", "2026-Q1", "2026"]
    assert ids(periods.enclosing(parse("2026-W53"))) == ["2026-12", "2026-Q4", "2026"]


def test_contains_reads_aware_times_in_the_local_timezone():
    nov = parse("2026-11")
    # 2026-11-30 17:00 UTC is 2026-12-01 01:00 in Shanghai: December
    late_utc = dt.datetime(2026, 11, 30, 17, 0, tzinfo=dt.UTC)
    assert not nov.contains(late_utc, TZ)
    assert nov.contains(dt.datetime(2026, 11, 30, 23, 59, tzinfo=TZ), TZ)
    assert not nov.contains(dt.date(2026, 12, 1))
