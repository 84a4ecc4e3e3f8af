"""Report bodies → safe HTML.

Reports are Markdown; they never need HTML. Even if active HTML slipped past the check
(R505), the build neutralises it: raw HTML blocks and inline tags are not recognised at all
(they are shown as text), links may only use http(s), mailto or relative targets, and
images are replaced by their description, since an image from another host would make the
reader's browser leave the intranet.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import markdown
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

_SAFE_SCHEME = re.compile(r"^(?:https?:|mailto:|#|/(?!/)|\.{0,2}/|[^:/?#]+(?:[/?#]|$))", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x20\x7f]+")


def safe_href(href: str) -> str | None:
    """The link target if it is harmless, else None (javascript:, data:, vbscript:, //host …)."""
    cleaned = _CONTROL.sub("", href or "")
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


class _NoHtml(Extension):
    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 - Markdown API
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")
        md.treeprocessors.register(_Neutralise(md), "sb_neutralise", 0)


def _new_markdown() -> markdown.Markdown:
    return markdown.Markdown(
        extensions=["tables", "sane_lists", _NoHtml()],
        output_format="html",
    )


_MD = _new_markdown()


def body_html(text: str) -> str:
    """Render a report body (Markdown) to HTML with every piece of raw HTML shown as text."""
    _MD.reset()
    html = _MD.convert(text or "")
    # headings of the body sit below the page's own h1
    return html
