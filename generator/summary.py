"""Summaries per week, month, quarter and year (SPEC §5a, §6 ``shangbao summary``).

``summarize(reports, org, period, audience, as_of)`` is pure: it takes ``Report`` objects
(with or without errors) and returns a ``Summary`` that renders as Markdown (a 通报 a
leader can forward as is), JSON (the SPEC §6 keys and more) or CSV (per-unit table for
Excel/WPS). ``Summarizer`` does the per-report work once so the site can summarize many
periods from the same reports quickly.

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
import csv
import datetime as dt
import io
import json
import sys
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from . import periods
from .config import Org, Scoring, format_duration
from .model import PERIODIC_TYPES, REPORT_TYPES, STAGES, Finding, Report
from .periods import Period
from .timeliness import (
    CONCEALED,
    LATE,
    ON_TIME,
    TIMELINESS_LABELS,
    incident_delay,
    incident_timeliness,
    is_imported,
    is_timed_incident,
    judged_on_received,
    periodic_delay,
    periodic_due,
    periodic_timeliness,
)
from .timeparse import format_time

AUDIENCE_LABELS = {
    "public": "公开范围（只含公开报告）",
    "internal": "内部范围（不含限定级报告）",
    "restricted": "限定范围（含全部报告）",
}
_STAGE_ORDER = {s: i for i, s in enumerate(STAGES)}


def _num(value: float) -> int | float:
    """Whole numbers as int (JSON ``3`` rather than ``3.0``)."""
    if isinstance(value, float):
        if value.is_integer():
            return int(value)
        return round(value, 6)
    return value


def _rate(on_time: int, timed: int) -> float | None:
    return None if timed == 0 else on_time / timed


def _pct(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


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

    def as_dict(self, s: Scoring, assessed: bool = True) -> dict[str, Any]:
        if not assessed:  # public: counts of the reports the audience sees, no assessment (SPEC §7)
            return {"submitted": self.submitted, "received": self.received, "other": self.other,
                    "instructed": self.instructed, "adopted": self.adopted}
        rate = self.on_time_rate
        return {
            "submitted": self.submitted,
            "received": self.received,
            "other": self.other,
            "expected": self.expected,
            "on_time": self.on_time,
            "late": self.late,
            "concealed": self.concealed,
            "missing": self.missing,
            "instructed": self.instructed,
            "adopted": self.adopted,
            "on_time_rate": None if rate is None else round(rate, 4),
            "score": self.score(s),
        }


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

    # --- JSON ---------------------------------------------------------------------
    def as_dict(self) -> dict[str, Any]:
        tz = self.timezone
        assessed = self.assessed
        units = []
        for u in self.units:
            d = {"id": u.id, "name": u.name, "parent": u.parent}
            d.update(u.figures.as_dict(self.scoring, assessed))
            if self.rollup:
                d["own"] = u.own.as_dict(self.scoring, assessed)
            elif assessed:
                d["rank"] = u.rank
            units.append(d)
        totals = self.totals.as_dict(self.scoring, assessed)
        totals_out = {
            "reports": totals["submitted"],
            "incidents": self.incident_count,
            "received": totals["received"],
            "other": totals["other"],
            "feedback": self.feedback_count,
            "instructed": totals["instructed"],
            "adopted": totals["adopted"],
        }
        if assessed:
            totals_out |= {key: totals[key] for key in ("late", "concealed", "missing", "on_time_rate",
                                                         "expected", "on_time")}
        out = {
            "organization": self.organization,
            "period": {
                "id": self.period.id,
                "kind": self.period.kind,
                "label": self.period.label,
                "start": self.period.start.isoformat(),
                "end": self.period.end.isoformat(),  # exclusive: the first day after the period
            },
            "audience": self.audience,
            "as_of": self.as_of.astimezone(tz).isoformat(),
            "rollup": self.rollup,
            "totals": totals_out,
            "units": units,
            "missing": [self._owed(m) for m in self.missing],
            "pending": [self._owed(m) for m in self.pending],
            "late_reports": [
                {
                    "id": t.report.id,
                    "unit": t.report.unit,
                    "type": t.report.type,
                    "title": t.report.title,
                    "timeliness": t.timeliness,
                    "reported_at": t.report.reported_at.astimezone(tz).isoformat(),
                    "received_at": t.report.received.astimezone(tz).isoformat(),
                    "judged_on_received": t.on_received,
                    "due": t.due.astimezone(tz).isoformat() if t.due else None,
                    "delay_minutes": int(t.delay.total_seconds() // 60),
                }
                for t in self.late_reports
            ],
            "incidents": [
                {
                    "id": i.first.id,
                    "title": i.first.title,
                    "unit": i.first.unit,
                    "severity": i.severity,
                    "stage": i.stage,
                    "timeliness": i.timeliness,
                    "occurred_at": i.first.occurred_at.astimezone(tz).isoformat() if i.first.occurred_at else None,
                    "reported_at": i.first.reported_at.astimezone(tz).isoformat(),
                }
                for i in self.incidents
            ],
            "metrics": self.metrics,
            "uncounted": [{"path": p, "reason": r} for p, r in self.uncounted],
        }
        if not assessed:
            for key in ("missing", "pending", "late_reports"):
                del out[key]
            for incident in out["incidents"]:
                del incident["timeliness"]
        return out

    def _owed(self, m: Missing) -> dict[str, Any]:
        return {
            "unit": m.unit,
            "unit_name": m.unit_name,
            "type": m.type,
            "type_label": REPORT_TYPES[m.type],
            "period": m.period.id,
            "period_label": m.period.label,
            "due": m.due.astimezone(self.timezone).isoformat(),
        }

    def to_json(self) -> str:
        return json.dumps(self.as_dict(), ensure_ascii=False, indent=2) + "\n"

    # --- CSV ----------------------------------------------------------------------
    CSV_HEADER = ("排名", "单位", "单位代码", "上级单位", "定期报告应报", "定期报告已报", "其他报告", "报告合计",
                  "按时", "迟报", "瞒报", "漏报", "批示", "采用", "按时率", "得分")
    #: the public table: the reports it sees, no assessment (SPEC §7)
    CSV_HEADER_PUBLIC = ("单位", "单位代码", "上级单位", "定期报告", "其他报告", "报告合计", "批示", "采用")

    def to_csv(self) -> str:
        """Per-unit table; the caller writes it as UTF-8 with BOM (``csv_bytes``)."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        assessed = self.assessed
        header = list(self.CSV_HEADER if assessed else self.CSV_HEADER_PUBLIC)
        if self.rollup:
            header[0:1] = ["层级"] if assessed else ["层级", header[0]]
        writer.writerow(header)
        names = {u.id: u.name for u in self.units}
        lines = self.hierarchy() if self.rollup else (self.ranked() if assessed else self.units)
        for u in lines:
            f = u.figures
            row: list[Any] = [u.name, u.id, names.get(u.parent, "") if u.parent else ""]
            if assessed:
                rate = f.on_time_rate
                row += [f.expected, f.received, f.other, f.submitted, f.on_time, f.late, f.concealed, f.missing,
                        f.instructed, f.adopted, "" if rate is None else f"{rate * 100:.1f}%", f.score(self.scoring)]
            else:
                row += [f.received, f.other, f.submitted, f.instructed, f.adopted]
            if self.rollup:
                row.insert(0, u.depth + 1)
            elif assessed:
                row.insert(0, u.rank)
            writer.writerow(row)
        return out.getvalue()

    def csv_bytes(self) -> bytes:
        """UTF-8 with BOM and CRLF, so Excel/WPS on Chinese Windows read the Chinese headers."""
        return ("\ufeff" + self.to_csv()).encode("utf-8")

    # --- Markdown -----------------------------------------------------------------
    def to_markdown(self) -> str:
        tz = self.timezone
        p = self.period
        last_day = p.end - dt.timedelta(days=1)
        t = self.totals
        s = self.scoring
        assessed = self.assessed
        out: list[str] = [f"# {self.title}", ""]
        out.append(
            f"统计周期：{p.start.isoformat()} 至 {last_day.isoformat()}　"
            f"统计截至：{format_time(self.as_of, tz)}　范围：{AUDIENCE_LABELS.get(self.audience, self.audience)}"
        )
        numbers = iter("一二三四五六七八")

        def section(title: str) -> None:
            out.extend(["", f"## {next(numbers)}、{title}", ""])

        section("总体情况")
        headline = (f"本期共收到报告 **{t.submitted}** 份：定期报告 **{t.received}** 份"
                    + (f"（应报 **{t.expected}** 份）" if assessed else "")
                    + f"，其他报告 **{t.other}** 份")
        if self.incident_count:
            headline += f"（其中突发事件初报 **{self.incident_count}** 起）"
        headline += "。"
        if assessed:
            headline += (
                f"按时 **{t.on_time}** 份，迟报 **{t.late}** 份，瞒报 **{t.concealed}** 份，漏报 **{t.missing}** 份，"
                f"按时率 **{_pct(t.on_time_rate)}**。"
            )
        out.append(headline)
        if t.instructed or t.adopted:
            out += ["", f"领导批示 **{t.instructed}** 次，信息被采用 **{t.adopted}** 次。"]
        if not assessed:
            out += ["", "公开范围只统计公开的报告，不列应报、迟报、瞒报、漏报、按时率和得分（这些考核数字见内部范围的通报）。"]

        # units
        section("各单位报送情况" + ("（含下级单位）" if self.rollup else "（按得分排名）" if assessed else ""))
        if assessed:
            head = ["单位", "定期报告 已报/应报", "其他报告", "按时", "迟报", "瞒报", "漏报", "批示", "采用", "按时率", "得分"]
        else:
            head = ["单位", "定期报告", "其他报告", "报告合计", "批示", "采用"]
        if not self.rollup and assessed:
            head.insert(0, "排名")
        out.append("| " + " | ".join(head) + " |")
        out.append("|" + "|".join("---" if h == "单位" else "--:" for h in head) + "|")
        lines = self.hierarchy() if self.rollup else (self.ranked() if assessed else self.units)
        for u in lines:
            f = u.figures
            name = ("　" * u.depth + _cell(u.name)) if self.rollup else _cell(u.name)
            if assessed:
                cells = [name, f"{f.received}/{f.expected}", f.other, f.on_time, f.late, f.concealed, f.missing,
                         f.instructed, f.adopted, _pct(f.on_time_rate), f.score(s)]
                if not self.rollup:
                    cells.insert(0, u.rank)
            else:
                cells = [name, f.received, f.other, f.submitted, f.instructed, f.adopted]
            out.append("| " + " | ".join(str(c) for c in cells) + " |")
        out.append("")
        out.append("定期报告：周报、月报、季报、年报；其他报告：突发事件、监督检查、交办事项、信用信息、工作信息"
                   "（批示、采用不计入）。")
        if assessed:
            out.append(_scoring_note(s))
        if self.rollup:
            out.append("上级单位的数字包含其全部下级单位；“总体情况”中每份报告只计一次。")

        if assessed:
            section("漏报情况")
            if self.missing:
                by_unit: dict[str, list[Missing]] = defaultdict(list)
                for m in self.missing:
                    by_unit[m.unit_name].append(m)
                for name, items in by_unit.items():
                    parts = "、".join(
                        f"{REPORT_TYPES[m.type]}（{m.period.label}，应于 {format_time(m.due, tz)} 前报送）" for m in items
                    )
                    out.append(f"- **{_cell(name)}**：{parts}")
            else:
                out.append("本期无漏报。")

            section("迟报、瞒报情况")
            if self.late_reports:
                out.append("| 单位 | 报告 | 类型 | 情况 | 说明 |")
                out.append("|---|---|---|---|---|")
                for tr in self.late_reports:
                    out.append(
                        f"| {_cell(tr.unit_name)} | {_cell(tr.report.title or tr.report.id)} | {tr.report.type_label} "
                        f"| **{TIMELINESS_LABELS[tr.timeliness]}** | {_cell(self._explain(tr))} |"
                    )
            else:
                out.append("本期无迟报、瞒报。")

        section("突发事件")
        if self.incidents:
            if assessed:
                out.append("| 事件 | 单位 | 等级 | 发生时间 | 进展 | 初报时效 |")
                out.append("|---|---|---|---|---|---|")
            else:
                out.append("| 事件 | 单位 | 等级 | 发生时间 | 进展 |")
                out.append("|---|---|---|---|---|")
            for i in self.incidents:
                row = (f"| {_cell(i.first.title or i.first.id)} | {_cell(i.unit_name)} | {i.severity or '—'} "
                       f"| {format_time(i.first.occurred_at, tz)} | {i.stage} |")
                if assessed:
                    tl = TIMELINESS_LABELS.get(i.timeliness or "", "—")
                    if i.timeliness in (LATE, CONCEALED) and i.delay is not None:
                        tl = f"**{tl}**（事发后 {format_duration(i.delay)}）"
                    row += f" {tl} |"
                out.append(row)
        else:
            out.append("本期无突发事件报告。")

        section("报送指标汇总")
        if self.metrics:
            out.append("各类定期报告分别合计（周报与月报不相加）。")
            for kind, values in self.metrics.items():
                out += ["", f"### {REPORT_TYPES[kind]}", "", "| 指标 | 合计 |", "|---|--:|"]
                for name, value in values.items():
                    out.append(f"| {_cell(name)} | {value} |")
        else:
            out.append("本期定期报告未填报指标。")

        if self.uncounted:
            section("未计入的报告")
            out.append("以下报告有错误，未计入本期统计" + ("（也不算漏报）" if assessed else "")
                       + "。请报送员运行 `shangbao check` 查看并修正：")
            out.append("")
            for path, reason in self.uncounted:
                out.append(f"- `{path}`：{_cell(reason)}")
        out.append("")
        return "\n".join(out)

    def _explain(self, tr: Timed) -> str:
        tz = self.timezone
        r = tr.report
        when = format_time(r.received_at if tr.on_received else r.reported_at, tz)
        if r.type == "incident":
            text = (
                f"事发 {format_time(r.occurred_at, tz)}，{when} 报送，事发后 {format_duration(tr.delay)}"
                f"（应在 {format_duration(self.deadlines.incident_late)}内报送，"
                f"超过 {format_duration(self.deadlines.incident_concealed)}为瞒报）"
            )
        else:
            sub = periods.parse(r.period or "", r.type)
            name = sub.label if sub else r.period
            text = (f"{name}{r.type_label}应于 {format_time(tr.due, tz)} 前报送，{when} 报送，"
                    f"晚 {format_duration(tr.delay)}")
        if tr.on_received:
            text += f"；报告写明的报送时间为 {format_time(r.reported_at, tz)}，但入库时间晚了半小时以上，按入库时间计"
        return text


