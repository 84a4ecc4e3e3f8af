"""Only regular files are read (SPEC §5 R109, §14; issue 12 item 3).

A symlink (to /dev/zero, to a report outside the repository, to a folder), a FIFO or a
device under ``submissions/`` is R109: never opened, never followed, never published; the
check finishes (a FIFO would block it forever). A folder that cannot be read is named (R109),
not silently skipped. ``_org.yml`` as a FIFO or a link is exit 2 with a Chinese message.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers_org import AS_OF, UNIT, check, make_org, run, write_good

SUB = f"submissions/{UNIT}/2026"


def _shangbao(root: Path, *args: str) -> subprocess.CompletedProcess:
    """The command in its own process with a timeout: a FIFO that is opened blocks forever."""
    return subprocess.run([sys.executable, "-I", "-m", "generator", "--root", str(root), *args],
                          capture_output=True, text=True, timeout=60, cwd=root)


def test_links_fifos_and_folder_links_are_r109_never_opened(tmp_path):
    root = make_org(tmp_path / "repo")
    write_good(root, "info")
    folder = root / SUB
    outside = tmp_path / "outside.md"
    outside.write_text((folder / "2026-11-good-info.md").read_text(encoding="utf-8").replace(
        "开展安全生产月宣传", "仓库外的秘密报告"), encoding="utf-8")
    os.symlink("/dev/zero", folder / "zero.md")
    os.symlink(outside, folder / "outside.md")
    os.symlink(tmp_path, root / "submissions" / UNIT / "2025")  # a link to a folder
    os.mkfifo(folder / "pipe.md")
    proc = _shangbao(root, "check", "--format", "json", "--as-of", AS_OF)
    assert "Traceback" not in proc.stderr
    found = json.loads(proc.stdout)
    by_path = {f["path"]: f for f in found if f["code"] == "R109"}
    assert set(by_path) == {f"{SUB}/zero.md", f"{SUB}/outside.md", f"{SUB}/pipe.md", f"submissions/{UNIT}/2025"}
    assert "符号链接" in by_path[f"{SUB}/zero.md"]["message"] and "管道" in by_path[f"{SUB}/pipe.md"]["message"]
    assert all(f["line"] == 1 for f in by_path.values())
    assert proc.returncode == 1
    # never published: the build refuses, and the outside report's title is in no summary or ledger
    result = run(root, "build", "--site-dir", str(tmp_path / "site"), "--as-of", AS_OF)
    assert result.exit_code == 1 and "R109" in result.output
    result = run(root, "summary", "--period", "2026-11", "--format", "json", "--audience", "restricted", "--as-of", AS_OF)
    assert result.exit_code == 0 and "仓库外的秘密报告" not in result.stdout
    proc = _shangbao(root, "receipts", "--format", "json")
    assert proc.returncode == 0 and "仓库外的秘密报告" not in proc.stdout


def test_a_device_node_is_r109(tmp_path):
    root = make_org(tmp_path)
    write_good(root, "info")
    try:
        os.mknod(root / SUB / "null.md", 0o600 | 0o020000, os.makedev(1, 3))  # a character device
    except PermissionError:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip("creating a device node needs root")
    code, found = check(root)
    assert [(f["code"], "设备" in f["message"]) for f in found if f["path"] == f"{SUB}/null.md"] == [("R109", True)]


def test_an_unreadable_unit_folder_is_named(tmp_path, monkeypatch):
    root = make_org(tmp_path)
    write_good(root, "info")
    hidden = root / "submissions" / "jiuyuanke" / "2026"
    hidden.mkdir(parents=True)
    (hidden / "周报.md").write_text("---\ntitle: x\n---\n", encoding="utf-8")
    hidden.chmod(0)
    if os.geteuid() == 0:  # root reads any folder: make os.walk meet the refusal a user would
        real = os.scandir

        def scandir(path="."):
            if Path(os.fsdecode(path)) == hidden:
                raise PermissionError(13, "Permission denied", os.fsdecode(path))
            return real(path)

        monkeypatch.setattr(os, "scandir", scandir)
    try:
        code, found = check(root)
    finally:
        hidden.chmod(0o755)
    named = [f for f in found if f["path"] == "submissions/jiuyuanke/2026"]
    assert code == 1 and [f["code"] for f in named] == ["R109"]
    assert "无法读取" in named[0]["message"] and "不会计入" in named[0]["message"]


def test_org_file_that_is_a_fifo_or_a_link_is_exit_2(tmp_path):
    root = make_org(tmp_path / "repo")
    org = root / "submissions" / "_org.yml"
    org.unlink()
    os.mkfifo(org)
    proc = _shangbao(root, "check", "--as-of", AS_OF)
    assert proc.returncode == 2 and "不是普通文件" in proc.stderr and "Traceback" not in proc.stderr
    org.unlink()
    os.symlink("/dev/zero", org)
    proc = _shangbao(root, "summary", "--period", "2026-11", "--as-of", AS_OF)
    assert proc.returncode == 2 and "符号链接" in proc.stderr and "Traceback" not in proc.stderr


def test_a_link_given_on_the_command_line_is_checked_as_the_link(tmp_path):
    root = make_org(tmp_path)
    good = write_good(root, "info")
    os.symlink(good, root / SUB / "link.md")
    result = run(root, "check", "--format", "json", "--as-of", AS_OF, str(root / SUB / "link.md"))
    found = json.loads(result.stdout)
    assert [(f["path"], f["code"]) for f in found] == [(f"{SUB}/link.md", "R109")]


def test_a_file_over_the_limit_is_never_read_into_memory(tmp_path):
    root = make_org(tmp_path)
    big = root / SUB / "大文件.md"
    big.parent.mkdir(parents=True)
    with open(big, "wb") as fh:  # a sparse 8 GiB file: reading it would exhaust the memory
        fh.truncate(8 << 30)
    code, found = check(root)
    assert [(f["code"], "8.0 GiB" in f["message"] or "8192" in f["message"]) for f in found
            if f["path"] == f"{SUB}/大文件.md"] == [("R107", True)]
    assert code == 1


def test_submissions_itself_a_link_is_r109(tmp_path):
    real = make_org(tmp_path / "elsewhere")
    write_good(real, "info")
    root = tmp_path / "repo"
    root.mkdir()
    os.symlink(real / "submissions", root / "submissions")
    code, found = check(root)
    assert code == 1 and [(f["path"], f["code"]) for f in found] == [("submissions", "R109")]
