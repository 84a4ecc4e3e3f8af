"""The site (SPEC §6–§8): pages, escaping, audiences, refusing to publish, sizes."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import stat
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from helpers_org import INCIDENT_ID, UNIT, good_report, make_org, run, write_good, write_report
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.repository import load_repository
from generator.site import urls
from generator.site.build import build_site

TZ = ZoneInfo("Asia/Shanghai")
AS_OF = dt.datetime(2026, 11, 27, 18, 0, tzinfo=TZ)


def _build(root: Path, audience: str = "internal", publishable=None) -> Path:
    repo = load_repository(root, as_of=AS_OF, history=False)
    site = root / f"site-{audience}"
    build_site(root, repo.org, repo.reports, audience, repo.as_of, site,
               publishable=repo.publishable(audience) if publishable is None else publishable,
               docs_dir=root / "build" / f"docs-{audience}", quiet=True)
    return site


def _all_html(site: Path) -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in site.rglob("*.html"))


def _search_index_text(site: Path) -> str:
    """Every file of the search index, its words as written (the index keeps them as UTF-8),
    and every side file of readable text (what a reader's search can ever return)."""
    out = [p.read_bytes().decode("utf-8", "replace").replace("\x1f", "")
           for p in (site / "sb-index").rglob("*") if p.is_file()]
    return "\n".join(out)


def _page(site: Path, report_id: str) -> str:
    return (site / urls.html_path(urls.report_doc_path(report_id))).read_text(encoding="utf-8")


# --- report URLs ------------------------------------------------------------------------

def test_readable_ids_keep_readable_urls():
    assert urls.report_doc_path("anjianke/2026/2026-11-27-收费站火情") == "r/anjianke/2026/2026-11-27-收费站火情.md"
    link = urls.relative_url("index.md", "r/anjianke/2026/2026-11-27-收费站火情.md")
    assert link == "r/anjianke/2026/2026-11-27-%E6%94%B6%E8%B4%B9%E7%AB%99%E7%81%AB%E6%83%85.html"


def test_weekly_report_pages_keep_their_readable_name():
    assert urls.report_doc_path("anjianke/2026/2026-W47-周报") == "r/anjianke/2026/2026-W47-周报.md"
    assert urls.report_doc_path("anjianke/2026/2026-Q4-季报") == "r/anjianke/2026/2026-Q4-季报.md"


def test_ids_that_differ_only_in_case_get_pages_a_case_insensitive_server_tells_apart(tmp_path):
    root = make_org(tmp_path)
    write_good(root, "info", "2026-11-18-Fire", title="大写的信息")
    write_good(root, "info", "2026-11-18-fire", title="小写的信息")
    write_good(root, "weekly", "2026-W47-周报")
    site = _build(root)
    pages = [p.relative_to(site / "r").as_posix() for p in (site / "r").rglob("*.html")]
    assert f"{UNIT}/2026/2026-W47-周报.html" in pages  # no hash: readable and stable
    twins = [p for p in pages if "fire" in p.casefold()]
    assert len(twins) == 2 and len({p.casefold() for p in twins}) == 2, twins
    assert all("~" in p for p in twins)
    texts = {(site / "r" / p).read_text(encoding="utf-8").count("的信息") > 0 for p in twins}
    assert texts == {True}


@pytest.mark.parametrize("bad", ["../../etc/passwd", "/etc/passwd", "a/../../b", "a/./b", "a/.hidden", "a/index",
                                 "a/README", "a//b", "a/b\x00c", "a/Ｆ\u0301", "a/e\u0301", "..", "a/b c", "a/b?c#d"])
def test_odd_ids_stay_inside_the_reports_folder(bad):
    doc = urls.report_doc_path(bad)
    assert doc.startswith("r/") and doc.endswith(".md")
    parts = doc.split("/")
    assert all(p not in ("", ".", "..") for p in parts)
    assert "\x00" not in doc and " " not in doc
    assert "~" in parts[-1]  # reduced ids carry a hash so they cannot collide with kept ones


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(min_size=1, max_size=30), min_size=2, max_size=2, unique=True))
def test_two_ids_never_share_a_page(ids):
    a, b = ids
    pa, pb = urls.report_doc_path(a), urls.report_doc_path(b)
    assert pa != pb
    for p in (pa, pb):
        assert p.startswith("r/") and ".." not in p.split("/") and not p.startswith("/")


