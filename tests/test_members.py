"""逐级上报 across repositories (SPEC §12): an upper organisation built from its members' feeds.

Three member repositories are built by the test and served over loopback HTTP by real servers;
the upper repository's build reads them. One member later goes down, one starts returning an
invalid feed; a hanging member and an oversized feed are cut off; the upper site's search finds
a report that exists only in a member's site (Chromium).
"""

from __future__ import annotations

import http.server
import json
import re
import shutil
import subprocess
import threading
from pathlib import Path

import pytest
from conftest import CHROMIUM, CHROMIUM_ARGS, needs_chromium
from helpers_feeds import AS_OF, AS_OF_TEXT, SiteServer, build, member_repo
from helpers_org import ORG, make_org, run

from generator import members as M
from generator.config import load_org

CANARY = "限定级演练火情KQ7"
ONLY_IN_QINGSHAN = "青山县独有的防汛宣传活动"
INTERNAL_INCIDENT = "青山县内部火情XQ9"
PERIODS = ("2026-W47", "2026-W48", "2026-11", "2026-Q4", "2026")
SUMMED = ("reports", "incidents", "expected", "on_time", "late", "concealed", "missing")
UNAVAILABLE = 'sb-badge--unavailable">未取得<'
NAMES = {"qingshan": "青山县应急管理局", "hexi": "河西县应急管理局", "donghu": "东湖县应急管理局"}


def _upper(root: Path, feeds: dict[str, object]) -> Path:
    office = dict(ORG["units"][0])
    make_org(root, organization="某市应急管理局", units=[office],
             members=[{"id": k, "name": NAMES[k], "feed": v} for k, v in feeds.items()])
    if not (root / ".git").exists():
        subprocess.run(["git", "init", "-q", str(root)], check=True)
    return root


def _html(site: Path, page: str) -> str:
    return (site / page).read_text(encoding="utf-8")


def _summary(root: Path, period: str, audience: str = "internal") -> dict:
    result = run(root, "summary", "--period", period, "--format", "json", "--audience", audience, "--as-of", AS_OF_TEXT)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """The members' repositories and sites, served; the upper repository reading them."""
    base = tmp_path_factory.mktemp("federation")
    repos = {
        "qingshan": member_repo(base / "qingshan", NAMES["qingshan"], extra=3, canary=CANARY,
                                public_title=ONLY_IN_QINGSHAN, internal_incident=INTERNAL_INCIDENT),
        "hexi": member_repo(base / "hexi", NAMES["hexi"], extra=5),
        "donghu": member_repo(base / "donghu", NAMES["donghu"], extra=1),
    }
    sites = {k: build(root, "internal", base / "sites" / k) for k, root in repos.items()}
    public_qingshan = build(repos["qingshan"], "public", base / "sites" / "qingshan-public")
    servers = {k: SiteServer(site) for k, site in sites.items()}
    servers["qingshan-public"] = SiteServer(public_qingshan)
    feeds = {k: servers[k].url + "feed/" for k in repos}
    feeds["qingshan"] = {"internal": servers["qingshan"].url + "feed/", "public": servers["qingshan-public"].url + "feed/"}
    upper = _upper(base / "city", feeds)
    world = {"base": base, "repos": repos, "sites": sites, "servers": servers, "upper": upper}
    # the first build: every member up
    world["first"] = build(upper, "internal", base / "upper-first")
    world["public"] = build(upper, "public", base / "upper-public")
    yield world
    for s in servers.values():
        if s.thread.is_alive():
            s.stop()


