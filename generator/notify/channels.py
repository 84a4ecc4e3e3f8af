"""Sending: each platform's documented request shape and signing, with the standard library.

- 企业微信群机器人 (``wecom``): POST ``{"msgtype": "markdown", ...}`` to the robot's URL (the
  ``key`` is in it); Markdown content up to 4096 bytes.
- 钉钉自定义机器人 (``dingtalk``), 加签: ``timestamp`` (ms) and ``sign`` =
  URL-encoded Base64(HMAC-SHA256(secret, timestamp + "\\n" + secret)) added to the query.
- 飞书自定义机器人 (``feishu``), 签名校验: ``timestamp`` (s) and ``sign`` =
  Base64(HMAC-SHA256(key = timestamp + "\\n" + secret, message = "")) in the JSON body; the
  message is a card with a Markdown element.
- ``webhook``: the event as JSON; with ``secret_env`` the body's HMAC-SHA256 in
  ``X-Shangbao-Signature: sha256=<hex>`` so the receiver can tell it came from us.
- ``email``: SMTP from the URL in ``SB_SMTP_URL`` (``smtp://user:password@host:587?from=addr``,
  or ``smtps://`` for TLS from the start); STARTTLS whenever the server offers it; UTF-8.

A 200 answer whose JSON carries a non-zero ``errcode`` (WeCom, DingTalk) or ``code`` /
``StatusCode`` (Feishu) is a failure. Each request has a 10 s timeout and up to 3 tries with a
growing pause between them; the pause and the clock are injectable so tests never sleep.
Errors name the channel and what went wrong, never its URL or secret: every text that leaves
this module passes through ``Sender.scrub``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import smtplib
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

from .messages import DIGEST_AFTER, DIGEST_MOST, Line, Message, digest_messages
from .settings import CHANNEL_KINDS, Channel

TIMEOUT = 10.0  # seconds, per request
TRIES = 3
BACKOFF = (2.0, 5.0)  # seconds to wait before the 2nd and the 3rd try
# Bytes of the Markdown a platform accepts (WeCom: 4096; DingTalk ≈ 20,000; Feishu: a 20 KB body)
LIMITS = {"wecom": 4000, "dingtalk": 18000, "feishu": 18000}
_JOIN = {"wecom": "\n", "dingtalk": "\n\n", "feishu": "\n"}


class SendError(Exception):
    """One failed try, in Chinese, with nothing secret in it."""


# --------------------------------------------------------------------------- rendering


def _md_escape(text: str) -> str:
    """Report text inside Markdown: no markup of its own (a title cannot fake a link or a colour)."""
    table = str.maketrans({"<": "＜", ">": "＞", "[": "［", "]": "］", "*": "＊", "`": "｀", "_": "＿",
                           "#": "＃", "\n": " ", "\r": " "})
    return text.translate(table)


def _md_line(line: Line) -> str:
    text = _md_escape(line.text)
    if line.heading:
        text = f"**{text}**"
    if line.link:  # "查看报告" is the link itself; other lines get one after them
        text = f"[{text}]({line.link})" if line.text.startswith("查看") else f"{text} [查看]({line.link})"
    return text


def markdown(message: Message, kind: str, with_title: bool = True) -> str:
    lines = [_md_line(line) for line in message.lines]
    if kind in ("wecom", "dingtalk") and with_title:
        lines.insert(0, f"**{_md_escape(message.title)}**")
    return _JOIN.get(kind, "\n").join(lines)


def plain_text(message: Message) -> str:
    out = [message.title, ""]
    for line in message.lines:
        out.append(f"{line.text}：{line.link}" if line.link else line.text)
    return "\n".join(out) + "\n"


def _fits(message: Message, kind: str) -> bool:
    limit = LIMITS.get(kind)
    return limit is None or len(markdown(message, kind).encode("utf-8")) <= limit


def split(message: Message, kind: str) -> list[Message]:
    """The message in as many parts as the platform's size limit needs (lines are never cut)."""
    if _fits(message, kind):
        return [message]
    parts: list[Message] = []
    current = Message(message.title, [], message.tone, message.data)
    for line in message.lines:
        current.lines.append(line)
        if not _fits(current, kind) and len(current.lines) > 1:
            current.lines.pop()
            parts.append(current)
            current = Message(message.title, [line], message.tone, message.data)
        if not _fits(current, kind):  # one line alone too long: cut it
            limit = LIMITS[kind] // 2
            current.lines[-1] = Line(line.text.encode("utf-8")[:limit].decode("utf-8", "ignore") + "……",
                                     line.link, line.heading)
    parts.append(current)
    if len(parts) > 1:
        for index, part in enumerate(parts, start=1):
            part.title = f"{message.title}（{index}/{len(parts)}）"
    return parts


