"""``shangbao summary`` end to end on a throwaway repository (files → repository → summary).

As of 2026-11-27 18:00, November 2026 (weeks W45–W48):
- anjianke (weekly + monthly): expected 5. Incident 1 h after it occurred (on time), W47 on
  time, a 批示 on the incident (+3); W45 exists but has an error (named, not missing); W46 is
  restricted (exists: for internal neither counted nor missing). W48 and the monthly report
  are not yet due. internal: submitted 2, on_time 2, missing 0, rate 1.0, score 2 + 3 = 5.
- jiuyuanke (weekly): W45, W46 absent, W47 only a draft → 3 missing, score −6.
"""

import csv
import io
import json

from helpers_org import OTHER_UNIT, UNIT, make_org, run, write_good, write_report

AS_OF = "2026-11-27 18:00"


def build(tmp_path):
    root = make_org(tmp_path)
    write_good(root, "incident")
    write_good(root, "feedback")
    write_good(root, "weekly", "2026-W47-周报")
    write_good(root, "weekly", "2026-W46-周报", period="2026-W46", reported_at="2026-11-16 09:00",
               classification="restricted", title="限定级第46周周报")
    write_good(root, "weekly", "2026-W45-周报", period="2026-W45", reported_at="2026-11-09 09:00",
               drop=("reviewed_by",))
    write_good(root, "weekly", "2026-W47-草稿", unit=OTHER_UNIT, author="吴敏", drop=("reviewed_by", "approved_by"),
               draft=True, title="应急救援股草稿周报")
    write_report(root, UNIT, "坏文件", "", "")
    (root / "submissions" / UNIT / "2026" / "坏文件.md").write_text("没有元数据的报告\n", encoding="utf-8")
    return root


def summary_json(root, *args):
    result = run(root, "summary", "--period", "2026-11", "--format", "json", "--as-of", AS_OF, *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def unit(data, uid):
    return next(u for u in data["units"] if u["id"] == uid)


def test_summary_json_counts_the_repository(tmp_path):
    d = summary_json(build(tmp_path))
    a = unit(d, UNIT)
    assert (a["submitted"], a["expected"], a["on_time"], a["late"], a["missing"]) == (2, 5, 2, 0, 0)
    assert (a["instructed"], a["on_time_rate"], a["score"]) == (1, 1.0, 5)
    j = unit(d, OTHER_UNIT)
    assert (j["submitted"], j["expected"], j["missing"], j["score"]) == (0, 4, 3, -6)
    assert [(m["unit"], m["period"]) for m in d["missing"]] == [
        (OTHER_UNIT, "2026-W45"), (OTHER_UNIT, "2026-W46"), (OTHER_UNIT, "2026-W47")]
    assert d["totals"]["reports"] == 2 and d["totals"]["incidents"] == 1
    assert d["incidents"][0]["timeliness"] == "on_time" and d["incidents"][0]["stage"] == "初报"
    paths = [u["path"] for u in d["uncounted"]]
    assert f"submissions/{UNIT}/2026/2026-W45-周报.md" in paths
    assert f"submissions/{UNIT}/2026/坏文件.md" in paths
    assert all(u["reason"].startswith("R") for u in d["uncounted"])
    text = json.dumps(d, ensure_ascii=False)
    assert "限定级第46周周报" not in text and "2026-W46-周报" not in text
    assert "应急救援股草稿周报" not in text and "2026-W47-草稿" not in text


def test_restricted_audience_counts_the_restricted_report(tmp_path):
    d = summary_json(build(tmp_path), "--audience", "restricted")
    a = unit(d, UNIT)
    assert (a["submitted"], a["on_time"], a["score"]) == (3, 3, 6)


def test_summary_markdown_names_uncounted_reports(tmp_path):
    result = run(build(tmp_path), "summary", "--period", "2026-11", "--as-of", AS_OF)
    assert result.exit_code == 0
    md = result.stdout
    assert md.startswith("# 测试县应急管理局 信息报送情况通报（2026年11月）")
    assert "## 七、未计入的报告" in md and "2026-W45-周报.md" in md and "坏文件.md" in md
    assert "**应急救援股**：周报（2026年第45周" in md


def test_summary_csv_is_excel_friendly(tmp_path):
    result = run(build(tmp_path), "summary", "--period", "2026-11", "--format", "csv", "--as-of", AS_OF)
    assert result.exit_code == 0
    data = result.stdout_bytes
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows[0][0] == "排名" and rows[1][1] == "安全生产监督管理股"


def test_bad_period_exits_2_with_a_chinese_message(tmp_path):
    root = make_org(tmp_path)
    for bad in ("2026-13", "2025-W53", "十一月"):
        result = run(root, "summary", "--period", bad)
        assert result.exit_code == 2
        assert "汇总期" in result.stderr and "2026-W48（周）" in result.stderr


def test_week_and_year_periods_run(tmp_path):
    root = build(tmp_path)
    for period in ("2026-W47", "2026-Q4", "2026"):
        result = run(root, "summary", "--period", period, "--format", "json", "--as-of", AS_OF)
        assert result.exit_code == 0
        assert json.loads(result.stdout)["period"]["id"] == period
