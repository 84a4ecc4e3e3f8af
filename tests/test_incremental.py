"""Incremental builds (SPEC §8): with the previous build's cache, the site is byte-identical to a
full build of the same commit — after a report is added, after one is edited, and when cache
entries are damaged or forged — and the cache is what makes the second build do less.

A real git repository (the sample, committed), builds in this process with the report pages on
two processes (``FORK_FROM`` lowered), every file of both sites compared, the search index included.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from generator.site import build as build_mod
from generator.site import generate as generate_mod

PROJECT = Path(__file__).resolve().parents[1]
NEW_REPORT = """---
title: 增量构建新增的检查报告
type: info
unit: anjianke
author: 孙丽
reported_at: {when}
reviewed_by: 陈静
approved_by: 刘洋
tags: [节假日]
---

11月28日，安监股对城区三家加油站开展节后复查，发现并当场整改消防器材过期问题两处。
"""


def _git(root: Path, *args: str, when: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "办公室", "GIT_AUTHOR_EMAIL": "o@x", "GIT_COMMITTER_NAME": "办公室",
           "GIT_COMMITTER_EMAIL": "o@x", "GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when}
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, env=env)


@pytest.fixture
def repo(tmp_path, monkeypatch) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    for name in ("submissions", "templates", "mkdocs.yml"):
        src = PROJECT / name
        (shutil.copytree if src.is_dir() else shutil.copy2)(src, root / name)
    _git(root, "init", "-q", "-b", "main", when="2026-11-20T10:00:00+08:00")
    _git(root, "add", "-A", when="2026-11-20T10:00:00+08:00")
    _git(root, "commit", "-q", "-m", "样例", when="2026-11-20T10:00:00+08:00")
    monkeypatch.setattr(generate_mod, "FORK_FROM", 40)  # the report pages on every core, as at scale
    monkeypatch.delenv("SHANGBAO_CACHE_DIR", raising=False)
    monkeypatch.delenv("SHANGBAO_CACHE_SECRET", raising=False)
    return root


def _build(root: Path, site: Path, as_of: str, capsys, cache: Path | None) -> str:
    capsys.readouterr()
    code = build_mod.run_build(root, "internal", site, _as_of(as_of, root), cache_dir=cache,
                               use_cache=cache is not None)
    out = capsys.readouterr()
    assert code == 0, out.err[-3000:]
    return out.err


def _as_of(text: str, root: Path):
    from generator.cli import _as_of as cli_as_of

    return cli_as_of(text, root)


def _files(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}


def _assert_same(cached: Path, full: Path) -> dict[str, bytes]:
    a, b = _files(cached), _files(full)
    assert a.keys() == b.keys(), sorted(set(a) ^ set(b))[:10]
    differ = [k for k in a if a[k] != b[k]]
    assert not differ, differ[:10]
    assert any(k.startswith("sb-index/") for k in a) and len(a) > 200
    return a


def entries_of(cache: Path, kind: str) -> list[Path]:
    return sorted(p for p in (cache / "internal" / kind).rglob("*") if p.is_file())


def _reused(output: str) -> int:
    m = re.search(r"构建缓存：(\d+) 个页面沿用", output)
    assert m, output[-2000:]
    return int(m.group(1))


def _reused_shards(output: str) -> tuple[int, int]:
    m = re.search(r"搜索索引分片沿用 (\d+)/(\d+)", output)
    assert m, output[-2000:]
    return int(m.group(1)), int(m.group(2))


def test_a_cached_build_is_the_full_build_after_an_added_and_an_edited_report(repo, tmp_path, capsys):
    cache = tmp_path / "ci-cache"
    first = _build(repo, tmp_path / "site0", "2026-11-27 18:00", capsys, cache)
    assert _reused(first) == 0
    assert any((cache / "check" / "packs").iterdir())  # the check cache (check_cache.py) is kept beside it

    # a unit adds a report: a later as-of too, so that every page that counts with it changes
    path = repo / "submissions" / "anjianke" / "2026" / "2026-11-28-节后复查.md"
    path.write_text(NEW_REPORT.format(when="2026-11-28 16:00"), encoding="utf-8")
    _git(repo, "add", "-A", when="2026-11-28T16:05:00+08:00")
    _git(repo, "commit", "-q", "-m", "报送", when="2026-11-28T16:05:00+08:00")
    out = _build(repo, tmp_path / "site1", "2026-11-28 18:00", capsys, cache)
    assert re.search(r"检查缓存：\d{3,} 个文件沿用上次的检查结果，1 个重新检查", out), out[-2000:]
    _build(repo, tmp_path / "full1", "2026-11-28 18:00", capsys, None)
    files = _assert_same(tmp_path / "site1", tmp_path / "full1")
    added = next(k for k, v in files.items() if k.endswith(".html") and "增量构建新增的检查报告".encode() in v
                 and "节后复查" in k)
    assert added
    assert "统计截至 2026-11-28 18:00".encode() in files["index.html"]
    assert _reused(out) > 100, out  # the unchanged report pages were not rendered again
    reused, shards = _reused_shards(out)
    assert 1 <= reused < shards  # the shards without the new report (the help pages' at least) were not re-indexed

    # the unit edits a report already published
    edited = repo / "submissions" / "anjianke" / "2026" / "2026-09-22-节前安全生产检查部署.md"
    text = edited.read_text(encoding="utf-8")
    edited.write_text(text.replace("14个乡镇", "15个乡镇"), encoding="utf-8")
    _git(repo, "commit", "-q", "-am", "修改", when="2026-11-29T09:00:00+08:00")
    out = _build(repo, tmp_path / "site2", "2026-11-29 10:00", capsys, cache)
    # only what changed was written as a docs page: the edited report's, not an unchanged one's
    docs = sorted(p.name for p in (repo / "build" / "docs-internal").rglob("*.md"))
    assert "2026-09-22-节前安全生产检查部署.md" in docs and "2026-10-15-宏达建材行政处罚.md" not in docs
    _build(repo, tmp_path / "full2", "2026-11-29 10:00", capsys, None)
    files = _assert_same(tmp_path / "site2", tmp_path / "full2")
    assert any("15个乡镇".encode() in v for k, v in files.items() if k.endswith("节前安全生产检查部署.html"))
    assert not any("14个乡镇".encode() in v for k, v in files.items() if k.endswith("节前安全生产检查部署.html"))
    assert _reused(out) > 100

    # a report is withdrawn (deleted): it leaves the pages, the listings and the search index
    withdrawn = repo / "submissions" / "anjianke" / "2026" / "2026-10-15-宏达建材行政处罚.md"
    _git(repo, "rm", "-q", str(withdrawn.relative_to(repo)), when="2026-11-30T09:00:00+08:00")
    _git(repo, "commit", "-q", "-m", "撤回", when="2026-11-30T09:00:00+08:00")
    out = _build(repo, tmp_path / "site3", "2026-11-30 10:00", capsys, cache)
    _build(repo, tmp_path / "full3", "2026-11-30 10:00", capsys, None)
    files = _assert_same(tmp_path / "site3", tmp_path / "full3")
    assert not any(k.endswith("宏达建材行政处罚.html") for k in files)
    assert _reused(out) > 100


def test_damaged_or_forged_cache_entries_do_not_change_the_site(repo, tmp_path, capsys):
    cache = tmp_path / "cache"
    _build(repo, tmp_path / "site0", "2026-11-27 18:00", capsys, cache)
    entries = {kind: sorted(p for p in (cache / "internal" / kind).rglob("*") if p.is_file())
               for kind in ("doc", "shadow", "html", "search")}
    assert all(entries.values()), {k: len(v) for k, v in entries.items()}
    forged = "伪造的内容不得出现"
    # 1. cut short, as a killed writer would have left it without the atomic rename
    raw = entries["html"][0].read_bytes()
    entries["html"][0].write_bytes(raw[: len(raw) // 2])
    # 2. content changed without the secret: a forged page and a forged docs page
    for path in (entries["html"][1], entries["doc"][0], entries["shadow"][0]):
        raw = path.read_bytes()
        path.write_bytes(raw[:32] + raw[32:].replace("安".encode(), forged.encode()))
    # 3. a valid entry copied under another page's key
    shutil.copyfile(entries["html"][2], entries["html"][3])
    shutil.copyfile(entries["doc"][1], entries["doc"][2])
    # the docs pages of the other report pages too: where a page's HTML entry is damaged as well, the
    # page can come neither from its HTML nor from its docs page entry, and is rendered again
    for path in entries["doc"][3:]:
        raw = path.read_bytes()
        path.write_bytes(raw[:32] + raw[32:].replace("安".encode(), forged.encode()))
    # 4. the search index replaced by another valid-looking tar
    entries["search"][0].write_bytes(entries["search"][0].read_bytes()[:32] + b"\0" * 1024)
    # 6. the search index's shards kept as files (the year's and the help pages'): in one a file
    # changed (the bytes a reader would get); in the other a file gone and the list of its files
    # replaced by a forged one (written without the secret)
    shards = sorted(p for p in (cache / "internal" / "sbindex-files").iterdir())
    assert len(shards) == 2 and len(entries_of(cache, "sbindex")) == 2
    bucket = next((shards[0] / "d").iterdir())
    data = bucket.read_bytes()
    bucket.unlink()  # (not written in place: the first site's file is the same file)
    bucket.write_bytes(data.replace("安".encode(), forged.encode()) + forged.encode())
    next((shards[1] / "t").iterdir()).unlink()
    listed = cache / "internal" / "sbindex" / shards[1].name[:2] / shards[1].name[2:]
    raw = listed.read_bytes()
    listed.write_bytes(raw[:32] + raw[32:].replace(b'"pages": ', b'"pages": 1'))
    # 5. a different secret (a cache written by someone else) for one more entry
    os.environ["SHANGBAO_CACHE_SECRET"] = "someone else"
    try:
        from generator.site.cache import SiteCache

        other = SiteCache(cache / "internal")
        key = entries["html"][4].parent.name + entries["html"][4].name.split(".", 1)[0]
        other.put("html", key, forged.encode())
    finally:
        del os.environ["SHANGBAO_CACHE_SECRET"]

    out = _build(repo, tmp_path / "site1", "2026-11-28 18:00", capsys, cache)
    _build(repo, tmp_path / "full1", "2026-11-28 18:00", capsys, None)
    files = _assert_same(tmp_path / "site1", tmp_path / "full1")
    assert not any(forged.encode() in v for v in files.values())
    assert _reused(out) > 100  # the entries left intact were used
    reused, total = _reused_shards(out)
    assert reused == 0 and total == 2  # both shards, their files damaged, were written again


def test_a_later_as_of_renders_only_the_navigation_pages_again(repo, tmp_path, capsys, monkeypatch):
    """The pages that print the as-of (periods, listings, home) are kept with a mark where it goes and
    stamped with each build's as-of: a build an hour later with nothing submitted renders none of them
    again, and is still the full build of that hour, the new as-of on every page that prints it."""
    cache = tmp_path / "cache"  # (not the sample's own as-of, which its pages say they are shown at)
    _build(repo, tmp_path / "site0", "2026-11-28 10:00", capsys, cache)
    rendered: list[str] = []
    real_post_page = build_mod._PageCache.on_post_page

    def spy(self, output, page, config):
        rendered.append(page.file.src_uri)
        return real_post_page(self, output, page, config)

    monkeypatch.setattr(build_mod._PageCache, "on_post_page", spy)
    out = _build(repo, tmp_path / "site1", "2026-11-28 11:00", capsys, cache)
    nav = build_mod._nav_docs(yaml.safe_load((repo / "mkdocs.yml").read_text(encoding="utf-8"))["nav"])
    assert rendered and set(rendered) <= nav | {"fill/index.md"}, (out, sorted(set(rendered) - nav))
    monkeypatch.undo()
    _build(repo, tmp_path / "full", "2026-11-28 11:00", capsys, None)
    files = _assert_same(tmp_path / "site1", tmp_path / "full")
    stamped = [k for k, v in files.items() if k.startswith("periods/") and "统计截至 2026-11-28 11:00".encode() in v]
    assert len(stamped) > 10
    assert not any(b"2026-11-28 10:00" in files[k] for k in stamped)
    assert _reused(out) > 200


def test_a_published_page_changed_in_place_is_not_taken_again(repo, tmp_path, capsys):
    """A page the cache gave is the cache's own file (a hard link: 50,000 pages are not written again
    on every build); whatever changes the published page in place changes that entry, and the next
    build renders the page again instead of publishing the change."""
    cache = tmp_path / "cache"
    _build(repo, tmp_path / "site0", "2026-11-27 18:00", capsys, cache)
    _build(repo, tmp_path / "site1", "2026-11-27 18:00", capsys, cache)
    page = next(p for p in sorted((tmp_path / "site1").rglob("*.html")) if "宏达建材行政处罚" in p.name)
    assert page.stat().st_nlink >= 2  # linked from the cache, not written again
    forged = "发布后被改动的内容"
    with open(page, "ab") as fh:  # in place, as an editor or a careless deploy script might
        fh.write(forged.encode())
    out = _build(repo, tmp_path / "site2", "2026-11-27 18:00", capsys, cache)
    _build(repo, tmp_path / "full", "2026-11-27 18:00", capsys, None)
    files = _assert_same(tmp_path / "site2", tmp_path / "full")
    assert not any(forged.encode() in v for v in files.values())
    assert _reused(out) > 100


def test_the_cache_lives_inside_the_git_directory_by_default(repo, tmp_path, capsys):
    (repo / ".git" / "shangbao").mkdir(exist_ok=True)
    out = _build(repo, tmp_path / "site", "2026-11-27 18:00", capsys, None)
    assert "构建缓存" not in out  # use_cache=False: nothing read, nothing written
    assert not (repo / ".git" / "shangbao" / "site").exists()
    code = build_mod.run_build(repo, "internal", tmp_path / "site", _as_of("2026-11-27 18:00", repo))
    assert code == 0
    folder = repo / ".git" / "shangbao" / "site" / "internal"
    assert (folder / "html").is_dir() and (folder / "secret").stat().st_mode & 0o077 == 0
    status = subprocess.run(["git", "status", "--porcelain"], cwd=repo, capture_output=True, text=True).stdout
    assert "shangbao" not in status


def test_a_cache_folder_committed_to_the_repository_is_not_used(repo, tmp_path, capsys):
    cache = repo / ".sb-cache"
    _build(repo, tmp_path / "site0", "2026-11-27 18:00", capsys, cache)
    _git(repo, "add", "-f", ".sb-cache", when="2026-11-28T10:00:00+08:00")  # secret and entries in a commit
    _git(repo, "commit", "-q", "-m", "缓存", when="2026-11-28T10:00:00+08:00")
    out = _build(repo, tmp_path / "site1", "2026-11-28 18:00", capsys, cache)
    assert "中有提交到仓库的文件，本次不使用构建缓存" in out and "沿用" not in out


def test_what_a_killed_writer_left_is_neither_trusted_nor_kept(tmp_path):
    from generator.site.cache import SiteCache

    cache = SiteCache(tmp_path / "c")
    cache.put("html", "ab" * 32, b"whole entry")
    dead = subprocess.Popen(["true"])
    dead.wait()
    # a writer killed before its rename leaves only a temporary file, named with its process id
    left = tmp_path / "c" / "tmp" / f"{dead.pid}-0123456789abcdef"
    left.write_bytes(b"half an entry")
    target = tmp_path / "c" / "html" / "cd" / (("cd" * 31) + "." + "00" * 32)
    target.parent.mkdir(parents=True)
    target.write_bytes(b"\0" * 40)  # or an entry cut short in place by a full disk
    again = SiteCache(tmp_path / "c")
    assert not left.exists()
    assert again.get("html", "cd" * 32) is None
    assert again.get("html", "ab" * 32) == b"whole entry"


def test_pages_without_markdown_skip_the_converter_and_come_out_the_same(repo, tmp_path, capsys, monkeypatch):
    """Generated pages carry their HTML in the front matter; MkDocs is spared a Markdown converter for
    each of them (``_HtmlPages``), and the site is the one MkDocs makes converting them."""
    skipped = []
    real = build_mod._render_nothing
    monkeypatch.setattr(build_mod, "_render_nothing", lambda page, *a: (skipped.append(page), real(page, *a)))
    _build(repo, tmp_path / "fast", "2026-11-27 18:00", capsys, None)
    assert len(skipped) > 100
    monkeypatch.setattr(build_mod._HtmlPages, "on_page_markdown", lambda self, text, **kw: text)
    _build(repo, tmp_path / "plain", "2026-11-27 18:00", capsys, None)
    _assert_same(tmp_path / "fast", tmp_path / "plain")


def test_pages_rendered_on_two_processes_are_the_pages_of_one(repo, tmp_path, capsys, monkeypatch):
    """A large build renders every other page on a second process (``_build_in_two``): the site is
    the one a single process gives, with and without the build cache, and the second process's
    pages go to the cache like the first's (the next build renders none of them)."""
    shares: list[int] = []
    real_share = build_mod._second_share

    def spy(*args):
        share = real_share(*args)
        shares.append(len(share))
        return share

    monkeypatch.setattr(build_mod, "_second_share", spy)
    monkeypatch.setattr(build_mod, "SPLIT_FROM", 20)
    _build(repo, tmp_path / "two", "2026-11-28 10:00", capsys, None)
    cache = tmp_path / "cache"
    _build(repo, tmp_path / "two-cached", "2026-11-28 10:00", capsys, cache)
    assert len(shares) == 2 and min(shares) > 50, shares
    monkeypatch.setenv("SHANGBAO_WORKERS", "1")
    _build(repo, tmp_path / "one", "2026-11-28 10:00", capsys, None)
    assert shares[-1] == 0
    _assert_same(tmp_path / "two", tmp_path / "one")
    _assert_same(tmp_path / "two-cached", tmp_path / "one")
    monkeypatch.delenv("SHANGBAO_WORKERS")
    out = _build(repo, tmp_path / "again", "2026-11-28 10:00", capsys, cache)
    assert shares[-1] == 0  # nothing left to render but the navigation's pages
    _assert_same(tmp_path / "again", tmp_path / "one")
    nav = build_mod._nav_docs(yaml.safe_load((repo / "mkdocs.yml").read_text(encoding="utf-8"))["nav"])
    pages = len(list((tmp_path / "one").rglob("*.html"))) - 1  # (404.html is no docs page)
    assert _reused(out) >= pages - len(nav) - 1, out


