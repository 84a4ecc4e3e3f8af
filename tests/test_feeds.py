"""site/feed/ (SPEC §12): every build publishes its summaries, report lists, Atom and credit.csv,
valid against the JSON Schemas in generator/schemas/, for its audience only."""

from __future__ import annotations

import csv
import io
import json
from urllib.parse import unquote
from xml.etree import ElementTree as ET

import pytest
from helpers_feeds import AS_OF_TEXT, build, member_repo
from helpers_org import run, write_good
from jsonschema import Draft202012Validator

from generator.feeds import ASSESSMENT_KEYS, CREDIT_HEADER, public_view, schema

CANARY = "限定级演练火情KQ7"
PUBLIC_TITLE = "公开的防汛宣传活动"
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(scope="module")
def repo(tmp_path_factory):
    root = tmp_path_factory.mktemp("county")
    member_repo(root, "青山县应急管理局", extra=60, canary=CANARY, public_title=PUBLIC_TITLE)
    # a subject Excel would run as a formula
    write_good(root, "credit", "2026-11-23-formula", subject="=HYPERLINK(\"http://x\",\"城东\")", reported_at="2026-11-23 10:00",
               decision_no="安监罚〔2026〕13号", title="公式样的主体名称")
    return root


@pytest.fixture(scope="module")
def sites(repo, tmp_path_factory):
    out = tmp_path_factory.mktemp("sites")
    return {a: build(repo, a, out / a) for a in ("internal", "public")}


def _kind(name: str) -> str:
    return "index" if name == "index.json" else name.split("-")[0]


@pytest.mark.parametrize("audience", ["internal", "public"])
def test_every_json_file_passes_its_schema(sites, audience):
    feed = sites[audience] / "feed"
    names = sorted(p.name for p in feed.glob("*.json"))
    assert "index.json" in names and "reports-2026.json" in names and "summary-2026-11.json" in names
    for name in names:
        data = json.loads((feed / name).read_text(encoding="utf-8"))
        errors = [e.message for e in Draft202012Validator(schema(_kind(name))).iter_errors(data)]
        assert errors == [], name
    index = json.loads((feed / "index.json").read_text(encoding="utf-8"))
    assert {f"summary-{p}.json" for p in index["summaries"]} == {n for n in names if n.startswith("summary-")}


@pytest.mark.parametrize("audience", ["internal", "public"])
def test_summary_files_are_the_summary_command_output(repo, sites, audience):
    feed = sites[audience] / "feed"
    for period in ("2026-W47", "2026-11", "2026-Q4", "2026"):
        result = run(repo, "summary", "--period", period, "--format", "json", "--audience", audience,
                     "--as-of", AS_OF_TEXT)
        printed = json.loads(result.stdout)
        written = json.loads((feed / f"summary-{period}.json").read_text(encoding="utf-8"))
        expected = printed if audience != "public" else public_view(printed)
        assert written == {"schema_version": "1", **expected}
        if period == "2026-11":
            assert written["totals"]["reports"] > 0


def test_public_feeds_carry_no_assessment_figures_and_nothing_above_public(sites):
    feed = sites["public"] / "feed"
    everything = b"".join(p.read_bytes() for p in feed.iterdir()).decode("utf-8-sig")
    assert CANARY not in everything
    assert "收费站火情初报" not in everything  # an internal report
    assert PUBLIC_TITLE in everything
    summary = json.loads((feed / "summary-2026-11.json").read_text(encoding="utf-8"))
    assert not set(ASSESSMENT_KEYS) & set(summary["totals"])
    assert all(not set(ASSESSMENT_KEYS) & set(u) for u in summary["units"])
    assert "missing" not in summary and "late_reports" not in summary
    reports = json.loads((feed / "reports-2026.json").read_text(encoding="utf-8"))["reports"]
    assert reports and all(r["timeliness"] is None for r in reports)
    # and the internal feed has them, without the restricted report
    internal = b"".join(p.read_bytes() for p in (sites["internal"] / "feed").iterdir()).decode("utf-8-sig")
    assert CANARY not in internal and "收费站火情初报" in internal
    assert json.loads((sites["internal"] / "feed" / "summary-2026-11.json").read_text())["totals"]["expected"] > 0


