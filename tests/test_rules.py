"""The rule catalogue (SPEC §5): every rule except R305, each with a file that breaks it and one that does not.

Each test starts from a repository holding one valid report of every type (helpers_org), breaks
one thing in one file and runs ``shangbao check --format json`` on it, asserting the code, the
severity, the path, the line and that the Chinese message says how to fix it.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from helpers_org import (
    INCIDENT_ID,
    INCIDENT_NAME,
    OTHER_UNIT,
    REPORT_TYPES,
    UNIT,
    check,
    good_report,
    line_containing,
    make_org,
    rel,
    render,
    write_all_good,
    write_bytes,
    write_good,
    write_report,
)

from generator.rules import RULES

# SPEC §5: code -> severity
SPEC_RULES = {
    "R101": "error", "R102": "warning", "R103": "error", "R104": "error", "R105": "error",
    "R106": "error", "R107": "error", "R108": "error", "R109": "error",
    "R201": "error", "R202": "error", "R203": "error", "R204": "error", "R205": "error",
    "R206": "error", "R207": "error", "R208": "error",
    "R301": "error", "R302": "error", "R303": "notice", "R304": "notice", "R305": "notice", "R306": "error",
    "R401": "error", "R402": "warning", "R403": "error", "R404": "error", "R405": "error", "R406": "error",
    "R407": "error",
    "R501": "error", "R502": "error", "R503": "error", "R504": "error", "R505": "error", "R506": "error",
}
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A repository with one valid report of every type."""
    make_org(tmp_path)
    write_all_good(tmp_path)
    return tmp_path


def of(root: Path, path: Path, *args: str, as_of: str | None = None) -> tuple[int, list[dict]]:
    """Run the checker; return the exit code and the findings for ``path`` only."""
    kwargs = {"as_of": as_of} if as_of else {}
    code, findings = check(root, *args, **kwargs)
    return code, [f for f in findings if f["path"] == rel(root, path)]


def only(root: Path, path: Path, code: str, line: int, *fix_words: str, column: int | None = None,
         as_of: str | None = None) -> dict:
    """Assert that ``path`` has exactly one finding, of ``code`` at ``line``; return it."""
    exit_code, mine = of(root, path, as_of=as_of)
    assert [f["code"] for f in mine] == [code], mine
    finding = mine[0]
    assert finding["severity"] == SPEC_RULES[code]
    assert finding["line"] == line, finding
    if column is not None:
        assert finding["column"] == column, finding
    assert CJK.search(finding["message"]), finding
    for word in fix_words:
        assert word in finding["message"], (word, finding["message"])
    assert exit_code == (1 if SPEC_RULES[code] == "error" else 0)
    return finding


def codes_of(root: Path, path: Path, **kw) -> list[str]:
    return [f["code"] for f in of(root, path, **kw)[1]]


# --- the catalogue itself --------------------------------------------------------------

def test_catalogue_has_every_rule_of_the_spec_with_its_severity_and_documentation():
    assert {code: rule.severity for code, rule in RULES.items()} == SPEC_RULES
    for rule in RULES.values():
        assert CJK.search(rule.title) and len(rule.doc) > 40, rule.code


@pytest.mark.parametrize("rtype", REPORT_TYPES)
def test_each_good_report_alone_has_no_findings(tmp_path, rtype):
    make_org(tmp_path)
    if rtype == "feedback":
        write_good(tmp_path, "incident")
    path = write_good(tmp_path, rtype)
    exit_code, mine = of(tmp_path, path)
    assert mine == [] and exit_code == 0


@pytest.mark.parametrize("code", sorted(set(SPEC_RULES) - {"R305"}))
def test_the_good_repository_triggers_no_rule(root, code):
    exit_code, findings = check(root)
    assert code not in [f["code"] for f in findings]
    assert exit_code == 0


# --- R1xx: the file ----------------------------------------------------------------------

def test_r101_gbk_file_is_named_as_gbk_with_how_to_resave(root):
    front, body = good_report("info")
    path = write_bytes(root, UNIT, "2026-11-18-gbk.md", render(front, body).encode("gbk"))
    only(root, path, "R101", 2, "GBK", "UTF-8", "另存为")


def test_r101_random_invalid_bytes(root):
    data = b"---\ntitle: \xff\xfe\x80 abc\ntype: info\n---\n"
    path = write_bytes(root, UNIT, "2026-11-18-bad.md", data)
    finding = only(root, path, "R101", 2, "UTF-8", column=8)
    assert "GBK" not in finding["message"]


def test_r101_nul_bytes_are_not_text(root):
    front, body = good_report("info")
    path = write_bytes(root, UNIT, "2026-11-18-nul.md", render(front, body + "\x00\n").encode())
    assert codes_of(root, path) == ["R101"]


def test_r101_not_for_utf8(root):
    assert codes_of(root, root / "submissions" / UNIT / "2026" / f"{INCIDENT_NAME}.md") == []


