"""The docs tree: Markdown pages with front matter, rendered from templates/site/*.j2.

Every value from a report reaches a page through Jinja2 with autoescaping, in the page's HTML,
which Markdown never sees (it is carried in the front matter, ``sb_html``; see ``Generator.write``),
so a title such as ``[x](javascript:…)`` stays text. Report bodies are rendered by ``render.body_html``.
Front-matter titles are HTML-escaped too: Material prints ``page.meta.title`` unescaped in
the header and ``<title>``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import gc
import json
import posixpath
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from html import escape, unescape
from pathlib import Path
from typing import Any

import jinja2

from .. import periods as P
from .. import pool
from ..model import (
    CLASSIFICATIONS,
    PERIODIC_TYPES,
    REPORT_TYPES,
    SEVERITY_GRADES,
    SEVERITY_LABELS,
    Report,
)
from ..project import PROJECT_DIR, templates_dir
from ..timeliness import TIMELINESS_LABELS
from ..timeparse import format_time
from . import charts, member_pages, render, urls
from .cache import faithful_bytes
from .facts import Facts, _attr

#: What a page other than a report's is given in place of the as-of (the ``as_of`` global, and the
#: ``as_of`` of a summary on a period page), put back by ``Generator.stamp`` in the page's text: a
#: page whose figures did not change has the same key and entry from one as-of to the next (the
#: build cache), and only the printed time differs. U+FDD0/U+FDD1 are non-characters no report,
#: ``_org.yml`` value or file can hold (reader.py, schema.py, config.py refuse them), so the marks
#: stand only where the template printed them. A template prints the as-of; it does not compute with it.
AS_OF_MARK = "\ufdd0as_of\ufdd1"
AS_OF_ISO_MARK = "\ufdd0as_of_iso\ufdd1"
AUDIENCE_LABELS = {"public": "公开版", "internal": "内部版", "restricted": "限定版（仅领导）"}
LISTING_LIMIT = 300  # rows on a unit / type / tag page; older ones are on the period pages


@contextlib.contextmanager
def frozen_heap() -> Iterator[None]:
    """Every object that exists now kept out of the cyclic collector's sight until the block ends
    (``gc.freeze``): the reports and the facts live as long as the pages are written, and a full
    round of the collector over 50,000 reports takes most of a second, several times over a build
    (a fifth of the listing pages' time); in a forked worker its rounds would also write into every
    object's header, copying the parent's memory. Nested blocks leave the outermost one to thaw."""
    outer = gc.get_freeze_count() > 0
    gc.freeze()
    try:
        yield
    finally:
        if not outer:
            gc.unfreeze()


def heap_frozen(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn`` run in ``frozen_heap()``."""
    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> Any:
        with frozen_heap():
            return fn(*args, **kwargs)
    return run


class GenerationError(Exception):
    """Generating the docs tree failed; the message is Chinese and says what to do."""


class Generator:
    def __init__(self, facts: Facts, root: Path, out: Path, rules: dict | None = None):
        self.f = facts
        self.root = root
        self.out = out
        self.rules = rules or {}
        self.env = jinja2.Environment(
            # the repository's own templates first; a template it lacks (one added to the project
            # after the repository copied its templates) comes from the project
            loader=jinja2.FileSystemLoader(_search_path(templates_dir(root, "site"))),
            autoescape=True,
            trim_blocks=True,
            lstrip_blocks=True,
            undefined=jinja2.StrictUndefined,
            # one Generator makes one build: its templates do not change meanwhile, and checking
            # each template file's time at every page was ~3 % of a full build
            auto_reload=False,
        )
        self.env.filters["t"] = lambda moment: format_time(moment, facts.tz)
        self.env.filters["pct"] = _pct
        self.env.filters["num"] = _num
        #: the public audience is shown no assessment figures (SPEC §7): no expected, late, concealed,
        #: missing, on-time rate or score, no timeliness badge; only the public reports and their counts
        self.assessed = facts.audience != "public"
        self.env.globals.update(
            assessed=self.assessed,
            org=facts.org,
            site_name=facts.org.organization,
            audience=facts.audience,
            audience_label=AUDIENCE_LABELS.get(facts.audience, facts.audience),
            as_of=format_time(facts.as_of, facts.tz),
            # shown as of the sample's own date (_org.yml sample_as_of): said on the page
            sample_as_of=facts.org.sample_as_of is not None and facts.as_of == facts.org.sample_as_of,
            TIMELINESS=TIMELINESS_LABELS,
            unit_name=self.unit_name,
        )
        #: what ``stamp`` puts in place of ``AS_OF_MARK`` / ``AS_OF_ISO_MARK``
        self._as_of_text = self.env.globals["as_of"]
        self._as_of_iso = facts.as_of.astimezone(facts.tz).isoformat()  # as summary_dict writes it
        self._rows: dict[str, dict[str, Any]] = {}  # report id → ``row``
        self._reported: dict[str, str] = {}  # report id → its reported time as shown (``reported``)
        self._shard_of: dict[str, str] = {}  # report id → ``shard``
        self._months: dict[str, str] = {}  # report id → ``_month_of``
        self._urls: dict[str, dict[str, str]] = {}  # folder → docs path → relative address (``write``)
        self.written: list[str] = []
        self.changed: list[str] = []
        self.keep_unchanged = False
        #: when set, the shadow page of every searchable page is written here too (search.py): the
        #: reports' before their pages (``report_shadow``), so that the index can start early
        self.shadow_dir: Path | None = None
        # told how many report shadows this build writes, once _plan_shards knows (build._Indexer.fit)
        self.shadow_fit: Callable[[int], None] | None = None
        #: report bodies rendered for the search index, kept for the report pages (two passes)
        self._bodies: dict[str, str] = {}
        #: the build cache (cache.py) and this generation's part of its keys (``generation_key``)
        self.cache = None
        self.cache_key = ""
        self._keys: dict[str, str] = {}
        self._globals_used: dict[str, str] = {}
        self._made: set[Path] = set()  # folders this generator made (``_make_parent``)
        #: the 情况通报 made by earlier generators of this serve, by docs path: (summary's repr, bytes)
        self.notices: dict[str, tuple[str, bytes]] | None = None
        #: the search index shard of each (year, month) of the reports' times, when first needed
        self._shards: dict[tuple[str, int], str] | None = None
        #: ``shangbao build`` with a cache: a report page whose docs page the cache holds is not written
        #: (``deferred``: its docs path → its key); MkDocs takes its HTML from the cache by that key, or
        #: asks for the docs page after all (``materialise``) when the cache has no HTML for it
        self.defer_pages = False
        #: the search shards whose bundle the build cache holds (``_plan_shards``)
        self.reused_shards: set[str] = set()
        self.deferred: dict[str, str] = {}
        #: the build cache's key of every report page, written or deferred (docs path → key): the key
        #: of its HTML too, as its docs page is made from exactly these inputs
        self.page_keys: dict[str, str] = {}
        #: with a build cache, the docs pages that print the as-of, as written before it was put in
        #: (docs path → text with ``AS_OF_MARK``): MkDocs renders that text once and the build cache
        #: keeps its HTML for every later as-of (build.py ``_PageCache``)
        self.marked: dict[str, str] = {}

    # --- helpers ----------------------------------------------------------------------
    def unit_name(self, uid: str | None) -> str:
        unit = self.f.org.units.get(uid or "")
        return unit.name if unit else (uid or "")

    def row(self, r: Report) -> dict[str, Any]:
        """The report's line in a listing (the same dict each time: a report is listed on several
        pages, its week's and its month's at least; nobody changes it)."""
        found = self._rows.get(r.id)
        if found is None:
            found = self._rows[r.id] = self._row(r)
        return found

    def _row(self, r: Report) -> dict[str, Any]:
        return {
            "id": r.id,
            "doc": self.f.doc[r.id],
            "title": r.title or r.id,
            "unit": self.unit_name(r.unit),
            "type": r.type_label,
            "stage": r.stage if r.type == "incident" else "",
            "reported": self.reported(r),
            "timeliness": self.f.timeliness.get(r.id) if self.assessed else None,
            "period": r.period or "",
        }

    def reported(self, r: Report) -> str:
        """``r``'s reported time as the site shows it (its row, its meta rows, its search shard)."""
        found = self._reported.get(r.id)
        if found is None:
            found = self._reported[r.id] = format_time(r.reported_at, self.f.tz)
        return found

    def rows(self, reports: Iterable[Report], limit: int | None = None) -> list[dict[str, Any]]:
        out = []
        for r in reports:
            out.append(self.row(r))
            if limit is not None and len(out) >= limit:
                break
        return out

    def write(self, doc: str, template: str, title: str, search: bool = False, hide_toc: bool = True,
              markdown: bool = False, shadow: bool = True, **ctx: Any) -> str:
        """Render ``template`` into the page ``doc``; the page's text.

        A page that is all HTML (every page but the help page, ``markdown=True``) carries its HTML
        in the front matter (``sb_html``), which ``templates/overrides/partials/content.html`` prints
        where Material prints the Markdown content, and has no Markdown body at all: MkDocs and
        Python-Markdown would otherwise run the whole page through ``html.parser`` twice (the
        raw-HTML block and MkDocs' anchor scan), two thirds of MkDocs' time on these pages.
        """
        key = None
        if self.cache is not None and not search:  # (searchable pages have a shadow page too: help and rules)
            key = self._page_key(doc, template, title, (hide_toc, markdown), ctx)
            cached = self.cache.get("doc", key)
            if cached is not None:
                text = self._stamped(doc, cached.decode("utf-8"))
                self.written.append(doc)
                self._emit(doc, text)
                return text

        if search:
            def url(to: str) -> str:
                return urls.relative_url(doc, to)
            marks: dict[str, str] = {}
        else:
            # the listings of one folder's pages link the same reports: each address worked out once
            known = self._urls.setdefault(posixpath.dirname(doc), {})

            def url(to: str) -> str:
                found = known.get(to)
                if found is None:
                    found = known[to] = urls.relative_url(doc, to)
                return found
            marks = {"as_of": AS_OF_MARK}  # printed as it is; ``stamp`` puts the as-of in its place

        html = self.env.get_template(template).render(here=doc, url=url, title=title, **marks, **ctx)
        if markdown:  # MkDocs renders it: join the soft breaks of Chinese text here (render.py does the bodies)
            html = render.join_cjk_breaks_in_markdown(html)
        front: dict[str, Any] = {"title": escape(title, quote=False), "sb_print_title": css_string(title)}
        if hide_toc:
            front["hide"] = ["toc"]
        if search:
            front["sb_search"] = True
        if not markdown:
            front["sb_html"] = html
            html = ""
        head = "---\n" + "".join(f"{k}: {yaml_json(v)}\n" for k, v in front.items()) + "---\n\n"
        text = head + html
        self.written.append(doc)
        if search and shadow and self.shadow_dir is not None:
            # the same as search.shadow_from_doc(text), without reading the page back
            self._write_shadow(doc, front["title"], front.get("sb_html", html), markdown)
        if key is not None:
            self.cache.put("doc", key, text.encode("utf-8"))
        if marks:
            text = self._stamped(doc, text)
        self._emit(doc, text)
        return text

    def stamp(self, text: str) -> str:
        """``text`` with this build's as-of where the page was given the marks (``AS_OF_MARK``)."""
        if "\ufdd0" not in text:
            return text
        return text.replace(AS_OF_MARK, self._as_of_text).replace(AS_OF_ISO_MARK, self._as_of_iso)

    def _stamped(self, doc: str, marked: str) -> str:
        """``stamp(marked)``; with a build cache the page's marked text is kept too (``marked``)."""
        text = self.stamp(marked)
        if text is not marked and self.cache is not None:
            self.marked[doc] = marked
        return text

    def _make_parent(self, path: Path) -> None:
        """Create the folder ``path`` goes in, once per folder (thousands of pages share a few)."""
        parent = path.parent
        if parent not in self._made:
            parent.mkdir(parents=True, exist_ok=True)
            self._made.add(parent)

    def _page_key(self, doc: str, template: str, title: str, options: tuple, ctx: dict[str, Any]) -> str:
        """The build cache's key of a page other than a report's: what its template is given, the
        template globals it uses, and ``cache_key``. A value without a faithful ``repr`` (one that
        shows an address) makes a key no later build has: such a page is simply rendered again.
        The as-of is not in it: the page is rendered with ``AS_OF_MARK`` in its place (``write``),
        so a period whose figures did not change is taken from the cache on a later day too. (A
        value is written by ``faithful_bytes``: what pickle cannot write, by its ``repr``.)"""
        from .cache import digest

        return digest(self.cache_key, "page", doc, template, title, repr(options), self._given(template),
                      faithful_bytes(sorted(ctx.items())))

    def _given(self, template: str) -> str:
        """The template globals ``template`` uses, as text (``_page_key``; the as-of as its mark)."""
        given = self._globals_used.get(template)
        if given is None:
            used = _names_used(self.env, (template,))
            given = self._globals_used[template] = repr(sorted(
                (k, repr(AS_OF_MARK if k == "as_of" else v)) for k, v in self.env.globals.items()
                if ("*" in used or k in used) and not callable(v)))
        return given

    def _emit(self, doc: str, text: str) -> None:
        path = self.out / doc
        if self.keep_unchanged and path.is_file() and path.read_text(encoding="utf-8") == text:
            return  # unchanged: keep its mtime so a dirty mkdocs build skips it
        self._make_parent(path)
        path.write_text(text, encoding="utf-8")
        self.changed.append(doc)

    def _write_shadow(self, doc: str, title: str, html: str, markdown: bool = False, shard: str = "") -> str:
        from .search import SITE_SHARD, shadow_from_html, text_key

        shard = shard or SITE_SHARD
        text = shadow_from_html(unescape(title), html, markdown, text_key(shard, urls.html_path(doc)))
        self._write_shadow_text(doc, text, shard)
        return text

    def _write_shadow_text(self, doc: str, text: str, shard: str) -> None:
        target = self.shadow_dir / shard / urls.html_path(doc)
        self._make_parent(target)
        target.write_text(text, encoding="utf-8")

    def generation_key(self) -> str:
        """What every report page depends on besides its own inputs: the generator's code, the
        templates, the versions of the libraries that render, ``_org.yml`` (unit names, time zone),
        the audience, and the template globals the report templates use (``as_of`` only if they do)."""
        from .cache import FORMAT, code_digest, digest, tree_digest, versions

        used = _names_used(self.env, ("report.md.j2", "report_search.j2"))
        given = sorted((k, repr(v)) for k, v in self.env.globals.items()
                       if ("*" in used or k in used) and not callable(v))
        return digest(FORMAT, code_digest(),
                      tree_digest(*[Path(p) for p in self.env.loader.searchpath]),
                      versions("jinja2", "markupsafe", "markdown", "pymdown-extensions", "opencc", "python-docx"),
                      repr(self.f.org), self.f.audience, repr(given))

    def shard(self, r: Report) -> str:
        """The search index shard of ``r``'s page (search.shards_by_month: the year of its reported
        time, or a run of months of that year when the year is large)."""
        found = self._shard_of.get(r.id)
        if found is None:
            from .search import SITE_SHARD, shards_by_month

            made = self.reported(r)
            if not made:
                found = SITE_SHARD
            else:
                if self._shards is None:
                    self._shards = shards_by_month(Counter(
                        (t[:4], int(t[5:7])) for t in (self.reported(x) for x in self.f.reports) if t))
                found = self._shards[(made[:4], int(made[5:7]))]
            self._shard_of[r.id] = found
        return found

    # --- the whole tree -----------------------------------------------------------------
    @heap_frozen
    def generate(self, progress: Callable[[str, int, int], None] | None = None,
                 searchable_done: Callable[[], None] | None = None) -> list[str]:
        """Write every page; ``searchable_done`` is called as soon as every page to index is written
        (help, rules, reports: the build starts the search index then, beside the listing pages)."""
        return self._generate(progress, searchable_done)

    def _generate(self, progress: Callable[[str, int, int], None] | None,
                  searchable_done: Callable[[], None] | None) -> list[str]:
        self.copy_assets()
        periods_all = self.f.all_periods()
        total = len(self.f.reports) + len(periods_all) + 8
        done = 0

        def tick(what: str, n: int = 1) -> None:
            nonlocal done
            done += n
            if progress:
                progress(what, done, total)

        self.help()
        reports = self.f.reports
        n_workers = min(pool.usable_cores(), 8) - 1 if pool.worth_it(len(reports), FORK_FROM) else 0
        if n_workers < 1:
            self._plan_shards([self._report_key(r, keep=True) for r in reports])
            for r in reports:
                self.report_shadow(r)
            if searchable_done is not None:
                searchable_done()
            for r in reports:
                self.report_page(r)
                tick("报告页")
            for p in periods_all:
                self.period_page(p)
                tick("周期页")
        else:
            self._report_pages_on_every_core(n_workers, searchable_done, tick, periods_all)
        self.periods_index(periods_all)
        self.home()
        self.units()
        self.types()
        self.tags()
        if self.f.members is not None:
            member_pages.write_pages(self)
        else:
            member_pages.write_search_list(self)
        if self.f.audience != "public":  # the form carries the units' rosters (SPEC §11)
            self.fill()
        tick("索引页", 8)
        return self.written

    def _report_pages_on_every_core(self, n_workers: int, searchable_done: Callable[[], None] | None,
                                    tick: Callable[..., None], periods: list[P.Period]) -> None:
        """The report pages and the period pages written by this process and ``n_workers`` forked
        ones (``pool.Pool``).

        Rendering is pure CPU (Python-Markdown for the bodies, Jinja2). First every process writes
        the shadow pages of its share (what the search index needs), so that the index starts as
        early as possible (``searchable_done``); then the report pages themselves. A worker keeps
        the bodies it rendered for its shadows (one worker per share: the same process does both).
        Then the period pages, every ``n_workers + 1``-th to each process (they print ``as_of``:
        with a build cache they are what is rendered again at every build).
        """
        reports = self.f.reports
        if self.cache is not None:  # worked out before the workers are made, not once in each
            self._given("period.md.j2")
        # every period's summary, before the workers are made: each process writes some period
        # pages, and every one of them needs its children's figures too, as this process needs all
        # of them later (the periods' index, the home page, the feeds); counted once, not in each
        for p in periods:
            self.f.summary(p)
        share = len(reports) // (n_workers + 1)
        spans = [(share + a, share + b) for a, b in pool.chunks(len(reports) - share, n_workers)]
        with pool.Pool(n_workers, self) as workers:
            if self.cache is not None and self.shadow_dir is not None:  # the shards' keys first
                planned = [workers.submit(_report_keys, span) for span in spans]
                keys = [self._report_key(r, keep=True) for r in reports[:share]]
                for future in planned:
                    keys.extend(workers.result(future))
                self._plan_shards(keys)
            shadows = [workers.submit(_report_shadows, span, self.reused_shards) for span in spans]
            pages = [workers.submit(_report_pages, span) for span in spans]
            for r in reports[:share]:
                self.report_shadow(r)
            for future in shadows:
                self._count_cache_use(*workers.result(future))
            if searchable_done is not None:
                searchable_done()
            for r in reports[:share]:
                self.report_page(r)
                tick("报告页")
            step = n_workers + 1
            period_pages = [workers.submit(_period_pages, periods[i + 1::step]) for i in range(n_workers)]
            for (a, b), future in zip(spans, pages, strict=True):
                changed, used, hits, deferred, page_keys = workers.result(future)
                self.changed.extend(changed)
                self.deferred.update(deferred)
                self.page_keys.update(page_keys)
                self._count_cache_use(used, hits)
                self.written.extend(self.f.doc[r.id] for r in reports[a:b])
                tick("报告页", b - a)
            for p in periods[::step]:
                self.period_page(p)
                tick("周期页")
            for future in period_pages:
                written, changed, used, hits, marked = workers.result(future)
                self.written.extend(written)
                self.changed.extend(changed)
                self.marked.update(marked)
                self._count_cache_use(used, hits)
                tick("周期页", len(written))

    def _count_cache_use(self, used: set, hits: int) -> None:
        if self.cache is not None:
            self.cache.keep(used)
            self.cache.hits += hits

    def copy_assets(self) -> None:
        src = templates_dir(self.root, "assets")
        dst = self.out / "assets"
        if not src.is_dir():
            return
        from .fill import ASSETS as FILL_ASSETS

        for file in src.rglob("*"):
            if self.f.audience == "public" and file.name in FILL_ASSETS:
                continue  # the public site has no 填报 page (SPEC §11)
            if file.is_file():
                target = dst / file.relative_to(src)
                data = file.read_bytes()
                if self.keep_unchanged and target.is_file() and target.read_bytes() == data:
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)

    # --- report pages -------------------------------------------------------------------
    def _body(self, r: Report) -> str:
        body = self._bodies.pop(r.id, None)
        return render.body_html(r.body) if body is None else body

    def _on(self, r: Report) -> dict[str, Any] | None:
        if r.type == "feedback" and r.on in self.f.by_id:
            return self.row(self.f.by_id[r.on])
        return None

    def _report_inputs(self, r: Report) -> dict[str, Any]:
        """Everything report.md.j2 and report_search.j2 are given for ``r`` but the page's own address,
        bodies as written (Markdown): what the report's pages are made from (the build cache's key)."""
        f = self.f
        chain = [self.row(x) | {"current": x.id == r.id} for x in f.chain(r)] if r.type == "incident" else []
        # the feedback on any report of the incident chain shows on every report of it, each marked
        # with the report it was given on (SPEC §7)
        on_chain = f.chain(r) if r.type == "incident" else [r]
        feedback = [
            self.row(fb) | {"kind": fb.kind or "", "by": fb.by or "", "level": fb.level or "",
                            "body": fb.body, "on_here": target.id == r.id,
                            "on_title": target.title or target.id, "on_doc": f.doc[target.id],
                            "on_stage": (target.stage or "初报") if target.type == "incident" else ""}
            for target in on_chain if target.id in f.doc
            for fb in f.feedback.get(target.id, [])
        ]
        feedback.sort(key=lambda x: (x["reported"], x["id"]))
        # time and short commit only: commit messages and committer names are git metadata, not report
        # content (SPEC §7, §14), and would name the writer of an anonymous report
        revisions = [
            {"commit": str(_attr(rev, "commit", ""))[:10], "time": _attr(rev, "time")}
            for rev in (r.revisions or [])
        ]
        return {"r": self.row(r), "meta": self.meta_rows(r), "body": r.body, "chain": chain, "feedback": feedback,
                "on": self._on(r), "revisions": revisions, "tags": [(t, f"tags/{urls.slug(t)}.md") for t in r.tags],
                "unit_doc": f"units/{r.unit}.md", "type_doc": f"types/{r.type}.md"}

    def _report_key(self, r: Report, inputs: dict[str, Any] | None = None, keep: bool = False) -> str | None:
        """The build cache's key of ``r``'s pages (None without a cache): its inputs, its address and
        title, and ``cache_key`` (templates, code, versions, configuration, audience); kept for the
        next call with ``keep``."""
        if self.cache is None:
            return None
        key = self._keys.pop(r.id, None)
        if key is None:
            from .cache import digest

            # the shard too: the shadow carries a key made from it (search.text_key)
            key = digest(self.cache_key, self.f.doc[r.id], r.title or r.id, self.shard(r),
                         faithful_bytes(inputs or self._report_inputs(r)))
        if keep:
            self._keys[r.id] = key
        return key

    def _plan_shards(self, keys: list[str | None]) -> None:
        """Decide from the reports' keys (in report order) which search shards the build cache
        holds already: a shard's bundle depends only on its shadow pages, and each shadow page only
        on its report's key. The shadow pages of those shards are not written at all; their bundles,
        checked, go to the indexer beside the shadow folder (``indexer.index_shards``), with every
        shard's key (``search.SHARD_KEYS``)."""
        from .cache import shard_key
        from .search import BUNDLE_SUFFIX, SHARD_KEYS, SITE_SHARD

        if self.cache is None or self.shadow_dir is None:
            return
        docs: dict[str, list[str]] = {}
        for r, key in zip(self.f.reports, keys, strict=True):
            docs.setdefault(self.shard(r), []).append(f"{self.f.doc[r.id]}\0{key}")
        docs.pop(SITE_SHARD, None)  # (with the help pages, which have no such key)
        shard_keys = {shard: shard_key(shard, pages) for shard, pages in docs.items()}
        if self.shadow_fit is not None:  # (a bundle found but damaged is one shard more: no matter)
            self.shadow_fit(sum(len(docs[shard]) for shard, key in shard_keys.items()
                                if not self.cache.has("search", key)))
        self.shadow_dir.mkdir(parents=True, exist_ok=True)
        for shard, key in shard_keys.items():
            bundle = self.cache.get("search", key)
            if bundle is not None:
                (self.shadow_dir / f"{shard}{BUNDLE_SUFFIX}").write_bytes(bundle)
                self.reused_shards.add(shard)
                # its reports' shadow pages stay in the cache for the day one of them changes
                self.cache.keep({("shadow", page.split("\0", 1)[1]) for page in docs[shard]})
        (self.shadow_dir / SHARD_KEYS).write_text(json.dumps(shard_keys, sort_keys=True), encoding="utf-8")

    def report_shadow(self, r: Report) -> None:
        """The search index's page for ``r`` (title, subtitle, card, body; report_search.j2), when the
        index is built; the rendered body is kept for ``report_page``."""
        if self.shadow_dir is None or self.shard(r) in self.reused_shards:
            return
        doc = self.f.doc[r.id]
        inputs = None if r.id in self._keys else self._report_inputs(r)  # (the key is known: kept)
        key = self._report_key(r, inputs, keep=True)  # kept for report_page
        if key is not None:
            cached = self.cache.get("shadow", key)
            if cached is not None:
                self._write_shadow_text(doc, cached.decode("utf-8"), self.shard(r))
                return
        if inputs is None:
            inputs = self._report_inputs(r)
        self._bodies[r.id] = body = render.body_html(r.body)
        title = r.title or r.id
        html = self.env.get_template("report_search.j2").render(
            here=doc, url=lambda to: urls.relative_url(doc, to), title=title, r=inputs["r"], body=body,
            on=inputs["on"], unit_doc=inputs["unit_doc"], type_doc=inputs["type_doc"], meta=inputs["meta"],
            tags=inputs["tags"])
        text = self._write_shadow(doc, escape(title, quote=False), html, shard=self.shard(r))
        if key is not None:
            self.cache.put("shadow", key, text.encode("utf-8"))

    def report_page(self, r: Report, defer: bool = True) -> None:
        doc = self.f.doc[r.id]
        key = self._report_key(r)
        if key is not None:
            self.page_keys[doc] = key
            if defer and self.defer_pages and self.cache.has("doc", key):
                self._bodies.pop(r.id, None)
                self.written.append(doc)
                self.deferred[doc] = key
                return
            cached = self.cache.get("doc", key)
            if cached is not None:
                self._bodies.pop(r.id, None)
                self.written.append(doc)
                self._emit(doc, cached.decode("utf-8"))
                return
        inputs = self._report_inputs(r)
        inputs["body"] = self._body(r)
        inputs["feedback"] = [fb | {"body": render.body_html(fb["body"])} for fb in inputs["feedback"]]
        text = self.write(doc, "report.md.j2", r.title or r.id, search=True, shadow=False,  # report_shadow wrote it
                          **inputs)
        if key is not None:
            self.cache.put("doc", key, text.encode("utf-8"))

    def materialise(self, doc: str) -> None:
        """Write the docs page of the deferred report page ``doc`` after all (from the cache, or
        rendered when its entry does not validate)."""
        if self.deferred.pop(doc, None) is None:
            return
        written = len(self.written)
        self.report_page(self.f.by_id[self._report_of_doc[doc]], defer=False)
        del self.written[written:]  # counted when it was deferred

    @functools.cached_property
    def _report_of_doc(self) -> dict[str, str]:
        """Report id by docs page (``materialise``: once, not for every page it writes)."""
        return {d: rid for rid, d in self.f.doc.items()}

    def meta_rows(self, r: Report) -> list[tuple[str, str]]:
        tz = self.f.tz
        rows: list[tuple[str, str]] = [("报送单位", self.unit_name(r.unit)), ("类型", r.type_label)]
        if not r.anonymous and r.author:
            rows.append(("执笔人", r.author))
        elif r.anonymous:
            rows.append(("执笔人", "（匿名）"))
        if r.type == "incident":
            rows.append(("事发时间", format_time(r.occurred_at, tz)))
        rows.append(("报送时间", self.reported(r)))
        rows.append(("接收时间", format_time(r.received, tz)))
        if r.reviewed_by:
            rows.append(("审核人", r.reviewed_by))
        if r.approved_by:
            rows.append(("签发人", r.approved_by))
        rows.append(("密级范围", CLASSIFICATIONS.get(r.classification, r.classification)))
        t = r.type
        if t == "incident":
            rows += [("阶段", r.stage or "初报"), ("地点", r.location or ""), ("类别", r.category or ""),
                     ("等级", r.severity or ""), ("死亡", _num(r.deaths)), ("受伤", _num(r.injuries)),
                     ("直接经济损失", f"{_num(r.loss)} 万元")]
        elif t in PERIODIC_TYPES:
            period = P.parse(str(r.period), t) if r.period else None
            rows.append(("所属周期", period.label if period else (r.period or "")))
            rows += [(str(k), _num(v)) for k, v in (r.metrics or {}).items()]
        elif t == "inspection":
            rows += [("检查日期", str(r.inspected_on or "")), ("检查对象", r.target or ""),
                     ("发现隐患", _num(r.hazards_found)), ("已整改", _num(r.hazards_fixed))]
        elif t == "task":
            rows += [("交办人", r.assigned_by or ""), ("交办日期", str(r.assigned_on or "")),
                     ("办结时限", str(r.due or "")), ("进度", f"{_num(r.progress)}%")]
        elif t == "credit":
            rows += [("对象", r.subject or ""), ("统一社会信用代码", r.uscc or ""), ("类别", r.category or ""),
                     ("决定日期", str(r.decided_on or "")), ("决定文号", r.decision_no or "")]
        elif t == "feedback":
            rows += [("反馈类型", r.kind or ""), ("批示/采用人", r.by or "")]
            if r.level:
                rows.append(("采用级别", r.level))
        return [(k, v) for k, v in rows if v not in (None, "")]

    # --- period pages -------------------------------------------------------------------
    def summary_ctx(self, period: P.Period, here_units: bool = True) -> dict[str, Any]:
        s = self.f.summary(period)
        units = []
        for u in s.get("units", []):
            units.append(u | {"doc": f"units/{u['id']}.md"})
        missing = [
            m | {"unit_name": self.unit_name(m.get("unit")), "type_label": REPORT_TYPES.get(m.get("type"), m.get("type")),
                 "period_label": _period_label(m.get("period"), m.get("type"))}
            for m in s.get("missing", [])
        ]
        incidents = []
        for inc in s.get("incidents", []):
            rid = inc.get("id")
            incidents.append(inc | {"doc": self.f.doc.get(rid), "unit": self.unit_name(
                self.f.by_id[rid].unit if rid in self.f.by_id else None)})
        metrics = [
            (REPORT_TYPES.get(kind, kind), sorted(values.items()))
            for kind, values in (s.get("metrics") or {}).items() if values
        ]
        return {"s": s, "units": units, "missing": missing, "incidents": incidents, "metrics": metrics}

    @functools.cached_property
    def period_ids(self) -> frozenset[str]:
        """The periods that have a page."""
        return frozenset(p.id for p in self.f.all_periods())

    def period_page(self, p: P.Period) -> None:
        ctx = self.summary_ctx(p)
        if "as_of" in ctx["s"]:  # printed as given (``write``): the as-of goes in with the other marks
            ctx["s"] = ctx["s"] | {"as_of": AS_OF_ISO_MARK}
        children: list[P.Period] = []
        child_kind = {"annual": "quarterly", "quarterly": "monthly", "monthly": "weekly"}.get(p.kind)
        today = self.f.as_of.astimezone(self.f.tz).date()
        if child_kind:  # the ones that have a page (all_periods: from the first report or unit start)
            children = [c for c in P.periods_in(child_kind, p) if c.start <= today and c.id in self.period_ids]
        chart = ""
        if children:
            labels, counts, rates = [], [], []
            for c in children:
                cs = self.f.summary(c)
                labels.append(_short_label(c))
                counts.append(cs.get("totals", {}).get("reports", 0))
                rates.append(cs.get("totals", {}).get("on_time_rate"))
            if self.assessed:
                chart = charts.bars(f"{p.label}：各{P.KIND_LABELS[child_kind]}报告数与及时率", labels,
                                    [charts.Series("报告数", counts, "a")], charts.Series("及时率", rates, "d"))
            else:
                chart = charts.bars(f"{p.label}：各{P.KIND_LABELS[child_kind]}报告数", labels,
                                    [charts.Series("报告数", counts, "a")])
        listing = []
        if p.kind in ("monthly", "weekly"):
            listing = self.rows(sorted(self.f.counts_in.get(p.id, []), key=lambda r: (r.reported_at, r.id), reverse=True))
        parents = [(q.label, f"periods/{q.id}.md") for q in P.enclosing(p)]
        self.write(
            f"periods/{p.id}.md", "period.md.j2", f"{p.label} 汇总", period=p, children=[
                (c.label, f"periods/{c.id}.md") for c in children], parents=parents, chart=chart,
            listing=listing, last_day=p.end - dt.timedelta(days=1), document=self.notice(p),
            feedback_count=sum(1 for x in listing if x["type"] == REPORT_TYPES["feedback"]), **ctx,
        )

    def notice(self, p: P.Period) -> str | None:
        """The period's 情况通报 as a Word file beside its page (SPEC §10), for months, quarters
        and years; its docs path, or None."""
        from ..documents.notice import SITE_KINDS, notice_bytes, notice_key, restamp, stand_in

        if p.kind not in SITE_KINDS:
            return None
        doc = f"periods/{p.id}.docx"
        summary = self.f.summary_of(p)
        if self.cache is not None:
            # the document is made from the summary and _org.yml only; the one of a stand-in as-of
            # is kept, and this build's dates put into it (documents/notice.py ``stand_in``)
            from .cache import digest

            model, swaps = stand_in(summary)
            key = digest(self.cache_key, "notice", doc, notice_key(model))
            cached = self.cache.get("doc", key)
            data = restamp(cached, swaps) if cached is not None else None
            if data is None:
                made = notice_bytes(model, self.f.org)
                data = restamp(made, swaps)
                if data is not None:
                    self.cache.put("doc", key, made)
            if data is not None:
                self.write_file(doc, data)
                return doc
        seen = self.notices.get(doc) if self.notices is not None else None
        if seen is not None and seen[0] == repr(summary):
            data = seen[1]
        else:
            data = notice_bytes(summary, self.f.org)
            if self.notices is not None:
                self.notices[doc] = (repr(summary), data)
        self.write_file(doc, data)
        return doc

    def write_file(self, doc: str, data: bytes) -> None:
        """A file MkDocs copies as it is (a download), unchanged ones left alone."""
        path = self.out / doc
        if self.keep_unchanged and path.is_file() and path.read_bytes() == data:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        if self.keep_unchanged:
            self.changed.append(doc)

    def periods_index(self, periods_all: list[P.Period]) -> None:
        years = [p for p in periods_all if p.kind == "annual"]
        tree = []
        for y in sorted(years, reverse=True):
            quarters = []
            for q in sorted((p for p in periods_all if p.kind == "quarterly" and p.belongs_to(y)), reverse=True):
                months = []
                for m in sorted((p for p in periods_all if p.kind == "monthly" and p.belongs_to(q)), reverse=True):
                    weeks = [w for w in periods_all if w.kind == "weekly" and w.belongs_to(m)]
                    months.append((m, sorted(weeks, reverse=True)))
                quarters.append((q, months))
            tree.append((y, quarters))
        self.write("periods/index.md", "periods_index.md.j2", "周期汇总", tree=tree,
                   figures=self._period_figures(periods_all))

    def _period_figures(self, periods_all: list[P.Period]) -> dict[str, dict]:
        return {p.id: self.f.summary(p).get("totals", {}) for p in periods_all}

    # --- home ---------------------------------------------------------------------------
    def home(self) -> None:
        f = self.f
        today = f.as_of.astimezone(f.tz).date()
        week = P.period_containing("weekly", today)
        month = P.period_containing("monthly", today)
        cards = [self.glance(week, "本周"), self.glance(month, "本月")]
        last = [self.glance(week.previous(), "上周"), self.glance(month.previous(), "上月")]
        open_incidents = []
        for head in f.open_incidents()[:20]:
            open_incidents.append(self.row(head) | {"latest": f.latest_stage(head)})
        newest = self.rows(sorted(f.reports, key=lambda r: (r.received or r.reported_at, r.id), reverse=True), 12)
        self.write("index.md", "home.md.j2", f"{f.org.organization} 信息上报", cards=cards, last=last,
                   open_incidents=open_incidents, newest=newest, trend=self.trend_chart(today),
                   severity=self.severity_chart(today), members_card=member_pages.home_card(self), hide_toc=True)

    def glance(self, p: P.Period, name: str) -> dict[str, Any]:
        """Periodic reports received against expected, and who has not reported, for one period:
        every figure from the summary (the same as ``shangbao summary`` for this audience and as-of)."""
        s = self.f.summary(p)
        totals = s.get("totals", {})
        tz = self.f.tz
        order = {u: i for i, u in enumerate(self.f.org.units)}
        not_reported: list[dict[str, Any]] = []
        for key, overdue in (("missing", True), ("pending", False)):
            for m in s.get(key, []):
                sub = P.parse(m["period"], m["type"])
                due = dt.datetime.fromisoformat(m["due"])
                not_reported.append({
                    "unit": self.unit_name(m["unit"]), "unit_id": m["unit"], "unit_doc": f"units/{m['unit']}.md",
                    "type": REPORT_TYPES[m["type"]], "period": sub.label if sub else m["period"],
                    "short": _short_label(sub) if sub else m["period"], "due": format_time(due, tz),
                    "due_short": _short_due(due, tz), "overdue": overdue,
                })
        grouped: dict[str, dict[str, Any]] = {}
        for x in sorted(not_reported, key=lambda x: order.get(x["unit_id"], 0)):
            g = grouped.setdefault(x["unit_id"], {"unit": x["unit"], "unit_doc": x["unit_doc"], "owed": [],
                                                  "overdue": False, "key": order.get(x["unit_id"], 0)})
            g["owed"].append(x)
            g["overdue"] = g["overdue"] or x["overdue"]
        groups = sorted(grouped.values(), key=lambda g: (not g["overdue"], g["key"]))
        return {
            "name": name, "label": p.label, "doc": f"periods/{p.id}.md" if p.id in self.period_ids else None,
            "totals": totals,
            "expected": totals.get("expected", 0), "received": totals.get("received", 0),
            "not_reported": not_reported, "groups": groups,
            "overdue": [x for x in not_reported if x["overdue"]],
        }

    def trend_chart(self, today: dt.date) -> str:
        weeks = [P.period_containing("weekly", today)]
        while len(weeks) < 12:
            weeks.insert(0, weeks[0].previous())
        labels, counts, rates = [], [], []
        for w in weeks:
            t = self.f.summary(w).get("totals", {})
            labels.append(_short_label(w))
            counts.append(t.get("reports", 0))
            rates.append(t.get("on_time_rate"))
        if not self.assessed:
            return charts.bars("近 12 周报告数", labels, [charts.Series("报告数", counts, "a")])
        return charts.bars("近 12 周报告数与及时率", labels, [charts.Series("报告数", counts, "a")],
                           charts.Series("及时率", rates, "d"))

    def severity_chart(self, today: dt.date) -> str:
        months = [P.period_containing("monthly", today)]
        while len(months) < 12:
            months.insert(0, months[0].previous())
        labels = [_short_label(m) for m in months]
        per: dict[str, list[float]] = {g: [] for g in SEVERITY_GRADES}
        for m in months:
            counter = Counter(i.get("severity") for i in self.f.summary(m).get("incidents", []))
            for g in SEVERITY_GRADES:
                per[g].append(counter.get(g, 0))
        series = [charts.Series(g, per[g], css) for g, css in zip(SEVERITY_GRADES, "befg", strict=True)]
        return charts.bars("近 12 个月突发事件（按等级）", labels, series)

    # --- units, types, tags -------------------------------------------------------------
    def units(self, only: set[str] | None = None) -> None:
        """Every unit's page (or those in ``only``: serve, preview.py) and the units' index."""
        f = self.f
        today = f.as_of.astimezone(f.tz).date()
        current = {k: P.period_containing(k, today) for k in ("weekly", "monthly", "quarterly", "annual")}
        by_unit: dict[str, list[Report]] = defaultdict(list)
        for r in f.reports:
            by_unit[r.unit].append(r)
        overview = []
        for unit in f.org.units.values():
            reports = by_unit.get(unit.id, [])
            month_row = next((u for u in f.summary(current["monthly"]).get("units", []) if u.get("id") == unit.id), {})
            overview.append({"name": unit.name, "doc": f"units/{unit.id}.md", "total": len(reports), "month": month_row,
                             "depth": _depth(f.org, unit.id)})
            if only is not None and unit.id not in only:
                continue
            figures = []
            for p in current.values():
                row = next((u for u in f.summary(p).get("units", []) if u.get("id") == unit.id), {})
                figures.append((p.label, f"periods/{p.id}.md", row))
            weeks = [current["weekly"]]
            while len(weeks) < 12:
                weeks.insert(0, weeks[0].previous())
            counts, rates = [], []
            for w in weeks:
                row = next((u for u in f.summary(w).get("units", []) if u.get("id") == unit.id), {})
                counts.append(row.get("submitted", 0))
                rates.append(row.get("on_time_rate"))
            if self.assessed:
                chart = charts.bars(f"{unit.name}：近 12 周报告数与及时率", [_short_label(w) for w in weeks],
                                    [charts.Series("报告数", counts, "a")], charts.Series("及时率", rates, "d"))
            else:
                chart = charts.bars(f"{unit.name}：近 12 周报告数", [_short_label(w) for w in weeks],
                                    [charts.Series("报告数", counts, "a")])
            parent = f.org.units.get(unit.parent or "")
            self.write(
                f"units/{unit.id}.md", "unit.md.j2", unit.name, unit=unit, figures=figures, chart=chart,
                listing=self.rows(reports, LISTING_LIMIT), total=len(reports),
                parent=(parent.name, f"units/{parent.id}.md") if parent else None,
                children=[(c.name, f"units/{c.id}.md") for c in f.org.children(unit.id)],
                periodic=[REPORT_TYPES[k] for k in unit.periodic],
            )
        self.write("units/index.md", "units_index.md.j2", "单位", overview=overview,
                   month=current["monthly"].label)

    def types(self, only: set[str] | None = None) -> None:
        """Every type's page (or those in ``only``) and the types' index."""
        by_type: dict[str, list[Report]] = defaultdict(list)
        for r in self.f.reports:
            by_type[r.type].append(r)
        overview = []
        for code, label in REPORT_TYPES.items():
            reports = by_type.get(code, [])
            overview.append((label, f"types/{code}.md", len(reports)))
            if only is not None and code not in only:
                continue
            self.write(f"types/{code}.md", "listing.md.j2", label, heading=label,
                       per_month=self.per_month(reports), listing=self.rows(reports, LISTING_LIMIT),
                       total=len(reports), kind="type")
        self.write("types/index.md", "simple_index.md.j2", "报告类型", items=overview, intro="按报告类型浏览。")

    def tags(self, only: set[str] | None = None) -> None:
        """Every tag's page (or those in ``only``) and the tags' index."""
        by_tag: dict[str, list[Report]] = defaultdict(list)
        for r in self.f.reports:
            for t in dict.fromkeys(r.tags):
                by_tag[t].append(r)
        overview = []
        for tag in sorted(by_tag, key=lambda t: (-len(by_tag[t]), t)):
            reports = by_tag[tag]
            doc = f"tags/{urls.slug(tag)}.md"
            overview.append((tag, doc, len(reports)))
            if only is not None and tag not in only:
                continue
            self.write(doc, "listing.md.j2", f"标签：{tag}", heading=f"标签：{tag}", per_month=self.per_month(reports),
                       listing=self.rows(reports, LISTING_LIMIT), total=len(reports), kind="tag")
        self.write("tags/index.md", "simple_index.md.j2", "标签", items=overview, intro="按标签浏览；标签由报送员在报告中填写。")

    def per_month(self, reports: list[Report]) -> str:
        """A bar chart of how many of these reports were reported per month (last 12)."""
        today = self.f.as_of.astimezone(self.f.tz).date()
        months = [P.period_containing("monthly", today)]
        while len(months) < 12:
            months.insert(0, months[0].previous())
        counter = Counter(self._month_of(r) for r in reports)
        return charts.bars("近 12 个月每月报告数", [_short_label(m) for m in months],
                           [charts.Series("报告数", [counter.get(m.id, 0) for m in months], "a")])

    def _month_of(self, r: Report) -> str:
        """The month of ``r``'s reported time (a report is on its unit's, its type's and its tags' charts)."""
        found = self._months.get(r.id)
        if found is None:
            found = self._months[r.id] = P.period_containing("monthly", r.reported_at.astimezone(self.f.tz).date()).id
        return found

    # --- 网页填报 (internal and restricted builds only) ----------------------------------
    def fill(self) -> None:
        from .fill import form_data

        # an attribute, escaped like every other value: data, never a script that could run
        data = json.dumps(form_data(self.f.org), ensure_ascii=False, separators=(",", ":"))
        self.write("fill/index.md", "fill.md.j2", "网页填报", data_json=data, assets="../assets/",
                   git_host=self.f.org.git_host)

    # --- help -----------------------------------------------------------------------------
    def help(self) -> None:
        rules = sorted(self.rules.values(), key=lambda r: r.code)
        items = []
        for rule in rules:
            doc = f"help/rules/{rule.code}.md"
            self.write(doc, "rule.md.j2", f"{rule.code} {rule.title}", search=True, rule=rule,
                       doc_html=render.body_html(rule.doc), severity=_SEVERITY_LABELS.get(rule.severity, rule.severity))
            items.append({"code": rule.code, "title": rule.title, "doc": doc,
                          "severity": _SEVERITY_LABELS.get(rule.severity, rule.severity), "sev": rule.severity})
        self.write("help/index.md", "help.md.j2", "帮助：如何写、查、交报告", search=True, markdown=True, rules=items,
                   types=[(code, label) for code, label in REPORT_TYPES.items()],
                   units=list(self.f.org.units.values()))


