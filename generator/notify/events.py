"""What to tell: events from a git range (``notify``) and owed reports (``remind``).

``notify --since REV``: the report files that ``git diff REV HEAD`` shows added or changed under
``submissions/``. A report **arrives** when its file is new in the range, or when it was a draft
(or unreadable) at REV and is a report now. Events (SPEC §9):

- ``incident``: an incident report (初报/续报/终报) that arrived; an incident report that already
  existed and was changed in the range is sent again marked 修订 (a corrected casualty count
  matters to a leader as much as the first one);
- ``late``: a report that arrived 迟报 or 瞒报 — the verdict and its wording are R303/R304's own;
- ``feedback``: a 批示/采用/退回 that arrived, routed by the unit of the report it is on.

Reports are read, checked and timed by the same code as ``check`` (reader, rules, history,
timeliness), but only the changed files and the reports they name are read: the run stays short
at tens of thousands of reports. A changed file with errors is not announced (it was not
published either); ``run`` names it on stderr.

``remind``: periodic reports owed by a unit and not filed, as ``summary`` counts them
(``Summarizer``): ``due`` within ``remind_before`` from now, or ``missing`` — past due within
the last ``MISSING_WINDOW`` (older gaps are the summaries' business, not a daily chase).
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass
from pathlib import Path

from ..config import Org
from ..history import _git, _GitError, apply_history, read_history
from ..model import PERIODIC_TYPES, Report
from ..periods import Period
from ..project import SUBMISSIONS
from ..reader import read_report
from ..safefile import read_regular
from ..summary import Missing
from ..timeliness import CONCEALED, LATE, incident_delay, periodic_delay, timeliness

MISSING_WINDOW = dt.timedelta(days=30)
ZERO_COMMIT = "0" * 40


class RangeError(Exception):
    """``--since`` names no commit (the message is Chinese)."""


@dataclass(slots=True)
class Change:
    path: str  # at HEAD, relative to the root
    old_path: str | None  # at REV; None when the file is new


@dataclass(slots=True)
class Event:
    kind: str  # incident | late | feedback
    report: Report
    unit: str  # whose channels hear of it (feedback: the unit of the report it is on)
    revised: bool = False  # incident: a report that existed before the range, changed
    related: Report | None = None  # feedback: the report it is on; 续报/终报: the 初报
    timeliness: str | None = None  # on_time | late | concealed (timed reports only)
    delay: dt.timedelta | None = None  # incident: after occurred_at; periodic: after due
    detail: str = ""  # late: R303/R304's message

    def visible_to(self, audience: str) -> bool:
        """Drafts never, nothing above the audience; a feedback also needs its report visible."""
        if not self.report.visible_to(audience):
            return False
        return self.kind != "feedback" or (self.related is not None and self.related.visible_to(audience))


@dataclass(slots=True)
class Owed(Missing):
    """An owed report of ``summary``'s missing list, as ``remind`` tells it: still due, or missing."""

    kind: str  # due | missing


@dataclass(slots=True)
class Changes:
    events: list[Event]
    skipped: list[tuple[str, str]]  # (path, why) — changed files not announced
    warnings: list[str]


# --------------------------------------------------------------------------- the git range


def resolve_since(root: Path, since: str) -> str | None:
    """The commit ``since`` names; None for the all-zero id (a branch's first push)."""
    text = since.strip()
    if text.strip("0") == "" and text:
        return None
    if not text or text.startswith("-"):
        raise RangeError(f"“{since}”不是提交；--since 应是推送前的提交号（如 CI 的 github.event.before）")
    try:
        _git(root, "rev-parse", "--verify", "--quiet", "HEAD^{commit}")
    except _GitError:
        raise RangeError("这里不是 git 仓库，或仓库还没有任何提交：notify 比较 --since 与当前提交（HEAD）之间新到的报告") from None
    try:
        return _git(root, "rev-parse", "--verify", "--quiet", f"{text}^{{commit}}").decode().strip()
    except _GitError:
        raise RangeError(
            f"仓库中找不到提交“{since}”：请确认它是推送前的提交号，且 CI 取出了完整历史"
            "（GitHub: fetch-depth: 0；GitLab: GIT_DEPTH: 0）") from None


