"""``shangbao notify`` and ``shangbao remind`` (SPEC §9) against real parts.

Real git repositories made here give the ``--since`` ranges; loopback HTTP servers play WeCom,
DingTalk, Feishu and a plain webhook receiver (checking the signatures and payload shapes the way
the platforms do, answering with success, their error codes, or not at all); aiosmtpd receives
the e-mail, which is parsed back. Pauses between tries are shortened, never slept in asserts.
"""

from __future__ import annotations

import json
import re
from contextlib import ExitStack
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from helpers_org import INCIDENT_ID, OFFICE, OTHER_UNIT, UNIT, make_org, write_good
from notify_platforms import LIMITS, Platform, mailbox, running
from test_history_helpers import commit, git

from generator.cli import main
from generator.notify import channels

AS_OF = "2026-11-27 18:00"
CANARY_MESSAGE = "CANARY-提交说明-不得外泄"
CANARY_COMMITTER = "CANARY-提交人"
SECRETS = {"SB_T_DING_SECRET": "ding-secret-SEC123", "SB_T_FEISHU_SECRET": "feishu-secret-xyz",
           "SB_T_HOOK_SECRET": "hook-secret-abc"}

CHANNELS = [
    {"id": "leaders", "kind": "wecom", "url_env": "SB_T_WECOM", "audience": "internal"},
    {"id": "ding", "kind": "dingtalk", "url_env": "SB_T_DING", "secret_env": "SB_T_DING_SECRET",
     "audience": "restricted"},
    {"id": "feishu", "kind": "feishu", "url_env": "SB_T_FEISHU", "secret_env": "SB_T_FEISHU_SECRET"},
    {"id": "hook", "kind": "webhook", "url_env": "SB_T_HOOK", "secret_env": "SB_T_HOOK_SECRET"},
    {"id": "mail", "kind": "email", "to": ["leader@example.org", "office@example.org"]},
]
EVERY = [c["id"] for c in CHANNELS]


def notify_config(routes=None, channels_=None, **extra):
    events = routes or [{"event": e, "channels": list(EVERY)} for e in ("incident", "late", "feedback", "due", "missing")]
    return {"channels": channels_ or CHANNELS, "events": events, **extra}


def run(root: Path, *args: str):
    return CliRunner().invoke(main, ["--root", str(root), *args], catch_exceptions=False)


@pytest.fixture
def fast(monkeypatch):
    """Short timeouts and no pauses between tries (the real ones: 10 s, 2 s and 5 s)."""
    monkeypatch.setattr(channels, "TIMEOUT", 0.5)
    monkeypatch.setattr(channels, "BACKOFF", (0.0, 0.0))


@pytest.fixture
def platforms(monkeypatch, fast):
    """WeCom, DingTalk, Feishu, webhook and SMTP, running; their URLs in the environment."""
    with ExitStack() as stack:
        p = {
            "wecom": stack.enter_context(running(Platform("wecom"))),
            "dingtalk": stack.enter_context(running(Platform("dingtalk", secret=SECRETS["SB_T_DING_SECRET"]))),
            "feishu": stack.enter_context(running(Platform("feishu", secret=SECRETS["SB_T_FEISHU_SECRET"]))),
            "webhook": stack.enter_context(running(Platform("webhook", secret=SECRETS["SB_T_HOOK_SECRET"]))),
        }
        smtp_url, box = stack.enter_context(mailbox())
        monkeypatch.setenv("SB_T_WECOM", p["wecom"].url)
        monkeypatch.setenv("SB_T_DING", p["dingtalk"].url)
        monkeypatch.setenv("SB_T_FEISHU", p["feishu"].url)
        monkeypatch.setenv("SB_T_HOOK", p["webhook"].url)
        monkeypatch.setenv("SB_SMTP_URL", smtp_url)
        for name, value in SECRETS.items():
            monkeypatch.setenv(name, value)
        p["mail"] = box
        yield p


def _commit(root: Path, when: str) -> str:
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", CANARY_MESSAGE, when=when, who=CANARY_COMMITTER)
    return git(root, "rev-parse", "HEAD")


def base_repo(tmp_path: Path, **org) -> tuple[Path, str]:
    """A repository whose first commit holds the roster and one incident 初报 (the push's 'before')."""
    root = tmp_path / "repo"
    make_org(root, **{"site_url": "https://xxbs.example.gov.cn/", "notify": notify_config(), **org})
    git(root, "init", "-q", "-b", "main")
    write_good(root, "incident")
    return root, commit(root, "初报", "2026-11-20T10:05:00+08:00")