_SEVERITY_LABELS = SEVERITY_LABELS

#: From this many reports the report pages are written on every core (``pool.Pool``).
FORK_FROM = 2000


def _search_path(own: Path) -> list[str]:
    """Template folders: ``own`` (the repository's or the project's), then the project's own."""
    project = PROJECT_DIR / "templates" / "site"
    return [str(own)] if own.resolve() == project.resolve() else [str(own), str(project)]


def _names_used(env: jinja2.Environment, names: Iterable[str]) -> set[str]:
    """The variables templates ``names`` and every template they include, import or extend use
    without setting them; ``{"*"}`` when a template is named by an expression."""
    seen: set[str] = set()
    used: set[str] = set()
    todo = list(names)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        undeclared, refs = _template_names(env.loader.get_source(env, name)[0], frozenset(env.filters),
                                           frozenset(env.tests))
        used |= undeclared
        for ref in refs:
            if ref is None:
                return {"*"}
            todo.append(ref)
    return used


@functools.lru_cache(maxsize=256)
def _template_names(source: str, filters: frozenset[str],
                    tests: frozenset[str]) -> tuple[frozenset[str], tuple[str | None, ...]]:
    """The variables the template ``source`` uses without setting them, and the templates it names
    (None for one named by an expression); each source parsed once (the pages' keys ask for the
    same base templates over and over). ``filters`` and ``tests``: the names the template may use."""
    from jinja2 import meta

    # parsed in an environment without globals: find_undeclared_variables leaves out the names the
    # environment's globals define, which are exactly the ones wanted here; it compiles the
    # template, which needs each filter and test it uses to exist (by name: none is called)
    bare = jinja2.Environment()
    bare.filters.update({name: bare.filters.get(name, _never_called) for name in filters})
    bare.tests.update({name: bare.tests.get(name, _never_called) for name in tests})
    ast = bare.parse(source)
    return frozenset(meta.find_undeclared_variables(ast)), tuple(meta.find_referenced_templates(ast))


