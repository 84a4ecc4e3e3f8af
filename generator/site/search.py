"""Full-text search index (Pagefind) that finds every Chinese word, not only dictionary words.

Pagefind's extended binary segments Chinese with a dictionary, and the browser segments the
query with a different one (ICU), so a word that straddles a segmentation boundary is never
found: “14时10分明火扑灭” is cut 分明/火, and a search for 明火 finds nothing.

So the index is built from a *shadow* copy of each searchable page in which every run of
Chinese characters is written as its overlapping character pairs (bigrams): 明火扑灭 →
明火 火扑 扑灭. Any Chinese word of two or more characters is then a sequence of indexed
tokens, whatever a dictionary thinks. Each character is spelled in ASCII letters
(``qz`` + four letters per character), because the browser still runs the (Chinese) query
through ICU word segmentation, which would cut a pair like 火扑 in two but leaves a run of
ASCII letters alone. ``templates/assets/site.js`` spells the reader's query the same way and
turns the excerpts Pagefind returns back into readable text.

A token that was glued to the one before it (no space in the original text) starts with
U+2060 WORD JOINER, which Pagefind drops from the indexed word; this is what lets the excerpt
be decoded exactly: two glued Chinese tokens overlap by one character.

The pages the reader sees are not changed. The shadow pages live in a temporary folder
and Pagefind writes its bundle into ``<site>/pagefind/``, with the same URLs as before.
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
import sys
import tempfile
from functools import lru_cache
from pathlib import Path

#: Pagefind indexes the shadow pages as this language: no dictionary segmentation, no stemming.
INDEX_LANGUAGE = "und"
PREFIX = "qz"
GLUE = "\u2060"
_BASE = 0x3400
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
HAN_RUN = re.compile(f"[{_HAN}]+")
_SEGMENT = re.compile(f"[{_HAN}]+|[^\\W{_HAN}]+|\\W+")
_HAS_HAN = re.compile(f"[{_HAN}]")
#: Text worth rewriting: Chinese, or words joined by punctuation (alert("x") → alert(" x"))).
_NEEDS_SPLIT = re.compile(f"[{_HAN}]|\\w[^\\w\\s]+\\w")
_TOKEN = re.compile(rf"([^\w]*){PREFIX}((?:[a-z]{{4}}){{1,2}})([^\w]*)")
_PUNCT = re.compile(r"[^\w]+")
#: Inline elements are dropped from the shadow page so that 低<b>压</b>配 stays one run of text.
_INLINE_TAG = re.compile(
    r"</?(?:a|abbr|b|bdi|bdo|cite|code|data|del|dfn|em|i|ins|kbd|mark|q|s|samp|small|span|strong|sub|sup|"
    r"time|u|var)\b[^>]*>", re.IGNORECASE)
_TEXT = re.compile(r">([^<]+)<")
_H1 = re.compile(r"<h1\b[^>]*>(.*?)</h1>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]*>")
BODY_MARK = "data-pagefind-body"


@lru_cache(maxsize=65536)
def _char(ch: str) -> str:
    n = ord(ch) - _BASE
    return "".join(chr(97 + (n // 26 ** k) % 26) for k in (3, 2, 1, 0))


def _run_tokens(run: str) -> list[str]:
    if len(run) == 1:
        return [PREFIX + _char(run)]
    codes = [_char(ch) for ch in run]
    return [PREFIX + a + b for a, b in zip(codes, codes[1:], strict=False)]


def encode_text(text: str) -> str:
    """Text as index tokens: Chinese runs become overlapping pairs, glued tokens get GLUE.

    Punctuation next to Chinese is attached to its neighbour token instead of being a token
    of its own, so that 火情（初报） is the adjacent tokens 火情（ 初报） and a phrase search for
    the title still finds it (Pagefind drops the punctuation from the indexed word).
    """
    out: list[str] = []
    for word in text.replace(GLUE, "").split():
        if not _NEEDS_SPLIT.search(word):
            out.append(word)
            continue
        toks: list[str] = []
        pending = ""
        for seg in _SEGMENT.findall(word):
            if HAN_RUN.fullmatch(seg):
                new = _run_tokens(seg)
            elif _PUNCT.fullmatch(seg):
                if toks:
                    toks[-1] += seg
                else:
                    pending += seg
                continue
            else:
                new = [seg]
            new[0] = pending + new[0]
            pending = ""
            toks.extend(new)
        if pending:
            toks.append(pending)
        out.append(toks[0])
        out.extend(GLUE + tok for tok in toks[1:])
    return " ".join(out)


def _decode_token(tok: str) -> tuple[str, str, str] | None:
    """(punctuation before, Chinese characters, punctuation after) of a Chinese token, else None."""
    m = _TOKEN.fullmatch(tok)
    if not m:
        return None
    letters = m.group(2)
    chars = []
    for i in range(0, len(letters), 4):
        n = 0
        for c in letters[i:i + 4]:
            n = n * 26 + ord(c) - 97
        chars.append(chr(n + _BASE))
    return m.group(1), "".join(chars), m.group(3)


def decode_text(encoded: str) -> str:
    """The readable text back from index tokens (what the reader's excerpt shows)."""
    out: list[str] = []
    prev_han = False  # the previous token ended in a Chinese character
    for tok in encoded.split():
        glued = tok.startswith(GLUE)
        tok = tok.lstrip(GLUE)
        han = _decode_token(tok)
        if han is None:
            if out and not glued:
                out.append(" ")
            out.append(tok)
            prev_han = False
            continue
        before, chars, after = han
        if glued and prev_han and not before and len(chars) == 2:
            out.append(chars[1] + after)
        else:
            if out and not glued:
                out.append(" ")
            out.append(before + chars + after)
        prev_han = not after
    return "".join(out)


def _encode_node(m: re.Match) -> str:
    text = html.unescape(m.group(1))
    if not _NEEDS_SPLIT.search(text):
        return m.group(0)
    return ">" + html.escape(" " + encode_text(text) + " ", quote=False) + "<"


def _keep_marked(m: re.Match) -> str:
    return m.group(0) if "data-pagefind" in m.group(0) else ""


def shadow_page(page: str) -> str | None:
    """The page to index in place of ``page``, or None when the page is not searchable."""
    at = page.find(BODY_MARK)
    if at < 0:
        return None
    start = page.rfind("<", 0, at)
    head, body = page[:start], page[start:]
    h1 = _H1.search(body)
    title = html.unescape(_TAG.sub("", h1.group(1))).strip() if h1 else ""
    # The subtitle names the unit and the type: weigh it like a heading, so that a search for
    # a unit's name lists that unit's reports before pages that merely mention it.
    body = body.replace('<p class="sb-subtitle">', '<p class="sb-subtitle" data-pagefind-weight="5">', 1)
    body = re.sub(r"<h1\b", '<h1 data-pagefind-weight="10"', body, count=1)
    # “针对报告：<title>” on a feedback page repeats another report's title (like the incident
    # chain, which the page template already leaves out of the index): leave it out too, so an
    # exact title finds its own report first.
    body = body.replace('<p class="sb-on">', '<p class="sb-on" data-pagefind-ignore>', 1)
    body = _INLINE_TAG.sub(_keep_marked, body)
    body = _TEXT.sub(_encode_node, body)
    meta = f'<p data-pagefind-meta="title">{html.escape(title, quote=False)}</p>' if title else ""
    return head + meta + body


def write_shadow_site(site_dir: Path, shadow_dir: Path) -> int:
    """Write the shadow of every searchable page of ``site_dir`` under ``shadow_dir``."""
    count = 0
    for path in site_dir.rglob("*.html"):
        rel = path.relative_to(site_dir)
        if rel.parts[0] == "pagefind":
            continue
        shadow = shadow_page(path.read_text(encoding="utf-8"))
        if shadow is None:
            continue
        target = shadow_dir / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(shadow, encoding="utf-8")
        count += 1
    return count


def index_site(site_dir: Path) -> None:
    """Build ``<site_dir>/pagefind/`` from the shadow pages. Raises RuntimeError with Pagefind's output."""
    site_dir = Path(site_dir)
    with tempfile.TemporaryDirectory(prefix=".sb-search-", dir=site_dir.parent) as tmp:
        shadow_dir = Path(tmp)
        write_shadow_site(site_dir, shadow_dir)
        out = site_dir / "pagefind"
        staged = shadow_dir / "pagefind"
        cmd = [sys.executable, "-m", "pagefind", "--site", str(shadow_dir), "--force-language", INDEX_LANGUAGE,
               "--silent"]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0 or not staged.is_dir():
            raise RuntimeError((proc.stderr or proc.stdout).strip() or "Pagefind 没有生成索引")
        if out.exists():
            shutil.rmtree(out)
        shutil.move(str(staged), str(out))
