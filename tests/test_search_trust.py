"""Search a leader can trust (issue 13, SPEC §13), driven through the site's own search box.

The ground truth is computed here from the built pages' visible text (title, subtitle, metadata
card and body of every searchable page; the sections the page marks as not searchable left
out), with OpenCC's own converter for traditional characters — not from the index.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import needs_chromium, serve_directory, wait_search_done

from generator.site.search import fold, shadow_page, side_text, text_key

HAN = re.compile("[\u3400-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")

ANON_TITLE = "群众反映青石岭采石场夜间违规爆破"
ANON_AUTHOR = "梁燕"  # writes other reports under her name too
BLOCKS = {"p", "div", "li", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6", "dt", "dd", "br", "tr", "section", "pre",
          "ol", "ul", "dl", "table", "blockquote", "details", "summary"}


class _Visible(HTMLParser):
    """The searchable text of a built page: inside data-pagefind-body, without ignored parts."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0  # inside the body: element depth
        self.skip = 0  # inside an ignored element: its depth
        self.parts: list[str] = []
        self.title = ""
        self.in_h1 = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("br", "img", "input", "meta", "link", "hr", "wbr"):
            self.parts.append("\n")
            return
        if self.depth:
            self.depth += 1
            if not self.skip and ("data-pagefind-ignore" in a or a.get("class") == "sb-on"
                                  or tag in ("script", "style")):
                self.skip = self.depth
        elif "data-pagefind-body" in a:
            self.depth = 1
        if tag in BLOCKS:
            self.parts.append("\n")
        self.in_h1 = self.in_h1 or tag == "h1"

    def handle_endtag(self, tag):
        if tag in BLOCKS:
            self.parts.append("\n")
        if tag == "h1":
            self.in_h1 = False
        if self.depth:
            if self.skip == self.depth:
                self.skip = 0
            self.depth -= 1

    def handle_data(self, data):
        if self.depth and not self.skip:
            self.parts.append(data)
            if self.in_h1:
                self.title += data


def visible_pages(site: Path) -> dict[str, tuple[str, str]]:
    """URL path → (title, searchable text with one line per block) of every searchable page."""
    out = {}
    for path in site.rglob("*.html"):
        page = path.read_text(encoding="utf-8")
        if "data-pagefind-body" not in page or path.parts[-2:] == ("search", "index.html"):
            continue
        v = _Visible()
        v.feed(page)
        text = "\n".join(" ".join(line.split()) for line in "".join(v.parts).split("\n"))
        out["/" + path.relative_to(site).as_posix()] = (" ".join(v.title.split()), text)
    return out


_T2S = None
_HAY: dict[str, str] = {}  # page text → simplified, lower case (OpenCC is slow: once per page)


def simplified(text: str) -> str:
    global _T2S
    if _T2S is None:
        import opencc

        _T2S = opencc.OpenCC("t2s")
    return _T2S.convert(text)


def truth(pages: dict[str, tuple[str, str]], query: str) -> set[str]:
    """Pages holding every term of ``query`` as written (codes and numbers whole)."""
    terms = [simplified(t).lower() for t in query.split()]
    found = set()
    for url, (_, text) in pages.items():
        hay = _HAY.get(text)
        if hay is None:
            hay = _HAY[text] = simplified(text).lower()
        # a number or code is whole: no letter or digit next to it, nor a decimal point and digit
        # next to a number (a letter after "1." starts a word: 1.LED灯 holds LED)
        if all(re.search(r"(?<![0-9a-z])" * bool(re.match(r"[0-9a-z]", t)) + r"(?<![0-9]\.)" * bool(re.match(r"[0-9]", t))
                         + re.escape(t) + r"(?![0-9a-z])" * bool(re.search(r"[0-9a-z]$", t))
                         + r"(?!\.[0-9])" * bool(re.search(r"[0-9]$", t)), hay) for t in terms):
            found.add(url)
    return found


@pytest.fixture(scope="module")
def pages(sample_site):
    return visible_pages(sample_site)