@dataclass(slots=True)
class Outgoing:
    """One request (or one e-mail) as it will be sent, before signing."""

    title: str
    payload: dict[str, Any] | None  # JSON body of HTTP kinds
    text: str  # e-mail body


def _payload(message: Message, kind: str) -> dict[str, Any]:
    if kind == "wecom":
        return {"msgtype": "markdown", "markdown": {"content": markdown(message, kind)}}
    if kind == "dingtalk":
        return {"msgtype": "markdown", "markdown": {"title": message.title, "text": markdown(message, kind)}}
    if kind == "feishu":
        return {"msg_type": "interactive", "card": {
            "config": {"wide_screen_mode": True},
            "header": {"template": message.tone, "title": {"tag": "plain_text", "content": message.title}},
            "elements": [{"tag": "markdown", "content": markdown(message, kind, with_title=False)}],
        }}
    # webhook: the structured event, plus the same words for tools that only show text
    return {**message.data, "title": message.title, "text": plain_text(message),
            "markdown": markdown(message, "webhook")}


def render(channel: Channel, messages: list[Message], org: Any) -> list[Outgoing]:
    """What a channel is sent for ``messages``: a digest when there are more than 20."""
    if len(messages) > DIGEST_AFTER:
        most = None if channel.kind in ("email", "webhook") else DIGEST_MOST
        messages = [digest_messages(messages, org, most)]
    out: list[Outgoing] = []
    for message in messages:
        parts = [message] if channel.kind in ("email", "webhook") else split(message, channel.kind)
        for part in parts:
            payload = None if channel.kind == "email" else _payload(part, channel.kind)
            out.append(Outgoing(part.title, payload, plain_text(part)))
    return out


def describe(channel: Channel, outgoing: list[Outgoing], org: Any) -> str:
    """``--dry-run``: exactly what would be sent, with the signing noted (never a URL or secret)."""
    from ..model import CLASSIFICATIONS

    head = (f"== 渠道{channel.label}，读者范围：{CLASSIFICATIONS[channel.audience]}，"
            f"{len(outgoing)} 条消息 ==")
    out = [head]
    for index, item in enumerate(outgoing, start=1):
        out.append(f"--- 第 {index} 条 ---")
        if channel.kind == "email":
            out.append(f"收件人：{', '.join(channel.to)}")
            out.append(f"主题：{item.title}")
            out.append("")
            out.append(item.text.rstrip("\n"))
        else:
            if channel.kind == "dingtalk":
                out.append("（发送时在网址后附加 timestamp 与 sign：加签）")
            elif channel.kind == "feishu":
                out.append("（发送时在消息体中加入 timestamp 与 sign：签名校验）")
            elif channel.kind == "webhook" and channel.secret_env:
                out.append("（发送时加请求头 X-Shangbao-Signature：消息体的 HMAC-SHA256 签名）")
            out.append(json.dumps(item.payload, ensure_ascii=False, indent=2))
    return "\n".join(out)


# --------------------------------------------------------------------------- sending


