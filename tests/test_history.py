"""git as the ledger: received times, revisions, renames, shallow clones, the cache."""

from __future__ import annotations

import datetime as dt
import hashlib
import subprocess
import zoneinfo
from pathlib import Path

import pytest
from test_history_helpers import at, commit, git, init_repo, report_text, write

from generator import history as H
from generator.config import load_org
from generator.model import Report

TZ = zoneinfo.ZoneInfo("Asia/Shanghai")
R1 = "submissions/anjianke/2026/2026-11-20-收费站火情.md"


def make_report(path: str, reported_at: dt.datetime | None) -> Report:
    rid = path[len("submissions/"):-3]
    report = Report(id=rid, path=path, folder_unit=rid.split("/")[0], meta={}, key_lines={}, body="", body_line=1)
    report.reported_at = reported_at
    return report


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return init_repo(tmp_path / "repo")


def test_received_time_commit_and_hash_are_those_of_the_first_commit(repo: Path) -> None:
    first_sha256 = write(repo, R1, report_text("2026-11-20 09:00"))
    c1 = commit(repo, "安全监管科：收费站火情初报", "2026-11-20T09:10:00+08:00", who="王强")
    write(repo, R1, report_text("2026-11-20 09:00", body="补充伤亡情况"))
    c2 = commit(repo, "补充伤亡情况", "2026-11-20T15:30:00+08:00", who="赵敏")

    hist = H.read_history(repo)
    assert hist.available and not hist.shallow and hist.warnings == []
    entry = hist.files[R1]
    assert entry.received_at == at("2026-11-20T09:10:00+08:00")
    assert entry.received_at.tzinfo is not None
    assert entry.received_commit == c1
    assert entry.received_sha256 == first_sha256
    # revisions newest first: commit and time only (git metadata is not report content)
    assert [r.commit for r in entry.revisions] == [c2, c1]
    assert entry.revisions[0].time == at("2026-11-20T15:30:00+08:00")
    assert not hasattr(entry.revisions[0], "message") and not hasattr(entry.revisions[0], "committer")
    # only files under submissions/ that are committed; _org.yml is there too
    assert set(hist.files) == {R1, "submissions/_org.yml"}


def test_three_revisions_newest_first(repo: Path) -> None:
    shas = []
    for i, when in enumerate(["2026-11-20T09:00:00+08:00", "2026-11-21T09:00:00+08:00", "2026-11-22T09:00:00+08:00"]):
        write(repo, R1, report_text("2026-11-20 08:55", body=f"第 {i} 版"))
        shas.append(commit(repo, f"第 {i} 版", when))
    entry = H.read_history(repo).files[R1]
    assert [r.commit for r in entry.revisions] == shas[::-1]
    assert entry.received_at == at("2026-11-20T09:00:00+08:00")


def test_uncommitted_report_has_no_entry_and_keeps_reported_at(repo: Path) -> None:
    commit(repo, "花名册", "2026-11-01T08:00:00+08:00")
    write(repo, R1, report_text("2026-11-20 09:00"))
    git(repo, "add", R1)  # staged but not committed
    hist = H.read_history(repo)
    assert R1 not in hist.files
    report = make_report(R1, at("2026-11-20T09:00:00+08:00"))
    H.apply_history([report], hist, load_org(repo))
    assert report.received_at is None and report.received == report.reported_at
    assert H.backdated_by(report) is None


