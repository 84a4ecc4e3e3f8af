"""``shangbao build``: check → docs tree → ``mkdocs build`` and, at the same time, the search index → site/.

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
import gc
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
from .. import pool
from ..pool import WorkerLost, threads_map, usable_cores
from .facts import Facts, collect
from ..project import PROJECT_DIR
from ..check_cache import CheckCache, open_beside
from .cache import (FORMAT, MARKED_HTML, REUSED_FILE, CommittedCache, SiteCache, code_digest, digest, open_cache, tree_digest,
                    versions)
from .generate import AUDIENCE_LABELS, GenerationError, Generator, css_string, frozen_heap, heap_frozen
from .search import INDEX_DIR
from .urls import html_path

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
    reused_pages: int = 0  # pages copied from the build cache instead of rendered
    reused_index: str = ""  # search index shards reused, "N/M"


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
                  searchable_done: Callable[[], None] | None = None, shadow_dir: Path | None = None,
                  cache: SiteCache | None = None) -> list[str]:
    """Write the docs tree for ``facts`` into ``docs_dir`` (emptied first).

    ``searchable_done`` is called once every page the search index needs is written, and their
    shadow pages too when ``shadow_dir`` is given (search.py). With ``cache`` a report's pages whose
    inputs are those of an earlier build are taken from it (cache.py).
    """
    return _generate(facts, root, docs_dir, progress, searchable_done, shadow_dir, cache).written


def _generate(facts: Facts, root: Path, docs_dir: Path, progress: Callable[[str, int, int], None] | None = None,
              searchable_done: Callable[[], None] | None = None, shadow_dir: Path | None = None,
              cache: SiteCache | None = None, defer: bool = False,
              shadow_fit: Callable[[int], None] | None = None) -> Generator:
    """``generate_tree``; the generator, whose ``deferred`` report pages (``defer``, with ``cache``)
    were not written: ``run_mkdocs`` takes their HTML from the cache or has them written then.
    ``shadow_fit`` is told how many report shadows it writes once the cache's shards are known."""
    prefix = f".{docs_dir.name}.old-"
    for stale in docs_dir.parent.glob(prefix + "*"):  # what an earlier build's removal left
        if stale.is_dir() and _maker_is_gone(stale.name, prefix):
            remove_tree(stale)
    if docs_dir.exists():
        # the docs pages of a full build (50,000 of them) are removed after the build, as an old site is
        old = docs_dir.with_name(f"{prefix}{os.getpid()}-{time.time_ns()}")
        os.replace(docs_dir, old)
        if not (defer and _remove_later(old)):
            remove_tree(old)
    docs_dir.mkdir(parents=True)
    gen = _generator(facts, root, docs_dir, cache)
    gen.shadow_dir = shadow_dir
    gen.shadow_fit = shadow_fit
    gen.defer_pages = defer and cache is not None
    gen.generate(progress, searchable_done)
    return gen


def _generator(facts: Facts, root: Path, docs_dir: Path, cache: SiteCache | None) -> Generator:
    """A generator of ``docs_dir`` that takes from ``cache`` the pages an earlier build made."""
    gen = Generator(facts, root, docs_dir, _rules())
    if cache is not None:
        gen.cache = cache
        gen.cache_key = gen.generation_key()
    return gen


def update_tree(facts: Facts, root: Path, docs_dir: Path,
                cache: SiteCache | None = None) -> tuple[list[str], list[str]]:
    """Regenerate ``docs_dir`` in place, touching only pages whose text changed (with ``cache``,
    the pages whose inputs did not change are not even rendered).

    Returns (changed pages, removed pages); unchanged pages keep their mtime, so a dirty
    ``mkdocs build`` renders only what changed.
    """
    before = {p.relative_to(docs_dir).as_posix() for p in docs_dir.rglob("*.md")} if docs_dir.exists() else set()
    gen = _generator(facts, root, docs_dir, cache)
    gen.keep_unchanged = True
    written = set(gen.generate())
    removed = sorted(before - written)
    for doc in removed:
        (docs_dir / doc).unlink(missing_ok=True)
    return gen.changed, removed


