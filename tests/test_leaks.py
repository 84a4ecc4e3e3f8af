"""Confidentiality end to end (SPEC §4 classification/draft/anonymous, §6 audiences).

One organisation, committed to a real git repository, holds a unique marker in every piece of
every restricted and draft report (title, body, tags, location, metric name, file name) and in
the internal and public ones. The site is built for each audience once (module fixture) and
EVERY file of every build is scanned: raw bytes, and gzip-decompressed where a file is gzip
(sitemap.xml.gz). Controls prove the scan finds a marker where it must be — including the words
of the search index (sb-index/: kept as UTF-8 inside its binary files) and its side files.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import os
import subprocess
from pathlib import Path
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
from helpers_org import OFFICE, ORG, OTHER_UNIT, UNIT, good_report, make_org, run, write_report

from generator import periods as P
from generator.repository import load_repository
from generator.site.build import build_site, generate_tree
from generator.site.facts import collect
from generator.summary import summarize
from generator.summary_writers import summary_json

TZ = ZoneInfo("Asia/Shanghai")
AS_OF_TEXT = "2026-11-27 18:00"
AS_OF = dt.datetime(2026, 11, 27, 18, 0, tzinfo=TZ)
AUDIENCES = ("public", "internal", "restricted")
PERIODS = ("2026-W47", "2026-W48", "2026-11", "2026-Q4", "2026")

# A reporter who writes exactly one report, and that one anonymously.
ANON_AUTHOR = "孙佚名"

# marker -> the lowest audience that may see it (None: no audience ever: drafts)
MARKERS: dict[str, str | None] = {}


def _m(name: str, level: str | None) -> str:
    MARKERS[name] = level
    return name


# public
P1 = {k: _m(f"lkmp1{k}9", "public") for k in ("title", "body", "tag", "name")}
# internal
I1 = {k: _m(f"lkmi1{k}9", "internal") for k in ("title", "body", "tag", "name")}
I2 = {k: _m(f"lkmi2{k}9", "internal") for k in ("title", "body")}  # 续报 of a restricted 初报
I3 = {k: _m(f"lkmi3{k}9", "internal") for k in ("title", "body")}  # feedback on a restricted report
I4 = {k: _m(f"lkmi4{k}9", "internal") for k in ("title", "body")}  # the anonymous report
# restricted
R1 = {k: _m(f"lkmr1{k}9", "restricted") for k in ("title", "body", "tag", "loc", "name", "target")}
R2 = {k: _m(f"lkmr2{k}9", "restricted") for k in ("title", "body", "metric", "tag")}
R3 = {k: _m(f"lkmr3{k}9", "restricted") for k in ("title", "body", "tag", "name")}
R4 = {k: _m(f"lkmr4{k}9", "restricted") for k in ("title", "body")}  # restricted feedback on an internal report
# drafts
D1 = {k: _m(f"lkmd1{k}9", None) for k in ("title", "body", "tag", "name")}
D2 = {k: _m(f"lkmd2{k}9", None) for k in ("title", "body", "tag")}  # a public draft
D3 = {k: _m(f"lkmd3{k}9", None) for k in ("title", "body")}  # a restricted draft

RES_INCIDENT_ID = f"{UNIT}/2026/2026-11-20-{R1['name']}"
INT_INFO_ID = f"{UNIT}/2026/2026-11-18-{I1['name']}"
ANON_ID = f"{OTHER_UNIT}/2026/2026-11-24-匿名反映"
CONTINUATION_ID = f"{UNIT}/2026/2026-11-21-仓库火情续报"
FEEDBACK_ON_RESTRICTED_ID = f"{OFFICE}/2026/2026-11-22-局长批示"

SIGNED = {"author": "赵磊", "reviewed_by": "陈静", "approved_by": "刘洋"}
OFFICE_SIGNED = {"author": "李娜", "reviewed_by": "张伟", "approved_by": "张伟"}


def _org_units() -> list[dict]:
    units = [dict(u) for u in ORG["units"]]
    for u in units:
        if u["id"] == OTHER_UNIT:
            u["reporters"] = [*u["reporters"], ANON_AUTHOR]
    return units


def _incident(title: str, body_marker: str, **changes) -> tuple[dict, str]:
    front, body = good_report("incident")
    front.update(title=title, **changes)
    return front, body + f"\n补充：{body_marker}。\n"


def leak_reports() -> list[tuple[str, str, dict, str, str]]:
    """(unit, name, front, body, git committer) for every report of the leak organisation."""
    out = []

    def add(unit, name, front, body, committer="办公室"):
        out.append((unit, name, front, body, committer))

    # public and internal: visible controls
    add(UNIT, f"2026-11-17-{P1['name']}", {
        "title": f"{P1['title']} 安全宣传", "type": "info", "unit": UNIT, **SIGNED,
        "reported_at": "2026-11-17 10:00", "classification": "public", "tags": [P1["tag"]]},
        f"\n在城东广场开展宣传。{P1['body']}\n")
    add(UNIT, f"2026-11-18-{I1['name']}", {
        "title": f"{I1['title']} 工作信息", "type": "info", "unit": UNIT, **SIGNED,
        "reported_at": "2026-11-18 10:00", "tags": [I1["tag"]]},
        f"\n内部工作情况。{I1['body']}\n")
    # restricted incident 初报 with a marker everywhere, followed by an internal 续报
    front, body = _incident(f"{R1['title']} 仓库火情初报", R1["body"], classification="restricted",
                            location=f"{R1['loc']} 仓库", tags=[R1["tag"]], reported_at="2026-11-20 10:00")
    add(UNIT, f"2026-11-20-{R1['name']}", front, body)
    front, body = _incident(f"{I2['title']} 仓库火情续报", I2["body"], stage="续报", follows=RES_INCIDENT_ID,
                            reported_at="2026-11-21 10:00")
    add(UNIT, "2026-11-21-仓库火情续报", front, body)
    # internal feedback on the restricted report
    add(OFFICE, "2026-11-22-局长批示", {
        "title": f"{I3['title']} 局长批示", "type": "feedback", "unit": OFFICE, **OFFICE_SIGNED,
        "reported_at": "2026-11-22 15:00", "on": RES_INCIDENT_ID, "kind": "批示", "by": "张伟"},
        f"\n请跟踪处置。{I3['body']}\n")
    # restricted feedback (采用) on an internal report: must not score or show for internal
    add(OFFICE, "2026-11-23-采用", {
        "title": f"{R4['title']} 市级采用", "type": "feedback", "unit": OFFICE, **OFFICE_SIGNED,
        "reported_at": "2026-11-23 15:00", "on": INT_INFO_ID, "kind": "采用", "by": "张伟", "level": "市",
        "classification": "restricted"},
        f"\n市局采用。{R4['body']}\n")
    # restricted weekly of the office (the office owes no weekly: no "missing" effect)
    front, body = good_report("weekly")
    front.update(title=f"{R2['title']} 第47周周报", unit=OFFICE, **OFFICE_SIGNED, classification="restricted",
                 metrics={R2["metric"]: 7, "检查企业数": 3}, tags=[R2["tag"]])
    add(OFFICE, "2026-W47-周报", front, body + f"\n{R2['body']}\n")
    # restricted inspection of another unit
    front, body = good_report("inspection")
    front.update(title=f"{R3['title']} 专项检查", unit=OTHER_UNIT, author="吴敏", reviewed_by="周建国",
                 approved_by="周建国", classification="restricted", target=f"{R1['target']} 公司",
                 tags=[R3["tag"]])
    # the author of an inspection must not approve it: 吴敏 writes, 周建国 reviews and signs off
    add(OTHER_UNIT, f"2026-11-19-{R3['name']}", front, body + f"\n{R3['body']}\n")
    # drafts: internal, public and restricted
    add(UNIT, f"2026-11-24-{D1['name']}", {
        "title": f"{D1['title']} 草稿", "type": "info", "unit": UNIT, "author": "赵磊",
        "reported_at": "2026-11-24 10:00", "draft": True, "tags": [D1["tag"]]},
        f"\n尚未审核。{D1['body']}\n")
    add(UNIT, "2026-11-25-公开草稿", {
        "title": f"{D2['title']} 公开草稿", "type": "info", "unit": UNIT, "author": "赵磊",
        "reported_at": "2026-11-25 10:00", "draft": True, "classification": "public", "tags": [D2["tag"]]},
        f"\n{D2['body']}\n")
    front, body = _incident(f"{D3['title']} 草稿火情", D3["body"], draft=True, classification="restricted",
                            reported_at="2026-11-26 10:00", occurred_at="2026-11-26 09:00")
    add(UNIT, "2026-11-26-草稿火情", front, body)
    # the anonymous report; its author commits it under their own name
    add(OTHER_UNIT, "2026-11-24-匿名反映", {
        "title": f"{I4['title']} 匿名反映", "type": "info", "unit": OTHER_UNIT, "author": ANON_AUTHOR,
        "reviewed_by": "周建国", "approved_by": "周建国", "reported_at": "2026-11-24 11:00", "anonymous": True},
        f"\n反映某处消防通道堵塞。{I4['body']}\n", ANON_AUTHOR)
    return out


def _git(root: Path, *args: str, env: dict | None = None) -> None:
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, env=env)


def make_leak_org(root: Path, reports=None, git: bool = True) -> Path:
    make_org(root, units=_org_units())
    items = leak_reports() if reports is None else reports
    if git:
        _git(root, "init", "-q", "-b", "main")
        base = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
        env = base | {"GIT_AUTHOR_NAME": "办公室", "GIT_COMMITTER_NAME": "办公室", "GIT_AUTHOR_EMAIL": "o@x",
                      "GIT_COMMITTER_EMAIL": "o@x", "GIT_AUTHOR_DATE": "2026-01-01T08:00:00+08:00",
                      "GIT_COMMITTER_DATE": "2026-01-01T08:00:00+08:00"}
        _git(root, "add", "submissions/_org.yml", env=env)
        _git(root, "commit", "-q", "-m", "组织", env=env)
    for unit, name, front, body, committer in items:
        path = write_report(root, unit, name, front, body)
        if git:
            when = str(front["reported_at"]).replace(" ", "T") + ":00+08:00"
            env = base | {"GIT_AUTHOR_NAME": committer, "GIT_COMMITTER_NAME": committer,
                          "GIT_AUTHOR_EMAIL": "p@x", "GIT_COMMITTER_EMAIL": "p@x",
                          "GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when}
            _git(root, "add", str(path.relative_to(root)), env=env)
            _git(root, "commit", "-q", "-m", f"{committer} 报送", env=env)
    return root


# --- scanning -------------------------------------------------------------------------------

def _forms(text: str) -> list[bytes]:
    """The ways a string can be spelled in an output file (UTF-8, URL, JSON escapes, lower case)."""
    forms = {text, text.lower(), quote(text), quote(text).lower(),
             json.dumps(text)[1:-1], json.dumps(text)[1:-1].lower()}
    return [f.encode("utf-8") for f in forms if f]


def file_texts(site: Path) -> dict[str, list[bytes]]:
    """relative path -> [raw bytes (lower-cased), decompressed bytes (lower-cased) if gzip]."""
    out: dict[str, list[bytes]] = {}
    for path in sorted(site.rglob("*")):
        if not path.is_file():
            continue
        raw = path.read_bytes()
        rel = path.relative_to(site).as_posix()
        views = [rel.encode("utf-8").lower(), raw.lower()]
        if raw[:2] == b"\x1f\x8b":
            views.append(gzip.decompress(raw).lower())
        out[rel] = views
    return out


def find(texts: dict[str, list[bytes]], needle: str, only=None) -> list[str]:
    forms = _forms(needle)
    hits = []
    for rel, views in texts.items():
        if only is not None and not only(rel):
            continue
        if any(form.lower() in view for view in views for form in forms):
            hits.append(rel)
    return hits


# --- fixtures -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def leak_org(tmp_path_factory) -> Path:
    return make_leak_org(tmp_path_factory.mktemp("leak-org"))


@pytest.fixture(scope="module")
def builds(leak_org, tmp_path_factory) -> dict[str, Path]:
    """Each audience built once, through the command line, as a leader's CI would."""
    out = tmp_path_factory.mktemp("leak-sites")
    sites = {}
    for audience in AUDIENCES:
        site = out / audience
        result = run(leak_org, "build", "--audience", audience, "--site-dir", str(site), "--as-of", AS_OF_TEXT)
        assert result.exit_code == 0, result.output
        sites[audience] = site
    return sites


