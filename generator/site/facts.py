"""What the site needs to know about the published reports, computed once per build.

Everything here works on the reports one audience may see (``repo.publishable(audience)``),
so nothing from a report above the audience can reach a page, a listing, a count or a chart.
Figures per period come from ``generator.summary`` (the same as ``shangbao summary``).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from .. import periods as P
from ..config import Org
from ..model import PERIODIC_TYPES, REPORT_TYPES, Report
from ..timeliness import timeliness
from . import urls

STAGE_ORDER = {"初报": 0, "续报": 1, "终报": 2}


def _attr(obj: Any, name: str, default: Any = None) -> Any:
    if isinstance(obj, dict):
        return obj.get(name, default)
    return getattr(obj, name, default)


@dataclass
class Facts:
    org: Org
    audience: str
    as_of: dt.datetime
    reports: list[Report]  # visible, newest first (by reported_at)
    by_id: dict[str, Report] = field(default_factory=dict)
    doc: dict[str, str] = field(default_factory=dict)  # id -> docs path
    timeliness: dict[str, str | None] = field(default_factory=dict)
    followers: dict[str, list[Report]] = field(default_factory=lambda: defaultdict(list))
    feedback: dict[str, list[Report]] = field(default_factory=lambda: defaultdict(list))
    counts_in: dict[str, list[Report]] = field(default_factory=lambda: defaultdict(list))  # period id -> reports
    _summaries: dict[str, dict] = field(default_factory=dict)
    #: the typed summaries behind ``_summaries`` (the 情况通报 is written from them): one count per period
    _summary_objects: dict[str, Any] = field(default_factory=dict)
    all_reports: list[Report] = field(default_factory=list)  # every report read (the summary filters)
    problems: dict[str, list] | None = None
    summarizer: Any = None
    members: list | None = None  # the members' feeds read for this build (members.py), when it has members
    _periods: list[P.Period] | None = None  # ``all_periods``

    @property
    def tz(self):
        return self.org.timezone

    # --- chains -------------------------------------------------------------------
    def head_of(self, report: Report) -> Report | None:
        """The 初报 of an incident chain (the report itself for a 初报), if visible."""
        if report.type != "incident":
            return None
        if report.stage in ("续报", "终报"):
            return self.by_id.get(report.follows or "")
        return report

    def chain(self, report: Report) -> list[Report]:
        head = self.head_of(report)
        if head is None:
            return [report] if report.type == "incident" else []
        return [head, *sorted(self.followers.get(head.id, []), key=_chain_key)]

    def latest_stage(self, head: Report) -> str:
        chain = self.chain(head)
        return max((r.stage or "初报" for r in chain), key=lambda s: STAGE_ORDER.get(s, 0))

    def open_incidents(self) -> list[Report]:
        heads = [r for r in self.reports if r.type == "incident" and r.stage not in ("续报", "终报")]
        return [h for h in heads if self.latest_stage(h) != "终报"]

    # --- periods ------------------------------------------------------------------
    def summary(self, period: P.Period) -> dict:
        """The SPEC §6 summary of a period for this audience (cached)."""
        if period.id not in self._summaries:
            self._summaries[period.id] = summarize_dict(self, period)
        return self._summaries[period.id]

    def summary_of(self, period: P.Period):
        """The typed ``generator.summary.Summary`` of ``summary(period)`` (cached): the page, the
        情况通报 and the feed of a period are made from one count."""
        found = self._summary_objects.get(period.id)
        if found is None:
            if self.summarizer is None:
                from ..summary import Summarizer

                self.summarizer = Summarizer(self.all_reports, self.org, self.audience, self.as_of, self.problems)
            found = self._summary_objects[period.id] = self.summarizer.summarize(period)
        return found

    def first_day(self) -> dt.date:
        days = [u.since for u in self.org.units.values() if u.since]
        days += [r.reported_at.astimezone(self.tz).date() for r in self.reports if r.reported_at]
        today = self.as_of.astimezone(self.tz).date()
        return min(days) if days else today

    def all_periods(self) -> list[P.Period]:
        """Every period from the first report (or unit start) up to the as-of day, years first
        (worked out once: the pages, the feeds and the index all ask)."""
        if self._periods is None:
            self._periods = self._all_periods()
        return list(self._periods)

    def _all_periods(self) -> list[P.Period]:
        first = self.first_day()
        today = self.as_of.astimezone(self.tz).date()
        out: list[P.Period] = []
        for year in range(first.year, today.year + 1):
            y = P.parse(str(year), "annual")
            if y is None:
                continue
            out.append(y)
            for kind in ("quarterly", "monthly", "weekly"):
                for p in P.periods_in(kind, y):
                    if p.start <= today and p.end > first:
                        out.append(p)
        return out


def _chain_key(r: Report) -> tuple:
    return (STAGE_ORDER.get(r.stage or "初报", 0), r.reported_at or dt.datetime.min.replace(tzinfo=dt.UTC), r.id)


def counting_periods(report: Report, tz) -> list[str]:
    """Ids of the periods a report counts in (SPEC §5a)."""
    if report.type in PERIODIC_TYPES and report.period:
        own = _own_periods(str(report.period), report.type)
        if own:
            return list(own)
    if report.reported_at is None:
        return []
    return list(_day_periods(report.reported_at.astimezone(tz).date()))


# many reports share a period or a day: each is worked out once (serve collects facts on every edit)
@functools.lru_cache(maxsize=4096)
def _own_periods(period: str, kind: str) -> tuple[str, ...]:
    own = P.parse(period, kind)
    return () if own is None else (own.id, *(p.id for p in P.enclosing(own)))


@functools.lru_cache(maxsize=4096)
def _day_periods(day: dt.date) -> tuple[str, ...]:
    return tuple(P.period_containing(k, day).id for k in P.KINDS)


def collect(org: Org, reports: list[Report], audience: str, as_of: dt.datetime,
            publishable: list[Report] | None = None, problems: dict | None = None) -> Facts:
    """Facts for one audience. ``reports``: every report read (the summary filters them itself);
    ``publishable``: what the audience may see (default: filtered from ``reports``)."""
    source = reports if publishable is None else publishable
    visible = [
        r for r in source
        if r.usable and r.visible_to(audience) and not r.has_errors
        and r.reported_at <= as_of and (r.received or r.reported_at) <= as_of
    ]
    visible.sort(key=lambda r: (r.reported_at, r.id), reverse=True)
    facts = Facts(org=org, audience=audience, as_of=as_of, reports=visible, all_reports=list(reports),
                  problems=problems)
    seen_docs: dict[str, str] = {}
    docs = urls.doc_paths(r.id for r in visible)  # ids that differ only in case: hashed pages
    for r in visible:
        facts.by_id[r.id] = r
        doc = docs[r.id]
        if doc in seen_docs:  # pragma: no cover - a SHA-256 prefix collision
            raise RuntimeError(f"报告 {r.id} 与 {seen_docs[doc]} 的页面路径相同")
        seen_docs[doc] = r.id
        facts.doc[r.id] = doc
        facts.timeliness[r.id] = timeliness(r, org)
        for pid in counting_periods(r, org.timezone):
            facts.counts_in[pid].append(r)
    for r in visible:
        if r.type == "incident" and r.stage in ("续报", "终报") and r.follows in facts.by_id:
            facts.followers[r.follows].append(r)
        if r.type == "feedback" and r.on in facts.by_id:
            facts.feedback[r.on].append(r)
    return facts


# --- the summary module -----------------------------------------------------------------

def summarize_dict(facts: Facts, period: P.Period) -> dict:
    """``generator.summary`` for this audience (the same figures ``shangbao summary`` prints)."""
    from ..summary_writers import summary_dict

    return summary_dict(facts.summary_of(period))


TYPE_ORDER = list(REPORT_TYPES)