def test_backdated_report_is_measured_and_small_gaps_are_not(repo: Path) -> None:
    late = "submissions/anjianke/2026/2026-11-20-补报.md"
    prompt = "submissions/anjianke/2026/2026-11-20-按时.md"
    write(repo, late, report_text("2026-11-20 08:00"))
    write(repo, prompt, report_text("2026-11-20 09:45"))
    commit(repo, "两份报告", "2026-11-20T10:10:00+08:00")
    org = load_org(repo)
    reports = [make_report(late, at("2026-11-20T08:00:00+08:00")),
               make_report(prompt, at("2026-11-20T09:45:00+08:00"))]
    H.apply_history(reports, H.read_history(repo), org)
    assert reports[0].received_at == at("2026-11-20T10:10:00+08:00")
    assert H.backdated_by(reports[0]) == dt.timedelta(hours=2, minutes=10)
    assert H.backdated_by(reports[1]) is None  # 25 minutes is within the tolerance
    from generator.repository import CheckContext
    from generator.rules import RULES

    ctx = CheckContext(org, at("2026-11-27T12:00:00+08:00"), {}, {})
    ((_, _, fields),) = RULES["R305"].check(reports[0], ctx)
    message = RULES["R305"].message.format(**fields)
    assert "2026-11-20 08:00" in message and "2026-11-20 10:10" in message and "2 小时 10 分钟" in message


def test_reports_before_ledger_since_keep_reported_at_as_received(repo: Path) -> None:
    old = "submissions/anjianke/2025/2025-06-01-旧档.md"
    sha = write(repo, old, report_text("2025-06-01 10:00"))
    c = commit(repo, "导入 2025 年旧档", "2026-03-01T10:00:00+08:00")
    report = make_report(old, at("2025-06-01T10:00:00+08:00"))
    H.apply_history([report], H.read_history(repo), load_org(repo))
    assert report.received_at is None
    assert report.received == report.reported_at
    assert report.received_commit == c and report.received_sha256 == sha
    assert len(report.revisions) == 1
    assert H.backdated_by(report) is None


def test_rename_keeps_the_original_received_time(repo: Path) -> None:
    sha = write(repo, R1, report_text("2026-11-20 09:00", body="火情概况。" * 40))
    c1 = commit(repo, "初报", "2026-11-20T09:05:00+08:00")
    renamed = "submissions/anjianke/2026/2026-11-20-收费站火灾初报.md"
    git(repo, "mv", R1, renamed)
    commit(repo, "改名", "2026-11-21T09:00:00+08:00")
    # moved again and edited a little in the same commit (similar content is still a rename)
    moved = "submissions/xiaofang/2026/收费站火灾.md"
    (repo / moved).parent.mkdir(parents=True)
    git(repo, "mv", renamed, moved)
    write(repo, moved, report_text("2026-11-20 09:00", body="火情概况。" * 40 + "\n续：已扑灭"))
    c3 = commit(repo, "移交消防站并补充", "2026-11-22T09:00:00+08:00")

    hist = H.read_history(repo)
    assert R1 not in hist.files and renamed not in hist.files
    entry = hist.files[moved]
    assert entry.received_at == at("2026-11-20T09:05:00+08:00")
    assert entry.received_commit == c1 and entry.received_sha256 == sha
    assert len(entry.revisions) == 3 and entry.revisions[0].commit == c3


def test_chinese_paths_come_out_raw(repo: Path) -> None:
    path = "submissions/anjianke/2026/二〇二六年 第48周 周报（安全监管科）.md"
    write(repo, path, report_text("2026-11-27 10:00"))
    commit(repo, "周报", "2026-11-27T10:01:00+08:00")
    hist = H.read_history(repo)
    assert path in hist.files
    assert not any("\\" in p or p.startswith('"') for p in hist.files)


def test_deleted_and_restored_report_keeps_its_receipt_but_a_new_file_does_not(repo: Path) -> None:
    other = "submissions/anjianke/2026/另一份.md"
    write(repo, R1, report_text("2026-11-20 09:00"))
    write(repo, other, report_text("2026-11-20 09:00", title="另一份"))
    commit(repo, "两份", "2026-11-20T09:05:00+08:00")
    (repo / R1).unlink()
    (repo / other).unlink()
    commit(repo, "误删", "2026-11-21T09:00:00+08:00")
    git(repo, "checkout", "HEAD~1", "--", R1)  # restored exactly as it was
    write(repo, other, report_text("2026-11-22 08:00", title="重写的另一份"))
    commit(repo, "恢复", "2026-11-22T09:00:00+08:00")
    hist = H.read_history(repo)
    assert hist.files[R1].received_at == at("2026-11-20T09:05:00+08:00")
    assert hist.files[other].received_at == at("2026-11-22T09:00:00+08:00")


