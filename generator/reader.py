"""One report file: bytes → text → front matter + body → typed ``Report``, never silently.

Every way a file can fail to be read becomes a finding with a line: not UTF-8 (R101, and
whether it reads as GBK/GB18030), a BOM (R102, still read), no or unclosed front matter
(R103), YAML errors with the line in the *file* (R104), full-width colons, full-width spaces
or tabs where YAML needs ASCII (R105), a block that is not a mapping (R106), size (R107),
place in the repository (R108). python-frontmatter would pass over most of these silently,
so the fences are found here, with their line numbers, before YAML sees the block.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

from . import schema, yamlio
from .config import Org
from .model import Finding, Report, Section
from .project import SUBMISSIONS
from .rules.files import R101, R102, R103, R104, R105, R106, R107, R108

BOM = b"\xef\xbb\xbf"
_FENCE = re.compile(r"^---[ \t]*$")
_CLOSE = re.compile(r"^(?:---|\.\.\.)[ \t]*$")
_KEY_FULLWIDTH_COLON = re.compile(r"^([ \t\u3000]*)([A-Za-z_][A-Za-z0-9_-]*)[ \t\u3000]*：")
_CODE_FENCE = re.compile(r"^[ \t]{0,3}(```|~~~)")
_YEAR = re.compile(r"^[0-9]{4}$")
# every control character but tab, line feed and carriage return; C1 controls; non-characters
_CONTROL = re.compile("[\x01-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufdd0-\ufdef\ufffe\uffff]")


def _human_size(n: int) -> str:
    if n >= 1 << 20:
        return f"{n / (1 << 20):.1f} MiB"
    if n >= 1024:
        return f"{n / 1024:.0f} KiB"
    return f"{n} 字节"


def place_findings(path: str) -> tuple[str | None, list[Finding]]:
    """Check ``submissions/<unit>/<YYYY>/<name>.md``; return the unit folder and findings."""
    parts = path.split("/")
    if not path.endswith(".md"):
        return (parts[1] if len(parts) > 2 else None), [R108.finding(
            path, 1, 1,
            detail=f"{path} 不是报告：报送仓库只接受 Markdown 报告（.md 文件）；"
                   "图片、表格等附件请按档案管理办法另行归档，要点写进报告正文，然后删除此文件",
        )]
    if len(parts) != 4 or parts[0] != "submissions" or not _YEAR.match(parts[2]) or not parts[3].endswith(".md"):
        return (parts[1] if len(parts) > 2 else None), [R108.finding(
            path, 1, 1,
            detail="报告应放在 submissions/<单位id>/<年份>/<文件名>.md（年份为报送时间所在年份），"
                   f"而不是 {path}；请用 git mv 移到正确位置",
        )]
    return parts[1], []


UTF16_DETAIL = ("文件是 UTF-16 编码（记事本、Word 另存时选的“Unicode”）；"
                "请用编辑器“另存为”并选择 UTF-8 编码后重新提交")


def _utf16(data: bytes) -> bool:
    """Whether ``data`` is UTF-16 text: its byte-order mark, or (without one) a NUL beside every
    of the first four characters, as in ``-\x00-\x00-\x00\n\x00`` (text in UTF-8 has no NUL)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    head = data[:8]
    return len(head) == 8 and (head[1::2] == bytes(4) or head[0::2] == bytes(4))


def decode(path: str, data: bytes) -> tuple[str | None, list[Finding]]:
    findings: list[Finding] = []
    if _utf16(data):
        findings.append(R101.finding(path, 1, 1, detail=UTF16_DETAIL))
        return None, findings
    if data.startswith(BOM):
        findings.append(R102.finding(path, 1, 1))
        data = data[len(BOM):]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        try:
            data.decode("gb18030")
            detail = (f"文件是 GBK/GB18030 编码（第 {line} 行起无法按 UTF-8 读取）；"
                      "请用编辑器“另存为”并选择 UTF-8 编码后重新提交")
        except UnicodeDecodeError:
            detail = (f"第 {line} 行第 {column} 列有无法按 UTF-8 读取的字节，文件可能已损坏或是二进制文件；"
                      "请用编辑器打开检查，另存为 UTF-8 编码")
        findings.append(R101.finding(path, line, column, detail=detail))
        return None, findings
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        findings.append(R101.finding(path, line, 1, detail="文件中有空字符（NUL），不是文本文件；请另存为 UTF-8 文本"))
        return None, findings
    return text, findings


def _body_control(path: str, body: str, first_line: int) -> list[Finding]:
    """R101 for a control character in the body (ESC, BEL, C1, U+FFFE …): it would reach the
    pages raw. (In the front matter YAML refuses them, R104, or they are values, R203.)"""
    m = _CONTROL.search(body)
    if not m:
        return []
    line = body.count("\n", 0, m.start()) + first_line
    column = m.start() - (body.rfind("\n", 0, m.start()) + 1) + 1
    return [R101.finding(path, line, column, detail=(
        f"第 {line} 行第 {column} 列有看不见的控制字符（U+{ord(m.group(0)):04X}），网页上会显示成乱码；"
        "请删去它（常见于从其他软件复制的文字）"))]


