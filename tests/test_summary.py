"""``summarize`` on a small hand-built organisation whose figures are worked out by hand here.

November 2026: the 1st is a Sunday, so its weeks are W45 (Nov 2–8), W46 (Nov 9–15),
W47 (Nov 16–22) and W48 (Nov 23–29); W44 belongs to October and W49 (Thursday Dec 3)
to December. Weekly reports are due Monday 12:00 after the week, monthly ones 3 days after
the month. The summary is taken as of 2026-11-27 18:00, so W45–W47 are past due, W48
(due Nov 30 12:00) and the November monthly report (due Dec 4 00:00) are not yet due.

Units:
- bgs 办公室: owes nothing; files feedback; one incident reported 12 h after (瞒报).
- a 甲股 (weekly + monthly, since 2026-01-01): expected 4 weeks + 1 month = 5.
  W45 on time; W46 reported Mon 15:00 (迟报, 3 h after due); W47 absent (漏报);
  W48 and the monthly absent but not yet due (neither missing nor counted).
  An incident 初报 3 h after it occurred (迟报) and its 续报; one 工作信息.
  Feedback: a 批示 on its incident (+3) and a 市级采用 of its W45 report (+5).
  submitted 5, on_time 1, late 2, missing 1 → rate 1/4, score 1 − 2 − 2 + 3 + 5 = 5.
- b 乙镇 (weekly, parent a, since Wednesday 2026-11-11, mid-week and mid-month): W46 began
  before `since`, so it owes W47 and W48 only (expected 2). W47 written as reported Mon
  11:00 but it reached the repository at 14:00 (> 30 min later): judged by 14:00 → 迟报.
  A restricted 工作信息 (not counted for internal), a draft incident (never counted), and a
  批示 on the restricted report (scores only for restricted).
  internal: submitted 1, late 1 → rate 0, score −1.
- c 丙股 (weekly, since 2026-01-01): expected 4. W45 exists but has errors (not missing, named
  as uncounted); W46 only as a draft (漏报); W47 restricted (exists: not missing; counted only
  for restricted, on time); W48 not due.
  internal: submitted 0, missing 1 → rate 0, score −2.
  restricted: submitted 1, on_time 1, missing 1 → rate 1/2, score −1.
"""

import csv
import datetime as dt
import io
import json
from zoneinfo import ZoneInfo

import pytest

from generator.config import Org, Unit
from generator.model import Report
from generator.periods import parse
from generator.summary import Summarizer, period_error, summarize
from generator.summary_writers import summary_csv, summary_csv_bytes, summary_dict, summary_json, summary_markdown

TZ = ZoneInfo("Asia/Shanghai")
AS_OF = dt.datetime(2026, 11, 27, 18, 0, tzinfo=TZ)


def t(month, day, hour=9, minute=0, year=2026):
    return dt.datetime(year, month, day, hour, minute, tzinfo=TZ)


def make_org():
    units = {
        "bgs": Unit("bgs", "办公室", periodic=[], since=dt.date(2026, 1, 1)),
        "a": Unit("a", "甲股", periodic=["weekly", "monthly"], since=dt.date(2026, 1, 1)),
        "b": Unit("b", "乙镇", parent="a", periodic=["weekly"], since=dt.date(2026, 11, 11)),
        "c": Unit("c", "丙股", periodic=["weekly"], since=dt.date(2026, 1, 1)),
    }
    return Org("示例县应急管理局", TZ, units, feedback_units=["bgs"])


def rep(rid, type_, reported_at, **kw):
    unit = rid.split("/")[0]
    kw.setdefault("title", rid.rsplit("/", 1)[-1])
    return Report(id=rid, path=f"submissions/{rid}.md", folder_unit=unit, meta={}, key_lines={}, body="",
                  body_line=1, type=type_, unit=unit, reported_at=reported_at, **kw)


