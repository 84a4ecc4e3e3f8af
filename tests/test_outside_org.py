"""``shangbao check`` on an organisation shaped by someone else (benchmarks/outside/).

benchmarks/outside/gen.py was written from SPEC alone by an outside author who never saw
benchmarks/synth.py or the generator's code; it writes a small county with its own unit ids,
names, front-matter styles and body shapes, a git history, and a manifest of the faults it
injected (with the codes SPEC §5 gives them), the notices late reports must get, and probes
(valid files shaped to tempt a false positive). The check runs as a user runs it.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
OUTSIDE = REPO / "benchmarks" / "outside"
REPORTS = 1000
SEED = 7
AS_OF = "2026-11-27 12:00"


def _load_compare():
    spec = importlib.util.spec_from_file_location("outside_compare", OUTSIDE / "compare.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.compare


compare = _load_compare()


@pytest.fixture(scope="module")
def outside_run(tmp_path_factory):
    if shutil.which("git") is None:
        pytest.skip("git is needed for the outside organisation's history")
    root = tmp_path_factory.mktemp("outside-org")
    subprocess.run([sys.executable, str(OUTSIDE / "gen.py"), str(root), "--reports", str(REPORTS),
                    "--seed", str(SEED), "--git"], check=True, capture_output=True, timeout=120)
    manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    proc = subprocess.run([sys.executable, "-m", "generator", "--root", str(root), "check", "--as-of", AS_OF,
                           "--format", "json"], cwd=REPO, capture_output=True, text=True, timeout=300)
    findings = json.loads(proc.stdout)
    return manifest, findings, proc


def _show(items, n=10):
    return json.dumps(items[:n], ensure_ascii=False, indent=1)


def test_the_organisation_is_what_the_test_needs(outside_run):
    manifest, _, _ = outside_run
    assert len(manifest["valid"]) > 900
    kinds = {f["kind"] for f in manifest["faults"]}
    assert len(kinds) == 34, sorted(kinds)  # every fault kind, R305 included (--git)
    assert len(manifest["notices"]) >= 20
    assert len(set(manifest["probes"].values())) == 8, sorted(set(manifest["probes"].values()))


def test_exit_code_is_1_for_the_injected_errors(outside_run):
    _, _, proc = outside_run
    assert proc.returncode == 1, proc.stderr[-2000:]


def test_no_unexpected_finding_on_a_valid_file(outside_run):
    manifest, findings, _ = outside_run
    res = compare(manifest, findings)
    assert res["false_positives"] == [], _show(res["false_positives"])
    assert res["probes_hit"] == [], _show(res["probes_hit"])


def test_every_injected_fault_is_reported_with_its_code(outside_run):
    manifest, findings, _ = outside_run
    res = compare(manifest, findings)
    assert res["faults_missed"] == [], _show(res["faults_missed"], 40)


def test_every_expected_notice_is_reported(outside_run):
    manifest, findings, _ = outside_run
    res = compare(manifest, findings)
    assert res["notices_missing"] == [], _show(res["notices_missing"])


def test_every_message_is_chinese(outside_run):
    manifest, findings, _ = outside_run
    res = compare(manifest, findings)
    assert findings
    assert res["non_chinese"] == [], _show(res["non_chinese"])


def test_compare_is_not_vacuous():
    """compare() itself: a missed fault, a false positive, a missing notice, a non-Chinese message."""
    manifest = {
        "faults": [{"path": "submissions/a/2026/f.md", "kind": "vague", "expect": ["R402"], "allow": []},
                   {"path": "submissions/a/2026/d.md", "kind": "dup", "expect": ["R208"], "allow": [],
                    "pair": "submissions/a/2026/o.md"}],
        "notices": {"submissions/a/2026/late.md": ["R303"]},
        "probes": {"submissions/a/2026/p.md": "landline"},
        "allow": {"submissions/a/2026/o.md": ["R208"]},
        "valid": ["submissions/a/2026/v.md", "submissions/a/2026/late.md", "submissions/a/2026/p.md",
                  "submissions/a/2026/o.md"],
    }

    def finding(path, code, message="请修正", severity="error"):
        return {"path": path, "line": 1, "column": 1, "code": code, "severity": severity, "message": message}

    res = compare(manifest, [
        finding("submissions/a/2026/v.md", "R504", "personal data"),
        finding("submissions/a/2026/p.md", "R504"),
        finding("submissions/a/2026/o.md", "R208"),
    ])
    assert [f["code"] for f in res["false_positives"]] == ["R504"]
    assert [h["probe"] for h in res["probes_hit"]] == ["landline"]
    assert [m["missing"] for m in res["faults_missed"]] == [["R402"]]  # R208 found on the pair
    assert [(m["path"], m["code"]) for m in res["notices_missing"]] == [("submissions/a/2026/late.md", "R303")]
    assert [f["message"] for f in res["non_chinese"]] == ["personal data"]