def _fullwidth_findings(path: str, lines: list[str], first: int) -> list[Finding]:
    """R105: full-width colon after a key, full-width space or tab in indentation or after ': '."""
    text = "\n".join(lines)
    if "：" not in text and "\t" not in text and "\u3000" not in text:  # every finding needs one of them
        return []
    out = []
    for offset, text in enumerate(lines):
        line = first + offset
        m = _KEY_FULLWIDTH_COLON.match(text)
        # a key of its own line: at the left margin, or a known key; "- COVID：防控" in a list or
        # an indented continuation is just text with a full-width colon in it
        if m and (not m.group(1) or m.group(2) in schema.ALL_KEYS):
            col = text.index("：") + 1
            out.append(R105.finding(path, line, col, detail=(
                f"第 {line} 行“{m.group(2)}”后面用了全角冒号“：”；请改成英文冒号加一个空格“: ”")))
            continue
        indent = len(text) - len(text.lstrip(" \t\u3000"))
        lead = text[:indent]
        if "\t" in lead:
            out.append(R105.finding(path, line, lead.index("\t") + 1, detail=(
                f"第 {line} 行用 Tab 缩进；YAML 只能用空格缩进，请把 Tab 换成空格")))
        elif "\u3000" in lead:
            out.append(R105.finding(path, line, lead.index("\u3000") + 1, detail=(
                f"第 {line} 行开头有全角空格；请换成普通（半角）空格")))
        else:
            m2 = re.match(r"^[ ]*(?:-[ ]+)?[A-Za-z_][A-Za-z0-9_-]*:([\t\u3000]+)", text)
            if m2:
                col = m2.start(1) + 1
                what = "Tab" if "\t" in m2.group(1) else "全角空格"
                out.append(R105.finding(path, line, col, detail=(
                    f"第 {line} 行冒号后面是{what}；请改成一个普通（半角）空格")))
    return out


# Linear by construction: the heading line is found by a prefix, its title cut in Python
# (the former ``(.+?)[ \t]*#*[ \t]*$`` was cubic on a heading padded with spaces or '#').
_SECTION_LINES = re.compile(r"^##[ \t][^\n]*", re.M)


def _heading_title(line: str) -> str | None:
    """The title of a level-2 ATX heading line (``## 标题 ##``), or None when it is not one."""
    if line[2:3] not in (" ", "\t") or line[:2] != "##":
        return None
    rest = line[2:].lstrip(" \t")
    if not rest:  # "##" and blanks only: a heading only when a blank is left for the title
        return "" if len(line) > 3 else None
    title = rest.rstrip(" \t").rstrip("#").rstrip(" \t")
    return (title or rest[0]).strip()


def sections_of(body: str, first_line: int) -> list[Section]:
    if "```" not in body and "~~~" not in body:  # no code blocks: every heading line counts
        out, line, pos = [], first_line, 0
        count = body.count
        for m in _SECTION_LINES.finditer(body):
            title = _heading_title(m.group(0))
            if title is not None:
                start = m.start()
                line += count("\n", pos, start)
                pos = start
                out.append(Section(title, line))
        return out
    out, in_code = [], False
    for offset, text in enumerate(body.split("\n")):
        if _CODE_FENCE.match(text):
            in_code = not in_code
            continue
        if not in_code:
            title = _heading_title(text)
            if title is not None:
                out.append(Section(title, first_line + offset))
    return out


def too_large(path: str, size: int, org: Org) -> Finding:
    """R107 for a file of ``size`` bytes over the limit."""
    return R107.finding(path, 1, 1, size=_human_size(size), limit=_human_size(org.file_size_limit))


