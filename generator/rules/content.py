"""R4xx: what the report says — sections, vague words, references, grades, codes, numbers."""

from __future__ import annotations

import re

from ..model import CLASSIFICATION_RANK, CLASSIFICATIONS, SEVERITY_GRADES
from .base import rule

R401 = rule(
    "R401", "error", "缺少必需章节",
    "正文缺少“## {section}”一节（{type_label}{variant}须包含：{required}）；请在正文中加上二级标题“## {section}”并写明内容",
    """
报告正文用二级标题（`## 标题`）分节，每类报告都有必需的章节，确保概况、时间、经过、进度、
分析、结果一项不缺：

| 类型 | 必需章节 |
|---|---|
| 突发事件（初报、续报） | 基本情况、事件经过、处置措施 |
| 突发事件（终报） | 另加 原因分析、处理结果 |
| 周报、月报、季报、年报 | 工作进展、存在问题、下一步计划 |
| 监督检查 | 检查情况、发现问题、整改要求 |
| 交办事项 | 落实情况 |
| 信用信息（行政处罚） | 违法行为、处罚依据、处罚结果 |
| 信用信息（其他） | 基本情况 |

标题前可以加序号，如 `## 一、基本情况`。

**怎么改**：按提示补上缺少的二级标题和内容。
""",
)

R402 = rule(
    "R402", "warning", "模糊用语",
    "第 {line} 行用了模糊词“{word}”；信息要真实准确，请核实后写明确切情况（时间、人数、数量），删去“{word}”",
    """
信息上报要真实、准确，不用“听说、据说、可能、或许、也许、好像、差不多、大概、估计”等模糊词语
（词表由办公室在 `_org.yml` 的 `vague_words` 中维护）。

这是**警告**：默认不阻止提交，`shangbao check --strict` 时视为不通过。

**怎么改**：核实后写明确切的情况；确实尚未查清的，写“正在核查”，并在续报中补充。
""",
)

R403 = rule(
    "R403", "error", "引用的报告不存在或不匹配",
    "{detail}",
    """
续报、终报的 `follows` 必须是本单位一份突发事件**初报**的编号；批示、采用的 `on` 必须是一份已报送报告的编号，
且批示、采用的 `classification` 不得低于所针对的报告（对限定报告的批示也是限定）。
编号是报告在 `submissions/` 下的路径去掉 `.md`，例如 `anjianke/2026/2026-11-03-收费站火情`。

**怎么改**：从网站报告页的“编号”处复制，或按文件路径填写。
""",
    scope="repository",
)

R404 = rule(
    "R404", "error", "事件等级偏低",
    "事件等级写的是“{declared}”，但{reason}已达到“{grade}”；请按《生产安全事故报告和调查处理条例》改为“{grade}”或核对伤亡、损失数字",
    """
事件等级不能低于伤亡和损失已经达到的等级（《生产安全事故报告和调查处理条例》第三条）：

| 等级 | 死亡 | 重伤 | 直接经济损失 |
|---|---|---|---|
| 特别重大 | 30 人以上 | 100 人以上 | 1 亿元以上 |
| 重大 | 10 人以上 | 50 人以上 | 5000 万元以上 |
| 较大 | 3 人以上 | 10 人以上 | 1000 万元以上 |
| 一般 | 3 人以下 | 10 人以下 | 1000 万元以下 |

（“以上”包括本数。）`loss` 以万元为单位。

**怎么改**：把 `severity` 改为提示的等级，或核对 `deaths`、`injuries`、`loss`。
""",
    details={"deaths": "死亡 {deaths} 人", "injuries": "受伤 {injuries} 人", "loss": "直接经济损失 {loss:g} 万元",
             "joiner": "、"},
)

R405 = rule(
    "R405", "error", "统一社会信用代码有误",
    "统一社会信用代码“{code}”{problem}；请对照营业执照或“国家企业信用信息公示系统”核对",
    """
统一社会信用代码共 18 位，由数字和大写字母组成（不用 I、O、Z、S、V），最后一位是按
GB 32100-2015 计算的校验码。抄错任何一位，校验码就对不上。

**怎么改**：对照营业执照逐位核对。
""",
    details={
        "length": "有 {length} 位，应为 18 位",
        "character": "含有不允许的字符“{char}”（只用数字和除 I、O、Z、S、V 以外的大写字母）",
        "check": "校验码不对（最后一位按前 17 位算应为“{expected}”）",
    },
)

