"""The GB/T 9704-2012 page (党政机关公文格式) as a python-docx document.

Everything the three kinds of document share lives here: the A4 page with its margins and
22 × 28 grid, the styles (fonts named in the East Asian slot as well as the Latin one, since
Word picks the font of a Chinese character from ``w:eastAsia``), the red masthead and rule,
the classification mark, the page numbers, the signature and the 版记 (colophon).

Fonts are named, not embedded: office PCs have 仿宋_GB2312 and 方正小标宋简体; LibreOffice on a
server maps them to an installed CJK face with ``fonts.conf`` (see pdf.py).
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import io
import zipfile
from xml.sax.saxutils import escape as xml_escape

from docx import Document as new_docx
from docx.document import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Mm, Pt, RGBColor, Twips

# --- the national layout, in one place --------------------------------------------------------
PAGE_WIDTH, PAGE_HEIGHT = Mm(210), Mm(297)
MARGIN_TOP, MARGIN_BOTTOM, MARGIN_LEFT, MARGIN_RIGHT = Mm(37), Mm(35), Mm(28), Mm(26)
LINES_PER_PAGE, CHARS_PER_LINE = 22, 28

FANGSONG = "仿宋_GB2312"  # body, 3号
XIAOBIAOSONG = "方正小标宋简体"  # title, masthead
HEITI = "黑体"  # 一、 headings, classification
KAITI = "楷体_GB2312"  # （一） headings, quoted 批示
SONGTI = "宋体"  # page numbers
LATIN = "Times New Roman"  # digits and Latin letters in the body

BODY_SIZE = Pt(16)  # 3号
TITLE_SIZE = Pt(22)  # 2号
PAGE_NUMBER_SIZE = Pt(14)  # 4号
COLOPHON_SIZE = Pt(14)  # 4号
TABLE_SIZE = Pt(10.5)  # 5号
RED = RGBColor(0xFF, 0x00, 0x00)

_TEXT_WIDTH_TWIPS = (PAGE_WIDTH - MARGIN_LEFT - MARGIN_RIGHT) // 635  # EMU → twips
_TEXT_HEIGHT_TWIPS = (PAGE_HEIGHT - MARGIN_TOP - MARGIN_BOTTOM) // 635
#: one grid line: 225 mm / 22 lines = 579 twips (28.95 pt)
LINE_PITCH = _TEXT_HEIGHT_TWIPS // LINES_PER_PAGE
#: Word's w:charSpace: how much wider than the 16 pt body character one grid cell is, in 1/4096 pt
CHAR_SPACE = round((_TEXT_WIDTH_TWIPS / 20 / CHARS_PER_LINE - 16) * 4096)
CHAR = 320  # one body character (16 pt) in twips: indents are counted in characters
#: 156 mm hold 27.6 characters of 16 pt: 0.25 pt less between characters makes the 28 of GB/T 9704
CHAR_SPACING = -((CHAR * CHARS_PER_LINE - _TEXT_WIDTH_TWIPS) // CHARS_PER_LINE + 1)

# style names (Word shows them in its style list; the headings are Word's own, for its outline)
TITLE = "公文标题"
MASTHEAD = "发文机关标志"
MARK = "密级标识"
HEADINGS = ("Heading 1", "Heading 2", "Heading 3")
BODY = "Normal"
PLAIN = "公文正文无缩进"
QUOTE = "批示引文"
TABLE_TEXT = "表格文字"
PAGE_NUMBER = "公文页码"
COLOPHON = "版记"
TOC = "要目"

_COLOPHON_ROW = 482  # twips (8.5 mm): one line of 4号 with room above and below

CLASSIFICATION_MARKS = {"internal": "内部资料", "restricted": "限定范围"}


def cn_date(day: dt.date | dt.datetime) -> str:
    """``2026年11月3日`` (GB/T 9704: Arabic numerals, no leading zeros)."""
    return f"{day.year}年{day.month}月{day.day}日"


def cn_time(moment: dt.datetime | None, tz) -> str:
    """``2026年11月3日14时55分`` in the organisation's timezone."""
    if moment is None:
        return ""
    local = moment.astimezone(tz)
    return f"{cn_date(local)}{local.hour}时{local.minute:02d}分"


# --- fonts and styles ---------------------------------------------------------------------------

