"""``shangbao serve``: preview the site locally and rebuild when a submission changes.

- Builds once into ``build/serve-<audience>/`` (not the published ``site/``).
- Serves it over http on ``host:port`` (localhost by default) with the standard library.
- Polls the mtimes of ``submissions/`` (and ``templates/``, ``mkdocs.yml``) about three times a
  second; on a change it reads again only the changed files (``LiveRepository``), regenerates only
  the pages the changed reports appear on and renders just those with MkDocs (``live_pages.py``),
  bumps a version number (the browser reloads the page), then re-indexes the search in a child
  process (stopped and restarted when a newer edit comes first). When ``_org.yml``, the templates,
  ``mkdocs.yml``, git's HEAD or the day change, the whole docs tree is regenerated (pages whose
  text did not change are left alone) and MkDocs renders what changed (a *dirty* build).
- The as-of (统计截至) is held from the last full read, so that an edit does not change every page
  that prints it; a report dated after it is read with a new as-of (the whole tree).
- Pages carry a tiny script (``assets/live.js``, only in serve mode) that polls
  ``/__sb_version`` and reloads the page when the version changes.
- When a change introduces errors the preview keeps the last good site and prints the
  errors, as ``shangbao build`` would refuse to publish.
"""

from __future__ import annotations

import functools
import gc
import http.server
import os
import signal
import threading
import time
from pathlib import Path

from rich.markup import escape

from ..config import ConfigError
from ..live_repository import LiveRepository
from .build import (BuildError, _print_errors, console, generate_tree, run_index, run_mkdocs, update_tree,
                    work_dir)
from .cache import CommittedCache, open_cache
from .facts import Facts, collect
from .live_pages import navigation, render_pages, update_pages, warm_up
from .search import INDEX_DIR
from .urls import html_path

POLL_SECONDS = 0.3
#: what a reader is told when the preview cannot answer (the standard library's pages are English)
_ERRORS = {400: "请求有误", 403: "没有权限访问", 404: "找不到这个页面", 405: "不支持这种请求方式",
           414: "地址太长", 500: "服务器出错", 501: "不支持这种请求方式", 503: "服务暂时不可用"}


class _State:
    def __init__(self) -> None:
        self.version = 1
        self.lock = threading.Lock()


def _site_inputs(root: Path) -> dict[str, float]:
    """What every page depends on besides the reports: the templates and mkdocs.yml."""
    return _snapshot(root, ("templates",))


def _snapshot(root: Path, folders: tuple[str, ...] = ("submissions", "templates")) -> dict[str, float]:
    """mtime (and size) of every file that can change the site."""
    out: dict[str, float] = {}
    for base in (root / folder for folder in folders):
        if not base.is_dir():
            continue
        for dirpath, _dirs, files in os.walk(base):
            for name in files:
                path = os.path.join(dirpath, name)
                try:
                    st = os.stat(path)
                except OSError:
                    continue
                out[path] = st.st_mtime_ns + st.st_size
    for extra in (root / "mkdocs.yml",):
        if extra.is_file():
            st = extra.stat()
            out[str(extra)] = st.st_mtime_ns + st.st_size
    return out


