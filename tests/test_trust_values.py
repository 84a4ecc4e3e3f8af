"""Values are never read silently (SPEC §14, issue 12 items 2 and 7).

A time that parses but cannot be converted or compared, full-width digits, whitespace-only
strings, empty booleans and enumerations, NaN and infinities, control characters: each is a
finding (R201/R203/R204) on its own line, never a traceback and never a silent default.
"""

from __future__ import annotations

import pytest
from helpers_org import (
    INCIDENT_ID,
    INCIDENT_NAME,
    UNIT,
    check,
    good_report,
    key_line,
    make_org,
    run,
    write_good,
    write_report,
)


def _findings_for(found, path):
    return [(f["code"], f["line"]) for f in found if f["path"] == path]


@pytest.mark.parametrize(("rtype", "key", "value"), [
    ("info", "reported_at", "9999-12-31T23:59:00-12:00"),
    ("info", "reported_at", "0001-01-01T00:00:00+14:00"),
    ("info", "reported_at", "9999-12-31 23:00"),
    ("incident", "occurred_at", "0001-01-01T00:00:00+14:00"),
    ("inspection", "inspected_on", "0001-01-01"),
    ("task", "due", "9999-12-31"),
    ("task", "assigned_on", "0001-01-01"),
    ("credit", "decided_on", "9999-12-31"),
])
def test_a_time_out_of_range_is_r203_in_check_and_build(tmp_path, rtype, key, value):
    root = make_org(tmp_path)
    path = write_good(root, rtype, **{key: value})
    rel = path.relative_to(root).as_posix()
    code, found = check(root)
    front, _ = good_report(rtype)
    assert code == 1
    assert ("R203", key_line(front, key)) in _findings_for(found, rel), found
    r203 = next(f for f in found if f["code"] == "R203")
    assert "范围" in r203["message"]
    # build and summary: refused or counted, never a traceback (run() re-raises exceptions)
    result = run(root, "build", "--site-dir", str(tmp_path / "site"), "--as-of", "2026-11-27 18:00")
    assert result.exit_code == 1 and "R203" in result.output
    result = run(root, "summary", "--period", "2026-11", "--format", "json", "--as-of", "2026-11-27 18:00")
    assert result.exit_code == 0


def test_a_continuation_with_a_first_time_out_of_range_does_not_crash_the_build(tmp_path):
    root = make_org(tmp_path)
    write_good(root, "incident")
    front, body = good_report("incident")
    front.update(title="收费站火情续报", stage="续报", follows=INCIDENT_ID, occurred_at="0001-01-01T00:00:00+14:00",
                 reported_at="2026-11-21 10:00")
    path = write_report(root, UNIT, f"{INCIDENT_NAME}-续报", front, body)
    code, found = check(root)
    assert ("R203", key_line(front, "occurred_at")) in _findings_for(found, path.relative_to(root).as_posix())
    result = run(root, "build", "--site-dir", str(tmp_path / "site"), "--as-of", "2026-11-27 18:00")
    assert result.exit_code == 1
