"""``shangbao serve``: an edited report shows up quickly, errors keep the last good preview."""

from __future__ import annotations

import datetime as dt
import http.client
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
from conftest import needs_chromium
from helpers_org import make_org, write_good
from test_live_repository import AS_OF as LIVE_AS_OF
from test_live_repository import make_synth

from generator.site import urls
from generator.site.serve import Preview, _snapshot


def _get(port: int, path: str) -> tuple[int, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    conn.request("GET", path)
    resp = conn.getresponse()
    return resp.status, resp.read().decode("utf-8", "replace")


def test_edit_rebuilds_only_what_changed_and_bumps_the_version(tmp_path):
    root = make_org(tmp_path)
    for i in range(20):
        write_good(root, "info", f"2026-11-{i + 1:02d}-信息{i}", title=f"工作信息第{i}号", reported_at=f"2026-11-{i + 1:02d} 10:00")
    preview = Preview(root, "internal", out=tmp_path / "out")
    assert preview.full_build()
    page = preview.site_dir / urls.html_path(urls.report_doc_path("anjianke/2026/2026-11-05-信息4"))
    other = preview.site_dir / urls.html_path(urls.report_doc_path("anjianke/2026/2026-11-06-信息5"))
    assert "工作信息第4号" in page.read_text(encoding="utf-8")
    assert "live.js" in page.read_text(encoding="utf-8")  # serve mode only
    other_mtime = other.stat().st_mtime_ns

    server_handler = preview.handler()
    import http.server
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), server_handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    try:
        status, before = _get(port, "/__sb_version")
        assert status == 200
        write_good(root, "info", "2026-11-05-信息4", title="工作信息第4号（已更正）", reported_at="2026-11-05 10:00")
        index = preview.site_dir / "sb-index" / "meta.json"
        index_mtime = index.stat().st_mtime_ns
        assert preview.rebuild()
        status, after = _get(port, "/__sb_version")
        assert after != before
        status, html = _get(port, "/" + urls.html_path(urls.report_doc_path("anjianke/2026/2026-11-05-信息4")).replace(
            "信息4", "%E4%BF%A1%E6%81%AF4"))
        assert status == 200 and "工作信息第4号（已更正）" in html
        assert other.stat().st_mtime_ns == other_mtime  # untouched page not re-rendered
        # the search index is brought up to date too (after the page, which the reader sees first);
        # how fast is measured by benchmarks/run.py --only serve, not here
        preview.wait_for_index()
        assert index.stat().st_mtime_ns != index_mtime
        assert not [p.name for p in preview.site_dir.iterdir() if p.name.startswith(".sb-")]  # no leftovers
        # an error keeps the last good preview
        write_good(root, "info", "2026-11-05-信息4", title="改坏了", reported_at="2026-11-05 10:00", approved_by="赵磊")
        assert not preview.rebuild()
        assert "工作信息第4号（已更正）" in page.read_text(encoding="utf-8")
    finally:
        server.shutdown()
        server.server_close()


def test_what_an_edit_leaves_behind_is_freed_while_serve_runs(tmp_path):
    """Reading and generating keep what they made out of the cyclic collector's sight (gc.freeze): a
    long serve session must still free what an earlier edit left in cycles, or it grows with every edit."""
    import gc
    import weakref

    class Left:
        pass

    root = make_org(tmp_path)
    write_good(root, "info", "2026-11-05-信息", title="工作信息", reported_at="2026-11-05 10:00")
    preview = Preview(root, "internal", out=tmp_path / "out")
    assert preview.full_build()
    try:
        left = Left()
        left.itself = left  # a cycle, as an edit's generator and its Jinja environment make
        gone = weakref.ref(left)
        gc.freeze()  # as loading and generating do
        del left
        write_good(root, "info", "2026-11-05-信息", title="修改后", reported_at="2026-11-05 10:00")
        assert preview.rebuild()
        preview.wait_for_index()
        gc.collect()
        assert gone() is None
    finally:
        preview.close()
        gc.unfreeze()


def test_a_newer_edit_restarts_the_search_index_without_leaving_files_behind(tmp_path):
    root = make_org(tmp_path)
    for i in range(30):
        write_good(root, "info", f"2026-11-{i % 27 + 1:02d}-信息{i}", title=f"工作信息第{i}号",
                   reported_at=f"2026-11-{i % 27 + 1:02d} 10:00")
    preview = Preview(root, "internal", out=tmp_path / "out")
    assert preview.full_build()
    try:
        write_good(root, "info", "2026-11-05-信息4", title="第一次修改", reported_at="2026-11-05 10:00")
        assert preview.rebuild()
        first = preview.indexer
        write_good(root, "info", "2026-11-05-信息4", title="第二次修改", reported_at="2026-11-05 10:00")
        assert preview.rebuild()
        assert first.poll() is not None  # the out-of-date index was stopped (or had finished)
        preview.wait_for_index()
        assert preview.indexer.returncode == 0
        assert (preview.site_dir / "sb-index" / "meta.json").is_file()
        leftovers = [p.name for p in preview.site_dir.iterdir() if p.name.startswith(".")]
        assert leftovers == []
    finally:
        preview.close()