def test_r102_bom_is_a_warning_and_the_file_is_still_read(root):
    front, body = good_report("info")
    path = write_bytes(root, UNIT, "2026-11-18-bom.md", b"\xef\xbb\xbf" + render(front, body).encode())
    only(root, path, "R102", 1, "UTF-8")
    # still read: a problem in the front matter is reported as well
    del front["title"]
    write_bytes(root, UNIT, "2026-11-18-bom.md", b"\xef\xbb\xbf" + render(front, body).encode())
    assert codes_of(root, path) == ["R102", "R201"]


def test_r102_not_without_bom(root):
    assert "R102" not in codes_of(root, root / "submissions" / UNIT / "2026" / f"{INCIDENT_NAME}.md")


def test_r103_no_front_matter(root):
    path = write_bytes(root, UNIT, "2026-11-18-plain.md", "# 标题\n\n正文\n".encode())
    only(root, path, "R103", 1, "---")


def test_r103_unclosed_front_matter(root):
    path = write_bytes(root, UNIT, "2026-11-18-open.md", "---\ntitle: 标题\ntype: info\n\n正文\n".encode())
    only(root, path, "R103", 1, "结束的“---”")


def test_r103_blank_line_before_the_fence(root):
    front, body = good_report("info")
    path = write_bytes(root, UNIT, "2026-11-18-blank.md", ("\n" + render(front, body)).encode())
    only(root, path, "R103", 1, "空行")


def test_r104_line_and_column_are_in_the_file_not_the_block(root):
    front, body = good_report("info")
    front["author"] = "赵磊: 李娜"
    text = render(front, body).replace('"赵磊: 李娜"', "赵磊: 李娜")
    path = write_bytes(root, UNIT, "2026-11-18-yaml.md", text.encode())
    line = line_containing(path, "author:")
    assert line == 5
    only(root, path, "R104", line, "引号", column=len("author: 赵磊") + 1)


def test_r104_duplicate_key(root):
    front, body = good_report("info")
    text = render(front, body).replace("type: info\n", "type: info\ntitle: 第二个标题\n")
    path = write_bytes(root, UNIT, "2026-11-18-dup.md", text.encode())
    only(root, path, "R104", line_containing(path, "第二个标题"), "重复", "删")


def test_r104_alias_bomb_is_refused_fast(root):
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i, name in enumerate("bcdefghi"):
        prev = "abcdefgh"[i]
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    path = write_bytes(root, UNIT, "2026-11-18-bomb.md", ("---\n" + "\n".join(lines) + "\n---\n正文\n").encode())
    start = time.perf_counter()
    exit_code, mine = of(root, path)
    assert time.perf_counter() - start < 5
    assert [f["code"] for f in mine] == ["R104"] and exit_code == 1
    assert "别名" in mine[0]["message"] and 2 <= mine[0]["line"] <= 10


def test_r104_not_for_a_colon_inside_quotes(root):
    path = write_good(root, "info", "2026-11-18-quoted", title="通报: 火情")
    assert 'title: "通报: 火情"' in path.read_text(encoding="utf-8")
    assert codes_of(root, path) == []


@pytest.mark.parametrize(("line_text", "column", "words"), [
    ("title：收费站火情", 6, ("全角冒号", ": ")),
    ("\u3000type: info", 1, ("全角空格", "半角")),
    ("\ttype: info", 1, ("Tab", "空格")),
    ("type:\tinfo", 6, ("Tab", "空格")),
    ("type:\u3000info", 6, ("全角空格",)),
])
def test_r105_full_width_colon_space_and_tab(root, line_text, column, words):
    front, body = good_report("info")
    front.pop("title" if line_text.startswith("title") else "type")
    text = render(front, body).replace("---\n", f"---\n{line_text}\n", 1)
    path = write_bytes(root, UNIT, "2026-11-18-fw.md", text.encode())
    assert line_containing(path, line_text) == 2
    only(root, path, "R105", 2, *words, column=column)


def test_r105_not_for_a_full_width_colon_inside_a_value(root):
    path = write_good(root, "info", "2026-11-18-colon", title="关于：安全生产月")
    assert codes_of(root, path) == []


@pytest.mark.parametrize(("block", "word"), [("- 甲\n- 乙\n", "列表"), ("只是一段文字\n", "一段文字"), ("", "空")])
def test_r106_front_matter_not_a_mapping(root, block, word):
    path = write_bytes(root, UNIT, "2026-11-18-list.md", f"---\n{block}---\n正文\n".encode())
    only(root, path, "R106", 2, word, "键: 值")


def test_r107_file_over_the_limit(tmp_path):
    make_org(tmp_path, limits={"file_size": "1KiB"})
    small = write_good(tmp_path, "info")
    assert small.stat().st_size < 1024
    big = write_good(tmp_path, "info", "2026-11-18-big", body="\n" + "安全生产。" * 100 + "\n")
    assert big.stat().st_size > 1024
    finding = only(tmp_path, big, "R107", 1, "1 KiB", "精简")
    assert codes_of(tmp_path, small) == []
    assert "R107" not in finding["message"]


