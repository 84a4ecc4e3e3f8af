"""The words of each message (SPEC §9): Chinese, short, the event in 【】 first.

A ``Message`` is platform-neutral: a title and lines, each line optionally a link. ``channels``
renders it as Markdown (WeCom, DingTalk, Feishu), plain text (e-mail) or JSON (webhook), and
splits it where a platform's size limit would cut it.

What a channel is told is bounded by its audience before anything is written here
(``Event.visible_to``); in addition an anonymous report's author is never named, and nothing
from git (commit messages, committers) is ever used.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from ..config import Org, format_duration
from ..model import REPORT_TYPES
from ..site.urls import html_path, report_doc_path
from ..timeliness import TIMELINESS_LABELS, judged_on_received
from ..timeparse import format_time
from .events import Event, Owed

DIGEST_AFTER = 20  # platforms let a robot post about 20 messages a minute
DIGEST_MOST = 150  # events listed in a chat digest (about 5 messages of 4 KB on WeCom)
FEEDBACK_EXCERPT = 120  # characters of a 批示's text


@dataclass(slots=True)
class Line:
    text: str
    link: str | None = None  # shown as 「查看」 after the text
    heading: bool = False


@dataclass(slots=True)
class Message:
    title: str  # 【突发事件·初报】安全生产监督管理股：收费站火情
    lines: list[Line] = field(default_factory=list)
    tone: str = "blue"  # red (incident, late) · orange (remind) · blue (the rest): Feishu's card colour
    data: dict[str, Any] = field(default_factory=dict)  # the event as JSON (webhook)
    summary: Line | None = None  # the event on one line (digests)


def page_url(base: str | None, report_id: str) -> str | None:
    """The report's page on the site at ``base`` (None without ``site_url``)."""
    if not base:
        return None
    path = quote(html_path(report_doc_path(report_id)), safe="/-_.~")
    return base.rstrip("/") + "/" + path


def _t(moment: dt.datetime | None, org: Org) -> str:
    return format_time(moment, org.timezone) if moment else "—"


def _casualties(r) -> str:
    text = f"死亡 {r.deaths} 人，受伤 {r.injuries} 人"
    if r.loss:
        text += f"，直接经济损失 {r.loss:g} 万元"
    return text


def _timeliness_text(event: Event, org: Org) -> str | None:
    if event.timeliness is None:
        return None
    label = TIMELINESS_LABELS[event.timeliness]
    if event.delay is None:
        return label
    if event.report.type == "incident":
        text = f"{label}（事发后 {format_duration(event.delay)}报送，规定 {format_duration(org.deadlines.incident_late)}内"
        if judged_on_received(event.report, org):
            text += "；报告写的报送时间比仓库收到时早半小时以上，按收到时间计"
        return text + "）"
    if event.delay > dt.timedelta(0):
        return f"{label}（晚于应报时间 {format_duration(event.delay)}）"
    return label


def _unit_name(org: Org, unit: str | None) -> str:
    u = org.units.get(unit or "")
    return u.name if u else (unit or "")