def set_fonts(rpr, east_asia: str, latin: str | None = None) -> None:
    """Name the font in every slot of ``w:rFonts`` (East Asian too), dropping theme fonts."""
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in list(fonts.attrib):
        del fonts.attrib[attr]
    latin = latin or east_asia
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)
    fonts.set(qn("w:cs"), latin)
    fonts.set(qn("w:eastAsia"), east_asia)
    fonts.set(qn("w:hint"), "eastAsia")


def _style(doc: Document, name: str, east_asia: str, size: Pt, *, bold: bool = False, latin: str | None = LATIN,
           align=WD_ALIGN_PARAGRAPH.JUSTIFY, first_line_chars: int = 2, color: RGBColor | None = None,
           outline: int | None = None, exact_line: bool = True, snap: bool = True, base: str | None = BODY,
           spacing: int = 0):
    styles = doc.styles
    style = styles[name] if name in [s.name for s in styles] else styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    # Word's own heading styles come with theme fonts, colours and spacing: start them afresh
    for tag in ("w:pPr", "w:rPr"):
        old = style.element.find(qn(tag))
        if old is not None:
            style.element.remove(old)
    if base and name != base:
        style.base_style = styles[base]
    style.quick_style = True
    rpr = style.element.get_or_add_rPr()
    set_fonts(rpr, east_asia, latin)
    style.font.size = size
    _size_cs(rpr, size)
    style.font.bold = bold
    style.font.italic = False
    style.font.color.rgb = color or RGBColor(0, 0, 0)
    if spacing:
        tight = OxmlElement("w:spacing")
        tight.set(qn("w:val"), str(spacing))
        rpr.append(tight)
    lang = OxmlElement("w:lang")
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "zh-CN")
    rpr.append(lang)
    pf = style.paragraph_format
    pf.alignment = align
    pf.space_before = Pt(0)
    pf.space_after = Pt(0)
    pf.left_indent = Twips(0)
    pf.right_indent = Twips(0)
    pf.first_line_indent = Twips(first_line_chars * CHAR) if first_line_chars else Twips(0)
    if first_line_chars:  # in characters too, so the indent follows the font size
        pf.element.get_or_add_pPr().get_or_add_ind().set(qn("w:firstLineChars"), str(first_line_chars * 100))
    if exact_line:
        pf.line_spacing = Twips(LINE_PITCH)  # a Length: python-docx writes lineRule="exact"
    else:
        pf.line_spacing = 1.0
    pf.widow_control = False
    ppr = pf.element.get_or_add_pPr()
    if not snap:
        _on_off(ppr, "w:snapToGrid", False)
    if outline is not None:
        level = OxmlElement("w:outlineLvl")
        level.set(qn("w:val"), str(outline))
        ppr.append(level)
        pf.keep_with_next = True
    return style


def _size_cs(rpr, size: Pt) -> None:
    cs = rpr.find(qn("w:szCs"))
    if cs is None:
        cs = OxmlElement("w:szCs")
        rpr.append(cs)
    cs.set(qn("w:val"), str(int(size.pt * 2)))


def _on_off(parent, tag: str, value: bool) -> None:
    el = OxmlElement(tag)
    el.set(qn("w:val"), "1" if value else "0")
    parent.append(el)


def _defaults(doc: Document) -> None:
    """Document defaults (docDefaults): 仿宋_GB2312 and Chinese, not the theme's Latin fonts."""
    styles = doc.styles.element
    defaults = styles.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    set_fonts(rpr, FANGSONG, LATIN)
    # the character grid is counted from the default size (Word and LibreOffice both): 3号
    for tag in ("w:sz", "w:szCs"):
        el = rpr.find(qn(tag))
        if el is None:
            el = OxmlElement(tag)
            rpr.append(el)
        el.set(qn("w:val"), str(int(BODY_SIZE.pt * 2)))
    lang = rpr.find(qn("w:lang"))
    if lang is not None:
        lang.set(qn("w:eastAsia"), "zh-CN")