class Preview:
    """The serve loop's state: where the tree and the site live, and how to rebuild them."""

    def __init__(self, root: Path, audience: str, out: Path | None = None, as_of=None):
        self.root = root
        self.audience = audience
        self.as_of = as_of  # None: now, or the sample's own date (_org.yml sample_as_of)
        out = out or work_dir(root)
        self.docs_dir = out / f"serve-docs-{audience}"
        self.site_dir = out / f"serve-{audience}"
        self.state = _State()
        self.indexer = None  # the search index being rebuilt in the background, if any
        # the build cache (cache.py): a report page whose inputs are unchanged is not rendered again
        try:
            self.cache = open_cache(root, audience)
        except CommittedCache:
            self.cache = None
        self.members = None  # (the members configured, their feeds as read) for an upper organisation
        self.live: LiveRepository | None = None  # the repository in memory (read once, then changed files)
        self.shown: Facts | None = None  # the facts of the pages the preview shows
        self.inputs: dict[str, float] | None = None  # the templates and mkdocs.yml they were made with
        self.nav: set[str] | None = None  # the pages of the navigation (live_pages.navigation)
        self.notices: dict[str, tuple[str, bytes]] = {}  # the periods' 情况通报 made so far
        self.updated = ""  # how the last edit was shown: "pages" (live_pages) or "tree" (tests)

    def _facts(self) -> tuple[Facts | None, bool]:
        """The facts of the repository as it is now, and whether everything was read again."""
        if self.live is None:
            self.live, full = LiveRepository(self.root, self.as_of), True
        else:
            full = self.live.refresh()
        repo = self.live.repo
        if repo.errors:
            _print_errors(repo)
            return None, full
        facts = collect(repo.org, repo.reports, self.audience, repo.as_of,
                        repo.publishable(self.audience), repo.unpublishable())
        if repo.org.members:
            # an upper organisation: its members' feeds, fetched once per serve (and again when
            # the list of members changes), not on every edit
            from ..members import read_members_for

            if self.members is None or self.members[0] != repo.org.members:
                self.members = (repo.org.members, read_members_for(self.root, facts))
            facts.members = self.members[1]
        return facts, full

    def full_build(self) -> bool:
        inputs = _site_inputs(self.root)
        facts, _ = self._facts()
        if facts is None:
            return False
        generate_tree(facts, self.root, self.docs_dir, cache=self.cache)
        run_mkdocs(self.root, self.docs_dir, self.site_dir, facts.org, self.audience, live=True, as_of=self.as_of)
        run_index(self.site_dir, self.docs_dir)
        self.shown, self.inputs = facts, inputs
        self.nav = navigation(self.root, self.docs_dir, self.audience) or set()
        if self.nav:
            warm_up(facts, self.root, self.docs_dir, self.site_dir, self.nav, self.audience, self.as_of)
        return True

    def rebuild(self) -> bool:
        """Regenerate what changed; True when the site was updated."""
        t0 = time.perf_counter()
        # what reading and generating froze (gc.freeze: repository.py, generate.frozen_heap) goes back
        # to the collector: an earlier edit's cycles (its generator, Jinja environment) would
        # otherwise stay in memory for as long as serve runs
        gc.unfreeze()
        # a search index still being rebuilt for the last edit would be out of date, and takes the CPU
        # this edit needs: stopped now, started again below (or for the last good pages if this fails)
        stopped = self._stop_index()
        inputs = _site_inputs(self.root)
        try:
            facts, full = self._facts()
        except ConfigError as exc:
            console.print("[bold red]组织配置有误[/]，预览保持上一次的内容：")
            for line, message in exc.problems:
                console.print(f"  {exc.path}:{line}: {message}", markup=False)
            if stopped:
                self._index_in_background()
            return False
        if facts is None:
            console.print("预览保持上一次没有错误时的内容。")
            if stopped:
                self._index_in_background()
            return False
        same_site = not full and self.shown is not None and inputs == self.inputs
        update = update_pages(self.shown, facts, self.root, self.docs_dir, self.notices) if same_site else None
        if update is None:  # what every page depends on changed: the whole tree, pages that changed rendered
            changed, removed = update_tree(facts, self.root, self.docs_dir, self.cache)
            self.nav, self.updated = None, "tree"
        else:
            changed, removed = update
            self.updated = "pages"
        for doc in removed:
            (self.site_dir / html_path(doc)).unlink(missing_ok=True)
        if update is not None and self.nav is None:
            self.nav = navigation(self.root, self.docs_dir, self.audience) or set()
        if update is not None and self.nav:
            render_pages(self.root, self.docs_dir, self.site_dir, changed, self.nav, facts.org, self.audience,
                         self.as_of)
        elif changed or removed:
            run_mkdocs(self.root, self.docs_dir, self.site_dir, facts.org, self.audience, live=True, dirty=True,
                       as_of=self.as_of)
        self.shown, self.inputs = facts, inputs
        # the pages are ready: let the browser reload now, and bring the search index up to date
        # after (it takes longer than everything else together, and the reader is looking at a page)
        with self.state.lock:
            self.state.version += 1
        console.print(f"已更新 {len(changed)} 个页面，删除 {len(removed)} 个（{time.perf_counter() - t0:.1f} 秒）")
        if changed or removed or stopped:
            self._index_in_background()
        return True

    def _stop_index(self) -> bool:
        """Stop the search index being rebuilt, if it is; whether one was."""
        from .indexer import stop_indexer

        with self.state.lock:
            proc = self.indexer
        if proc is None or proc.poll() is not None:
            return False
        stop_indexer(proc)
        return True

    def _index_in_background(self) -> None:
        """Re-index in a child process; a newer edit stops it and starts again (its result would
        be out of date), so the watcher is free for the next edit at once."""
        from .indexer import start_indexer, stop_indexer

        with self.state.lock:
            if self.indexer is not None:
                stop_indexer(self.indexer)
            proc = self.indexer = start_indexer(self.docs_dir, self.site_dir / INDEX_DIR, session=True)
        threading.Thread(target=self._report_index, args=(proc, time.perf_counter()), daemon=True).start()

    def _report_index(self, proc, started: float) -> None:
        output, _ = proc.communicate()
        if proc.returncode == 0:
            console.print(f"搜索索引已更新（{time.perf_counter() - started:.1f} 秒）")
        elif proc.returncode > 0 and proc.returncode != 143:  # 143, or < 0: stopped for a newer edit
            text = output.decode("utf-8", "replace").strip()[-1000:]
            console.print(f"[bold red]搜索索引更新失败[/]：{escape(text)}")

    def wait_for_index(self) -> None:
        """Wait until the search index is up to date (tests; shutting down)."""
        proc = self.indexer
        if proc is not None:
            proc.wait()

    def close(self) -> None:
        from .indexer import stop_indexer

        with self.state.lock:
            if self.indexer is not None:
                stop_indexer(self.indexer)
                self.indexer = None

    def watch(self, stop: threading.Event, seen: dict[str, float] | None = None) -> None:
        """Rebuild on every change after ``seen`` (the files as they were before the first build,
        so that an edit made while it ran is not missed)."""
        seen = _snapshot(self.root) if seen is None else seen
        while not stop.wait(POLL_SECONDS):
            now = _snapshot(self.root)
            if now == seen:
                continue
            time.sleep(0.1)  # let an editor finish writing
            seen = _snapshot(self.root)
            try:
                self.rebuild()
            except BuildError as exc:
                console.print(f"[bold red]重新生成失败[/]：{escape(str(exc))}")
            except Exception as exc:  # noqa: BLE001 - keep serving whatever happens
                console.print(f"[bold red]重新生成失败[/]：{escape(repr(exc))}")

    def handler(self):
        preview = self

        class Handler(http.server.SimpleHTTPRequestHandler):
            def log_message(self, format: str, *args) -> None:  # noqa: A002 - stdlib signature
                pass

            def end_headers(self) -> None:
                self.send_header("Cache-Control", "no-store")
                super().end_headers()

            def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
                """Error pages in Chinese: the site's own 404 page, a short Chinese page otherwise."""
                missing = preview.site_dir / "404.html"
                if code == 404 and missing.is_file():
                    body = missing.read_bytes()
                else:
                    text = _ERRORS.get(code, "请求无法处理")
                    body = (f'<!doctype html><html lang="zh"><head><meta charset="utf-8"><title>{text}</title></head>'
                            f'<body><h1>{text}</h1><p>错误代码 {code}。<a href="/">返回首页</a></p></body></html>'
                            ).encode()
                self.send_response(code)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Connection", "close")
                self.end_headers()
                if self.command != "HEAD" and code >= 200 and code not in (204, 304):
                    self.wfile.write(body)

            def do_GET(self) -> None:  # noqa: N802 - stdlib name
                if self.path.split("?")[0] == "/__sb_version":
                    body = str(preview.state.version).encode()
                    self.send_response(200)
                    self.send_header("Content-Type", "text/plain")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                    return
                super().do_GET()

        return functools.partial(Handler, directory=str(self.site_dir))


