"""Search as a reader meets it (SPEC §13, §8): the site's own search box in Chromium, against a
ground truth computed from the built pages' visible text (tests/test_search_trust.py).

    python benchmarks/bench_search.py SITE_DIR [--seed 1] [--json OUT]

Writes query sets drawn from the site itself (exact titles, words from inside sentences, names,
文号, 统一社会信用代码, period labels and places from the metadata cards, numbers and codes,
common words, traditional spellings, quoted phrases, words found nowhere) and prints, per kind:
recall, false results, exact title first, excerpt exactness, latency (from the last keystroke
to the results shown, the 150 ms input pause included) and the first query's download.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from conftest import CHROMIUM, CHROMIUM_ARGS, serve_directory  # noqa: E402
from test_search_trust import _path, truth, visible_pages  # noqa: E402

HAN2 = re.compile(r"[\u4e00-\u9fff]{2,}")
ABSENT = ["台风", "设备采购", "鹤影行动", "海啸", "冰雹灾害", "核电站", "地铁隧道", "航班延误", "疫苗接种",
          "9136112375846291XW", "青交罚〔2026〕15号", "K9999+999"]
COMMON = ["安全生产", "检查 整改", "工作", "应急", "隐患", "2026年"]
FULL_SET = 25  # queries with at most this many true results are compared page by page


def card_values(text: str, label: str) -> list[str]:
    return re.findall(rf"^{label}\n+(\S+)$", text, re.MULTILINE)


def query_sets(pages: dict[str, tuple[str, str]], rng: random.Random) -> dict[str, list[str]]:
    reports = sorted(u for u in pages if u.startswith("/r/"))
    pick = rng.sample(reports, min(400, len(reports)))
    sets: dict[str, list[str]] = {k: [] for k in ("title", "word", "card", "number", "common", "traditional",
                                                  "phrase", "absent")}
    sets["title"] = [pages[u][0] for u in pick[:30]]
    for u in pick[30:]:
        title, text = pages[u]
        body = text.split("\n", 1)[-1]
        runs = [r for r in HAN2.findall(body) if len(r) >= 6]
        if runs and len(sets["word"]) < 30:
            run = rng.choice(runs)
            n = rng.choice((2, 3, 4))
            i = rng.randrange(0, len(run) - n + 1)
            sets["word"].append(run[i:i + n])
        if runs and len(sets["phrase"]) < 10:
            run = rng.choice(runs)
            sets["phrase"].append('"' + run[:min(len(run), rng.choice((6, 8, 10)))] + '"')
        if runs and len(sets["traditional"]) < 10:
            run = rng.choice(runs)[:4]
            import opencc

            trad = opencc.OpenCC("s2t").convert(run)
            if trad != run:
                sets["traditional"].append(trad)
        for label in ("审核人", "签发人", "执笔人", "决定文号", "统一社会信用代码", "地点", "检查对象", "交办人"):
            for v in card_values(text, label):
                if len(sets["card"]) < 30 and v not in sets["card"] and rng.random() < 0.3:
                    sets["card"].append(v)
        for v in card_values(text, "所属周期"):
            m = re.search(r"第\d+周", v)
            if m and m.group() not in sets["card"] and len(sets["card"]) < 34:
                sets["card"].append(m.group())
        for m in re.finditer(r"\d+\.\d+万元|[A-Z]\d{3,4}\+\d{3}|\d{1,2}(?![\d.])", body):
            if len(sets["number"]) < 12 and m.group() not in sets["number"] and rng.random() < 0.05:
                sets["number"].append(m.group())
    sets["common"] = COMMON
    sets["absent"] = [q for q in ABSENT if not truth(pages, q)]
    return sets


def run(site: Path, seed: int) -> dict:
    from playwright.sync_api import sync_playwright

    started = time.perf_counter()
    pages = visible_pages(site)
    print(f"{len(pages)} searchable pages read in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    sets = query_sets(pages, random.Random(seed))
    out: dict = {"pages": len(pages), "kinds": {}}
    with serve_directory(site) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        # the first query of a reader: everything downloaded from opening the search to the results
        first = []
        for q in sets["title"][:5] + ["安全生产"]:
            ctx = browser.new_context()
            pg = ctx.new_page()
            pg.goto(url + "index.html")
            got: list[int] = []
            pg.on("requestfinished", lambda r, got=got: got.append(
                r.sizes()["responseBodySize"] if "/sb-index/" in r.url else 0))
            pg.click("[data-sb-search-open]")
            box = pg.locator("#sb-search input")
            box.wait_for(state="visible")
            box.fill(q)
            pg.wait_for_function("q => document.querySelector('.pagefind-ui__message').getAttribute('data-sb-done') === q",
                                 arg=q, timeout=60_000)
            first.append(sum(got))
            ctx.close()
        out["first_query_bytes"] = {"median": statistics.median(first), "max": max(first)}
        ctx = browser.new_context(viewport={"width": 1366, "height": 900})
        pg = ctx.new_page()
        pg.goto(url + "index.html")
        pg.click("[data-sb-search-open]")
        box = pg.locator("#sb-search input")
        box.wait_for(state="visible")
        box.fill("预热")  # the index's entry and the wasm once, as any reader after the first query
        pg.wait_for_function("() => document.querySelector('.pagefind-ui__message').getAttribute('data-sb-done')",
                             timeout=60_000)
        for kind, queries in sets.items():
            rows = []
            for q in queries:
                want = truth(pages, q.strip('"').replace(" ", "") if kind == "phrase" else q)
                box.fill("")
                t0 = time.perf_counter()
                box.fill(q)
                pg.wait_for_function(
                    "q => document.querySelector('.pagefind-ui__message').getAttribute('data-sb-done') === q",
                    arg=q, timeout=60_000)
                ms = (time.perf_counter() - t0) * 1000
                msg = pg.locator(".pagefind-ui__message").inner_text()
                m = re.search(r"找到 (\d+) 条", msg)
                count = int(m.group(1)) if m else 0
                more = pg.locator(".pagefind-ui__button")
                while len(want) <= FULL_SET and more.is_visible():
                    more.click()
                    pg.wait_for_function(
                        "q => document.querySelector('.pagefind-ui__message').getAttribute('data-sb-done') === q",
                        arg=q, timeout=60_000)
                items = pg.locator("li.pagefind-ui__result").all()
                shown = [(_path(i.locator(".pagefind-ui__result-link").get_attribute("href")),
                          i.locator(".pagefind-ui__result-excerpt").text_content(),
                          i.locator(".pagefind-ui__result-link").inner_text()) for i in items]
                urls = {u for u, _, _ in shown}
                exact = 0
                for u, ex, _ in shown:
                    flat = " ".join(pages[u][1].split()) if u in pages else ""
                    exact += all(" ".join(part.split()) in flat for part in ex.split("\n"))
                rows.append({
                    "q": q, "ms": ms, "true": len(want), "count": count,
                    "false_shown": len(urls - want), "shown": len(shown), "exact_excerpts": exact,
                    "missed": len(want - urls) if len(want) <= FULL_SET else None,
                    "title_first": (shown[0][2] == q) if kind == "title" and shown else None,
                })
            out["kinds"][kind] = rows
            _print(kind, rows)
        ctx.close()
        browser.close()
    return out


def _print(kind: str, rows: list[dict]) -> None:
    if not rows:
        return
    full = [r for r in rows if r["missed"] is not None]
    recall = sum(r["true"] - r["missed"] for r in full) / max(1, sum(r["true"] for r in full))
    print(f"{kind:12} n={len(rows):3}  recall={recall:.1%} of {len(full)} compared in full  count exact={sum(r['count'] == r['true'] for r in rows)}/{len(rows)}"
          f"  false shown={sum(r['false_shown'] for r in rows)}  excerpts exact="
          f"{sum(r['exact_excerpts'] for r in rows)}/{sum(r['shown'] for r in rows)}"
          + (f"  title first={sum(bool(r['title_first']) for r in rows)}/{len(rows)}" if kind == "title" else "")
          + f"  ms median={statistics.median(r['ms'] for r in rows):.0f} max={max(r['ms'] for r in rows):.0f}")
    for r in rows:
        if r["count"] != r["true"] or r["false_shown"] or r["missed"] or r["title_first"] is False:
            print("   !", r)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("site", type=Path)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", type=Path)
    a = ap.parse_args()
    out = run(a.site, a.seed)
    print(f"first query: median {out['first_query_bytes']['median'] / 1024:.0f} KB, "
          f"max {out['first_query_bytes']['max'] / 1024:.0f} KB")
    if a.json:
        a.json.write_text(json.dumps(out, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
