"""Reading the members' feeds (SPEC §12 逐级上报): an upper organisation built from its members.

An upper organisation lists its members in ``_org.yml`` (``members: [{id, name, feed}]``); its
build reads each member's ``site/feed/`` (``feeds.py`` writes it) — never a raw report — over
http(s) or from a folder:

- every request has a 10 s limit (connecting and the whole answer) and a size limit;
- every file must pass its JSON Schema (``generator/schemas/``), name the period asked for, and
  carry nothing above the build's audience (an internal member feed is refused by a public build);
- a member is read whole or not at all: if any file fails, the member is shown as 未取得, with the
  time of its last good copy, and none of its figures count — never half-read figures;
- the last good copy of each member is kept in the repository's git folder (``.git/shangbao/members``)
  or, outside git, in the user's cache folder — never in the working tree.

``member_table`` puts the members' figures for one period side by side with their sum; the site's
下级单位 pages and ``shangbao summary --members`` both print it.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

from .config import Member, Org
from .feeds import ASSESSMENT_KEYS, schema
from .model import CLASSIFICATION_RANK

TIMEOUT = 10.0  # seconds per request (SPEC §12)
MEMBER_BUDGET = 120.0  # seconds for all of one member's files: a slow member cannot hold the build for long
INDEX_LIMIT = 1 << 20  # bytes: index.json
SUMMARY_LIMIT = 8 << 20  # a summary-<period>.json (an organisation of 1,000 units is ~0.5 MiB)
REPORTS_LIMIT = 64 << 20  # a reports-<year>.json (50,000 reports are ~20 MiB)
_HTTP = re.compile(r"^https?://", re.IGNORECASE)
_AUDIENCE_LABELS = {"public": "公开版", "internal": "内部版", "restricted": "限定版"}


class FeedProblem(Exception):
    """A member's feed cannot be used; the message is Chinese and says why."""


@dataclass
class MemberFeed:
    """What was read of one member (``ok``), or why not and when it last was."""

    member: Member
    ok: bool
    location: str = ""
    reason: str = ""
    fetched_at: str | None = None  # ISO time this copy (or the last good copy) was read
    audience: str | None = None
    as_of: str | None = None  # the member's own "统计截至"
    site: str | None = None  # the member's site, for links and search
    summaries: dict[str, dict] = field(default_factory=dict)
    links: dict[str, str] = field(default_factory=dict)  # incident id -> absolute url

    def period_url(self, period_id: str) -> str | None:
        return urljoin(self.site, f"periods/{period_id}.html") if self.site else None


# --- reading one file -------------------------------------------------------------------

def _get(base: str, name: str, limit: int) -> bytes:
    """The bytes of ``name`` in the feed at ``base`` (a URL or folder ending in /), within limits."""
    if _HTTP.match(base):
        return _get_http(base + name, limit)
    path = Path(base) / name
    try:
        if path.stat().st_size > limit:
            raise FeedProblem(f"{name} 超过 {limit // (1 << 20)} MiB 的大小限制")
        return path.read_bytes()
    except FileNotFoundError:
        raise FeedProblem(f"找不到 {path}") from None
    except OSError as exc:
        raise FeedProblem(f"无法读取 {path}：{exc.strerror or exc}") from None