def test_upper_figures_are_the_sum_of_the_members_summaries(world):
    org = load_org(world["upper"])
    feeds = M.read_members(world["upper"], org, "internal", list(PERIODS), ["2026"])
    assert all(f.ok for f in feeds), [f.reason for f in feeds]
    for period in PERIODS:
        theirs = [_summary(root, period)["totals"] for root in world["repos"].values()]
        table = M.member_table(feeds, period, "internal")
        for key in SUMMED:
            assert table["totals"][key] == sum(t[key] for t in theirs), (period, key)
        for row, t in zip(table["members"], theirs, strict=True):
            assert [row[k] for k in SUMMED] == [t[k] for k in SUMMED]
    page = _html(world["first"], "members/2026-11.html")
    month = M.member_table(feeds, "2026-11", "internal")["totals"]
    assert all(name in page for name in NAMES.values()) and UNAVAILABLE not in page
    footer = re.findall(r"<th[^>]*>([^<]*)</th>", page[page.index("<tfoot>"):page.index("</tfoot>")])
    assert footer[1:8] == [str(month[k]) for k in SUMMED if k != "on_time"][:2] + [
        str(month[k]) for k in ("expected", "late", "concealed", "missing")] + [f"{month['on_time_rate'] * 100:.0f}%"]
    # links into the member's site: its period page and its incident reports
    assert world["servers"]["hexi"].url + "periods/2026-11.html" in page
    assert world["servers"]["hexi"].url + "r/anjianke/2026/" in page
    home = _html(world["first"], "index.html")
    assert "下级单位" in home and NAMES["donghu"] in home


