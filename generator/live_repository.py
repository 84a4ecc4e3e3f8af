"""The repository kept in memory between edits (``shangbao serve``): only changed files are read again.

``load_repository`` reads and checks every file; at 10,000 reports that is seconds, too slow for a
preview that should show an edit at once. ``LiveRepository`` keeps each file's report and findings
and, on ``refresh``, reads again only the files whose size, modification time or inode changed (and
the ones added), then runs the checks that look at other reports (``ctx.by_id`` / ``ctx.periodic``:
a follow-up's 初报, duplicate periodic reports) over the reports in memory. The result is what
``load_repository`` gives for the same files and as-of (tests/test_live_repository.py proves it).

Everything is read again (``reload``) when ``_org.yml`` changes, when git's HEAD moves (a commit
changes received times and revisions), and, without a fixed as-of, when the day changes (rules
such as R301 compare dates with today). The as-of is otherwise held from the last full read, so
that pages which print it (统计截至) do not all change with every edit.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from .config import ORG_FILE, Org, load_org
from .history import History, _GitError, _repo_facts, apply_history, read_history
from .model import Finding, Report
from .parallel import alone_context, check_alone, run_deferred
from .reader import walk_submissions
from .repository import CheckContext, Repository, _duplicates, _now, finish, periodic_index, read_all

#: a file changed less than this long before it was read is read again at the next refresh
RACY_NS = 2_000_000_000


def _signature(path: str) -> tuple[int, ...] | None:
    try:
        st = os.lstat(path)
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_ctime_ns, st.st_size, st.st_ino)


@dataclass(slots=True)
class _File:
    """One file under submissions/ as last read: its report (None if it is not one) and findings."""

    signature: tuple[int, ...] | None
    report: Report | None
    findings: list[Finding]  # from reading it and from the checks that look at it alone
    deferred: list[str] = field(default_factory=list)  # rules that look at other reports too


def _head(root: Path) -> str | None:
    try:
        facts = _repo_facts(root)
    except _GitError:
        return None
    return facts[3] if facts else None


class LiveRepository:
    """``repo``: the repository as ``load_repository(root, as_of)`` would give it now."""

    def __init__(self, root: Path, as_of: dt.datetime | None = None) -> None:
        self.root = Path(root)
        self.fixed_as_of = as_of
        self.repo: Repository
        self.reload()

    # --- reading ------------------------------------------------------------------------------
    def reload(self) -> None:
        """Read and check every file again. Raises ``ConfigError`` when ``_org.yml`` is wrong."""
        org_signature = _signature(os.path.join(self.root, ORG_FILE))
        self.org: Org = load_org(self.root)
        # as serve gives load_repository its as-of: the one asked for, the sample's own, or now
        self.as_of = self.fixed_as_of or self.org.sample_as_of or _now(self.org)
        self.clock = self.fixed_as_of is None and self.org.sample_as_of is None
        self.head = _head(self.root)
        self.history: History = read_history(self.root, hashes=False)
        files, unreadable = walk_submissions(self.root)
        self.files = self._read(files)
        self._assemble(files, unreadable)
        self._org_signature = org_signature  # (only once read: a wrong _org.yml is read again next time)

    def refresh(self) -> bool:
        """Bring ``repo`` up to date with the files; True when everything was read again (``reload``),
        False when only changed files were (their reports are new objects, the others the same)."""
        if (_signature(os.path.join(self.root, ORG_FILE)) != self._org_signature or _head(self.root) != self.head
                or (self.clock and _now(self.org).date() != self.as_of.date())):
            self.reload()
            return True
        files, unreadable = walk_submissions(self.root)
        base = os.fspath(self.root) + os.sep
        kept = {path: old for path in files
                if (old := self.files.get(path)) is not None and old.signature == _signature(base + path)}
        read = self._read([path for path in files if path not in kept])
        for path, entry in read.items():
            old = self.files.get(path)
            if old is not None and (entry.report, entry.findings, entry.deferred) == (old.report, old.findings,
                                                                                       old.deferred):
                # read again but the same (a file written just before it was last read): the same object,
                # so that its pages are not regenerated
                entry.report, entry.findings = old.report, old.findings
            if self.clock and entry.report is not None and _after(entry.report, self.as_of):
                self.reload()  # a report made after the as-of: shown as of now
                return True
        self.files = {path: kept.get(path) or read[path] for path in files}
        self._assemble(files, unreadable)
        return False

    def _read(self, paths: list[str]) -> dict[str, _File]:
        """Read ``paths``, attach their history (all at once: it may read earlier revisions from git)
        and run the checks that look at one report alone."""
        base = os.fspath(self.root) + os.sep
        out: dict[str, _File] = {}
        for path in paths:
            signature = _signature(base + path)  # before reading: a later write is seen next time
            if signature is not None and time.time_ns() - signature[0] < RACY_NS:
                # written just now: a second write within the file system's clock tick would leave the
                # same signature (git's "racy" files), so it is read again next time
                signature = None
            reports, findings = read_all(self.root, self.org, [path])
            out[path] = _File(signature, reports[0] if reports else None, findings)
        apply_history([e.report for e in out.values() if e.report is not None], self.history, self.org)
        # the checks that need no other report, as parallel.py runs them in a worker; the others
        # (they ask ctx.by_id or ctx.periodic) run in _assemble over every report in memory
        ctx = alone_context(CheckContext, self.org, self.as_of)
        for entry in out.values():
            if entry.report is not None:
                found, entry.deferred = check_alone(entry.report, ctx)
                entry.findings.extend(found)
        return out

    def _assemble(self, files: list[str], unreadable: list[tuple[str, str]]) -> None:
        """``repo`` from the files as read: the checks across reports run again over all of them."""
        entries = [self.files[path] for path in files]
        reports = [entry.report for entry in entries if entry.report is not None]
        findings = [f for entry in entries for f in entry.findings]
        periodic = periodic_index(reports)
        ctx = CheckContext(self.org, self.as_of, {r.id: r for r in reports}, periodic)
        findings.extend(run_deferred([(entry.report, code) for entry in entries for code in entry.deferred], ctx))
        findings.extend(_duplicates(periodic))
        self.repo = finish(self.root, self.org, self.as_of, files, unreadable, reports, findings,
                           list(self.history.warnings))


def _after(report: Report, as_of: dt.datetime) -> bool:
    """Whether ``report`` is not yet in the repository as of ``as_of`` (facts.collect leaves it out)."""
    return any(t is not None and t > as_of for t in (report.reported_at, report.received_at))

