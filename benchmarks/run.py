"""Benchmarks for SPEC §8: check, summary, build, page size and first-search download.

    python benchmarks/run.py [--sizes 1000,10000,50000] [--only baseline,check,summary,...]
                             [--seed 1] [--repeat 1] [--no-git] [--json FILE]

For each size a synthetic repository is generated once by ``benchmarks/synth.py`` (with
git history unless --no-git) and cached in ``benchmarks/out/synth-<N>-s<seed>/``
(gitignored). Every command runs from the project root as ``python -m generator --root
<repo> …`` in a subprocess; its wall time, CPU time and memory are recorded:

- ``max RSS``: the largest single process (``wait4`` rusage of the child, which covers the
  processes it waited for);
- ``tree RSS``: the peak of the summed RSS of the command and all its descendants, sampled
  every 20 ms (pages shared after ``fork`` are counted once per process, so this is an
  upper bound);
- ``tree PSS + scratch``: the peak of what the tree really holds, sampled every 0.5 s: the
  proportional set size of each process (a shared page split among its sharers, so the sum
  counts it once) plus the build's shadow pages in /dev/shm (memory no RSS shows, which a
  runner's memory limit counts). The memory target of SPEC §8 is read on this figure.

Steps (``--only``):

- ``baseline``  parse every front matter with libyaml's CSafeLoader and nothing else
- ``check``     ``shangbao check`` with the git-history cache removed first (cold)
- ``check-warm`` ``shangbao check`` again (history from the cache in .git/shangbao)
- ``summary``   ``shangbao summary --period <last whole year> --format json``
- ``build``     ``shangbao build`` from a clean state (no site/, no build/: as in CI)
- ``mkdocs-gen`` ``mkdocs build`` alone on the docs tree ``shangbao build`` generated
- ``mkdocs-plain`` ``mkdocs build`` of the same reports as plain Markdown pages
- ``pages``     average and largest report-page HTML size in the built site
- ``search``    bytes downloaded by headless Chromium for a first Pagefind search
                (Playwright, /usr/bin/chromium --no-sandbox) and time to the first result
- ``incremental`` after ``build`` (which leaves its build cache in ``.git/shangbao/site/``): in a
                ``git clone`` of the repository given that ``.git/shangbao`` (history and build cache),
                one report added and committed, ``shangbao build``; one report edited and committed,
                ``shangbao build`` (each an hour later as-of: the footer's time changes on every page);
                pages reused, the parts' seconds and the cache's size on disk
- ``serve``     ``shangbao serve`` on a copy of the repository; a report page open in headless
                Chromium; the report's file edited three times: seconds from the write until the
                browser shows the new text (not in the default steps: run it at 1,000)
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import quote

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
OUT = BENCH / "out"
STEPS = ("baseline", "check", "check-warm", "summary", "build", "mkdocs-gen", "mkdocs-plain", "pages", "search",
         "incremental", "serve")
DEFAULT_STEPS = ("baseline", "check", "check-warm", "summary", "build", "mkdocs-gen", "mkdocs-plain", "pages", "search")
PAGE = os.sysconf("SC_PAGE_SIZE")


# --------------------------------------------------------------------------- measuring


def _children_map() -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            continue
        ppid = int(stat[stat.rfind(b")") + 2:].split()[1])
        out.setdefault(ppid, []).append(int(entry.name))
    return out


def _tree_rss(pid: int) -> int:
    kids = _children_map()
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/statm") as fh:
                total += int(fh.read().split()[1]) * PAGE
        except (OSError, IndexError, ValueError):
            pass
        todo.extend(kids.get(p, ()))
    return total


def _tree_pids(pid: int) -> list[int]:
    kids = _children_map()
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(kids.get(p, ()))
    return out


def _tree_memory(pid: int) -> tuple[int, int]:
    """What the tree really holds in memory: the proportional set size of each process (a page
    shared after ``fork`` counted once in all, unlike RSS) plus the files its processes keep in
    the memory-backed scratch folder (a build's shadow pages in /dev/shm, ``build.SCRATCH``), which
    no process's RSS shows but a CI runner's memory limit counts."""
    pids = _tree_pids(pid)
    total = scratch = 0
    for p in pids:
        try:
            with open(f"/proc/{p}/smaps_rollup") as fh:
                total += next(int(line.split()[1]) * 1024 for line in fh if line.startswith("Pss:"))
        except (OSError, StopIteration, ValueError):
            pass
    for p in pids:
        for folder in Path("/dev/shm").glob(f"sb-shadow-{p}-*"):
            for dirpath, _dirs, files in os.walk(folder):
                for name in files:
                    try:
                        scratch += os.lstat(os.path.join(dirpath, name)).st_blocks * 512
                    except OSError:
                        pass
    return total + scratch, scratch


def measure(cmd: list[str], cwd: Path = ROOT, stdout=subprocess.DEVNULL) -> dict:
    """Run ``cmd``; return wall/cpu seconds, max RSS of one process, peak RSS of the tree, peak of
    what the tree really holds (``_tree_memory``, sampled every half second), exit code."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=stdout, stderr=subprocess.PIPE)
    peak = 0
    peak_memory = peak_scratch = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak, peak_memory, peak_scratch
        last = 0.0
        while not done.is_set():
            peak = max(peak, _tree_rss(proc.pid))
            if time.perf_counter() - last >= 0.5:
                memory, scratch = _tree_memory(proc.pid)
                peak_memory, peak_scratch = max(peak_memory, memory), max(peak_scratch, scratch)
                last = time.perf_counter()
            done.wait(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stderr = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    done.set()
    sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "max_rss": usage.ru_maxrss * 1024,
            "tree_rss": max(peak, usage.ru_maxrss * 1024), "tree_memory": peak_memory, "scratch": peak_scratch, "code": proc.returncode,
            "stderr": stderr.decode("utf-8", "replace")[-2000:]}


#: where ``discard`` puts what a step clears away, removed when the benchmark ends
TRASH = OUT / f".trash-{os.getpid()}"


def discard(path: Path) -> None:
    """Clear ``path`` away for a timed run without deleting it now.

    Deleting tens of thousands of files and creating as many right after is slow on some file
    systems: ext4 without a journal (this machine's) skips every inode freed in the last few
    minutes when it allocates one (the kernel's ``recently_deleted``; perf: a third of a 10,000-
    report build's CPU). A CI runner building a fresh clone deletes nothing first, and neither
    should the run timed here: the folder is renamed aside and removed after the last step."""
    if path.exists() or path.is_symlink():
        TRASH.mkdir(parents=True, exist_ok=True)
        os.rename(path, TRASH / f"{len(os.listdir(TRASH))}-{path.name}")


def best_of(repeat: int, cmd: list[str], before=None, **kw) -> dict:
    runs = []
    for _ in range(max(repeat, 1)):
        if before:
            before()
        runs.append(measure(cmd, **kw))
    return min(runs, key=lambda r: r["wall"])


# --------------------------------------------------------------------------- repositories


def repository(n: int, seed: int, git: bool) -> tuple[Path, dict]:
    path = OUT / f"synth-{n}-s{seed}{'' if git else '-nogit'}"
    meta_file = path / "synth.json"
    if not meta_file.is_file():
        shutil.rmtree(path, ignore_errors=True)
        cmd = [sys.executable, str(BENCH / "synth.py"), str(path), "--reports", str(n), "--seed", str(seed)]
        if git:
            cmd.append("--git")
        t = time.perf_counter()
        subprocess.run(cmd, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
        print(f"  generated {n} reports in {time.perf_counter() - t:.1f} s → {path}", file=sys.stderr)
    # the site needs the project's current mkdocs.yml and templates/
    sys.path.insert(0, str(BENCH))
    from synth import copy_site_files

    copy_site_files(path)
    return path, json.loads(meta_file.read_text(encoding="utf-8"))


def shangbao(repo: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "generator", "--root", str(repo), *args]


def site_available() -> bool:
    build = ROOT / "generator" / "site" / "build.py"
    return build.is_file() and "def run_build" in build.read_text(encoding="utf-8")


def plain_docs(repo: Path) -> Path:
    """The reports as plain Markdown pages (title + body), with a minimal Material config."""
    plain = repo.parent / (repo.name + "-plain")
    if (plain / "mkdocs.yml").is_file():
        return plain
    docs = plain / "docs"
    for md in sorted((repo / "submissions").rglob("*.md")):
        text = md.read_text(encoding="utf-8")
        end = text.find("\n---\n", 3)
        title = next((line[7:] for line in text[:end].splitlines() if line.startswith("title: ")), md.stem)
        target = docs / md.relative_to(repo / "submissions")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(f"# {title}\n\n{text[end + 5:]}", encoding="utf-8")
    (docs / "index.md").write_text("# 报告\n", encoding="utf-8")
    (plain / "mkdocs.yml").write_text(
        "site_name: 信息上报（基线）\nuse_directory_urls: false\nnav: [index.md]\nplugins: []\n"
        "theme: {name: material, language: zh, font: false}\n", encoding="utf-8")
    return plain


def page_sizes(site: Path) -> dict:
    pages = [p.stat().st_size for p in (site / "r").rglob("*.html")] if (site / "r").is_dir() else []
    if not pages:
        return {"note": "no report pages under site/r/"}
    return {"pages": len(pages), "avg_kb": sum(pages) / len(pages) / 1024, "max_kb": max(pages) / 1024}


# --------------------------------------------------------------------------- search


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def first_search(site: Path, query: str) -> dict:
    """Open the home page in headless Chromium, type ``query`` into the search box, count bytes."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return {"note": "playwright not installed"}
    if not Path("/usr/bin/chromium").exists():
        return {"note": "/usr/bin/chromium not found"}
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    sizes: dict[str, int] = {}
    kinds: dict[str, int] = {}
    phase = {"name": "load"}
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
            page = browser.new_page()

            def on_response(resp) -> None:
                try:
                    body = resp.body()
                except Exception:  # noqa: BLE001 - redirects and aborted requests have no body
                    return
                sizes[phase["name"]] = sizes.get(phase["name"], 0) + len(body)
                if "/sb-index/" in resp.url:
                    sizes["index"] = sizes.get("index", 0) + len(body)
                    if phase["name"] == "search":  # by folder: d/ buckets, p/ page lists, q/ positions, t/ texts
                        part = resp.url.split("/sb-index/", 1)[1].split("/", 1)
                        kind = part[0] if len(part) > 1 else part[0].split("?")[0]
                        kinds[kind] = kinds.get(kind, 0) + len(body)

            page.on("response", on_response)
            page.goto(url + "index.html", wait_until="networkidle")
            phase["name"] = "search"  # from here on: what the first search costs
            sizes.pop("index", None)
            t = time.perf_counter()
            opener = page.locator("[data-sb-search-open]")  # the header's search button (templates/assets/site.js)
            if opener.count():
                opener.first.click()
            selectors = ["#sb-search input", ".pagefind-ui__search-input", "input[type=search]", "#search input",
                         "input[name=q]", "input.md-search__input"]
            box = None
            for _ in range(100):
                box = next((s for s in selectors if page.locator(s).count()), None)
                if box:
                    break
                page.wait_for_timeout(50)
            if box is None:
                search_page = next((p for p in ("search.html", "search/index.html", "sousuo.html") if (site / p).exists()),
                                   None)
                if search_page:
                    page.goto(url + search_page, wait_until="networkidle")
                    box = next((s for s in selectors if page.locator(s).count()), None)
            if box is None:
                return {"note": "no search box found", "load_kb": sizes.get("load", 0) / 1024}
            page.locator(box).first.click()
            typed = time.perf_counter()
            page.locator(box).first.fill(query)
            found = True
            try:  # the first result that carries the exact title
                page.locator("#sb-search .pagefind-ui__result-link, #sb-search a").filter(
                    has_text=query).first.wait_for(timeout=15000)
            except Exception:  # noqa: BLE001
                found = False
            seconds = time.perf_counter() - typed
            opened = typed - t
            page.wait_for_load_state("networkidle")
            browser.close()
    finally:
        server.shutdown()
    return {"first_search_kb": sizes.get("search", 0) / 1024, "index_kb": sizes.get("index", 0) / 1024,
            "load_kb": sizes.get("load", 0) / 1024, "found": found, "result_s": seconds, "open_s": opened,
            "by_kind_kb": ", ".join(f"{k} {v / 1024:.0f}" for k, v in sorted(kinds.items(), key=lambda kv: -kv[1]))}


# --------------------------------------------------------------------------- serve


_BUILD_PARTS = re.compile(r"检查\s*([\d.]+)\s*秒，\s*生成\s*([\d.]+)\s*秒，\s*MkDocs\s*([\d.]+)\s*秒，\s*索引\s*([\d.]+)\s*秒")


def build_parts(printed: str) -> dict:
    """The seconds ``shangbao build`` printed for its parts."""
    m = _BUILD_PARTS.search(printed)
    names = ("check_s", "generate_s", "mkdocs_s", "index_s")
    return dict(zip(names, map(float, m.groups()), strict=True)) if m else {}


def _git_at(repo: Path, when: str, *args: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "基准", "GIT_AUTHOR_EMAIL": "b@x", "GIT_COMMITTER_NAME": "基准",
           "GIT_COMMITTER_EMAIL": "b@x", "GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when}
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, env=env)


def _an_info_report(repo: Path, skip: int = 0) -> Path:
    found = 0
    for md in sorted((repo / "submissions").rglob("*.md"), reverse=True):  # recent ones first
        head = md.read_text(encoding="utf-8").split("\n---", 2)[0]
        if "\ntype: info" in head and "draft: true" not in head and "restricted" not in head:
            if found == skip:
                return md
            found += 1
    raise SystemExit("no info report to copy or edit")


def incremental(repo: Path, as_of: str) -> list[tuple[str, dict, str]]:
    """Cached rebuilds after one added and one edited report (see the ``incremental`` step)."""
    import datetime as dt

    from synth import copy_site_files

    cache = repo / ".git" / "shangbao"
    if not (cache / "site").is_dir():
        return [("incremental", {}, "pending: no build cache (run the build step first)")]
    work = OUT / f"{repo.name}-incremental"
    discard(work)
    subprocess.run(["git", "clone", "-q", str(repo), str(work)], check=True)
    copy_site_files(work)  # the templates the build step used (the same keys)
    shutil.copytree(cache, work / ".git" / "shangbao")
    base = dt.datetime.fromisoformat(as_of)
    results = []
    try:
        for i, what in enumerate(("added", "edited")):
            commit_at = (base + dt.timedelta(hours=i, minutes=30)).isoformat()
            build_at = (base + dt.timedelta(hours=i + 1)).isoformat()
            if what == "added":
                src = _an_info_report(work)
                text = re.sub(r"(?m)^title: .*$", "title: 增量构建基准新增的报告", src.read_text(encoding="utf-8"), count=1)
                (src.parent / f"{src.stem}-增量新增.md").write_text(text, encoding="utf-8")
                _git_at(work, commit_at, "add", "-A", "submissions")
            else:
                with open(_an_info_report(work, skip=3), "a", encoding="utf-8") as fh:
                    fh.write("\n补充：增量构建基准修改了这份报告。\n")
            _git_at(work, commit_at, "commit", "-q", "-am", f"基准：{what}")
            load = os.getloadavg()[0]
            with tempfile.TemporaryFile() as out:
                result = measure(shangbao(work, "build", "--as-of", build_at, "--site-dir", str(work / "site")),
                                 stdout=out)
                out.seek(0)
                printed = (out.read().decode("utf-8", "replace") + result.get("stderr", "")).replace("\n", "")
            parts = build_parts(printed)
            reused = re.search(r"构建缓存：(\d+) 个页面沿用", printed)
            size = sum(f.stat().st_size for f in (work / ".git" / "shangbao" / "site").rglob("*") if f.is_file())
            shards = re.search(r"搜索索引分片沿用 (\d+/\d+)", printed)
            note = (f"one report {what}; {reused.group(1) if reused else '?'} pages reused"
                    f"{f', {shards.group(1)} index shards reused' if shards else ''}; "
                    + "; ".join(f"{k} {v:.1f}" for k, v in parts.items())
                    + f"; cache {size / (1 << 20):.0f} MiB; load {load:.1f}")
            results.append((f"incremental-{what}", {**result, **parts, "cache_bytes": size, "load": load}, note))
    finally:
        discard(work)
    return results


def _editable_report(repo: Path) -> Path:
    """A published (non-draft, not restricted) report of the repository, to edit."""
    for md in sorted((repo / "submissions").rglob("*.md")):
        head = md.read_text(encoding="utf-8").split("\n---", 2)[0]
        if "draft: true" not in head and "restricted" not in head and "限定" not in head:
            return md
    raise SystemExit("no published report to edit")


def serve_edit(repo: Path, edits: int = 3) -> dict:
    """Seconds from saving an edit to a report until the served page in Chromium shows it."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return {"note": "playwright not installed"}
    if not Path("/usr/bin/chromium").exists():
        return {"note": "/usr/bin/chromium not found"}
    sys.path.insert(0, str(ROOT))
    from generator.site.urls import html_path, report_doc_path

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / "repo"
        shutil.copytree(repo, work, symlinks=True, ignore=shutil.ignore_patterns("site*", "build"))
        report = _editable_report(work)
        report_id = report.relative_to(work / "submissions").with_suffix("").as_posix()
        page_path = quote(html_path(report_doc_path(report_id)))
        started = time.perf_counter()
        proc = subprocess.Popen(shangbao(work, "serve", "--port", "0"), cwd=ROOT, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True, encoding="utf-8")
        url = None
        for line in proc.stdout:
            m = re.search(r"http://[\d.]+:\d+/", line)
            if m:
                url = m.group(0)
                break
        if url is None:
            return {"note": "serve did not start", "code": proc.wait()}
        first_build = time.perf_counter() - started
        threading.Thread(target=lambda: [None for _ in proc.stdout], daemon=True).start()  # keep the pipe drained
        seconds: list[float] = []
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
                page = browser.new_page()
                page.goto(url + page_path, wait_until="load")  # live.js polls: never network-idle
                for i in range(edits):
                    mark = f"基准测试修改标记{i}{os.getpid()}"
                    with open(report, "a", encoding="utf-8") as fh:
                        fh.write(f"\n\n{mark}\n")
                    t = time.perf_counter()
                    page.get_by_text(mark).first.wait_for(timeout=300000)
                    seconds.append(time.perf_counter() - t)
                    print(f"  serve: edit {i + 1} shown after {seconds[-1]:.2f} s", file=sys.stderr)
                    page.wait_for_timeout(1000)
                browser.close()
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:  # in the middle of a rebuild of a large repository
                proc.kill()
                proc.wait()
    return {"first_build_s": first_build, "edit_s": max(seconds), "edits": ", ".join(f"{s:.2f}" for s in seconds)}


# --------------------------------------------------------------------------- main


def fmt_mib(n: int) -> str:
    return f"{n / (1 << 20):.0f}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="SPEC §8 benchmarks")
    ap.add_argument("--sizes", default="1000,10000,50000")
    ap.add_argument("--only", default=",".join(DEFAULT_STEPS), help=f"comma-separated: {', '.join(STEPS)}")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=1, help="run timed commands this many times; keep the fastest")
    ap.add_argument("--no-git", action="store_true", help="repositories without git history")
    ap.add_argument("--json", type=Path, default=OUT / "results.json")
    args = ap.parse_args(argv)
    try:
        return _run(args, ap)
    finally:
        shutil.rmtree(TRASH, ignore_errors=True)


def _run(args: argparse.Namespace, ap: argparse.ArgumentParser) -> int:
    steps = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = [s for s in steps if s not in STEPS]
    if unknown:
        ap.error(f"unknown steps: {', '.join(unknown)}")
    OUT.mkdir(parents=True, exist_ok=True)
    rows: list[dict] = []
    for n in (int(x) for x in args.sizes.split(",")):
        repo, meta = repository(n, args.seed, not args.no_git)
        as_of = meta["as_of"]
        year = meta["summary_period"]
        site = repo / "site"

        def record(step: str, result: dict, note: str = "", n: int = n) -> None:
            result = {"reports": n, "step": step, "note": note, **result}
            rows.append(result)
            shown = {k: (round(v, 2) if isinstance(v, float) else v) for k, v in result.items() if k != "stderr"}
            print(json.dumps(shown, ensure_ascii=False), file=sys.stderr)
            if result.get("code"):
                print(result.get("stderr", ""), file=sys.stderr)

        drop_cache = functools.partial(discard, repo / ".git" / "shangbao")
        for step in steps:
            if step == "baseline":
                record(step, best_of(args.repeat, [sys.executable, str(BENCH / "baseline_parse.py"), str(repo)]))
            elif step == "check":
                record(step, best_of(args.repeat, shangbao(repo, "check", "--as-of", as_of), before=drop_cache),
                       "git history read afresh")
            elif step == "check-warm":
                record(step, best_of(args.repeat, shangbao(repo, "check", "--as-of", as_of)),
                       "git history from .git/shangbao")
            elif step == "summary":
                record(step, best_of(args.repeat, shangbao(repo, "summary", "--period", year, "--as-of", as_of,
                                                           "--format", "json")), f"--period {year}")
            elif step == "build":
                if not site_available():
                    record(step, {}, "pending: generator/site/build.py (run_build) not there yet")
                    continue
                def clean(repo: Path = repo, site: Path = site) -> None:
                    # as CI builds it the first time: from a clean checkout without a build cache
                    # (deleting 20,000 files of an earlier build would otherwise be timed too)
                    discard(site)
                    discard(repo / "build")
                    discard(repo / ".git" / "shangbao" / "site")
                    os.sync()

                with tempfile.TemporaryFile() as out:
                    result = best_of(args.repeat, shangbao(repo, "build", "--as-of", as_of, "--site-dir", str(site)),
                                     before=clean, stdout=out)
                    out.seek(0)
                    printed = out.read().decode("utf-8", "replace")
                printed = (printed + result.get("stderr", "")).replace("\n", "")  # rich prints to stderr, wrapped
                parts = build_parts(printed)
                record(step, {**result, **parts},
                       "; ".join(f"{k} {v:.1f}" for k, v in parts.items()) or printed.strip()[-200:])
            elif step == "mkdocs-gen":
                docs = repo / "build" / "docs-internal"
                if not docs.is_dir():
                    record(step, {}, "pending: no generated docs tree (run the build step first)")
                    continue
                record(step, best_of(args.repeat, ["mkdocs", "build", "-q", "-f", str(repo / "mkdocs.yml"),
                                                   "-d", str(repo / "site-mkdocs-only")],
                                     before=lambda repo=repo: discard(repo / "site-mkdocs-only")),
                       "mkdocs alone on build/docs-internal")
            elif step == "mkdocs-plain":
                plain = plain_docs(repo)
                record(step, best_of(args.repeat, ["mkdocs", "build", "-q", "-f", str(plain / "mkdocs.yml")],
                                     before=lambda plain=plain: discard(plain / "site"), cwd=plain),
                       "reports as plain pages, Material, no search plugin")
            elif step == "pages":
                record(step, page_sizes(site))
            elif step == "search":
                if not (site / "sb-index").is_dir():
                    record(step, {}, "pending: no site/sb-index/ (build step)")
                    continue
                query = _a_title(repo)
                record(step, first_search(site, query), f"query: {query}")
            elif step == "incremental":
                for name, result, note in incremental(repo, as_of):
                    record(name, result, note)
            elif step == "serve":
                record(step, serve_edit(repo), "edit → shown in Chromium (longest of 3)")
    args.json.write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")
    print(table(rows))
    return 0


def _a_title(repo: Path) -> str:
    for md in sorted((repo / "submissions").rglob("*.md")):
        for line in md.read_text(encoding="utf-8").splitlines()[:3]:
            if line.startswith("title: "):
                return line[7:]
    return "报告"


def table(rows: list[dict]) -> str:
    out = ["| reports | step | wall s | CPU s | max RSS MiB | tree RSS MiB | tree PSS + scratch MiB | exit | notes |",
           "|--:|---|--:|--:|--:|--:|--:|--:|---|"]
    for r in rows:
        if "wall" in r:
            out.append(f"| {r['reports']:,} | {r['step']} | {r['wall']:.2f} | {r['cpu']:.2f} | {fmt_mib(r['max_rss'])} | "
                       f"{fmt_mib(r['tree_rss'])} | {fmt_mib(r.get('tree_memory', 0))} | {r['code']} | {r['note']} |")
        else:
            extra = ", ".join(f"{k} {v:.1f}" if isinstance(v, float) else f"{k} {v}" for k, v in r.items()
                              if k not in ("reports", "step", "note"))
            out.append(f"| {r['reports']:,} | {r['step']} | | | | | | {'; '.join(x for x in (extra, r['note']) if x)} |")
    by = {(r["reports"], r["step"]): r for r in rows if "wall" in r}
    ratios = []
    for n in sorted({r["reports"] for r in rows}):
        base, check = by.get((n, "baseline")), by.get((n, "check"))
        if base and check:
            ratios.append(f"- {n:,} reports: check ÷ libyaml baseline = {check['wall'] / base['wall']:.2f}×")
        build, gen = by.get((n, "build")), by.get((n, "mkdocs-gen"))
        if build and gen:
            ratios.append(f"- {n:,} reports: (build − mkdocs alone) ÷ mkdocs alone = "
                          f"{(build['wall'] - gen['wall']) / gen['wall']:.2f}")
    return "\n".join(out + ([""] + ratios if ratios else []))


if __name__ == "__main__":
    sys.exit(main())