@pytest.fixture(scope="module")
def texts(builds) -> dict[str, dict[str, list[bytes]]]:
    return {a: file_texts(site) for a, site in builds.items()}


RANK = {"public": 0, "internal": 1, "restricted": 2}


# --- the organisation itself is valid -------------------------------------------------------

def test_leak_organisation_passes_the_check(leak_org):
    repo = load_repository(leak_org, as_of=AS_OF)
    assert not repo.errors, [f.as_dict() for f in repo.errors]
    anon = repo.by_id[ANON_ID]
    assert anon.anonymous and anon.revisions, "the anonymous report must have a git revision for this test"


# --- controls: the scan finds what must be there ---------------------------------------------

def test_control_scan_finds_visible_markers_in_pages_and_compressed_search(builds, texts):
    for audience in AUDIENCES:
        for marker, level in MARKERS.items():
            if level is None or RANK[level] > RANK[audience]:
                continue
            assert find(texts[audience], marker), f"{marker} should be in the {audience} build"
    # bodies are searchable: the marker is a word of the search index and in the side files of
    # the readable text the results show
    def side_file(rel: str) -> bool:
        return rel.startswith("sb-index/") and "/t/" in rel

    def index_file(rel: str) -> bool:
        return rel.startswith("sb-index/") and not side_file(rel)
    for audience in AUDIENCES:
        assert find(texts[audience], P1["body"], only=index_file), audience
        assert find(texts[audience], P1["body"], only=side_file), audience
    # the restricted body is found in the restricted search files, not only in HTML
    assert find(texts["restricted"], R1["body"], only=side_file)
    assert find(texts["internal"], I1["body"], only=side_file)