def test_report_list_links_into_the_site(sites):
    site = sites["internal"]
    reports = json.loads((site / "feed" / "reports-2026.json").read_text(encoding="utf-8"))["reports"]
    assert len(reports) == 60 + 10 + 2 + 1  # the extra info reports, one of each of the ten types, public two, formula
    incident = next(r for r in reports if r["type"] == "incident")
    assert incident["severity"] == "一般" and incident["stage"] == "初报" and incident["timeliness"] == "on_time"
    for r in reports:
        assert (site / "feed" / unquote(r["url"])).resolve().is_file(), r["url"]


def test_atom_is_a_valid_atom_feed_of_the_50_newest(sites):
    root = ET.fromstring((sites["internal"] / "feed" / "atom.xml").read_bytes())
    assert root.tag == f"{ATOM}feed"
    for tag in ("id", "title", "updated", "author"):
        assert root.find(f"{ATOM}{tag}") is not None, tag
    assert root.find(f"{ATOM}id").text.startswith("urn:uuid:")
    entries = root.findall(f"{ATOM}entry")
    assert len(entries) == 50
    ids = [e.find(f"{ATOM}id").text for e in entries]
    assert len(set(ids)) == 50 and all(i.startswith("urn:uuid:") for i in ids)
    updated = [e.find(f"{ATOM}updated").text for e in entries]
    assert updated == sorted(updated, reverse=True)
    for e in entries:  # RFC 4287 4.1.2: id, title, updated; a link as there is no content
        assert e.find(f"{ATOM}title").text and e.find(f"{ATOM}link").get("rel") == "alternate"
        assert (sites["internal"] / "feed" / unquote(e.find(f"{ATOM}link").get("href"))).resolve().is_file()


def test_credit_csv_opens_in_excel(sites):
    data = (sites["internal"] / "feed" / "credit.csv").read_bytes()
    assert data.startswith("\ufeff".encode())
    text = data.decode("utf-8-sig")
    assert "\r\n" in text and "\n" not in text.replace("\r\n", "")
    rows = list(csv.reader(io.StringIO(text)))
    assert tuple(rows[0]) == CREDIT_HEADER
    assert {r[4] for r in rows[1:]} == {"安监罚〔2026〕12号", "安监罚〔2026〕13号", "安监罚〔2026〕99号"}
    good = next(r for r in rows if r[4] == "安监罚〔2026〕12号")
    assert good[:4] == ["91350100M000100Y43", "城东化工有限公司", "行政处罚", "2026-11-15"]
    formula = next(r for r in rows if r[4] == "安监罚〔2026〕13号")
    assert formula[1] == "'=HYPERLINK(\"http://x\",\"城东\")"  # shown as text, never run
    public = (sites["public"] / "feed" / "credit.csv").read_bytes().decode("utf-8-sig")
    assert "安监罚〔2026〕99号" in public and "安监罚〔2026〕12号" not in public


def test_a_site_without_members_has_no_members_pages(sites):
    site = sites["internal"]
    assert list(site.glob("members/*.html")) == []  # only the search's (empty) list of members' bundles
    assert (site / "members" / "search.json").read_text(encoding="utf-8") == "[]"
    assert "sb-members-card" not in (site / "index.html").read_text(encoding="utf-8")


def test_atom_links_are_absolute_under_site_url(repo):
    """With site_url in _org.yml the feed's links are absolute (a reader that ignores the feed's own
    address still opens the report); each is the site_url joined with the relative link."""
    import dataclasses

    from generator.feeds import atom
    from generator.repository import load_repository
    from generator.site.facts import collect

    loaded = load_repository(repo)
    site_url = "http://report.example.gov.cn/yingji/"
    org = dataclasses.replace(loaded.org, site_url=site_url)
    relative = ET.fromstring(atom(collect(loaded.org, loaded.reports, "internal", loaded.as_of)))
    absolute = ET.fromstring(atom(collect(org, loaded.reports, "internal", loaded.as_of)))
    rel_links = [e.get("href") for e in relative.iter(f"{ATOM}link")]
    abs_links = [e.get("href") for e in absolute.iter(f"{ATOM}link")]
    assert len(abs_links) == 52
    assert abs_links[:2] == [site_url + "feed/atom.xml", site_url + "index.html"]
    from urllib.parse import urljoin
    assert abs_links == [urljoin(site_url + "feed/", h) for h in rel_links]
    assert all(h.startswith(site_url) for h in abs_links)