def test_summary_members_prints_them_side_by_side(world):
    theirs = {k: _summary(root, "2026-11")["totals"] for k, root in world["repos"].items()}
    result = run(world["upper"], "summary", "--period", "2026-11", "--members", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [m["id"] for m in data["members"]] == list(NAMES)
    assert data["totals"]["late"] == sum(t["late"] for t in theirs.values())
    md = run(world["upper"], "summary", "--period", "2026-11", "--members").stdout
    assert "| 下级单位 | 报告数 |" in md and NAMES["hexi"] in md and "**合计**" in md
    total = data["totals"]
    assert f"| **合计** | {total['reports']} | {total['incidents']} | {total['expected']} |" in md
    raw = run(world["upper"], "summary", "--period", "2026-11", "--members", "--format", "csv").stdout_bytes
    assert raw.startswith("\ufeff".encode()) and "\r\n合计".encode() in raw


def test_a_public_upper_build_carries_nothing_above_public(world):
    site = world["public"]
    text = "".join(p.read_text(encoding="utf-8", errors="replace") for p in site.rglob("*")
                   if p.is_file() and p.suffix in (".html", ".json", ".xml", ".csv"))
    assert CANARY not in text and INTERNAL_INCIDENT not in text
    page = _html(site, "members/2026-11.html")
    assert NAMES["qingshan"] in page and "<th>迟报</th>" not in page and "按时率" not in page
    # the other members publish internal feeds only: refused, never shown
    assert page.count(UNAVAILABLE) == 2 and "内部版，不能用于公开版" in page
    # its search merges the member's public site only
    bundles = json.loads((site / "members" / "search.json").read_text(encoding="utf-8"))
    assert bundles == [{"name": NAMES["qingshan"], "site": world["servers"]["qingshan-public"].url,
                        "index": world["servers"]["qingshan-public"].url + "sb-index/"}]
    # while the internal upper build shows the member's internal incident, still not the restricted one
    internal = _html(world["first"], "members/2026-11.html")
    assert INTERNAL_INCIDENT in internal and CANARY not in internal


def test_down_and_invalid_members_show_unavailable_with_their_last_good_copy(world, tmp_path):
    servers = world["servers"]
    servers["donghu"].stop()  # down
    broken = tmp_path / "hexi-broken"  # hexi now publishes a summary that fails the schema
    shutil.copytree(world["sites"]["hexi"], broken)
    summary = broken / "feed" / "summary-2026-11.json"
    data = json.loads(summary.read_text(encoding="utf-8"))
    data["totals"]["reports"] = "很多"
    summary.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    servers["hexi"].directory = broken

    site = build(world["upper"], "internal", tmp_path / "upper-second")
    for page in ("members/2026-11.html", "members/2026-10.html", "members/index.html"):
        html = _html(site, page)
        assert html.count(UNAVAILABLE) == 2, page
        assert "最近一次取得：2" in html and "从未取得" not in html  # the first build's good copies
        assert "不符合数据格式" in html and "无法连接" in html
        assert "不含未取得的 2 个" in html
    org = load_org(world["upper"])
    feeds = M.read_members(world["upper"], org, "internal", ["2026-10", "2026-11"], [])
    assert [f.ok for f in feeds] == [True, False, False]
    qingshan = _summary(world["repos"]["qingshan"], "2026-10")["totals"]
    table = M.member_table(feeds, "2026-10", "internal")
    assert [table["totals"][k] for k in SUMMED] == [qingshan[k] for k in SUMMED]  # no half-read figures
    # the last good copy lives in the upper repository's .git, not in its working tree
    cached = sorted(p.name for p in (world["upper"] / ".git" / "shangbao" / "members").iterdir())
    assert cached == ["donghu-internal.json", "hexi-internal.json", "qingshan-internal.json", "qingshan-public.json"]
    assert not list(world["upper"].glob("submissions/**/*.json"))


def test_a_damaged_cache_is_ignored(world, tmp_path):
    folder = tmp_path / "cache"
    folder.mkdir()
    member = load_org(world["upper"]).members[2]
    (folder / f"{member.id}-internal.json").write_text("{not json", encoding="utf-8")
    feed = M.fetch_member(member, "internal", world["upper"], ["2026-11"], [], folder)
    assert not feed.ok and feed.fetched_at is None  # down, no usable last copy: 从未取得


def test_a_member_feed_cannot_put_a_script_link_on_the_upper_site(world, tmp_path):
    hostile = tmp_path / "hostile"
    shutil.copytree(world["sites"]["hexi"], hostile)
    feed = hostile / "feed"
    index = json.loads((feed / "index.json").read_text(encoding="utf-8"))
    index["site"] = "javascript:alert(1)//"
    (feed / "index.json").write_text(json.dumps(index), encoding="utf-8")
    reports = json.loads((feed / "reports-2026.json").read_text(encoding="utf-8"))
    for r in reports["reports"]:
        r["url"] = "javascript:alert(document.cookie)"
    (feed / "reports-2026.json").write_text(json.dumps(reports, ensure_ascii=False), encoding="utf-8")
    server = SiteServer(hostile)
    try:
        from generator.config import Member

        got = M.read_member(Member("hexi", NAMES["hexi"], server.url + "feed/"), "internal", world["upper"],
                            ["2026-11"], ["2026"])
    finally:
        server.stop()
    assert got.ok and got.site is None and got.links == {} and got.period_url("2026-11") is None
    assert got.summaries["2026-11"]["incidents"]  # the figures are still used, only the links are not


def test_an_internal_upper_build_refuses_a_public_feed_without_figures(world):
    from generator.config import Member

    public = Member("qingshan", NAMES["qingshan"], world["servers"]["qingshan-public"].url + "feed/")
    with pytest.raises(M.FeedProblem, match="公开版，不含考核数字"):
        M.read_member(public, "internal", world["upper"], ["2026-11"], [])
    assert M.read_member(public, "public", world["upper"], ["2026-11"], []).ok


def test_a_member_feed_may_be_a_folder(world, tmp_path):
    from generator.config import Member

    folder = tmp_path / "copy"
    shutil.copytree(world["sites"]["donghu"] / "feed", folder / "feed")
    member = Member("donghu", NAMES["donghu"], str(folder / "feed"), site="https://donghu.example/xinxi/")
    got = M.read_member(member, "internal", world["upper"], ["2026-11"], ["2026"])
    assert got.ok and got.summaries["2026-11"]["totals"]["reports"] == _summary(world["repos"]["donghu"], "2026-11")["totals"]["reports"]
    assert got.period_url("2026-11") == "https://donghu.example/xinxi/periods/2026-11.html"
    assert all(u.startswith("https://donghu.example/xinxi/r/") for u in got.links.values()) and got.links
    (folder / "feed" / "index.json").unlink()
    with pytest.raises(M.FeedProblem, match="找不到"):
        M.read_member(member, "internal", world["upper"], ["2026-11"], [])


class _Hanging(http.server.BaseHTTPRequestHandler):
    release = threading.Event()

    def do_GET(self):  # noqa: N802 - stdlib name
        self.release.wait(30)

    def log_message(self, format, *args):  # noqa: A002
        pass


def test_a_hanging_member_is_cut_off_and_an_oversized_feed_refused(world, monkeypatch):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Hanging)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setattr(M, "TIMEOUT", 0.5)
    try:
        from generator.config import Member

        hanging = Member("slow", "慢县", f"http://127.0.0.1:{server.server_address[1]}/feed/")
        with pytest.raises(M.FeedProblem, match="没有响应"):
            M.read_member(hanging, "internal", world["upper"], ["2026-11"], [])
    finally:
        _Hanging.release.set()
        server.shutdown()
        server.server_close()
    monkeypatch.setattr(M, "MEMBER_BUDGET", 0.0)  # a member that takes too long in all is cut off too
    with pytest.raises(M.FeedProblem, match="秒内未能读完"):
        M.read_member(load_org(world["upper"]).members[1], "internal", world["upper"], ["2026-11"], [])
    monkeypatch.setattr(M, "MEMBER_BUDGET", 120.0)
    monkeypatch.setattr(M, "SUMMARY_LIMIT", 1000)
    member = load_org(world["upper"]).members[0]
    with pytest.raises(M.FeedProblem, match="大小限制"):
        M.read_member(member, "internal", world["upper"], ["2026"], [])