def _never_called(*_: Any) -> None:  # pragma: no cover - a filter or test only named (``_template_names``)
    raise AssertionError("only parsed")


def _report_keys(span: tuple[int, int]) -> list[str | None]:
    """A worker's task: the build cache's keys of reports[span] (kept for their pages)."""
    gen: Generator = pool.worker_state()
    return [gen._report_key(r, keep=True) for r in gen.f.reports[span[0]:span[1]]]


def _report_shadows(span: tuple[int, int], reused_shards: set[str]) -> tuple[set, int]:
    """A worker's task: the shadow pages of reports[span] (``Generator`` is the pool's state) but
    those of ``reused_shards``; the build cache's entries it used and how many it reused."""
    gen: Generator = pool.worker_state()
    gen.reused_shards = reused_shards
    for r in gen.f.reports[span[0]:span[1]]:
        gen.report_shadow(r)
    return _cache_use(gen)


def _report_pages(span: tuple[int, int]) -> tuple[list[str], set, int, dict[str, str], dict[str, str]]:
    """A worker's task: the pages of reports[span]; the ones that changed (``update_tree``), the
    build cache's entries it used and how many it reused, the pages it deferred and every page's key."""
    gen: Generator = pool.worker_state()
    gen.changed, gen.deferred, gen.page_keys = [], {}, {}
    for r in gen.f.reports[span[0]:span[1]]:
        gen.report_page(r)
    return (gen.changed, *_cache_use(gen), gen.deferred, gen.page_keys)