def run_mkdocs(root: Path, docs_dir: Path, site_dir: Path, org: Org, audience: str,
               live: bool = False, dirty: bool = False, as_of: dt.datetime | None = None,
               cache: SiteCache | None = None, generated: Generator | None = None, pages_only: bool = False,
               compiled=None) -> int:
    """``mkdocs build`` in-process with the root mkdocs.yml, docs_dir/site_dir overridden.

    With ``cache``, a page whose docs page, configuration, theme and navigation are those of an
    earlier build is copied from the cache instead of being rendered (``_PageCache``); returns how
    many pages were. ``generated`` is the generator of ``docs_dir``: its report pages are keyed by
    their inputs, and the ones it deferred (not written) are written now if their HTML is not reused.
    ``pages_only``: only the docs pages are written, not the theme's files, 404 page and sitemap (serve
    renders a few pages this way, live_pages.py). ``compiled``: a Jinja2 bytecode cache for the theme's
    templates (kept by serve from one edit to the next)."""
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
        # reproducible: the same repository and --as-of give the same bytes (whatever MkDocs dates
        # comes from as_of through SOURCE_DATE_EPOCH, never from the clock). No page prints the build
        # time: a page whose content did not change stays the same file from one build to the next
        # (the build cache links it, _PageCache); the pages that count with the as-of print it
        # ("统计截至").
        moment = as_of or dt.datetime.now(org.timezone)
        if live:
            cfg["extra"]["sb_live"] = True
        _once_per_depth(cfg, compiled)
        # no sitemap.xml: an intranet site has no crawler to read it, and it would list every page — a
        # page the build cache gives is never an MkDocs page (_PageCache), so a cached build's sitemap
        # would not be the full build's
        cfg["theme"].static_templates.discard("sitemap.xml")
        cfg["plugins"]["shangbao-html-pages"] = _HtmlPages()
        if pages_only:
            cfg["theme"].static_templates.clear()
            cfg["plugins"]["shangbao-pages-only"] = _PagesOnly()
        reused = 0
        pages = None
        sources = cfg["plugins"]["shangbao-sources"] = _Sources()
        # (strict mode fails a build on a page's warnings, which a page taken from the cache would not give)
        if cache is not None and not live and not cfg["strict"]:
            pages = _PageCache(cache, cfg, root, docs_dir, site_dir, generated)
            sources.texts.update(pages.marked)
            reused = len(pages.reused)
            cfg["plugins"]["shangbao-page-cache"] = pages
            dirty = dirty or reused > 0  # MkDocs must not empty the site the reused pages are in
        elif generated is not None:
            for doc in list(generated.deferred):
                generated.materialise(doc)
        share = [] if live or pages_only else _second_share(cfg, docs_dir, pages)
        if share:
            dirty = True  # two processes write into the (new) site: neither may empty it
        saved = os.environ.get("SOURCE_DATE_EPOCH")
        os.environ["SOURCE_DATE_EPOCH"] = str(int(moment.timestamp()))
        try:
            if share:
                _build_in_two(cfg, share, pages)
            else:
                mkdocs_build(cfg, dirty=dirty)
            if pages is not None:
                pages.store()
        finally:
            if saved is None:
                os.environ.pop("SOURCE_DATE_EPOCH", None)
            else:
                os.environ["SOURCE_DATE_EPOCH"] = saved
    except MkDocsException as exc:
        raise BuildError(f"MkDocs 构建失败：{exc}") from exc
    return reused


#: from how many pages to render MkDocs renders on a second process too (``_build_in_two``)
SPLIT_FROM = 2000


def _second_share(cfg, docs_dir: Path, pages: _PageCache | None) -> list[str]:
    """The docs pages a second process renders (``_build_in_two``): every other page to render but
    the navigation's, when there are ``SPLIT_FROM`` of them, more than one usable core, and no
    plugin but shangbao's own (another plugin may gather pages from all of them: it must see all)."""
    if cfg["strict"] or any(not name.startswith("shangbao-") for name in cfg["plugins"]):
        return []
    nav = _nav_docs(cfg.get("nav"))
    skip = pages.reused if pages is not None else set()
    docs = sorted(doc for doc in (path.relative_to(docs_dir).as_posix() for path in _doc_pages(docs_dir))
                  if doc not in nav and doc not in skip)
    return docs[1::2] if pool.worth_it(len(docs), SPLIT_FROM) else []


