"""Every value rendered into HTML is escaped; report bodies carry no active HTML (SPEC §5 R505, §7).

An organisation whose every free-text value — organisation name, unit names, people, titles,
tags, locations, metric names, targets, subjects, decision numbers — holds script tags, attribute
breakers, Jinja expressions, ``javascript:`` links and HTML comments is built once. Every HTML
file of the site is parsed with ``html.parser``: no script element carries anything from a
report, no element has an ``on*`` attribute, no link or source is ``javascript:``, and the Jinja
expressions are shown as typed, never evaluated. Bodies with raw HTML are refused by the check
(R505) and, should one slip past, neutralised by the renderer.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from html.parser import HTMLParser
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from conftest import needs_chromium, serve_directory
from helpers_org import OFFICE, ORG, UNIT, check, good_report, make_org, run, write_report

from generator.repository import load_repository
from generator.site import render
from generator.site.build import generate_tree
from generator.site.facts import collect

TZ = ZoneInfo("Asia/Shanghai")
AS_OF_TEXT = "2026-11-27 18:00"
AS_OF = dt.datetime(2026, 11, 27, 18, 0, tzinfo=TZ)

HOSTILE = (
    '<script>alert("xssA")</script>'
    ' "><img src=x onerror=alert("xssB")>'
    " '><svg onload=alert('xssC')>"
    " {{ 7*7 }} {% raw %} ${7*7}"
    ' [x](javascript:alert("xssD"))'
    " <!-- xssE -->"
    ' </script><script>alert("xssF")</script>'
    " <a href=\"javascript:alert('xssG')\">x</a>"
    " &lt;b&gt; &amp;"
)
JINJA = "{{ 7*7 }}"


def hostile(field: str) -> str:
    return f"Q{field}Q {HOSTILE} Z{field}Z"


def _people(names: list[str], field: str) -> list[str]:
    return [hostile(f"{field}{i}") for i, _ in enumerate(names)]


LEADER = hostile("leader")
REPORTER = hostile("reporter")
OFFICE_LEADER = hostile("officeleader")
UNIT_NAME = hostile("unitname")
ORG_NAME = hostile("orgname")


def _org(root: Path) -> Path:
    units = [dict(u) for u in ORG["units"]]
    for u in units:
        if u["id"] == UNIT:
            u.update(name=UNIT_NAME, leaders=[LEADER, "陈静"], reporters=[REPORTER])
        if u["id"] == OFFICE:
            u.update(leaders=[OFFICE_LEADER])
    return make_org(root, organization=ORG_NAME, units=units)


SIGNED = {"author": REPORTER, "reviewed_by": "陈静", "approved_by": LEADER}


def make_hostile_org(root: Path) -> Path:
    _org(root)
    front, body = good_report("incident")
    front.update(SIGNED, title=hostile("title"), location=hostile("location"), tags=[hostile("tag1"), hostile("tag2")])
    write_report(root, UNIT, "2026-11-20-火情", front, body + f"\n正文里的模板语法 {JINJA} 和 {{% raw %}} 原样显示。\n")
    front, body = good_report("weekly")
    front.update(SIGNED, title=hostile("weekly"), metrics={hostile("metric"): 5, "检查企业数": 2},
                 tags=[hostile("tag1")])
    write_report(root, UNIT, "2026-W47-周报", front, body)
    front, body = good_report("inspection")
    front.update(SIGNED, title=hostile("insp"), target=hostile("target"))
    write_report(root, UNIT, "2026-11-19-检查", front, body)
    front, body = good_report("credit")
    front.update(SIGNED, title=hostile("credit"), subject=hostile("subject"), decision_no=hostile("decision"))
    write_report(root, UNIT, "2026-11-16-处罚", front, body)
    front, body = good_report("task")
    front.update(SIGNED, title=hostile("task"), assigned_by=hostile("assigner"))
    write_report(root, UNIT, "2026-11-21-交办", front, body)
    front, body = good_report("feedback")
    front.update(title=hostile("feedback"), on=f"{UNIT}/2026/2026-11-20-火情", by=hostile("by"),
                 reviewed_by=OFFICE_LEADER, approved_by=OFFICE_LEADER)
    write_report(root, OFFICE, "2026-11-22-批示", front, body)
    return root


class Page(HTMLParser):
    """Collects what matters for script injection from one HTML document."""

    URL_ATTRS = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "background"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.scripts: list[str] = []
        self.text: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name.lower().startswith("on"):
                self.problems.append(f"<{tag} {name}={value!r}>")
            if name.lower() in self.URL_ATTRS and value is not None:
                cleaned = re.sub(r"[\x00-\x20]+", "", value).lower()
                if cleaned.startswith(("javascript:", "vbscript:", "data:text/html")):
                    self.problems.append(f"<{tag} {name}={value!r}>")
            if tag == "img" and name == "src" and value == "x":
                self.problems.append("<img src=x>")
        if tag == "script":
            self._in_script = True
            self.scripts.append("")
        if tag in ("iframe", "object", "embed"):
            self.problems.append(f"<{tag}>")

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag == "script":
            self._in_script = False

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.scripts[-1] += data
        else:
            self.text.append(data)

    def handle_comment(self, data):
        if "xss" in data:
            self.problems.append(f"a report value became an HTML comment: <!--{data}-->")


def parse(text: str) -> Page:
    page = Page()
    page.feed(text)
    page.close()
    return page


def injection_problems(text: str) -> list[str]:
    page = parse(text)
    problems = list(page.problems)
    for script in page.scripts:
        if "xss" in script or "alert(" in script:
            problems.append(f"script element with report content: {script[:80]!r}")
    return problems


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory) -> Path:
    root = make_hostile_org(tmp_path_factory.mktemp("hostile-org"))
    site = root / "out-site"
    result = run(root, "build", "--audience", "internal", "--site-dir", str(site), "--as-of", AS_OF_TEXT)
    assert result.exit_code == 0, result.output
    return site


def test_hostile_values_pass_the_check_as_plain_text(tmp_path):
    root = make_hostile_org(tmp_path)
    code, findings = check(root)
    assert code == 0, [f for f in findings if f["severity"] == "error"]


def test_no_page_executes_anything_from_a_report(hostile_site):
    pages = sorted(hostile_site.rglob("*.html"))
    assert len(pages) > 50
    problems = {}
    for path in pages:
        found = injection_problems(path.read_text(encoding="utf-8"))
        if found:
            problems[path.relative_to(hostile_site).as_posix()] = found[:3]
    assert not problems, problems


def _visible(path: Path) -> str:
    """The text a reader sees (character references already decoded by the parser)."""
    return "".join(parse(path.read_text(encoding="utf-8")).text)


@pytest.mark.parametrize("field", ["title", "location", "tag1", "tag2", "unitname", "reporter", "leader"])
def test_hostile_values_are_shown_as_typed_on_the_incident_page(hostile_site, field):
    page = hostile_site / "r" / UNIT / "2026" / "2026-11-20-火情.html"
    assert hostile(field) in _visible(page), f"{field} is not shown as text on the page"


@pytest.mark.parametrize("report_id, field", [
    ("anjianke/2026/2026-W47-周报", "metric"),
    ("anjianke/2026/2026-11-19-检查", "target"),
    ("anjianke/2026/2026-11-16-处罚", "subject"),
    ("anjianke/2026/2026-11-16-处罚", "decision"),
    ("anjianke/2026/2026-11-21-交办", "assigner"),
    ("bangongshi/2026/2026-11-22-批示", "by"),
    ("bangongshi/2026/2026-11-22-批示", "feedback"),
])
def test_hostile_fields_of_other_types_are_shown_as_typed(hostile_site, report_id, field):
    from generator.site import urls

    page = urls.html_path(urls.report_doc_path(report_id))
    assert hostile(field) in _visible(hostile_site / page)


def test_jinja_expressions_are_never_evaluated(hostile_site):
    evaluated = []
    for path in hostile_site.rglob("*.html"):
        text = html.unescape(path.read_text(encoding="utf-8"))
        if re.search(r"Q\w+Q [^Z]*?49", text) or "正文里的模板语法 49" in text:
            evaluated.append(path.relative_to(hostile_site).as_posix())
    assert not evaluated, evaluated
    body_page = hostile_site / "r" / UNIT / "2026" / "2026-11-20-火情.html"
    assert f"正文里的模板语法 {JINJA} 和 {{% raw %}} 原样显示" in _visible(body_page)


def test_titles_in_head_and_search_metadata_are_escaped(hostile_site):
    page = (hostile_site / "r" / UNIT / "2026" / "2026-11-20-火情.html").read_text(encoding="utf-8")
    head = page.split("</head>", 1)[0]
    assert "<script>alert" not in head and "<img" not in head
    title = re.search(r"<title>(.*?)</title>", page, re.S).group(1)
    assert "<" not in title and "&lt;script&gt;" in title


def test_tag_pages_exist_and_stay_inside_the_site(hostile_site):
    tag_pages = [p for p in (hostile_site / "tags").rglob("*.html") if p.name != "index.html"]
    assert len(tag_pages) == 2
    for p in tag_pages:
        assert p.resolve().is_relative_to(hostile_site.resolve())
        assert hostile("tag1") in _visible(p) or hostile("tag2") in _visible(p)


@needs_chromium
def test_nothing_runs_in_a_browser_on_pages_or_in_search_results(hostile_site, browser):
    """Pagefind shows titles and excerpts from its index: they must stay text in the browser too."""
    dialogs: list[str] = []
    with serve_directory(hostile_site) as base:
        page = browser.new_page()
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        for doc in ("index.html", "r/anjianke/2026/2026-11-20-%E7%81%AB%E6%83%85.html", "units/anjianke.html",
                    "tags/index.html", "periods/2026-11.html"):
            page.goto(base + doc)
            page.wait_for_load_state("load")
        page.click("[data-sb-search-open]")
        box = page.locator("#sb-search input")
        box.wait_for(state="visible", timeout=10_000)
        box.fill("xssA")
        page.wait_for_selector(".pagefind-ui__result-link", timeout=10_000)
        page.wait_for_timeout(500)
        results = page.locator(".pagefind-ui__result-link").all_inner_texts()
        live = page.evaluate("""() => [...document.querySelectorAll('*')].filter(e =>
            [...e.attributes].some(a => a.name.startsWith('on'))
            || (e.tagName === 'IMG' && e.getAttribute('src') === 'x')).map(e => e.outerHTML.slice(0, 80))""")
        page.close()
    assert results and all('<script>alert("xssA")</script>' in r for r in results), results  # shown as text
    assert not dialogs, dialogs
    assert not live, live


# --- bodies ---------------------------------------------------------------------------------

ACTIVE_BODIES = {
    "script": '<script>alert("xss1")</script>',
    "img-onerror": '<img src=x onerror=alert("xss2")>',
    "iframe": '<iframe src="https://example.com/xss3"></iframe>',
    "object": '<object data="xss4.swf"></object>',
    "link-javascript": '[点我](javascript:alert("xss5"))',
    "link-mixed-case": '[点我](JaVaScRiPt:alert("xss6"))',
    "anchor-tag": '<a href="javascript:alert(\'xss7\')">点我</a>',
    "svg-onload": '<svg onload=alert("xss8")></svg>',
    "reference-link": '[点我][1]\n\n[1]: javascript:alert("xss9")',
}

SLIPPERY_BODIES = {
    **ACTIVE_BODIES,
    "autolink": "<javascript:alert('xss10')>",
    "entity-scheme-hex": '[点我](&#x6A;avascript&colon;alert(1))',
    "entity-tab": '[点我](java&#09;script:alert(1))',
    "entity-slashes": '[点我](&#47;&#47;evil.example/x)',
    "protocol-relative": '[点我](//evil.example/x)',
    "entity-scheme": '[点我](&#106;avascript:alert("xss11"))',
    "tab-in-scheme": '[点我](java\tscript:alert("xss12"))',
    "newline-in-scheme": '<a href="java\nscript:alert(1)">xss13</a>',
    "data-url": '[点我](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)',
    "image-javascript": '![图](javascript:alert("xss14"))',
    "vbscript": '[点我](vbscript:msgbox("xss15"))',
    "html-block": '<div onclick="alert(\'xss16\')">\n\n文字\n\n</div>',
    "style-expression": '<p style="background:url(javascript:alert(\'xss17\'))">x</p>',
    "comment-smuggle": "<!-- --><script>alert('xss18')</script> -->",
    "nested-code": "`<script>`alert('xss19')`</script>`",
    "title-attr": '[a](https://ok.example "x\\" onmouseover=\\"alert(20)")',
}


@pytest.mark.parametrize("name", sorted(ACTIVE_BODIES))
def test_check_refuses_active_html_in_the_body(tmp_path, name):
    make_org(tmp_path)
    front, _ = good_report("info")
    path = write_report(tmp_path, UNIT, "2026-11-18-信息", front, f"\n情况如下。\n\n{ACTIVE_BODIES[name]}\n")
    code, findings = check(tmp_path)
    rel = path.relative_to(tmp_path).as_posix()
    assert code == 1
    assert "R505" in [f["code"] for f in findings if f["path"] == rel], findings


@pytest.mark.parametrize("name", sorted(SLIPPERY_BODIES))
def test_renderer_neutralises_active_html_that_slipped_past(name):
    out = render.body_html(f"情况如下。\n\n{SLIPPERY_BODIES[name]}\n")
    problems = injection_problems(out)
    assert not problems, (out, problems)
    assert "<script" not in out.lower() and "<iframe" not in out.lower() and "<object" not in out.lower()
    assert "<svg" not in out.lower() and "<img" not in out.lower()


def test_report_page_neutralises_a_body_that_slipped_past_the_check(tmp_path):
    """A body with raw HTML that somehow reached the generator still renders inert."""
    make_org(tmp_path)
    front, _ = good_report("info")
    write_report(tmp_path, UNIT, "2026-11-18-信息", front, "\n情况如下。\n")
    repo = load_repository(tmp_path, as_of=AS_OF)
    assert not repo.errors
    (report,) = repo.reports
    report.body = "\n\n".join(SLIPPERY_BODIES.values())
    facts = collect(repo.org, repo.reports, "internal", AS_OF, publishable=repo.reports)
    out = tmp_path / "docs"
    generate_tree(facts, tmp_path, out)
    page = (out / "r" / UNIT / "2026" / "2026-11-18-信息.md").read_text(encoding="utf-8")
    shown = yaml.safe_load(page.split("---", 2)[1])["sb_html"]  # the page's HTML, as MkDocs will print it
    assert "xss1" in html.unescape(shown), "the script is shown as text, not dropped silently"
    assert not injection_problems(shown)