def reports():
    return [
        # 办公室
        rep("bgs/2026/火情", "incident", t(11, 2, 12), occurred_at=t(11, 2, 0), stage="初报", severity="一般"),
        rep("bgs/2026/批示1", "feedback", t(11, 22), on="a/2026/厂房火灾", kind="批示", by="张县长"),
        rep("bgs/2026/采用1", "feedback", t(11, 25), on="a/2026/W45", kind="采用", level="市"),
        rep("bgs/2026/批示2", "feedback", t(11, 26), on="b/2026/限定信息", kind="批示", by="张县长"),
        # 甲股
        rep("a/2026/W45", "weekly", t(11, 9, 9), period="2026-W45", metrics={"检查企业": 12, "隐患": 3}),
        rep("a/2026/W46", "weekly", t(11, 16, 15), period="2026-W46", metrics={"检查企业": 8, "隐患": 1.5}),
        rep("a/2026/厂房火灾", "incident", t(11, 20, 11), occurred_at=t(11, 20, 8), stage="初报",
            severity="一般"),
        rep("a/2026/厂房火灾续报", "incident", t(11, 21, 10), occurred_at=t(11, 20, 8), stage="续报",
            follows="a/2026/厂房火灾", severity="较大"),
        rep("a/2026/工作信息", "info", t(11, 5)),
        rep("a/2026/十月月报", "monthly", t(11, 2), period="2026-10", metrics={"检查企业": 40}),
        # 乙镇
        rep("b/2026/W47", "weekly", t(11, 23, 11), period="2026-W47", received_at=t(11, 23, 14),
            metrics={"检查企业": 2}),
        rep("b/2026/限定信息", "info", t(11, 10), classification="restricted", title="限定级绝密人事"),
        rep("b/2026/草稿事件", "incident", t(11, 24), occurred_at=t(11, 24, 1), draft=True, title="草稿事件"),
        # 丙股
        rep("c/2026/W45", "weekly", t(11, 9, 10), period="2026-W45", has_errors=True),
        rep("c/2026/W46草稿", "weekly", t(11, 16, 10), period="2026-W46", draft=True),
        rep("c/2026/W47限定", "weekly", t(11, 23, 10), period="2026-W47", classification="restricted",
            title="丙股限定周报", metrics={"检查企业": 100}),
    ]


def nov(audience="internal", rollup=False, as_of=AS_OF):
    return summarize(reports(), make_org(), parse("2026-11"), audience, as_of, rollup=rollup)


def figures(summary, uid):
    return {k: v for k, v in summary_dict(summary)["units"][[u.id for u in summary.units].index(uid)].items()}


def test_unit_figures_worked_out_by_hand():
    s = nov()
    a = figures(s, "a")
    assert (a["submitted"], a["expected"], a["on_time"], a["late"], a["concealed"], a["missing"]) == (5, 5, 1, 2, 0, 1)
    assert (a["instructed"], a["adopted"]) == (1, 1)
    assert a["on_time_rate"] == 0.25
    assert a["score"] == 1 - 1 - 1 - 2 + 3 + 5 == 5
    b = figures(s, "b")
    assert (b["submitted"], b["expected"], b["on_time"], b["late"], b["missing"]) == (1, 2, 0, 1, 0)
    assert b["on_time_rate"] == 0.0 and b["score"] == -1 and b["instructed"] == 0
    c = figures(s, "c")
    assert (c["submitted"], c["expected"], c["on_time"], c["late"], c["missing"]) == (0, 4, 0, 0, 1)
    assert c["score"] == -2
    bgs = figures(s, "bgs")
    assert (bgs["submitted"], bgs["expected"], bgs["concealed"], bgs["score"]) == (1, 0, 1, -5)
    assert bgs["on_time_rate"] == 0.0


def test_totals_and_period():
    d = summary_dict(nov())
    assert d["period"] == {"id": "2026-11", "kind": "monthly", "label": "2026年11月",
                           "start": "2026-11-01", "end": "2026-12-01"}
    tot = d["totals"]
    assert (tot["reports"], tot["incidents"], tot["late"], tot["concealed"], tot["missing"]) == (7, 2, 3, 1, 2)
    assert tot["expected"] == 11 and tot["on_time"] == 1
    assert tot["on_time_rate"] == round(1 / 7, 4)


