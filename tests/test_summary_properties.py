"""Invariants of the counting on random reports: a year is the sum of its months and quarters,
the totals are the sum of the units, and a rolled-up top unit holds everything below it."""

import datetime as dt
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from generator.config import Org, Unit
from generator.model import Report
from generator.periods import parse, periods_in
from generator.summary import Summarizer
from generator.summary_writers import summary_dict

TZ = ZoneInfo("Asia/Shanghai")
AS_OF = dt.datetime(2027, 2, 1, tzinfo=TZ)
YEAR = parse("2026")
WEEKS = periods_in("weekly", YEAR)
MONTHS = periods_in("monthly", YEAR)
UNITS = ("top", "mid", "leaf", "solo")


def org():
    return Org("测试局", TZ, {
        "top": Unit("top", "上级", periodic=["weekly", "monthly"], since=dt.date(2026, 1, 1)),
        "mid": Unit("mid", "中级", parent="top", periodic=["weekly"], since=dt.date(2026, 3, 18)),
        "leaf": Unit("leaf", "基层", parent="mid", periodic=["monthly"], since=dt.date(2026, 6, 1)),
        "solo": Unit("solo", "独立", periodic=["weekly", "monthly"]),
    }, feedback_units=["top"])


def report(i, unit, kind, slot, hours, flags):
    draft, restricted, errors = flags
    rid = f"{unit}/2026/r{i}"
    common = dict(id=rid, path=f"submissions/{rid}.md", folder_unit=unit, meta={}, key_lines={}, body="",
                  body_line=1, unit=unit, title=rid, draft=draft, has_errors=errors,
                  classification="restricted" if restricted else "internal")
    if kind == "weekly":
        p = WEEKS[slot % len(WEEKS)]
        return Report(type="weekly", period=p.id, reported_at=p.due(dt.timedelta(hours=hours), TZ),
                      metrics={"n": 1}, **common)
    if kind == "monthly":
        p = MONTHS[slot % len(MONTHS)]
        return Report(type="monthly", period=p.id, reported_at=p.due(dt.timedelta(hours=hours), TZ),
                      metrics={"n": 1}, **common)
    when = dt.datetime(2026, 1, 1, tzinfo=TZ) + dt.timedelta(hours=slot * 17 % 8700)
    if kind == "incident":
        return Report(type="incident", stage="初报", occurred_at=when - dt.timedelta(hours=abs(hours) % 14),
                      reported_at=when, severity="一般", **common)
    return Report(type="info", reported_at=when, **common)


reports_strategy = st.lists(
    st.tuples(st.sampled_from(UNITS), st.sampled_from(["weekly", "monthly", "incident", "info"]),
              st.integers(0, 400), st.integers(-72, 30),
              st.tuples(st.booleans(), st.booleans(), st.booleans()).map(
                  lambda f: (f[0] and f[1], f[1] and not f[0], f[2] and f[0] and not f[1]))),
    max_size=60,
)

FIELDS = ("submitted", "expected", "on_time", "late", "concealed", "missing")


def add(dicts):
    return {k: sum(d[k] for d in dicts) for k in FIELDS}


@settings(max_examples=60, deadline=None)
@given(reports_strategy)
def test_year_is_sum_of_months_and_quarters(items):
    rs = [report(i, *item) for i, item in enumerate(items)]
    sz = Summarizer(rs, org(), "internal", AS_OF)
    year = summary_dict(sz.summarize(YEAR))
    months = [summary_dict(sz.summarize(m)) for m in MONTHS]
    quarters = [summary_dict(sz.summarize(q)) for q in periods_in("quarterly", YEAR)]
    for uid in UNITS:
        def pick(d, uid=uid):
            return next(u for u in d["units"] if u["id"] == uid)
        assert add([pick(m) for m in months]) == add([pick(year)]) == add([pick(q) for q in quarters])
    assert len(year["missing"]) == sum(len(m["missing"]) for m in months)
    assert year["metrics"] == _merge([m["metrics"] for m in months])


@settings(max_examples=60, deadline=None)
@given(reports_strategy, st.sampled_from(["2026-03", "2026-Q2", "2026-W30", "2026"]))
def test_totals_are_sum_of_units_and_rollup_top_holds_its_tree(items, pid):
    rs = [report(i, *item) for i, item in enumerate(items)]
    sz = Summarizer(rs, org(), "internal", AS_OF)
    plain = summary_dict(sz.summarize(parse(pid)))
    t = plain["totals"]
    summed = add(plain["units"])
    assert (t["reports"], t["late"], t["concealed"], t["missing"], t["on_time"], t["expected"]) == (
        summed["submitted"], summed["late"], summed["concealed"], summed["missing"], summed["on_time"],
        summed["expected"])
    rolled = summary_dict(sz.summarize(parse(pid), rollup=True))
    top = next(u for u in rolled["units"] if u["id"] == "top")
    tree = [u for u in plain["units"] if u["id"] in ("top", "mid", "leaf")]
    assert {k: top[k] for k in FIELDS} == add(tree)
    # nothing restricted, draft or erroneous is counted for internal
    counted_ids = {i["id"] for i in plain["incidents"]} | {r["id"] for r in plain["late_reports"]}
    hidden = {r.id for r in rs if r.draft or r.classification == "restricted" or r.has_errors}
    assert not counted_ids & hidden


def _merge(dicts):
    out = {}
    for d in dicts:
        for kind, values in d.items():
            bucket = out.setdefault(kind, {})
            for name, v in values.items():
                bucket[name] = bucket.get(name, 0) + v
    return {k: out[k] for k in ("weekly", "monthly") if k in out}