def _processes_mentioning(text: str) -> list[str]:
    found = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry.name}/cmdline", "rb") as fh:
                cmdline = fh.read().replace(b"\0", b" ").decode("utf-8", "replace")
        except OSError:
            continue
        if text in cmdline:
            found.append(cmdline)
    return found


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc to see processes")
def test_serve_stopped_by_a_signal_stops_the_search_index_too(tmp_path):
    # the index is rebuilt in a process group of its own; a serve stopped by SIGTERM (a closed
    # terminal, a service manager) must not leave Pagefind running
    root = make_org(tmp_path)
    for i in range(300):
        write_good(root, "info", f"2026-11-{i % 27 + 1:02d}-信息{i}", title=f"工作信息第{i}号",
                   reported_at=f"2026-11-{i % 27 + 1:02d} 10:00")
    proc = subprocess.Popen([sys.executable, "-m", "generator", "--root", str(root), "serve", "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, encoding="utf-8")
    printed: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [printed.put(line) for line in proc.stdout], daemon=True).start()

    def wait_for(text: str) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if text in printed.get(timeout=1):
                    return
            except queue.Empty:
                pass
        raise AssertionError(f"serve never printed {text!r}")

    try:
        wait_for("预览地址")
        write_good(root, "info", "2026-11-05-信息4", title="修改后的标题", reported_at="2026-11-05 10:00")
        wait_for("已更新")
        docs = str(root / "build" / "serve-docs-internal")
        deadline = time.monotonic() + 5
        while not _processes_mentioning(docs) and time.monotonic() < deadline:
            time.sleep(0.02)  # the index starts right after the message
        assert _processes_mentioning(docs), "the search index should be rebuilding right after the edit"
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
        wait_for("已停止预览")
        deadline = time.monotonic() + 10
        while _processes_mentioning(str(root)) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _processes_mentioning(str(root)) == []
    finally:
        if proc.poll() is None:
            proc.kill()


def test_an_edit_made_during_the_first_build_is_not_missed(tmp_path):
    from generator.site.serve import _snapshot

    root = make_org(tmp_path)
    write_good(root, "info", "2026-11-05-信息", title="原标题", reported_at="2026-11-05 10:00")
    preview = Preview(root, "internal", out=tmp_path / "out")
    before = _snapshot(root)  # serve looks at the files before it builds
    assert preview.full_build()
    write_good(root, "info", "2026-11-05-信息", title="构建期间改的标题", reported_at="2026-11-05 10:00")
    stop = threading.Event()
    watcher = threading.Thread(target=preview.watch, args=(stop, before), daemon=True)
    watcher.start()
    try:
        page = preview.site_dir / urls.html_path(urls.report_doc_path("anjianke/2026/2026-11-05-信息"))
        deadline = time.monotonic() + 30
        while "构建期间改的标题" not in page.read_text(encoding="utf-8") and time.monotonic() < deadline:
            time.sleep(0.1)
        assert "构建期间改的标题" in page.read_text(encoding="utf-8")
    finally:
        stop.set()
        watcher.join(timeout=30)
        preview.close()


def test_the_sample_is_served_as_of_its_own_date_and_says_so(tmp_path, project_root):
    """The README's first command (shangbao serve on the sample) shows a living dashboard any day:
    without --as-of it is as of the sample's own date (_org.yml sample_as_of), and the page says so."""
    import shutil

    root = tmp_path / "sample"
    shutil.copytree(project_root / "submissions", root / "submissions")
    preview = Preview(root, "internal", out=tmp_path / "out")
    try:
        assert preview.full_build()
    finally:
        preview.close()
    home = (preview.site_dir / "index.html").read_text(encoding="utf-8")
    assert "统计截至 2026-11-27 18:00（示例数据，按示例的日期显示）" in home
    this_week = home.split('<section class="sb-card sb-glance">')[1].split("</section>", 1)[0]
    assert "2026年第48周" in this_week and "sb-owe--overdue" not in this_week  # not all red
    # a given --as-of wins, and is not called the sample's date
    later = Preview(root, "internal", out=tmp_path / "out2",
                    as_of=dt.datetime(2026, 12, 20, 12, 0, tzinfo=ZoneInfo("Asia/Shanghai")))
    try:
        assert later.full_build()
    finally:
        later.close()
    home = (later.site_dir / "index.html").read_text(encoding="utf-8")
    assert "统计截至 2026-12-20 12:00 ·" in home and "示例数据" not in home


def _files(folder: Path, suffixes: tuple[str, ...]) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*")
            if p.is_file() and p.suffix in suffixes and "sb-index" not in p.parts}


def _front(path: Path) -> str:
    return path.read_text(encoding="utf-8").split("\n---", 1)[0]