# --- a small organisation built end to end ---------------------------------------------------

XSS_TITLE = '<script>alert("t")</script>[点我](javascript:alert(1))'
XSS_BODY = """
## 基本情况

<script>alert("b")</script> 正文有<b onclick="alert(2)">粗体</b>和 [恶意链接](javascript:alert(3)) 以及
<iframe src="https://evil.example/"></iframe> 还有 ![外部图片](https://evil.example/x.png)
<a href="javascript:alert(4)">链接</a> <img src=x onerror=alert(5)> [正常链接](https://example.cn/a)

## 事件经过

经过。

## 处置措施

措施。
"""


@pytest.fixture
def small_org(tmp_path):
    root = make_org(tmp_path)
    write_good(root, "incident", title="城东收费站货车起火初报甲")  # 初报, internal
    write_good(root, "incident", "2026-11-21-收费站火情续报", title="收费站火情续报", stage="续报",
               follows=INCIDENT_ID, reported_at="2026-11-21 10:00", classification="public")
    write_good(root, "feedback")
    write_good(root, "weekly", tags=["冬季攻势", "消防"])
    write_good(root, "info", "2026-11-22-限定信息", title="限定级测试信息乙", classification="restricted",
               reported_at="2026-11-22 10:00")
    write_good(root, "info", "2026-11-23-草稿信息", title="尚未完成的草稿信息", draft=True,
               reported_at="2026-11-23 10:00")
    write_good(root, "info", "2026-11-24-匿名信息", title="匿名反映的情况", anonymous=True,
               reported_at="2026-11-24 10:00", author="赵磊")
    return root


def test_a_repository_with_an_older_copy_of_the_templates_still_builds(small_org, project_root):
    # the repository copied templates/site/ before the search template and the shared title partial
    # existed, and customised its report page: its own template is used, the missing ones come from
    # the project
    import shutil

    own = small_org / "templates" / "site"
    shutil.copytree(project_root / "templates" / "site", own)
    for name in ("report_search.j2", "_report_head.j2", "_report_on.j2"):
        (own / name).unlink()
    page = (own / "report.md.j2").read_text(encoding="utf-8")
    (own / "report.md.j2").write_text(page.replace('<div class="sb-body">', '<p>本局自定义</p>\n<div class="sb-body">'),
                                      encoding="utf-8")
    site = _build(small_org)
    assert "本局自定义" in _page(site, INCIDENT_ID)
    assert "城东收费站货车起火初报甲" in _search_index_text(site)


def test_report_page_shows_card_chain_feedback_and_times(small_org):
    site = _build(small_org)
    page = _page(site, INCIDENT_ID)
    card = page[page.index("sb-meta"):page.index("sb-body")]
    for label, value in [("报送单位", "安全生产监督管理股"), ("执笔人", "赵磊"), ("事发时间", "2026-11-20 09:00"),
                         ("报送时间", "2026-11-20 10:00"), ("接收时间", "2026-11-20 10:00"),
                         ("审核人", "陈静"), ("签发人", "刘洋"), ("密级范围", "内部")]:
        assert re.search(f"<dt>{label}</dt><dd>{re.escape(value)}</dd>", card), label
    assert "sb-badge--on_time" in card
    # chain 初报 → 续报 with a link to the 续报 page, and the leader's 批示
    chain = page[page.index("事件报告链"):]
    assert "收费站火情续报" in chain
    assert urls.relative_url(urls.report_doc_path(INCIDENT_ID), urls.report_doc_path(
        f"{UNIT}/2026/2026-11-21-收费站火情续报")) in chain
    assert "领导批示与采用" in page and "请安监股跟踪调查起火原因" in page
    # the body's sections are rendered
    assert "<h2>基本情况</h2>" in page


