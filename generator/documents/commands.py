"""``shangbao export``, ``summary --format docx|pdf`` and ``shangbao bulletin``: load, check the
audience, write the DOCX (or PDF) to ``-o FILE`` or a file named after the report or period in
the current folder, and print the path. Exit codes: 0 written, 1 the report cannot be written
(errors, draft, not yet received), 2 usage (unknown report, above the audience, bad period,
no LibreOffice for a PDF)."""

from __future__ import annotations

import datetime as dt
import re
import sys
from pathlib import Path

from .. import periods
from . import layout

FORMATS = ("docx", "pdf")
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


def _say(text: str) -> None:
    print(text, file=sys.stderr)


def file_name(stem: str, fmt: str) -> str:
    """A file name Windows accepts too (no / \\ : * ? " < > |)."""
    return f"{_UNSAFE.sub('-', stem).strip(' .') or 'document'}.{fmt}"


def write(doc, fmt: str, output: Path | None, stem: str) -> int:
    """Save ``doc`` as DOCX or PDF to ``output`` (default: ``stem`` in the current folder)."""
    from .pdf import PdfError, document_to_pdf

    target = Path(output) if output is not None else Path.cwd() / file_name(stem, fmt)
    if fmt == "pdf":
        try:
            data = document_to_pdf(doc, "document")
        except PdfError as exc:
            _say(str(exc))
            return 2
    else:
        data = layout.to_bytes(doc)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    print(target)
    return 0


def _localize(as_of: dt.datetime | None, org) -> dt.datetime:
    from ..summary_writers import _localize as localize

    return localize(as_of, org)


def _repository(root: Path, as_of: dt.datetime | None):
    from ..config import load_org
    from ..repository import load_repository

    org = load_org(root)
    repo = load_repository(root, as_of=_localize(as_of, org))
    for warning in repo.history_warnings:
        _say(f"注意：{warning}")
    return repo


def _report_id(text: str) -> str:
    """``anjianke/2026/x``, ``submissions/anjianke/2026/x.md`` or a path to the file → the report id."""
    rid = text.replace("\\", "/").strip()
    if "submissions/" in rid:
        rid = rid.split("submissions/", 1)[1]
    return rid[:-3] if rid.endswith(".md") else rid


def run_export(root: Path, report: str, fmt: str, output: Path | None, audience: str,
               as_of: dt.datetime | None) -> int:
    """``shangbao export ID``: one report as a 公文."""
    from ..model import CLASSIFICATIONS
    from .report import report_document

    repo = _repository(root, as_of)
    rid = _report_id(report)
    r = repo.by_id.get(rid)
    if r is None:
        _say(f"找不到报告“{report}”：请写报告的编号（submissions/ 下的路径去掉 .md），"
             "如 anjianke/2026/2026-11-03-收费站火情；网站报告页和 shangbao check 的输出里都有。")
        return 2
    if not r.visible_to(audience) and not r.draft:
        _say(f"报告“{rid}”的密级范围是“{CLASSIFICATIONS.get(r.classification, r.classification)}”，"
             f"不能导出给“{CLASSIFICATIONS.get(audience, audience)}”范围的读者；确有需要请加 --audience restricted。")
        return 2
    if r.draft:
        _say(f"报告“{rid}”是草稿（draft: true），草稿不能导出；定稿后删去 draft 一行再导出。")
        return 1
    if r.has_errors or not r.usable:
        _say(f"报告“{rid}”有错误，不能导出；请先运行 shangbao check {r.path} 查看并修正。")
        return 1
    if r.reported_at > repo.as_of or (r.received and r.received > repo.as_of):
        _say(f"报告“{rid}”在 --as-of 指定的时间还没有报送，不能导出。")
        return 1
    target = repo.by_id.get(r.on or "") if r.type == "feedback" else None
    if target is not None and not target.visible_to(audience):
        target = None
    doc = report_document(r, repo.org, audience, target)
    return write(doc, fmt, output, rid.rsplit("/", 1)[-1])


def _period(period: str) -> periods.Period | None:
    from ..summary import period_error

    message = period_error(period)
    if message is not None:
        _say(message)
        return None
    return periods.parse(period)


def run_notice(root: Path, period: str, fmt: str, output: Path | None, audience: str,
               as_of: dt.datetime | None, rollup: bool) -> int:
    """``shangbao summary --format docx|pdf``: the period's 情况通报."""
    from ..config import load_org
    from ..summary_writers import load_summary
    from .notice import notice_document

    target = _period(period)
    if target is None:
        return 2
    summary = load_summary(root, target, audience, as_of, rollup)
    doc = notice_document(summary, load_org(root))
    return write(doc, fmt, output, f"{target.id}-信息报送情况通报")


def run_bulletin(root: Path, period: str, number: int | None, fmt: str, output: Path | None, audience: str,
                 as_of: dt.datetime | None) -> int:
    """``shangbao bulletin``: the 信息简报 of the period."""
    from ..site.facts import collect
    from .bulletin import bulletin_document, bulletin_name, default_number

    target = _period(period)
    if target is None:
        return 2
    repo = _repository(root, as_of)
    facts = collect(repo.org, repo.reports, audience, repo.as_of, repo.publishable(audience), repo.unpublishable())
    number = number if number is not None else default_number(target)
    doc = bulletin_document(facts, target, number)
    return write(doc, fmt, output, f"{bulletin_name(repo.org)}-第{number}期")
