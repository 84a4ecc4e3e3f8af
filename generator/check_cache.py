"""The check cache: what reading one report file and the checks of that file alone gave, kept
for the next ``shangbao build`` (``load_repository(..., cache=...)``).

An entry is, for one file, the ``Report`` the reader made of it, the findings of the reader and
of every check that looks at that report alone, and the codes of the checks that needed more
(``parallel.check_alone``). It is computed with stand-ins for everything that is not the file:
the other reports (``ctx.by_id``, ``ctx.periodic``), the git history (received time, commit,
revisions) and the moment of the check (``ctx.as_of``): a check that touches one of them is not
kept but named, and ``load_repository`` runs it on every build with the real values, as it runs
R208 and applies the git history. So an entry holds no received time, and no finding that
depends on another file, on git or on the date.

Its key is a SHA-256 of everything else the result depends on (``context_key``): the file's
path and exact bytes, the generator's code (``cache.code_digest``, which holds the rule
catalogue and the reader), the rule catalogue as registered, ``_org.yml`` as parsed (``repr``
of ``Org``: units, time zone, limits, vague words …), the versions of PyYAML (and whether it
uses libyaml: their messages differ), of Python and its Unicode tables, and of the time zone
data. The unit and the year come from the path. A file that cannot be read as a regular file
(too large, a link, unreadable) is never cached: it is looked at anew on every build.

Entries are grouped in one signed file per folder of reports (``submissions/<unit>/<year>``):
a build opens a couple of hundred files instead of one per report, and a changed report rewrites
only its folder's file. A file is an HMAC (SHA-256, the secret of ``cache.py``: ``SHANGBAO_CACHE_SECRET``
or a random one kept beside the entries) over its bytes, then a pickle read with an unpickler
that knows only the few types an entry holds. A damaged, cut short, forged or foreign file is
ignored (its reports are read again, and the file rewritten): it cannot change a result, only
how long the check takes. After a successful build the files of folders that are gone are
removed (``prune``); a folder's file only ever holds the entries of the files it last saw.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import io
import os
import pickle
import re
import secrets
import sys
import unicodedata
import zoneinfo
from pathlib import Path
from typing import Any

from . import parallel
from .model import Finding
from .reader import body_of, read_report
from .safefile import read_regular
from .site.cache import SignedFolder, code_digest, digest, versions

#: Change when the layout of entries changes: older files then no longer validate.
FORMAT = b"shangbao-check-cache-1"
FOLDER = "check"  # beside the build cache's audience folders
_MAC = 32
_BODY = parallel.FIELDS.index("body")
_BODY_LINE = parallel.FIELDS.index("body_line")
_PICKLE = 5


def folder_beside(site_cache_folder: Path) -> Path:
    """The check cache's folder beside one audience's build cache (``cache.open_cache``): it is
    shared by the audiences, since nothing in it depends on the audience."""
    return Path(site_cache_folder).parent / FOLDER


def context_key(org: Any) -> str | None:
    """SHA-256 of what every entry depends on besides its file; None when ``org`` has no stable
    text (an object shown by its address would make every key new, or two orgs equal)."""
    from .rules.base import RULES

    shown = repr(org)
    if re.search(r" at 0x[0-9a-fA-F]+>", shown):
        return None
    try:
        import yaml

        libyaml = str(getattr(yaml, "__with_libyaml__", False))
    except ImportError:  # pragma: no cover - a dependency
        libyaml = "-"
    catalogue = repr([(r.code, r.severity, r.title, r.message, r.scope, sorted(r.details.items()),
                       r.check is not None) for r in RULES.values()])
    return digest(FORMAT, code_digest(), catalogue, shown, versions("PyYAML", "tzdata"), libyaml,
                  sys.version, unicodedata.unidata_version, repr(zoneinfo.TZPATH))


def file_key(context: str, path: str, data: bytes) -> bytes:
    """SHA-256 of the context, the file's path and its bytes (each length-prefixed)."""
    name = path.encode("utf-8", "surrogateescape")
    return hashlib.sha256(b"".join((context.encode(), len(name).to_bytes(8, "little"), name,
                                    len(data).to_bytes(8, "little"), data))).digest()


# --- what an entry holds ------------------------------------------------------------------
def _zone(key: str) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(key)


def _reduce_zone(zone: zoneinfo.ZoneInfo) -> tuple:
    return _zone, (zone.key,)


def _allowed() -> dict[tuple[str, str], Any]:
    from .yamlio import WrittenFloat, WrittenInt

    return {("datetime", "datetime"): dt.datetime, ("datetime", "date"): dt.date, ("datetime", "time"): dt.time,
            ("datetime", "timedelta"): dt.timedelta, ("datetime", "timezone"): dt.timezone,
            (__name__, "_zone"): _zone, (WrittenInt.__module__, "WrittenInt"): WrittenInt,
            (WrittenFloat.__module__, "WrittenFloat"): WrittenFloat}


class _Unpickler(pickle.Unpickler):
    """Only the types an entry holds: even a signed file cannot name any other (defence in depth)."""

    allowed: dict[tuple[str, str], Any] = {}

    def find_class(self, module: str, name: str) -> Any:
        found = self.allowed.get((module, name))
        if found is None:
            raise pickle.UnpicklingError(f"{module}.{name}")
        return found


