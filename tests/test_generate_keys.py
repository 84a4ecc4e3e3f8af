"""The quick forms the generator uses for the build cache's keys and for what it shows many times
(SPEC §8, incremental builds) give exactly what the plain forms give: a key part that two different
values never share, the same address and the same printed time as before; and the cyclic collector
kept off what a build read until the build's outermost frozen call returns."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from urllib.parse import quote
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from generator.site import urls
from generator.site.cache import faithful_bytes
from generator.timeparse import format_time

TZ = ZoneInfo("Asia/Shanghai")


def test_equal_values_give_the_same_key_part_however_their_strings_are_shared():
    def made() -> str:  # a new string object at each call
        return "".join(["南山镇", "应急管理站"])

    title = made()
    shared = {"title": title, "unit": title, "rows": [(title, title)]}
    apart = {"title": made(), "unit": made(), "rows": [(made(), made())]}
    assert shared == apart and shared["title"] is not apart["title"]
    assert faithful_bytes(shared) == faithful_bytes(apart)


def test_different_values_never_share_a_key_part():
    values = [1, 1.0, True, "1", b"1", None, (1,), [1], {"a": 1}, {"a": 1.0}, {"a": 1, "b": 2}, {"b": 2, "a": 1},
              "迟报", "按时", dt.datetime(2026, 11, 27, 8, 0, tzinfo=TZ),
              dt.datetime(2026, 11, 27, 8, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))),
              dt.datetime(2026, 11, 27, 8, 1, tzinfo=TZ), dt.date(2026, 11, 27)]
    parts = [faithful_bytes(v) for v in values]
    assert len(set(parts)) == len(values)


def test_a_value_pickle_cannot_write_is_keyed_by_its_repr_apart_from_every_pickle():
    def local():  # a local function: pickle refuses it
        return None

    part = faithful_bytes({"f": local})
    assert part.startswith(b"repr\0") and part != faithful_bytes({"f": None})


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40))
def test_the_quick_percent_encoding_is_quote(path):
    assert urls.quote_path(path) == quote(path, safe="/-_.~")


@given(st.datetimes(min_value=dt.datetime(1, 1, 2), max_value=dt.datetime(9999, 12, 30), timezones=st.just(dt.UTC)))
def test_the_quick_time_format_is_strftime(moment):
    assert format_time(moment, TZ) == moment.astimezone(TZ).strftime("%Y-%m-%d %H:%M")


def test_every_character_the_quick_plain_check_takes_is_plain_and_unchanged_by_nfc():
    common = [chr(c) for c in range(0x20, 0x7f)] + [chr(c) for c in range(0x4e00, 0xa000)]
    for ch in common:
        if urls._COMMON.fullmatch(ch):
            assert urls._plain_char(ch) and unicodedata.is_normalized("NFC", ch), ch


def _plain_before(segment: str, capitals: bool) -> bool:
    """``urls._is_plain`` as it was before its quick check (each character looked up)."""
    return (bool(segment) and not segment.startswith(".") and not segment.endswith(".") and ".." not in segment
            and all(urls._plain_char(ch) for ch in segment)
            and unicodedata.normalize("NFC", segment) == segment
            and (capitals or segment.casefold() == segment)
            and segment.lower() not in urls._RESERVED and not re.fullmatch(r"(?i)(com|lpt)\d", segment)
            and len(segment.encode("utf-8")) <= urls._MAX_SEGMENT_BYTES)


@given(st.text(alphabet=st.one_of(st.characters(), st.sampled_from("aZ09-_.~中文报告é\u0301")), max_size=16),
       st.booleans())
def test_a_segment_is_plain_by_the_quick_check_exactly_when_it_was_before(segment, capitals):
    assert urls._is_plain(segment, capitals) == _plain_before(segment, capitals)


def test_the_heap_stays_frozen_until_the_outermost_frozen_call_returns():
    import gc

    from generator.site.generate import heap_frozen

    seen = []

    @heap_frozen
    def inner():
        seen.append(gc.get_freeze_count() > 0)

    @heap_frozen
    def outer():
        inner()
        seen.append(gc.get_freeze_count() > 0)  # the inner call left it frozen

    gc.unfreeze()
    outer()
    assert seen == [True, True] and gc.get_freeze_count() == 0
