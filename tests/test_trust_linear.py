"""Every rule is linear in the file's size (SPEC §14, issue 12 item 1).

``benchmarks/bench_hostile.py`` builds one file just under 1 MiB for each crafted worst case
(headings padded with blanks or ``#``, lines of ``<``, 秘密 with long blank runs, links with
blanks, a vague word on every line, …) and reads and checks it. SPEC §14 asks for under 1 s
per file; this test allows ten times that in CPU time (the benchmark reports the real figures,
benchmarks/RESULTS.md), which still fails any quadratic rule by orders of magnitude — before
the fix a heading with 3,000 blanks alone took half a minute. A rule stuck in backtracking
fails the timeout instead of hanging the suite.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_hostile.py"
LIMIT_CPU_SECONDS = 10.0  # SPEC §14: 1 s; ten times that as margin for a loaded machine


def test_one_mebibyte_of_any_crafted_content_is_checked_in_linear_time():
    proc = subprocess.run([sys.executable, "-I", str(BENCH), "--json"], capture_output=True, text=True,
                          timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows = json.loads(proc.stdout)
    assert len(rows) >= 36
    slow = [(name, round(seconds, 2)) for name, size, seconds, _ in rows if seconds > LIMIT_CPU_SECONDS]
    assert not slow, slow
    assert all(size > 900_000 for _, size, _, _ in rows)


def test_a_problem_repeated_on_every_line_is_listed_a_bounded_number_of_times(tmp_path):
    from helpers_org import check, codes, make_org, write_good

    root = make_org(tmp_path)
    write_good(root, "info", body="\n".join(["听说这里起火了。"] * 5000) + "\n")
    code, found = check(root)
    vague = [f for f in found if f["code"] == "R402"]
    assert code == 0 and codes(found) == ["R402"] * len(vague)
    assert 10 <= len(vague) <= 100
    assert "还有更多" in vague[-1]["message"] and "还有更多" not in vague[0]["message"]