def test_feedback_shows_on_every_report_of_the_incident_chain(small_org):
    follow_up = f"{UNIT}/2026/2026-11-21-收费站火情续报"
    write_good(small_org, "feedback", "2026-11-22-采用续报", title="市局采用续报", on=follow_up, kind="采用",
               by="市应急管理局", level="市", reported_at="2026-11-22 09:00", body="\n市局信息专报采用。\n")
    site = _build(small_org)
    first, second = _page(site, INCIDENT_ID), _page(site, follow_up)
    for page in (first, second):
        section = page[page.index("领导批示与采用"):page.index("修订记录")]
        assert "请安监股跟踪调查起火原因" in section and "市局信息专报采用" in section
    # each marked with the report it was given on: 本页, or a link to the other report of the chain
    on_second = second[second.index("领导批示与采用"):second.index("修订记录")]
    batch = on_second.split('<div class="sb-card sb-fb">')
    instruction = next(b for b in batch if "请安监股跟踪调查起火原因" in b)
    assert "针对：" in instruction and "初报" in instruction
    assert urls.relative_url(urls.report_doc_path(follow_up), urls.report_doc_path(INCIDENT_ID)) in instruction
    adoption = next(b for b in batch if "市局信息专报采用" in b)
    assert "针对：本页（续报）" in adoption


def test_revision_history_shows_time_and_short_commit_only(small_org):
    from test_history_helpers import commit, git

    git(small_org, "init", "-q", "-b", "main")
    sha = commit(small_org, "Fix typo per Director Wang's request", "2026-11-20T10:05:00+08:00", who="提交人甲乙")
    repo = load_repository(small_org, as_of=AS_OF)
    site = small_org / "site-history"
    build_site(small_org, repo.org, repo.reports, "internal", repo.as_of, site, publishable=repo.publishable("internal"),
               docs_dir=small_org / "build" / "docs-history", quiet=True)
    page = _page(site, INCIDENT_ID)
    history = page[page.index("修订记录"):]
    history = history[:history.index("</section>")]
    assert "2026-11-20 10:05" in history
    assert f'<code class="sb-commit">{sha[:10]}</code>' in history
    assert "<th>提交编号</th>" in history and "sb-nowrap" in history  # the hash never wraps
    # the commit message and the committer are git metadata, not report content (SPEC §7, §14)
    assert "Fix typo" not in page and "提交人甲乙" not in page


def test_anonymous_author_is_not_published(small_org):
    site = _build(small_org)
    page = _page(site, f"{UNIT}/2026/2026-11-24-匿名信息")
    assert "（匿名）" in page
    assert "赵磊" not in page


def test_drafts_are_never_published(small_org):
    site = _build(small_org, "restricted")
    assert "尚未完成的草稿信息" not in _all_html(site)
    assert "尚未完成的草稿信息" not in _search_index_text(site)
    assert not (site / urls.html_path(urls.report_doc_path(f"{UNIT}/2026/2026-11-23-草稿信息"))).exists()


def test_public_site_holds_nothing_from_higher_reports(small_org):
    site = _build(small_org, "public")
    html = _all_html(site)
    index = _search_index_text(site)
    for secret in ("城东收费站货车起火初报甲", "限定级测试信息乙", "第47周工作周报", "张伟局长批示"):
        assert secret not in html, secret
        assert secret not in index, secret
    # the public 续报 is there, but its chain does not link to the internal 初报
    page = _page(site, f"{UNIT}/2026/2026-11-21-收费站火情续报")
    assert "收费站火情续报" in page
    assert urls.report_doc_path(INCIDENT_ID)[2:-3].split("/")[-1] not in page
    assert not (site / urls.html_path(urls.report_doc_path(INCIDENT_ID))).exists()
    # counts: the month page counts the one public report only
    month = (site / "periods" / "2026-11.html").read_text(encoding="utf-8")
    kpi = re.search(r'<span class="sb-kpi-num">(\d+)</span><span class="sb-kpi-label">公开报告</span>', month)
    assert kpi and kpi.group(1) == "1"


def test_internal_site_leaves_out_restricted_but_restricted_has_it(small_org):
    internal = _all_html(_build(small_org, "internal"))
    assert "限定级测试信息乙" not in internal
    assert "城东收费站货车起火初报甲" in internal
    restricted = _build(small_org, "restricted")
    assert "限定级测试信息乙" in _all_html(restricted)
    assert "限定级测试信息乙" in _search_index_text(restricted)