def _get_http(url: str, limit: int) -> bytes:
    deadline = time.monotonic() + TIMEOUT
    request = urllib.request.Request(url, headers={"User-Agent": "shangbao", "Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as answer:  # noqa: S310 - http(s) only (_HTTP)
            length = answer.headers.get("Content-Length")
            if length and length.isdigit() and int(length) > limit:
                raise FeedProblem(f"{url} 超过 {limit // (1 << 20)} MiB 的大小限制")
            chunks, size = [], 0
            while True:
                if time.monotonic() > deadline:
                    raise FeedProblem(f"{url} 在 {TIMEOUT:.0f} 秒内未传完")
                chunk = answer.read(1 << 16)
                if not chunk:
                    break
                size += len(chunk)
                if size > limit:
                    raise FeedProblem(f"{url} 超过 {limit // (1 << 20)} MiB 的大小限制")
                chunks.append(chunk)
            return b"".join(chunks)
    except urllib.error.HTTPError as exc:
        raise FeedProblem(f"{url} 返回 HTTP {exc.code}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        if isinstance(reason, TimeoutError) or isinstance(exc, TimeoutError):
            raise FeedProblem(f"{url} 在 {TIMEOUT:.0f} 秒内没有响应") from None
        raise FeedProblem(f"无法连接 {url}（{_why(reason)}）") from None


def _why(reason: object) -> str:
    """A connection failure in Chinese, for the office."""
    import socket
    import ssl

    if isinstance(reason, ConnectionRefusedError):
        return "连接被拒绝：对方网站服务未运行或地址、端口有误"
    if isinstance(reason, socket.gaierror):
        return "找不到该主机名：请检查地址"
    if isinstance(reason, ssl.SSLError):
        return "HTTPS 证书校验失败"
    if isinstance(reason, ConnectionResetError):
        return "连接被对方重置"
    return str(reason)


_VALIDATORS: dict[str, Any] = {}


def _validator(name: str):
    """The compiled schema ``feed-<name>.json`` (jsonschema-rs: 100 members' feeds are ~100,000 objects
    to validate per build, 50 times faster than the pure-Python jsonschema)."""
    if name not in _VALIDATORS:
        import jsonschema_rs

        _VALIDATORS[name] = jsonschema_rs.validator_for(schema(name))
    return _VALIDATORS[name]


def _json(base: str, name: str, limit: int, kind: str) -> dict[str, Any]:
    data = _get(base, name, limit)
    try:
        value = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FeedProblem(f"{name} 不是 UTF-8 编码的 JSON（{exc}）") from None
    error = next(iter(_validator(kind).iter_errors(value)), None)
    if error is not None:
        where = "/".join(str(p) for p in error.instance_path) or "（顶层）"
        raise FeedProblem(f"{name} 不符合数据格式（feed-{kind}.json）：{where}：{error.message}")
    return value


# --- reading one member -----------------------------------------------------------------

def feed_base(member: Member, audience: str, root: Path) -> str | None:
    """The folder or URL (ending in /) of the member's feed for ``audience``."""
    location = member.feed_for(audience)
    if location is None:
        return None
    if _HTTP.match(location):
        return location if location.endswith("/") else location + "/"
    path = Path(location)
    if not path.is_absolute():
        path = root / path
    return str(path.resolve()) + os.sep


def read_member(member: Member, audience: str, root: Path, periods: list[str], years: list[str]) -> MemberFeed:
    """Read the member's feed: the summaries of ``periods`` and the report lists of ``years`` it has."""
    base = feed_base(member, audience, root)
    if base is None:
        return MemberFeed(member, False, reason=f"未配置{_AUDIENCE_LABELS.get(audience, audience)}的数据源（members.{member.id}.feed）")
    out = MemberFeed(member, True, location=base, fetched_at=dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat())
    deadline = time.monotonic() + MEMBER_BUDGET

    def get(name: str, limit: int, kind: str) -> dict[str, Any]:
        if time.monotonic() > deadline:
            raise FeedProblem(f"{MEMBER_BUDGET:.0f} 秒内未能读完全部文件（读到 {name} 时停止）")
        return _json(base, name, limit, kind)

    index = get("index.json", INDEX_LIMIT, "index")
    theirs = index["audience"]
    if CLASSIFICATION_RANK[theirs] > CLASSIFICATION_RANK[audience]:
        raise FeedProblem(f"数据源是{_AUDIENCE_LABELS[theirs]}，不能用于{_AUDIENCE_LABELS[audience]}（请在 feed 中按读者范围分别填写）")
    if theirs == "public" and audience != "public":  # zeros where its feed has no figures would be false
        raise FeedProblem(f"数据源是公开版，不含考核数字，不能用于{_AUDIENCE_LABELS[audience]}（请填写其内部版数据源）")
    out.audience, out.as_of = theirs, index["as_of"]
    if member.site:
        out.site = member.site if member.site.endswith("/") else member.site + "/"
    elif _HTTP.match(base):
        out.site = _web(urljoin(base, index.get("site") or "../"))
    have = set(index["summaries"])
    for pid in periods:
        if pid not in have:
            continue
        data = get(f"summary-{pid}.json", SUMMARY_LIMIT, "summary")
        if data["period"]["id"] != pid or data["audience"] != theirs:
            raise FeedProblem(f"summary-{pid}.json 的周期或读者范围与文件名、目录不符")
        out.summaries[pid] = _trim(data, audience)
    link_base = urljoin(out.site, "feed/") if out.site else None
    for year in years:
        if year not in index["reports"]:
            continue
        data = get(f"reports-{year}.json", REPORTS_LIMIT, "reports")
        if data["audience"] != theirs:
            raise FeedProblem(f"reports-{year}.json 的读者范围与目录不符")
        if link_base:
            for r in data["reports"]:
                link = _web(urljoin(link_base, r["url"])) if r["type"] == "incident" else None
                if link:
                    out.links[r["id"]] = link
    return out


def _web(url: str) -> str | None:
    """``url`` when it is an http(s) address: a feed can never put a ``javascript:`` link on our pages."""
    return url if _HTTP.match(url) else None


def _trim(summary: dict[str, Any], audience: str) -> dict[str, Any]:
    """What the upper build keeps of a member's summary: totals, per-unit scores, incidents."""
    totals = dict(summary["totals"])
    incidents = summary["incidents"]
    if audience == "public":  # a public upper build shows no assessment figures, whatever the feed holds
        totals = {k: v for k, v in totals.items() if k not in ASSESSMENT_KEYS}
        incidents = [{k: v for k, v in i.items() if k != "timeliness"} for i in incidents]
    else:
        totals["score"] = _num(sum(u.get("score", 0) for u in summary["units"]))
    return {"period": summary["period"], "totals": totals, "incidents": incidents, "as_of": summary["as_of"]}


def _num(value: float) -> int | float:
    return int(value) if float(value).is_integer() else round(value, 4)


# --- the last good copy -------------------------------------------------------------------

def cache_dir(root: Path) -> Path:
    """``<git dir>/shangbao/members`` of the repository, or a folder in the user's cache outside git."""
    try:
        git_dir = subprocess.run(["git", "-C", str(root), "rev-parse", "--absolute-git-dir"], capture_output=True,
                                 text=True, timeout=10, check=True).stdout.strip()
        if git_dir:
            return Path(git_dir) / "shangbao" / "members"
    except (OSError, subprocess.SubprocessError):
        pass
    home = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    digest = hashlib.sha256(str(Path(root).resolve()).encode("utf-8", "surrogatepass")).hexdigest()[:16]
    return home / "shangbao" / digest / "members"


def _cache_file(folder: Path, member: Member, audience: str) -> Path:
    return folder / f"{member.id}-{audience}.json"


def _save(folder: Path, feed: MemberFeed, audience: str) -> None:
    data = {"location": feed.location, "fetched_at": feed.fetched_at, "audience": feed.audience,
            "as_of": feed.as_of, "site": feed.site, "summaries": feed.summaries, "links": feed.links}
    try:
        folder.mkdir(parents=True, exist_ok=True)
        target = _cache_file(folder, feed.member, audience)
        tmp = target.with_suffix(f".tmp-{os.getpid()}-{time.time_ns()}")
        tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, target)
    except OSError:
        pass  # no cache this time; the build itself does not depend on it


def _last_good(folder: Path, member: Member, audience: str, location: str) -> MemberFeed | None:
    """The cached copy, when it is of this feed and readable (a damaged one is ignored)."""
    try:
        data = json.loads(_cache_file(folder, member, audience).read_text(encoding="utf-8"))
        if data["location"] != location or not isinstance(data["summaries"], dict):
            return None
        return MemberFeed(member, True, location=location, fetched_at=str(data["fetched_at"]), audience=data["audience"],
                          as_of=data["as_of"], site=data["site"], summaries=data["summaries"], links=data["links"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def fetch_member(member: Member, audience: str, root: Path, periods: list[str], years: list[str],
                 folder: Path) -> MemberFeed:
    """Read the member; on success keep the copy, on failure say why and when the last good copy was."""
    try:
        feed = read_member(member, audience, root, periods, years)
    except FeedProblem as exc:
        base = feed_base(member, audience, root) or ""
        last = _last_good(folder, member, audience, base)
        return MemberFeed(member, False, location=base, reason=str(exc),
                          fetched_at=last.fetched_at if last else None, site=last.site if last else None)
    if feed.ok:
        _save(folder, feed, audience)
    return feed


def read_members(root: Path, org: Org, audience: str, periods: list[str], years: list[str]) -> list[MemberFeed]:
    """Every member of ``org``, read at once (waiting on the network, not the CPU)."""
    from .pool import threads_map

    folder = cache_dir(root)
    return threads_map(lambda m: fetch_member(m, audience, root, periods, years, folder), list(org.members))


def read_members_for(root: Path, facts) -> list[MemberFeed]:
    """``read_members`` for the periods and years of a site's ``facts`` (build and serve)."""
    periods = facts.all_periods()
    return read_members(root, facts.org, facts.audience, [p.id for p in periods],
                        [p.id for p in periods if p.kind == "annual"])


# --- members side by side ---------------------------------------------------------------

FIGURES = ("reports", "incidents", "expected", "on_time", "late", "concealed", "missing")


def member_table(feeds: list[MemberFeed], period_id: str, audience: str) -> dict[str, Any]:
    """Each member's figures for ``period_id`` and the sum over the members read (SPEC §12)."""
    rows, total = [], dict.fromkeys(FIGURES, 0)
    total["score"] = 0
    counted = 0
    for feed in feeds:
        m = feed.member
        row: dict[str, Any] = {"id": m.id, "name": m.name, "site": feed.site, "status": "ok", "reason": "",
                               "fetched_at": feed.fetched_at, "as_of": feed.as_of, "url": feed.period_url(period_id)}
        summary = feed.summaries.get(period_id) if feed.ok else None
        if not feed.ok:
            row.update(status="unavailable", reason=feed.reason, url=None)
        elif summary is None:
            row.update(status="no_period", reason="下级单位的数据源中没有本期汇总")
        else:
            counted += 1
            t = summary["totals"]
            keys = ("reports", "incidents") if audience == "public" else (*FIGURES, "on_time_rate", "score")
            for key in keys:
                row[key] = t.get(key, 0)
                if key in total:
                    total[key] += t.get(key, 0) or 0
            row["incident_list"] = [
                {**i, "member": m.name, "url": feed.links.get(i["id"])}
                for i in sorted(summary["incidents"], key=lambda i: (i.get("reported_at") or "", i["id"]), reverse=True)
            ]
        row.setdefault("incident_list", [])
        rows.append(row)
    if audience == "public":
        total = {"reports": total["reports"], "incidents": total["incidents"]}
    else:
        timed = total["on_time"] + total["late"] + total["concealed"] + total["missing"]
        total["on_time_rate"] = round(total["on_time"] / timed, 4) if timed else None
        total["score"] = _num(total["score"])
    return {"period": period_id, "audience": audience, "members": rows, "totals": total, "counted": counted,
            "unavailable": sum(1 for r in rows if r["status"] == "unavailable")}


# --- shangbao summary --members -----------------------------------------------------------

_COLUMNS = (("reports", "报告数"), ("incidents", "突发事件"), ("expected", "应报"), ("on_time", "按时"),
            ("late", "迟报"), ("concealed", "瞒报"), ("missing", "漏报"), ("on_time_rate", "按时率"), ("score", "得分"))
_STATUS = {"ok": "已取得", "unavailable": "未取得", "no_period": "无本期汇总"}


def _columns(audience: str) -> tuple[tuple[str, str], ...]:
    return _COLUMNS[:2] if audience == "public" else _COLUMNS


def _cell(key: str, value: Any) -> str:
    if value is None:
        return "—"
    if key == "on_time_rate":
        return f"{value * 100:.1f}%"
    return str(value)


def format_table(table: dict[str, Any], fmt: str) -> bytes:
    """The members' figures side by side as Markdown, JSON or CSV (UTF-8 with BOM)."""
    if fmt == "json":
        return (json.dumps(table, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    cols = _columns(table["audience"])
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(["下级单位", "代码", *(label for _, label in cols), "状态", "数据截至", "说明"])
        for r in table["members"]:
            writer.writerow([r["name"], r["id"], *(_cell(k, r[k]) if k in r else "" for k, _ in cols),
                             _STATUS[r["status"]], r["as_of"] or "", r["reason"]])
        writer.writerow(["合计", "", *(_cell(k, table["totals"].get(k)) for k, _ in cols), "", "", ""])
        return ("\ufeff" + out.getvalue()).encode("utf-8")
    lines = [f"# 下级单位报送情况（{table['period']}）", "",
             "| 下级单位 | " + " | ".join(label for _, label in cols) + " | 状态 |",
             "|---|" + "--:|" * len(cols) + "---|"]
    for r in table["members"]:
        status = _STATUS[r["status"]]
        if r["status"] == "unavailable":
            status += f"（{r['reason']}；最近一次取得：{r['fetched_at'] or '从未取得'}）"
        cells = " | ".join(_cell(k, r[k]) if k in r else "—" for k, _ in cols)
        lines.append(f"| {r['name']} | {cells} | {status} |")
    lines.append("| **合计** | " + " | ".join(_cell(k, table["totals"].get(k)) for k, _ in cols) + " | |")
    if table["unavailable"]:
        lines += ["", f"合计不含未取得的 {table['unavailable']} 个下级单位。"]
    return ("\n".join(lines) + "\n").encode("utf-8")


def run_members_summary(root: Path, period: str, fmt: str, audience: str) -> int:
    """``shangbao summary --period P --members``: the members' figures side by side."""
    from . import periods as P
    from .config import load_org
    from .summary import period_error

    message = period_error(period)
    if message is not None:
        print(message, file=sys.stderr)
        return 2
    org = load_org(root)
    if not org.members:
        print("submissions/_org.yml 没有 members（下级单位）；请先按 docs/federation.md 配置。", file=sys.stderr)
        return 2
    target = P.parse(period)
    feeds = read_members(root, org, audience, [target.id], [])
    for feed in feeds:
        if not feed.ok:
            print(f"注意：未取得 {feed.member.name} 的数据：{feed.reason}", file=sys.stderr)
    sys.stdout.flush()
    sys.stdout.buffer.write(format_table(member_table(feeds, target.id, audience), fmt))
    sys.stdout.flush()
    return 0