def dumps(value: Any) -> bytes:
    buf = io.BytesIO()
    pickler = pickle.Pickler(buf, _PICKLE)
    pickler.dispatch_table = {zoneinfo.ZoneInfo: _reduce_zone}
    pickler.dump(value)
    return buf.getvalue()


def loads(data: bytes) -> Any:
    if not _Unpickler.allowed:
        _Unpickler.allowed = _allowed()
    return _Unpickler(io.BytesIO(data)).load()


class Undecodable(Exception):
    """A file of the check cache is not one this code wrote."""


# --- the files ----------------------------------------------------------------------------
class CheckCache(SignedFolder):
    """The signed entry files in ``folder`` (one per folder of reports)."""

    def __init__(self, folder: Path, secret: bytes | None = None) -> None:
        super().__init__(folder, secret)
        self._packs = self.folder / "packs"
        self._packs.mkdir(exist_ok=True)
        self.used: set[str] = set()

    def _name(self, folder: str) -> str:
        return hashlib.sha256(folder.encode("utf-8", "surrogateescape")).hexdigest()[:40]

    def _mac(self, name: str, data: bytes) -> bytes:
        mac = hmac.new(self._secret, FORMAT, hashlib.sha256)
        mac.update(f"\0{name}\0".encode())
        mac.update(data)
        return mac.digest()

    def keep(self, folder: str) -> None:
        """``folder``'s file is one this build uses: ``prune`` leaves it."""
        self.used.add(self._name(folder))

    def read(self, folder: str) -> dict[str, tuple[bytes, tuple]]:
        """The entries of ``folder``'s files (path -> (file key, entry)); empty when there is no
        file, or it does not validate."""
        name = self._name(folder)
        self.used.add(name)
        try:
            with open(self._packs / name, "rb") as fh:
                raw = fh.read()
        except OSError:
            return {}
        data = raw[_MAC:]
        if len(raw) < _MAC or not hmac.compare_digest(raw[:_MAC], self._mac(name, data)):
            return {}
        try:
            pack = loads(data)
        except Exception:  # noqa: BLE001 - a file this code did not write: ignored
            return {}
        if not isinstance(pack, dict):
            return {}
        return pack

    def write(self, folder: str, entries: dict[str, tuple[bytes, tuple]]) -> None:
        """Replace ``folder``'s file, atomically (a killed build leaves the old file or the new)."""
        name = self._name(folder)
        self.used.add(name)
        data = dumps(entries)
        tmp = self._tmp / f"{os.getpid()}-{secrets.token_hex(8)}"
        try:
            with open(tmp, "wb") as fh:
                fh.write(self._mac(name, data))
                fh.write(data)
            os.replace(tmp, self._packs / name)
        except OSError:  # a full disk or a read-only cache costs speed, never the check
            tmp.unlink(missing_ok=True)

    def prune(self) -> int:
        """Remove the files of folders this build did not read; how many were removed."""
        removed = 0
        for entry in os.scandir(self._packs):
            if entry.name not in self.used:
                removed += self._remove(entry.path)
        return removed


def open_beside(site_cache_folder: Path | None) -> CheckCache | None:
    """The check cache beside a build cache folder (None without one, or when it cannot be made)."""
    if site_cache_folder is None:
        return None
    try:
        return CheckCache(folder_beside(site_cache_folder))
    except OSError:
        return None


# --- reading a repository with it ----------------------------------------------------------
def entry_of(path: str, data: bytes, org: Any, ctx: Any) -> tuple[tuple, str | None]:
    """The entry of one file — its report without its body, the findings of reading it and of
    the checks of it alone, the codes of the checks that need more (``ctx`` from
    ``parallel.alone_context`` with the moment of the check unknown) — and the report's body.
    (A body is most of a report and is read from the file's bytes again: ``reader.body_of``.)"""
    report, findings = read_report(path, data, org)
    deferred: list[str] = []
    values = body = None
    if report is not None:
        found, deferred = parallel.check_unaware(report, ctx)
        findings.extend(found)
        values = parallel.pack(report)
        body, values[_BODY] = values[_BODY], None
    return (values, [(f.path, f.line, f.column, f.code, f.severity, f.message) for f in findings], deferred), body


def _decode(entry: Any, data: bytes | None, body: str | None = None) -> tuple | None:
    """(report or None, findings, deferred codes) of an entry, the report's body from ``body`` or
    else from ``data``, the file's bytes (the entry itself is left as it was, to be stored again);
    None when it is not one this code wrote (then computed anew)."""
    try:
        values, found, deferred = entry
        report = None
        if values is not None:
            values = list(values)
            if values[_BODY] is not None or len(values) != len(parallel.FIELDS):
                return None
            values[_BODY] = body if body is not None else body_of(data, values[_BODY_LINE])
            report = parallel.unpack(values)
        return report, [Finding(*f) for f in found], [str(code) for code in deferred]
    except Exception:  # noqa: BLE001 - damaged or foreign: computed anew
        return None