def test_r107_default_limit_is_one_mib(root):
    path = write_good(root, "info", "2026-11-18-big", body="\n" + "安" * (1 << 18) + "\n")  # 768 KiB
    assert codes_of(root, path) == []
    path = write_good(root, "info", "2026-11-18-big", body="\n" + "安" * (1 << 19) + "\n")  # 1.5 MiB
    only(root, path, "R107", 1, "MiB")


def test_r108_wrong_depth(root):
    front, body = good_report("info")
    path = root / "submissions" / UNIT / "2026-11-18-开展宣传.md"
    path.write_text(render(front, body), encoding="utf-8")
    only(root, path, "R108", 1, "submissions/<单位id>/<年份>/", "git mv")


def test_r108_not_markdown(root):
    path = write_bytes(root, UNIT, "notes.txt", "记录".encode())
    assert "R108" in codes_of(root, path)


def test_r108_wrong_year_folder(root):
    path = write_good(root, "info", year=2025)
    only(root, path, "R108", line_containing(path, "reported_at:"), "2026", "git mv")


def test_r108_not_for_files_starting_with_underscore_or_dot(root):
    for name in ("_模板.md", ".草稿.md"):
        write_bytes(root, UNIT, name, b"\xff\xfe not a report")
    (root / "submissions" / "_templates").mkdir()
    (root / "submissions" / "_templates" / "x.md").write_text("无", encoding="utf-8")
    exit_code, findings = check(root)
    assert findings == [] and exit_code == 0


# --- R2xx: keys and values -----------------------------------------------------------------

def test_r201_missing_required_key_says_which_and_how(root):
    path = write_good(root, "incident", drop=("location",))
    only(root, path, "R201", 1, "location", "地点", "location: …")


def test_r201_follow_up_without_follows(root):
    path = write_good(root, "incident", "2026-11-20-续报", stage="续报", reported_at="2026-11-20 14:00")
    only(root, path, "R201", line_containing(path, "stage:"), "follows")


def test_r201_adoption_without_level(root):
    path = write_good(root, "feedback", kind="采用")
    only(root, path, "R201", line_containing(path, "kind:"), "level", "县")
    path = write_good(root, "feedback", kind="采用", level="市")
    assert codes_of(root, path) == []


def test_r202_unknown_key_suggests_the_nearest(root):
    path = write_good(root, "incident", locaton="城东")
    only(root, path, "R202", line_containing(path, "locaton:"), "locaton", "“location”")


def test_r202_misspelt_title(root):
    front, body = good_report("info")
    front = {("titel" if k == "title" else k): v for k, v in front.items()}
    path = write_report(root, UNIT, "2026-11-18-titel", front, body)
    _, mine = of(root, path)
    r202 = [f for f in mine if f["code"] == "R202"]
    assert len(r202) == 1 and "“title”" in r202[0]["message"] and r202[0]["line"] == 2
    assert sorted(f["code"] for f in mine) == ["R201", "R202"]


def test_r202_key_of_another_type(root):
    path = write_good(root, "info", "2026-11-18-period", period="2026-W47")
    only(root, path, "R202", line_containing(path, "period:"), "周报")


@pytest.mark.parametrize(("key", "value", "words"), [
    ("reported_at", "2026/11/18 10:00", ("2026-11-27 09:30",)),
    ("reported_at", "2026-11-18 25:00", ("2026-11-27 09:30",)),
    ("tags", {"甲": "乙"}, ("列表",)),
    ("draft", "是", ("true",)),
])
def test_r203_wrong_form(root, key, value, words):
    path = write_good(root, "info", "2026-11-18-form", **{key: value})
    only(root, path, "R203", line_containing(path, f"{key}:"), key, *words)


@pytest.mark.parametrize(("rtype", "key", "value", "words"), [
    ("incident", "deaths", "三人", ("整数",)),
    ("incident", "loss", "5万元", ("数字",)),
    ("inspection", "inspected_on", "11月18日", ("2026-11-27",)),
    ("weekly", "period", "第47周", ("2026-W48",)),
    ("weekly", "metrics", {"检查企业数": "十二"}, ("数字",)),
])
def test_r203_wrong_form_of_own_keys(root, rtype, key, value, words):
    path = write_good(root, rtype, **{key: value})
    only(root, path, "R203", line_containing(path, f"{key}:"), key, *words)


@pytest.mark.parametrize(("value", "words"), [
    ("消防, 交通运输", ("逗号", "[防汛, 森林防火]")),  # a careless list: brackets left out
    (["消防，交通运输"], ("第 1 项", "逗号")),  # a full-width comma inside the brackets
    (["消防", "  "], ("第 2 项", "空的")),
    ("消防、交通运输", ("顿号", "[防汛, 森林防火]")),
])
def test_r203_a_list_names_its_bad_item_and_is_never_read_as_one_joined_tag(root, value, words):
    """Tags written as one string with commas would silently become one tag; a blank item would
    be called “not a list”. Each is named, with the fix."""
    path = write_good(root, "info", "2026-11-18-tags", tags=value)
    finding = only(root, path, "R203", line_containing(path, "tags:"), "tags", *words)
    assert "应是列表" not in finding["message"]


