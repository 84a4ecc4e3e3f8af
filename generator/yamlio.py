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
MAX_NODES = 5000  # a report's front matter
MAX_ORG_NODES = 500_000  # _org.yml: an organisation of thousands of units with their people


_RESOLVED: dict[tuple[Any, Any, Any], str] = {}


class _Loader(_Base):  # type: ignore[misc, valid-type]
    def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
        """The implicit tag of a node; keys and short values recur in every report, so remember them."""
        key = (kind, value, implicit)
        tag = _RESOLVED.get(key)
        if tag is None:
            tag = super().resolve(kind, value, implicit)
            if len(_RESOLVED) < 20000 and (value is None or len(value) <= 40):
                _RESOLVED[key] = tag
        return tag


_BOOL_TAG = "tag:yaml.org,2002:bool"
_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
_INT_TAG = "tag:yaml.org,2002:int"
_FLOAT_TAG = "tag:yaml.org,2002:float"
_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag not in (_BOOL_TAG, _TIMESTAMP_TAG, _INT_TAG, _FLOAT_TAG)]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    _BOOL_TAG, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
# Numbers only in the forms people write them. YAML 1.1 also reads 010 as octal 8, 1:30 as 90
# (base 60), 1_000 and 0x1F: a figure in a summary or a decision number on a page would silently
# differ from the file. Those forms stay text (a number field then says so, R203); a leading zero
# is decimal (010 is ten), as in YAML 1.2.
_DECIMAL = re.compile(r"^[-+]?[0-9]+$")
_Loader.add_implicit_resolver(_INT_TAG, _DECIMAL, list("-+0123456789"))
_Loader.add_implicit_resolver(
    _FLOAT_TAG,
    re.compile(r"^(?:[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"),
    list("-+.0123456789"),
)


class _AsWritten:
    """A number that prints as it was written (``written``); figured with, it is its value."""

    written: str

    def __str__(self) -> str:
        return self.written

    def __format__(self, spec: str) -> str:
        return self.written if not spec else super().__format__(spec)


class WrittenInt(_AsWritten, int):
    """An integer that prints as it was written (``0012`` stays ``0012`` where it is text)."""


class WrittenFloat(_AsWritten, float):
    """A number that prints as it was written (a tag ``2026.10`` stays ``2026.10``)."""


def _number(tag: str, written: str) -> Any:
    """The value of a plain number scalar; text that is not one of our forms goes to PyYAML (raise)."""
    if tag == _INT_TAG:
        if not _DECIMAL.match(written):
            raise _Unusual  # written out as !!int 0x1F: PyYAML's reading
        value: Any = int(written)
        kind: Any = WrittenInt
    else:
        # .inf, -.inf, .nan: YAML's spelling of what Python calls inf and nan
        value = float(written.replace(".", "", 1) if written.lstrip("+-")[1:2].isalpha() else written)
        kind = WrittenFloat
    if str(value) == written:
        return value
    number = kind(value)
    number.written = written
    return number


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
    # libyaml (the C parser) says "not allowed in this context", the Python one "not allowed here"
    "mapping values are not allowed": "这里不能出现冒号（值里含有“: ”时请给整个值加英文引号）",
    "did not find expected ',' or ']'": "方括号 [ ] 没有闭合，或列表各项之间缺少英文逗号",
    "did not find expected ',' or '}'": "花括号 { } 没有闭合，或各项之间缺少英文逗号",
    "found invalid Unicode character escape code": "双引号里的 \\u 转义无效；请直接写出字符，或改用单引号",
    "second occurrence": "不支持 YAML 锚点和别名（& 和 * 开头的值）；请把内容直接写出来",
    "could not determine a constructor": "不支持的 YAML 标签（! 开头的值）；请去掉它，或给整个值加英文引号",
    "but found another document": "元数据块里只能有一个 YAML 文档；请删去多余的“---”或“...”",
    "found character that cannot start any token": "出现了 YAML 不允许的字符（常见原因：用了 Tab 缩进，请改用空格）",
    "found undefined alias": "出现了未定义的别名（*开头的值）；请去掉 * 或给整个值加引号",
    "did not find expected key": "缩进不一致或缺少冒号；同一层的键要左对齐",
    "did not find expected '-' indicator": "列表缩进不一致；每一项都以“- ”开头并对齐",
    "found unexpected end of stream": "引号或括号没有闭合",
    "found unknown escape character": "双引号里出现了无效的转义符（\\）；请改用单引号",
    "found a tab character": "出现了 Tab 字符；YAML 缩进只能用空格",
    "while scanning a quoted scalar": "引号没有闭合",
    "expected <block end>, but found": "缩进不一致：同一层的键要左对齐",
    "found unhashable key": "键不能是列表或映射（“? ”开头的写法）；每个键写成一个词，如 title",
    "did not find expected <document start>": "元数据块里不能有 % 开头的指令行（如 %YAML）；请删去这一行",
    "did not find expected hexdecimal number": "双引号里的 \\x 或 \\u 转义无效；请直接写出字符，或改用单引号",
    "block sequence entries are not allowed": "这里不能用“- ”开始列表；列表请另起一行、缩进后每项以“- ”开头，或写成 [甲, 乙]",
}