def _cell(text: object) -> str:
    """Text safe inside a Markdown table cell."""
    return str(text).replace("|", "｜").replace("\n", " ").replace("\r", " ")


def _scoring_note(s: Scoring) -> str:
    def sign(v: float) -> str:
        v = _num(v)
        return f"+{v}" if v >= 0 else f"−{-v}"

    adopted = "、".join(f"{k}级{sign(v)}" for k, v in s.adopted.items())
    return (
        f"计分：按时 {sign(s.on_time)}，迟报 {sign(s.late)}，瞒报 {sign(s.concealed)}，漏报 {sign(s.missing)}，"
        f"领导批示 {sign(s.instructed)}，信息采用按级别（{adopted}）。按时率 = 按时 ÷（按时 + 迟报 + 瞒报 + 漏报）。"
    )


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
                if r.type == "incident":
                    late.append(Timed(r, names[r.unit], t, incident_delay(r, org), judged_on_received(r, org)))
                else:
                    late.append(Timed(r, names[r.unit], t, periodic_delay(r, org), judged_on_received(r, org),
                                      periodic_due(r, org)))

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


def _write(data: bytes) -> None:
    sys.stdout.flush()
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:
        sys.stdout.write(data.decode("utf-8"))
    else:
        buffer.write(data)
        buffer.flush()