def push(root: Path) -> None:
    """The reports of one push: a 续报, a restricted, a draft and an anonymous incident, a late 周报, a 批示."""
    write_good(root, "incident", "2026-11-21-续报", title="收费站火情续报", stage="续报", follows=INCIDENT_ID,
               reported_at="2026-11-21 10:00", injuries=2)
    write_good(root, "incident", "2026-11-21-化工厂", title="化工厂泄漏（限定级）", classification="restricted",
               occurred_at="2026-11-21 09:00", reported_at="2026-11-21 09:30", location="化工园区")
    write_good(root, "incident", "2026-11-21-草稿", title="草稿中的火情", draft=True,
               occurred_at="2026-11-21 09:00", reported_at="2026-11-21 09:40")
    write_good(root, "incident", "2026-11-21-匿名", title="河道落水救援", author="陈静", reviewed_by="刘洋",
               approved_by="刘洋", anonymous=True, occurred_at="2026-11-21 08:00", reported_at="2026-11-21 09:50",
               category="其他")
    write_good(root, "weekly", "2026-11-21-第46周", unit=OTHER_UNIT, author="吴敏", reviewed_by="周建国",
               approved_by="周建国", title="救援股第46周周报", period="2026-W46", reported_at="2026-11-21 09:55")
    write_good(root, "feedback", "2026-11-21-批示", reported_at="2026-11-21 10:00",
               title="张伟局长批示", by="张伟")
    _commit(root, "2026-11-21T10:05:00+08:00")


def everything_sent(p) -> str:
    texts = []
    for kind in ("wecom", "dingtalk", "feishu", "webhook"):
        texts.extend(p[kind].contents())
    for m in p["mail"].messages:
        texts.append(m["Subject"] + "\n" + m.get_content())
    return "\n".join(texts)


# --------------------------------------------------------------------------- sending


def test_a_push_reaches_every_platform_signed_and_bounded_by_audience(tmp_path, platforms):
    root, before = base_repo(tmp_path)
    push(root)
    result = run(root, "notify", "--since", before, "--as-of", AS_OF)
    assert result.exit_code == 0, result.output + result.stderr
    p = platforms

    # every request was accepted by the platform's own checks: key, signatures, shapes, sizes
    for kind in ("wecom", "dingtalk", "feishu", "webhook"):
        assert p[kind].requests and all(r.verdict == "ok" for r in p[kind].requests), kind
    ding = p["dingtalk"].requests[0]
    assert set(ding.query) == {"access_token", "timestamp", "sign"} and len(ding.query["timestamp"]) == 13
    assert set(p["feishu"].requests[0].body) >= {"timestamp", "sign", "msg_type", "card"}
    assert p["webhook"].requests[0].headers["x-shangbao-signature"].startswith("sha256=")

    wecom = p["wecom"].contents()
    # internal channel: 续报, anonymous incident, 批示, late 周报 — one message each
    assert len(wecom) == 4
    assert any(t.startswith("**【突发事件·续报】安全生产监督管理股：收费站火情续报**") for t in wecom)
    assert any("【迟报】应急救援股：救援股第46周周报" in t and "2026年第46周周报应于 2026-11-16 12:00 前报送" in t
               for t in wecom)
    assert any("【批示】张伟批示安全生产监督管理股《收费站火情初报》" in t and "举一反三" in t for t in wecom)
    sequel = next(t for t in wecom if "续报" in t.split("\n")[0])
    assert "受伤 2 人" in sequel and "事件：收费站火情初报" in sequel
    assert "https://xxbs.example.gov.cn/r/anjianke/2026/2026-11-21-%E7%BB%AD%E6%8A%A5.html" in sequel

    # the restricted incident: on the restricted DingTalk robot, nowhere else
    assert any("化工厂泄漏（限定级）" in t for t in p["dingtalk"].contents())
    internal = [*wecom, *p["feishu"].contents(), *p["webhook"].contents(),
                *(m["Subject"] + m.get_content() for m in p["mail"].messages)]
    assert not any("化工厂" in t for t in internal)
    everything = everything_sent(p)
    # drafts nowhere; the anonymous author never named (other authors are); nothing from git
    assert "草稿中的火情" not in everything
    assert "河道落水救援" in everything and "陈静" not in everything
    assert "执笔：赵磊" in everything
    assert "CANARY" not in everything

    # the e-mail: real SMTP, UTF-8 subject and body, to every address
    mails = p["mail"].messages
    assert len(mails) == 4
    assert {m["Subject"] for m in mails} >= {"【突发事件·续报】安全生产监督管理股：收费站火情续报"}
    assert all(m["To"] == "leader@example.org, office@example.org" for m in mails)
    assert p["mail"].envelopes[0] == ("xxbs@example.org", ["leader@example.org", "office@example.org"])
    body = next(m for m in mails if "续报" in m["Subject"]).get_content()
    assert "伤亡：死亡 0 人，受伤 2 人" in body and "查看报告：https://xxbs.example.gov.cn/r/" in body

    # the webhook: the event as JSON
    events = [r.body for r in p["webhook"].requests]
    late = next(e for e in events if e["event"] == "late")
    assert late["unit"] == OTHER_UNIT and late["timeliness"] == "late" and late["delay_minutes"] > 0
    assert all("author" not in e for e in events if e["title"] == "河道落水救援")
    assert "sent" not in result.stderr and "已发送 4 条消息" in result.output


