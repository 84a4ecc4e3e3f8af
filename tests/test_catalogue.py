"""The rule catalogue is complete, and each rule is documented in Chinese from one definition."""

import re

from generator.rules import RULES, ordered

SPEC_CODES = (
    [f"R10{i}" for i in range(1, 10)]
    + [f"R20{i}" for i in range(1, 9)]
    + [f"R30{i}" for i in range(1, 7)]
    + [f"R40{i}" for i in range(1, 7)]
    + [f"R50{i}" for i in range(1, 7)]
)
SEVERITY = {"R102": "warning", "R402": "warning", "R303": "notice", "R304": "notice", "R305": "notice"}
CJK = re.compile(r"[\u4e00-\u9fff]")


def test_every_spec_rule_is_defined_once_with_its_severity():
    assert sorted(RULES) == sorted(SPEC_CODES)
    for code, rule in RULES.items():
        assert rule.severity == SEVERITY.get(code, "error"), code


def test_every_rule_has_a_chinese_title_message_and_documentation():
    for rule in ordered():
        assert CJK.search(rule.title), rule.code
        assert CJK.search(rule.message) or rule.message == "{detail}", rule.code
        assert len(rule.doc) > 40 and CJK.search(rule.doc), rule.code


def test_rules_that_judge_a_typed_report_have_a_check():
    readers = {c for c in SPEC_CODES if c.startswith("R1")} | {"R201", "R202", "R203", "R204", "R205", "R206", "R207"}
    for code in SPEC_CODES:
        if code in readers or code == "R208":
            continue
        assert RULES[code].check is not None, code
