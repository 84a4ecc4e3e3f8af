"""The check cache (generator/check_cache.py) must never change what a check finds.

A build keeps, per report file, what reading it and the checks of it alone gave. Whatever the
cache holds — entries of an earlier run, of another ``_org.yml`` or date, damaged, cut short or
forged files — the reports and findings are exactly those of a load without it, on one process
and on several, and a changed file is read again.
"""

from __future__ import annotations

import os
import pickle
import shutil
import subprocess
from pathlib import Path

import pytest
from test_parallel import AS_OF, _fields, _make_repo

from generator import check_cache, parallel
from generator.check_cache import CheckCache
from generator.repository import load_repository
from generator.timeparse import parse_as_of

ROOT = Path(__file__).resolve().parent.parent


def _result(repo) -> tuple:
    return ([f.as_dict() for f in repo.findings], [_fields(r) for r in repo.reports], repo.history_warnings)


def _workers(monkeypatch: pytest.MonkeyPatch, mode: str) -> None:
    if mode == "one":
        monkeypatch.setenv("SHANGBAO_WORKERS", "1")
    else:  # forked workers for a few hundred files, the cache warm or not
        monkeypatch.delenv("SHANGBAO_WORKERS", raising=False)
        monkeypatch.setattr(parallel, "MIN_FILES", 10)
        if parallel.usable_cores() < 2:
            monkeypatch.setattr(parallel, "usable_cores", lambda: 2)
        assert parallel.worth_it(400)
        monkeypatch.setattr(check_cache, "warm", lambda state: False)


def _cached(root: Path, folder: Path, as_of=AS_OF, **kwargs):
    cache = CheckCache(folder)
    repo = load_repository(root, as_of, cache=cache, **kwargs)
    return repo, cache


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    """400 generated reports with errors, warnings and notices of many rules, in git."""
    return _make_repo(tmp_path_factory.mktemp("checkcache"), git=True)


@pytest.fixture
def repo(generated, tmp_path) -> Path:
    out = tmp_path / "repo"
    shutil.copytree(generated, out, symlinks=True)
    return out


@pytest.mark.parametrize("mode", ["one", "forked"])
def test_a_cached_load_finds_exactly_what_an_uncached_one_finds(repo, tmp_path, monkeypatch, mode):
    _workers(monkeypatch, mode)
    plain = load_repository(repo, AS_OF)
    assert {f.severity for f in plain.findings} == {"error", "warning", "notice"}
    assert sum(r.received_at is not None for r in plain.reports) > 300  # the history is in the result
    cold, cache = _cached(repo, tmp_path / "cache")
    assert cache.misses == len(plain.report_files) and cache.hits == 0
    warm, cache = _cached(repo, tmp_path / "cache")
    assert cache.hits == len(plain.report_files) and cache.misses == 0
    assert _result(cold) == _result(plain)
    assert _result(warm) == _result(plain)


def test_the_project_sample_is_the_same_with_the_cache(tmp_path):
    plain = load_repository(ROOT, AS_OF)
    assert plain.findings and plain.reports
    _cached(ROOT, tmp_path / "cache")
    warm, cache = _cached(ROOT, tmp_path / "cache")
    assert cache.hits == len(plain.report_files)
    assert _result(warm) == _result(plain)


@pytest.mark.parametrize("mode", ["one", "forked"])
def test_an_edited_report_is_read_again(repo, tmp_path, monkeypatch, mode):
    _workers(monkeypatch, mode)
    _cached(repo, tmp_path / "cache")
    edited = sorted((repo / "submissions").rglob("*.md"))[3]
    text = edited.read_bytes()
    body = text.index(b"\n---\n", 3) + 5
    word = next(w.encode() for w in ("工作", "情况", "进行", "开展") if w.encode() in text[body:])
    at = text.index(word, body)
    edited.write_bytes(text[:at] + "据说".encode() + text[at + len(word):])  # as long as it was
    assert edited.stat().st_size == len(text)
    warm, cache = _cached(repo, tmp_path / "cache")
    assert cache.misses == 1
    plain = load_repository(repo, AS_OF)
    assert _result(warm) == _result(plain)
    path = edited.relative_to(repo).as_posix()
    assert "R402" in {f.code for f in warm.findings if f.path == path}
    again, cache = _cached(repo, tmp_path / "cache")  # its folder's file was written with the new entry
    assert cache.misses == 0 and cache.hits == len(plain.report_files)
    assert _result(again) == _result(plain)