def test_same_range_twice_sends_again_and_a_later_range_only_what_is_new(tmp_path, platforms):
    root, before = base_repo(tmp_path)
    push(root)
    head = git(root, "rev-parse", "HEAD")
    assert run(root, "notify", "--since", head, "--as-of", AS_OF).exit_code == 0
    assert platforms["wecom"].requests == []  # nothing arrived since HEAD
    assert "没有需要发送的消息" in run(root, "notify", "--since", head).output


def test_platform_error_code_in_a_200_answer_fails_that_channel_after_three_tries(tmp_path, platforms):
    root, before = base_repo(tmp_path)
    push(root)
    platforms["wecom"].mode = "error"
    result = run(root, "notify", "--since", before, "--as-of", AS_OF)
    assert result.exit_code == 1
    assert len(platforms["wecom"].requests) == 3  # three tries of the first message, then the channel stops
    assert "渠道“leaders”（企业微信群机器人）发送失败" in result.stderr
    assert "平台返回错误码 93000（invalid webhook url）" in result.stderr
    assert "1 个渠道发送失败：leaders" in result.stderr
    # every other channel was still tried and sent
    assert len(platforms["feishu"].requests) == 4 and len(platforms["mail"].messages) == 4
    assert "robot-key" not in result.stderr + result.output and "127.0.0.1" not in result.stderr + result.output


def test_a_wrong_signing_secret_is_refused_by_the_platform_and_reported(tmp_path, platforms, monkeypatch):
    root, before = base_repo(tmp_path)
    push(root)
    monkeypatch.setenv("SB_T_DING_SECRET", "not-the-secret")
    monkeypatch.setenv("SB_T_FEISHU_SECRET", "not-the-secret-either")
    result = run(root, "notify", "--since", before, "--as-of", AS_OF)
    assert result.exit_code == 1
    assert [r.verdict for r in platforms["dingtalk"].requests] == ["sign"] * 3
    assert [r.verdict for r in platforms["feishu"].requests] == ["sign"] * 3
    assert "错误码 310000（sign not match）" in result.stderr and "错误码 19021" in result.stderr
    assert "not-the-secret" not in result.stderr + result.output
    assert len(platforms["wecom"].requests) == 4


def test_a_platform_that_does_not_answer_times_out_and_the_rest_are_sent(tmp_path, platforms):
    root, before = base_repo(tmp_path)
    push(root)
    platforms["feishu"].mode = "hang"
    result = run(root, "notify", "--since", before, "--as-of", AS_OF)
    assert result.exit_code == 1
    assert len(platforms["feishu"].requests) == 3
    assert "渠道“feishu”（飞书自定义机器人）发送失败" in result.stderr and "没有应答（超时）" in result.stderr
    assert len(platforms["wecom"].requests) == 4 and len(platforms["dingtalk"].requests) == 5


def test_retries_pause_longer_each_time_and_a_later_try_can_succeed():
    from generator.notify.channels import Outgoing, Sender
    from generator.notify.settings import Channel

    waits: list[float] = []
    with running(Platform("wecom")) as wecom:
        wecom.mode = "error"
        sender = Sender({"SB_X": wecom.url}, sleep=waits.append)
        channel = Channel("x", "wecom", "SB_X", None)
        item = Outgoing("标题", {"msgtype": "markdown", "markdown": {"content": "**标题**"}}, "")
        sent, error = sender.send(channel, [item])
        assert (sent, len(wecom.requests)) == (0, 3) and waits == list(channels.BACKOFF)
        assert "已尝试 3 次" in error and wecom.key not in error
        wecom.mode = "ok"
        assert sender.send(channel, [item, item]) == (2, None)


def test_a_missing_variable_is_named_before_anything_is_sent(tmp_path, platforms, monkeypatch):
    root, before = base_repo(tmp_path)
    push(root)
    monkeypatch.delenv("SB_T_FEISHU_SECRET")
    monkeypatch.setenv("SB_SMTP_URL", "  ")
    result = run(root, "notify", "--since", before, "--as-of", AS_OF)
    assert result.exit_code == 2
    assert "缺少环境变量 SB_T_FEISHU_SECRET（渠道“feishu”（飞书自定义机器人）需要它）" in result.stderr
    assert "缺少环境变量 SB_SMTP_URL" in result.stderr
    assert all(not platforms[k].requests for k in ("wecom", "dingtalk", "feishu", "webhook"))
    assert not platforms["mail"].messages


