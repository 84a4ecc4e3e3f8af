"""The whole reports repository: every file read, every rule run, git history attached.

This is the one place that walks ``submissions/``; ``check``, ``summary``, ``build`` and
``receipts`` all start from ``load_repository``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import os
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from . import parallel
from . import rules as _rules  # noqa: F401  (registers every rule)
from .config import ORG_FILE, Org, load_org
from .model import Finding, Report
from .project import SUBMISSIONS  # noqa: F401  (checker imports it from here)
from .reader import read_report, report_paths, walk_submissions  # noqa: F401  (also from here)
from .rules.base import RULES
from .safefile import NotRegular, TooLarge, read_regular

if TYPE_CHECKING:
    from .check_cache import CheckCache


def unreadable_folder_findings(unreadable: list[tuple[str, str]]) -> list[Finding]:
    from .rules.files import R109

    return [R109.finding(folder, 1, 1, detail=(
        f"文件夹 {folder} 无法读取（{reason}），其中的报告没有检查、也不会计入汇总；"
        "请管理员修正文件夹权限（如 chmod -R u+rwX,go+rX submissions）"))
        for folder, reason in unreadable]


@dataclass(slots=True)
class CheckContext:
    """What a rule may consult beyond its own report."""

    org: Org
    as_of: dt.datetime
    by_id: dict[str, Report]
    periodic: dict[tuple[str, str, str], list[Report]]  # (unit, type, period) -> non-draft reports


@dataclass(slots=True)
class Repository:
    root: Path
    org: Org
    as_of: dt.datetime
    reports: list[Report]
    findings: list[Finding]
    report_files: list[str]
    by_id: dict[str, Report] = field(default_factory=dict)
    history_warnings: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    def publishable(self, audience: str) -> list[Report]:
        """Reports without errors that a build or summary for ``audience`` may contain."""
        return [r for r in self.reports if not r.has_errors and r.visible_to(audience)]

    def unpublishable(self) -> dict[str, list[Finding]]:
        """Files that cannot be published, each with the error findings that stop it."""
        out: dict[str, list[Finding]] = defaultdict(list)
        for f in self.errors:
            out[f.path].append(f)
        return dict(out)


def _now(org: Org) -> dt.datetime:
    return dt.datetime.now(org.timezone).replace(microsecond=0)


def read_all(root: Path, org: Org, files: list[str]) -> tuple[list[Report], list[Finding]]:
    reports, findings = [], []
    base = os.fspath(root)
    for path in files:
        try:
            data = read_regular(os.path.join(base, path), org.file_size_limit)
        except TooLarge as exc:  # never read into memory (a huge file would exhaust it)
            from .reader import place_findings, too_large

            findings.extend(place_findings(path)[1])
            if path.endswith(".md"):  # an attachment is named by R108 alone, as when it is read
                findings.append(too_large(path, exc.size, org))
            continue
        except NotRegular as exc:
            from .rules.files import R109

            findings.append(R109.finding(path, 1, 1, detail=(
                f"这是{exc.kind}，不是普通文件：检查程序不会打开或跟随它，也不会发布；"
                "请换成报告文件本身，或删除它")))
            continue
        except OSError as exc:
            from .rules.files import R101

            findings.append(R101.finding(path, 1, 1, detail=f"文件无法读取（{exc.strerror}）；请检查文件权限"))
            continue
        report, found = read_report(path, data, org)
        findings.extend(found)
        if report is not None:
            reports.append(report)
    return reports, findings


def periodic_index(reports: list[Report]) -> dict[tuple[str, str, str], list[Report]]:
    """(unit, type, period) -> the non-draft periodic reports, in the order of ``reports``."""
    periodic: dict[tuple[str, str, str], list[Report]] = defaultdict(list)
    for r in reports:
        if r.is_periodic and not r.draft and r.unit and r.period:
            periodic[(r.unit, r.type, r.period)].append(r)
    return periodic


def run_rules(reports: list[Report], org: Org, as_of: dt.datetime) -> list[Finding]:
    by_id = {r.id: r for r in reports}
    periodic = periodic_index(reports)
    ctx = CheckContext(org, as_of, by_id, periodic)
    checks = [rule for rule in RULES.values() if rule.check is not None]
    findings: list[Finding] = []
    for report in reports:
        for rule in checks:
            for line, column, fields in rule.check(report, ctx):
                findings.append(rule.finding(report.path, line, column, **fields))
    findings.extend(_duplicates(periodic))
    return findings


def _duplicates(periodic: dict[tuple[str, str, str], list[Report]]) -> list[Finding]:
    """R208: a second non-draft periodic report of one unit, type and period."""
    from .rules.fields import R208

    out = []
    for (_, _, period), group in periodic.items():
        if len(group) < 2:
            continue
        group = sorted(group, key=lambda r: (r.reported_at or dt.datetime.max.replace(tzinfo=dt.UTC), r.path))
        first = group[0]
        for other in group[1:]:
            out.append(R208.finding(other.path, other.line_of("period"), 1, period=period,
                                    type_label=other.type_label, other=first.path))
    return out


def load_repository(root: Path, as_of: dt.datetime | None = None, paths: list[str] | None = None,
                    history: bool = True, cache: CheckCache | None = None) -> Repository:
    """Read every report under ``root``, run every rule, attach git history.

    ``paths`` (relative to root) limits which files' findings are kept; every report is
    still read, because rules such as R208 and R403 need the whole repository. With ``cache``
    (check_cache.py) what reading a file and checking it alone gave is taken from an earlier
    run when the file and what it depends on are the same: the result is the same either way.
    Raises ``ConfigError`` when ``_org.yml`` is wrong.
    """
    root = Path(root)
    org = load_org(root)
    as_of = as_of or _now(org)
    files, unreadable = walk_submissions(root)
    with _gc_paused():
        loaded = _load_cached(root, org, as_of, files, history, cache) if cache is not None else None
        if loaded is None:
            loaded = _load(root, org, as_of, files, history)
        reports, findings, warnings = loaded
    return finish(root, org, as_of, files, unreadable, reports, findings, warnings, paths)


def finish(root: Path, org: Org, as_of: dt.datetime, files: list[str], unreadable: list[tuple[str, str]],
           reports: list[Report], findings: list[Finding], warnings: list[str],
           paths: list[str] | None = None) -> Repository:
    """The repository from its reports and every finding of every rule: which reports have errors,
    the findings kept (``paths``, see ``load_repository``), the unreadable folders, in order."""
    errors_by_path = {f.path for f in findings if f.severity == "error"}
    for report in reports:
        report.has_errors = report.path in errors_by_path
    if paths is not None:
        wanted = set(paths)
        findings = [f for f in findings if f.path in wanted or f.path == ORG_FILE]
    findings.extend(unreadable_folder_findings(unreadable))  # they hide reports: always named
    findings.sort(key=Finding.sort_key)
    return Repository(root, org, as_of, reports, findings, files, {r.id: r for r in reports}, warnings)


@contextlib.contextmanager
def _gc_paused():
    """No cyclic garbage collection while reading: reading makes no cycles, and the collector
    would walk the growing heap of reports again and again (about 15% of the time at 50,000).
    Afterwards what was read is moved out of the collector's sight (``gc.freeze``): the reports
    live as long as the repository, hold no cycle (an object freed by its count is freed as
    ever), and left to the collector the millions of objects read would be walked by its next
    three rounds, right after loading (about 0.5 s at 50,000)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.freeze()
            gc.enable()


