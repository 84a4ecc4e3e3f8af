"""`shangbao new`: a fresh report that fails (R407, R501) until its writer fills in what the template marks."""

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


FILLED = {"location": "城东收费站", "subject": "城东化工有限公司", "uscc": "91350100M000100Y43",
          "decision_no": "安监罚〔2026〕12号", "target": "城东化工有限公司", "assigned_by": "孙股长", "by": "赵主任"}


def _fill_in(text: str) -> str:
    """What a writer does: every 【填写说明：…】 replaced by real text, instructions that do not apply deleted."""
    out = []
    for line in text.split("\n"):
        key = line.split(":", 1)[0]
        if "【填写说明" in line and key in FILLED:
            line = f"{key}: {FILLED[key]}"
        elif "不需要时删去本行" in line:
            continue
        elif line.startswith("【填写说明"):
            line = "已核实的实际情况：11 月 24 日 9 时检查企业 3 家。"
        elif line.startswith("reviewed_by:"):
            line = "reviewed_by: 孙股长"
        elif line.startswith("approved_by:"):
            line = "approved_by: 李副股长"
        out.append(line)
    return "\n".join(out)


@pytest.mark.parametrize("rtype", [t for t in REPORT_TYPES if t != "feedback"])
def test_fresh_report_fails_until_every_placeholder_is_filled_in(root: Path, rtype: str, capsys) -> None:
    unit = "ajk"
    assert run_new(root, rtype, unit, "城东收费站火情", "周报送", now=WRITTEN.get(rtype, NOW)) == 0
    printed = capsys.readouterr().out.strip()
    path = root / printed
    assert path.is_file() and printed.startswith("submissions/ajk/2026/") and printed.endswith(".md")
    text = path.read_text(encoding="utf-8")
    assert "孙股长" in text  # the leaders who may sign off are named in the template
    # untouched, it fails: the sign-off, and R407 on every line the template marked for the writer
    findings = _check(root)
    marked = [n for n, line in enumerate(text.split("\n"), start=1) if "【填写说明" in line]
    assert marked, "every template marks what the writer must write"
    assert sorted(f["line"] for f in findings if f["code"] == "R407") == marked, findings
    assert {f["code"] for f in findings} == {"R501", "R407"}, findings
    # filled in as the marks say, it passes even --strict
    path.write_text(_fill_in(text), encoding="utf-8")
    result = CliRunner().invoke(main, ["--root", str(root), "check", "--strict", "--as-of", "2026-11-25 12:00"])
    assert result.exit_code == 0, result.output


def test_untitled_report_gets_a_title_placeholder_and_a_plain_file_name(root: Path, capsys) -> None:
    assert run_new(root, "incident", "ajk", None, "周报送", now=NOW) == 0
    printed = capsys.readouterr().out.strip()
    assert printed == "submissions/ajk/2026/2026-11-25-突发事件.md"
    findings = _check(root)
    assert any(f["code"] == "R407" and f["line"] == 2 and "title" in f["message"] for f in findings), findings


def _git(root: Path, user: str) -> None:
    import subprocess

    subprocess.run(["git", "init", "-q", str(root)], check=True)
    subprocess.run(["git", "-C", str(root), "config", "user.name", user], check=True)


def test_unknown_git_user_is_not_guessed_as_author(root: Path, capsys) -> None:
    _git(root, "外单位的人")
    assert run_new(root, "info", "ajk", "防汛物资清点", None, now=NOW) == 0
    out = capsys.readouterr()
    text = (root / out.out.strip()).read_text(encoding="utf-8")
    author = next(line for line in text.split("\n") if line.startswith("author:"))
    assert "【填写说明" in author and "周报送" in author and "孙股长" in author  # the roster, to choose from
    assert "--author" in out.err and "外单位的人" in out.err
    findings = _check(root)
    assert [f["code"] for f in findings if f["line"] == 5] == ["R407"], findings  # said once, as R407


def test_git_user_in_the_roster_is_the_author(root: Path, capsys) -> None:
    _git(root, "李副股长")
    assert run_new(root, "info", "ajk", "防汛物资清点", None, now=NOW) == 0
    text = (root / capsys.readouterr().out.strip()).read_text(encoding="utf-8")
    assert "author: 李副股长" in text


def test_feedback_needs_its_target_too(root: Path, capsys) -> None:
    assert run_new(root, "feedback", "bgs", "县长批示", "钱干事", now=NOW) == 0
    codes = {f["code"] for f in _check(root)}
    assert codes <= {"R501", "R201", "R403", "R407"}, codes  # `on` cannot be known in advance


def test_weekly_covers_last_week_and_is_named_by_period(root: Path, capsys) -> None:
    assert run_new(root, "周报", "ajk", None, "周报送", now=NOW) == 0
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
    assert run_new(root, "info", "ajk", title, "周报送", now=NOW) == 0
    findings = _check(root)
    assert {f["code"] for f in findings} == {"R501", "R407"}  # the body is still the template's instruction
    assert not any(f["line"] == 2 for f in findings), findings  # the title reads back as written
    assert file_name("a/b\\c:d") == "a-b-c-d"
