"""Benchmark for SPEC §8's notify/remind target: one run under 5 s, network waits excluded.

    python benchmarks/bench_notify.py [--sizes 1000,10000] [--repeat 3] [--seed 1]

For each size the synthetic repository of ``benchmarks/synth.py`` (with git history, cached in
``benchmarks/out/`` like ``run.py``'s) is cloned into a temporary folder — a fresh clone has no
``.shangbao-cache``, as in CI — and given:

1. a commit adding a ``notify:`` configuration (five channels, every event, every unit);
2. a "push" of 100 new reports in one commit: 60 incident 初报 (some late), 20 续报 and 20 批示.

Then, each the best of ``--repeat`` runs, as ``python -m generator --root <clone> …``:

- ``notify --since <before the push> --dry-run``, with the history cache removed first (cold: CI)
- the same with the cache the first run left (warm)
- ``remind --dry-run``

``--dry-run`` builds every message and request body exactly as a real run does and prints them
instead of waiting on the network, which is what the target excludes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(BENCH.parent))

from run import best_of, repository, shangbao  # noqa: E402

AS_OF = "2026-11-27 12:00"
NOTIFY = """
site_url: https://xxbs.example.gov.cn/
notify:
  channels:
    - {id: leaders, kind: wecom, url_env: SB_WECOM_LEADERS, audience: internal}
    - {id: lingdao, kind: dingtalk, url_env: SB_DINGTALK_URL, secret_env: SB_DINGTALK_SECRET, audience: restricted}
    - {id: feishu, kind: feishu, url_env: SB_FEISHU_URL, secret_env: SB_FEISHU_SECRET}
    - {id: oa, kind: webhook, url_env: SB_WEBHOOK_URL}
    - {id: mail, kind: email, to: [bangongshi@example.gov.cn]}
  events:
    - {event: incident, channels: [leaders, lingdao, feishu, oa, mail]}
    - {event: late, channels: [leaders, mail]}
    - {event: feedback, channels: [leaders, oa]}
    - {event: due, channels: [leaders, mail]}
    - {event: missing, channels: [leaders, mail]}
  remind_before: 24h
"""
INCIDENT_BODY = """
## 基本情况

{day}，{place}发生一起{category}事件，现场已得到控制。

## 事件经过

{hour} 时接到报告后，值班人员立即赶赴现场核实情况。

## 处置措施

