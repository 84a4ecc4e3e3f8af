"""The site's own search index (generator/site/textindex.py; SPEC §13, issue 13).

The truth is site.js ``pageHolds``: the folded page text matched with ``termPattern`` (ported
below as ``holds``). The index is read back here by a small reader written from the format's
description (``lookup``), and in Chromium by site.js itself.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import needs_chromium, serve_directory, wait_search_done
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.site import textindex
from generator.site.search import fold
from generator.site.textindex import UNIT_SEP, page_text, read_varint, token_hash, units, write_index

ASSETS = Path(__file__).resolve().parents[1] / "templates" / "assets"
HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
WORD_CH = rf"[^\W_{HAN}]"
SPACE = "\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"


# --- the truth: site.js termPattern / pageHolds, in Python ----------------------------------------

def holds(page: dict, term: str) -> bool:
    """Whether the page holds the (folded, spaces collapsed) term, as site.js pageHolds says."""
    pattern = re.sub(rf"(?:\\[{SPACE}])+|[{SPACE}]+", f"[{SPACE}]+", re.escape(term))
    if re.match(WORD_CH, term):
        pattern = rf"(?<!{WORD_CH})" + (r"(?<!\d\.)" if re.match(r"\d", term) else "") + pattern
    elif re.match(r"\.\d", term):
        pattern = r"(?<!\d)" + pattern
    if re.search(WORD_CH + "$", term):
        pattern += rf"(?!{WORD_CH})" + (r"(?!\.\d)" if re.search(r"\d$", term) else "")
    elif re.search(r"\d\.$", term):
        pattern += r"(?!\d)"
    return re.search(pattern, fold(page_text(page))) is not None


# --- a reader of the files, written from the format's description ----------------------------

class Index:
    """One shard's files (its folder, listed in meta.json); ``lookup`` gives its own page ids."""

    def __init__(self, root: Path, shard: int = 0):
        meta = json.loads((root / "meta.json").read_text())
        self.meta = {**meta["shards"][shard], "chunk": meta["chunk"]}
        self.root = root / self.meta["id"]  # (every file but meta.json and fold.json)
        self.buckets: dict[int, dict] = {}

    def bucket(self, b: int) -> dict:
        if b not in self.buckets:
            data = (self.root / "d" / f"{b}.bin").read_bytes()
            entries, at, index, own = {}, 0, 0, 0
            while at < len(data):
                flags, at = read_varint(data, at)
                n, at = read_varint(data, at)
                word = data[at:at + n].decode("utf-8")
                at += n
                count, at = read_varint(data, at)
                e = {"b": b, "index": index, "flags": flags, "count": count}
                if flags & textindex.OWN_FILE:
                    raw = (self.root / "p" / f"{b}-{own}.bin").read_bytes()
                    e["fmt"], e["data"] = raw[0], raw[1:]
                    own += 1
                else:
                    e["fmt"], at = read_varint(data, at)
                    n, at = read_varint(data, at)
                    e["data"] = data[at:at + n]
                    at += n
                entries[(flags & 3, word)] = e
                index += 1
            self.buckets[b] = entries
        return self.buckets[b]

    def entry(self, kind: int, parts: list[str]) -> dict | None:
        return self.bucket(token_hash(parts) % self.meta["buckets"]).get((kind, UNIT_SEP.join(parts)))

    def pages(self, e: dict | None) -> list[int]:
        if e is None:
            return []
        data, out = e["data"], []
        if e["fmt"] == 1:
            return [i for i in range(self.meta["pages"]) if data[i // 8] >> (i % 8) & 1]
        at, p = 0, -1
        while len(out) < e["count"]:
            gap, at = read_varint(data, at)
            p += gap + 1
            out.append(p)
        return out

    def places(self, e: dict) -> dict[int, list[int]]:
        out: dict[int, list[int]] = {}
        own = e["flags"] & textindex.OWN_POSITIONS
        for path in sorted((self.root / "q").glob(f"{e['b']}-*.bin")):
            data = path.read_bytes()
            parts = path.stem.split("-")
            if own:
                if len(parts) < 3 or int(parts[2]) != e["index"]:
                    continue
                at, skip, length = 0, 0, len(data)
            elif len(parts) == 3:
                continue
            else:
                n, at = read_varint(data, 0)
                skip, length = 0, -1
                for _ in range(n):
                    index, at = read_varint(data, at)
                    size, at = read_varint(data, at)
                    if index == e["index"]:
                        length = size
                    elif length < 0:
                        skip += size
            if length < 0:
                continue
            blob, pos, page = data[at + skip:at + skip + length], 0, -1
            while pos < length:
                gap, pos = read_varint(blob, pos)
                page += gap + 1
                count, pos = read_varint(blob, pos)
                offs, o = [], -1
                for _ in range(count):
                    gap, pos = read_varint(blob, pos)
                    o += gap + 1
                    offs.append(o)
                out[page] = offs
        return out

    def lookup(self, term: str, kind: int = textindex.TEXT) -> set[int]:
        parts = units(term)
        if len(parts) <= 4:
            return set(self.pages(self.entry(kind, parts)))
        windows = [o for o in range(0, len(parts) - 4, 4)] + [len(parts) - 4]
        windows = [o for o in windows if any(textindex.is_content(u) for u in parts[o:o + 4])]
        entries = [self.entry(kind, parts[o:o + 4]) for o in windows]
        if any(e is None for e in entries):
            return set()
        found = set.intersection(*(set(self.pages(e)) for e in entries))
        places = [self.places(e) for e in entries]
        return {p for p in found
                if any(all(start - windows[0] + o in places[i].get(p, ()) for i, o in enumerate(windows))
                       for start in places[0].get(p, ()))}


class Site:
    """The whole index: every shard's pages after the shards before it."""

    def __init__(self, root: Path):
        meta = json.loads((root / "meta.json").read_text())
        self.shards = [Index(root, i) for i in range(len(meta["shards"]))]
        self.offsets = [sum(s["pages"] for s in meta["shards"][:i]) for i in range(len(meta["shards"]))]
        assert meta["pages"] == sum(s["pages"] for s in meta["shards"])

    def lookup(self, term: str, kind: int = textindex.TEXT) -> set[int]:
        return {o + p for o, shard in zip(self.offsets, self.shards, strict=True) for p in shard.lookup(term, kind)}


def build(tmp_path: Path, pages: list[dict]) -> Index:
    write_index(pages, tmp_path / "sb-index")
    return Index(tmp_path / "sb-index")


# --- units ---------------------------------------------------------------------------------------

def test_units_keep_words_and_decimals_whole_and_cut_chinese_per_character():
    assert units("第45周 3.5万元 v1.2，K1423+300") == [
        "第", "45", "周", " ", "3.5", "万", "元", " ", "v1.2", "，", "K1423",
        "+", "300"]
    assert units("a  \n b") == ["a", " ", "b"]
    assert units("3..5 1.2.3") == ["3", ".", ".", "5", " ", "1.2.3"]
    assert units("𠀀字") == ["𠀀", "字"]  # a character outside the BMP is one unit


def test_numbers_and_codes_are_whole(tmp_path):
    pages = [{"url": "a.html", "title": "甲", "t": "共 37 人"}, {"url": "b.html", "title": "乙", "t": "增长 3.5 倍"},
             {"url": "c.html", "title": "丙", "t": "出动 3 辆"}, {"url": "d.html", "title": "丁", "t": "代码 91724324MA34X1HAWX"}]
    index = build(tmp_path, pages)
    assert index.lookup("3") == {2}
    assert index.lookup("37") == {0}
    assert index.lookup("3.5") == {1}
    assert index.lookup("34") == set()
    assert index.lookup(fold("91724324MA34X1HAWX")) == {3}
    assert index.lookup("台风") == set()


@pytest.mark.parametrize("times", [1, 30])
def test_a_long_term_is_proved_by_positions_not_by_its_pieces(tmp_path, times):
    # every page holds all four cover tokens of the term, but only the even pages hold the term;
    # written thirty times (some 9 KB of places), the tokens' places get files of their own
    term = "甲乙丙丁戊己庚辛壬癸子丑"
    parts = ["甲乙丙丁", "戊己庚辛", "壬癸子丑"]
    pages = [{"url": f"{i}.html", "title": f"第{i}页",
              "t": "。".join([term if i % 2 == 0 else "，".join(parts)] * times)} for i in range(300)]
    index = build(tmp_path, pages)
    own = index.entry(textindex.TEXT, units("甲乙丙丁"))["flags"] & textindex.OWN_POSITIONS
    assert bool(own) == (times > 1)
    assert index.lookup(term) == set(range(0, 300, 2))
    assert index.lookup("丁戊己庚辛") == set(range(0, 300, 2))
    assert index.lookup("甲乙丙丁") == set(range(300))
    assert index.lookup("癸子丑。甲乙丙丁戊") == (set(range(0, 300, 2)) if times > 1 else set())


def test_heading_and_title_tokens(tmp_path):
    pages = [{"url": "a.html", "title": "配电房 火情", "sub": "安监股 · 突发事件", "t": "正文"},
             {"url": "b.html", "title": "周报", "t": "配电房火情已处置"}]
    index = build(tmp_path, pages)
    assert index.lookup("配电房", textindex.HEADING) == {0}
    assert index.lookup("安监股", textindex.HEADING) == {0}
    assert set(index.pages(index.entry(textindex.TITLE, ["配电房火情"]))) == {0}
    assert index.lookup("配电房火情") == {1}  # the title has a space there: not the same text
    assert (index.root / "t" / "0.json").read_text(encoding="utf-8") == json.dumps(
        pages, ensure_ascii=False, separators=(",", ":"))  # the texts of a few pages in a file


def test_lists_are_bitmaps_when_smaller(tmp_path):
    pages = [{"url": f"{i}.html", "title": "报告", "t": "安全生产" if i % 3 else "其他"} for i in range(10000)]
    index = build(tmp_path, pages)
    e = index.entry(textindex.TEXT, units("安全生产"))
    assert e["fmt"] == 1 and e["flags"] & textindex.OWN_FILE
    assert index.lookup("安全生产") == {i for i in range(10000) if i % 3}


# --- the property: the index answers what pageHolds says --------------------------------------

ALPHABET = "安全生产貨货车 3 7 . a b ， \n 　Ａ"
text = st.text(alphabet=ALPHABET, max_size=40)


def _normal(term: str) -> str:
    """A term as parseQuery hands it over: folded, trimmed, runs of spaces one space."""
    return " ".join(fold(term).split())


@settings(max_examples=300, deadline=None)
@given(st.lists(st.fixed_dictionaries({"title": text, "t": text}), min_size=1, max_size=6), st.data())
def test_the_index_answers_what_page_holds_says(tmp_path_factory, pages, data):
    tmp = tmp_path_factory.mktemp("prop")
    # the pages cut into shards (each with page ids of its own): the whole answers the same
    cuts = sorted(data.draw(st.sets(st.integers(1, len(pages) - 1), max_size=3)) if len(pages) > 1 else set())
    bounds = [0, *cuts, len(pages)]
    write_index([pages[a:b] for a, b in zip(bounds, bounds[1:], strict=False)], tmp / "sb-index")
    index = Site(tmp / "sb-index")
    for _ in range(8):
        if data.draw(st.booleans()):
            src = fold(page_text(data.draw(st.sampled_from(pages))))
            a = data.draw(st.integers(0, len(src)))
            term = src[a:a + data.draw(st.integers(1, 14))]
        else:
            term = data.draw(st.text(alphabet=ALPHABET, min_size=1, max_size=10))
        term = _normal(term)
        if not any(textindex.is_content(u) for u in units(term)):
            continue  # punctuation alone is no search
        if len(units(term)) > 4 and any(not any(textindex.is_content(u) for u in units(term)[o:o + 4])
                                        for o in list(range(0, len(units(term)) - 4, 4)) + [len(units(term)) - 4]):
            continue  # a window of punctuation alone: left to the check of the shown pages
        truth = {i for i, p in enumerate(pages) if holds(p, term)}
        assert index.lookup(term) == truth, term


# --- in Chromium: site.js reads the index -------------------------------------------------------

PAGE_HTML = """<!doctype html><html lang="zh"><head><meta charset="utf-8"><title>搜索</title></head><body>
<button type="button" data-sb-search-open data-sb-base=".">搜索</button>
<div id="sb-search-panel" hidden><div id="sb-search"></div></div>
<script src="assets/site.js"></script></body></html>"""

LONG = "关于城关中兴机械制造有限公司安全生产监督检查情况的报告"
LONG2 = "甲乙丙丁戊己庚辛壬癸子丑"


def _site_pages() -> list[dict]:
    """Hand-written pages, newest first; among them 260 that hold every cover token of LONG
    (its 4-unit pieces at 0, 4, 8, …) but only 120 that hold LONG itself."""
    pages = [
        {"url": "r/a.html", "title": "配电房火情", "sub": "柳庄镇 · 突发事件", "c": "报送单位 柳庄镇\u2063执笔人 杜江",
         "t": "低压配电柜起火，出动 3 辆消防车，37 人参与处置，损失约 3.5 万元。已更换1.LED灯。"},
        {"url": "r/b.html", "title": "收费站货车起火", "sub": "交通局 · 突发事件", "c": "报送单位 交通局",
         "t": "一辆货车在收费站起火，未造成人员伤亡。"},
        {"url": "r/c.html", "title": "周报", "sub": "安监股 · 周报", "c": "报送单位 安监股",
         "t": "本周处置配电房火情一起。收费站运行正常。"},
    ]
    parts = [LONG[i:i + 4] for i in range(0, len(LONG) - 4, 4)] + [LONG[-4:]]
    for i in range(260):
        body = LONG if i % 2 == 0 and i < 240 else "；".join(reversed(parts))
        pages.append({"url": f"r/x{i}.html", "title": "检查记录", "sub": "检查组", "c": "报送单位 检查组", "t": body})
    for i in range(400):
        body = "。".join([LONG2 if i % 2 else "；".join(LONG2[k:k + 4] for k in (0, 4, 8))] * 25)  # some 11 KB of places: over OWN_POSITIONS_BYTES
        pages.append({"url": f"r/y{i}.html", "title": "巡查记录", "sub": "巡查组", "t": body})
    pages.append({"url": "r/title.html", "title": LONG, "sub": "检查组", "c": "报送单位 检查组", "t": "见附件。"})
    return pages


@pytest.fixture(scope="module")
def index_site(tmp_path_factory):
    """A site of the pages above with the index and site.js, and a member site beside it."""
    # in four shards: a term's pages, its long terms' candidates and the ranks span shards
    site = _small_site(tmp_path_factory.mktemp("index-site"), _site_pages(), cuts=(2, 100, 263))
    member = site / "member"
    member.mkdir()
    write_index([{"url": "r/m.html", "title": "乡镇配电房火情", "sub": "西坪镇 · 突发事件", "t": "配电房火情已扑灭。"}],
                member / "sb-index")
    (site / "members").mkdir()
    (site / "members" / "search.json").write_text(json.dumps([
        {"name": "西坪镇", "site": "member/", "index": "member/sb-index/"},
        {"name": "停机的单位", "site": "http://127.0.0.1:9/", "index": "http://127.0.0.1:9/sb-index/"},
    ], ensure_ascii=False), encoding="utf-8")
    with serve_directory(site) as url:
        yield url


@pytest.fixture(scope="module")
def index_search(browser, index_site):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    pg = context.new_page()
    fetched: list[tuple[str, int]] = []
    pg.on("requestfinished", lambda req: fetched.append((req.url, (req.sizes() or {}).get("responseBodySize", 0))))
    pg.goto(index_site + "index.html")
    pg.click("[data-sb-search-open]")
    box = pg.locator("#sb-search input")
    box.wait_for(state="visible", timeout=10_000)

    def run(query: str) -> dict:
        box.fill(query)
        pg.wait_for_function("q => document.querySelector('.pagefind-ui__message').getAttribute('data-sb-done') === q",
                             arg=query, timeout=20_000)
        items = pg.locator("li.pagefind-ui__result").all()
        return {"message": pg.locator(".pagefind-ui__message").inner_text(),
                "titles": [i.locator(".pagefind-ui__result-link").inner_text() for i in items],
                "urls": [i.locator(".pagefind-ui__result-link").get_attribute("href") for i in items],
                "subs": [i.locator(".sb-search-sub").inner_text() for i in items]}

    run.fetched = fetched
    yield run
    context.close()


@needs_chromium
def test_counts_are_exact_and_numbers_whole(index_search):
    assert index_search("3")["message"] == "找到 1 条含“3”的结果"
    assert index_search("37")["titles"] == ["配电房火情"]
    assert index_search("3.5")["titles"] == ["配电房火情"]
    assert index_search("5")["message"] == "没有找到“5”"
    assert index_search("3.")["message"] == "没有找到“3.”"  # 3.5 is one number
    assert index_search("LED")["titles"] == ["配电房火情"]  # a letter after "1." starts a word
    assert index_search("台风")["message"] == "没有找到“台风”"
    assert index_search("杜江")["titles"] == ["配电房火情"]  # the metadata card is searched
    assert index_search("，")["message"] == "标点符号不能单独搜索，请输入文字或数字"


@needs_chromium
def test_traditional_query_finds_simplified_text(index_search):
    found = index_search("收費站 貨車")
    assert found["message"] == "找到 1 条含“收費站 貨車”的结果" and found["titles"] == ["收费站货车起火"]


@needs_chromium
def test_long_term_is_checked_on_positions(index_search):
    found = index_search(LONG)
    # 240/2 pages hold the title in their body, one is the report itself; 140 hold only its pieces
    assert found["message"] == f"找到 121 条含“{LONG}”的结果"
    assert found["titles"][0] == LONG  # the exact title first
    assert any("/q/" in url for url, _ in index_search.fetched)  # proved by positions, not by texts
    found = index_search(LONG2)  # the places of common tokens: files of their own
    assert found["message"] == f"找到 200 条含“{LONG2}”的结果"
    assert any(re.search(r"/q/\d+-\d+-\d+\.bin$", url) for url, _ in index_search.fetched)


@needs_chromium
def test_title_and_heading_rank_first_and_members_follow(index_search):
    found = index_search("配电房火情")
    assert found["titles"][:2] == ["配电房火情", "周报"]
    assert found["titles"][2] == "乡镇配电房火情" and found["subs"][2].startswith("【西坪镇】")
    assert found["urls"][0].endswith("/r/a.html") and found["urls"][2].endswith("/member/r/m.html")
    assert found["message"] == "找到 3 条含“配电房火情”的结果"
    found = index_search("柳庄镇")  # in the subtitle of 配电房火情: before the pages that mention it elsewhere
    assert found["titles"] == ["配电房火情"]


def _shards(pages: list[dict], cuts=()) -> list[list[dict]]:
    bounds = [0, *cuts, len(pages)]
    return [pages[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]


def _small_site(tmp_path: Path, pages: list[dict], cuts=()) -> Path:
    """A site of one search page with site.js and the index of ``pages`` (cut into shards at ``cuts``)."""
    import shutil

    site = tmp_path / "site"
    (site / "assets").mkdir(parents=True)
    shutil.copy(ASSETS / "site.js", site / "assets" / "site.js")
    (site / "index.html").write_text(PAGE_HTML, encoding="utf-8")
    write_index(_shards(pages, cuts), site / "sb-index")
    return site


@needs_chromium
def test_a_page_opened_before_the_site_was_rebuilt_says_so_and_counts_nothing(browser, tmp_path):
    """The index's files are in a folder of their build: a reader whose page predates a new build
    is told to reload, not shown another build's pages under this one's ids, nor 没有找到."""
    import os
    import time

    site = _small_site(tmp_path, _site_pages(), cuts=(3,))
    # published ten days ago: a browser may keep a file that old for a day without asking again
    # (heuristic freshness), so the meta.json of the new build must not be taken from its cache
    old = time.time() - 10 * 86400
    os.utime(site / "sb-index" / "meta.json", (old, old))
    with serve_directory(site) as url:
        context = browser.new_context(locale="zh-CN")
        pg = context.new_page()
        pg.goto(url + "index.html")

        def search(query: str) -> str:
            pg.click("[data-sb-search-open]")
            pg.locator("#sb-search input").fill(query)
            wait_search_done(pg, query)
            return pg.locator(".pagefind-ui__message").inner_text()

        before = search("配电房")
        assert re.fullmatch(r"找到 \d+ 条含“配电房”的结果", before)
        # the site is rebuilt with one more page, newest: the first shard's folder changes (the
        # second's stays, its ids move by one)
        pages = [{"url": "r/new.html", "title": "配电房新情况", "t": "新的配电房。"}] + _site_pages()
        write_index(_shards(pages, cuts=(4,)), site / "sb-index")
        assert search("收费站") == "搜索索引已更新或暂时无法读取，请刷新页面后再搜索。"
        assert pg.locator("li.pagefind-ui__result").count() == 0
        pg.reload()
        after = search("配电房")
        context.close()
    assert int(re.search(r"\d+", after).group()) == int(re.search(r"\d+", before).group()) + 1


@needs_chromium
def test_a_long_term_with_a_run_of_punctuation_is_counted_exactly(browser, tmp_path):
    """甲————————乙: the middle of the dashes is in no token (punctuation alone is not indexed), so
    positions cannot prove it; pages holding 甲——— and ———乙 with other characters between must not
    be counted (the count is checked on the candidates' text)."""
    term = "甲" + "—" * 8 + "乙"
    # six that hold it rank first: the five shown hold it, so the list's own check of the shown
    # pages would never meet the seven that do not
    pages = [{"url": f"r/a{i}.html", "title": f"真的{i}", "t": f"编号{term}。"} for i in range(6)]
    pages += [{"url": f"r/b{i}.html", "title": f"假的{i}", "t": "编号甲———天地———乙。"} for i in range(7)]
    with serve_directory(_small_site(tmp_path, pages)) as url:
        context = browser.new_context(locale="zh-CN")
        pg = context.new_page()
        pg.goto(url + "index.html?q=" + term)
        wait_search_done(pg, term)
        message = pg.locator(".pagefind-ui__message").inner_text()
        titles = pg.locator(".pagefind-ui__result-link").all_inner_texts()
        context.close()
    assert message == f"找到 6 条含“{term}”的结果" and titles == [f"真的{i}" for i in range(5)]


def test_a_shards_folder_is_named_by_its_pages_and_its_writer(tmp_path, monkeypatch):
    """A reader holding an older meta.json must not find another layout's files under its id; a
    shard whose pages did not change keeps its folder, byte for byte."""
    pages = _site_pages()

    def ids(out: str, shards) -> list[str]:
        return [s["id"] for s in write_index(shards, tmp_path / out)["shards"]]

    first = ids("a", _shards(pages, (3,)))
    assert ids("b", _shards(pages, (3,))) == first  # the same pages, the same folders
    assert (tmp_path / "a" / first[0] / "d").is_dir() and sorted(p.name for p in (tmp_path / "a").iterdir()) == sorted(
        [*first, "fold.json", "meta.json"])
    added = ids("e", _shards([{"url": "r/new.html", "title": "新", "t": "新的。"}] + pages, (4,)))
    assert added[0] != first[0] and added[1] == first[1]
    assert _files(tmp_path / "e" / first[1]) == _files(tmp_path / "a" / first[1])
    monkeypatch.setattr(textindex, "CHUNK_PAGES", 2)  # same pages and format, other files
    assert ids("c", _shards(pages, (3,)))[1] != first[1]
    monkeypatch.undo()
    assert ids("d", _shards(pages[1:], (2,)))[0] != first[0]


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}