def test_r203_metrics_names_the_entry_that_is_not_a_number(root):
    path = write_good(root, "weekly", metrics={"检查企业数": 12, "培训人次": "150人"})
    finding = only(root, path, "R203", line_containing(path, "metrics:"), "“培训人次”", "150人", "培训人次: 12")
    assert "检查企业数" not in finding["message"]


def test_r204_lists_allowed_values(root):
    path = write_good(root, "incident", severity="严重")
    only(root, path, "R204", line_containing(path, "severity:"), "严重", "一般、较大、重大、特别重大")
    path = write_good(root, "info", "2026-11-18-type", type="通报")
    only(root, path, "R204", line_containing(path, "type:"), "通报", "incident（突发事件）", "info（工作信息）")


def test_r204_accepts_chinese_labels(root):
    path = write_good(root, "incident", type="突发事件", classification="限定")
    assert codes_of(root, path) == []


# --- units and roster -------------------------------------------------------------------

def test_r205_unknown_unit(root):
    path = write_good(root, "info", unit="nosuch")
    assert path.parent.parent.name == "nosuch"
    path = path.rename(root / "submissions" / UNIT / "2026" / path.name)
    only(root, path, "R205", line_containing(path, "unit:"), "nosuch", UNIT, "_org.yml")


def test_r206_unit_differs_from_folder(root):
    path = write_good(root, "info", unit=OTHER_UNIT, author="吴敏", reviewed_by="周建国", approved_by="周建国")
    path = path.rename(root / "submissions" / UNIT / "2026" / path.name)
    only(root, path, "R206", line_containing(path, "unit:"), OTHER_UNIT, UNIT, f"submissions/{OTHER_UNIT}/")
    good = write_good(root, "info", "2026-11-18-jiuyuan", unit=OTHER_UNIT, author="吴敏",
                      reviewed_by="周建国", approved_by="周建国")
    assert codes_of(root, good) == []


def test_r207_author_not_on_the_roster(root):
    path = write_good(root, "info", author="王五")
    only(root, path, "R207", line_containing(path, "author:"), "王五", "赵磊", "花名册")
    path = write_good(root, "info", author="刘洋", approved_by="陈静")  # a leader may write
    assert codes_of(root, path) == []


def test_r208_two_weekly_reports_for_one_period(root):
    second = write_good(root, "weekly", "2026-W47-周报-重复", reported_at="2026-11-23 10:00")
    finding = only(root, second, "R208", line_containing(second, "period:"), "2026-W47", "修改原报告")
    assert "2026-11-good-weekly" in finding["message"]
    first = root / "submissions" / UNIT / "2026" / "2026-11-good-weekly.md"
    assert codes_of(root, first) == []


def test_r208_not_for_a_draft_or_another_period(root):
    draft = write_good(root, "weekly", "2026-W47-草稿", reported_at="2026-11-23 10:00", draft=True)
    other = write_good(root, "weekly", "2026-W46-周报", reported_at="2026-11-16 10:00", period="2026-W46")
    assert codes_of(root, draft) == [] and codes_of(root, other) == []


# --- R3xx: times ------------------------------------------------------------------------

def test_r301_future_relative_to_as_of(root):
    path = write_good(root, "info", "2026-11-28-未来", reported_at="2026-11-28 09:00")
    only(root, path, "R301", line_containing(path, "reported_at:"), "reported_at", "2026-11-28 09:00", "2026-11-27 18:00")
    assert codes_of(root, path, as_of="2026-11-28 10:00") == []


def test_r301_future_inspection_date(root):
    path = write_good(root, "inspection", inspected_on="2026-11-28", reported_at="2026-11-27 17:00")
    _, mine = of(root, path)
    r301 = [f for f in mine if f["code"] == "R301"]
    assert len(r301) == 1 and r301[0]["line"] == line_containing(path, "inspected_on:")


def test_r301_due_may_be_in_the_future(root):
    path = write_good(root, "task", due="2027-06-30")
    assert codes_of(root, path) == []


def test_r302_occurred_after_reported(root):
    path = write_good(root, "incident", occurred_at="2026-11-20 10:30")
    only(root, path, "R302", line_containing(path, "occurred_at:"), "晚于报送时间", "改正")


def test_r302_assigned_after_due(root):
    path = write_good(root, "task", assigned_on="2026-11-20", due="2026-11-15")
    only(root, path, "R302", line_containing(path, "due:"), "办结期限")


def test_r303_late_incident_is_a_notice_and_check_still_passes(root):
    path = write_good(root, "incident", occurred_at="2026-11-20 07:00")  # reported 3 h later
    finding = only(root, path, "R303", line_containing(path, "reported_at:"), "迟报", "3 小时")
    assert finding["severity"] == "notice"


def test_r303_not_at_exactly_two_hours(root):
    path = write_good(root, "incident", occurred_at="2026-11-20 08:00")
    assert codes_of(root, path) == []


def test_r303_late_weekly_report(root):
    path = write_good(root, "weekly", reported_at="2026-11-23 13:00")
    only(root, path, "R303", line_containing(path, "reported_at:"), "2026-11-23 12:00")


