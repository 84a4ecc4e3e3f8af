"""Shared pytest fixtures (keep them generic; areas add their own in their test modules)."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]
TESTS_DIR = Path(__file__).resolve().parent
if str(TESTS_DIR) not in sys.path:
    sys.path.insert(0, str(TESTS_DIR))

SAMPLE_AS_OF = dt.datetime(2026, 11, 27, 18, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(scope="session")
def project_root() -> Path:
    """The repository root of this project (holds submissions/, templates/, mkdocs.yml)."""
    return PROJECT_ROOT


@pytest.fixture(scope="session")
def sample_site(tmp_path_factory) -> Path:
    """The site built from the sample submissions/ (internal audience, as of 2026-11-27 18:00).

    Built once per test session into a temporary folder; nothing is written to the project.
    """
    from generator.repository import load_repository
    from generator.site.build import build_site

    out = tmp_path_factory.mktemp("sample-site")
    repo = load_repository(PROJECT_ROOT, as_of=SAMPLE_AS_OF)
    assert not repo.errors, [f.as_dict() for f in repo.errors]
    build_site(PROJECT_ROOT, repo.org, repo.reports, "internal", repo.as_of, out / "site",
               publishable=repo.publishable("internal"), problems=repo.unpublishable(),
               docs_dir=out / "docs", quiet=True)
    return out / "site"
