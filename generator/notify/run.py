"""``shangbao notify`` and ``shangbao remind``: find the events, bound them by audience, send.

Every channel is tried; one that fails is named (never its URL or secret) and the command
exits 1 once the others have been tried. Before anything is sent, every environment variable
the channels need is checked: a missing one stops the run (exit 2) naming the variable.
``--dry-run`` prints what each channel would be sent and needs no variables.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from collections.abc import Mapping
from pathlib import Path

from ..config import Org, load_org
from ..model import CLASSIFICATIONS
from .channels import Sender, describe, missing_variables, render, unusable_variables
from .events import Event, RangeError, owed_reports, range_events, resolve_since
from .messages import Message, event_message, remind_message
from .settings import NOTIFY_EVENTS, REMIND_EVENTS, Channel


def _say(text: str) -> None:
    print(text, flush=True)


def _warn(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _now(org: Org, as_of: dt.datetime | None) -> dt.datetime:
    return as_of if as_of is not None else dt.datetime.now(org.timezone).replace(microsecond=0)


def _configured(org: Org, events: tuple[str, ...], command: str) -> bool:
    settings = org.notify
    if settings is None or not any(r.event in events for r in settings.routes):
        kinds = "、".join(events)
        _say(f"submissions/_org.yml 没有为 {kinds} 配置通知渠道（notify:），{command} 不发送任何消息。"
             "配置方法见 docs/notify.md。")
        return False
    return True


def channel_messages(org: Org, events: list[Event]) -> dict[str, list[Message]]:
    """Channel id → its messages: each event to the channels its route names and its audience allows."""
    settings = org.notify
    out: dict[str, list[Message]] = {}
    told: dict[str, set[tuple[str, str]]] = {}
    for event in events:
        for channel in settings.channels_for(event.kind, event.unit):
            if not event.visible_to(channel.audience):
                continue  # a restricted report never reaches a lower channel, a draft none
            seen = told.setdefault(channel.id, set())
            if event.kind == "late" and ("incident", event.report.id) in seen:
                continue  # the incident message already says 迟报/瞒报
            seen.add((event.kind, event.report.id))
            message = event_message(event, org, channel.audience, channel.site_url or org.site_url)
            out.setdefault(channel.id, []).append(message)
    return out


def deliver(org: Org, outbox: dict[str, list[Message]], dry_run: bool,
            env: Mapping[str, str] | None = None, sender: Sender | None = None) -> int:
    """Print (dry run) or send every channel's messages; 0 sent, 1 a channel failed, 2 a variable missing."""
    settings = org.notify
    channels: list[Channel] = [settings.channels[c] for c in settings.channels if outbox.get(c)]
    if not channels:
        _say("没有需要发送的消息。")
        return 0
    rendered = {c.id: render(c, outbox[c.id], org) for c in channels}
    if dry_run:
        for channel in channels:
            _say(describe(channel, rendered[channel.id], org))
        _say("（演练：以上消息没有发送）")
        return 0
    env = os.environ if env is None else env
    missing = missing_variables(channels, env)
    unusable = unusable_variables(channels, env)
    if missing or unusable:
        for channel, name in missing:
            _warn(f"错误：缺少环境变量 {name}（渠道{channel.label}需要它），或它是空的。")
        for channel, why in unusable:
            _warn(f"错误：渠道{channel.label}：{why}")
        _warn("没有发送任何消息。请在 CI 的机密变量中添加上面的变量（GitHub: Settings → Secrets and variables → "
              "Actions，并在工作流的 env 中引用；GitLab: 设置 → CI/CD → 变量），见 docs/notify.md。")
        return 2
    sender = sender or Sender(env)
    failed: list[Channel] = []
    for channel in channels:
        count, error = sender.send(channel, rendered[channel.id])
        if error is None:
            _say(f"渠道{channel.label}：已发送 {count} 条消息（读者范围：{CLASSIFICATIONS[channel.audience]}）")
        else:
            failed.append(channel)
            sent = f"（此前已发送 {count} 条）" if count else ""
            _warn(f"错误：渠道{channel.label}发送失败{sent}：{error}")
    if failed:
        _warn(f"{len(failed)} 个渠道发送失败：{'、'.join(c.id for c in failed)}；其余渠道已发送。"
              "请检查机器人是否被删除或停用、CI 中的网址与密钥是否正确，然后重新运行。")
        return 1
    return 0


def run_notify(root: Path, since: str, dry_run: bool, as_of: dt.datetime | None,
               env: Mapping[str, str] | None = None, sender: Sender | None = None) -> int:
    """``shangbao notify --since REV``: one message per event of the reports that arrived since REV."""
    org = load_org(root)
    if not _configured(org, NOTIFY_EVENTS, "notify"):
        return 0
    try:
        commit = resolve_since(root, since)
    except RangeError as exc:
        _warn(f"错误：{exc}")
        return 2
    if commit is None:
        _say("--since 是全零的提交号（新分支的第一次推送）：没有可比较的上一次提交，不发送通知。")
        return 0
    changes = range_events(root, org, commit, _now(org, as_of))
    for warning in changes.warnings:
        _warn(f"注意：{warning}")
    for path, why in changes.skipped:
        _warn(f"注意：{path} 有错误，未发送通知（修正后再次合并时会通知）：{why}")
    return deliver(org, channel_messages(org, changes.events), dry_run, env, sender)


def run_remind(root: Path, dry_run: bool, as_of: dt.datetime | None,
               env: Mapping[str, str] | None = None, sender: Sender | None = None) -> int:
    """``shangbao remind``: per channel, one message listing the reports due soon or missing."""
    org = load_org(root)
    if not _configured(org, REMIND_EVENTS, "remind"):
        return 0
    settings = org.notify
    moment = _now(org, as_of)
    owed = owed_reports(root, org, moment, settings.remind_before)
    outbox: dict[str, list[Message]] = {}
    for channel in settings.channels.values():
        mine = [o for o in owed if channel in settings.channels_for(o.kind, o.unit)]
        if mine:
            outbox[channel.id] = [remind_message(mine, org, moment, settings.remind_before,
                                                 channel.site_url or org.site_url)]
    return deliver(org, outbox, dry_run, env, sender)
