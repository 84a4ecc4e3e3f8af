"""The generated docs tree and templates/overrides also build with Zensical (issue 17).

MkDocs stays the builder ``shangbao build`` runs; this smoke test makes sure a move to Zensical
(the successor of Material for MkDocs, rendering templates with MiniJinja) stays open: the
sample's docs tree, with the project's mkdocs.yml and ``theme.variant: classic``, builds with the
pinned Zensical (pyproject's ``test`` extra), and every report page exists and shows its report.

Zensical is a test dependency: absent, the test is skipped, except under CI (``CI=true``),
where it fails.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from html import unescape
from pathlib import Path

import pytest
import yaml

from generator.repository import load_repository
from generator.site import urls
from generator.site.facts import collect

PROJECT = Path(__file__).resolve().parents[1]
PINNED = "0.0.73"  # pyproject.toml, [project.optional-dependencies] test


def _zensical_version() -> str | None:
    if importlib.util.find_spec("zensical") is None:
        return None
    from importlib.metadata import version

    return version("zensical")


def test_zensical_builds_the_sample_site(sample_site, tmp_path):
    installed = _zensical_version()
    if installed is None:
        if os.environ.get("CI") == "true":
            pytest.fail("Zensical 未安装：pip install -e '.[test]'")
        pytest.skip("Zensical is not installed (pip install -e '.[test]')")
    assert installed == PINNED, f"Zensical {installed} installed, the smoke test pins {PINNED}"

    # Zensical wants every folder inside the project (the config file's folder): copies of the docs
    # tree MkDocs built the sample from (conftest's sample_site) and of the overrides
    shutil.copytree(sample_site.parent / "docs", tmp_path / "docs")
    shutil.copytree(PROJECT / "templates" / "overrides", tmp_path / "overrides")
    config = yaml.safe_load((PROJECT / "mkdocs.yml").read_text(encoding="utf-8"))
    config["docs_dir"] = "docs"
    config["site_dir"] = "site"
    config["theme"]["custom_dir"] = "overrides"
    config["theme"]["variant"] = "classic"
    config_file = tmp_path / "zensical.yml"
    config_file.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "zensical", "build", "-f", str(config_file)], cwd=tmp_path,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-3000:]

    from conftest import SAMPLE_AS_OF

    repo = load_repository(PROJECT, as_of=SAMPLE_AS_OF)
    facts = collect(repo.org, repo.reports, "internal", repo.as_of, repo.publishable("internal"),
                    repo.unpublishable())
    site = tmp_path / "site"
    assert len(facts.reports) > 50
    for report in facts.reports:
        page = site / urls.html_path(facts.doc[report.id])
        assert page.is_file(), page
        text = unescape(page.read_text(encoding="utf-8"))
        assert (report.title or report.id) in text, page
        prose = "\n".join(line for line in report.body.splitlines() if not line.startswith("#"))
        words = re.search(r"[\u4e00-\u9fff]{6,}", prose)  # a run of Chinese from the body itself
        assert words is None or words.group() in text, (page, words)
    home = (site / "index.html").read_text(encoding="utf-8")
    assert "信息上报" in home and "md-header" in home
