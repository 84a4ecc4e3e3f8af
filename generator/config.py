"""``submissions/_org.yml`` → typed objects.

Like MkDocs' config validation, every problem is collected and reported together, each
naming the key and its line, so the office fixes the file in one pass (exit code 2).
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
import re
import zoneinfo
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import yamlio
from .model import ADOPTION_LEVELS, PERIODIC_TYPES
from .safefile import NotRegular, read_regular
from .timeparse import MAX_DURATION, parse_as_of, parse_date, parse_duration  # noqa: F401  (also from here)

ORG_FILE = "submissions/_org.yml"
UNIT_ID = re.compile(r"[a-z0-9-]+")  # always fullmatch: "$" would let "aqk\n" through
# an account on the git host, as CODEOWNERS writes it: @user, @org/team (the @ may be left
# out) or an e-mail address, and nothing else on the line
_ACCOUNT_NAME = r"[A-Za-z0-9](?:[A-Za-z0-9._-]{0,98}[A-Za-z0-9_])?"
ACCOUNT = re.compile(rf"@?{_ACCOUNT_NAME}(?:/{_ACCOUNT_NAME})?|[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
# control characters and line breaks have no place in a name, a word or an account
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ufdd0-\ufdef\ufffe\uffff]")
MAX_SCORE = 1_000_000

DEFAULT_VAGUE_WORDS = ["听说", "据说", "可能", "或许", "也许", "好像", "好象", "差不多", "大概", "估计"]
DEFAULT_FILE_LIMIT = 1024 * 1024


class ConfigError(Exception):
    """One or more problems in ``_org.yml``; ``problems`` are (line, message) pairs."""

    def __init__(self, path: str, problems: list[tuple[int, str]]):
        self.path = path
        self.problems = sorted(problems)
        super().__init__("\n".join(f"{path}:{line}: {msg}" for line, msg in self.problems))


def format_duration(delta: dt.timedelta) -> str:
    """A timedelta in Chinese: ``1 天 2 小时 5 分钟``."""
    minutes = int(delta.total_seconds() // 60)
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    parts = []
    if days:
        parts.append(f"{days} 天")
    if hours:
        parts.append(f"{hours} 小时")
    if mins or not parts:
        parts.append(f"{mins} 分钟")
    return " ".join(parts)


@dataclass(slots=True)
class Unit:
    id: str
    name: str
    parent: str | None = None
    leaders: list[str] = field(default_factory=list)
    reporters: list[str] = field(default_factory=list)
    periodic: list[str] = field(default_factory=list)
    since: dt.date | None = None

    def may_author(self, person: str) -> bool:
        return person in self.leaders or person in self.reporters


@dataclass(slots=True)
class Member:
    """A lower organisation with its own repository (逐级上报 across repositories, SPEC §12)."""

    id: str
    name: str
    #: where its ``site/feed/`` is: an http(s) URL or a folder; per audience when a mapping
    feed: str | dict[str, str]
    site: str | None = None  # its site's address, when not the folder above the feed

    def feed_for(self, audience: str) -> str | None:
        """The feed to read for a build for ``audience`` (a single feed: whatever it carries)."""
        return self.feed if isinstance(self.feed, str) else self.feed.get(audience)


@dataclass(slots=True)
class Deadlines:
    incident_late: dt.timedelta = dt.timedelta(hours=2)
    incident_concealed: dt.timedelta = dt.timedelta(hours=10)
    periodic: dict[str, dt.timedelta] = field(
        default_factory=lambda: {
            "weekly": dt.timedelta(hours=12),
            "monthly": dt.timedelta(days=3),
            "quarterly": dt.timedelta(days=5),
            "annual": dt.timedelta(days=15),
        }
    )


@dataclass(slots=True)
class Scoring:
    on_time: float = 1
    late: float = -1
    concealed: float = -5
    missing: float = -2
    instructed: float = 3
    adopted: dict[str, float] = field(
        default_factory=lambda: {"县": 2, "市": 5, "省": 10, "国家": 20}
    )


GIT_HOST_KINDS = ("gitea", "github", "gitlab")


@dataclass(frozen=True, slots=True)
class GitHost:
    """Where the 填报 form sends a report: the repository's web editor (SPEC §11)."""

    kind: str  # gitea (also Forgejo) | github | gitlab
    url: str  # the repository's web address, e.g. https://git.example.gov.cn/org/reports
    branch: str = "main"


