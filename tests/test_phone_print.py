"""A leader on a phone (360–390 px) reads every figure of every table and every chart label; on
paper every page carries the organisation, the page's title and 第 N 页 共 M 页 (SPEC §7).
Debian's Chromium through Playwright on the sample site; pdftotext reads the printed PDF."""

from __future__ import annotations

import re
import shutil
import subprocess
from urllib.parse import quote

import pytest
from conftest import absent_tool, needs_chromium

pytestmark = needs_chromium

PAGES = ["index.html", "periods/2026-11.html", "periods/2026-W47.html", "periods/index.html", "units/index.html",
         "units/anjianke.html", "types/incident.html", "help/index.html", "help/rules/R105.html"]


def _report_page(site) -> str:
    page = next(p for p in sorted((site / "r").rglob("*.html")) if "续报" in p.name)
    return quote(page.relative_to(site).as_posix())


# every table cell outside report bodies (which scroll sideways on their own) that runs off the screen
OVERFLOW = """
(width) => {
  const out = [];
  for (const cell of document.querySelectorAll('.md-content td, .md-content th')) {
    if (cell.closest('.sb-body')) continue;
    const head = cell.closest('thead');
    if (head && getComputedStyle(head).display === 'none') continue;  // headings give way to each cell's label
    const r = cell.getBoundingClientRect();
    const style = getComputedStyle(cell);
    if (style.display === 'none' || style.visibility === 'hidden') {
      out.push('hidden: ' + cell.textContent.trim());
      continue;
    }
    if (cell.textContent.trim() && (r.left < -1 || r.right > width + 1 || r.width < 1)) {
      out.push(cell.textContent.trim() + ' @ ' + Math.round(r.left) + '..' + Math.round(r.right));
    }
  }
  for (const table of document.querySelectorAll('.sb-body table')) {
    const r = table.getBoundingClientRect();
    if (r.right > width + 1) out.push('body table wider than the screen');
  }
  if (document.documentElement.scrollWidth > width + 1) out.push('page scrolls sideways');
  return out;
}
"""

# rendered size (px) of each chart text shown: its font size in the drawing's units × the drawing's scale
CHART_TEXT = """
() => {
  const out = [];
  for (const svg of document.querySelectorAll('svg.sb-chart')) {
    const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
    for (const t of svg.querySelectorAll('text')) {
      if (getComputedStyle(t).display === 'none') continue;
      out.push([t.getAttribute('class'), parseFloat(getComputedStyle(t).fontSize) * scale, t.textContent]);
    }
  }
  return out;
}
"""


@pytest.mark.parametrize("width", [360, 390])
def test_every_table_figure_is_readable_on_a_phone(browser, base_url, sample_site, width):
    page = browser.new_page(viewport={"width": width, "height": 800})
    try:
        for path in [*PAGES, _report_page(sample_site)]:
            page.goto(base_url + path)
            assert page.evaluate(OVERFLOW, width) == [], (path, width)
        # the figure tables show each figure under its own label
        page.goto(base_url + "periods/2026-11.html")
        label = page.locator("table.sb-summary tbody tr").first.locator('td[data-label="漏报"]')
        assert label.is_visible()
        assert page.evaluate("(c) => getComputedStyle(c, '::before').content", label.element_handle()) == '"漏报"'
    finally:
        page.close()


@pytest.mark.parametrize(("width", "low", "high"), [(360, 10, 14), (390, 10, 14), (1366, 10, 19)])
def test_chart_labels_are_legible_and_not_huge(browser, base_url, width, low, high):
    page = browser.new_page(viewport={"width": width, "height": 900})
    try:
        for path in ("index.html", "periods/2026-11.html", "units/anjianke.html"):
            page.goto(base_url + path)
            sizes = page.evaluate(CHART_TEXT)
            assert sizes, path
            for css, size, text in sizes:
                assert low <= size <= high, (path, width, css, text, round(size, 1))
    finally:
        page.close()


def test_every_printed_page_has_organisation_title_and_page_number(browser, base_url, tmp_path):
    if not shutil.which("pdftotext"):
        absent_tool("找不到 pdftotext（Debian 包 poppler-utils）")
    page = browser.new_page()
    try:
        page.goto(base_url + "periods/2026-11.html")
        pdf = tmp_path / "month.pdf"
        page.pdf(path=str(pdf), format="A4", prefer_css_page_size=True)
    finally:
        page.close()
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    pages = [p for p in text.split("\f") if p.strip()]
    assert len(pages) >= 2
    for number, printed in enumerate(pages, start=1):
        squeezed = re.sub(r"\s+", "", printed)
        assert "示例县应急管理局" in squeezed and "2026年11月汇总" in squeezed, number
        assert f"第{number}页共{len(pages)}页" in squeezed, (number, printed[-200:])
