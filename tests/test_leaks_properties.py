"""Property-based confidentiality and escaping (hypothesis).

Random organisations: reports of random type, classification, draft and anonymity, with
hostile strings in titles, tags and locations, 续报 that follow random 初报 and feedback on
random reports. For the public and internal audiences the generated docs tree (every page the
site is built from, without running MkDocs) and the summary must

- hold no marker of a report above the audience or of a draft;
- be byte-identical to the tree generated as if those reports had never existed;
- contain no active HTML from any value; and
- never name the author on an anonymous report's page.
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from pathlib import Path
from zoneinfo import ZoneInfo

from helpers_org import OFFICE, ORG, UNIT, good_report, make_org, write_report
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_escaping import injection_problems

from generator import periods as P
from generator.repository import load_repository
from generator.site.build import generate_tree
from generator.site.facts import collect
from generator.summary import summarize
from generator.summary_writers import summary_json

AS_OF = dt.datetime(2026, 11, 27, 18, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
RANK = {"public": 0, "internal": 1, "restricted": 2}
HOSTILE = ["<script>alert(1)</script>", '"><img src=x onerror=alert(2)>', "{{ 7*7 }}", "{% raw %}",
           "[x](javascript:alert(3))", "<!-- c -->", "&amp;", "'", "</div>", "\u202e", "a/../b", "普通文字"]

report_spec = st.fixed_dictionaries({
    "type": st.sampled_from(["info", "incident", "inspection", "weekly"]),
    "classification": st.sampled_from(["public", "internal", "restricted"]),
    "draft": st.booleans(),
    "anonymous": st.booleans(),
    "hostile": st.sampled_from(HOSTILE),
    "day": st.integers(min_value=2, max_value=26),
    "follow": st.one_of(st.none(), st.integers(min_value=0, max_value=5)),
    "feedback_on": st.one_of(st.none(), st.integers(min_value=0, max_value=5)),
    "feedback_class": st.sampled_from(["public", "internal", "restricted"]),
})


def _write_org(root: Path, specs: list[dict]) -> dict[str, dict]:
    """Write the organisation; returns report id -> {marker, visible level or None, anonymous, author}."""
    units = [dict(u) | {"since": "2026-11-01", "periodic": []} for u in ORG["units"]]
    make_org(root, units=units)
    out: dict[str, dict] = {}
    heads: list[tuple[str, dict]] = []
    ids: list[str] = []
    for n, spec in enumerate(specs):
        marker = f"hpm{n}x"
        rtype = spec["type"]
        if rtype == "incident" and spec["follow"] is not None and heads:
            head_id, head = heads[spec["follow"] % len(heads)]
            front, body = good_report("incident")
            front.update(stage="续报", follows=head_id, occurred_at=head["occurred_at"])
            rtype = "followup"
        else:
            front, body = good_report(spec["type"])
        day = spec["day"]
        if rtype == "followup":  # a 续报 comes after its 初报
            day = max(day, int(str(head["reported_at"])[8:10]))
        front.update(title=f"{marker} {spec['hostile']} 标题", reported_at=f"2026-11-{day:02d} 10:00",
                     classification=spec["classification"], tags=[f"{marker}t", spec["hostile"]])
        if spec["type"] == "inspection":
            front["inspected_on"] = f"2026-11-{day:02d}"
        if spec["draft"]:
            front["draft"] = True
            front.pop("reviewed_by", None)
            front.pop("approved_by", None)
        if spec["anonymous"]:
            front["anonymous"] = True
        if spec["type"] == "incident":
            front.setdefault("occurred_at", f"2026-11-{day:02d} 09:00")
            if rtype != "followup":
                front["occurred_at"] = f"2026-11-{day:02d} 09:00"
            front["location"] = f"{marker}l {spec['hostile']}"
        if spec["type"] == "weekly":
            week = P.period_containing("weekly", dt.date(2026, 11, day)).previous()
            front.update(period=week.id, metrics={f"{marker}m {spec['hostile']}": 1}, unit=OFFICE, author="李娜",
                         **({} if spec["draft"] else {"reviewed_by": "张伟", "approved_by": "张伟"}))
            if not spec["draft"] and any(s.get("_week") == week.id for s in specs[:n] if not s["draft"]):
                front["draft"] = True  # one non-draft weekly per period (R208)
                front.pop("reviewed_by")
                front.pop("approved_by")
            spec["_week"] = week.id
        unit = front["unit"]
        name = f"2026-11-{day:02d}-{marker}"
        write_report(root, unit, name, front, body + f"\n正文 {marker}b\n")
        rid = f"{unit}/2026/{name}"
        if not front.get("draft"):  # feedback and 续报 may only point at published reports (R403)
            ids.append(rid)
        if spec["type"] == "incident" and rtype != "followup" and not front.get("draft"):
            heads.append((rid, front))
        level = None if front.get("draft") else front["classification"]
        out[rid] = {"marker": marker, "level": level, "anonymous": spec["anonymous"], "author": front["author"]}
        if spec["feedback_on"] is not None and ids:
            on = ids[spec["feedback_on"] % len(ids)]
            fmarker = f"hpf{n}x"
            fb, fbody = good_report("feedback")
            # never below the report it is on (R403)
            level = max(spec["feedback_class"], out[on]["level"], key=["public", "internal", "restricted"].index)
            fb.update(title=f"{fmarker} 批示", on=on, reported_at="2026-11-26 17:00", classification=level)
            write_report(root, OFFICE, f"2026-11-26-{fmarker}", fb, fbody)
            out[f"{OFFICE}/2026/2026-11-26-{fmarker}"] = {
                "marker": fmarker, "level": fb["classification"], "anonymous": False, "author": fb["author"]}
    return out


def _tree(repo, reports, audience, out: Path) -> dict[str, str]:
    facts = collect(repo.org, reports, audience, repo.as_of,
                    publishable=[r for r in reports if not r.has_errors and r.visible_to(audience)])
    generate_tree(facts, repo.root, out)
    return {p.relative_to(out).as_posix(): p.read_text(encoding="utf-8")
            for p in sorted(out.rglob("*.md")) if not p.relative_to(out).as_posix().startswith("help/")}


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(report_spec, min_size=1, max_size=6))
def test_random_organisations_leak_nothing_and_escape_everything(specs):
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        expected = _write_org(root, specs)
        repo = load_repository(root, as_of=AS_OF, history=False)
        errors = [(f.path, f.code, f.message) for f in repo.errors]
        assert not errors, errors
        for audience in ("public", "internal"):
            hidden = [e["marker"] for e in expected.values() if e["level"] is None or RANK[e["level"]] > RANK[audience]]
            shown = [e["marker"] for e in expected.values() if e["level"] is not None and RANK[e["level"]] <= RANK[audience]]
            full = _tree(repo, repo.reports, audience, root / "build" / f"full-{audience}")
            everything = "\n".join(full.values()) + "\n".join(full)
            for marker in hidden:
                assert marker not in everything, (audience, marker)
            for marker in shown:
                assert marker in everything, (audience, marker, "control: visible reports are published")
            lower = _tree(repo, [r for r in repo.reports if r.visible_to(audience)], audience,
                          root / "build" / f"lower-{audience}")
            assert full == lower, [k for k in full if full.get(k) != lower.get(k)][:5]
            for doc, text in full.items():
                problems = injection_problems(text.split("---", 2)[2])
                assert not problems, (doc, problems)
            for period in ("2026-11", "2026-Q4", P.period_containing("weekly", dt.date(2026, 11, 20)).id):
                data = summary_json(summarize(repo.reports, repo.org, P.parse(period), audience, AS_OF))
                for marker in hidden:
                    assert marker not in data, (audience, period, marker)
                lower_data = summary_json(summarize([r for r in repo.reports if r.visible_to(audience)], repo.org,
                                       P.parse(period), audience, AS_OF))
                assert json.loads(data) == json.loads(lower_data)
            for rid, e in expected.items():
                if e["anonymous"] and e["level"] is not None and RANK[e["level"]] <= RANK[audience]:
                    page = full[repo_doc(repo, rid, audience)]
                    assert e["author"] not in page, (rid, "anonymous author shown")
                    assert "（匿名）" in page


def repo_doc(repo, rid: str, audience: str) -> str:
    from generator.site import urls

    return urls.report_doc_path(rid)


def test_property_generator_builds_valid_organisations():
    """Control for the property test: the builder's organisations pass the check and publish."""
    specs = [
        {"type": "incident", "classification": "restricted", "draft": False, "anonymous": False, "hostile": HOSTILE[0],
         "day": 10, "follow": None, "feedback_on": 0, "feedback_class": "internal"},
        {"type": "incident", "classification": "internal", "draft": False, "anonymous": True, "hostile": HOSTILE[1],
         "day": 11, "follow": 0, "feedback_on": None, "feedback_class": "public"},
        {"type": "weekly", "classification": "public", "draft": False, "anonymous": False, "hostile": HOSTILE[2],
         "day": 12, "follow": None, "feedback_on": None, "feedback_class": "public"},
    ]
    with tempfile.TemporaryDirectory() as tmp:
        expected = _write_org(Path(tmp), specs)
        repo = load_repository(Path(tmp), as_of=AS_OF, history=False)
        assert not repo.errors, [(f.path, f.code, f.message) for f in repo.errors]
        assert len(repo.publishable("restricted")) == len(expected) == 4
        follow = next(r for r in repo.reports if r.stage == "续报")
        assert follow.follows == f"{UNIT}/2026/2026-11-10-hpm0x"