# --- nothing above the audience, and no draft, anywhere --------------------------------------

@pytest.mark.parametrize("audience", AUDIENCES)
def test_no_marker_above_the_audience_in_any_file(texts, audience):
    leaks = {}
    for marker, level in MARKERS.items():
        if level is not None and RANK[level] <= RANK[audience]:
            continue
        hits = find(texts[audience], marker)
        if hits:
            leaks[marker] = hits[:5]
    assert not leaks, f"{audience} build leaks: {leaks}"


def test_restricted_report_ids_never_reach_lower_builds(texts):
    for audience in ("public", "internal"):
        for rid in (RES_INCIDENT_ID,):
            assert not find(texts[audience], rid), (audience, rid)
        assert not find(texts[audience], R1["name"]), audience


def test_internal_continuation_does_not_show_its_restricted_first_report(builds):
    page = (builds["internal"] / "r" / (CONTINUATION_ID + ".html")).read_text(encoding="utf-8")
    assert I2["title"] in page
    assert R1["title"] not in page and R1["name"] not in page
    restricted = (builds["restricted"] / "r" / (CONTINUATION_ID + ".html")).read_text(encoding="utf-8")
    assert R1["title"] in restricted, "control: the restricted build shows the whole chain"


def test_feedback_on_a_restricted_report_does_not_reveal_it(builds):
    page = (builds["internal"] / "r" / (FEEDBACK_ON_RESTRICTED_ID + ".html")).read_text(encoding="utf-8")
    assert I3["title"] in page
    assert R1["title"] not in page and R1["name"] not in page
    restricted = (builds["restricted"] / "r" / (FEEDBACK_ON_RESTRICTED_ID + ".html")).read_text(encoding="utf-8")
    assert R1["title"] in restricted, "control: the restricted build links the report the feedback is on"


