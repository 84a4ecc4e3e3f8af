"""Shared pytest fixtures (keep them generic; areas add their own in their test modules)."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import http.server
import os
import sys
import threading
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


# --- the browser ----------------------------------------------------------------------------
# Debian's Chromium driven by Playwright (never `playwright install`); browser tests skip only
# when it is absent, and .ci/run installs it.

#: CI (GitHub and GitLab set CI=true; so does .ci/run) installs every tool the tests use: there, a tool
#: that is absent is a failure, never a skip
IN_CI = os.environ.get("CI", "").lower() in ("true", "1", "yes")


def absent_tool(reason: str) -> None:
    """A tool the test needs is not installed: skip with ``reason`` on a fresh machine, fail under CI."""
    if IN_CI:
        pytest.fail(f"{reason}（CI 中必须安装）")
    pytest.skip(reason)


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync"]
# under CI the browser tests run even without it, and fail saying why
needs_chromium = pytest.mark.skipif(not CHROMIUM.exists() and not IN_CI, reason="/usr/bin/chromium 不存在")


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - stdlib signature
        pass


#: the search panel has shown (or said it found nothing for) this query: site.js sets data-sb-done
SEARCH_DONE = "q => document.querySelector('.pagefind-ui__message')?.getAttribute('data-sb-done') === q"


def wait_search_done(page, query: str, timeout: int = 20_000) -> None:
    page.wait_for_function(SEARCH_DONE, arg=query, timeout=timeout)


@contextlib.contextmanager
def serve_directory(directory: Path):
    """Serve a built site over http on 127.0.0.1 from a thread; yields its base URL."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(directory)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


# Module scope, not session: a live server or browser thread would keep later tests from
# forking (generator/parallel.py never forks a process that runs other threads).
@pytest.fixture(scope="module")
def base_url(sample_site):
    """The sample site, served on 127.0.0.1."""
    with serve_directory(sample_site) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium per test module."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()
