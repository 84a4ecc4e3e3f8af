"""Git as the ledger: when each report arrived, what it said then, and how it changed.

One pass over the history (SPEC §5a): a single ``git log --reverse --raw -M -z`` gives, for
every report file under ``submissions/``,

- the **received** time: committer time of the first commit that added the file; a renamed
  file keeps the received time of its original (renames are followed here, commit by commit);
- the commit that brought it, and (for ``receipts``, which asks for it) the SHA-256 of its
  content as received (the blobs are read in bulk by one ``git cat-file --batch`` process);
- its revisions (commit and committer time), newest first. Commit messages and committer or
  author identities are never read: git metadata is not report content (SPEC §14), so nothing
  built from the history can publish them.

The parsed result is cached inside the git directory (``.git/shangbao/history-<HEAD>-<prefix>.json``),
never in the working tree: a file committed to the repository cannot change a received time.
The cache is keyed by commit id, validated when read, and a damaged one is ignored and rebuilt.
A later HEAD that descends from a cached one is brought up to date with ``git log OLD..NEW`` only.

A shallow clone (CI's default ``fetch-depth: 1``) makes every file look as if it arrived in
the newest commit. The files that first appear in a shallow boundary commit are left out
(their received time is unknown, so reported_at stands) and a warning says how to fetch the
full history.

Also here: ``apply_history`` (sets the received fields on reports), ``backdated_by`` (R305),
and ``run_receipts`` (``shangbao receipts``, the 回执 ledger).
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import hashlib
import io
import json
import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .project import SUBMISSIONS
from .timeliness import BACKDATE_TOLERANCE, backdated_by, is_imported  # noqa: F401  (also from here)

CACHE_DIR = "shangbao"  # inside the git directory
CACHE_VERSION = 3  # 3: each revision's blob ("v")
#: commits read on top of an older cache before the result is written as the cache of HEAD
SAVE_AFTER = 200

SHALLOW_WARNING = (
    "当前仓库是浅克隆（shallow clone），只有部分 git 历史，无法确定较早报告的接收时间；"
    "这些报告暂按报送时间（reported_at）计。"
    "CI 必须拉取完整历史（GitHub Actions: actions/checkout 的 fetch-depth: 0；GitLab: GIT_DEPTH: 0），"
    "本地可运行 git fetch --unshallow。"
)

_LOG_FORMAT = "%x01%H%x1f%cI"


# --------------------------------------------------------------------------- data types


@dataclass(slots=True)
class Revision:
    commit: str
    time: dt.datetime  # committer time, aware (committer's own offset)
    blob: str = ""  # the file's content in that commit (git blob id)


@dataclass(slots=True)
class FileHistory:
    path: str  # relative to the repository root, posix, e.g. submissions/a/2026/x.md
    received_at: dt.datetime  # committer time of the commit that first added the file
    received_commit: str
    received_sha256: str  # SHA-256 of the file's content in that commit
    revisions: list[Revision] = field(default_factory=list)  # newest first


@dataclass(slots=True)
class History:
    files: dict[str, FileHistory] = field(default_factory=dict)
    shallow: bool = False
    available: bool = False  # False outside git or before the first commit
    warnings: list[str] = field(default_factory=list)  # Chinese
    head: str | None = None
    from_cache: bool = False  # True when read from the cache without scanning
    root: Path | None = None  # the repository's folder (to read earlier revisions' content)
    # (read_received_ahead) the first revision of each revised file, read and parsed for an org:
    # (org, {path: (blob id, report or None, bytes)})
    ahead: tuple[Any, dict[str, tuple[str, Any, bytes]]] | None = None


# --------------------------------------------------------------------------- git plumbing


class _GitError(Exception):
    pass


def _git_env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("GIT_DIR", None)  # hooks (pre-commit) export these; root decides the repository
    env.pop("GIT_WORK_TREE", None)
    env["GIT_TERMINAL_PROMPT"] = "0"
    env["LC_ALL"] = "C"
    return env


def _git(root: Path, *args: str, check: bool = True) -> bytes:
    try:
        proc = subprocess.run(
            ["git", "-c", "core.quotePath=false", *args],
            cwd=root, capture_output=True, env=_git_env(), check=False,
        )
    except FileNotFoundError:
        raise _GitError("找不到 git 命令；请安装 git") from None
    if check and proc.returncode != 0:
        raise _GitError(proc.stderr.decode("utf-8", "replace").strip())
    return proc.stdout


def _decode(raw: bytes) -> str:
    return raw.decode("utf-8", "surrogateescape")


def _repo_facts(root: Path) -> tuple[str, str, bool, str | None] | None:
    """(prefix of root inside the work tree, git dir, shallow, HEAD sha or None); None outside git."""
    try:
        out = _git(root, "rev-parse", "--show-prefix", "--absolute-git-dir", "--is-shallow-repository")
    except _GitError as exc:
        text = str(exc)
        if "not a git repository" in text:
            return None
        if "dubious ownership" in text:
            raise _GitError(
                f"git 拒绝读取该仓库（目录所有者与当前用户不同）：请运行 "
                f"git config --global --add safe.directory {root}"
            ) from None
        raise
    lines = _decode(out).splitlines()
    prefix, git_dir, shallow = lines[0] if len(lines) > 2 else "", lines[-2], lines[-1] == "true"
    try:
        head = _decode(_git(root, "rev-parse", "--verify", "-q", "HEAD^{commit}")).strip() or None
    except _GitError:
        head = None
    return prefix, git_dir, shallow, head


def _shallow_boundaries(git_dir: str) -> set[str]:
    path = Path(git_dir) / "shallow"
    try:
        return {line.strip() for line in path.read_text().splitlines() if line.strip()}
    except OSError:
        return set()


def _is_ancestor(root: Path, old: str, new: str) -> bool:
    try:
        subprocess.run(
            ["git", "merge-base", "--is-ancestor", old, new],
            cwd=root, env=_git_env(), capture_output=True, check=True,
        )
        return True
    except (subprocess.CalledProcessError, FileNotFoundError):
        return False


# --------------------------------------------------------------------------- the scan


class _State:
    """Every path ever seen under submissions/, followed through renames and deletions.

    records: path -> {"c": received commit, "b": received blob, "l": last blob,
                      "r": [commit, ...] oldest first, "v": [its blob, ...], "live": bool}
    commits: sha -> [committer time ISO]
    """

    def __init__(self) -> None:
        self.records: dict[str, dict[str, Any]] = {}
        self.commits: dict[str, list[str]] = {}

    def _new(self, path: str, commit: str, blob: str) -> None:
        self.records[path] = {"c": commit, "b": blob, "l": blob, "r": [commit], "v": [blob], "live": True}

    def _touch(self, rec: dict[str, Any], commit: str, blob: str) -> None:
        if not rec["r"] or rec["r"][-1] != commit:
            rec["r"].append(commit)
            rec["v"].append(blob)
        else:
            rec["v"][-1] = blob
        rec["l"] = blob
        rec["live"] = True

    def added(self, path: str, commit: str, blob: str) -> None:
        rec = self.records.get(path)
        if rec is not None and (rec["live"] or rec["l"] == blob):
            # the same path added on a parallel branch, or a deleted file restored as it was
            self._touch(rec, commit, blob)
        else:
            self._new(path, commit, blob)

    def modified(self, path: str, commit: str, blob: str) -> None:
        rec = self.records.get(path)
        if rec is None:
            self._new(path, commit, blob)
        else:  # a file deleted on one branch and still edited on another is still that file
            self._touch(rec, commit, blob)

    def deleted(self, path: str) -> None:
        rec = self.records.get(path)
        if rec is not None:
            rec["live"] = False

    def renamed(self, old: str, new: str, commit: str, blob: str) -> None:
        src = self.records.get(old)
        if src is None:
            self.added(new, commit, blob)
            return
        rec = {"c": src["c"], "b": src["b"], "l": src["l"], "r": list(src["r"]), "v": list(src["v"]), "live": True}
        self._touch(rec, commit, blob)
        self.records[new] = rec
        src["live"] = False

    def to_json(self) -> dict[str, Any]:
        return {"records": self.records, "commits": self.commits}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> _State:
        state = cls()
        state.records = data["records"]
        state.commits = data["commits"]
        return state


def _scan(root: Path, state: _State, prefix: str, revs: list[str]) -> None:
    """Feed ``git log`` output for ``revs`` (oldest first) into ``state``."""
    # No pathspec: with one, git simplifies the history (a tree comparison per commit), a third
    # of its time at 50,000 one-report commits; the paths outside submissions/ are dropped here.
    args = [
        "log", "--reverse", "--date-order", "-z", "--raw", "--no-abbrev", "-M",
        "--no-color", "--no-ext-diff", "--no-textconv", "--no-show-signature",
        f"--format={_LOG_FORMAT}", *revs, "--",
    ]
    out = _git(root, *args)
    tokens = out.split(b"\0")
    commit = ""
    n = len(tokens)
    i = 0
    cut = len(prefix)
    inside = (prefix + SUBMISSIONS + "/").encode("utf-8", "surrogateescape")
    records_commits = state.commits

    def rel(raw: bytes) -> str | None:
        """The path relative to the root, or None outside ``submissions/``."""
        if not raw.startswith(inside):
            return None
        return _decode(raw)[cut:]

    while i < n:
        token = tokens[i]
        i += 1
        if token.startswith(b"\n"):
            token = token[1:]
        if not token:
            continue
        if token[:1] == b"\x01":
            fields = _decode(token[1:]).split("\x1f", 1)
            while len(fields) < 2:
                fields.append("")
            commit = fields[0]
            records_commits[commit] = fields[1:2]
            continue
        if token[:1] != b":":
            continue
        meta = token.split(b" ")
        status = meta[-1][:1]
        blob = _decode(meta[3]) if len(meta) > 3 else ""
        path = rel(tokens[i])
        i += 1
        if status in (b"R", b"C"):
            new = rel(tokens[i])
            i += 1
            if new is None:  # moved (or copied) out of submissions/
                if status == b"R" and path is not None:
                    state.deleted(path)
            elif status == b"R" and path is not None:
                state.renamed(path, new, commit, blob)
            else:  # a copy, or moved in from outside submissions/
                state.added(new, commit, blob)
        elif path is None:
            continue
        elif status == b"A":
            state.added(path, commit, blob)
        elif status == b"D":
            state.deleted(path)
        else:  # M, T
            state.modified(path, commit, blob)


def _hash_blobs(root: Path, blobs: Iterable[str]) -> dict[str, str]:
    """blob id -> SHA-256 of its content, all through one ``git cat-file --batch``."""
    return dict(_blobs(root, blobs, keep=False))


def blob_contents(root: Path, blobs: Iterable[str]) -> dict[str, bytes]:
    """blob id -> its content (for a few files' revisions: every content is held in memory)."""
    return dict(_blobs(root, blobs, keep=True))


def _blobs(root: Path, blobs: Iterable[str], keep: bool):
    """(blob id, its content if ``keep`` else the SHA-256 of it) for each blob that exists, all
    through one ``git cat-file --batch`` (hashing streams: no file is held whole in memory)."""
    wanted = sorted(set(b for b in blobs if b and set(b) != {"0"}))
    if not wanted:
        return
    proc = subprocess.Popen(
        ["git", "cat-file", "--batch"], cwd=root, env=_git_env(),
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
    )
    assert proc.stdin is not None and proc.stdout is not None

    def feed() -> None:
        try:
            proc.stdin.write("".join(f"{b}\n" for b in wanted).encode())
        except OSError:  # the reader stopped early (the generator was closed)
            pass
        finally:
            try:
                proc.stdin.close()
            except OSError:
                pass

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    reader = proc.stdout
    try:
        for _ in range(len(wanted)):
            header = reader.readline().split()
            if len(header) < 3 or header[1] == b"missing":
                continue
            remaining = int(header[2])
            digest = None if keep else hashlib.sha256()
            parts = []
            while remaining:
                chunk = reader.read(min(remaining, 1 << 20))
                if not chunk:
                    break
                if digest is None:
                    parts.append(chunk)
                else:
                    digest.update(chunk)
                remaining -= len(chunk)
            reader.read(1)  # the newline after the content
            yield _decode(header[0]), (b"".join(parts) if digest is None else digest.hexdigest())
    finally:
        reader.close()
        if writer.is_alive():  # stopped before every blob was asked for
            proc.kill()
        writer.join()
        proc.wait()


def _missing_hashes(state: _State, known: dict[str, str]) -> set[str]:
    return {rec["b"] for rec in state.records.values() if rec["live"] and rec["b"] not in known}


def _time(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def _result(state: _State, hashes: dict[str, str], boundaries: set[str]) -> dict[str, FileHistory]:
    commits = state.commits
    times: dict[str, dt.datetime] = {}

    def time_of(sha: str) -> dt.datetime:
        when = times.get(sha)
        if when is None:
            when = times[sha] = _time(commits[sha][0])
        return when

    files: dict[str, FileHistory] = {}
    for path, rec in state.records.items():
        if not rec["live"] or rec["c"] in boundaries:
            continue
        revisions = [Revision(sha, time_of(sha), blob) for sha, blob in zip(reversed(rec["r"]), reversed(rec["v"]),
                                                                             strict=True)]
        files[path] = FileHistory(path, time_of(rec["c"]), rec["c"], hashes.get(rec["b"], ""), revisions)
    return files


# --------------------------------------------------------------------------- cache

# a commit or blob id (SHA-1 or SHA-256), or "" for a blob (a cache's many are checked at once: _all_hex)
_SHA_TEXT = re.compile(r"[0-9a-f]{40}(?:[0-9a-f]{24})?")
_BLOB_TEXT = re.compile(r"(?:[0-9a-f]{40}(?:[0-9a-f]{24})?)?")
_HEX = "0123456789abcdef"
# a committer time as git's %cI gives it (``_time`` reads it), one to a line
_TIME = r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:[+-][0-9]{2}:[0-9]{2}|Z)"
_TIMES = re.compile(rf"{_TIME}(?:\n{_TIME})*")


def _is_sha(value: Any) -> bool:
    return isinstance(value, str) and _SHA_TEXT.fullmatch(value) is not None


def _is_blob(value: Any) -> bool:
    return isinstance(value, str) and _BLOB_TEXT.fullmatch(value) is not None


def _cache_folder(git_dir: str) -> Path:
    return Path(git_dir) / CACHE_DIR


def _cache_path(git_dir: str, head: str, key: dict[str, Any]) -> Path:
    # the root may be a folder inside the work tree: one cache per prefix
    tag = hashlib.sha256(json.dumps(key, sort_keys=True).encode("utf-8", "surrogateescape")).hexdigest()[:12]
    return _cache_folder(git_dir) / f"history-{head}-{tag}.json"


def _valid_cache(data: Any, head: str, key: dict[str, Any]) -> bool:
    """Whether ``data`` is a whole, well-formed cache of ``head``: anything else is rebuilt.

    Checked a few C-level passes at a time (one regex over all the commit ids, one over all the
    times, set inclusion for the commits the files name): a cache of 50,000 files holds some
    300,000 values, validated on every build. (A time of the right form that is no date, such as
    February 30, is found when it is read: ``_result`` raises ``ValueError`` and the history is
    read from git again.)"""
    if not isinstance(data, dict) or data.get("key") != key or data.get("head") != head:
        return False
    records, commits, hashes = data.get("records"), data.get("commits"), data.get("hashes")
    if not (isinstance(records, dict) and isinstance(commits, dict) and isinstance(hashes, dict)):
        return False
    if head not in commits:
        return False
    fields = {"c", "b", "l", "r", "v", "live"}
    try:
        if not (_all_shas(list(commits))
                and all(type(value) is list and len(value) == 1 for value in commits.values())
                and _TIMES.fullmatch("\n".join(value[0] for value in commits.values())) is not None):
            return False  # (a time that is not text: TypeError, below)
        entries = list(records.values())
        if not all(type(rec) is dict and rec.keys() == fields for rec in entries):
            return False
        if not all(type(rec["live"]) is bool and type(rec["r"]) is list and type(rec["v"]) is list
                   and len(rec["r"]) == len(rec["v"]) for rec in entries):
            return False
        named = {rec["c"] for rec in entries}  # (a list or dict among them: TypeError, below)
        named.update(sha for rec in entries for sha in rec["r"])
        if not named <= commits.keys():  # every one a commit id of the cache (so text)
            return False
    except TypeError:
        return False
    blobs: list[Any] = list(hashes)  # every blob id, checked at once below
    for rec in entries:
        blobs.append(rec["b"])
        blobs.append(rec["l"])
        blobs.extend(rec["v"])
    return _all_blobs(blobs) and _all_blobs(list(hashes.values()), digests=True)


def _all_shas(values: list[Any]) -> bool:
    """Whether every value is a commit id (``_is_sha``)."""
    return _all_hex(values, {40, 64})


def _all_blobs(values: list[Any], digests: bool = False) -> bool:
    """Whether every value is a blob id or "" (``_is_blob``; with ``digests``: a SHA-256 in hex):
    a cache of 50,000 files holds some 200,000 of them."""
    return _all_hex(values, {64} if digests else {0, 40, 64})


def _all_hex(values: list[Any], lengths: set[int]) -> bool:
    """Whether every value is text of lowercase hex digits of one of ``lengths``: checked over the
    distinct values at once (their lengths, then every character of them joined), in C."""
    try:
        distinct = set(values)
        text = "".join(distinct)
    except TypeError:  # a value that is not text
        return False
    return set(map(len, distinct)) <= lengths and not text.strip(_HEX)


def _load_cache(path: Path, head: str, key: dict[str, Any]) -> dict[str, Any] | None:
    try:
        with open(path, "rb") as fh:
            data = json.loads(fh.read().decode("utf-8", "surrogateescape"))
    except (OSError, ValueError, RecursionError):
        return None
    return data if _valid_cache(data, head, key) else None


def _save_cache(git_dir: str, head: str, key: dict[str, Any], state: _State, hashes: dict[str, str]) -> None:
    folder = _cache_folder(git_dir)
    try:
        folder.mkdir(exist_ok=True)
        target = _cache_path(git_dir, head, key)
        tmp = target.with_suffix(f".{os.getpid()}.tmp")
        payload = {"key": key, "head": head, **state.to_json(), "hashes": hashes}
        tmp.write_text(json.dumps(payload, ensure_ascii=False, separators=(",", ":")),
                       encoding="utf-8", errors="surrogateescape")
        os.replace(tmp, target)
        suffix = target.name.rsplit("-", 1)[1]
        for old in folder.glob(f"history-*-{suffix}"):
            if old != target:
                old.unlink(missing_ok=True)
    except OSError:
        pass  # a read-only repository still works, only slower next time


def _older_cache(root: Path, git_dir: str, head: str, key: dict[str, Any]) -> dict[str, Any] | None:
    """The newest cache of an ancestor of ``head`` (for an incremental update)."""
    suffix = _cache_path(git_dir, head, key).name.rsplit("-", 1)[1]
    try:
        candidates = sorted(_cache_folder(git_dir).glob(f"history-*-{suffix}"),
                            key=lambda p: p.stat().st_mtime, reverse=True)
    except OSError:
        return None
    for path in candidates[:3]:
        old_head = path.name.removeprefix("history-").rsplit("-", 1)[0]
        if not _is_sha(old_head) or old_head == head or not _is_ancestor(root, old_head, head):
            continue
        data = _load_cache(path, old_head, key)
        if data is not None:
            return data
    return None


# --------------------------------------------------------------------------- public API


def read_history(root: Path, use_cache: bool = True, hashes: bool = True) -> History:
    """The history of every committed file under ``submissions/`` (see the module docstring).

    ``hashes=False`` leaves out the SHA-256 of each file as received (``received_sha256`` is
    empty): ``check`` and ``build`` do not need it, and reading every blob is a fifth of the
    time at 50,000 files. What was computed is cached either way.
    """
    root = Path(root)
    history = History()
    try:
        facts = _repo_facts(root)
    except _GitError as exc:
        history.warnings.append(f"无法读取 git 历史（{exc}）；接收时间暂按报送时间计。")
        return history
    if facts is None:
        history.warnings.append("这里不是 git 仓库：没有接收时间与修订记录，接收时间按报送时间（reported_at）计。")
        return history
    prefix, git_dir, shallow, head = facts
    if head is None:
        history.warnings.append("git 仓库还没有任何提交：接收时间按报送时间（reported_at）计。")
        return history
    history.available = True
    history.root = root
    history.head = head
    history.shallow = shallow
    boundaries = _shallow_boundaries(git_dir) if shallow else set()
    if shallow:
        history.warnings.append(SHALLOW_WARNING)
    key = {"version": CACHE_VERSION, "prefix": prefix, "shallow": sorted(boundaries)}

    try:
        if use_cache:
            data = _load_cache(_cache_path(git_dir, head, key), head, key)
            if data is not None:
                state = _State.from_json(data)
                known = data["hashes"]
                missing = _missing_hashes(state, known) if hashes else set()
                if missing:
                    known.update(_hash_blobs(root, missing))
                    _save_cache(git_dir, head, key, state, known)
                with contextlib.suppress(ValueError):  # a time of the right form but no date: read again
                    history.files = _result(state, known, boundaries)
                    history.from_cache = True
                    return history
            older = _older_cache(root, git_dir, head, key)
        else:
            older = None
        scanned = 0  # commits read on top of the older cache
        files = None
        if older is not None:
            state = _State.from_json(older)
            known = older["hashes"]
            before = len(state.commits)
            _scan(root, state, prefix, [f"{older['head']}..{head}"])
            scanned = len(state.commits) - before
            new_hashes = _missing_hashes(state, known) if hashes else set()
            known.update(_hash_blobs(root, new_hashes) if new_hashes else {})
            with contextlib.suppress(ValueError):  # a time of the right form but no date: read again
                files = _result(state, known, boundaries)
        if files is None:
            older = None
            state = _State()
            known = {}
            _scan(root, state, prefix, [head])
            new_hashes = _missing_hashes(state, known) if hashes else set()
            known.update(_hash_blobs(root, new_hashes) if new_hashes else {})
            files = _result(state, known, boundaries)
    except _GitError as exc:
        history.available = False
        history.warnings.append(f"读取 git 历史失败（{exc}）；接收时间暂按报送时间计。")
        return history
    # A few commits on top of an older cache are not written to a new one: the next run reads them
    # again from that cache (as fast as from a new one), and writing 50,000 files' history costs
    # more than reading these commits. Many commits, a first scan or new hashes are written.
    if use_cache and (older is None or new_hashes or scanned > SAVE_AFTER):
        _save_cache(git_dir, head, key, state, known)
    history.files = files
    return history


def apply_history(reports: Iterable[Any], history: History, org: Any = None) -> None:
    """Set ``received_at``/``received_commit``/``received_sha256``/``revisions`` on reports.

    Reports dated before ``org.ledger_since`` were imported from older records: their commit
    says when they were imported, not when they were received, so ``received_at`` stays
    unset (``Report.received`` then is ``reported_at``); commit, hash and revisions are
    still recorded. Reports not yet committed, or outside git, are left as they are.
    """
    if not history.available:
        return
    files = history.files
    revised = []
    for report in reports:
        entry = files.get(report.path)
        if entry is None:
            continue
        report.received_commit = entry.received_commit
        report.received_sha256 = entry.received_sha256
        report.revisions = list(entry.revisions)
        if not is_imported(report, org):
            report.received_at = entry.received_at
            if len(entry.revisions) > 1 and not report.draft:
                revised.append(report)
    if revised and history.root is not None and org is not None:
        ahead = history.ahead[1] if history.ahead is not None and history.ahead[0] is org else {}
        _as_received(revised, history.root, org, ahead)


def read_received_ahead(history: History, org: Any) -> None:
    """Read what ``apply_history`` reads first for each file with several revisions — its first
    revision, parsed as with ``org`` — ahead of it (``load_repository`` does it while its workers
    read the files). It changes nothing but how soon ``apply_history`` is done."""
    if not history.available or history.root is None:
        return
    from .reader import read_report

    firsts = {path: entry.revisions[-1].blob for path, entry in history.files.items() if len(entry.revisions) > 1}
    contents = blob_contents(history.root, set(firsts.values()))
    history.ahead = (org, {path: (blob, read_report(path, contents[blob], org)[0], contents[blob])
                           for path, blob in firsts.items() if blob in contents})


#: how many of a file's earliest revisions are read to find the one that was its report
AS_RECEIVED_REVISIONS = 32


def _as_received(reports: list[Any], root: Path, org: Any, ahead: dict[str, tuple[str, Any, bytes]]) -> None:
    """Receipt follows what was received, not the file: a report is received by the first commit in
    which its file held it — not a draft, and of the type it has now (a draft committed at 09:00 and
    completed at 21:00 was received at 21:00; so was an incident written over an info report). And a
    time that decides its timeliness cannot be moved later after receipt: ``occurred_as_received`` keeps
    the occurred_at of the report as received when the file now says later (timeliness.py judges by
    the earlier; R303/R304 say so). Reads the earlier revisions of these files only (one ``git cat-file``),
    but the first ones ``ahead`` holds already (``read_received_ahead``) when they are the answer."""
    from .reader import read_report

    pending = []
    for report in reports:
        oldest = report.revisions[-1]
        known = ahead.get(report.path)
        if known is not None and known[0] == oldest.blob and _as_now(known[1], report):
            _received_as(report, oldest, known[1], known[2])
        else:
            pending.append(report)
    wanted = {rev.blob for r in pending for rev in r.revisions[-AS_RECEIVED_REVISIONS:]}
    contents = blob_contents(root, wanted) if wanted else {}
    for report in pending:
        oldest_first = list(reversed(report.revisions))[:AS_RECEIVED_REVISIONS]
        for rev in oldest_first:
            data = contents.get(rev.blob)
            if data is None:
                continue
            then, _ = read_report(report.path, data, org)
            if _as_now(then, report):
                _received_as(report, rev, then, data)
                break
        # (never held as it is now in any commit read: as received by the first commit)


def _as_now(then: Any, report: Any) -> bool:
    """Whether a revision's report (``then``) is the report as it is now: not a draft, of its type."""
    return then is not None and not then.draft and then.type == report.type


def _received_as(report: Any, rev: Revision, then: Any, data: bytes) -> None:
    """``report`` was received by ``rev``, when its file held ``then`` (``data``)."""
    if rev.commit != report.received_commit:
        report.received_from = (report.received_at, report.received_commit)
        report.received_at, report.received_commit = rev.time, rev.commit
        if report.received_sha256:  # (empty when the history was read without hashes)
            report.received_sha256 = hashlib.sha256(data).hexdigest()
    if then.occurred_at is not None and report.occurred_at is not None and then.occurred_at < report.occurred_at:
        report.occurred_as_received = then.occurred_at


# --------------------------------------------------------------------------- receipts


def receipt_rows(root: Path, org: Any, history: History | None = None) -> list[dict[str, Any]]:
    """One row per report file: the 回执 ledger."""
    from .model import Report
    from .reader import read_report, report_paths
    from .safefile import read_regular
    from .timeparse import format_time

    root = Path(root)
    history = history if history is not None else read_history(root)
    tz = org.timezone
    reports: list[Report] = []
    for path in report_paths(root):  # every file a unit submitted, readable or not
        try:
            data = read_regular(os.path.join(root, path))  # never a link, FIFO or device (R109)
        except OSError:
            data = b""
        report, _ = read_report(path, data, org) if data else (None, [])  # the checker reports the problems
        if report is None:
            rid = path[len(SUBMISSIONS) + 1:].removesuffix(".md")
            report = Report(id=rid, path=path, folder_unit=rid.split("/", 1)[0], meta={},
                            key_lines={}, body="", body_line=1, content_sha256=hashlib.sha256(data).hexdigest())
        reports.append(report)
    apply_history(reports, history, org)

    rows = []
    for report in reports:
        entry = history.files.get(report.path)
        imported = is_imported(report, org)
        if entry is None:
            status = "未提交" if history.available else "无 git 历史"
        elif entry.received_sha256 == report.content_sha256:
            status = "一致"
        else:
            status = "已修改"
        note = ""
        if imported and entry is not None:
            note = "ledger_since 之前的历史记录（导入）：接收时间按报送时间计"
        gap = backdated_by(report, org)
        if gap is not None:
            note = "；".join(filter(None, [note, "报送时间早于首次提交超过 30 分钟（R305）"]))
        rows.append({
            "id": report.id,
            "path": report.path,
            "reported_at": format_time(report.reported_at, tz),
            "received_at": format_time(report.received, tz),
            "received_commit": entry.received_commit if entry else "",
            "committed_at": format_time(entry.received_at, tz) if entry else "",
            "received_sha256": entry.received_sha256 if entry else "",
            "current_sha256": report.content_sha256,
            "matches": (entry.received_sha256 == report.content_sha256) if entry else None,
            "status": status,
            "revisions": len(entry.revisions) if entry else 0,
            "note": note,
        })
    return rows


RECEIPT_COLUMNS = [
    ("id", "报告编号"),
    ("reported_at", "报送时间"),
    ("received_at", "接收时间"),
    ("received_commit", "接收提交"),
    ("committed_at", "首次提交时间"),
    ("received_sha256", "接收时内容 SHA-256"),
    ("current_sha256", "当前内容 SHA-256"),
    ("status", "内容状态"),
    ("revisions", "修订次数"),
    ("note", "备注"),
]


def format_receipts(rows: list[dict[str, Any]], fmt: str) -> str:
    if fmt == "json":
        return json.dumps(rows, ensure_ascii=False, indent=2) + "\n"
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([title for _, title in RECEIPT_COLUMNS])
    for row in rows:
        writer.writerow([row[key] for key, _ in RECEIPT_COLUMNS])
    return "\ufeff" + buffer.getvalue()  # BOM: Excel opens UTF-8 CSV correctly only with it


def run_receipts(root: Path, fmt: str = "csv") -> int:
    """``shangbao receipts``: print the 回执 ledger (CSV with BOM for Excel, or JSON)."""
    from .config import load_org

    org = load_org(root)
    history = read_history(root)
    for warning in history.warnings:
        print(f"警告：{warning}", file=sys.stderr)
    rows = receipt_rows(root, org, history)
    from .reader import walk_submissions

    for folder, reason in walk_submissions(root)[1]:  # never a silently shorter ledger
        print(f"警告：文件夹 {folder} 无法读取（{reason}），其中的报告不在台账中；请修正文件夹权限", file=sys.stderr)
    text = format_receipts(rows, fmt)
    out = sys.stdout
    if hasattr(out, "buffer"):
        out.flush()
        out.buffer.write(text.encode("utf-8"))
        out.buffer.flush()
    else:  # click's test runner and other text-only streams
        out.write(text)
    return 0
