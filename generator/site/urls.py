"""Where a report's page lives in the docs tree, and how pages link to each other.

A report id (``anjianke/2026/2026-11-27-收费站火情``) comes from a file path and may hold
Chinese, so its page keeps it readable: ``r/anjianke/2026/2026-11-27-收费站火情.md``. What
the id may never do is leave the output folder or collide with another id's page:

- a segment that is "plain" (Unicode letters and digits, ``-``, ``_``, inner ``.``; NFC; not a
  name MkDocs treats specially such as ``index`` or ``README``; not too long) is kept, capitals
  too, so that ``2026-W47-周报`` stays readable and stable;
- case-insensitive servers would merge two ids that differ only in case (``Fire`` and ``fire``):
  the site gives such twins, and only them, the hashed form below (``case_twin_doc_path``);
- any other segment is reduced to its plain characters and gets ``~`` plus a hash of the
  *whole original id*; ``~`` never occurs in a kept segment, so a hashed page can never
  equal a kept one, and two ids only share a page if their SHA-256 prefixes collide.
"""

from __future__ import annotations

import hashlib
import posixpath
import re
import unicodedata
from functools import lru_cache
from urllib.parse import quote

REPORTS_DIR = "r"
_MAX_SEGMENT_BYTES = 120
_RESERVED = {"index", "readme", "con", "prn", "aux", "nul"}
#: plain characters that NFC leaves as they are (ASCII letters and digits, ``-``, ``_``, the CJK
#: unified ideographs): a segment of only these needs no look-up character by character
_COMMON = re.compile(r"[A-Za-z0-9_\-\u4e00-\u9fff]+")


def _plain_char(ch: str) -> bool:
    if ch in "-_.":
        return True
    cat = unicodedata.category(ch)
    return cat[0] in "LN" and cat not in ("Nl",)


@lru_cache(maxsize=1 << 16)  # a year's or a unit's folder name recurs in thousands of ids
def _is_plain(segment: str, capitals: bool = False) -> bool:
    return (
        bool(segment)
        and not segment.startswith(".")
        and not segment.endswith(".")
        and ".." not in segment
        and (_COMMON.fullmatch(segment) is not None
             or (all(_plain_char(ch) for ch in segment) and unicodedata.is_normalized("NFC", segment)))
        # Windows and macOS servers ignore case: "Tag" and "tag" would be one file there (report
        # pages keep capitals; their case twins are told apart by facts.collect)
        and (capitals or segment.casefold() == segment)
        and segment.lower() not in _RESERVED
        and not re.fullmatch(r"(?i)(com|lpt)\d", segment)
        and len(segment.encode("utf-8")) <= _MAX_SEGMENT_BYTES
    )


def _reduce(segment: str) -> str:
    text = unicodedata.normalize("NFC", segment).casefold()
    kept = "".join(ch if _plain_char(ch) and ch != "." else "-" for ch in text)
    kept = re.sub(r"-{2,}", "-", kept).strip("-")
    while len(kept.encode("utf-8")) > 60:
        kept = kept[:-1]
    return kept or "x"


def report_doc_path(report_id: str) -> str:
    """The docs-tree path (``r/.../name.md``) of a report's page; safe for any id."""
    segments = report_id.split("/")
    if all(_is_plain(s, capitals=True) for s in segments) and len(segments) <= 8:
        return f"{REPORTS_DIR}/{'/'.join(segments)}.md"
    return case_twin_doc_path(report_id)


def doc_paths(report_ids) -> dict[str, str]:
    """The page of each of ``report_ids`` on one site: ``report_doc_path``, except that ids whose pages
    differ only in case (one file on a case-insensitive server) all get ``case_twin_doc_path``."""
    kept = {rid: report_doc_path(rid) for rid in report_ids}
    folded: dict[str, list[str]] = {}
    for rid, doc in kept.items():
        folded.setdefault(doc.casefold(), []).append(rid)
    for ids in folded.values():
        if len(ids) > 1:
            for rid in ids:
                kept[rid] = case_twin_doc_path(rid)
    return kept


def case_twin_doc_path(report_id: str) -> str:
    """The page of an id reduced to plain lower-case characters plus a hash of the whole id: for ids
    that cannot be kept, and for ids that differ from another only in case."""
    segments = report_id.split("/")
    digest = hashlib.sha256(report_id.encode("utf-8", "surrogatepass")).hexdigest()[:12]
    reduced = [_reduce(s) for s in segments if s not in ("", ".", "..")][:8] or ["x"]
    reduced[-1] = f"{reduced[-1]}~{digest}"
    return f"{REPORTS_DIR}/{'/'.join(reduced)}.md"


def html_path(doc_path: str) -> str:
    """``r/a/b.md`` → ``r/a/b.html`` (the site uses ``use_directory_urls: false``)."""
    return doc_path[:-3] + ".html" if doc_path.endswith(".md") else doc_path


def relative_url(from_doc: str, to_doc: str) -> str:
    """A percent-encoded link from one docs page to another (both docs-tree paths)."""
    return _relative_url(posixpath.dirname(from_doc) or ".", to_doc)


@lru_cache(maxsize=1 << 16)
def _relative_url(base: str, to_doc: str) -> str:
    # every report page of a folder links to the same unit, type and tag pages: computed once
    rel = posixpath.relpath(html_path(to_doc), base)
    return quote(rel, safe="/-_.~#")


_UNSAFE_RUN = re.compile(r"[^A-Za-z0-9/_.~-]+")
_PERCENT = [f"%{b:02X}" for b in range(256)]


def quote_path(path: str) -> str:
    """``quote(path, safe="/-_.~")``, a run of characters at a time (a report's address is mostly
    Chinese: quote would look up each of its bytes in turn)."""
    return _UNSAFE_RUN.sub(lambda m: "".join([_PERCENT[b] for b in m.group().encode("utf-8")]), path)


def slug(text: str) -> str:
    """A safe, readable file name for a tag or similar free text (with a hash when reduced)."""
    if _is_plain(text):
        return text
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:10]
    return f"{_reduce(text)}~{digest}"
