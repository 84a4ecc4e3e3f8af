"""The site's own static search index: exact substring search that loads in small pieces (SPEC §13).

Pagefind's first query at 50,000 reports needs 5.4 MB (every shard adds its metadata and an index
chunk per token), and no maintained static index loads in small pieces for exact Chinese substring
search; so the site carries this one: plain files that any web server serves, read by
``templates/assets/site.js`` (no Range requests, no search server).

**What a page holds.** A page holds a term exactly when site.js ``pageHolds`` says so: its folded
text (``search.fold``) of ``title \\n sub \\n card lines \\n body`` contains the folded term as
written, a run of spaces matching any run of spaces, and a term that starts or ends with a letter
or digit not continuing a longer word or number there (3 is not 37 nor 3.5, 5 not the end of
3.5; 3. does not cut 3.5; a letter after "3." starts a word). The index reproduces
that through *units* (``units``): a word (a maximal run of letters and digits that are not Chinese
characters, a ``.`` between two digits inside it: 3.5, v1.2), a run of spaces (one unit " "), or
any other single character (a Chinese character, a punctuation mark). A page holds a term exactly
when the term's units stand in the page's units one after another.

**Tokens.** Every run of 1–4 units of a page (runs of spaces and punctuation alone left out) is a
token, spelled as its units joined by U+001F. A term of up to 4 units is one token: its page list
is the answer. A longer term is *covered* by 4-unit tokens at unit offsets 0, 4, 8, … and L-4: the
pages holding all of them are the candidates, and a candidate holds the term when the tokens stand
at those offsets from one place — which the *positions* of 4-unit tokens prove (fetched only for
such long terms, only for the candidates' chunks of pages; site.js checks five candidates or fewer
on their text instead, which it fetches to show them anyway). A cover window of spaces and
punctuation alone is not a token: it is left out, and when the units only it covered are then
proved by no window, every candidate is checked on its text (the count stays exact).
A run of units is told apart from others by a 64-bit key of its units (a collision, some 1e-8 per
build, would merge two tokens). For ranking only: *heading* tokens
("\\x02" kind, the 1–4-unit runs of ``title \\n sub``) and one *title* token per page (the folded
title without spaces).

**Shards.** The pages come in shards (search.py: a year of reports, or a run of months of a big
one; the site's own pages), the shards in rank order. Each shard is an index of its own, in a
folder of its own, its pages numbered 0…n-1 in its own rank order: everything in it depends on
that shard's pages alone, so a shard whose pages did not change is the same folder, byte for byte,
and a build takes it from the build cache (``cache.ShardReuse``: hard links, each file checked
against its SHA-256 in a signed list) instead of writing it again. A page's place in the whole
index is the pages of the shards before it plus its own id: the reader queries every shard and
puts their results one after another within each rank.

**Files** (under ``sb-index/``; every integer an unsigned LEB128 varint):

- ``meta.json``: ``{"version": 2, "pages": N, "chunk": C, "texts": G, "shards": [{"id": I, "pages": n,
  "buckets": B}, …]}`` (rank order); ``fold.json``: the traditional → simplified pairs
  (``search.fold_table_json``). Every other file is in a shard's folder ``I/`` (a digest of its
  pages and of the writer, ``write_shard``), page ids and bucket numbers its own:
- ``d/<b>.bin``: the tokens whose hash (``token_hash``: FNV-1a-32 over the FNV-1a-32 of each unit's
  UTF-8 bytes, so a token's bucket is computed from its units alone) is b modulo B, sorted by kind
  and spelling; each entry: ``flags`` (kind 0 text, 1 title, 2 heading; +4 when positions exist;
  +8 when its page list is in its own file, +16 when its positions are in files of their own),
  the token's UTF-8 length and bytes, its page count, then either the list inline (format,
  length, bytes) or nothing (it is ``p/<b>-<k>.bin``, k counting the bucket's own-file lists in
  order; that file is the format byte then the bytes).
  A list's format: 0 = the gaps between page ids minus one (from -1), 1 = a bitmap of n bits
  (page i is bit i%8 of byte i//8), whichever is smaller. B is chosen so a bucket is ~4 KB.
- ``q/<b>-<c>.bin``: the positions of bucket b's 4-unit tokens in chunk c (pages c·C … c·C+C-1):
  a count, then per token its entry index in ``d/<b>.bin`` and its byte length, then per token per
  page: the page gap (from the token's previous page in this chunk, from -1) minus one, the number of
  places, the unit offsets (the first as is, then gaps minus one). A token with many places
  (flag 16) has them in ``q/<b>-<c>-<entry index>.bin`` instead (the per-page part alone), so a
  common token does not drag in its bucket's others.
- ``t/<g>.json``: the pages g·G … g·G+G-1 (G = ``TEXT_GROUP``, in ``meta.json`` as ``"texts"``)
  as the caller gave them (url, title, sub, c, t), a JSON array; fetched only for the results
  shown or checked.

Page ids are the pages' order as given in their shard (the caller passes rank order: newest
report first).
The heavy work (folding, units, tokens, page lists, positions of some 50 million units at 50,000
reports) is done on numpy arrays a batch of pages at a time; Python handles each distinct token
once. The runs of a batch are grouped by one plain sort of 64-bit words (a key's high bits, the
run's place in the low bits), several times faster than a stable argsort. What costs time besides
is creating files (some 40–60 µs each here, and as much again to link and check one taken from the
build cache): page lists of up to 1 KB stay in their bucket (a shard's lists rarely need more), a
shard's positions are one chunk, texts eight pages a file, so 50,000 reports in 19 shards make some
51,000 files (4 KB buckets: a first query stays under 1 MB though it asks every shard).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
import unicodedata
from pathlib import Path

import numpy as np

from .search import CARD_SEP, fold, fold_table_json

VERSION = 2
#: runs of at most this many units are tokens
MAX_UNITS = 4
#: token kinds (the low two bits of an entry's flags)
TEXT, TITLE, HEADING = 0, 1, 2
HAS_POSITIONS = 4
OWN_FILE = 8
OWN_POSITIONS = 16
UNIT_SEP = "\x1f"
#: a page list this small (bytes) stays in its bucket; a larger one gets its own file
INLINE_LIST = 1024
#: the aimed-at size of a bucket file: a query fetches one per token in each shard holding its first
#: term (19 shards at 50,000 reports), so small ones keep a first query under 1 MB
BUCKET_BYTES = 4_000
#: a 4-unit token with this many bytes of places per chunk (on average) has a file of them per
#: chunk; the others share one per bucket and chunk
OWN_POSITIONS_BYTES = 8192
#: pages per positions chunk: a long term's check fetches one file per cover token per chunk
#: holding candidates
CHUNK_PAGES = 16384
#: pages' texts per file of ``t/``: fewer files to write and to take from the build cache (a file
#: costs more than its bytes), a few KB more for the results a query shows
TEXT_GROUP = 8
#: pages tokenised at once (bounds the memory of the numpy arrays)
BATCH_PAGES = 512
#: bytes of page lists gathered from batches before they are appended to their tokens' lists
LIST_PIECES_BYTES = 16 << 20

_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
#: JavaScript's \\s (site.js splits terms and runs of spaces with it), not Python's (which adds
#: \\x1c-\\x1f and \\x85)
_SPACE = "\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
_WORD_CH = rf"[^\W_{_HAN}]"
_UNIT = re.compile(rf"{_WORD_CH}+(?:(?<=\d)\.(?=\d){_WORD_CH}+)*|[{_SPACE}]+|.", re.DOTALL)
_SPACE_RUN = re.compile(f"[{_SPACE}]+")
_FNV_OFFSET = 0x811C9DC5
_FNV_PRIME = 0x01000193

# character classes of the numpy tokeniser
_OTHER, _HAN_CLS, _LETTER, _DIGIT, _SPACE_CLS, _DOT, _PAGE_END = range(7)
_WORD_BASE = 0x110000  # unit ids: a code point for a one-character unit, this + n for the n-th longer word
_SEP = np.uint32(0xFFFFFFFF)  # between pages: no token spans it


# --- units and hashes (site.js does the same) ----------------------------------------------------

def units(text: str) -> list[str]:
    """The units of an already folded text: words (3.5 and v1.2 one each), runs of spaces as " ",
    every other character alone."""
    return [" " if _SPACE_RUN.fullmatch(u) else u for u in _UNIT.findall(text)]


def is_content(unit: str) -> bool:
    """Whether a unit is a word or a Chinese character (not spaces, not punctuation)."""
    return _char_class(unit[0]) in (_HAN_CLS, _LETTER, _DIGIT)


def page_text(page: dict) -> str:
    """The text of a page that search matches, as site.js pageHolds joins it (not yet folded)."""
    return "\n".join((page.get("title") or "", page.get("sub") or "",
                      "\n".join((page.get("c") or "").split(CARD_SEP)), page.get("t") or ""))


def flat_title(text: str) -> str:
    """A title as the title token spells it: folded, no spaces."""
    return _SPACE_RUN.sub("", fold(text))


def fnv1a(data: bytes) -> int:
    h = _FNV_OFFSET
    for b in data:
        h = ((h ^ b) * _FNV_PRIME) & 0xFFFFFFFF
    return h


def fnv1a_many(items: list[bytes]) -> np.ndarray:
    """``fnv1a`` of each byte string, on arrays: one step per byte position, the longest first."""
    order = sorted(range(len(items)), key=lambda i: -len(items[i]))
    lens = np.fromiter((len(items[i]) for i in order), dtype=np.int64, count=len(items))
    flat = np.frombuffer(b"".join(items[i] for i in order), dtype=np.uint8)
    starts = np.cumsum(lens) - lens
    h = np.full(len(items), _FNV_OFFSET, dtype=np.uint32)
    live = len(items)
    for k in range(int(lens[0]) if len(items) else 0):
        while lens[live - 1] <= k:
            live -= 1
        h[:live] = (h[:live] ^ flat[starts[:live] + k]) * np.uint32(_FNV_PRIME)
    out = np.empty(len(items), dtype=np.uint32)
    out[order] = h
    return out


def token_hash(parts: list[str]) -> int:
    """The hash a token's bucket comes from: FNV-1a-32 over its units' own FNV-1a-32 hashes (one
    step per unit), so the writer computes it on arrays of unit hashes. The kind plays no part:
    a heading token sits in the bucket of the same text token, fetched anyway."""
    h = _FNV_OFFSET
    for u in parts:
        h = ((h ^ fnv1a(u.encode("utf-8"))) * _FNV_PRIME) & 0xFFFFFFFF
    return h


def _char_class(ch: str) -> int:
    if re.match(f"[{_HAN}]", ch):
        return _HAN_CLS
    if re.match(f"[{_SPACE}]", ch):
        return _SPACE_CLS
    if ch == ".":
        return _DOT
    cat = unicodedata.category(ch)
    if cat == "Nd":
        return _DIGIT
    if cat[0] in "LN":
        return _LETTER
    return _OTHER


# --- varints -------------------------------------------------------------------------------------

def varint(n: int) -> bytes:
    if n < len(_SMALL_VARINTS):
        return _SMALL_VARINTS[n]
    return _varint(n)


def _varint(n: int) -> bytes:
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


_SMALL_VARINTS = [_varint(n) for n in range(1 << 14)]


def varints(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Unsigned LEB128 of each value (below 2**35): the bytes, and each value's byte count. A row
    of bytes per value, the unneeded ones dropped in one pass."""
    v = np.asarray(values)
    n = len(v)
    if not n:
        return np.zeros(0, dtype=np.uint8), np.zeros(0, dtype=np.int64)
    top = int(v.max())
    v = v.astype(np.uint32 if top < 1 << 32 else np.uint64)
    width = max(1, (top.bit_length() + 6) // 7)
    rows = np.empty((n, width), dtype=np.uint8)
    keep = np.empty((n, width), dtype=bool)
    keep[:, 0] = True
    size = np.ones(n, dtype=np.int64)
    rest = v
    for k in range(width):
        more = rest >= 0x80
        rows[:, k] = (rest & 0x7F).astype(np.uint8) | (more.view(np.uint8) << 7)
        if k + 1 < width:
            keep[:, k + 1] = more
            size += more
            rest = rest >> 7
    return rows[keep], size


def read_varint(data: bytes, at: int) -> tuple[int, int]:
    n = shift = 0
    while True:
        b = data[at]
        at += 1
        n |= (b & 0x7F) << shift
        if b < 0x80:
            return n, at
        shift += 7


# --- the writer ----------------------------------------------------------------------------------

class _Units:
    """Unit ids and their hashes and strings, shared by all batches."""

    def __init__(self) -> None:
        self.words: dict[str, int] = {}
        self.word_list: list[str] = []
        self.cp_class = np.full(0x110000, 255, dtype=np.uint8)
        self.cp_hash = np.zeros(0x110000, dtype=np.uint32)
        self.word_hash: list[int] = []
        #: code point → its folded code point (search.fold: one character for one), filled as
        #: characters come; 0x110000 for not yet known
        self.cp_fold = np.full(0x110000, 0x110000, dtype=np.uint32)

    def fold(self, cps: np.ndarray) -> np.ndarray:
        new = np.unique(cps[self.cp_fold[cps] == 0x110000])
        if len(new):
            self.cp_fold[new] = [ord(fold(chr(cp))) for cp in new.tolist()]
        return self.cp_fold[cps]

    def classes(self, cps: np.ndarray) -> np.ndarray:
        new = np.unique(cps[self.cp_class[cps] == 255])
        for cp in new.tolist():
            ch = chr(cp)
            self.cp_class[cp] = _char_class(ch)
            self.cp_hash[cp] = fnv1a((" " if self.cp_class[cp] == _SPACE_CLS else ch).encode("utf-8"))
        return self.cp_class[cps]

    def word_id(self, word: str) -> int:
        i = self.words.get(word)
        if i is None:
            i = self.words[word] = _WORD_BASE + len(self.word_list)
            self.word_list.append(word)
        return i

    def hashes(self, ids: np.ndarray) -> np.ndarray:
        out = np.zeros(len(ids), dtype=np.uint32)
        cp = ids < _WORD_BASE
        out[cp] = self.cp_hash[ids[cp]]
        word = (ids >= _WORD_BASE) & (ids != _SEP)
        if len(self.word_hash) < len(self.word_list):
            new = self.word_list[len(self.word_hash):]
            self.word_hash.extend(fnv1a_many([w.encode("utf-8") for w in new]).tolist())
        if word.any():
            table = np.asarray(self.word_hash, dtype=np.uint32)
            out[word] = table[ids[word] - _WORD_BASE]
        return out

    def text(self, uid: int) -> str:
        return chr(uid) if uid < _WORD_BASE else self.word_list[uid - _WORD_BASE]


def _tokenise(text: str, reg: _Units) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Unit ids of a text (pages joined by \\x00) once folded, whether each is content, and the
    unit index of each character."""
    cps = reg.fold(np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32))
    text = cps.tobytes().decode("utf-32-le")
    cls = reg.classes(cps)
    cls[cps == 0] = _PAGE_END
    word = (cls == _LETTER) | (cls == _DIGIT)
    space = cls == _SPACE_CLS
    cont = np.zeros(len(cps), dtype=bool)
    cont[1:] = (word[1:] & word[:-1]) | (space[1:] & space[:-1])
    # a "." between two digits is inside the word: 3.5, v1.2
    dot = np.zeros(len(cps), dtype=bool)
    if len(cps) > 2:
        dot[1:-1] = (cls[1:-1] == _DOT) & (cls[:-2] == _DIGIT) & (cls[2:] == _DIGIT)
    cont |= dot
    cont[1:] |= dot[:-1]
    starts = np.flatnonzero(~cont)
    unit_of_char = np.cumsum(~cont) - 1
    lengths = np.diff(np.append(starts, len(cps)))
    first = cls[starts]
    ids = cps[starts].astype(np.uint32)
    ids[first == _SPACE_CLS] = 32
    ids[first == _PAGE_END] = _SEP
    long_words = np.flatnonzero((lengths > 1) & ((first == _LETTER) | (first == _DIGIT)))
    if len(long_words):
        s = starts[long_words].tolist()
        e = (starts[long_words] + lengths[long_words]).tolist()
        ids[long_words] = [reg.word_id(text[a:b]) for a, b in zip(s, e)]
    content = (first == _HAN_CLS) | (first == _LETTER) | (first == _DIGIT)
    return ids, content, unit_of_char


class _Tokens:
    """Every distinct token: its kind, units, hash, page count and page list (gap varints)."""

    def __init__(self) -> None:
        #: kind * 8 + n → (sorted 64-bit keys of the runs of n units, their token ids)
        self.table: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self.kind: list[int] = []
        self.spelling: list[str] = []
        self.hash: list[int] = []
        self.lists: list[bytearray] = []
        #: pieces of page lists not yet in ``lists``: (bytes, token ids, byte starts, lengths)
        self.list_parts: list[tuple[np.ndarray, ...]] = []
        self.list_bytes = 0
        self.count = np.zeros(0, dtype=np.int64)
        self.last_page = np.zeros(0, dtype=np.int64)
        self.pos_last = np.zeros(0, dtype=np.int64)
        #: this chunk's positions of 4-unit tokens, per batch: (bytes, token ids, byte starts, lengths)
        self.positions: list[tuple[np.ndarray, ...]] = []

    def flush_lists(self) -> None:
        """Append the pieces of page lists gathered since the last time to the tokens' lists: one
        Python step per token, not per token and batch."""
        if self.list_parts:
            parts, self.list_parts, self.list_bytes = self.list_parts, [], 0
            gs, data, lens = _regroup(parts)
            blob = data.tobytes()
            ends = np.cumsum(lens).tolist()
            lists = self.lists
            for g, a, b in zip(gs.tolist(), [0] + ends, ends):
                lists[g] += blob[a:b]

    def grow(self) -> None:
        n = len(self.kind)
        if n > len(self.count):
            extra = max(n - len(self.count), 4096)
            self.count = np.concatenate([self.count, np.zeros(extra, dtype=np.int64)])
            self.last_page = np.concatenate([self.last_page, np.full(extra, -1, dtype=np.int64)])
            self.pos_last = np.concatenate([self.pos_last, np.full(extra, -1, dtype=np.int64)])


_MIX = np.uint64(0x9E3779B97F4A7C15)


def _group_order(key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The order that groups equal keys, each group's places in ascending order (what a stable
    argsort gives, groups in another order), and the keys so ordered, mixed (one to one): one plain
    sort of the keys' high bits with each place in the low bits (several times faster than a stable
    argsort), then the rare groups of high bits that hold several keys sorted apart."""
    n = len(key)
    bits = max(1, (n - 1).bit_length())
    low = np.uint64((1 << bits) - 1)
    key = key * _MIX  # one to one, and small keys (single units) spread over the high bits
    combo = (key & ~low) | np.arange(n, dtype=np.uint64)
    combo.sort()
    order = (combo & low).astype(np.int64)
    high = combo >> np.uint64(bits)
    full = key[order]
    mixed = np.flatnonzero((high[1:] == high[:-1]) & (full[1:] != full[:-1]))
    for h in np.unique(high[mixed]).tolist():
        a, b = np.searchsorted(high, [h, h + 1])
        part = order[a:b]
        order[a:b] = part[np.argsort(key[part], kind="stable")]
        full[a:b] = key[order[a:b]]
    return order, full


def _add_runs(toks: _Tokens, reg: _Units, ids: np.ndarray, content: np.ndarray, page: np.ndarray,
              offset: np.ndarray, kind: int) -> None:
    """Register the 1–4-unit runs of the unit array ``ids`` (pages apart by _SEP): page lists, and
    for text tokens of 4 units the positions."""
    m = len(ids)
    uh = reg.hashes(ids)
    sep = ids == _SEP
    for n in range(1, MAX_UNITS + 1):
        count = m - n + 1
        if count <= 0:
            break
        bad = sep[:count].copy()
        has = content[:count].copy()
        for k in range(1, n):
            bad |= sep[k:k + count]
            has |= content[k:k + count]
        at = np.flatnonzero(~bad & has)
        if not len(at):
            continue
        # an exact-enough 64-bit key of the units, for the runs that are tokens only
        key = ids[at].astype(np.uint64)
        for k in range(1, n):
            key = (key * _MIX) ^ ids[at + k]
        # by token, then (the units come in page order) by page and offset
        order, key = _group_order(key)
        at = at[order]
        new_key = np.ones(len(key), dtype=bool)
        new_key[1:] = key[1:] != key[:-1]
        group_first = np.flatnonzero(new_key)
        uniq = key[group_first]
        tag = kind * 8 + n
        table = toks.table.get(tag)
        if table is None:
            table = (np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.int64))
        gids = np.full(len(uniq), -1, dtype=np.int64)
        if len(table[0]):
            where = np.minimum(np.searchsorted(table[0], uniq), len(table[0]) - 1)
            found = table[0][where] == uniq
            gids[found] = table[1][where[found]]
        fresh = np.flatnonzero(gids < 0)
        if len(fresh):
            base = len(toks.kind)
            gids[fresh] = np.arange(base, base + len(fresh))
            # the new tokens' hashes (FNV-1a over unit hashes: uint32 arithmetic wraps as it should)
            first_at = at[group_first[fresh]]
            h = (np.uint32(_FNV_OFFSET) ^ uh[first_at]) * np.uint32(_FNV_PRIME)
            for k in range(1, n):
                h = (h ^ uh[first_at + k]) * np.uint32(_FNV_PRIME)
            toks.hash.extend(h.tolist())
            toks.kind.extend([kind] * len(fresh))
            text = reg.text
            columns = [[text(u) for u in ids[first_at + k].tolist()] for k in range(n)]
            toks.spelling.extend(columns[0] if n == 1 else map(UNIT_SEP.join, zip(*columns)))
            toks.lists.extend(bytearray() for _ in range(len(fresh)))
            o = np.argsort(uniq[fresh])
            new_keys, new_vals = uniq[fresh][o], gids[fresh][o]
            where = np.searchsorted(table[0], new_keys)
            toks.table[tag] = (np.insert(table[0], where, new_keys), np.insert(table[1], where, new_vals))
        toks.grow()
        gid = gids[np.cumsum(new_key) - 1]
        pg = page[at]
        positions = kind == TEXT and n == MAX_UNITS
        new_pair = new_key.copy()
        new_pair[1:] |= pg[1:] != pg[:-1]
        pair_gid, pair_pg = gid[new_pair], pg[new_pair]
        gaps, new_tok = _page_gaps(pair_gid, pair_pg, toks.last_page)
        data, size = varints(gaps)
        tok_starts = np.flatnonzero(new_tok)
        tok_ids = pair_gid[tok_starts]
        byte_ends = np.cumsum(size)
        byte_at = np.concatenate([[0], byte_ends[tok_starts[1:] - 1], [byte_ends[-1]]])
        toks.list_parts.append((data, tok_ids, byte_at[:-1], np.diff(byte_at)))
        toks.list_bytes += len(data)
        if toks.list_bytes >= LIST_PIECES_BYTES:
            toks.flush_lists()
        toks.count += np.bincount(pair_gid, minlength=len(toks.count))[:len(toks.count)]
        last_of_tok = np.append(tok_starts[1:], len(pair_pg)) - 1
        toks.last_page[tok_ids] = pair_pg[last_of_tok]
        if positions:
            _add_positions(toks, gid, pg, offset[at], new_pair)


