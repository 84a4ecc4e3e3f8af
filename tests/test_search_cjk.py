"""Chinese search finds any word of a report, not only dictionary words (issue 4, SPEC §7).

Pagefind's dictionary segmentation cut “14时10分明火扑灭” as 分明/火, so 明火 found nothing.
The site's own index (generator/site/textindex.py) holds every run of up to four characters of a
page's text, and the page script looks a query up the same way (templates/assets/site.js).

The browser tests run the built sample site in headless Chromium (skipped only when
/usr/bin/chromium is absent); the first test checks the text a page is searched in.
"""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from conftest import needs_chromium

from generator.site.search import shadow_page, side_text

INCIDENT_TITLE = "示例县东收费站配电房火情（初报）"
INCIDENT = "r/anjianke/2026/2026-11-03-收费站火情.html"
SPILL_TITLE = "县城南加油站卸油时汽油泄漏（初报）"
UNIT = "应急救援股"
# a token of the index: qz + four letters per character (what must never reach the reader)
JUNK = re.compile(r"qz[a-z]{4}|\u2060")


# --- the readable text -----------------------------------------------------------------------

def test_shadow_keeps_the_title_readable_and_the_text_whole_and_leaves_other_pages_alone():
    page = ('<html lang="zh"><body><nav>导航</nav><article><div data-pagefind-body>'
            '<h1 class="sb-title">低压<b>配电柜</b>起火</h1><p>明火<b>扑灭</b></p></div></article></body></html>')
    key, text = side_text(shadow_page(page))
    assert text["title"] == "低压配电柜起火"  # the readable title, for the results list
    assert text["t"] == "明火扑灭"  # the inline <b> does not break the run of text
    assert "导航" not in str(text)  # outside the searchable part: not the page's text
    assert shadow_page("<html><body><p>明火</p></body></html>") is None


# --- in the browser -----------------------------------------------------------------------------

@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    pg = context.new_page()
    yield pg
    context.close()


def _search(page, base_url: str, query: str, start: str = "periods/2026-11.html") -> list[dict]:
    """Type ``query`` into the header search; the results as shown: title, excerpt text and HTML."""
    page.goto(base_url + quote(start))
    page.click("[data-sb-search-open]")
    box = page.locator("#sb-search input")
    box.wait_for(state="visible", timeout=10_000)
    box.fill(query)
    page.wait_for_function("q => document.querySelector('.pagefind-ui__message').getAttribute('data-sb-done') === q",
                           arg=query, timeout=10_000)
    out = []
    for item in page.locator("li.pagefind-ui__result").all():
        excerpt = item.locator(".pagefind-ui__result-excerpt").first
        out.append({"title": item.locator(".pagefind-ui__result-link").first.inner_text(),
                    "text": excerpt.inner_text(), "html": excerpt.inner_html()})
    return out


def _assert_clean(results: list[dict]) -> None:
    for r in results:
        assert not JUNK.search(r["text"]) and not JUNK.search(r["title"]), r
        # no space-separated pairs either (明火 火扑 扑灭): the text reads as it was written
        assert not re.search(r"([\u4e00-\u9fff])([\u4e00-\u9fff]) \2[\u4e00-\u9fff]", r["text"]), r


@needs_chromium
@pytest.mark.parametrize("query,title,marked", [
    ("明火", INCIDENT_TITLE, "明火"),          # body “14时10分明火扑灭”: the dictionary cuts 分明/火
    ("低压", "示例县东收费站配电房火情（续报）", "低压"),   # “低压配电柜”
    ("配电柜", INCIDENT_TITLE, "配电柜"),        # three characters inside a sentence
    ("停止全站加油", SPILL_TITLE, "停止全站加油"),  # a phrase from inside a sentence
    ("全站加油", SPILL_TITLE, "全站加油"),        # four characters, cut across dictionary words
])
def test_a_chinese_word_inside_a_sentence_finds_its_report(page, base_url, query, title, marked):
    results = _search(page, base_url, query)
    titles = [r["title"] for r in results]
    assert title in titles, titles
    hit = results[titles.index(title)]
    assert query in hit["text"], hit  # the excerpt shows the words around it, readable
    assert f"<mark>{marked}</mark>" in hit["html"], hit["html"]  # and highlights exactly the query
    _assert_clean(results)


@needs_chromium
@pytest.mark.parametrize("title", [INCIDENT_TITLE, SPILL_TITLE, "示例县东收费站配电房火情（终报）"])
def test_an_exact_title_ranks_its_report_first(page, base_url, title):
    results = _search(page, base_url, title, start=INCIDENT)
    assert results[0]["title"] == title, [r["title"] for r in results]
    _assert_clean(results)


@needs_chromium
def test_a_unit_name_lists_that_units_reports_first(page, base_url):
    results = _search(page, base_url, UNIT)
    assert len(results) >= 3
    first = page.locator("li.pagefind-ui__result .pagefind-ui__result-link").first
    first.click()
    page.wait_for_load_state()
    assert page.locator(".sb-subtitle a").first.inner_text() == UNIT
    _assert_clean(results)


@needs_chromium
def test_a_word_that_is_nowhere_finds_nothing(page, base_url):
    page.goto(base_url)
    page.click("[data-sb-search-open]")
    box = page.locator("#sb-search input")
    box.wait_for(state="visible", timeout=10_000)
    box.fill("海啸")  # in no report (characters that never stand together are no match either)
    page.wait_for_function("() => document.querySelector('.pagefind-ui__message').getAttribute('data-sb-done') === '海啸'",
                           timeout=10_000)
    assert "没有找到" in page.locator(".pagefind-ui__message").inner_text()
    assert page.locator("li.pagefind-ui__result").count() == 0


@needs_chromium
def test_a_search_on_a_site_without_members_requests_nothing_missing(page, base_url):
    # the search merges members' bundles (members/search.json); a site without members must not
    # ask for a file it never wrote (a 404 and a red console error on every first search)
    failed, errors = [], []
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    results = _search(page, base_url, INCIDENT_TITLE)
    assert results and results[0]["title"] == INCIDENT_TITLE
    assert failed == [] and errors == [], (failed, errors)
