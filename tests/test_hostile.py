"""Hostile input: ids that become paths and URLs, and files built to exhaust the reader.

- A report id may hold ``..``, percent signs, full-width dots, right-to-left overrides, NFC and
  NFD spellings of one name, names differing only in case: its page stays inside the output
  folder, and two different ids never get the same page (``generator/site/urls.py`` directly,
  and through a whole build).
- Alias bombs, 1000-deep nesting, 100,000 keys, a 5 MB file, a 200,000-line body: each is a
  finding (R104/R107) within seconds, never a crash or a hang.
"""

from __future__ import annotations

import datetime as dt
import json
import posixpath
import subprocess
import sys
import unicodedata
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from helpers_org import UNIT, good_report, make_org, rel, run, write_bytes, write_report

from generator.site import urls

AS_OF_TEXT = "2026-11-27 18:00"
AS_OF = dt.datetime(2026, 11, 27, 18, 0, tzinfo=ZoneInfo("Asia/Shanghai"))

NFC_NAME = unicodedata.normalize("NFC", "café-检查")
NFD_NAME = unicodedata.normalize("NFD", "café-检查")
assert NFC_NAME != NFD_NAME

# names a reporter (or an attacker) could give a report file, without the .md
HOSTILE_NAMES = [
    "%2e%2e",
    "%2e%2e%2f%2e%2e%2fetc",
    "．．",  # full-width dots
    "．．／．．／x",  # full-width dots and slash
    "\u202egnp.exe-报告",  # right-to-left override
    "报告\u200b零宽",
    NFC_NAME,
    NFD_NAME,
    "\uf900-报告",  # CJK compatibility ideograph (NFC turns it into U+8C48)
    "\u8c48-报告",
    "Report-A",
    "report-a",
    "REPORT-A",
    "index",
    "README",
    "con",
    "a..b",
    "name with spaces",
    "名字#井号?问号",
    "名字&amp;实体",
    "x" * 200,
]
# names the checker refuses (R108) are never built, but their ids must still be safe
REFUSED_NAMES = ["<script>alert(1)</script>", "a:b", "a|b"]

# ids the site could be given by any caller (not only file names that exist)
HOSTILE_IDS = [
    "../../etc/passwd",
    "anjianke/../../../x",
    "/etc/passwd",
    "anjianke/2026/..",
    "anjianke/2026/.",
    "anjianke//2026/x",
    "anjianke/2026/x/",
    "",
    ".",
    "..",
    "C:\\Windows\\x",
    "anjianke\\..\\..\\x",
    "anjianke/2026/\x00nul",
    "anjianke/2026/%2e%2e/%2e%2e/x",
    "anjianke/2026/．．/x",
    "a/" * 40 + "x",
    *[f"{UNIT}/2026/{name}" for name in HOSTILE_NAMES + REFUSED_NAMES],
]


def _inside(doc: str) -> bool:
    norm = posixpath.normpath(doc)
    return (
        not doc.startswith("/")
        and "\\" not in doc
        and "\x00" not in doc
        and ".." not in doc.split("/")
        and "." not in doc.split("/")
        and "" not in doc.split("/")
        and norm == doc
        and doc.startswith(urls.REPORTS_DIR + "/")
        and doc.endswith(".md")
    )


@pytest.mark.parametrize("rid", HOSTILE_IDS)
def test_every_id_maps_to_a_page_inside_the_reports_folder(rid, tmp_path):
    doc = urls.report_doc_path(rid)
    assert _inside(doc), doc
    target = (tmp_path / "docs" / doc).resolve()
    assert target.is_relative_to((tmp_path / "docs" / urls.REPORTS_DIR).resolve())
    assert all(len(seg.encode("utf-8")) <= 255 for seg in doc.split("/")), "a path segment too long for a file system"


def test_different_ids_never_share_a_page():
    docs: dict[str, str] = {}
    for rid in dict.fromkeys(HOSTILE_IDS):
        doc = urls.report_doc_path(rid)
        assert doc not in docs, f"{rid!r} and {docs[doc]!r} both map to {doc}"
        docs[doc] = rid


