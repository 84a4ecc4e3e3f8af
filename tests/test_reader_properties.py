"""Property tests: whatever bytes or YAML a report holds, reading and checking it gives findings,
never an exception, in bounded time (an alias bomb must not expand)."""

from __future__ import annotations

import datetime as dt
import time
from zoneinfo import ZoneInfo

import pytest
import yaml
from helpers_org import REPORT_TYPES, good_report, make_org, render
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.config import load_org
from generator.model import SEVERITIES
from generator.reader import read_report
from generator.repository import run_rules
from generator.rules import RULES

PATH = "submissions/anjianke/2026/x.md"
AS_OF = dt.datetime(2026, 11, 27, 18, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def org(tmp_path_factory):
    return load_org(make_org(tmp_path_factory.mktemp("org")))


def read_and_check(org, data: bytes):
    """Read ``data`` as a report and run every rule on it; assert the invariants; return the findings."""
    start = time.perf_counter()
    report, findings = read_report(PATH, data, org)
    if report is not None:
        findings = findings + run_rules([report], org, AS_OF)
    assert time.perf_counter() - start < 1, "reading one small file must be fast"
    assert report is not None or findings, "a file that cannot be read must say why"
    # lines as an editor shows them: CRLF, LF and a lone CR each end a line
    lines = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n").count(b"\n") + 1
    for f in findings:
        assert f.code in RULES and f.severity in SEVERITIES and f.severity == RULES[f.code].severity
        assert 1 <= f.line <= lines, (f, lines)
        assert f.column >= 1 and f.path == PATH and f.message
    return report, findings


# --- arbitrary bytes -------------------------------------------------------------------------

@SETTINGS
@given(data=st.binary(max_size=2000))
def test_arbitrary_bytes(org, data):
    read_and_check(org, data)


@SETTINGS
@given(block=st.binary(max_size=400), body=st.binary(max_size=400))
def test_arbitrary_bytes_between_fences(org, block, body):
    read_and_check(org, b"---\n" + block + b"\n---\n" + body)


# --- YAML-ish text from a grammar --------------------------------------------------------------

KEYS = st.sampled_from([
    "title", "type", "unit", "author", "reported_at", "reviewed_by", "approved_by", "classification", "draft",
    "tags", "occurred_at", "severity", "deaths", "loss", "stage", "follows", "period", "metrics", "on", "kind",
    "progress", "uscc", "hazards_found", "hazards_fixed", "标题", "a", "? x", "- y", "'q'", "\"dq\"", "&k key",
])
SCALARS = st.sampled_from([
    "", "火情", "incident", "突发事件", "info", "anjianke", "赵磊", "刘洋", "2026-11-20 10:00", "2026-11-20",
    "2026-W47", "2026-13", "3", "-1", "1e400", "0x1F", "true", "no", "on", "null", "~", "12.5", "91350100M000100Y43",
    "'单引号'", '"双引号"', '"未闭合', "'未闭合", "[a, b", "{a: 1", "[]", "{}", "[1, [2, [3]]]", "{a: {b: c}}",
    "*a", "&a 值", "!!str 1", "!!binary aGk=", "!!timestamp 2026-11-20", "!tag x", "|", ">", "# 注释", "a: b",
    "机密★1年", "13812345678", "11010519491231002X", "<script>x</script>", "可能", "%", "@", "`", "\\", "…",
])
INDENT = st.sampled_from(["", "", "", "  ", "    ", " ", "\t", "\u3000", "- ", "  - "])
SEP = st.sampled_from([": ", ": ", ": ", "：", ":", ":\t", ": \u3000", " : ", ":  "])


@st.composite
def yaml_line(draw):
    return draw(INDENT) + draw(KEYS) + draw(SEP) + draw(SCALARS)


@st.composite
def yaml_block(draw):
    lines = draw(st.lists(yaml_line() | SCALARS | st.text(max_size=30), max_size=25))
    return "\n".join(lines)


@SETTINGS
@given(block=yaml_block(), body=st.text(max_size=300))
def test_yaml_grammar(org, block, body):
    read_and_check(org, ("---\n" + block + "\n---\n" + body).encode("utf-8", "surrogatepass"))


@SETTINGS
@given(rtype=st.sampled_from(REPORT_TYPES), extra=st.lists(yaml_line(), max_size=4),
       position=st.integers(min_value=0, max_value=30))
def test_good_report_with_lines_inserted(org, rtype, extra, position):
    front, body = good_report(rtype)
    lines = render(front, body).split("\n")
    cut = min(1 + position, len(front) + 1)
    text = "\n".join(lines[:cut] + extra + lines[cut:])
    read_and_check(org, text.encode("utf-8", "surrogatepass"))


VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-10**30, max_value=10**30)
    | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4),
    max_leaves=12,
)


@SETTINGS
@given(rtype=st.sampled_from(REPORT_TYPES), data=st.data())
def test_any_value_for_any_key(org, rtype, data):
    """Every key of a good report given a value of any YAML type: the rules never crash on it."""
    front, body = good_report(rtype)
    key = data.draw(st.sampled_from(sorted(front)))
    value = data.draw(VALUES)
    dumped = yaml.safe_dump({key: value}, allow_unicode=True, default_flow_style=True, width=10**6).strip()
    lines = [f"{k}: {v}" for k, v in ((k, _plain(front[k])) for k in front) if k != key]
    text = "---\n" + "\n".join(lines) + "\n" + dumped[1:-1] + "\n---\n" + body
    read_and_check(org, text.encode("utf-8", "surrogatepass"))


def _plain(value):
    return yaml.safe_dump(value, allow_unicode=True, default_flow_style=True, width=10**6).strip().removesuffix("...").strip()


# --- bombs and depth ---------------------------------------------------------------------------

@settings(max_examples=30, deadline=None)
@given(width=st.integers(min_value=2, max_value=30), depth=st.integers(min_value=2, max_value=12),
       flow=st.booleans())
def test_alias_bomb_is_refused_without_expanding(org, width, depth, flow):
    lines = ["l0: &l0 [" + ", ".join(["lol"] * width) + "]"]
    for i in range(1, depth):
        refs = [f"*l{i - 1}"] * width
        if flow:
            lines.append(f"l{i}: &l{i} [" + ", ".join(refs) + "]")
        else:
            lines.append(f"l{i}: &l{i}\n" + "\n".join(f"  - {r}" for r in refs))
    data = ("---\n" + "\n".join(lines) + "\n---\n正文\n").encode()
    start = time.perf_counter()
    report, findings = read_and_check(org, data)
    assert time.perf_counter() - start < 1
    assert report is None and [f.code for f in findings] == ["R104"]
    assert "别名" in findings[0].message


@settings(max_examples=30, deadline=None)
@given(depth=st.integers(min_value=13, max_value=3000), kind=st.sampled_from(["flow_list", "flow_map", "block"]))
def test_deep_nesting_is_refused(org, depth, kind):
    if kind == "flow_list":
        block = "title: " + "[" * depth + "]" * depth
    elif kind == "flow_map":
        block = "title: " + "{a: " * depth + "1" + "}" * depth
    else:
        block = "\n".join(" " * i + "k:" for i in range(min(depth, 400))) + " 1"
    report, findings = read_and_check(org, ("---\n" + block + "\n---\n").encode())
    assert report is None and [f.code for f in findings] == ["R104"]