def test_active_html_is_neutralised_even_if_it_slipped_past_the_check(small_org):
    front, _ = good_report("incident")
    front.update(title=XSS_TITLE, reported_at="2026-11-25 10:00", occurred_at="2026-11-25 09:30",
                 location='<img src=x onerror=alert(6)>', tags=['"><script>alert(7)</script>'])
    write_report(small_org, UNIT, "2026-11-25-恶意", front, XSS_BODY)
    repo = load_repository(small_org, as_of=AS_OF, history=False)
    slipped = [r for r in repo.reports if not r.draft]  # pretend the check missed it
    for r in slipped:
        r.has_errors = False
    site = _build(small_org, "internal", publishable=slipped)
    html = _all_html(site)
    assert "<script>alert" not in html
    assert "<iframe" not in html
    assert "<img" not in html  # no image can make the browser leave the intranet
    assert not re.search(r"\son\w+\s*=", re.sub(r"&[a-z]+;|&#\d+;", "", _tags_only(html)))
    assert not re.search(r"""href\s*=\s*["']?\s*javascript:""", _tags_only(html), re.IGNORECASE)
    page = _page(site, f"{UNIT}/2026/2026-11-25-恶意")
    assert "&lt;script&gt;alert(&#34;t&#34;)&lt;/script&gt;" in page or "&lt;script&gt;alert(&quot;t&quot;)" in page
    assert 'href="https://example.cn/a"' in page


def _tags_only(html: str) -> str:
    """The markup of every tag, with scripts' own code (Material's, ours) left out."""
    html = re.sub(r"<script\b[^>]*>.*?</script>", "", html, flags=re.S)
    return " ".join(re.findall(r"<[a-zA-Z][^>]*>", html))


def test_build_refuses_to_publish_with_errors_and_leaves_no_partial_site(small_org):
    site = small_org / "site"
    site.mkdir()
    (site / "index.html").write_text("旧网站", encoding="utf-8")
    write_good(small_org, "info", "2026-11-26-有错", title="有错的报告", reported_at="2026-11-26 10:00",
               approved_by="赵磊")  # the author signs off their own report: R502 error
    result = run(small_org, "build", "--as-of", "2026-11-27 18:00")
    assert result.exit_code == 1
    assert "拒绝发布" in result.stderr and "R502" in result.stderr
    assert (site / "index.html").read_text(encoding="utf-8") == "旧网站"
    assert [p.name for p in small_org.iterdir() if p.name.startswith(".site")] == []


def test_a_full_disk_is_named_without_a_traceback_and_the_old_site_stays(small_org, monkeypatch):
    from generator.site import generate

    site = small_org / "site"
    site.mkdir()
    (site / "index.html").write_text("旧网站", encoding="utf-8")

    def full(self, doc, *args, **kwargs):
        raise OSError(28, "No space left on device", f"/tmp/满了/{doc}")

    monkeypatch.setattr(generate.Generator, "_write_shadow", full)
    result = run(small_org, "build", "--as-of", "2026-11-27 18:00")
    assert result.exit_code == 2
    assert "无法读写文件" in result.stderr and "No space left on device" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert (site / "index.html").read_text(encoding="utf-8") == "旧网站"
    assert [p.name for p in small_org.iterdir() if p.name.startswith(".")] == []


def test_shadow_pages_go_to_memory_when_there_is_room_and_leave_nothing(small_org, tmp_path, monkeypatch):
    import os
    import time

    from generator.site import build

    scratch = tmp_path / "shm"
    scratch.mkdir()
    stale = scratch / "sb-shadow-killed"  # left by a build that was killed two days ago
    stale.mkdir()
    (stale / "page.html").write_text("旧影子页面", encoding="utf-8")
    old = time.time() - 2 * 86400
    os.utime(stale, (old, old))
    fresh = scratch / "sb-shadow-running"  # another build, running now
    fresh.mkdir()
    seen: list[str] = []
    real = build._Indexer.start

    def start(self):
        seen.append(str(self.shadow.resolve()))  # (a link to the folder in memory)
        real(self)

    monkeypatch.setattr(build, "SCRATCH", str(scratch))
    monkeypatch.setattr(build._Indexer, "start", start)
    site = _build(small_org)
    assert seen and seen[0].startswith(str(scratch.resolve()))
    assert "城东收费站货车起火初报甲" in _search_index_text(site)
    assert sorted(p.name for p in scratch.iterdir()) == ["sb-shadow-running"]


