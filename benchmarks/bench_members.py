"""Benchmark (SPEC §12): an upper organisation with many members builds from their feeds.

    python benchmarks/bench_members.py [--members 100] [--units 20] [--reports 500] [--repeat 2]

Writes synthetic ``site/feed/`` folders for ``--members`` members (every week, month and quarter
of 2026 up to 2026-11-27 and the year: 64 summaries of ``--units`` units each, and a
``reports-2026.json`` of ``--reports`` reports), each valid against generator/schemas/, serves them
all from one loopback HTTP server, and times ``shangbao build`` of an upper repository whose
``_org.yml`` lists them (members read over HTTP, 下级单位 pages for every period, the site, its
search index and its own feed). The upper repository and the feeds go to ``benchmarks/out/members-<N>/``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import http.server
import json
import random
import resource
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from generator import periods as P  # noqa: E402

AS_OF = dt.datetime(2026, 11, 27, 18, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
SEVERITIES = ("一般", "较大", "重大")


def _periods() -> list[P.Period]:
    year = P.parse("2026")
    out = [year]
    for kind in ("quarterly", "monthly", "weekly"):
        out += [p for p in P.periods_in(kind, year) if p.start <= AS_OF.date()]
    return out


def _summary(rng: random.Random, org: str, p: P.Period, units: int, reports: list[dict]) -> dict:
    rows, totals = [], dict.fromkeys(("reports", "expected", "on_time", "late", "concealed", "missing"), 0)
    for u in range(units):
        expected = {"weekly": 1, "monthly": 5, "quarterly": 14, "annual": 57}[p.kind]
        missing = rng.randint(0, 1) if expected else 0
        late = rng.randint(0, 1)
        on_time = max(expected - missing - late, 0)
        submitted = on_time + late + rng.randint(0, 6)
        row = {"id": f"u{u:03d}", "name": f"第{u + 1}科", "parent": None, "submitted": submitted, "expected": expected,
               "on_time": on_time, "late": late, "concealed": 0, "missing": missing, "instructed": 0, "adopted": 0,
               "on_time_rate": round(on_time / (on_time + late + missing), 4) if on_time + late + missing else None,
               "score": on_time - late - 2 * missing, "rank": u + 1}
        rows.append(row)
        for k in totals:
            totals[k] += row["submitted" if k == "reports" else k]
    incidents = [r for r in reports if r["type"] == "incident" and p.contains(dt.datetime.fromisoformat(r["reported_at"]))]
    timed = totals["on_time"] + totals["late"] + totals["missing"]
    return {
        "schema_version": "1", "organization": org,
        "period": {"id": p.id, "kind": p.kind, "label": p.label, "start": p.start.isoformat(), "end": p.end.isoformat()},
        "audience": "internal", "as_of": AS_OF.isoformat(), "rollup": False,
        "totals": {**totals, "incidents": len(incidents), "on_time_rate": round(totals["on_time"] / timed, 4) if timed else None,
                   "feedback": 0, "instructed": 0, "adopted": 0},
        "units": rows, "missing": [], "late_reports": [],
        "incidents": [{"id": r["id"], "title": r["title"], "unit": r["unit"], "severity": r["severity"], "stage": "初报",
                       "timeliness": "on_time", "occurred_at": r["reported_at"], "reported_at": r["reported_at"]}
                      for r in incidents],
        "metrics": {},
    }


def write_feeds(out: Path, members: int, units: int, n_reports: int, seed: int = 1) -> None:
    rng = random.Random(seed)
    periods = _periods()
    for m in range(members):
        org = f"第{m + 1}县应急管理局"
        feed = out / f"m{m:03d}" / "feed"
        feed.mkdir(parents=True, exist_ok=True)
        reports = []
        for i in range(n_reports):
            day = dt.date(2026, 1, 1) + dt.timedelta(days=rng.randrange(330))
            at = dt.datetime.combine(day, dt.time(10, 0), AS_OF.tzinfo).isoformat()
            kind = "incident" if i % 10 == 0 else "info"
            reports.append({"id": f"u{i % units:03d}/2026/r{i}", "title": f"{org}报告{i}", "unit": f"u{i % units:03d}",
                            "unit_name": f"第{i % units + 1}科", "type": kind, "reported_at": at, "received": at,
                            "timeliness": "on_time" if kind == "incident" else None,
                            "severity": rng.choice(SEVERITIES) if kind == "incident" else None,
                            "stage": "初报" if kind == "incident" else None, "url": f"../r/u{i % units:03d}/2026/r{i}.html"})
        for p in periods:
            data = _summary(rng, org, p, units, reports)
            (feed / f"summary-{p.id}.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        (feed / "reports-2026.json").write_text(json.dumps(
            {"schema_version": "1", "organization": org, "audience": "internal", "year": "2026", "reports": reports},
            ensure_ascii=False), encoding="utf-8")
        (feed / "index.json").write_text(json.dumps(
            {"schema_version": "1", "organization": org, "audience": "internal", "as_of": AS_OF.isoformat(),
             "summaries": [p.id for p in periods], "reports": ["2026"], "site": "../"}, ensure_ascii=False), encoding="utf-8")


def upper_repo(root: Path, base_url: str, members: int) -> None:
    import yaml

    org = {"organization": "某省应急管理厅", "timezone": "Asia/Shanghai",
           "units": [{"id": "bangongshi", "name": "办公室", "leaders": ["张伟"], "reporters": ["李娜"], "since": "2026-01-01"}],
           "members": [{"id": f"m{m:03d}", "name": f"第{m + 1}县应急管理局", "feed": f"{base_url}m{m:03d}/feed/"}
                       for m in range(members)]}
    (root / "submissions").mkdir(parents=True, exist_ok=True)
    (root / "submissions" / "_org.yml").write_text(yaml.safe_dump(org, allow_unicode=True, sort_keys=False), encoding="utf-8")
    if not (root / ".git").exists():
        subprocess.run(["git", "init", "-q", str(root)], check=True)


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002
        pass


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--members", type=int, default=100)
    ap.add_argument("--units", type=int, default=20)
    ap.add_argument("--reports", type=int, default=500)
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()
    out = ROOT / "benchmarks" / "out" / f"members-{args.members}"
    shutil.rmtree(out, ignore_errors=True)
    feeds = out / "feeds"
    t = time.perf_counter()
    write_feeds(feeds, args.members, args.units, args.reports)
    size = sum(f.stat().st_size for f in feeds.rglob("*") if f.is_file())
    print(f"feeds: {args.members} members, {size / 1e6:.1f} MB, written in {time.perf_counter() - t:.1f} s")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(feeds)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    upper = out / "upper"
    upper_repo(upper, f"http://127.0.0.1:{server.server_address[1]}/", args.members)
    times = []
    for _ in range(args.repeat):
        shutil.rmtree(upper / "site", ignore_errors=True)
        shutil.rmtree(upper / "build", ignore_errors=True)
        t = time.perf_counter()
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        done = subprocess.run([sys.executable, "-m", "generator", "--root", str(upper), "build", "--as-of", "2026-11-27 18:00"],
                              cwd=ROOT, capture_output=True, text=True)
        wall = time.perf_counter() - t
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if done.returncode != 0:
            print(done.stdout, done.stderr)
            return 1
        pages = len(list((upper / "site" / "members").glob("*.html")))
        unavailable = (upper / "site" / "members" / "2026-11.html").read_text(encoding="utf-8").count("sb-badge--unavailable")
        times.append(wall)
        print(f"upper build: {wall:.1f} s wall, {after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime:.1f} s CPU, "
              f"{pages} 下级单位 pages, {unavailable} 未取得, max RSS {after.ru_maxrss / 1024:.0f} MB")
        print("   ", " ".join(line.strip() for line in done.stderr.splitlines() if line.startswith(("下级单位", "完成"))))
    print(f"best: {min(times):.1f} s (target: under 30 s)")
    server.shutdown()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