def _page(doc: Document) -> None:
    section = doc.sections[0]
    section.page_width, section.page_height = PAGE_WIDTH, PAGE_HEIGHT
    section.top_margin, section.bottom_margin = MARGIN_TOP, MARGIN_BOTTOM
    section.left_margin, section.right_margin = MARGIN_LEFT, MARGIN_RIGHT
    section.header_distance = Mm(15)
    # the page number's dash sits 7 mm below the text area (GB/T 9704 §7.5)
    section.footer_distance = Mm(35 - 7) - PAGE_NUMBER_SIZE
    grid = section._sectPr.find(qn("w:docGrid"))
    if grid is None:
        grid = OxmlElement("w:docGrid")
        section._sectPr.append(grid)
    # a line grid; the 28 characters a line come from the body's character spacing (CHAR_SPACING):
    # LibreOffice lays out Word's character grid (linesAndChars) at twice the pitch
    grid.set(qn("w:type"), "lines")
    grid.set(qn("w:linePitch"), str(LINE_PITCH))
    grid.set(qn("w:charSpace"), str(CHAR_SPACE))


def _page_numbers(doc: Document) -> None:
    """``— 1 —`` in 4号 宋体: odd pages on the right, even pages on the left, one character in."""
    doc.settings.odd_and_even_pages_header_footer = True
    section = doc.sections[0]
    for footer, odd in ((section.footer, True), (section.even_page_footer, False)):
        footer.is_linked_to_previous = False
        p = footer.paragraphs[0]
        p.style = doc.styles[PAGE_NUMBER]
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT if odd else WD_ALIGN_PARAGRAPH.LEFT
        if odd:
            p.paragraph_format.right_indent = PAGE_NUMBER_SIZE
        else:
            p.paragraph_format.left_indent = PAGE_NUMBER_SIZE
        p.add_run("— ")
        field(p, "PAGE", "1")
        p.add_run(" —")


def field(paragraph, instruction: str, shown: str) -> None:
    """A Word field (``PAGE``) as begin / instruction / separate / result / end runs."""
    def char(kind: str):
        run = paragraph.add_run()
        el = OxmlElement("w:fldChar")
        el.set(qn("w:fldCharType"), kind)
        run._r.append(el)

    char("begin")
    run = paragraph.add_run()
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction} "
    run._r.append(instr)
    char("separate")
    paragraph.add_run(shown)
    char("end")


_KEEP_STYLES = {BODY, PLAIN, TITLE, MASTHEAD, MARK, *HEADINGS, QUOTE, TABLE_TEXT, PAGE_NUMBER, COLOPHON, TOC,
                "Table Grid", "Normal Table", "Default Paragraph Font", "No List"}


