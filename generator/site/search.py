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

Whether a token was glued to the one before it (no space in the original text) is what lets
the excerpt be decoded exactly: two glued Chinese tokens overlap by one character. By default a
token next to a Chinese token is glued to it and two other tokens are not; only a token that
breaks this rule starts with U+2060 WORD JOINER (Pagefind drops it from the indexed word). Any
character besides letters and digits in a token makes Pagefind index the token a second time
(as a “compound word”), so marking every glued token doubled the index and its build time.

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
from functools import lru_cache
from pathlib import Path

from ..pool import die_with_parent

#: Pagefind indexes the shadow pages as this language: no dictionary segmentation, no stemming.
INDEX_LANGUAGE = "und"
PREFIX = "qz"
GLUE = "\u2060"
_BASE = 0x3400
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
HAN_RUN = re.compile(f"[{_HAN}]+")
_SEGMENT = re.compile(f"([{_HAN}]+)|([^\\W{_HAN}]+)|(\\W+)")  # Chinese | other letters/digits | punctuation
_HAS_HAN = re.compile(f"[{_HAN}]")
#: Text worth rewriting: Chinese, or words joined by punctuation (alert("x") → alert(" x"))).
_NEEDS_SPLIT = re.compile(f"[{_HAN}]|\\w[^\\w\\s]+\\w")
_TOKEN = re.compile(rf"([^\w]*){PREFIX}((?:[a-z]{{4}}){{1,2}})([^\w]*)")
#: Inline elements are dropped from the shadow page so that 低<b>压</b>配 stays one run of text.
_INLINE_TAG = re.compile(
    r"</?(?:a|abbr|b|bdi|bdo|cite|code|data|del|dfn|em|i|ins|kbd|mark|q|s|samp|small|span|strong|sub|sup|"
    r"time|u|var)\b[^>]*>", re.IGNORECASE)
_TEXT = re.compile(r">([^<]+)<")
_H1 = re.compile(r"<h1\b[^>]*>(.*?)</h1>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]*>")
_SUBTITLE = re.compile(r'<p class="sb-subtitle"[^>]*>(.*?)</p>', re.DOTALL)
BODY_MARK = "data-pagefind-body"


