"""``site_url:`` and ``notify:`` in ``_org.yml`` (SPEC §9) → typed settings.

Checked like every other key of the file: each problem names its key and line and all are
reported together (exit 2). URLs and signing secrets never appear here — only the names of the
environment variables that hold them — and a value that looks like a URL or a secret where a
variable name belongs is refused without being repeated in the message.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from .. import yamlio

CHANNEL_KINDS = {
    "wecom": "企业微信群机器人",
    "dingtalk": "钉钉自定义机器人",
    "feishu": "飞书自定义机器人",
    "webhook": "Webhook",
    "email": "电子邮件",
}
EVENT_KINDS = {
    "incident": "突发事件",
    "late": "迟报、瞒报",
    "feedback": "批示、采用、退回",
    "due": "即将到期",
    "missing": "漏报",
}
NOTIFY_EVENTS = ("incident", "late", "feedback")  # sent by ``notify``
REMIND_EVENTS = ("due", "missing")  # sent by ``remind``
# 迟报、漏报 are assessment figures, which the public audience never sees (SPEC §7)
ASSESSMENT_EVENTS = ("late", "due", "missing")
AUDIENCES = ("public", "internal", "restricted")
SIGNED_KINDS = ("dingtalk", "feishu")
DEFAULT_SMTP_ENV = "SB_SMTP_URL"
DEFAULT_REMIND_BEFORE = dt.timedelta(hours=24)

_ENV_NAME = re.compile(r"^[A-Z_][A-Z0-9_]*$")
_CHANNEL_ID = re.compile(r"^[a-z0-9_-]+$")
_EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")
_NOTIFY_KEYS = {"channels", "events", "remind_before"}
_CHANNEL_KEYS = {"id", "kind", "url_env", "secret_env", "audience", "to", "site_url"}
_ROUTE_KEYS = {"event", "channels", "units"}


@dataclass(frozen=True, slots=True)
class Channel:
    id: str
    kind: str
    url_env: str | None  # email: the SMTP URL's variable (default SB_SMTP_URL)
    secret_env: str | None
    audience: str = "internal"
    to: tuple[str, ...] = ()
    site_url: str | None = None  # links to this site instead of the top-level site_url

    @property
    def label(self) -> str:
        return f"“{self.id}”（{CHANNEL_KINDS[self.kind]}）"

    def env_names(self) -> list[str]:
        return [name for name in (self.url_env, self.secret_env) if name]


@dataclass(frozen=True, slots=True)
class Route:
    event: str
    channels: tuple[str, ...]
    units: tuple[str, ...] = ()  # empty: every unit

    def covers(self, unit: str | None) -> bool:
        return not self.units or unit in self.units


@dataclass(slots=True)
class NotifySettings:
    channels: dict[str, Channel] = field(default_factory=dict)
    routes: list[Route] = field(default_factory=list)
    remind_before: dt.timedelta = DEFAULT_REMIND_BEFORE

    def channels_for(self, event: str, unit: str | None) -> list[Channel]:
        """The channels an event of ``unit`` goes to (each once, in configuration order)."""
        ids: list[str] = []
        for route in self.routes:
            if route.event == event and route.covers(unit):
                ids.extend(c for c in route.channels if c not in ids)
        return [self.channels[c] for c in self.channels if c in ids]


_lines = yamlio.key_lines
_child = yamlio.child
_item = yamlio.item
_line = yamlio.line


def check_site_url(value: Any) -> bool:
    return isinstance(value, str) and re.fullmatch(r"https?://[^\s/]+(/\S*)?", value.strip()) is not None


def parse_settings(data: dict[str, Any], root_node: Any, unit_ids: set[str],
                   problems: list[tuple[int, str]]) -> tuple[str | None, NotifySettings | None]:
    """``site_url`` and ``notify`` of the org file; problems are appended as (line, message)."""
    top = _lines(root_node)

    site_url = data.get("site_url")
    if site_url is not None:
        if not check_site_url(site_url):
            problems.append((top.get("site_url", 1),
                             "site_url: 应是网站地址，如 https://xxbs.example.gov.cn/（消息中的链接指向这里）"))
            site_url = None
        else:
            site_url = site_url.strip()

    raw = data.get("notify")
    if raw is None:
        return site_url, None
    node = _child(root_node, "notify")
    line = top.get("notify", 1)
    if not isinstance(raw, dict):
        problems.append((line, "notify: 应是映射，包含 channels（渠道）、events（事件）和 remind_before"))
        return site_url, None
    lines = _lines(node)

    def bad(key: str, msg: str, at: int | None = None) -> None:
        problems.append((at if at is not None else lines.get(key.split(".")[1] if "." in key else key, line),
                         f"notify.{key}: {msg}"))

    for key in raw:
        if key not in _NOTIFY_KEYS:
            bad(str(key), f"未知的配置项；可用的有 {', '.join(sorted(_NOTIFY_KEYS))}", lines.get(str(key), line))

    settings = NotifySettings()
    if raw.get("remind_before") is not None:
        from ..timeparse import parse_duration

        before = parse_duration(raw.get("remind_before"))
        if before is None:
            bad("remind_before", "时长格式不对；应写成 24h、12h、1d", lines.get("remind_before", line))
        else:
            settings.remind_before = before

    channels_node = _child(node, "channels")
    raw_channels = raw.get("channels")
    if not isinstance(raw_channels, list) or not raw_channels:
        bad("channels", "应是渠道列表（每个渠道以“- id:”开头）", lines.get("channels", line))
        raw_channels = []
    seen: set[str] = set()
    for index, item in enumerate(raw_channels):
        cid = item.get("id") if isinstance(item, dict) else None
        if isinstance(cid, str) and cid in seen:
            problems.append((_line(_item(channels_node, index), line), f"notify.channels.{cid}.id: 渠道 id 重复"))
            continue
        if isinstance(cid, str):
            seen.add(cid)
        channel = _channel(item, _item(channels_node, index), index, lines.get("channels", line), problems)
        if channel is not None:
            settings.channels[channel.id] = channel

    events_node = _child(node, "events")
    raw_events = raw.get("events")
    if raw_events is None:
        raw_events = []
    if not isinstance(raw_events, list):
        bad("events", "应是列表，如 - {event: incident, channels: [leaders], units: []}", lines.get("events", line))
        raw_events = []
    known_channels = {c.get("id") for c in raw_channels if isinstance(c, dict)}
    for index, item in enumerate(raw_events):
        route = _route(item, _item(events_node, index), index, lines.get("events", line), problems,
                       known_channels, unit_ids, settings.channels)
        if route is not None:
            settings.routes.append(route)
    return site_url, settings


def _channel(item: Any, node: Any, index: int, default_line: int,
             problems: list[tuple[int, str]]) -> Channel | None:
    at = _line(node, default_line)
    lines = _lines(node)
    if not isinstance(item, dict):
        problems.append((at, f"notify.channels[{index}]: 每个渠道必须是“键: 值”的映射"))
        return None
    cid = item.get("id")
    where = f"notify.channels.{cid}" if isinstance(cid, str) and cid else f"notify.channels[{index}]"
    count = len(problems)
    flagged: set[str] = set()

    def bad(key: str, msg: str) -> None:
        flagged.add(key)
        problems.append((lines.get(key, at), f"{where}.{key}: {msg}"))

    for key in item:
        if key not in _CHANNEL_KEYS:
            bad(str(key), f"未知的渠道配置项；可用的有 {', '.join(sorted(_CHANNEL_KEYS))}")
    if not isinstance(cid, str) or not _CHANNEL_ID.fullmatch(cid):
        bad("id", "渠道 id 应由小写字母、数字、- 和 _ 组成，如 leaders")
    kind = item.get("kind")
    if kind not in CHANNEL_KINDS:
        bad("kind", f"渠道类型只能是 {', '.join(CHANNEL_KINDS)}（{'、'.join(CHANNEL_KINDS.values())}）")
    audience = item.get("audience", "internal")
    if audience not in AUDIENCES:
        bad("audience", "读者范围只能是 public（公开）、internal（内部）或 restricted（限定）")

    def env(key: str) -> str | None:
        value = item.get(key)
        if value is None:
            return None
        if not isinstance(value, str) or not _ENV_NAME.fullmatch(value):
            # never repeat the value: it may be the URL or secret itself, pasted by mistake
            bad(key, "应填写环境变量的名字（大写字母、数字和下划线，如 SB_WECOM_LEADERS），"
                     "而不是网址或密钥本身；网址和密钥只能放在 CI 的机密变量（secrets）中，不能写进仓库")
            return None
        return value

    url_env = env("url_env")
    secret_env = env("secret_env")
    to: tuple[str, ...] = ()
    if kind in CHANNEL_KINDS and kind != "email" and url_env is None and "url_env" not in flagged:
        bad("url_env", "必须填写保存机器人网址（webhook）的环境变量名，如 SB_WECOM_LEADERS")
    if kind == "email":
        url_env = url_env or DEFAULT_SMTP_ENV
        raw_to = item.get("to")
        if not isinstance(raw_to, list) or not raw_to or not all(isinstance(a, str) and _EMAIL.fullmatch(a.strip())
                                                                  for a in raw_to):
            bad("to", "电子邮件渠道必须填写收件人地址列表，如 [leader@example.gov.cn]")
        else:
            to = tuple(a.strip() for a in raw_to)
    elif item.get("to") not in (None, []):
        bad("to", "只有电子邮件（email）渠道才有收件人 to")
    if kind in SIGNED_KINDS and secret_env is None and "secret_env" not in flagged:
        bad("secret_env", f"{CHANNEL_KINDS[kind]}必须使用“加签”安全设置：请填写保存签名密钥的环境变量名，"
                          "如 SB_DINGTALK_SECRET")
    if kind in ("wecom", "email") and secret_env is not None:
        bad("secret_env", f"{CHANNEL_KINDS[kind]}没有签名密钥，请删去 secret_env")
    site_url = item.get("site_url")
    if site_url is not None and not check_site_url(site_url):
        bad("site_url", "应是网站地址，如 https://xxbs.example.gov.cn/limited/")
        site_url = None
    if len(problems) > count:
        return None
    return Channel(cid, kind, url_env, secret_env, audience, to, site_url.strip() if site_url else None)


def _route(item: Any, node: Any, index: int, default_line: int, problems: list[tuple[int, str]],
           known_channels: set[Any], unit_ids: set[str], channels: dict[str, Channel]) -> Route | None:
    at = _line(node, default_line)
    lines = _lines(node)
    where = f"notify.events[{index}]"
    if not isinstance(item, dict):
        problems.append((at, f"{where}: 应写成 {{event: incident, channels: [leaders], units: []}}"))
        return None
    count = len(problems)

    def bad(key: str, msg: str) -> None:
        problems.append((lines.get(key, at), f"{where}.{key}: {msg}"))

    for key in item:
        if key not in _ROUTE_KEYS:
            bad(str(key), f"未知的配置项；可用的有 {', '.join(sorted(_ROUTE_KEYS))}")
    event = item.get("event")
    if event not in EVENT_KINDS:
        bad("event", f"事件只能是 {', '.join(EVENT_KINDS)}（{'、'.join(EVENT_KINDS.values())}）")
    targets = item.get("channels")
    if not isinstance(targets, list) or not targets or not all(isinstance(c, str) for c in targets):
        bad("channels", "应是渠道 id 列表，如 [leaders]")
        targets = []
    for cid in targets:
        if cid not in known_channels:
            bad("channels", f"渠道“{cid}”不在 notify.channels 中")
        elif event in ASSESSMENT_EVENTS and cid in channels and channels[cid].audience == "public":
            bad("channels", f"渠道“{cid}”的读者范围是 public（公开）：迟报、瞒报、漏报属于考核信息，不向公开范围发送")
    units = item.get("units") or []
    if not isinstance(units, list) or not all(isinstance(u, str) for u in units):
        bad("units", "应是单位 id 列表；[] 表示全部单位")
        units = []
    for uid in units:
        if uid not in unit_ids:
            bad("units", f"单位“{uid}”不在 units 中")
    if len(problems) > count:
        return None
    return Route(event, tuple(targets), tuple(units))