@functools.lru_cache(maxsize=1)
def _template() -> tuple[bytes, dict[str, str]]:
    """The empty document with page, styles and page numbers, made once per process, and the
    style ids by name (python-docx looks a style up by name through every style each time)."""
    doc = new_docx()
    _defaults(doc)
    _page(doc)
    _style(doc, BODY, FANGSONG, BODY_SIZE, base=None, spacing=CHAR_SPACING)
    _style(doc, PLAIN, FANGSONG, BODY_SIZE, first_line_chars=0, spacing=CHAR_SPACING)
    # a line of the 2号 title one grid line apart (28.95 pt), not snapped to two grid lines
    _style(doc, TITLE, XIAOBIAOSONG, TITLE_SIZE, latin=XIAOBIAOSONG, align=WD_ALIGN_PARAGRAPH.CENTER,
           first_line_chars=0, snap=False)
    _style(doc, MASTHEAD, XIAOBIAOSONG, Pt(36), latin=XIAOBIAOSONG, align=WD_ALIGN_PARAGRAPH.CENTER,
           first_line_chars=0, color=RED, exact_line=False, snap=False)
    _style(doc, MARK, HEITI, BODY_SIZE, latin=HEITI, align=WD_ALIGN_PARAGRAPH.LEFT, first_line_chars=0)
    _style(doc, HEADINGS[0], HEITI, BODY_SIZE, latin=HEITI, outline=0, spacing=CHAR_SPACING)
    _style(doc, HEADINGS[1], KAITI, BODY_SIZE, latin=KAITI, outline=1, spacing=CHAR_SPACING)
    _style(doc, HEADINGS[2], FANGSONG, BODY_SIZE, bold=True, outline=2, spacing=CHAR_SPACING)
    _style(doc, QUOTE, KAITI, BODY_SIZE, latin=KAITI, spacing=CHAR_SPACING)
    _style(doc, TABLE_TEXT, FANGSONG, TABLE_SIZE, align=WD_ALIGN_PARAGRAPH.CENTER, first_line_chars=0,
           exact_line=False, snap=False)
    _style(doc, PAGE_NUMBER, SONGTI, PAGE_NUMBER_SIZE, latin=SONGTI, align=WD_ALIGN_PARAGRAPH.RIGHT,
           first_line_chars=0, exact_line=False, snap=False)
    _style(doc, COLOPHON, FANGSONG, COLOPHON_SIZE, align=WD_ALIGN_PARAGRAPH.LEFT, first_line_chars=0,
           exact_line=False, snap=False)
    _style(doc, TOC, FANGSONG, BODY_SIZE, align=WD_ALIGN_PARAGRAPH.LEFT, first_line_chars=0)
    _page_numbers(doc)
    # only the styles used: Word's hundred-odd others (and their theme fonts) are dead weight
    root = doc.styles.element
    latent = root.find(qn("w:latentStyles"))
    if latent is not None:
        root.remove(latent)
    ids: dict[str, str] = {}
    for el in root.findall(qn("w:style")):
        name_el = el.find(qn("w:name"))
        name = name_el.get(qn("w:val")) if name_el is not None else ""
        name = {"heading 1": "Heading 1", "heading 2": "Heading 2", "heading 3": "Heading 3"}.get(name, name)
        if name not in _KEEP_STYLES:
            root.remove(el)
            continue
        ids[name] = el.get(qn("w:styleId"))
        for link in el.findall(qn("w:link")):
            el.remove(link)
    # parts python-docx's template carries that no 公文 needs: a 438 KB stylesWithEffects.xml (Word
    # 2010's copy of the styles; parsing and compressing it was most of a document's cost), the
    # thumbnail of an empty page, list numbering, custom XML
    for rels in (doc.part.rels, doc.part.package.rels):
        for rid, rel in list(rels.items()):
            if rel.reltype.rsplit("/", 1)[-1] in ("stylesWithEffects", "thumbnail", "numbering", "customXml"):
                rels.pop(rid)
    schema_order(root)
    section = doc.sections[0]
    for footer in (section.footer, section.even_page_footer):
        schema_order(footer._element)
    return to_bytes(doc), ids


def new_document(title: str, when: dt.datetime) -> Document:
    """An empty document with the GB/T 9704 page, styles and page numbers; ``when`` (成文 time)
    dates it, never the clock."""
    data, ids = _template()
    doc = new_docx(io.BytesIO(data))
    doc._sb_styles = ids  # name → style id, for add()
    props = doc.core_properties
    props.title = title
    props.author = props.last_modified_by = props.comments = props.keywords = props.subject = ""
    props.language = "zh-CN"
    props.revision = 1
    moment = when.astimezone(dt.UTC).replace(tzinfo=None, microsecond=0)
    props.created = props.modified = moment
    return doc


def add(doc: Document, text: str = "", style: str = BODY):
    """A paragraph in ``style`` (by id: as fast as python-docx's add_paragraph without a style)."""
    p = doc.add_paragraph()
    p._p.style = doc._sb_styles[style]
    if text:
        p.add_run(text)
    return p


# --- parts of the page ----------------------------------------------------------------------------

def classification_mark(doc: Document, classification: str) -> None:
    """内部资料 / 限定范围 top left (nothing on a public document)."""
    mark = CLASSIFICATION_MARKS.get(classification)
    if mark:
        add(doc, mark, MARK)


def masthead(doc: Document, text: str, below: list[tuple[str, str]] | None = None) -> None:
    """The 发文机关标志 in red 小标宋 and the red rule under it (the width of the text area).

    ``below``: lines between the masthead and the rule (the bulletin's 第N期 and 编发单位 / date),
    as (left, right) pairs; a line with only ``left`` is centred.
    """
    p = add(doc, text, MASTHEAD)
    # as large as fits on one line, at most 2 cm high
    per_char = _TEXT_WIDTH_TWIPS / 20 / max(len(text), 1)
    p.runs[0].font.size = Pt(max(22, min(52, int(per_char * 0.92))))
    p.paragraph_format.space_before = Pt(0)
    p.paragraph_format.space_after = Pt(12)
    last = p
    for left, right in below or []:
        line = add(doc, style=PLAIN)
        if right:
            line.paragraph_format.tab_stops.add_tab_stop(Twips(_TEXT_WIDTH_TWIPS), WD_TAB_ALIGNMENT.RIGHT)
            line.add_run(f"{left}\t{right}")
        else:
            line.alignment = WD_ALIGN_PARAGRAPH.CENTER
            line.add_run(left)
        last = line
    border(last, "bottom", size=18, color="FF0000", space=8)
    add(doc, style=PLAIN)  # GB/T 9704: the title starts two lines below the rule


