"""Draw docs/images/notify-messages.png: each kind of message as a phone shows it in a group chat.

    python docs/images/notify_messages.py

Builds a small demo repository (git) in a temporary folder, pushes a late 周报, an incident 初报
(late), a 续报 and a 批示, asks ``notify`` and ``remind`` for their WeCom messages (the real
Markdown the robot is sent), renders that Markdown the way the chat clients do (bold, links, line
breaks) in a 390 px wide page, and screenshots it with Debian's Chromium (Playwright).
"""

from __future__ import annotations

import datetime as dt
import html
import re
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from helpers_org import INCIDENT_ID, OTHER_UNIT, make_org, write_good  # noqa: E402
from test_history_helpers import commit, git  # noqa: E402

from generator.config import load_org  # noqa: E402
from generator.notify.channels import markdown  # noqa: E402
from generator.notify.events import owed_reports, range_events  # noqa: E402
from generator.notify.messages import remind_message  # noqa: E402
from generator.notify.run import channel_messages  # noqa: E402

NOTIFY = {"channels": [{"id": "leaders", "kind": "wecom", "url_env": "SB_WECOM_LEADERS"}],
          "events": [{"event": e, "channels": ["leaders"]} for e in ("incident", "late", "feedback", "due", "missing")]}


def messages(root: Path) -> list[str]:
    make_org(root, site_url="https://xxbs.example.gov.cn/", notify=NOTIFY)
    git(root, "init", "-q", "-b", "main")
    for week in (43, 44, 45):  # the weeks filed on time, so that the 催报 lists only what is owed
        end = dt.date.fromisocalendar(2026, week, 7) + dt.timedelta(days=1)
        write_good(root, "weekly", f"w{week}", period=f"2026-W{week}", reported_at=f"{end} 09:00")
        write_good(root, "weekly", f"w{week}", unit=OTHER_UNIT, author="吴敏", reviewed_by="周建国",
                   approved_by="周建国", period=f"2026-W{week}", reported_at=f"{end} 09:00")
    before = commit(root, "roster", "2026-11-10T08:00:00+08:00")
    write_good(root, "weekly", "2026-11-17-第46周", unit=OTHER_UNIT, author="吴敏", reviewed_by="周建国",
               approved_by="周建国", title="应急救援股第46周周报", period="2026-W46", reported_at="2026-11-17 15:30")
    commit(root, "weekly", "2026-11-17T15:35:00+08:00")
    write_good(root, "incident", reported_at="2026-11-20 11:40")
    commit(root, "first", "2026-11-20T11:45:00+08:00")
    write_good(root, "incident", "2026-11-21-续报", title="收费站火情续报", stage="续报", follows=INCIDENT_ID,
               reported_at="2026-11-21 10:00", injuries=2)
    write_good(root, "feedback", "2026-11-21-批示", reported_at="2026-11-21 11:00")
    commit(root, "push", "2026-11-21T11:05:00+08:00")
    org = load_org(root)
    as_of = dt.datetime(2026, 11, 22, 8, 30, tzinfo=org.timezone)
    changes = range_events(root, org, before, as_of)
    out = [markdown(m, "wecom") for m in channel_messages(org, changes.events)["leaders"]]
    owed = owed_reports(root, org, as_of, org.notify.remind_before)
    out.append(markdown(remind_message(owed, org, as_of, org.notify.remind_before, org.site_url), "wecom"))
    return out


def to_html(md: str) -> str:
    text = html.escape(md)
    text = re.sub(r"\[([^\]]+)\]\(([^)]+)\)", r'<a href="\2">\1</a>', text)
    text = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", text)
    return text.replace("\n", "<br>")


PAGE = """<!doctype html><html lang="zh-CN"><meta charset="utf-8"><style>
body {{ margin: 0; background: #ededed; font: 15px/1.55 "Noto Sans CJK SC", sans-serif; color: #191919; }}
header {{ background: #f7f7f7; text-align: center; padding: 12px; font-weight: 600; border-bottom: 1px solid #ddd; }}
.row {{ display: flex; gap: 8px; padding: 10px 12px 0; }}
.avatar {{ flex: none; width: 38px; height: 38px; border-radius: 6px; background: #2b7de9; color: #fff;
          font-size: 13px; display: flex; align-items: center; justify-content: center; }}
.who {{ font-size: 12px; color: #888; margin-bottom: 3px; }}
.bubble {{ background: #fff; border-radius: 6px; padding: 9px 11px; word-break: break-all; }}
a {{ color: #2b6cb0; text-decoration: none; }}
.end {{ height: 12px; }}
</style><header>应急管理局·领导信息群</header>{rows}<div class="end"></div></html>"""


def main() -> int:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        texts = messages(Path(tmp) / "repo")
    rows = "".join(f'<div class="row"><div class="avatar">报送</div><div><div class="who">信息报送机器人</div>'
                   f'<div class="bubble">{to_html(t)}</div></div></div>' for t in texts)
    target = HERE / "notify-messages.png"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 390, "height": 800}, device_scale_factor=2)
        page.set_content(PAGE.format(rows=rows))
        page.screenshot(path=str(target), full_page=True)
        browser.close()
    print(target)
    return 0


if __name__ == "__main__":
    sys.exit(main())