def _build_in_two(cfg, share: list[str], pages: _PageCache | None) -> None:
    """``mkdocs build`` of the docs pages with ``share`` rendered by a forked process meanwhile:
    MkDocs renders on one core, and Material's template takes about a millisecond a page.

    Each page is rendered from its own docs page, the configuration and the navigation: leaving
    pages out of a build changes none of the others (the build cache relies on it too, ``_PageCache``).
    The second process sees the navigation's pages (their titles make the navigation) but writes
    them nowhere, and writes no theme file; the pages it rendered go to the build cache here."""
    from mkdocs.commands.build import build as mkdocs_build

    cfg["plugins"]["shangbao-share"] = _Share(set(share), _nav_docs(cfg.get("nav")), second=False)
    # what both processes hold (the reports, the generator's facts) out of the collector's sight: its
    # rounds in the worker would write into every object's header, copying the parent's memory
    with frozen_heap(), pool.Pool(1, (cfg, share, pages)) as workers:
        future = workers.submit(_render_second_share)
        mkdocs_build(cfg, dirty=True)
        fresh, used = workers.result(future)
    if pages is not None:
        pages.fresh.extend(fresh)
        pages.cache.keep(used)


def _render_second_share() -> tuple[list[tuple[str, str, str]], set]:
    """A worker's task (``_build_in_two``): MkDocs on the pages of the share only; what the build cache
    needs of them (``_PageCache.fresh``, and the entries it wrote)."""
    from mkdocs.commands.build import build as mkdocs_build

    cfg, share, pages = pool.worker_state()
    nav = _nav_docs(cfg.get("nav"))
    cfg["plugins"]["shangbao-share"].second = True  # (a plugin put in again would run twice)
    # the navigation's pages give only their titles here (all the navigation shows of them): whole,
    # they would cost time and warn of links to pages this process does not have
    for doc in nav:
        titles = title_lines(Path(cfg["docs_dir"]) / doc) if (Path(cfg["docs_dir"]) / doc).is_file() else []
        if titles:
            cfg["plugins"]["shangbao-sources"].texts[doc] = "---\n" + b"\n".join(titles).decode("utf-8") + "\n---\n"
    cfg["theme"].static_templates.clear()
    if pages is not None:
        pages.fresh, pages.cache.used = [], set()
    mkdocs_build(cfg, dirty=True)
    return (pages.fresh, pages.cache.used) if pages is not None else ([], set())


class _Sources:
    """An MkDocs plugin giving some docs pages a text other than their file's (MkDocs lets one plugin
    do so): a page that prints the as-of is rendered from its text with the marks (``_PageCache``:
    the marks pass through MkDocs and the theme as they are, and its ``on_post_page`` stamps them);
    the second process of ``_build_in_two`` renders the navigation's pages from their titles only."""

    def __init__(self) -> None:
        self.texts: dict[str, str] = {}

    def on_page_read_source(self, page, config):
        return self.texts.get(page.file.src_uri)


class _Share:
    """An MkDocs plugin splitting the pages between two processes (``_build_in_two``): the first
    renders every file but ``share``; the second (``second``) only the docs pages of ``share``, and
    the navigation's pages, which it needs and throws away."""

    def __init__(self, share: set[str], nav: set[str], second: bool) -> None:
        self.share, self.nav, self.second = share, nav, second

    def on_files(self, files, config):
        from mkdocs.structure.files import Files

        if not self.second:
            return Files([f for f in files if f.src_uri not in self.share])
        kept = [f for f in files.documentation_pages() if f.src_uri in self.share or f.src_uri in self.nav]
        for f in kept:
            if f.src_uri not in self.share:
                f.abs_dest_path = os.devnull  # the first process writes it
        return Files(kept)



def _nav_docs(nav) -> set[str]:
    """The docs pages the navigation lists (mkdocs.yml ``nav``)."""
    out: set[str] = set()
    items = list(nav) if isinstance(nav, list) else [nav]
    while items:
        item = items.pop()
        if isinstance(item, str):
            out.add(item)
        elif isinstance(item, dict):
            items.extend(item.values())
        elif isinstance(item, list):
            items.extend(item)
    return out