R406 = rule(
    "R406", "error", "数字不合理",
    "{detail}",
    """
人数、隐患数不能是负数；已整改隐患数不能多于发现的隐患数；进度只能在 0 到 100 之间；
损失不能为负。

**怎么改**：核对数字。
""",
    details={
        "negative": "{meaning}（{key}）是 {value}，不能为负数；请核对",
        "fixed_over_found": "已整改隐患 {fixed} 处，多于发现的隐患 {found} 处；请核对 hazards_found 和 hazards_fixed",
        "progress": "进度是 {progress:g}，应在 0 到 100 之间（百分比，不写 %）",
    },
)
#: the counts R406 requires to be zero or more, and how its message names them
COUNT_KEYS = (("deaths", "死亡人数"), ("injuries", "受伤人数"), ("loss", "直接经济损失"),
              ("hazards_found", "发现隐患数"), ("hazards_fixed", "已整改隐患数"))

#: The one mark ``templates/new/`` puts on every text the writer must replace (a value, an instruction
#: line): ``【填写说明：…】``. R407 knows it; nothing else in a report is taken for a placeholder.
PLACEHOLDER = "【填写说明"

R407 = rule(
    "R407", "error", "模板占位文字未改",
    "{detail}",
    """
`shangbao new` 生成的报告里，凡是需要报送员改写的地方都写成 `【填写说明：……】`：
标题、地点、当事人等报头的值，以及正文各节里的写作提示。报告提交前必须把它们全部换成实际内容；
必需章节（见 R401）里也必须有报送员自己写的文字，不能只留一个标题。

例如，下面这份报告有两处错误——地点还是占位文字，“事件经过”一节只有写作提示：

```
location: "【填写说明：事发地点，写到村、路段或单位】"
```

```
## 事件经过

【填写说明：按时间顺序写明事件发生、发现、报警和救援力量到场的经过，时间写到分钟。】
```

**怎么改**：按说明写上实际内容，并删去整段 `【填写说明：……】`；不适用的说明（如初报里关于终报的提示）直接删去。
""",
    details={
        "in_key": "{key} 还是模板的占位文字“{snippet}”；请改为实际内容",
        "in_line": "正文第 {line} 行还是模板的填写说明“{snippet}”；请按说明写上实际内容，并删去这段说明",
        "no_text": "“## {title}”一节没有报送员自己写的内容；请写明{name}（必需章节不能只留标题或模板说明）",
    },
)


def _snippet(text: str) -> str:
    start = text.find(PLACEHOLDER)
    end = text.find("】", start)
    piece = text[start:end + 1] if end >= 0 else text[start:]
    return piece if len(piece) <= 40 else piece[:39] + "…"


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(k)
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


@R407.checks
def _placeholders(report, ctx):
    for key, value in report.meta.items():
        text = next((t for t in _strings(value) if PLACEHOLDER in t), None)
        if text is not None:
            yield report.line_of(str(key)), 1, {"detail": R407.details["in_key"].format(key=key, snippet=_snippet(text))}
    lines = report.body.split("\n")
    if PLACEHOLDER in report.body:
        for offset, text in enumerate(lines):
            column = text.find(PLACEHOLDER)
            if column >= 0:
                yield report.body_line + offset, column + 1, {"detail": R407.details["in_line"].format(
                    line=report.body_line + offset, snippet=_snippet(text))}
    required, _variant = required_sections(report)
    if not required:
        return
    starts = [s.line - report.body_line for s in report.sections] + [len(lines)]
    for index, section in enumerate(report.sections):
        name = _NUMBERING.sub("", section.title).strip()
        if name not in required:
            continue
        own = lines[starts[index] + 1:starts[index + 1]]
        if not any(_own_text(line) for line in own) and not any(PLACEHOLDER in line for line in own):
            yield section.line, 1, {"detail": R407.details["no_text"].format(title=section.title, name=name)}


