"""Bounded fuzz test (SPEC §14, issue 12): mutated reports and ``_org.yml`` files through ``check``.

Each example takes a valid report (or organisation file) and applies a few mutations drawn
from what broke the project before — blank runs, ``<`` runs, headings, full-width digits,
NaN, control characters, out-of-range years, nested brackets, deleted or duplicated lines —
then runs ``shangbao check --format json`` in-process. Whatever the input:

- no traceback (the runner re-raises any exception), exit code 0, 1 or 2 only;
- every finding names a path, a line ≥ 1 and a known rule code, in Chinese;
- an exit 2 says why in Chinese on stderr;
- every file is checked in under 1 s of CPU time (SPEC §14).

120 examples each by default; ``SHANGBAO_FUZZ_EXAMPLES=3000`` for a longer run.
"""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path

import pytest
from helpers_org import AS_OF, REPORT_TYPES, good_report, make_org, render, run
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.rules import RULES

CJK = re.compile(r"[\u4e00-\u9fff]")
SETTINGS = settings(max_examples=int(os.environ.get("SHANGBAO_FUZZ_EXAMPLES", "120")), deadline=None, derandomize=False,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

NASTY = [
    " " * 3000, "\t" * 500, "<" * 2000, "<a onx= " * 50, "## 情况说明" + " " * 2000 + "（续）", "#" * 1000,
    "保守秘密" + " " * 3000, "【秘密】", "密级：机密", "２０２６", "-W４７", ".nan", ".inf", "-.inf", "~", "null",
    "\x1b[31m", "\ufffe", "\x85", "\u2028", "\x00", "：", "\u3000", "9999-12-31T23:59:00-12:00",
    "0001-01-01T00:00:00+14:00", "[" * 80, "{" * 80, "- " * 80, "&a ", "*a", "!!python/object:os.system",
    "'", '"', "\n---\n", "\n...\n", "javascript:alert(1)", "<script>", "&#106;avascript:", "听说" * 200,
    "11010519491231002X", "13812345678", "\r\n", "\r", "\ufeff", "?", ": ", "|", ">", "%", "@", "`",
    "draft:", "anonymous:", "classification:", "follows:", "period: ２０２６-W４７",
]


def _mutate(text: str, ops: list[tuple[int, int, int, str]]) -> str:
    for kind, a, b, piece in ops:
        if not text:
            text = piece
            continue
        i, j = sorted((a % (len(text) + 1), b % (len(text) + 1)))
        if kind == 0:  # insert
            text = text[:i] + piece + text[i:]
        elif kind == 1:  # replace a span
            text = text[:i] + piece + text[j:]
        elif kind == 2:  # delete a span
            text = text[:i] + text[j:]
        else:  # duplicate a span
            text = text[:j] + text[i:j] * 3 + text[j:]
    return text


PIECES = st.one_of(st.sampled_from(NASTY), st.text(max_size=40))
OPS = st.lists(st.tuples(st.integers(0, 3), st.integers(0, 10_000), st.integers(0, 10_000), PIECES),
               min_size=1, max_size=6)


def _assert_check_output(result) -> None:
    assert result.exit_code in (0, 1, 2), result.output
    if result.exit_code == 2:
        assert CJK.search(result.stderr), result.stderr
        return
    for finding in json.loads(result.stdout):
        assert finding["path"] and finding["line"] >= 1 and finding["column"] >= 1, finding
        assert finding["code"] in RULES, finding
        assert CJK.search(finding["message"]), finding


def _timed_check(root: Path):
    start = time.process_time()
    result = run(root, "check", "--format", "json", "--as-of", AS_OF)
    return result, time.process_time() - start


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Path:
    return make_org(tmp_path_factory.mktemp("fuzz-report"))


@SETTINGS
@given(rtype=st.sampled_from(REPORT_TYPES), ops=OPS)
def test_mutated_reports_give_findings_never_a_crash(repo, rtype, ops):
    front, body = good_report(rtype)
    text = _mutate(render(front, body), ops)
    folder = repo / "submissions" / "anjianke" / "2026"
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.iterdir():
        old.unlink()
    (folder / "fuzz.md").write_bytes(text.encode("utf-8", "surrogatepass"))
    result, cpu = _timed_check(repo)
    _assert_check_output(result)
    assert cpu < 1.0, f"{cpu:.2f} s CPU for one file"


@pytest.fixture(scope="module")
def org_repo(tmp_path_factory) -> Path:
    root = make_org(tmp_path_factory.mktemp("fuzz-org"))
    front, body = good_report("info")
    folder = root / "submissions" / "anjianke" / "2026"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "2026-11-good-info.md").write_text(render(front, body), encoding="utf-8")
    return root


@SETTINGS
@given(ops=OPS)
def test_mutated_organisation_files_are_exit_2_never_a_crash(org_repo, ops):
    good = (org_repo / "submissions" / "_org.yml")
    if not hasattr(test_mutated_organisation_files_are_exit_2_never_a_crash, "original"):
        test_mutated_organisation_files_are_exit_2_never_a_crash.original = good.read_text(encoding="utf-8")
    original = test_mutated_organisation_files_are_exit_2_never_a_crash.original
    good.write_bytes(_mutate(original, ops).encode("utf-8", "surrogatepass"))
    try:
        result, cpu = _timed_check(org_repo)
        _assert_check_output(result)
        assert cpu < 1.0, f"{cpu:.2f} s CPU"
        if result.exit_code == 2:
            assert "submissions/_org.yml" in result.stderr, result.stderr
    finally:
        good.write_text(original, encoding="utf-8")