def test_report_added_on_a_merged_branch(repo: Path) -> None:
    commit(repo, "花名册", "2026-11-01T08:00:00+08:00")
    git(repo, "checkout", "-q", "-b", "report")
    write(repo, R1, report_text("2026-11-20 09:00"))
    c = commit(repo, "初报", "2026-11-20T09:05:00+08:00")
    git(repo, "checkout", "-q", "main")
    write(repo, "submissions/xiaofang/2026/周报.md", report_text("2026-11-20 11:00"))
    commit(repo, "消防站周报", "2026-11-20T11:00:00+08:00")
    git(repo, "merge", "-q", "--no-ff", "-m", "合并", "report", when="2026-11-20T12:00:00+08:00")
    entry = H.read_history(repo).files[R1]
    assert entry.received_commit == c
    assert entry.received_at == at("2026-11-20T09:05:00+08:00")


def test_outside_git_and_before_the_first_commit(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    (plain / "submissions").mkdir(parents=True)
    hist = H.read_history(plain)
    assert not hist.available and hist.files == {}
    assert "不是 git 仓库" in hist.warnings[0]
    empty = init_repo(tmp_path / "empty")
    hist = H.read_history(empty)
    assert not hist.available and "还没有任何提交" in hist.warnings[0]
    report = make_report(R1, at("2026-11-20T09:00:00+08:00"))
    H.apply_history([report], hist, None)
    assert report.received == report.reported_at and report.revisions == []


def test_root_below_the_top_of_the_work_tree(tmp_path: Path) -> None:
    top = tmp_path / "top"
    top.mkdir()
    git(top, "init", "-q", "-b", "main")
    root = top / "shangbao"
    (root / "submissions").mkdir(parents=True)
    write(root, R1, report_text("2026-11-20 09:00"))
    write(top, "submissions/不相干.md", "不在 root 下")
    commit(top, "一", "2026-11-20T09:05:00+08:00")
    hist = H.read_history(root)
    assert set(hist.files) == {R1}


def test_shallow_clone_is_detected_and_boundary_files_are_left_out(repo: Path, tmp_path: Path) -> None:
    old = "submissions/anjianke/2026/2026-10-01-旧.md"
    new = "submissions/anjianke/2026/2026-11-27-新.md"
    write(repo, old, report_text("2026-10-01 09:00"))
    commit(repo, "旧", "2026-10-01T09:05:00+08:00")
    write(repo, "submissions/anjianke/2026/2026-11-01-中.md", report_text("2026-11-01 09:00"))
    commit(repo, "中", "2026-11-01T09:05:00+08:00")
    write(repo, new, report_text("2026-11-27 09:00"))
    commit(repo, "新", "2026-11-27T09:05:00+08:00")

    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--depth", "2", repo.resolve().as_uri(), str(clone)],
                   check=True, capture_output=True)
    hist = H.read_history(clone)
    assert hist.shallow and hist.available
    assert any("fetch-depth: 0" in w and "GIT_DEPTH: 0" in w for w in hist.warnings)
    # the boundary commit shows every older file as "added": their received time is unknown
    assert old not in hist.files
    assert hist.files[new].received_at == at("2026-11-27T09:05:00+08:00")

    one = tmp_path / "one"
    subprocess.run(["git", "clone", "-q", "--depth", "1", repo.resolve().as_uri(), str(one)],
                   check=True, capture_output=True)
    hist = H.read_history(one)
    assert hist.shallow and hist.files == {}

    # after unshallowing, the same HEAD must not be answered from the shallow cache
    git(one, "fetch", "-q", "--unshallow")
    hist = H.read_history(one)
    assert not hist.shallow and not hist.from_cache
    assert hist.files[old].received_at == at("2026-10-01T09:05:00+08:00")


