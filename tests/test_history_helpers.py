"""Real git repositories for the history, receipts and codeowners tests (no mocks of git)."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import subprocess
from pathlib import Path

ORG_YML = """\
organization: 示例县应急管理局
timezone: Asia/Shanghai
feedback_units: [bangongshi]
ledger_since: 2026-01-01
units:
  - id: bangongshi
    name: 办公室
    leaders: [张伟]
    reporters: [李娜]
  - id: anjianke
    name: 安全监管科
    parent: bangongshi
    leaders: [赵敏, 钱进]
    reporters: [王强]
  - id: xiaofang
    name: 消防站
    parent: bangongshi
    leaders: [孙磊]
    reporters: [周洁]
accounts:
  张伟: "@zhangwei"
  赵敏: "@zhaomin"
"""


def git(repo: Path, *args: str, when: str | None = None, who: str = "王强") -> str:
    env = dict(os.environ)
    for key in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"):
        env.pop(key, None)
    env.update({
        "GIT_AUTHOR_NAME": who, "GIT_AUTHOR_EMAIL": "author@example.org",
        "GIT_COMMITTER_NAME": who, "GIT_COMMITTER_EMAIL": "committer@example.org",
        "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1",
    })
    if when:
        env["GIT_AUTHOR_DATE"] = when
        env["GIT_COMMITTER_DATE"] = when
    proc = subprocess.run(["git", *args], cwd=repo, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


def init_repo(path: Path, org: str | None = ORG_YML) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    git(path, "init", "-q", "-b", "main")
    if org is not None:
        (path / "submissions").mkdir(exist_ok=True)
        (path / "submissions" / "_org.yml").write_text(org, encoding="utf-8")
    return path


def commit(repo: Path, message: str, when: str, who: str = "王强") -> str:
    """Stage everything and commit at ``when`` (ISO 8601 with offset); returns the sha."""
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--allow-empty", "-m", message, when=when, who=who)
    return git(repo, "rev-parse", "HEAD")


def report_text(reported_at: str, title: str = "收费站火情", body: str = "正文") -> str:
    return (
        "---\n"
        f"title: {title}\n"
        "type: info\n"
        "unit: anjianke\n"
        "author: 王强\n"
        f"reported_at: {reported_at}\n"
        "reviewed_by: 赵敏\n"
        "approved_by: 钱进\n"
        "---\n\n"
        f"{body}\n"
    )


def write(repo: Path, rel: str, text: str) -> str:
    """Write a file (UTF-8) and return the SHA-256 of its bytes."""
    path = repo / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    data = text.encode("utf-8")
    path.write_bytes(data)
    return hashlib.sha256(data).hexdigest()


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)
