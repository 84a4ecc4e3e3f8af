"""The period's 情况通报 (``shangbao summary --format docx|pdf``), written from the computed
``Summary``: the same figures ``summary --format json`` gives, in 公文 form.

For the public audience it holds no assessment figures (expected, late, concealed, missing,
on-time rate, score; SPEC §7): counted from public reports alone they would be wrong.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict

from docx.document import Document

from ..config import Org, format_duration
from ..model import REPORT_TYPES
from ..summary import Summary
from ..timeliness import CONCEALED, LATE, TIMELINESS_LABELS
from . import layout
from .text import cn_number

#: the periods whose page on the site links their 通报 (a weekly one is not a document the office
#: issues, and 52 a year would cost the build more than they are worth)
SITE_KINDS = ("monthly", "quarterly", "annual")


def _pct(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


def notice_title(summary: Summary) -> str:
    return f"关于{summary.period.label}信息报送情况的通报"


def notice_document(summary: Summary, org: Org) -> Document:
    s = summary
    tz = s.timezone
    assessed = s.audience != "public"
    doc = layout.new_document(notice_title(s), s.as_of)
    layout.classification_mark(doc, s.audience)
    layout.masthead(doc, org.documents.masthead or org.organization)
    layout.title(doc, notice_title(s))
    last_day = s.period.end - dt.timedelta(days=1)
    layout.paragraph(doc, f"统计周期：{layout.cn_date(s.period.start)}至{layout.cn_date(last_day)}；"
                          f"统计截至：{layout.cn_time(s.as_of, tz)}。")
    sections = _Sections(doc)
    t = s.totals

    sections.next("总体情况")
    text = f"本期共收到报告{t.submitted}份"
    if s.incident_count:
        text += f"，其中突发事件初报{s.incident_count}起"
    if assessed:
        text += (f"；应报定期报告{t.expected}份，已报{t.received}份。按时{t.on_time}份，迟报{t.late}份，瞒报{t.concealed}份，"
                 f"漏报{t.missing}份，按时率{_pct(t.on_time_rate)}。")
        if t.instructed or t.adopted:
            text += f"领导批示{t.instructed}次，信息被采用{t.adopted}次。"
    else:
        text += "（只计公开报告）。"
    layout.paragraph(doc, text)

    lines = s.hierarchy() if s.rollup else s.ranked()
    if assessed:
        sections.next("各单位报送情况（含下级单位）" if s.rollup else "各单位报送情况（按得分排名）")
        header = ["单位", "应报", "已报", "按时", "迟报", "瞒报", "漏报", "批示", "采用", "按时率", "得分"]
        rows = []
        for u in lines:
            f = u.figures
            # 已报 is set against 应报: the periodic reports received (as the summary's 定期报告 已报/应报)
            row = [("　" * u.depth if s.rollup else "") + u.name, f.expected, f.received, f.on_time, f.late,
                   f.concealed, f.missing, f.instructed, f.adopted, _pct(f.on_time_rate), f.score(s.scoring)]
            if not s.rollup:
                row.insert(0, u.rank)
            rows.append(row)
        if not s.rollup:
            header.insert(0, "排名")
        widths = ([2] if not s.rollup else []) + [7, 2, 2, 2, 2, 2, 2, 2, 2, 3.2, 2.4]
        layout.table(doc, header, rows, widths)
    else:
        sections.next("各单位报送情况")
        layout.table(doc, ["单位", "报告数"], [[u.name, u.figures.submitted] for u in lines], [8, 3])

    if assessed:
        sections.next("漏报情况")
        if s.missing:
            by_unit: dict[str, list] = defaultdict(list)
            for m in s.missing:
                by_unit[m.unit_name].append(m)
            for name, items in by_unit.items():
                parts = "、".join(f"{m.period.label}{REPORT_TYPES[m.type]}（应于{layout.cn_time(m.due, tz)}前报送）"
                                 for m in items)
                layout.paragraph(doc, f"{name}：{parts}。")
        else:
            layout.paragraph(doc, "本期无漏报。")

        sections.next("迟报、瞒报情况")
        if s.late_reports:
            rows = []
            for tr in s.late_reports:
                r = tr.report
                when = r.received_at if tr.on_received else r.reported_at
                if r.type == "incident":
                    note = f"事发{layout.cn_time(r.occurred_at, tz)}，{layout.cn_time(when, tz)}报送，事发后{format_duration(tr.delay)}"
                else:
                    note = f"应于{layout.cn_time(tr.due, tz)}前报送，{layout.cn_time(when, tz)}报送，晚{format_duration(tr.delay)}"
                if tr.on_received:
                    note += "（按入库时间计）"
                rows.append([tr.unit_name, r.title or r.id, r.type_label, TIMELINESS_LABELS[tr.timeliness], note])
            layout.table(doc, ["单位", "报告", "类型", "情况", "说明"], rows, [4, 6, 2, 2, 8])
        else:
            layout.paragraph(doc, "本期无迟报、瞒报。")

    sections.next("突发事件")
    if s.incidents:
        header = ["事件", "单位", "等级", "发生时间", "进展"]
        rows = []
        for i in s.incidents:
            row = [i.first.title or i.first.id, i.unit_name, i.severity or "—",
                   layout.cn_time(i.first.occurred_at, tz), i.stage]
            if assessed:
                tl = TIMELINESS_LABELS.get(i.timeliness or "", "—")
                if i.timeliness in (LATE, CONCEALED) and i.delay is not None:
                    tl = f"{tl}（事发后{format_duration(i.delay)}）"
                row.append(tl)
            rows.append(row)
        if assessed:
            header.append("初报时效")
        layout.table(doc, header, rows, [7, 4, 2, 5, 2] + ([4] if assessed else []))
    else:
        layout.paragraph(doc, "本期无突发事件报告。")

    sections.next("报送指标汇总")
    if s.metrics:
        layout.paragraph(doc, "各类定期报告分别合计（周报与月报不相加）。")
        for n, (kind, values) in enumerate(s.metrics.items(), start=1):
            layout.heading(doc, 2, f"（{cn_number(n)}）{REPORT_TYPES[kind]}")
            layout.table(doc, ["指标", "合计"], [[name, value] for name, value in values.items()], [8, 4])
    else:
        layout.paragraph(doc, "本期定期报告未填报指标。")

    if s.uncounted and assessed:
        sections.next("未计入的报告")
        layout.paragraph(doc, "以下报告有错误，未计入本期统计（也不算漏报），请报送单位修正后重新提交：")
        for path, reason in s.uncounted:
            layout.paragraph(doc, f"{path}：{reason}")

    day = s.as_of.astimezone(tz).date()
    layout.signature(doc, org.documents.masthead or org.organization, day)
    layout.colophon(doc, org.documents.cc, org.documents.issuer or org.organization, day)
    return doc


class _Sections:
    """一、 二、 … in the order the sections are written (the public notice has fewer)."""

    def __init__(self, doc: Document) -> None:
        self.doc, self.n = doc, 0

    def next(self, text: str) -> None:
        self.n += 1
        layout.heading(self.doc, 1, f"{cn_number(self.n)}、{text}")


def notice_bytes(summary: Summary, org: Org) -> bytes:
    return layout.to_bytes(notice_document(summary, org))


# --- the same 通报 on another day (the site's build cache) ------------------------------------------
#
# Every 通报 prints the as-of (统计截至, the 成文日期 under the signature, the 印发 date, the file's
# dates), so a period whose figures have not changed for years still gets a new file at every build.
# The site keeps the 通报 written for a stand-in as-of instead (``stand_in``: the same summary but for
# the as-of, a date of the same length, so the signature stands where it would) and puts the real
# dates into its text (``restamp``): a file byte-identical to ``notice_bytes(summary, org)``.

#: Every field of a ``Report`` that ``notice_document`` reads (of the summary's late reports and
#: incidents): all ``notice_key`` holds of a report, rather than its whole text.
REPORT_FIELDS = ("id", "title", "type", "type_label", "unit", "reported_at", "received_at", "occurred_at")


def notice_key(summary: Summary) -> str:
    """Everything ``notice_document`` makes the 通报 from but ``_org.yml``, as text (the site's build
    cache key): the summary with each report in it cut down to ``REPORT_FIELDS``."""
    def fields(r) -> tuple:
        return tuple(getattr(r, name) for name in REPORT_FIELDS)

    return repr(dataclasses.replace(
        summary, late_reports=[dataclasses.replace(t, report=fields(t.report)) for t in summary.late_reports],
        incidents=[dataclasses.replace(i, first=fields(i.first)) for i in summary.incidents]))


def stand_in(summary: Summary) -> tuple[Summary, dict[str, list[tuple[str, str, int]]]]:
    """The summary with a stand-in as-of, and what ``restamp`` replaces in which part: (the stand-in's
    text, the real one's, how often the stand-in's text stands there)."""
    tz = summary.timezone
    real = summary.as_of.astimezone(tz)
    local = dt.datetime(1999, 1 if real.month < 10 else 11, 3 if real.day < 10 else 23, 11, 11)
    model = dataclasses.replace(summary, as_of=local.replace(tzinfo=tz))
    swaps = {
        # the time first: it holds the date (统计截至), then the date alone (signature, 印发)
        "word/document.xml": [(layout.cn_time(model.as_of, tz), layout.cn_time(real, tz), 1),
                              (layout.cn_date(model.as_of.astimezone(tz)), layout.cn_date(real), 2)],
        "docProps/core.xml": [(layout.core_time(model.as_of), layout.core_time(real), 2)],
    }
    return model, swaps


def restamp(data: bytes, swaps: dict[str, list[tuple[str, str, int]]]) -> bytes | None:
    """The stand-in's 通报 ``data`` with the real dates (``stand_in``); None when a stand-in's text
    does not stand exactly where the document prints the as-of (a report title that holds it)."""
    out = []
    for name, part in layout.parts(data):
        if name in swaps:
            text = part.decode("utf-8")
            for old, new, count in swaps[name]:
                if text.count(old) != count:
                    return None
                text = text.replace(old, new)
            part = text.encode("utf-8")
        out.append((name, part))
    return layout.package(out)