def test_r304_concealed_incident(root):
    path = write_good(root, "incident", occurred_at="2026-11-19 23:00")  # 11 h
    finding = only(root, path, "R304", line_containing(path, "reported_at:"), "瞒报", "11 小时")
    assert finding["severity"] == "notice"


def test_r304_not_for_a_follow_up(root):
    path = write_good(root, "incident", "2026-11-21-续报", stage="续报", follows=INCIDENT_ID,
                      reported_at="2026-11-21 10:00")
    assert codes_of(root, path) == []


def test_r306_period_of_another_type(root):
    path = write_good(root, "weekly", period="2026-11")
    only(root, path, "R306", line_containing(path, "period:"), "2026-W48", "月")


def test_r306_period_not_begun(root):
    path = write_good(root, "weekly", period="2026-W49")
    only(root, path, "R306", line_containing(path, "period:"), "还没开始")


# --- R4xx: content ----------------------------------------------------------------------

def test_r401_missing_section(root):
    front, body = good_report("incident")
    body = body.replace("## 处置措施", "## 其他")
    path = write_report(root, UNIT, INCIDENT_NAME, front, body)
    only(root, path, "R401", len(front) + 3, "## 处置措施")  # the line after the closing ---


def test_r401_final_report_needs_cause_and_result(root):
    path = write_good(root, "incident", "2026-11-22-终报", stage="终报", follows=INCIDENT_ID,
                      reported_at="2026-11-22 10:00")
    _, mine = of(root, path)
    assert sorted(f["message"].split("”")[0] for f in mine if f["code"] == "R401") == [
        "正文缺少“## 原因分析", "正文缺少“## 处理结果"]
    assert {f["code"] for f in mine} == {"R401"}


def test_r401_numbered_headings_count(root):
    front, body = good_report("inspection")
    body = body.replace("## 检查情况", "## 一、检查情况").replace("## 发现问题", "## （二）发现问题")
    path = write_report(root, UNIT, "2026-11-good-inspection", front, body)
    assert codes_of(root, path) == []


def test_r402_vague_word_with_its_line_and_column(root):
    front, body = good_report("info")
    body += "起火原因可能是电线老化。\n"
    path = write_report(root, UNIT, "2026-11-good-info", front, body)
    line = line_containing(path, "可能")
    finding = only(root, path, "R402", line, "可能", f"第 {line} 行", column=5)
    assert finding["severity"] == "warning"


def test_r402_uses_the_org_word_list(tmp_path):
    make_org(tmp_path, vague_words=["大约"])
    front, body = good_report("info")
    path = write_report(tmp_path, UNIT, "x", front, body + "可能如此，大约十人。\n")
    assert [f["message"].count("大约") > 0 for f in of(tmp_path, path)[1]] == [True]


def _follow_up(root, name, follows, stage="续报", reported_at="2026-11-20 14:00", **kw):
    return write_good(root, "incident", name, stage=stage, follows=follows, reported_at=reported_at, **kw)


def test_r403_follows_points_nowhere(root):
    path = _follow_up(root, "2026-11-20-续报", f"{UNIT}/2026/没有这份报告")
    only(root, path, "R403", line_containing(path, "follows:"), "没有这份报告", "submissions/")


def test_r403_follows_a_follow_up(root):
    first = _follow_up(root, "2026-11-20-续报", INCIDENT_ID)
    assert codes_of(root, first) == []
    path = _follow_up(root, "2026-11-21-终报", f"{UNIT}/2026/2026-11-20-续报", stage="终报",
                      reported_at="2026-11-21 10:00",
                      body=good_report("incident")[1] + "\n## 原因分析\n\n电路老化。\n\n## 处理结果\n\n已结案。\n")
    only(root, path, "R403", line_containing(path, "follows:"), "不是突发事件初报")


def test_r403_follows_another_units_incident(root):
    write_good(root, "incident", unit=OTHER_UNIT, author="吴敏", reviewed_by="周建国", approved_by="周建国")
    other_id = f"{OTHER_UNIT}/2026/{INCIDENT_NAME}"
    path = _follow_up(root, "2026-11-20-续报", other_id)
    only(root, path, "R403", line_containing(path, "follows:"), OTHER_UNIT, "本单位")


def test_r403_feedback_on_nothing(root):
    path = write_good(root, "feedback", on=f"{UNIT}/2026/不存在")
    only(root, path, "R403", line_containing(path, "on:"), "不存在")


@pytest.mark.parametrize(("changes", "grade"), [
    ({"deaths": 3}, "较大"),
    ({"injuries": 10}, "较大"),
    ({"loss": 1000}, "较大"),
    ({"deaths": 10, "severity": "较大"}, "重大"),
    ({"loss": 5000, "severity": "较大"}, "重大"),
    ({"deaths": 30, "severity": "重大"}, "特别重大"),
    ({"loss": 10000, "severity": "重大"}, "特别重大"),
    ({"injuries": 100}, "特别重大"),
])
def test_r404_severity_below_the_grade_reached(root, changes, grade):
    path = write_good(root, "incident", **changes)
    only(root, path, "R404", line_containing(path, "severity:"), f"改为“{grade}”")