@pytest.mark.parametrize("smtp_url", ["smtp://127.0.0.1:25", "http://127.0.0.1/?from=x@example.org",
                                      "smtp://127.0.0.1:端口?from=x@example.org"])
def test_an_unusable_smtp_url_is_named_before_anything_is_sent(tmp_path, platforms, monkeypatch, smtp_url):
    # a URL without a sender address (or not an SMTP URL at all) can never work: say so at once,
    # exit 2 and send nothing, rather than three tries of the mail channel after the others were sent
    root, before = base_repo(tmp_path)
    push(root)
    monkeypatch.setenv("SB_SMTP_URL", smtp_url)
    result = run(root, "notify", "--since", before, "--as-of", AS_OF)
    assert result.exit_code == 2, result.output
    assert "SB_SMTP_URL" in result.stderr and "没有发送任何消息" in result.stderr
    assert smtp_url not in result.output + result.stderr  # the URL may hold a password
    assert all(not platforms[k].requests for k in ("wecom", "dingtalk", "feishu", "webhook"))
    assert not platforms["mail"].messages


def test_dry_run_prints_exactly_what_is_then_sent(tmp_path, platforms, monkeypatch):
    root, before = base_repo(tmp_path)
    push(root)
    for name in ("SB_T_WECOM", "SB_T_DING", "SB_SMTP_URL"):
        monkeypatch.delenv(name)  # a dry run needs no secrets
    dry = run(root, "notify", "--since", before, "--dry-run", "--as-of", AS_OF)
    assert dry.exit_code == 0, dry.stderr
    assert all(not platforms[k].requests for k in ("wecom", "dingtalk", "feishu", "webhook"))
    assert "== 渠道“leaders”（企业微信群机器人），读者范围：内部，4 条消息 ==" in dry.output
    assert "== 渠道“ding”（钉钉自定义机器人），读者范围：限定，5 条消息 ==" in dry.output
    assert "主题：【突发事件·续报】安全生产监督管理股：收费站火情续报" in dry.output
    assert "SEC123" not in dry.output and "robot-key" not in dry.output

    printed = _json_blocks(dry.output.split("== 渠道“ding”")[0])
    monkeypatch.setenv("SB_T_WECOM", platforms["wecom"].url)
    monkeypatch.setenv("SB_T_DING", platforms["dingtalk"].url)
    monkeypatch.setenv("SB_SMTP_URL", "smtp://127.0.0.1:1?from=x@example.org")
    run(root, "notify", "--since", before, "--as-of", AS_OF)
    assert [r.body for r in platforms["wecom"].requests] == printed


def _json_blocks(text: str) -> list[dict]:
    decoder, out, i = json.JSONDecoder(), [], 0
    while (i := text.find("\n{", i)) != -1:
        value, end = decoder.raw_decode(text, i + 1)
        out.append(value)
        i = end
    return out


def test_more_than_twenty_events_for_a_channel_come_as_digests_within_the_size_limit(tmp_path, platforms):
    root, before = base_repo(tmp_path)
    for n in range(30):
        write_good(root, "incident", f"2026-11-22-火情{n:02d}", title=f"第{n:02d}号火情" + "（情况说明）" * 8,
                   occurred_at="2026-11-22 08:00", reported_at=f"2026-11-22 09:{n:02d}")
    _commit(root, "2026-11-22T10:00:00+08:00")
    result = run(root, "notify", "--since", before, "--as-of", AS_OF)
    assert result.exit_code == 0, result.stderr
    for kind in ("wecom", "dingtalk", "feishu"):
        texts = platforms[kind].contents()
        assert 1 <= len(texts) < 30
        assert all(r.verdict == "ok" for r in platforms[kind].requests)
        joined = "\n".join(texts)
        assert all(f"第{n:02d}号火情" in joined for n in range(30)), kind
        assert "本次共 30 条" in joined
    assert len(platforms["wecom"].requests) > 1  # 4 KB is not enough for 30 lines: split, none cut
    assert all(len(c.encode()) <= LIMITS["wecom"] for c in platforms["wecom"].contents())
    hook = platforms["webhook"].requests
    assert len(hook) == 1 and hook[0].body["event"] == "digest" and hook[0].body["count"] == 30
    assert len(platforms["mail"].messages) == 1