def _cut_folders(files: list[str]) -> set[str]:
    """The folders whose reports more than one of the forked load's spans hold."""
    spans = parallel.pool.chunks(len(files), 2 * parallel.CHUNKS_PER_WORKER)
    cut = set()
    for start, _ in spans[1:]:
        if files[start - 1].rsplit("/", 1)[0] == files[start].rsplit("/", 1)[0]:
            cut.add(files[start].rsplit("/", 1)[0])
    return cut


@pytest.mark.parametrize("mode", ["one", "forked"])
def test_a_new_and_a_removed_report(repo, tmp_path, monkeypatch, mode):
    _workers(monkeypatch, mode)
    _cached(repo, tmp_path / "cache")
    files = sorted((repo / "submissions").rglob("*.md"))
    cut = _cut_folders(sorted(f.relative_to(repo).as_posix() for f in files))
    assert files[5].parent.relative_to(repo).as_posix() in cut and files[9].parent == files[5].parent
    shutil.copy(files[5], files[5].with_name("copy-" + files[5].name))  # a second report for one period: R208
    files[9].unlink()
    warm, cache = _cached(repo, tmp_path / "cache")
    assert cache.misses == 1
    assert _result(warm) == _result(load_repository(repo, AS_OF))
    again, cache = _cached(repo, tmp_path / "cache")  # a folder cut by the spans: its file written whole
    assert (cache.misses, cache.hits) == (0, len(again.report_files))
    assert _result(again) == _result(warm)


def _packs(folder: Path) -> list[Path]:
    return sorted((folder / "packs").iterdir())


