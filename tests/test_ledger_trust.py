"""The ledger cannot be rewritten from the repository (SPEC §14, issue 12 item 5).

Received times come only from commits. A history cache committed to the repository (the
old ``.shangbao-cache/history-<commit>.json`` layout, or any other file) changes nothing in a
fresh clone; the real cache lives inside ``.git/``, is keyed by commit id, and a damaged one
is ignored and rebuilt without a traceback.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from helpers_org import run
from test_history_helpers import at, commit, git, init_repo, report_text, write

from generator import history as H

R1 = "submissions/anjianke/2026/2026-11-20-收费站火情.md"
LATE_COMMIT = "2026-11-20T20:30:00+08:00"  # 11.5 h after reported_at
AS_OF = "2026-11-27 18:00"


def _late_repo(path: Path) -> tuple[Path, str]:
    repo = init_repo(path)
    commit(repo, "花名册", "2026-11-01T08:00:00+08:00")
    write(repo, R1, report_text("2026-11-20 09:00"))
    late = commit(repo, "报送", LATE_COMMIT)
    return repo, late


def _forge(repo: Path, parent: str) -> None:
    """Commit caches claiming the late report arrived at 09:00, in every layout we ever read."""
    blob = git(repo, "rev-parse", f"{parent}:{R1}")
    forged_time = "2026-11-20T09:00:00+08:00"
    old_layout = {
        "key": {"version": 1, "prefix": "", "shallow": []}, "head": parent,
        "records": {R1: {"c": parent, "b": blob, "l": blob, "r": [parent], "live": True}},
        "commits": {parent: [forged_time, "x", "x", "x"]}, "hashes": {},
    }
    new_layout = dict(old_layout, key={"version": H.CACHE_VERSION, "prefix": "", "shallow": []},
                      commits={parent: [forged_time]})
    folder = repo / ".shangbao-cache"
    folder.mkdir()
    (folder / f"history-{parent}.json").write_text(json.dumps(old_layout), encoding="utf-8")
    (folder / "shangbao").mkdir()
    for name in (f"history-{parent}.json", f"history-{parent}-{H._cache_path('', parent, new_layout['key']).name.rsplit('-', 1)[1]}"):
        (folder / "shangbao" / name).write_text(json.dumps(new_layout), encoding="utf-8")
    git(repo, "add", "-f", ".shangbao-cache")
    git(repo, "commit", "-q", "-m", "缓存", when="2026-11-21T08:00:00+08:00")


def _clone(repo: Path, dest: Path) -> Path:
    subprocess.run(["git", "clone", "-q", repo.resolve().as_uri(), str(dest)], check=True, capture_output=True)
    return dest


def test_a_committed_cache_does_not_change_received_times(tmp_path: Path) -> None:
    repo, late = _late_repo(tmp_path / "repo")
    _forge(repo, late)
    fresh = _clone(repo, tmp_path / "fresh")

    hist = H.read_history(fresh)
    assert hist.files[R1].received_at == at(LATE_COMMIT)

    # the user-visible consequences: R305 stays, receipts show the commit's time
    result = run(fresh, "check", "--format", "json", "--as-of", AS_OF)
    found = json.loads(result.stdout)
    assert [f["code"] for f in found if f["path"] == R1] == ["R305"]
    result = run(fresh, "receipts", "--format", "json")
    row = next(r for r in json.loads(result.stdout) if r["path"] == R1)
    assert row["received_at"] == "2026-11-20 20:30" and row["received_commit"] == late


def test_the_cache_lives_inside_git_and_is_keyed_by_commit(tmp_path: Path) -> None:
    repo, late = _late_repo(tmp_path / "repo")
    H.read_history(repo)
    assert git(repo, "status", "--porcelain", "--ignored") == ""  # nothing written to the tree
    cached = list((repo / ".git" / "shangbao").glob("history-*.json"))
    assert len(cached) == 1 and cached[0].name.startswith(f"history-{late}-")
    assert H.read_history(repo).from_cache


DAMAGED = [
    b"",
    b"{",
    b"[]",
    b"null",
    b'{"records": 5}',
    b"\xff\xfe garbage",
    b"[" * 100_000 + b"]" * 100_000,
]


def _damaged_variants(good: dict) -> list[bytes]:
    variants = list(DAMAGED)
    path = next(iter(good["records"]))
    sha = next(iter(good["commits"]))

    def edit(change) -> bytes:
        data = json.loads(json.dumps(good))
        change(data)
        return json.dumps(data).encode()

    variants += [
        edit(lambda d: d.pop("commits")),
        edit(lambda d: d.update(head="0" * 40)),
        edit(lambda d: d["records"][path].pop("c")),
        edit(lambda d: d["records"][path].update(c="f" * 40)),
        edit(lambda d: d["records"][path].update(r="abc")),
        edit(lambda d: d["records"][path].update(live="yes")),
        edit(lambda d: d["commits"].update({sha: ["not a time"]})),
        edit(lambda d: d["commits"].update({sha: [5]})),
        edit(lambda d: d["commits"].update({sha: []})),
        edit(lambda d: d["commits"].update({sha: ["2026-02-30T10:00:00+08:00"]})),  # the form of a time, no date
        edit(lambda d: d["commits"].update({sha: ["2026-11-20T10:00:00"]})),  # no offset
        edit(lambda d: d["records"][path].update(c=["f" * 40])),
        edit(lambda d: d.update(hashes={"x": 5})),
    ]
    return variants


def test_a_damaged_cache_is_ignored_and_rebuilt(tmp_path: Path) -> None:
    repo, late = _late_repo(tmp_path / "repo")
    truth = H.read_history(repo, use_cache=False).files
    H.read_history(repo)
    (cache,) = (repo / ".git" / "shangbao").glob("history-*.json")
    good = json.loads(cache.read_text(encoding="utf-8"))
    for damaged in _damaged_variants(good):
        cache.write_bytes(damaged)
        hist = H.read_history(repo)
        assert not hist.from_cache, damaged[:60]
        assert hist.files == truth, damaged[:60]
        assert H.read_history(repo).from_cache  # rebuilt
    # and through the command line: no traceback, the same findings
    cache.write_bytes(b'{"key": 1}')
    result = run(repo, "check", "--format", "json", "--as-of", AS_OF)
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert [f["code"] for f in json.loads(result.stdout) if f["path"] == R1] == ["R305"]


@pytest.mark.parametrize("layout", ["older", "unrelated"])
def test_an_older_damaged_cache_is_not_used_incrementally(tmp_path: Path, layout: str) -> None:
    repo, late = _late_repo(tmp_path / "repo")
    H.read_history(repo)
    (cache,) = (repo / ".git" / "shangbao").glob("history-*.json")
    data = json.loads(cache.read_text(encoding="utf-8"))
    if layout == "older":
        data["commits"][late] = ["2026-11-20T09:00:00+08:00", "forged"]  # malformed: rebuilt
    else:
        data["head"] = "1" * 40  # names a commit that is not the file's
    cache.write_text(json.dumps(data), encoding="utf-8")
    write(repo, "submissions/anjianke/2026/新.md", report_text("2026-11-22 10:00"))
    commit(repo, "新", "2026-11-22T10:05:00+08:00")
    hist = H.read_history(repo)
    assert hist.files[R1].received_at == at(LATE_COMMIT)


# --- what was received, not only when the file first appeared (outside probe, 2026-12-04) ----------

R2 = "submissions/anjianke/2026/2026-11-20-仓库火情.md"


def _incident(occurred: str, reported: str, draft: bool = False, kind: str = "incident") -> str:
    head = (f"---\ntitle: 仓库火情（初报）\ntype: {kind}\nunit: anjianke\nauthor: 王强\nreported_at: {reported}\n"
            "reviewed_by: 赵敏\napproved_by: 钱进\n")
    if kind == "incident":
        head += (f"occurred_at: {occurred}\nlocation: 城关镇物流仓库\ncategory: 火灾\nseverity: 一般\n"
                 "deaths: 0\ninjuries: 0\nloss: 1.5\nstage: 初报\n")
    if draft:
        head += "draft: true\n"
    return head + "---\n\n## 基本情况\n\n仓库一角起火，已扑灭。\n\n## 处置情况\n\n现场已清理。\n"


def _timeliness(repo: Path) -> tuple[str, list[dict]]:
    from generator.repository import load_repository
    from generator.timeliness import incident_timeliness

    loaded = load_repository(repo, as_of=at("2026-11-27T18:00:00+08:00"))
    report = next(r for r in loaded.reports if r.path == R2)
    findings = [{"code": f.code, "message": f.message} for f in loaded.findings if f.path == R2]
    return incident_timeliness(report, loaded.org), findings


@pytest.mark.parametrize("workers", [False, True])
@pytest.mark.parametrize("first", ["draft", "info"])
def test_a_placeholder_committed_early_does_not_make_a_late_incident_timely(tmp_path: Path, first: str,
                                                                            workers: bool, monkeypatch) -> None:
    """A draft (or an info report) committed at 09:00 and rewritten at 21:00 as the incident of 08:30:
    the incident was received at 21:00 — 瞒报, R305 saying why — not at 09:00 (按时). The same
    when the files are checked on every core (as from 2,000 files on)."""
    from generator import parallel, pool

    if workers:
        monkeypatch.setattr(parallel, "MIN_FILES", 1)
        monkeypatch.setattr(pool, "usable_cores", lambda: 2)
    verdict, findings = _received_then_revised(
        tmp_path / "repo", _incident("2026-11-20 08:30", "2026-11-20 09:00", draft=first == "draft",
                                     kind="incident" if first == "draft" else "info"), "2026-11-20T09:00:00+08:00",
        _incident("2026-11-20 08:30", "2026-11-20 09:00"), "2026-11-20T21:00:00+08:00")
    assert verdict == "concealed", findings
    r305 = [f["message"] for f in findings if f["code"] == "R305"]
    assert len(r305) == 1 and "21:00" in r305[0] and "09:00" in r305[0], findings  # says why


def _received_then_revised(path: Path, first: str, received: str, then: str, revised: str) -> tuple[str, list[dict]]:
    """The report committed as ``first`` at ``received``, then as ``then`` at ``revised``: its timeliness."""
    repo = init_repo(path)
    commit(repo, "花名册", "2026-11-01T08:00:00+08:00")
    write(repo, R2, first)
    commit(repo, "报送", received)
    write(repo, R2, then)
    commit(repo, "修改", revised)
    return _timeliness(repo)


def test_an_occurred_time_moved_later_after_receipt_does_not_make_a_concealed_incident_timely(tmp_path: Path) -> None:
    verdict, findings = _received_then_revised(
        tmp_path / "repo", _incident("2026-11-20 08:00", "2026-11-20 18:01"), "2026-11-20T18:05:00+08:00",
        _incident("2026-11-20 17:00", "2026-11-20 18:01"), "2026-11-21T09:00:00+08:00")  # 10 h 1 min → 1 h 1 min
    assert verdict == "concealed", findings
    r304 = [f["message"] for f in findings if f["code"] == "R304"]
    assert len(r304) == 1 and "08:00" in r304[0] and "17:00" in r304[0], findings  # says why


def test_an_honest_edit_after_receipt_changes_nothing_of_the_receipt(tmp_path: Path) -> None:
    verdict, findings = _received_then_revised(
        tmp_path / "repo", _incident("2026-11-20 08:30", "2026-11-20 09:00"), "2026-11-20T09:05:00+08:00",
        _incident("2026-11-20 08:20", "2026-11-20 09:00"), "2026-11-20T15:00:00+08:00")  # corrected earlier
    assert verdict == "on_time" and not {"R303", "R304", "R305"} & {f["code"] for f in findings}, findings