def _assert_as_built_in_full(preview: Preview, root: Path, out: Path) -> None:
    """The preview's docs tree (pages and Word documents) and every page of its site are the bytes a
    full build of the repository as it is now makes."""
    reference = Preview(root, "internal", out=out, as_of=LIVE_AS_OF)
    assert reference.full_build()
    assert _files(preview.docs_dir, (".md", ".docx")) == _files(reference.docs_dir, (".md", ".docx"))
    shown, full = _files(preview.site_dir, (".html", ".docx")), _files(reference.site_dir, (".html", ".docx"))
    assert shown.keys() == full.keys()
    assert [page for page in full if shown[page] != full[page]] == []


def test_edits_show_the_pages_a_full_build_makes(tmp_path):
    # a synthetic county committed with git: incident chains, feedback, periodic reports, tags
    root = make_synth(tmp_path / "repo")
    preview = Preview(root, "internal", out=tmp_path / "out", as_of=LIVE_AS_OF)
    assert preview.full_build()
    try:
        files = sorted((root / "submissions").rglob("*.md"))
        by_type: dict[str, list[Path]] = {}
        for f in files:
            head = _front(f)
            kind = head.split("\ntype: ", 1)[1].split("\n", 1)[0]
            if "draft: true" not in head and "classification: restricted" not in head:
                by_type.setdefault(kind, []).append(f)
        # a 续报 edited (its 初报's page shows the chain, the 初报's period lists the incident)
        follow_up = next(f for f in by_type["incident"] if "\nfollows: " in _front(f))
        text = follow_up.read_text(encoding="utf-8").replace("title: ", "title: 更正后的", 1)
        follow_up.write_text(text + "\n补充：伤亡人数已核实。\n", encoding="utf-8")
        # feedback moved to another report (both reports' pages, both units)
        feedback = by_type["feedback"][-1]

        def reported(path: Path) -> str:
            return _front(path).split("\nreported_at: ", 1)[1][:16]

        target = next(f for f in by_type["info"] if reported(f) < reported(feedback))
        target = target.relative_to(root / "submissions").with_suffix("").as_posix()
        text = feedback.read_text(encoding="utf-8")
        feedback.write_text(re.sub(r"(?m)^on: .*$", f"on: {target}", text, count=1), encoding="utf-8")
        # a tag of its own (a new tag page), a weekly report removed (a missing one), a report added
        info = by_type["info"][3]
        text = info.read_text(encoding="utf-8").replace("---\n", "---\ntags: [预览新标签]\n", 1)
        info.write_text(re.sub(r"(?m)^tags: \[[^\]]*\]\n(?=(?:.|\n)*^tags:)", "", text, count=1), encoding="utf-8")
        by_type["weekly"][0].unlink()
        added = by_type["info"][5].with_name("预览新增的报告.md")
        added.write_text(by_type["info"][5].read_text(encoding="utf-8").replace("title: ", "title: 预览新增：", 1),
                         encoding="utf-8")
        assert preview.rebuild()
        assert preview.updated == "pages"  # only the pages the edits appear on, not the whole tree
        _assert_as_built_in_full(preview, root, tmp_path / "reference-1")
        doc = preview.shown.doc[added.relative_to(root / "submissions").with_suffix("").as_posix()]
        assert "预览新增：" in (preview.site_dir / urls.html_path(doc)).read_text(encoding="utf-8")
        # a second round: the 续报 renamed again, another report's body edited, the added one removed
        follow_up.write_text(follow_up.read_text(encoding="utf-8").replace("title: 更正后的", "title: 再次更正的", 1),
                             encoding="utf-8")
        with open(by_type["inspection"][2], "a", encoding="utf-8") as fh:
            fh.write("\n整改情况：已全部整改到位。\n")
        added.unlink()
        assert preview.rebuild()
        assert preview.updated == "pages"
        _assert_as_built_in_full(preview, root, tmp_path / "reference-2")
        assert not (preview.site_dir / urls.html_path(doc)).exists()
    finally:
        preview.close()


@needs_chromium
def test_an_edit_shows_in_the_open_page_in_chromium(tmp_path, browser):
    # what the reader sees: the report page open in the browser reloads with the edit (live.js asks
    # /__sb_version), through the watcher and the pages-only update
    import http.server

    root = make_synth(tmp_path / "repo")
    preview = Preview(root, "internal", out=tmp_path / "out", as_of=LIVE_AS_OF)
    before = _snapshot(root)
    assert preview.full_build()
    report = next(r for r in preview.shown.reports if r.type in ("info", "inspection", "task", "incident"))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), preview.handler())
    threading.Thread(target=server.serve_forever, daemon=True).start()
    stop = threading.Event()
    watcher = threading.Thread(target=preview.watch, args=(stop, before), daemon=True)
    watcher.start()
    try:
        page = browser.new_page()
        page.goto(f"http://127.0.0.1:{server.server_address[1]}/{quote(urls.html_path(preview.shown.doc[report.id]))}")
        assert page.get_by_text("浏览器中看到的修改").count() == 0
        with open(root / report.path, "a", encoding="utf-8") as fh:
            fh.write("\n浏览器中看到的修改。\n")
        page.get_by_text("浏览器中看到的修改").first.wait_for(timeout=60_000)
        assert preview.updated == "pages"
        page.close()
    finally:
        stop.set()
        watcher.join(timeout=60)
        server.shutdown()
        server.server_close()
        preview.close()
