"""``shangbao serve`` after an edit: only the pages the edited reports appear on, regenerated and rendered.

Regenerating the whole docs tree and running MkDocs over it takes many seconds at 10,000 reports,
though an edit to one report changes a handful of pages. ``update_pages`` works out which from the
reports that changed (compared with the facts the preview last showed) and writes those only:

- the pages of the changed reports and of the reports that show them (the other reports of an
  incident chain, the report a piece of feedback is on and the feedback on a report);
- the period pages of every period they count in (before and after the edit), including the
  period of an incident's 初报 for its 续报/终报, of the feedback on a changed report (its unit's
  figures), and the longer periods whose charts show those periods; the summaries of the other
  periods are kept from the last time;
- the pages of their units, types and tags, the home page and the index pages.

``render_pages`` then renders just those pages with MkDocs in a scratch folder holding them and the
pages of the navigation (generated pages link by address, so a page renders alone as it does among
all the others) and copies the HTML into the preview. tests/test_site_serve.py proves both give
what a full build gives. When the edit changes what every page depends on (``_org.yml``, the
as-of, git history, the periods shown, the pages' addresses, templates) ``update_pages`` returns None
and serve regenerates the whole tree as before.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
from pathlib import Path

import jinja2
import jinja2.bccache

from .. import periods as P
from . import urls
from .facts import Facts, counting_periods

#: more changed reports than this (a git checkout, a copied folder): the whole tree is regenerated
MOST_CHANGED = 200


def changed_paths(old: Facts, new: Facts) -> set[str] | None:
    """The files whose report is another object than last time (LiveRepository re-reads only changed
    files: the others keep their object), or None when too many changed."""
    before = {r.path: r for r in old.all_reports}
    after = {r.path: r for r in new.all_reports}
    out = {path for path in before.keys() | after.keys() if before.get(path) is not after.get(path)}
    return None if len(out) > MOST_CHANGED else out


def update_pages(old: Facts, new: Facts, root: Path, docs_dir: Path,
                 notices: dict[str, tuple[str, bytes]]) -> tuple[list[str], list[str]] | None:
    """Regenerate in ``docs_dir`` the pages that differ between ``old`` (what it holds now) and ``new``;
    (pages changed, pages removed), or None when the whole tree has to be regenerated. ``notices``:
    the periods' 情况通报 made so far (``Generator.notices``), kept by the caller between edits."""
    if (old.org is not new.org or old.as_of != new.as_of or old.audience != new.audience
            or old.members is not None or new.members is not None):
        return None
    paths = changed_paths(old, new)
    if paths is None:
        return None
    periods_all = new.all_periods()
    if [p.id for p in old.all_periods()] != [p.id for p in periods_all]:
        return None
    if any(new.doc.get(rid, doc) != doc for rid, doc in old.doc.items()):
        return None  # ids that differ only in case: other reports' pages moved
    before = {r.path: r for r in old.all_reports if r.path in paths}
    after = {r.path: r for r in new.all_reports if r.path in paths}
    pairs = [(old, r) for r in before.values()] + [(new, r) for r in after.values()]
    if any(r.reported_at is None or not r.usable for _, r in pairs):
        return None
    old_ids = {r.id: r for r in old.all_reports}
    new_ids = {r.id: r for r in new.all_reports}

    reports: set[str] = set()  # report pages
    period_ids: set[str] = set()
    units: set[str] = set()
    types: set[str] = set()
    tags: set[str] = set()
    tz = new.tz
    for facts, r in pairs:
        every = old_ids if facts is old else new_ids
        reports.add(r.id)
        units.add(r.unit)
        types.add(r.type)
        tags.update(r.tags)
        period_ids.update(counting_periods(r, tz))
        if r.type == "incident":
            reports.update(x.id for x in facts.chain(r))
            head = every.get(r.follows or "")
            if head is not None:  # its summary lists the chain under the 初报
                period_ids.update(counting_periods(head, tz))
        target = every.get(r.on or "") if r.type == "feedback" else None
        if target is not None:
            reports.add(target.id)
            reports.update(x.id for x in facts.chain(target))
            units.add(target.unit)
        for fb in facts.feedback.get(r.id, []):  # they show this report, and count for its unit
            reports.add(fb.id)
            period_ids.update(counting_periods(fb, tz))
    periods = _with_charts(period_ids)
    new._summaries.update({pid: s for pid, s in old._summaries.items() if pid not in periods})
    new._summary_objects.update({pid: s for pid, s in old._summary_objects.items() if pid not in periods})

    from .build import _generator

    # (without the build cache: its keys take longer to work out than these few pages to render)
    gen = _generator(new, root, docs_dir, None)
    gen.env.bytecode_cache = _COMPILED
    gen.notices = notices
    gen.keep_unchanged = True
    for r in new.reports:
        if r.id in reports:
            gen.report_page(r)
    shown = [p for p in periods_all if p.id in periods]
    for p in shown:
        gen.period_page(p)
    gen.periods_index(periods_all)
    gen.home()
    gen.units(units)
    gen.types(types)
    gen.tags(tags)
    changed = list(gen.changed)
    removed = sorted((_docs(old) - _docs(new)))
    for doc in removed:
        (docs_dir / doc).unlink(missing_ok=True)
    return changed, removed


