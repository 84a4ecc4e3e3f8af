"""``shangbao build``: check → docs tree → ``mkdocs build`` and, at the same time, Pagefind → site/.

The site is built into a temporary folder next to the target and moved into place only
when every step succeeded, so a failed build never leaves a half-written site behind and
the old site stays online until the new one is complete.

One build at a time per repository: ``run_build`` holds an exclusive lock (``fcntl.flock`` on
``.git/shangbao-build.lock``, or ``build/.shangbao-build.lock`` outside git) and says so when it
waits for another. The kernel drops the lock when its holder dies, even by SIGKILL; the holder
then removes what dead builds left behind (``remove_stale``): temporary folders carry the id of
the process that made them, and a folder whose process is gone is removed.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import logging
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from ..config import Org
from ..feeds import write_feeds
from ..model import Report
from ..pool import WorkerLost
from ..timeparse import format_time
from .facts import Facts, collect
from ..project import PROJECT_DIR
from .generate import AUDIENCE_LABELS, GenerationError, Generator, css_string

# soft_wrap: a log (CI, a file) is not a terminal; a message wrapped at 80 columns is split mid-line
console = Console(stderr=True, highlight=False, soft_wrap=True)


class BuildError(Exception):
    """A step of the build failed; the message is Chinese and says what to do."""


@dataclass
class BuildResult:
    site_dir: Path
    pages: int
    reports: int
    timings: dict[str, float] = field(default_factory=dict)


def mkdocs_config_file(root: Path) -> Path:
    """The repository's mkdocs.yml, or the project's own when the repository has none."""
    own = root / "mkdocs.yml"
    return own if own.is_file() else PROJECT_DIR / "mkdocs.yml"


def _rules() -> dict:
    try:
        from ..rules import RULES
    except Exception:  # noqa: BLE001 - the help pages simply omit the catalogue
        return {}
    return dict(RULES)


def generate_tree(facts: Facts, root: Path, docs_dir: Path,
                  progress: Callable[[str, int, int], None] | None = None,
                  searchable_done: Callable[[], None] | None = None, shadow_dir: Path | None = None) -> list[str]:
    """Write the docs tree for ``facts`` into ``docs_dir`` (emptied first).

    ``searchable_done`` is called once every page the search index needs is written, and their
    shadow pages too when ``shadow_dir`` is given (search.py).
    """
    if docs_dir.exists():
        shutil.rmtree(docs_dir)
    docs_dir.mkdir(parents=True)
    gen = Generator(facts, root, docs_dir, _rules())
    gen.shadow_dir = shadow_dir
    return gen.generate(progress, searchable_done)


def update_tree(facts: Facts, root: Path, docs_dir: Path) -> tuple[list[str], list[str]]:
    """Regenerate ``docs_dir`` in place, touching only pages whose text changed.

    Returns (changed pages, removed pages); unchanged pages keep their mtime, so a dirty
    ``mkdocs build`` renders only what changed.
    """
    before = {p.relative_to(docs_dir).as_posix() for p in docs_dir.rglob("*.md")} if docs_dir.exists() else set()
    gen = Generator(facts, root, docs_dir, _rules())
    gen.keep_unchanged = True
    written = set(gen.generate())
    removed = sorted(before - written)
    for doc in removed:
        (docs_dir / doc).unlink(missing_ok=True)
    return gen.changed, removed


def run_mkdocs(root: Path, docs_dir: Path, site_dir: Path, org: Org, audience: str,
               live: bool = False, dirty: bool = False, as_of: dt.datetime | None = None) -> None:
    """``mkdocs build`` in-process with the root mkdocs.yml, docs_dir/site_dir overridden."""
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config
    from mkdocs.exceptions import MkDocsException

    logging.getLogger("mkdocs").setLevel(logging.WARNING)
    # a filter sees only what is logged on its own logger, not what children pass up
    logger = logging.getLogger("mkdocs.commands.build")
    if not any(isinstance(f, _DirtyNote) for f in logger.filters):
        logger.addFilter(_DirtyNote())
    name = "".join(ch for ch in org.organization if ch not in "<>&\"'") or "信息上报"
    try:
        cfg = load_config(
            config_file=str(mkdocs_config_file(root)),
            docs_dir=str(docs_dir),
            site_dir=str(site_dir),
            site_name=name,
        )
        cfg["extra"]["sb_audience_label"] = AUDIENCE_LABELS.get(audience, audience)
        cfg["extra"]["sb_print_org"] = css_string(org.organization)  # in the header of every printed page
        if audience != "public":
            _add_fill_nav(cfg)
        # reproducible: the same repository and --as-of give the same bytes (footer, sitemap dates,
        # sitemap.xml.gz header all come from as_of, never from the clock)
        moment = as_of or dt.datetime.now(org.timezone)
        cfg["extra"]["sb_built"] = format_time(moment, org.timezone)
        if live:
            cfg["extra"]["sb_live"] = True
        _once_per_depth(cfg)
        saved = os.environ.get("SOURCE_DATE_EPOCH")
        os.environ["SOURCE_DATE_EPOCH"] = str(int(moment.timestamp()))
        try:
            mkdocs_build(cfg, dirty=dirty)
        finally:
            if saved is None:
                os.environ.pop("SOURCE_DATE_EPOCH", None)
            else:
                os.environ["SOURCE_DATE_EPOCH"] = saved
    except MkDocsException as exc:
        raise BuildError(f"MkDocs 构建失败：{exc}") from exc


FILL_NAV = {"填报": "fill/index.md"}


def _add_fill_nav(cfg) -> None:
    """The 填报 page in the navigation, before 帮助 (internal and restricted builds have the page)."""
    nav = cfg.get("nav")
    if not isinstance(nav, list) or FILL_NAV in nav:
        return
    help_at = next((i for i, item in enumerate(nav) if isinstance(item, dict) and "帮助" in item), len(nav))
    nav.insert(help_at, dict(FILL_NAV))


def _once_per_depth(cfg) -> None:
    """Give this build's Jinja2 environment ``sb_parts`` and ``sb_keep`` (templates/overrides/main.html).

    Material renders its sidebars, style sheets, JSON configuration, scripts and header for every
    page, though on generated pages they depend only on the page's depth: most of MkDocs' time on
    10,000 report pages. The templates keep each such part the first time (``sb_keep``) and print
    the kept one after. This is MkDocs-only and lives here, not in the templates: they stay plain
    Jinja that Zensical's MiniJinja renders too (without the globals, it renders every part).
    Every build starts with no parts.
    """
    theme = cfg["theme"]
    make_env = type(theme).get_env
    parts: dict[str, str] = {}

    def keep(key: str, html: str) -> str:
        parts[key] = html
        return ""

    def get_env():
        env = make_env(theme)
        env.globals.update(sb_parts=parts, sb_keep=keep)
        return env

    theme.get_env = get_env


class _DirtyNote(logging.Filter):
    """Drop MkDocs' warning about dirty builds: serve uses them on purpose, for unchanged pages."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "'dirty' build" not in record.getMessage()


