"""Small reports repositories built into sites, for the feed and member tests (SPEC §12)."""

from __future__ import annotations

import datetime as dt
import functools
import http.server
import threading
from pathlib import Path
from zoneinfo import ZoneInfo

from helpers_org import make_org, write_all_good, write_good

AS_OF = dt.datetime(2026, 11, 27, 18, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
AS_OF_TEXT = "2026-11-27 18:00"


def member_repo(root: Path, organization: str, *, extra: int = 0, canary: str | None = None,
                public_title: str | None = None, internal_incident: str | None = None) -> Path:
    """A county's repository: one good report of every type, ``extra`` more info reports, a public
    info report titled ``public_title``, and a restricted incident titled ``canary``."""
    make_org(root, organization=organization)
    write_all_good(root)
    for i in range(extra):
        write_good(root, "info", f"2026-11-2{i % 6}-info-{i}", title=f"{organization}工作信息{i}",
                   reported_at=f"2026-11-2{i % 6} 10:00")
    if public_title:
        write_good(root, "info", "2026-11-25-public", title=public_title, classification="public",
                   reported_at="2026-11-25 10:00")
        write_good(root, "credit", "2026-11-24-public-credit", title="公开行政处罚", classification="public",
                   reported_at="2026-11-24 10:00", decision_no="安监罚〔2026〕99号")
    if internal_incident:
        write_good(root, "incident", "2026-11-26-internal", title=internal_incident,
                   reported_at="2026-11-26 11:00", occurred_at="2026-11-26 10:30")
    if canary:
        write_good(root, "incident", "2026-11-26-restricted", title=canary, classification="restricted",
                   reported_at="2026-11-26 10:00", occurred_at="2026-11-26 09:00")
    return root


def build(root: Path, audience: str, out: Path) -> Path:
    """Build ``root``'s site for ``audience`` into ``out`` (as of AS_OF); returns ``out``."""
    from generator.repository import load_repository
    from generator.site.build import build_site

    repo = load_repository(root, as_of=AS_OF)
    assert not repo.errors, [f.as_dict() for f in repo.errors]
    build_site(root, repo.org, repo.reports, audience, repo.as_of, out, publishable=repo.publishable(audience),
               problems=repo.unpublishable(), docs_dir=out.parent / f"docs-{out.name}", quiet=True)
    return out


class _Handler(http.server.SimpleHTTPRequestHandler):
    """A member's web server: its site, readable from the upper organisation's pages (CORS)."""

    def end_headers(self) -> None:
        self.send_header("Access-Control-Allow-Origin", "*")
        super().end_headers()

    def log_message(self, format, *args):  # noqa: A002 - stdlib signature
        pass


class SiteServer:
    """A real HTTP server on 127.0.0.1 in a thread, serving ``directory`` (which may be changed)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), self._handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def _handler(self, *args, **kwargs):
        return _Handler(*args, directory=str(self.directory), **kwargs)

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


serve = functools.partial(SiteServer)
