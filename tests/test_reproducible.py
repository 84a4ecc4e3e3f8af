"""Reproducible builds: the same repository and ``--as-of`` give a byte-identical ``site/``.

The sample is built twice in separate processes that differ in everything that must not
matter — hash seed (set and dict order), the process's time zone and locale, the output
folder's name, the working directory — and every file is compared byte for byte, gzip
headers included. A build "as of" a day long past must not carry the real clock anywhere.
"""

from __future__ import annotations

import datetime as dt
import gzip
import os
import struct
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

from helpers_org import UNIT, good_report, make_org, write_report

PROJECT = Path(__file__).resolve().parents[1]
AS_OF = "2026-11-27 18:00"


def _build(root: Path, site: Path, as_of: str, cwd: Path, **env: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "generator", "--root", str(root), "build", "--audience", "internal",
         "--site-dir", str(site), "--as-of", as_of],
        cwd=cwd, capture_output=True, text=True, timeout=300,
        env={**os.environ, "PYTHONPATH": str(PROJECT), **env},
    )
    assert proc.returncode == 0, proc.stderr[-2000:]


def _files(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}


def test_two_builds_of_the_sample_are_byte_identical(tmp_path):
    first, second = tmp_path / "a" / "site", tmp_path / "b" / "其他名字"
    (tmp_path / "cwd1").mkdir()
    (tmp_path / "cwd2").mkdir()
    _build(PROJECT, first, AS_OF, tmp_path / "cwd1", PYTHONHASHSEED="1", TZ="UTC", LANG="C.UTF-8")
    _build(PROJECT, second, AS_OF, tmp_path / "cwd2", PYTHONHASHSEED="4242", TZ="America/New_York",
           LANG="zh_CN.UTF-8")
    a, b = _files(first), _files(second)
    assert a.keys() == b.keys(), sorted(set(a) ^ set(b))[:10]
    differ = [k for k in a if a[k] != b[k]]
    assert not differ, differ[:10]
    assert len(a) > 100 and any(k.startswith("sb-index/") for k in a)


def _long_ago_org(root: Path) -> Path:
    units = [{"id": UNIT, "name": "安全生产监督管理股", "parent": None, "leaders": ["刘洋", "陈静"],
              "reporters": ["赵磊"], "periodic": ["weekly"], "since": "2025-01-01"}]
    make_org(root, feedback_units=[], units=units)
    front, body = good_report("info")
    front.update(reported_at="2025-03-10 10:00", title="三月宣传")
    write_report(root, UNIT, "2025-03-10-宣传", front, body, year=2025)
    front, body = good_report("weekly")
    front.update(reported_at="2025-03-10 09:00", period="2025-W10", title="第10周周报")
    write_report(root, UNIT, "2025-W10-周报", front, body, year=2025)
    return root


def test_a_build_as_of_a_past_day_carries_no_trace_of_the_clock(tmp_path):
    root = _long_ago_org(tmp_path / "org")
    site = tmp_path / "site"
    _build(root, site, "2025-03-14 18:00", tmp_path)
    as_of = dt.datetime(2025, 3, 14, 18, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    now = dt.datetime.now(ZoneInfo("Asia/Shanghai"))
    today = {now.strftime("%Y-%m-%d"), (now - dt.timedelta(days=1)).strftime("%Y-%m-%d"),
             (now + dt.timedelta(days=1)).strftime("%Y-%m-%d")}
    assert not any(day.startswith("2025-03") for day in today)
    # dates written in the help text and rule documentation are examples, not the clock
    from generator.rules import RULES

    static = "".join(p.read_text(encoding="utf-8") for p in (PROJECT / "templates" / "site").glob("*.j2"))
    static += "".join(rule.doc for rule in RULES.values())
    today = {day for day in today if day not in static}
    traces = []
    for rel, data in _files(site).items():
        views = [data]
        if data[:2] == b"\x1f\x8b":
            (mtime,) = struct.unpack("<I", data[4:8])
            if mtime > as_of.timestamp():
                traces.append(f"{rel}: gzip header time {dt.datetime.fromtimestamp(mtime)}")
            views.append(gzip.decompress(data))
        for day in today:
            if any(day.encode() in v for v in views):
                traces.append(f"{rel}: contains today's date {day}")
    assert not traces, traces[:10]
    home = (site / "index.html").read_text(encoding="utf-8")
    assert "2025-03-14 18:00" in home
    # any "generated at" / "as of" stamp on any page is the as-of time, never the build's clock
    import re

    for page in site.rglob("*.html"):
        for stamp in re.findall(r"(?:生成于|截至|更新于)\s*[：:]?\s*(\d{4}-\d{2}-\d{2} \d{2}:\d{2})", page.read_text(encoding="utf-8")):
            assert stamp == "2025-03-14 18:00", (page, stamp)