def _damage(how: str, pack: Path, cache_folder: Path) -> None:
    raw = pack.read_bytes()
    if how == "flipped":
        middle = len(raw) // 2
        pack.write_bytes(raw[:middle] + bytes([raw[middle] ^ 1]) + raw[middle + 1:])
    elif how == "truncated":
        pack.write_bytes(raw[: len(raw) // 3])
    elif how == "empty":
        pack.write_bytes(b"")
    elif how == "forged":  # a whole file written without the secret, entries changed
        entries = check_cache.loads(raw[32:])
        for key, (file_key, (values, _found, _deferred)) in entries.items():
            entries[key] = (file_key, (values, [], []))  # no findings, nothing left to check
        other = CheckCache(cache_folder.parent / "elsewhere", secret=b"not the secret")
        data = check_cache.dumps(entries)
        pack.write_bytes(other._mac(pack.name, data) + data)
    elif how == "moved":  # another folder's file, correctly signed for that folder
        others = [p for p in _packs(cache_folder) if p != pack]
        pack.write_bytes(others[0].read_bytes())
    elif how == "malformed":  # signed with the right secret, the right keys, entries not of this code
        cache = CheckCache(cache_folder)
        entries = check_cache.loads(raw[32:])
        for key, (file_key, _entry) in entries.items():
            entries[key] = (file_key, (["not", "a", "report"], [("x",)], None))
        data = check_cache.dumps(entries)
        pack.write_bytes(cache._mac(pack.name, data) + data)
    elif how == "foreign-type":  # signed with the right secret, but naming a type an entry never holds
        cache = CheckCache(cache_folder)
        data = pickle.dumps(_Evil(), 5)
        pack.write_bytes(cache._mac(pack.name, data) + data)


class _Evil:
    def __reduce__(self):
        return (print, ("should never run",))


@pytest.mark.parametrize("how", ["flipped", "truncated", "empty", "forged", "moved", "malformed", "foreign-type"])
def test_a_damaged_or_forged_cache_file_is_ignored(repo, tmp_path, how, capsys):
    folder = tmp_path / "cache"
    _cached(repo, folder)
    packs = _packs(folder)
    assert len(packs) > 5  # one per folder of reports
    for pack in packs[::3]:
        _damage(how, pack, folder)
    warm, cache = _cached(repo, folder)
    assert cache.misses > 0
    assert _result(warm) == _result(load_repository(repo, AS_OF))
    assert "should never run" not in capsys.readouterr().out
    again, cache = _cached(repo, folder)  # the ignored files were written anew
    assert cache.misses == 0


def test_a_changed_org_file_invalidates_every_entry(repo, tmp_path):
    _cached(repo, tmp_path / "cache")
    org = repo / "submissions" / "_org.yml"
    text = org.read_text(encoding="utf-8")
    assert "vague_words: [听说, " in text
    org.write_text(text.replace("vague_words: [听说, ", "vague_words: [进展, 工作, 听说, ", 1), encoding="utf-8")
    warm, cache = _cached(repo, tmp_path / "cache")
    assert cache.hits == 0
    plain = load_repository(repo, AS_OF)
    assert _result(warm) == _result(plain)
    assert sum(f.code == "R402" for f in plain.findings) > 50  # the new words are found


def test_entries_of_an_earlier_date_give_the_findings_of_this_date(repo, tmp_path):
    """What depends on the moment of the check (R301 a time in the future, R504 an ID number of
    someone not yet born) is not kept: the cache of an earlier day gives today's findings."""
    files = sorted((repo / "submissions").rglob("*.md"))
    text = files[0].read_text(encoding="utf-8")
    end = text.find("\n---\n", 3) + 5
    # born 2026-11-30 (a valid check digit): not a real ID number on 11-27, one on 12-02
    files[0].write_text(text[:end] + "\n当事人身份证 440305202611300017。\n" + text[end:], encoding="utf-8")
    text = files[1].read_text(encoding="utf-8")
    files[1].write_text(text.replace("reported_at: ", "reported_at: 2026-12-01 09:00\nold_reported_at: ", 1),
                        encoding="utf-8")
    later = parse_as_of("2026-12-02 12:00")
    _cached(repo, tmp_path / "cache", as_of=AS_OF)
    warm, cache = _cached(repo, tmp_path / "cache", as_of=later)
    assert cache.misses == 0
    plain = load_repository(repo, later)
    assert _result(warm) == _result(plain)
    earlier = load_repository(repo, AS_OF)
    first, second = (f.relative_to(repo).as_posix() for f in files[:2])
    assert any(f.code == "R504" and f.path == first and "440305" in f.message for f in plain.findings)
    assert not any(f.code == "R504" and f.path == first and "440305" in f.message for f in earlier.findings)
    assert any(f.code == "R301" and f.path == second for f in earlier.findings)
    assert not any(f.code == "R301" and f.path == second for f in plain.findings)


def test_without_git_history_the_same_entries_serve(repo, tmp_path):
    _cached(repo, tmp_path / "cache")  # with history
    warm, cache = _cached(repo, tmp_path / "cache", history=False)
    assert cache.misses == 0
    assert _result(warm) == _result(load_repository(repo, AS_OF, history=False))


def test_prune_removes_the_files_of_folders_that_are_gone(repo, tmp_path):
    folder = tmp_path / "cache"
    _cached(repo, folder)
    before = len(_packs(folder))
    gone = sorted(p for p in (repo / "submissions").iterdir() if p.is_dir())[0]
    n_gone = len({p.parent for p in gone.rglob("*.md")})
    shutil.rmtree(gone)
    _, cache = _cached(repo, folder)
    assert cache.prune() == n_gone
    assert len(_packs(folder)) == before - n_gone


def test_an_entry_is_keyed_by_the_bytes_of_its_file():
    context = "c" * 64
    assert check_cache.file_key(context, "a.md", b"x") != check_cache.file_key(context, "a.md", b"y")
    assert check_cache.file_key(context, "a.md", b"x") != check_cache.file_key(context, "b.md", b"x")
    assert check_cache.file_key(context, "a.md", b"x") != check_cache.file_key("d" * 64, "a.md", b"x")


def test_bodies_are_those_the_reader_gives_whatever_the_line_breaks(repo, tmp_path):
    """An entry keeps a report without its body, read again from the file: the same text for a
    BOM, CRLF or CR line breaks, and a file that ends at its closing fence."""
    files = sorted((repo / "submissions").rglob("*.md"))  # [22:26]: reports without the breakages
    text = files[22].read_text(encoding="utf-8")
    files[22].write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode())
    files[23].write_bytes(files[23].read_text(encoding="utf-8").replace("\n", "\r").encode())
    head = files[24].read_text(encoding="utf-8")
    files[24].write_text(head[: head.find("\n---\n", 3) + 4], encoding="utf-8")  # no line break after it
    files[25].write_text(head[: head.find("\n---\n", 3) + 5] + "\n\n正文\n\n", encoding="utf-8")
    plain = load_repository(repo, AS_OF)
    _cached(repo, tmp_path / "cache")
    warm, cache = _cached(repo, tmp_path / "cache")
    assert cache.misses == 0
    assert _result(warm) == _result(plain)
    bodies = {r.path: r.body for r in warm.reports}
    assert {f.relative_to(repo).as_posix() for f in files[22:26]} <= set(bodies)
    assert bodies[files[24].relative_to(repo).as_posix()] == ""
    assert "\r" not in bodies[files[23].relative_to(repo).as_posix()]


def _commit(repo: Path, message: str, when: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when, "GIT_AUTHOR_NAME": "王强",
           "GIT_AUTHOR_EMAIL": "w@example.org", "GIT_COMMITTER_NAME": "王强", "GIT_COMMITTER_EMAIL": "w@example.org"}
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True, env=env)
    subprocess.run(["git", "commit", "-qm", message], cwd=repo, check=True, env=env)


