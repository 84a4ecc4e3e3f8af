"""The organisation file: every malformed value is exit 2 with its key and line (SPEC §14,
issue 12 items 8 and 10), never a traceback, with or without ``--as-of``; an organisation of
1,000 units is accepted; nothing from ``_org.yml`` can inject a line into CODEOWNERS.
"""

from __future__ import annotations

import pytest
from helpers_org import run

BASE = """\
organization: 测试县应急管理局
timezone: Asia/Shanghai
feedback_units: [bangongshi]
units:
  - id: bangongshi
    name: 办公室
    leaders: [张伟]
    reporters: [李娜]
"""
BASE_LINES = BASE.count("\n")

# (name, replaced line number (1-based) or None to append, the text, key named, line named)
CASES = [
    ("feedback unit a list", 3, "feedback_units: [[aqk]]", "feedback_units", 3),
    ("feedback unit a mapping", 3, "feedback_units: [{a: 1}]", "feedback_units", 3),
    ("timezone a folder", 2, "timezone: Asia", "timezone", 2),
    ("timezone a path", 2, "timezone: ../../../etc/passwd", "timezone", 2),
    ("timezone a number", 2, "timezone: 8", "timezone", 2),
    ("timezone a list", 2, "timezone: [Asia/Shanghai]", "timezone", 2),
    ("organization blank", 1, "organization: '  '", "organization", 1),
    ("organization with ESC", 1, 'organization: "县\\e[31m"', "organization", 1),
    ("huge weekly deadline", None, "deadlines:\n  weekly: 99999999999999d", "deadlines.weekly", BASE_LINES + 2),
    ("huge hours", None, "deadlines:\n  monthly: 999999999999999999h", "deadlines.monthly", BASE_LINES + 2),
    ("huge incident deadline", None, "deadlines:\n  incident: {late: 2h, concealed: 9999999999999999m}",
     "deadlines.incident.concealed", BASE_LINES + 2),
    ("deadline a list", None, "deadlines:\n  weekly: [12h]", "deadlines.weekly", BASE_LINES + 2),
    ("deadline keys not text", None, "deadlines:\n  incident: {1: 2h}", "deadlines.incident", BASE_LINES + 2),
    ("score NaN", None, "scoring:\n  on_time: .nan", "scoring.on_time", BASE_LINES + 2),
    ("score infinite", None, "scoring:\n  late: -.inf", "scoring.late", BASE_LINES + 2),
    ("score huge", None, "scoring:\n  missing: 1e308", "scoring.missing", BASE_LINES + 2),
    ("adopted NaN", None, "scoring:\n  adopted: {县: .nan}", "scoring.adopted", BASE_LINES + 2),
    ("adopted key a list", None, "scoring:\n  adopted: {[县]: 1}", "", BASE_LINES + 2),
    ("unit id with newline", None, '  - id: "aqk\\n"\n    name: 安全科', "units.aqk", BASE_LINES + 1),
    ("unit id with trailing newline literal", None, "  - id: |\n      aqk\n    name: 安全科", "units.aqk", BASE_LINES + 1),
    ("leader with newline", None, '  - id: aqk\n    name: 安全科\n    leaders: ["张\\n伟"]', "units.aqk.leaders",
     BASE_LINES + 3),
    ("unit name with newline", None, '  - id: aqk\n    name: "安全科\\n* @attacker"', "units.aqk.name", BASE_LINES + 2),
    ("periodic a list", None, "  - id: aqk\n    name: 安全科\n    periodic: [[weekly]]", "units.aqk.periodic",
     BASE_LINES + 3),
    ("parent a list", None, "  - id: aqk\n    name: 安全科\n    parent: [bangongshi]", "units.aqk.parent",
     BASE_LINES + 3),
    ("since year one", None, "  - id: aqk\n    name: 安全科\n    since: 0001-01-01", "units.aqk.since", BASE_LINES + 3),
    ("account with newline", None, 'accounts:\n  张伟: "@zhangwei\\n* @attacker"', "accounts.张伟", BASE_LINES + 2),
    ("account with blank", None, 'accounts:\n  张伟: "@zhang wei"', "accounts.张伟", BASE_LINES + 2),
    ("account a number", None, "accounts:\n  张伟: 5", "accounts.张伟", BASE_LINES + 2),
    ("account name with newline", None, 'accounts:\n  "张\\n伟": "@zw"', "accounts.", BASE_LINES + 2),
    # ids and names that end up in file paths, URLs and headers match whole ("$" lets "x\n" through)
    ("member id a path", None, "members:\n  - {id: a/../../x, name: 青山县, feed: ../q/feed/}", "members.a/../../x.id",
     BASE_LINES + 2),
    ("member id with newline", None, 'members:\n  - {id: "qs\\n", name: 青山县, feed: ../q/feed/}', "members.qs",
     BASE_LINES + 2),
    ("git branch with newline", None, 'git_host: {kind: gitea, url: "https://git.example.org/o/r", branch: "main\\n"}',
     "git_host.branch", BASE_LINES + 1),
    ("channel id with newline", None, 'notify:\n  channels:\n    - {id: "ld\\n", kind: webhook, url_env: SB_H}',
     "notify.channels", BASE_LINES + 3),
    ("channel variable with newline", None,
     'notify:\n  channels:\n    - {id: ld, kind: webhook, url_env: "SB_H\\n"}', "notify.channels.ld.url_env",
     BASE_LINES + 3),
    ("ledger since year 9999", None, "ledger_since: 9999-12-31", "ledger_since", BASE_LINES + 1),
    ("vague word blank", None, "vague_words: [听说, ' ']", "vague_words", BASE_LINES + 1),
    ("file size zero", None, "limits:\n  file_size: 0KiB", "limits.file_size", BASE_LINES + 2),
    ("file size huge", None, "limits:\n  file_size: 99999999999999999999MiB", "limits.file_size", BASE_LINES + 2),
]


