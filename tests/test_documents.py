"""Written documents (SPEC §10): ``shangbao export``, ``summary --format docx|pdf`` and
``shangbao bulletin`` write GB/T 9704 Word files (read back here with python-docx) and PDFs
(made by LibreOffice, read back with pdfinfo/pdftotext/pdftoppm)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import docx
import pytest
import yaml
from click.testing import CliRunner
from docx.oxml.ns import qn
from docx.shared import Mm

from generator.cli import main
from generator.documents import layout
from generator.documents.text import blocks, inline

PROJECT_ROOT = Path(__file__).resolve().parents[1]
AS_OF = "2026-11-27 18:00"
FIRE = "anjianke/2026/2026-11-03-收费站火情"
RESTRICTED = "anjianke/2026/2026-10-20-金石矿业违规生产线索核查"


def run(root: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--root", str(root), *args])
    return result.exit_code, result.output


def made(root: Path, tmp_path: Path, name: str, *args: str) -> Path:
    out = tmp_path / name
    code, output = run(root, *args, "--as-of", AS_OF, "-o", str(out))
    assert code == 0, output
    assert str(out) in output  # the command says where the file is
    return out


def style_font(doc, style_name: str) -> tuple[str | None, float | None]:
    """(East Asian font, size in pt) of a paragraph style, following its base styles."""
    style = doc.styles[style_name]
    east, size = None, None
    while style is not None:
        rpr = style.element.rPr
        if rpr is not None:
            fonts = rpr.find(qn("w:rFonts"))
            if east is None and fonts is not None and fonts.get(qn("w:eastAsia")):
                east = fonts.get(qn("w:eastAsia"))
        if size is None and style.font.size is not None:
            size = style.font.size.pt
        style = style.base_style
    return east, size


def paragraphs(doc) -> list[str]:
    return [p.text for p in doc.paragraphs]


def all_text(path: Path) -> str:
    """Every XML part of a DOCX (body, headers, footers, properties) as one string."""
    with zipfile.ZipFile(path) as z:
        return "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist() if n.endswith(".xml"))


# --- the report ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def fire_docx(tmp_path_factory) -> Path:
    return made(PROJECT_ROOT, tmp_path_factory.mktemp("export"), "fire.docx", "export", FIRE)


def test_export_page_is_gbt9704_a4_with_its_margins_and_grid(fire_docx):
    doc = docx.Document(str(fire_docx))
    s = doc.sections[0]
    assert (round(s.page_width.mm), round(s.page_height.mm)) == (210, 297)
    assert [round(x.mm) for x in (s.top_margin, s.bottom_margin, s.left_margin, s.right_margin)] == [37, 35, 28, 26]
    grid = s._sectPr.find(qn("w:docGrid"))
    # 22 lines in the 225 mm text area
    assert round(Mm(225).twips / int(grid.get(qn("w:linePitch")))) == 22
    # 28 characters of 16 pt in the 156 mm line: the body's character spacing makes them fit
    spacing = doc.styles["Normal"].element.rPr.find(qn("w:spacing"))
    pitch = 16 + int(spacing.get(qn("w:val"))) / 20
    assert int(Mm(156).pt // pitch) == 28


def test_export_fonts_are_named_in_the_east_asian_slot(fire_docx):
    doc = docx.Document(str(fire_docx))
    texts = paragraphs(doc)
    title = doc.paragraphs[texts.index("示例县东收费站配电房火情（初报）")]
    assert style_font(doc, title.style.name) == ("方正小标宋简体", 22)
    assert title.style.paragraph_format.alignment == 1  # centred
    assert style_font(doc, "Normal") == ("仿宋_GB2312", 16)
    h1 = next(p for p in doc.paragraphs if p.text == "一、基本情况")
    assert style_font(doc, h1.style.name) == ("黑体", 16)
    assert style_font(doc, "Heading 2") == ("楷体_GB2312", 16)
    assert style_font(doc, "Heading 3") == ("仿宋_GB2312", 16) and doc.styles["Heading 3"].font.bold
    body = next(p for p in doc.paragraphs if p.text.startswith("2026年11月3日13时40分"))
    assert style_font(doc, body.style.name) == ("仿宋_GB2312", 16)


def test_export_has_red_masthead_rule_classification_and_page_numbers(fire_docx):
    doc = docx.Document(str(fire_docx))
    assert doc.paragraphs[0].text == "内部资料"
    head = doc.paragraphs[1]
    assert head.text == "示例县应急管理局"
    assert style_font(doc, head.style.name)[0] == "方正小标宋简体"
    assert str(head.style.font.color.rgb) == "FF0000"
    rule = head._p.pPr.find(qn("w:pBdr")).find(qn("w:bottom"))
    assert rule.get(qn("w:color")) == "FF0000"
    assert doc.settings.odd_and_even_pages_header_footer
    section = doc.sections[0]
    for footer, side in ((section.footer, 2), (section.even_page_footer, 0)):  # odd right, even left
        p = footer.paragraphs[0]
        assert p.alignment == side
        xml = p._p.xml
        assert "PAGE" in "".join(t.text for t in p._p.iter(qn("w:instrText")))
        assert "fldChar" in xml
        assert p.text.startswith("— ") and p.text.endswith(" —")
        assert style_font(doc, p.style.name) == ("宋体", 14)


def test_export_text_equals_the_report(fire_docx):
    from generator.repository import load_repository

    report = load_repository(PROJECT_ROOT).by_id[FIRE]
    doc = docx.Document(str(fire_docx))
    texts = paragraphs(doc)
    start = texts.index("一、基本情况")
    # the body, block for block, then the signature and the date
    expected = [b.text for b in blocks(report.body)]
    got = [t for t in texts[start:] if t][: len(expected)]
    assert got == expected
    # the words are the report's: each line of the Markdown body is in the document
    words = "".join(texts)
    for line in report.body.splitlines():
        text = inline(re.sub(r"^(#+|\d+\.)\s*", "", line))
        if text:
            assert text in words
    # the facts a reader needs, then 署名, 成文日期 and the 版记 (issuer, date) between rules
    assert "报送单位：安全生产监督管理股" in texts and "事发地点：示例高速公路示例县东收费站配电房" in texts
    assert "伤亡情况：死亡0人，受伤1人" in texts and "直接经济损失：8.5万元" in texts
    signature = texts.index("安全生产监督管理股", start)
    assert texts[signature + 1] == "2026年11月3日"
    framed = [p for p in doc.paragraphs if p._p.pPr is not None and p._p.pPr.find(qn("w:framePr")) is not None]
    assert [p.text for p in framed] == ["示例县应急管理局\t2026年11月3日印发"]  # placed at the foot of the page
    assert texts.index(framed[0].text) > signature
    colophon = framed[0]
    ppr = colophon._p.pPr
    frame = ppr.find(qn("w:framePr"))
    # its last rule on the lower edge of the text area: 297 − 35 mm from the top of the page
    assert frame.get(qn("w:vAnchor")) == "page"
    bottom = int(frame.get(qn("w:y"))) + int(frame.get(qn("w:h")))
    assert abs(bottom - Mm(297 - 35).twips) < 10
    assert {b.tag.split("}")[1] for b in ppr.find(qn("w:pBdr"))} == {"top", "bottom"}


def test_export_documents_settings_masthead_cc_issuer(tmp_path):
    root = _copy_sample(tmp_path, documents={"masthead": "示例县应急管理局文件", "cc": ["县委办公室", "县政府办公室"],
                                             "issuer": "示例县应急管理局办公室"})
    out = made(root, tmp_path, "x.docx", "export", FIRE)
    texts = paragraphs(docx.Document(str(out)))
    assert texts[1] == "示例县应急管理局文件"
    assert "抄送：县委办公室，县政府办公室。" in texts
    assert "示例县应急管理局办公室\t2026年11月3日印发" in texts


def test_export_default_file_is_named_after_the_report(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, output = run(PROJECT_ROOT, "export", f"submissions/{FIRE}.md", "--as-of", AS_OF)
    assert code == 0, output
    assert (tmp_path / "2026-11-03-收费站火情.docx").is_file()
    assert output.strip().endswith("2026-11-03-收费站火情.docx")


def test_export_refuses_a_report_above_the_audience_and_unknown_ids(tmp_path):
    out = tmp_path / "r.docx"
    code, output = run(PROJECT_ROOT, "export", RESTRICTED, "--as-of", AS_OF, "-o", str(out))
    assert code == 2 and "限定" in output and "--audience restricted" in output
    assert not out.exists()
    code, output = run(PROJECT_ROOT, "export", RESTRICTED, "--audience", "restricted", "--as-of", AS_OF, "-o", str(out))
    assert code == 0 and paragraphs(docx.Document(str(out)))[0] == "限定范围"
    code, output = run(PROJECT_ROOT, "export", "anjianke/2026/没有这份", "--as-of", AS_OF)
    assert code == 2 and "找不到报告" in output


# --- the 情况通报 --------------------------------------------------------------------------------

def _json_summary(root: Path, period: str, audience: str = "internal") -> dict:
    code, output = run(root, "summary", "--period", period, "--format", "json", "--audience", audience, "--as-of", AS_OF)
    assert code == 0, output
    return json.loads(output)


def _tables(doc) -> list[list[list[str]]]:
    return [[[c.text for c in row.cells] for row in t.rows] for t in doc.tables]


def test_notice_has_the_figures_of_summary_json(tmp_path):
    out = made(PROJECT_ROOT, tmp_path, "n.docx", "summary", "--period", "2026-11", "--format", "docx")
    doc = docx.Document(str(out))
    data = _json_summary(PROJECT_ROOT, "2026-11")
    texts = paragraphs(doc)
    assert "关于2026年11月信息报送情况的通报" in texts
    t = data["totals"]
    headline = next(x for x in texts if x.startswith("本期共收到报告"))
    assert headline.startswith(f"本期共收到报告{t['reports']}份，其中突发事件初报{t['incidents']}起；"
                               f"应报定期报告{t['expected']}份，已报{t['received']}份。")
    assert f"按时{t['on_time']}份，迟报{t['late']}份，瞒报{t['concealed']}份，漏报{t['missing']}份" in headline
    units = _tables(doc)[0]
    assert units[0] == ["排名", "单位", "应报", "已报", "按时", "迟报", "瞒报", "漏报", "批示", "采用", "按时率", "得分"]
    by_name = {row[1]: row for row in units[1:]}
    assert len(by_name) == len(data["units"])
    for u in data["units"]:
        row = by_name[u["name"]]
        # 已报 beside 应报 is the periodic reports received, as the summary and the site's 定期报告 已报/应报:
        # a unit with 1 owed, 1 missing and an incident must not read 应报 1 · 已报 2 · 漏报 1
        assert [int(x) for x in row[2:10]] == [u[k] for k in ("expected", "received", "on_time", "late", "concealed",
                                                               "missing", "instructed", "adopted")]
        assert float(row[11]) == u["score"] and int(row[0]) == u["rank"]
    for m in data["missing"]:
        assert any(x.startswith(m["unit_name"] + "：") and m["period_label"] in x for x in texts)
    incidents = [row[0] for row in _tables(doc)[1 + bool(data["late_reports"])][1:]]
    assert incidents == [i["title"] for i in data["incidents"]]
    for values in data["metrics"].values():
        for name, value in values.items():
            assert any(row[0] == name and row[1] == str(value) for table in _tables(doc) for row in table)


def test_public_notice_has_no_assessment_figures(tmp_path):
    out = made(PROJECT_ROOT, tmp_path, "p.docx", "summary", "--period", "2026-11", "--format", "docx",
               "--audience", "public")
    doc = docx.Document(str(out))
    text = all_text(out)
    for word in ("应报", "迟报", "瞒报", "漏报", "按时率", "得分", "内部资料"):
        assert word not in text, word
    data = _json_summary(PROJECT_ROOT, "2026-11", "public")
    assert any(x.startswith(f"本期共收到报告{data['totals']['reports']}份") for x in paragraphs(doc))


def test_summary_docx_period_errors_exit_2(tmp_path):
    code, output = run(PROJECT_ROOT, "summary", "--period", "2026-W60", "--format", "docx", "-o", str(tmp_path / "x.docx"))
    assert code == 2 and "W60" in output and not (tmp_path / "x.docx").exists()


# --- the 信息简报 --------------------------------------------------------------------------------

def test_bulletin_lists_and_quotes_each_instructed_or_adopted_report(tmp_path):
    root = _copy_sample(tmp_path, documents={"bulletin_name": "《示例应急信息》"})
    out = made(root, tmp_path, "b.docx", "bulletin", "--period", "2026-10", "--number", "7")
    texts = paragraphs(docx.Document(str(out)))
    assert texts[1] == "示例应急信息" and "第7期" in texts
    from generator.repository import load_repository

    repo = load_repository(root)
    feedback = [r for r in repo.reports if r.type == "feedback" and r.kind in ("批示", "采用")
                and r.reported_at.month == 10 and r.visible_to("internal")]
    assert feedback, "the sample has 批示/采用 in October"
    toc_end = texts.index("本期要目")
    for fb in feedback:
        target = repo.by_id[fb.on]
        assert any(x.startswith(f"{n}. {target.title}") for n in range(1, 10) for x in texts[toc_end:toc_end + 10])
        assert target.title in texts  # the article itself
        quoted = [x for x in texts if x.startswith(("【领导批示】", "【采用情况】")) and fb.by in x]
        assert quoted and inline(fb.body.strip().splitlines()[0]) in quoted[0]


def test_bulletin_number_defaults_to_the_period_in_its_year(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, output = run(PROJECT_ROOT, "bulletin", "--period", "2026-11", "--as-of", AS_OF)
    assert code == 0, output
    out = tmp_path / "工作信息-第11期.docx"
    assert "第11期" in paragraphs(docx.Document(str(out)))


# --- audiences ----------------------------------------------------------------------------------

CANARY = "金石矿业限定核查金丝雀"


def _copy_sample(tmp_path: Path, **org_overrides) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(PROJECT_ROOT / "submissions", root / "submissions")
    if org_overrides:
        path = root / "submissions" / "_org.yml"
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        data.update(org_overrides)
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return root


def test_no_document_for_internal_holds_anything_restricted(tmp_path):
    """A restricted report with a 批示 and a restricted incident: the internal notice, bulletin and
    exports never carry their titles or words; the restricted ones do (the test can fail)."""
    root = _copy_sample(tmp_path)
    unit = root / "submissions" / "anjianke" / "2026"
    (unit / "2026-11-21-限定火情.md").write_text(
        "---\ntitle: 金石矿业炸药库限定火情\ntype: incident\nunit: anjianke\nauthor: 赵磊\n"
        "reported_at: 2026-11-21 10:00\nreviewed_by: 陈静\napproved_by: 刘洋\nclassification: restricted\n"
        "occurred_at: 2026-11-21 09:30\nlocation: 金石矿业炸药库\ncategory: 火灾\nseverity: 一般\n"
        f"deaths: 0\ninjuries: 0\nloss: 1\nstage: 初报\n---\n\n## 基本情况\n\n{CANARY}。\n\n## 事件经过\n\n"
        "9时30分起火，9时40分扑灭。\n\n## 处置措施\n\n已封存现场。\n", encoding="utf-8")
    (root / "submissions" / "bangongshi" / "2026" / "2026-11-05-批示-金石矿业.md").write_text(
        "---\ntitle: 刘洋对金石矿业核查的批示\ntype: feedback\nunit: bangongshi\nauthor: 王强\n"
        "reported_at: 2026-11-05 09:00\nreviewed_by: 张伟\napproved_by: 张伟\n"
        f"on: {RESTRICTED}\nkind: 批示\nby: 刘洋\n---\n\n依法从严查处。\n", encoding="utf-8")
    secrets = ["金石矿业有限公司停产期间违规生产线索", "金石矿业炸药库限定火情", CANARY]
    made_files = [
        made(root, tmp_path, "n11.docx", "summary", "--period", "2026-11", "--format", "docx"),
        made(root, tmp_path, "nq4.docx", "summary", "--period", "2026-Q4", "--format", "docx"),
        made(root, tmp_path, "b10.docx", "bulletin", "--period", "2026-10"),
        made(root, tmp_path, "b11.docx", "bulletin", "--period", "2026-11"),
        made(root, tmp_path, "by.docx", "bulletin", "--period", "2026"),
        made(root, tmp_path, "fb.docx", "export", "bangongshi/2026/2026-11-05-批示-金石矿业"),
    ]
    for path in made_files:
        text = all_text(path)
        for secret in secrets:
            assert secret not in text, (path.name, secret)
    # the same documents for restricted readers do hold them
    leader = made(root, tmp_path, "r11.docx", "bulletin", "--period", "2026-11", "--audience", "restricted")
    assert secrets[0] in all_text(leader) and "依法从严查处" in all_text(leader)
    notice = made(root, tmp_path, "rn.docx", "summary", "--period", "2026-11", "--format", "docx", "--audience", "restricted")
    assert secrets[1] in all_text(notice) and "限定范围" in paragraphs(docx.Document(str(notice)))[0]


# --- documents: in _org.yml -------------------------------------------------------------------------

@pytest.mark.parametrize("documents, key", [
    ({"mastehead": "x"}, "documents.mastehead"),
    ({"cc": [1, ""]}, "documents.cc"),
    ({"issuer": 12}, "documents.issuer"),
    ("抄送县委", "documents"),
])
def test_documents_setting_errors_name_key_and_line(tmp_path, documents, key):
    root = _copy_sample(tmp_path, documents=documents)
    code, output = run(root, "export", FIRE, "-o", str(tmp_path / "x.docx"))
    assert code == 2
    lines = (root / "submissions" / "_org.yml").read_text(encoding="utf-8").splitlines()
    wanted = next(i for i, line in enumerate(lines, start=1)
                  if line.lstrip().startswith(key.split(".")[-1] + ":") or (key == "documents.cc" and "cc:" in line))
    assert f"_org.yml:{wanted}: {key}" in output, output
    if key == "documents.mastehead":
        assert "masthead" in output  # did you mean


# --- Markdown → blocks ------------------------------------------------------------------------------

def test_blocks_number_headings_by_level_and_keep_only_words():
    md = ("## 基本情况\n\n**火情**已扑灭，见[通报](http://x)。\n第二行\n\n### 现场\n\n- 甲\n- 乙\n\n### 伤员\n\n"
          "1. 一人\n2. 二人\n\n## 二、已编号\n\n| 项 | 数 |\n|---|--:|\n| 车道 | 3 |\n\n#### 细节\n\n`x`\n")
    got = [(b.kind, b.text, b.level) for b in blocks(md)]
    assert got[:8] == [
        ("heading", "一、基本情况", 1), ("para", "火情已扑灭，见通报。第二行", 0),
        ("heading", "（一）现场", 2), ("para", "甲", 0), ("para", "乙", 0),
        ("heading", "（二）伤员", 2), ("para", "1. 一人", 0), ("para", "2. 二人", 0),
    ]
    assert got[8] == ("heading", "二、已编号", 1)  # a number already written is kept
    table = blocks(md)[9]
    assert table.kind == "table" and table.rows == [["项", "数"], ["车道", "3"]]
    assert [(b.text, b.level) for b in blocks(md)[10:]] == [("1. 细节", 3), ("x", 0)]


def test_dates_are_written_the_chinese_way():
    import datetime as dt

    assert layout.cn_date(dt.date(2026, 11, 3)) == "2026年11月3日"


# --- PDF (LibreOffice) ----------------------------------------------------------------------------

def _needs(program: str) -> None:
    if shutil.which(program) is None:
        message = f"{program} 未安装（Debian：libreoffice-writer-nogui / poppler-utils；.ci/run 会安装）"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory) -> dict[str, Path]:
    for program in ("soffice", "pdftotext", "pdfinfo", "pdftoppm"):
        _needs(program)
    tmp = tmp_path_factory.mktemp("pdf")
    return {
        "report": made(PROJECT_ROOT, tmp, "report.pdf", "export", FIRE, "--format", "pdf"),
        "notice": made(PROJECT_ROOT, tmp, "notice.pdf", "summary", "--period", "2026-11", "--format", "pdf"),
        "bulletin": made(PROJECT_ROOT, tmp, "bulletin.pdf", "bulletin", "--period", "2026-10", "--format", "pdf"),
    }


def _pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.mark.parametrize("kind", ["report", "notice", "bulletin"])
def test_pdf_is_a4_and_numbers_every_page(pdfs, kind):
    info = subprocess.run(["pdfinfo", str(pdfs[kind])], capture_output=True, text=True, check=True).stdout
    size = re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info)
    assert (round(float(size.group(1)) / 72 * 25.4), round(float(size.group(2)) / 72 * 25.4)) == (210, 297)
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    assert pages >= 1
    text = _pdf_text(pdfs[kind])
    per_page = text.split("\f")
    for n in range(1, pages + 1):
        if not per_page[n - 1].strip() and n == pages - 1:
            continue  # the blank page before a 版记 page: GB/T 9704 numbers neither
        assert re.search(rf"—\s*{n}\s*—", per_page[n - 1]), f"page {n} has no page number"


@pytest.mark.parametrize("kind", ["report", "notice", "bulletin"])
def test_pdf_has_its_colophon_alone_at_the_foot_of_an_even_last_page(pdfs, kind):
    """GB/T 9704: printed on both sides, the 版记 is on the last face (封四): an even page."""
    info = subprocess.run(["pdfinfo", str(pdfs[kind])], capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    assert pages % 2 == 0, pages
    per_page = _pdf_text(pdfs[kind]).split("\f")
    assert "印发" in per_page[pages - 1]
    assert all("印发" not in page for page in per_page[:pages - 1])


@pytest.mark.parametrize("kind", ["report", "notice"])
def test_pdf_signature_is_never_alone_on_a_page(pdfs, kind):
    """署名 and 成文日期 stay with the last lines of the text (GB/T 9704 §7.3.5): the page that holds
    them holds some of the text too (more than the two signature lines and the page number)."""
    pages = [p for p in _pdf_text(pdfs[kind]).split("\f") if p.strip()]  # the blank page left out
    assert "印发" in pages[-1]
    signed = pages[-2]  # the last page with text before the 版记 page
    lines = [line for line in signed.splitlines() if line.strip()]
    assert len(lines) > 3, signed


def test_a_one_page_document_gets_its_colophon_on_page_two_and_a_two_page_one_keeps_it(tmp_path):
    """Only a layout that ends on an odd page is laid out again: a document whose body and 版记 fit
    on page 1 gets the 版记 alone on page 2; one that ends on page 2 is left as it is. page_count
    reads what pdfinfo reads."""
    import datetime as dt

    from generator.documents import layout
    from generator.documents.pdf import document_to_pdf, docx_to_pdf, page_count

    def document(paragraphs: int):
        doc = layout.new_document("测试", dt.datetime(2026, 11, 27, 9, 0))
        layout.masthead(doc, "示例县应急管理局")
        layout.title(doc, "关于测试的报告")
        for i in range(paragraphs):
            layout.paragraph(doc, f"第{i + 1}段：11月27日9时，组织检查企业12家，发现隐患27处，已整改21处。")
        layout.signature(doc, "办公室", dt.date(2026, 11, 27))
        layout.colophon(doc, [], "示例县应急管理局办公室", dt.date(2026, 11, 27))
        return doc

    one = docx_to_pdf(layout.to_bytes(document(2)))
    assert page_count(one) == 1 and "印发" in _pdf_text(_save(tmp_path / "one.pdf", one))
    moved = document_to_pdf(document(2))
    pages = _pdf_text(_save(tmp_path / "moved.pdf", moved)).split("\f")
    assert page_count(moved) == 2 and "印发" not in pages[0] and "印发" in pages[1]
    info = subprocess.run(["pdfinfo", str(tmp_path / "moved.pdf")], capture_output=True, text=True, check=True).stdout
    assert re.search(r"Pages:\s+2\b", info)
    long = document(30)
    first = page_count(docx_to_pdf(layout.to_bytes(document(30))))
    assert page_count(document_to_pdf(long)) == first + first % 2


def _save(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_pdf_holds_the_title_and_every_section(pdfs):
    from generator.repository import load_repository

    report = load_repository(PROJECT_ROOT).by_id[FIRE]
    text = _squash(_pdf_text(pdfs["report"]))
    assert _squash(report.title) in text
    for b in blocks(report.body):
        assert _squash(b.text) in text, b.text
    notice = _squash(_pdf_text(pdfs["notice"]))
    for heading in ("关于2026年11月信息报送情况的通报", "一、总体情况", "二、各单位报送情况", "三、漏报情况",
                    "四、迟报、瞒报情况", "五、突发事件", "六、报送指标汇总", "2026年11月27日印发"):
        assert heading in notice
    bulletin = _squash(_pdf_text(pdfs["bulletin"]))
    assert "本期要目" in bulletin and "【采用情况】" in bulletin


def _ppm(path: Path) -> tuple[int, int, bytes]:
    data = path.read_bytes()
    header = re.match(rb"P6\s+(\d+)\s+(\d+)\s+255\s", data)
    return int(header.group(1)), int(header.group(2)), data[header.end():]


@pytest.mark.parametrize("kind", ["report", "notice", "bulletin"])
def test_pdf_first_page_has_the_red_masthead_at_the_top(pdfs, kind, tmp_path):
    """Page 1 rendered (pdftoppm): red ink only in the masthead band, none below it."""
    subprocess.run(["pdftoppm", "-r", "30", "-f", "1", "-l", "1", str(pdfs[kind]), str(tmp_path / "p")], check=True)
    width, height, pixels = _ppm(next(tmp_path.glob("p*.ppm")))
    red_rows = set()
    for y in range(height):
        row = pixels[y * width * 3:(y + 1) * width * 3]
        for x in range(0, width * 3, 3):
            r, g, b = row[x], row[x + 1], row[x + 2]
            if r > 180 and g < 90 and b < 90:
                red_rows.add(y)
                break
    assert red_rows, "no red masthead"
    # the masthead and its rule (the bulletin: with 第N期 and 编发单位) lie between the top margin (37 mm) and 120 mm
    assert min(red_rows) > height * 30 / 297 and max(red_rows) < height * 120 / 297


def test_pdf_without_libreoffice_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no soffice anywhere
    out = tmp_path / "x.pdf"
    code, output = run(PROJECT_ROOT, "export", FIRE, "--format", "pdf", "--as-of", AS_OF, "-o", str(out))
    assert code == 2
    assert "没有找到 LibreOffice" in output and "libreoffice-writer-nogui" in output
    assert not out.exists()


# --- the site -------------------------------------------------------------------------------------

def test_site_month_quarter_and_year_pages_link_their_notice(sample_site):
    for period, label in (("2026-11", "2026年11月"), ("2026-Q4", "2026年第四季度"), ("2026", "2026年")):
        html = (sample_site / "periods" / f"{period}.html").read_text(encoding="utf-8")
        link = re.search(r'<a href="([^"]+\.docx)" download>下载(.+?)信息报送情况通报（Word）</a>', html)
        assert link and link.group(2) == label, period
        target = (sample_site / "periods" / link.group(1)).resolve()
        texts = paragraphs(docx.Document(str(target)))
        assert f"关于{label}信息报送情况的通报" in texts and texts[0] == "内部资料"
    # a week has no 通报 of its own
    assert "sb-download" not in (sample_site / "periods" / "2026-W47.html").read_text(encoding="utf-8")


def test_summary_output_file_only_for_documents(tmp_path):
    code, output = run(PROJECT_ROOT, "summary", "--period", "2026-11", "--format", "json", "-o", str(tmp_path / "x.json"))
    assert code == 2 and "docx" in output and not (tmp_path / "x.json").exists()


def test_fonts_conf_maps_the_official_fonts_to_installed_cjk_faces():
    """仿宋/小标宋/楷体/宋体 print in a serif CJK face, 黑体 in a sans one (not fontconfig's default sans)."""
    _needs("fc-match")
    from generator.documents.pdf import FONTS_CONF

    def face(name: str) -> str:
        env = dict(os.environ, FONTCONFIG_FILE=str(FONTS_CONF))
        return subprocess.run(["fc-match", "-f", "%{family}", name], env=env, capture_output=True, text=True,
                              check=True).stdout
    for name in ("仿宋_GB2312", "方正小标宋简体", "楷体_GB2312", "宋体"):
        assert "Serif CJK" in face(name) or "Ming" in face(name), (name, face(name))
    assert "Sans CJK" in face("黑体") or "Hei" in face("黑体")


def test_blocks_take_linear_time_on_hostile_lines():
    """Lines that make a backtracking pattern quadratic (a heading of 200,000 #s and blanks, a
    rule-like line, an unclosed link) are read in one pass; the words are kept."""
    n = 200_000
    md = ("# " + "# " * n + "x\n" + "- " * n + "x\n" + "[" * n + "\n" + "*" * n + "\n" + "[a](" * n + "\n"
          + "<" * n + "\n")
    got = blocks(md)
    assert got[0].kind == "heading" and got[0].text.endswith("x")
    assert len(got) >= 2


@pytest.mark.parametrize("args", [
    ("export", FIRE, "-o", "submissions/anjianke/2026/2026-11-03-收费站火情.md"),
    ("summary", "--period", "2026-11", "--format", "docx", "-o", "submissions/_org.yml"),
    ("bulletin", "--period", "2026-11", "-o", "submissions/bangongshi/2026/简报.docx"),
])
def test_a_document_is_never_written_over_a_report_or_the_roster(tmp_path, monkeypatch, args):
    """``-o`` naming the report itself (or _org.yml) would replace it with a Word file: refused."""
    root = tmp_path / "repo"
    shutil.copytree(PROJECT_ROOT / "submissions", root / "submissions")
    before = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
    monkeypatch.chdir(root)
    code, output = run(root, *args, "--as-of", AS_OF)
    assert code == 2, output
    assert "导出的文件不写进仓库" in output and "Traceback" not in output
    assert {p: p.read_bytes() for p in root.rglob("*") if p.is_file()} == before
