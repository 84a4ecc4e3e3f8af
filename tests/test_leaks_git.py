"""Git metadata and broken files never leak (SPEC §14, issue 12 item 4).

Canaries sit in commit messages (one commit holds a public and a restricted report, its subject
names the restricted one), in committer names and e-mails (one of them the committer of an
anonymous report), and in broken restricted files (a YAML error, a file that is not UTF-8),
whose path and content carry a canary. Every audience's site and summary (JSON, CSV,
Markdown) is built through the command line and every output file is scanned, Pagefind's gzip
chunks decompressed. Commit messages and committer identities are found nowhere; the broken
restricted files only in the restricted summary (the control that the scan finds them).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from helpers_org import OTHER_UNIT, UNIT, good_report, make_org, run, write_report
from test_leaks import file_texts, find

AS_OF = "2026-11-27 18:00"
AUDIENCES = ("public", "internal", "restricted")

MESSAGE_CANARIES = ["lkgmsgpub9", "lkgmsgres9", "lkgmsganon9"]
COMMITTER_CANARIES = ["lkgcommpub9", "lkgcommpub9@mail.example", "lkgcommanon9", "lkgcommanon9@mail.example"]
BROKEN_CANARIES = ["lkgbrokenyaml9", "lkgbrokenyamlbody9", "lkgbrokengbk9"]
RESTRICTED_TITLE = "lkgrestitle9"


def _git(root: Path, *args: str, who: str = "办公室", email: str = "o@x", when: str = "2026-11-20T10:00:00+08:00") -> None:
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1",
           "GIT_AUTHOR_NAME": who, "GIT_COMMITTER_NAME": who, "GIT_AUTHOR_EMAIL": email,
           "GIT_COMMITTER_EMAIL": email, "GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when}
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, env=env)


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Path:
    root = make_org(tmp_path_factory.mktemp("leak-git"))
    _git(root, "init", "-q", "-b", "main")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "组织", when="2026-01-01T08:00:00+08:00")

    # one commit: a public and a restricted report; its message names the restricted one
    front, body = good_report("info")
    write_report(root, UNIT, "2026-11-18-公开信息", dict(front, title="公开宣传信息", classification="public"), body)
    front, body = good_report("info")
    write_report(root, UNIT, "2026-11-18-限定信息", dict(front, title=f"{RESTRICTED_TITLE} 限定信息",
                                                           classification="restricted"), body)
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", f"报送 {RESTRICTED_TITLE} 限定信息 lkgmsgpub9",
         "-m", "正文 lkgmsgres9", who="lkgcommpub9", email="lkgcommpub9@mail.example",
         when="2026-11-18T10:05:00+08:00")

    # an anonymous report, committed under its author's own identity
    front, body = good_report("info")
    front = dict(front, title="匿名反映", unit=OTHER_UNIT, author="吴敏", reviewed_by="周建国",
                 approved_by="周建国", reported_at="2026-11-24 11:00", anonymous=True)
    write_report(root, OTHER_UNIT, "2026-11-24-匿名反映", front, body)
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "吴敏 匿名 lkgmsganon9", who="lkgcommanon9",
         email="lkgcommanon9@mail.example", when="2026-11-24T11:05:00+08:00")
    return root


def _add_broken(root: Path) -> None:
    """Broken restricted files: a YAML error, and bytes that are not UTF-8 (a build refuses
    them, so they are added after the sites are built, before the summaries)."""
    broken = root / "submissions" / UNIT / "2026"
    (broken / "2026-11-19-lkgbrokenyaml9.md").write_text(
        "---\ntitle: 限定 lkgbrokenyamlbody9\ntype: info\nclassification: restricted\n"
        "reported_at: [2026-11-19\n---\n\n正文 lkgbrokenyamlbody9\n", encoding="utf-8")
    (broken / "2026-11-19-lkgbrokengbk9.md").write_bytes(
        "---\ntitle: 限定\nclassification: restricted\n---\n正文\n".encode("gb18030"))
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "坏文件 lkgmsgres9", who="lkgcommpub9", email="lkgcommpub9@mail.example",
         when="2026-11-19T10:05:00+08:00")


@pytest.fixture(scope="module")
def outputs(repo, tmp_path_factory) -> dict[str, dict[str, list[bytes]]]:
    """audience -> every output file (site + summaries) -> its views (raw, gunzipped)."""
    out = tmp_path_factory.mktemp("leak-git-out")
    texts = {}
    for audience in AUDIENCES:
        folder = out / audience
        result = run(repo, "build", "--audience", audience, "--site-dir", str(folder / "site"), "--as-of", AS_OF)
        assert result.exit_code == 0, result.output
    _add_broken(repo)
    for audience in AUDIENCES:
        folder = out / audience
        for fmt in ("json", "csv", "md"):
            for period in ("2026-11", "2026-W47", "2026"):
                result = run(repo, "summary", "--period", period, "--format", fmt, "--audience", audience,
                             "--as-of", AS_OF)
                assert result.exit_code == 0, result.output
                (folder / f"summary-{period}.{fmt}").write_bytes(result.stdout_bytes)
        texts[audience] = file_texts(folder)
    return texts


def test_control_the_scan_finds_what_must_be_there(outputs):
    for audience in AUDIENCES:
        assert find(outputs[audience], "公开宣传信息")
    assert find(outputs["restricted"], RESTRICTED_TITLE)
    # the broken restricted files are named to the restricted audience (uncounted)
    for canary in ("lkgbrokenyaml9", "lkgbrokengbk9"):
        assert find(outputs["restricted"], canary, only=lambda rel: rel.startswith("summary-")), canary


@pytest.mark.parametrize("audience", AUDIENCES)
def test_commit_messages_and_committer_identities_are_in_no_file(outputs, audience):
    leaks = {c: find(outputs[audience], c)[:5] for c in MESSAGE_CANARIES + COMMITTER_CANARIES}
    assert not any(leaks.values()), leaks


@pytest.mark.parametrize("audience", ["public", "internal"])
def test_broken_restricted_files_are_not_named_below_restricted(outputs, audience):
    leaks = {c: find(outputs[audience], c)[:5] for c in [*BROKEN_CANARIES, RESTRICTED_TITLE]}
    assert not any(leaks.values()), leaks


def test_broken_file_without_classification_is_named_to_internal(tmp_path):
    root = make_org(tmp_path)
    (root / "submissions" / UNIT / "2026").mkdir(parents=True)
    (root / "submissions" / UNIT / "2026" / "坏文件.md").write_text("没有元数据\n", encoding="utf-8")
    (root / "submissions" / UNIT / "2026" / "草稿坏.md").write_text("---\ndraft: true\ntitle: [\n---\n", encoding="utf-8")
    result = run(root, "summary", "--period", "2026-11", "--format", "json", "--as-of", AS_OF)
    assert "坏文件.md" in result.stdout and "草稿坏" not in result.stdout
    result = run(root, "summary", "--period", "2026-11", "--format", "json", "--audience", "public", "--as-of", AS_OF)
    assert "坏文件.md" not in result.stdout


def test_reasons_for_uncounted_reports_do_not_name_a_higher_report(tmp_path):
    """R208 and R403 messages name another report; below restricted only the rule is given."""
    from helpers_org import INCIDENT_NAME, write_good

    root = make_org(tmp_path)
    write_good(root, "weekly", name="限定周报", title="lkgrdupweekly9", classification="restricted",
               reported_at="2026-11-23 08:00")
    write_good(root, "weekly", name="内部周报", reported_at="2026-11-23 09:00")  # R208 names the first
    write_good(root, "info", name="限定信息", title="lkgrinfotitle9", classification="restricted")
    front, body = good_report("incident")
    front.update(title="续报", stage="续报", follows=f"{UNIT}/2026/限定信息", reported_at="2026-11-21 10:00")
    write_report(root, UNIT, f"{INCIDENT_NAME}-续报", front, body)  # R403 names the info report's title
    for audience in ("public", "internal"):
        for fmt in ("json", "md", "csv"):
            result = run(root, "summary", "--period", "2026-11", "--format", fmt, "--audience", audience, "--as-of", AS_OF)
            assert result.exit_code == 0
            for canary in ("lkgrdupweekly9", "lkgrinfotitle9", "限定周报", "限定信息"):
                assert canary not in result.stdout, (audience, fmt, canary)
    result = run(root, "summary", "--period", "2026-11", "--format", "json", "--audience", "internal", "--as-of", AS_OF)
    assert "R208" in result.stdout and "R403" in result.stdout  # still named, by rule
    result = run(root, "summary", "--period", "2026-11", "--format", "json", "--audience", "restricted", "--as-of", AS_OF)
    assert "限定周报" in result.stdout  # the control: the restricted summary gives the whole message
