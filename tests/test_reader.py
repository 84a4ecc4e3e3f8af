"""The reader (generator/reader.py): one file's bytes → a typed Report, or findings with lines."""

from __future__ import annotations

import datetime as dt
import re
import time
from zoneinfo import ZoneInfo

import pytest
from helpers_org import INCIDENT_ID, good_report, make_org, render

from generator.config import load_org
from generator.reader import read_report

PATH = "submissions/anjianke/2026/2026-11-20-收费站火情.md"
TZ = ZoneInfo("Asia/Shanghai")


@pytest.fixture(scope="module")
def org(tmp_path_factory):
    return load_org(make_org(tmp_path_factory.mktemp("org")))


def read(org, text: str | bytes, path: str = PATH):
    data = text.encode("utf-8") if isinstance(text, str) else text
    return read_report(path, data, org)


def test_good_incident_is_typed(org):
    front, body = good_report("incident")
    report, findings = read(org, render(front, body))
    assert findings == []
    assert report.id == "anjianke/2026/2026-11-20-收费站火情" == INCIDENT_ID
    assert report.type == "incident" and report.type_label == "突发事件"
    assert report.reported_at == dt.datetime(2026, 11, 20, 10, 0, tzinfo=TZ)
    assert report.occurred_at.utcoffset() == dt.timedelta(hours=8)
    assert (report.deaths, report.injuries, report.loss) == (0, 1, 5)
    assert report.classification == "internal" and report.draft is False
    assert report.key_lines["title"] == 2 and report.key_lines["stage"] == len(front) + 1
    assert report.body_line == len(front) + 3
    assert [s.title for s in report.sections] == ["基本情况", "事件经过", "处置措施"]
    assert report.sections[0].line == report.body_line + 1


def test_chinese_labels_become_codes(org):
    front, body = good_report("incident")
    front.update(type="突发事件", classification="限定")
    report, findings = read(org, render(front, body))
    assert findings == []
    assert report.type == "incident" and report.classification == "restricted"


def test_offset_times_and_defaults(org):
    front, body = good_report("incident")
    front["reported_at"] = "2026-11-20T02:00:00Z"
    del front["stage"], front["deaths"]
    report, findings = read(org, render(front, body))
    assert findings == []
    assert report.reported_at.astimezone(TZ) == dt.datetime(2026, 11, 20, 10, 0, tzinfo=TZ)
    assert report.stage == "初报" and report.deaths == 0


def test_feedback_on_key_stays_a_string(org):
    front, body = good_report("feedback")
    report, findings = read(org, render(front, body), "submissions/bangongshi/2026/批示.md")
    assert findings == [] and report.on == INCIDENT_ID and "on" in report.key_lines


def test_yes_no_stay_text_and_dates_stay_as_written(org):
    front, body = good_report("info")
    front["title"] = "yes"
    front["tags"] = ["no", "on", "2026-11-20"]
    report, findings = read(org, render(front, body).replace('"yes"', "yes"))
    assert findings == []
    assert report.title == "yes" and report.tags == ["no", "on", "2026-11-20"]


def test_crlf_line_endings_keep_line_numbers(org):
    front, body = good_report("info")
    front["titel"] = "x"
    text = render(front, body).replace("\n", "\r\n")
    report, findings = read(org, text)
    assert [(f.code, f.line) for f in findings] == [("R202", len(front) + 1)]
    assert report.body_line == len(front) + 3


def test_headings_inside_code_blocks_are_not_sections(org):
    front, body = good_report("task")
    body = body + "\n```\n## 不是章节\n```\n\n### 三级标题\n\n## 附件 ##\n"
    report, _ = read(org, render(front, body))
    assert [s.title for s in report.sections] == ["落实情况", "附件"]


def test_body_is_everything_after_the_closing_fence(org):
    front, _ = good_report("info")
    text = render(front, "\n正文第一行\n\n---\n\n分隔线之后\n")
    report, findings = read(org, text)
    assert findings == []
    assert "分隔线之后" in report.body and report.body.startswith("\n正文第一行")


def test_closing_with_dots_is_accepted(org):
    front, body = good_report("info")
    text = render(front, body).replace("\n---\n", "\n...\n", 1)
    report, findings = read(org, text)
    assert findings == [] and report.title == front["title"]


def test_gbk_finding_names_the_first_bad_line(org):
    front, body = good_report("info")
    text = render(front, body)
    (finding,) = read(org, text.encode("gb18030"))[1]
    assert finding.code == "R101" and finding.line == 2 and "GBK" in finding.message


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_is_named_as_such(org, encoding):
    """Notepad's and Word's “Unicode” is UTF-16: said so, not called a damaged or binary file."""
    front, body = good_report("info")
    (finding,) = read(org, render(front, body).encode(encoding))[1]
    assert finding.code == "R101" and finding.line == 1 and "UTF-16" in finding.message
    assert "另存为" in finding.message and "UTF-8" in finding.message and "损坏" not in finding.message


