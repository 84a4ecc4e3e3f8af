"""The build cache for what is not a report page (SPEC §8, incremental builds): period pages, their
情况通报 and the feed files print the as-of, yet a period whose figures did not change is taken from
the cache at a later as-of — and is then byte for byte what a build without the cache writes. An
input that changes (a title, a report withdrawn) is never served from an older entry.

The sample repository, generated in this process (no MkDocs): the docs pages, the .docx and the feed
files are what the site publishes.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from generator import periods as P
from generator.documents import layout
from generator.documents.notice import notice_bytes, restamp, stand_in
from generator.feeds import feed_files
from generator.repository import load_repository
from generator.site.build import _generator
from generator.site.cache import SiteCache
from generator.site.facts import collect

PROJECT = Path(__file__).resolve().parents[1]
TZ = ZoneInfo("Asia/Shanghai")
EARLIER = dt.datetime(2026, 11, 27, 13, 0, tzinfo=TZ)
LATER = dt.datetime(2026, 12, 14, 9, 5, tzinfo=TZ)  # (a date as long: the 通报 of a one-digit day is another entry)
OCTOBER = P.parse("2026-10", "monthly")
INCIDENT = "submissions/weihuake/2026/2026-10-09-城南加油站汽油泄漏.md"
MONTHLY = "submissions/anjianke/2026/2026-10-月报.md"


@pytest.fixture(scope="module")
def loaded():
    return {as_of: load_repository(PROJECT, as_of=as_of) for as_of in (EARLIER, LATER)}


def _facts(repo, audience: str = "internal", change=None):
    """The site's facts; ``change(report)`` gives a report in place of the one read (or None: withdrawn)."""
    def changed(reports):
        out = [r if change is None else change(r) for r in reports]
        return [r for r in out if r is not None]

    return collect(repo.org, changed(repo.reports), audience, repo.as_of, changed(repo.publishable(audience)),
                   repo.unpublishable())


def _period(facts, out: Path, cache: SiteCache | None, period=OCTOBER) -> tuple[bytes, bytes]:
    """The period's docs page and 情况通报 as one generator writes them."""
    gen = _generator(facts, PROJECT, out, cache)
    gen.period_page(period)
    return (out / f"periods/{period.id}.md").read_bytes(), (out / f"periods/{period.id}.docx").read_bytes()


def test_a_closed_period_is_taken_from_the_cache_at_a_later_as_of_and_is_what_a_full_build_writes(loaded, tmp_path):
    cache = SiteCache(tmp_path / "cache", secret=b"k")
    _period(_facts(loaded[EARLIER]), tmp_path / "a", cache)
    hits = cache.hits
    page, docx = _period(_facts(loaded[LATER]), tmp_path / "b", cache)
    assert cache.hits == hits + 2  # the page and its 通报: October's figures are the same a week later
    full_page, full_docx = _period(_facts(loaded[LATER]), tmp_path / "full", None)
    assert page == full_page and docx == full_docx
    assert "统计截至 2026-12-14 09:05".encode() in page and b"2026-11-27 13:00" not in page
    # the as-of the summary carries (``s.as_of``) is this build's too
    assert not any("\ufdd0" in p.read_text(encoding="utf-8") for p in (tmp_path / "b").rglob("*.md"))


@pytest.mark.parametrize("change", ["retitled", "withdrawn", "received late", "reported later"])
def test_a_changed_report_is_never_served_from_the_older_entry(loaded, tmp_path, change):
    cache = SiteCache(tmp_path / "cache", secret=b"k")
    before_page, before_docx = _period(_facts(loaded[EARLIER]), tmp_path / "a", cache)
    if change == "retitled":  # an incident of October: on the page and in the 通报's table of incidents
        def edit(r):
            return dataclasses.replace(r, title="更正后的事件标题") if r.path == INCIDENT else r
    elif change == "withdrawn":  # a monthly report withdrawn: the unit is now 漏报 for October
        def edit(r):
            return None if r.path == MONTHLY else r
    elif change == "received late":  # the monthly report reached the repository after its deadline: 迟报
        def edit(r):
            late = dt.datetime(2026, 11, 20, 9, 0, tzinfo=TZ)
            return dataclasses.replace(r, received_at=late, reported_at=late) if r.path == MONTHLY else r
    else:  # the incident's 初报 five hours later: its delay and timeliness (迟报)
        def edit(r):
            return dataclasses.replace(r, reported_at=r.reported_at + dt.timedelta(hours=5),
                                       received_at=r.received + dt.timedelta(hours=5)) if r.path == INCIDENT else r
    page, docx = _period(_facts(loaded[LATER], change=edit), tmp_path / "b", cache)
    full_page, full_docx = _period(_facts(loaded[LATER], change=edit), tmp_path / "full", None)
    assert page == full_page and docx == full_docx
    unchanged_page, unchanged_docx = _period(_facts(loaded[LATER]), tmp_path / "c", None)
    assert page != unchanged_page and docx != unchanged_docx  # the change shows, in both
    if change == "retitled":
        assert "更正后的事件标题".encode() in page