def test_missing_lists_only_past_due_owed_reports():
    d = summary_dict(nov())
    assert [(m["unit"], m["type"], m["period"]) for m in d["missing"]] == [("c", "weekly", "2026-W46"),
                                                                           ("a", "weekly", "2026-W47")]
    assert d["missing"][1]["due"] == "2026-11-23T12:00:00+08:00"
    # W48 and the November monthly report are owed (expected) but not due yet: not missing
    assert not any(m["period"] in ("2026-W48", "2026-11") for m in d["missing"])
    # a week later W48 of a, b and c is missing (and a's W48 is still absent)
    later = summary_dict(nov(as_of=dt.datetime(2026, 11, 30, 12, 1, tzinfo=TZ)))
    assert {(m["unit"], m["period"]) for m in later["missing"]} >= {("a", "2026-W48"), ("b", "2026-W48"),
                                                                   ("c", "2026-W48")}
    # ... but exactly at the due time it has not passed yet
    at_due = summary_dict(nov(as_of=dt.datetime(2026, 11, 30, 12, 0, tzinfo=TZ)))
    assert not any(m["period"] == "2026-W48" for m in at_due["missing"])


def test_since_mid_period_owes_only_periods_starting_on_or_after_it():
    s = nov(as_of=dt.datetime(2026, 12, 10, tzinfo=TZ))
    b = figures(s, "b")
    assert b["expected"] == 2  # W47, W48 — not W45, W46 (W46 began Nov 9, before since Nov 11)
    assert [m["period"] for m in summary_dict(s)["missing"] if m["unit"] == "b"] == ["2026-W48"]


def test_report_arriving_after_due_time_is_late_and_explained():
    s = nov()
    late = {t["id"]: t for t in summary_dict(s)["late_reports"]}
    assert set(late) == {"a/2026/W46", "a/2026/厂房火灾", "b/2026/W47", "bgs/2026/火情"}
    assert late["b/2026/W47"]["judged_on_received"] is True
    assert late["b/2026/W47"]["delay_minutes"] == 120
    assert late["a/2026/W46"]["delay_minutes"] == 180
    assert late["bgs/2026/火情"]["timeliness"] == "concealed"
    md = summary_markdown(s)
    assert "入库时间" in md and "按入库时间计" in md


def test_incidents_show_latest_stage_and_first_report_timeliness():
    inc = {i["id"]: i for i in summary_dict(nov())["incidents"]}
    assert set(inc) == {"bgs/2026/火情", "a/2026/厂房火灾"}  # the draft incident is not there
    fire = inc["a/2026/厂房火灾"]
    assert (fire["stage"], fire["timeliness"], fire["severity"]) == ("续报", "late", "较大")
    assert inc["bgs/2026/火情"]["timeliness"] == "concealed"


def test_metrics_are_kept_per_type_and_periodic_reports_count_in_their_period():
    m = summary_dict(nov())["metrics"]
    # weekly: a W45 + a W46 + b W47 (c's restricted W47 not for internal); the October monthly
    # report was reported in November but counts in October.
    assert m == {"weekly": {"检查企业": 22, "隐患": 4.5}}
    octo = summary_dict(summarize(reports(), make_org(), parse("2026-10"), "internal", AS_OF))
    assert octo["metrics"] == {"monthly": {"检查企业": 40}}
    assert figures(summarize(reports(), make_org(), parse("2026-10"), "internal", AS_OF), "a")["submitted"] == 1


def test_drafts_and_restricted_reports_leave_no_trace_for_internal():
    s = nov("internal")
    text = summary_json(s) + summary_markdown(s) + summary_csv(s)
    for secret in ("限定级绝密人事", "b/2026/限定信息", "丙股限定周报", "c/2026/W47限定", "草稿事件", "W46草稿"):
        assert secret not in text
    # the 批示 on the restricted report does not score either
    assert figures(s, "b")["instructed"] == 0
    assert summary_dict(s)["totals"]["feedback"] == 2


def test_restricted_audience_counts_everything_but_drafts():
    s = nov("restricted")
    c = figures(s, "c")
    assert (c["submitted"], c["on_time"], c["missing"], c["on_time_rate"], c["score"]) == (1, 1, 1, 0.5, -1)
    b = figures(s, "b")
    assert (b["submitted"], b["instructed"], b["score"]) == (2, 1, -1 + 3)
    assert summary_dict(s)["metrics"]["weekly"]["检查企业"] == 122
    assert "草稿事件" not in summary_json(s)


