"""``shangbao check`` (SPEC §6): exit codes, --strict, the three output formats, sorting, PATHS,
and ``python -m generator``."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers_org import (
    AS_OF,
    INCIDENT_ID,
    UNIT,
    check,
    good_report,
    make_org,
    rel,
    run,
    write_all_good,
    write_good,
    write_report,
)

from generator.cli import main

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def root(tmp_path: Path) -> Path:
    make_org(tmp_path)
    write_all_good(tmp_path)
    return tmp_path


def vague(root: Path, name: str = "2026-11-18-b-模糊") -> Path:
    """A report whose only finding is the warning R402."""
    front, body = good_report("info")
    return write_report(root, UNIT, name, front, body + "据说有人受伤。\n")


def broken(root: Path, name: str = "2026-11-18-a-缺标题") -> Path:
    """A report whose only finding is the error R201."""
    return write_good(root, "info", name, drop=("title",))


def late(root: Path) -> Path:
    """An incident 初报 reported 3 h after it occurred: the notice R303 only."""
    return write_good(root, "incident", "2026-11-20-迟报", occurred_at="2026-11-20 07:00")


# --- exit codes ----------------------------------------------------------------------------

def test_exit_0_when_clean(root):
    result = run(root, "check", "--as-of", AS_OF)
    assert result.exit_code == 0
    assert "全部符合要求" in result.stdout and "10 个文件" in result.stdout


def test_exit_1_on_an_error(root):
    broken(root)
    assert check(root)[0] == 1


def test_exit_0_with_a_warning_and_1_with_strict(root):
    vague(root)
    code, findings = check(root)
    assert code == 0 and [f["code"] for f in findings] == ["R402"]
    assert check(root, "--strict")[0] == 1


def test_a_notice_never_fails_even_with_strict(root):
    late(root)
    code, findings = check(root, "--strict")
    assert code == 0 and [(f["code"], f["severity"]) for f in findings] == [("R303", "notice")]


def test_exit_2_on_an_unknown_key_in_the_org_file(root):
    org = root / "submissions" / "_org.yml"
    text = org.read_text(encoding="utf-8") + "colour: red\n"
    org.write_text(text, encoding="utf-8")
    result = run(root, "check")
    assert result.exit_code == 2
    assert f"submissions/_org.yml:{text.count(chr(10))}: colour:" in result.stderr
    assert "未知" in result.stderr


def test_exit_2_on_a_path_that_does_not_exist(root):
    result = run(root, "check", str(root / "submissions" / UNIT / "2026" / "没有这个文件.md"))
    assert result.exit_code == 2 and "没有这个文件.md" in result.stderr and result.stdout == ""


def test_exit_2_outside_a_reports_repository(tmp_path):
    result = run(tmp_path, "check")
    assert result.exit_code == 2 and "submissions/" in result.stderr


def test_exit_2_on_a_bad_as_of(root):
    result = run(root, "check", "--as-of", "昨天")
    assert result.exit_code == 2 and "--as-of" in result.output


# --- formats ---------------------------------------------------------------------------------

def test_json_objects_have_exactly_the_spec_keys_and_relative_paths(root):
    path = broken(root)
    vague(root)
    result = run(root, "check", "--format", "json", "--as-of", AS_OF)
    findings = json.loads(result.stdout)
    assert len(findings) == 2
    for f in findings:
        assert set(f) == {"path", "line", "column", "code", "severity", "message"}
        assert not f["path"].startswith("/") and str(root) not in f["path"]
        assert f["path"].startswith("submissions/") and "\\" not in f["path"]
        assert isinstance(f["line"], int) and isinstance(f["column"], int)
        assert f["severity"] in ("error", "warning", "notice")
    assert findings[0]["path"] == rel(root, path) and findings[0]["code"] == "R201"


def test_json_is_an_empty_array_when_clean(root):
    result = run(root, "check", "--format", "json", "--as-of", AS_OF)
    assert json.loads(result.stdout) == [] and result.exit_code == 0


def test_github_annotations(root):
    path = broken(root)
    vague(root)
    late(root)
    result = run(root, "check", "--format", "github", "--as-of", AS_OF)
    lines = result.stdout.strip().split("\n")
    assert len(lines) == 3
    pattern = re.compile(r"^::(error|warning|notice) file=([^,]+),line=(\d+),col=(\d+),title=([^:]+)::(.+)$")
    parsed = [pattern.match(line) for line in lines]
    assert all(parsed), lines
    by_level = {m.group(1): m for m in parsed}
    assert set(by_level) == {"error", "warning", "notice"}
    assert by_level["error"].group(2) == rel(root, path)
    assert by_level["error"].group(5).startswith("R201")
    assert lines[[m.group(1) for m in parsed].index("error")].startswith(f"::error file={rel(root, path)},line=1,")
    assert result.exit_code == 1


def test_text_format_and_count_line(root):
    path = broken(root)
    vague_path = vague(root)
    result = run(root, "check", "--as-of", AS_OF)
    lines = result.stdout.strip().split("\n")
    assert lines[0].startswith(f"{rel(root, path)}:1:1: R201 错误：")
    assert re.match(rf"^{re.escape(rel(root, vague_path))}:\d+:\d+: R402 警告：.*据说", lines[1])
    assert lines[-1] == "检查了 12 个文件，发现 2 条：错误 1，警告 1"
    assert result.exit_code == 1


def test_text_labels_notices_as_the_site_does(root):
    late = write_good(root, "weekly", "2026-W46-迟报", period="2026-W46", reported_at="2026-11-18 09:00")
    result = run(root, "check", "--as-of", AS_OF)
    lines = result.stdout.strip().split("\n")
    assert any(line.startswith(f"{rel(root, late)}:") and " R303 提示：迟报" in line for line in lines), lines
    assert lines[-1].endswith("：提示 1")
    assert result.exit_code == 0


def test_findings_are_sorted_by_path_then_line(root):
    write_good(root, "info", "b-第二个", drop=("title",), reviewed_by="赵磊")  # R201 line 1, R502 later
    write_good(root, "info", "a-第一个", deaths=1)  # R202
    vague(root, "c-第三个")
    _, findings = check(root)
    keys = [(f["path"], f["line"], f["column"]) for f in findings]
    assert keys == sorted(keys) and len(findings) == 4
    assert [f["path"].split("/")[-1] for f in findings] == ["a-第一个.md", "b-第二个.md", "b-第二个.md", "c-第三个.md"]


# --- PATHS -------------------------------------------------------------------------------------

def test_given_paths_only_report_those_files(root):
    one = broken(root, "2026-11-18-一")
    broken(root, "2026-11-18-二")
    code, findings = check(root, str(one))
    assert code == 1 and [f["path"] for f in findings] == [rel(root, one)]
    result = run(root, "check", "--as-of", AS_OF, str(one))
    assert "检查了 1 个文件" in result.stdout


def test_given_paths_still_resolve_follows_against_the_whole_repository(root):
    follow_up = write_good(root, "incident", "2026-11-20-续报", stage="续报", follows=INCIDENT_ID,
                           reported_at="2026-11-20 14:00")
    code, findings = check(root, str(follow_up))
    assert (code, findings) == (0, [])
    broken(root)  # an error elsewhere is not reported
    feedback = root / "submissions" / "bangongshi" / "2026" / "2026-11-good-feedback.md"
    assert check(root, str(feedback)) == (0, [])


def test_given_paths_still_see_duplicates_elsewhere(root):
    second = write_good(root, "weekly", "2026-W47-周报-重复", reported_at="2026-11-23 10:00")
    code, findings = check(root, str(second))
    assert code == 1 and [f["code"] for f in findings] == ["R208"]


def test_a_folder_and_relative_paths(root, monkeypatch):
    one = broken(root)
    other = write_good(root, "info", "x", unit="jiuyuanke", author="吴敏", reviewed_by="周建国",
                       approved_by="周建国", drop=("title",))
    monkeypatch.chdir(root)
    result = CliRunner().invoke(main, ["check", "--format", "json", "--as-of", AS_OF, f"submissions/{UNIT}"])
    assert [f["path"] for f in json.loads(result.stdout)] == [rel(root, one)]
    result = CliRunner().invoke(main, ["check", "--format", "json", "--as-of", AS_OF])
    assert {f["path"] for f in json.loads(result.stdout)} == {rel(root, one), rel(root, other)}


def test_python_dash_m_generator(root):
    broken(root)
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run(
        [sys.executable, "-m", "generator", "--root", str(root), "check", "--format", "json", "--as-of", AS_OF],
        capture_output=True, text=True, encoding="utf-8", env=env, timeout=60,
    )
    assert proc.returncode == 1, proc.stderr
    assert [f["code"] for f in json.loads(proc.stdout)] == ["R201"]
