"""Benchmark: ``read_history`` over a repository of 50,000 reports in a few hundred commits.

    python benchmarks/bench_history.py [--reports 50000] [--commits 300] [--keep DIR]

The repository is made with ``git fast-import`` (seconds, not minutes): every commit adds a
batch of reports (Chinese names, across units and years), and some commits revise or rename
earlier ones, as real use does. Then it times

- a cold ``read_history`` (one ``git log`` + one ``git cat-file --batch``, no cache),
- a warm one (same HEAD: answered from the cache in ``.git/shangbao``),
- an incremental one (one new commit on top of the cached HEAD).
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from generator.history import read_history  # noqa: E402

UNITS = ["anjianke", "xiaofang", "jiaotong", "weisheng", "chengguan-zhen", "hexi-xiang", "jiaoyu", "gongan"]
TOPICS = ["收费站火情", "道路塌方", "危化品检查", "学校消防检查", "防汛值班", "工作信息", "交办事项落实", "信用信息"]


def report(i: int, when: str, body: str = "") -> bytes:
    text = (
        "---\n"
        f"title: {TOPICS[i % len(TOPICS)]}（第 {i} 号）\n"
        "type: info\n"
        f"unit: {UNITS[i % len(UNITS)]}\n"
        "author: 王强\n"
        f"reported_at: {when}\n"
        "reviewed_by: 赵敏\n"
        "approved_by: 钱进\n"
        "---\n\n"
        "## 基本情况\n\n"
        f"报告正文第 {i} 号。{body}\n" + "情况说明。" * 40 + "\n"
    )
    return text.encode("utf-8")


def make_repo(path: Path, reports: int, commits: int, seed: int = 1) -> None:
    rng = random.Random(seed)
    subprocess.run(["git", "init", "-q", "-b", "main", str(path)], check=True)
    start = 1735660800  # 2025-01-01 00:00 +08:00
    per_commit = max(1, reports // commits)
    paths: list[str] = []
    chunks: list[bytes] = []

    def data(blob: bytes) -> bytes:
        return b"data %d\n" % len(blob) + blob + b"\n"

    n = 0
    for c in range(commits):
        stamp = start + c * 3600 * 20
        when = time.strftime("%Y-%m-%d %H:%M", time.gmtime(stamp + 8 * 3600))
        year = when[:4]
        message = f"第 {c} 批报告".encode()
        chunks.append(b"commit refs/heads/main\n")
        chunks.append(b"committer \xe7\x8e\x8b\xe5\xbc\xba <w@example.org> %d +0800\n" % (stamp + 600))
        chunks.append(data(message))
        count = per_commit if c < commits - 1 else reports - n
        for _ in range(count):
            unit = UNITS[n % len(UNITS)]
            p = f"submissions/{unit}/{year}/{when[:10]}-{TOPICS[n % len(TOPICS)]}-{n:05d}.md"
            paths.append(p)
            chunks.append(b"M 100644 inline " + p.encode() + b"\n" + data(report(n, when)))
            n += 1
        if c and c % 5 == 0:  # revise a few earlier reports
            for i in rng.sample(range(len(paths) - count), k=min(20, len(paths) - count)):
                chunks.append(b"M 100644 inline " + paths[i].encode() + b"\n"
                              + data(report(i, when, body=f"修订于 {when}")))
        if c and c % 25 == 0:  # rename a few (unchanged content: exact renames)
            for i in rng.sample(range(len(paths) - count), k=min(10, len(paths) - count)):
                old = paths[i]
                if "-改名" in old:
                    continue
                new = old[:-3] + "-改名.md"
                chunks.append(b'R "' + old.encode() + b'" "' + new.encode() + b'"\n')
                paths[i] = new
    subprocess.run(["git", "fast-import", "--quiet"], cwd=path, input=b"".join(chunks), check=True)
    subprocess.run(["git", "checkout", "-q", "-f", "main"], cwd=path, check=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reports", type=int, default=50_000)
    parser.add_argument("--commits", type=int, default=300)
    parser.add_argument("--keep", type=Path, help="build the repository here and keep it")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        repo = args.keep or Path(tmp) / "repo"
        t0 = time.perf_counter()
        make_repo(repo, args.reports, args.commits)
        made = time.perf_counter() - t0
        print(f"synthetic repository: {args.reports} reports, {args.commits} commits, made in {made:.1f} s")

        t0 = time.perf_counter()
        cold = read_history(repo)
        t_cold = time.perf_counter() - t0
        assert len(cold.files) == args.reports, len(cold.files)
        revised = sum(1 for f in cold.files.values() if len(f.revisions) > 1)
        print(f"read_history cold (one git log + one cat-file): {t_cold:.2f} s "
              f"({len(cold.files)} files, {revised} with revisions)")

        t0 = time.perf_counter()
        warm = read_history(repo)
        t_warm = time.perf_counter() - t0
        assert warm.from_cache and warm.files.keys() == cold.files.keys()
        print(f"read_history warm (same HEAD, from .git/shangbao): {t_warm:.2f} s")

        extra = repo / "submissions/anjianke/2026/2026-11-27-新增.md"
        extra.parent.mkdir(parents=True, exist_ok=True)
        extra.write_bytes(report(999_999, "2026-11-27 09:00"))
        env = dict(os.environ, GIT_AUTHOR_NAME="王强", GIT_AUTHOR_EMAIL="w@example.org",
                   GIT_COMMITTER_NAME="王强", GIT_COMMITTER_EMAIL="w@example.org")
        subprocess.run(["git", "add", "-A"], cwd=repo, check=True, env=env)
        subprocess.run(["git", "commit", "-q", "-m", "新增一份"], cwd=repo, check=True, env=env)
        t0 = time.perf_counter()
        incremental = read_history(repo)
        t_inc = time.perf_counter() - t0
        assert len(incremental.files) == args.reports + 1
        print(f"read_history incremental (one new commit on the cached HEAD): {t_inc:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