def border(paragraph, side: str, size: int, color: str = "000000", space: int = 1) -> None:
    """A rule along one side of a paragraph (``size`` in eighths of a point)."""
    ppr = paragraph._p.get_or_add_pPr()
    borders = ppr.find(qn("w:pBdr"))
    if borders is None:
        borders = OxmlElement("w:pBdr")
        ppr.append(borders)
    el = OxmlElement(f"w:{side}")
    el.set(qn("w:val"), "single")
    el.set(qn("w:sz"), str(size))
    el.set(qn("w:space"), str(space))
    el.set(qn("w:color"), color)
    borders.append(el)


def title(doc: Document, text: str) -> None:
    add(doc, text, TITLE)
    add(doc, style=PLAIN)  # one blank line between title and text


def heading(doc: Document, level: int, text: str) -> None:
    """Level 1 一、 (黑体), 2 （一） (楷体), 3 1. (仿宋 bold); the number is part of ``text``."""
    add(doc, text, HEADINGS[min(level, 3) - 1])


def paragraph(doc: Document, text: str, style: str = BODY):
    return add(doc, text, style)


def table(doc: Document, header: list[str], rows: list[list[object]], widths_chars: list[float] | None = None) -> None:
    """A ruled table in 5号 仿宋, the header in 黑体 and repeated on each page, centred, with fixed
    column widths (in the grid as well as the cells: LibreOffice reads the grid).

    Written as one piece of WordprocessingML and parsed once: python-docx's cell-by-cell API
    costs a millisecond a cell, and a year's 通报 has hundreds.
    """
    if not widths_chars:  # as wide as the longest text of each column, within reason
        widths_chars = [min(max([len(str(header[i]))] + [len(str(r[i])) for r in rows] + [2]), 14)
                        for i in range(len(header))]
    total = sum(widths_chars)
    twips = [int(_TEXT_WIDTH_TWIPS * w / total) for w in widths_chars]
    style = doc._sb_styles[TABLE_TEXT]
    heiti = f'<w:rPr><w:rFonts w:ascii="{HEITI}" w:hAnsi="{HEITI}" w:cs="{HEITI}" w:eastAsia="{HEITI}" w:hint="eastAsia"/></w:rPr>'

    def row_xml(cells: list[object], is_header: bool) -> str:
        out = ["<w:tr>", "<w:trPr><w:tblHeader/></w:trPr>" if is_header else ""]
        for text, width in zip(cells, twips, strict=True):
            value = xml_escape("" if text is None else str(text))
            out.append(f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/></w:tcPr><w:p><w:pPr><w:pStyle w:val="{style}"/>'
                       f'</w:pPr><w:r>{heiti if is_header else ""}<w:t xml:space="preserve">{value}</w:t></w:r></w:p></w:tc>')
        out.append("</w:tr>")
        return "".join(out)

    grid = "".join(f'<w:gridCol w:w="{w}"/>' for w in twips)
    xml = (f'<w:tbl {nsdecls("w")}><w:tblPr><w:tblStyle w:val="{doc._sb_styles["Table Grid"]}"/>'
           f'<w:tblW w:w="{sum(twips)}" w:type="dxa"/><w:jc w:val="center"/><w:tblLayout w:type="fixed"/>'
           '<w:tblCellMar><w:left w:w="57" w:type="dxa"/><w:right w:w="57" w:type="dxa"/></w:tblCellMar>'
           '<w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="0" w:firstColumn="1" w:lastColumn="0" w:noHBand="0" w:noVBand="1"/>'
           f'</w:tblPr><w:tblGrid>{grid}</w:tblGrid>'
           + row_xml(header, True) + "".join(row_xml(r, False) for r in rows) + "</w:tbl>")
    doc.element.body.sectPr.addprevious(parse_xml(xml))
    add(doc, style=PLAIN)  # a line after the table


