"""``LiveRepository`` (serve): re-reading only the changed files gives what ``load_repository`` gives."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from generator.live_repository import LiveRepository
from generator.repository import Repository, load_repository
from generator.timeparse import parse_as_of

ROOT = Path(__file__).resolve().parents[1]
AS_OF = parse_as_of("2026-11-27 12:00")  # synth.py's as_of


def make_synth(out: Path, reports: int = 300) -> Path:
    """A synthetic repository (every report type, incident chains, feedback) committed with git."""
    if shutil.which("git") is None:
        pytest.fail("git is needed (and installed on CI)")
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "synth.py"), str(out), "--reports", str(reports),
                    "--units", "8", "--seed", "3", "--git"], check=True, stdout=subprocess.DEVNULL)
    # written a minute ago: a file written within the last moments is read again at every refresh
    # (live_repository.RACY_NS), which would hide what these tests look at
    past = time.time_ns() - 60 * 10**9
    for path in (out / "submissions").rglob("*"):
        os.utime(path, ns=(past, past), follow_symlinks=False)
    return out


def _findings(repo: Repository) -> list[tuple]:
    return sorted((f.sort_key(), f.message, f.severity) for f in repo.findings)


def assert_same(live: LiveRepository, root: Path) -> None:
    full = load_repository(root, as_of=AS_OF)
    assert live.repo.as_of == full.as_of
    assert _findings(live.repo) == _findings(full)
    assert [repr(r) for r in live.repo.reports] == [repr(r) for r in full.reports]
    assert live.repo.report_files == full.report_files
    assert live.repo.history_warnings == full.history_warnings


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=测试", "-c", "user.email=t@x", *args], cwd=root, check=True,
                   capture_output=True)


def test_only_changed_files_are_read_again_and_the_result_is_a_full_read(tmp_path):
    root = make_synth(tmp_path / "repo")
    live = LiveRepository(root, AS_OF)
    assert_same(live, root)
    files = sorted((root / "submissions").rglob("*.md"))
    incidents = [f for f in files if "\ntype: incident" in f.read_text(encoding="utf-8").split("\n---", 2)[0]]
    before = {r.path: r for r in live.repo.reports}

    # an edit: that file is read again, every other report is the same object as before
    edited = files[10]
    with open(edited, "a", encoding="utf-8") as fh:
        fh.write("\n补充：现场情况已核实。\n")
    assert live.refresh() is False
    assert_same(live, root)
    rel = edited.relative_to(root).as_posix()
    assert live.repo.by_id[before[rel].id] is not before[rel]
    assert sum(1 for r in live.repo.reports if before.get(r.path) is not r) == 1

    # an added file and a deleted one
    added = edited.with_name("新增的报告.md")
    added.write_text(files[20].read_text(encoding="utf-8").replace("title: ", "title: 新增-", 1), encoding="utf-8")
    files[30].unlink()
    assert live.refresh() is False
    assert_same(live, root)
    assert "新增的报告" in {Path(r.path).stem for r in live.repo.reports}

    # edits that introduce errors: one the file shows alone (R504), one only the others show (R403:
    # its 初报 does not exist)
    with open(files[40], "a", encoding="utf-8") as fh:
        fh.write("\n联系电话 13812345678，身份证 11010519491231002X。\n")
    follow_up = next(f for f in incidents if "\nfollows: " in f.read_text(encoding="utf-8"))
    follow_up.write_text(follow_up.read_text(encoding="utf-8").replace("\nfollows: ", "\nfollows: nowhere/", 1),
                         encoding="utf-8")
    assert live.refresh() is False
    assert_same(live, root)
    codes = {f.code for f in live.repo.errors}
    assert {"R504", "R403"} <= codes

    # deleting a 初报 gives its follow-ups an error though they did not change
    followed = {r.follows for r in live.repo.reports if r.type == "incident"}
    head = next(r for r in live.repo.reports if r.type == "incident" and r.id in followed)
    (root / head.path).unlink()
    assert live.refresh() is False
    assert_same(live, root)

    # a commit moves HEAD: received times change, everything is read again
    _git(root, "add", "-A")
    _git(root, "commit", "-qm", "修改")
    assert live.refresh() is True
    assert_same(live, root)