def _page_gaps(tok: np.ndarray, page: np.ndarray, last: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For (token, page) pairs grouped by token, pages ascending within a token: each page's gap
    from the token's page before it (from ``last``, the token's last page so far, for its first)
    minus one, as the lists and positions store it; and where each token's pairs start."""
    new_tok = np.ones(len(tok), dtype=bool)
    new_tok[1:] = tok[1:] != tok[:-1]
    prev = np.empty(len(page), dtype=np.int64)
    prev[1:] = page[:-1]
    prev[new_tok] = last[tok[new_tok]]
    return page - prev - 1, new_tok


def _add_positions(toks: _Tokens, gid: np.ndarray, pg: np.ndarray, off: np.ndarray, new_pair: np.ndarray) -> None:
    """Append this batch's places of 4-unit tokens to their chunk blobs: per page, the page gap,
    the number of places and the offsets (first as is, then gaps minus one)."""
    groups = np.flatnonzero(new_pair)
    g_count = np.diff(np.append(groups, len(gid)))
    g_gid, g_pg = gid[groups], pg[groups]
    page_gaps, new_tok = _page_gaps(g_gid, g_pg, toks.pos_last)
    group_of = np.cumsum(new_pair) - 1
    prev_off = np.empty(len(off), dtype=np.int64)
    prev_off[1:] = off[:-1]
    prev_off[new_pair] = -1
    values = np.empty(len(off) + 2 * len(groups), dtype=np.int64)
    values[np.arange(len(off)) + 2 * (group_of + 1)] = off - prev_off - 1
    head = groups + 2 * np.arange(len(groups))
    values[head] = page_gaps
    values[head + 1] = g_count
    data, size = varints(values)
    # each token's bytes: from its first group's header to its last offset
    tok_first = np.flatnonzero(new_tok)
    value_starts = head[tok_first]
    byte_starts = np.cumsum(size) - size
    starts = byte_starts[value_starts]
    toks.positions.append((data, g_gid[tok_first], starts, np.append(starts[1:], len(data)) - starts))
    last = np.append(tok_first[1:], len(groups)) - 1
    toks.pos_last[g_gid[tok_first]] = g_pg[last]


