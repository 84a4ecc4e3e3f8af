"""The 信息简报 (``shangbao bulletin``): the reports a leader instructed on (批示) or that were
adopted (采用) in the period, each with its 批示 quoted, after a table of contents (本期要目).

It works on the reports the audience may see (site.facts.collect), so a bulletin for an
audience holds nothing above it: neither a report nor a 批示 on one.
"""

from __future__ import annotations

import datetime as dt

from docx.document import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH

from ..config import Org
from ..model import Report
from ..periods import Period
from ..site.facts import Facts
from . import layout
from .report import write_body
from .text import blocks

DEFAULT_NAME = "工作信息"
FEEDBACK_SHOWN = ("批示", "采用")


def bulletin_name(org: Org) -> str:
    return org.documents.bulletin_name or DEFAULT_NAME


def default_number(period: Period) -> int:
    """The issue number when none is given: the period's place in its year (11 for 2026-11,
    48 for 2026-W48, 4 for 2026-Q4, 1 for a year)."""
    if period.kind == "weekly":
        return int(period.id.split("-W")[1])
    if period.kind == "monthly":
        return int(period.id.split("-")[1])
    if period.kind == "quarterly":
        return int(period.id[-1])
    return 1


def entries(facts: Facts, period: Period) -> list[tuple[Report, list[Report]]]:
    """(report, its 批示/采用) for every report instructed on or adopted in ``period``, oldest first."""
    tz = facts.tz
    chosen: dict[str, Report] = {}
    for r in facts.reports:
        if r.type != "feedback" or r.kind not in FEEDBACK_SHOWN or r.on not in facts.by_id:
            continue
        if period.start <= r.reported_at.astimezone(tz).date() < period.end:
            chosen[r.on] = facts.by_id[r.on]
    out = []
    for target in sorted(chosen.values(), key=lambda x: (x.reported_at, x.id)):
        feedback = sorted((fb for fb in facts.feedback.get(target.id, []) if fb.kind in FEEDBACK_SHOWN),
                          key=lambda x: (x.reported_at, x.id))
        out.append((target, feedback))
    return out


def bulletin_title(org: Org, number: int) -> str:
    return f"《{bulletin_name(org)}》第{number}期"


def bulletin_document(facts: Facts, period: Period, number: int) -> Document:
    org = facts.org
    tz = facts.tz
    day = facts.as_of.astimezone(tz).date()
    issuer = org.documents.issuer or org.organization
    items = entries(facts, period)
    doc = layout.new_document(bulletin_title(org, number), facts.as_of)
    layout.classification_mark(doc, facts.audience)
    layout.masthead(doc, bulletin_name(org), below=[(f"第{number}期", ""), (f"{issuer}编", layout.cn_date(day))])

    heading = layout.add(doc, "本期要目", layout.HEADINGS[0])
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    heading.paragraph_format.first_line_indent = 0
    if not items:
        layout.paragraph(doc, f"{period.label}没有被领导批示或被采用的信息。")
    for n, (report, _) in enumerate(items, start=1):
        layout.add(doc, f"{n}. {report.title or report.id}（{_unit(org, report)}）", layout.TOC)

    for report, feedback in items:
        layout.add(doc, style=layout.PLAIN)
        layout.title(doc, report.title or report.id)
        byline = layout.add(doc, f"（{_unit(org, report)}　{layout.cn_date(report.reported_at.astimezone(tz))}）",
                            layout.PLAIN)
        byline.alignment = WD_ALIGN_PARAGRAPH.CENTER
        write_body(doc, report.body)
        for fb in feedback:
            layout.add(doc, _feedback_line(fb, tz), layout.QUOTE)
    layout.colophon(doc, org.documents.cc, issuer, day)
    return doc


def _unit(org: Org, report: Report) -> str:
    unit = org.units.get(report.unit or "")
    return unit.name if unit else (report.unit or "")


def _feedback_line(fb: Report, tz: dt.tzinfo) -> str:
    """【领导批示】张伟（2026年11月4日）：处置及时……"""
    words = "".join(b.text for b in blocks(fb.body) if b.kind == "para")
    when = layout.cn_date(fb.reported_at.astimezone(tz))
    if fb.kind == "批示":
        return f"【领导批示】{fb.by or ''}（{when}）：{words}"
    level = f"，{fb.level}级" if fb.level else ""
    return f"【采用情况】{fb.by or ''}（{when}{level}）：{words}"