class _PageCache:
    """The pages of this MkDocs run that an earlier build rendered from the same inputs, linked from
    the build cache (cache.py ``link``: the entry is the page itself) into the site before MkDocs
    runs and skipped by it; the others are rendered and stored (``on_post_page``).

    A page's key is its docs page's bytes and address plus ``_site_key`` (the MkDocs configuration,
    theme overrides, navigation, versions, code); a report page's is its key in the generator (its
    inputs: its docs page is made from them and nothing else) in place of the bytes, so that a
    report page reused here needs no docs page at all: the generator did not write it (``deferred``).
    A reused page is never one of MkDocs' files (``on_files``). A deferred page whose HTML is not
    reused is written now (``Generator.materialise``) and rendered. The pages of the navigation are always rendered:
    their titles and order are read from them. No page carries the build time, so a page made from
    the same inputs is the same bytes in every build.
    """

    def __init__(self, cache: SiteCache, cfg, root: Path, docs_dir: Path, site_dir: Path,
                 generated: Generator | None = None) -> None:
        self.cache = cache
        self.nav_docs = _nav_docs(cfg.get("nav"))
        self.site_key = _site_key(cfg, root, docs_dir, self.nav_docs)
        self.keys: dict[str, str] = {}
        self.reused: set[str] = set()
        self.docs_dir = Path(docs_dir)
        page_keys = generated.page_keys if generated is not None else {}
        deferred = dict(generated.deferred) if generated is not None else {}
        marked = generated.marked if generated is not None else {}
        self.generated = generated
        #: the pages that print the as-of and are rendered this time: their text with the marks
        #: (rendered from it, ``_Sources``), whose HTML becomes the entry before it is stamped (``on_post_page``)
        self.marked: dict[str, str] = {}
        #: the pages rendered this time: (key, where MkDocs writes it, its HMAC), stored by ``store``
        self.fresh: list[tuple[str, str, str]] = []
        docs = [path.relative_to(self.docs_dir).as_posix() for path in _doc_pages(self.docs_dir)]
        site, made = str(site_dir), set()
        wanted: list[tuple[str, str, str]] = []  # (docs page, key, where its HTML goes)
        stamped: list[tuple[str, str, str]] = []  # the same, of the pages that print the as-of
        for doc in [*docs, *deferred]:
            if doc in self.nav_docs:
                continue
            inputs = page_keys.get(doc)
            text = marked.get(doc)
            if inputs is not None:
                self.keys[doc] = key = digest(self.site_key, doc, "report", inputs)
            elif text is not None:  # keyed without the as-of: its HTML is kept for later as-ofs
                self.keys[doc] = key = digest(self.site_key, doc, "marked", text)
            else:
                self.keys[doc] = key = digest(self.site_key, doc, (self.docs_dir / doc).read_bytes())
            target = os.path.join(site, html_path(doc))
            folder = os.path.dirname(target)
            if folder not in made:
                os.makedirs(folder, exist_ok=True)
                made.add(folder)
            (wanted if text is None else stamped).append((doc, key, target))
        for doc, key, target in stamped:
            html = cache.get(MARKED_HTML, key)
            if html is None:
                self.marked[doc] = marked[doc]
                continue
            with open(target, "wb") as fh:
                fh.write(generated.stamp(html.decode("utf-8")).encode("utf-8"))
            self.reused.add(doc)
        # reading, checking and linking tens of thousands of entries waits on the disk: a few threads
        linked = threads_map(lambda item: cache.link("html", item[1], item[2]), wanted, usable_cores(), chunksize=64)
        for (doc, _key, _target), ok in zip(wanted, linked):
            if ok:
                self.reused.add(doc)
            elif doc in deferred:
                generated.materialise(doc)

    # MkDocs calls a plugin's methods by event name (on_<event>)
    def on_files(self, files, config):
        # a reused page is in the site already: MkDocs never sees it (no Page, no navigation entry,
        # nothing rendered), so its time grows with the pages rendered, not with the site
        from mkdocs.structure.files import Files

        return Files([f for f in files if f.src_uri not in self.reused])

    def on_post_page(self, output: str, page, config) -> str:
        doc = page.file.src_uri
        if doc in self.marked:
            self.cache.put(MARKED_HTML, self.keys[doc], output.encode("utf-8", errors="xmlcharrefreplace"))
            return self.generated.stamp(output)
        key = self.keys.get(doc)
        if key is not None and doc not in self.reused:
            html = output.encode("utf-8", errors="xmlcharrefreplace")  # what MkDocs writes
            self.fresh.append((key, page.file.abs_dest_path, self.cache.plain_mac("html", key, html)))
        return output

    def store(self) -> None:
        """After MkDocs wrote the site: the pages it rendered become entries (linked, not copied)."""
        for key, path, mac in self.fresh:
            self.cache.adopt("html", key, Path(path), mac)
        self.fresh.clear()


def _doc_pages(docs_dir: Path) -> list[Path]:
    return [p for p in docs_dir.rglob("*.md") if p.relative_to(docs_dir).parts[0] != "assets"]


