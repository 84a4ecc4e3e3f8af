"""Full-text search index (Pagefind) that finds every Chinese word exactly as written (SPEC §13).

Pagefind's extended binary segments Chinese with a dictionary, and the browser segments the
query with a different one (ICU), so a word that straddles a segmentation boundary is never
found: “14时10分明火扑灭” is cut 分明/火, and a search for 明火 finds nothing.

So the index is built from a *shadow* copy of each searchable page in which every run of
Chinese characters is written as its overlapping character pairs (bigrams) and its last
character: 明火扑灭 → 明火 火扑 扑灭 灭. A run glued to a number or letters before it also starts
with its first character alone (第45周 → 第 45 周 周X …), so that 45周 and 2026年 are adjacent
tokens too. Each character is spelled in ASCII letters (``qz`` + four letters), because the
browser runs the query through ICU word segmentation, which would cut a pair in two but leaves
a run of ASCII letters alone. Punctuation is left out; a decimal number is one token
and a word mixing letters and digits is spelled in letters (``word_token``), so that Pagefind does
not cut it: 3 never finds 3.5, 6 never finds 12.6, 34 never finds 91724324MA34X1HAWX.

``templates/assets/site.js`` spells each term of the reader's query the same way and asks
Pagefind for the tokens as a phrase (Pagefind's quoted search: every token exactly, adjacent, in
order), so a term is found exactly where its characters stand together, codes and numbers only
whole, and a term found nowhere finds nothing. The readable text of each page (title, subtitle,
metadata card, body) is not in its Pagefind record (Pagefind would index it too, and it doubled
Pagefind's time and memory): it is a small side file ``<shard>/t/<key>.json`` written beside the
index, which site.js fetches only for the results it shows or checks, for the excerpt (cut from
that text itself) and the checks. The record's only metadata is the key (``title``: ``qk`` and
letters, which no query spells).

The index is cut into *shards* (``shards_by_month``): one Pagefind bundle for the pages that are not
reports (``pagefind/`` itself) and one per year of the reports' time, a year cut into parts by month
when it holds more than ``SHARD_PAGES`` reports (``pagefind/2025/``, ``pagefind/2026-01/``). Each
bundle is built from its own shadow pages only (``index_shard``), one after another, so Pagefind
holds one shard at a time; ``pagefind/sb-shards.json`` lists them, newest first, and site.js merges
them at query time (Pagefind's ``mergeIndex``), each weighted so that a newer shard's pages come
first.

Both sides fold the text first (``fold``): traditional → simplified characters by OpenCC's
character table (shipped to the browser as ``pagefind/sb-fold.json``), full-width → half-width
(NFKC, one character for one), Latin capitals → small letters. One character stays one
character, so a position in the folded text is the same position in the page's own text.

The exact title of each page is indexed as one more token (``title_token``), so that a query
that is a report's whole title finds that report first, at any size.

The pages the reader sees are not changed. The shadow pages live in a temporary folder
and Pagefind writes its bundle into ``<site>/pagefind/``, with the same URLs as before.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import unicodedata
from functools import lru_cache
from pathlib import Path

from ..pool import die_with_parent

#: Pagefind indexes the shadow pages as this language: no dictionary segmentation, no stemming.
INDEX_LANGUAGE = "und"
PREFIX = "qz"
TITLE_PREFIX = "qt"
RANK_PREFIX = "qy"
GLUED_PREFIX = "qg"
FOLD_FILE = "sb-fold.json"
SHARDS_FILE = "sb-shards.json"
#: beside the shards' shadow folders (build cache): every report shard's key (cache.shard_key), and
#: ``<shard>.sb-bundle``, the cached bundle of a shard whose shadow pages were not written
SHARD_KEYS = "sb-shard-keys.json"
BUNDLE_SUFFIX = ".sb-bundle"
#: the folder of the side files (readable text) in each shard's bundle
TEXT_DIR = "t"
KEY_PREFIX = "qk"
#: the shadow folder of the pages that are not reports (their bundle is ``pagefind/`` itself)
SITE_SHARD = "site"
#: a year with more reports than this is cut into runs of months (Pagefind needs about 330 KB of memory
#: per report page of a shard: 3,500 pages ≈ 1.2 GB; more shards make the first query larger)
SHARD_PAGES = 3500
#: what a shard that is not the site's own needs of Pagefind's output (no scripts, UI or wasm:
#: site.js loads those once, from ``pagefind/``)
_SHARD_KEEP = ("fragment", "index", "filter", "pagefind-entry.json")
_BASE = 0x3400
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
HAN_RUN = re.compile(f"[{_HAN}]+")
#: Chinese run | a decimal number | other letters and digits (punctuation, spaces and ``_`` separate)
_WORD = re.compile(rf"([{_HAN}]+)|(\d+\.\d+(?![.\d])|[^\W_{_HAN}]+)")
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
BODY_MARK = "data-pagefind-body"
_REPORTED = re.compile("报送时间 ([0-9: -]+)")
#: Between the lines of the metadata card in its meta text (Pagefind turns line breaks into spaces).
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


# --- tokens --------------------------------------------------------------------------------------

@lru_cache(maxsize=65536)
def _char(ch: str) -> str:
    n = ord(ch) - _BASE
    return "".join(chr(97 + (n // 26 ** k) % 26) for k in (3, 2, 1, 0))


class _Pairs(dict):
    """Code point → its letters, a space, the prefix and its letters again, for ``str.translate``:
    a run ABC becomes ``a qzab qzbc qzc``; without its first five characters, its pairs and its last."""

    def __missing__(self, code: int) -> str:
        spelled = _char(chr(code))
        self[code] = pair = f"{spelled} {PREFIX}{spelled}"
        return pair


_PAIRS = _Pairs()
_PAIR_HEAD = 5  # len("abcd ")


def _run_tokens(run: str, glued: bool) -> str:
    """The tokens of a Chinese run: its pairs and its last character (one token for one character),
    after its first character alone, spelled with GLUED_PREFIX, when the run is glued to letters or
    digits before it (2026年 is 2026 qg年 qz年, 2026 年 is 2026 qz年: 2026年 finds only the first)."""
    spelled = run.translate(_PAIRS)
    tokens = PREFIX + spelled[:4] if len(run) == 1 else spelled[_PAIR_HEAD:]
    return f"{GLUED_PREFIX}{spelled[:4]} {tokens}" if glued else tokens


def encode_text(text: str) -> str:
    """Text as index tokens, space-separated (``text`` folded first; punctuation left out)."""
    out: list[str] = []
    prev_end = -1
    prev_word = False
    for m in _WORD.finditer(fold(text)):
        run = m.group(1)
        if run:
            out.append(_run_tokens(run, prev_word and m.start() == prev_end))
            prev_word = False
        else:
            out.append(word_token(m.group(2)))
            prev_word = True
        prev_end = m.end()
    return " ".join(out)


_DIGIT = re.compile(r"\d")
_MIXED = str.maketrans({**{str(d): "z" + chr(97 + d) for d in range(10)}, ".": "zk", "z": "zz"})


def word_token(word: str) -> str:
    """A word of letters and digits as one index token. Pagefind would cut a word that mixes
    letters and digits into pieces (91724324MA34X1HAWX → … 34 …, 12p6 → 12 p 6) and find 34 or 6
    in it; such a word is spelled in letters only (digit d → z + the d-th letter, . → zk, z → zz)."""
    if _DIGIT.search(word) and not word.isdigit():
        return word.translate(_MIXED)
    return word


def title_token(title: str) -> str:
    """One token standing for a whole title (folded, spaces left out): FNV-1a over its UTF-16 code
    units, in letters (site.js ``titleToken``)."""
    h = 0x811C9DC5
    data = "".join(fold(title).split()).encode("utf-16-le")
    for i in range(0, len(data), 2):
        h = ((h ^ (data[i] | data[i + 1] << 8)) * 0x01000193) & 0xFFFFFFFF
    letters = ""
    for _ in range(7):
        letters += chr(97 + h % 26)
        h //= 26
    return TITLE_PREFIX + letters


def _encode_node(m: re.Match) -> str:
    text = html.unescape(m.group(1))
    return ">" + (" " + encode_text(text) + " " if text.strip() else m.group(1)) + "<"


def _keep_marked(m: re.Match) -> str:
    return m.group(0) if "data-pagefind" in m.group(0) else ""


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


def _meta(name: str, text: str) -> str:
    return f'<p data-pagefind-meta="{name}">{html.escape(text, quote=False)}</p>' if text else ""


def shadow_page(page: str, key: str = "") -> str | None:
    """The page to index in place of ``page``, or None when the page is not searchable.

    Its readable text (title, subtitle, metadata card, body) goes in a ``<script>`` in the head,
    outside what Pagefind indexes, under ``key`` (``text_key``): ``index_shard`` writes it out as the
    page's side file. The page's Pagefind record holds only the key."""
    at = page.find(BODY_MARK)
    if at < 0:
        return None
    start = page.rfind("<", 0, at)
    head, body = page[:start], page[start:]
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
    # the record's title is the key: Pagefind would otherwise take the (spelled) first heading
    meta = f'<p data-pagefind-meta="title">{key}</p>' if key else ""
    # The subtitle names the unit and the type: weigh it like a heading, so that a search for
    # a unit's name lists that unit's reports before pages that merely mention it.
    body = body.replace('<p class="sb-subtitle">', '<p class="sb-subtitle" data-pagefind-weight="5">', 1)
    body = re.sub(r"<h1\b", '<h1 data-pagefind-weight="10"', body, count=1)
    body = _INLINE_TAG.sub(_keep_marked, body)
    body = _TEXT.sub(_encode_node, body)
    if title:  # one token for the whole title: an exact title finds its page first
        body = body.replace("</h1>", f" {title_token(title)}</h1>", 1)
    # The title and the subtitle once more, spelled with RANK_PREFIX: a term in them (a phrase of
    # these tokens) ranks the page before pages that only mention it. Newest reports first
    # otherwise (Pagefind's sort on the report time; other pages after them).
    heading = " ".join(filter(None, (title, sub and _TAG.sub("", sub.group(1)))))
    ranked = " ".join(RANK_PREFIX + t[len(PREFIX):] if t.startswith(PREFIX) else word_token(RANK_PREFIX + t)
                      for t in encode_text(html.unescape(heading)).split())
    when = _REPORTED.search(text.get("c", ""))
    sort = f'<p data-pagefind-sort="date">{when.group(1) if when else "0000"}</p>'
    body = body.replace(">", f"><p>{ranked}</p>{sort}", 1) if ranked else body.replace(">", f">{sort}", 1)
    # "<" escaped: nothing in the text can end the script element
    side = f'{_SIDE_OPEN}{key}">{json.dumps(text, ensure_ascii=False, sort_keys=True).replace("<", _LT)}</script>'
    end = head.find("</head>")
    head = head[:end] + side + head[end:] if end >= 0 else side + head
    return head + meta + body


#: A page of no content that sorts before every report of a shard. With a sort, Pagefind scores each
#: result by its page's place in the shard's order (0 for the oldest page); site.js multiplies a
#: shard's scores by its weight to put newer shards first, which needs every report at 1 or more.
FIRST_PAGE = "sb-first.html"
_FIRST = ('<!doctype html><html><body><div data-pagefind-body><p data-pagefind-meta="title">qk</p>'
          '<p data-pagefind-sort="date">0000</p><p>qkfirst</p></div></body></html>')

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
    """The key of a page's side file, in letters only (Pagefind indexes the record's metadata too:
    no query may find it): ``qk``, twelve letters from the page's path, the shard spelled (digit d →
    the d-th letter, - → k; nothing for the site's own shard). site.js reads it back (``sideUrl``)."""
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
#: Parts of a report page that carry data-pagefind-ignore: dropped before encoding (Pagefind would
#: skip them anyway), so neither the encoder nor Pagefind spends time on them.
_IGNORED = (
    re.compile(r'<section class="[^"]*" data-pagefind-ignore>.*?</section>\n?', re.DOTALL),
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
    if body.lstrip().startswith(_REPORT_START):
        for pattern in _IGNORED:
            body = pattern.sub("", body)
    elif markdown_body:
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


def index_shard(shadow_dir: Path, out: Path, site: bool = False) -> None:
    """Pagefind over the shadow pages of one shard (``shadow_dir``), its bundle written into ``out``
    (replaced), with the pages' side files (``t/<key>.json``). Depends on those pages only (and on
    Pagefind's version): the same pages give the same bytes, so a build may reuse a shard whose
    pages did not change. The site's own shard (``site``) keeps Pagefind's scripts, UI and wasm
    (and the fold table); the others only their index, records and side files."""
    out = Path(out).resolve()
    staged = out.with_name(f".{out.name}.new-{os.getpid()}")
    if not site:
        (shadow_dir / FIRST_PAGE).write_text(_FIRST, encoding="utf-8")
    # -I: isolated from the working directory (the repository): `python -m` would import a
    # repository file named like a standard module (asyncio.py) before the standard library
    cmd = [sys.executable, "-I", "-m", "pagefind", "--site", str(shadow_dir), "--force-language", INDEX_LANGUAGE,
           "--output-path", str(staged), "--silent"]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=str(shadow_dir), preexec_fn=die_with_parent)
        if proc.returncode < 0:  # killed: on a build machine that is nearly always the memory
            raise RuntimeError(
                f"Pagefind 被系统终止（信号 {-proc.returncode}），多半是内存不足：建立索引的每个分片"
                f"（每年，或每 {SHARD_PAGES} 份报告）约需 1 GB 内存。请在内存更大的机器上构建。")
        if proc.returncode != 0 or not staged.is_dir():
            raise RuntimeError((proc.stderr or proc.stdout).strip() or "Pagefind 没有生成索引")
        if site:
            (staged / FOLD_FILE).write_text(fold_table_json(), encoding="utf-8")
        else:
            for item in staged.iterdir():
                if item.name not in _SHARD_KEEP and not item.name.endswith(".pf_meta"):
                    shutil.rmtree(item) if item.is_dir() else item.unlink()
        _write_side_files(shadow_dir, staged)
        if out.exists():
            shutil.rmtree(out)
        os.replace(staged, out)
    finally:
        shutil.rmtree(staged, ignore_errors=True)