@pytest.fixture
def search(browser, base_url):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    pg = context.new_page()
    pg.goto(base_url + "index.html")
    pg.click("[data-sb-search-open]")
    box = pg.locator("#sb-search input")
    box.wait_for(state="visible", timeout=10_000)

    def run(query: str, everything: bool = True) -> dict:
        """Type ``query``; the message and every result (after “显示更多结果” until none is left)."""
        box.fill(query)
        pg.wait_for_function("q => document.querySelector('.pagefind-ui__message').getAttribute('data-sb-done') === q",
                             arg=query, timeout=20_000)
        more = pg.locator(".pagefind-ui__button")
        while everything and more.is_visible():
            more.click()
            pg.wait_for_function("q => document.querySelector('.pagefind-ui__message')"
                                 ".getAttribute('data-sb-done') === q", arg=query, timeout=20_000)
        results = []
        for item in pg.locator("li.pagefind-ui__result").all():
            link = item.locator(".pagefind-ui__result-link")
            ex = item.locator(".pagefind-ui__result-excerpt")
            results.append({"title": link.inner_text(), "url": link.get_attribute("href"),
                            "text": ex.text_content(), "html": ex.inner_html(),
                            "marks": [m.text_content() for m in ex.locator("mark").all()]})
        return {"message": pg.locator(".pagefind-ui__message").inner_text(), "results": results}

    yield run
    context.close()


def _path(url: str) -> str:
    path = "/" + url.split("://", 1)[-1].split("/", 1)[-1] if "://" in url else url
    return path + "index.html" if path.endswith("/") else path


def _urls(found: dict) -> set[str]:
    return {_path(r["url"]) for r in found["results"]}


# --- the index itself ---------------------------------------------------------------------------

def test_traditional_characters_and_full_width_forms_fold_one_for_one():
    assert fold("貨車收費站 ＡＢ１２") == "货车收费站 ab12"
    assert len(fold("𠀀貨")) == len("𠀀貨")  # a position in the folded text is one in the page's


def test_shadow_page_carries_the_card_and_the_readable_text_without_the_title():
    page = ('<html lang="zh"><body><div data-pagefind-body><h1 class="sb-title">配电房火情</h1>'
            '<p class="sb-subtitle">安监股 · 突发事件</p><div class="sb-card sb-meta">\n<dl>\n'
            '<div class="sb-meta-item"><dt>审核人</dt><dd>周建国</dd></div>\n</dl>\n</div>'
            '<p>低压<b>配电柜</b>起火。</p></div></body></html>')
    shadow = shadow_page(page, text_key("2026", "r/a/b.html"))
    key, text = side_text(shadow)
    assert key == text_key("2026", "r/a/b.html") and re.fullmatch("qk[a-z]+", key)
    assert text["c"] == "审核人 周建国" and text["sub"] == "安监股 · 突发事件"
    assert text["t"] == "低压配电柜起火。"  # the page's own text, no title line
    assert text["title"] == "配电房火情"


def test_the_anonymous_author_is_in_no_search_record_of_the_anonymous_report(sample_site):
    # the readable text of every page the index holds (what a search can show)
    records = [json.dumps(page, ensure_ascii=False) for p in (sample_site / "sb-index").rglob("t/*.json")
               for page in json.loads(p.read_text(encoding="utf-8"))]  # (a file holds a few pages)
    anon = [r for r in records if ANON_TITLE in r]
    assert len(anon) == 1 and "河西乡" in anon[0]  # control: the report is indexed, its card too
    assert ANON_AUTHOR not in anon[0]
    assert sum(ANON_AUTHOR in r for r in records) > 5  # control: her other reports name her


# --- in the browser -------------------------------------------------------------------------------

QUERIES = [
    "周建国", "陈静", "郭勇",  # reviewer / approver / assigned_by on the card
    "示应急罚〔2026〕17号", "91350126MA2Y3K8L56",  # decision number, 统一社会信用代码
    "第45周", "2026年第41周",  # period labels
    "火灾", "较大", "续报",  # category, severity, stage
    "非煤矿山",  # a tag
    "明火", "配电柜", "停止全站加油", "基本情况", "无权报送",  # words inside sentences, first words of blocks
    "3", "37", "34", "16", "10时", "2026年", "12.6万元", "8.5万元", "K1423+300", "G205",  # numbers and codes whole
    "收费站 火情", "河西乡 砖厂 整改",  # every term
    "貨車", "收費站",  # traditional characters
]
ABSENT = ["台风", "设备采购", "鹤影行动", "9136112375846291XW", "收费站 台风", "3333"]


@needs_chromium
@pytest.mark.parametrize("query", QUERIES)
def test_every_result_and_only_true_results_with_the_true_count(search, pages, query):
    want = truth(pages, query)
    assert want, f"control: {query} is in the sample"
    found = search(query)
    assert _urls(found) == want, (sorted(_urls(found) - want), sorted(want - _urls(found)))
    assert found["message"] == f"找到 {len(want)} 条含“{query}”的结果"
    _assert_excerpts(found, pages, query)