def test_pages_stay_distinct_on_case_insensitive_and_normalising_file_systems():
    """The site is often copied to a Windows or macOS server: pages must not collide there either."""
    seen: dict[str, str] = {}
    docs = urls.doc_paths(dict.fromkeys(HOSTILE_IDS))  # the pages of these reports on one site
    for rid, doc in docs.items():
        key = unicodedata.normalize("NFD", doc).casefold()
        assert key not in seen, f"{rid!r} and {seen[key]!r}: {doc} vs {docs[seen[key]]}"
        seen[key] = rid


def test_links_between_hostile_pages_are_relative_and_encoded():
    docs = [urls.report_doc_path(rid) for rid in HOSTILE_IDS]
    for a in docs[:10]:
        for b in docs:
            link = urls.relative_url(a, b)
            assert not link.startswith(("/", "javascript:", "//")) and ":" not in link.split("/")[0]
            assert all(ch not in link for ch in " \"'<>\x00\u202e")
            # following the link from a lands on b, inside the site
            resolved = posixpath.normpath(posixpath.join(posixpath.dirname(a), _unquote(link)))
            assert resolved == urls.html_path(b)


def _unquote(link: str) -> str:
    from urllib.parse import unquote

    return unquote(link)


def test_tag_slugs_stay_inside_and_never_collide():
    tags = ["..", "../x", "a/b", "A/b", "a／b", NFC_NAME, NFD_NAME, "Tag", "tag", "TAG", "", " ", "index",
            "%2e%2e", "\u202e标签", "<b>标签</b>"]
    slugs: dict[str, str] = {}
    for tag in tags:
        s = urls.slug(tag)
        assert s and "/" not in s and "\\" not in s and s not in (".", "..") and not s.startswith("."), (tag, s)
        key = unicodedata.normalize("NFD", s).casefold()
        assert key not in slugs, f"tags {tag!r} and {slugs[key]!r} share the page {s}"
        slugs[key] = tag


# --- through a whole build --------------------------------------------------------------------

@pytest.fixture(scope="module")
def hostile_names_build(tmp_path_factory):
    root = make_org(tmp_path_factory.mktemp("hostile-names"))
    written = {}
    for n, name in enumerate(HOSTILE_NAMES):
        front, body = good_report("info")
        front["title"] = f"pathmk{n}x 信息"
        try:
            path = write_report(root, UNIT, f"2026-11-18-{name}", front, body)
        except OSError:  # a name this file system cannot hold is not a report anyone can commit
            continue
        written[n] = path
    site = root.parent / f"{root.name}-out" / "site"
    before = {p for p in root.parent.rglob("*")}
    result = run(root, "build", "--audience", "internal", "--site-dir", str(site), "--as-of", AS_OF_TEXT)
    after = {p for p in root.parent.rglob("*")}
    return root, site, written, result, after - before


def test_build_with_hostile_names_succeeds_and_writes_only_inside(hostile_names_build):
    root, site, written, result, created = hostile_names_build
    assert result.exit_code == 0, result.output
    allowed = [site.resolve(), (root / "build").resolve(), (root / ".shangbao-cache").resolve()]
    outside = [p for p in created if not any(p.resolve().is_relative_to(a) or a.is_relative_to(p.resolve())
                                            for a in allowed)]
    assert not outside, outside
    for path in site.rglob("*"):
        assert not path.is_symlink()
        assert path.resolve().is_relative_to(site.resolve())


def test_every_hostile_named_report_has_its_own_page(hostile_names_build):
    root, site, written, result, _ = hostile_names_build
    assert len(written) >= len(HOSTILE_NAMES) - 2
    pages = list((site / "r").rglob("*.html"))
    assert len(pages) == len(written), sorted(p.relative_to(site).as_posix() for p in pages)
    owners: dict[int, Path] = {}
    for page in pages:
        text = page.read_text(encoding="utf-8")
        found = [n for n in written if f"pathmk{n}x 信息</h1>" in text]
        assert len(found) == 1, (page, found)
        owners[found[0]] = page
    assert set(owners) == set(written)


# --- resource limits --------------------------------------------------------------------------

# These tests wait for a condition — the work is done, with the right finding — and fail on a hang
# (HANG_GUARD, far above any real time, so that a loaded machine never fails them); how fast the
# work is belongs to benchmarks/, not here.
HANG_GUARD = 120  # seconds

