"""Where the project's own files are, for repositories that do not carry their own.

A reports repository normally has ``templates/`` and ``mkdocs.yml`` (SPEC §2); one that does not
falls back to the copies beside this package (an editable install or a source checkout).
"""

from __future__ import annotations

from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[1]
SUBMISSIONS = "submissions"  # reports and _org.yml live below this folder of a repository (SPEC §2)


def templates_dir(root: Path, name: str) -> Path:
    """``templates/<name>`` of the repository when it has one, else the project's own."""
    own = Path(root) / "templates" / name
    return own if own.is_dir() else PROJECT_DIR / "templates" / name


#: the repository's own folders: a site is never written over one of them
OWN_FOLDERS = (SUBMISSIONS, "templates", "generator", "docs", "tests", ".git")


def site_dir_problem(root: Path, site_dir: Path) -> str | None:
    """Why ``site_dir`` must not receive a site, or None.

    A build replaces its output folder as a whole (so that readers never see half a site): pointed
    at ``submissions/``, at the repository itself or at someone's documents, it would delete them.
    """
    site, root = Path(site_dir).resolve(), Path(root).resolve()
    replaced = "构建会用网站整个替换这个文件夹"
    fix = "请改用 site/ 或一个新的、空的文件夹"
    if site == root or site in root.parents:
        return f"网站输出文件夹“{site_dir}”包含整个报送仓库；{replaced}，仓库会被删除。{fix}"
    for name in OWN_FOLDERS:
        own = root / name
        if site == own or own in site.parents:
            return f"网站输出文件夹“{site_dir}”是仓库的 {name}/ 文件夹（或在其中）；{replaced}，其中的文件会被删除。{fix}"
    if site.is_dir() and not (site / "index.html").is_file() and any(site.iterdir()):
        return (f"网站输出文件夹“{site_dir}”不是空文件夹，也不是以前构建的网站（没有 index.html）；"
                f"{replaced}，其中的文件会被删除。{fix}")
    return None


def output_problem(root: Path, output: Path) -> str | None:
    """Why a document must not be written to ``output`` (a report, ``_org.yml``, a template…), or None."""
    target, root = Path(output).resolve(), Path(root).resolve()
    for name in OWN_FOLDERS:
        own = root / name
        if own in target.parents:
            return (f"“{output}”在仓库的 {name}/ 文件夹中；导出的文件不写进仓库（会覆盖报告或配置），"
                    "请写到仓库外，或省略 -o 写到当前文件夹")
    return None