ASSESSMENT_KEYS = {"expected", "on_time", "late", "concealed", "missing", "on_time_rate", "score", "rank", "pending",
                   "late_reports", "timeliness"}
ASSESSMENT_WORDS = ("应报", "按时", "迟报", "瞒报", "漏报", "及时率", "得分", "排名")


def _keys(value) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


def test_public_audience_sees_only_public_reports_and_no_assessment():
    s = nov("public")
    d = summary_dict(s)
    assert d["totals"]["reports"] == 0
    assert s.incidents == [] and s.late_reports == []
    # counted from public reports alone every unit would be 漏报 for reports the public cannot see:
    # the public summary judges nobody, in no format (SPEC §7)
    assert s.missing == [] and s.pending == []
    assert not _keys(d) & ASSESSMENT_KEYS, _keys(d) & ASSESSMENT_KEYS
    assert {u["id"] for u in d["units"]} == {"bgs", "a", "b", "c"}
    header = next(csv.reader(io.StringIO(summary_csv(s), newline="")))
    assert header == ["单位", "单位代码", "上级单位", "定期报告", "其他报告", "报告合计", "批示", "采用"]
    md = summary_markdown(s)
    table = md.split("## 二、", 1)[1]
    for word in ASSESSMENT_WORDS:
        assert word not in table, word
    assert "不列应报、迟报、瞒报、漏报、按时率和得分" in md
    assert "c/2026/W45" not in summary_json(s)  # its error is internal too


def test_public_summary_counts_the_public_reports_it_shows():
    rs = reports() + [
        rep("a/2026/公开周报", "weekly", t(11, 16, 15), period="2026-W46", classification="public"),
        rep("a/2026/公开事件", "incident", t(11, 20, 23), occurred_at=t(11, 20, 8), stage="初报", severity="一般",
            classification="public"),
    ]
    d = summary_dict(summarize(rs, make_org(), parse("2026-11"), "public", AS_OF))
    a = next(u for u in d["units"] if u["id"] == "a")
    assert (a["submitted"], a["received"], a["other"]) == (2, 1, 1)
    assert (d["totals"]["reports"], d["totals"]["received"], d["totals"]["incidents"]) == (2, 1, 1)
    assert d["incidents"][0]["id"] == "a/2026/公开事件" and "timeliness" not in d["incidents"][0]
    md = summary_markdown(summarize(rs, make_org(), parse("2026-11"), "public", AS_OF)).split("## 二、", 1)[1]
    assert "迟报" not in md and "瞒报" not in md


def test_periodic_received_is_set_against_expected_and_other_reports_apart():
    d = summary_dict(nov())
    a = figures(nov(), "a")
    # 甲股: W45, W46 and the October monthly report (counted in October) → 2 periodic of 5 owed;
    # the incident 初报, its 续报 and the 工作信息 are the other 3
    assert (a["received"], a["expected"], a["other"], a["submitted"]) == (2, 5, 3, 5)
    assert d["totals"]["received"] + d["totals"]["other"] == d["totals"]["reports"]
    md = summary_markdown(nov())
    assert "定期报告 **3** 份（应报 **11** 份），其他报告 **4** 份" in md
    assert "| 定期报告 已报/应报 | 其他报告 |" in md and "| 甲股 | 2/5 | 3 |" in md


def test_owed_reports_not_yet_due_are_pending_until_exactly_the_due_time():
    at_due = summary_dict(nov(as_of=dt.datetime(2026, 11, 30, 12, 0, tzinfo=TZ)))
    assert ("a", "2026-W48") in {(m["unit"], m["period"]) for m in at_due["pending"]}
    assert not any(m["period"] == "2026-W48" for m in at_due["missing"])
    after = summary_dict(nov(as_of=dt.datetime(2026, 11, 30, 12, 1, tzinfo=TZ)))
    assert not any(m["period"] == "2026-W48" for m in after["pending"])
    assert ("a", "2026-W48") in {(m["unit"], m["period"]) for m in after["missing"]}
    # every owed report is received, missing, pending or exists without counting (errors, restricted)
    t_ = at_due["totals"]
    assert t_["received"] + t_["missing"] + len(at_due["pending"]) <= t_["expected"]


