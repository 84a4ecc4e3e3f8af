"""The indexer: the child process that writes the site's search index (``sb-index/``) from the
pages' texts (search.py: shadows and shards) with ``textindex.write_index``, beside MkDocs.

``start_indexer`` starts it (``python -I``: no repository file can stand in for a module), a build
waits for it with ``finish_indexer``; ``serve`` stops and restarts it (``stop_indexer``) when a newer
edit comes first. It dies with its parent (``pool.die_with_parent``).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from ..pool import die_with_parent
from .search import BUNDLE_SUFFIX, SHARD_KEYS, SITE_SHARD, TEXTS_FILE, index_shard, shard_order, write_shadow_docs
from .textindex import write_index


def _texts(bundle: Path) -> Iterator[dict]:
    with open(bundle / TEXTS_FILE, encoding="utf-8") as f:
        for line in f:
            yield json.loads(line)


def index_shards(shadow_dir: Path, out: Path, reuse=None) -> list[str]:
    """The index (``textindex.write_index``) of every shard under ``shadow_dir`` (a folder per shard,
    ``site`` for the pages that are not reports) written into ``out``: the reports' shards newest
    first, the site's own pages last. With ``reuse`` (the build cache's ``cache.ShardReuse``) a
    shard whose pages did not change takes its folder of the index from an earlier build (checked);
    the others are written from their texts (``index_shard``, or the cached texts of a shard whose
    shadow pages the generator did not write). The report shards' names, newest first."""
    keys: dict[str, str] = {}
    if reuse is not None and (shadow_dir / SHARD_KEYS).is_file():
        keys = json.loads((shadow_dir / SHARD_KEYS).read_text(encoding="utf-8"))
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    bundles = Path(tempfile.mkdtemp(prefix=".sb-shards-", dir=out.parent))

    def shard_texts(pages: Path, site: bool, key: str | None) -> Iterator[dict]:
        bundle = bundles / pages.name
        given = shadow_dir / f"{pages.name}{BUNDLE_SUFFIX}"
        if reuse is not None and given.is_file():  # the generator wrote no shadow page for it
            if not reuse.take(given, bundle, key):
                raise RuntimeError(f"无法展开构建缓存中的搜索索引分片 {pages.name}，请删除构建缓存后重新构建")
        elif not (reuse is not None and reuse.fetch(pages, bundle, site, key)):
            index_shard(pages, bundle)
            if reuse is not None:
                reuse.store(bundle)
        return _texts(bundle)

    def shard(name: str, site: bool = False):
        pages = shadow_dir / name
        given = (shadow_dir / f"{name}{BUNDLE_SUFFIX}").is_file()
        if not given:
            pages.mkdir(parents=True, exist_ok=True)
        key = keys.get(name) if given or reuse is None else reuse.key(pages, site, keys.get(name))
        return (key, lambda: shard_texts(pages, site, key))

    try:
        shards = shard_order({*(p.name for p in shadow_dir.iterdir() if p.is_dir() and p.name != SITE_SHARD),
                              *keys}) if shadow_dir.is_dir() else []
        write_index([shard(name) for name in shards] + [shard(SITE_SHARD, site=True)], out, reuse)
    finally:
        shutil.rmtree(bundles, ignore_errors=True)
    return shards


def index_docs(docs_dir: Path, out: Path) -> None:
    """Build the index of the docs tree ``docs_dir`` into the folder ``out``.

    Needs only the generated Markdown, not the MkDocs HTML, so it runs while MkDocs builds
    (``start_indexer``). The URLs are the ones MkDocs gives the pages (``use_directory_urls: false``).
    """
    docs_dir, out = Path(docs_dir), Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".sb-search-", dir=out.parent) as tmp:
        write_shadow_docs(docs_dir, Path(tmp) / "shadow")
        staged = Path(tmp) / "out"
        index_shards(Path(tmp) / "shadow", staged)
        if out.exists():
            shutil.rmtree(out)
        os.replace(staged, out)


def start_indexer(docs_dir: Path, out: Path, shadows: bool = False, session: bool = False,
                  cache_dir: Path | None = None) -> subprocess.Popen:
    """``index_docs`` in a child process (the other core), started now; see ``finish_indexer``.

    With ``shadows`` the folder holds the shadow pages already (written by the generator before
    the pages themselves, see ``Generator.report_shadow``) and the child only indexes them.
    With ``session`` the child leads a process group of its own, so that ``stop_indexer`` stops
    it (serve restarts the index when a newer edit arrives). With ``cache_dir`` (and
    ``shadows``) unchanged shards come from the build cache (``index_shards``).
    """
    cmd = [*_isolated_main("generator.site.indexer"), *(["--shadows"] if shadows else []),
           *(["--cache", str(Path(cache_dir).resolve())] if shadows and cache_dir is not None else []),
           str(Path(docs_dir).resolve()), str(Path(out).resolve())]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=str(_PROJECT_ROOT),
                            start_new_session=session,
                            # a killed build takes its indexer along (serve's runs in a session of its own)
                            preexec_fn=None if session else die_with_parent)


def _isolated_main(module: str) -> list[str]:
    """A command that runs ``module.main()`` with ``python -I``: neither the working directory nor
    PYTHONPATH is on sys.path, so no repository file can stand in for a module. The generator's
    own folder is appended after the standard library (for a checkout that is not installed)."""
    code = (f"import sys; sys.path.append({str(_PROJECT_ROOT)!r}); "
            f"from {module} import main; sys.exit(main())")
    return [sys.executable, "-I", "-c", code]


def stop_indexer(proc: subprocess.Popen) -> None:
    """Stop an indexer started with ``session=True``; its temporary files go too.
    (Its output is left to whoever reads it.)"""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    proc.wait()


def finish_indexer(proc: subprocess.Popen, out: Path) -> float:
    """Wait for the indexer; the seconds it worked. RuntimeError with its output when it failed."""
    output, _ = proc.communicate()
    text = output.decode("utf-8", "replace").strip()
    if proc.returncode != 0 or not Path(out).is_dir():
        raise RuntimeError(text or "没有生成搜索索引")
    try:
        return float(text.splitlines()[-1])
    except (IndexError, ValueError):
        return 0.0


_PROJECT_ROOT = Path(__file__).resolve().parents[2]


def main(argv: list[str] | None = None) -> int:
    """``python -m generator.site.indexer [--shadows [--cache DIR]] DOCS_DIR OUT_DIR``: what
    ``start_indexer`` runs."""
    args = sys.argv[1:] if argv is None else argv
    import time

    # stopped (stop_indexer): unwind, so that the temporary shadow folder is removed
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    started = time.perf_counter()
    try:
        if args[0] == "--shadows" and args[1] == "--cache":
            from .cache import REUSED_FILE, ShardReuse

            reuse = ShardReuse(Path(args[2]))
            shards = index_shards(Path(args[3]), Path(args[4]), reuse)
            reuse.finish()
            (Path(args[4]).parent / REUSED_FILE).write_text(f"{len(reuse.reused)}/{len(shards) + 1}\n",
                                                            encoding="utf-8")
        elif args[0] == "--shadows":
            index_shards(Path(args[1]), Path(args[2]))
        else:
            index_docs(Path(args[0]), Path(args[1]))
    except (RuntimeError, OSError) as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"{time.perf_counter() - started:.3f}")  # read by finish_indexer
    return 0


if __name__ == "__main__":
    sys.exit(main())
