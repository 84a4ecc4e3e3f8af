"""``git_host`` in ``_org.yml`` (SPEC §11) and the 填报 form's data export, without a browser.

A bad git_host is a configuration error like any other: exit 2, naming the key and its line.
The export is the checker's own schema and catalogue, so a rule's wording changed there reaches
the form without a second edit.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers_org import make_org, run

from generator.config import ConfigError, GitHost, load_org
from generator.model import REPORT_TYPES
from generator.rules import RULES
from generator.schema import COMMON, OWN
from generator.site.fill import BROWSER_RULES, form_data

ORG_TAIL = "git_host:\n  kind: {kind}\n  url: {url}\n  branch: {branch}\n"


def _org_text(tmp_path: Path, tail: str) -> tuple[Path, str]:
    root = make_org(tmp_path)
    path = root / "submissions" / "_org.yml"
    text = path.read_text(encoding="utf-8") + tail
    path.write_text(text, encoding="utf-8")
    return root, text


def _line(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.split("\n"), start=1) if needle in line)


def test_git_host_is_read(tmp_path):
    root, _ = _org_text(tmp_path, ORG_TAIL.format(kind="gitea", url="https://git.example.gov.cn/org/reports/", branch="main"))
    assert load_org(root).git_host == GitHost("gitea", "https://git.example.gov.cn/org/reports", "main")
    assert load_org(make_org(tmp_path / "none")).git_host is None


@pytest.mark.parametrize(("tail", "needle", "key"), [
    (ORG_TAIL.format(kind="bitbucket", url="https://x.example/o/r", branch="main"), "kind: bitbucket", "git_host.kind"),
    (ORG_TAIL.format(kind="github", url="git@github.com:o/r.git", branch="main"), "url: git@", "git_host.url"),
    (ORG_TAIL.format(kind="github", url="https://github.com/o/r", branch="'main branch'"), "branch:", "git_host.branch"),
    (ORG_TAIL.format(kind="github", url="https://github.com/o/r", branch="main") + "  token: abc\n", "token:", "git_host.token"),
    ("git_host: https://github.com/o/r\n", "git_host:", "git_host"),
])
def test_a_bad_git_host_names_its_key_and_line(tmp_path, tail, needle, key):
    root, text = _org_text(tmp_path, tail)
    with pytest.raises(ConfigError) as info:
        load_org(root)
    [(line, message)] = info.value.problems
    assert line == _line(text, needle) and message.startswith(key), (line, message)
    result = run(root, "check")
    assert result.exit_code == 2
    assert f"submissions/_org.yml:{line}: {key}" in result.stderr


def test_the_export_is_the_checkers_schema_and_catalogue(tmp_path):
    org = load_org(make_org(tmp_path))
    data = form_data(org)
    assert [t["code"] for t in data["types"]] == list(REPORT_TYPES)
    assert [k["name"] for k in data["common"]] == [k.name for k in COMMON]
    for t in data["types"]:
        assert [k["name"] for k in t["keys"]] == [k.name for k in OWN[t["code"]]]
    assert {code: r["message"] for code, r in data["rules"].items()} == {c: r.message for c, r in RULES.items()}
    assert data["browser_rules"] == [c for c in BROWSER_RULES if c in RULES]
    assert data["units"][0]["leaders"] == org.units[data["units"][0]["id"]].leaders
    incident = next(t for t in data["types"] if t["code"] == "incident")
    assert incident["sections"]["by"] == "stage"
    assert incident["sections"]["cases"]["终报"]["sections"][-2:] == ["原因分析", "处理结果"]
    assert data["git_host"] is None


def test_a_changed_message_reaches_the_form(tmp_path, monkeypatch):
    monkeypatch.setitem(RULES["R405"].details, "check", "校验位错了，应为“{expected}”")
    data = form_data(load_org(make_org(tmp_path)))
    assert data["rules"]["R405"]["details"]["check"] == "校验位错了，应为“{expected}”"