def test_report_with_errors_is_named_not_counted_and_not_missing():
    s = nov()
    assert [p for p, _ in s.uncounted] == ["submissions/c/2026/W45.md"]
    assert not any(m.unit == "c" and m.period.id == "2026-W45" for m in s.missing)
    md = summary_markdown(s)
    assert "## 七、未计入的报告" in md and "submissions/c/2026/W45.md" in md
    assert summary_dict(s)["uncounted"][0]["path"] == "submissions/c/2026/W45.md"
    assert summary_dict(s)["uncounted"][0]["reason"]
    # and it is named only in the period it belongs to
    assert summarize(reports(), make_org(), parse("2026-10"), "internal", AS_OF).uncounted == []


def test_reason_comes_from_the_findings():
    from generator.model import Finding
    problems = {"submissions/c/2026/W45.md": [
        Finding("submissions/c/2026/W45.md", 4, 1, "R201", "error", "缺少必填项 reviewed_by"),
        Finding("submissions/c/2026/W45.md", 9, 1, "R402", "warning", "含糊用语"),
        Finding("submissions/c/2026/W45.md", 12, 1, "R401", "error", "缺少章节"),
    ]}
    s = summarize(reports(), make_org(), parse("2026-11"), "internal", AS_OF, problems=problems)
    assert s.uncounted == [("submissions/c/2026/W45.md", "R201（第 4 行）缺少必填项 reviewed_by（另有 1 处错误）")]


def test_ranking_by_score():
    s = nov()
    assert [(u.id, u.rank) for u in s.ranked()] == [("a", 1), ("b", 2), ("c", 3), ("bgs", 4)]
    md = summary_markdown(s)
    table = [line for line in md.splitlines() if line.startswith("| 1 | 甲股")]
    assert table == ["| 1 | 甲股 | 2/5 | 3 | 1 | 2 | 0 | 1 | 1 | 1 | 25.0% | 5 |"]


def test_rollup_adds_descendants_and_keeps_own_figures():
    s = nov(rollup=True)
    a = figures(s, "a")
    # a + b: submitted 5+1, expected 5+2, on_time 1, late 2+1, missing 1, score 5 + (−1)
    assert (a["submitted"], a["expected"], a["on_time"], a["late"], a["missing"], a["score"]) == (6, 7, 1, 3, 1, 4)
    assert a["on_time_rate"] == 0.2
    assert a["own"]["score"] == 5 and a["own"]["submitted"] == 5
    assert figures(s, "b")["submitted"] == 1  # a leaf is unchanged
    # the totals never count a report twice
    assert summary_dict(s)["totals"] == summary_dict(nov())["totals"]
    md = summary_markdown(s)
    assert "含下级单位" in md and "| 　乙镇 |" in md


def test_csv_has_bom_crlf_and_chinese_headers():
    s = nov()
    data = summary_csv_bytes(s)
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert "\r\n" in text and "\n" not in text.replace("\r\n", "")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0][:8] == ["排名", "单位", "单位代码", "上级单位", "定期报告应报", "定期报告已报", "其他报告", "报告合计"]
    assert rows[1][:2] == ["1", "甲股"] and rows[1][-2:] == ["25.0%", "5"]
    assert rows[2][3] == "甲股"  # 乙镇's parent
    assert len(rows) == 5


def test_markdown_reads_as_a_report():
    md = summary_markdown(nov())
    assert md.startswith("# 示例县应急管理局 信息报送情况通报（2026年11月）\n")
    assert "统计周期：2026-11-01 至 2026-11-30" in md  # the last day, not the exclusive end
    for heading in ("## 一、总体情况", "## 二、各单位报送情况（按得分排名）", "## 三、漏报情况", "## 四、迟报、瞒报情况",
                    "## 五、突发事件", "## 六、报送指标汇总"):
        assert heading in md
    assert "本期共收到报告 **7** 份" in md
    assert "**丙股**：周报（2026年第46周，应于 2026-11-16 12:00 前报送）" in md
    assert "| 厂房火灾 | 甲股 | 较大 | 2026-11-20 08:00 | 续报 | **迟报**（事发后 3 小时） |" in md