def changed_files(root: Path, since: str) -> list[Change]:
    """Report files added, changed or renamed under ``submissions/`` between ``since`` and HEAD."""
    out = _git(root, "diff", "--name-status", "-z", "-M", "--no-color", "--no-ext-diff", "--relative",
               since, "HEAD", "--", f"{SUBMISSIONS}/")
    tokens = out.decode("utf-8", "surrogateescape").split("\0")
    changes: list[Change] = []
    i = 0
    while i < len(tokens):
        status = tokens[i]
        i += 1
        if not status:
            continue
        if status[0] in "RC":
            old, new = tokens[i], tokens[i + 1]
            i += 2
            changes.append(Change(new, old if status[0] == "R" else None))
        else:
            path = tokens[i]
            i += 1
            if status[0] == "A":
                changes.append(Change(path, None))
            elif status[0] in "MT":
                changes.append(Change(path, path))
    return [c for c in changes if _is_report_path(c.path)]


def _is_report_path(path: str) -> bool:
    parts = path.split("/")
    return path.endswith(".md") and not any(p.startswith(("_", ".")) for p in parts[1:])


def _read(root: Path, path: str, org: Org) -> tuple[Report | None, list]:
    try:  # never a link, FIFO or device (R109), nor a file over the limit (R107): not announced
        data = read_regular(str(root / path), org.file_size_limit)
    except OSError:
        return None, []
    return read_report(path, data, org)


def _was_report(root: Path, since: str, path: str, org: Org) -> bool:
    """Whether ``path`` at ``since`` was already a non-draft report (so a change is not an arrival)."""
    try:
        data = _git(root, "show", f"{since}:./{path}")
    except _GitError:
        return False
    report, _ = read_report(path, data, org)
    return report is not None and not report.draft and report.usable


def range_events(root: Path, org: Org, since: str, as_of: dt.datetime) -> Changes:
    """The events of the reports changed between ``since`` (a commit) and HEAD."""
    from ..repository import run_rules

    changes = changed_files(root, since)
    skipped: list[tuple[str, str]] = []
    reports: dict[str, Report] = {}
    findings = []
    for change in changes:
        report, found = _read(root, change.path, org)
        findings.extend(found)
        if report is None:
            skipped.append((change.path, _first_error(found) or "无法读取"))
            continue
        reports[report.path] = report
    # the reports they name (the 初报 of a 续报, the report a feedback is on): for R403 and the text
    # (and the ones those name: a 批示 on a 续报 needs the 初报 too, or R403 would fault the 续报)
    related: dict[str, Report] = {}
    todo = list(reports.values())
    while todo:
        report = todo.pop()
        for rid in (report.follows, report.on):
            if rid and f"{SUBMISSIONS}/{rid}.md" not in reports and rid not in related:
                other, found = _read(root, f"{SUBMISSIONS}/{rid}.md", org)
                if other is not None:
                    related[rid] = other
                    findings.extend(found)
                    todo.append(other)
    everything = list(reports.values()) + list(related.values())
    history = read_history(root, hashes=False)
    apply_history(everything, history, org)
    findings.extend(run_rules(everything, org, as_of))
    errors: dict[str, str] = {}
    for f in findings:
        if f.severity == "error" and f.path not in errors:
            errors[f.path] = f"{f.code}（第 {f.line} 行）{f.message}"
    for report in everything:  # a report with errors is not published: never named or linked to
        report.has_errors = report.path in errors
    by_id = {r.id: r for r in everything}
    notices = {(f.path, f.code): f.message for f in findings if f.code in ("R303", "R304")}

    events: list[Event] = []
    for change in changes:
        report = reports.get(change.path)
        if report is None:
            continue
        if report.has_errors:
            skipped.append((report.path, errors[report.path]))
            continue
        if report.draft or not report.usable:
            continue
        arrived = change.old_path is None or not _was_report(root, since, change.old_path, org)
        verdict = timeliness(report, org)
        delay = _delay(report, org)
        if report.type == "incident":
            first = by_id.get(report.follows or "") if report.stage in ("续报", "终报") else None
            first = first if first is not None and not first.has_errors else None
            events.append(Event("incident", report, report.unit, not arrived, first, verdict, delay))
        if not arrived:
            continue
        if verdict in (LATE, CONCEALED):
            code = "R304" if verdict == CONCEALED else "R303"
            events.append(Event("late", report, report.unit, False, None, verdict, delay,
                                notices.get((report.path, code), "")))
        if report.type == "feedback":
            target = by_id.get(report.on or "")
            if target is not None and target.unit and not target.has_errors:
                events.append(Event("feedback", report, target.unit, False, target))
    events.sort(key=lambda e: (e.report.received or e.report.reported_at, e.report.id, e.kind))
    return Changes(events, sorted(skipped), list(history.warnings))