@pytest.mark.parametrize("changes", [
    {"deaths": 2}, {"injuries": 9}, {"loss": 999.9},
    {"deaths": 3, "severity": "较大"}, {"deaths": 9, "severity": "较大"}, {"loss": 4999, "severity": "较大"},
    {"deaths": 2, "severity": "重大"},  # higher than needed is allowed
])
def test_r404_not_below_the_thresholds(root, changes):
    path = write_good(root, "incident", **changes)
    assert codes_of(root, path) == []


def test_r405_uscc_check_character(root):
    good = root / "submissions" / UNIT / "2026" / "2026-11-good-credit.md"
    assert "91350100M000100Y43" in good.read_text(encoding="utf-8") and codes_of(root, good) == []
    path = write_good(root, "credit", uscc="91350100M000100Y44")
    only(root, path, "R405", line_containing(path, "uscc:"), "91350100M000100Y44", "校验码", "营业执照")


@pytest.mark.parametrize(("code", "word"), [("91350100M000100Y4", "18 位"), ("91350100M00010OY43", "O")])
def test_r405_length_and_characters(root, code, word):
    path = write_good(root, "credit", uscc=code)
    only(root, path, "R405", line_containing(path, "uscc:"), word)


@pytest.mark.parametrize(("rtype", "changes", "key", "word"), [
    ("incident", {"deaths": -1}, "deaths", "负数"),
    ("inspection", {"hazards_fixed": 6}, "hazards_fixed", "多于"),
    ("inspection", {"hazards_found": -2, "hazards_fixed": 0}, "hazards_found", "负数"),
    ("task", {"progress": 120}, "progress", "0 到 100"),
    ("task", {"progress": -5}, "progress", "0 到 100"),
    ("inspection", {"hazards_found": 2000000, "hazards_fixed": 0}, "hazards_found", "不可信"),
    ("incident", {"loss": 2000000000.5, "severity": "特别重大"}, "loss", "不可信"),
])
def test_r406_impossible_numbers(root, rtype, changes, key, word):
    path = write_good(root, rtype, **changes)
    only(root, path, "R406", line_containing(path, f"{key}:"), word)


@pytest.mark.parametrize(("rtype", "changes"), [
    ("inspection", {"hazards_fixed": 5}), ("task", {"progress": 100}), ("task", {"progress": 0}),
    ("inspection", {"hazards_found": 1000000, "hazards_fixed": 0}),
])
def test_r406_not_at_the_edges(root, rtype, changes):
    assert codes_of(root, write_good(root, rtype, **changes)) == []


# --- R407: the template's placeholder text left in -----------------------------------------

MARK = "【填写说明：事发地点，写到村、路段或单位】"


@pytest.mark.parametrize(("key", "value"), [("title", "【填写说明：标题，一句话写明何时何地何事】"),
                                            ("location", MARK), ("tags", ["消防", MARK])])
def test_r407_placeholder_value_left_in(root, key, value):
    path = write_good(root, "incident", **{key: value})
    only(root, path, "R407", line_containing(path, f"{key}:"), key, "占位文字", "实际内容")


def test_r407_instruction_line_left_in_the_body(root):
    body = good_report("incident")[1] + "\n前言 【填写说明：报送终报时把 stage 改为 终报；不需要时删去本行。】\n"
    path = write_good(root, "incident", body=body)
    line = line_containing(path, "前言 【填写说明")
    only(root, path, "R407", line, "删去", column=4)


def test_r407_required_section_without_text_of_its_own(root):
    body = ("\n## 基本情况\n\n货车起火。\n\n## 事件经过\n\n"
            "【填写说明：按时间顺序写明经过。】\n\n## 处置措施\n\n### 现场\n\n")
    path = write_good(root, "incident", body=body)
    _, mine = of(root, path)
    # one finding per thing to write: the instruction line, and the section left with a sub-heading only
    assert [(f["code"], f["line"]) for f in mine] == [
        ("R407", line_containing(path, "【填写说明")), ("R407", line_containing(path, "## 处置措施"))], mine
    assert "“## 处置措施”一节没有报送员自己写的内容" in mine[1]["message"]


def test_r407_leaves_ordinary_brackets_and_written_sections_alone(root):
    body = ("\n## 基本情况\n\n（一）货车起火，损失约（万元）待核。【续】\n\n## 事件经过\n\n### 发现\n\n司机报警。\n\n"
            "## 处置措施\n\n扑灭。\n")
    path = write_good(root, "incident", body=body, title="（续）城东收费站火情", location="城东（收费站）")
    assert codes_of(root, path) == []


# --- R5xx: sign-off, secrecy, personal data, HTML, feedback ------------------------------

@pytest.mark.parametrize(("key", "word"), [("reviewed_by", "审核人"), ("approved_by", "签发人")])
def test_r501_missing_signoff(root, key, word):
    path = write_good(root, "info", drop=(key,))
    only(root, path, "R501", line_containing(path, "author:"), word, "刘洋", "draft: true")