def test_restricted_feedback_does_not_show_on_the_internal_report(builds):
    page = (builds["internal"] / "r" / (INT_INFO_ID + ".html")).read_text(encoding="utf-8")
    assert "采用" not in page.split("sb-body", 1)[1]
    restricted = (builds["restricted"] / "r" / (INT_INFO_ID + ".html")).read_text(encoding="utf-8")
    assert R4["title"] in restricted


def test_public_build_has_only_public_report_pages(builds):
    pages = sorted(p.relative_to(builds["public"] / "r").as_posix() for p in (builds["public"] / "r").rglob("*.html"))
    assert pages == [f"{UNIT}/2026/2026-11-17-{P1['name']}.html"]


# --- anonymity ------------------------------------------------------------------------------

def _anon_fragments(site: Path) -> list[bytes]:
    """The side files of the search index (the text a result shows) of the anonymous report's page."""
    pages = [json.dumps(page, ensure_ascii=False).encode() for path in (site / "sb-index").glob("*/t/*.json")
             for page in json.loads(path.read_text(encoding="utf-8"))]  # (a file holds a few pages)
    return [data for data in pages if I4["title"].encode() in data]


@pytest.mark.parametrize("audience", ("internal", "restricted"))
def test_anonymous_author_is_on_no_report_page_search_entry_or_listing(builds, texts, audience):
    site = builds[audience]
    page = (site / "r" / (ANON_ID + ".html")).read_text(encoding="utf-8")
    assert I4["title"] in page
    assert ANON_AUTHOR not in page, "the anonymous report's page (card or revision list) names its author"
    fragments = _anon_fragments(site)
    assert fragments, "control: the anonymous report is searchable"
    for data in fragments:
        assert not any(f in data for f in _forms(ANON_AUTHOR))
    # the author wrote nothing else: no report page, listing, period or home page names them.
    # (Unit, help and 填报 pages show the roster, which is organisation data, not the report's.)
    hits = find(texts[audience], ANON_AUTHOR,
                only=lambda rel: not rel.startswith(("units/", "help/", "fill/", "sb-index/")))
    assert not hits, hits


