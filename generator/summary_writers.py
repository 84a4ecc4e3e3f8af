"""Writing a computed ``Summary`` as Markdown, JSON or CSV, and the ``shangbao summary`` command.

Computing lives in ``summary.py`` (``summarize(reports, org, period, audience, as_of)`` →
``Summary``); this module only turns a ``Summary`` into text:

- ``summary_markdown(s)`` → str: the 通报 (a leader can forward it as is);
- ``summary_json(s)`` → str, ``summary_dict(s)`` → dict: the SPEC §6 keys and more;
- ``summary_csv(s)`` → str, ``summary_csv_bytes(s)`` → bytes: the per-unit table, UTF-8 with
  BOM and CRLF for Excel/WPS;
- ``write_summary(s, fmt)`` → bytes for ``fmt`` in ``WRITERS`` (``md``, ``json``, ``csv``):
  what the command prints. A new format (docx, pdf) adds an entry to ``WRITERS``.

The writers never count: every figure comes from the ``Summary``, so all formats agree.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import sys
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from . import periods
from .config import Org, Scoring, format_duration
from .model import REPORT_TYPES
from .periods import Period
from .summary import Figures, Missing, Summary, Timed, _num, period_error, summarize
from .timeliness import CONCEALED, LATE, TIMELINESS_LABELS
from .timeparse import format_time

AUDIENCE_LABELS = {
    "public": "公开范围（只含公开报告）",
    "internal": "内部范围（不含限定级报告）",
    "restricted": "限定范围（含全部报告）",
}


def _pct(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


def figures_dict(figures: Figures, s: Scoring) -> dict[str, Any]:
    rate = figures.on_time_rate
    return {
        "submitted": figures.submitted,
        "expected": figures.expected,
        "on_time": figures.on_time,
        "late": figures.late,
        "concealed": figures.concealed,
        "missing": figures.missing,
        "instructed": figures.instructed,
        "adopted": figures.adopted,
        "on_time_rate": None if rate is None else round(rate, 4),
        "score": figures.score(s),
    }



# --- JSON --------------------------------------------------------------------------------
def summary_dict(summary: Summary) -> dict[str, Any]:
    """The JSON object (SPEC §6 keys and more)."""
    tz = summary.timezone
    units = []
    for u in summary.units:
        d = {"id": u.id, "name": u.name, "parent": u.parent}
        d.update(figures_dict(u.figures, summary.scoring))
        if summary.rollup:
            d["own"] = figures_dict(u.own, summary.scoring)
        else:
            d["rank"] = u.rank
        units.append(d)
    totals = figures_dict(summary.totals, summary.scoring)
    totals_out = {
        "reports": totals["submitted"],
        "incidents": summary.incident_count,
        "late": totals["late"],
        "concealed": totals["concealed"],
        "missing": totals["missing"],
        "on_time_rate": totals["on_time_rate"],
        "expected": totals["expected"],
        "on_time": totals["on_time"],
        "feedback": summary.feedback_count,
        "instructed": totals["instructed"],
        "adopted": totals["adopted"],
    }
    return {
        "organization": summary.organization,
        "period": {
            "id": summary.period.id,
            "kind": summary.period.kind,
            "label": summary.period.label,
            "start": summary.period.start.isoformat(),
            "end": summary.period.end.isoformat(),  # exclusive: the first day after the period
        },
        "audience": summary.audience,
        "as_of": summary.as_of.astimezone(tz).isoformat(),
        "rollup": summary.rollup,
        "totals": totals_out,
        "units": units,
        "missing": [
            {
                "unit": m.unit,
                "unit_name": m.unit_name,
                "type": m.type,
                "type_label": REPORT_TYPES[m.type],
                "period": m.period.id,
                "period_label": m.period.label,
                "due": m.due.astimezone(tz).isoformat(),
            }
            for m in summary.missing
        ],
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
            for t in summary.late_reports
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
            for i in summary.incidents
        ],
        "metrics": summary.metrics,
        "uncounted": [{"path": p, "reason": r} for p, r in summary.uncounted],
    }

def summary_json(summary: Summary) -> str:
    return json.dumps(summary_dict(summary), ensure_ascii=False, indent=2) + "\n"

# --- CSV --------------------------------------------------------------------------------
CSV_HEADER = ("排名", "单位", "单位代码", "上级单位", "应报", "已报", "按时", "迟报", "瞒报", "漏报",
              "批示", "采用", "按时率", "得分")

def summary_csv(summary: Summary) -> str:
    """Per-unit table; the caller writes it as UTF-8 with BOM (``csv_bytes``)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    header = list(CSV_HEADER)
    if summary.rollup:
        header[0] = "层级"
    writer.writerow(header)
    names = {u.id: u.name for u in summary.units}
    lines = summary.hierarchy() if summary.rollup else summary.ranked()
    for u in lines:
        f = u.figures
        rate = f.on_time_rate
        writer.writerow([
            u.depth + 1 if summary.rollup else u.rank, u.name, u.id, names.get(u.parent, "") if u.parent else "",
            f.expected, f.submitted, f.on_time, f.late, f.concealed, f.missing,
            f.instructed, f.adopted, "" if rate is None else f"{rate * 100:.1f}%", f.score(summary.scoring),
        ])
    return out.getvalue()