class _Compiled(jinja2.BytecodeCache):
    """The templates compiled once per serve, not once per edit (a generator has an environment of
    its own). Jinja2 keys each entry with the template's source: an edited template is compiled again."""

    def __init__(self) -> None:
        self.entries: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        data = self.entries.get(bucket.key)
        if data is not None:
            bucket.bytecode_from_string(data)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self.entries[bucket.key] = bucket.bytecode_to_string()


_COMPILED = _Compiled()


def _with_charts(period_ids: set[str]) -> set[str]:
    """``period_ids`` and the longer periods they belong to (each period page charts its parts)."""
    out = set(period_ids)
    for pid in period_ids:
        p = P.parse(pid)
        if p is not None:
            out.update(q.id for q in P.enclosing(p))
    return out


def _docs(facts: Facts) -> set[str]:
    """The report and tag pages of ``facts`` (the other pages do not come and go with reports)."""
    tags = {t for r in facts.reports for t in r.tags}
    return set(facts.doc.values()) | {f"tags/{urls.slug(t)}.md" for t in tags}


def warm_up(facts: Facts, root: Path, docs_dir: Path, site_dir: Path, nav: set[str], audience: str,
            as_of: dt.datetime | None) -> None:
    """Compile the templates (the generator's and the theme's) once, after the first build, so that the
    first edit is as quick as the next ones: the home page rendered as an edit renders it."""
    from .build import _generator

    env = _generator(facts, root, docs_dir, None).env
    env.bytecode_cache = _COMPILED
    for name in env.list_templates():
        if name.endswith(".j2"):
            env.get_template(name)
    render_pages(root, docs_dir, site_dir, ["index.md"], nav, facts.org, audience, as_of)


def navigation(root: Path, docs_dir: Path, audience: str) -> set[str] | None:
    """The docs pages the navigation lists (what every page shows), or None when mkdocs.yml lists no
    navigation (MkDocs then makes one of every page: a page cannot be rendered alone)."""
    from mkdocs.config import load_config

    from .build import _add_fill_nav, _nav_docs, mkdocs_config_file

    cfg = load_config(config_file=str(mkdocs_config_file(root)), docs_dir=str(docs_dir))
    if not isinstance(cfg.get("nav"), list):
        return None
    if audience != "public":  # as run_mkdocs gives it
        _add_fill_nav(cfg)
    return _nav_docs(cfg["nav"])


def render_pages(root: Path, docs_dir: Path, site_dir: Path, docs: list[str], nav: set[str], org,
                 audience: str, as_of: dt.datetime | None) -> None:
    """Render ``docs`` (docs-tree paths) with MkDocs into ``site_dir``, as a full build renders them."""
    from .build import run_mkdocs, title_lines

    pages = [d for d in docs if d.endswith(".md")]
    scratch = Path(tempfile.mkdtemp(prefix=f".sb-pages-{os.getpid()}-", dir=site_dir.parent))
    try:
        small = scratch / "docs"
        for doc in {*pages, *nav}:
            source = docs_dir / doc
            if not source.is_file():
                continue
            (small / doc).parent.mkdir(parents=True, exist_ok=True)
            if doc in pages:
                shutil.copyfile(source, small / doc)
            else:  # only there for the navigation, which shows its title: not rendered for nothing
                (small / doc).write_bytes(b"---\n" + b"\n".join(title_lines(source)) + b"\n---\n")
        if pages:
            run_mkdocs(root, small, scratch / "site", org, audience, live=True, as_of=as_of, pages_only=True,
                       compiled=_COMPILED)
        made = [(scratch / "site" / urls.html_path(doc), site_dir / urls.html_path(doc)) for doc in pages]
        made += [(docs_dir / doc, site_dir / doc) for doc in docs if not doc.endswith(".md")]
        for source, target in made:
            if target.is_file() and target.read_bytes() == source.read_bytes():
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            part = target.with_name(f".{target.name}.{os.getpid()}.part")
            shutil.copyfile(source, part)
            os.replace(part, target)  # a reader never sees half a page
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
