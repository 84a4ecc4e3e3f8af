"""The site's own search index (generator/site/textindex.py) at scale: build time, memory, size, and
what a first query downloads and how long it takes, measured in Chromium with the site's site.js.

    python benchmarks/bench_textindex.py SITE_DIR [--out /tmp/sb-bench] [--json OUT]

SITE_DIR is an already built site: its pages' side texts (``sb-index/<shard>/t/*.json``) are the
pages, in the shards its ``meta.json`` lists (an older site's: one shard, newest first by their
报送时间, then by path). The index is
written to ``OUT/sb-index`` beside a copy of the site's assets and a minimal page that loads
site.js, served on 127.0.0.1; each query is typed into the search box of a fresh browser context
(nothing cached), and every byte fetched after the page itself and site.js is counted: meta, fold
table, buckets, page lists, positions, the shown results' side texts.
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from conftest import CHROMIUM, CHROMIUM_ARGS, serve_directory  # noqa: E402

from generator.site.textindex import write_index  # noqa: E402

ASSETS = Path(__file__).resolve().parents[1] / "templates" / "assets"
REPORTED = re.compile("报送时间 ([0-9: -]+)")
PAGE_HTML = """<!doctype html><html lang="zh"><head><meta charset="utf-8"><title>搜索</title></head><body>
<button type="button" data-sb-search-open data-sb-base=".">搜索</button>
<div id="sb-search-panel" hidden><div id="sb-search"></div></div>
<script src="assets/site.js"></script></body></html>"""


def side_shards(site: Path) -> list[list[Path]]:
    """The side texts of the site's pages, shard by shard as the site's index holds them (its
    meta.json), or newest report first as one shard (pages without a time last)."""
    meta = site / "sb-index" / "meta.json"
    if meta.is_file() and json.loads(meta.read_text(encoding="utf-8")).get("version") == 2:
        shards = json.loads(meta.read_text(encoding="utf-8"))["shards"]
        group = json.loads(meta.read_text(encoding="utf-8"))["texts"]
        return [[(site / "sb-index" / s["id"] / "t" / f"{i // group}.json", i % group) for i in range(s["pages"])]
                for s in shards]
    files = sorted(site.glob("pagefind/**/t/*.json")) or sorted(site.glob("sb-index/*/t/*.json"))
    keyed = []
    for path in files:
        page = json.loads(path.read_text(encoding="utf-8"))
        when = REPORTED.search(page.get("c") or "")
        keyed.append((when.group(1) if when else "", page.get("url", ""), path))
    keyed.sort(key=lambda k: k[1])
    keyed.sort(key=lambda k: k[0], reverse=True)  # stable: by path within one time; no time ("") last
    return [[(k[2], None) for k in keyed]]


def page_at(entry: tuple[Path, int | None], _last: dict = {}) -> dict:  # noqa: B006 (the last file read)
    path, at = entry
    if _last.get("path") != path:
        _last.update(path=path, data=json.loads(path.read_text(encoding="utf-8")))
    return _last["data"] if at is None else _last["data"][at]


def pages_of(files: list[tuple[Path, int | None]]):
    for entry in files:
        yield page_at(entry)


def queries(files: list[Path]) -> dict[str, list[str]]:
    """安全生产, 检查 整改, five long titles spread over the site, a common phrase, an absent word."""
    step = max(1, len(files) // 5)
    titles = [page_at(files[min(i * step + step // 2, len(files) - 1)])["title"]
              for i in range(5)]
    return {"common": ["安全生产", "检查 整改"], "title": titles, "phrase": ["隐患排查台账"], "absent": ["鹤影行动"]}


def measure(url: str, query: str) -> dict:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        pg = context.new_page()
        fetched: dict[str, int] = {}

        def done(req):
            if "/sb-index/" in req.url:
                fetched[req.url] = (req.sizes() or {}).get("responseBodySize", 0)

        pg.on("requestfinished", done)
        pg.goto(url + "index.html")
        pg.click("[data-sb-search-open]")
        box = pg.locator("#sb-search input")
        box.wait_for(state="visible", timeout=30_000)
        started = time.perf_counter()
        box.fill(query)
        pg.wait_for_function("q => document.querySelector('.pagefind-ui__message').getAttribute('data-sb-done') === q",
                             arg=query, timeout=60_000)
        first = time.perf_counter() - started
        message = pg.locator(".pagefind-ui__message").inner_text()
        # the same query again, everything fetched already: the work of the page alone
        pg.evaluate("document.querySelector('.pagefind-ui__message').removeAttribute('data-sb-done')")
        started = time.perf_counter()
        box.fill(query)
        pg.wait_for_function("q => document.querySelector('.pagefind-ui__message').getAttribute('data-sb-done') === q",
                             arg=query, timeout=60_000)
        again = time.perf_counter() - started
        browser.close()
    kinds: dict[str, int] = {}
    for u, size in fetched.items():
        rel = u.split("/sb-index/", 1)[1].split("/")
        part = rel[1] if len(rel) > 2 else "meta"  # (a shard's folder, then d, p, q or t)
        kinds[part] = kinds.get(part, 0) + size
    return {"query": query, "message": message, "bytes": sum(fetched.values()), "files": len(fetched),
            "by_folder": kinds, "first_ms": round(first * 1000), "again_ms": round(again * 1000)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("site", type=Path)
    ap.add_argument("--out", type=Path, default=Path("/tmp/sb-bench"))
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    shards = side_shards(args.site)
    files = [f for shard in shards for f in shard]
    if args.out.exists():
        shutil.rmtree(args.out)
    (args.out / "assets").mkdir(parents=True)
    started = time.perf_counter()
    stats = write_index([pages_of(shard) for shard in shards], args.out / "sb-index")
    build_s = time.perf_counter() - started
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    shutil.copy(ASSETS / "site.js", args.out / "assets" / "site.js")
    (args.out / "index.html").write_text(PAGE_HTML, encoding="utf-8")
    size = sum(p.stat().st_size for p in (args.out / "sb-index").rglob("*") if p.is_file())
    result = {"pages": len(files), "build_s": round(build_s, 1), "peak_rss_mb": round(rss_mb),
              "index_mb": round(size / 1e6, 1), "stats": stats, "queries": []}
    print(json.dumps({k: v for k, v in result.items() if k != "queries"}, ensure_ascii=False), flush=True)
    with serve_directory(args.out) as url:
        for kind, qs in queries(files).items():
            for q in qs:
                m = {"kind": kind, **measure(url, q)}
                result["queries"].append(m)
                print(json.dumps(m, ensure_ascii=False), flush=True)
    if args.json:
        args.json.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