def _site_key(cfg, root: Path, docs_dir: Path, nav_docs: set[str]) -> str:
    """What every rendered page depends on besides its own docs page (``_PageCache``)."""
    extra = dict(cfg["extra"])
    titles = []
    for doc in sorted(nav_docs):  # a navigation entry without a title shows its page's title
        try:
            titles.append((doc, title_lines(docs_dir / doc)))
        except OSError:
            titles.append((doc, b""))
    theme_dirs = [Path(d) for d in cfg["theme"].dirs if "site-packages" not in d and "dist-packages" not in d]
    return digest(FORMAT, mkdocs_config_file(root).read_bytes(), str(cfg["site_name"]), repr(sorted(extra.items())),
                  repr(cfg.get("nav")), repr(titles), tree_digest(*theme_dirs),
                  code_digest(),
                  versions("mkdocs", "mkdocs-material", "pymdown-extensions", "markdown", "jinja2", "markupsafe"))


def title_lines(page: Path) -> list[bytes]:
    """The ``title:`` lines of a docs page's front matter: all the navigation shows of a page."""
    front = page.read_bytes().split(b"\n---\n", 1)[0]
    return [line for line in front.split(b"\n") if line.startswith(b"title:")]


FILL_NAV = {"填报": "fill/index.md"}


def _add_fill_nav(cfg) -> None:
    """The 填报 page in the navigation, before 帮助 (internal and restricted builds have the page)."""
    nav = cfg.get("nav")
    if not isinstance(nav, list) or FILL_NAV in nav:
        return
    help_at = next((i for i, item in enumerate(nav) if isinstance(item, dict) and "帮助" in item), len(nav))
    nav.insert(help_at, dict(FILL_NAV))


class _HtmlPages:
    """An MkDocs plugin: a generated page whose HTML is in its front matter (``sb_html``) has no
    Markdown at all, and MkDocs would still build a Markdown converter with every extension for it
    (about half a millisecond a page, a third of MkDocs' time on 10,000 pages) to convert nothing.
    Such a page gets what that conversion gives — no content, no table of contents, no title, no
    anchors — without it, once this build's extensions are seen to turn an empty text into nothing
    (a configuration whose extensions add text to every page renders every page as MkDocs does)."""

    def __init__(self) -> None:
        self.empty_is_nothing: bool | None = None

    def on_page_markdown(self, markdown_text: str, page, config, files):
        if markdown_text.strip() or "sb_html" not in page.meta:
            return markdown_text
        if self.empty_is_nothing is None:
            import markdown

            md = markdown.Markdown(extensions=config["markdown_extensions"],
                                   extension_configs=config["mdx_configs"] or {})
            self.empty_is_nothing = md.convert(markdown_text) == "" and not getattr(md, "toc_tokens", [])
        if self.empty_is_nothing:
            page.render = _render_nothing.__get__(page)
        return markdown_text


def _render_nothing(page, config, files) -> None:
    """``Page.render`` of a page with no Markdown (``_HtmlPages``): what converting "" leaves."""
    from mkdocs.structure.toc import get_toc

    page.content = ""
    page.toc = get_toc([])
    page._title_from_render = None
    page.present_anchor_ids = set()
    page.links_to_anchors = {}


class _PagesOnly:
    """An MkDocs plugin that leaves out every file but the docs pages (``run_mkdocs(pages_only=True)``)."""

    def on_files(self, files, config):
        from mkdocs.structure.files import Files

        return Files(list(files.documentation_pages()))


def _once_per_depth(cfg, compiled=None) -> None:
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
        env.auto_reload = False  # (as the generator's: one environment per build)
        env.globals.update(sb_parts=parts, sb_keep=keep)
        if compiled is not None:
            env.bytecode_cache = compiled
        return env

    theme.get_env = get_env