def test_anonymous_author_shown_in_roster_is_the_only_place_control(builds, texts):
    # control: the scan does find the name where the roster is shown
    assert find(texts["internal"], ANON_AUTHOR, only=lambda rel: rel.startswith("units/"))


# --- counts: exactly what an organisation without the higher reports would show ---------------

def _tree(repo, reports, audience, out: Path) -> dict[str, bytes]:
    facts = collect(repo.org, reports, audience, repo.as_of,
                    publishable=[r for r in reports if not r.has_errors and r.visible_to(audience)])
    generate_tree(facts, repo.root, out)
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("audience", ("public", "internal"))
def test_pages_and_counts_equal_those_without_the_higher_reports(leak_org, tmp_path, audience):
    """Every generated page — dashboard, period summaries, charts, unit/type/tag listings — is
    byte-identical to the one generated when the reports above the audience never existed."""
    repo = load_repository(leak_org, as_of=AS_OF)
    full = _tree(repo, repo.reports, audience, tmp_path / "full")
    lower = _tree(repo, [r for r in repo.reports if r.visible_to(audience)], audience, tmp_path / "lower")
    assert full.keys() == lower.keys()
    differ = [k for k in full if full[k] != lower[k]]
    assert not differ, differ[:10]


@pytest.mark.parametrize("audience", ("public", "internal"))
@pytest.mark.parametrize("period", PERIODS)
def test_summary_json_equals_the_one_without_higher_reports(leak_org, audience, period):
    result = run(leak_org, "summary", "--period", period, "--format", "json", "--audience", audience,
                 "--as-of", AS_OF_TEXT)
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    repo = load_repository(leak_org, as_of=AS_OF)
    lower = summarize([r for r in repo.reports if r.visible_to(audience)], repo.org, P.parse(period), audience, AS_OF)
    assert printed == json.loads(summary_json(lower))
    text = result.stdout.lower()
    for marker, level in MARKERS.items():
        if level is None or RANK[level] > RANK[audience]:
            assert marker not in text, (marker, period)


@pytest.mark.parametrize("fmt", ("md", "csv"))
@pytest.mark.parametrize("audience", ("public", "internal"))
def test_summary_md_and_csv_hold_no_higher_marker(leak_org, fmt, audience):
    for period in PERIODS:
        result = run(leak_org, "summary", "--period", period, "--format", fmt, "--audience", audience,
                     "--as-of", AS_OF_TEXT)
        assert result.exit_code == 0, result.output
        text = result.stdout.lower()
        for marker, level in MARKERS.items():
            if level is None or RANK[level] > RANK[audience]:
                assert marker not in text, (marker, period, fmt)
    control = run(leak_org, "summary", "--period", "2026-11", "--format", "md", "--audience", "restricted",
                  "--as-of", AS_OF_TEXT)
    assert R1["title"] in control.stdout, "control: the restricted summary lists the restricted incident"


def test_internal_dashboard_counts_match_the_internal_summary(builds, leak_org):
    """The month page of the internal site shows the internal summary's totals, not the restricted ones."""
    internal = json.loads(run(leak_org, "summary", "--period", "2026-11", "--format", "json", "--audience",
                              "internal", "--as-of", AS_OF_TEXT).stdout)
    restricted = json.loads(run(leak_org, "summary", "--period", "2026-11", "--format", "json", "--audience",
                                "restricted", "--as-of", AS_OF_TEXT).stdout)
    assert internal["totals"]["reports"] < restricted["totals"]["reports"]
    for audience, data in (("internal", internal), ("restricted", restricted)):
        page = (builds[audience] / "periods" / "2026-11.html").read_text(encoding="utf-8")
        total = page.split("<tfoot>", 1)[1].split("</tfoot>", 1)[0]
        t = data["totals"]
        assert f'data-label="定期报告 已报/应报">{t["received"]} / {t["expected"]}</td>' in total, audience
        assert f'data-label="其他报告">{t["other"]}</td>' in total, audience


def test_in_memory_build_site_matches_cli_for_public(leak_org, builds, tmp_path):
    """build_site with the repository's publishable list gives the same public pages as the CLI."""
    repo = load_repository(leak_org, as_of=AS_OF)
    site = tmp_path / "site"
    build_site(repo.root, repo.org, repo.reports, "public", repo.as_of, site,
               publishable=repo.publishable("public"), problems=repo.unpublishable(),
               docs_dir=tmp_path / "docs", quiet=True)
    texts = file_texts(site)
    for marker, level in MARKERS.items():
        if level != "public":
            assert not find(texts, marker), marker
