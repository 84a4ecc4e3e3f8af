"""The build cache: what an earlier build generated, reused only where this build's inputs are the same.

``shangbao build`` keeps, per audience, three kinds of entries (SPEC §8, incremental builds):

- ``doc`` / ``shadow``: a report's docs page and its search shadow page, keyed by everything the
  two templates are given for the report (its row, metadata card, body as written, incident chain,
  feedback, revisions: ``Generator._report_inputs``) and by ``generation_key`` (templates, code,
  tool versions, ``_org.yml``, audience);
- ``html``: the page MkDocs rendered from one docs page, keyed by that page's exact bytes (a
  report page: by its ``doc`` key, from which its docs page is made, so that a reused report page
  is never written as a docs page) and by the MkDocs configuration, theme overrides, navigation
  and versions (``site/build.py``); stored as the page itself (the HMAC in the file's name), so
  that the new site takes it by hard link (``link``);
- ``search``: the texts of one search shard's pages (search.py ``index_shard``), keyed by its
  reports' keys in the order their shadow pages are written (``shard_key``: a reused shard's shadow
  pages are never written), or for the site's own shard by the bytes of its shadow pages
  (``ShardReuse``);
- ``sbindex``: under the same key, the list of the files of that shard's folder of the search
  index (textindex.py) with each file's SHA-256; the files themselves are kept in
  ``sbindex-files/<key>/`` (hard links of the site's) and every one is checked against the list
  before a build serves it.

A key is a SHA-256 of the inputs, never a name or a time; an entry is its output with an HMAC
(SHA-256) over kind, key and output (before the output, or in the file's name for ``PLAIN_KINDS``),
checked on every read. An entry that is damaged, cut short,
copied under another key or written without the secret is ignored (and rewritten): it cannot
change what a build produces, only how long it takes. The secret is ``SHANGBAO_CACHE_SECRET``
when set (CI: a protected variable, so that a merge request's pipeline cannot forge entries for
the main branch), else a random one kept beside the entries (0600) — which guards against damage
and against files committed to the repository, not against someone who can write the cache.

Entries are written to a temporary file and renamed into place: a build that is killed leaves
either the whole entry or none. After a successful build the entries it did not use are removed.

Nothing here holds a received time or a finding: those come from the git history (history.py)
and the checks on every build, and they are inputs of the keys, never outputs of an entry.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import io
import json
import os
import pickle
import secrets
import shutil
import subprocess
from pathlib import Path
from typing import Any

#: Change when the layout of entries changes: older entries then no longer validate.
FORMAT = b"shangbao-site-cache-2"
KINDS = ("doc", "shadow", "html", "marked", "search", "sbindex")
#: the HTML of a page that prints the as-of, with the marks where it goes (generate.py ``AS_OF_MARK``):
#: stamped with each build's as-of, so not a plain entry
MARKED_HTML = "marked"
#: kinds stored as their output itself, the HMAC in the file's name (``<key>.<hmac>``): a site can
#: take such an entry by hard link (``link``) instead of writing tens of thousands of pages again
PLAIN_KINDS = ("html",)
SECRET_ENV = "SHANGBAO_CACHE_SECRET"
FOLDER_ENV = "SHANGBAO_CACHE_DIR"
_MAC = 32
#: beside the search index the indexer built: how many of its shards came from the cache ("N/M")
REUSED_FILE = "sb-reused-shards"


def digest(*parts: bytes | str) -> str:
    """SHA-256 of the parts, each length-prefixed (so that no two lists of parts collide)."""
    h = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()


def faithful_bytes(value: Any) -> bytes:
    """``value`` (plain data: text, numbers, times, lists, tuples, dicts) as bytes that only an equal
    value gives: a build cache key's part. A pickle, five times as fast as ``repr`` on Chinese text,
    and as faithful (reading it back gives the value, so two values never share one); written
    without pickle's memo ("fast" mode), so that it does not depend on which equal strings happen
    to be one object. A value pickle cannot write falls back to its ``repr`` (marked apart)."""
    out = io.BytesIO()
    pickler = pickle.Pickler(out, protocol=5)
    pickler.fast = True
    try:
        pickler.dump(value)
    except (pickle.PicklingError, TypeError, AttributeError, ValueError, RecursionError):
        return b"repr\0" + repr(value).encode("utf-8", "surrogatepass")
    return out.getvalue()


class SignedFolder:
    """A cache folder: its signing secret, and ``tmp/`` for entries being written (a killed
    writer's leftovers removed on opening)."""

    def __init__(self, folder: Path, secret: bytes | None = None) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self._secret = secret if secret is not None else _secret(self.folder)
        self._tmp = self.folder / "tmp"
        self._tmp.mkdir(exist_ok=True)
        remove_dead_temporaries(self._tmp)
        self.hits = 0
        self.misses = 0

    @staticmethod
    def _remove(path: str) -> int:
        """Remove an unused entry's file (prune): 1 when it was removed."""
        try:
            os.unlink(path)
            return 1
        except OSError:
            return 0


class SiteCache(SignedFolder):
    """The entries of one audience's builds in ``folder``."""

    def __init__(self, folder: Path, secret: bytes | None = None) -> None:
        super().__init__(folder, secret)
        self.used: set[tuple[str, str]] = set()
        #: per plain kind: key → the entry's file (its name carries the HMAC), listed once
        self._plain: dict[str, dict[str, str]] = {}
        self._base = str(self.folder)

    # --- entries ------------------------------------------------------------------------
    def _path(self, kind: str, key: str) -> str:
        # (strings, not Path: tens of thousands of lookups per build)
        return os.path.join(self._base, kind, key[:2], key[2:])

    def _mac(self, kind: str, key: str, data: bytes) -> bytes:
        mac = hmac.new(self._secret, FORMAT, hashlib.sha256)
        mac.update(f"\0{kind}\0{key}\0".encode())
        mac.update(data)
        return mac.digest()

    def _plain_entries(self, kind: str) -> dict[str, str]:
        entries = self._plain.get(kind)
        if entries is None:
            entries = {}  # filled, then published: threads linking at once never see half of it
            base = os.path.join(self._base, kind)
            for sub in (os.scandir(base) if os.path.isdir(base) else ()):
                if sub.is_dir(follow_symlinks=False):
                    for entry in os.scandir(sub.path):
                        entries[sub.name + entry.name.split(".", 1)[0]] = entry.path
            entries = self._plain.setdefault(kind, entries)
        return entries

    def _plain_get(self, kind: str, key: str) -> tuple[str, bytes] | None:
        path = self._plain_entries(kind).get(key)
        data = None
        if path is not None:
            try:
                with open(path, "rb") as fh:
                    data = fh.read()
            except OSError:
                data = None
        if data is None or not hmac.compare_digest(path.rsplit(".", 1)[-1], self._mac(kind, key, data).hex()):
            self.misses += 1
            return None
        self.used.add((kind, key))
        self.hits += 1
        return path, data

    def link(self, kind: str, key: str, target: Path) -> bool:
        """Put the (plain) entry's output at ``target`` — a new file — by a hard link, or a copy
        where the two folders cannot share a file; False when there is no valid entry.

        A linked page and its entry are one file: whatever changes the page in place changes the
        entry too, and the next build finds the entry damaged (its HMAC) and renders the page again."""
        found = self._plain_get(kind, key)
        if found is None:
            return False
        path, data = found
        try:
            os.link(path, target)
        except OSError:
            with open(target, "wb") as fh:
                fh.write(data)
        return True

    def plain_mac(self, kind: str, key: str, data: bytes) -> str:
        """What ``adopt`` needs to take a file holding ``data`` as the entry (kind, key)."""
        return self._mac(kind, key, data).hex()

    def adopt(self, kind: str, key: str, path: Path, mac: str) -> None:
        """Make the file at ``path`` — written by this build, its bytes those ``plain_mac`` was given —
        the (plain) entry (kind, key), by a hard link (a copy across file systems): a full build's
        pages are not written twice. Had the file changed since, its name's HMAC no longer matches and
        the entry is ignored when read."""
        target = f"{self._path(kind, key)}.{mac}"
        old = self._plain_entries(kind).get(key)
        tmp = self._tmp / f"{os.getpid()}-{secrets.token_hex(8)}"
        try:
            _link_or_copy(path, tmp)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            os.replace(tmp, target)
            if old is not None and old != target:
                os.unlink(old)
        except OSError:
            tmp.unlink(missing_ok=True)
            return
        self._plain[kind][key] = target
        self.used.add((kind, key))

    def get(self, kind: str, key: str) -> bytes | None:
        """The entry's output, or None when there is none or it does not validate."""
        if kind in PLAIN_KINDS:
            found = self._plain_get(kind, key)
            return None if found is None else found[1]
        try:
            with open(self._path(kind, key), "rb") as fh:
                raw = fh.read()
        except OSError:
            self.misses += 1
            return None
        data = raw[_MAC:]
        if len(raw) < _MAC or not hmac.compare_digest(raw[:_MAC], self._mac(kind, key, data)):
            self.misses += 1
            return None
        self.used.add((kind, key))
        self.hits += 1
        return data

    def holds(self, kind: str) -> bool:
        """Whether there is any entry of ``kind`` at all (none read or checked)."""
        try:
            with os.scandir(os.path.join(self._base, kind)) as subs:
                return any(sub.is_dir(follow_symlinks=False) and os.listdir(sub.path) for sub in subs)
        except OSError:
            return False

    def has(self, kind: str, key: str) -> bool:
        """Whether there is an entry (not read: whoever relies on it reads it with ``get``, which
        checks it, before the build's output depends on it); kept by ``prune`` when there is."""
        if kind in PLAIN_KINDS:
            if key not in self._plain_entries(kind):
                return False
        elif not os.path.isfile(self._path(kind, key)):
            return False
        self.used.add((kind, key))
        return True

    def put(self, kind: str, key: str, data: bytes) -> None:
        """Store an entry, atomically (a killed build leaves the whole entry or none)."""
        target = self._path(kind, key)
        plain = kind in PLAIN_KINDS
        old = self._plain_entries(kind).get(key) if plain else None
        if plain:
            target = f"{target}.{self._mac(kind, key, data).hex()}"
        tmp = self._tmp / f"{os.getpid()}-{secrets.token_hex(8)}"
        try:
            with open(tmp, "wb") as fh:
                if not plain:
                    fh.write(self._mac(kind, key, data))
                fh.write(data)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            os.replace(tmp, target)
            if old is not None and old != target:
                os.unlink(old)
        except OSError:  # a full disk or a read-only cache costs speed, never the build
            tmp.unlink(missing_ok=True)
            return
        if plain:
            self._plain[kind][key] = target
        self.used.add((kind, key))

    def keep(self, entries: set[tuple[str, str]]) -> None:
        """Count entries a worker process used as used here too (for ``prune``)."""
        self.used |= entries

    def prune(self, kinds: tuple[str, ...] = KINDS) -> int:
        """Remove the entries of ``kinds`` this build did not use; how many were removed."""
        removed = 0
        for kind in kinds:
            base = self.folder / kind
            if not base.is_dir():
                continue
            for sub in os.scandir(base):
                if not sub.is_dir(follow_symlinks=False):
                    continue
                for entry in os.scandir(sub.path):
                    if (kind, sub.name + entry.name.split(".", 1)[0]) not in self.used:
                        removed += self._remove(entry.path)
        return removed

    def size(self) -> int:
        """Bytes on disk of every entry."""
        total = 0
        for dirpath, _dirs, files in os.walk(self.folder):
            for name in files:
                try:
                    total += os.lstat(os.path.join(dirpath, name)).st_size
                except OSError:
                    pass
        return total


class ShardReuse:
    """The search index's shards of the last build, reused when their shadow pages are the same
    (indexer.py ``index_shards``, in the indexer's process, which prunes the ``search`` and
    ``sbindex`` entries): a shard's texts (``search``: a bundle of its ``texts.jsonl``), and its
    folder of the index (``sbindex``: the list of its files with their SHA-256, the files kept
    beside the entries in ``sbindex-files/<key>/``, hard links of the site's own)."""

    def __init__(self, folder: Path) -> None:
        try:
            self.cache: SiteCache | None = SiteCache(folder)
        except OSError:  # an unwritable cache costs speed, never the index
            self.cache = None
        self.reused: list[str] = []
        self._keys: dict[Path, str] = {}

    def key(self, shadow_dir: Path, site: bool, key: str | None = None) -> str | None:
        """The shard's key: from its reports' keys (``shard_key``), else from its pages' bytes."""
        if self.cache is None:
            return None
        if key is None:
            key = digest(FORMAT, "shard", "site" if site else "", folder_digest(shadow_dir),
                         code_digest(), versions("opencc"))
        return key

    def fetch(self, shadow_dir: Path, out: Path, site: bool, key: str | None = None) -> bool:
        """Put the cached bundle of the shard ``shadow_dir`` into ``out``; False when there is none.
        ``key``: the shard's key from its reports' keys (``shard_key``), else its pages' bytes."""
        key = self.key(shadow_dir, site, key)
        if key is None:
            return False
        self._keys[Path(out)] = key
        data = self.cache.get("search", key)
        return data is not None and unpack_folder(data, Path(out))

    def take(self, bundle: Path, out: Path, key: str | None) -> bool:
        """Unpack the bundle the generator took from the cache (checked) for a shard whose pages it
        did not write into ``out``; the entry is kept (``finish`` prunes the others)."""
        if not unpack_folder(Path(bundle).read_bytes(), Path(out)):
            return False
        if key is not None and self.cache is not None:
            self.cache.used.add(("search", key))
        return True

    def store(self, out: Path) -> None:
        """Keep the bundle just written into ``out`` (after ``fetch`` found none)."""
        key = self._keys.get(Path(out))
        if key is not None and self.cache is not None:
            self.cache.put("search", key, pack_folder(Path(out)))

    # --- a shard's folder of the index (textindex.write_index) ----------------------------------
    def _files(self, key: str) -> Path:
        return self.cache.folder / "sbindex-files" / key

    def link_shard(self, key: str, parent: Path) -> dict | None:
        """The folder of the index an earlier build wrote for the shard ``key``, put into ``parent``
        (hard links, copies across file systems) once every file is checked against the signed
        list; its figures (``textindex.write_shard``), or None when there is none or a file is
        missing or differs (nothing is then left in ``parent``)."""
        if self.cache is None:
            return None
        data = self.cache.get("sbindex", key)
        if data is None:
            return None
        try:
            entry = json.loads(data)
            digests = entry.pop("digests")
            target = Path(parent) / entry["id"]
        except (ValueError, KeyError, TypeError):
            return None
        self.cache.used.add(("search", key))  # its texts: for the day a file here is damaged
        if target.exists():  # two shards of the same pages
            self.reused.append(key)
            return entry
        source = self._files(key)
        staged = Path(parent) / f".reused-{secrets.token_hex(8)}"
        try:
            staged.mkdir()
            _link_files(source, staged, digests)
            for rel, expected in digests.items():
                with open(f"{staged}/{rel}", "rb") as fh:  # checked where it now is: the file the site will serve
                    if hashlib.sha256(fh.read()).hexdigest() != expected:
                        raise ValueError(rel)
            os.replace(staged, target)
        except (OSError, ValueError):
            shutil.rmtree(staged, ignore_errors=True)
            return None
        self.reused.append(key)
        return entry

    def keep_shard(self, key: str, folder: Path, entry: dict) -> None:
        """Keep the folder of the index just written for the shard ``key`` (hard links of its
        files) and the signed list of its files."""
        if self.cache is None:
            return
        target = self._files(key)
        staged = self.cache.folder / "tmp" / f"{os.getpid()}-{secrets.token_hex(8)}"
        try:
            staged.mkdir(parents=True)
            _link_files(folder, staged, entry["digests"])
            if target.exists():
                shutil.rmtree(target)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staged, target)
        except OSError:  # a full disk or a read-only cache costs speed, never the build
            shutil.rmtree(staged, ignore_errors=True)
            return
        self.cache.put("sbindex", key, json.dumps(entry, sort_keys=True).encode())

    def finish(self) -> None:
        if self.cache is None:
            return
        self.cache.prune(("search", "sbindex"))
        files = self.cache.folder / "sbindex-files"
        if files.is_dir():  # the folders of the entries just pruned
            for sub in os.scandir(files):
                if ("sbindex", sub.name) not in self.cache.used:
                    shutil.rmtree(sub.path, ignore_errors=True)


