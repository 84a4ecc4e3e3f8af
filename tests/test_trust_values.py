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


# --- values read silently (item 7) -------------------------------------------------------------

@pytest.mark.parametrize(("rtype", "key", "value", "code"), [
    ("weekly", "period", "２０２６-W４７", "R203"),  # full-width digits: would be a second 2026-W47
    ("weekly", "reported_at", "２０２６-11-23 09:00", "R203"),
    ("inspection", "inspected_on", "2026-11-１８", "R203"),
    ("info", "title", " ", "R203"),
    ("info", "title", "\u3000\t", "R203"),
    ("feedback", "by", "  ", "R203"),
    ("feedback", "on", " ", "R203"),
    ("info", "draft", None, "R203"),
    ("info", "anonymous", "", "R203"),
    ("info", "classification", None, "R204"),
    ("incident", "stage", "", "R204"),
    ("incident", "loss", float("nan"), "R203"),
    ("incident", "loss", float("inf"), "R203"),
    ("weekly", "metrics", {"检查企业数": float("nan")}, "R203"),
    ("weekly", "metrics", {"检查企业数": float("-inf")}, "R203"),
    ("info", "title", "标题\x1b[31m", "R203"),
    ("info", "title", "标题\ufffe", "R203"),
    ("info", "tags", ["宣传", " "], "R203"),
])
def test_a_value_that_cannot_be_taken_as_written_is_a_finding(tmp_path, rtype, key, value, code):
    root = make_org(tmp_path)
    write_good(root, "incident")  # the feedback's report
    front, body = good_report(rtype)
    front[key] = value
    text = _front_yaml(front)
    path = write_report(root, front["unit"], f"x-{rtype}", text, body)
    exit_code, found = check(root)
    mine = [f for f in found if f["path"] == path.relative_to(root).as_posix()]
    assert exit_code == 1
    assert (code, key_line(front, key)) in [(f["code"], f["line"]) for f in mine], mine


def _front_yaml(front: dict) -> str:
    """Front matter with YAML's own spelling of NaN/infinity, nulls and escapes."""
    import json
    import math

    def one(value):
        if isinstance(value, float) and not math.isfinite(value):
            return ".nan" if math.isnan(value) else (".inf" if value > 0 else "-.inf")
        if value is None:
            return ""
        if isinstance(value, dict):
            return "{" + ", ".join(f"{k}: {one(v)}" for k, v in value.items()) + "}"
        if isinstance(value, list):
            return "[" + ", ".join(one(v) for v in value) + "]"
        return json.dumps(value)  # a double-quoted YAML string: \u001b, \ufffe are escapes
    return "".join(f"{k}: {one(v)}\n" for k, v in front.items())


def test_empty_follows_on_a_final_report_is_r201(tmp_path):
    root = make_org(tmp_path)
    write_good(root, "incident")
    front, body = good_report("incident")
    front.update(stage="终报", follows=None, title="终报")
    body += "\n## 原因分析\n\n电气故障。\n\n## 处理结果\n\n已整改。\n"
    path = write_report(root, UNIT, "终报", _front_yaml(front), body)
    _, found = check(root)
    assert ("R201", key_line(front, "stage")) in [(f["code"], f["line"]) for f in found
                                                 if f["path"] == path.relative_to(root).as_posix()]


def test_full_width_period_does_not_double_the_metrics(tmp_path):
    root = make_org(tmp_path)
    write_good(root, "weekly")
    write_good(root, "weekly", name="第二份", period="２０２６-W４７")
    result = run(root, "summary", "--period", "2026-11", "--format", "json", "--as-of", "2026-11-27 18:00")
    data = __import__("json").loads(result.stdout)
    assert data["metrics"]["weekly"]["检查企业数"] == 12


def test_control_characters_in_the_body_are_a_finding_with_line_and_column(tmp_path):
    root = make_org(tmp_path)
    path = write_good(root, "info", body="\n第一行\n正文 \x1b[31m 红字\n")
    _, found = check(root)
    mine = [(f["code"], f["line"], f["column"]) for f in found if f["path"] == path.relative_to(root).as_posix()]
    front, _ = good_report("info")
    assert mine == [("R101", len(front) + 5, 4)]


