"""Benchmark: summarize 50,000 synthetic reports built in memory (no files, no git).

    python benchmarks/bench_summary.py [N]

Prints the time to summarize one year, one month, and — reusing one ``Summarizer`` as the
site does — every week, month, quarter and the year (71 periods). Target: seconds.
"""

from __future__ import annotations

import datetime as dt
import random
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from generator import periods  # noqa: E402
from generator.config import Org, Unit  # noqa: E402
from generator.model import Report  # noqa: E402
from generator.summary import Summarizer, summarize  # noqa: E402
from generator.summary_writers import summary_csv_bytes, summary_json, summary_markdown  # noqa: E402

TZ = ZoneInfo("Asia/Shanghai")


def build(n: int, seed: int = 1) -> tuple[Org, list[Report]]:
    rnd = random.Random(seed)
    units = {"bgs": Unit("bgs", "办公室")}
    for i in range(60):
        uid = f"u{i:02d}"
        units[uid] = Unit(uid, f"单位{i:02d}", parent=None if i < 10 else f"u{i % 10:02d}",
                          periodic=["weekly", "monthly"] if i % 3 else ["monthly", "quarterly"],
                          since=dt.date(2026, 1, 1) if i % 7 else dt.date(2026, 5, 11))
    org = Org("基准测试局", TZ, units, feedback_units=["bgs"])
    uids = [u for u in units if u != "bgs"]
    reports: list[Report] = []
    start = dt.datetime(2026, 1, 1, tzinfo=TZ)
    weeks = periods.periods_in("weekly", periods.parse("2026"))
    months = periods.periods_in("monthly", periods.parse("2026"))

    def make(i, unit, type_, when, **kw):
        return Report(id=f"{unit}/2026/r{i}", path=f"submissions/{unit}/2026/r{i}.md", folder_unit=unit, meta={},
                      key_lines={}, body="", body_line=1, title=f"报告{i}", type=type_, unit=unit,
                      reported_at=when, **kw)

    incidents: list[str] = []
    for i in range(n):
        unit = rnd.choice(uids)
        roll = rnd.random()
        when = start + dt.timedelta(minutes=rnd.randrange(330 * 24 * 60))
        kw = {}
        if rnd.random() < 0.1:
            kw["received_at"] = when + dt.timedelta(hours=rnd.randrange(3))
        if roll < 0.35:
            w = rnd.choice(weeks)
            reports.append(make(i, unit, "weekly", w.due(dt.timedelta(hours=rnd.randrange(-60, 20)), TZ),
                                period=w.id, metrics={"检查": rnd.randrange(20), "隐患": rnd.randrange(9)}, **kw))
        elif roll < 0.45:
            m = rnd.choice(months)
            reports.append(make(i, unit, "monthly", m.due(dt.timedelta(hours=rnd.randrange(-100, 30)), TZ),
                                period=m.id, metrics={"检查": rnd.randrange(80)}, **kw))
        elif roll < 0.60:
            stage = "初报" if not incidents or rnd.random() < 0.6 else rnd.choice(["续报", "终报"])
            extra = {"follows": rnd.choice(incidents)} if stage != "初报" else {}
            r = make(i, unit, "incident", when, occurred_at=when - dt.timedelta(minutes=rnd.randrange(900)),
                     stage=stage, severity=rnd.choice(["一般", "较大"]), **extra, **kw)
            if stage == "初报":
                incidents.append(r.id)
            reports.append(r)
        elif roll < 0.65 and reports:
            target = rnd.choice(reports)
            reports.append(make(i, "bgs", "feedback", when, on=target.id, kind=rnd.choice(["批示", "采用"]),
                                level=rnd.choice(["县", "市", "省"])))
        else:
            reports.append(make(i, unit, rnd.choice(["info", "inspection", "task", "credit"]), when,
                                classification=rnd.choice(["internal", "internal", "public", "restricted"]),
                                draft=rnd.random() < 0.03, has_errors=rnd.random() < 0.01, **kw))
    return org, reports


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 50_000
    t0 = time.perf_counter()
    org, reports = build(n)
    t1 = time.perf_counter()
    as_of = dt.datetime(2026, 11, 27, 18, 0, tzinfo=TZ)
    year = summarize(reports, org, periods.parse("2026"), "internal", as_of)
    t2 = time.perf_counter()
    month = summarize(reports, org, periods.parse("2026-11"), "internal", as_of, rollup=True)
    t3 = time.perf_counter()
    sz = Summarizer(reports, org, "internal", as_of)
    year_p = periods.parse("2026")
    all_periods = [year_p]
    for kind in ("quarterly", "monthly", "weekly"):
        all_periods += periods.periods_in(kind, year_p)
    for p in all_periods:
        summary_markdown(sz.summarize(p))
    t4 = time.perf_counter()
    summary_json(year), summary_markdown(year), summary_csv_bytes(year)
    t5 = time.perf_counter()
    print(f"{n} 份报告（构造用时 {t1 - t0:.2f} s）")
    print(f"  全年汇总 summarize(2026)           {t2 - t1:.2f} s  （计入 {year.totals.submitted} 份，"
          f"漏报 {year.totals.missing}，迟报 {year.totals.late}，瞒报 {year.totals.concealed}）")
    print(f"  月度汇总 summarize(2026-11, 汇总下级) {t3 - t2:.2f} s  （计入 {month.totals.submitted} 份）")
    print(f"  Summarizer 复用：{len(all_periods)} 个周期 + Markdown  {t4 - t3:.2f} s")
    print(f"  全年汇总输出 JSON + Markdown + CSV  {t5 - t4:.2f} s")


if __name__ == "__main__":
    main()