def _folder(path: str) -> str:
    return path.rsplit("/", 1)[0]


def load(root: Path, org: Any, files: list[str], cache: CheckCache, read_all: Any, check_context: Any,
         read_history: Any = None) -> Any:
    """Read and check ``files`` (sorted), taking from ``cache`` each file's entry whose key is
    the same, computing the others and storing them; on every core when there are many files
    (contiguous spans of them, this process reading the git history first, then taking spans too).

    Returns ``parallel.Loaded``: reports and findings in file order, the checks each report
    still needs (``run_deferred``, after the history) and what ``read_history()`` returned.
    None when ``org`` cannot be keyed (then nothing is cached).
    """
    context = context_key(org)
    if context is None:
        return None
    for folder in {_folder(path) for path in files}:
        cache.keep(folder)
    ctx = parallel.alone_context(check_context, org, parallel.UNKNOWN)
    state = (os.fspath(root), org, context, ctx, cache, files, read_all)
    spans, history = parallel.map_spans(_load_span, state, len(files), read_history,
                                        share=not warm(state))
    loaded = parallel.Loaded([], [], [], history)
    parts: dict[str, list[tuple[dict, bool, int]]] = {}
    for reports, findings, deferred, hits, misses, folder_parts in spans:
        loaded.deferred.extend((reports[i], code) for i, code in deferred)
        loaded.reports.extend(reports)
        loaded.findings.extend(findings)
        cache.hits += hits
        cache.misses += misses
        for folder, entries, dirty, stored in folder_parts:
            parts.setdefault(folder, []).append((entries, dirty, stored))
    for folder, pieces in parts.items():  # the folders cut by the spans' ends
        entries = {path: entry for piece, _, _ in pieces for path, entry in piece.items()}
        if any(dirty for _, dirty, _ in pieces) or len(entries) != pieces[0][2]:
            cache.write(folder, entries)
    return loaded


def warm(state: tuple) -> bool:
    """Whether the first file's entry is valid: a sample of one, telling a warm cache (an
    incremental build: taking an entry costs about as much as sending its report from a worker
    back to this process, so one process does it all) from a cold one (a first build, new code or
    ``_org.yml``: the entries are computed on every core)."""
    base, org, context, _, cache, files, _ = state
    if not files:
        return True
    path = files[0]
    try:
        data = read_regular(f"{base}/{path}", org.file_size_limit)
    except OSError:
        return False
    old = cache.read(_folder(path)).get(path)
    return type(old) is tuple and len(old) == 2 and old[0] == file_key(context, path, data)


def _load_span(state: tuple, start: int, stop: int) -> tuple:
    """Reports, findings and deferred checks (report index, code) of ``files[start:stop]``, the
    cache's hits and misses, and the entries of the folders this span holds only a part of.

    A folder's file is read once per span that holds some of its reports. The span writes the
    file of each folder it holds whole when an entry was computed or a file came or went (the
    file then holds the entries of the folder's files now, and only those); the entries of a
    folder cut by the span's ends go back to ``load``, which writes them together."""
    base, org, context, ctx, cache, files, read_all = state
    limit = org.file_size_limit
    reports: list = []
    findings: list = []
    deferred: list[tuple[int, str]] = []
    hits = misses = 0
    parts: list[tuple[str, dict, bool, int]] = []
    i = start
    while i < stop:
        folder = _folder(files[i])
        end = i
        while end < stop and _folder(files[end]) == folder:
            end += 1
        pack = cache.read(folder)
        now: dict[str, tuple[bytes, tuple]] = {}
        dirty = False
        for path in files[i:end]:
            decoded = None
            try:
                data = read_regular(f"{base}/{path}", limit)
            except OSError:
                data = None  # not cached: read_all names it below, on every build
            if data is not None:
                key = file_key(context, path, data)
                old = pack.get(path)
                if type(old) is tuple and len(old) == 2 and old[0] == key:
                    decoded = _decode(old[1], data)
                    if decoded is not None:
                        now[path] = old
                        hits += 1
                if decoded is None:
                    misses += 1
                    dirty = True
                    entry, body = entry_of(path, data, org, ctx)
                    decoded = _decode(entry, None, body)
                    if decoded is not None:  # (else a value an entry cannot hold: not kept, checked below)
                        now[path] = (key, entry)
            if decoded is None:  # not a regular file that could be read (read_all says why), or not kept
                more, found = read_all(base, org, [path])
                findings.extend(found)
                for report in more:
                    found, codes = parallel.check_unaware(report, ctx)
                    findings.extend(found)
                    deferred.extend((len(reports), code) for code in codes)
                    reports.append(report)
                continue
            report, found, codes = decoded
            findings.extend(found)
            if report is not None:
                for code in codes:
                    deferred.append((len(reports), code))
                reports.append(report)
        cut = (i > 0 and _folder(files[i - 1]) == folder) or (end < len(files) and _folder(files[end]) == folder)
        if cut:
            parts.append((folder, now, dirty, len(pack)))
        elif dirty or len(now) != len(pack):  # (every entry kept is one of pack's)
            cache.write(folder, now)
        i = end
    return reports, findings, deferred, hits, misses, parts
