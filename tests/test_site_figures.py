"""The figures a leader reads on the site are the figures ``shangbao summary`` prints (SPEC §7).

A small organisation built as of the very minute the week-47 reports fall due (Monday
2026-11-23 12:00): at that minute nothing of week 47 is 漏报 yet. Its home cards and period
pages must agree figure for figure with ``shangbao summary`` for the same audience and as-of,
and the public build must show no assessment figure at all (expected, late, concealed,
missing, on-time rate, score), since counted from public reports alone it would name units
漏报 for reports the public cannot see.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from helpers_org import OTHER_UNIT, make_org, run, write_good

from generator.repository import load_repository
from generator.site.build import build_site

AT_DUE = "2026-11-23 12:00"  # the week-47 reports are due at this very minute
PERIODS = ("2026-W48", "2026-W47", "2026-11", "2026-10")


@pytest.fixture(scope="module")
def org(tmp_path_factory) -> Path:
    root = make_org(tmp_path_factory.mktemp("figures"))
    # 安全生产监督管理股: internal weekly reports for W46 and W47, an internal incident, a public
    # information report; 应急救援股: W46 absent (漏报), W47 absent but not yet past due
    write_good(root, "weekly", "2026-W46-周报", title="第46周周报", period="2026-W46", reported_at="2026-11-16 09:00")
    write_good(root, "weekly", "2026-W47-周报", title="第47周周报", period="2026-W47", reported_at="2026-11-23 09:00")
    write_good(root, "incident", reported_at="2026-11-20 13:00")  # 4 h after it occurred: 迟报
    write_good(root, "info", title="公开的宣传信息", classification="public", reported_at="2026-11-18 10:00")
    write_good(root, "inspection", title="公开的检查", classification="public", reported_at="2026-11-19 16:00")
    return root


def _build(root: Path, audience: str) -> Path:
    repo = load_repository(root, as_of=dt.datetime(2026, 11, 23, 12, 0, tzinfo=ZoneInfo("Asia/Shanghai")),
                           history=False)
    assert not repo.errors, [f.as_dict() for f in repo.errors]
    site = root / f"site-{audience}"
    build_site(root, repo.org, repo.reports, audience, repo.as_of, site, publishable=repo.publishable(audience),
               problems=repo.unpublishable(), docs_dir=root / "build" / f"docs-{audience}", quiet=True)
    return site


@pytest.fixture(scope="module")
def sites(org) -> dict[str, Path]:
    return {audience: _build(org, audience) for audience in ("internal", "public")}


def _summary(root: Path, period: str, audience: str) -> dict:
    result = run(root, "summary", "--period", period, "--format", "json", "--audience", audience, "--as-of", AT_DUE)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _text(fragment: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", fragment))).strip()


def _kpis(fragment: str) -> dict[str, str]:
    pairs = re.findall(r'<span class="sb-kpi-num">(.*?)</span><span class="sb-kpi-label">(.*?)</span>', fragment)
    return {_text(label): _text(num) for num, label in pairs}


def _pct(rate) -> str:
    return "—" if rate is None else f"{rate * 100:.0f}%"


def _expected_kpis(totals: dict, assessed: bool) -> dict[str, str]:
    if not assessed:
        return {"公开报告": str(totals["reports"]), "定期报告": str(totals["received"]),
                "其他报告（事件、检查等）": str(totals["other"]), "突发事件（初报）": str(totals["incidents"])}
    return {
        "定期报告 已报 / 应报": f"{totals['received']} / {totals['expected']}",
        "漏报（已过期限未报）": str(totals["missing"]),
        "其他报告（事件、检查等）": str(totals["other"]),
        "突发事件（初报）": str(totals["incidents"]),
        "迟报": str(totals["late"]),
        "瞒报": str(totals["concealed"]),
        "及时率": _pct(totals["on_time_rate"]),
    }


def _rows(page: str) -> dict[str, dict[str, str]]:
    """The period page's unit table: unit name → {column label: figure}."""
    table = page.split('<table class="sb-table sb-summary', 1)[1].split("</tbody>", 1)[0]
    out = {}
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S):
        cells = dict(re.findall(r'<td[^>]*data-label="([^"]*)"[^>]*>(.*?)</td>', row, re.S))
        if "单位" in cells:
            name = _text(cells.pop("单位"))
            out[name] = {k: _text(v) for k, v in cells.items()}
    return out


def _expected_row(unit: dict, assessed: bool) -> dict[str, str]:
    if not assessed:
        return {"定期报告": str(unit["received"]), "其他报告": str(unit["other"]), "合计": str(unit["submitted"])}
    return {"定期报告 已报/应报": f"{unit['received']} / {unit['expected']}", "漏报": str(unit["missing"]),
            "其他报告": str(unit["other"]), "迟报": str(unit["late"]), "瞒报": str(unit["concealed"]),
            "及时率": _pct(unit["on_time_rate"]), "得分": str(unit["score"])}