def _regroup(parts: list[tuple[np.ndarray, ...]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pieces of bytes of tokens, as parts (bytes, token ids, byte starts, lengths; one piece per
    token a part), regrouped: the tokens in id order, the bytes of each one after another (parts in
    the order given), and each token's length."""
    base = np.cumsum([0] + [len(part[0]) for part in parts[:-1]])
    blob = np.concatenate([part[0] for part in parts])
    g = np.concatenate([part[1] for part in parts])
    starts = np.concatenate([part[2] + b for part, b in zip(parts, base.tolist())])
    lens = np.concatenate([part[3] for part in parts])
    parts.clear()  # the pieces are in blob now
    order = np.argsort(g, kind="stable")
    g, starts, lens = g[order], starts[order], lens[order]
    data = _gather(blob, starts, lens)
    first = np.flatnonzero(np.append(True, g[1:] != g[:-1]))
    return g[first], data, np.add.reduceat(lens, first)


def _gather(blob: np.ndarray, starts: np.ndarray, lengths: np.ndarray, block: int = 1 << 20) -> np.ndarray:
    """The pieces ``blob[starts[i]:starts[i] + lengths[i]]`` one after another, copied a few MB at a
    time (an index per byte of the whole would take eight times its size)."""
    ends = np.cumsum(lengths)
    total = int(ends[-1]) if len(ends) else 0
    out = np.empty(total, dtype=np.uint8)
    cuts = np.unique(np.concatenate([[0], np.searchsorted(ends, np.arange(block, total, block)), [len(ends)]]))
    for i, j in zip(cuts[:-1].tolist(), cuts[1:].tolist()):
        if i == j:
            continue
        base = int(ends[i - 1]) if i else 0
        size = int(ends[j - 1]) - base
        index = np.repeat(starts[i:j] - (ends[i:j] - lengths[i:j] - base), lengths[i:j]) + np.arange(size)
        out[base:base + size] = blob[index]
    return out


class _Files:
    """Creates the files of a shard's folder (os calls: a site index is tens of thousands of small
    files) and keeps each one's SHA-256 (the build cache checks a reused folder against them)."""

    def __init__(self, root: Path) -> None:
        self.root = str(root)
        self.digests: dict[str, str] = {}

    def write(self, rel: str, data: bytes) -> None:
        fd = os.open(f"{self.root}/{rel}", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            os.write(fd, data)
        finally:
            os.close(fd)
        self.digests[rel] = hashlib.sha256(data).hexdigest()


def _bitmap(values: bytes, pages: int) -> bytes:
    """The page list (gap varints) as a bitmap of ``pages`` bits."""
    arr = np.frombuffer(bytes(values), dtype=np.uint8)
    ends = np.flatnonzero(arr < 0x80)
    starts = np.concatenate([[0], ends[:-1] + 1])
    gaps = np.zeros(len(ends), dtype=np.int64)
    for k in range(int((ends - starts).max()) + 1 if len(ends) else 0):
        has = starts + k <= ends
        gaps[has] |= (arr[starts[has] + k].astype(np.int64) & 0x7F) << (7 * k)
    ids = np.cumsum(gaps + 1) - 1
    bits = np.zeros((pages + 7) // 8 * 8, dtype=np.uint8)
    bits[ids] = 1
    return np.packbits(bits, bitorder="little").tobytes()


def write_index(shards, out_dir: Path, reuse=None) -> dict:
    """Write the search index of ``shards`` as the folder ``out_dir`` (replaced); returns figures.

    ``shards``: the shards in rank order, each an iterable of side-text dicts (url, title, sub, c,
    t) in rank order, or ``(key, pages)`` with ``reuse``: a shard's page ids are 0…n-1 in its own
    order, and the reader adds the pages of the shards before it. Each shard's files are in a
    folder named by its ``id`` (``write_shard``: a digest of its pages and of this writer), so a
    shard that did not change keeps its folder, and ``reuse`` (``cache.ShardReuse``) may put the
    folder an earlier build wrote for the same ``key`` in place (``link_shard``; checked) instead
    of writing it again (``keep_shard``). ``meta.json`` lists the shards; ``fold.json`` is the fold
    table. A reader that opened the site before a shard changed asks for files that are no longer
    there, instead of taking the new build's pages for its own. The same pages give the same bytes."""
    if isinstance(shards, list) and shards and isinstance(shards[0], dict):
        shards = [shards]  # one shard's pages
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staged = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.new-", dir=out_dir.parent))
    try:
        listed: list[dict] = []
        figures = {"pages": 0, "tokens": 0, "bytes": {"d": 0, "p": 0, "q": 0}, "files": {"d": 0, "p": 0, "q": 0},
                   "reused": 0}
        for shard in shards:
            key, pages = shard if isinstance(shard, tuple) else (None, shard)
            entry = reuse.link_shard(key, staged) if reuse is not None and key is not None else None
            if entry is not None:
                figures["reused"] += 1
            else:
                pages = pages() if callable(pages) else pages
                entry = write_shard(pages, staged)
                if reuse is not None and key is not None:
                    reuse.keep_shard(key, staged / entry["id"], entry)
            for k in ("bytes", "files"):
                for part, n in entry.get(k, {}).items():
                    figures[k][part] += n
            figures["tokens"] += entry.get("tokens", 0)
            if entry["pages"]:
                listed.append({"id": entry["id"], "pages": entry["pages"], "buckets": entry["buckets"]})
                figures["pages"] += entry["pages"]
        meta = {"version": VERSION, "pages": figures["pages"], "chunk": CHUNK_PAGES, "texts": TEXT_GROUP,
                "shards": listed}
        (staged / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
        (staged / "fold.json").write_text(fold_table_json(), encoding="utf-8")
        if out_dir.exists():
            shutil.rmtree(out_dir)
        os.replace(staged, out_dir)
        return {**figures, "shards": listed}
    finally:
        shutil.rmtree(staged, ignore_errors=True)


def write_shard(pages, parent: Path) -> dict:
    """Write the index of one shard's ``pages`` (rank order, ids 0…n-1) as the folder
    ``parent/<id>``; its figures: id, pages, buckets, tokens, bytes and files, and ``digests``
    (every file's SHA-256 by its path in the folder, for the build cache)."""
    staged = Path(tempfile.mkdtemp(prefix=".shard-", dir=parent))
    try:
        stats = _write(pages, staged)
        target = parent / stats["id"]
        if target.exists():  # two shards of the same pages (one folder serves both)
            shutil.rmtree(staged)
        else:
            os.replace(staged, target)
        return stats
    finally:
        shutil.rmtree(staged, ignore_errors=True)


def _write(pages, out: Path) -> dict:
    # the id names the folder of the files: it changes with the pages and with this writer (its
    # code, and its parameters — buckets, chunk of positions — change the files, not the format)
    digest = hashlib.sha256(f"sb-index {VERSION}\n".encode() + Path(__file__).read_bytes())
    reg = _Units()
    toks = _Tokens()
    titles: dict[str, list[int]] = {}
    files = _Files(out)
    os.mkdir(out / "t")
    spool_path = out / ".positions"
    spool = open(spool_path, "wb")
    # where each (token, chunk)'s places are in the spool: arrays per chunk (a dict of tuples
    # would take some 150 MB at 50,000 reports)
    spooled: list[tuple[np.ndarray, ...]] = []
    n_pages = 0
    batch: list[dict] = []
    texts: list[bytes] = []

    def flush_chunk(chunk: int) -> None:
        if toks.positions:
            parts, toks.positions = toks.positions, []
            gs, data, tok_lens = _regroup(parts)
            spooled.append((gs, np.full(len(gs), chunk, dtype=np.int64), spool.tell() + np.cumsum(tok_lens) - tok_lens,
                            tok_lens))
            spool.write(data)
        toks.positions.clear()
        toks.pos_last[:] = -1

    def run(batch: list[dict], first: int) -> None:
        texts = [page_text(p).replace("\x00", "\x01") for p in batch]  # folded in _tokenise
        heads = [len(p.get("title") or "") + 1 + len(p.get("sub") or "") for p in batch]
        joined = "\x00".join(texts) + "\x00"
        ids, content, unit_of_char = _tokenise(joined, reg)
        char_start = np.cumsum([0] + [len(t) + 1 for t in texts])
        unit_start = unit_of_char[char_start[:-1]]
        unit_end = unit_of_char[char_start[1:] - 1]  # the page's _SEP unit
        page = np.repeat(np.arange(first, first + len(texts)), unit_end - unit_start + 1)
        offset = np.arange(len(ids)) - np.repeat(unit_start, unit_end - unit_start + 1)
        _add_runs(toks, reg, ids, content, page, offset, TEXT)
        # the heading: the page's first units, up to the end of title \n sub
        head_end = unit_of_char[char_start[:-1] + np.asarray(heads) - 1] + 1
        take = np.concatenate([np.arange(a, b) for a, b in zip(unit_start.tolist(), head_end.tolist())])
        sep_at = np.cumsum(head_end - unit_start)
        h_ids = np.insert(ids[take], sep_at, _SEP)
        h_content = np.insert(content[take], sep_at, False)
        h_page = np.insert(page[take], sep_at, 0)
        _add_runs(toks, reg, h_ids, h_content, h_page, np.zeros(len(h_ids), dtype=np.int64), HEADING)

    for p in pages:
        if n_pages and n_pages % CHUNK_PAGES == 0:
            if batch:
                run(batch, n_pages - len(batch))
                batch = []
            flush_chunk(n_pages // CHUNK_PAGES - 1)
        text = json.dumps(p, ensure_ascii=False, separators=(",", ":")).encode()
        digest.update(len(text).to_bytes(8, "little") + text)
        texts.append(text)
        if len(texts) == TEXT_GROUP:
            files.write(f"t/{n_pages // TEXT_GROUP}.json", b"[" + b",".join(texts) + b"]")
            texts = []
        titles.setdefault(flat_title(p.get("title") or ""), []).append(n_pages)
        batch.append(p)
        n_pages += 1
        if len(batch) == BATCH_PAGES:
            run(batch, n_pages - len(batch))
            batch = []
    if batch:
        run(batch, n_pages - len(batch))
    if texts:
        files.write(f"t/{n_pages // TEXT_GROUP}.json", b"[" + b",".join(texts) + b"]")
    if n_pages:
        flush_chunk((n_pages - 1) // CHUNK_PAGES)
    toks.flush_lists()
    spool.close()
    named = [(title, ids) for title, ids in titles.items() if title]
    # token_hash([title]) of every title at once
    title_hashes = (np.uint32(_FNV_OFFSET) ^ fnv1a_many([t.encode("utf-8") for t, _ in named])) * np.uint32(_FNV_PRIME)
    toks.hash.extend(title_hashes.tolist())
    for title, ids in named:
        toks.kind.append(TITLE)
        toks.spelling.append(title)
        toks.lists.append(bytearray(b"".join(varint(b - a - 1) for a, b in zip([-1] + ids, ids))))
    toks.grow()
    toks.count[len(toks.kind) - len(named):len(toks.kind)] = [len(ids) for _, ids in named]
    stats = _write_buckets(toks, spooled, spool_path, n_pages, out, files)
    digest.update(json.dumps([stats["buckets"], CHUNK_PAGES, INLINE_LIST, OWN_POSITIONS_BYTES, TEXT_GROUP]).encode())
    return {**stats, "id": digest.hexdigest()[:16], "digests": files.digests}


def _write_buckets(toks: _Tokens, spooled: list, spool_path: Path, n_pages: int, out: Path, files: _Files) -> dict:
    bitmap_size = (n_pages + 7) // 8
    total = len(toks.kind)
    entry_size = 0
    for g in range(total):
        size = min(len(toks.lists[g]), bitmap_size)
        entry_size += 4 + len(toks.spelling[g].encode("utf-8")) + (size + 2 if size <= INLINE_LIST else 0)
    buckets = max(1, round(entry_size / BUCKET_BYTES))
    by_bucket: list[list[int]] = [[] for _ in range(buckets)]
    for g in range(total):
        by_bucket[toks.hash[g] % buckets].append(g)
    # the spool's pieces by token, then chunk: token g's are lo[g]:hi[g]
    sg, sc, sa, sl = (np.concatenate([part[k] for part in spooled]) if spooled else np.zeros(0, dtype=np.int64)
                      for k in range(4))
    order = np.lexsort((sc, sg))
    sg, sc, sa, sl = sg[order], sc[order], sa[order], sl[order]
    lo = np.searchsorted(sg, np.arange(total))
    hi = np.searchsorted(sg, np.arange(total), side="right")
    cum = np.concatenate([[0], np.cumsum(sl)])
    (out / "d").mkdir()
    (out / "p").mkdir()
    (out / "q").mkdir()
    sizes = {"d": 0, "p": 0, "q": 0}
    counts = {"d": 0, "p": 0, "q": 0}
    # read back piece by piece, not mapped: a mapped spool (130 MB at 50,000 reports) would count
    # in the build's memory
    spool = open(spool_path, "rb")
    for b, gids in enumerate(by_bucket):
        gids.sort(key=lambda g: (toks.kind[g], toks.spelling[g]))
        entries = bytearray()
        own = 0
        per_chunk: dict[int, list[tuple[int, int, int]]] = {}
        for index, g in enumerate(gids):
            plain = bytes(toks.lists[g])
            fmt, data = (0, plain) if len(plain) <= bitmap_size else (1, _bitmap(plain, n_pages))
            flags = toks.kind[g] | (OWN_FILE if len(data) > INLINE_LIST else 0)
            pieces = range(int(lo[g]), int(hi[g]))
            if pieces:
                flags |= HAS_POSITIONS
                if cum[pieces.stop] - cum[pieces.start] >= OWN_POSITIONS_BYTES * len(pieces):
                    flags |= OWN_POSITIONS
            word = toks.spelling[g].encode("utf-8")
            entries += varint(flags) + varint(len(word)) + word + varint(int(toks.count[g]))
            if flags & OWN_FILE:
                files.write(f"p/{b}-{own}.bin", bytes([fmt]) + data)
                sizes["p"] += len(data) + 1
                counts["p"] += 1
                own += 1
            else:
                entries += varint(fmt) + varint(len(data)) + data
            for k in pieces:
                c, at, length = int(sc[k]), int(sa[k]), int(sl[k])
                if flags & OWN_POSITIONS:  # a common token's places: only its own bytes fetched
                    spool.seek(at)
                    files.write(f"q/{b}-{c}-{index}.bin", spool.read(length))
                    sizes["q"] += length
                    counts["q"] += 1
                else:
                    per_chunk.setdefault(c, []).append((index, at, length))
        files.write(f"d/{b}.bin", entries)
        sizes["d"] += len(entries)
        counts["d"] += 1
        for c, items in per_chunk.items():
            head = bytearray(varint(len(items)))
            body = bytearray()
            for index, at, length in items:
                spool.seek(at)
                body += spool.read(length)
                head += varint(index) + varint(length)
            files.write(f"q/{b}-{c}.bin", head + body)
            sizes["q"] += len(head) + len(body)
            counts["q"] += 1
    spool.close()
    spool_path.unlink()
    return {"pages": n_pages, "buckets": buckets, "tokens": total, "bytes": sizes, "files": counts}