def summary_csv_bytes(summary: Summary) -> bytes:
    """UTF-8 with BOM and CRLF, so Excel/WPS on Chinese Windows read the Chinese headers."""
    return ("\ufeff" + summary_csv(summary)).encode("utf-8")

# --- Markdown --------------------------------------------------------------------------------
def summary_markdown(summary: Summary) -> str:
    """The 通报 in Markdown, which a leader can forward as is."""
    tz = summary.timezone
    p = summary.period
    last_day = p.end - dt.timedelta(days=1)
    t = summary.totals
    s = summary.scoring
    out: list[str] = [f"# {summary.title}", ""]
    out.append(
        f"统计周期：{p.start.isoformat()} 至 {last_day.isoformat()}　"
        f"统计截至：{format_time(summary.as_of, tz)}　范围：{AUDIENCE_LABELS.get(summary.audience, summary.audience)}"
    )
    out += ["", "## 一、总体情况", ""]
    headline = f"本期共收到报告 **{t.submitted}** 份"
    if summary.incident_count:
        headline += f"，其中突发事件初报 **{summary.incident_count}** 起"
    headline += (
        f"；应报定期报告 **{t.expected}** 份。"
        f"按时 **{t.on_time}** 份，迟报 **{t.late}** 份，瞒报 **{t.concealed}** 份，漏报 **{t.missing}** 份，"
        f"按时率 **{_pct(t.on_time_rate)}**。"
    )
    out.append(headline)
    if t.instructed or t.adopted:
        out += ["", f"领导批示 **{t.instructed}** 次，信息被采用 **{t.adopted}** 次。"]

    # units
    if summary.rollup:
        out += ["", "## 二、各单位报送情况（含下级单位）", ""]
        out.append("| 单位 | 应报 | 已报 | 按时 | 迟报 | 瞒报 | 漏报 | 批示 | 采用 | 按时率 | 得分 |")
        out.append("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
        lines = summary.hierarchy()
    else:
        out += ["", "## 二、各单位报送情况（按得分排名）", ""]
        out.append("| 排名 | 单位 | 应报 | 已报 | 按时 | 迟报 | 瞒报 | 漏报 | 批示 | 采用 | 按时率 | 得分 |")
        out.append("|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
        lines = summary.ranked()
    for u in lines:
        f = u.figures
        cells = [
            ("　" * u.depth + _cell(u.name)) if summary.rollup else _cell(u.name),
            f.expected, f.submitted, f.on_time, f.late, f.concealed, f.missing,
            f.instructed, f.adopted, _pct(f.on_time_rate), f.score(s),
        ]
        if not summary.rollup:
            cells.insert(0, u.rank)
        out.append("| " + " | ".join(str(c) for c in cells) + " |")
    out += ["", _scoring_note(s)]
    if summary.rollup:
        out.append("上级单位的数字包含其全部下级单位；“总体情况”中每份报告只计一次。")

    # missing
    out += ["", "## 三、漏报情况", ""]
    if summary.missing:
        by_unit: dict[str, list[Missing]] = defaultdict(list)
        for m in summary.missing:
            by_unit[m.unit_name].append(m)
        for name, items in by_unit.items():
            parts = "、".join(
                f"{REPORT_TYPES[m.type]}（{m.period.label}，应于 {format_time(m.due, tz)} 前报送）" for m in items
            )
            out.append(f"- **{_cell(name)}**：{parts}")
    else:
        out.append("本期无漏报。")

    # late / concealed
    out += ["", "## 四、迟报、瞒报情况", ""]
    if summary.late_reports:
        out.append("| 单位 | 报告 | 类型 | 情况 | 说明 |")
        out.append("|---|---|---|---|---|")
        for tr in summary.late_reports:
            out.append(
                f"| {_cell(tr.unit_name)} | {_cell(tr.report.title or tr.report.id)} | {tr.report.type_label} "
                f"| **{TIMELINESS_LABELS[tr.timeliness]}** | {_cell(_explain(summary, tr))} |"
            )
    else:
        out.append("本期无迟报、瞒报。")

    # incidents
    out += ["", "## 五、突发事件", ""]
    if summary.incidents:
        out.append("| 事件 | 单位 | 等级 | 发生时间 | 进展 | 初报时效 |")
        out.append("|---|---|---|---|---|---|")
        for i in summary.incidents:
            tl = TIMELINESS_LABELS.get(i.timeliness or "", "—")
            if i.timeliness in (LATE, CONCEALED) and i.delay is not None:
                tl = f"**{tl}**（事发后 {format_duration(i.delay)}）"
            out.append(
                f"| {_cell(i.first.title or i.first.id)} | {_cell(i.unit_name)} | {i.severity or '—'} "
                f"| {format_time(i.first.occurred_at, tz)} | {i.stage} | {tl} |"
            )
    else:
        out.append("本期无突发事件报告。")

    # metrics
    out += ["", "## 六、报送指标汇总", ""]
    if summary.metrics:
        out.append("各类定期报告分别合计（周报与月报不相加）。")
        for kind, values in summary.metrics.items():
            out += ["", f"### {REPORT_TYPES[kind]}", "", "| 指标 | 合计 |", "|---|--:|"]
            for name, value in values.items():
                out.append(f"| {_cell(name)} | {value} |")
    else:
        out.append("本期定期报告未填报指标。")

    # uncounted
    if summary.uncounted:
        out += ["", "## 七、未计入的报告", ""]
        out.append("以下报告有错误，未计入本期统计（也不算漏报）。请报送员运行 `shangbao check` 查看并修正：")
        out.append("")
        for path, reason in summary.uncounted:
            out.append(f"- `{path}`：{_cell(reason)}")
    out.append("")
    return "\n".join(out)

def _explain(summary: Summary, tr: Timed) -> str:
    tz = summary.timezone
    r = tr.report
    when = format_time(r.received_at if tr.on_received else r.reported_at, tz)
    if r.type == "incident":
        text = (
            f"事发 {format_time(r.occurred_at, tz)}，{when} 报送，事发后 {format_duration(tr.delay)}"
            f"（应在 {format_duration(summary.deadlines.incident_late)}内报送，"
            f"超过 {format_duration(summary.deadlines.incident_concealed)}为瞒报）"
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


WRITERS: dict[str, Callable[[Summary], bytes]] = {
    "md": lambda s: summary_markdown(s).encode("utf-8"),
    "json": lambda s: summary_json(s).encode("utf-8"),
    "csv": summary_csv_bytes,
}


def write_summary(summary: Summary, fmt: str) -> bytes:
    """The bytes of ``summary`` in ``fmt`` (a key of ``WRITERS``)."""
    return WRITERS[fmt](summary)


# --- the command ------------------------------------------------------------------------

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


def load_summary(root: Path, target: Period, audience: str, as_of: dt.datetime | None, rollup: bool) -> Summary:
    """The summary of ``target`` from the repository at ``root``: what ``shangbao summary`` prints
    and the 情况通报 document (documents/notice.py) shows; files that could not be read are named
    to non-public audiences."""
    from .config import load_org
    from .repository import load_repository

    org = load_org(root)
    moment = _localize(as_of, org)
    repo = load_repository(root, as_of=moment)
    for warning in repo.history_warnings:
        print(f"注意：{warning}", file=sys.stderr)
    problems = repo.unpublishable()
    summary = summarize(repo.reports, repo.org, target, audience, moment, rollup, problems)
    # files that could not be read as a report at all: named only to the audiences their
    # declared classification allows (generator/visibility.py)
    if audience != "public":
        from .model import CLASSIFICATION_RANK
        from .visibility import file_audience

        known = {r.path for r in repo.reports}
        for path, findings in sorted(problems.items()):
            if path in known or path == "submissions/_org.yml":
                continue
            lowest = file_audience(root, path)
            if lowest is None or CLASSIFICATION_RANK[lowest] > CLASSIFICATION_RANK[audience]:
                continue
            errors = [f for f in findings if f.severity == "error"]
            if errors:
                summary.uncounted.append((path, f"{errors[0].code}（第 {errors[0].line} 行）{errors[0].message}"))
        summary.uncounted.sort()
    return summary


def run_summary(root: Path, period: str, fmt: str, audience: str, as_of: dt.datetime | None, rollup: bool) -> int:
    """``shangbao summary``: print the summary of one period; 2 on a bad period id."""
    message = period_error(period)
    if message is not None:
        print(message, file=sys.stderr)
        return 2
    summary = load_summary(root, periods.parse(period), audience, as_of, rollup)
    _write(write_summary(summary, fmt if fmt in WRITERS else "md"))
    return 0


__all__ = ["AUDIENCE_LABELS", "WRITERS", "write_summary", "summary_dict", "summary_json", "summary_csv",
           "summary_csv_bytes", "summary_markdown", "load_summary", "run_summary"]
