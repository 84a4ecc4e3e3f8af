"""The rule catalogue's building block: each rule is defined once, here and nowhere else.

A ``Rule`` carries its code, severity, Chinese title, message template and documentation
(Markdown, published on the site's help pages). Rules that judge a typed report have a
``check``; rules found while reading a file (encoding, YAML, keys) are raised by the reader
through the same object, so the message and the documentation still come from one place.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from ..model import Finding

# A check yields (line, column, message fields) for one report; ``ctx`` is a CheckContext.
Check = Callable[[Any, Any], Iterator[tuple[int, int, dict[str, Any]]]]

RULES: dict[str, Rule] = {}

# A file may repeat one problem a hundred thousand times (a vague word on every line): the
# first ones are listed, the last listed one says there are more. This keeps check linear in
# the file and its output readable.
MAX_PER_FILE = 50
MORE = "（本文件中同类问题还有更多，只列出前 {n} 处；改正后请再运行 shangbao check）"


@dataclass(slots=True)
class Rule:
    code: str
    severity: str  # error | warning | notice
    title: str  # short Chinese name, e.g. 迟报
    message: str  # str.format template; fields come from the check or the reader
    doc: str  # Markdown for the help page: what, why, how to fix, examples
    scope: str = "report"  # file (found by the reader) | report | repository (needs every report)
    check: Check | None = field(default=None, repr=False)
    #: named str.format templates for the parts of a ``{detail}`` message, kept here so that
    #: every place that words this rule (the checker, the site's 填报 form) uses the same text
    details: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.code in RULES:
            raise ValueError(f"rule {self.code} defined twice")
        RULES[self.code] = self

    def finding(self, path: str, line: int, column: int = 1, /, **fields: Any) -> Finding:
        # positional-only: a message field may itself be called ``line`` (R402 names the line)
        more = fields.pop("_more", False)
        message = self.message.format(**fields)
        if more:
            message += MORE.format(n=MAX_PER_FILE)
        return Finding(path, max(int(line), 1), max(int(column), 1), self.code, self.severity, message)

    def checks(self, fn: Check) -> Check:
        """Decorator: attach the per-report check to this rule (at most MAX_PER_FILE findings)."""

        def capped(report: Any, ctx: Any) -> list[tuple[int, int, dict[str, Any]]]:
            # a list, not a generator over the check's: tens of thousands of checks run on every
            # build (the deferred ones), most finding nothing
            found = list(islice(fn(report, ctx), MAX_PER_FILE + 1))
            if len(found) > MAX_PER_FILE:
                line, column, fields = found[MAX_PER_FILE - 1]
                found[MAX_PER_FILE - 1:] = [(line, column, {**fields, "_more": True})]
            return found

        capped.__wrapped__ = fn  # type: ignore[attr-defined]
        capped.__name__ = getattr(fn, "__name__", "check")
        self.check = capped
        return fn


def rule(code: str, severity: str, title: str, message: str, doc: str, scope: str = "report",
         details: dict[str, str] | None = None) -> Rule:
    return Rule(code, severity, title, message, doc.strip(), scope, details=dict(details or {}))
