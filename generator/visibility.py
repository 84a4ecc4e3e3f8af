"""Who may see a file that could not be read as a report (SPEC §14: every list obeys the audience).

A file with a YAML error, no front matter or bytes that are not UTF-8 has no classification the
checker could read. Its path and its first error are still worth naming to the people who may
see it, so it is judged by what it plainly declares:

- no ``classification`` and no ``draft`` key anywhere: the default, ``internal``;
- one ``classification:`` line whose value is plainly public or internal, and no draft: that;
- anything else (restricted, unreadable, several lines, a draft, a file we may not read):
  ``restricted`` for an unreadable classification, ``None`` (no audience) for a draft.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

_CLASSIFICATION = re.compile(r"classification", re.IGNORECASE)
_CLASSIFICATION_LINE = re.compile(r"(?m)^[ \t]*classification[ \t]*[:：]([^\n]*)")
_DRAFT_LINE = re.compile(r"(?m)^[ \t]*draft[ \t]*[:：]([^\n]*)")
_PLAIN = {"public": "public", "公开": "public", "internal": "internal", "内部": "internal"}
_NOT_DRAFT = {"false", "no", "off", "否"}
_LIMIT = 1 << 20


def declared_audience(data: bytes) -> str | None:
    """The lowest audience that may see this unreadable file's path and errors (None: nobody)."""
    text = data.decode("utf-8", "replace")
    for match in _DRAFT_LINE.finditer(text):
        if match.group(1).strip().strip("'\"").lower() not in _NOT_DRAFT:
            return None
    lines = _CLASSIFICATION_LINE.findall(text)
    if not lines:
        return "restricted" if _CLASSIFICATION.search(text) else "internal"
    if len(lines) != 1 or len(_CLASSIFICATION.findall(text)) != 1:
        return "restricted"
    return _PLAIN.get(lines[0].strip().strip("'\"").lower(), "restricted")


def file_audience(root: Path, path: str) -> str | None:
    """``declared_audience`` of a file under ``root``; a file that is not a plain readable file
    of a sensible size is treated as restricted (never opened when it is not regular)."""
    full = os.path.join(os.fspath(root), path)
    try:
        info = os.lstat(full)
        if not stat.S_ISREG(info.st_mode) or info.st_size > _LIMIT:
            return "restricted"
        fd = os.open(full, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as fh:
            data = fh.read(_LIMIT + 1)
    except OSError:
        return "restricted"
    return declared_audience(data)