def run_pagefind(site_dir: Path, docs_dir: Path) -> None:
    """Index the site with Pagefind from its generated docs tree, every Chinese character pair
    searchable (see search.py)."""
    from .search import index_docs

    try:
        index_docs(docs_dir, Path(site_dir) / "pagefind")
    except (RuntimeError, OSError) as exc:
        raise BuildError(f"搜索索引（Pagefind）建立失败：\n{exc}") from exc


class _Indexer:
    """The search index built in a child process while the listing pages are generated and MkDocs
    renders the pages.

    The generator writes the shadow page of each searchable page (search.py) into ``shadow`` first
    (help and rule pages, then the reports' shadows, before the report pages themselves), on both
    cores; Pagefind starts as soon as the last one is written and runs beside the rest.
    """

    def __init__(self, parent: Path, pages: int = 0) -> None:
        self.staging = Path(tempfile.mkdtemp(prefix=f"{_INDEX_PREFIX}{os.getpid()}-", dir=parent))
        self.out = self.staging / "pagefind"
        # the shadow pages are read once by Pagefind and thrown away: in memory (tmpfs) when
        # there is room, where writing and removing ten thousand files costs next to nothing
        scratch = _scratch_dir(pages * SHADOW_BYTES)
        self.scratch = (Path(tempfile.mkdtemp(prefix=f"{_SCRATCH_PREFIX}{os.getpid()}-", dir=scratch))
                        if scratch else None)
        self.shadow = (self.scratch or self.staging) / "shadow"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        from .search import start_indexer

        self.shadow.mkdir(exist_ok=True)
        self.started = time.perf_counter()
        self.proc = start_indexer(self.shadow, self.out, shadows=True)

    def finish(self, site_dir: Path) -> float:
        """Wait for the index and move it to ``site_dir/pagefind``; the seconds it took in all."""
        from .search import finish_indexer

        try:
            took = finish_indexer(self.proc, self.out) or time.perf_counter() - self.started
            target = site_dir / "pagefind"
            if target.exists():
                shutil.rmtree(target)
            os.replace(self.out, target)
            return took
        except (RuntimeError, OSError) as exc:
            raise BuildError(f"搜索索引（Pagefind）建立失败：\n{exc}") from exc
        finally:
            self.close()

    def close(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.staging, ignore_errors=True)
        if self.scratch is not None:
            shutil.rmtree(self.scratch, ignore_errors=True)