def _link_or_copy(source, target) -> None:
    """``target`` becomes the file ``source`` (a hard link; a copy where the two are on different
    file systems)."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def _link_files(source: Path, target: Path, rels) -> None:
    """The files ``rels`` (relative names, "/"-separated) of the folder ``source`` into the folder
    ``target``, their subfolders made once each."""
    made = set()
    for rel in rels:
        sub = rel.rpartition("/")[0]
        if sub and sub not in made:
            (Path(target) / sub).mkdir(parents=True, exist_ok=True)
            made.add(sub)
        _link_or_copy(f"{source}/{rel}", f"{target}/{rel}")


def shard_key(shard: str, pages: list[str]) -> str:
    """The ``search`` key of a report shard from its pages' addresses and build cache keys, in the
    order their shadow pages are written (``Generator._plan_shards``)."""
    return digest(FORMAT, "shard-keys", shard, "\n".join(pages), code_digest(), versions("opencc"))


def folder_digest(folder: Path) -> bytes:
    """SHA-256 of a folder's files, names and bytes, folders in the order they list."""
    h = hashlib.sha256()
    for dirpath, _dirs, files in os.walk(folder):
        rel = os.path.relpath(dirpath, folder).encode("utf-8", "surrogateescape")
        h.update(b"D" + len(rel).to_bytes(8, "little") + rel)
        for name in files:
            with open(os.path.join(dirpath, name), "rb") as fh:
                data = fh.read()
            raw = name.encode("utf-8", "surrogateescape")
            h.update(b"F" + len(raw).to_bytes(8, "little") + raw + len(data).to_bytes(8, "little"))
            h.update(data)
    return h.digest()