def signature(doc: Document, signer: str, day: dt.date) -> None:
    """署名 and 成文日期 at the right: the date four characters in, the name centred above it.

    Kept on one page with the last lines of the text above (the last paragraph, or the last row of
    a closing table): a page holding a signature and nothing else is what GB/T 9704 §7.3.5 rules
    out."""
    _keep_with_next(doc.element.body)
    for _ in range(2):
        add(doc, style=PLAIN).paragraph_format.keep_with_next = True
    date_text = cn_date(day)
    sig = add(doc, signer, PLAIN)
    sig.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    offset = (len(date_text) - len(signer)) * CHAR // 2 if len(date_text) > len(signer) else 0
    sig.paragraph_format.right_indent = Twips(4 * CHAR + offset)
    sig.paragraph_format.keep_with_next = True
    date = add(doc, date_text, PLAIN)
    date.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    date.paragraph_format.right_indent = Twips(4 * CHAR)


def _keep_with_next(body) -> None:
    """keepNext on the last paragraph of ``body`` with text, and the empty ones after it (on each
    paragraph of the last row when the text ends with a table: the row stays with what follows)."""
    paragraphs = []
    for el in reversed(body):  # back over the empty lines to the last text
        if el.tag == qn("w:p"):
            paragraphs.append(el)
            if "".join(el.itertext()).strip():
                break
        elif el.tag == qn("w:tbl"):
            rows = el.findall(qn("w:tr"))
            paragraphs.extend(rows[-1].iter(qn("w:p")) if rows else [])
            break
    for p in paragraphs:
        ppr = p.get_or_add_pPr()
        if ppr.find(qn("w:keepNext")) is None:
            ppr.append(OxmlElement("w:keepNext"))


def colophon(doc: Document, cc: list[str], issuer: str, day: dt.date) -> None:
    """The 版记 at the foot of the last page: 抄送 and 印发单位 / 印发日期 between rules (thick
    first and last, thin between), its last rule on the lower edge of the text area (GB/T 9704 §8).

    A frame placed on the page (``w:framePr``; Word and LibreOffice both honour it, where
    LibreOffice 7 lays a floating table out in the text flow): it takes no room in the text, and
    text flows above it, never beside it.
    """
    lines: list[tuple[str, str]] = []
    if cc:
        lines.append((f"抄送：{'，'.join(cc)}。", ""))
    lines.append((issuer, f"{cn_date(day)}印发"))
    top = (PAGE_HEIGHT - MARGIN_BOTTOM) // 635 - len(lines) * _COLOPHON_ROW
    for index, (left, right) in enumerate(lines):
        p = add(doc, style=COLOPHON)
        ppr = p._p.get_or_add_pPr()
        frame = OxmlElement("w:framePr")
        for k, v in (("w", str(_TEXT_WIDTH_TWIPS)), ("h", str(_COLOPHON_ROW)), ("hRule", "exact"),
                     ("wrap", "notBeside"), ("vAnchor", "page"), ("hAnchor", "margin"), ("xAlign", "center"),
                     ("y", str(top + index * _COLOPHON_ROW))):
            frame.set(qn(f"w:{k}"), v)
        ppr.insert(0, frame)
        ppr.find(qn("w:pStyle")).addnext(frame)
        p.paragraph_format.left_indent = PAGE_NUMBER_SIZE  # one character in, on both sides
        p.paragraph_format.right_indent = PAGE_NUMBER_SIZE
        if right:
            p.paragraph_format.tab_stops.add_tab_stop(Twips(_TEXT_WIDTH_TWIPS - 2 * 280), WD_TAB_ALIGNMENT.RIGHT)
            p.add_run(f"{left}\t{right}")
        else:
            p.add_run(left)
        if index == 0:
            border(p, "top", size=8, space=1)
        border(p, "bottom", size=8 if index == len(lines) - 1 else 4, space=1)
    # LibreOffice anchors the frame to the paragraph after it (or, at the end, the one before it,
    # which may start a page earlier): an empty line of 1 pt keeps it on the last page
    anchor = add(doc, style=PLAIN)
    anchor.paragraph_format.line_spacing = Pt(1)