def _assert_excerpts(found: dict, pages: dict, query: str) -> None:
    terms = [simplified(t).lower() for t in query.split()]
    for r in found["results"]:
        title, text = pages[_path(r["url"])]
        flat = " ".join(text.split())
        excerpt = " ".join(r["text"].split())
        # the page's own text exactly: each part of the excerpt stands in the page as shown
        for part in re.split(r"\s*\n\s*", r["text"]):
            part = " ".join(part.split())
            assert part in flat, (excerpt, r["url"])
            # and whole at both ends: “11月12日” shown as 1月12日, or 123万元 as 12, would misstate a figure
            assert any(not _cut_inside(flat, at) and not _cut_inside(flat, at + len(part))
                       for at in _places(part, flat)), (part, r["url"])
        assert not excerpt.startswith(title), excerpt  # the title line is not repeated
        for mark in r["marks"]:
            assert simplified(mark).lower() in terms, (mark, terms, r["html"])


def _places(part: str, text: str) -> list[int]:
    return [m.start() for m in re.finditer(re.escape(part), text)]


def _cut_inside(text: str, i: int) -> bool:
    """Whether a cut of ``text`` before its character ``i`` splits a number, a date, a code or a Latin
    word (a . , - / : between two digits is inside the number or date)."""
    def at(k: int) -> str:
        return text[k] if 0 <= k < len(text) else ""

    def word(ch: str) -> bool:
        return bool(ch) and ch.isalnum() and not HAN.match(ch)

    before, after = at(i - 1), at(i)
    if before in ".,-/:" and before:
        return at(i - 2).isdigit() and after.isdigit()
    if after in ".,-/:" and after:
        return before.isdigit() and at(i + 1).isdigit()
    return word(before) and word(after)


@needs_chromium
@pytest.mark.parametrize("query", ABSENT)
def test_a_term_found_nowhere_finds_nothing(search, pages, query):
    assert not truth(pages, query)
    found = search(query)
    assert found["results"] == [] and found["message"] == f"没有找到“{query}”"


@needs_chromium
@pytest.mark.parametrize("query", ["，", "。"])
def test_punctuation_alone_is_no_search_and_is_not_said_to_be_found_nowhere(search, pages, query):
    assert truth(pages, query)  # control: the pages do hold it
    found = search(query)
    assert found["results"] == [] and found["message"] == "标点符号不能单独搜索，请输入文字或数字"


@needs_chromium
def test_the_anonymous_reports_author_does_not_find_it(search, pages):
    found = search(ANON_AUTHOR)
    titles = [r["title"] for r in found["results"]]
    assert ANON_TITLE not in titles and len(titles) == len(truth(pages, ANON_AUTHOR)) > 5


@needs_chromium
def test_every_report_title_finds_its_report_first(search, pages):
    titles = sorted({t for url, (t, _) in pages.items() if url.startswith("/r/")})
    assert len(titles) > 50
    wrong = []
    for title in titles:
        first = search(title, everything=False)["results"][0]
        if first["title"] != title:
            wrong.append((title, first["title"]))
    assert not wrong


@needs_chromium
def test_a_quoted_phrase_finds_the_characters_together_and_in_order(search, pages):
    together = search('"收费站配电房"')
    assert _urls(together) == truth(pages, "收费站配电房") and together["results"]
    assert search('"配电房收费站"')["results"] == []  # the same characters, another order
    spaced = search('"东收费站 配电房"')  # Chinese has no spaces between words
    assert _urls(spaced) == truth(pages, "东收费站配电房")


# --- an index cut into shards ---------------------------------------------------------------------

SPLIT_AT = "2026-11-15"


@pytest.fixture(scope="module")
def sharded_site(tmp_path_factory, project_root):
    """The sample built with its reports in two shards (before and from SPLIT_AT), as a year too
    large for one shard is cut (search.SHARD_PAGES)."""
    from conftest import SAMPLE_AS_OF

    from generator.repository import load_repository
    from generator.site import generate
    from generator.site.build import build_site
    from generator.timeparse import format_time

    def shard(self, r):
        return "2026-2" if format_time(r.reported_at, self.f.tz) >= SPLIT_AT else "2026-1"

    out = tmp_path_factory.mktemp("sharded-site")
    repo = load_repository(project_root, as_of=SAMPLE_AS_OF)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(generate.Generator, "shard", shard)
        build_site(project_root, repo.org, repo.reports, "internal", repo.as_of, out / "site",
                   publishable=repo.publishable("internal"), problems=repo.unpublishable(),
                   docs_dir=out / "docs", quiet=True)
    return out / "site"


