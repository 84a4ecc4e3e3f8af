"""YAML with positions and limits, for front matter and ``_org.yml``.

Why a loader of our own:
- YAML 1.1 reads ``on``/``yes``/``no`` as booleans (a feedback's ``on:`` key would become
  ``True``) and ``2026-11-27 10:00:00`` as a naive datetime; we keep both as written and
  parse times ourselves, in the organisation's timezone.
- Every key needs its line in the file, so we compose nodes first (libyaml's C parser when
  present) and construct values from them.
- Anchors and aliases have no use in a report and are the way to a "billion laughs" bomb:
  they are refused before anything is expanded. Depth and size are bounded too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml

try:  # libyaml: the C parser is about ten times faster
    _Base = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Base = yaml.SafeLoader

MAX_DEPTH = 12
MAX_NODES = 5000


class _Loader(_Base):  # type: ignore[misc, valid-type]
    pass


_BOOL_TAG = "tag:yaml.org,2002:bool"
_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag not in (_BOOL_TAG, _TIMESTAMP_TAG)]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    _BOOL_TAG, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


@dataclass(slots=True)
class YamlProblem(Exception):
    """A problem with the YAML itself; ``line``/``column`` are 1-based, in the file."""

    line: int
    column: int
    message: str  # Chinese, says how to fix it
    kind: str  # syntax | alias | depth | size | duplicate

    def __str__(self) -> str:  # pragma: no cover - for debugging only
        return f"{self.line}:{self.column}: {self.message}"


@dataclass(slots=True)
class Loaded:
    value: Any
    key_lines: dict[str, int]  # top-level key -> line in the file
    key_columns: dict[str, int]
    node: Any  # the composed root node (for nested positions)


_PROBLEM_ZH = {
    "could not find expected ':'": "缺少英文冒号“:”（键和值之间要用英文冒号加一个空格）",
    "mapping values are not allowed here": "这里不能出现冒号（值里含有“: ”时请给整个值加英文引号）",
    "found character that cannot start any token": "出现了 YAML 不允许的字符（常见原因：用了 Tab 缩进，请改用空格）",
    "found undefined alias": "出现了未定义的别名（*开头的值）；请去掉 * 或给整个值加引号",
    "did not find expected key": "缩进不一致或缺少冒号；同一层的键要左对齐",
    "did not find expected '-' indicator": "列表缩进不一致；每一项都以“- ”开头并对齐",
    "found unexpected end of stream": "引号或括号没有闭合",
    "found unknown escape character": "双引号里出现了无效的转义符（\\）；请改用单引号",
    "found a tab character": "出现了 Tab 字符；YAML 缩进只能用空格",
    "while scanning a quoted scalar": "引号没有闭合",
    "expected <block end>, but found": "缩进不一致：同一层的键要左对齐",
}


def _explain(problem: str | None, context: str | None) -> str:
    text = f"{context or ''} {problem or ''}"
    for english, chinese in _PROBLEM_ZH.items():
        if english in text:
            return chinese
    return f"YAML 语法错误（{(problem or context or '未知').strip()}）"


def load(text: str, first_line: int = 1) -> Loaded:
    """Parse one YAML document; ``first_line`` is the file line of the text's first line.

    Raises ``YamlProblem`` for syntax errors, aliases, excessive depth or size.
    """
    loader = _Loader(text)
    try:
        try:
            node = loader.get_single_node()
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = (mark.line if mark else 0) + first_line
            column = (mark.column if mark else 0) + 1
            raise YamlProblem(line, column, _explain(exc.problem, exc.context), "syntax") from None
        except yaml.YAMLError as exc:  # e.g. reader errors on control characters
            raise YamlProblem(first_line, 1, f"YAML 无法读取：{exc}", "syntax") from None
        if node is None:
            return Loaded(None, {}, {}, None)
        _check_shape(node, first_line)
        try:
            value = loader.construct_document(node)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = (mark.line if mark else 0) + first_line
            raise YamlProblem(line, 1, _explain(getattr(exc, "problem", None), None), "syntax") from None
        except (TypeError, ValueError) as exc:  # unhashable keys and the like
            raise YamlProblem(first_line, 1, f"YAML 结构无效：{exc}", "syntax") from None
    finally:
        loader.dispose()
    key_lines: dict[str, int] = {}
    key_columns: dict[str, int] = {}
    if isinstance(node, yaml.MappingNode):
        for key_node, _ in node.value:
            key = str(key_node.value)
            key_lines.setdefault(key, key_node.start_mark.line + first_line)
            key_columns.setdefault(key, key_node.start_mark.column + 1)
    return Loaded(value, key_lines, key_columns, node)


def _check_shape(root: Any, first_line: int) -> None:
    """Refuse aliases, duplicate keys, deep nesting and huge documents, without expanding."""
    seen: set[int] = set()
    stack = [(root, 1)]
    count = 0
    while stack:
        node, depth = stack.pop()
        count += 1
        line = node.start_mark.line + first_line
        if id(node) in seen:
            raise YamlProblem(
                line, node.start_mark.column + 1,
                "不支持 YAML 锚点和别名（& 和 * 开头的值）；请把内容直接写出来", "alias",
            )
        seen.add(id(node))
        if depth > MAX_DEPTH:
            raise YamlProblem(line, 1, f"嵌套超过 {MAX_DEPTH} 层；报告的元数据不需要这么深的结构", "depth")
        if count > MAX_NODES:
            raise YamlProblem(first_line, 1, f"元数据超过 {MAX_NODES} 项；请精简", "size")
        if isinstance(node, yaml.MappingNode):
            keys: set[str] = set()
            for key_node, value_node in node.value:
                if isinstance(key_node, yaml.ScalarNode):
                    if key_node.value in keys:
                        raise YamlProblem(
                            key_node.start_mark.line + first_line, key_node.start_mark.column + 1,
                            f"键“{key_node.value}”重复出现；每个键只能写一次，请删去多余的一行",
                            "duplicate",
                        )
                    keys.add(key_node.value)
                stack.append((key_node, depth + 1))
                stack.append((value_node, depth + 1))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((child, depth + 1) for child in node.value)
        elif node.tag not in _PLAIN_TAGS and not node.tag.startswith("tag:yaml.org,2002:"):
            raise YamlProblem(line, node.start_mark.column + 1, f"不支持的 YAML 标签 {node.tag}", "syntax")


_PLAIN_TAGS = {"!", None}