def test_build_command_publishes_into_site_dir(small_org, tmp_path):
    out = tmp_path / "out-site"
    result = run(small_org, "build", "--site-dir", str(out), "--as-of", "2026-11-27 18:00")
    assert result.exit_code == 0, result.stderr
    assert (out / "index.html").is_file()
    assert (out / "sb-index" / "meta.json").is_file()
    assert "完成" in result.stderr


def test_published_site_is_readable_by_the_web_server(small_org, tmp_path):
    # the site is built in a private temporary folder; a web server running as another user must
    # still be able to read it once it is in place (the usual mode, 0755 under umask 022)
    out = tmp_path / "out-site"
    old = os.umask(0o022)
    try:
        result = run(small_org, "build", "--site-dir", str(out), "--as-of", "2026-11-27 18:00")
    finally:
        os.umask(old)
    assert result.exit_code == 0, result.stderr
    assert stat.S_IMODE(out.stat().st_mode) == 0o755


def test_titles_are_escaped_in_head_and_header(small_org):
    front, body = good_report("info")
    front.update(title="</title><script>alert(1)</script>", reported_at="2026-11-25 11:00")
    write_report(small_org, UNIT, "2026-11-25-标题", front, body)
    site = _build(small_org)
    page = _page(site, f"{UNIT}/2026/2026-11-25-标题")
    assert "</title><script>alert(1)" not in page
    title = re.search(r"<title>(.*?)</title>", page, re.S).group(1)
    assert "&lt;/title&gt;&lt;script&gt;" in title


# --- the sample organisation ------------------------------------------------------------------

def test_sample_home_names_units_that_have_not_reported(sample_site):
    home = (sample_site / "index.html").read_text(encoding="utf-8")
    # 河西乡 missed its 2026-W46 weekly report: shown as overdue on the month card
    overdue = re.findall(r'<li class="sb-overdue"><a [^>]*>([^<]+)</a>(.*?)</li>', home)
    assert any(unit == "河西乡应急管理办公室" and "W46" in rest for unit, rest in overdue), overdue
    assert "未结突发事件" in home and "近 12 周报告数与及时率" in home
    assert "<svg" in home  # charts are inline


def test_sample_pages_exist_for_every_index(sample_site):
    for page in ("units/index.html", "types/index.html", "tags/index.html", "periods/index.html",
                 "help/index.html", "periods/2026-11.html", "periods/2026-W48.html", "periods/2026-Q4.html",
                 "periods/2026.html", "units/anjianke.html", "types/incident.html"):
        assert (sample_site / page).is_file(), page
    assert list((sample_site / "help" / "rules").glob("R*.html")), "one page per rule code"


def test_sample_month_page_shows_the_summary_figures(sample_site, project_root):
    month = (sample_site / "periods" / "2026-11.html").read_text(encoding="utf-8")
    result = run(project_root, "summary", "--period", "2026-11", "--format", "json", "--as-of", "2026-11-27 18:00")
    data = json.loads(result.stdout)
    kpi = re.search(r'<span class="sb-kpi-num">(\d+)<small> / (\d+)</small></span><span class="sb-kpi-label">定期报告 已报 / 应报', month)
    assert kpi and (int(kpi.group(1)), int(kpi.group(2))) == (data["totals"]["received"], data["totals"]["expected"])
    other = re.search(r'<span class="sb-kpi-num">(\d+)</span><span class="sb-kpi-label">其他报告', month)
    assert other and int(other.group(1)) == data["totals"]["other"]
    for unit in data["units"]:
        assert unit["name"] in month
    assert data["missing"], "the sample has a missing weekly report in November"
    missing_section = month.split("漏报</h2>", 1)[1].split("</ul>", 1)[0]
    for missing in data["missing"]:
        assert missing["unit_name"] in missing_section


