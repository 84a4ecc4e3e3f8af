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


def _compute(state: tuple, path: str) -> tuple[bytes, tuple, str | None] | None:
    """(file key, entry, body) of ``path``, or None when it is not a regular file that can be
    read (``read_all`` then says why, on every build)."""
    root, org, context, ctx = state
    try:
        data = read_regular(os.path.join(root, path), org.file_size_limit)
    except OSError:
        return None
    return (file_key(context, path, data), *entry_of(path, data, org, ctx))


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
    the same, computing the others (on every core when there are many) and storing them.

    Returns ``parallel.Loaded``: reports and findings in file order, the checks each report
    still needs (``run_deferred``, after the history) and what ``read_history()`` returned.
    None when ``org`` cannot be keyed (then nothing is cached).
    """
    context = context_key(org)
    if context is None:
        return None
    base = os.fspath(root)
    keys: list[bytes | None] = [None] * len(files)
    entries: list[tuple | None] = [None] * len(files)
    decoded: list[tuple | None] = [None] * len(files)
    stored: dict[str, dict[str, tuple[bytes, tuple]]] = {}
    start = 0
    while start < len(files):  # one folder at a time (files are sorted, a folder's are together)
        folder = _folder(files[start])
        end = start
        while end < len(files) and _folder(files[end]) == folder:
            end += 1
        pack = cache.read(folder)
        stored[folder] = pack
        limit = org.file_size_limit
        for i in range(start, end):
            path = files[i]
            try:
                data = read_regular(f"{base}/{path}", limit)
            except OSError:
                continue  # not cached: read_all names it below
            key = keys[i] = file_key(context, path, data)
            old = pack.get(path)
            if isinstance(old, tuple) and len(old) == 2 and old[0] == key:
                decoded[i] = _decode(old[1], data)
                if decoded[i] is not None:
                    entries[i] = old[1]
        start = end
    missing = [i for i, entry in enumerate(entries) if entry is None and keys[i] is not None]
    cache.hits += sum(entry is not None for entry in entries)
    cache.misses += len(missing)
    ctx = parallel.alone_context(check_context, org, parallel.UNKNOWN)
    history = None
    if missing:
        state = (base, org, context, ctx)
        paths = [files[i] for i in missing]
        if parallel.worth_it(len(paths)):
            # many entries to compute (a first build, new code or _org.yml): the git history is read
            # meanwhile, as an uncached load does
            computed, history = parallel.map_files(_compute, state, paths, read_history)
            read_history = None
        else:
            computed = [_compute(state, path) for path in paths]
        for i, result in zip(missing, computed, strict=True):
            if result is None:
                keys[i] = None  # unreadable now: read_all names it
            else:
                keys[i], entries[i], body = result
                decoded[i] = _decode(entries[i], None, body)
                if decoded[i] is None:  # a value an entry cannot hold: not kept, checked below
                    entries[i] = None
    # each folder's file holds the entries of its files now, and only those
    fresh: dict[str, dict[str, tuple[bytes, tuple]]] = {}
    for i, path in enumerate(files):
        key, entry = keys[i], entries[i]
        if key is not None and entry is not None:
            fresh.setdefault(_folder(path), {})[path] = (key, entry)
    dirty = {_folder(files[i]) for i in missing}  # an entry computed (or a file now unreadable)
    for folder, pack in stored.items():
        now = fresh.get(folder, {})
        if folder in dirty or now.keys() != pack.keys():  # or a file came or went
            cache.write(folder, now)

    loaded = parallel.Loaded([], [], [])
    for i, path in enumerate(files):
        entry = decoded[i]
        if entry is None:  # not a regular file that could be read (read_all says why), or not kept
            reports, found = read_all(root, org, [path])
            loaded.findings.extend(found)
            for report in reports:
                found, deferred = parallel.check_unaware(report, ctx)
                loaded.findings.extend(found)
                loaded.reports.append(report)
                loaded.deferred.extend((report, code) for code in deferred)
            continue
        report, found, deferred = entry
        loaded.findings.extend(found)
        if report is not None:
            loaded.reports.append(report)
            loaded.deferred.extend((report, code) for code in deferred)
    loaded.history = history
    if read_history is not None:
        # here, not in a thread beside the reading above: both are mostly Python, and on a busy
        # machine two threads that take turns with the interpreter lock took twice as long
        loaded.history = read_history()
    return loaded
