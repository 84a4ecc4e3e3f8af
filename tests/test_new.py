"""`shangbao new`: a fresh report whose only findings are the sign-off it still needs."""

from __future__ import annotations

import datetime as dt
import json
import textwrap
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from generator.cli import main
from generator.model import REPORT_TYPES
from generator.newreport import file_name, run_new

TZ = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 25, 10, 7, tzinfo=TZ)  # a Wednesday
# A periodic report is written soon after its period ends (later it would be late, R303).
WRITTEN = {
    "weekly": dt.datetime(2026, 11, 23, 9, 0, tzinfo=TZ),  # Monday: W47
    "monthly": dt.datetime(2026, 11, 2, 9, 0, tzinfo=TZ),  # October
    "quarterly": dt.datetime(2026, 10, 3, 9, 0, tzinfo=TZ),  # Q3
    "annual": dt.datetime(2026, 1, 6, 9, 0, tzinfo=TZ),  # 2025
}

ORG = textwrap.dedent("""\
    organization: 测试县应急管理局
    timezone: Asia/Shanghai
    feedback_units: [bgs]
    units:
      - id: bgs
        name: 办公室
        parent: null
        leaders: [赵主任]
        reporters: [钱干事]
      - id: ajk
        name: 安监股
        parent: bgs
        leaders: [孙股长, 李副股长]
        reporters: [周报送]
        periodic: [weekly, monthly]
        since: 2026-01-01
""")


@pytest.fixture()
def root(tmp_path: Path) -> Path:
    (tmp_path / "submissions").mkdir()
    (tmp_path / "submissions" / "_org.yml").write_text(ORG, encoding="utf-8")
    return tmp_path


def _check(root: Path) -> list[dict]:
    result = CliRunner().invoke(main, ["--root", str(root), "check", "--format", "json", "--as-of", "2026-11-25 12:00"])
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)


@pytest.mark.parametrize("rtype", [t for t in REPORT_TYPES if t != "feedback"])
def test_fresh_report_only_needs_sign_off(root: Path, rtype: str, capsys) -> None:
    unit = "ajk"
    assert run_new(root, rtype, unit, "城东收费站火情", None, now=WRITTEN.get(rtype, NOW)) == 0
    printed = capsys.readouterr().out.strip()
    path = root / printed
    assert path.is_file() and printed.startswith("submissions/ajk/2026/")
    findings = _check(root)
    codes = sorted((f["code"], f["path"]) for f in findings)
    assert printed.endswith(".md")
    assert codes == [("R501", printed), ("R501", printed)], findings
    text = path.read_text(encoding="utf-8")
    assert "孙股长" in text  # the leaders who may sign off are named in the template


def test_feedback_needs_its_target_too(root: Path, capsys) -> None:
    assert run_new(root, "feedback", "bgs", "县长批示", None, now=NOW) == 0
    codes = {f["code"] for f in _check(root)}
    assert codes <= {"R501", "R201", "R403"}, codes  # `on` cannot be known in advance


def test_weekly_covers_last_week_and_is_named_by_period(root: Path, capsys) -> None:
    assert run_new(root, "周报", "ajk", None, None, now=NOW) == 0
    printed = capsys.readouterr().out.strip()
    assert printed == "submissions/ajk/2026/2026-W47-周报.md"
    text = (root / printed).read_text(encoding="utf-8")
    assert "period: 2026-W47" in text.replace("\"", "")
    assert "reported_at: 2026-11-25 10:07" in text
    assert "author: 周报送" in text


def test_refuses_to_overwrite(root: Path, capsys) -> None:
    assert run_new(root, "info", "ajk", "防汛物资清点", None, now=NOW) == 0
    path = root / capsys.readouterr().out.strip()
    path.write_text("已经写好的内容", encoding="utf-8")
    assert run_new(root, "info", "ajk", "防汛物资清点", None, now=NOW) == 1
    assert "已存在" in capsys.readouterr().err
    assert path.read_text(encoding="utf-8") == "已经写好的内容"


def test_unknown_unit_and_type_are_usage_errors(root: Path) -> None:
    runner = CliRunner()
    r = runner.invoke(main, ["--root", str(root), "new", "incident", "--unit", "nope"])
    assert r.exit_code == 2 and "nope" in r.output and "ajk" in r.output
    r = runner.invoke(main, ["--root", str(root), "new", "memo", "--unit", "ajk"])
    assert r.exit_code == 2 and "incident" in r.output


def test_title_with_yaml_characters_stays_readable(root: Path, capsys) -> None:
    title = "通报: 城东#3号车道 [火情]"
    assert run_new(root, "info", "ajk", title, None, now=NOW) == 0
    findings = _check(root)
    assert {f["code"] for f in findings} == {"R501"}
    assert file_name("a/b\\c:d") == "a-b-c-d"