class _DirtyNote(logging.Filter):
    """Drop MkDocs' warning about dirty builds: serve uses them on purpose, for unchanged pages."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "'dirty' build" not in record.getMessage()


def run_index(site_dir: Path, docs_dir: Path) -> None:
    """Index the site from its generated docs tree (search.py, textindex.py)."""
    from .indexer import index_docs

    try:
        index_docs(docs_dir, Path(site_dir) / INDEX_DIR)
    except (RuntimeError, OSError) as exc:
        raise BuildError(f"搜索索引建立失败：\n{exc}") from exc


class _Indexer:
    """The search index built in a child process while the listing pages are generated and MkDocs
    renders the pages.

    The generator writes the shadow of each searchable page (search.py: its readable text) into
    ``shadow`` first (help and rule pages, then the reports' shadows, before the report pages
    themselves), on both cores; the indexer starts as soon as the last one is written and runs
    beside the rest.
    """

    def __init__(self, parent: Path, pages: int = 0, cache: SiteCache | None = None) -> None:
        self.cache = cache
        self.reused = ""  # the search shards reused from the build cache, "N/M"
        self.begun = False
        self.staging = Path(tempfile.mkdtemp(prefix=f"{_INDEX_PREFIX}{os.getpid()}-", dir=parent))
        self.out = self.staging / INDEX_DIR
        # the shadows are read once by the indexer and thrown away: in memory (tmpfs) when
        # there is room, where writing and removing ten thousand files costs next to nothing; not
        # for a larger site, where they would hold memory the build's processes need (tmpfs counts
        # against a runner's memory limit like the processes do: about 0.25 GB at 50,000 reports).
        # With a build cache that holds search shards, usually one shard or two is written (a few
        # thousand pages at most): they start in memory too, and ``fit`` moves them to the disk
        # if the generator finds it has more to write after all. ``shadow`` is then a link to
        # the folder in memory, so that it can move while its path, known to every process, stays.
        expected = min(pages, SCRATCH_PAGES) if cache is not None and cache.holds("search") else pages
        scratch = _scratch_dir(expected * SHADOW_BYTES) if expected <= SCRATCH_PAGES else None
        self.shadow = self.staging / "shadow"
        self.scratch = None
        if scratch:
            self.scratch = Path(tempfile.mkdtemp(prefix=f"{_SCRATCH_PREFIX}{os.getpid()}-", dir=scratch))
            (self.scratch / "shadow").mkdir()
            os.symlink(self.scratch / "shadow", self.shadow)
        self.proc: subprocess.Popen | None = None

    def fit(self, shadows: int) -> None:
        """The generator writes ``shadows`` shadow pages (the build cache had the others' shards):
        more than ``SCRATCH_PAGES`` go to the disk beside the site, with what is there already.
        Called before any report's shadow is written, and before the indexer starts."""
        if self.scratch is None or shadows <= SCRATCH_PAGES:
            return
        on_disk = self.staging / "shadow.disk"
        shutil.copytree(self.shadow, on_disk)
        os.unlink(self.shadow)
        os.rename(on_disk, self.shadow)
        shutil.rmtree(self.scratch, ignore_errors=True)
        self.scratch = None

    def start(self) -> None:
        from .indexer import start_indexer

        self.shadow.mkdir(exist_ok=True)
        self.begun = True
        self.started = time.perf_counter()
        # with the build cache, the indexer reuses each shard whose shadow pages are unchanged
        self.proc = start_indexer(self.shadow, self.out, shadows=True,
                                  cache_dir=self.cache.folder if self.cache is not None else None)

    def finish(self, site_dir: Path) -> float:
        """Wait for the index and move it to ``site_dir/sb-index``; the seconds it took in all."""
        from .indexer import finish_indexer

        try:
            took = finish_indexer(self.proc, self.out) or time.perf_counter() - self.started
            reused = self.staging / REUSED_FILE
            if reused.is_file():
                self.reused = reused.read_text(encoding="utf-8").strip()
            target = site_dir / INDEX_DIR
            if target.exists():
                shutil.rmtree(target)
            os.replace(self.out, target)
            return took
        except (RuntimeError, OSError) as exc:
            raise BuildError(f"搜索索引建立失败：\n{exc}") from exc
        finally:
            self.close()

    def close(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.staging, ignore_errors=True)
        if self.scratch is not None:
            shutil.rmtree(self.scratch, ignore_errors=True)


#: room to ask for per page in the scratch folder (a shadow — the page's text as JSON — is about
#: 3 KB at 10,000 synthetic reports; long bodies make more)
SHADOW_BYTES = 48 * 1024


#: the memory-backed folder for the shadow pages, when the machine has one
SCRATCH = "/dev/shm"
#: up to how many report pages the shadow pages go to SCRATCH (above, to the disk beside the site)
SCRATCH_PAGES = 12_000
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


@heap_frozen  # the reports read live as long as the build (collect, generate, MkDocs, feeds)
def build_site(root: Path, org: Org, reports: list[Report], audience: str, as_of: dt.datetime,
               site_dir: Path, publishable: list[Report] | None = None, problems: dict | None = None,
               docs_dir: Path | None = None, live: bool = False, quiet: bool = False,
               cache: SiteCache | None = None, detach_removal: bool = False) -> BuildResult:
    """Generate, build and index the site for ``audience`` into ``site_dir`` (atomically).

    With ``cache`` (cache.py) what an earlier build made from the same inputs is reused, and after
    the site is in place the entries this build did not use are removed. With ``detach_removal``
    the site it replaced is removed by a process of its own that outlives this one (``_swap``)."""
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    facts = collect(org, reports, audience, as_of, publishable, problems)
    if org.members:  # an upper organisation: its members' feeds, read before any page is written
        from ..members import read_members_for

        facts.members = read_members_for(root, facts)
        timings["members"] = time.perf_counter() - t0
    docs_dir = docs_dir or work_dir(root) / f"docs-{audience}"
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
        indexer = _Indexer(site_dir.parent, len(facts.reports), cache)
        # the indexer starts (indexer.start) as soon as the shadows are written, beside the rest
        generated = _generate_with_progress(facts, root, docs_dir, quiet, indexer.start, indexer.shadow, cache,
                                            indexer.fit)
        pages = generated.written
        timings["generate"] = time.perf_counter() - t0
        t1 = time.perf_counter()
        say(f"[bold]MkDocs 构建[/]：{len(pages)} 个页面，同时建立搜索索引…")
        if not indexer.begun:
            indexer.start()
        reused = run_mkdocs(root, docs_dir, tmp, org, audience, live=live, as_of=as_of, cache=cache,
                            generated=generated)
        timings["mkdocs"] = time.perf_counter() - t1
        write_feeds(facts, tmp / "feed", cache)  # site/feed/ for the upper organisation and other systems
        t2 = time.perf_counter()
        timings["index"] = indexer.finish(tmp)
        timings["index_wait"] = time.perf_counter() - t2
        _swap(tmp, site_dir, detach_removal)
    except BaseException:
        if indexer is not None:
            indexer.close()
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    result = BuildResult(site_dir, len(pages), len(facts.reports), timings)
    if cache is not None:
        result.reused_pages = reused
        result.reused_index = indexer.reused
        t3 = time.perf_counter()
        cache.prune(("doc", "shadow", "html", MARKED_HTML))  # the indexer prunes its own ("search")
        timings["prune"] = time.perf_counter() - t3
    timings["total"] = time.perf_counter() - t0
    return result


def _generate_with_progress(facts: Facts, root: Path, docs_dir: Path, quiet: bool,
                            searchable_done: Callable[[], None] | None = None,
                            shadow_dir: Path | None = None, cache: SiteCache | None = None,
                            shadow_fit: Callable[[int], None] | None = None) -> Generator:
    if quiet or not console.is_terminal:
        return _generate(facts, root, docs_dir, searchable_done=searchable_done, shadow_dir=shadow_dir,
                         cache=cache, defer=True, shadow_fit=shadow_fit)
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

        return _generate(facts, root, docs_dir, progress, searchable_done, shadow_dir, cache, defer=True,
                         shadow_fit=shadow_fit)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _swap(new: Path, target: Path, detach_removal: bool = False) -> None:
    """Put ``new`` where ``target`` is, replacing it with as short a gap as possible.

    The old site is removed, or with ``detach_removal`` handed to ``rm`` in a session of its own,
    which goes on after the build has returned: removing tens of thousands of files is mostly
    waiting for the disk, and nothing the build gives depends on it. Whatever it leaves (``rm``
    killed, a read-only folder) the next build removes (``remove_stale``: the folder is named
    after this process, which is gone by then)."""
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}.old-{os.getpid()}-{time.time_ns()}")
        os.replace(target, old)
    os.replace(new, target)
    if old is None:
        return
    if not (detach_removal and _remove_later(old)):
        remove_tree(old)


