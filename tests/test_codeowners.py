"""`shangbao codeowners`: the leaders' accounts review their unit's folder; the office the roster."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from test_history_helpers import ORG_YML, init_repo


def run(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "generator", "--root", str(root), "codeowners"],
                          capture_output=True, text=True, encoding="utf-8")


def owners(text: str) -> dict[str, list[str]]:
    out = {}
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            pattern, *people = line.split()
            out[pattern] = people
    return out


def test_each_unit_folder_is_owned_by_its_leaders_and_the_roster_by_the_office(tmp_path: Path) -> None:
    root = init_repo(tmp_path / "repo")
    proc = run(root)
    assert proc.returncode == 0, proc.stderr
    table = owners(proc.stdout)
    assert table["/submissions/bangongshi/"] == ["@zhangwei"]
    assert table["/submissions/anjianke/"] == ["@zhaomin"]  # 钱进 has no account
    assert table["/submissions/_org.yml"] == ["@zhangwei"]
    assert table["*"] == ["@zhangwei"]
    # the roster rule must come after the folder rules (the last matching pattern wins)
    patterns = list(table)
    assert patterns.index("/submissions/_org.yml") > patterns.index("/submissions/bangongshi/")
    assert patterns[0] == "*"
    # a folder whose leaders have no account at all: a comment line, no owners
    assert "/submissions/xiaofang/" not in table
    assert any(line.startswith("# /submissions/xiaofang/") and "孙磊" in line for line in proc.stdout.splitlines())
    # leaders without an account are named on stderr, with the fix
    assert "钱进" in proc.stderr and "孙磊" in proc.stderr and "accounts" in proc.stderr
    assert "张伟" not in proc.stderr and "钱进" not in proc.stdout.replace("# ", "")


def test_accounts_written_without_at_and_a_shared_office(tmp_path: Path) -> None:
    org = ORG_YML.replace('  张伟: "@zhangwei"\n', "  张伟: zhangwei\n  孙磊: sunlei@example.org\n  钱进: \"@qianjin\"\n")
    org = org.replace("feedback_units: [bangongshi]", "feedback_units: [bangongshi, xiaofang]")
    root = init_repo(tmp_path / "repo", org=org)
    proc = run(root)
    assert proc.returncode == 0, proc.stderr
    table = owners(proc.stdout)
    assert table["/submissions/anjianke/"] == ["@zhaomin", "@qianjin"]
    assert table["/submissions/xiaofang/"] == ["sunlei@example.org"]
    assert table["/submissions/_org.yml"] == ["@zhangwei", "sunlei@example.org"]
    assert proc.stderr == ""


def test_configuration_error_exits_2(tmp_path: Path) -> None:
    root = init_repo(tmp_path / "repo", org="organization: x\nunits: 3\n")
    proc = run(root)
    assert proc.returncode == 2 and "units" in proc.stderr


def test_gitea_flavour_uses_regular_expressions(tmp_path: Path) -> None:
    import re

    from generator.codeowners import codeowners
    from generator.config import load_org

    org = load_org(init_repo(tmp_path / "repo"))
    text, warnings = codeowners(org, "gitea")
    rules = {line.split()[0]: line.split()[1:] for line in text.splitlines() if line and not line.startswith("#")}
    assert "*" not in rules  # Gitea adds up every matching rule; a catch-all would bind every file
    assert "\\" not in text

    def owners_of(path: str) -> list[str]:
        return [o for rx, people in rules.items() if re.search(rx, path) for o in people]

    assert owners_of("submissions/anjianke/2026/火情.md") == ["@zhaomin"]
    assert owners_of("submissions/_org.yml") == ["@zhangwei"]
    assert owners_of("submissions/_orgxyml") == []
    assert len(warnings) == 2
