"""Summaries across month and year boundaries: weeks count where their Thursday is."""

import datetime as dt
from zoneinfo import ZoneInfo

from generator.config import Org, Unit
from generator.model import Report
from generator.periods import parse
from generator.summary import summarize
from generator.summary_writers import summary_dict

TZ = ZoneInfo("Asia/Shanghai")
LATER = dt.datetime(2027, 3, 1, tzinfo=TZ)  # everything here is long past due


def org(since):
    return Org("测试局", TZ, {"d": Unit("d", "丁站", periodic=["weekly"], since=since)})


def weekly(period, reported_at):
    return Report(id=f"d/x/{period}", path=f"submissions/d/x/{period}.md", folder_unit="d", meta={}, key_lines={},
                  body="", body_line=1, type="weekly", unit="d", reported_at=reported_at, period=period,
                  metrics={"巡查": 1})


def unit_d(summary):
    return next(u for u in summary_dict(summary)["units"] if u["id"] == "d")


def test_week_one_of_2026_counts_in_january_2026_not_december_2025():
    # 2026-W01 runs 2025-12-29 – 2026-01-04; its Thursday is 2026-01-01.
    reports = [weekly("2026-W01", dt.datetime(2026, 1, 5, 9, tzinfo=TZ))]
    o = org(dt.date(2025, 12, 1))
    dec = summarize(reports, o, parse("2025-12"), "internal", LATER)
    jan = summarize(reports, o, parse("2026-01"), "internal", LATER)
    # December 2025 owes W49–W52 (4), none present; January 2026 owes W01–W05 (5), W01 present.
    assert (unit_d(dec)["expected"], unit_d(dec)["submitted"], unit_d(dec)["missing"]) == (4, 0, 4)
    assert (unit_d(jan)["expected"], unit_d(jan)["submitted"], unit_d(jan)["missing"]) == (5, 1, 4)
    assert summary_dict(jan)["metrics"] == {"weekly": {"巡查": 1}}
    assert summary_dict(dec)["metrics"] == {}
    assert unit_d(summarize(reports, o, parse("2026"), "internal", LATER))["submitted"] == 1
    assert unit_d(summarize(reports, o, parse("2025"), "internal", LATER))["submitted"] == 0


def test_since_new_year_does_not_owe_the_week_that_began_in_december():
    # since 2026-01-01: W01 began 2025-12-29, before since, so January owes W02–W05 only
    jan = summarize([], org(dt.date(2026, 1, 1)), parse("2026-01"), "internal", LATER)
    assert unit_d(jan)["expected"] == 4
    assert [m.period.id for m in jan.missing] == ["2026-W02", "2026-W03", "2026-W04", "2026-W05"]


def test_week_53_counts_in_december_2026_and_is_due_in_january_2027():
    reports = [weekly("2026-W53", dt.datetime(2027, 1, 4, 11, tzinfo=TZ))]  # due Mon 2027-01-04 12:00
    o = org(dt.date(2026, 1, 1))
    dec = summarize(reports, o, parse("2026-12"), "internal", LATER)
    assert (unit_d(dec)["expected"], unit_d(dec)["submitted"], unit_d(dec)["on_time"]) == (5, 1, 1)
    assert [m.period.id for m in dec.missing] == ["2026-W49", "2026-W50", "2026-W51", "2026-W52"]
    q4 = summarize(reports, o, parse("2026-Q4"), "internal", LATER)
    assert unit_d(q4)["expected"] == 13 + 1  # W40 (Sep 28, Thursday Oct 1) … W53
    year = summarize(reports, o, parse("2026"), "internal", LATER)
    assert unit_d(year)["expected"] == 52  # 53 weeks minus W01 (began before since)
    assert unit_d(summarize(reports, o, parse("2027-01"), "internal", LATER))["submitted"] == 0
    # the week itself as the summary period
    w53 = summarize(reports, o, parse("2026-W53"), "internal", LATER)
    assert (unit_d(w53)["expected"], unit_d(w53)["submitted"], unit_d(w53)["on_time_rate"]) == (1, 1, 1.0)
    # as of the last day of 2026, W53 is owed but not due: nothing missing, rate undefined
    early = summarize([], o, parse("2026-W53"), "internal", dt.datetime(2026, 12, 31, 23, 59, tzinfo=TZ))
    assert (unit_d(early)["expected"], unit_d(early)["missing"], unit_d(early)["on_time_rate"]) == (1, 0, None)


def test_week_crossing_a_month_boundary_counts_once():
    # 2026-W44 runs Oct 26 – Nov 1 (Thursday Oct 29): October's, not November's
    reports = [weekly("2026-W44", dt.datetime(2026, 11, 2, 9, tzinfo=TZ))]
    o = org(dt.date(2026, 1, 1))
    octo = summarize(reports, o, parse("2026-10"), "internal", LATER)
    nov = summarize(reports, o, parse("2026-11"), "internal", LATER)
    assert unit_d(octo)["submitted"] == 1 and unit_d(nov)["submitted"] == 0
    assert unit_d(octo)["expected"] == 5  # W40–W44: W40 (Sep 28 – Oct 4) has its Thursday on Oct 1
