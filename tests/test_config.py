"""``submissions/_org.yml`` (SPEC §3): every problem is a ConfigError naming the key and its line,
all problems together, and ``shangbao check`` exits 2 with them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from helpers_org import make_org, run

from generator.config import ConfigError, load_org, parse_duration

BASE = """\
organization: 测试县应急管理局
timezone: Asia/Shanghai
feedback_units: [bangongshi]
units:
  - id: bangongshi
    name: 办公室
    parent: null
    leaders: [张伟]
    reporters: [李娜]
  - id: anjianke
    name: 安监股
    parent: bangongshi
    leaders: [刘洋, 陈静]
    reporters: [赵磊]
    periodic: [weekly, monthly]
    since: 2026-01-01
deadlines:
  incident: {late: 2h, concealed: 10h}
  weekly: 12h
  monthly: 3d
"""


def write_org(tmp_path: Path, text: str) -> Path:
    (tmp_path / "submissions").mkdir(exist_ok=True)
    (tmp_path / "submissions" / "_org.yml").write_text(text, encoding="utf-8")
    return tmp_path


def line_of(text: str, needle: str, nth: int = 1) -> int:
    found = [i for i, line in enumerate(text.split("\n"), start=1) if needle in line]
    return found[nth - 1]


def problems(tmp_path: Path, text: str) -> list[tuple[int, str]]:
    with pytest.raises(ConfigError) as info:
        load_org(write_org(tmp_path, text))
    assert info.value.path == "submissions/_org.yml"
    return info.value.problems


def test_base_file_is_valid(tmp_path):
    org = load_org(write_org(tmp_path, BASE))
    assert list(org.units) == ["bangongshi", "anjianke"]
    assert org.units["anjianke"].parent == "bangongshi"
    assert org.units["anjianke"].since == dt.date(2026, 1, 1)
    assert org.deadlines.incident_late == dt.timedelta(hours=2)
    assert org.deadlines.periodic["monthly"] == dt.timedelta(days=3)
    assert org.feedback_units == ["bangongshi"] and org.timezone_name == "Asia/Shanghai"
    assert org.file_size_limit == 1 << 20


def test_helper_org_is_valid(tmp_path):
    org = load_org(make_org(tmp_path, limits={"file_size": "1KiB"}))
    assert org.file_size_limit == 1024 and org.feedback_units == ["bangongshi"]


def test_unknown_top_level_key(tmp_path):
    text = BASE + "colour: red\n"
    [(line, message)] = problems(tmp_path, text)
    assert line == line_of(text, "colour:")
    assert message.startswith("colour:") and "未知" in message and "organization" in message


def test_unknown_unit_key(tmp_path):
    text = BASE.replace("    name: 安监股\n", "    name: 安监股\n    leader: [刘洋]\n")
    [(line, message)] = problems(tmp_path, text)
    assert line == line_of(text, "leader: [")
    assert "units.anjianke.leader" in message and "leaders" in message


def test_unknown_parent(tmp_path):
    text = BASE.replace("parent: bangongshi", "parent: zongbu")
    [(line, message)] = problems(tmp_path, text)
    assert line == line_of(text, "parent: zongbu")
    assert "units.anjianke.parent" in message and "zongbu" in message and "不存在" in message


def test_duplicate_unit_id(tmp_path):
    text = BASE.replace("  - id: anjianke", "  - id: bangongshi")
    [(line, message)] = problems(tmp_path, text)
    assert line == line_of(text, "- id: bangongshi", nth=2)
    assert "bangongshi" in message and "重复" in message


def test_unknown_parent_after_a_skipped_unit_points_at_the_right_unit(tmp_path):
    # the second unit is skipped (duplicate id); the third's parent must still be found at its own line
    text = BASE.replace("  - id: anjianke", "  - id: bangongshi").replace(
        "deadlines:", "  - id: jiuyuanke\n    name: 救援股\n    parent: zongbu\n    leaders: [周建国]\ndeadlines:")
    found = problems(tmp_path, text)
    assert (line_of(text, "parent: zongbu"), "units.jiuyuanke.parent: 上级单位“zongbu”不存在") in found
    assert len(found) == 2  # and the duplicate id


@pytest.mark.parametrize("value", ["张伟", "[张伟, 3]", "[{姓名: 张伟}]", "{张伟: 局长}", "[张伟, '']"])
def test_leaders_not_a_list_of_names(tmp_path, value):
    text = BASE.replace("leaders: [刘洋, 陈静]", f"leaders: {value}")
    [(line, message)] = problems(tmp_path, text)
    assert line == line_of(text, f"leaders: {value}")
    assert "units.anjianke.leaders" in message and "人名列表" in message


def test_reporters_not_a_list_of_names(tmp_path):
    text = BASE.replace("reporters: [李娜]", "reporters: 李娜 王强")
    [(line, message)] = problems(tmp_path, text)
    assert line == line_of(text, "reporters: 李娜 王强") and "units.bangongshi.reporters" in message


@pytest.mark.parametrize(("old", "new", "key"), [
    ("weekly: 12h", "weekly: 12 小时", "deadlines.weekly"),
    ("monthly: 3d", "monthly: 3", "deadlines.monthly"),
    ("late: 2h", "late: 两小时", "deadlines.incident.late"),
])
def test_bad_duration(tmp_path, old, new, key):
    text = BASE.replace(old, new)
    [(line, message)] = problems(tmp_path, text)
    assert line == line_of(text, new)
    assert message.startswith(key) and ("2h" in message or "12h" in message)


def test_concealed_shorter_than_late_points_at_deadlines(tmp_path):
    text = BASE.replace("concealed: 10h", "concealed: 1h")
    [(line, message)] = problems(tmp_path, text)
    assert "concealed" in message and line in (line_of(text, "deadlines:"), line_of(text, "incident:"))


def test_unknown_limit_key_and_bad_size_point_at_their_lines(tmp_path):
    text = BASE + "limits:\n  file_size: 很大\n  pages: 3\n"
    found = problems(tmp_path, text)
    assert [line for line, _ in found] == [line_of(text, "file_size:"), line_of(text, "pages:")]
    assert found[0][1].startswith("limits.file_size") and found[1][1].startswith("limits.pages")


@pytest.mark.parametrize(("old", "new", "key"), [
    ("timezone: Asia/Shanghai", "timezone: 北京时间", "timezone"),
    ("since: 2026-01-01", "since: 2026年1月1日", "units.anjianke.since"),
    ("periodic: [weekly, monthly]", "periodic: [weekly, 日报]", "units.anjianke.periodic"),
    # written twice, each owed weekly report was counted twice: 漏报 and 应报 doubled
    ("periodic: [weekly, monthly]", "periodic: [weekly, monthly, weekly]", "units.anjianke.periodic"),
    ("feedback_units: [bangongshi]", "feedback_units: [zongbu]", "feedback_units"),
    ("  - id: anjianke", "  - id: AnJianKe", "units.AnJianKe.id"),
    ("  - id: anjianke", "  - id: 3", "units[1].id"),
])
def test_other_problems_name_key_and_line(tmp_path, old, new, key):
    text = BASE.replace(old, new)
    [(line, message)] = problems(tmp_path, text)
    assert line == line_of(text, new) and message.startswith(key), (line, message)


def test_several_problems_reported_together_in_line_order(tmp_path):
    text = (BASE.replace("parent: bangongshi", "parent: zongbu")
            .replace("leaders: [刘洋, 陈静]", "leaders: 刘洋")
            .replace("weekly: 12h", "weekly: 半天")
            + "colour: red\n")
    found = problems(tmp_path, text)
    assert [line for line, _ in found] == sorted([
        line_of(text, "parent: zongbu"), line_of(text, "leaders: 刘洋"),
        line_of(text, "weekly: 半天"), line_of(text, "colour:"),
    ])
    assert [m.split(":")[0] for _, m in found] == [
        "units.anjianke.parent", "units.anjianke.leaders", "deadlines.weekly", "colour"]


def test_yaml_error_in_org_file_has_its_line(tmp_path):
    text = BASE.replace("name: 安监股", "name: 安监股: 二")
    [(line, message)] = problems(tmp_path, text)
    assert line == line_of(text, "安监股: 二") and "引号" in message


def test_aliases_refused_in_org_file(tmp_path):
    text = BASE.replace("leaders: [刘洋, 陈静]", "leaders: &l [刘洋, 陈静]") + "vague_words: *l\n"
    [(line, message)] = problems(tmp_path, text)
    assert "别名" in message


def test_missing_org_file(tmp_path):
    (tmp_path / "submissions").mkdir()
    with pytest.raises(ConfigError) as info:
        load_org(tmp_path)
    assert "_org.yml" in str(info.value)


def test_bom_in_org_file_is_fine(tmp_path):
    write_org(tmp_path, BASE)
    path = tmp_path / "submissions" / "_org.yml"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert load_org(tmp_path).organization == "测试县应急管理局"


@pytest.mark.parametrize(("text", "delta"), [
    ("2h", dt.timedelta(hours=2)), ("30m", dt.timedelta(minutes=30)), ("1d12h", dt.timedelta(days=1, hours=12)),
    ("1d2h5m", dt.timedelta(days=1, hours=2, minutes=5)), ("", None), ("2", None), ("h", None), ("2 h", None),
    (2, None), ("12小时", None),
])
def test_parse_duration(text, delta):
    assert parse_duration(text) == delta


def test_check_exits_2_and_lists_every_problem(tmp_path):
    text = BASE.replace("parent: bangongshi", "parent: zongbu") + "colour: red\n"
    write_org(tmp_path, text)
    result = run(tmp_path, "check")
    assert result.exit_code == 2
    assert f"submissions/_org.yml:{line_of(text, 'parent: zongbu')}: units.anjianke.parent" in result.stderr
    assert f"submissions/_org.yml:{line_of(text, 'colour:')}: colour:" in result.stderr
    assert result.stdout == ""


def test_sample_as_of_is_read_in_the_organisations_timezone(tmp_path):
    org = load_org(write_org(tmp_path, BASE.replace("timezone: Asia/Shanghai", "timezone: Asia/Shanghai\nsample_as_of: 2026-11-27 18:00")))
    assert org.sample_as_of == dt.datetime(2026, 11, 27, 18, 0, tzinfo=org.timezone)
    text = BASE.replace("timezone: Asia/Shanghai", "timezone: Asia/Shanghai\nsample_as_of: 上周五")
    [(line, message)] = problems(tmp_path, text)
    assert line == line_of(text, "sample_as_of:") and message.startswith("sample_as_of") and "2026-11-27 18:00" in message
