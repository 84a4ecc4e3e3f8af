"""`shangbao receipts`: the 回执 ledger as the office opens it (Excel CSV) or a script reads it (JSON)."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

from test_history_helpers import commit, init_repo, report_text, write

FIRE = "submissions/anjianke/2026/2026-11-20-收费站火情.md"
WEEKLY = "submissions/xiaofang/2026/2026-W47-周报.md"
OLD = "submissions/anjianke/2025/2025-06-01-旧档.md"
DRAFT = "submissions/anjianke/2026/2026-11-27-未提交.md"


def shangbao(root: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "generator", "--root", str(root), *args], capture_output=True)


def build_repo(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    repo = init_repo(tmp_path / "repo")
    sha = {}
    sha["fire"] = write(repo, FIRE, report_text("2026-11-20 09:00"))
    sha["old"] = write(repo, OLD, report_text("2025-06-01 10:00", title="旧档"))
    commit(repo, "初报与旧档", "2026-11-20T09:10:00+08:00")
    sha["weekly"] = write(repo, WEEKLY, report_text("2026-11-24 08:00", title="第47周周报"))
    commit(repo, "周报", "2026-11-24T11:00:00+08:00")
    write(repo, FIRE, report_text("2026-11-20 09:00", body="补充：已扑灭"))  # edited after receipt, not committed
    write(repo, DRAFT, report_text("2026-11-27 09:00"))  # never committed
    write(repo, "submissions/anjianke/2026/_模板.md", "不是报告")
    return repo, sha


def test_receipts_csv_opens_in_excel_and_flags_changed_content(tmp_path: Path) -> None:
    repo, sha = build_repo(tmp_path)
    proc = shangbao(repo, "receipts")
    assert proc.returncode == 0, proc.stderr.decode()
    raw = proc.stdout
    assert raw.startswith("\ufeff".encode()), "Excel needs the UTF-8 BOM to show Chinese"
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    by_id = {r["报告编号"]: r for r in rows}
    assert set(by_id) == {
        "anjianke/2026/2026-11-20-收费站火情", "anjianke/2025/2025-06-01-旧档",
        "xiaofang/2026/2026-W47-周报", "anjianke/2026/2026-11-27-未提交",
    }
    fire = by_id["anjianke/2026/2026-11-20-收费站火情"]
    assert fire["报送时间"] == "2026-11-20 09:00"
    assert fire["接收时间"] == "2026-11-20 09:10"
    assert fire["接收时内容 SHA-256"] == sha["fire"]
    assert fire["内容状态"] == "已修改" and fire["当前内容 SHA-256"] != sha["fire"]
    assert len(fire["接收提交"]) == 40

    weekly = by_id["xiaofang/2026/2026-W47-周报"]
    assert weekly["内容状态"] == "一致" and weekly["接收时间"] == "2026-11-24 11:00"
    assert "R305" in weekly["备注"]  # reported 08:00, committed 11:00: backdated

    old = by_id["anjianke/2025/2025-06-01-旧档"]
    assert old["接收时间"] == "2025-06-01 10:00"  # before ledger_since: received = reported_at
    assert old["首次提交时间"] == "2026-11-20 09:10"
    assert "导入" in old["备注"]

    draft = by_id["anjianke/2026/2026-11-27-未提交"]
    assert draft["内容状态"] == "未提交" and draft["接收提交"] == ""
    assert draft["接收时间"] == "2026-11-27 09:00"


def test_receipts_json(tmp_path: Path) -> None:
    repo, sha = build_repo(tmp_path)
    proc = shangbao(repo, "receipts", "--format", "json")
    assert proc.returncode == 0, proc.stderr.decode()
    rows = json.loads(proc.stdout.decode("utf-8"))
    fire = next(r for r in rows if r["id"] == "anjianke/2026/2026-11-20-收费站火情")
    assert fire["received_sha256"] == sha["fire"]
    assert fire["matches"] is False and fire["status"] == "已修改"
    assert fire["received_at"] == "2026-11-20 09:10"
    weekly = next(r for r in rows if r["id"] == "xiaofang/2026/2026-W47-周报")
    assert weekly["matches"] is True and weekly["revisions"] == 1
    assert weekly["path"] == WEEKLY


def test_receipts_outside_git_warns_and_falls_back(tmp_path: Path) -> None:
    root = tmp_path / "plain"
    init_repo(root)
    subprocess.run(["rm", "-rf", str(root / ".git")], check=True)
    write(root, FIRE, report_text("2026-11-20 09:00"))
    proc = shangbao(root, "receipts", "--format", "json")
    assert proc.returncode == 0
    assert "不是 git 仓库" in proc.stderr.decode()
    rows = json.loads(proc.stdout)
    assert rows[0]["received_at"] == "2026-11-20 09:00" and rows[0]["status"] == "无 git 历史"


def test_receipts_on_a_shallow_clone_warns_about_fetch_depth(tmp_path: Path) -> None:
    repo, _ = build_repo(tmp_path)
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--depth", "1", repo.resolve().as_uri(), str(clone)],
                   check=True, capture_output=True)
    proc = shangbao(clone, "receipts")
    assert proc.returncode == 0
    assert "fetch-depth: 0" in proc.stderr.decode()