def test_the_docs_pages_of_the_last_build_are_removed_after_the_build(repo, tmp_path, capsys):
    """The docs tree of a full build (50,000 pages at scale) is moved aside and removed by ``rm`` in the
    background, as the old site is; what a killed removal left is removed by a later build."""
    from test_processes import _wait_for

    work = repo / "build"
    _build(repo, tmp_path / "site0", "2026-11-28 10:00", capsys, tmp_path / "cache")
    left = work / ".docs-internal.old-999999999-1"  # no such process
    (left / "r").mkdir(parents=True)
    (left / "r" / "page.md").write_text("x", encoding="utf-8")
    _build(repo, tmp_path / "site1", "2026-11-28 11:00", capsys, tmp_path / "cache")
    assert (work / "docs-internal").is_dir() and not left.exists()
    _wait_for(lambda: not list(work.glob(".docs-internal.old-*")), 60, "the old docs pages removed")


def test_the_few_shadow_pages_of_a_cached_build_start_in_memory_and_many_move_to_the_disk(tmp_path, monkeypatch):
    """With a build cache that holds search shards, an edit writes one shard's shadow pages (the
    index's input), a few thousand at most: they go to the memory-backed scratch folder even for
    a site too large for all of them there. When the generator finds it must write more than
    ``SCRATCH_PAGES`` after all (every shard changed), they move to the disk, what was written
    already with them, under the same path."""
    from generator.site.cache import SiteCache

    scratch = tmp_path / "shm"
    scratch.mkdir()
    cache = SiteCache(tmp_path / "cache" / "internal")
    cache.put("search", "ab" * 32, b"a shard's bundle")
    monkeypatch.setattr(build_mod, "SCRATCH", str(scratch))
    monkeypatch.setattr(build_mod, "SCRATCH_PAGES", 100)
    asked: list[int] = []  # the room asked of the scratch folder
    real_scratch_dir = build_mod._scratch_dir
    monkeypatch.setattr(build_mod, "_scratch_dir", lambda needed: asked.append(needed) or real_scratch_dir(needed))

    cold = build_mod._Indexer(tmp_path, 50_000, None)  # no cache: every shadow written, on the disk
    assert not cold.shadow.is_symlink() and cold.scratch is None
    cold.close()

    small = build_mod._Indexer(tmp_path, 10, cache)  # a small site asks room for its own pages only
    assert asked[-1] == 10 * build_mod.SHADOW_BYTES and small.scratch is not None
    small.close()

    warm = build_mod._Indexer(tmp_path, 50_000, cache)
    assert asked[-1] == 100 * build_mod.SHADOW_BYTES
    assert warm.shadow.resolve().is_relative_to(scratch.resolve())
    (warm.shadow / "site").mkdir()
    (warm.shadow / "site" / "help.html").write_text("帮助页", encoding="utf-8")
    warm.fit(100)  # one shard: stays in memory
    assert warm.shadow.resolve().is_relative_to(scratch.resolve())
    warm.fit(101)
    assert not warm.shadow.is_symlink() and warm.shadow.is_dir()
    assert (warm.shadow / "site" / "help.html").read_text(encoding="utf-8") == "帮助页"
    assert list(scratch.iterdir()) == []
    warm.close()
    assert not warm.staging.exists()