@dataclass(slots=True)
class Documents:
    """``documents:`` — what the written documents (SPEC §10) print; empty means the default."""

    masthead: str = ""  # 发文机关标志 (default: the organisation's name)
    bulletin_name: str = ""  # 信息简报's name, e.g. 青山交通信息 (default: 工作信息)
    cc: list[str] = field(default_factory=list)  # 抄送
    issuer: str = ""  # 印发单位 (default: the organisation's name)


@dataclass(slots=True)
class Org:
    organization: str
    timezone: zoneinfo.ZoneInfo
    units: dict[str, Unit]
    feedback_units: list[str] = field(default_factory=list)
    deadlines: Deadlines = field(default_factory=Deadlines)
    vague_words: list[str] = field(default_factory=lambda: list(DEFAULT_VAGUE_WORDS))
    ledger_since: dt.date | None = None
    accounts: dict[str, str] = field(default_factory=dict)
    scoring: Scoring = field(default_factory=Scoring)
    file_size_limit: int = DEFAULT_FILE_LIMIT
    members: list[Member] = field(default_factory=list)
    git_host: GitHost | None = None
    documents: Documents = field(default_factory=Documents)
    site_url: str | None = None  # links in notification messages point here (SPEC §9)
    notify: Any = None  # notify.settings.NotifySettings when `notify:` is configured
    #: the moment sample data is shown as of when no --as-of is given (shangbao serve): a demo
    #: organisation stays a living dashboard any day; a real one leaves it out
    sample_as_of: dt.datetime | None = None

    @property
    def timezone_name(self) -> str:
        return self.timezone.key

    def children(self, unit_id: str) -> list[Unit]:
        return [u for u in self.units.values() if u.parent == unit_id]

    def descendants(self, unit_id: str) -> list[str]:
        """Ids of the unit and every unit below it (for roll-ups)."""
        out, todo = [], [unit_id]
        while todo:
            current = todo.pop(0)
            out.append(current)
            todo.extend(u.id for u in self.children(current))
        return out


_TOP_KEYS = {
    "organization", "timezone", "feedback_units", "units", "deadlines", "vague_words",
    "ledger_since", "accounts", "scoring", "limits", "site_url", "notify",
    "documents", "members", "git_host", "sample_as_of",
}
_UNIT_KEYS = {"id", "name", "parent", "leaders", "reporters", "periodic", "since"}
_DEADLINE_KEYS = {"incident", "weekly", "monthly", "quarterly", "annual"}
_SCORING_KEYS = {"on_time", "late", "concealed", "missing", "instructed", "adopted"}
_LIMIT_KEYS = {"file_size"}
_MEMBER_KEYS = {"id", "name", "feed", "site"}
_AUDIENCES = ("public", "internal", "restricted")
_DOCUMENT_KEYS = {"masthead", "bulletin_name", "cc", "issuer"}


_lines_of = yamlio.key_lines
_child = yamlio.child