def test_json_is_serialisable_with_spec_keys():
    d = json.loads(summary_json(nov()))
    assert set(d) >= {"period", "totals", "units", "missing", "incidents", "metrics"}
    assert set(d["totals"]) >= {"reports", "incidents", "late", "concealed", "missing", "on_time_rate"}
    for u in d["units"]:
        assert set(u) >= {"id", "name", "submitted", "expected", "late", "concealed", "missing", "on_time_rate",
                          "score"}
    assert set(d["missing"][0]) >= {"unit", "type", "period"}
    assert set(d["incidents"][0]) >= {"id", "title", "severity", "stage", "timeliness"}


def test_rate_is_null_without_timed_or_owed_reports():
    d = summary_dict(nov())
    # a quiet week for 办公室 (owes nothing, reported nothing)
    week = summary_dict(summarize(reports(), make_org(), parse("2026-W47"), "internal", AS_OF))
    bgs = next(u for u in week["units"] if u["id"] == "bgs")
    assert bgs["on_time_rate"] is None and bgs["score"] == 0
    assert d["totals"]["on_time_rate"] is not None


def test_reports_after_as_of_do_not_exist_yet():
    # as of Nov 16 11:00, a's W46 (reported 15:00) is not yet in the repository, and not yet due
    s = nov(as_of=dt.datetime(2026, 11, 16, 11, 0, tzinfo=TZ))
    a = figures(s, "a")
    assert (a["submitted"], a["late"], a["missing"]) == (2, 0, 0)  # W45 and the 工作信息


def test_summarizer_reused_for_many_periods_matches_summarize():
    sz = Summarizer(reports(), make_org(), "internal", AS_OF)
    for pid in ("2026-W45", "2026-W46", "2026-W47", "2026-11", "2026-Q4", "2026"):
        assert summary_dict(sz.summarize(parse(pid))) == summary_dict(summarize(reports(), make_org(), parse(pid), "internal",
                                                               AS_OF))
    year = summary_dict(sz.summarize(parse("2026")))
    assert year["metrics"]["monthly"] == {"检查企业": 40}


@pytest.mark.parametrize(("text", "fragment"), [("2026-13", "不存在"), ("2025-W53", "2025 年只有 W01 到 W52"),
                                                ("11月", "格式不对"), ("2026-11-01", "格式不对")])
def test_bad_period_ids_get_a_chinese_message(text, fragment):
    assert fragment in period_error(text)


def test_good_period_ids_pass():
    for text in ("2026-W48", "2026-11", "2026-Q4", "2026", "2026-W53"):
        assert period_error(text) is None


def test_as_of_uses_received_time_except_for_imported_reports():
    # a's W46 was written as reported Nov 16 15:00 but only committed Nov 28
    rs = reports()
    w46 = next(r for r in rs if r.id == "a/2026/W46")
    w46.received_at = t(11, 28, 10)
    as_of = dt.datetime(2026, 11, 27, 18, 0, tzinfo=TZ)
    s = summarize(rs, make_org(), parse("2026-11"), "internal", as_of)
    assert ("a", "2026-W46") in [(m.unit, m.period.id) for m in s.missing]  # not there yet: missing
    # reports before ledger_since were imported from older records: the commit time is not when
    # they arrived, so they exist from their reported_at
    o = make_org()
    o.ledger_since = dt.date(2026, 11, 28)
    s = summarize(rs, o, parse("2026-11"), "internal", as_of)
    assert ("a", "2026-W46") not in [(m.unit, m.period.id) for m in s.missing]
    assert figures(s, "a")["late"] == 2


def test_a_huge_metric_is_not_printed_with_digits_it_never_had():
    """1.5e300 was printed as a 301-digit whole number whose digits after the first few were float noise."""
    from generator.summary import _num

    assert _num(1.5e300) == 1.5e300 and isinstance(_num(1.5e300), float)
    assert json.dumps(_num(1.5e300)) == "1.5e+300"
    assert _num(12.0) == 12 and isinstance(_num(12.0), int)  # whole numbers still print without .0