def test_sample_report_pages_are_small(sample_site):
    pages = list((sample_site / "r").rglob("*.html"))
    assert len(pages) > 50
    average = sum(p.stat().st_size for p in pages) / len(pages)
    assert average < 60 * 1024, average


def test_sample_site_loads_nothing_from_outside(sample_site):
    html = _all_html(sample_site)
    tags = _tags_only(html)
    assert not re.search(r"""\ssrc\s*=\s*["']?(?:https?:)?//""", tags), "a page loads something from another host"
    assert not re.search(r"""<link\b[^>]*href\s*=\s*["']?(?:https?:)?//""", tags), "a stylesheet from another host"
    assert "fonts.googleapis" not in html and "fonts.gstatic" not in html


def test_refused_build_prints_each_error_on_one_line_when_not_a_terminal(small_org):
    # CI logs are not a terminal: an error wrapped at 80 columns splits "file:line:col: code message"
    # across lines, so the file and its message no longer meet (and copy/grep of the line fails)
    write_good(small_org, "info", "2026-11-26-有错", title="有错的报告", reported_at="2026-11-26 10:00",
               approved_by="赵磊")
    result = run(small_org, "build", "--as-of", "2026-11-27 18:00")
    assert result.exit_code == 1
    line = next(x for x in result.stderr.splitlines() if "R502" in x)
    assert "2026-11-26-有错.md:7:1: R502 " in line and "签发" in line, line
    assert "拒绝发布：1 个文件有" in result.stderr and "再重新构建" in next(
        x for x in result.stderr.splitlines() if x.startswith("拒绝发布"))


def test_a_build_failure_whose_text_looks_like_markup_is_printed_as_written(small_org, monkeypatch):
    # the message of a failure (a path, MkDocs' or Pagefind's own words) may hold "[/…]": printed
    # as console markup it raised rich's MarkupError, a traceback instead of the reason
    from generator.site import build as site_build

    def fail(*args, **kwargs):
        raise site_build.BuildError("无法写入 submissions/[/x]/site：磁盘已满")

    monkeypatch.setattr(site_build, "build_site", fail)
    result = run(small_org, "build", "--as-of", "2026-11-27 18:00")
    assert result.exit_code == 1
    assert "构建失败" in result.stderr and "submissions/[/x]/site：磁盘已满" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_every_link_of_the_sample_site_leads_to_a_page(sample_site):
    """No link a leader clicks ends on 404: every relative href and src of every page names a file
    of the site (period pages list only the weeks/months/quarters that have a page)."""
    import re
    from urllib.parse import unquote, urlsplit

    broken = []
    for page in sample_site.rglob("*.html"):
        if page.name == "404.html":
            continue  # MkDocs writes its links from the site root
        html = page.read_text(encoding="utf-8")
        for link in re.findall(r'(?:href|src)="([^"#?]+)', html):
            parts = urlsplit(link)
            if parts.scheme or parts.netloc or link.startswith(("/", "mailto:", "data:")):
                continue
            target = (page.parent / unquote(parts.path)).resolve()
            if not (target.is_file() or (target / "index.html").is_file()):
                broken.append((page.relative_to(sample_site).as_posix(), link))
    assert broken == [], broken[:20]


def test_the_generated_pages_of_a_restricted_build_are_never_committed_by_git_add(small_org):
    """A restricted build writes its docs tree into build/ of the repository; build/ ignores itself,
    so `git add -A` in a repository whose .gitignore does not name it commits none of it."""
    import subprocess

    subprocess.run(["git", "init", "-q"], cwd=small_org, check=True)
    (small_org / ".gitignore").unlink(missing_ok=True)
    result = run(small_org, "build", "--audience", "restricted", "--site-dir", str(small_org.parent / "out"),
                 "--as-of", "2026-11-27 18:00")
    assert result.exit_code == 0, result.output
    assert any((small_org / "build" / "docs-restricted").rglob("*.md"))  # control: the pages are there
    subprocess.run(["git", "add", "-A"], cwd=small_org, check=True)
    staged = subprocess.run(["git", "diff", "--cached", "--name-only"], cwd=small_org, check=True,
                            capture_output=True, text=True).stdout.split()
    assert staged and not [p for p in staged if p.startswith("build/")], staged