已组织人员处置，并对周边区域开展隐患排查。
"""


def git(repo: Path, *args: str, when: str | None = None) -> str:
    env = {"GIT_AUTHOR_NAME": "基准", "GIT_AUTHOR_EMAIL": "b@example.org", "GIT_COMMITTER_NAME": "基准",
           "GIT_COMMITTER_EMAIL": "b@example.org", "PATH": "/usr/bin:/bin"}
    if when:
        env |= {"GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when}
    return subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True,
                          text=True).stdout.strip()


def front(fields: dict) -> str:
    return "---\n" + "".join(f"{k}: {v}\n" for k, v in fields.items()) + "---\n"


def prepare(source: Path, work: Path) -> str:
    """Clone, configure notify, push 100 reports; return the commit before the push."""
    from generator.config import load_org

    git(work.parent, "clone", "-q", str(source), str(work))
    with open(work / "submissions" / "_org.yml", "a", encoding="utf-8") as fh:
        fh.write(NOTIFY)
    git(work, "add", "-A")
    git(work, "commit", "-q", "-m", "通知配置", when="2026-11-27T10:00:00+08:00")
    before = git(work, "rev-parse", "HEAD")
    org = load_org(work)
    units = [u for u in org.units.values() if u.reporters and u.leaders][:20]
    office = org.feedback_units[0]
    clerk = org.units[office]
    firsts = []
    for i in range(60):
        unit = units[i % len(units)]
        occurred = dt.datetime(2026, 11, 27, 6, 0) + dt.timedelta(minutes=i)
        reported = occurred + dt.timedelta(minutes=50 if i % 5 else 200)  # every fifth one late
        name = f"2026-11-27-基准事件{i:03d}"
        fields = {"title": f"基准事件{i:03d}号火情", "type": "incident", "unit": unit.id, "author": unit.reporters[0],
                  "reviewed_by": unit.leaders[0], "approved_by": unit.leaders[0],
                  "reported_at": f"{reported:%Y-%m-%d %H:%M}", "occurred_at": f"{occurred:%Y-%m-%d %H:%M}",
                  "location": "城东", "category": "火灾", "severity": "一般", "deaths": 0, "injuries": i % 3,
                  "stage": "初报"}
        if i % 10 == 0:
            fields["classification"] = "restricted"
        path = work / "submissions" / unit.id / "2026" / f"{name}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(front(fields) + INCIDENT_BODY.format(day="11 月 27 日", place="城东", category="火灾",
                                                             hour=occurred.hour), encoding="utf-8")
        firsts.append((unit, f"{unit.id}/2026/{name}", fields))
    for i, (unit, rid, first) in enumerate(firsts[:20]):
        fields = dict(first, title=f"{first['title']}续报", stage="续报", follows=rid, reported_at="2026-11-27 10:30")
        path = work / "submissions" / unit.id / "2026" / f"2026-11-27-基准续报{i:03d}.md"
        path.write_text(front(fields) + INCIDENT_BODY.format(day="11 月 27 日", place="城东", category="火灾", hour=9),
                        encoding="utf-8")
    for i, (_, rid, _) in enumerate(firsts[20:40]):
        fields = {"title": f"批示{i:03d}", "type": "feedback", "unit": office, "author": clerk.reporters[0],
                  "reviewed_by": clerk.leaders[0], "approved_by": clerk.leaders[0], "reported_at": "2026-11-27 10:40",
                  "on": rid, "kind": "批示", "by": clerk.leaders[0]}
        path = work / "submissions" / office / "2026" / f"2026-11-27-基准批示{i:03d}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(front(fields) + "\n请认真核实，妥善处置。\n", encoding="utf-8")
    git(work, "add", "-A")
    git(work, "commit", "-q", "-m", "100 份报告", when="2026-11-27T10:45:00+08:00")
    return before


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    print("| reports | notify, cold history (CI) | notify, warm | remind | messages (dry run) |")
    print("|--:|--:|--:|--:|---|")
    for n in (int(s) for s in args.sizes.split(",")):
        source, _ = repository(n, args.seed, True)
        with tempfile.TemporaryDirectory(prefix="bench-notify-") as tmp:
            work = Path(tmp) / "repo"
            before = prepare(source, work)
            cache = work / ".shangbao-cache"
            notify = shangbao(work, "notify", "--since", before, "--dry-run", "--as-of", AS_OF)
            cold = best_of(args.repeat, notify, before=functools.partial(shutil.rmtree, cache, ignore_errors=True))
            warm = best_of(args.repeat, notify)
            remind = best_of(args.repeat, shangbao(work, "remind", "--dry-run", "--as-of", AS_OF))
            for result in (cold, warm, remind):
                assert result["code"] == 0, result["stderr"]
            out = subprocess.run(notify, capture_output=True, text=True, check=True).stdout
            counts = ", ".join(line.split("（")[0].strip("= ") + " " + line.rsplit("，", 1)[-1].strip(" =")
                               for line in out.splitlines() if line.startswith("== 渠道"))
            print(f"| {n:,} | {cold['wall']:.2f} s (CPU {cold['cpu']:.2f} s, {cold['max_rss'] / 2**20:.0f} MiB) "
                  f"| {warm['wall']:.2f} s (CPU {warm['cpu']:.2f} s) "
                  f"| {remind['wall']:.2f} s (CPU {remind['cpu']:.2f} s, {remind['max_rss'] / 2**20:.0f} MiB) "
                  f"| {counts} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
