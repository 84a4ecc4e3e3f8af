"""The rule catalogue's building block: each rule is defined once, here and nowhere else.

A ``Rule`` carries its code, severity, Chinese title, message template and documentation
(Markdown, published on the site's help pages). Rules that judge a typed report have a
``check``; rules found while reading a file (encoding, YAML, keys) are raised by the reader
through the same object, so the message and the documentation still come from one place.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from ..model import Finding

# A check yields (line, column, message fields) for one report; ``ctx`` is a CheckContext.
Check = Callable[[Any, Any], Iterator[tuple[int, int, dict[str, Any]]]]

RULES: dict[str, Rule] = {}


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
        return Finding(path, max(int(line), 1), max(int(column), 1), self.code, self.severity,
                       self.message.format(**fields))

    def checks(self, fn: Check) -> Check:
        """Decorator: attach the per-report check to this rule."""
        self.check = fn
        return fn


def rule(code: str, severity: str, title: str, message: str, doc: str, scope: str = "report",
         details: dict[str, str] | None = None) -> Rule:
    return Rule(code, severity, title, message, doc.strip(), scope, details=dict(details or {}))
