"""Benchmark: the written documents (SPEC §10) — one report's DOCX, a period's 通报, the bulletin.

    python benchmarks/bench_documents.py [REPO] [--as-of TIME] [--period P] [--pdf]

REPO defaults to the project's sample (submissions/); a synthetic repository from
``benchmarks/synth.py`` works too. Times are wall and CPU seconds, in-process, after the
repository is loaded (loading is ``shangbao check``'s benchmark): the first document of a
process pays for importing python-docx and building the styled template once.

Targets: one report's DOCX < 1 s; a period's 通报 < 2 s (summary + document).
With ``--pdf`` also the LibreOffice conversion of each (a new soffice per document).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def clock(fn):
    w, c = time.perf_counter(), time.process_time()
    value = fn()
    return value, time.perf_counter() - w, time.process_time() - c


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("repo", nargs="?", type=Path, default=ROOT)
    ap.add_argument("--as-of", default="2026-11-27T18:00:00+08:00")
    ap.add_argument("--period", default="2026-11")
    ap.add_argument("--pdf", action="store_true")
    args = ap.parse_args(argv)

    from generator import periods
    from generator.documents import layout
    from generator.documents.bulletin import bulletin_document
    from generator.documents.notice import notice_document
    from generator.documents.report import report_document
    from generator.repository import load_repository
    from generator.site.facts import collect
    from generator.summary import Summarizer

    as_of = dt.datetime.fromisoformat(args.as_of)
    repo, wall, _ = clock(lambda: load_repository(args.repo, as_of=as_of))
    reports = [r for r in repo.reports if not r.has_errors and r.usable and not r.draft and r.visible_to("internal")]
    print(f"{len(repo.reports)} reports loaded in {wall:.1f} s")
    target = periods.parse(args.period)
    rows = []

    longest = max(reports, key=lambda r: len(r.body))
    data, wall, cpu = clock(lambda: layout.to_bytes(report_document(longest, repo.org, "internal")))
    rows.append(("report DOCX, first in the process", wall, cpu, len(data)))
    sample = reports[:200]
    _, wall, cpu = clock(lambda: [layout.to_bytes(report_document(r, repo.org, "internal")) for r in sample])
    rows.append((f"report DOCX, mean of {len(sample)}", wall / len(sample), cpu / len(sample), 0))

    def notice() -> bytes:
        summary = Summarizer(repo.reports, repo.org, "internal", repo.as_of, repo.unpublishable()).summarize(target)
        return layout.to_bytes(notice_document(summary, repo.org))

    data, wall, cpu = clock(notice)
    rows.append((f"通报 {target.id} (summary + DOCX)", wall, cpu, len(data)))
    year = periods.parse(target.id[:4])
    summary = Summarizer(repo.reports, repo.org, "internal", repo.as_of).summarize(year)
    data, wall, cpu = clock(lambda: layout.to_bytes(notice_document(summary, repo.org)))
    rows.append((f"通报 {year.id}, DOCX only", wall, cpu, len(data)))

    facts = collect(repo.org, repo.reports, "internal", repo.as_of, repo.publishable("internal"))
    data, wall, cpu = clock(lambda: layout.to_bytes(bulletin_document(facts, target, 1)))
    rows.append((f"简报 {target.id}", wall, cpu, len(data)))

    if args.pdf:
        from generator.documents.pdf import docx_to_pdf

        for name, make in (("report", lambda: layout.to_bytes(report_document(longest, repo.org, "internal"))),
                           ("通报", notice)):
            docx = make()
            _, wall, cpu = clock(lambda docx=docx: docx_to_pdf(docx))
            rows.append((f"PDF of the {name} (LibreOffice)", wall, cpu, 0))

    print(f"{'step':44} {'wall s':>8} {'cpu s':>8} {'bytes':>8}")
    for name, wall, cpu, size in rows:
        print(f"{name:44} {wall:8.3f} {cpu:8.3f} {size or '':>8}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