def side_text(shadow: str) -> tuple[str, dict] | None:
    """The key and the readable text a shadow page carries for its side file, or None."""
    m = _SIDE.search(shadow)
    return (m.group(1), json.loads(m.group(2))) if m else None


def _write_side_files(shadow_dir: Path, bundle: Path) -> None:
    """Each shadow page's readable text (``shadow_page``) and its path as ``bundle/t/<page>.json``,
    named by Pagefind's id of the page (its record ``fragment/<page>.pf_fragment``): site.js finds
    the text of a result from its id, without loading the record."""
    import gzip

    texts: dict[str, tuple[str, str]] = {}
    for path in shadow_dir.rglob("*.html"):
        with open(path, encoding="utf-8") as f:
            head = f.read(1 << 16)
        m = _SIDE.search(head)
        if m is None and "</script>" not in head:  # a page whose text is longer than the first read
            m = _SIDE.search(path.read_text(encoding="utf-8"))
        if m and m.group(1):
            texts[m.group(1)] = (path.relative_to(shadow_dir).as_posix(), m.group(2))
    text_dir = bundle / TEXT_DIR
    text_dir.mkdir()
    for record in (bundle / "fragment").glob("*.pf_fragment"):
        data = gzip.decompress(record.read_bytes())
        key = json.loads(data[data.index(b"{"):]).get("meta", {}).get("title", "")
        if key in texts:
            rel, text = texts[key]
            # the text as written in the shadow page ("<" escaped), the page's path added in front
            (text_dir / f"{record.name.split('.')[0]}.json").write_text(
                '{"url": ' + json.dumps(rel, ensure_ascii=False) + ", " + text[1:], encoding="utf-8")


