"""R5xx: sign-off (审核/签发), secrecy, personal data, active HTML, who may file feedback."""

from __future__ import annotations

import bisect
import datetime as dt
import html
import re
from collections.abc import Callable

from .base import rule

R501 = rule(
    "R501", "error", "缺少审核人或签发人",
    "缺少{what}（{key}）；正式报送前须经本单位领导审核、签发（本单位领导：{leaders}）；草稿可写 draft: true",
    """
信息报送前须经本单位领导**审核**（`reviewed_by`）和**签发**（`approved_by`）。
尚在起草的报告可以写 `draft: true`：草稿会被检查，但不发布、不统计。

**怎么改**：填上审核人和签发人的姓名（必须是本单位在 `_org.yml` 中登记的领导），
或暂时标为草稿。代码托管平台上，合并请求还须由本单位领导批准（见管理员手册中的 CODEOWNERS）。
""",
    details={"reviewed_by": "审核人", "approved_by": "签发人", "none": "未登记"},
)

R502 = rule(
    "R502", "error", "审核签发人不符合要求",
    "{detail}",
    """
审核人、签发人必须是本单位登记的领导；签发人不能是执笔人本人（不能自己签发自己写的报告）。

**怎么改**：请本单位另一位领导签发；领导名单由办公室在 `_org.yml` 中维护。
""",
    details={
        "not_leader": "{what}“{person}”不是“{unit}”登记的领导（{leaders}）；请改为本单位领导",
        "self": "签发人“{person}”就是执笔人本人；不能自己签发自己写的报告，请由本单位另一位领导签发",
        "none": "未登记",
    },
)

R503 = rule(
    "R503", "error", "涉密标志",
    "{detail}",
    """
**国家秘密（秘密、机密、绝密）信息一律不得进入本系统**。本系统只处理公开、内部和限定范围的工作信息。

检查程序会找出标题、标签、密级和正文中的密级标志（如“机密★1年”“密级：秘密”、单独成行的“绝密”）。

**怎么做**：立即撤回该报告（删除文件并提交），按保密规定通过涉密渠道报送，并报告本单位保密工作负责人。
若只是正文中提到了这些词而并非密级标志，请改写避免误会。
""",
    details={
        "fix": "国家秘密不得进入本系统：请立即删除此报告，按保密规定通过涉密渠道报送",
        "classification": "密级写的是“{value}”；{fix}",
        "title": "标题带有密级标志“{mark}”；{fix}",
        "tag": "标签“{tag}”是密级标志；{fix}",
        "line": "第 {line} 行有密级标志“{mark}”；{fix}",
    },
)

R504 = rule(
    "R504", "error", "含有个人信息",
    "{detail}",
    """
公开和内部范围的报告不得含有公民身份号码和手机号码等个人信息（身份号码按 GB 11643 校验码识别，
手机号码按 11 位大陆号段识别；全角数字、元数据里不加引号的数字也算）。

**怎么改**：删去或打码（如 `1381234****`、`110105********002X`）；确需写明的，
把报告设为 `classification: restricted`（限定，仅领导可见）。
""",
    details={
        "in_key": "“{key}”中有{what}；{fix}",
        "in_line": "第 {line} 行有{what}；{fix}",
        "in_name": "文件名中有{what}，文件名就是报告在网站上的编号和地址；请用 git mv 改名",
        "fix": "公开、内部报告不得含有个人信息；请删去或打码，确需保留的把 classification 设为 restricted（限定）",
        "id_number": "公民身份号码“{prefix}…”",
        "mobile": "手机号码“{prefix}…”",
    },
)

R505 = rule(
    "R505", "error", "正文含有可执行的 HTML",
    "{detail}",
    """
报告正文用 Markdown 书写，不能含有 `<script>`、`<iframe>`、`<object>`、`<embed>`、
事件属性（如 `onclick=`）或 `javascript:` 链接——这些会在领导的浏览器里执行代码。
网站构建时也会把正文中的 HTML 原样显示为文字。

**怎么改**：删去这些 HTML；要加粗、列表、表格请用 Markdown 语法。
""",
    details={
        "in_line": "第 {line} 行有{what}，会在浏览器中执行代码；请删去（格式请用 Markdown 书写）",
        "tag": "<{tag}> 标签",
        "handler": "事件属性 {name}=",
        "link": "“{scheme}:”链接",
    },
)