def test_bom_then_content(org):
    front, body = good_report("info")
    report, findings = read(org, b"\xef\xbb\xbf" + render(front, body).encode())
    assert [f.code for f in findings] == ["R102"] and report is not None and report.title == front["title"]


def test_size_is_judged_before_decoding(org):
    report, findings = read(org, b"\xff" * (org.file_size_limit + 1))
    assert report is None and [f.code for f in findings] == ["R107"]


@pytest.mark.parametrize("path", [
    "submissions/anjianke/x.md",
    "submissions/anjianke/2026/sub/x.md",
    "submissions/anjianke/26/x.md",
    "submissions/anjianke/2026/x.txt",
    "reports/anjianke/2026/x.md",
])
def test_place_in_the_repository(org, path):
    front, body = good_report("info")
    findings = read(org, render(front, body), path)[1]
    assert [f.code for f in findings] == ["R108"] and findings[0].line == 1


def test_yaml_error_line_is_in_the_file(org):
    text = "---\ntitle: 火情\ntype: info\nunit: [anjianke\nauthor: 赵磊\n---\n"
    report, (finding,) = read(org, text)
    assert report is None and finding.code == "R104"
    assert finding.line >= 4  # not a line of the block (which would be one less)
    assert "方括号" in finding.message


def test_u2028_in_a_value_is_named_at_its_own_line(org):
    front, body = good_report("info")
    front["title"] = "开展安全生产月\u2028宣传"
    text = render(front, body).replace('"开展安全生产月\u2028宣传"', "开展安全生产月\u2028宣传")
    report, findings = read(org, text)
    assert report is None
    assert [(f.code, f.line) for f in findings] == [("R104", 2)]
    assert "U+2028" in findings[0].message


def test_control_character_is_named_at_its_line(org):
    front, body = good_report("info")
    text = render(front, body).replace("type: info", "type: info\x01")
    report, findings = read(org, text)
    assert [(f.code, f.line) for f in findings] == [("R104", 3)]
    assert "控制字符" in findings[0].message


@pytest.mark.parametrize("text", [
    "---\na: &x [1, 2]\nb: *x\n---\n",
    "---\ntitle: !!python/object/apply:os.system ['true']\n---\n",
    "---\ntitle: !custom x\n---\n",
    "---\ntitle: !!timestamp 2026-11-20 火情\n---\n",  # crashed PyYAML's constructor (AttributeError)
    "---\ntags: !!set {a, b}\n---\n",
    "---\n? [a, b]\n: 1\n---\n",  # unhashable key
])
def test_aliases_and_tags_are_refused(org, text):
    report, findings = read(org, text)
    assert report is None and [f.code for f in findings] == ["R104"]


@pytest.mark.parametrize("text", [
    "---\n? [a, b]\n: 1\n---\n",  # unhashable key
    "---\n%YAML 1.1\ntitle: x\n---\n",  # a directive
    "---\ntitle: \"\\x\"\n---\n",  # a broken \\x escape
    "---\ntags: - a\n---\n",  # a list begun on the key's line
    "---\ndeaths: !!int 三\n---\n",  # a tag its value does not fit (Python's ValueError)
])
def test_yaml_errors_are_explained_in_chinese_not_in_the_parsers_english(org, text):
    report, findings = read(org, text)
    assert report is None and [f.code for f in findings] == ["R104"]
    english = re.findall(r"[A-Za-z]{4,}", re.sub(r"YAML|title", "", findings[0].message))  # a key named as an example
    assert not english, findings[0].message


def test_deep_nesting_is_refused_fast(org):
    text = "---\ntitle: " + "[" * 5000 + "]" * 5000 + "\n---\n"
    start = time.perf_counter()
    report, findings = read(org, text)
    assert time.perf_counter() - start < 1
    assert report is None and [f.code for f in findings] == ["R104"]


def test_many_keys_are_refused(org):
    text = "---\n" + "".join(f"k{i}: {i}\n" for i in range(6000)) + "---\n"
    report, findings = read(org, text)
    assert report is None and [f.code for f in findings] == ["R104"]


def test_a_full_width_colon_inside_a_list_item_is_text_not_r105(org):
    front, body = good_report("incident")
    text = render(front, body).replace("---\n", "---\ntags:\n  - COVID：防控\n", 1)
    report, findings = read(org, text)
    assert [f.code for f in findings] == []
    assert report.tags == ["COVID：防控"]
    # at the left margin (or a known key) it is the key's colon, typed in Chinese: R105
    _, findings = read(org, text.replace("tags:\n", "tags：\n", 1))
    assert [f.code for f in findings] == ["R105"] and findings[0].line == 2


def test_a_file_that_is_not_markdown_is_named_not_read(org):
    report, findings = read(org, b"\x89PNG\r\n\x1a\n\x00\x00", "submissions/anjianke/2026/现场照片.png")
    assert report is None
    assert [f.code for f in findings] == ["R108"] and "附件" in findings[0].message