def missing_variables(channels: list[Channel], env: Mapping[str, str]) -> list[tuple[Channel, str]]:
    """(channel, variable) for each variable a channel needs that is unset or empty."""
    return [(c, name) for c in channels for name in c.env_names() if not env.get(name, "").strip()]


def smtp_settings(smtp_url: str, env_name: str | None) -> tuple[urllib.parse.SplitResult, str, str, str]:
    """(parts, user, password, sender) of an SMTP URL; SendError in Chinese when it cannot be used."""
    try:
        parts = urllib.parse.urlsplit(smtp_url.strip())
        parts.port  # noqa: B018 - a port that is not a number raises here
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise SendError(f"{env_name} 应写成 smtp://用户名:密码@服务器:587?from=发件地址 或 smtps://…")
    user = urllib.parse.unquote(parts.username or "")
    password = urllib.parse.unquote(parts.password or "")
    sender = urllib.parse.parse_qs(parts.query).get("from", [user if "@" in user else ""])[0]
    if not sender:
        raise SendError(f"{env_name} 中缺少发件地址：请在末尾加 ?from=发件地址")
    return parts, user, password, sender


def unusable_variables(channels: list[Channel], env: Mapping[str, str]) -> list[tuple[Channel, str]]:
    """(channel, why) for each set variable that cannot work as written (an e-mail channel's SMTP URL),
    so that a setting is reported before anything is sent, not after three tries."""
    out = []
    for c in channels:
        if c.kind == "email" and env.get(c.url_env or "", "").strip():
            try:
                smtp_settings(env[c.url_env], c.url_env)
            except SendError as exc:
                out.append((c, str(exc)))
    return out