def _localize(as_of: dt.datetime | None, org: Org) -> dt.datetime:
    if as_of is None:
        return dt.datetime.now(org.timezone).replace(microsecond=0)
    if isinstance(as_of.tzinfo, ZoneInfo) and as_of.tzinfo != org.timezone:
        # written without an offset (``2026-11-27 18:00``): it means the organisation's time
        return as_of.replace(tzinfo=org.timezone)
    if as_of.tzinfo is None:
        return as_of.replace(tzinfo=org.timezone)
    return as_of


def run_summary(root: Path, period: str, fmt: str, audience: str, as_of: dt.datetime | None, rollup: bool) -> int:
    """``shangbao summary``: print the summary of one period; 2 on a bad period id."""
    from .config import load_org
    from .repository import load_repository

    message = period_error(period)
    if message is not None:
        print(message, file=sys.stderr)
        return 2
    target = periods.parse(period)
    org = load_org(root)
    moment = _localize(as_of, org)
    repo = load_repository(root, as_of=moment)
    for warning in repo.history_warnings:
        print(f"注意：{warning}", file=sys.stderr)
    problems = repo.unpublishable()
    summary = summarize(repo.reports, repo.org, target, audience, moment, rollup, problems)
    # files that could not be read as a report at all: named to non-public audiences
    if audience != "public":
        known = {r.path for r in repo.reports}
        for path, findings in sorted(problems.items()):
            if path in known or path == "submissions/_org.yml":
                continue
            errors = [f for f in findings if f.severity == "error"]
            if errors:
                summary.uncounted.append((path, f"{errors[0].code}（第 {errors[0].line} 行）{errors[0].message}"))
        summary.uncounted.sort()
    if fmt == "json":
        _write(summary.to_json().encode("utf-8"))
    elif fmt == "csv":
        _write(summary.csv_bytes())
    else:
        _write(summary.to_markdown().encode("utf-8"))
    return 0


__all__ = ["Summary", "Summarizer", "summarize", "run_summary", "period_error"]
