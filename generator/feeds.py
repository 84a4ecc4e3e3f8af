"""``site/feed/``: what a build publishes for other systems (SPEC §12 逐级上报).

- ``index.json``: which summaries and report lists the folder holds (an upper organisation's
  build reads it first);
- ``summary-<period>.json``: the ``shangbao summary --format json`` object of every period of the
  site, for the build's audience, plus ``schema_version``;
- ``reports-<year>.json``: every published report of the year (id, title, unit, type, times,
  timeliness, severity, stage, url);
- ``atom.xml``: the 50 newest reports (Atom 1.0);
- ``credit.csv``: 信用信息 for the sharing platform (UTF-8 with BOM, CRLF: opens in WPS/Excel).

Links (``url``) are relative to the feed folder (``../r/…html``), so a feed is right wherever the
site is published; a reader resolves them against the address it read the feed from.

Everything comes from the build's ``Facts`` (only what the audience may see); the summaries are the
ones the period pages show (``Facts.summary``, i.e. ``generator.summary``), never counted again.
A public build's feeds carry no assessment figures (SPEC §7): ``public_view``.

The JSON Schemas of these files are in ``generator/schemas/`` (``schema``).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import uuid
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urljoin
from xml.etree import ElementTree as ET

from .model import REPORT_TYPES
from .site import urls

SCHEMA_VERSION = "1"
ATOM_ENTRIES = 50
SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"
#: figures that judge a unit (SPEC §7): never in a public feed
ASSESSMENT_KEYS = ("expected", "on_time", "late", "concealed", "missing", "on_time_rate", "score", "rank")
CREDIT_HEADER = ("统一社会信用代码", "主体名称", "类别", "决定日期", "决定文号", "报送单位", "链接")
_ATOM = "http://www.w3.org/2005/Atom"
_FEED_NS = uuid.UUID("5b1c7f8e-3d1a-4c6e-9a57-2f0c1d9e8b43")  # names the feed's atom ids


@cache
def schema(name: str) -> dict[str, Any]:
    """The JSON Schema ``feed-<name>.json`` (index, summary, reports)."""
    return json.loads((SCHEMA_DIR / f"feed-{name}.json").read_text(encoding="utf-8"))


def public_view(summary: dict[str, Any]) -> dict[str, Any]:
    """The summary without assessment figures (expected, late, concealed, missing, on-time rate,
    score, rank; the lists of missing and late reports; an incident's timeliness)."""
    out = dict(summary)
    out["totals"] = {k: v for k, v in summary.get("totals", {}).items() if k not in ASSESSMENT_KEYS}
    out["units"] = [{k: v for k, v in u.items() if k not in ASSESSMENT_KEYS and k != "own"}
                    for u in summary.get("units", [])]
    out["incidents"] = [{k: v for k, v in i.items() if k != "timeliness"} for i in summary.get("incidents", [])]
    out.pop("missing", None)
    out.pop("late_reports", None)
    return out


def feed_summary(facts, period) -> dict[str, Any]:
    """``summary-<period>.json``: the period's summary for the build's audience."""
    data = facts.summary(period)
    if facts.audience == "public":
        data = public_view(data)
    return {"schema_version": SCHEMA_VERSION, **data}


def _url(facts, report_id: str) -> str:
    return "../" + urls.quote_path(urls.html_path(facts.doc[report_id]))


def _iso(moment: dt.datetime | None, tz) -> str | None:
    return moment.astimezone(tz).isoformat() if moment is not None else None


def report_entry(facts, r) -> dict[str, Any]:
    tz = facts.tz
    return {
        "id": r.id,
        "title": r.title or r.id,
        "unit": r.unit,
        "unit_name": facts.org.units[r.unit].name if r.unit in facts.org.units else r.unit,
        "type": r.type,
        "reported_at": _iso(r.reported_at, tz),
        "received": _iso(r.received, tz),
        "timeliness": None if facts.audience == "public" else facts.timeliness.get(r.id),
        "severity": r.severity if r.type == "incident" else None,
        "stage": (r.stage or "初报") if r.type == "incident" else None,
        "url": _url(facts, r.id),
    }


def _years(facts) -> list[str]:
    return [p.id for p in facts.all_periods() if p.kind == "annual"]


def reports_by_year(facts) -> dict[str, list]:
    """The published reports by the year of their reported time (local), newest first."""
    tz = facts.tz
    out: dict[str, list] = {}
    for r in facts.reports:
        out.setdefault(str(r.reported_at.astimezone(tz).year), []).append(r)
    return out


def feed_reports(facts, year: str, by_year: dict[str, list] | None = None) -> dict[str, Any]:
    listed = [report_entry(facts, r) for r in (by_year if by_year is not None else reports_by_year(facts)).get(year, [])]
    return {"schema_version": SCHEMA_VERSION, "organization": facts.org.organization,
            "audience": facts.audience, "year": year, "reports": listed}


def atom(facts) -> bytes:
    """The 50 newest reports as an Atom 1.0 feed (ids are ``urn:uuid``; links relative to it, or absolute
    under ``site_url``)."""
    tz = facts.tz
    org = facts.org.organization
    ET.register_namespace("", _ATOM)

    def sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        el = ET.SubElement(parent, f"{{{_ATOM}}}{tag}", {k: _xml_text(v) for k, v in attrs.items()})
        if text is not None:
            el.text = _xml_text(text)
        return el

    feed = ET.Element(f"{{{_ATOM}}}feed")
    sub(feed, "id", _urn(org, facts.audience))
    sub(feed, "title", f"{org} 信息上报")
    sub(feed, "updated", _iso(facts.as_of, tz))
    author = sub(feed, "author")
    sub(author, "name", org)
    # With site_url set (_org.yml) every link is absolute: a feed reader that ignores the feed's
    # own address (some do, against RFC 4287) still opens the report. Without it, links are
    # relative to the feed, as RFC 3986 resolves them.
    base = facts.org.site_url.rstrip("/") + "/feed/" if facts.org.site_url else ""

    def link(href: str) -> str:
        return urljoin(base, href) if base else href

    sub(feed, "link", rel="self", href=link("atom.xml"), type="application/atom+xml")
    sub(feed, "link", rel="alternate", href=link("../index.html"), type="text/html")
    sub(feed, "generator", "shangbao")
    newest = sorted(facts.reports, key=lambda r: (r.received, r.id), reverse=True)[:ATOM_ENTRIES]
    for r in newest:
        e = report_entry(facts, r)
        entry = sub(feed, "entry")
        sub(entry, "id", _urn(org, facts.audience, r.id))
        sub(entry, "title", e["title"])
        sub(entry, "updated", e["received"])
        sub(entry, "published", e["reported_at"])
        sub(sub(entry, "author"), "name", e["unit_name"])
        sub(entry, "link", rel="alternate", href=link(e["url"]), type="text/html")
        sub(entry, "category", term=r.type, label=REPORT_TYPES.get(r.type, r.type))
        parts = [e["unit_name"], REPORT_TYPES.get(r.type, r.type), f"报送于 {r.reported_at.astimezone(tz):%Y-%m-%d %H:%M}"]
        if r.type == "incident":
            parts += [x for x in (e["severity"], e["stage"]) if x]
        sub(entry, "summary", " · ".join(parts), type="text")
    ET.indent(feed)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="utf-8", xml_declaration=False) + b"\n"


