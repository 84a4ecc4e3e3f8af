"""The front-matter schema of SPEC §4: which keys each type has, their forms, their values.

``apply`` turns a report's raw mapping into typed ``Report`` attributes and yields the R2xx
findings (missing key, unknown key, wrong form, value not allowed, unknown unit, …).
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from . import periods, timeparse
from .config import Org
from .model import (
    ADOPTION_LEVELS,
    CLASSIFICATIONS,
    CREDIT_CATEGORIES,
    FEEDBACK_KINDS,
    INCIDENT_CATEGORIES,
    PERIODIC_TYPES,
    REPORT_TYPES,
    SEVERITY_GRADES,
    STAGES,
    Finding,
    Report,
)
from .rules.content import PLACEHOLDER
from .rules.fields import R201, R202, R203, R204, R205, R206, R207


@dataclass(frozen=True, slots=True)
class Key:
    name: str
    meaning: str  # Chinese
    form: str  # text | time | date | int | number | bool | list | mapping | period | enum
    required: bool = False
    choices: tuple[str, ...] | dict[str, str] = ()  # enum: allowed values (dict: code -> label)
    attr: str | None = None  # Report attribute (default: the key)


COMMON = (
    Key("title", "标题", "text", True),
    Key("type", "类型", "enum", True, REPORT_TYPES),
    Key("unit", "单位", "text", True),
    Key("author", "执笔人", "text", True),
    Key("reported_at", "报送时间", "time", True),
    Key("reviewed_by", "审核人", "text"),
    Key("approved_by", "签发人", "text"),
    Key("classification", "密级范围", "enum", False, CLASSIFICATIONS),
    Key("draft", "草稿", "bool"),
    Key("anonymous", "匿名", "bool"),
    Key("tags", "标签", "list"),
)
PERIODIC = (Key("period", "报告期", "period", True), Key("metrics", "指标", "mapping"))
OWN: dict[str, tuple[Key, ...]] = {
    "incident": (
        Key("occurred_at", "发生时间", "time", True),
        Key("location", "地点", "text", True),
        Key("category", "事件类别", "enum", True, INCIDENT_CATEGORIES),
        Key("severity", "事件等级", "enum", True, SEVERITY_GRADES),
        Key("deaths", "死亡人数", "int"),
        Key("injuries", "受伤人数", "int"),
        Key("loss", "直接经济损失（万元）", "number"),
        Key("stage", "报告阶段", "enum", False, STAGES),
        Key("follows", "初报编号", "text"),
    ),
    "weekly": PERIODIC,
    "monthly": PERIODIC,
    "quarterly": PERIODIC,
    "annual": PERIODIC,
    "inspection": (
        Key("inspected_on", "检查日期", "date", True),
        Key("target", "检查对象", "text", True),
        Key("hazards_found", "发现隐患数", "int", True),
        Key("hazards_fixed", "已整改隐患数", "int", True),
    ),
    "task": (
        Key("assigned_by", "交办领导", "text", True),
        Key("assigned_on", "交办日期", "date", True),
        Key("due", "办结期限", "date", True),
        Key("progress", "进度（0–100）", "number", True),
    ),
    "credit": (
        Key("subject", "信用主体", "text", True),
        Key("uscc", "统一社会信用代码", "text", True),
        Key("category", "信用信息类别", "enum", True, CREDIT_CATEGORIES),
        Key("decided_on", "决定日期", "date", True),
        Key("decision_no", "决定文号", "text", True),
    ),
    "info": (),
    "feedback": (
        Key("on", "所针对报告的编号", "text", True),
        Key("kind", "反馈类别", "enum", True, FEEDBACK_KINDS),
        Key("by", "批示或采用者", "text", True),
        Key("level", "采用级别", "enum", False, ADOPTION_LEVELS),
    ),
}
#: keys required only when another key has one of some values:
#: (type, key, the deciding key, its values, the hint R201 adds)
CONDITIONAL = (
    ("incident", "follows", "stage", ("续报", "终报"),
     "：续报、终报要写明所跟进的初报编号，如 follows: anjianke/2026/2026-11-03-收费站火情"),
    ("feedback", "level", "kind", ("采用",), f"：采用要写明级别（{'、'.join(ADOPTION_LEVELS)}）"),
)
ALL_KEYS = {k.name: k for k in COMMON} | {k.name: k for keys in OWN.values() for k in keys}
_KEYS_BY_TYPE = {t: {k.name: k for k in COMMON + own} for t, own in OWN.items()}
_TYPE_OF_LABEL = {label: code for code, label in REPORT_TYPES.items()}
_FORM_TEXT = {
    "time": "应写成 2026-11-27 09:30（本单位时区）或 2026-11-27T09:30:00+08:00",
    "date": "应写成 2026-11-27",
    "int": "应是不带单位的整数，如 3",
    "number": "应是不带单位的数字，如 12.5",
    "bool": "应是 true 或 false",
    "list": "应是列表，如 [防汛, 森林防火]",
    "mapping": "应是“名称: 数字”的映射，如 {检查企业数: 12, 发现隐患: 30}",
    "mapping_item": "“{name}”后面应是不带单位的数字，如 {name}: 12",
    "list_item": "第 {n} 项“{item}”{why}",
    "list_empty": "是空的；请删去这一项或填写内容",
    "list_not_text": "不是文字；每一项写一个词，如 [防汛, 森林防火]",
    "list_joined": "里有逗号或顿号，会被当作一个标签；多个标签请写成列表，如 [防汛, 森林防火]",
    "joined": "有逗号或顿号，会被当作一个标签；多个标签请写成列表（方括号、英文逗号），如 [防汛, 森林防火]",
    "text": "应是一段文字",
}
_OUT_OF_RANGE = "超出可处理的时间范围（换算时区或计算期限后会越过公元 1 年或 9999 年）；请写实际的年份"


# Control characters (C0 but tab/line feed, DEL, C1) and non-characters (U+FFFE, U+FFFF, …):
# YAML's escapes ("\0", "\e", "\uFFFE") can write them; they would reach pages raw.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ufdd0-\ufdef\ufffe\uffff]")


def _unreadable_text(value: Any) -> str | None:
    """Why a string value cannot be taken as written (blank, or control characters), else None."""
    if not isinstance(value, str):
        return None
    if not value.strip():
        return "不能只有空白；请填写实际内容，不需要时请删去这一行"
    m = _CONTROL.search(value)
    if m:
        return f"含有看不见的控制字符（U+{ord(m.group(0)):04X}）；请删去它后重新输入"
    return None


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


#: written inside one item of a list, these separate what the writer meant as several items
_JOINED = re.compile("[,，、]")


def _list_problem(items: list) -> str | None:
    """What is wrong with the first bad item of a list (as R203's ``expected``), or None."""
    for n, item in enumerate(items, start=1):
        if not isinstance(item, (str, int, float)) or isinstance(item, bool):
            why = _FORM_TEXT["list_not_text"]
        elif isinstance(item, str) and not item.strip():
            why = _FORM_TEXT["list_empty"]
        elif isinstance(item, str) and _JOINED.search(item) and PLACEHOLDER not in item:  # that is R407's
            why = _FORM_TEXT["list_joined"]
        else:
            why = _unreadable_text(item)
        if why:
            return _FORM_TEXT["list_item"].format(n=n, item=_shown(item), why=why)
    return None


def _shown(value: Any) -> str:
    text = _CONTROL.sub("�", str(value))
    return text if len(text) <= 40 else text[:40] + "…"


def _enum(value: Any, choices: tuple[str, ...] | dict[str, str]) -> str | None:
    """Accept a code or its Chinese label; return the code, or None."""
    if not isinstance(value, str):
        return None
    value = value.strip()
    if isinstance(choices, dict):
        if value in choices:
            return value
        for code, label in choices.items():
            if value == label:
                return code
        return None
    return value if value in choices else None


def _allowed(choices: tuple[str, ...] | dict[str, str]) -> str:
    if isinstance(choices, dict):
        return "、".join(f"{code}（{label}）" for code, label in choices.items())
    return "、".join(choices)


def _nearest(key: str, candidates: list[str]) -> str | None:
    found = difflib.get_close_matches(key, candidates, n=1, cutoff=0.6)
    return found[0] if found else None


def apply(report: Report, org: Org) -> Iterator[Finding]:
    """Fill ``report``'s typed attributes from ``report.meta`` and yield R201–R207 findings."""
    meta = report.meta
    path = report.path
    line = report.line_of

    rtype = _enum(meta.get("type"), REPORT_TYPES)
    if rtype is None and isinstance(meta.get("type"), str):
        rtype = _TYPE_OF_LABEL.get(meta["type"].strip())
    known = _KEYS_BY_TYPE.get(rtype) if rtype else None

    # unknown keys (R202), with the nearest known key as a hint
    for key in meta:
        name = str(key)
        allowed = known if known is not None else ALL_KEYS
        if name in allowed:
            continue
        if name in ALL_KEYS:
            users = [REPORT_TYPES[t] for t, keys in _KEYS_BY_TYPE.items() if name in keys]
            hint = f"：这一项只用于{'、'.join(users)}，{REPORT_TYPES.get(rtype or '', '')}报告没有它；请删除这一行或检查 type"
        else:
            near = _nearest(name, list(allowed))
            hint = f"，是不是“{near}”？" if near else "；请删除或改成正确的键名"
        yield R202.finding(path, line(name), 1, key=name, hint=hint)

    if "type" not in meta:
        yield R201.finding(path, 1, 1, key="type", meaning="类型", hint=f"（可选：{_allowed(REPORT_TYPES)}）")
    elif rtype is None:
        yield R204.finding(path, line("type"), 1, key="type", value=_shown(meta["type"]), allowed=_allowed(REPORT_TYPES))
    report.type = rtype

    keys = list(COMMON) + list(OWN.get(rtype, ())) if rtype else list(COMMON)
    for spec in keys:
        if spec.name == "type":
            continue
        yield from _convert(report, spec, org)

    # keys whose requirement depends on other values
    if rtype == "incident":
        report.stage = report.stage or "初报"
    for kind, key, when, values, hint in CONDITIONAL:
        if rtype == kind and getattr(report, when) in values and meta.get(key) in (None, ""):
            yield R201.finding(path, line(when), 1, key=key, meaning=ALL_KEYS[key].meaning, hint=hint)

    # unit, folder and roster
    if report.unit is not None:
        unit = org.units.get(report.unit)
        if unit is None:
            yield R205.finding(path, line("unit"), 1, unit=report.unit, known="、".join(org.units))
        else:
            if report.unit != report.folder_unit:
                yield R206.finding(path, line("unit"), 1, unit=report.unit, folder=report.folder_unit)
            # a template's placeholder left in author is R407's, said once
            if report.author is not None and not unit.may_author(report.author) and PLACEHOLDER not in report.author:
                yield R207.finding(path, line("author"), 1, author=report.author, unit=report.unit,
                                   reporters="、".join(unit.reporters) or "无", leaders="、".join(unit.leaders) or "无")


def _convert(report: Report, spec: Key, org: Org) -> Iterator[Finding]:
    meta = report.meta
    name = spec.name
    attr = spec.attr or name
    path = report.path
    if name not in meta or meta[name] is None or meta[name] == "":
        if spec.required:
            yield R201.finding(path, report.line_of(name, 1), 1, key=name, meaning=spec.meaning, hint="")
        elif name in meta and spec.form in ("bool", "enum"):  # written but empty: never a silent default
            if name == "classification":
                report.classification = "restricted"  # unknown: treat as the most confidential
            if spec.form == "bool":
                yield R203.finding(path, report.line_of(name), 1, key=name, value="（空）",
                                   expected=_FORM_TEXT["bool"] + "，不能空着；不需要时请删去这一行")
            else:
                yield R204.finding(path, report.line_of(name), 1, key=name, value="（空）",
                                   allowed=_allowed(spec.choices) + "；不需要时请删去这一行")
        return
    value = meta[name]
    line = report.line_of(name)
    bad = _unreadable_text(value)
    if bad:
        if name == "classification":
            report.classification = "restricted"
        yield R203.finding(path, line, 1, key=name, value=_shown(value), expected=bad)
        return
    typed: Any = None
    form = spec.form
    if form == "text":
        if isinstance(value, str):
            typed = value.strip()
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            typed = str(value)  # a decision number written without quotes
        else:
            bad = _FORM_TEXT["text"]
    elif form in ("time", "date"):
        typed = timeparse.parse_time(value, org.timezone) if form == "time" else timeparse.parse_date(value)
        if typed is None:
            bad = _OUT_OF_RANGE if timeparse.out_of_range(value, org.timezone) else _FORM_TEXT[form]
    elif form == "int":
        if isinstance(value, int) and not isinstance(value, bool):
            typed = value
        else:
            bad = _FORM_TEXT["int"]
    elif form == "number":
        if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
            typed = value
        else:
            bad = _FORM_TEXT["number"]
    elif form == "bool":
        if isinstance(value, bool):
            typed = value
        else:
            bad = _FORM_TEXT["bool"]
    elif form == "list":
        items = value if isinstance(value, list) else [value] if isinstance(value, str) else None
        bad = _FORM_TEXT["list"] if items is None else _list_problem(items)
        if bad and isinstance(value, str) and _JOINED.search(value) and PLACEHOLDER not in value:
            bad = _FORM_TEXT["joined"]  # 消防, 交通运输 without brackets: one item, say how to make a list
        if not bad:
            typed = [str(v).strip() for v in items]  # a single tag may be written without brackets
    elif form == "mapping":
        wrong = [(k, v) for k, v in value.items() if not _is_number(v)] if isinstance(value, dict) else []
        if isinstance(value, dict) and not wrong and not any(_unreadable_text(k) for k in value):
            typed = {str(k): v for k, v in value.items()}
        elif wrong and isinstance(wrong[0][0], str) and not _unreadable_text(wrong[0][0]):
            # name the entry that is not a number, rather than show the whole mapping
            entry, item = wrong[0]
            yield R203.finding(path, line, 1, key=name, value=_shown(item),
                               expected=_FORM_TEXT["mapping_item"].format(name=entry))
            return
        else:
            bad = _FORM_TEXT["mapping"]
    elif form == "period":
        kind = report.type if report.type in PERIODIC_TYPES else None
        example = periods.FORM_EXAMPLES.get(kind or "", "2026-W48、2026-11、2026-Q4 或 2026")
        if periods.parse(value) is None:
            bad = f"报告期应写成 {example}"
        else:
            typed = str(value).strip()  # its kind is judged by R306
    elif form == "enum":
        typed = _enum(value, spec.choices)
        if typed is None:
            if name == "classification":
                report.classification = "restricted"  # unknown: treat as the most confidential
            yield R204.finding(path, line, 1, key=name, value=_shown(value), allowed=_allowed(spec.choices))
            return
    if bad:
        yield R203.finding(path, line, 1, key=name, value=_shown(value), expected=bad)
        return
    setattr(report, attr, typed)