#: room to ask for per page in the scratch folder (a shadow page is 11 KB on average at 10,000
#: synthetic reports; long bodies make more)
SHADOW_BYTES = 48 * 1024


#: the memory-backed folder for the shadow pages, when the machine has one
SCRATCH = "/dev/shm"
_SCRATCH_PREFIX = "sb-shadow-"


def _scratch_dir(needed: int) -> str | None:
    """A memory-backed folder (``SCRATCH``) with ``needed`` bytes free and as much to spare, or None.

    Shadow folders left there by a build that was killed (they would hold memory until the next
    reboot) are removed once they are a day old.
    """
    try:
        st = os.statvfs(SCRATCH)
    except OSError:
        return None
    if not os.access(SCRATCH, os.W_OK):
        return None
    day_ago = time.time() - 86400
    for old in Path(SCRATCH).glob(_SCRATCH_PREFIX + "*"):
        try:
            if _maker_is_gone(old.name, _SCRATCH_PREFIX, unnamed=False) or old.stat().st_mtime < day_ago:
                shutil.rmtree(old, ignore_errors=True)
        except OSError:
            pass
    free = st.f_bavail * st.f_frsize
    return SCRATCH if free >= needed * 2 else None


def build_site(root: Path, org: Org, reports: list[Report], audience: str, as_of: dt.datetime,
               site_dir: Path, publishable: list[Report] | None = None, problems: dict | None = None,
               docs_dir: Path | None = None, live: bool = False, quiet: bool = False) -> BuildResult:
    """Generate, build and index the site for ``audience`` into ``site_dir`` (atomically)."""
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    facts = collect(org, reports, audience, as_of, publishable, problems)
    if org.members:  # an upper organisation: its members' feeds, read before any page is written
        from ..members import read_members

        periods_all = facts.all_periods()
        facts.members = read_members(root, org, audience, [p.id for p in periods_all],
                                     [p.id for p in periods_all if p.kind == "annual"])
        timings["members"] = time.perf_counter() - t0
    docs_dir = docs_dir or root / "build" / f"docs-{audience}"
    site_dir = site_dir.resolve()
    site_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{site_dir.name}.building-{os.getpid()}-", dir=site_dir.parent))
    # mkdtemp makes the folder private (0700); the site is read by a web server running as another
    # user: give it the mode any new folder gets (0755 with the usual umask 022)
    os.chmod(tmp, 0o777 & ~_umask())
    indexer: _Indexer | None = None
    try:
        say = (lambda msg: None) if quiet else (lambda msg: console.print(msg))
        say(f"[bold]生成页面[/]：{len(facts.reports)} 份报告（{AUDIENCE_LABELS.get(audience, audience)}）…")
        indexer = _Indexer(site_dir.parent, len(facts.reports))
        # Pagefind starts (indexer.start) as soon as the shadow pages are written, beside the rest
        pages = _generate_with_progress(facts, root, docs_dir, quiet, indexer.start, indexer.shadow)
        timings["generate"] = time.perf_counter() - t0
        t1 = time.perf_counter()
        say(f"[bold]MkDocs 构建[/]：{len(pages)} 个页面，同时建立搜索索引（Pagefind）…")
        if indexer.proc is None:
            indexer.start()
        run_mkdocs(root, docs_dir, tmp, org, audience, live=live, as_of=as_of)
        timings["mkdocs"] = time.perf_counter() - t1
        write_feeds(facts, tmp / "feed")  # site/feed/ for the upper organisation and other systems
        t2 = time.perf_counter()
        timings["pagefind"] = indexer.finish(tmp)
        timings["pagefind_wait"] = time.perf_counter() - t2
        _swap(tmp, site_dir)
    except BaseException:
        if indexer is not None:
            indexer.close()
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    timings["total"] = time.perf_counter() - t0
    return BuildResult(site_dir, len(pages), len(facts.reports), timings)


