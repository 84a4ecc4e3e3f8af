"""One report as a 公文 (``shangbao export``): masthead, title, what a reader needs to know about
it, the body with its sections as numbered headings, 署名 and date, 版记."""

from __future__ import annotations

from docx.document import Document

from .. import periods
from ..config import Org
from ..model import PERIODIC_TYPES, Report
from . import layout
from .text import blocks


def facts(report: Report, org: Org, target: Report | None = None) -> list[tuple[str, str]]:
    """(label, value) lines printed under the title: who reported when, and the type's facts.

    ``target``: for feedback, the report it is on when the document's audience may see it.
    """
    tz = org.timezone
    r = report
    unit = org.units.get(r.unit or "")
    lines: list[tuple[str, str]] = [("报送单位", unit.name if unit else (r.unit or "")),
                                    ("报送时间", layout.cn_time(r.reported_at, tz))]
    if r.type == "incident":
        lines += [("事发时间", layout.cn_time(r.occurred_at, tz)), ("事发地点", r.location or ""),
                  ("事件类别", r.category or ""), ("事件等级", r.severity or ""),
                  ("伤亡情况", f"死亡{_n(r.deaths)}人，受伤{_n(r.injuries)}人"),
                  ("直接经济损失", f"{_n(r.loss)}万元"), ("报告阶段", r.stage or "初报")]
    elif r.type in PERIODIC_TYPES:
        period = periods.parse(str(r.period), r.type) if r.period else None
        lines.append(("报告期", period.label if period else (r.period or "")))
        lines += [(str(k), _n(v)) for k, v in (r.metrics or {}).items()]
    elif r.type == "inspection":
        lines += [("检查日期", layout.cn_date(r.inspected_on) if r.inspected_on else ""), ("检查对象", r.target or ""),
                  ("发现隐患", _n(r.hazards_found)), ("已整改", _n(r.hazards_fixed))]
    elif r.type == "task":
        lines += [("交办人", r.assigned_by or ""), ("交办日期", layout.cn_date(r.assigned_on) if r.assigned_on else ""),
                  ("办结时限", layout.cn_date(r.due) if r.due else ""),
                  ("办理进度", f"{_n(r.progress)}%" if r.progress is not None else "")]
    elif r.type == "credit":
        lines += [("信用主体", r.subject or ""), ("统一社会信用代码", r.uscc or ""), ("信用类别", r.category or ""),
                  ("决定日期", layout.cn_date(r.decided_on) if r.decided_on else ""), ("决定文号", r.decision_no or "")]
    elif r.type == "feedback":
        lines += [("反馈类型", r.kind or ""), ("批示/采用", r.by or ""), ("采用级别", r.level or "")]
        if target is not None:
            lines.append(("所涉报告", target.title or target.id))
    if r.anonymous:
        lines.append(("执笔人", "（匿名）"))
    elif r.author:
        lines.append(("执笔人", r.author))
    if r.reviewed_by:
        lines.append(("审核人", r.reviewed_by))
    if r.approved_by:
        lines.append(("签发人", r.approved_by))
    return [(k, v) for k, v in lines if v not in (None, "")]


def _n(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def write_body(doc: Document, markdown: str) -> None:
    """The report's body: headings at their 公文 levels, paragraphs, tables."""
    for block in blocks(markdown):
        if block.kind == "heading":
            layout.heading(doc, block.level, block.text)
        elif block.kind == "table":
            layout.table(doc, block.rows[0], block.rows[1:])
        else:
            layout.paragraph(doc, block.text)


def report_document(report: Report, org: Org, audience: str, target: Report | None = None) -> Document:
    """The document of ``report`` for ``audience`` (the caller checked the audience may see it)."""
    docs = org.documents
    title = report.title or report.id
    doc = layout.new_document(title, report.reported_at)
    layout.classification_mark(doc, report.classification)
    layout.masthead(doc, docs.masthead or org.organization)
    layout.title(doc, title)
    for label, value in facts(report, org, target):
        layout.paragraph(doc, f"{label}：{value}")
    layout.paragraph(doc, "", layout.PLAIN)
    write_body(doc, report.body)
    unit = org.units.get(report.unit or "")
    day = report.reported_at.astimezone(org.timezone).date()
    layout.signature(doc, unit.name if unit else (report.unit or ""), day)
    layout.colophon(doc, docs.cc, docs.issuer or org.organization, day)
    return doc
