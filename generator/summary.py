"""Summaries per week, month, quarter and year (SPEC §5a, §6 ``shangbao summary``).

Computing only; writing is in ``summary_writers.py``.

- ``summarize(reports, org, period, audience, as_of, rollup=False, problems=None)`` is pure: it
  takes ``Report`` objects (with or without errors) and returns a typed ``Summary`` (units with
  their ``Figures``, missing, late, incidents, metrics, uncounted).
- ``Summarizer(reports, org, audience, as_of)`` does the per-report work once;
  ``.summarize(period, rollup)`` then costs little per period (the site summarizes many).
- Writers (``generator.summary_writers``): ``summary_markdown``, ``summary_json``/``summary_dict``,
  ``summary_csv``/``summary_csv_bytes`` and ``write_summary(s, "md"|"json"|"csv")``. (This module
  never imports them: writing depends on computing, not the other way round.)
- ``period_error(text)``: the Chinese message for a bad period id. The command
  (``run_summary``) is in ``summary_writers``.

Counting rules (SPEC §5a), with the decisions the SPEC leaves open:

- Counted: reports without errors, not drafts, visible to the audience, and already in the
  repository as of ``as_of`` (reported_at and received time not after it). A summary for
  an audience contains nothing from a report above it — no line, no count, no metric, and
  feedback on such a report scores nothing.
- Periodic reports count in their ``period`` (a week in the month/quarter/year holding its
  Thursday); every other report in the period holding its reported_at (local date).
- Owed: for each of a unit's ``periodic`` types, every period of that type belonging to the
  summary period and starting on or after ``since``. Missing (漏报): past due as of
  ``as_of`` and no non-draft report of that unit, type and period exists. A report that
  exists but has errors is not missing — it is named under ``uncounted``; a report that
  exists but is above the audience is neither missing nor counted.
- ``submitted`` counts a unit's own reports except feedback (批示/采用 are the office's
  records about other units' reports; they score for the unit of the report they are on,
  in the period of the feedback's reported_at).
- Timed: incident 初报 and periodic reports that count in the period.
  ``on_time_rate`` = on_time ÷ (on_time + late + concealed + missing), None when zero.
- ``score`` = scoring.on_time·on_time + late·late + concealed·concealed +
  missing·missing + instructed·批示 + Σ adopted[level]·采用.
- With ``rollup`` a unit's figures include every unit below it; ``own`` keeps its own.
  Totals never count a report twice.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from . import periods
from .config import Org, Scoring
from .model import PERIODIC_TYPES, STAGES, Finding, Report
from .periods import Period
from .rules.base import RULES
from .timeliness import (
    CONCEALED,
    LATE,
    ON_TIME,
    incident_delay,
    incident_timeliness,
    is_imported,
    is_timed_incident,
    judged_on_received,
    periodic_delay,
    periodic_due,
    periodic_timeliness,
)

_STAGE_ORDER = {s: i for i, s in enumerate(STAGES)}


def _num(value: float) -> int | float:
    """Whole numbers as int (JSON ``3`` rather than ``3.0``)."""
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 2**53:  # beyond, a float's whole digits are not exact
            return int(value)
        return round(value, 6)
    return value


def _rate(on_time: int, timed: int) -> float | None:
    return None if timed == 0 else on_time / timed


# --- result objects -------------------------------------------------------------------

@dataclass(slots=True)
class Figures:
    """Counts for one unit (own, or rolled up) in one period."""

    submitted: int = 0
    received: int = 0  # periodic reports among ``submitted`` (set against ``expected``)
    expected: int = 0
    on_time: int = 0
    late: int = 0
    concealed: int = 0
    missing: int = 0
    instructed: int = 0
    adopted: int = 0
    adopted_points: float = 0

    @property
    def other(self) -> int:
        """Reports that are not periodic (incidents, inspections, information …)."""
        return self.submitted - self.received

    @property
    def timed(self) -> int:
        return self.on_time + self.late + self.concealed + self.missing

    @property
    def on_time_rate(self) -> float | None:
        return _rate(self.on_time, self.timed)

    def score(self, s: Scoring) -> int | float:
        return _num(
            s.on_time * self.on_time + s.late * self.late + s.concealed * self.concealed
            + s.missing * self.missing + s.instructed * self.instructed + self.adopted_points
        )

    def add(self, other: Figures) -> None:
        for name in self.__slots__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass(slots=True)
class UnitLine:
    id: str
    name: str
    parent: str | None
    depth: int
    own: Figures
    rolled: Figures | None = None  # with --rollup: own + every unit below
    rank: int | None = None  # by score (without roll-up)

    @property
    def figures(self) -> Figures:
        return self.rolled if self.rolled is not None else self.own


@dataclass(slots=True)
class Missing:
    unit: str
    unit_name: str
    type: str
    period: Period
    due: dt.datetime


@dataclass(slots=True)
class Timed:
    """A late (迟报) or concealed (瞒报) report, with what the message needs."""

    report: Report
    unit_name: str
    timeliness: str
    delay: dt.timedelta  # incident: after occurred_at; periodic: after due
    on_received: bool  # judged by the received time
    due: dt.datetime | None = None


@dataclass(slots=True)
class Incident:
    first: Report  # the 初报
    unit_name: str
    severity: str | None
    stage: str
    timeliness: str | None
    delay: dt.timedelta | None


@dataclass(slots=True)
class Summary:
    organization: str
    timezone: ZoneInfo
    period: Period
    audience: str
    as_of: dt.datetime
    rollup: bool
    scoring: Scoring
    deadlines: Any
    units: list[UnitLine] = field(default_factory=list)
    totals: Figures = field(default_factory=Figures)
    incident_count: int = 0
    feedback_count: int = 0
    missing: list[Missing] = field(default_factory=list)
    pending: list[Missing] = field(default_factory=list)  # owed, not yet due, not yet received
    late_reports: list[Timed] = field(default_factory=list)
    incidents: list[Incident] = field(default_factory=list)
    metrics: dict[str, dict[str, int | float]] = field(default_factory=dict)
    uncounted: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)

    @property
    def assessed(self) -> bool:
        """Whether the summary judges the units (expected, late, missing, rate, score).

        Never for the public audience (SPEC §7): counted from public reports alone, it would
        call units 漏报 for reports the public cannot see."""
        return self.audience != "public"

    @property
    def title(self) -> str:
        return f"{self.organization} 信息报送情况通报（{self.period.label}）"

    def unit(self, unit_id: str) -> UnitLine:
        for line in self.units:
            if line.id == unit_id:
                return line
        raise KeyError(unit_id)

    def ranked(self) -> list[UnitLine]:
        return sorted(self.units, key=lambda u: (u.rank or 0, self.units.index(u)))

    def hierarchy(self) -> list[UnitLine]:
        """Units depth-first under their parents (for roll-up tables)."""
        children: dict[str | None, list[UnitLine]] = defaultdict(list)
        ids = {u.id for u in self.units}
        for u in self.units:
            children[u.parent if u.parent in ids else None].append(u)
        out: list[UnitLine] = []

        def walk(parent: str | None) -> None:
            for u in children.get(parent, []):
                out.append(u)
                walk(u.id)

        walk(None)
        return out



# --- the counting -----------------------------------------------------------------------

class Summarizer:
    """Reads the reports once; ``summarize(period)`` then costs little per period."""

    def __init__(
        self,
        reports: Iterable[Report],
        org: Org,
        audience: str,
        as_of: dt.datetime,
        problems: Mapping[str, list[Finding]] | None = None,
    ):
        self.org = org
        self.audience = audience
        self.as_of = as_of
        self.problems = problems or {}
        tz = org.timezone
        self._tz = tz
        # (type, period id) -> counted periodic reports
        self._periodic: dict[tuple[str, str], list[Report]] = defaultdict(list)
        # counted non-periodic, non-feedback reports sorted by local date of reported_at
        dated: list[tuple[dt.date, str, Report]] = []
        feedback: list[tuple[dt.date, str, Report]] = []
        # non-draft reports that exist as of as_of (errors or not, any audience): never missing
        self._exists: set[tuple[str, str, str]] = set()
        self._followups: dict[str, list[Report]] = defaultdict(list)
        self._by_id: dict[str, Report] = {}
        self._timeliness: dict[str, str | None] = {}
        # reports with errors the audience may see: (anchor kind, key, report)
        self._errored: list[tuple[str, Any, Report]] = []
        # a report's line among the late ones and an incident's line are the same in every period
        # (the site summarizes each week, month, quarter and year): made once, shared, never changed
        self._late: dict[str, Timed] = {}
        self._incidents: dict[str, Incident] = {}
        for r in reports:
            if r.draft:
                continue
            if r.reported_at is not None and (
                r.reported_at > as_of or (r.received > as_of and not is_imported(r, org))
            ):
                continue  # not yet in the repository as of as_of (imported reports: by reported_at)
            periodic_key = None
            if r.type in PERIODIC_TYPES and r.unit and r.period is not None:
                parsed = periods.parse(r.period, r.type)
                if parsed is not None:
                    periodic_key = (r.type, parsed.id)
                    self._exists.add((r.unit, r.type, parsed.id))
            if r.has_errors or not r.usable or r.unit not in org.units:
                if r.visible_to(audience):
                    if periodic_key is not None:
                        self._errored.append(("period", periodic_key[1], r))
                    elif r.reported_at is not None:
                        self._errored.append(("date", r.reported_at.astimezone(tz).date(), r))
                    else:
                        self._errored.append(("always", None, r))
                continue
            if not r.visible_to(audience):
                continue
            self._by_id[r.id] = r
            if r.type in PERIODIC_TYPES:
                if periodic_key is None:
                    continue  # an unreadable period is an error (R306); nothing to count
                self._periodic[periodic_key].append(r)
                self._timeliness[r.id] = periodic_timeliness(r, org)
                continue
            day = r.reported_at.astimezone(tz).date()
            if r.type == "feedback":
                feedback.append((day, r.id, r))
                continue
            dated.append((day, r.id, r))
            if r.type == "incident":
                if is_timed_incident(r):
                    self._timeliness[r.id] = incident_timeliness(r, org)
                elif r.follows:
                    self._followups[r.follows].append(r)
        dated.sort(key=lambda x: (x[0], x[1]))
        feedback.sort(key=lambda x: (x[0], x[1]))
        self._dated_days = [d for d, _, _ in dated]
        self._dated = [r for _, _, r in dated]
        self._feedback_days = [d for d, _, _ in feedback]
        self._feedback = [r for _, _, r in feedback]

    def _reason(self, r: Report) -> str:
        errors = [f for f in self.problems.get(r.path, []) if f.severity == "error"]
        if not errors:
            return "报告有错误，请运行 shangbao check 查看"
        first = errors[0]
        rule = RULES.get(first.code)
        if rule is not None and rule.scope == "repository" and self.audience != "restricted":
            # its message names another report (R208, R403), which may be above the audience
            text = f"{first.code}（第 {first.line} 行）{rule.title}"
        else:
            text = f"{first.code}（第 {first.line} 行）{first.message}"
        if len(errors) > 1:
            text += f"（另有 {len(errors) - 1} 处错误）"
        return text

    def summarize(self, period: Period, rollup: bool = False) -> Summary:
        org, tz, as_of = self.org, self._tz, self.as_of
        s = Summary(
            organization=org.organization, timezone=tz, period=period, audience=self.audience,
            as_of=as_of, rollup=rollup, scoring=org.scoring, deadlines=org.deadlines,
        )
        figures = {uid: Figures() for uid in org.units}
        names = {uid: u.name for uid, u in org.units.items()}
        assessed = s.assessed

        # owed periodic reports: missing ones, and those not yet due (never judged for the public)
        for uid, unit in org.units.items():
            f = figures[uid]
            for kind in unit.periodic if assessed else ():
                deadline = org.deadlines.periodic[kind]
                for sub in periods.periods_in(kind, period):
                    if unit.since is not None and sub.start < unit.since:
                        continue
                    f.expected += 1
                    due = sub.due(deadline, tz)
                    if (uid, kind, sub.id) in self._exists:
                        continue
                    if as_of > due:
                        f.missing += 1
                        s.missing.append(Missing(uid, unit.name, kind, sub, due))
                    else:
                        s.pending.append(Missing(uid, unit.name, kind, sub, due))
        order = {uid: i for i, uid in enumerate(org.units)}
        for owed in (s.missing, s.pending):
            owed.sort(key=lambda m: (m.period.start, PERIODIC_TYPES.index(m.type), order[m.unit]))

        late: list[Timed] = []
        metrics: dict[str, dict[str, float]] = {}

        def timed(r: Report) -> None:
            if not assessed:
                return
            t = self._timeliness.get(r.id)
            f = figures[r.unit]
            if t == ON_TIME:
                f.on_time += 1
            elif t == LATE:
                f.late += 1
            elif t == CONCEALED:
                f.concealed += 1
            if t in (LATE, CONCEALED):
                found = self._late.get(r.id)  # the same in every period the report counts in
                if found is None:
                    if r.type == "incident":
                        found = Timed(r, names[r.unit], t, incident_delay(r, org), judged_on_received(r, org))
                    else:
                        found = Timed(r, names[r.unit], t, periodic_delay(r, org), judged_on_received(r, org),
                                      periodic_due(r, org))
                    self._late[r.id] = found
                late.append(found)

        # periodic reports counted in their period
        for kind in PERIODIC_TYPES:
            for sub in periods.periods_in(kind, period):
                for r in self._periodic.get((kind, sub.id), ()):
                    figures[r.unit].submitted += 1
                    figures[r.unit].received += 1
                    timed(r)
                    if r.metrics:
                        bucket = metrics.setdefault(kind, {})
                        for name, value in r.metrics.items():
                            if isinstance(value, (int, float)) and not isinstance(value, bool):
                                bucket[name] = bucket.get(name, 0) + value

        # every other report by the local date of reported_at
        lo = bisect.bisect_left(self._dated_days, period.start)
        hi = bisect.bisect_left(self._dated_days, period.end)
        for r in self._dated[lo:hi]:
            figures[r.unit].submitted += 1
            if r.type == "incident" and is_timed_incident(r):
                timed(r)
                s.incidents.append(self._incident(r, names))

        # feedback: for the unit of the report it is on
        lo = bisect.bisect_left(self._feedback_days, period.start)
        hi = bisect.bisect_left(self._feedback_days, period.end)
        for fb in self._feedback[lo:hi]:
            target = self._by_id.get(fb.on or "")
            if target is None or target.unit not in figures:
                continue
            s.feedback_count += 1
            f = figures[target.unit]
            if fb.kind == "批示":
                f.instructed += 1
            elif fb.kind == "采用":
                f.adopted += 1
                f.adopted_points += org.scoring.adopted.get(fb.level or "", 0)

        # uncounted: reports with errors that would count here
        for anchor, key, r in self._errored:
            if anchor == "period":
                sub = periods.parse(key)
                here = sub is not None and sub.belongs_to(period)
            elif anchor == "date":
                here = period.start <= key < period.end
            else:
                here = True
            if here:
                s.uncounted.append((r.path, self._reason(r)))
        s.uncounted.sort()

        late.sort(key=lambda t: (t.report.reported_at, t.report.id))
        s.late_reports = late
        s.incidents.sort(key=lambda i: (i.first.occurred_at or i.first.reported_at, i.first.id))
        s.incident_count = len(s.incidents)
        s.metrics = {k: {n: _num(v) for n, v in metrics[k].items()} for k in PERIODIC_TYPES if k in metrics}

        # unit lines, totals, ranking
        depth = {uid: _depth(org, uid) for uid in org.units}
        for uid, unit in org.units.items():
            s.units.append(UnitLine(uid, unit.name, unit.parent, depth[uid], figures[uid]))
            s.totals.add(figures[uid])
        if rollup:
            for line in s.units:
                rolled = Figures()
                for d in org.descendants(line.id):
                    rolled.add(figures[d])
                line.rolled = rolled
        elif assessed:
            _rank(s.units, org.scoring)
        return s

    def _incident(self, first: Report, names: dict[str, str]) -> Incident:
        found = self._incidents.get(first.id)  # the same in every period the 初报 counts in
        if found is None:
            found = self._incidents[first.id] = self._new_incident(first, names)
        return found

    def _new_incident(self, first: Report, names: dict[str, str]) -> Incident:
        chain = [first] + self._followups.get(first.id, [])
        latest = max(chain, key=lambda r: (_STAGE_ORDER.get(r.stage or "初报", 0), r.reported_at))
        severity = next((r.severity for r in sorted(chain, key=lambda r: r.reported_at, reverse=True)
                         if r.severity), None)
        return Incident(first, names[first.unit], severity, latest.stage or "初报",
                        self._timeliness.get(first.id), incident_delay(first, self.org))


def _depth(org: Org, uid: str) -> int:
    depth, current, seen = 0, org.units[uid], set()
    while current.parent and current.parent in org.units and current.id not in seen:
        seen.add(current.id)
        depth += 1
        current = org.units[current.parent]
    return depth


def _rank(units: list[UnitLine], scoring: Scoring) -> None:
    """Competition ranking (1, 2, 2, 4) by score, then on-time rate."""
    def key(u: UnitLine) -> tuple:
        rate = u.own.on_time_rate
        return (-u.own.score(scoring), -(rate if rate is not None else -1))

    ordered = sorted(units, key=key)
    previous, rank = None, 0
    for index, u in enumerate(ordered, start=1):
        k = key(u)
        if k != previous:
            rank, previous = index, k
        u.rank = rank


def summarize(
    reports: Iterable[Report],
    org: Org,
    period: Period,
    audience: str,
    as_of: dt.datetime,
    rollup: bool = False,
    problems: Mapping[str, list[Finding]] | None = None,
) -> Summary:
    """The summary of ``period`` for ``audience`` as of ``as_of`` (SPEC §5a). Pure."""
    return Summarizer(reports, org, audience, as_of, problems).summarize(period, rollup)


# --- the command ------------------------------------------------------------------------

def period_error(text: str) -> str | None:
    """A Chinese message when ``text`` is not a summary period id, else None."""
    if periods.parse(text) is not None:
        return None
    kind = periods.kind_of(text)
    examples = "2026-W48（周）、2026-11（月）、2026-Q4（季度）或 2026（年）"
    if kind == "weekly":
        year = int(text.strip()[:4])
        weeks = dt.date(year, 12, 28).isocalendar().week if 1 <= year <= 9998 else 52
        return f"汇总期“{text}”不存在：{year} 年只有 W01 到 W{weeks} 共 {weeks} 周（ISO 周）；请写成 {examples}。"
    if kind is not None:
        return f"汇总期“{text}”不存在；请写成 {examples}。"
    return f"汇总期“{text}”格式不对；请写成 {examples}。"


__all__ = ["Figures", "Summary", "Summarizer", "summarize", "period_error"]