R506 = rule(
    "R506", "error", "无权报送批示/采用",
    "单位“{unit}”不在 feedback_units（{allowed}）中，不能报送批示、采用或退回；请由办公室报送",
    """
领导批示、信息采用和退回由办公室（`_org.yml` 中 `feedback_units` 所列单位）统一登记。

**怎么改**：请办公室的信息员在办公室文件夹中报送。
""",
    details={"none": "未设置"},
)


@R501.checks
def _signoff(report, ctx):
    if report.draft:
        return
    unit = ctx.org.units.get(report.unit or "")
    leaders = "、".join(unit.leaders) if unit and unit.leaders else R501.details["none"]
    for key in ("reviewed_by", "approved_by"):
        if not getattr(report, key):
            yield report.line_of(key, report.line_of("author")), 1, {"what": R501.details[key], "key": key, "leaders": leaders}


@R502.checks
def _signers(report, ctx):
    unit = ctx.org.units.get(report.unit or "")
    if unit is None:
        return
    for key in ("reviewed_by", "approved_by"):
        person = getattr(report, key)
        if person and person not in unit.leaders:
            yield report.line_of(key), 1, {"detail": R502.details["not_leader"].format(
                what=R501.details[key], person=person, unit=unit.name, leaders="、".join(unit.leaders) or R502.details["none"])}
    if report.approved_by and report.author and report.approved_by == report.author:
        yield report.line_of("approved_by"), 1, {"detail": R502.details["self"].format(person=report.approved_by)}


SECRET_MARKS = ("秘密", "机密", "绝密")
_MARKS = "绝密|机密|秘密"
# Possessive quantifiers (*+): two runs of blanks side by side never split one run of blanks
# in every possible way (that was quadratic on a long blank line).
_SECRET_LINE = re.compile(rf"^\s*+[【\[（(]?\s*+(?:密级\s*+[:：]\s*+)?({_MARKS})\s*+(?:★[^\n]*+)?[】\]）)]?\s*+$")
_SECRET_ANY = re.compile(rf"({_MARKS})\s*+★|密级\s*+[:：]\s*+({_MARKS})|[【\[]({_MARKS})[】\]]")


def _secret_in(text: str) -> str | None:
    m = _SECRET_LINE.match(text) or _SECRET_ANY.search(text)
    if not m:
        return None
    return next(g for g in m.groups() if g)


@R503.checks
def _secret(report, ctx):
    words = R503.details
    fix = words["fix"]
    value = report.meta.get("classification")
    if isinstance(value, str) and value.strip() in SECRET_MARKS:
        yield report.line_of("classification"), 1, {"detail": words["classification"].format(value=value.strip(), fix=fix)}
    if report.title:
        mark = _secret_in(report.title)
        if mark:
            yield report.line_of("title"), 1, {"detail": words["title"].format(mark=mark, fix=fix)}
    for tag in report.tags:
        if tag.strip() in SECRET_MARKS:
            yield report.line_of("tags"), 1, {"detail": words["tag"].format(tag=tag, fix=fix)}
    if not any(m in report.body for m in SECRET_MARKS):
        return
    for offset, text in enumerate(report.body.split("\n")):
        mark = _secret_in(text)
        if mark:
            line = report.body_line + offset
            yield line, 1, {"detail": words["line"].format(line=line, mark=mark, fix=fix)}


_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx])(?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<![0-9])(?:\+?86[- ]?)?(1[3-9]\d[- ]?\d{4}[- ]?\d{4})(?![0-9])")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def id_number_valid(number: str, today: dt.date | Callable[[], dt.date] | None = None) -> bool:
    """GB 11643: the 18th character is the check code of the first 17, and the birth date is a
    real date not after ``today`` (people born in 1899 or earlier have numbers too). ``today``
    may be a function, asked only for a number that passes the other tests (``_personal``)."""
    if len(number) != 18 or not number[:17].isdigit():
        return False
    if _ID_CHECK[sum(int(c) * w for c, w in zip(number[:17], _ID_WEIGHTS, strict=True)) % 11] != number[17].upper():
        return False
    try:
        born = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    if callable(today):
        today = today()
    return born <= (today or dt.date.today())