_READ_ONE = """
import json, sys
from pathlib import Path
from generator.config import load_org
from generator.reader import read_report
root, path = Path(sys.argv[1]), sys.argv[2]
org = load_org(root)
data = (root / path).read_bytes()
report, findings = read_report(path, data, org)
print(json.dumps({"findings": [[f.code, f.path, f.line, f.message] for f in findings]}))
"""


def _read_apart(root: Path, name: str, data: bytes):
    """Read one file in a separate process, so a crash (segfault) or a hang is a failure, not the end of pytest."""
    path = write_bytes(root, UNIT, name, data)
    relpath = rel(root, path)
    proc = subprocess.run([sys.executable, "-c", _READ_ONE, str(root), relpath], capture_output=True, text=True,
                          timeout=HANG_GUARD, cwd=Path(__file__).resolve().parents[1])
    assert proc.returncode == 0, f"reading {name} crashed (exit {proc.returncode}): {proc.stderr[-500:]}"
    out = json.loads(proc.stdout)
    return out["findings"], relpath


_RENDER = """
import sys
from generator.site import render
for name in sys.argv[1:]:
    html = render.body_html(open(name, encoding="utf-8").read())
    open(name + ".html", "w", encoding="utf-8").write(html)
"""


def _render_apart(tmp_path: Path, bodies: list[str]) -> list[str]:
    """Render report bodies in a separate process (a hang fails after HANG_GUARD); their HTML."""
    names = []
    for i, body in enumerate(bodies):
        names.append(str(tmp_path / f"body-{i}.md"))
        Path(names[-1]).write_text(body, encoding="utf-8")
    proc = subprocess.run([sys.executable, "-c", _RENDER, *names], capture_output=True, text=True,
                          timeout=HANG_GUARD, cwd=Path(__file__).resolve().parents[1])
    assert proc.returncode == 0, proc.stderr[-500:]
    return [Path(name + ".html").read_text(encoding="utf-8") for name in names]


def _front(extra: str) -> str:
    front, _ = good_report("info")
    lines = "".join(f"{k}: {v if not isinstance(v, list) else '[' + ', '.join(v) + ']'}\n" for k, v in front.items())
    return f"---\n{lines}{extra}---\n正文。\n"


ALIAS_BOMB = (
    'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    + "".join(f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8))
)


def _big_limit(root: Path) -> Path:
    return make_org(root, limits={"file_size": "64MiB"})


CASES = {
    # name: (front-matter extra or whole file, expected code, raise the size limit?)
    "alias-bomb": (lambda: _front(f"x:\n{_indent(ALIAS_BOMB)}"), "R104", False),
    "alias-top": (lambda: _front(ALIAS_BOMB.replace("a: &a", "tags2: &a", 1)), "R104", False),
    "deep-flow": (lambda: _front("x: " + "[" * 1000 + "]" * 1000 + "\n"), "R104", True),
    "deep-flow-100k": (lambda: _front("x: " + "[" * 100_000 + "]" * 100_000 + "\n"), "R104", True),
    "deep-block": (lambda: _front("x:\n" + "".join(" " * i + "- \n" for i in range(1, 1000))), "R104", True),
    "deep-block-compact": (lambda: _front("x:\n" + "- " * 50_000 + "a\n"), "R104", False),
    "deep-flow-50k": (lambda: _front("x: " + "[" * 50_000 + "]" * 50_000 + "\n"), "R104", False),
    "deep-mapping": (lambda: _front("".join(" " * (2 * i) + f"k{i}:\n" for i in range(1000)) + " " * 2000 + "v: 1\n"),
                     "R104", True),
    "100k-keys": (lambda: _front("".join(f"k{i}: {i}\n" for i in range(100_000))), "R104", True),
    "100k-list": (lambda: _front("x: [" + ", ".join("1" for _ in range(100_000)) + "]\n"), "R104", True),
    "5mb-file": (lambda: _front("") + "很长的正文。" * 300_000, "R107", False),
    "200k-line-body": (lambda: _front("") + "正文第一行。\n" * 200_000, "R107", False),
}


def _indent(text: str) -> str:
    return "".join("  " + line + "\n" for line in text.splitlines())