_ODD_BREAK = re.compile("[\x85\u2028\u2029]")
# characters YAML does not accept anywhere (YAML 1.1 "printable" is the complement)
_NOT_PRINTABLE = re.compile("[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


# libyaml composes nodes recursively: tens of thousands of nested "[" or "- " overflow the C
# stack (a crash, not an exception), so such text is refused before libyaml sees it.
_MAX_MARKUP_NESTING = 64
_BLOCK_MARKERS = re.compile(rf"^[ \t]*+((?:[-?][ \t]++){{{_MAX_MARKUP_NESTING + 1},}})", re.M)  # possessive: linear


def _refuse_deep_nesting(text: str, first_line: int) -> None:
    depth = 0
    if "[" in text or "{" in text:
        for index, char in enumerate(text):
            if char in "[{":
                depth += 1
                if depth > _MAX_MARKUP_NESTING:
                    before = text[:index]
                    line = before.count("\n") + first_line
                    raise YamlProblem(line, index - (before.rfind("\n") + 1) + 1, (
                        f"括号嵌套超过 {_MAX_MARKUP_NESTING} 层；报告的元数据不需要这么深的结构，请检查是否多写了“[”或“{{”"),
                        "depth")
            elif char in "]}" and depth:
                depth -= 1
    m = _BLOCK_MARKERS.search(text)
    if m:
        line = text[: m.start()].count("\n") + first_line
        raise YamlProblem(line, 1, f"一行中列表标记“- ”嵌套超过 {_MAX_MARKUP_NESTING} 层；请检查这一行", "depth")


def _explain(problem: str | None, context: str | None) -> str:
    text = f"{context or ''} {problem or ''}"
    for english, chinese in _PROBLEM_ZH.items():
        if english in text:
            return chinese
    return (f"YAML 语法错误（{(problem or context or '未知').strip()}）；请对照报告模板检查这一行："
            "键和值之间用英文冒号加一个空格，含有冒号、井号等符号的值请加英文引号")


def load(text: str, first_line: int = 1, max_nodes: int = MAX_NODES) -> Loaded:
    """Parse one YAML document; ``first_line`` is the file line of the text's first line.

    Raises ``YamlProblem`` for syntax errors, aliases, excessive depth or size.
    """
    odd = _ODD_BREAK.search(text)
    if odd:  # YAML counts these as line breaks, so every line after them would be misnumbered
        before = text[: odd.start()]
        line = before.count("\n") + first_line
        column = len(before) - (before.rfind("\n") + 1) + 1
        raise YamlProblem(line, column, (
            f"第 {line} 行第 {column} 列有特殊的换行符（U+{ord(odd.group()):04X}，常见于从网页或 Word 复制的文字）；"
            "请删除它，需要换行时直接另起一行"), "syntax")
    if text.count("\n") >= max_nodes:  # more lines than nodes allowed: refused before parsing (fast)
        raise YamlProblem(first_line, 1, f"元数据超过 {max_nodes} 行；请精简", "size")
    _refuse_deep_nesting(text, first_line)
    loader = _Loader(text)
    try:
        try:
            node = loader.get_single_node()
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = (mark.line if mark else 0) + first_line
            column = (mark.column if mark else 0) + 1
            raise YamlProblem(line, column, _explain(exc.problem, exc.context), "syntax") from None
        except yaml.reader.ReaderError as exc:  # control characters and the like
            bad = _NOT_PRINTABLE.search(text)  # exc.position counts bytes with libyaml, characters without
            before = text[: bad.start()] if bad else text[: max(int(exc.position), 0)]
            line = before.count("\n") + first_line
            column = len(before) - (before.rfind("\n") + 1) + 1
            raise YamlProblem(line, column, (
                f"第 {line} 行第 {column} 列有不可见的控制字符（#x{ord(bad.group()) if bad else exc.character:04X}）；"
                "请删除它（可在编辑器中打开“显示不可见字符”找到它）"), "syntax") from None
        except yaml.YAMLError as exc:
            raise YamlProblem(first_line, 1, f"YAML 无法读取（{exc}）；请对照报告模板检查元数据块", "syntax") from None
        if node is None:
            return Loaded(None, {}, {}, None)
        if not _plain_shape(node, "*" in text, max_nodes):
            _check_shape(node, first_line, max_nodes)
        try:
            value = _construct(loader, node)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = (mark.line if mark else 0) + first_line
            raise YamlProblem(line, 1, _explain(getattr(exc, "problem", None), None), "syntax") from None
        except Exception:  # unhashable keys and the like: never let a report crash the check
            # (Python's own words, e.g. "invalid literal for int()", would mean nothing to the writer)
            raise YamlProblem(first_line, 1, (
                "有值不能按它前面的 YAML 标签读取（如 !!int 后面不是整数）；请删去 ! 开头的标签，"
                "或对照报告模板改写元数据块"), "syntax") from None
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


def _plain_shape(root: Any, aliases_possible: bool, max_nodes: int = MAX_NODES) -> bool:
    """A quick walk: True when ``_check_shape`` would find nothing wrong (False: let it say what).

    Without a ``*`` in the text there can be no alias, so nodes need not be remembered.
    """
    if aliases_possible:
        return False
    ScalarNode, MappingNode, SequenceNode = yaml.ScalarNode, yaml.MappingNode, yaml.SequenceNode
    allowed = _SHAPE_TAGS
    stack = [(root, 1)]
    pop, push = stack.pop, stack.append
    count = 0
    while stack:
        node, depth = pop()
        count += 1
        if count > max_nodes or depth > MAX_DEPTH or node.tag not in allowed:
            return False
        cls = node.__class__
        if cls is MappingNode:
            keys: set[Any] = set()
            n_keys = 0
            for key_node, value_node in node.value:
                if key_node.__class__ is ScalarNode:
                    keys.add(key_node.value)
                    n_keys += 1
                push((key_node, depth + 1))
                push((value_node, depth + 1))
            if len(keys) != n_keys:
                return False
        elif cls is SequenceNode:
            for child in node.value:
                push((child, depth + 1))
        elif cls is not ScalarNode:
            return False
    return True


def _check_shape(root: Any, first_line: int, max_nodes: int = MAX_NODES) -> None:
    """Refuse aliases, duplicate keys, deep nesting and huge documents, without expanding."""
    # A node met twice is an alias. Nodes are marked when first pushed, so an alias is refused
    # where it is used, before a chain of aliases could lead the walk deep (or wide).
    seen: set[int] = {id(root)}
    stack = [(root, 1)]
    count = 0

    def push(child: Any, depth: int) -> None:
        if id(child) in seen:
            raise YamlProblem(
                child.start_mark.line + first_line, child.start_mark.column + 1,
                "不支持 YAML 锚点和别名（& 和 * 开头的值）；请把内容直接写出来", "alias",
            )
        seen.add(id(child))
        stack.append((child, depth))

    while stack:
        node, depth = stack.pop()
        count += 1
        line = node.start_mark.line + first_line
        if depth > MAX_DEPTH:
            raise YamlProblem(line, 1, f"嵌套超过 {MAX_DEPTH} 层；报告的元数据不需要这么深的结构", "depth")
        if count > max_nodes:
            raise YamlProblem(first_line, 1, f"元数据超过 {max_nodes} 项；请精简", "size")
        if node.tag not in _PLAIN_TAGS and node.tag not in _CORE_TAGS:
            shown = node.tag.replace("tag:yaml.org,2002:", "!!")
            raise YamlProblem(line, node.start_mark.column + 1, (
                f"不支持的 YAML 标签 {shown}；请删去它（需要文字时给值加英文引号）"), "syntax")
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
                push(key_node, depth + 1)
                push(value_node, depth + 1)
        elif isinstance(node, yaml.SequenceNode):
            for child in node.value:
                push(child, depth + 1)


_PLAIN_TAGS = {"!", None}

_STR_TAG = "tag:yaml.org,2002:str"
_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_SCALAR_TAGS = {f"tag:yaml.org,2002:{t}" for t in ("int", "float", "bool", "null")}


class _Unusual(Exception):
    """Raised by the fast constructor when a document needs PyYAML's own constructor."""


def _construct(loader: Any, root: Any) -> Any:
    """``loader.construct_document(root)``, faster for the plain documents reports are made of.

    Strings, numbers, booleans, nulls, lists and mappings (no aliases or merge keys: refused
    by ``_check_shape`` before) are built directly from the nodes. Anything else — another
    tag, an unhashable key, a value PyYAML would refuse — goes to PyYAML's constructor, from
    a clean state, so its result or its error is exactly what it would have been.
    """
    try:
        return _build(loader, root)
    except Exception:  # noqa: BLE001 - PyYAML decides, and words the error
        loader.constructed_objects = {}
        loader.recursive_objects = {}
        loader.state_generators = []
        loader.deep_construct = False
        return loader.construct_document(root)


def _build(loader: Any, node: Any) -> Any:
    """One node's value (a plain function, not a closure: no reference cycle keeps the loader alive)."""
    cls, tag = node.__class__, node.tag
    if cls is yaml.ScalarNode:
        if tag == _STR_TAG:
            return node.value
        if tag == _INT_TAG or tag == _FLOAT_TAG:
            return _number(tag, node.value)
        if tag in _SCALAR_TAGS:
            return loader.yaml_constructors[tag](loader, node)
    elif cls is yaml.MappingNode and tag == _MAP_TAG:
        out = {}
        for key_node, value_node in node.value:
            key = _build(loader, key_node)
            if key.__class__ not in (str, int, float, bool, WrittenInt, WrittenFloat) and key is not None:
                raise _Unusual
            out[key] = _build(loader, value_node)
        return out
    elif cls is yaml.SequenceNode and tag == _SEQ_TAG:
        return [_build(loader, child) for child in node.value]
    raise _Unusual


# the only tags a report may use (implicitly, or written out as !!str and the like); !!timestamp,
# !!binary, !!set, !!omap, !!python/… would give values the schema does not expect
_CORE_TAGS = {f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool", "null", "seq", "map")}
_SHAPE_TAGS = _PLAIN_TAGS | _CORE_TAGS


def key_lines(node: Any) -> dict[str, int]:
    """key -> 1-based line of each key of a mapping node (``{}`` for anything else)."""
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {str(k.value): k.start_mark.line + 1 for k, _ in node.value}


def item(node: Any, index: int) -> Any:
    """The ``index``-th node of a sequence node, or None."""
    if isinstance(node, yaml.SequenceNode) and index < len(node.value):
        return node.value[index]
    return None


def line(node: Any, default: int) -> int:
    """The 1-based line a node starts on (``default`` without a node)."""
    return node.start_mark.line + 1 if node is not None else default


def child(node: Any, key: str) -> Any:
    """The value node of ``key`` in a mapping node, or None."""
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if k.value == key:
                return v
    return None