def test_feedback_goes_to_the_channels_of_the_unit_of_the_report_it_is_on(tmp_path, platforms):
    routes = [{"event": "feedback", "channels": ["leaders"], "units": [UNIT]},
              {"event": "feedback", "channels": ["hook"], "units": [OTHER_UNIT]}]
    root, before = base_repo(tmp_path, notify=notify_config(routes))
    write_good(root, "feedback", "2026-11-21-批示", reported_at="2026-11-21 10:00")
    _commit(root, "2026-11-21T10:05:00+08:00")
    assert run(root, "notify", "--since", before, "--as-of", AS_OF).exit_code == 0
    # the 批示 is filed by the office, on anjianke's report: anjianke's channel hears of it
    assert len(platforms["wecom"].requests) == 1 and not platforms["webhook"].requests
    assert OFFICE not in platforms["wecom"].contents()[0]


def test_a_changed_incident_is_sent_as_revised_and_a_draft_made_final_as_arrived(tmp_path, platforms):
    root, before = base_repo(tmp_path)
    write_good(root, "incident", "2026-11-21-待定", title="待定的火情", draft=True,
               occurred_at="2026-11-21 08:00", reported_at="2026-11-21 09:00")
    before = _commit(root, "2026-11-21T09:05:00+08:00")
    write_good(root, "incident", injuries=3, severity="一般")  # the 初报 corrected
    write_good(root, "incident", "2026-11-21-待定", title="待定的火情", occurred_at="2026-11-21 08:00",
               reported_at="2026-11-21 09:00")  # no longer a draft
    _commit(root, "2026-11-21T09:20:00+08:00")
    assert run(root, "notify", "--since", before, "--as-of", AS_OF).exit_code == 0
    titles = [t.split("\n")[0] for t in platforms["wecom"].contents()]
    assert sorted(titles) == ["**【突发事件·初报·修订】安全生产监督管理股：收费站火情初报**",
                              "**【突发事件·初报】安全生产监督管理股：待定的火情**"]


def test_a_report_with_errors_is_named_not_announced(tmp_path, platforms):
    root, before = base_repo(tmp_path)
    write_good(root, "incident", "2026-11-21-缺段落", title="缺段落的火情", body="只有一句话。\n")
    _commit(root, "2026-11-21T10:05:00+08:00")
    result = run(root, "notify", "--since", before, "--as-of", AS_OF)
    assert result.exit_code == 0
    assert "submissions/anjianke/2026/2026-11-21-缺段落.md 有错误，未发送通知" in result.stderr
    assert "R401" in result.stderr
    assert not platforms["wecom"].requests


def test_since_that_is_no_commit_or_all_zeros(tmp_path, platforms):
    root, _ = base_repo(tmp_path)
    result = run(root, "notify", "--since", "deadbeef", "--as-of", AS_OF)
    assert result.exit_code == 2 and "仓库中找不到提交“deadbeef”" in result.stderr
    result = run(root, "notify", "--since", "0" * 40, "--as-of", AS_OF)
    assert result.exit_code == 0 and "新分支的第一次推送" in result.output
    elsewhere = make_org(tmp_path / "not-git", notify=notify_config())
    result = run(elsewhere, "notify", "--since", "HEAD~1")
    assert result.exit_code == 2 and "这里不是 git 仓库" in result.stderr


def test_without_notify_configured_nothing_is_sent(tmp_path):
    root = make_org(tmp_path / "repo")
    git(root, "init", "-q", "-b", "main")
    head = commit(root, "x", "2026-11-20T10:00:00+08:00")
    for args in (["notify", "--since", head], ["remind"]):
        result = run(root, *args)
        assert result.exit_code == 0 and "没有为" in result.output and "不发送任何消息" in result.output


def test_email_uses_starttls_when_offered_and_logs_in(tmp_path, monkeypatch, fast):
    """A server that offers STARTTLS (and refuses plain mail) with a login; the CA is the test's own."""
    import shutil
    import ssl
    import subprocess

    if shutil.which("openssl") is None:
        pytest.fail("需要 openssl 命令生成测试证书（Debian: apt-get install openssl）")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # the client trusts the test's certificate, nothing else
    routes = [{"event": "incident", "channels": ["mail"]}]
    root, before = base_repo(tmp_path, notify=notify_config(routes, [CHANNELS[-1]]))
    push(root)
    with mailbox(tls=context, login=("xxbs@example.org", "p@ss:w0rd/!")) as (url, box):
        host = url.split("//", 1)[1]
        monkeypatch.setenv("SB_SMTP_URL", f"smtp://xxbs%40example.org:p%40ss%3Aw0rd%2F%21@{host}")
        result = run(root, "notify", "--since", before, "--as-of", AS_OF)
        assert result.exit_code == 0, result.stderr
        assert box.logins == [True] * 2 and len(box.messages) == 2  # the 续报 and the anonymous incident
        assert box.envelopes[0][0] == "xxbs@example.org"
        subjects = sorted(m["Subject"] for m in box.messages)
        assert subjects[0].startswith("【突发事件·")
        # a wrong password: refused, named, never shown
        monkeypatch.setenv("SB_SMTP_URL", f"smtp://xxbs%40example.org:wrong-pass-777@{host}")
        result = run(root, "notify", "--since", before, "--as-of", AS_OF)
        assert result.exit_code == 1 and "渠道“mail”（电子邮件）发送失败" in result.stderr
        assert box.logins[-1] is False and len(box.messages) == 2
        assert "wrong-pass" not in result.stderr + result.output