@pytest.mark.parametrize("mode", ["one", "forked"])
def test_what_was_received_is_the_same_with_the_history_read_ahead(repo, tmp_path, monkeypatch, mode):
    """With the check cache the first revision of each revised file is read while the files are
    (``history.read_received_ahead``): a report first committed as a draft is still received when it
    was committed as it is now, and a report revised later still when it was first committed."""
    _workers(monkeypatch, mode)
    files = sorted((repo / "submissions").rglob("*.md"))
    revised = files[41]  # (not broken by _make_repo)
    drafted = files[40].with_name("补报-" + files[40].name)
    final = files[40].read_text(encoding="utf-8")
    end = final.find("\n---\n", 3)
    drafted.write_text(final[:end] + "\ndraft: true" + final[end:], encoding="utf-8")
    _commit(repo, "草稿", "2026-11-26T09:00:00+08:00")
    drafted.write_text(final, encoding="utf-8")
    revised.write_text(revised.read_text(encoding="utf-8") + "\n补充。\n", encoding="utf-8")
    _commit(repo, "报送", "2026-11-26T21:00:00+08:00")
    plain = load_repository(repo, AS_OF)
    for _ in range(2):  # computing the entries, then from them
        cached, _cache = _cached(repo, tmp_path / "cache")
        assert _result(cached) == _result(plain)
    by_path = {r.path: r for r in cached.reports}
    as_drafted = by_path[drafted.relative_to(repo).as_posix()]
    as_revised = by_path[revised.relative_to(repo).as_posix()]
    assert as_drafted.received_from is not None and as_drafted.received_at.hour == 21
    assert as_revised.received_from is None and len(as_revised.revisions) == 2
    assert as_revised.received_at.hour != 21


def test_a_warm_cache_is_taken_by_one_process_a_cold_one_on_every_core(repo, tmp_path, monkeypatch):
    """Taking an entry costs about what sending a report back from a worker costs: with the first
    file's entry valid one process reads the cache; without (a first build, new code) every core
    computes the entries."""
    monkeypatch.delenv("SHANGBAO_WORKERS", raising=False)
    monkeypatch.setattr(parallel, "MIN_FILES", 10)
    monkeypatch.setattr(parallel, "usable_cores", lambda: 2)
    shared: list[bool] = []
    real = parallel.map_spans
    monkeypatch.setattr(parallel, "map_spans", lambda *a, share=True: (shared.append(share), real(*a, share=share))[1])
    _cached(repo, tmp_path / "cache")
    warm, cache = _cached(repo, tmp_path / "cache")
    assert cache.hits == len(warm.report_files)
    first = sorted((repo / "submissions").rglob("*.md"))[0]
    first.write_text(first.read_text(encoding="utf-8") + "\n补充。\n", encoding="utf-8")
    _cached(repo, tmp_path / "cache")
    assert shared == [True, False, True]