def _parse_size(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    if isinstance(value, str):
        m = re.fullmatch(r"\s*(\d+)\s*(KiB|MiB|KB|MB|K|M)?\s*", value)
        if m:
            factor = {None: 1, "K": 1024, "KB": 1024, "KiB": 1024, "M": 1 << 20, "MB": 1 << 20, "MiB": 1 << 20}
            return int(m.group(1)) * factor[m.group(2)]
    return None


def load_org(root: Path) -> Org:
    """Read and validate ``submissions/_org.yml``; raise ``ConfigError`` listing every problem."""
    path = root / ORG_FILE
    try:
        raw = read_regular(str(path))  # never a link, FIFO or device
    except FileNotFoundError:
        raise ConfigError(ORG_FILE, [(0, "找不到组织配置文件 submissions/_org.yml；请从示例仓库复制一份再修改")]) from None
    except NotRegular as exc:
        raise ConfigError(ORG_FILE, [(0, f"submissions/_org.yml 是{exc.kind}，不是普通文件；请换成文件本身")]) from None
    except OSError as exc:
        raise ConfigError(ORG_FILE, [(0, f"submissions/_org.yml 无法读取（{exc.strerror or exc}）；请检查文件权限")]) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ConfigError(ORG_FILE, [(1, "文件不是 UTF-8 编码；请用编辑器“另存为 UTF-8”")]) from None
    try:
        loaded = yamlio.load(text, max_nodes=yamlio.MAX_ORG_NODES)
    except yamlio.YamlProblem as p:
        raise ConfigError(ORG_FILE, [(p.line, p.message)]) from None
    return _build_org(loaded.value, loaded.node)


def _build_org(data: Any, node: Any) -> Org:
    problems: list[tuple[int, str]] = []
    if not isinstance(data, dict):
        raise ConfigError(ORG_FILE, [(1, "组织配置必须是“键: 值”的映射")])
    lines = _lines_of(node)

    def bad(key: str, msg: str, line: int | None = None) -> None:
        problems.append((line if line is not None else lines.get(key, 1), f"{key}: {msg}"))

    for key in data:
        if key not in _TOP_KEYS:
            bad(str(key), f"未知的配置项{_nearest(key, _TOP_KEYS)}；可用的有 {', '.join(sorted(_TOP_KEYS))}")

    organization = data.get("organization")
    if not _is_name(organization):
        bad("organization", "必须填写机构名称（一行文字）")
        organization = "（未命名机构）"

    tz_name = data.get("timezone", "Asia/Shanghai")
    timezone = _timezone(tz_name)
    if timezone is None:
        bad("timezone", f"未知时区“{_shown(tz_name)}”；请写 IANA 时区名，如 Asia/Shanghai")
        timezone = zoneinfo.ZoneInfo("Asia/Shanghai")

    units: dict[str, Unit] = {}
    unit_lines: dict[str, dict[str, int]] = {}  # unit id -> key -> line (for problems found later)
    units_node = _child(node, "units")
    raw_units = data.get("units")
    if not isinstance(raw_units, list) or not raw_units:
        bad("units", "必须是单位列表（每个单位以“- id:”开头）")
        raw_units = []
    for index, raw in enumerate(raw_units):
        unode = yamlio.item(units_node, index)
        uline = yamlio.line(unode, lines.get("units", 1))
        ulines = _lines_of(unode)
        if not isinstance(raw, dict):
            problems.append((uline, f"units[{index}]: 每个单位必须是“键: 值”的映射"))
            continue
        uid = raw.get("id")
        where = f"units.{_shown(uid)}" if isinstance(uid, str) else f"units[{index}]"

        def ubad(key: str, msg: str, where=where, ulines=ulines, uline=uline) -> None:
            problems.append((ulines.get(key, uline), f"{where}.{key}: {msg}"))

        for key in raw:
            if key not in _UNIT_KEYS:
                ubad(str(key), f"未知的单位配置项{_nearest(key, _UNIT_KEYS)}；可用的有 {', '.join(sorted(_UNIT_KEYS))}")
        if not isinstance(uid, str) or not UNIT_ID.fullmatch(uid):
            ubad("id", "单位 id 必须由小写字母、数字和连字符组成（它也是单位文件夹名）")
            continue
        if uid in units:
            ubad("id", f"单位 id“{uid}”重复")
            continue
        name = raw.get("name")
        if not _is_name(name):
            ubad("name", "必须填写单位名称（一行文字）")
            name = uid
        people: dict[str, list[str]] = {}
        for key in ("leaders", "reporters"):
            value = raw.get(key, [])
            if value is None:
                value = []
            if not isinstance(value, list) or not all(_is_name(p) for p in value):
                ubad(key, "必须是人名列表，如 [张伟, 李娜]")
                value = [p for p in value if _is_name(p)] if isinstance(value, list) else []
            people[key] = [p.strip() for p in value]
        periodic = raw.get("periodic", []) or []
        if not isinstance(periodic, list) or any(not isinstance(p, str) or p not in PERIODIC_TYPES for p in periodic):
            ubad("periodic", f"只能从 {', '.join(PERIODIC_TYPES)} 中选择")
            periodic = [p for p in periodic if isinstance(p, str) and p in PERIODIC_TYPES] \
                if isinstance(periodic, list) else []
        twice = sorted({p for p in periodic if periodic.count(p) > 1})
        if twice:  # each owed report would be counted once per mention
            ubad("periodic", f"“{'、'.join(twice)}”写了不止一次；每种定期报告只写一次")
            periodic = list(dict.fromkeys(periodic))
        since = None
        if raw.get("since") is not None:
            since = parse_date(raw.get("since"))
            if since is None:
                ubad("since", "日期格式应为 YYYY-MM-DD")
        parent = raw.get("parent")
        if parent is not None and not (isinstance(parent, str) and UNIT_ID.fullmatch(parent)):
            ubad("parent", "必须是上级单位的 id 或 null")
            parent = None
        units[uid] = Unit(uid, name.strip(), parent, people["leaders"], people["reporters"], list(periodic), since)
        unit_lines[uid] = ulines

    # parents must exist, and the hierarchy must not loop
    for unit in units.values():
        if unit.parent is not None and unit.parent not in units:
            line = unit_lines.get(unit.id, {}).get("parent", lines.get("units", 1))
            problems.append((line, f"units.{unit.id}.parent: 上级单位“{unit.parent}”不存在"))
    for unit in units.values():
        seen, current = set(), unit
        while current.parent and current.parent in units:
            if current.id in seen:
                problems.append((lines.get("units", 1), f"units.{unit.id}.parent: 上下级关系形成了循环"))
                break
            seen.add(current.id)
            current = units[current.parent]

    feedback_units = data.get("feedback_units", []) or []
    if not isinstance(feedback_units, list) or not all(isinstance(u, str) for u in feedback_units):
        bad("feedback_units", "必须是单位 id 列表，如 [bangongshi]")
        feedback_units = []
    for uid in feedback_units:
        if uid not in units:
            bad("feedback_units", f"单位“{_shown(uid)}”不在 units 中")

    deadlines = Deadlines()
    raw_dl = data.get("deadlines") or {}
    if not isinstance(raw_dl, dict):
        bad("deadlines", "必须是映射")
        raw_dl = {}
    dl_lines = _lines_of(_child(node, "deadlines"))
    for key, value in raw_dl.items():
        line = dl_lines.get(key, lines.get("deadlines", 1))
        if key not in _DEADLINE_KEYS:
            bad(f"deadlines.{key}", f"未知的时限项；可用的有 {', '.join(sorted(_DEADLINE_KEYS))}", line)
        elif key == "incident":
            if not isinstance(value, dict) or set(map(str, value)) - {"late", "concealed"}:
                bad("deadlines.incident", "应写成 {late: 2h, concealed: 10h}", line)
                continue
            for sub in ("late", "concealed"):
                if sub in value:
                    d = parse_duration(value[sub])
                    if d is None:
                        bad(f"deadlines.incident.{sub}", f"时长“{_shown(value[sub])}”格式不对；"
                            f"应写成 2h、30m、1d12h，最长 {MAX_DURATION.days}d", line)
                    else:
                        setattr(deadlines, f"incident_{sub}", d)
        else:
            d = parse_duration(value)
            if d is None:
                bad(f"deadlines.{key}", f"时长“{_shown(value)}”格式不对；应写成 12h、3d、1d12h，最长 {MAX_DURATION.days}d", line)
            else:
                deadlines.periodic[key] = d
    if deadlines.incident_concealed < deadlines.incident_late:
        bad("deadlines.incident", "concealed（瞒报）时限不能短于 late（迟报）时限",
            dl_lines.get("incident", lines.get("deadlines", 1)))

    vague = data.get("vague_words", DEFAULT_VAGUE_WORDS)
    if not isinstance(vague, list) or not all(_is_name(w) for w in vague):
        bad("vague_words", "必须是词语列表")
        vague = list(DEFAULT_VAGUE_WORDS)

    ledger_since = None
    if data.get("ledger_since") is not None:
        ledger_since = parse_date(data.get("ledger_since"))
        if ledger_since is None:
            bad("ledger_since", "日期格式应为 YYYY-MM-DD")

    sample_as_of = None
    if data.get("sample_as_of") is not None:
        raw = data.get("sample_as_of")
        sample_as_of = parse_as_of(raw.strftime("%Y-%m-%d %H:%M") if isinstance(raw, dt.datetime) else str(raw),
                                   timezone if isinstance(timezone, zoneinfo.ZoneInfo) else None)
        if sample_as_of is None:
            bad("sample_as_of", "时间格式应为 YYYY-MM-DD HH:MM，例如 2026-11-27 18:00")

    accounts = data.get("accounts") or {}
    acc_lines = _lines_of(_child(node, "accounts"))
    if not isinstance(accounts, dict):
        bad("accounts", "必须是“姓名: \"@账号\"”的映射")
        accounts = {}
    for person, account in list(accounts.items()):
        if not _is_name(person) or not isinstance(account, str) or not ACCOUNT.fullmatch(account):
            bad(f"accounts.{_shown(person)}", f"账号“{_shown(account)}”不对；应写成 \"@账号\"、\"@组织/团队\" 或电子邮件地址（一行，只含字母、数字、. _ -）",
                acc_lines.get(str(person), lines.get("accounts", 1)))
            accounts.pop(person)

    scoring = Scoring()
    raw_sc = data.get("scoring") or {}
    if not isinstance(raw_sc, dict):
        bad("scoring", "必须是映射")
        raw_sc = {}
    sc_lines = _lines_of(_child(node, "scoring"))
    for key, value in raw_sc.items():
        line = sc_lines.get(key, lines.get("scoring", 1))
        if key not in _SCORING_KEYS:
            bad(f"scoring.{key}", f"未知的计分项；可用的有 {', '.join(sorted(_SCORING_KEYS))}", line)
        elif key == "adopted":
            if not isinstance(value, dict) or not all(
                isinstance(k, str) and k in ADOPTION_LEVELS and _is_number(v) for k, v in value.items()
            ):
                bad("scoring.adopted", f"应写成 {{县: 2, 市: 5, 省: 10, 国家: 20}}（级别只能是 {'、'.join(ADOPTION_LEVELS)}）", line)
            else:
                scoring.adopted.update(value)
        elif not _is_number(value):
            bad(f"scoring.{key}", f"必须是 -{MAX_SCORE} 到 {MAX_SCORE} 之间的数字，而不是“{_shown(value)}”", line)
        else:
            setattr(scoring, key, value)

    file_size_limit = DEFAULT_FILE_LIMIT
    raw_limits = data.get("limits") or {}
    if not isinstance(raw_limits, dict):
        bad("limits", "必须是映射")
        raw_limits = {}
    limit_lines = _lines_of(_child(node, "limits"))
    for key, value in raw_limits.items():
        line = limit_lines.get(key, lines.get("limits", 1))
        if key not in _LIMIT_KEYS:
            bad(f"limits.{key}", f"未知的限制项；可用的有 {', '.join(sorted(_LIMIT_KEYS))}", line)
        else:
            size = _parse_size(value)
            if size is None or not 0 < size <= 1 << 40:
                bad("limits.file_size", "应写成字节数或 512KiB、1MiB", line)
            else:
                file_size_limit = size

    members = _members(data.get("members"), _child(node, "members"), lines.get("members", 1), problems)
    git_host = _git_host(data.get("git_host"), lines.get("git_host", 1), _lines_of(_child(node, "git_host")), bad)
    documents = _documents(data.get("documents"), _child(node, "documents"), lines.get("documents", 1), problems)

    from .notify.settings import parse_settings

    site_url, notify = parse_settings(data, node, set(units), problems)

    if problems:
        raise ConfigError(ORG_FILE, problems)
    return Org(
        organization=organization.strip(),
        timezone=timezone,
        units=units,
        feedback_units=list(feedback_units),
        deadlines=deadlines,
        vague_words=list(vague),
        ledger_since=ledger_since,
        accounts=dict(accounts),
        scoring=scoring,
        file_size_limit=file_size_limit,
        members=members,
        git_host=git_host,
        documents=documents,
        site_url=site_url,
        notify=notify,
        sample_as_of=sample_as_of,
    )


def _is_location(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip()) and "\n" not in value


def _members(raw: Any, node: Any, line: int, problems: list[tuple[int, str]]) -> list[Member]:
    """``members:`` — the lower organisations whose feeds this build reads (SPEC §12)."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        problems.append((line, "members: 必须是下级单位列表（每项以“- id:”开头，含 id、name、feed）"))
        return []
    out: list[Member] = []
    for index, item in enumerate(raw):
        mnode = yamlio.item(node, index)
        mline = yamlio.line(mnode, line)
        mlines = _lines_of(mnode)
        if not isinstance(item, dict):
            problems.append((mline, f"members[{index}]: 每个下级单位必须是“键: 值”的映射（id、name、feed）"))
            continue
        mid = item.get("id")
        where = f"members.{mid}" if isinstance(mid, str) else f"members[{index}]"

        def mbad(key: str, msg: str, where=where, mlines=mlines, mline=mline) -> None:
            problems.append((mlines.get(key, mline), f"{where}.{key}: {msg}"))

        for key in item:
            if key not in _MEMBER_KEYS:
                mbad(str(key), f"未知的下级单位配置项{_nearest(key, _MEMBER_KEYS)}；可用的有 {', '.join(sorted(_MEMBER_KEYS))}")
        if not isinstance(mid, str) or not UNIT_ID.fullmatch(mid):
            mbad("id", "下级单位 id 必须由小写字母、数字和连字符组成")
            continue
        if any(m.id == mid for m in out):
            mbad("id", f"下级单位 id“{mid}”重复")
            continue
        name = item.get("name")
        if not isinstance(name, str) or not name.strip():
            mbad("name", "必须填写下级单位名称")
            name = mid
        feed = item.get("feed")
        if isinstance(feed, dict):
            if not feed or set(feed) - set(_AUDIENCES) or not all(_is_location(v) for v in feed.values()):
                mbad("feed", "按读者范围写时应为 {public: 地址, internal: 地址}（范围只能是 public、internal、restricted）")
                continue
            feed = {k: v.strip() for k, v in feed.items()}
        elif _is_location(feed):
            feed = feed.strip()
        else:
            mbad("feed", "必须填写下级单位数据源：其网站 feed/ 文件夹的 http(s) 地址或本机路径")
            continue
        site = item.get("site")
        if site is not None and not (_is_location(site) and re.match(r"https?://", site)):
            mbad("site", "必须是下级单位网站的 http(s) 地址")
            site = None
        out.append(Member(mid, name.strip(), feed, site.strip() if site else None))
    return out
_GIT_HOST_KEYS = {"kind", "url", "branch"}
_BRANCH = re.compile(r"^[A-Za-z0-9._/-]+$")


def _git_host(value: Any, line: int, key_lines: dict[str, int], bad) -> GitHost | None:
    """``git_host: {kind: gitea|github|gitlab, url: https://…, branch: main}`` (optional)."""
    if value is None:
        return None
    example = "应写成 {kind: gitea, url: https://git.example.gov.cn/org/reports, branch: main}"
    if not isinstance(value, dict):
        bad("git_host", f"必须是映射；{example}", line)
        return None
    ok = True
    for key in value:
        if key not in _GIT_HOST_KEYS:
            bad(f"git_host.{key}", f"未知的配置项{_nearest(key, _GIT_HOST_KEYS)}；可用的有 kind, url, branch",
                key_lines.get(str(key), line))
            ok = False
    kind = value.get("kind")
    if kind not in GIT_HOST_KINDS:
        bad("git_host.kind", f"“{kind}”不是可用的平台；只能是 {', '.join(GIT_HOST_KINDS)}（Forgejo 写 gitea）",
            key_lines.get("kind", line))
        ok = False
    url = value.get("url")
    if not isinstance(url, str) or not re.fullmatch(r"https?://[^\s?#]+", url.strip()):
        bad("git_host.url", f"必须是仓库的网址，如 https://git.example.gov.cn/org/reports，而不是“{url}”",
            key_lines.get("url", line))
        ok = False
    branch = value.get("branch", "main")
    if not isinstance(branch, str) or not _BRANCH.fullmatch(branch) or ".." in branch:
        bad("git_host.branch", f"必须是分支名，如 main，而不是“{branch}”", key_lines.get("branch", line))
        ok = False
    if not ok:
        return None
    return GitHost(kind, url.strip().rstrip("/"), branch)


def _documents(raw: Any, node: Any, line: int, problems: list[tuple[int, str]]) -> Documents:
    """``documents:`` (SPEC §10); each problem names its key and line."""
    documents = Documents()
    if raw is None:
        return documents
    if not isinstance(raw, dict):
        problems.append((line, "documents: 必须是映射，如 {masthead: 示例县应急管理局, cc: [县委办公室]}"))
        return documents
    key_lines = _lines_of(node)
    for key, value in raw.items():
        at = key_lines.get(str(key), line)
        if key not in _DOCUMENT_KEYS:
            problems.append((at, f"documents.{key}: 未知的公文设置项{_nearest(key, _DOCUMENT_KEYS)}；"
                                 f"可用的有 {', '.join(sorted(_DOCUMENT_KEYS))}"))
        elif key == "cc":
            names = [value] if isinstance(value, str) else value
            if not isinstance(names, list) or not all(isinstance(n, str) and n.strip() for n in names):
                problems.append((at, "documents.cc: 抄送单位应写成列表，如 [县委办公室, 县政府办公室]"))
            else:
                documents.cc = [n.strip() for n in names]
        elif value is not None and (not isinstance(value, str) or not value.strip()):
            problems.append((at, f"documents.{key}: 必须是文字，而不是“{value}”"))
        elif value is not None:
            text = value.strip()
            setattr(documents, key, text.strip("《》") if key == "bulletin_name" else text)
    return documents


def _nearest(key: Any, known: set[str]) -> str:
    """``，是不是“units”？`` when a known key is close to the unknown one."""
    found = difflib.get_close_matches(str(key), sorted(known), n=1, cutoff=0.6)
    return f"，是不是“{found[0]}”？" if found else ""


def _is_number(value: Any) -> bool:
    return (isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
            and abs(value) <= MAX_SCORE)


def _is_name(value: Any) -> bool:
    """A name, a word or an organisation: one line of text, not blank, no control characters."""
    return isinstance(value, str) and bool(value.strip()) and not _CONTROL.search(value)


def _shown(value: Any) -> str:
    text = _CONTROL.sub("�", str(value))
    return text if len(text) <= 40 else text[:40] + "…"


def _timezone(name: Any) -> zoneinfo.ZoneInfo | None:
    """The IANA timezone ``name``; None for anything else (a folder such as ``Asia``, a path)."""
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z][A-Za-z0-9_+-]*(?:/[A-Za-z0-9_+-]+)*", name):
        return None
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        return None