#: full-width digits, X and separators (typed with an input method in full-width mode) read as
#: their ASCII forms, one character for one: positions and columns stay those of the text
_HALF_WIDTH = str.maketrans("０１２３４５６７８９Ｘｘ＋－　", "0123456789Xx+- ")

_ANY_DIGIT = re.compile(r"\d")
# in every ID number (17 digits) and mobile number (1[3-9]x), or a full-width digit that may be one:
# "1[3-9]\d|\d{17}|[０-９]", written to start with one class (a digit), which the regex engine skips to
# at once: one pass over a body, twice as fast as the plain form over a body without any
_MAYBE_PERSONAL = re.compile(r"\d(?:(?<=1)[3-9]\d|\d{16}|(?<=[０-９]))")


def personal_matches(text: str, today: dt.date | Callable[[], dt.date] | None = None) -> list[tuple[int, str]]:
    """(position, description) of each ID number or mobile number in ``text``, in order.

    Neither pattern matches a line break, so a whole body is searched at once (one regex pass
    instead of one call per line) and gives what the lines would give one by one."""
    found = []
    text = text.translate(_HALF_WIDTH)
    if _ANY_DIGIT.search(text):  # both patterns need a decimal digit
        for m in _ID_NUMBER.finditer(text):
            if id_number_valid(m.group(1), today):
                found.append((m.start(1), R504.details["id_number"].format(prefix=m.group(1)[:6])))
        for m in _MOBILE.finditer(text):
            found.append((m.start(1), R504.details["mobile"].format(prefix=m.group(1)[:3])))
    found.sort(key=lambda item: item[0])
    return found


def personal_data(text: str, today: dt.date | Callable[[], dt.date] | None = None) -> list[tuple[int, str]]:
    """(column, description) of each ID number or mobile number in one line of text."""
    return [(pos + 1, what) for pos, what in personal_matches(text, today)]


def _strings(value, key):
    if isinstance(value, str):
        yield key, value
    elif isinstance(value, int) and not isinstance(value, bool):
        yield key, str(value)  # target: 13812345678 unquoted is a number to YAML, and published as written
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(str(k), key)
            yield from _strings(v, key)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v, key)


@R504.checks
def _personal(report, ctx):
    if report.classification == "restricted":
        return
    words = R504.details
    fix = words["fix"]
    # the date of the check, asked only for a valid ID number: a report without one does not
    # depend on it, so what its check found is kept in the check cache (check_cache.py)
    def today() -> dt.date:
        return ctx.as_of.date()

    name = report.path.rsplit("/", 1)[-1]
    for _, what in personal_data(name, today):
        yield 1, 1, {"detail": words["in_name"].format(what=what)}
    for key, value in report.meta.items():
        for _, text in _strings(value, key):
            for column, what in personal_data(text, today):
                yield report.line_of(key), column, {"detail": words["in_key"].format(key=key, what=what, fix=fix)}
    body = report.body
    if not _MAYBE_PERSONAL.search(body):
        return
    line, last = report.body_line, 0
    for pos, what in personal_matches(body, today):
        line += body.count("\n", last, pos)
        last = pos
        column = pos - (body.rfind("\n", 0, pos) + 1) + 1
        yield line, column, {"detail": words["in_line"].format(line=line, what=what, fix=fix)}


# Each pattern keeps to one line ([^\S\n]: a blank that is not a line break) and runs once over
# the whole body; possessive quantifiers (*+, ++) leave nothing to backtrack into.
_ACTIVE_TAG = re.compile(
    r"<[^\S\n]*+(script|iframe|object|embed|applet|frame|frameset|base|meta|link|form|style|svg|math)\b", re.I)
