"""The site's own search index (generator/site/textindex.py; SPEC §13, issue 13).

The truth is site.js ``pageHolds``: the folded page text matched with ``termPattern`` (ported
below as ``holds``). The index is read back here by a small reader written from the format's
description (``lookup``), and in Chromium by site.js itself.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest
from conftest import needs_chromium, serve_directory
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.site import textindex
from generator.site.search import fold
from generator.site.textindex import UNIT_SEP, page_text, read_varint, token_hash, units, write_index

ASSETS = Path(__file__).resolve().parents[1] / "templates" / "assets"
HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
WORD_CH = rf"[^\W_{HAN}]"
SPACE = "\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"


# --- the truth: site.js termPattern / pageHolds, in Python ----------------------------------------

def holds(page: dict, term: str) -> bool:
    """Whether the page holds the (folded, spaces collapsed) term, as site.js pageHolds says."""
    pattern = re.sub(rf"(?:\\[{SPACE}])+|[{SPACE}]+", f"[{SPACE}]+", re.escape(term))
    if re.match(WORD_CH, term):
        pattern = rf"(?<!{WORD_CH})" + (r"(?<!\d\.)" if re.match(r"\d", term) else "") + pattern
    elif re.match(r"\.\d", term):
        pattern = r"(?<!\d)" + pattern
    if re.search(WORD_CH + "$", term):
        pattern += rf"(?!{WORD_CH})" + (r"(?!\.\d)" if re.search(r"\d$", term) else "")
    elif re.search(r"\d\.$", term):
        pattern += r"(?!\d)"
    return re.search(pattern, fold(page_text(page))) is not None


# --- a reader of the files, written from the format's description ----------------------------

class Index:
    def __init__(self, root: Path):
        self.root = root
        self.meta = json.loads((root / "meta.json").read_text())
        self.buckets: dict[int, dict] = {}

    def bucket(self, b: int) -> dict:
        if b not in self.buckets:
            data = (self.root / "d" / f"{b}.bin").read_bytes()
            entries, at, index, own = {}, 0, 0, 0
            while at < len(data):
                flags, at = read_varint(data, at)
                n, at = read_varint(data, at)
                word = data[at:at + n].decode("utf-8")
                at += n
                count, at = read_varint(data, at)
                e = {"b": b, "index": index, "flags": flags, "count": count}
                if flags & textindex.OWN_FILE:
                    raw = (self.root / "p" / f"{b}-{own}.bin").read_bytes()
                    e["fmt"], e["data"] = raw[0], raw[1:]
                    own += 1
                else:
                    e["fmt"], at = read_varint(data, at)
                    n, at = read_varint(data, at)
                    e["data"] = data[at:at + n]
                    at += n
                entries[(flags & 3, word)] = e
                index += 1
            self.buckets[b] = entries
        return self.buckets[b]

    def entry(self, kind: int, parts: list[str]) -> dict | None:
        return self.bucket(token_hash(parts) % self.meta["buckets"]).get((kind, UNIT_SEP.join(parts)))

    def pages(self, e: dict | None) -> list[int]:
        if e is None:
            return []
        data, out = e["data"], []
        if e["fmt"] == 1:
            return [i for i in range(self.meta["pages"]) if data[i // 8] >> (i % 8) & 1]
        at, p = 0, -1
        while len(out) < e["count"]:
            gap, at = read_varint(data, at)
            p += gap + 1
            out.append(p)
        return out

    def places(self, e: dict) -> dict[int, list[int]]:
        out: dict[int, list[int]] = {}
        for path in sorted((self.root / "q").glob(f"{e['b']}-*.bin")):
            data = path.read_bytes()
            n, at = read_varint(data, 0)
            skip, length = 0, -1
            for _ in range(n):
                index, at = read_varint(data, at)
                size, at = read_varint(data, at)
                if index == e["index"]:
                    length = size
                elif length < 0:
                    skip += size
            if length < 0:
                continue
            blob, pos, page = data[at + skip:at + skip + length], 0, -1
            while pos < length:
                gap, pos = read_varint(blob, pos)
                page += gap + 1
                count, pos = read_varint(blob, pos)
                offs, o = [], -1
                for _ in range(count):
                    gap, pos = read_varint(blob, pos)
                    o += gap + 1
                    offs.append(o)
                out[page] = offs
        return out

    def lookup(self, term: str, kind: int = textindex.TEXT) -> set[int]:
        parts = units(term)
        if len(parts) <= 4:
            return set(self.pages(self.entry(kind, parts)))
        windows = [o for o in range(0, len(parts) - 4, 4)] + [len(parts) - 4]
        windows = [o for o in windows if any(textindex.is_content(u) for u in parts[o:o + 4])]
        entries = [self.entry(kind, parts[o:o + 4]) for o in windows]
        if any(e is None for e in entries):
            return set()
        found = set.intersection(*(set(self.pages(e)) for e in entries))
        places = [self.places(e) for e in entries]
        return {p for p in found
                if any(all(start - windows[0] + o in places[i].get(p, ()) for i, o in enumerate(windows))
                       for start in places[0].get(p, ()))}


def build(tmp_path: Path, pages: list[dict]) -> Index:
    write_index(pages, tmp_path / "sb-index")
    return Index(tmp_path / "sb-index")


# --- units ---------------------------------------------------------------------------------------

def test_units_keep_words_and_decimals_whole_and_cut_chinese_per_character():
    assert units("第45周 3.5万元 v1.2，K1423+300") == [
        "第", "45", "周", " ", "3.5", "万", "元", " ", "v1.2", "，", "K1423",
        "+", "300"]
    assert units("a  \n b") == ["a", " ", "b"]
    assert units("3..5 1.2.3") == ["3", ".", ".", "5", " ", "1.2.3"]
    assert units("𠀀字") == ["𠀀", "字"]  # a character outside the BMP is one unit


def test_numbers_and_codes_are_whole(tmp_path):
    pages = [{"url": "a.html", "title": "甲", "t": "共 37 人"}, {"url": "b.html", "title": "乙", "t": "增长 3.5 倍"},
             {"url": "c.html", "title": "丙", "t": "出动 3 辆"}, {"url": "d.html", "title": "丁", "t": "代码 91724324MA34X1HAWX"}]
    index = build(tmp_path, pages)
    assert index.lookup("3") == {2}
    assert index.lookup("37") == {0}
    assert index.lookup("3.5") == {1}
    assert index.lookup("34") == set()
    assert index.lookup(fold("91724324MA34X1HAWX")) == {3}
    assert index.lookup("台风") == set()


def test_a_long_term_is_proved_by_positions_not_by_its_pieces(tmp_path):
    # every page holds all four cover tokens of the term, but only the even pages hold the term
    term = "甲乙丙丁戊己庚辛壬癸子丑"
    parts = ["甲乙丙丁", "戊己庚辛", "壬癸子丑"]
    pages = [{"url": f"{i}.html", "title": f"第{i}页",
              "t": term if i % 2 == 0 else "，".join(parts)} for i in range(300)]
    index = build(tmp_path, pages)
    assert index.lookup(term) == set(range(0, 300, 2))
    assert index.lookup("丁戊己庚辛") == set(range(0, 300, 2))
    assert index.lookup("甲乙丙丁") == set(range(300))


def test_heading_and_title_tokens(tmp_path):
    pages = [{"url": "a.html", "title": "配电房 火情", "sub": "安监股 · 突发事件", "t": "正文"},
             {"url": "b.html", "title": "周报", "t": "配电房火情已处置"}]
    index = build(tmp_path, pages)
    assert index.lookup("配电房", textindex.HEADING) == {0}
    assert index.lookup("安监股", textindex.HEADING) == {0}
    assert set(index.pages(index.entry(textindex.TITLE, ["配电房火情"]))) == {0}
    assert index.lookup("配电房火情") == {1}  # the title has a space there: not the same text
    assert (tmp_path / "sb-index" / "t" / "1.json").read_text(encoding="utf-8") == json.dumps(
        pages[1], ensure_ascii=False, separators=(",", ":"))


def test_lists_are_bitmaps_when_smaller(tmp_path):
    pages = [{"url": f"{i}.html", "title": "报告", "t": "安全生产" if i % 3 else "其他"} for i in range(4000)]
    index = build(tmp_path, pages)
    e = index.entry(textindex.TEXT, units("安全生产"))
    assert e["fmt"] == 1 and e["flags"] & textindex.OWN_FILE
    assert index.lookup("安全生产") == {i for i in range(4000) if i % 3}


# --- the property: the index answers what pageHolds says --------------------------------------

ALPHABET = "安全生产貨货车 3 7 . a b ， \n 　Ａ"
text = st.text(alphabet=ALPHABET, max_size=40)


def _normal(term: str) -> str:
    """A term as parseQuery hands it over: folded, trimmed, runs of spaces one space."""
    return " ".join(fold(term).split())


@settings(max_examples=300, deadline=None)
@given(st.lists(st.fixed_dictionaries({"title": text, "t": text}), min_size=1, max_size=6), st.data())
def test_the_index_answers_what_page_holds_says(tmp_path_factory, pages, data):
    tmp = tmp_path_factory.mktemp("prop")
    index = build(tmp, pages)
    for _ in range(8):
        if data.draw(st.booleans()):
            src = fold(page_text(data.draw(st.sampled_from(pages))))
            a = data.draw(st.integers(0, len(src)))
            term = src[a:a + data.draw(st.integers(1, 14))]
        else:
            term = data.draw(st.text(alphabet=ALPHABET, min_size=1, max_size=10))
        term = _normal(term)
        if not any(textindex.is_content(u) for u in units(term)):
            continue  # punctuation alone is no search
        if len(units(term)) > 4 and any(not any(textindex.is_content(u) for u in units(term)[o:o + 4])
                                        for o in list(range(0, len(units(term)) - 4, 4)) + [len(units(term)) - 4]):
            continue  # a window of punctuation alone: left to the check of the shown pages
        truth = {i for i, p in enumerate(pages) if holds(p, term)}
        assert index.lookup(term) == truth, term