def _urn(*parts: str) -> str:
    return uuid.uuid5(_FEED_NS, "\x1f".join(parts)).urn


_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_text(text: str | None) -> str | None:
    """Text XML 1.0 can carry (control characters dropped)."""
    return None if text is None else _XML_INVALID.sub("", text)


def _cell(value: str) -> str:
    """A CSV cell Excel/WPS will not run as a formula (=, +, -, @ at the start get a ')."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def credit_csv(facts) -> bytes:
    """信用信息 (type credit) the audience may see, oldest decision first."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CREDIT_HEADER)
    credits = sorted((r for r in facts.reports if r.type == "credit"),
                     key=lambda r: (str(r.decided_on or ""), r.id))
    for r in credits:
        unit = facts.org.units.get(r.unit)
        writer.writerow([_cell(x) for x in (r.uscc or "", r.subject or "", r.category or "", str(r.decided_on or ""),
                                            r.decision_no or "", unit.name if unit else r.unit, _url(facts, r.id))])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


#: What a summary file is written with in place of its as-of when the build cache keeps it
#: (``feed_files``); U+FDD0/U+FDD1 are non-characters no report or ``_org.yml`` value can hold.
_AS_OF_MARK = "\ufdd0as_of\ufdd1"


def _json(data: Any) -> bytes:
    return (json.dumps(data, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def feed_files(facts, cache=None) -> dict[str, bytes]:
    """Every file of ``site/feed/`` for this build: name → bytes.

    With ``cache`` (the build cache, ``site/cache.py``) a file is taken from it when its content
    is the same as an earlier build's (keyed by the data as ``faithful_bytes`` writes it, the code
    and Python's version): a summary's as-of is put in afterwards, so a closed period's file is reused."""
    key = ""
    if cache is not None:
        import sys

        from .site.cache import FORMAT, code_digest, digest, faithful_bytes

        key = digest(FORMAT, code_digest(), sys.version, "feed")
        as_of = json.dumps(_iso(facts.as_of, facts.tz)).encode("utf-8")
        mark = json.dumps(_AS_OF_MARK, ensure_ascii=False).encode("utf-8")

    def dump(name: str, data: dict[str, Any]) -> bytes:
        if cache is None:
            return _json(data)
        stamped = "as_of" in data
        if stamped:
            data = data | {"as_of": _AS_OF_MARK}
        entry = digest(key, name, faithful_bytes(data))
        out = cache.get("doc", entry)
        if out is None:
            out = _json(data)
            cache.put("doc", entry, out)
        return out.replace(mark, as_of) if stamped else out

    files: dict[str, bytes] = {}
    periods = facts.all_periods()
    for p in periods:
        files[f"summary-{p.id}.json"] = dump(f"summary-{p.id}.json", feed_summary(facts, p))
    years = _years(facts)
    by_year = reports_by_year(facts)
    for year in years:
        files[f"reports-{year}.json"] = dump(f"reports-{year}.json", feed_reports(facts, year, by_year))
    files["atom.xml"] = atom(facts)
    files["credit.csv"] = credit_csv(facts)
    files["index.json"] = _json({
        "schema_version": SCHEMA_VERSION, "organization": facts.org.organization, "audience": facts.audience,
        "as_of": _iso(facts.as_of, facts.tz), "summaries": [p.id for p in periods], "reports": years, "site": "../",
    })
    return files


def write_feeds(facts, feed_dir: Path, cache=None) -> int:
    """Write ``site/feed/`` into ``feed_dir`` (taking unchanged files from ``cache``); the number of files."""
    feed_dir.mkdir(parents=True, exist_ok=True)
    files = feed_files(facts, cache)
    for name, data in files.items():
        (feed_dir / name).write_bytes(data)
    return len(files)