_MARKED = re.compile(PLACEHOLDER + "[^】]*】?")


def _own_text(line: str) -> bool:
    """Whether a body line holds text of the writer's own (not blank, a heading or a template mark)."""
    text = line.strip()
    if not text or text.startswith("#"):
        return False
    return bool(_MARKED.sub("", text).strip()) if PLACEHOLDER in text else True


# --- R401 ------------------------------------------------------------------------------

_SECTIONS = {
    "weekly": ("工作进展", "存在问题", "下一步计划"),
    "monthly": ("工作进展", "存在问题", "下一步计划"),
    "quarterly": ("工作进展", "存在问题", "下一步计划"),
    "annual": ("工作进展", "存在问题", "下一步计划"),
    "inspection": ("检查情况", "发现问题", "整改要求"),
    "task": ("落实情况",),
}
_NUMBERING = re.compile(r"^(?:[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十\d]+[)）]|\d+[、.．]?)\s*")


def required_sections(report) -> tuple[tuple[str, ...], str]:
    """The sections a report must contain, and the variant name shown in the message."""
    if report.type == "incident":
        if report.stage == "终报":
            return ("基本情况", "事件经过", "处置措施", "原因分析", "处理结果"), "（终报）"
        return ("基本情况", "事件经过", "处置措施"), f"（{report.stage or '初报'}）"
    if report.type == "credit":
        if report.category == "行政处罚":
            return ("违法行为", "处罚依据", "处罚结果"), "（行政处罚）"
        return ("基本情况",), ""
    return _SECTIONS.get(report.type, ()), ""


@R401.checks
def _sections(report, ctx):
    required, variant = required_sections(report)
    if not required:
        return
    present = {_NUMBERING.sub("", s.title).strip() for s in report.sections}
    for name in required:
        if name not in present:
            yield report.body_line, 1, {
                "section": name, "type_label": report.type_label, "variant": variant, "required": "、".join(required),
            }


# --- R402 ------------------------------------------------------------------------------

