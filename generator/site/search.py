"""Full-text search (SPEC §13): the readable text of every searchable page, and the index made of it.

The generator writes, for each searchable page (reports, help and rule pages), a *shadow*: the
page's readable text — title, subtitle, metadata card (its lines separated by ``CARD_SEP``), body —
as JSON in a ``<script>`` element (``shadow_page``), the report pages' shadows before the pages
themselves, so that the index can start while the other pages are generated and MkDocs renders.
That text is what the site's search looks in, what an excerpt is cut from, and what the index
(``textindex.py``) is built from: a page is found exactly when its text holds every term.

The shadows are grouped in *shards* (``shards_by_month``): one for the pages that are not reports
(``site``) and one per year of the reports' time, a year cut into parts by month when it holds more
than ``SHARD_PAGES`` reports. A shard is the unit the build cache keeps (``cache.ShardReuse``): its
pages' texts in rank order (``index_shard``: newest report first), so that a build reads from the
cache every shard whose reports did not change. The index itself is then written from all
shards' texts at once, newest shard first and the site's own pages last (``index_shards``), into
``<site>/sb-index/``.

Both the index and the browser fold the text first (``fold``): traditional → simplified characters
by OpenCC's character table (shipped to the browser as ``sb-index/fold.json``), full-width →
half-width (NFKC, one character for one), Latin capitals → small letters. One character stays one
character, so a position in the folded text is the same position in the page's own text.

The pages the reader sees are not changed. The shadows live in a temporary folder.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import unicodedata
from functools import lru_cache
from pathlib import Path

#: the index's folder in the site
INDEX_DIR = "sb-index"
#: a shard's pages' texts in rank order, one JSON object a line (a shard's bundle in the build cache)
TEXTS_FILE = "texts.jsonl"
#: beside the shards' shadow folders (build cache): every report shard's key (cache.shard_key), and
#: ``<shard>.sb-bundle``, the cached bundle of a shard whose shadow pages were not written
SHARD_KEYS = "sb-shard-keys.json"
BUNDLE_SUFFIX = ".sb-bundle"
KEY_PREFIX = "qk"
#: the shard of the pages that are not reports (help and rule pages)
SITE_SHARD = "site"
#: a year with more reports than this is cut into runs of months (a shard is what the build cache
#: reuses when none of its reports changed: smaller shards, less to redo when one report changes)
SHARD_PAGES = 3500
#: Inline elements are dropped from the shadow page so that 低<b>压</b>配 stays one run of text.
_INLINE_TAG = re.compile(
    r"</?(?:a|abbr|b|bdi|bdo|cite|code|data|del|dfn|em|i|ins|kbd|mark|q|s|samp|small|span|strong|sub|sup|"
    r"time|u|var)\b[^>]*>", re.IGNORECASE)
_TEXT = re.compile(r">([^<]+)<")
_H1 = re.compile(r"<h1\b[^>]*>(.*?)</h1>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]*>")
_SUBTITLE = re.compile(r'<p class="sb-subtitle"[^>]*>(.*?)</p>', re.DOTALL)
_ON = re.compile(r'<p class="sb-on"[^>]*>.*?</p>', re.DOTALL)
_CARD = re.compile(r'<div class="sb-card sb-meta"[^>]*>\s*<dl>(.*?)</dl>\s*(?:<p class="sb-tags">(.*?)</p>\s*)?</div>',
                   re.DOTALL)
_CARD_ITEM = re.compile(r"<dt>(.*?)</dt>\s*<dd>(.*?)</dd>", re.DOTALL)
_CARD_TAG = re.compile(r'<a class="sb-tag"[^>]*>(.*?)</a>', re.DOTALL)
#: what marks the searchable part of a page (main.html; the name is the one Pagefind used)
BODY_MARK = "data-pagefind-body"
_REPORTED = re.compile("报送时间 ([0-9: -]+)")
#: Between the lines of the metadata card in its text (site.js reads it back as line breaks).
CARD_SEP = "\u2063"


# --- folding: the same on both sides (site.js foldText) --------------------------------------------

@lru_cache(maxsize=1)
def t2s_table() -> dict[str, str]:
    """Traditional → simplified, one character for one: OpenCC's character table (first candidate)."""
    import opencc

    table: dict[str, str] = {}
    path = Path(opencc.__file__).parent / "dictionary" / "TSCharacters.txt"
    for line in path.read_text(encoding="utf-8").splitlines():
        src, _, dst = line.partition("\t")
        dst = dst.split(" ")[0]
        if len(src) == 1 and len(dst) == 1 and src != dst and _units(src) == _units(dst):
            table[src] = dst
    return table


