"""网页填报 (SPEC §11) in headless Chromium: the form makes files `shangbao check --strict` accepts,
its messages are the checker's, the web-editor links carry the exact file, the public build has none.

A throwaway repository (tests/helpers_org.py: the office, 安全生产监督管理股, 应急救援股, one incident
初报) is built into a site per git host kind; the browser's clock is fixed at helpers_org.AS_OF and
the checker runs with the same --as-of, so "now" is the same moment on both sides.
Screenshots at 1366 px and 390 px go to /tmp/fill/.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
from pathlib import Path
from urllib.parse import parse_qs, quote, unquote, urlsplit
from zoneinfo import ZoneInfo

import pytest
from conftest import needs_chromium, serve_directory
from helpers_org import AS_OF, INCIDENT_ID, ORG, check, make_org, write_good

from generator.config import load_org
from generator.repository import load_repository
from generator.site.build import build_site
from generator.site.fill import form_data

pytestmark = needs_chromium
SHOTS = Path("/tmp/fill")
TZ = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime.fromisoformat(AS_OF).replace(tzinfo=TZ)
HOST_URL = "https://git.example.gov.cn/org/reports"
#: the types, their keys and sections as the build exports them (the same for every repository)
TYPE_DATA = {t["code"]: t for t in form_data(load_org(Path(__file__).resolve().parents[1]))["types"]}
TYPES = list(TYPE_DATA)


def _build(tmp: Path, audience: str = "internal", git_host: dict | None = None) -> tuple[Path, Path]:
    root = make_org(tmp / "repo", **({"git_host": git_host} if git_host else {}))
    write_good(root, "incident")  # what a 批示 refers to (on:)
    repo = load_repository(root, as_of=NOW)
    assert not repo.errors, [f.as_dict() for f in repo.errors]
    site = tmp / "site"
    build_site(root, repo.org, repo.reports, audience, repo.as_of, site, publishable=repo.publishable(audience),
               problems=repo.unpublishable(), docs_dir=tmp / "docs", quiet=True)
    return root, site


@pytest.fixture(scope="module")
def gitea(tmp_path_factory):
    root, site = _build(tmp_path_factory.mktemp("fill-gitea"), git_host={"kind": "gitea", "url": HOST_URL, "branch": "main"})
    with serve_directory(site) as url:
        yield root, url


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    pg = context.new_page()
    pg.clock.set_fixed_time(NOW)
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    yield pg
    context.close()
    assert errors == []


def _open(page, base_url: str) -> None:
    page.goto(base_url + "fill/index.html")
    page.wait_for_selector("#sb-form:not([hidden]) select[name=type]")


# --- filling the form ------------------------------------------------------------------------

SECTION_TEXT = "11月27日15时，组织检查企业12家，发现隐患27处，已整改21处，其余限期整改。"
VALID = {
    "title": "{label}网页填报测试", "author": "赵磊", "reviewed_by": "陈静", "approved_by": "刘洋",
    "occurred_at": "2026-11-27 15:10", "location": "城东收费站", "category": None, "severity": "一般",
    "target": "城东加油站", "hazards_found": "5", "hazards_fixed": "3",
    "assigned_by": "张伟", "due": "2026-12-31", "progress": "60",
    "subject": "示例县某某建材有限公司", "uscc": "91350100M000100Y43", "decision_no": "示应急罚〔2026〕12号",
    "on": INCIDENT_ID, "kind": "批示", "by": "县长王某",
    "metrics": "检查企业数: 12\n发现隐患：30\n整改率: 0.9",
}


def _set(page, name: str, value: str) -> None:
    box = page.locator(f'[name="{name}"]')
    if box.evaluate("e => e.tagName") == "SELECT":
        box.select_option(value)
    elif box.get_attribute("type") == "checkbox":
        box.set_checked(bool(value))
    else:
        box.fill(value)


def fill_valid(page, rtype: str) -> None:
    t = TYPE_DATA[rtype]
    _set(page, "type", rtype)
    unit = "bangongshi" if rtype == "feedback" else "anjianke"
    _set(page, "unit", unit)
    people = {"bangongshi": ("李娜", "张伟", "张伟")}.get(unit, ("赵磊", "陈静", "刘洋"))
    values = VALID | dict(zip(("author", "reviewed_by", "approved_by"), people, strict=True))
    for name in ("title", "author", "reviewed_by", "approved_by"):
        _set(page, name, values[name].format(label=t["label"].replace("/", "")))
    for key in t["keys"]:
        name = key["name"]
        if name in ("follows", "level", "stage"):
            continue
        value = values.get(name)
        if value is None and key.get("choices"):
            value = key["choices"][0]["value"]
        if value is not None and (key["required"] or name in values):
            _set(page, name, value)
    case = t["sections"]["cases"][""] if not t["sections"]["by"] else t["sections"]["cases"][
        page.locator(f'[name="{t["sections"]["by"]}"]').input_value() or ""]
    for section in case["sections"]:
        _set(page, f"section:{section}", SECTION_TEXT)
    if not case["sections"]:
        _set(page, "body", SECTION_TEXT)


def output(page) -> tuple[str, str]:
    return (page.locator("#sb-form-path").text_content(),
            page.eval_on_selector("#sb-form-output", "e => e.textContent"))


def browser_findings(page) -> list[tuple[str, str]]:
    return sorted(tuple(x) for x in page.eval_on_selector_all(
        "[data-rule]", "els => els.map(e => [e.dataset.rule, e.textContent])"))


def checker_findings(root: Path, path: str, text: str, codes: list[str]) -> tuple[int, list[tuple[str, str]]]:
    target = root / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(text.encode("utf-8"))
    try:
        code, findings = check(root, "--strict", str(target), as_of=AS_OF)
    finally:
        target.unlink()
    assert all(f["path"] == path for f in findings)
    return code, sorted(((f["code"], f["message"]) for f in findings if f["code"] in codes), key=tuple)


# --- every type: a valid form makes a file the checker accepts -------------------------------



@pytest.mark.parametrize("rtype", TYPES)
def test_a_valid_form_of_every_type_passes_check_strict(page, gitea, rtype):
    root, url = gitea
    _open(page, url)
    fill_valid(page, rtype)
    assert browser_findings(page) == []
    assert "检查通过" in page.locator("#sb-form-status").text_content()
    path, text = output(page)
    title = page.locator('[name="title"]').input_value()
    unit = "bangongshi" if rtype == "feedback" else "anjianke"
    assert path == f"submissions/{unit}/2026/2026-11-27-{title}.md"
    assert text.startswith("---\n") and "\r" not in text and "：" not in text.split("---")[1].split("\n")[1]
    code, findings = checker_findings(root, path, text, [])
    assert code == 0, text
    # the same front matter as the checker reads it: type and unit as codes
    assert f"\ntype: {rtype}\n" in text and f"\nunit: {unit}\n" in text
    if rtype in ("weekly", "monthly", "quarterly", "annual"):
        assert "\nmetrics: {检查企业数: 12, 发现隐患: 30, 整改率: 0.9}\n" in text


# --- each rule: the browser says what the checker says ---------------------------------------

def _incident(page):
    fill_valid(page, "incident")


def _task(page):
    fill_valid(page, "task")


def _credit(page):
    fill_valid(page, "credit")


def _weekly(page):
    fill_valid(page, "weekly")


BAD = {
    "R201": (_incident, {"location": "", "title": ""}, [("R201", "location"), ("R201", "title")]),
    "R203": (_incident, {"occurred_at": "2026-11-27 3点", "deaths": "1.5"}, [("R203", "occurred_at"), ("R203", "deaths")]),
    "R203-period": (_weekly, {"period": "2026-48"}, [("R203", "period")]),
    "R203-metrics": (_weekly, {"metrics": "检查企业数: 12\n整改率: 九成\n说明"}, [("R203", "metrics")]),
    "R306": (_weekly, {"period": "2026-11"}, [("R306", "period")]),
    "R306-not-begun": (_weekly, {"period": "2026-W49"}, [("R306", "period")]),
    "R201-follows": (_incident, {"stage": "续报"}, [("R201", "follows")]),
    "R301": (_incident, {"occurred_at": "2026-11-28 08:00"}, [("R301", "occurred_at"), ("R302", "occurred_at")]),
    "R302": (_incident, {"reported_at": "2026-11-27 15:00"}, [("R302", "occurred_at")]),
    "R302-due": (_task, {"assigned_on": "2026-11-20", "due": "2026-11-10"}, [("R302", "due")]),
    "R401": (_incident, {"stage": "终报", "follows": INCIDENT_ID, "section:事件经过": ""},
             [("R401", "section:事件经过"), ("R401", "section:原因分析"), ("R401", "section:处理结果")]),
    "R402": (_incident, {"title": "据说收费站起火", "section:处置措施": "消防车大概 9 时到场。\n估计损失不大。"},
             [("R402", "title"), ("R402", "section:处置措施")]),
    "R404": (_incident, {"deaths": "3", "loss": "1500.5"}, [("R404", "severity")]),
    "R405": (_credit, {"uscc": "91350100M000100Y44"}, [("R405", "uscc")]),
    "R405-length": (_credit, {"uscc": "9135010"}, [("R405", "uscc")]),
    "R406": (_incident, {"injuries": "-2", "loss": "-0.5"}, [("R406", "injuries"), ("R406", "loss")]),
    "R406-hazards": (lambda page: fill_valid(page, "inspection"), {"hazards_found": "3", "hazards_fixed": "5"},
                     [("R406", "hazards_fixed")]),
    "R406-progress": (_task, {"progress": "120.5"}, [("R406", "progress")]),
    "R406-too-large": (_incident, {"deaths": "2000000", "loss": "2000000000.5"}, [("R406", "deaths"), ("R406", "loss")]),
    "R503": (_incident, {"title": "【机密】收费站火情", "tags": "绝密", "section:基本情况": "密级：秘密\n正文。"},
             [("R503", "title"), ("R503", "tags"), ("R503", "section:基本情况")]),
    "R407": (_incident, {"location": "【填写说明：事发地点】", "section:事件经过": "### 小标题",
                         "section:处置措施": "【填写说明：处置措施】已扑灭。"},
             [("R407", "location"), ("R407", "section:事件经过"), ("R407", "section:处置措施")]),
    "R501": (_incident, {"approved_by": ""}, [("R501", "approved_by")]),
    "R502": (_incident, {"author": "刘洋"}, [("R502", "approved_by")]),
    "R504": (_incident, {"location": "城东收费站（联系电话 13812345678）",
                         "section:基本情况": "伤者李某，身份证号 11010519491231002X，已送医。", "tags": "火灾，13900001111"},
             [("R504", "location"), ("R504", "section:基本情况"), ("R504", "tags")]),
    "R504-full-width": (_incident, {"location": "城东收费站（联系电话１３８１２３４５６７８）"}, [("R504", "location")]),
    # active HTML, as a careless or hostile writer pastes it: tags, handlers (also spread over a
    # line), links in every spelling the checker reads, and harmless HTML that must not be flagged
    "R505": (_incident, {"section:基本情况": "<script>alert(1)</script>现场<IFRAME src=x>\n"
                                         "<img src=x onerror=alert(2)> 与 <b>加粗</b> onload= 不在标签里",
                         "section:事件经过": "[点击](javascript:alert(3)) <a href=\"JaVa&#x53;cript:alert(4)\">x</a>\n"
                                         "[来源][1]\n\n[1]: vbscript:msgbox",
                         "section:处置措施": "<a href=\"java\tscript:alert(5)\">y</a> <div\ttitle=\"a\" onclick=\"x\">z</div>"},
             [("R505", "section:基本情况"), ("R505", "section:事件经过"), ("R505", "section:处置措施")]),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_a_bad_value_gets_the_checkers_code_and_message_next_to_its_field(page, gitea, case):
    root, url = gitea
    _open(page, url)
    start, changes, expected = BAD[case]
    start(page)
    for name, value in changes.items():
        _set(page, name, value)
    seen = browser_findings(page)
    for code, field in expected:
        assert page.locator(f'.sb-field[data-key="{field}"] [data-rule="{code}"]').count() >= 1, (code, field, seen)
    path, text = output(page)
    rules = json.loads(page.get_attribute("#sb-form-data", "data-json"))["browser_rules"]
    code, said = checker_findings(root, path, text, rules)
    assert code == 1
    assert seen == said, text
    if case.startswith("R402"):  # a warning: may be submitted, but is said
        assert "警告" in page.locator("#sb-form-status").text_content()
    else:  # an error: the submit button says so and does not open the editor
        assert "错误" in page.locator("#sb-form-status").text_content()
        assert page.get_attribute("#sb-form-submit", "aria-disabled") == "true"
        not_prevented = page.eval_on_selector("#sb-form-submit", """a => a.dispatchEvent(
            new MouseEvent("click", {bubbles: true, cancelable: true}))""")
        assert not_prevented is False


def test_an_opened_form_shows_no_errors_until_a_field_is_filled_or_submit_is_clicked(page, gitea):
    """A form just opened is not a list of mistakes: a field's messages show once it is filled in;
    提交 with errors left shows them all. The hidden ones still count (the status says how many)."""
    _, url = gitea
    _open(page, url)
    visible = 'return [...document.querySelectorAll("[data-rule]")].filter(e => e.offsetParent).map(e => e.closest(".sb-field").dataset.key)'
    shown = lambda: page.evaluate("() => { " + visible + " }")  # noqa: E731
    assert page.locator("[data-rule]").count() > 0  # required fields are empty: the checker's findings exist
    assert shown() == []
    status = page.locator("#sb-form-status").text_content()
    assert "尚未填完" in status and "必填" in status
    _set(page, "title", "据说收费站起火")  # R402: a vague word, said at once under the title
    assert shown() == ["title"]
    assert "尚未填完" not in page.locator("#sb-form-status").text_content()
    page.dispatch_event("#sb-form-submit", "click")  # aria-disabled: a click Playwright would not make
    page.wait_for_function("() => [...document.querySelectorAll('[data-rule]')].every(e => e.offsetParent)")
    assert {"title", "author"} <= set(shown())


def test_a_draft_survives_a_closed_tab_and_a_stale_value_is_flagged(page, gitea):
    """A draft is kept in the browser; a value no longer allowed (roster or choices changed) is kept
    and flagged R204/R207 as the checker would, not silently dropped."""
    root, url = gitea
    _open(page, url)
    fill_valid(page, "incident")
    page.reload()
    page.wait_for_selector("#sb-form:not([hidden])")
    assert page.locator('[name="location"]').input_value() == "城东收费站"
    draft = page.evaluate("() => JSON.parse(localStorage.getItem(Object.keys(localStorage)[0]))")
    draft["own"]["incident"]["category"] = "爆炸"
    draft["common"]["author"] = "张三"
    page.evaluate("d => localStorage.setItem(Object.keys(localStorage)[0], JSON.stringify(d))", draft)
    page.reload()
    page.wait_for_selector('[data-rule="R204"]')
    assert page.locator('[name="category"]').input_value() == "爆炸"
    path, text = output(page)
    rules = json.loads(page.get_attribute("#sb-form-data", "data-json"))["browser_rules"]
    _, said = checker_findings(root, path, text, rules)
    assert browser_findings(page) == said
    assert {c for c, _ in said} >= {"R204", "R207"}
    page.once("dialog", lambda d: d.accept())
    page.click("#sb-form-clear")
    assert page.locator('[name="location"]').input_value() == ""
    assert page.evaluate("() => localStorage.length") == 0


# --- submitting ------------------------------------------------------------------------------

def _link(page) -> tuple[str, str]:
    link = page.locator("#sb-form-submit")
    return link.get_attribute("href"), link.get_attribute("data-mode")


def test_gitea_link_opens_the_web_editor_with_the_exact_file(page, gitea):
    root, url = gitea
    _open(page, url)
    fill_valid(page, "incident")
    path, text = output(page)
    href, mode = _link(page)
    assert mode == "prefilled"
    parts = urlsplit(href)
    assert f"{parts.scheme}://{parts.netloc}{unquote(parts.path)}" == f"{HOST_URL}/_new/main/{path.rsplit('/', 1)[0]}"
    query = parse_qs(parts.query, keep_blank_values=True)
    assert query["filename"] == [path.rsplit("/", 1)[1]]
    assert query["value"] == [text]
    assert len(href) <= 8192


@pytest.fixture(scope="module")
def github(tmp_path_factory):
    root, site = _build(tmp_path_factory.mktemp("fill-github"),
                        git_host={"kind": "github", "url": "https://github.com/org/reports", "branch": "reports"})
    with serve_directory(site) as url:
        yield root, url


def test_github_link_and_the_fallback_over_8_kb(page, github):
    root, url = github
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    _open(page, url)
    fill_valid(page, "incident")
    path, text = output(page)
    href, mode = _link(page)
    parts = urlsplit(href)
    assert mode == "prefilled"
    assert unquote(parts.path) == f"/org/reports/new/reports/{path.rsplit('/', 1)[0]}"
    assert parse_qs(parts.query) == {"filename": [path.rsplit("/", 1)[1]], "value": [text]}

    # a long report: too long for an address; copy + download + the new-file page, and what to click
    _set(page, "section:事件经过", "消防救援站接警后立即出动，到场后展开灭火救援。" * 60)
    path, text = output(page)
    assert len(quote(text, safe="")) > 8192  # prefilled, the address would be longer than 8 KB
    href, mode = _link(page)
    assert mode == "fallback"
    parts = urlsplit(href)
    assert unquote(parts.path) == f"/org/reports/new/reports/{path.rsplit('/', 1)[0]}"
    assert parse_qs(parts.query) == {"filename": [path.rsplit("/", 1)[1]]}
    assert "粘贴" in page.locator("#sb-form-next").text_content()
    page.context.route("https://github.com/**", lambda route: route.fulfill(body="new file page"))
    with page.expect_download() as download, page.context.expect_page():
        page.click("#sb-form-submit")
    assert download.value.suggested_filename == path.rsplit("/", 1)[1]
    assert Path(download.value.path()).read_text(encoding="utf-8") == text
    assert page.evaluate("() => navigator.clipboard.readText()") == text
    assert page.evaluate("() => localStorage.length") == 0  # submitted: the draft is cleared


def test_gitlab_and_no_git_host_fall_back_to_copy_and_download(browser, tmp_path):
    _, lab = _build(tmp_path / "lab", git_host={"kind": "gitlab", "url": "https://gitlab.example.gov.cn/org/reports",
                                                "branch": "main"})
    _, bare = _build(tmp_path / "bare")
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    pg = context.new_page()
    pg.clock.set_fixed_time(NOW)
    with serve_directory(lab) as url:
        _open(pg, url)
        fill_valid(pg, "info")
        path, _ = output(pg)
        href, mode = _link(pg)
        assert mode == "fallback"
        assert href == "https://gitlab.example.gov.cn/org/reports/-/new/main/submissions/anjianke/2026"
        assert "GitLab" in pg.locator("#sb-form-next").text_content()
    with serve_directory(bare) as url:
        _open(pg, url)
        assert pg.locator("#sb-form-submit").is_hidden()
        assert "git_host" in pg.locator("#sb-form-next").text_content()
        assert pg.locator("#sb-form-download").is_visible() and pg.locator("#sb-form-copy").is_visible()
    context.close()


# --- the public build ---------------------------------------------------------------------

def test_public_build_has_no_form_and_no_roster(tmp_path):
    # names of its own, so that an example in the help text cannot pass for a roster
    units = [u | {"leaders": [f"欧阳{u['id'][:2]}甲", f"欧阳{u['id'][:2]}乙"], "reporters": [f"司马{u['id'][:2]}丙"]}
             for u in ORG["units"]]
    root = make_org(tmp_path / "repo", units=units, git_host={"kind": "gitea", "url": HOST_URL, "branch": "main"})
    write_good(root, "incident", author="司马an丙", reviewed_by="欧阳an甲", approved_by="欧阳an乙")  # internal
    repo = load_repository(root, as_of=NOW)
    site = tmp_path / "site"
    build_site(root, repo.org, repo.reports, "public", repo.as_of, site, publishable=repo.publishable("public"),
               problems=repo.unpublishable(), docs_dir=tmp_path / "docs", quiet=True)
    roster = sorted({p for u in units for p in u["leaders"] + u["reporters"]})
    assert not (site / "fill").exists()
    assert (site / "index.html").is_file()
    texts = []
    for file in site.rglob("*"):
        if not file.is_file():
            continue
        data = file.read_bytes()
        if data[:2] == b"\x1f\x8b":  # Pagefind's index is gzipped
            data = gzip.decompress(data)
        texts.append(data.decode("utf-8", "replace"))
    every = "\n".join(texts)
    assert "网页填报" not in every and "fill/index" not in every
    leaked = [name for name in roster if name in every]
    assert leaked == []


def test_internal_build_has_the_fill_page_in_its_navigation(gitea, page):
    root, url = gitea
    page.goto(url)
    link = page.locator("nav a", has_text="填报").first
    assert link.get_attribute("href").endswith("fill/index.html")


# --- what a person sees -------------------------------------------------------------------------

@pytest.mark.parametrize("width", [1366, 390])
def test_screenshots(browser, gitea, width):
    root, url = gitea
    SHOTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN")
    requests: list[str] = []
    context.on("request", lambda request: requests.append(request.url))
    pg = context.new_page()
    pg.clock.set_fixed_time(NOW)
    _open(pg, url)
    fill_valid(pg, "incident")
    assert [u for u in requests if urlsplit(u).hostname != "127.0.0.1"] == []  # nothing from outside
    _set(pg, "deaths", "3")
    _set(pg, "section:事件经过", "据说货车车厢先冒烟。")
    pg.evaluate("() => { document.activeElement.blur(); window.scrollTo(0, 0); }")
    pg.screenshot(path=str(SHOTS / f"fill-{width}.png"), full_page=True)
    pg.screenshot(path=str(SHOTS / f"fill-{width}-top.png"))
    overflow = pg.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0
    context.close()


TRICKY = ["yes", "null", "123", "- 列表开头", "标题: 带冒号", "#号开头", '"双引号"', "单'引号", "全角　空格在中间",
          "火情🔥", "a\\b/c", "[方括号]", "{花括号}", "行\u2028分隔", "@at 开头", "关于：全角冒号", "%百分号", "tab\t在中间"]


def test_awkward_titles_are_written_so_the_checker_reads_them_back_as_typed(page, gitea):
    from generator.reader import read_report

    root, url = gitea
    _open(page, url)
    fill_valid(page, "incident")
    org = load_org(root)
    for title in TRICKY:
        _set(page, "title", title)
        path, text = output(page)
        code, said = checker_findings(root, path, text, ["R101", "R103", "R104", "R105", "R106", "R108", "R202", "R203"])
        assert code == 0 and said == [], (title, text)
        report, _ = read_report(path, text.encode("utf-8"), org)
        assert report.title == title.strip(), (title, report.title)


def test_the_pickers_write_times_and_dates_as_the_checker_reads_them(page, gitea):
    root, url = gitea
    _open(page, url)
    fill_valid(page, "incident")
    page.locator('.sb-field[data-key="occurred_at"] input[type="datetime-local"]').fill("2026-11-27T07:05")
    assert page.locator('[name="occurred_at"]').input_value() == "2026-11-27 07:05"
    assert "\noccurred_at: 2026-11-27 07:05\n" in output(page)[1]
    _set(page, "reported_at", "2026-11-26 09:00")
    page.click("button.sb-now")  # a draft from yesterday is sent now
    assert page.locator('[name="reported_at"]').input_value() == "2026-11-27 18:00"
    fill_valid(page, "inspection")
    page.locator('.sb-field[data-key="inspected_on"] input[type="date"]').fill("2026-11-26")
    assert "\ninspected_on: 2026-11-26\n" in output(page)[1]
    assert browser_findings(page) == []