def dingtalk_sign(secret: str, timestamp_ms: str) -> str:
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def feishu_sign(secret: str, timestamp_s: str) -> str:
    digest = hmac.new(f"{timestamp_s}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


@dataclass
class Sender:
    env: Mapping[str, str]
    timeout: float | None = None  # None: the module's TIMEOUT, TRIES, BACKOFF (tests shorten those)
    tries: int | None = None
    backoff: tuple[float, ...] | None = None
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.time
    _secrets: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.timeout = TIMEOUT if self.timeout is None else self.timeout
        self.tries = TRIES if self.tries is None else self.tries
        self.backoff = BACKOFF if self.backoff is None else self.backoff

    def scrub(self, text: str) -> str:
        for secret in sorted(self._secrets, key=len, reverse=True):
            if secret:
                text = text.replace(secret, "***")
        return text

    def send(self, channel: Channel, outgoing: list[Outgoing]) -> tuple[int, str | None]:
        """Send in order; (how many were sent, why the channel failed or None)."""
        values = {name: self.env.get(name, "").strip() for name in channel.env_names()}
        self._secrets.extend(values.values())
        for value in values.values():  # parts of a URL (a key, a token) are secrets too
            self._secrets.extend(v for _, v in urllib.parse.parse_qsl(urllib.parse.urlsplit(value).query) if len(v) > 4)
        url = values.get(channel.url_env or "", "")
        secret = values.get(channel.secret_env or "", "")
        sent = 0
        for item in outgoing:
            error = None
            for attempt in range(self.tries):
                if attempt:
                    self.sleep(self.backoff[min(attempt - 1, len(self.backoff) - 1)])
                try:
                    if channel.kind == "email":
                        self._mail(url, channel, item)
                    else:
                        self._http(channel.kind, url, secret, item)
                    error = None
                    break
                except SendError as exc:
                    error = str(exc)
            if error is not None:
                return sent, self.scrub(f"第 {sent + 1} 条消息发送失败（已尝试 {self.tries} 次）：{error}")
            sent += 1
        return sent, None

    # ----------------------------------------------------------------------- HTTP

    def _http(self, kind: str, url: str, secret: str, item: Outgoing) -> None:
        payload = dict(item.payload or {})
        headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": "shangbao-notify"}
        if kind == "dingtalk":
            ts = str(int(self.clock() * 1000))
            query = urllib.parse.urlencode({"timestamp": ts, "sign": dingtalk_sign(secret, ts)})
            url = f"{url}{'&' if '?' in url else '?'}{query}"
        elif kind == "feishu":
            ts = str(int(self.clock()))
            payload = {"timestamp": ts, "sign": feishu_sign(secret, ts), **payload}
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        if kind == "webhook" and secret:
            headers["X-Shangbao-Signature"] = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                answer = response.read(1 << 16)
        except urllib.error.HTTPError as exc:
            raise SendError(f"平台返回 HTTP {exc.code}") from None
        except TimeoutError:
            raise SendError(f"{self.timeout:g} 秒内没有应答（超时）") from None
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, TimeoutError):
                raise SendError(f"{self.timeout:g} 秒内没有应答（超时）") from None
            raise SendError(f"无法连接（{_reason(exc.reason)}）") from None
        except (OSError, ValueError) as exc:
            raise SendError(f"无法发送（{_reason(exc)}）") from None
        _check_answer(answer)

    # ----------------------------------------------------------------------- e-mail

    def _mail(self, smtp_url: str, channel: Channel, item: Outgoing) -> None:
        parts, user, password, sender = smtp_settings(smtp_url, channel.url_env)
        message = EmailMessage()
        message["Subject"] = item.title
        message["From"] = sender
        message["To"] = ", ".join(channel.to)
        message["Date"] = formatdate(self.clock(), localtime=True)
        message["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[-1])
        message.set_content(item.text, charset="utf-8")
        context = ssl.create_default_context()
        try:
            if parts.scheme == "smtps":
                client: smtplib.SMTP = smtplib.SMTP_SSL(parts.hostname, parts.port or 465, timeout=self.timeout,
                                                        context=context)
            else:
                client = smtplib.SMTP(parts.hostname, parts.port or 25, timeout=self.timeout)
            with client:
                client.ehlo()
                if parts.scheme == "smtp" and client.has_extn("starttls"):
                    client.starttls(context=context)
                    client.ehlo()
                if user:
                    client.login(user, password)
                client.send_message(message)
        except smtplib.SMTPAuthenticationError:
            raise SendError("邮件服务器拒绝登录（用户名或密码不对）") from None
        except smtplib.SMTPRecipientsRefused:
            raise SendError("邮件服务器拒收收件人地址") from None
        except smtplib.SMTPException as exc:
            raise SendError(f"邮件服务器报错（{type(exc).__name__}）") from None
        except TimeoutError:
            raise SendError(f"邮件服务器 {self.timeout:g} 秒内没有应答（超时）") from None
        except UnicodeEncodeError:
            raise SendError(f"{channel.url_env} 中的用户名或密码含有中文等非 ASCII 字符，SMTP 登录不支持；请改用 ASCII 密码") from None
        except ssl.SSLError as exc:
            raise SendError(f"与邮件服务器建立加密连接失败（{exc.reason or 'TLS'}）") from None
        except OSError as exc:
            raise SendError(f"无法连接邮件服务器（{_reason(exc)}）") from None


def _reason(exc: Any) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return type(exc).__name__ if isinstance(exc, BaseException) else str(exc)


def _check_answer(answer: bytes) -> None:
    """A platform's error code inside a 200 answer is a failure."""
    try:
        data = json.loads(answer.decode("utf-8")) if answer.strip() else None
    except (UnicodeDecodeError, ValueError):
        return  # a plain webhook may answer anything; the HTTP status said yes
    if not isinstance(data, dict):
        return
    for key in ("errcode", "code", "StatusCode"):
        code = data.get(key)
        if code not in (None, 0, "0"):
            text = data.get("errmsg") or data.get("msg") or data.get("StatusMessage") or ""
            raise SendError(f"平台返回错误码 {code}" + (f"（{str(text)[:120]}）" if text else ""))


__all__ = ["CHANNEL_KINDS", "Sender", "render", "describe", "missing_variables", "SendError"]
