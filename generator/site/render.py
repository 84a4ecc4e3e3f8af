"""Report bodies → safe HTML.

Reports are Markdown; they never need HTML. Even if active HTML slipped past the check
(R505), the build neutralises it: raw HTML blocks and inline tags are not recognised at all
(they are shown as text), links may only use http(s), mailto or relative targets, and
images are replaced by their description, since an image from another host would make the
reader's browser leave the intranet.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET

import markdown
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

_SAFE_SCHEME = re.compile(r"^(?:https?:|mailto:|#|/(?!/)|\.{0,2}/|[^:/?#]+(?:[/?#]|$))", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x20\x7f]+")


def safe_href(href: str) -> str | None:
    """The link target if it is harmless, else None (javascript:, data:, vbscript:, //host …)."""
    # the browser decodes character references in the attribute (``&#106;avascript:``): judge that
    cleaned = _CONTROL.sub("", html.unescape(href or ""))
    if not cleaned:
        return None
    if cleaned.startswith("//") or cleaned.startswith("\\"):
        return None
    if _SAFE_SCHEME.match(cleaned):
        return href.strip()
    return None


class _Neutralise(Treeprocessor):
    def run(self, root: ET.Element) -> None:
        for parent in list(root.iter()):
            for index, child in enumerate(list(parent)):
                if child.tag == "img":
                    span = ET.Element("span", {"class": "sb-img"})
                    span.text = f"［图片：{child.get('alt') or child.get('title') or '未显示'}］"
                    span.tail = child.tail
                    parent.remove(child)
                    parent.insert(index, span)
                elif child.tag == "a":
                    href = safe_href(child.get("href", ""))
                    for attr in list(child.attrib):
                        if attr not in ("href", "title"):
                            del child.attrib[attr]
                    if href is None:
                        child.attrib.pop("href", None)
                    else:
                        child.set("href", href)
                        if re.match(r"(?i)^https?:", href):
                            child.set("rel", "noopener noreferrer")
                else:
                    for attr in list(child.attrib):
                        if attr.lower().startswith("on") or attr.lower() in ("style", "srcdoc"):
                            del child.attrib[attr]


#: Characters of Chinese (Japanese, Korean) text, with their full-width punctuation: a line break
#: between two of them is a writer's wrapping, not a space (Chinese has no spaces between words).
_CJK = "\u2018-\u201d\u2026\u2014\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef"
_CJK_BREAK = re.compile(f"(?<=[{_CJK}])[ \t]*\n[ \t]*(?=[{_CJK}])")


def join_cjk_breaks(text: str) -> str:
    """``text`` with each soft line break between two CJK characters removed."""
    return _CJK_BREAK.sub("", text) if "\n" in text else text


_IS_CJK = re.compile(f"[{_CJK}]")
#: a soft break between CJK characters somewhere in a Markdown source (perhaps across ``**`` or a
#: quote marker): only then is the rendered tree walked (most bodies keep one paragraph per line)
_SOURCE_BREAK = re.compile(f"[{_CJK}][*_`]*\n[ \t>]*[*_`]*[{_CJK}]")


class _JoinCJK(Treeprocessor):
    """Soft line breaks between CJK characters joined in the rendered text, also across inline
    markup (``打开，\n**保存**``); never inside code."""

    def run(self, root: ET.Element) -> None:
        if not getattr(self.md, "sb_join_cjk", True):
            return
        segments: list[tuple[ET.Element, str] | None] = []  # text pieces in reading order; None: code

        def walk(element: ET.Element) -> None:
            if element.tag in ("pre", "code"):
                segments.append(None)
                return
            segments.append((element, "text"))
            for child in element:
                walk(child)
                segments.append((child, "tail"))

        walk(root)
        previous: tuple[ET.Element, str] | None = None
        for segment in segments:
            if segment is None:
                previous = None
                continue
            element, attr = segment
            text = getattr(element, attr)
            if not text:
                continue
            text = join_cjk_breaks(text)
            if previous is not None:
                before = getattr(*previous)
                kept, gap = before.rstrip(" \t\n"), text[:len(text) - len(text.lstrip(" \t\n"))]
                gap = before[len(kept):] + gap
                rest = text[len(text) - len(text.lstrip(" \t\n")):]
                if "\n" in gap and kept and rest and _IS_CJK.match(kept[-1]) and _IS_CJK.match(rest[0]):
                    setattr(*previous, kept)
                    text = rest
            setattr(element, attr, text)
            previous = segment


_FENCE = re.compile(r"^[ \t]*(```|~~~)")
_MD_END = re.compile(f"[{_CJK}](?:\\*\\*|__|`)?$")
_MD_START = re.compile(f"^[ \t]*(?:\\*\\*|__|`)?[{_CJK}]")
_MD_HEADING = re.compile(r"^[ \t]{0,3}#")


def join_cjk_breaks_in_markdown(text: str) -> str:
    """Markdown source with the soft breaks between CJK characters joined (also next to ``**`` or a
    backtick), outside fenced code and never after a heading (for the pages MkDocs renders from
    Markdown: the help page)."""
    out: list[str] = []
    fence = None
    for line in text.split("\n"):
        m = _FENCE.match(line)
        if fence is not None:
            out.append(line)
            if m and m.group(1) == fence:
                fence = None
            continue
        if m:
            fence = m.group(1)
            out.append(line)
            continue
        if out and _MD_END.search(out[-1]) and not _MD_HEADING.match(out[-1]) and _MD_START.match(line):
            out[-1] += line.lstrip(" \t")
        else:
            out.append(line)
    return "\n".join(out)


class _NoHtml(Extension):
    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 - Markdown API
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")
        md.treeprocessors.register(_Neutralise(md), "sb_neutralise", 0)
        md.treeprocessors.register(_JoinCJK(md), "sb_join_cjk", 5)


def _new_markdown(fences: bool = False) -> markdown.Markdown:
    # fenced code (```) as Material recommends it (pymdownx.superfences, also in mkdocs.yml); only
    # when the text holds a fence, so a body without one does not pay for it
    return markdown.Markdown(
        extensions=["tables", "sane_lists", *(["pymdownx.superfences"] if fences else []), _NoHtml()],
        output_format="html",
    )



#: Inline patterns that can only match when the body holds one of these characters. A body without
#: them is rendered by an instance without those patterns: the same HTML, without running every
#: pattern over every piece of text (most of Python-Markdown's time on plain Chinese prose).
_TRIGGERS = (
    (("backtick",), "`"),
    (("escape",), "\\"),
    (("reference", "link", "image_link", "image_reference", "short_reference", "short_image_ref"), "["),
    (("autolink", "automail"), "<"),
    (("entity",), "&"),
    (("em_strong",), "*_"),
)
_BY_PATTERNS: dict[tuple[bool, ...], markdown.Markdown] = {}


def _linebreak_possible(text: str) -> bool:
    # two spaces before a line end, also after tabs are expanded and \r\n / \r become \n
    return "  " in text or "\t" in text or " \r" in text


def _markdown_for(text: str) -> markdown.Markdown:
    key = tuple(any(ch in text for ch in chars) for _names, chars in _TRIGGERS) + (
        "```" in text or "~~~" in text, _linebreak_possible(text))
    md = _BY_PATTERNS.get(key)
    if md is None:
        md = _new_markdown(fences=key[-2])
        for (names, _chars), present in zip(_TRIGGERS, key):
            if not present:
                for name in names:
                    md.inlinePatterns.deregister(name, strict=False)
        if not key[-1]:
            md.inlinePatterns.deregister("linebreak", strict=False)
        _BY_PATTERNS[key] = md
    return md


_MAX_BODY = 100_000  # characters of Markdown per body (real reports are a few thousand)
_MAX_BLOCK = 10_000  # characters in one paragraph Markdown may parse (its inline work is quadratic)
_MAX_NESTING = 32  # nested [ ] or list/quote markers Markdown may see (deeper recurses without bound)
_NESTED_MARKERS = re.compile(rf"^(?:[ \t]*(?:[-*+>]|\d+[.)])[ \t]+){{{_MAX_NESTING}}}", re.M)


def _plain_html(text: str) -> str:
    """A body shown as escaped text, paragraph by paragraph (for input Markdown cannot digest)."""
    blocks = [b for b in re.split(r"\n\s*\n", text) if b.strip()]
    return "\n".join(f'<p class="sb-plain">{html.escape(b).replace(chr(10), "<br>")}</p>' for b in blocks)


def _digestible(text: str) -> bool:
    if len(text) > _MAX_BODY or _NESTED_MARKERS.search(text):
        return False
    for block in re.split(r"\n\s*\n", text):
        if len(block) > _MAX_BLOCK:
            return False
        depth = deepest = 0
        if block.count("[") > 8 * _MAX_NESTING:  # link parsing is quadratic in the brackets of a paragraph
            return False
        if block.count("[") > _MAX_NESTING:
            for ch in block:
                if ch == "[":
                    depth += 1
                    deepest = max(deepest, depth)
                elif ch == "]" and depth:
                    depth -= 1
            if deepest > _MAX_NESTING:
                return False
    return True


def body_html(text: str) -> str:
    """Render a report body (Markdown) to HTML with every piece of raw HTML shown as text.

    Pathological bodies (a paragraph of tens of thousands of characters, thousands of nested
    brackets or list markers) would make Python-Markdown take minutes or exhaust the stack;
    they are shown as plain text instead, so one report can never stall or crash the build.
    """
    text = text or ""
    if not _digestible(text):
        return _plain_html(text)
    md = _markdown_for(text)
    md.reset()
    md.sb_join_cjk = _SOURCE_BREAK.search(text) is not None
    try:
        return md.convert(text)
    except RecursionError:
        md.reset()
        return _plain_html(text)
