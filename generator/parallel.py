"""Reading and checking a large repository on every core (``load_repository`` uses this).

Up to a few thousand files one process is fastest: forking and sending reports back cost
more than they save. Above ``MIN_FILES`` (and when ``pool.worth_it``) the files are cut into
contiguous chunks that a ``pool.Pool`` of forked workers and this process share (this process
takes chunks from the end of the queue, the workers from the front); each chunk is read, parsed
and checked (every per-report rule) and comes back as tuples; the results are put together in
file order. Meanwhile a thread of this process reads the git history (mostly waiting for
``git log``). Then this process attaches the history and runs what a chunk could not know:

- rules that look at other reports (``ctx.by_id``, ``ctx.periodic``: R302 for follows/on,
  R403) and R208;
- rules that use the git history (received time: R303, R304, R305).

Which (report, rule) pairs those are is not listed by hand: in a worker, ``ctx.by_id`` and
``ctx.periodic`` and a report's received fields are stand-ins that raise ``_Deferred`` when
a check touches them; that check's output for that report is dropped there and the parent
runs it again with the real values. (A check that only asked ``received_at is None`` would
escape this; none does, and ``tests`` compare both paths.)

The findings are the same as one process's, in the same order after ``load_repository``'s
stable sort: findings that tie on (path, line, column, code) come from one rule's check of
one report, and keep that check's order on both paths.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import operator
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from . import pool
from .config import Org
from .model import Finding, Report, Section
from .rules.base import RULES

MIN_FILES = 2000
CHUNKS_PER_WORKER = 12
_HISTORY_FIELDS = ("received_at", "received_commit", "received_sha256", "revisions", "received_from",
                   "occurred_as_received")


class _Deferred(Exception):  # noqa: N818 - a signal, not an error
    """A check needed something only the parent knows."""


def _raise(*_args: Any, **_kwargs: Any) -> Any:
    raise _Deferred


class _Unknown:
    """A value not known in the worker (from git history): any use of it defers the check."""

    __slots__ = ()
    __bool__ = __eq__ = __ne__ = __lt__ = __le__ = __gt__ = __ge__ = __hash__ = _raise
    __add__ = __radd__ = __sub__ = __rsub__ = __iter__ = __len__ = __contains__ = _raise
    __getitem__ = __getattr__ = __str__ = __format__ = __index__ = __int__ = _raise

    def __repr__(self) -> str:
        return "<unknown in worker>"


class _Elsewhere(dict):
    """``ctx.by_id`` / ``ctx.periodic`` in a worker: the other reports are in other processes."""

    __slots__ = ()
    get = __getitem__ = __contains__ = __iter__ = __len__ = keys = values = items = _raise
    __bool__ = _raise


UNKNOWN = _Unknown()

# Reports travel back from a worker as plain tuples of their fields (sections as (title, line)):
# cheaper to pickle and rebuild than dataclass instances, and rebuilt by Report(*fields).
FIELDS = [f.name for f in dataclasses.fields(Report)]
_fields_of = operator.attrgetter(*FIELDS)
_SECTIONS = FIELDS.index("sections")


def pack(report: Report) -> list[Any]:
    values = list(_fields_of(report))
    values[_SECTIONS] = [(s.title, s.line) for s in report.sections]
    return values


def unpack(values: list[Any]) -> Report:
    values[_SECTIONS] = [Section(title, line) for title, line in values[_SECTIONS]]
    return Report(*values)

def usable_cores() -> int:
    return pool.usable_cores()


def worth_it(n_files: int) -> bool:
    return (pool.worth_it(n_files, MIN_FILES, usable_cores())
            and all(f.init for f in dataclasses.fields(Report)))  # rebuilt by Report(*fields)


def _checks() -> list:
    return [rule for rule in RULES.values() if rule.check is not None]


def alone_context(check_context: Callable[..., Any], org: Org, as_of: dt.datetime) -> Any:
    """The repository's ``CheckContext`` for checks that see one report: asking for the others
    (``ctx.by_id``, ``ctx.periodic``) defers the check (``check_alone``)."""
    return check_context(org, as_of, _Elsewhere(), _Elsewhere())


def check_alone(report: Report, ctx: Any, checks: list | None = None) -> tuple[list[Finding], list[str]]:
    """The findings of the checks (every rule's by default) that need only ``report`` (``ctx`` from
    ``alone_context``), and the codes of the ones that need more (``run_deferred`` runs them later)."""
    findings: list[Finding] = []
    deferred: list[str] = []
    for rule in _checks() if checks is None else checks:
        try:
            found = [rule.finding(report.path, line, column, **fields)
                     for line, column, fields in rule.check(report, ctx)]
        except _Deferred:
            deferred.append(rule.code)
            continue
        findings.extend(found)
    return findings, deferred


def check_unaware(report: Report, ctx: Any, checks: list | None = None) -> tuple[list[Finding], list[str]]:
    """``check_alone`` not knowing the report's git history either (received time, commit,
    revisions): a check that asks for it is deferred too; the report is left without it."""
    for name in _HISTORY_FIELDS:
        setattr(report, name, UNKNOWN)
    try:
        return check_alone(report, ctx, checks)
    finally:
        report.received_at = report.received_commit = report.received_sha256 = None
        report.received_from = report.occurred_as_received = None
        report.revisions = []


def _check_chunk(span: tuple[int, int]) -> tuple[list[Report], list[Finding], list[tuple[int, str]]]:
    """Read, parse and check files[span]; return reports, findings and the deferred checks."""
    root, org, as_of, files, with_history, read_all, CheckContext = pool.worker_state()
    reports, findings = read_all(root, org, files[span[0]:span[1]])
    ctx = alone_context(CheckContext, org, as_of)
    deferred: list[tuple[int, str]] = []
    checks = _checks()
    for index, report in enumerate(reports):
        found, codes = (check_unaware if with_history else check_alone)(report, ctx, checks)
        findings.extend(found)
        deferred.extend((index, code) for code in codes)
    return reports, findings, deferred


def _check_chunk_packed(span: tuple[int, int]) -> tuple[list[list[Any]], list[Finding], list[tuple[int, str]]]:
    """``_check_chunk`` in a worker: the reports as tuples, cheap to send back."""
    reports, findings, deferred = _check_chunk(span)
    return [pack(r) for r in reports], findings, deferred


def _unpack_chunk(packed: tuple[list[list[Any]], list[Finding], list[tuple[int, str]]]) -> tuple:
    values, findings, deferred = packed
    return [unpack(v) for v in values], findings, deferred


@dataclasses.dataclass
class Loaded:
    """What the chunks give: reports and findings in file order, the checks still to run
    (``run_deferred``, once the history is attached) and what ``read_history`` returned."""

    reports: list[Report]
    findings: list[Finding]
    deferred: list[tuple[Report, str]]
    history: Any = None


def load(root: Path, org: Org, as_of: dt.datetime, files: list[str], read_all: Callable[..., Any],
         check_context: Callable[..., Any], read_history: Callable[[], Any] | None = None) -> Loaded:
    """Read and check every file on all cores (``repository`` finishes: history, deferred checks).

    ``read_all(root, org, files)`` and ``check_context(org, as_of, by_id, periodic)`` are the
    repository's; ``read_history()``, when given, runs in a thread meanwhile (mostly waiting for git).
    This process is one of the workers (``Pool.map_shared``).
    """
    n_workers = max(1, min(usable_cores(), 8) - 1)
    spans = pool.chunks(len(files), (n_workers + 1) * CHUNKS_PER_WORKER)
    git: dict[str, Any] = {}
    with pool.Pool(n_workers, (root, org, as_of, files, read_history is not None, read_all,
                               check_context)) as workers:
        reader = None
        if read_history is not None:  # started after the fork (Pool forks at once)
            reader = threading.Thread(target=lambda: git.update(history=_read(read_history)), daemon=True)
            reader.start()
        try:
            results = workers.map_shared(_chunk_task, spans, on_result=_unpack_chunk)
        finally:
            if reader is not None:
                reader.join()
    if isinstance(git.get("history"), BaseException):
        raise git["history"]
    loaded = Loaded([], [], [], git.get("history"))
    for chunk_reports, chunk_findings, chunk_deferred in results:
        loaded.deferred.extend((chunk_reports[i], code) for i, code in chunk_deferred)
        loaded.reports.extend(chunk_reports)
        loaded.findings.extend(chunk_findings)
    return loaded


def _chunk_task(span: tuple[int, int]) -> tuple:
    """One chunk: in a worker packed for sending back (``_unpack_chunk``), here plain reports."""
    return _check_chunk_packed(span) if pool.in_worker() else _check_chunk(span)


def run_deferred(deferred: list[tuple[Report, str]], ctx: Any) -> list[Finding]:
    """The checks a chunk could not run, with the whole repository (``ctx``) and its history."""
    findings = []
    for report, code in deferred:
        rule = RULES[code]
        for line, column, fields in rule.check(report, ctx):
            findings.append(rule.finding(report.path, line, column, **fields))
    return findings


def _read(read_history: Callable[[], Any]) -> Any:
    try:
        return read_history()
    except BaseException as exc:  # noqa: BLE001 - re-raised in the main thread
        return exc


def map_spans(fn: Callable[[Any, int, int], tuple], state: Any, n: int,
              meanwhile: Callable[[], Any] | None = None, share: bool = True) -> tuple[list[tuple], Any]:
    """``fn(state, start, stop)`` over contiguous spans of ``range(n)``, results in order, and what
    ``meanwhile()`` returned (None without it). With many items (``worth_it``) and ``share``, the spans are shared
    by forked workers, which inherit ``state`` (never pickled), and this process, which calls
    ``meanwhile()`` first (the git history: mostly Python, so in the main thread rather than a thread
    that would take turns with this one) and then takes spans from the end. ``fn`` returns a tuple
    whose first item is a list of reports and whose other items pickle as they are; the reports
    travel back as tuples (``pack``). The check cache (check_cache.py) reads and checks files so."""
    if not (share and worth_it(n)):
        results = [fn(state, 0, n)] if n else []
        return results, (meanwhile() if meanwhile is not None else None)
    n_workers = max(1, min(usable_cores(), 8) - 1)
    spans = pool.chunks(n, (n_workers + 1) * CHUNKS_PER_WORKER)
    done: dict[str, Any] = {}
    with pool.Pool(n_workers, (fn, state)) as workers:
        results = workers.map_shared(_span_task, spans, on_result=_unpack_span,
                                     meanwhile=(lambda: done.update(value=meanwhile())) if meanwhile else None)
    return results, done.get("value")


def _span_task(span: tuple[int, int]) -> tuple:
    fn, state = pool.worker_state()
    result = fn(state, *span)
    if pool.in_worker():
        return ([pack(r) for r in result[0]], *result[1:])
    return result


def _unpack_span(packed: tuple) -> tuple:
    return ([unpack(v) for v in packed[0]], *packed[1:])