def _interrupt(signum, frame) -> None:  # noqa: ARG001 - signal handler signature
    raise KeyboardInterrupt


def run_serve(root: Path, audience: str, host: str, port: int, as_of=None) -> int:
    root = Path(root)
    preview = Preview(root, audience, as_of=as_of)
    before = _snapshot(root)
    console.print("[bold]首次构建预览网站[/]…")
    try:
        if not preview.full_build():
            console.print("[bold red]有错误，无法预览[/]；请修正后重新运行 shangbao serve。")
            return 1
    except BuildError as exc:
        console.print(f"[bold red]构建失败[/]：{escape(str(exc))}")
        return 1
    server = http.server.ThreadingHTTPServer((host, port), preview.handler())
    stop = threading.Event()
    watcher = threading.Thread(target=preview.watch, args=(stop, before), daemon=True)
    watcher.start()
    console.print(f"预览地址：http://{host}:{server.server_address[1]}/ （修改报告后页面自动刷新；Ctrl+C 退出）")
    # stopped by a signal (a closed terminal, a service manager) as by Ctrl+C: the search index
    # being rebuilt runs in a process group of its own and must be stopped too (finally below)
    for name in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), _interrupt)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        console.print("已停止预览。")
    finally:
        stop.set()
        preview.close()
        server.server_close()
    return 0