def index_shards(shadow_dir: Path, out: Path, reuse=None) -> list[str]:
    """Every shard under ``shadow_dir`` (a folder per shard, ``site`` for the pages that are not
    reports) indexed one after another (``index_shard``: Pagefind holds one shard at a time) into
    ``out`` (the site's shard) and ``out/<shard>/``, with the list ``out/sb-shards.json``; the shards,
    newest first. With ``reuse`` (the build cache's ``cache.ShardReuse``) a shard whose shadow pages
    are those of an earlier build is taken from it instead."""
    keys: dict[str, str] = {}
    if reuse is not None and (shadow_dir / SHARD_KEYS).is_file():
        keys = json.loads((shadow_dir / SHARD_KEYS).read_text(encoding="utf-8"))

    def index(pages: Path, bundle: Path, site: bool = False) -> None:
        given = shadow_dir / f"{pages.name}{BUNDLE_SUFFIX}"
        if reuse is not None and given.is_file():  # the generator wrote no shadow page for it
            if not reuse.take(given, bundle, keys.get(pages.name)):
                raise RuntimeError(f"无法展开构建缓存中的搜索索引分片 {pages.name}，请删除构建缓存后重新构建")
            return
        if reuse is not None and reuse.fetch(pages, bundle, site, keys.get(pages.name)):
            return
        index_shard(pages, bundle, site=site)
        if reuse is not None:
            reuse.store(bundle)

    out = Path(out)
    site = shadow_dir / SITE_SHARD
    site.mkdir(parents=True, exist_ok=True)
    if not any(site.iterdir()):  # Pagefind needs a page: the site's shard has one even when empty
        (site / "index.html").write_text("<!doctype html><html><body></body></html>", encoding="utf-8")
    index(site, out, site=True)
    shards = shard_order({*(p.name for p in shadow_dir.iterdir() if p.is_dir() and p.name != SITE_SHARD),
                          *keys})
    for name in shards:
        index(shadow_dir / name, out / name)
    (out / SHARDS_FILE).write_text(json.dumps({"shards": shards}), encoding="utf-8")
    return shards


def index_docs(docs_dir: Path, out: Path) -> None:
    """Build the Pagefind bundles for the docs tree ``docs_dir`` into the folder ``out``.

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
    the pages themselves, see ``Generator.report_shadow``) and the child only runs Pagefind on them.
    With ``session`` the child leads a process group of its own, so that ``stop_indexer`` stops
    Pagefind with it (serve restarts the index when a newer edit arrives). With ``cache_dir`` (and
    ``shadows``) unchanged shards come from the build cache (``index_shards``).
    """
    cmd = [*_isolated_main("generator.site.search"), *(["--shadows"] if shadows else []),
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
    """Stop an indexer started with ``session=True`` and its Pagefind; its temporary files go too.
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
        raise RuntimeError(text or "Pagefind 没有生成索引")
    try:
        return float(text.splitlines()[-1])
    except (IndexError, ValueError):
        return 0.0


_PROJECT_ROOT = Path(__file__).resolve().parents[2]


def main(argv: list[str] | None = None) -> int:
    """``python -m generator.site.search [--shadows] DOCS_DIR OUT_DIR``: what ``start_indexer`` runs."""
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
