"""``shangbao check``: run every rule and print the findings (text, JSON or GitHub annotations)."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import click

from .model import Finding
from .repository import SUBMISSIONS, load_repository, report_paths
from .rules import RULES

_SEVERITY_ZH = {"error": "错误", "warning": "警告", "notice": "记录"}


def _resolve_paths(root: Path, given: list[Path]) -> list[str] | None:
    """Paths from the command line → report paths relative to root (None: the whole repository)."""
    if not given:
        return None
    every = report_paths(root)
    wanted: list[str] = []
    for p in given:
        given_path = p if p.is_absolute() else Path.cwd() / p
        # the folder is resolved, the last part is not: a link given by name is checked as the
        # link (R109), never as the file it points to
        full = given_path.parent.resolve() / given_path.name if given_path.name not in ("", ".", "..") \
            else given_path.resolve()
        if not full.exists() and not full.is_symlink():
            raise click.UsageError(f"找不到“{p}”；请给出 {SUBMISSIONS}/ 下的报告文件或文件夹")
        try:
            rel = full.relative_to(root).as_posix()
        except ValueError:
            raise click.UsageError(f"“{p}”不在报送仓库 {root} 中") from None
        if full.is_dir() and not full.is_symlink():
            prefix = "" if rel == "." else rel + "/"
            wanted.extend(f for f in every if f.startswith(prefix))
        else:
            wanted.append(rel)
    return sorted(set(wanted))


def format_text(findings: list[Finding], checked: int) -> str:
    lines = [f"{f.path}:{f.line}:{f.column}: {f.code} {f.message}" for f in findings]
    counts = {s: sum(1 for f in findings if f.severity == s) for s in _SEVERITY_ZH}
    if findings:
        summary = "，".join(f"{_SEVERITY_ZH[s]} {n}" for s, n in counts.items() if n)
        lines.append(f"检查了 {checked} 个文件，发现 {len(findings)} 条：{summary}")
    else:
        lines.append(f"检查了 {checked} 个文件，全部符合要求")
    return "\n".join(lines)


def _gh_escape(text: str, prop: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def format_github(findings: list[Finding]) -> str:
    out = []
    for f in findings:
        title = f"{f.code} {RULES[f.code].title}" if f.code in RULES else f.code
        out.append(
            f"::{f.severity} file={_gh_escape(f.path, True)},line={f.line},col={f.column},"
            f"title={_gh_escape(title, True)}::{_gh_escape(f.message)}"
        )
    return "\n".join(out)


def exit_code(findings: list[Finding], strict: bool) -> int:
    if any(f.severity == "error" for f in findings):
        return 1
    if strict and any(f.severity == "warning" for f in findings):
        return 1
    return 0


def run_check(root: Path, paths: list[Path], fmt: str, strict: bool, as_of: dt.datetime | None) -> int:
    if not (root / SUBMISSIONS).is_dir():
        click.echo(f"“{root}”下没有 {SUBMISSIONS}/ 文件夹；请在报送仓库根目录运行，或用 --root 指定", err=True)
        return 2
    try:
        wanted = _resolve_paths(root, paths)
    except click.UsageError as exc:
        click.echo(exc.message, err=True)
        return 2
    repo = load_repository(root, as_of, paths=wanted)
    findings = repo.findings
    checked = len(wanted) if wanted is not None else len(repo.report_files)
    if fmt == "json":
        click.echo(json.dumps([f.as_dict() for f in findings], ensure_ascii=False, indent=1))
    elif fmt == "github":
        text = format_github(findings)
        if text:
            click.echo(text)
    else:
        click.echo(format_text(findings, checked))
    for warning in repo.history_warnings:
        click.echo(f"注意：{warning}", err=True)
    sys.stdout.flush()
    return exit_code(findings, strict)
