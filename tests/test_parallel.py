"""Reading a large repository on every core must give exactly what one process gives.

``load_repository`` hands big repositories to ``generator.parallel`` (forked workers); the
findings a reporter sees — which, where, in what order, with what message — and the reports
summaries and the site are built from must not depend on that.
"""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from generator import parallel
from generator.repository import load_repository
from generator.timeparse import parse_as_of

ROOT = Path(__file__).resolve().parent.parent
AS_OF = parse_as_of("2026-11-27 12:00")

# problems written into some of the generated reports: each finds its way to a different rule
BREAKAGES = [
    ("author: ", "author: 不在名册\nauthor2: "),  # R207 + R202
    ("reported_at: ", "reported_at: 2027-01-01 10:00\nold_reported_at: "),  # R301, R202
    ("title: ", "title：全角冒号\ntitle: "),  # R105
    ("author: ", "x: &a 1\ny: *a\nauthor: "),  # R104 (alias)
    ("author: ", "n: !!int abc\nauthor: "),  # R104 (PyYAML's own constructor)
    ("author: ", "? [a, b]\n: c\nauthor: "),  # R104 (unhashable key)
]
BODY_BREAKAGES = [
    "\n联系电话 13812345678，身份证 11010519491231002X。\n",  # R504
    "\n```\n## 工作进展\n```\n",  # sections inside a code block do not count
    "\n据说可能\n",  # R402
    "\n<script>alert(1)</script>\n",  # R505
    "\n密级：秘密\n",  # R503
]


def _make_repo(tmp_path: Path, git: bool) -> Path:
    out = tmp_path / "repo"
    cmd = [sys.executable, str(ROOT / "benchmarks" / "synth.py"), str(out), "--reports", "400", "--units", "12",
           "--seed", "5"]
    if git:
        if shutil.which("git") is None:
            pytest.skip("git is not installed")
        cmd.append("--git")
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    files = sorted((out / "submissions").rglob("*.md"))
    for i, path in enumerate(files[::7]):
        text = path.read_text(encoding="utf-8")
        old, new = BREAKAGES[i % len(BREAKAGES)]
        text = text.replace(old, new, 1)
        end = text.find("\n---\n", 3) + 5
        text = text[:end] + BODY_BREAKAGES[i % len(BODY_BREAKAGES)] + text[end:]
        path.write_text(text, encoding="utf-8")
    # one follow-up whose 初报 is gone, one feedback on nothing: R403 needs every report
    for path in files[1::50]:
        path.write_text(path.read_text(encoding="utf-8").replace("follows: ", "follows: nowhere/", 1)
                        .replace("\non: ", "\non: nowhere/", 1), encoding="utf-8")
    return out


def _both(root: Path, monkeypatch: pytest.MonkeyPatch, paths=None):
    monkeypatch.setenv("SHANGBAO_WORKERS", "1")
    serial = load_repository(root, AS_OF, paths=paths)
    monkeypatch.delenv("SHANGBAO_WORKERS")
    monkeypatch.setattr(parallel, "MIN_FILES", 10)
    assert parallel.worth_it(400) or parallel.usable_cores() < 2
    if parallel.usable_cores() < 2:
        monkeypatch.setattr(parallel, "usable_cores", lambda: 2)
    forked = load_repository(root, AS_OF, paths=paths)
    return serial, forked


def _fields(report):
    return {f.name: getattr(report, f.name) for f in dataclasses.fields(report)}


@pytest.mark.parametrize("git", [False, True])
def test_forked_workers_find_exactly_what_one_process_finds(tmp_path, monkeypatch, git):
    root = _make_repo(tmp_path, git)
    serial, forked = _both(root, monkeypatch)
    codes = {f.code for f in serial.findings}
    assert {"R104", "R105", "R207", "R301", "R402", "R403", "R503", "R504", "R505"} <= codes
    assert [f.as_dict() for f in forked.findings] == [f.as_dict() for f in serial.findings]
    assert [_fields(r) for r in forked.reports] == [_fields(r) for r in serial.reports]
    assert forked.history_warnings == serial.history_warnings
    if git:  # the received times came from git on both paths
        assert sum(r.received_at is not None for r in forked.reports) > 300


def test_forked_workers_keep_the_findings_of_the_files_asked_for(tmp_path, monkeypatch):
    root = _make_repo(tmp_path, False)
    some = sorted(str(p.relative_to(root)) for p in (root / "submissions").rglob("*.md"))[::9]
    serial, forked = _both(root, monkeypatch, paths=some)
    assert serial.findings and {f.path for f in serial.findings} <= set(some) | {"submissions/_org.yml"}
    assert [f.as_dict() for f in forked.findings] == [f.as_dict() for f in serial.findings]


def test_small_repositories_and_threaded_processes_stay_in_one_process(monkeypatch):
    monkeypatch.setattr(parallel, "usable_cores", lambda: 2)
    assert not parallel.worth_it(parallel.MIN_FILES - 1)
    assert parallel.worth_it(parallel.MIN_FILES)
    monkeypatch.setenv("SHANGBAO_WORKERS", "1")
    assert not parallel.worth_it(50_000)
