"""``shangbao codeowners``: who must review what, enforced by the git host (SPEC §6).

Each unit's folder ``/submissions/<unit>/`` is owned by its leaders' accounts (``accounts``
in ``_org.yml``), so with branch protection ("require review from Code Owners") a report is
merged only after a leader of its unit approved it — 审核/签发 enforced by GitHub, GitLab or
Gitea. ``/submissions/_org.yml`` (the roster and the rules) is owned by the office: the
leaders of the ``feedback_units``.

CODEOWNERS takes the last matching pattern, so the broad rules come first.
"""

from __future__ import annotations

import sys
from pathlib import Path

from .config import Org, load_org


def _account(org: Org, person: str) -> str | None:
    value = (org.accounts.get(person) or "").strip()
    if not value:
        return None
    if "@" not in value:  # "zhangwei" → "@zhangwei"; an e-mail address stays as it is
        value = "@" + value
    return value


def _unique(items: list[str]) -> list[str]:
    seen: dict[str, None] = {}
    for item in items:
        seen.setdefault(item, None)
    return list(seen)


HOSTS = ("github", "gitlab", "gitea")


def _pattern(path: str, host: str) -> str:
    """``/submissions/x/`` (GitHub, GitLab: gitignore-like) or a Go regexp (Gitea)."""
    if host != "gitea":
        return path
    # Gitea's file format has its own backslash escapes; "[.]" avoids them (unit ids are [a-z0-9-])
    rx = path.lstrip("/").replace(".", "[.]")
    return "^" + (rx + ".*" if path.endswith("/") else rx + "$")


def codeowners(org: Org, host: str = "github") -> tuple[str, list[str]]:
    """(the CODEOWNERS text, Chinese warnings) for ``host`` (github, gitlab or gitea)."""
    warnings: list[str] = []
    missing: dict[str, list[str]] = {}  # person -> unit names

    def owners_of(unit_ids: list[str]) -> list[str]:
        found = []
        for uid in unit_ids:
            unit = org.units[uid]
            for leader in unit.leaders:
                account = _account(org, leader)
                if account:
                    found.append(account)
                else:
                    missing.setdefault(leader, [])
                    if unit.name not in missing[leader]:
                        missing[leader].append(unit.name)
        return _unique(found)

    office = owners_of([u for u in org.feedback_units if u in org.units])
    lines = [
        "# 由 shangbao codeowners 根据 submissions/_org.yml 生成，请勿手工修改；",
        f"# 花名册或 accounts 变化后重新生成：shangbao codeowners > {_TARGET[host]}",
        "# 配合分支保护“合并前须经代码所有者（Code Owners）批准”，即由本单位领导审核/签发。",
        "",
    ]
    if office and host != "gitea":  # Gitea adds up every matching rule: no catch-all there
        lines.append("# 其余文件（生成器、模板、CI 配置）以及下面没有审核人的单位文件夹，由办公室审核")
        lines.append(f"* {' '.join(office)}")
        lines.append("")
    for unit in org.units.values():
        owners = owners_of([unit.id])
        lines.append(f"# {unit.name}")
        if owners:
            lines.append(f"{_pattern(f'/submissions/{unit.id}/', host)} {' '.join(owners)}")
        else:
            who = f"领导（{'、'.join(unit.leaders)}）均未在 accounts 中登记账号" if unit.leaders else "没有配置领导"
            fallback = "，暂由办公室（* 规则）审核" if office and host != "gitea" else ""
            lines.append(f"# /submissions/{unit.id}/ 无人可审核：{who}{fallback}")
    lines.append("")
    lines.append("# 组织配置（花名册与规则）由办公室审核")
    if office:
        lines.append(f"{_pattern('/submissions/_org.yml', host)} {' '.join(office)}")
    else:
        lines.append("# /submissions/_org.yml 无人可审核：feedback_units 中的单位领导都没有登记账号")
    for person, units in missing.items():
        warnings.append(
            f"警告：{'、'.join(units)}的领导“{person}”没有在 submissions/_org.yml 的 accounts 中登记 git 平台账号，"
            f"无法指定其审核；请添加一行，如  {person}: \"@账号\""
        )
    return "\n".join(lines) + "\n", warnings


_TARGET = {"github": ".github/CODEOWNERS", "gitlab": ".gitlab/CODEOWNERS", "gitea": ".gitea/CODEOWNERS"}


def run_codeowners(root: Path, host: str = "github") -> int:
    """``shangbao codeowners``: print the file; warnings (leaders without an account) on stderr."""
    org = load_org(root)
    text, warnings = codeowners(org, host)
    sys.stdout.write(text)
    sys.stdout.flush()
    for warning in warnings:
        print(warning, file=sys.stderr)
    return 0