def test_cache_hit_on_the_same_head_and_rescan_on_a_new_one(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(repo, R1, report_text("2026-11-20 09:00"))
    commit(repo, "初报", "2026-11-20T09:05:00+08:00")
    first = H.read_history(repo)
    assert not first.from_cache
    cached = list((repo / ".git" / "shangbao").glob("history-*.json"))
    assert [p.name.rsplit("-", 1)[0] for p in cached] == [f"history-{first.head}"]
    assert not (repo / ".shangbao-cache").exists()  # nothing in the working tree

    scans: list[list[str]] = []
    real_scan = H._scan
    monkeypatch.setattr(H, "_scan", lambda root, state, prefix, revs: (scans.append(revs), real_scan(root, state, prefix, revs)))
    again = H.read_history(repo)
    assert again.from_cache and scans == []
    assert again.files == first.files

    # a new commit: only the new commits are read (incremental), and the result equals a full scan
    write(repo, R1, report_text("2026-11-20 09:00", body="续报"))
    write(repo, "submissions/xiaofang/2026/新.md", report_text("2026-11-21 10:00"))
    commit(repo, "续", "2026-11-21T10:05:00+08:00")
    updated = H.read_history(repo)
    assert not updated.from_cache
    assert scans == [[f"{first.head}..{updated.head}"]]
    full = H.read_history(repo, use_cache=False)
    assert updated.files == full.files
    assert len(updated.files[R1].revisions) == 2
    # the old cache file is replaced, and the cache folder ignores itself
    names = [p.name.rsplit("-", 1)[0] for p in (repo / ".git" / "shangbao").glob("history-*.json")]
    assert names == [f"history-{updated.head}"]
    assert git(repo, "status", "--porcelain") == ""


def test_a_few_new_commits_are_read_on_top_of_the_older_cache_each_time(repo: Path, monkeypatch) -> None:
    """check and build (no hashes): a commit or two on top of a cached HEAD are read again from that
    cache on each run rather than written as a new cache of 50,000 files' history; many are written."""
    write(repo, R1, report_text("2026-11-20 09:00"))
    first = commit(repo, "初报", "2026-11-20T09:05:00+08:00")
    H.read_history(repo, hashes=False)
    folder = repo / ".git" / "shangbao"
    write(repo, "submissions/xiaofang/2026/新.md", report_text("2026-11-21 10:00"))
    commit(repo, "新", "2026-11-21T10:05:00+08:00")
    truth = H.read_history(repo, use_cache=False, hashes=False).files
    scans: list[list[str]] = []
    real_scan = H._scan
    monkeypatch.setattr(H, "_scan", lambda root, state, prefix, revs: (scans.append(revs), real_scan(root, state, prefix, revs)))
    for _ in range(2):
        updated = H.read_history(repo, hashes=False)
        assert updated.files == truth and not updated.from_cache
        assert [p.name.rsplit("-", 1)[0] for p in folder.glob("history-*.json")] == [f"history-{first}"]
    assert scans == [[f"{first}..{updated.head}"]] * 2
    monkeypatch.setattr(H, "SAVE_AFTER", 0)  # more commits than that: written as the cache of HEAD
    again = H.read_history(repo, hashes=False)
    assert again.files == updated.files
    assert [p.name.rsplit("-", 1)[0] for p in folder.glob("history-*.json")] == [f"history-{updated.head}"]
    assert H.read_history(repo, hashes=False).from_cache


def test_rewritten_history_is_rescanned_in_full(repo: Path) -> None:
    write(repo, R1, report_text("2026-11-20 09:00"))
    commit(repo, "初报", "2026-11-20T09:05:00+08:00")
    H.read_history(repo)
    write(repo, R1, report_text("2026-11-20 09:00", body="改"))
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--amend", "-m", "初报（改）", when="2026-11-20T09:30:00+08:00")
    amended = git(repo, "rev-parse", "HEAD")
    hist = H.read_history(repo)
    assert not hist.from_cache
    assert hist.files[R1].received_at == at("2026-11-20T09:30:00+08:00")
    assert [r.commit for r in hist.files[R1].revisions] == [amended]


def test_one_git_log_and_one_cat_file_for_many_files(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for i in range(40):
        write(repo, f"submissions/anjianke/2026/报告{i:02d}.md", report_text("2026-11-20 09:00", body=str(i)))
        if i % 10 == 9:
            commit(repo, f"批次 {i}", f"2026-11-2{i // 10}T09:00:00+08:00")
    calls: list[list[str]] = []
    real_popen = subprocess.Popen

    class Popen(real_popen):  # type: ignore[misc, valid-type]
        def __init__(self, cmd, *a, **k):
            calls.append(list(cmd))
            super().__init__(cmd, *a, **k)

    monkeypatch.setattr(subprocess, "Popen", Popen)  # subprocess.run goes through Popen too
    hist = H.read_history(repo, use_cache=False)
    assert len(hist.files) == 41
    assert sum("log" in c for c in calls) == 1
    assert sum("cat-file" in c for c in calls) == 1
    expected = hashlib.sha256((repo / "submissions/anjianke/2026/报告07.md").read_bytes()).hexdigest()
    assert hist.files["submissions/anjianke/2026/报告07.md"].received_sha256 == expected


def test_files_moved_into_and_out_of_submissions(repo: Path) -> None:
    # a report written in a working folder outside submissions/ arrives when it is moved in;
    # one moved out of submissions/ is no longer a report; commits elsewhere change nothing
    write(repo, "草稿/收费站火情.md", report_text("2026-11-20 09:00"))
    write(repo, R1.replace("收费站火情", "旧报告"), report_text("2026-11-19 09:00", title="旧报告"))
    commit(repo, "起草", "2026-11-20T09:00:00+08:00")
    (repo / R1).parent.mkdir(parents=True, exist_ok=True)
    git(repo, "mv", "草稿/收费站火情.md", R1)
    (repo / "归档").mkdir()
    git(repo, "mv", R1.replace("收费站火情", "旧报告"), "归档/旧报告.md")
    moved_in = commit(repo, "报送并归档旧报告", "2026-11-20T11:00:00+08:00")
    write(repo, "README.md", "说明")
    commit(repo, "说明", "2026-11-21T08:00:00+08:00")

    hist = H.read_history(repo, use_cache=False)
    assert set(hist.files) == {R1, "submissions/_org.yml"}
    assert hist.files[R1].received_at == at("2026-11-20T11:00:00+08:00")
    assert hist.files[R1].received_commit == moved_in
    assert [r.commit for r in hist.files[R1].revisions] == [moved_in]


def test_check_reads_no_blobs_and_receipts_fills_the_cache(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sha = write(repo, R1, report_text("2026-11-20 09:00"))
    commit(repo, "初报", "2026-11-20T09:05:00+08:00")
    batches: list[set[str]] = []
    real_hash = H._hash_blobs
    monkeypatch.setattr(H, "_hash_blobs", lambda root, blobs: (batches.append(set(blobs)), real_hash(root, blobs))[1])

    quick = H.read_history(repo, hashes=False)  # what check and build ask for
    assert batches == [] and quick.files[R1].received_sha256 == ""
    assert quick.files[R1].received_at == at("2026-11-20T09:05:00+08:00")
    full = H.read_history(repo)  # receipts: the hashes are read once, then cached
    assert full.from_cache and full.files[R1].received_sha256 == sha and len(batches) == 1
    again = H.read_history(repo)
    assert again.from_cache and again.files[R1].received_sha256 == sha and len(batches) == 1
