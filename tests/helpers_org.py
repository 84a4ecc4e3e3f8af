"""Build a throwaway reports repository in ``tmp_path`` for tests.

- ``make_org(tmp_path, **overrides)`` writes a small valid ``submissions/_org.yml``:
  the office ``bangongshi`` (the only feedback unit), ``anjianke`` and ``jiuyuanke``.
- ``write_report(root, unit, name, front, body)`` writes one report file.
- ``good_report(type)`` gives a VALID front matter and body for each of the ten types, so a
  test changes one thing and asserts exactly the expected code fires.
- ``write_good(root, type, ...)`` writes a good report with some keys changed or dropped.
- ``check(root, *args)`` runs ``shangbao check --format json --as-of AS_OF`` through click's
  CliRunner and returns the exit code and the findings.

Front matter written from a dict has one key per line, in dict order, from line 2; use
``key_line(front, key)`` and ``line_containing(path, text)`` to know where things are.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml
from click.testing import CliRunner

from generator import yamlio
from generator.cli import main

AS_OF = "2026-11-27 18:00"

OFFICE, UNIT, OTHER_UNIT = "bangongshi", "anjianke", "jiuyuanke"

ORG: dict[str, Any] = {
    "organization": "测试县应急管理局",
    "timezone": "Asia/Shanghai",
    "feedback_units": [OFFICE],
    "units": [
        {"id": OFFICE, "name": "办公室", "parent": None, "leaders": ["张伟"], "reporters": ["李娜"],
         "periodic": [], "since": "2026-01-01"},
        {"id": UNIT, "name": "安全生产监督管理股", "parent": None, "leaders": ["刘洋", "陈静"],
         "reporters": ["赵磊"], "periodic": ["weekly", "monthly"], "since": "2026-01-01"},
        {"id": OTHER_UNIT, "name": "应急救援股", "parent": None, "leaders": ["周建国"],
         "reporters": ["吴敏"], "periodic": ["weekly"], "since": "2026-01-01"},
    ],
}


def make_org(tmp_path: Path, **overrides: Any) -> Path:
    """Write ``submissions/_org.yml`` under ``tmp_path`` and return ``tmp_path`` (the root).

    Each override replaces a top-level key (``None`` removes it), e.g.
    ``make_org(tmp_path, limits={"file_size": "1KiB"})``.
    """
    data = dict(ORG)
    for key, value in overrides.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    sub = tmp_path / "submissions"
    sub.mkdir(parents=True, exist_ok=True)
    (sub / "_org.yml").write_text(
        yaml.safe_dump(data, allow_unicode=True, sort_keys=False, default_flow_style=None, width=10_000),
        encoding="utf-8",
    )
    return tmp_path


# --- front matter text -------------------------------------------------------------------

def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    text = str(value)
    if "\n" not in text and text == text.strip() and text and not re.search(r"[\[\]{},]", text):
        try:
            if yamlio.load(f"k: {text}").value == {"k": text}:
                return text
        except yamlio.YamlProblem:
            pass
    return json.dumps(text, ensure_ascii=False)


def _value(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_scalar(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_scalar(k)}: {_scalar(v)}" for k, v in value.items()) + "}"
    return _scalar(value)


def front_text(front: dict[str, Any]) -> str:
    """One ``key: value`` line per key, in order (lists and mappings in flow style)."""
    return "".join(f"{key}: {_value(value)}\n" for key, value in front.items())


def render(front: dict[str, Any] | str, body: str) -> str:
    block = front if isinstance(front, str) else front_text(front)
    if block and not block.endswith("\n"):
        block += "\n"
    return f"---\n{block}---\n{body}"


def write_report(root: Path, unit: str, name: str, front: dict[str, Any] | str, body: str,
                 year: int | str = 2026) -> Path:
    """Write ``submissions/<unit>/<year>/<name>.md`` (``.md`` added when missing); return its path."""
    if not name.endswith(".md"):
        name += ".md"
    path = Path(root) / "submissions" / unit / str(year) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(front, body), encoding="utf-8")
    return path


def write_bytes(root: Path, unit: str, name: str, data: bytes, year: int | str = 2026) -> Path:
    path = Path(root) / "submissions" / unit / str(year) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def rel(root: Path, path: Path) -> str:
    return Path(path).relative_to(root).as_posix()


def key_line(front: dict[str, Any], key: str) -> int:
    """The file line of ``key`` in a report written from ``front``."""
    return list(front).index(key) + 2


def line_containing(path: Path, text: str) -> int:
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").split("\n"), start=1):
        if text in line:
            return number
    raise AssertionError(f"{text!r} not in {path}")


# --- one valid report of each type ---------------------------------------------------------

INCIDENT_NAME = "2026-11-20-收费站火情"
INCIDENT_ID = f"{UNIT}/2026/{INCIDENT_NAME}"

_SIGNED = {"author": "赵磊", "reviewed_by": "陈静", "approved_by": "刘洋"}

_PERIODIC_BODY = """
## 工作进展

本周检查企业 12 家，发现隐患 27 处，已整改 21 处。

## 存在问题

个别检查记录缺少企业负责人签字。

## 下一步计划

组织安全员集中培训，统一检查表和文书格式。
"""

_GOOD: dict[str, tuple[dict[str, Any], str]] = {
    "incident": (
        {"title": "收费站火情初报", "type": "incident", "unit": UNIT, **_SIGNED,
         "reported_at": "2026-11-20 10:00", "occurred_at": "2026-11-20 09:00", "location": "城东收费站",
         "category": "火灾", "severity": "一般", "deaths": 0, "injuries": 1, "loss": 5, "stage": "初报"},
        """