def test_the_index_holds_every_shards_pages_newest_first_and_the_site_pages_last(sharded_site):
    """The shards are what the build cache reuses; the index is one, its pages in rank order."""
    import json

    index = sharded_site / "sb-index"
    meta = json.loads((index / "meta.json").read_text(encoding="utf-8"))
    texts = [page for shard in meta["shards"] for g in range(-(-shard["pages"] // meta["texts"]))
             for page in json.loads((index / shard["id"] / "t" / f"{g}.json").read_text(encoding="utf-8"))]
    assert len(texts) == meta["pages"] and len(meta["shards"]) == 3  # two report shards, the site's pages
    times = [m.group(1) for t in texts if (m := re.search("报送时间 (\\S+ \\S+)", t.get("c", "")))]
    assert len(times) > 100 and times == sorted(times, reverse=True)
    assert times[0] >= SPLIT_AT > times[-1]  # control: both shards are in it
    reports = [t["url"].startswith("r/") for t in texts]
    assert reports == sorted(reports, reverse=True)  # the help and rule pages last
    assert any("帮助" in t["title"] for t in texts)


@needs_chromium
@pytest.mark.parametrize("query", ["基本情况", "周建国", "收费站 火情", "3", "貨車", "台风"])
def test_shards_merged_give_every_true_result_newest_first(browser, sharded_site, query):
    pages = visible_pages(sharded_site)
    want = truth(pages, query)
    with serve_directory(sharded_site) as url:
        context = browser.new_context(locale="zh-CN")
        pg = context.new_page()
        pg.goto(url + "index.html?q=" + query)
        wait_search_done(pg, query)
        while pg.locator(".pagefind-ui__button").is_visible():
            pg.locator(".pagefind-ui__button").click()
            wait_search_done(pg, query)
        shown = [_path(a.get_attribute("href")) for a in pg.locator("a.pagefind-ui__result-link").all()]
        message = pg.locator(".pagefind-ui__message").inner_text()
        context.close()
    assert set(shown) == want and len(shown) == len(want)
    assert message == (f"找到 {len(want)} 条含“{query}”的结果" if want else f"没有找到“{query}”")
    # after the pages whose title or subtitle holds the query: newest first, across the shards
    rest = [u for u in shown if not all(t in simplified(pages[u][1].split("\n报送单位")[0]).lower()
                                        for t in simplified(query).lower().split())]
    times = [re.search("报送时间\\s+(\\S+ \\S+)", pages[u][1]).group(1) if u.startswith("/r/") else "0000" for u in rest]
    assert times == sorted(times, reverse=True), list(zip(rest, times, strict=True))
    if query == "基本情况":  # control: the results come from both shards
        assert times[0] >= SPLIT_AT > times[-1]


def test_a_shard_indexed_twice_from_the_same_pages_is_the_same_bytes(sample_site, tmp_path):
    """What an incremental build relies on to reuse a shard: its texts depend on its pages only."""
    import shutil

    from generator.site.search import index_shard, write_shadow_docs

    write_shadow_docs(sample_site.parent / "docs", tmp_path / "shadow")
    shutil.copytree(tmp_path / "shadow", tmp_path / "elsewhere" / "shadow")

    def files(folder):
        return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}

    index_shard(tmp_path / "shadow" / "2026", tmp_path / "a")
    index_shard(tmp_path / "elsewhere" / "shadow" / "2026", tmp_path / "b")
    a = files(tmp_path / "a")
    assert list(a) == ["texts.jsonl"] and a["texts.jsonl"].count(b"\n") > 100
    assert a == files(tmp_path / "b")


def test_a_large_year_is_cut_into_runs_of_whole_months_named_by_their_first():
    from generator.site.search import SHARD_PAGES, shard_order, shards_by_month

    small = {("2024", m): 10 for m in range(1, 13)}
    big = {("2025", m): SHARD_PAGES // 2 - 1 for m in range(1, 13)} | {("2025", 12): SHARD_PAGES + 1}
    shards = shards_by_month(small | big)
    assert {shards[("2024", m)] for m in range(1, 13)} == {"2024"}
    assert [shards[("2025", m)] for m in (1, 2, 3, 11, 12)] == ["2025-01", "2025-01", "2025-03", "2025-11", "2025-12"]
    assert shard_order(set(shards.values()))[:3] == ["2025-12", "2025-11", "2025-09"]
    assert shard_order(set(shards.values()))[-1] == "2024"
