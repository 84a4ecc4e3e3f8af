"""Typed reports and findings: what every later stage (rules, summaries, site) works on.

A report is one Markdown file under ``submissions/``. The reader turns its bytes into a
``Report`` whose values are already typed (aware datetimes, dates, ints, label codes) and
which remembers the line of every front-matter key, so any rule can point at the right line.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

SEVERITIES = ("error", "warning", "notice")

# --- enumerations: code -> Chinese label (the site always shows the label) -------------

REPORT_TYPES: dict[str, str] = {
    "incident": "突发事件",
    "weekly": "周报",
    "monthly": "月报",
    "quarterly": "季报",
    "annual": "年报",
    "inspection": "监督检查",
    "task": "交办事项",
    "credit": "信用信息",
    "info": "工作信息",
    "feedback": "批示/采用",
}
PERIODIC_TYPES = ("weekly", "monthly", "quarterly", "annual")

CLASSIFICATIONS: dict[str, str] = {"public": "公开", "internal": "内部", "restricted": "限定"}
#: a finding's severity as every reader sees it: the command line and the site's help pages
SEVERITY_LABELS: dict[str, str] = {"error": "错误", "warning": "警告", "notice": "提示"}
# Audience order: an audience sees every classification at or below its own rank.
CLASSIFICATION_RANK = {"public": 0, "internal": 1, "restricted": 2}

INCIDENT_CATEGORIES = ("火灾", "交通", "生产安全", "自然灾害", "治安", "公共卫生", "其他")
SEVERITY_GRADES = ("一般", "较大", "重大", "特别重大")  # ascending
STAGES = ("初报", "续报", "终报")
CREDIT_CATEGORIES = ("表彰奖励", "行政处罚", "重大失信")
FEEDBACK_KINDS = ("批示", "采用", "退回")
ADOPTION_LEVELS = ("县", "市", "省", "国家")


def label(code: str | None, table: dict[str, str]) -> str:
    """The Chinese label of an enumerated code (unknown codes are shown as they are)."""
    if code is None:
        return ""
    return table.get(code, code)


@dataclass(frozen=True, slots=True)
class Finding:
    """One rule finding, pointing at a file position (line and column are 1-based)."""

    path: str  # relative to the repository root, with forward slashes
    line: int
    column: int
    code: str
    severity: str  # error | warning | notice
    message: str

    def sort_key(self) -> tuple:
        return (self.path, self.line, self.column, self.code)

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
        }


@dataclass(slots=True)
class Section:
    title: str
    line: int  # line in the file


@dataclass(slots=True)
class Report:
    """A report whose front matter could be read as a mapping.

    Values that failed validation are left ``None`` (the finding says why); ``usable``
    tells whether the report has what summaries need (type, unit, reported_at).
    """

    id: str  # path under submissions/ without .md, e.g. anjianke/2026/2026-11-27-火情
    path: str  # relative to the repository root, e.g. submissions/anjianke/2026/...
    folder_unit: str  # the unit folder the file lies in
    meta: dict[str, Any]  # the raw front matter as loaded
    key_lines: dict[str, int]  # front-matter key -> line in the file
    body: str
    body_line: int  # line in the file where the body starts
    sections: list[Section] = field(default_factory=list)
    content_sha256: str = ""  # hash of the bytes as read from the working tree

    # common, typed
    title: str | None = None
    type: str | None = None  # code from REPORT_TYPES
    unit: str | None = None
    author: str | None = None
    reported_at: dt.datetime | None = None
    reviewed_by: str | None = None
    approved_by: str | None = None
    classification: str = "internal"
    draft: bool = False
    anonymous: bool = False
    tags: list[str] = field(default_factory=list)

    # incident
    occurred_at: dt.datetime | None = None
    location: str | None = None
    category: str | None = None  # incident or credit category
    severity: str | None = None
    deaths: int = 0
    injuries: int = 0
    loss: float = 0.0  # 万元
    stage: str | None = None
    follows: str | None = None
    # periodic
    period: str | None = None
    metrics: dict[str, float] = field(default_factory=dict)
    # inspection
    inspected_on: dt.date | None = None
    target: str | None = None
    hazards_found: int | None = None
    hazards_fixed: int | None = None
    # task
    assigned_by: str | None = None
    assigned_on: dt.date | None = None
    due: dt.date | None = None
    progress: float | None = None
    # credit
    subject: str | None = None
    uscc: str | None = None
    decided_on: dt.date | None = None
    decision_no: str | None = None
    # feedback
    on: str | None = None
    kind: str | None = None
    by: str | None = None
    level: str | None = None

    # filled from git history (history.py); reported_at when there is none
    received_at: dt.datetime | None = None
    received_commit: str | None = None
    received_sha256: str | None = None
    revisions: list[Any] = field(default_factory=list)
    # (history.py) the first commit of the file, when the report it holds now came later (it was a
    # draft, or another type): (that commit's time, its id); and the occurred_at as received when
    # the file now says later
    received_from: tuple[dt.datetime, str] | None = None
    occurred_as_received: dt.datetime | None = None

    # set by the checker
    has_errors: bool = False

    @property
    def usable(self) -> bool:
        return self.type is not None and self.unit is not None and self.reported_at is not None

    @property
    def type_label(self) -> str:
        return label(self.type, REPORT_TYPES)

    @property
    def classification_label(self) -> str:
        return label(self.classification, CLASSIFICATIONS)

    @property
    def is_periodic(self) -> bool:
        return self.type in PERIODIC_TYPES

    @property
    def received(self) -> dt.datetime | None:
        """When the report reached the repository (reported_at until history says otherwise)."""
        return self.received_at or self.reported_at

    def line_of(self, key: str, default: int | None = None) -> int:
        if key in self.key_lines:
            return self.key_lines[key]
        return default if default is not None else 1

    def visible_to(self, audience: str) -> bool:
        """Whether a build for ``audience`` may contain anything from this report."""
        return (not self.draft) and CLASSIFICATION_RANK.get(
            self.classification, 2
        ) <= CLASSIFICATION_RANK[audience]
