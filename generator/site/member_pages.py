"""The 下级单位 pages of an upper organisation (SPEC §12): one per period, an index, a home card,
and the list of the members' search bundles the site's search merges (``members/search.json``,
read by templates/assets/site.js).

The figures are ``members.member_table`` of the feeds the build read (``Facts.members``).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from urllib.parse import urljoin

from .. import periods as P
from ..members import member_table
from ..timeparse import format_time
from . import urls

SEARCH_LIST = "members/search.json"
NEWEST_INCIDENTS = 20


def _time(text: str | None, tz) -> str:
    if not text:
        return ""
    try:
        return format_time(dt.datetime.fromisoformat(text), tz)
    except ValueError:
        return text


def table(gen, period: P.Period) -> dict[str, Any]:
    f = gen.f
    t = member_table(f.members, period.id, f.audience)
    for r in t["members"]:
        r["as_of_text"] = _time(r["as_of"], f.tz)
        r["fetched_text"] = _time(r["fetched_at"], f.tz)
    return t


def incidents(gen, t: dict[str, Any], limit: int | None = None) -> list[dict[str, Any]]:
    rows = [i for r in t["members"] for i in r["incident_list"]]
    rows.sort(key=lambda i: (i.get("reported_at") or "", i["id"]), reverse=True)
    for i in rows:
        i["reported_text"] = _time(i.get("reported_at"), gen.f.tz)
    return rows[:limit] if limit else rows


def write_pages(gen) -> None:
    """``members/<period>.md`` for every period of the site, ``members/index.md`` (this month)."""
    f = gen.f
    public = f.audience == "public"
    read_at = format_time(dt.datetime.now(f.tz), f.tz)
    periods_all = f.all_periods()
    years = []
    for y in sorted((p for p in periods_all if p.kind == "annual"), key=lambda p: p.id, reverse=True):
        inner = [p for p in periods_all if p.kind in ("quarterly", "monthly") and p.belongs_to(y)]
        years.append((y.id, [(p.label, f"members/{p.id}.md") for p in [y, *inner]]))
    today = f.as_of.astimezone(f.tz).date()
    for p in periods_all:
        child_kind = {"annual": "quarterly", "quarterly": "monthly", "monthly": "weekly"}.get(p.kind)
        children = [c for c in P.periods_in(child_kind, p) if c.start <= today] if child_kind else []
        _page(gen, f"members/{p.id}.md", p, public, read_at, children, [])
    month = P.period_containing("monthly", today)
    _page(gen, "members/index.md", month, public, read_at, [], years)
    write_search_list(gen)


def write_search_list(gen) -> None:
    """``members/search.json``: the members' search bundles; an empty list on a site without members,
    so the page's search (which always asks for it) finds it instead of a 404."""
    bundles = [{"name": feed.member.name, "site": feed.site, "index": urljoin(feed.site, "sb-index/")}
               for feed in gen.f.members or [] if feed.ok and feed.site]
    target = gen.out / SEARCH_LIST
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(bundles, ensure_ascii=False), encoding="utf-8")


def _page(gen, doc: str, p: P.Period, public: bool, read_at: str, children: list, years: list) -> None:
    t = table(gen, p)
    gen.write(doc, "members.md.j2", f"{p.label} 下级单位", card=None, period=p, last_day=p.end - dt.timedelta(days=1),
              table=t, incidents=incidents(gen, t, NEWEST_INCIDENTS), public=public, read_at=read_at,
              parents=[(q.label, f"members/{q.id}.md") for q in P.enclosing(p)] + [(f"{p.label}本级汇总", f"periods/{p.id}.md")],
              children=[(c.label, f"members/{c.id}.md") for c in children], years=years)


def home_card(gen) -> str | None:
    """This month's members at a glance, for the home page (HTML), or None without members."""
    f = gen.f
    if not f.members:
        return None
    month = P.period_containing("monthly", f.as_of.astimezone(f.tz).date())
    t = table(gen, month)
    card = {"doc": f"members/{month.id}.md", "label": month.label, "table": t, "public": f.audience == "public",
            "incidents": incidents(gen, t, 8)}
    return gen.env.get_template("members.md.j2").render(
        here="index.md", url=lambda to: urls.relative_url("index.md", to), title="", card=card)