@pytest.mark.parametrize(("members", "expected", "where"), [
    ("qingshan", "members: 必须是下级单位列表", "members:"),
    ([{"id": "qingshan", "name": "青山县"}], "members.qingshan.feed: 必须填写", "qingshan"),
    ([{"id": "qingshan", "name": "青山县", "feed": "x/", "url": "y"}], "members.qingshan.url: 未知的下级单位配置项", "url:"),
    ([{"id": "qingshan", "name": "青山县", "feed": {"secret": "x/"}}], "members.qingshan.feed: 按读者范围写时", "feed:"),
])
def test_bad_members_config_is_exit_2_with_key_and_line(tmp_path, members, expected, where):
    make_org(tmp_path, members=members)
    result = run(tmp_path, "summary", "--period", "2026-11", "--members")
    assert result.exit_code == 2
    text = (tmp_path / "submissions/_org.yml").read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(text) if line.startswith("members"))
    line = next(i for i, line in enumerate(text[start:], start + 1) if where in line)
    assert f"submissions/_org.yml:{line}: {expected}" in result.output, result.output


@needs_chromium
def test_search_on_the_upper_site_finds_a_report_only_a_member_has(world):
    from playwright.sync_api import sync_playwright

    servers = world["servers"]
    upper = SiteServer(world["first"])
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            page = browser.new_page(locale="zh-CN")
            page.goto(upper.url)
            page.click("[data-sb-search-open]")
            box = page.locator("#sb-search input")
            box.wait_for(state="visible", timeout=10_000)
            box.fill("独有的防汛宣传活动")
            page.wait_for_selector(".pagefind-ui__result-link", timeout=15_000)
            result = page.locator(".pagefind-ui__result", has_text=ONLY_IN_QINGSHAN).first
            result.wait_for(timeout=10_000)
            assert result.locator("a").get_attribute("href").startswith(servers["qingshan"].url)
            assert "【青山县应急管理局】" in result.locator(".sb-search-sub").inner_text()
            assert not (world["first"] / "r" / "anjianke" / "2026").exists()  # not a page of the upper site
            browser.close()
    finally:
        upper.stop()


def test_serve_of_an_upper_organisation_shows_its_members_and_fetches_them_once(world, tmp_path, monkeypatch):
    """`shangbao serve` on the upper repository shows the 下级单位 pages as the build does; an edit
    does not fetch every member again."""
    from generator.site.serve import Preview

    fetched: list[str] = []
    real = M.fetch_member
    monkeypatch.setattr(M, "fetch_member", lambda m, *a, **k: fetched.append(m.id) or real(m, *a, **k))
    preview = Preview(world["upper"], "internal", as_of=AS_OF, out=tmp_path / "out")
    assert preview.full_build()
    page = _html(preview.site_dir, "members/2026-11.html")
    # every member listed (with its figures, or 未取得 when an earlier test of this module took its
    # site down: either way what the build shows)
    assert all(name in page for name in NAMES.values()) and "sb-member" in page
    assert sorted(fetched) == sorted(NAMES)
    assert preview.rebuild()  # an edit: the pages are generated again from the facts
    assert sorted(fetched) == sorted(NAMES)  # the members were not fetched again
    assert all(name in _html(preview.site_dir, "members/2026-11.html") for name in NAMES.values())
