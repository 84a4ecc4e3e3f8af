"""The summary writers (Markdown, JSON, CSV) give the same bytes as before the split of
``summary.py`` into computing and writing: golden files under ``tests/golden/summary/``,
written from the hand-built organisation of ``test_summary.py`` (late, concealed, missing,
uncounted, restricted, feedback and roll-up lines all present).

When an output is changed on purpose, rewrite the golden files with
``python tests/test_summary_writers.py --update`` and review the diff.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from test_summary import AS_OF, make_org, reports  # noqa: E402

from generator.periods import parse  # noqa: E402
from generator.summary import summarize  # noqa: E402
from generator.summary_writers import WRITERS, write_summary  # noqa: E402

GOLDEN = Path(__file__).parent / "golden" / "summary"
CASES = [
    (period, audience, rollup)
    for period in ("2026-11", "2026-Q4")
    for audience in ("public", "internal", "restricted")
    for rollup in (False, True)
]


def _name(period: str, audience: str, rollup: bool, fmt: str) -> str:
    return f"{period}-{audience}{'-rollup' if rollup else ''}.{fmt}"


def _outputs():
    for period, audience, rollup in CASES:
        s = summarize(reports(), make_org(), parse(period), audience, AS_OF, rollup=rollup)
        for fmt in WRITERS:
            yield _name(period, audience, rollup, fmt), write_summary(s, fmt)


@pytest.mark.parametrize("name,data", list(_outputs()), ids=lambda v: v if isinstance(v, str) else "")
def test_writer_output_is_byte_identical_to_the_golden_file(name, data):
    assert data == (GOLDEN / name).read_bytes()


def test_every_format_has_a_writer_and_csv_opens_in_excel():
    assert set(WRITERS) == {"md", "json", "csv"}
    s = summarize(reports(), make_org(), parse("2026-11"), "internal", AS_OF)
    assert write_summary(s, "csv").startswith("\ufeff排名".encode())
    assert b"\r\n" in write_summary(s, "csv")


if __name__ == "__main__" and sys.argv[1:] == ["--update"]:
    GOLDEN.mkdir(parents=True, exist_ok=True)
    for name, data in _outputs():
        (GOLDEN / name).write_bytes(data)
