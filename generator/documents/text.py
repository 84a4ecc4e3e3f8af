"""A report body (Markdown) as the blocks of a 公文: numbered headings, paragraphs, tables.

A printed document has no bullets, links or emphasis: a heading gets the 公文 number of its
level (一、 （一） 1. (1)), a list item becomes a paragraph (an ordered item keeps its number),
a table stays a table, and inline markup is dropped so only the words remain. Line by line and
with plain regular expressions, so a hostile body costs linear time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_HEADING = re.compile(r"^(#{1,6})[ \t]+(.*)$")  # closing #s stripped in Python: no backtracking
_BULLET = re.compile(r"^[ \t]*[-*+][ \t]+(.*)$")
_ORDERED = re.compile(r"^[ \t]*(\d{1,3})[.)、][ \t]+(.*)$")
_QUOTE = re.compile(r"^[ \t]*>[ \t]?(.*)$")
_TABLE_RULE = re.compile(r"^[ \t|:\-]+$")
_FENCE = re.compile(r"^[ \t]*(```|~~~)")
#: a heading that already carries its number (一、 （一） 1. 1、 (1) 第一)
_NUMBERED = re.compile(r"^([一二三四五六七八九十]+、|（[一二三四五六七八九十]+）|\d+[.、．]|（\d+）|\(\d+\)|第[一二三四五六七八九十]+)")

# neither part may hold its own opening bracket: each try stops at the next one (linear time)
_LINK = re.compile(r"!?\[([^\[\]\n]*)\]\([^()\n]*\)")
_EMPHASIS = re.compile(r"(\*\*|__|\*|`|~~)")
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>~])")
_TAG = re.compile(r"<[^<>\n]{0,200}>")

NUMERALS = "一二三四五六七八九十"


def cn_number(n: int) -> str:
    """1 → 一, 12 → 十二, 23 → 二十三 (up to 99)."""
    if n <= 10:
        return NUMERALS[n - 1]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else NUMERALS[tens - 1]) + "十" + (NUMERALS[ones - 1] if ones else "")


def numbered(level: int, n: int, text: str) -> str:
    """``text`` with the 公文 number of its level: 一、 （一） 1. (1)."""
    if _NUMBERED.match(text):
        return text
    if level == 1:
        return f"{cn_number(n)}、{text}"
    if level == 2:
        return f"（{cn_number(n)}）{text}"
    if level == 3:
        return f"{n}. {text}"
    return f"（{n}）{text}"


def inline(text: str) -> str:
    """The words of a Markdown line: links as their text, no emphasis marks or tags."""
    text = _LINK.sub(r"\1", text)
    text = _TAG.sub("", text)
    text = _EMPHASIS.sub("", text)
    text = _ESCAPE.sub(r"\1", text)
    return text.strip()


def _is_rule(line: str) -> bool:
    """A thematic break: three or more of the same - * _ and nothing else but blanks."""
    marks = line.replace(" ", "").replace("\t", "")
    return len(marks) >= 3 and marks[0] in "-*_" and marks == marks[0] * len(marks)


@dataclass
class Block:
    kind: str  # heading | para | table
    text: str = ""
    level: int = 0  # headings: 1 一、, 2 （一）, 3 1., 4 (1)
    rows: list[list[str]] = field(default_factory=list)  # tables: header first


def blocks(markdown: str) -> list[Block]:
    """The body as blocks, headings numbered by level (the shallowest Markdown level is 一、)."""
    lines = (markdown or "").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    levels = sorted({len(m.group(1)) for line in lines if (m := _HEADING.match(line))})
    rank = {md_level: i + 1 for i, md_level in enumerate(levels)}
    counters = [0, 0, 0, 0, 0]
    out: list[Block] = []
    para: list[str] = []
    table: list[list[str]] = []
    fenced = False

    def flush() -> None:
        if para:
            text = "".join(para).strip()  # Chinese lines join without a space
            if text:
                out.append(Block("para", text))
            para.clear()
        if table:
            out.append(Block("table", rows=[list(r) for r in table]))
            table.clear()

    for raw in lines:
        line = raw.rstrip()
        if _FENCE.match(line):
            flush()
            fenced = not fenced
            continue
        if fenced:
            if line.strip():
                out.append(Block("para", line.strip()))
            continue
        if not line.strip() or _is_rule(line):
            flush()
            continue
        if line.lstrip().startswith("|") and line.count("|") >= 2:
            if para:
                flush()
            if not _TABLE_RULE.match(line):
                cells = [inline(c) for c in line.strip().strip("|").split("|")]
                if table and len(cells) != len(table[0]):
                    cells = (cells + [""] * len(table[0]))[: len(table[0])]
                table.append(cells)
            continue
        if table:
            flush()
        m = _HEADING.match(line)
        if m:
            flush()
            level = min(rank[len(m.group(1))], 4)
            counters[level - 1] += 1
            for deeper in range(level, len(counters)):
                counters[deeper] = 0
            text = inline(m.group(2).rstrip(" \t#"))
            if text:
                out.append(Block("heading", numbered(level, counters[level - 1], text), level=level))
            continue
        m = _ORDERED.match(line)
        if m:
            flush()
            para.append(f"{m.group(1)}. {inline(m.group(2))}")
            continue
        m = _BULLET.match(line)
        if m:
            flush()
            para.append(inline(m.group(1)))
            continue
        m = _QUOTE.match(line)
        para.append(inline(m.group(1) if m else line))
    flush()
    return out
