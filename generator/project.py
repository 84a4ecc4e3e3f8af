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