def _period_pages(periods: list[P.Period]) -> tuple[list[str], list[str], set, int, dict[str, str]]:
    """A worker's task: the pages (and 情况通报 documents) of ``periods``; the pages written and
    changed, the build cache's entries it used and how many it reused, and the pages' marked texts."""
    gen: Generator = pool.worker_state()
    gen.written, gen.changed, gen.marked = [], [], {}
    for p in periods:
        gen.period_page(p)
    return (gen.written, gen.changed, *_cache_use(gen), gen.marked)


def _cache_use(gen: Generator) -> tuple[set, int]:
    if gen.cache is None:
        return set(), 0
    used, hits = gen.cache.used, gen.cache.hits
    gen.cache.used, gen.cache.hits = set(), 0
    return used, hits


#: Characters JSON leaves raw that YAML would not read back as they are: C1 controls (U+0085 is a
#: YAML line break), the Unicode line/paragraph separators (line breaks in YAML, folded inside a
#: quoted scalar), the byte-order mark and the non-characters U+FFFE/U+FFFF.
_YAML_UNSAFE = re.compile("[\u007f-\u009f\u2028\u2029\ufeff\ufffe\uffff]")


def css_string(text: str) -> str:
    """``text`` as a CSS string literal that is safe inside a <style> element (printed page headers):
    every character but letters, digits, CJK and space written as a CSS escape."""
    def keep(ch: str) -> bool:
        return (ch.isascii() and ch.isalnum()) or ch == " " or ("\u3000" <= ch <= "\u9fff") or ("\uff00" <= ch <= "\uffef")

    return '"' + "".join(ch if keep(ch) else f"\\{ord(ch):06x}" for ch in text) + '"'