def test_a_cached_build_that_indexes_every_shard_again_is_the_full_build(repo, tmp_path, capsys, monkeypatch):
    """A change that makes every report's key new (a unit renamed in _org.yml) with the cache holding
    the last build's shards: the shadow pages start in memory, move to the disk once the generator
    knows it writes more than ``SCRATCH_PAGES`` of them, and the site is the full build's."""
    scratch = tmp_path / "shm"
    scratch.mkdir()
    monkeypatch.setattr(build_mod, "SCRATCH", str(scratch))
    monkeypatch.setattr(build_mod, "SCRATCH_PAGES", 60)  # the sample has about twice as many reports
    moved: list[int] = []
    real_fit = build_mod._Indexer.fit

    def fit(self, shadows):
        in_memory = self.scratch is not None
        real_fit(self, shadows)
        if in_memory and self.scratch is None:
            moved.append(shadows)

    monkeypatch.setattr(build_mod._Indexer, "fit", fit)
    cache = tmp_path / "cache"
    _build(repo, tmp_path / "site0", "2026-11-28 10:00", capsys, cache)
    assert not moved
    org = repo / "submissions" / "_org.yml"
    org.write_text(org.read_text(encoding="utf-8").replace("name: 安全生产监督管理股", "name: 安全生产监管股", 1), encoding="utf-8")
    _git(repo, "commit", "-q", "-am", "改名", when="2026-11-28T11:00:00+08:00")
    out = _build(repo, tmp_path / "site1", "2026-11-28 12:00", capsys, cache)
    assert moved and moved[0] > 60
    assert _reused_shards(out)[0] <= 1  # the help pages' shard at most
    _build(repo, tmp_path / "full1", "2026-11-28 12:00", capsys, None)
    files = _assert_same(tmp_path / "site1", tmp_path / "full1")
    assert any("安全生产监管股".encode() in v for k, v in files.items() if k.startswith("r/"))
    assert list(scratch.iterdir()) == []