def _units(ch: str) -> int:
    """UTF-16 code units of a character (what a position in the browser counts)."""
    return 2 if ord(ch) > 0xFFFF else 1


class _Fold(dict):
    """Code point → its folded character, for ``str.translate``; filled as characters come."""

    def __missing__(self, code: int) -> str:
        ch = chr(code)
        out = t2s_table().get(ch, ch)
        nfkc = unicodedata.normalize("NFKC", out)
        if len(nfkc) == 1 and _units(nfkc) == _units(ch):
            out = nfkc
        if "A" <= out <= "Z":
            out = out.lower()
        self[code] = out
        return out


_FOLD = _Fold()


def fold(text: str) -> str:
    """``text`` with traditional characters simplified, full-width forms half-width, capitals small;
    one character for one (site.js ``foldText`` does the same)."""
    return text.translate(_FOLD)


def _plain(fragment: str) -> str:
    """Readable text of an HTML fragment: one line per text node, spaces inside a line as written."""
    lines = (" ".join(html.unescape(t).split()) for t in _TEXT.findall(">" + fragment + "<"))
    return "\n".join(line for line in lines if line)


def _card_text(card: re.Match) -> str:
    """The metadata card as lines “名称 值” (separated by CARD_SEP), the tags on a last line."""
    lines = [" ".join(html.unescape(_TAG.sub("", f"{k} {v}")).split()) for k, v in _CARD_ITEM.findall(card.group(1))]
    if card.group(2):
        lines.append(" ".join(" ".join(html.unescape(_TAG.sub("", t)).split()) for t in _CARD_TAG.findall(card.group(2))))
    return CARD_SEP.join(line for line in lines if line)


def shadow_page(page: str, key: str = "") -> str | None:
    """The shadow of ``page``, or None when the page is not searchable: its readable text (title,
    subtitle, metadata card, body) as JSON in a ``<script>`` element, under ``key`` (``text_key``)."""
    at = page.find(BODY_MARK)
    if at < 0:
        return None
    body = page[page.rfind("<", 0, at):]
    for pattern in _IGNORED:  # what the page marks as not searchable (a hint, the chain, the history)
        body = pattern.sub("", body)
    h1 = _H1.search(body)
    title = " ".join(html.unescape(_TAG.sub("", h1.group(1))).split()) if h1 else ""
    text = {"title": title}
    sub = _SUBTITLE.search(body)
    if sub:  # shown under the title in the results (unit · type · stage), readable
        text["sub"] = " ".join(html.unescape(_TAG.sub("", sub.group(1))).split())
    # “针对报告：<title>” on a feedback page repeats another report's title (like the incident
    # chain, which the page template already leaves out of the index): leave it out too, so an
    # exact title finds its own report first.
    body = _ON.sub("", body, count=1)
    card = _CARD.search(body)
    # the readable text for excerpts and checks: the card apart, the body without title and subtitle
    readable = body
    if card:
        text["c"] = _card_text(card)
        readable = readable[:card.start()] + readable[card.end():]
    readable = _SUBTITLE.sub("", _H1.sub("", readable, count=1), count=1)
    text["t"] = _plain(_INLINE_TAG.sub("", readable))
    # "<" escaped: nothing in the text can end the script element
    return f'{_SIDE_OPEN}{key}">{json.dumps(text, ensure_ascii=False, sort_keys=True).replace("<", _LT)}</script>'


