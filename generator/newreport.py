"""``shangbao new``: a fresh report from ``templates/new/<type>.md.j2``, filled with what is known."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from pathlib import Path

import click
import jinja2

from . import periods
from .config import load_org
from .model import PERIODIC_TYPES, REPORT_TYPES
from .project import templates_dir
from .rules.content import PLACEHOLDER
from .timeparse import format_time

TEMPLATE_DIR = "templates/new"
UNSAFE_IN_NAME = re.compile(r"[\\/:*?\"<>|\s\x00-\x1f]+")
NAME_CHARS = 60  # a file name keeps at most this many characters of the title
NAME_FALLBACK = "报告"


def _git_user(root: Path) -> str | None:
    try:
        out = subprocess.run(["git", "config", "user.name"], cwd=root, capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def _type_code(value: str) -> str | None:
    if value in REPORT_TYPES:
        return value
    return next((code for code, label in REPORT_TYPES.items() if label == value), None)


def file_name(title: str) -> str:
    """A title made safe as a file name (Chinese kept; separators, spaces and control characters replaced)."""
    name = UNSAFE_IN_NAME.sub("-", title).strip("-.")
    return name[:NAME_CHARS] or NAME_FALLBACK


def run_new(root: Path, report_type: str, unit_id: str, title: str | None, author: str | None,
            now: dt.datetime | None = None) -> int:
    org = load_org(root)
    rtype = _type_code(report_type)
    if rtype is None:
        click.echo(f"没有“{report_type}”这种报告类型；可选：" +
                   "、".join(f"{c}（{lbl}）" for c, lbl in REPORT_TYPES.items()), err=True)
        return 2
    unit = org.units.get(unit_id)
    if unit is None:
        click.echo(f"单位“{unit_id}”不在 submissions/_org.yml 中；已有的单位：{'、'.join(org.units)}", err=True)
        return 2
    now = (now or dt.datetime.now(org.timezone)).astimezone(org.timezone).replace(second=0, microsecond=0)

    note = None
    if author is None:
        git_name = _git_user(root)
        if git_name and unit.may_author(git_name):
            author = git_name
        else:
            # never guess who writes: leave a placeholder R407 catches until the writer fills it in
            roster = "、".join(unit.reporters + unit.leaders) or "花名册中尚无人员"
            author = _yaml_text(f"{PLACEHOLDER}：执笔人姓名，须为本单位报送员或领导（{roster}）】")
            who = f"git 用户“{git_name}”" if git_name else "git 未设置用户名（git config user.name），"
            note = (f"{who}不在“{unit.name}”的花名册中，执笔人没有自动填写；请在文件的 author 一行填上你的姓名，"
                    f"或用 --author 姓名 重新生成")
    elif not unit.may_author(author):
        click.echo(f"“{author}”不是“{unit.name}”登记的报送员或领导（{'、'.join(unit.reporters + unit.leaders)}）", err=True)
        return 2

    period = None
    if rtype in PERIODIC_TYPES:
        # the period that most recently ended: a weekly report on Monday covers last week
        period = periods.period_containing(rtype, now.date()).previous()
    if not title:
        if period is not None:
            title = f"{unit.name}{period.label}{REPORT_TYPES[rtype]}"
        else:
            title = f"{PLACEHOLDER}：标题，一句话写明何时、何地、何事】"

    folder = root / "submissions" / unit.id / f"{now.year}"
    if period:
        stem = f"{period.id}-{REPORT_TYPES[rtype]}"
    elif PLACEHOLDER in title:
        stem = f"{now.date().isoformat()}-{REPORT_TYPES[rtype]}"
    else:
        stem = f"{now.date().isoformat()}-{file_name(title)}"
    target = folder / f"{file_name(stem)}.md"
    if target.exists():
        click.echo(f"{target.relative_to(root).as_posix()} 已存在，不覆盖；请用 --title 换一个标题，或直接编辑原文件", err=True)
        return 1

    templates = templates_dir(root, "new")
    if not (templates / f"{rtype}.md.j2").is_file():
        click.echo(f"找不到模板 {TEMPLATE_DIR}/{rtype}.md.j2；请从示例仓库复制 templates/ 文件夹", err=True)
        return 2
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(templates)), keep_trailing_newline=True,
                             undefined=jinja2.StrictUndefined, autoescape=False)
    text = env.get_template(f"{rtype}.md.j2").render(
        title=_yaml_text(title), type=rtype, type_label=REPORT_TYPES[rtype], unit=unit.id, unit_name=unit.name,
        author=author, reported_at=format_time(now, org.timezone), today=now.date().isoformat(),
        period=period.id if period else "", leaders=unit.leaders,
    )
    folder.mkdir(parents=True, exist_ok=True)
    with open(target, "x", encoding="utf-8", newline="\n") as fh:  # "x": never overwrite, even in a race
        fh.write(text)
    click.echo(target.relative_to(root).as_posix())
    if note:
        click.echo(note, err=True)
    click.echo("写好后请运行 shangbao check 检查，再请本单位领导审核、签发（填写 reviewed_by、approved_by）后提交。", err=True)
    return 0


def _yaml_text(value: str) -> str:
    """A title safe to drop into ``title: {{ title }}``: quoted when YAML would misread it."""
    if re.search(r"[:#\[\]{}&*!|>'\"%@`,]|^[-?\s]|\s$", value) or value.lower() in ("true", "false", "null", "~"):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return value