def pack_folder(folder: Path) -> bytes:
    """A folder as one uncompressed tar (a cache entry)."""
    import io
    import tarfile

    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            tar.add(path, arcname=path.relative_to(folder).as_posix(), recursive=False)
    return buf.getvalue()


def unpack_folder(data: bytes, folder: Path) -> bool:
    """``pack_folder``'s tar into ``folder`` (regular files only, nothing outside it); False, and
    nothing left, when it cannot."""
    import io
    import shutil
    import tarfile

    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r") as tar:
            tar.extractall(folder, filter="data")
        return True
    except (tarfile.TarError, OSError, ValueError):
        shutil.rmtree(folder, ignore_errors=True)
        return False


def remove_dead_temporaries(folder: Path) -> None:
    """Remove the temporary files in ``folder`` whose writer (the process id their name starts with)
    is gone: a killed build's half-written entries."""
    for entry in os.scandir(folder):
        pid = entry.name.split("-", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            try:
                os.unlink(entry.path)
            except OSError:
                pass


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _secret(folder: Path) -> bytes:
    """``SHANGBAO_CACHE_SECRET``, or the random secret kept in ``folder`` (made on first use)."""
    env = os.environ.get(SECRET_ENV)
    if env:
        return env.encode("utf-8")
    path = folder / "secret"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    except FileExistsError:
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
            with os.fdopen(fd, "rb") as fh:
                data = fh.read(64)
            if len(data) == 32:
                return data
        except OSError:
            pass
        # unreadable or damaged: a new secret, which invalidates every entry (safe, only slower)
        path.unlink(missing_ok=True)
        return _secret(folder)
    data = secrets.token_bytes(32)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    return data


def default_folder(root: Path) -> Path | None:
    """Where the cache lives when no folder is given: ``SHANGBAO_CACHE_DIR``, else inside the git
    directory (``.git/shangbao/site``), where no commit can put a file; None outside git."""
    env = os.environ.get(FOLDER_ENV)
    if env:
        return Path(env)
    git = Path(root) / ".git"
    if git.is_dir():
        return git / "shangbao" / "site"
    try:
        out = subprocess.run(["git", "-C", str(root), "rev-parse", "--absolute-git-dir"], capture_output=True,
                             text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    if out.returncode != 0 or not out.stdout.strip():
        return None
    return Path(out.stdout.strip()) / "shangbao" / "site"


class CommittedCache(Exception):
    """The cache folder holds files committed to the repository: it is not used."""


def open_cache(root: Path, audience: str, folder: Path | None = None) -> SiteCache | None:
    """The cache of ``audience``'s builds of ``root`` (``folder``, or ``default_folder``), or None.

    CommittedCache when git tracks a file in the folder: a commit must never be able to bring its
    own cache (entries, or the secret that signs them) into a build."""
    base = Path(folder) if folder is not None else default_folder(root)
    if base is None:
        return None
    if _tracked(Path(root), base):
        raise CommittedCache(str(base))
    try:
        return SiteCache(base / audience)
    except OSError:
        return None


def _tracked(root: Path, folder: Path) -> bool:
    """Whether git tracks any file below ``folder`` (only a folder inside the work tree can)."""
    try:
        rel = folder.resolve().relative_to(root.resolve())
    except (ValueError, OSError):
        return False
    if rel.parts and rel.parts[0] == ".git":
        return False
    try:
        out = subprocess.run(["git", "-C", str(root), "ls-files", "-z", "--", rel.as_posix() or "."],
                             capture_output=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return False
    return out.returncode == 0 and bool(out.stdout)


def tree_digest(*folders: Path, suffix: str = "") -> str:
    """SHA-256 over the relative names and bytes of every file below ``folders`` (ending in
    ``suffix``), in a fixed order: the same files give the same digest wherever they are."""
    h = hashlib.sha256()
    for folder in folders:
        folder = Path(folder)
        h.update(b"\1")
        if not folder.is_dir():
            continue
        for path in sorted(p for p in folder.rglob("*" + suffix) if p.is_file()):
            try:
                data = path.read_bytes()
            except OSError:
                continue
            name = path.relative_to(folder).as_posix().encode("utf-8", "surrogateescape")
            h.update(len(name).to_bytes(8, "little") + name + len(data).to_bytes(8, "little"))
            h.update(data)
    return h.hexdigest()


@functools.cache
def code_digest() -> str:
    """``tree_digest`` of the generator's own Python files: new code may write any output anew.
    Read once per process (the code does not change while it runs), not once per key."""
    return tree_digest(Path(__file__).resolve().parents[1], suffix=".py")


def versions(*packages: str) -> str:
    """The installed versions of ``packages`` (a different version may render differently)."""
    from importlib.metadata import PackageNotFoundError, version

    out = []
    for name in packages:
        try:
            out.append(f"{name}={version(name)}")
        except PackageNotFoundError:
            out.append(f"{name}=-")
    return ",".join(out)