def yaml_json(value: Any) -> str:
    """``value`` as JSON that YAML reads back as the same value (a front-matter line)."""
    return _YAML_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", json.dumps(value, ensure_ascii=False))


def _depth(org, uid: str) -> int:
    depth, current = 0, org.units.get(uid)
    while current and current.parent and depth < 10:
        depth += 1
        current = org.units.get(current.parent)
    return depth


def _period_label(pid: str | None, kind: str | None) -> str:
    p = P.parse(str(pid), kind if kind in P.KINDS else None) if pid else None
    return p.label if p else (pid or "")


def _short_label(p: P.Period) -> str:
    if p.kind == "weekly":
        return f"W{p.id.split('-W')[1]}"
    if p.kind == "monthly":
        return f"{int(p.id.split('-')[1])}月"
    if p.kind == "quarterly":
        return f"Q{p.id[-1]}"
    return p.id


def _short_due(due: dt.datetime, tz) -> str:
    """``11月30日12:00`` (a deadline at midnight is shown as 24:00 of the day before)."""
    local = due.astimezone(tz)
    if local.hour == 0 and local.minute == 0:
        local -= dt.timedelta(minutes=1)
        return f"{local.month}月{local.day}日24:00"
    return f"{local.month}月{local.day}日{local:%H:%M}"


def _pct(value: Any) -> str:
    if value is None:
        return "—"
    return f"{float(value) * 100:.0f}%"


def _num(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".")
    return str(value)