# --- R504: any real birth date not after today (issue 12) -----------------------------------

def _id_number(birth: str, seq: str = "002") -> str:
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    body = "110105" + birth + seq
    return body + "10X98765432"[sum(int(c) * w for c, w in zip(body, weights, strict=True)) % 11]


@pytest.mark.parametrize(("birth", "flagged"), [
    ("18890315", True),  # born before 1900: such numbers exist (GB 11643)
    ("18991231", True),
    ("20261127", True),  # born on the day of --as-of
    ("20261128", False),  # the day after: not a real number yet
    ("21000101", False),
    ("19490230", False),  # no 30 February
])
def test_r504_accepts_any_real_birth_date_not_after_today(tmp_path, birth, flagged):
    root = make_org(tmp_path)
    number = _id_number(birth)
    path = write_good(root, "info", body=f"\n联系人身份证号 {number}。\n")
    _, found = check(root)
    mine = [f["code"] for f in found if f["path"] == path.relative_to(root).as_posix()]
    assert mine == (["R504"] if flagged else [])


# --- numbers as written (YAML 1.1's octal, sexagesimal and underscore forms) ----------------

def _with_line(rtype: str, key: str, written: str) -> str:
    """The good report's front matter with ``key: written`` exactly as a writer would type it."""
    from helpers_org import front_text

    front, _ = good_report(rtype)
    front[key] = "@@"
    return front_text(front).replace('"@@"', written).replace("@@", written)


def test_a_metric_written_with_a_leading_zero_is_the_decimal_number(tmp_path):
    """检查企业数: 010 is ten, not eight (YAML 1.1 octal): the summary's figure must be what was written."""
    import json

    root = make_org(tmp_path)
    front, body = good_report("weekly")
    write_report(root, UNIT, "周报", _with_line("weekly", "metrics", "{检查企业数: 010, 发现隐患: 27}"), body)
    code, found = check(root)
    assert code == 0, found
    result = run(root, "summary", "--period", "2026-11", "--format", "json", "--as-of", "2026-11-27 18:00")
    assert json.loads(result.stdout)["metrics"]["weekly"]["检查企业数"] == 10


@pytest.mark.parametrize("written", ["1:30", "1_000", "0x1F", "0o17", "1_0.5"])
def test_a_metric_in_a_form_people_do_not_mean_as_a_number_is_r203(tmp_path, written):
    """1:30 was read as 90 and 1_000 as 1000 without a word: a number must be written as one."""
    root = make_org(tmp_path)
    front, body = good_report("weekly")
    path = write_report(root, UNIT, "周报", _with_line("weekly", "metrics", f"{{检查企业数: {written}}}"), body)
    code, found = check(root)
    assert code == 1
    assert ("R203", key_line(front, "metrics")) in _findings_for(found, path.relative_to(root).as_posix()), found


@pytest.mark.parametrize(("rtype", "key", "written", "shown"), [
    ("credit", "decision_no", "0012", "0012"),
    ("info", "title", "010", "010"),
    ("info", "tags", "[2026.10, 010, 1:30]", "2026.10"),
])
def test_text_written_as_digits_is_published_as_written(tmp_path, rtype, key, written, shown):
    """A decision number 0012 was published as 10, a tag 2026.10 as 2026.1, a title 010 as 8."""
    root = make_org(tmp_path)
    write_report(root, UNIT, f"x-{rtype}", _with_line(rtype, key, written), good_report(rtype)[1])
    code, found = check(root)
    assert code == 0, found
    site = tmp_path / "site"
    result = run(root, "build", "--site-dir", str(site), "--as-of", "2026-11-27 18:00", "--no-cache")
    assert result.exit_code == 0, result.output
    page = (site / "r" / UNIT / "2026" / f"x-{rtype}.html").read_text(encoding="utf-8")
    assert f">{shown}<" in page or f"{shown}</" in page or f">{shown}" in page
    if key == "tags":
        names = {p.stem for p in (site / "tags").glob("*.html")}
        assert {"2026.10", "010"} <= names, names
        assert not {"8", "90", "2026.1"} & names, names
    if key == "title":
        assert "<h1" in page and ">8<" not in page