def _vague_pattern(words):
    key = tuple(words)
    cached = _VAGUE_CACHE.get(key)
    if cached is None:
        cached = re.compile("|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))) if words else None
        _VAGUE_CACHE[key] = cached
    return cached


_VAGUE_CACHE: dict = {}


@R402.checks
def _vague(report, ctx):
    pattern = _vague_pattern(ctx.org.vague_words)
    if pattern is None:
        return
    if report.title:
        m = pattern.search(report.title)
        if m:
            line = report.line_of("title")
            yield line, 1, {"line": line, "word": m.group(0)}
    if not pattern.search(report.body):
        return
    for offset, text in enumerate(report.body.split("\n")):
        for m in pattern.finditer(text):
            line = report.body_line + offset
            yield line, m.start() + 1, {"line": line, "word": m.group(0)}


# --- R403 ------------------------------------------------------------------------------

@R403.checks
def _reference(report, ctx):
    if report.type == "incident" and report.stage in ("续报", "终报") and report.follows:
        target = ctx.by_id.get(report.follows)
        line = report.line_of("follows")
        if target is None:
            yield line, 1, {"detail": f"follows 写的“{report.follows}”不是任何报告的编号；编号是 submissions/ 下的路径去掉 .md，如 {report.id}"}
        elif target.type != "incident" or (target.stage or "初报") != "初报":
            yield line, 1, {"detail": f"follows 指向的“{target.title or target.id}”不是突发事件初报；续报、终报要跟进本单位的初报"}
        elif target.unit != report.unit:
            yield line, 1, {"detail": f"follows 指向的初报属于单位“{target.unit}”，不是本单位“{report.unit}”；续报、终报由报送初报的单位报送"}
        elif target.draft:
            yield line, 1, {"detail": "follows 指向的初报还是草稿（draft: true），不会发布；请先正式报送初报"}
    if report.type == "feedback" and report.on:
        target = ctx.by_id.get(report.on)
        line = report.line_of("on")
        if target is None:
            yield line, 1, {"detail": f"on 写的“{report.on}”不是任何报告的编号；编号是 submissions/ 下的路径去掉 .md"}
        elif target.type == "feedback":
            yield line, 1, {"detail": "on 指向的是另一条批示/采用；批示、采用只能针对报告本身"}
        elif target.draft:
            yield line, 1, {"detail": "on 指向的是草稿，草稿不发布，不能批示或采用"}
        elif CLASSIFICATION_RANK.get(target.classification, 2) > CLASSIFICATION_RANK.get(report.classification, 2):
            # a 批示 on a restricted report speaks of it: published lower, it would show its reader
            # what the report's own audience rule keeps from them (and the summary would not count it)
            yield line, 1, {"detail": f"on 指向的报告是{CLASSIFICATIONS.get(target.classification, target.classification)}"
                                      f"，本条是{CLASSIFICATIONS.get(report.classification, report.classification)}"
                                      f"：批示、采用的密级不得低于所针对的报告，请把 classification 改为 {target.classification}"}


# --- R404 ------------------------------------------------------------------------------

# (grade, deaths, serious injuries, loss in 万元): the lower bound of each grade
_GRADES = (("特别重大", 30, 100, 10000), ("重大", 10, 50, 5000), ("较大", 3, 10, 1000))


def grade_reached(deaths: int, injuries: int, loss: float) -> tuple[str, str]:
    """The grade the figures reach, and which figure reaches it (for the message)."""
    for grade, d, i, money in _GRADES:
        words = R404.details
        reasons = []
        if deaths >= d:
            reasons.append(words["deaths"].format(deaths=deaths))
        if injuries >= i:
            reasons.append(words["injuries"].format(injuries=injuries))
        if loss >= money:
            reasons.append(words["loss"].format(loss=loss))
        if reasons:
            return grade, words["joiner"].join(reasons)
    return "一般", ""


@R404.checks
def _grade(report, ctx):
    if report.type != "incident" or report.severity is None:
        return
    grade, reason = grade_reached(report.deaths or 0, report.injuries or 0, report.loss or 0)
    if SEVERITY_GRADES.index(grade) > SEVERITY_GRADES.index(report.severity):
        yield report.line_of("severity"), 1, {"declared": report.severity, "grade": grade, "reason": reason}


# --- R405 ------------------------------------------------------------------------------

USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def uscc_check_char(first17: str) -> str:
    total = sum(USCC_CHARS.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return USCC_CHARS[(31 - total % 31) % 31]


def uscc_problem(code: str) -> str | None:
    """Why a 统一社会信用代码 is wrong (GB 32100-2015), or None when it is valid."""
    if len(code) != 18:
        return R405.details["length"].format(length=len(code))
    bad = [c for c in code if c not in USCC_CHARS]
    if bad:
        return R405.details["character"].format(char=bad[0])
    expected = uscc_check_char(code[:17])
    if code[17] != expected:
        return R405.details["check"].format(expected=expected)
    return None


@R405.checks
def _uscc(report, ctx):
    if report.type != "credit" or not report.uscc or PLACEHOLDER in report.uscc:
        return  # a template's placeholder is R407's
    problem = uscc_problem(report.uscc.strip())
    if problem:
        yield report.line_of("uscc"), 1, {"code": report.uscc, "problem": problem}


# --- R406 ------------------------------------------------------------------------------

@R406.checks
def _numbers(report, ctx):
    words = R406.details
    for key, meaning in COUNT_KEYS:
        value = getattr(report, key)
        if value is not None and value < 0:
            yield report.line_of(key), 1, {"detail": words["negative"].format(meaning=meaning, key=key, value=value)}
    found, fixed = report.hazards_found, report.hazards_fixed
    if found is not None and fixed is not None and fixed > found >= 0:
        yield report.line_of("hazards_fixed"), 1, {"detail": words["fixed_over_found"].format(fixed=fixed, found=found)}
    if report.progress is not None and not 0 <= report.progress <= 100:
        yield report.line_of("progress"), 1, {"detail": words["progress"].format(progress=report.progress)}