def _generate_with_progress(facts: Facts, root: Path, docs_dir: Path, quiet: bool,
                            searchable_done: Callable[[], None] | None = None,
                            shadow_dir: Path | None = None) -> list[str]:
    if quiet or not console.is_terminal:
        return generate_tree(facts, root, docs_dir, searchable_done=searchable_done, shadow_dir=shadow_dir)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    # no refresh thread (auto_refresh=False): the generator forks a second process for the report
    # pages, and never does so while the process has another thread
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, transient=True, auto_refresh=False) as bar:
        task = bar.add_task("生成页面", total=None)
        shown = [0.0]

        def progress(what: str, done: int, total: int) -> None:
            bar.update(task, description=what, completed=done, total=total)
            now = time.perf_counter()
            if now - shown[0] > 0.1 or done >= total:
                shown[0] = now
                bar.refresh()

        return generate_tree(facts, root, docs_dir, progress, searchable_done, shadow_dir)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _swap(new: Path, target: Path) -> None:
    """Put ``new`` where ``target`` is, replacing it with as short a gap as possible."""
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}.old-{os.getpid()}-{time.time_ns()}")
        os.replace(target, old)
    os.replace(new, target)
    if old is not None:
        remove_tree(old)


def remove_tree(path: Path) -> None:
    """Remove ``path`` and everything in it, read-only folders included (a site made read-only by
    hand, or by a web server's deploy script, would otherwise stay behind as a copy)."""
    def writable_then_retry(func, name, _exc) -> None:
        try:
            os.chmod(os.path.dirname(name), 0o700)
            if os.path.isdir(name) and not os.path.islink(name):
                os.chmod(name, 0o700)
            func(name)
        except OSError:
            pass

    shutil.rmtree(path, onerror=writable_then_retry)


#: the prefixes of the temporary folders a build makes (followed by the id of its process)
_INDEX_PREFIX = ".sb-index-"


def _maker_is_gone(name: str, prefix: str, unnamed: bool = True) -> bool:
    """Whether the process whose id follows ``prefix`` in ``name`` has ended; ``unnamed`` for a name
    without an id (an older version's folder)."""
    pid = name[len(prefix):].split("-", 1)[0]
    if not pid.isdigit():
        return unnamed
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # another user's process
        return False
    return False