@lru_cache(maxsize=65536)
def _char(ch: str) -> str:
    n = ord(ch) - _BASE
    return "".join(chr(97 + (n // 26 ** k) % 26) for k in (3, 2, 1, 0))


class _Spelling(dict):
    """Code point → its four letters (``_char``), for ``str.translate``; filled as characters come."""

    def __missing__(self, code: int) -> str:
        self[code] = spelled = _char(chr(code))
        return spelled


_SPELLING = _Spelling()


class _Pairs(dict):
    """Code point → its letters, a space, the prefix and its letters again, for ``str.translate``:
    a run ABC becomes ``A qzAB qzBC qzC``, and without its first and last token the run's pairs."""

    def __missing__(self, code: int) -> str:
        spelled = _char(chr(code))
        self[code] = pair = f"{spelled} {PREFIX}{spelled}"
        return pair


_PAIRS = _Pairs()
_PAIR_HEAD = 5  # len("abcd ")
_PAIR_TAIL = 7  # len(" qzabcd")


def _run_chunk(run: str) -> str:
    """The tokens of a Chinese run, joined by spaces (overlapping pairs; one token for one character)."""
    if len(run) == 1:
        return PREFIX + run.translate(_SPELLING)
    return run.translate(_PAIRS)[_PAIR_HEAD:-_PAIR_TAIL]


def encode_text(text: str) -> str:
    """Text as index tokens: Chinese runs become overlapping pairs; GLUE marks the exceptions.

    Punctuation next to Chinese is attached to its neighbour token instead of being a token
    of its own, so that 火情（初报） is the adjacent tokens 火情（ 初报） and a phrase search for
    the title still finds it (Pagefind drops the punctuation from the indexed word).

    A Chinese run is handled as one chunk of space-separated tokens: inside it no token is
    marked (all are Chinese), so only a chunk's first token can need GLUE.
    """
    out: list[str] = []
    prev_han = False
    segment = _SEGMENT.finditer
    needs_split = _NEEDS_SPLIT.search
    for word in text.replace(GLUE, "").split():
        if not needs_split(word):
            out.append(GLUE + word if out and prev_han else word)
            prev_han = False
            continue
        chunks: list[str] = []
        hans: list[bool] = []
        pending = ""
        for m in segment(word):
            kind, seg = m.lastindex, m.group()
            if kind == 3:  # punctuation
                if chunks:
                    chunks[-1] += seg
                else:
                    pending += seg
                continue
            if kind == 1:  # Chinese
                chunk, han = _run_chunk(seg), True
            else:
                chunk, han = seg, False
            if pending:
                chunk = pending + chunk
                pending = ""
            chunks.append(chunk)
            hans.append(han)
        if pending:
            chunks.append(pending)
            hans.append(False)
        # the first token of a word is not glued to the one before: marked when either is Chinese;
        # the others are glued to theirs: marked when neither is Chinese
        first = chunks[0]
        out.append(GLUE + first if out and (prev_han or hans[0]) else first)
        for i in range(1, len(chunks)):
            out.append(chunks[i] if hans[i - 1] or hans[i] else GLUE + chunks[i])
        prev_han = hans[-1]
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
    prev_kind = False  # the previous token was a Chinese token
    prev_han = False  # the previous token ended in a Chinese character
    for tok in encoded.split():
        marked = tok.startswith(GLUE)
        tok = tok.lstrip(GLUE)
        han = _decode_token(tok)
        glued = (prev_kind or han is not None) != marked
        prev_kind = han is not None
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
    meta = f'<p data-pagefind-meta="title">{html.escape(title, quote=False)}</p>' if title else ""
    sub = _SUBTITLE.search(body)
    if sub:  # shown under the title in the results (unit · type · stage), readable
        text = " ".join(html.unescape(_TAG.sub("", sub.group(1))).split())
        meta += f'<p data-pagefind-meta="sub">{html.escape(text, quote=False)}</p>' if text else ""
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
    return head + meta + body


# --- shadow pages straight from the generated docs tree (no MkDocs HTML needed) -------------

_FRONT = re.compile(r"\A---\n(.*?)\n---\n", re.DOTALL)
_REPORT_START = '<div class="sb-page sb-report">'
#: Parts of a report page that carry data-pagefind-ignore: dropped before encoding (Pagefind would
#: skip them anyway), so neither the encoder nor Pagefind spends time on them.
_IGNORED = (
    re.compile(r'<div class="sb-card sb-meta" data-pagefind-ignore>.*?\n</div>\n', re.DOTALL),
    re.compile(r'<section class="[^"]*" data-pagefind-ignore>.*?</section>\n?', re.DOTALL),
)
_MD_EXTENSIONS = ["tables", "attr_list", "admonition"]


def _page_html(title: str, body: str) -> str:
    return ('<!doctype html><html lang="zh"><head><meta charset="utf-8"><title>' + html.escape(title, quote=False)
            + '</title></head><body><div data-pagefind-body>\n' + body + "\n</div></body></html>")


def shadow_from_doc(text: str) -> str | None:
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
    return shadow_from_html(title, text[m.end():] if page_html is None else page_html, page_html is None)


def shadow_from_html(title: str, body: str, markdown_body: bool = False) -> str:
    """The page to index for a searchable page with this title and HTML body (Markdown when
    ``markdown_body``): what ``shadow_from_doc`` gives for the generated page, without reading
    the page back (the generator calls this as it writes the page)."""
    if body.lstrip().startswith(_REPORT_START):
        for pattern in _IGNORED:
            body = pattern.sub("", body)
    elif markdown_body:
        import markdown

        body = markdown.markdown(body, extensions=_MD_EXTENSIONS)
    return shadow_page(_page_html(title, body)) or ""


def write_shadow_docs(docs_dir: Path, shadow_dir: Path) -> int:
    """Write the shadow of every searchable page of the docs tree ``docs_dir`` under ``shadow_dir``."""
    count = 0
    for path in sorted(docs_dir.rglob("*.md")):
        rel = path.relative_to(docs_dir)
        if rel.parts[0] == "assets":
            continue
        shadow = shadow_from_doc(path.read_text(encoding="utf-8"))
        if shadow is None:
            continue
        target = shadow_dir / rel.with_suffix(".html")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(shadow, encoding="utf-8")
        count += 1
    return count


def _run_pagefind(shadow_dir: Path, out: Path) -> None:
    """Pagefind over the shadow pages, its bundle written straight into ``out`` (replaced)."""
    out = Path(out).resolve()
    staged = out.with_name(f".{out.name}.new-{os.getpid()}")
    # -I: isolated from the working directory (the repository): `python -m` would import a
    # repository file named like a standard module (asyncio.py) before the standard library
    cmd = [sys.executable, "-I", "-m", "pagefind", "--site", str(shadow_dir), "--force-language", INDEX_LANGUAGE,
           "--output-path", str(staged), "--silent"]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=str(shadow_dir), preexec_fn=die_with_parent)
        if proc.returncode < 0:  # killed: on a build machine that is nearly always the memory
            raise RuntimeError(
                f"Pagefind 被系统终止（信号 {-proc.returncode}），多半是内存不足：建立索引每 1 万份报告约需 "
                "3 GB 内存（5 万份约 12 GB）。请在内存更大的机器上构建。")
        if proc.returncode != 0 or not staged.is_dir():
            raise RuntimeError((proc.stderr or proc.stdout).strip() or "Pagefind 没有生成索引")
        if out.exists():
            shutil.rmtree(out)
        os.replace(staged, out)
    finally:
        shutil.rmtree(staged, ignore_errors=True)


def index_docs(docs_dir: Path, out: Path) -> None:
    """Build the Pagefind bundle for the docs tree ``docs_dir`` into the folder ``out``.

    Needs only the generated Markdown, not the MkDocs HTML, so it runs while MkDocs builds
    (``start_indexer``). The URLs are the ones MkDocs gives the pages (``use_directory_urls: false``).
    """
    docs_dir, out = Path(docs_dir), Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".sb-search-", dir=out.parent) as tmp:
        write_shadow_docs(docs_dir, Path(tmp))
        _run_pagefind(Path(tmp), out)


def start_indexer(docs_dir: Path, out: Path, shadows: bool = False, session: bool = False) -> subprocess.Popen:
    """``index_docs`` in a child process (the other core), started now; see ``finish_indexer``.

    With ``shadows`` the folder holds the shadow pages already (written by the generator before
    the pages themselves, see ``Generator.report_shadow``) and the child only runs Pagefind on them.
    With ``session`` the child leads a process group of its own, so that ``stop_indexer`` stops
    Pagefind with it (serve restarts the index when a newer edit arrives).
    """
    cmd = [*_isolated_main("generator.site.search"), *(["--shadows"] if shadows else []),
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
        if args[0] == "--shadows":
            _run_pagefind(Path(args[1]), Path(args[2]))
        else:
            index_docs(Path(args[0]), Path(args[1]))
    except (RuntimeError, OSError) as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"{time.perf_counter() - started:.3f}")  # read by finish_indexer
    return 0


if __name__ == "__main__":
    sys.exit(main())