# An event handler is `` on…=`` inside a tag: a ``<`` before it on its line with no ``>`` in
# between, and (as a regex match from ``<`` would) none of this handler's ``<`` used by the
# previous handler. Each candidate looks back only to the previous candidate, so the whole
# body is scanned once (``<[^>]*?\s(on…)=`` rescanned the rest of the line from every ``<``:
# quadratic on a line of ``<``).
_HANDLER = re.compile(r"[^\S\n](on[a-z]++)[^\S\n]*+=", re.I)
_LINK_TARGET = re.compile(
    r"(?:\]\(\s*+<?|href\s*+=\s*+[\"']?|src\s*+=\s*+[\"']?|^\[[^\]]++\]:\s*+|<)\s*+"
    r"((?:java|vb)script\s*+:|data\s*+:\s*+text/html)", re.I | re.M)
# the same, kept to one line, for a whole body at once
_LINK_TARGET_BODY = re.compile(
    r"(?:\]\([^\S\n]*+<?|href[^\S\n]*+=[^\S\n]*+[\"']?|src[^\S\n]*+=[^\S\n]*+[\"']?|^\[[^\]\n]++\]:[^\S\n]*+|<)"
    r"[^\S\n]*+((?:java|vb)script[^\S\n]*+:|data[^\S\n]*+:[^\S\n]*+text/html)", re.I | re.M)
_INVISIBLE = re.compile(r"[\x00-\x20\x7f]+")


def _handlers(body: str) -> list[tuple[int, str]]:
    """(position, name) of each event-handler attribute inside a tag."""
    found, since = [], 0
    for m in _HANDLER.finditer(body):
        pos = m.start()
        opened = body.rfind("<", since, pos)
        if opened >= 0 and body.rfind(">", opened, pos) < 0 and body.find("\n", opened, pos) < 0:
            found.append((m.start(1), m.group(1).lower()))
        since = m.end()
    return found


def active_html(body: str) -> list[tuple[int, int, str]]:
    """(line offset, column, what) of each piece of active HTML in a Markdown body."""
    if "<" not in body and ":" not in body and "&#" not in body and "&colon;" not in body:
        return []
    lines = body.split("\n")
    out: list[tuple[int, int, int, str]] = []
    starts = [0]
    for text in lines[:-1]:
        starts.append(starts[-1] + len(text) + 1)

    def place(pos: int) -> tuple[int, int]:
        offset = bisect.bisect_right(starts, pos) - 1
        return offset, pos - starts[offset] + 1

    if "<" in body:
        for m in _ACTIVE_TAG.finditer(body):
            out.append((*place(m.start()), 0, R505.details["tag"].format(tag=m.group(1).lower())))
        for pos, name in _handlers(body):
            out.append((*place(pos), 1, R505.details["handler"].format(name=name)))

    def link(m: re.Match) -> str:
        return R505.details["link"].format(scheme=m.group(1).split(":")[0].strip().lower())

    # a line with an entity or a tab is judged as a browser sees it ("&#106;avascript:", tabs
    # dropped inside a scheme); every other line is searched in one pass over the body
    if ":" in body:
        for m in _LINK_TARGET_BODY.finditer(body):
            offset, column = place(m.start(1))
            if "&" not in lines[offset] and "\t" not in lines[offset]:
                out.append((offset, column, 2, link(m)))
    for offset, text in enumerate(lines):
        if ("&" in text or "\t" in text) and (":" in text or "&#" in text or "&colon;" in text):
            seen = _INVISIBLE.sub("", html.unescape(text))
            for m in _LINK_TARGET.finditer(seen):
                out.append((offset, 1, 2, link(m)))
    out.sort(key=lambda item: (item[0], item[2], item[1]))
    return [(offset, column, what) for offset, column, _, what in out]


@R505.checks
def _html(report, ctx):
    for offset, column, what in active_html(report.body):
        line = report.body_line + offset
        yield line, column, {"detail": R505.details["in_line"].format(line=line, what=what)}


@R506.checks
def _feedback_unit(report, ctx):
    if report.type == "feedback" and report.unit and report.unit not in ctx.org.feedback_units:
        yield report.line_of("unit"), 1, {"unit": report.unit, "allowed": "、".join(ctx.org.feedback_units) or R506.details["none"]}