# --------------------------------------------------------------------------- remind


def remind_repo(tmp_path: Path, routes=None) -> Path:
    root = make_org(tmp_path / "repo", site_url="https://xxbs.example.gov.cn/",
                    notify=notify_config(routes, remind_before="2d"))
    git(root, "init", "-q", "-b", "main")
    # anjianke filed week 46; jiuyuanke did not. Both owe week 47 (due 2026-11-23 12:00)
    write_good(root, "weekly", "2026-11-16-第46周", period="2026-W46", reported_at="2026-11-16 09:00")
    write_good(root, "weekly", "2026-11-17-草稿", unit=OTHER_UNIT, author="吴敏", reviewed_by="周建国",
               approved_by="周建国", period="2026-W46", reported_at="2026-11-17 09:00", draft=True)
    commit(root, "周报", "2026-11-17T09:05:00+08:00")
    return root


def test_remind_lists_due_and_missing_reports_once_per_channel(tmp_path, platforms):
    root = remind_repo(tmp_path)
    # 2026-11-22 09:00: week 47 is due tomorrow 12:00 (within 2d); week 46 was due 11-16 12:00
    result = run(root, "remind", "--as-of", "2026-11-22 09:00")
    assert result.exit_code == 0, result.stderr
    texts = platforms["wecom"].contents()
    assert len(texts) == 1
    text = texts[0]
    assert text.startswith("**【催报】截至 2026-11-22 09:00：2 份即将到期，8 份逾期未报**")
    due, missing = text.split("逾期未报（漏报）")
    # one line per unit, in roster order
    assert "安全生产监督管理股：2026年第47周周报（2026-11-23 12:00 截止）\n应急救援股：2026年第47周周报（2026-11-23 12:00 截止）" in due
    lines = {line.split("：", 1)[0]: line for line in missing.splitlines()[1:3]}
    # a draft is not a report: week 46 of jiuyuanke is missing; anjianke's is not. Gaps older
    # than 30 days (week 42 and before) are left to the summaries
    assert lines["应急救援股"].endswith("2026年第46周周报（2026-11-16 12:00 截止，已逾期 5 天）")
    assert "第46周" not in lines["安全生产监督管理股"] and "第42周" not in missing
    assert "2026年10月月报（2026-11-04 00:00 截止，已逾期 18 天）" in lines["安全生产监督管理股"]
    mail = platforms["mail"].messages
    assert len(mail) == 1 and mail[0]["Subject"].startswith("【催报】截至 2026-11-22 09:00")
    assert platforms["webhook"].requests[0].body["event"] == "remind"


def test_remind_routes_by_unit(tmp_path, platforms):
    routes = [{"event": "missing", "channels": ["leaders"], "units": [OTHER_UNIT]},
              {"event": "due", "channels": ["hook"], "units": [UNIT]}]
    root = remind_repo(tmp_path, routes)
    assert run(root, "remind", "--as-of", "2026-11-22 09:00").exit_code == 0
    wecom = platforms["wecom"].contents()[0]
    assert "应急救援股" in wecom and "安全生产监督管理股" not in wecom and "即将到期" not in wecom
    items = platforms["webhook"].requests[0].body["items"]
    assert {(i["event"], i["unit"], i["period"]) for i in items} == {("due", UNIT, "2026-W47")}
    assert not platforms["feishu"].requests


def test_remind_with_nothing_owed_sends_nothing(tmp_path, platforms):
    from generator import periods

    root = remind_repo(tmp_path)
    for unit, author, leader in ((UNIT, "赵磊", "刘洋"), (OTHER_UNIT, "吴敏", "周建国")):
        for week in range(43, 47):
            end = periods.parse(f"2026-W{week}").end
            write_good(root, "weekly", f"w{week}", unit=unit, author=author, reviewed_by=leader, approved_by=leader,
                       period=f"2026-W{week}", reported_at=f"{end.isoformat()} 09:00")
    write_good(root, "monthly", "m10", period="2026-10", reported_at="2026-11-02 10:00")
    commit(root, "全部", "2026-11-18T09:05:00+08:00")
    result = run(root, "remind", "--as-of", "2026-11-20 09:00")  # week 47 is due 11-23, beyond 2 days
    assert result.exit_code == 0 and "没有需要发送的消息" in result.output
    assert not platforms["wecom"].requests


# --------------------------------------------------------------------------- configuration