def _remove_later(path: Path) -> bool:
    """Hand ``path`` to ``rm`` in a session of its own, which goes on after this process has ended;
    False when that cannot be done (then the caller removes it)."""
    if not (shutil.which("sh") and shutil.which("rm")):
        return False
    try:
        # the shell returns at once, leaving rm to the system (no child of this process left behind)
        subprocess.run(["sh", "-c", 'rm -rf -- "$1" &', "sh", str(path)], stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True, check=True)
        return True
    except (OSError, subprocess.CalledProcessError):
        return False


def remove_tree(path: Path) -> None:
    """Remove ``path`` and everything in it, read-only folders included (a site made read-only by
    hand, or by a web server's deploy script, would otherwise stay behind as a copy)."""
    def writable_then_retry(func, name, exc_info) -> None:
        if isinstance(exc_info[1], FileNotFoundError):
            return  # removed meanwhile (an earlier build's rm still at work on the same folder)
        try:
            os.chmod(os.path.dirname(name), 0o700)
            if os.path.isdir(name) and not os.path.islink(name):
                os.chmod(name, 0o700)
                if func not in (os.rmdir, os.unlink, os.remove):  # a folder that could not be listed
                    shutil.rmtree(name, ignore_errors=True)
                    return
            if func in (os.rmdir, os.unlink, os.remove):  # (others, os.open among them, need more than a path)
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