def test_r501_not_for_a_draft(root):
    path = write_good(root, "info", drop=("reviewed_by", "approved_by"), draft=True)
    assert codes_of(root, path) == []


def test_r502_reviewer_not_a_leader(root):
    path = write_good(root, "info", reviewed_by="赵磊")
    only(root, path, "R502", line_containing(path, "reviewed_by:"), "赵磊", "领导")


def test_r502_author_signs_off_own_report(root):
    path = write_good(root, "info", author="刘洋", approved_by="刘洋")
    only(root, path, "R502", line_containing(path, "approved_by:"), "执笔人", "另一位领导")


@pytest.mark.parametrize("title", ["机密★1年 关于火情的报告", "【绝密】火情报告"])
def test_r503_secret_mark_in_title(root, title):
    path = write_good(root, "info", title=title)
    only(root, path, "R503", line_containing(path, "title:"), "涉密渠道")


@pytest.mark.parametrize("mark_line", ["密级：秘密", "机密★1年", "绝密"])
def test_r503_secret_mark_in_body(root, mark_line):
    front, body = good_report("info")
    path = write_report(root, UNIT, "2026-11-good-info", front, "\n" + mark_line + body)
    only(root, path, "R503", line_containing(path, mark_line), "删除")


def test_r503_classification_secret(root):
    path = write_good(root, "info", classification="秘密")
    _, mine = of(root, path)
    assert "R503" in [f["code"] for f in mine]
    assert [f["line"] for f in mine if f["code"] == "R503"] == [line_containing(path, "classification:")]


def test_r503_not_for_the_word_in_a_sentence(root):
    front, body = good_report("info")
    path = write_report(root, UNIT, "2026-11-good-info", front, body + "要求全体人员严守工作秘密。\n")
    assert codes_of(root, path) == []


@pytest.mark.parametrize(("text", "column"), [
    ("联系人身份证号 11010519491231002X。", 9),
    ("联系电话 13812345678。", 6),
    ("联系电话 138-1234-5678。", 6),
])
def test_r504_personal_data_in_an_internal_report(root, text, column):
    front, body = good_report("info")
    path = write_report(root, UNIT, "2026-11-good-info", front, body + text + "\n")
    only(root, path, "R504", line_containing(path, text), "打码", "restricted", column=column)


@pytest.mark.parametrize(("text", "column"), [
    ("联系电话１３８１２３４５６７８。", 5),  # typed with the input method in full-width mode
    ("身份证号１１０１０５１９４９１２３１００２Ｘ。", 5),
])
def test_r504_personal_data_in_full_width_digits(root, text, column):
    """A mobile number in full-width digits was published in an internal report without a word."""
    front, body = good_report("info")
    path = write_report(root, UNIT, "2026-11-good-info", front, body + text + "\n")
    only(root, path, "R504", line_containing(path, text), "restricted", column=column)


@pytest.mark.parametrize(("key", "written"), [
    ("tags", "[13812345678]"),
    ("target", "13812345678"),  # unquoted: YAML reads digits as a number
    ("title", "110105194912310011"),  # an ID number whose check code is a digit
])
def test_r504_personal_data_written_as_a_bare_number_in_front_matter(root, key, written):
    """tags: [13812345678] or target: 13812345678 (a number to YAML) escaped R504 and was published."""
    from helpers_org import front_text

    front, body = good_report("inspection")
    front[key] = "@@"
    path = write_report(root, UNIT, "2026-11-good-inspection", front_text(front).replace('"@@"', written), body)
    only(root, path, "R504", line_containing(path, f"{key}:"), key)


def test_r504_personal_data_in_the_file_name(root):
    """The file name is the report's id and address on the site: a mobile number in it is published."""
    front, body = good_report("info")
    path = write_report(root, UNIT, "2026-11-18-联系13812345678", front, body)
    only(root, path, "R504", 1, "文件名")


def test_r504_personal_data_in_front_matter(root):
    path = write_good(root, "incident", location="城东收费站（值班电话 13812345678）")
    only(root, path, "R504", line_containing(path, "location:"), "location")


def test_r504_body_prefilter_finds_exactly_what_its_plain_form_finds():
    """The quick test whether a body may hold personal data is "1[3-9]\\d|\\d{17}|[０-９]" written another way:
    the same strings pass it (bodies without it are not searched further)."""
    import random

    from generator.rules.safety import _MAYBE_PERSONAL

    plain = re.compile(r"1[3-9]\d|\d{17}|[０-９]")
    rnd = random.Random(504)
    alphabet = "0123456789１３９x年 \n٣"  # ASCII, full-width and Arabic-Indic digits among others
    for _ in range(50_000):
        text = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 24)))
        assert (plain.search(text) is None) == (_MAYBE_PERSONAL.search(text) is None), text
    assert _MAYBE_PERSONAL.search("电话 13812345678") and _MAYBE_PERSONAL.search("110105194912310011")
    assert not _MAYBE_PERSONAL.search("2026 年 12 月，损失 1.5 万元，12 人")