@pytest.mark.parametrize("case", sorted(CASES))
def test_resource_bombs_are_findings_not_hangs_or_crashes(tmp_path, case):
    make_text, code, big = CASES[case]
    root = _big_limit(tmp_path) if big else make_org(tmp_path)
    data = make_text().encode("utf-8")
    if code == "R107":
        assert len(data) > 1 << 20
    findings, path = _read_apart(root, f"2026-11-18-{case}.md", data)
    assert code in [f[0] for f in findings], findings
    hit = next(f for f in findings if f[0] == code)
    assert hit[1] == path and hit[2] >= 1 and hit[3]


@pytest.mark.parametrize("case", ["alias-bomb", "deep-flow", "100k-keys", "5mb-file", "deep-flow-50k"])
def test_check_command_reports_resource_bombs_and_exits_1(tmp_path, case):
    make_text, code, big = CASES[case]
    root = _big_limit(tmp_path) if big else make_org(tmp_path)
    write_bytes(root, UNIT, f"2026-11-18-{case}.md", make_text().encode("utf-8"))
    proc = subprocess.run([sys.executable, "-m", "generator", "--root", str(root), "check", "--format", "json",
                           "--as-of", AS_OF_TEXT], capture_output=True, text=True, timeout=HANG_GUARD,
                          cwd=Path(__file__).resolve().parents[1])
    assert proc.returncode == 1, f"exit {proc.returncode}: {proc.stderr[-300:]}"
    assert code in [f["code"] for f in json.loads(proc.stdout)]


def test_long_body_within_the_limit_is_checked_and_rendered_without_hanging(tmp_path):
    """200,000 body lines under a raised size limit: checked and rendered, no hang."""

    root = _big_limit(tmp_path)
    front, _ = good_report("info")
    body = "".join(f"第 {i} 行：检查企业，发现 *隐患* 与 [链接](https://x.example/{i}) `代码` <b>\n" for i in range(200_000))
    path = write_report(root, UNIT, "2026-11-18-长正文", front, "\n" + body)
    proc = subprocess.run([sys.executable, "-m", "generator", "--root", str(root), "check", "--format", "json",
                           "--as-of", AS_OF_TEXT], capture_output=True, text=True, timeout=HANG_GUARD,
                          cwd=Path(__file__).resolve().parents[1])
    findings = json.loads(proc.stdout)
    assert rel(root, path) in {f["path"] for f in findings} or proc.returncode == 0
    [html] = _render_apart(tmp_path, [body])
    assert "<b>" not in html and "第 199999 行" in html


def test_pathological_markdown_renders_without_hanging(tmp_path):
    bodies = ["*" * 50_000 + "a", "[" * 20_000 + "a" + "]" * 20_000, "> " * 5_000 + "a", "- " * 5_000 + "a",
              "`" * 30_000, "_a" * 30_000, "<" * 50_000, "&" * 50_000 + "#", "|a" * 20_000 + "\n|-|\n"]
    for body, html in zip(bodies, _render_apart(tmp_path, bodies), strict=True):
        assert html.strip(), body[:20]


@pytest.mark.parametrize("where", ["submissions", ".", "..", "submissions/anjianke", "templates", "documents"])
def test_build_never_replaces_the_repository_or_a_foreign_folder_with_the_site(tmp_path, where):
    """A build replaces its output folder as a whole: ``--site-dir submissions`` (or the repository,
    or a folder of someone's own files) is refused, and nothing in it is touched."""
    root = make_org(tmp_path / "repo")
    write_report(root, UNIT, "2026-11-18-收费站火情", *good_report("incident"))
    (root / "templates").mkdir()
    (root / "templates" / "mine.md.j2").write_text("自定义模板", encoding="utf-8")
    documents = tmp_path / "repo" / "documents"
    documents.mkdir()
    (documents / "工作总结.docx").write_bytes(b"mine")
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    site = (root / where) if where != "documents" else documents
    result = run(root, "build", "--site-dir", str(site), "--as-of", AS_OF_TEXT)
    assert result.exit_code == 2, result.output
    assert "网站输出文件夹" in result.output and "请改用 site/" in result.output
    assert "Traceback" not in result.output
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before


def test_build_replaces_its_own_previous_site(tmp_path):
    root = make_org(tmp_path / "repo")
    write_report(root, UNIT, "2026-11-18-收费站火情", *good_report("incident"))
    site = tmp_path / "www"
    for _ in range(2):
        result = run(root, "build", "--site-dir", str(site), "--as-of", AS_OF_TEXT)
        assert result.exit_code == 0, result.output
    assert (site / "index.html").is_file()