def work_dir(root: Path) -> Path:
    """``build/`` in the repository: the generated docs trees (a restricted build's among them) and
    the lock outside git. It ignores itself (``build/.gitignore``: ``*``), so that a ``git add -A``
    in a repository whose own .gitignore does not name it commits none of it."""
    folder = Path(root) / "build"
    folder.mkdir(parents=True, exist_ok=True)
    ignore = folder / ".gitignore"
    if not ignore.is_file():
        ignore.write_text("# shangbao 生成的文件（含限定范围的页面），不要提交\n*\n", encoding="utf-8")
    return folder


def lock_path(root: Path) -> Path:
    """Where builds of ``root`` take turns: inside ``.git/`` (never committed), else in ``build/``."""
    git = root / ".git"
    if git.is_dir():
        return git / "shangbao-build.lock"
    return work_dir(root) / ".shangbao-build.lock"


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


def load(root: Path, as_of: dt.datetime | None, checks: CheckCache | None = None):
    from ..repository import load_repository

    return load_repository(root, as_of=as_of, cache=checks)


def run_build(root: Path, audience: str, site_dir: Path | None, as_of: dt.datetime | None,
              cache_dir: Path | None = None, use_cache: bool = True) -> int:
    """``shangbao build``; the build cache in ``cache_dir`` (else ``SHANGBAO_CACHE_DIR``, else inside
    ``.git/``) unless ``use_cache`` is false."""
    root = Path(root)
    site_dir = Path(site_dir) if site_dir is not None else root / "site"
    if not site_dir.is_absolute():
        site_dir = Path.cwd() / site_dir
    t0 = time.perf_counter()
    with BuildLock(root, console.print):
        remove_stale(site_dir)
        try:
            cache = open_cache(root, audience, cache_dir) if use_cache else None
        except CommittedCache as exc:
            console.print(f"[bold yellow]注意[/]：构建缓存目录 {escape(str(exc))} 中有提交到仓库的文件，"
                          "本次不使用构建缓存（全部重新生成）。缓存目录应在仓库之外，或在 .git/ 中（默认）。")
            cache = None
        checks = open_beside(cache.folder) if cache is not None else None  # check_cache.py
        console.print("[bold]检查报告[/]…")
        repo = load(root, as_of, checks)
        if repo.errors:
            _print_errors(repo)
            return 1
        try:
            result = build_site(root, repo.org, repo.reports, audience, repo.as_of, site_dir,
                                publishable=repo.publishable(audience), problems=repo.unpublishable(), cache=cache,
                                detach_removal=True)
        except (BuildError, GenerationError, WorkerLost) as exc:
            console.print(f"[bold red]构建失败[/]：{escape(str(exc))}")
            return 1
        if checks is not None:
            checks.prune()
    total = time.perf_counter() - t0
    t = result.timings
    if "members" in t:
        console.print(f"下级单位：读取 {len(repo.org.members)} 个下级单位的数据源用时 {t['members']:.1f} 秒")
    console.print(
        f"[green]完成[/]：{result.reports} 份报告，{result.pages} 个页面 → {result.site_dir}"
        f"（检查 {total - t['total']:.1f} 秒，生成 {t['generate']:.1f} 秒，MkDocs {t['mkdocs']:.1f} 秒，"
        f"索引 {t['index']:.1f} 秒，与 MkDocs 同时进行，另等 {t['index_wait']:.1f} 秒）"
    )
    if cache is not None:
        shards = f"，搜索索引分片沿用 {result.reused_index}" if result.reused_index else ""
        console.print(f"构建缓存：{result.reused_pages} 个页面沿用上次构建的结果{shards}（{cache.folder}）")
    if checks is not None:
        console.print(f"检查缓存：{checks.hits} 个文件沿用上次的检查结果，{checks.misses} 个重新检查")
    return 0