def test_configuration_problems_name_key_and_line_and_never_repeat_a_secret(tmp_path):
    url = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=SECRET-KEY-1"
    bad = {
        "channels": [
            {"id": "leaders", "kind": "wechat", "url_env": url},
            {"id": "ding", "kind": "dingtalk", "url_env": "SB_DING"},
            {"id": "mail", "kind": "email"},
            {"id": "public", "kind": "webhook", "url_env": "SB_PUB", "audience": "public"},
        ],
        "events": [{"event": "incidents", "channels": ["leaders"]}, {"event": "late", "channels": ["public", "nobody"]}],
        "remind_before": "明天",
    }
    root = make_org(tmp_path, site_url="xxbs.example.gov.cn", notify=bad)
    result = run(root, "check")
    assert result.exit_code == 2
    err = result.stderr
    assert "SECRET-KEY-1" not in err and "qyapi" not in err
    lines = (root / "submissions/_org.yml").read_text(encoding="utf-8").splitlines()

    def line_of(text: str) -> int:
        return next(i for i, line in enumerate(lines, start=1) if text in line)

    expected = [
        (line_of("site_url:"), "site_url: 应是网站地址"),
        (line_of("kind: wechat"), "notify.channels.leaders.kind: 渠道类型只能是 wecom, dingtalk, feishu, webhook, email"),
        (line_of("kind: wechat"), "notify.channels.leaders.url_env: 应填写环境变量的名字"),
        (line_of("id: ding"), "notify.channels.ding.secret_env: 钉钉自定义机器人必须使用“加签”"),
        (line_of("id: mail"), "notify.channels.mail.to: 电子邮件渠道必须填写收件人地址列表"),
        (line_of("event: incidents"), "notify.events[0].event: 事件只能是 incident"),
        (line_of("[public, nobody]"), "notify.events[1].channels: 渠道“public”的读者范围是 public"),
        (line_of("[public, nobody]"), "notify.events[1].channels: 渠道“nobody”不在 notify.channels 中"),
        (line_of("remind_before"), "notify.remind_before: 时长格式不对"),
    ]
    for line, text in expected:
        assert re.search(rf"_org\.yml:{line}: {re.escape(text)}", err), (line, text, err)


def test_the_sample_configuration_in_the_docs_is_valid(tmp_path):
    """The ``notify:`` block shown in docs/notify.md is accepted as it is."""
    docs = (Path(__file__).resolve().parents[1] / "docs" / "notify.md").read_text(encoding="utf-8")
    block = re.search(r"```yaml\n(site_url:.*?)```", docs, re.S).group(1)
    root = make_org(tmp_path)
    org_file = root / "submissions/_org.yml"
    org_file.write_text(org_file.read_text(encoding="utf-8") + block, encoding="utf-8")
    from generator.config import load_org

    org = load_org(root)
    assert org.site_url and set(org.notify.channels) >= {"leaders"}
    assert {r.event for r in org.notify.routes} == {"incident", "late", "feedback", "due", "missing"}


def test_a_huge_push_is_listed_in_a_few_chat_messages_and_in_full_by_mail():
    """An imported archive of 400 reports must not make a robot post hundreds of messages."""
    from generator.config import Org
    from generator.notify.messages import DIGEST_MOST, Line, Message
    from generator.notify.settings import Channel

    org = Org("测试局", ZoneInfo("Asia/Shanghai"), {})
    many = [Message(f"【突发事件·初报】单位：第{n:03d}号", summary=Line(f"【突发事件·初报】单位：第{n:03d}号", "https://x/r.html"))
            for n in range(400)]
    chat = channels.render(Channel("c", "wecom", "SB_X", None), many, org)
    assert len(chat) <= 8
    text = "\n".join(o.payload["markdown"]["content"] for o in chat)
    assert "第000号" in text and f"第{DIGEST_MOST - 1:03d}号" in text and f"第{DIGEST_MOST:03d}号" not in text
    assert f"……另有 {400 - DIGEST_MOST} 条，请到网站查看" in text
    mail = channels.render(Channel("m", "email", "SB_SMTP_URL", None, to=("a@example.org",)), many, org)
    assert len(mail) == 1 and "第399号" in mail[0].text


def test_an_internal_sequel_to_a_restricted_first_report_does_not_name_it_on_an_internal_channel(tmp_path, platforms):
    routes = [{"event": "incident", "channels": ["leaders", "ding"]}]
    root = tmp_path / "repo"
    make_org(root, site_url="https://xxbs.example.gov.cn/", notify=notify_config(routes))
    git(root, "init", "-q", "-b", "main")
    write_good(root, "incident", title="机密仓库爆炸初报", classification="restricted")
    before = commit(root, "初报", "2026-11-20T10:05:00+08:00")
    write_good(root, "incident", "2026-11-21-续报", title="仓库事故续报", stage="续报", follows=INCIDENT_ID,
               reported_at="2026-11-21 10:00")
    _commit(root, "2026-11-21T10:05:00+08:00")
    assert run(root, "notify", "--since", before, "--as-of", AS_OF).exit_code == 0
    (internal,) = platforms["wecom"].contents()
    (restricted,) = platforms["dingtalk"].contents()
    assert "仓库事故续报" in internal and "机密仓库" not in internal and "2026-11-20-" not in internal
    assert "事件：机密仓库爆炸初报" in restricted