_SIDE_OPEN = '<script type="application/json" data-sb-key="'
_LT = "\\u003c"
_SIDE = re.compile(re.escape(_SIDE_OPEN) + r'([a-z]*)">(.*?)</script>', re.DOTALL)


def shards_by_month(months: dict[tuple[str, int], int]) -> dict[tuple[str, int], str]:
    """The shard of each (year, month) of the reports' reported times, given the reports per month:
    the year (``2025``) when it holds at most ``SHARD_PAGES`` reports, else runs of whole months of
    at most ``SHARD_PAGES`` reports (a month alone may hold more), each named by its first month
    (``2025-01``, ``2025-03`` …), so that a shard keeps its name when a report is added elsewhere."""
    out: dict[tuple[str, int], str] = {}
    for year in sorted({y for y, _ in months}):
        in_year = sorted((m, n) for (y, m), n in months.items() if y == year)
        if sum(n for _, n in in_year) <= SHARD_PAGES:
            out.update({(year, m): year for m, _ in in_year})
            continue
        name, held = "", 0
        for month, n in in_year:
            if not name or held + n > SHARD_PAGES:
                name, held = f"{year}-{month:02d}", 0
            held += n
            out[(year, month)] = name
    return out


def shard_order(names) -> list[str]:
    """Shard names, newest first (2026, 2025-07, 2025-05, 2025-01, 2024 …)."""
    def key(name: str) -> tuple[int, int]:
        year, _, part = name.partition("-")
        return int(year), int(part or 0)
    return sorted(names, key=key, reverse=True)


_SHARD_CODE = str.maketrans("0123456789-", "abcdefghijk")