def test_r504_allowed_in_a_restricted_report(root):
    front, body = good_report("info")
    front["classification"] = "restricted"
    path = write_report(root, UNIT, "2026-11-good-info", front, body + "身份证 11010519491231002X，电话 13812345678。\n")
    assert codes_of(root, path) == []


def test_r504_not_for_an_18_digit_number_with_a_bad_check_digit(root):
    front, body = good_report("info")
    path = write_report(root, UNIT, "2026-11-good-info", front, body + "合同编号 110105194912310021。\n")
    assert codes_of(root, path) == []


@pytest.mark.parametrize(("html", "word"), [
    ("<script>alert(1)</script>", "script"),
    ('<iframe src="http://example.com"></iframe>', "iframe"),
    ('<img src="a.png" onclick="steal()">', "onclick"),
    ("[点这里](javascript:alert(1))", "javascript"),
    ('<a href="javascript:alert(1)">链接</a>', "javascript"),
    ("<object data=\"x.swf\"></object>", "object"),
])
def test_r505_active_html(root, html, word):
    front, body = good_report("info")
    path = write_report(root, UNIT, "2026-11-good-info", front, body + "\n" + html + "\n")
    only(root, path, "R505", line_containing(path, html), word, "Markdown")


def test_r505_not_for_plain_markup_or_the_words(root):
    front, body = good_report("info")
    extra = "\n<b>加粗</b> 和 [链接](https://example.com)；JavaScript: 一种语言；onclick 是一个词。\n"
    path = write_report(root, UNIT, "2026-11-good-info", front, body + extra)
    assert codes_of(root, path) == []


def test_r506_feedback_from_a_unit_not_in_feedback_units(root):
    path = write_good(root, "feedback", unit=UNIT, author="赵磊", reviewed_by="陈静", approved_by="刘洋")
    assert path.parent.parent.name == UNIT
    only(root, path, "R506", line_containing(path, "unit:"), UNIT, "bangongshi", "办公室")


# --- more edges ------------------------------------------------------------------------------

def test_r201_missing_type_lists_the_types(root):
    path = write_good(root, "info", drop=("type",))
    only(root, path, "R201", 1, "type", "incident（突发事件）")


def test_r203_a_date_where_a_time_is_needed(root):
    path = write_good(root, "info", reported_at="2026-11-18")
    only(root, path, "R203", line_containing(path, "reported_at:"), "2026-11-27 09:30")


def test_r108_year_is_judged_in_the_org_timezone(root):
    # 2025-12-31 17:00 UTC is 2026-01-01 01:00 in Shanghai: the 2026 folder is right
    path = write_good(root, "info", "2026-01-01-元旦", reported_at="2025-12-31T17:00:00Z")
    assert codes_of(root, path) == []
    path = write_good(root, "info", "2026-01-01-元旦", reported_at="2025-12-31T15:00:00Z")
    only(root, path, "R108", line_containing(path, "reported_at:"), "2025")


def test_r302_follow_up_reported_before_its_first_report(root):
    path = write_good(root, "incident", "2026-11-20-续报", stage="续报", follows=INCIDENT_ID,
                      reported_at="2026-11-20 09:30", occurred_at="2026-11-20 09:00")
    only(root, path, "R302", line_containing(path, "follows:"), "收费站火情初报")


def test_r402_vague_word_in_the_title(root):
    path = write_good(root, "info", title="可能发生的险情")
    only(root, path, "R402", line_containing(path, "title:"), "可能")


@pytest.mark.parametrize(("target", "word"), [("feedback", "另一条批示"), ("draft", "草稿")])
def test_r403_feedback_on_feedback_or_a_draft(root, target, word):
    if target == "draft":
        write_good(root, "info", "2026-11-18-草稿", draft=True)
        on = f"{UNIT}/2026/2026-11-18-草稿"
    else:
        on = "bangongshi/2026/2026-11-good-feedback"
    path = write_good(root, "feedback", "2026-11-21-再批示", on=on, reported_at="2026-11-21 10:00")
    only(root, path, "R403", line_containing(path, "on:"), word)


def test_r502_reviewer_may_also_approve(root):
    path = write_good(root, "info", reviewed_by="刘洋", approved_by="刘洋")
    assert codes_of(root, path) == []


def test_r506_no_feedback_units_at_all(tmp_path):
    make_org(tmp_path, feedback_units=[])
    write_good(tmp_path, "incident")
    path = write_good(tmp_path, "feedback")
    only(tmp_path, path, "R506", line_containing(path, "unit:"), "未设置")


def test_r306_week_53_exists_only_in_long_years(root):
    path = write_good(root, "weekly", "2026-W53", period="2026-W53", reported_at="2026-12-31 10:00")
    assert "R203" not in codes_of(root, path, as_of="2027-01-05 10:00")
    path = write_good(root, "weekly", "2026-W53", period="2025-W53", reported_at="2026-01-02 10:00")
    assert "R203" in codes_of(root, path)