@pytest.mark.parametrize("as_of", [EARLIER, LATER, dt.datetime(2027, 1, 5, 0, 0, tzinfo=TZ),
                                   dt.datetime(2026, 12, 2, 9, 5, tzinfo=TZ), dt.datetime(2027, 3, 14, 8, 0, tzinfo=TZ),
                                   dt.datetime(2026, 10, 31, 23, 59, tzinfo=TZ)])
def test_the_notice_of_a_stand_in_as_of_restamped_is_the_notice(loaded, as_of):
    repo = loaded[EARLIER]
    facts = _facts(repo)
    summary = dataclasses.replace(facts.summary_of(OCTOBER), as_of=as_of)
    model, swaps = stand_in(summary)
    assert model.as_of != as_of
    assert restamp(notice_bytes(model, repo.org), swaps) == notice_bytes(summary, repo.org)


def test_a_title_that_holds_the_stand_in_date_is_not_restamped(loaded, tmp_path):
    repo = loaded[EARLIER]
    facts = _facts(repo)
    summary = facts.summary_of(OCTOBER)
    model, swaps = stand_in(summary)
    odd = layout.cn_date(model.as_of)  # a report titled with the stand-in's very date
    first = dataclasses.replace(summary.incidents[0].first, title=f"{odd}事件")
    model = dataclasses.replace(model, incidents=[dataclasses.replace(summary.incidents[0], first=first)])
    assert restamp(notice_bytes(model, repo.org), swaps) is None
    # the site then writes it without the cache's help, as it is
    titled = _facts(repo, change=lambda r: dataclasses.replace(r, title=f"{odd}事件") if r.path == INCIDENT else r)
    cached = _period(titled, tmp_path / "a", SiteCache(tmp_path / "cache", secret=b"k"))
    assert cached == _period(titled, tmp_path / "full", None)


@pytest.mark.parametrize("audience", ["internal", "public"])
def test_feed_files_from_the_cache_are_the_feed_files(loaded, tmp_path, audience):
    cache = SiteCache(tmp_path / "cache", secret=b"k")
    assert feed_files(_facts(loaded[EARLIER], audience), cache) == feed_files(_facts(loaded[EARLIER], audience))
    hits = cache.hits
    later = feed_files(_facts(loaded[LATER], audience), cache)
    assert later == feed_files(_facts(loaded[LATER], audience))
    assert cache.hits > hits + 10  # the summaries of closed periods, with this as-of put in
    assert b'"as_of": "2026-12-14T09:05:00+08:00"' in later["summary-2026-10.json"]
    # a retitled report is in its year's list at once
    public = audience == "public"
    target = next(r.path for r in loaded[LATER].publishable(audience) if r.type == "info") if public else INCIDENT
    edited = feed_files(_facts(loaded[LATER], audience, change=lambda r: dataclasses.replace(
        r, title="更正后的标题") if r.path == target else r), cache)
    assert "更正后的标题".encode() in edited["reports-2026.json"]
    assert edited == feed_files(_facts(loaded[LATER], audience, change=lambda r: dataclasses.replace(
        r, title="更正后的标题") if r.path == target else r))


class _Recording:
    """A report that notes which of its fields are read."""

    def __init__(self, report, seen: set[str]) -> None:
        self._report, self._seen = report, seen

    def __getattr__(self, name: str):
        self._seen.add(name)
        return getattr(self._report, name)


def test_the_notice_key_holds_every_field_of_a_report_the_notice_reads(loaded):
    """``notice_key`` holds a report's REPORT_FIELDS only: were the 通报 to print another field (its
    author, say), an entry made before that field changed would be taken for the new one."""
    from generator.documents.notice import REPORT_FIELDS, notice_document

    facts = _facts(loaded[EARLIER])
    seen: set[str] = set()
    for period in (OCTOBER, P.parse("2026", "annual")):
        summary = facts.summary_of(period)
        assert summary.incidents and summary.late_reports
        watched = dataclasses.replace(
            summary,
            late_reports=[dataclasses.replace(t, report=_Recording(t.report, seen)) for t in summary.late_reports],
            incidents=[dataclasses.replace(i, first=_Recording(i.first, seen)) for i in summary.incidents])
        notice_document(watched, loaded[EARLIER].org)
    assert seen and seen <= set(REPORT_FIELDS), seen - set(REPORT_FIELDS)