def event_message(event: Event, org: Org, audience: str, base_url: str | None) -> Message:
    """The message of one event for a channel of ``audience`` (which may see the event)."""
    r = event.report
    unit = _unit_name(org, r.unit)
    link = page_url(base_url, r.id)
    lines: list[Line] = []
    data: dict[str, Any] = {
        "event": event.kind, "organization": org.organization, "id": r.id, "unit": r.unit, "unit_name": unit,
        "type": r.type, "title": r.title, "classification": r.classification,
        "reported_at": r.reported_at.astimezone(org.timezone).isoformat() if r.reported_at else None,
        "received_at": r.received.astimezone(org.timezone).isoformat() if r.received else None,
        "url": link,
    }
    if not r.anonymous and r.author:
        data["author"] = r.author
    if event.kind == "incident":
        stage = r.stage or "初报"
        tag = f"突发事件·{stage}" + ("·修订" if event.revised else "")
        title = f"【{tag}】{unit}：{r.title}"
        tone = "red"
        lines.append(Line(f"单位：{unit}"))
        if event.related is not None and event.related.visible_to(audience):
            lines.append(Line(f"事件：{event.related.title}（{_t(event.related.occurred_at, org)} 初报）",
                              page_url(base_url, event.related.id)))
        lines.append(Line(f"等级：{r.severity or '—'}　类别：{r.category or '—'}"))
        lines.append(Line(f"伤亡：{_casualties(r)}"))
        if r.location:
            lines.append(Line(f"地点：{r.location}"))
        when = f"事发：{_t(r.occurred_at, org)}　报送：{_t(r.reported_at, org)}"
        if judged_on_received(r, org):
            when += f"　收到：{_t(r.received_at, org)}"
        lines.append(Line(when))
        # 迟报/瞒报 is an assessment figure: a public channel is never told it (SPEC §7, as the public site)
        timeliness = event.timeliness if audience != "public" else None
        verdict = _timeliness_text(event, org) if timeliness else None
        if verdict:
            lines.append(Line(f"时效：{verdict}"))
        data.update({"stage": stage, "revised": event.revised, "severity": r.severity, "category": r.category,
                     "deaths": r.deaths, "injuries": r.injuries, "loss": r.loss, "location": r.location,
                     "occurred_at": r.occurred_at.astimezone(org.timezone).isoformat() if r.occurred_at else None})
        if timeliness:
            data["timeliness"] = timeliness
        summary = f"【{tag}】{unit}：{r.title}（{r.severity or '—'}，{_casualties(r)}" + (
            f"，{TIMELINESS_LABELS[timeliness]}" if timeliness else "") + "）"
    elif event.kind == "late":
        label = TIMELINESS_LABELS[event.timeliness or "late"]
        title = f"【{label}】{unit}：{r.title}"
        tone = "red"
        lines.append(Line(f"单位：{unit}　类型：{r.type_label}"))
        lines.append(Line(f"情况：{event.detail or _timeliness_text(event, org) or label}"))
        data.update({"timeliness": event.timeliness, "detail": event.detail,
                     "delay_minutes": int(event.delay.total_seconds() // 60) if event.delay else None})
        summary = f"【{label}】{unit}：{r.title}（{r.type_label}）"
    else:  # feedback
        target = event.related
        assert target is not None
        kind = r.kind or "批示"
        target_unit = _unit_name(org, target.unit)
        link = page_url(base_url, target.id)
        data["url"] = link
        by = r.by or "领导"
        if kind == "采用":
            title = f"【采用】{target_unit}《{target.title}》被{r.level or ''}级采用"
        elif kind == "退回":
            title = f"【退回】{target_unit}《{target.title}》被{by}退回"
        else:
            title = f"【批示】{by}批示{target_unit}《{target.title}》"
        tone = "blue"
        lines.append(Line(f"单位：{target_unit}　报告：{target.title}（{target.type_label}）"))
        if kind == "采用":
            lines.append(Line(f"采用：{r.level or '—'}级" + (f"（{by}）" if r.by else "")))
        else:
            lines.append(Line(f"{kind}人：{by}"))
        text = _plain(r.body)
        if text:
            lines.append(Line(f"内容：{_clip(text, FEEDBACK_EXCERPT)}"))
        lines.append(Line(f"时间：{_t(r.reported_at, org)}"))
        data.update({"kind": kind, "by": r.by, "level": r.level, "on": target.id, "on_title": target.title,
                     "on_unit": target.unit})
        summary = title
    if not r.anonymous and r.author and event.kind != "feedback":
        lines.append(Line(f"执笔：{r.author}"))
    if link:
        lines.append(Line("查看报告", link))
    return Message(title, lines, tone, data, Line(summary, link))


def digest_messages(messages: list[Message], org: Org, most: int | None = None) -> Message:
    """One message listing many (more than ``DIGEST_AFTER`` for one channel in one run).

    ``most``: list at most that many and say how many more there are (a chat robot posting a
    whole imported archive line by line would hit the platform's rate limit).
    """
    lines = [m.summary or Line(m.title) for m in messages[:most]]
    if most is not None and len(messages) > most:
        lines.append(Line(f"……另有 {len(messages) - most} 条，请到网站查看"))
    data = {"event": "digest", "organization": org.organization, "count": len(messages),
            "events": [m.data for m in messages]}
    return Message(f"【信息汇总】本次共 {len(messages)} 条", lines, "red", data)


def remind_message(owed: list[Owed], org: Org, as_of: dt.datetime, before: dt.timedelta,
                   base_url: str | None) -> Message:
    """One message listing the reports due soon and the reports missing, unit by unit."""
    lines: list[Line] = []
    due = [o for o in owed if o.kind == "due"]
    missing = [o for o in owed if o.kind == "missing"]
    if due:
        lines.append(Line(f"即将到期（{format_duration(before)}内）：{len(due)} 份", heading=True))
        lines.extend(_unit_lines(due, org, as_of))
    if missing:
        lines.append(Line(f"逾期未报（漏报）：{len(missing)} 份", heading=True))
        lines.extend(_unit_lines(missing, org, as_of))
    lines.append(Line("请尽快报送；已报送的请确认报告已合并到主分支。"))
    if base_url:
        lines.append(Line("查看报送情况", base_url))
    data = {"event": "remind", "organization": org.organization, "as_of": as_of.astimezone(org.timezone).isoformat(),
            "items": [{"event": o.kind, "unit": o.unit, "unit_name": o.unit_name, "type": o.type,
                       "period": o.period.id, "due": o.due.astimezone(org.timezone).isoformat()} for o in owed]}
    counts = "，".join(text for n, text in ((len(due), f"{len(due)} 份即将到期"),
                                             (len(missing), f"{len(missing)} 份逾期未报")) if n)
    return Message(f"【催报】截至 {_t(as_of, org)}：{counts}", lines, "orange", data)


def _unit_lines(owed: list[Owed], org: Org, as_of: dt.datetime) -> list[Line]:
    """One line per unit, in roster order: its reports with their due times."""
    by_unit: dict[str, list[Owed]] = {}
    for o in owed:
        by_unit.setdefault(o.unit, []).append(o)
    order = list(org.units)
    lines = []
    for unit in sorted(by_unit, key=lambda u: order.index(u) if u in order else len(order)):
        items = []
        for o in by_unit[unit]:
            text = f"{o.period.label}{REPORT_TYPES[o.type]}（{_t(o.due, org)} 截止"
            if o.kind == "missing":
                late = as_of - o.due
                text += f"，已逾期 {late.days} 天" if late.days else f"，已逾期 {format_duration(late)}"
            items.append(text + "）")
        lines.append(Line(f"{by_unit[unit][0].unit_name}：{'、'.join(items)}"))
    return lines


def _plain(body: str) -> str:
    """A feedback's text on one line: headings, emphasis and blank lines dropped."""
    words = []
    for line in body.splitlines():
        line = line.strip().lstrip("#>").strip().replace("**", "")
        if line:
            words.append(line)
    return " ".join(words)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