def colophon_on_even_page(doc: Document) -> bool:
    """Start the 版记 on the next even page: GB/T 9704 puts it on the last face of a document
    printed on both sides (封四), after a blank page when need be.

    The body becomes a section of its own, ended by a 1-pt paragraph that carries its properties
    (a copy of the document's), and the 版记 a section of type ``evenPage`` that continues the page
    numbers. Called when a first layout (LibreOffice's, ``pdf.docx_to_pdf``) ended on an odd page:
    whether the 版记 fits under the body is only known once the pages are laid out.
    False when the document has no 版记.
    """
    style = doc._sb_styles[COLOPHON]
    first = next((p for p in doc.paragraphs if p._p.style == style), None)
    if first is None:
        return False
    final = doc.element.body.sectPr
    own = copy.deepcopy(final)
    end = first.insert_paragraph_before()
    end._p.style = doc._sb_styles[PLAIN]
    end.paragraph_format.line_spacing = Pt(1)
    end._p.get_or_add_pPr().append(own)
    start = final.find(qn("w:type"))
    if start is None:  # after the header/footer references and notes, as the schema orders them
        start = OxmlElement("w:type")
        before = qn("w:headerReference"), qn("w:footerReference"), qn("w:footnotePr"), qn("w:endnotePr")
        final.insert(sum(1 for child in final if child.tag in before), start)
    start.set(qn("w:val"), "evenPage")
    numbering = final.find(qn("w:pgNumType"))
    if numbering is not None and numbering.get(qn("w:start")) is not None:
        del numbering.attrib[qn("w:start")]  # the 版记 page goes on counting
    return True


#: the order WordprocessingML's schema gives the children of w:pPr and w:rPr (ECMA-376 §17.3.1.26,
#: §17.3.2.28): Word refuses a file ("unreadable content") where LibreOffice would not mind
_PPR_ORDER = ("pStyle keepNext keepLines pageBreakBefore framePr widowControl numPr suppressLineNumbers pBdr shd "
              "tabs suppressAutoHyphens kinsoku wordWrap overflowPunct topLinePunct autoSpaceDE autoSpaceDN bidi "
              "adjustRightInd snapToGrid spacing ind contextualSpacing mirrorIndents suppressOverlap jc "
              "textDirection textAlignment textboxTightWrap outlineLvl divId cnfStyle rPr sectPr pPrChange").split()
_RPR_ORDER = ("rStyle rFonts b bCs i iCs caps smallCaps strike dstrike outline shadow emboss imprint noProof "
              "snapToGrid vanish webHidden color spacing w kern position sz szCs highlight u effect bdr shd "
              "fitText vertAlign rtl cs em lang eastAsianLayout specVanish oMath").split()
_ORDERS = {qn("w:pPr"): {qn(f"w:{t}"): i for i, t in enumerate(_PPR_ORDER)},
           qn("w:rPr"): {qn(f"w:{t}"): i for i, t in enumerate(_RPR_ORDER)}}


def schema_order(root) -> None:
    """Put the children of every w:pPr and w:rPr under ``root`` in schema order (the properties
    this module adds by hand are appended wherever python-docx left off)."""
    for tag, order in _ORDERS.items():
        for props in root.iter(tag):
            children = list(props)
            ranked = sorted(children, key=lambda el: order.get(el.tag, len(order)))
            if ranked != children:
                for el in children:
                    props.remove(el)
                props.extend(ranked)


def to_bytes(doc: Document) -> bytes:
    """The DOCX file; the same document gives the same bytes (zip entries dated 1980-01-01, not
    the clock), so a site built twice is byte-identical."""
    schema_order(doc.element)
    out = io.BytesIO()
    doc.save(out)
    return package(parts(out.getvalue()))


def parts(data: bytes) -> list[tuple[str, bytes]]:
    """The parts of a DOCX file (name, bytes), in the file's order."""
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        return [(info.filename, source.read(info.filename)) for info in source.infolist()]


def package(items: list[tuple[str, bytes]]) -> bytes:
    """A DOCX file of these parts, in this order: the same parts give the same bytes."""
    fixed = io.BytesIO()
    with zipfile.ZipFile(fixed, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in items:
            entry = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            target.writestr(entry, data)
    return fixed.getvalue()


def core_time(when: dt.datetime) -> str:
    """``when`` as ``new_document`` dates the file (docProps/core.xml, as python-docx writes it)."""
    return when.astimezone(dt.UTC).replace(tzinfo=None, microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")