def _load(root: Path, org: Org, as_of: dt.datetime, files: list[str],
          history: bool) -> tuple[list[Report], list[Finding], list[str]]:
    if parallel.worth_it(len(files)):  # thousands of files: every core (same findings, same order)
        from .history import read_history

        loaded = parallel.load(root, org, as_of, files, read_all, CheckContext,
                               (lambda: read_history(root, hashes=False)) if history else None)
        reports, findings, warnings = _finish(loaded, org, as_of, history)
    else:
        reports, findings = read_all(root, org, files)
        warnings = []
        if history:
            warnings = _attach_history(root, reports, org)
        findings.extend(run_rules(reports, org, as_of))
    return reports, findings, warnings


def _load_cached(root: Path, org: Org, as_of: dt.datetime, files: list[str], history: bool,
                 cache: CheckCache) -> tuple[list[Report], list[Finding], list[str]] | None:
    """``_load`` with the check cache: the entries of unchanged files taken from it; then, as on
    every build, the git history and the checks that need it, the other reports or the date."""
    from . import check_cache

    loaded = check_cache.load(root, org, files, cache, read_all, CheckContext,
                              (lambda: _history_ahead(root, org)) if history else None)
    if loaded is None:
        return None
    return _finish(loaded, org, as_of, history)


def _finish(loaded: parallel.Loaded, org: Org, as_of: dt.datetime,
            history: bool) -> tuple[list[Report], list[Finding], list[str]]:
    """After the files were read and checked alone (on the pool, or from the check cache): the git
    history attached, then the checks that need it, the other reports or the date, and R208."""
    from .history import apply_history

    reports, findings = loaded.reports, loaded.findings
    warnings: list[str] = []
    if history:
        apply_history(reports, loaded.history, org)
        warnings = list(loaded.history.warnings)
    periodic = periodic_index(reports)
    findings.extend(parallel.run_deferred(loaded.deferred, CheckContext(org, as_of, {r.id: r for r in reports},
                                                                        periodic)))
    findings.extend(_duplicates(periodic))
    return reports, findings, warnings


def _history_ahead(root: Path, org: Org):
    """The git history, and what attaching it reads first (``history.read_received_ahead``): while
    the workers read the files, this process does both."""
    from .history import read_history, read_received_ahead

    history = read_history(root, hashes=False)
    read_received_ahead(history, org)
    return history


def _attach_history(root: Path, reports: list[Report], org: Org) -> list[str]:
    from .history import apply_history, read_history

    history = read_history(root, hashes=False)
    apply_history(reports, history, org)
    return list(history.warnings)