def remove_stale(site_dir: Path) -> list[Path]:
    """Remove the temporary folders builds that died left next to ``site_dir`` and in /dev/shm."""
    removed = []
    parent = site_dir.parent
    for prefix in (f".{site_dir.name}.building-", f".{site_dir.name}.old-", _INDEX_PREFIX):
        for path in parent.glob(prefix + "*"):
            if path.is_dir() and _maker_is_gone(path.name, prefix):
                remove_tree(path)
                removed.append(path)
    if os.path.isdir(SCRATCH):
        for path in Path(SCRATCH).glob(_SCRATCH_PREFIX + "*"):
            # shared by every repository on the machine: only folders whose process is known and gone
            if path.is_dir() and os.access(path, os.W_OK) and _maker_is_gone(path.name, _SCRATCH_PREFIX,
                                                                             unnamed=False):
                remove_tree(path)
                removed.append(path)
    return removed


def lock_path(root: Path) -> Path:
    """Where builds of ``root`` take turns: inside ``.git/`` (never committed), else in ``build/``."""
    git = root / ".git"
    if git.is_dir():
        return git / "shangbao-build.lock"
    (root / "build").mkdir(parents=True, exist_ok=True)
    return root / "build" / ".shangbao-build.lock"


class BuildLock:
    """One build at a time per repository; a second one waits and says so (in Chinese)."""

    def __init__(self, root: Path, say: Callable[[str], None]) -> None:
        self.path = lock_path(root)
        self.say = say
        self.fd = -1

    def __enter__(self) -> BuildLock:
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(self.fd, 32, 0).decode("ascii", "replace").strip() or "？"
            self.say(f"另一个构建正在进行（进程 {holder}），等它完成后再开始构建……")
            fcntl.flock(self.fd, fcntl.LOCK_EX)
            self.say("前一个构建已结束，开始构建。")
        os.ftruncate(self.fd, 0)
        os.pwrite(self.fd, str(os.getpid()).encode(), 0)
        return self

    def __exit__(self, *_: object) -> None:
        os.close(self.fd)  # closing the file releases the lock


def _print_errors(repo) -> None:
    unpublishable = repo.unpublishable()
    count = sum(len(v) for v in unpublishable.values())
    console.print(f"[bold red]拒绝发布[/]：{len(unpublishable)} 个文件有 {count} 处错误，网站未更新。"
                  "请先修正下列问题（运行 shangbao check 可查看全部），再重新构建：")
    shown = 0
    for _path, findings in sorted(unpublishable.items()):
        for f in findings:
            if shown >= 50:
                break
            console.print(f"  {f.path}:{f.line}:{f.column}: {f.code} {f.message}", markup=False)
            shown += 1
    if count > shown:
        console.print(f"  ……另有 {count - shown} 处错误未列出。")


def load(root: Path, as_of: dt.datetime | None):
    from ..repository import load_repository

    return load_repository(root, as_of=as_of)


def run_build(root: Path, audience: str, site_dir: Path | None, as_of: dt.datetime | None) -> int:
    root = Path(root)
    site_dir = Path(site_dir) if site_dir is not None else root / "site"
    if not site_dir.is_absolute():
        site_dir = Path.cwd() / site_dir
    t0 = time.perf_counter()
    with BuildLock(root, console.print):
        remove_stale(site_dir)
        console.print("[bold]检查报告[/]…")
        repo = load(root, as_of)
        if repo.errors:
            _print_errors(repo)
            return 1
        try:
            result = build_site(root, repo.org, repo.reports, audience, repo.as_of, site_dir,
                                publishable=repo.publishable(audience), problems=repo.unpublishable())
        except (BuildError, GenerationError, WorkerLost) as exc:
            console.print(f"[bold red]构建失败[/]：{escape(str(exc))}")
            return 1
    total = time.perf_counter() - t0
    t = result.timings
    if "members" in t:
        console.print(f"下级单位：读取 {len(repo.org.members)} 个下级单位的数据源用时 {t['members']:.1f} 秒")
    console.print(
        f"[green]完成[/]：{result.reports} 份报告，{result.pages} 个页面 → {result.site_dir}"
        f"（检查 {total - t['total']:.1f} 秒，生成 {t['generate']:.1f} 秒，MkDocs {t['mkdocs']:.1f} 秒，"
        f"索引 {t['pagefind']:.1f} 秒，与 MkDocs 同时进行，另等 {t['pagefind_wait']:.1f} 秒）"
    )
    return 0
