"""Benchmark: one file of crafted worst-case content, read and checked by every rule (SPEC §14).

    python benchmarks/bench_hostile.py [--size 1000000] [--json]

Each case is a report whose body (or title) repeats one piece of text up to ``--size`` bytes
(just under the 1 MiB file limit by default): the inputs that made a rule super-linear before
(a level-2 heading padded with blanks or ``#``, a line of ``<``, a 秘密 line with a long blank
run, a ``](`` link with blanks), and the usual suspects (a word on every line, deep markup,
blank lines, headings, digits). Prints the CPU time of reading + checking each file (this
process's own time: other work on a shared machine does not count), worst first.
``tests/test_trust_linear.py`` runs this script with a timeout.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from generator.config import load_org  # noqa: E402
from generator.reader import read_report  # noqa: E402
from generator.repository import run_rules  # noqa: E402

ORG = """\
organization: 测试县应急管理局
timezone: Asia/Shanghai
feedback_units: [bangongshi]
units:
  - {id: bangongshi, name: 办公室, leaders: [张伟], reporters: [李娜]}
  - {id: anjianke, name: 安全监管科, leaders: [刘洋, 陈静], reporters: [赵磊]}
"""
HEAD = """\
---
title: 开展安全生产月宣传
type: info
unit: anjianke
author: 赵磊
reviewed_by: 陈静
approved_by: 刘洋
reported_at: 2026-11-18 10:00
---
"""
PATH = "submissions/anjianke/2026/2026-11-18-宣传.md"

# (name, prefix, repeated unit, suffix, where: body | title)
CASES: list[tuple[str, str, str, str, str]] = [
    ("heading + blanks + （续）", "## 情况说明", " ", "（续）", "body"),
    ("heading + #", "## 情况说明", "#", "说明", "body"),
    ("heading + '# '", "## 情况说明", "# ", "说明", "body"),
    ("heading on every line", "", "## 情况说明\n", "", "body"),
    ("a line of <", "", "<", "", "body"),
    ("a line of '< a'", "", "< a", "", "body"),
    ("a line of '<a on'", "", "<a on", "", "body"),
    ("a line of '<a onx= '", "", "<a onx= ", "", "body"),
    ("<x on every line", "", "<x\n", "", "body"),
    ("a line of ](<", "", "](<", "", "body"),
    ("link ]( + blanks", "[a](", " ", "x", "body"),
    ("保守秘密 + blanks", "保守秘密", " ", "x", "body"),
    ("blank line after 秘密", "秘密\n", " ", "x", "body"),
    ("a line of 秘密 ★", "", "秘密 ", "★", "body"),
    ("【 + 秘密", "", "【秘密", "", "body"),
    ("密级： + blanks", "密级：", " ", "x", "body"),
    ("vague word everywhere", "", "听说", "", "body"),
    ("vague word on every line", "", "听说\n", "", "body"),
    ("17 digits and a blank", "", "11111111111111111 ", "", "body"),
    ("mobile-like digits", "", "138 ", "", "body"),
    ("href= everywhere", "", "href=", "", "body"),
    ("&#106; entities", "", "&#106;", ":", "body"),
    ("tabs", "", "\t", "x", "body"),
    ("blank lines", "", "\n", "x", "body"),
    ("list markers", "", "- ", "x", "body"),
    ("code fences", "", "```\n", "", "body"),
    ("& on every line", "", "&x\n", "", "body"),
    ("&#x6a; on every line", "", "&#x6a;\n", "", "body"),
    (": on every line", "", ":\n", "", "body"),
    ("empty heading on every line", "", "##  \n", "", "body"),
    ("秘密x on every line", "", "秘密x\n", "", "body"),
    ("almost a mobile number on every line", "", "1381234567x\n", "", "body"),
    ("title of blanks", "x", " ", "x", "title"),
    ("title of [", "", "[", "", "title"),
    ("title of '- '", "", "- ", "", "title"),
    ("title of &", "", "&", "", "title"),
]


def content(case: tuple[str, str, str, str, str], size: int) -> bytes:
    _, prefix, unit, suffix, where = case
    filler = unit * max(1, (size - len(HEAD.encode())) // len(unit.encode()))
    if where == "title":
        text = HEAD.replace("title: 开展安全生产月宣传", "title: " + prefix + filler + suffix) + "\n正文\n"
    else:
        text = HEAD + prefix + filler + suffix + "\n"
    return text.encode("utf-8")


def measure(size: int) -> list[tuple[str, int, float, int]]:
    """(case, bytes, CPU seconds to read and check, findings) for every case."""
    root = Path(tempfile.mkdtemp(prefix="sb-hostile-"))
    (root / "submissions").mkdir()
    (root / "submissions" / "_org.yml").write_text(ORG, encoding="utf-8")
    org = load_org(root)
    as_of = dt.datetime(2026, 11, 27, 18, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    out = []
    for case in CASES:
        data = content(case, size)
        start = time.process_time()
        report, findings = read_report(PATH, data, org)
        if report is not None:
            findings += run_rules([report], org, as_of)
        out.append((case[0], len(data), time.process_time() - start, len(findings)))
        print(json.dumps(out[-1], ensure_ascii=False), file=sys.stderr, flush=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    rows = measure(args.size)
    if args.json:
        print(json.dumps(rows, ensure_ascii=False))
        return
    for name, size, seconds, found in sorted(rows, key=lambda r: -r[2]):
        print(f"{seconds:7.3f} s CPU  {size / 1048576:5.2f} MiB  {found:3d} findings  {name}")


if __name__ == "__main__":
    main()
