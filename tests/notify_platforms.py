"""Loopback stand-ins for the chat platforms and a mail server, for the notify tests.

Each ``Platform`` is a real HTTP server on 127.0.0.1 (port 0) that answers as the platform's
documentation says: WeCom checks the ``key`` in the URL, DingTalk the ``timestamp``/``sign``
query (HMAC-SHA256 of ``timestamp\\nsecret`` keyed with the secret), Feishu the ``timestamp``/
``sign`` in the body (HMAC-SHA256 of the empty string keyed with ``timestamp\\nsecret``); a wrong
one gets the platform's own error code in a 200 answer, as the real ones do. ``mode`` makes a
platform fail on purpose: ``error`` (its error code), ``hang`` (no answer until the test ends).

``Mailbox`` is aiosmtpd's SMTP server on 127.0.0.1; it keeps every message it receives.
"""

from __future__ import annotations

import base64
import contextlib
import email
import email.policy
import hashlib
import hmac
import http.server
import json
import socket
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from typing import Any

SUCCESS = {
    "wecom": {"errcode": 0, "errmsg": "ok"},
    "dingtalk": {"errcode": 0, "errmsg": "ok"},
    "feishu": {"code": 0, "msg": "success", "data": {}},
    "webhook": {"ok": True},
}
ERRORS = {
    "wecom": {"errcode": 93000, "errmsg": "invalid webhook url"},
    "dingtalk": {"errcode": 310000, "errmsg": "sign not match"},
    "feishu": {"code": 19021, "msg": "sign match fail or timestamp is not within one hour from current time"},
    "webhook": {"code": 500, "msg": "receiver broken"},
}
LIMITS = {"wecom": 4096, "dingtalk": 20000, "feishu": 20000}  # bytes of a message's content


@dataclass
class Request:
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    raw: bytes
    body: Any
    verdict: str  # ok | the platform's complaint


@dataclass
class Platform:
    kind: str
    secret: str = ""
    key: str = "robot-key-0123456789"
    mode: str = "ok"  # ok | error | hang
    requests: list[Request] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)
    url: str = ""

    def verify(self, query: dict[str, str], raw: bytes, body: Any, headers: dict[str, str]) -> str:
        now = time.time()
        if self.kind == "wecom":
            if query.get("key") != self.key:
                return "key"
            if body.get("msgtype") != "markdown" or not isinstance(body.get("markdown", {}).get("content"), str):
                return "shape"
            if len(body["markdown"]["content"].encode()) > LIMITS["wecom"]:
                return "too long"
        elif self.kind == "dingtalk":
            ts, sign = query.get("timestamp", ""), query.get("sign", "")
            want = base64.b64encode(hmac.new(self.secret.encode(), f"{ts}\n{self.secret}".encode(),
                                             hashlib.sha256).digest()).decode()
            if query.get("access_token") != self.key or not ts.isdigit() or sign != want:
                return "sign"
            if abs(int(ts) / 1000 - now) > 3600:
                return "timestamp"
            md = body.get("markdown", {})
            if body.get("msgtype") != "markdown" or not md.get("title") or not md.get("text"):
                return "shape"
        elif self.kind == "feishu":
            ts, sign = str(body.get("timestamp", "")), body.get("sign", "")
            want = base64.b64encode(hmac.new(f"{ts}\n{self.secret}".encode(), b"", hashlib.sha256).digest()).decode()
            if not ts.isdigit() or sign != want or abs(int(ts) - now) > 3600:
                return "sign"
            card = body.get("card", {})
            if body.get("msg_type") != "interactive" or card["elements"][0]["tag"] != "markdown":
                return "shape"
        elif self.kind == "webhook" and self.secret:
            want = "sha256=" + hmac.new(self.secret.encode(), raw, hashlib.sha256).hexdigest()
            if headers.get("x-shangbao-signature") != want:
                return "sign"
        return "ok"

    def contents(self) -> list[str]:
        """The text of every message received (successful or not)."""
        out = []
        for r in self.requests:
            b = r.body
            if self.kind == "wecom":
                out.append(b["markdown"]["content"])
            elif self.kind == "dingtalk":
                out.append(b["markdown"]["title"] + "\n" + b["markdown"]["text"])
            elif self.kind == "feishu":
                out.append(b["card"]["header"]["title"]["content"] + "\n" + b["card"]["elements"][0]["content"])
            else:
                out.append(json.dumps(b, ensure_ascii=False))
        return out


def _handler(platform: Platform):
    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, format, *args):  # noqa: A002 - stdlib signature
            pass

        def do_POST(self) -> None:  # noqa: N802 - stdlib name
            raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            parts = urllib.parse.urlsplit(self.path)
            query = dict(urllib.parse.parse_qsl(parts.query))
            headers = {k.lower(): v for k, v in self.headers.items()}
            try:
                body = json.loads(raw.decode("utf-8"))
            except ValueError:
                body = None
            verdict = platform.verify(query, raw, body, headers) if body is not None else "json"
            platform.requests.append(Request(parts.path, query, headers, raw, body, verdict))
            if platform.mode == "hang":
                platform.release.wait(30)
                return
            answer = SUCCESS[platform.kind] if verdict == "ok" and platform.mode == "ok" else ERRORS[platform.kind]
            data = json.dumps(answer).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Handler


@contextlib.contextmanager
def running(platform: Platform):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _handler(platform))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    platform.url = {
        "wecom": f"{base}/cgi-bin/webhook/send?key={platform.key}",
        "dingtalk": f"{base}/robot/send?access_token={platform.key}",
        "feishu": f"{base}/open-apis/bot/v2/hook/{platform.key}",
        "webhook": f"{base}/hooks/shangbao",
    }[platform.kind]
    try:
        yield platform
    finally:
        platform.release.set()
        server.shutdown()
        server.server_close()


class _Keep:
    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.logins: list[bool] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.messages.append(email.message_from_bytes(envelope.original_content or envelope.content,
                                                      policy=email.policy.default))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def mailbox(tls: Any = None, login: tuple[str, str] | None = None):
    """A real SMTP server on 127.0.0.1; yields (smtp URL, the handler with ``messages``).

    ``tls``: an ``ssl.SSLContext`` — the server then offers STARTTLS and refuses mail without it;
    ``login``: (user, password) the server requires (AUTH PLAIN/LOGIN, only over TLS).
    """
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult

    keep = _Keep()
    kwargs: dict[str, Any] = {}
    if tls is not None:
        kwargs.update(tls_context=tls, require_starttls=True)
    if login is not None:
        def check(server, session, envelope, mechanism, auth_data):
            ok = auth_data.login.decode() == login[0] and auth_data.password.decode() == login[1]
            keep.logins.append(ok)
            return AuthResult(success=ok)

        kwargs.update(authenticator=check, auth_required=True)
    controller = Controller(keep, hostname="127.0.0.1", port=_free_port(), **kwargs)
    controller.start()
    try:
        yield f"smtp://127.0.0.1:{controller.port}?from=xxbs@example.org", keep
    finally:
        controller.stop()
