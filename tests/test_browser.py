"""The built sample site in headless Chromium: dashboard, report chain, search, no outside requests.

Serves the site over http on 127.0.0.1 from a thread and records every request the browser
makes. Screenshots (desktop and phone) go to /tmp/shots/ for a person to look at.
Skipped only when /usr/bin/chromium is absent.
"""

from __future__ import annotations

import time
from pathlib import Path
from urllib.parse import quote, urlparse

import pytest
from conftest import needs_chromium

pytestmark = needs_chromium
SHOTS = Path("/tmp/shots")
INCIDENT = "r/anjianke/2026/2026-11-03-收费站火情.html"
INCIDENT_TITLE = "示例县东收费站配电房火情（初报）"


@pytest.fixture
def requests_seen():
    return []


@pytest.fixture
def page(browser, requests_seen):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")

    # Record (not intercept: routing stalls Pagefind's worker requests) every request.
    context.on("request", lambda request: requests_seen.append(request.url))
    pg = context.new_page()
    yield pg
    context.close()


def _outside(urls: list[str]) -> list[str]:
    return [u for u in urls if urlparse(u).hostname != "127.0.0.1" and not u.startswith(("data:", "blob:", "about:"))]


def _search(page, query: str) -> list[str]:
    page.click("[data-sb-search-open]")
    box = page.locator("#sb-search input")
    box.wait_for(state="visible", timeout=10_000)
    box.fill(query)
    page.wait_for_selector(".pagefind-ui__result-link", timeout=10_000)
    time.sleep(0.3)  # let Pagefind finish rendering all results
    return page.locator(".pagefind-ui__result-link").all_inner_texts()


def test_dashboard_shows_who_has_not_reported_in_red(page, base_url, requests_seen):
    page.goto(base_url)
    overdue = page.locator("li.sb-overdue").first
    assert "河西乡应急管理办公室" in overdue.inner_text()
    assert "W46" in overdue.inner_text()
    color = overdue.locator(".sb-owe--overdue").first.evaluate("e => getComputedStyle(e).backgroundColor")
    assert color == "rgb(198, 40, 40)"  # the site's red
    assert page.locator("svg.sb-chart").count() == 2
    assert _outside(requests_seen) == []


def test_report_page_shows_its_chain(page, base_url, requests_seen):
    page.goto(base_url + quote(INCIDENT))
    steps = page.locator("ol.sb-chain-list li")
    assert steps.count() == 3
    assert [s.locator(".sb-stage").inner_text() for s in steps.all()] == ["初报", "续报", "终报"]
    steps.nth(2).locator("a").click()
    page.wait_for_load_state()
    assert "终报" in page.locator("h1").first.inner_text()
    assert page.locator("ol.sb-chain-list li.sb-current .sb-stage").inner_text() == "终报"
    assert _outside(requests_seen) == []


def test_search_finds_a_report_by_exact_title_body_word_and_unit(page, base_url, requests_seen):
    page.goto(base_url + "periods/2026-11.html")
    titles = _search(page, INCIDENT_TITLE)
    assert titles and titles[0] == INCIDENT_TITLE
    page.goto(base_url + quote(INCIDENT))  # from a deeper page: relative bundle paths still work
    titles = _search(page, "配电柜")  # a word inside a sentence of the body: “起火部位为低压配电柜”
    assert INCIDENT_TITLE in titles
    link = page.locator(".pagefind-ui__result-link", has_text=INCIDENT_TITLE).first.get_attribute("href")
    page.goto(urlparse(base_url)._replace(path=link).geturl())
    assert page.locator("h1").first.inner_text() == INCIDENT_TITLE
    titles = _search(page, "应急救援股")
    assert titles
    assert _outside(requests_seen) == []
    assert any("/sb-index/" in u for u in requests_seen)  # the site's own index


@pytest.mark.parametrize("name,viewport", [("desktop", {"width": 1280, "height": 900}),
                                           ("phone", {"width": 390, "height": 844})])
def test_screenshots(browser, base_url, name, viewport):
    SHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport=viewport, device_scale_factor=2 if name == "phone" else 1)
    seen: list[str] = []
    context.on("request", lambda r: seen.append(r.url))
    pg = context.new_page()
    for shot, path in (("home", ""), ("report", quote(INCIDENT)), ("month", "periods/2026-11.html")):
        pg.goto(base_url + path)
        pg.wait_for_load_state("networkidle")
        pg.screenshot(path=str(SHOTS / f"{shot}-{name}.png"), full_page=True)
        if name == "phone":
            pg.screenshot(path=str(SHOTS / f"{shot}-{name}-top.png"))
        assert pg.locator("h1").first.is_visible()
    # a phone reader's report table must not be wider than the screen
    pg.goto(base_url)
    overflow = pg.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    context.close()
    assert _outside(seen) == []