def test_a_feedback_on_a_sequel_is_sent_and_one_on_a_report_with_errors_is_not(tmp_path, platforms):
    routes = [{"event": "feedback", "channels": ["leaders"]}]
    root, _ = base_repo(tmp_path, notify=notify_config(routes))
    write_good(root, "incident", "2026-11-21-续报", title="收费站火情续报", stage="续报", follows=INCIDENT_ID,
               reported_at="2026-11-21 10:00")
    write_good(root, "info", "2026-11-21-有错", title="有错误的信息", drop=("approved_by",), reported_at="2026-11-21 10:00")
    before = _commit(root, "2026-11-21T10:05:00+08:00")
    write_good(root, "feedback", "2026-11-22-批示续报", on=f"{UNIT}/2026/2026-11-21-续报", reported_at="2026-11-22 09:00")
    write_good(root, "feedback", "2026-11-22-批示有错", on=f"{UNIT}/2026/2026-11-21-有错", reported_at="2026-11-22 09:10")
    _commit(root, "2026-11-22T09:15:00+08:00")
    result = run(root, "notify", "--since", before, "--as-of", AS_OF)
    assert result.exit_code == 0, result.stderr
    (text,) = platforms["wecom"].contents()
    assert text.startswith("**【批示】张伟批示安全生产监督管理股《收费站火情续报》**")
    assert "有错误的信息" not in text


def test_more_configuration_problems(tmp_path):
    bad = {
        "channels": [
            {"id": "a", "kind": "wecom", "url_env": "SB_A", "secret_env": "SB_A_SECRET", "to": ["x@example.org"]},
            {"id": "a", "kind": "webhook", "url_env": "SB_B"},
            {"id": "Bad Id", "kind": "feishu", "url_env": "sb-lower", "secret_env": "SB_F", "colour": "red"},
            {"id": "m", "kind": "email", "to": ["not-an-address"], "audience": "leaders"},
        ],
        "events": [{"event": "incident", "channels": ["a"], "units": ["nowhere"]}, "incident"],
        "extra": 1,
    }
    root = make_org(tmp_path, notify=bad)
    result = run(root, "check")
    assert result.exit_code == 2
    for text in ("notify.channels.a.secret_env: 企业微信群机器人没有签名密钥", "notify.channels.a.to: 只有电子邮件",
                 "notify.channels.a.id: 渠道 id 重复", "notify.channels.Bad Id.id: 渠道 id 应由小写字母",
                 "notify.channels.Bad Id.url_env: 应填写环境变量的名字", "notify.channels.Bad Id.colour: 未知的渠道配置项",
                 "notify.channels.m.to: 电子邮件渠道必须填写收件人地址列表", "notify.channels.m.audience: 读者范围只能是",
                 "notify.events[0].units: 单位“nowhere”不在 units 中", "notify.events[1]: 应写成",
                 "notify.extra: 未知的配置项"):
        assert text in result.stderr, (text, result.stderr)


def test_a_public_channel_is_not_told_that_an_incident_was_late(tmp_path, platforms):
    """迟报/瞒报 are assessment figures: the public site and summary omit them, so does a public channel."""
    public = [{"id": "public", "kind": "webhook", "url_env": "SB_T_HOOK", "secret_env": "SB_T_HOOK_SECRET",
               "audience": "public"},
              {"id": "leaders", "kind": "wecom", "url_env": "SB_T_WECOM", "audience": "internal"}]
    root, before = base_repo(tmp_path, notify=notify_config(
        routes=[{"event": "incident", "channels": ["public", "leaders"]}], channels_=public))
    write_good(root, "incident", "2026-11-21-公开", title="公开的收费站火情", classification="public",
               occurred_at="2026-11-21 05:00", reported_at="2026-11-21 09:30")
    _commit(root, "2026-11-21T09:35:00+08:00")
    result = run(root, "notify", "--since", before, "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    told_public = "\n".join(json.dumps(r.body, ensure_ascii=False) for r in platforms["webhook"].requests)
    assert "公开的收费站火情" in told_public
    assert "迟报" not in told_public and "timeliness" not in told_public and "时效" not in told_public
    told_leaders = "\n".join(platforms["wecom"].contents())
    assert "公开的收费站火情" in told_leaders and "时效：迟报" in told_leaders