@pytest.mark.parametrize("audience", ("internal", "public"))
def test_period_pages_agree_with_the_summary_figure_for_figure(org, sites, audience):
    for period in PERIODS:
        data = _summary(org, period, audience)
        page = (sites[audience] / "periods" / f"{period}.html").read_text(encoding="utf-8")
        assert _kpis(page) == _expected_kpis(data["totals"], audience != "public"), period
        rows = _rows(page)
        for unit in data["units"]:
            assert rows[unit["name"]] == _expected_row(unit, audience != "public"), (period, unit["name"])


@pytest.mark.parametrize("audience", ("internal", "public"))
def test_home_cards_agree_with_the_summary(org, sites, audience):
    home = (sites[audience] / "index.html").read_text(encoding="utf-8")
    cards = home.split('<section class="sb-card sb-glance">')[1:]
    assert len(cards) == 2  # 本周, 本月
    for card, period in zip(cards, ("2026-W48", "2026-11"), strict=True):
        assert f"periods/{period}.html" in card.split("</h2>", 1)[0]
        card = card.split("</section>", 1)[0]
        data = _summary(org, period, audience)
        assert _kpis(card) == _expected_kpis(data["totals"], audience != "public"), period
        if audience != "public":
            assert card.count("sb-owe--overdue") == len(data["missing"])
            assert card.count('class="sb-owe"') == len(data["pending"])


def test_at_the_due_minute_last_week_is_not_yet_missing(org, sites):
    data = _summary(org, "2026-W47", "internal")
    assert data["missing"] == []
    assert [(m["unit"], m["period"]) for m in data["pending"]] == [(OTHER_UNIT, "2026-W47")]
    home = (sites["internal"] / "index.html").read_text(encoding="utf-8")
    last = home.split('sb-glance--small">', 1)[1].split("</section>", 1)[0]  # 上周
    assert "2026年第47周" in last
    assert "漏报 2026年第47周" not in _text(last)
    assert "应急救援股 · 待报 2026年第47周周报" in _text(last)
    assert "漏报 0" in _text(last) and "定期报告 已报 1 / 应报 2" in _text(last)


ASSESSMENT_WORDS = ("应报", "漏报", "迟报", "瞒报", "及时率", "按时", "得分", "排名", "时效", "逾期")


def test_public_site_shows_no_assessment_figures(org, sites):
    site = sites["public"]
    pages = [site / "index.html", site / "units" / "index.html", site / "periods" / "index.html"]
    pages += sorted((site / "periods").glob("2026*.html")) + sorted((site / "units").glob("*.html"))
    pages += sorted((site / "r").rglob("*.html"))
    assert len(pages) > 10
    for page in pages:
        text = page.read_text(encoding="utf-8")
        text = text.split('<article', 1)[1].split("</article>", 1)[0]
        text = re.sub(r'<p class="sb-muted sb-public-note">.*?</p>', "", text)  # says what is left out
        for word in ASSESSMENT_WORDS:
            assert word not in text, (page.relative_to(site), word)
        assert "sb-badge" not in text, page
    # and it still shows the public reports and their counts
    home = (site / "index.html").read_text(encoding="utf-8")
    assert "公开的宣传信息" in home and "公开版只统计公开的报告" in home


def test_internal_site_keeps_the_assessment(sites):
    month = (sites["internal"] / "periods" / "2026-11.html").read_text(encoding="utf-8")
    assert "漏报" in month and "及时率" in month and "sb-badge--late" in month


@pytest.mark.parametrize("audience", ("internal", "public"))
def test_unit_pages_agree_with_the_summary(org, sites, audience):
    from helpers_org import UNIT

    page = (sites[audience] / "units" / f"{UNIT}.html").read_text(encoding="utf-8")
    table = page.split('<table class="sb-table sb-summary', 1)[1].split("</tbody>", 1)[0]
    rows = {}
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S):
        cells = dict(re.findall(r'<td[^>]*data-label="([^"]*)"[^>]*>(.*?)</td>', row, re.S))
        if "周期" in cells:
            label = _text(cells.pop("周期"))
            rows[label] = {k: _text(v) for k, v in cells.items()}
    for period, label in (("2026-W48", "2026年第48周"), ("2026-11", "2026年11月")):
        unit = next(u for u in _summary(org, period, audience)["units"] if u["id"] == UNIT)
        assert rows[label] == _expected_row(unit, audience != "public"), (period, audience)