def text_key(shard: str, rel: str) -> str:
    """The key a page's shadow carries, in letters: ``qk``, twelve letters from the page's path, the
    shard spelled (digit d → the d-th letter, - → k; nothing for the site's own shard)."""
    import hashlib

    n = int.from_bytes(hashlib.sha256(rel.encode("utf-8")).digest()[:8], "big")
    letters = "".join(chr(97 + (n // 26 ** k) % 26) for k in range(12))
    return KEY_PREFIX + letters + ("" if shard == SITE_SHARD else shard.translate(_SHARD_CODE))


def fold_table_json() -> str:
    """What site.js folds besides NFKC and capitals: OpenCC's traditional → simplified characters,
    as one JSON string of pairs (貨货車车…)."""
    return json.dumps("".join(k + v for k, v in sorted(t2s_table().items())), ensure_ascii=False)


# --- shadow pages straight from the generated docs tree (no MkDocs HTML needed) -------------

_FRONT = re.compile(r"\A---\n(.*?)\n---\n", re.DOTALL)
_REPORT_START = '<div class="sb-page sb-report">'
#: Parts of a page that carry data-pagefind-ignore (a hint, the incident chain, feedback, history):
#: not the page's own text, never searched.
_IGNORED = (
    re.compile(r'<section class="[^"]*" data-pagefind-ignore>.*?</section>\n?', re.DOTALL),
    re.compile(r'<p class="[^"]*" data-pagefind-ignore>.*?</p>\n?', re.DOTALL),
)
_MD_EXTENSIONS = ["tables", "attr_list", "admonition", "fenced_code"]  # MkDocs adds fenced_code itself


def _page_html(title: str, body: str) -> str:
    return ('<!doctype html><html lang="zh"><head><meta charset="utf-8"><title>' + html.escape(title, quote=False)
            + '</title></head><body><div data-pagefind-body>\n' + body + "\n</div></body></html>")


def shadow_from_doc(text: str, key: str = "") -> str | None:
    """The page to index for a generated docs page (Markdown with front matter), or None.

    Report and rule pages are all HTML, carried in the front matter (``sb_html``), exactly what the
    theme prints as the page body; the help page is Markdown and is rendered here with the same
    extensions as mkdocs.yml.
    """
    m = _FRONT.match(text)
    if not m or "\nsb_search: true" not in "\n" + m.group(1):
        return None
    title = ""
    page_html = None
    for line in m.group(1).splitlines():
        if line.startswith("title:"):
            try:
                title = html.unescape(str(json.loads(line[6:].strip())))
            except ValueError:
                title = line[6:].strip()
        elif line.startswith("sb_html:"):  # an all-HTML page carries its HTML here (generate.yaml_json)
            page_html = str(json.loads(line[8:].strip()))
    return shadow_from_html(title, text[m.end():] if page_html is None else page_html, page_html is None, key)


def shadow_from_html(title: str, body: str, markdown_body: bool = False, key: str = "") -> str:
    """The page to index for a searchable page with this title and HTML body (Markdown when
    ``markdown_body``): what ``shadow_from_doc`` gives for the generated page, without reading
    the page back (the generator calls this as it writes the page)."""
    if markdown_body and not body.lstrip().startswith(_REPORT_START):
        import markdown

        body = markdown.markdown(body, extensions=_MD_EXTENSIONS)
    return shadow_page(_page_html(title, body), key) or ""


_REPORTED_CARD = re.compile(r"<dt>报送时间</dt>\s*<dd>(\d{4})-(\d{2})")


def write_shadow_docs(docs_dir: Path, shadow_dir: Path) -> int:
    """Write the shadow of every searchable page of the docs tree ``docs_dir`` under
    ``shadow_dir/<shard>/`` (the shards ``shards_by_month`` gives, as the generator does)."""
    docs: list[tuple[str, str, tuple[str, int] | None]] = []
    months: dict[tuple[str, int], int] = {}
    for path in sorted(docs_dir.rglob("*.md")):
        rel = path.relative_to(docs_dir)
        if rel.parts[0] == "assets":
            continue
        text = path.read_text(encoding="utf-8")
        if "\nsb_search: true" not in text[:text.find("\n---", 4) + 1]:
            continue
        when = _REPORTED_CARD.search(text) if rel.parts[0] == "r" else None
        made = (when.group(1), int(when.group(2))) if when else None
        if made:
            months[made] = months.get(made, 0) + 1
        docs.append((rel.with_suffix(".html").as_posix(), text, made))
    count = 0
    shards = shards_by_month(months)
    for rel, text, made in docs:
        shard = shards[made] if made else SITE_SHARD
        shadow = shadow_from_doc(text, text_key(shard, rel))
        if shadow is None:
            continue
        target = shadow_dir / shard / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(shadow, encoding="utf-8")
        count += 1
    return count


def _reported(text: str) -> str:
    m = _REPORTED.search(text)
    return m.group(1) if m else ""


def index_shard(shadow_dir: Path, out: Path) -> None:
    """The texts of one shard's pages (``shadow_dir``) as ``out/texts.jsonl`` (``out`` replaced), in
    rank order: the latest reported time first, then by address. Depends on those pages only: the
    same pages give the same bytes, whatever order they were written in, so a build may reuse a
    shard whose pages did not change."""
    rows: list[tuple[str, str, str]] = []
    for path in shadow_dir.rglob("*.html"):
        m = _SIDE.search(path.read_text(encoding="utf-8"))
        if m:
            rows.append((_reported(m.group(2)), path.relative_to(shadow_dir).as_posix(), m.group(2)))
    rows.sort(key=lambda row: row[1])
    rows.sort(key=lambda row: row[0], reverse=True)  # (stable: by address within the same time)
    out = Path(out)
    staged = out.with_name(f".{out.name}.new-{os.getpid()}")
    shutil.rmtree(staged, ignore_errors=True)
    staged.mkdir(parents=True)
    with open(staged / TEXTS_FILE, "w", encoding="utf-8") as f:
        for _when, rel, text in rows:  # the page's address in front of its text as written
            f.write('{"url": ' + json.dumps(rel, ensure_ascii=False) + ", " + text[1:] + "\n")
    if out.exists():
        shutil.rmtree(out)
    os.replace(staged, out)


def side_text(shadow: str) -> tuple[str, dict] | None:
    """The key and the readable text a shadow page carries, or None."""
    m = _SIDE.search(shadow)
    return (m.group(1), json.loads(m.group(2))) if m else None