def _delay(report: Report, org: Org) -> dt.timedelta | None:
    if report.type == "incident":
        return incident_delay(report, org)
    return periodic_delay(report, org)


def _first_error(findings: list) -> str | None:
    for f in findings:
        if f.severity == "error":
            return f"{f.code}（第 {f.line} 行）{f.message}"
    return None


# --------------------------------------------------------------------------- owed reports


def _candidate_paths(root: Path, first_year: int, period_ids: set[str]) -> list[str]:
    """Report files in year folders from ``first_year`` on whose ``period`` is one of ``period_ids``.

    A report lies in the folder of the year of its reported_at, which is never before its period
    began (R306), and a periodic report names its period after the key ``period``: older folders
    and files that do not name one of the periods owed now cannot hold the reports owed now, so
    they are not parsed (a few hundred files are, instead of every one).
    """
    from ..repository import report_paths

    names = b"|".join(re.escape(p.encode()) for p in sorted(period_ids, key=len, reverse=True))
    mentions = re.compile(rb"period\W{0,6}(?:" + names + rb")(?![\w-])")
    out = []
    for path in report_paths(root):
        parts = path.split("/")
        if len(parts) != 4 or not parts[2].isdigit() or int(parts[2]) < first_year:
            continue
        try:
            with open(os.path.join(root, path), "rb") as fh:
                if not mentions.search(fh.read()):
                    continue
        except OSError:
            continue
        out.append(path)
    return out


def _periods_due_between(org: Org, start: dt.datetime, end: dt.datetime) -> list[Period]:
    """Every period of every periodic type whose due time falls in [start, end)."""
    from .. import periods

    out = []
    for kind in PERIODIC_TYPES:
        deadline = org.deadlines.periodic[kind]
        period = periods.period_containing(kind, (start - deadline).astimezone(org.timezone).date()
                                           - dt.timedelta(days=1))
        while period.due(deadline, org.timezone) < end:
            if period.due(deadline, org.timezone) >= start:
                out.append(period)
            period = period.next()
    return out


def owed_reports(root: Path, org: Org, as_of: dt.datetime, before: dt.timedelta) -> list[Owed]:
    """Periodic reports due within ``before`` of ``as_of`` or missing (past due in the last 30 days)."""
    from .. import periods
    from ..summary import Summarizer

    start, end = as_of - MISSING_WINDOW, as_of + before
    owed_periods = _periods_due_between(org, start, end)
    if not owed_periods:
        return []
    first_year = min(p.start for p in owed_periods).year
    reports = []
    for path in _candidate_paths(root, first_year, {p.id for p in owed_periods}):
        report, _ = _read(root, path, org)
        if report is not None:
            reports.append(report)
    # ``summary`` counts a report missing once as_of is past its due time: counted as of the end
    # of the window, it names the reports due before then; those due after as_of are only "due"
    summarizer = Summarizer(reports, org, "restricted", end)
    owed: list[Owed] = []
    years = {str(p.start.year) for p in owed_periods} | {str(p.thursday.year) for p in owed_periods}
    for year in sorted(years):  # a summary of each year that holds one of the periods
        for m in summarizer.summarize(periods.parse(year)).missing:
            if start <= m.due < end:
                kind = "missing" if as_of > m.due else "due"
                owed.append(Owed(m.unit, m.unit_name, m.type, m.period, m.due, kind=kind))
    owed.sort(key=lambda o: (o.due, list(org.units).index(o.unit), o.type))
    return owed
