"""Reading and checking a large repository on every core (``load_repository`` uses this).

Up to a few thousand files one process is fastest: forking and sending reports back cost
more than they save. Above ``MIN_FILES``, on a machine with more than one usable core and
where ``fork`` exists, the files are cut into contiguous chunks; the parent and one forked
worker per other core take chunks from a shared counter (so the work balances itself) and
read, parse and check them (every per-report rule). Workers send their reports back as
tuples; the results are put together in file order. Meanwhile a thread of the parent reads
the git history (mostly waiting for ``git log``). Then the parent attaches the history and
runs what a chunk could not know:

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
import multiprocessing
import operator
import os
import pickle
import threading
from pathlib import Path
from typing import Any

from .config import Org
from .model import Finding, Report, Section
from .rules.base import RULES

MIN_FILES = 2000
CHUNKS_PER_WORKER = 12
_HISTORY_FIELDS = ("received_at", "received_commit", "received_sha256", "revisions")


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
_FIELDS = [f.name for f in dataclasses.fields(Report)]
_fields_of = operator.attrgetter(*_FIELDS)
_SECTIONS = _FIELDS.index("sections")


def _pack(report: Report) -> list[Any]:
    values = list(_fields_of(report))
    values[_SECTIONS] = [(s.title, s.line) for s in report.sections]
    return values


def _unpack(values: list[Any]) -> Report:
    values[_SECTIONS] = [Section(title, line) for title, line in values[_SECTIONS]]
    return Report(*values)

# set in the parent just before the workers are forked (they inherit it):
# root, org, as_of, files, with_history, read_all, CheckContext
_JOB: tuple[Path, Org, dt.datetime, list[str], bool, Any, Any] | None = None


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def worth_it(n_files: int) -> bool:
    return (n_files >= MIN_FILES and usable_cores() > 1
            and "fork" in multiprocessing.get_all_start_methods()
            and os.environ.get("SHANGBAO_WORKERS", "") != "1"
            and threading.active_count() == 1  # never fork a process with other threads (serve)
            and all(f.init for f in dataclasses.fields(Report)))  # rebuilt by Report(*fields)


def _checks() -> list:
    return [rule for rule in RULES.values() if rule.check is not None]


def _check_chunk(span: tuple[int, int]) -> tuple[list[Report], list[Finding], list[tuple[int, str]]]:
    """Read, parse and check files[span]; return reports, findings and the deferred checks."""
    assert _JOB is not None
    root, org, as_of, files, with_history, read_all, CheckContext = _JOB
    reports, findings = read_all(root, org, files[span[0]:span[1]])
    ctx = CheckContext(org, as_of, _Elsewhere(), _Elsewhere())
    deferred: list[tuple[int, str]] = []
    checks = _checks()
    for index, report in enumerate(reports):
        if with_history:
            for name in _HISTORY_FIELDS:
                setattr(report, name, UNKNOWN)
        for rule in checks:
            try:
                found = [rule.finding(report.path, line, column, **fields)
                         for line, column, fields in rule.check(report, ctx)]
            except _Deferred:
                deferred.append((index, rule.code))
                continue
            findings.extend(found)
        if with_history:
            report.received_at = report.received_commit = report.received_sha256 = None
            report.revisions = []
    return reports, findings, deferred


def _next_chunk(counter: Any, n_chunks: int) -> int | None:
    with counter.get_lock():
        index = counter.value
        if index >= n_chunks:
            return None
        counter.value = index + 1
    return index


def _worker_main(counter: Any, spans: list[tuple[int, int]], conn: Any) -> None:
    """A forked worker: take chunks until none is left, send each result back as it is done."""
    try:
        while (index := _next_chunk(counter, len(spans))) is not None:
            reports, findings, deferred = _check_chunk(spans[index])
            conn.send_bytes(pickle.dumps((index, [_pack(r) for r in reports], findings, deferred),
                                         protocol=pickle.HIGHEST_PROTOCOL))
        conn.send_bytes(pickle.dumps(None))
    except BaseException as exc:  # noqa: BLE001 - the parent re-raises it
        conn.send_bytes(pickle.dumps(exc))
    finally:
        conn.close()
        os._exit(0)


def load(root: Path, org: Org, as_of: dt.datetime, files: list[str],
         history: bool) -> tuple[list[Report], list[Finding], list[str]]:
    """Read and check every file on all cores; return (reports, findings, history warnings).

    The parent is one of the workers: it takes chunks from the same counter as the forked
    processes (one per other core), so the work balances itself while the parent also reads
    the git history (a thread, mostly waiting for git) and unpacks what the others send.
    """
    from .history import apply_history, read_history
    from .repository import CheckContext, _duplicates, periodic_index, read_all

    global _JOB
    n_procs = max(1, min(usable_cores(), 8) - 1)
    n_chunks = (n_procs + 1) * CHUNKS_PER_WORKER
    size = -(-len(files) // n_chunks)
    spans = [(start, min(start + size, len(files))) for start in range(0, len(files), size)]
    results: list[tuple[list[Report], list[Finding], list[tuple[int, str]]] | None] = [None] * len(spans)
    mp = multiprocessing.get_context("fork")
    counter = mp.Value("i", 0)
    _JOB = (root, org, as_of, files, history, read_all, CheckContext)
    procs, conns = [], []
    failures: list[BaseException] = []
    git: dict[str, Any] = {}
    try:
        for _ in range(n_procs):  # fork first, before this process starts any thread
            receiver, sender = mp.Pipe(duplex=False)
            proc = mp.Process(target=_worker_main, args=(counter, spans, sender), daemon=True)
            proc.start()
            sender.close()
            procs.append(proc)
            conns.append(receiver)

        def receive(conn: Any) -> None:
            try:
                while (message := pickle.loads(conn.recv_bytes())) is not None:
                    if isinstance(message, BaseException):
                        failures.append(message)
                        return
                    index, packed, chunk_findings, chunk_deferred = message
                    results[index] = ([_unpack(values) for values in packed], chunk_findings, chunk_deferred)
            except EOFError:
                failures.append(RuntimeError("a worker process ended without sending its results"))

        threads = [threading.Thread(target=receive, args=(conn,), daemon=True) for conn in conns]
        if history:  # mostly waiting for git, so it overlaps the parsing
            threads.append(threading.Thread(target=lambda: git.update(history=_read(read_history, root)),
                                            daemon=True))
        for thread in threads:
            thread.start()
        while (index := _next_chunk(counter, len(spans))) is not None:
            results[index] = _check_chunk(spans[index])
        for thread in threads:
            thread.join()
    finally:
        _JOB = None
        for proc in procs:
            proc.join(timeout=5)
            if proc.is_alive():
                proc.kill()
        for conn in conns:
            conn.close()
    if failures:
        raise failures[0]
    if isinstance(git.get("history"), BaseException):
        raise git["history"]
    reports: list[Report] = []
    findings: list[Finding] = []
    deferred: list[tuple[Report, str]] = []
    for chunk in results:
        assert chunk is not None
        chunk_reports, chunk_findings, chunk_deferred = chunk
        deferred.extend((chunk_reports[i], code) for i, code in chunk_deferred)
        reports.extend(chunk_reports)
        findings.extend(chunk_findings)
    warnings: list[str] = []
    if history:
        git_history = git["history"]
        apply_history(reports, git_history, org)
        warnings = list(git_history.warnings)
    by_id = {r.id: r for r in reports}
    periodic = periodic_index(reports)
    ctx = CheckContext(org, as_of, by_id, periodic)
    for report, code in deferred:
        rule = RULES[code]
        for line, column, fields in rule.check(report, ctx):
            findings.append(rule.finding(report.path, line, column, **fields))
    findings.extend(_duplicates(periodic))
    return reports, findings, warnings


def _read(read_history: Any, root: Path) -> Any:
    try:
        return read_history(root, hashes=False)
    except BaseException as exc:  # noqa: BLE001 - re-raised in the main thread
        return exc


def threads_map(fn: Any, items: list[Any], workers: int = 8) -> list[Any]:
    """``fn`` over ``items`` on a pool of threads, results in order: for work that waits on the
    network (reading members' feeds, members.py), where processes would add nothing but cost."""
    from concurrent.futures import ThreadPoolExecutor

    if len(items) <= 1:
        return [fn(x) for x in items]
    with ThreadPoolExecutor(max_workers=min(workers, len(items))) as pool:
        return list(pool.map(fn, items))