## 基本情况

11 月 20 日 9 时，城东收费站一辆货车起火，1 人轻伤。

## 事件经过

货车驶入收费站时车厢冒烟，司机停车报警。

## 处置措施

消防救援站 9 时 12 分到场，9 时 40 分明火扑灭。
""",
    ),
    "weekly": (
        {"title": "第47周工作周报", "type": "weekly", "unit": UNIT, **_SIGNED,
         "reported_at": "2026-11-23 09:00", "period": "2026-W47", "metrics": {"检查企业数": 12, "发现隐患": 27}},
        _PERIODIC_BODY,
    ),
    "monthly": (
        {"title": "10月工作月报", "type": "monthly", "unit": UNIT, **_SIGNED,
         "reported_at": "2026-11-02 10:00", "period": "2026-10"},
        _PERIODIC_BODY,
    ),
    "quarterly": (
        {"title": "第三季度工作季报", "type": "quarterly", "unit": UNIT, **_SIGNED,
         "reported_at": "2026-10-03 10:00", "period": "2026-Q3"},
        _PERIODIC_BODY,
    ),
    "annual": (
        {"title": "2025年工作年报", "type": "annual", "unit": UNIT, **_SIGNED,
         "reported_at": "2026-01-10 10:00", "period": "2025"},
        _PERIODIC_BODY,
    ),
    "inspection": (
        {"title": "化工企业专项检查", "type": "inspection", "unit": UNIT, **_SIGNED,
         "reported_at": "2026-11-19 16:00", "inspected_on": "2026-11-18", "target": "城东化工有限公司",
         "hazards_found": 5, "hazards_fixed": 3},
        """
## 检查情况

检查了储罐区和装卸区。

## 发现问题

发现隐患 5 处。

## 整改要求

限 11 月 30 日前整改完毕。
""",
    ),
    "task": (
        {"title": "防汛物资清点", "type": "task", "unit": UNIT, **_SIGNED,
         "reported_at": "2026-11-21 10:00", "assigned_by": "刘洋", "assigned_on": "2026-11-10",
         "due": "2026-12-10", "progress": 60},
        """
## 落实情况

已清点 3 个仓库中的 2 个。
""",
    ),
    "credit": (
        {"title": "城东化工行政处罚", "type": "credit", "unit": UNIT, **_SIGNED,
         "reported_at": "2026-11-16 10:00", "subject": "城东化工有限公司", "uscc": "91350100M000100Y43",
         "category": "行政处罚", "decided_on": "2026-11-15", "decision_no": "安监罚〔2026〕12号"},
        """
## 违法行为

未按规定开展安全生产教育培训。

## 处罚依据

《安全生产法》第九十七条。

## 处罚结果

罚款 3 万元。
""",
    ),
    "info": (
        {"title": "开展安全生产月宣传", "type": "info", "unit": UNIT, **_SIGNED,
         "reported_at": "2026-11-18 10:00", "tags": ["宣传", "安全生产月"]},
        """
本股在城东广场设置咨询台，发放宣传资料 500 份。
""",
    ),
    "feedback": (
        {"title": "张伟局长批示", "type": "feedback", "unit": OFFICE, "author": "李娜",
         "reviewed_by": "张伟", "approved_by": "张伟", "reported_at": "2026-11-20 15:00",
         "on": INCIDENT_ID, "kind": "批示", "by": "张伟"},
        """
请安监股跟踪调查起火原因，举一反三排查货运车辆隐患。
""",
    ),
}

REPORT_TYPES = tuple(_GOOD)

GOOD_NAMES = {t: f"2026-11-good-{t}" for t in REPORT_TYPES} | {"incident": INCIDENT_NAME}


def good_report(rtype: str) -> tuple[dict[str, Any], str]:
    """A valid (front matter, body) of ``rtype``; a fresh copy each call.

    The feedback's ``on`` names the good incident (``INCIDENT_ID``): write that one too.
    """
    front, body = _GOOD[rtype]
    return {k: (list(v) if isinstance(v, list) else dict(v) if isinstance(v, dict) else v)
            for k, v in front.items()}, body


def write_good(root: Path, rtype: str, name: str | None = None, *, body: str | None = None,
               drop: tuple[str, ...] = (), year: int | str = 2026, **changes: Any) -> Path:
    """Write a good report of ``rtype`` with ``changes`` applied (new keys go last) and ``drop`` removed."""
    front, good_body = good_report(rtype)
    for key in drop:
        front.pop(key)
    front.update(changes)
    unit = front.get("unit") if isinstance(front.get("unit"), str) else UNIT
    return write_report(root, unit, name or GOOD_NAMES[rtype], front, good_body if body is None else body, year)


def write_all_good(root: Path) -> dict[str, Path]:
    """One good report of every type; returns type -> path."""
    return {t: write_good(root, t) for t in REPORT_TYPES}


# --- running the checker -------------------------------------------------------------------

def run(root: Path, *args: str) -> Any:
    """``shangbao --root ROOT ARGS`` through CliRunner (stdout and stderr kept apart)."""
    return CliRunner().invoke(main, ["--root", str(root), *args], catch_exceptions=False)


def check(root: Path, *args: str, as_of: str = AS_OF) -> tuple[int, list[dict[str, Any]]]:
    """``shangbao check --format json --as-of AS_OF [ARGS]`` → (exit code, findings)."""
    result = run(root, "check", "--format", "json", "--as-of", as_of, *args)
    return result.exit_code, json.loads(result.stdout)


def codes(findings: list[dict[str, Any]], path: str | None = None) -> list[str]:
    return [f["code"] for f in findings if path is None or f["path"] == path]