def _write(root, text: str):
    (root / "submissions").mkdir(parents=True, exist_ok=True)
    (root / "submissions" / "_org.yml").write_text(text, encoding="utf-8")
    return root


def _text(replace: int | None, text: str) -> str:
    lines = BASE.splitlines()
    if replace is None:
        lines.append(text)
    else:
        lines[replace - 1] = text
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(("replace", "text", "key", "line"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_every_malformed_value_is_exit_2_with_key_and_line(tmp_path, replace, text, key, line):
    root = _write(tmp_path, _text(replace, text))
    for args in (["check"], ["check", "--as-of", "2026-11-27 18:00"],
                 ["summary", "--period", "2026-11", "--as-of", "2026-11-27 18:00"], ["codeowners"]):
        result = run(root, *args)  # a traceback would raise here (catch_exceptions=False)
        assert result.exit_code == 2, (args, result.output)
        assert f"submissions/_org.yml:{line}:" in result.stderr, (args, result.stderr)
        assert key in result.stderr, (args, result.stderr)
        assert "@attacker" not in result.stdout


def test_the_control_case_is_valid(tmp_path):
    root = _write(tmp_path, BASE)
    assert run(root, "check", "--as-of", "2026-11-27 18:00").exit_code == 0


def test_an_organisation_of_1000_units_is_accepted(tmp_path):
    units = "".join(
        f"  - id: unit-{i:04d}\n    name: 第{i}单位\n    parent: {'bangongshi' if i < 50 else f'unit-{i % 50:04d}'}\n"
        f"    leaders: [领导{i}甲, 领导{i}乙]\n    reporters: [报送员{i}甲, 报送员{i}乙, 报送员{i}丙]\n"
        f"    periodic: [weekly, monthly, quarterly, annual]\n    since: 2026-01-01\n"
        for i in range(1000))
    accounts = "accounts:\n" + "".join(f"  领导{i}甲: \"@leader-{i}\"\n" for i in range(1000))
    root = _write(tmp_path, BASE + units + accounts)
    result = run(root, "check", "--as-of", "2026-11-27 18:00")
    assert result.exit_code == 0, result.stderr
    result = run(root, "summary", "--period", "2026-W47", "--format", "json", "--as-of", "2026-11-27 18:00")
    assert result.exit_code == 0 and result.stdout.count('"id": "unit-') == 1000
    result = run(root, "codeowners")
    assert result.exit_code == 0 and "/submissions/unit-0999/ @leader-999" in result.stdout


def test_codeowners_lines_are_only_patterns_and_validated_accounts(tmp_path):
    root = _write(tmp_path, BASE + 'accounts:\n  张伟: "zhangwei"\n  李娜: "li.na@example.org"\n')
    result = run(root, "codeowners")
    assert result.exit_code == 0
    rules = [ln for ln in result.stdout.splitlines() if ln and not ln.startswith("#")]
    assert rules and all(ln.split()[0].startswith(("/submissions/", "*")) for ln in rules)
    assert all(tok.startswith("@") or "@" in tok for ln in rules for tok in ln.split()[1:])