def read_report(path: str, data: bytes, org: Org) -> tuple[Report | None, list[Finding]]:
    """Read one report file (``path`` relative to the root, ``data`` its bytes).

    Returns the report (None when the front matter could not be read as a mapping) and the
    file-level findings (R101–R108, R201–R207).
    """
    findings: list[Finding] = []
    folder_unit, place = place_findings(path)
    findings.extend(place)
    if not path.endswith(".md"):  # an attachment or a stray file: named (R108), not read as a report
        return None, findings
    if len(data) > org.file_size_limit:
        findings.append(too_large(path, len(data), org))
        return None, findings
    text, problems = decode(path, data)
    findings.extend(problems)
    if text is None:
        return None, findings
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")

    if not lines or not _FENCE.match(lines[0]):
        first_text = next(((i + 1, t) for i, t in enumerate(lines) if t.strip()), None)
        if first_text and first_text[1].strip() == "---":
            detail = f"元数据块的开头“---”必须在第 1 行；请删去它前面的 {first_text[0] - 1} 个空行"
        else:
            detail = "文件没有元数据块；第 1 行应是“---”，接着写 title、type、unit 等“键: 值”，再以“---”结束"
        findings.append(R103.finding(path, 1, 1, detail=detail))
        return None, findings
    close = next((i for i in range(1, len(lines)) if _CLOSE.match(lines[i])), None)
    if close is None:
        findings.append(R103.finding(path, 1, 1, detail=(
            "元数据块只有开头的“---”，没有结束的“---”；请在最后一个“键: 值”之后、正文之前加一行“---”")))
        return None, findings

    block = lines[1:close]
    fullwidth = _fullwidth_findings(path, block, 2)
    if fullwidth:
        findings.extend(fullwidth)
        return None, findings
    try:
        loaded = yamlio.load("\n".join(block), first_line=2)
    except yamlio.YamlProblem as problem:
        findings.append(R104.finding(path, problem.line, problem.column, detail=problem.message))
        return None, findings
    if not isinstance(loaded.value, dict):
        what = "是空的" if loaded.value is None else ("是一个列表" if isinstance(loaded.value, list) else "是一段文字")
        findings.append(R106.finding(path, 2, 1, detail=(
            f"元数据块{what}，而不是“键: 值”；每行写一个“键: 值”，如 title: 收费站火情初报")))
        return None, findings

    body_line = close + 2
    body = "\n".join(lines[close + 1:])
    report_id = path[len("submissions/"):-3] if path.startswith("submissions/") and path.endswith(".md") else path
    report = Report(
        id=report_id,
        path=path,
        folder_unit=folder_unit or "",
        meta={str(k): v for k, v in loaded.value.items()},
        key_lines=loaded.key_lines,
        body=body,
        body_line=body_line,
        sections=sections_of(body, body_line),
        content_sha256=hashlib.sha256(data).hexdigest(),
    )
    findings.extend(_body_control(path, body, body_line))
    findings.extend(schema.apply(report, org))
    # R108, second half: the year folder must be the year of reported_at
    if not place and report.reported_at is not None:
        year = report.reported_at.astimezone(org.timezone).year
        folder_year = path.split("/")[2]
        if str(year) != folder_year:
            findings.append(R108.finding(path, report.line_of("reported_at"), 1, detail=(
                f"报送时间是 {year} 年，文件却在 {folder_year} 文件夹；"
                f"请用 git mv 移到 submissions/{report.folder_unit}/{year}/，或改正 reported_at")))
    return report, findings


def body_of(data: bytes, body_line: int) -> str:
    """The body ``read_report`` gave for a file of these bytes whose body starts at ``body_line``:
    what follows its ``body_line - 1``-th line break, in the text as read (BOM dropped, line
    breaks made ``\n``). The check cache keeps reports without their bodies (check_cache.py)."""
    if data.startswith(BOM):
        data = data[len(BOM):]
    if b"\r" in data:
        data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    # in UTF-8 no byte of a character is a line break: the body's bytes are cut before decoding
    parts = data.split(b"\n", body_line - 1)
    return parts[-1].decode("utf-8") if len(parts) == body_line else ""


def walk_submissions(root: Path) -> tuple[list[str], list[tuple[str, str]]]:
    """Every path under submissions/ meant as a report, sorted, and the folders that could not
    be read, each with the reason (relative to ``root``).

    Names starting with ``_`` or ``.`` (files or folders) are not reports. Anything else —
    including a file that is not ``.md``, a symlink (to a file or a folder), a FIFO or a device —
    is returned, so it is named (R108, R109), never dropped; links are never followed.
    """
    base = root / SUBMISSIONS
    out: list[str] = []
    unreadable: list[tuple[str, str]] = []

    if base.is_symlink():  # the whole folder a link: nothing under it is read (R109)
        return [SUBMISSIONS], []

    def failed(exc: OSError) -> None:
        where = os.path.relpath(exc.filename or base, root).replace(os.sep, "/")
        unreadable.append((where, exc.strerror or str(exc)))

    for dirpath, dirnames, filenames in os.walk(base, onerror=failed):
        rel_dir = os.path.relpath(dirpath, root).replace(os.sep, "/")
        kept = []
        for d in sorted(dirnames):
            if d.startswith(("_", ".")):
                continue
            if os.path.islink(os.path.join(dirpath, d)):
                out.append(f"{rel_dir}/{d}")  # a link to a folder: R109, never followed
            else:
                kept.append(d)
        dirnames[:] = kept
        for name in filenames:
            if name.startswith(("_", ".")):
                continue
            out.append(f"{rel_dir}/{name}")
    out.sort()
    unreadable.sort()
    return out, unreadable


def report_paths(root: Path) -> list[str]:
    """Every path under submissions/ meant as a report (see ``walk_submissions``)."""
    return walk_submissions(root)[0]
