"""Rendered text reads as written: fenced code is code, and Chinese wrapped over lines has no stray spaces."""

from __future__ import annotations

import html
import re

import pytest

from generator.rules import RULES
from generator.site.render import body_html, join_cjk_breaks_in_markdown

CJK_SPACE = re.compile(r"[\u4e00-\u9fff，。：；、）][ \t]*\n[ \t\n]*[\u4e00-\u9fff（“]")  # a line break shows as a space


def test_a_line_break_inside_chinese_text_is_no_space():
    out = body_html("发生时间，\n如果下雨\n就改期。\n")
    assert "<p>发生时间，如果下雨就改期。</p>" in out


@pytest.mark.parametrize(("source", "kept"), [
    ("English words\nstay apart", "English words\nstay apart"),
    ("中文 and\nEnglish", "中文 and\nEnglish"),
    ("第一行  \n第二行", "第一行<br>"),  # two spaces: the writer's own line break
])
def test_other_line_breaks_are_kept(source, kept):
    assert kept in body_html(source)


def test_lists_quotes_and_inline_markup_join_too_but_code_keeps_its_lines():
    out = body_html("- 列表一\n  接续\n\n> 引用一\n> 引用二\n\n打开，\n**保存**\n为文件\n\n```\n代码一\n代码二\n```\n")
    assert "列表一接续" in out and "引用一引用二" in out
    assert "打开，<strong>保存</strong>为文件" in out
    assert "代码一\n代码二" in out


def test_a_heading_is_never_joined_to_the_next_line():
    assert join_cjk_breaks_in_markdown("## 基本情况\n正文一\n**正文二**") == "## 基本情况\n正文一**正文二**"


def test_markdown_pages_join_outside_fences_only():
    text = "说明一\n说明二\n\n```\n代码一\n代码二\n```\n"
    assert join_cjk_breaks_in_markdown(text) == "说明一说明二\n\n```\n代码一\n代码二\n```\n"


FENCED = re.compile(r"^```[^\n]*\n(.*?)^```", re.S | re.M)
EXAMPLES = sorted(code for code, rule in RULES.items() if FENCED.search(rule.doc))


def test_several_rules_have_examples():
    assert {"R103", "R105"} <= set(EXAMPLES)


@pytest.mark.parametrize("code", EXAMPLES)
def test_every_rule_page_shows_its_examples_as_code(sample_site, code):
    page = (sample_site / "help" / "rules" / f"{code}.html").read_text(encoding="utf-8")
    body = page.split('<div class="sb-body">', 1)[1].split("</article>", 1)[0]
    blocks = FENCED.findall(RULES[code].doc)
    pres = re.findall(r"<pre[^>]*>(.*?)</pre>", body, re.S)
    assert len(pres) == len(blocks), (code, len(pres), len(blocks))
    for block, pre in zip(blocks, pres, strict=True):
        shown = html.unescape(re.sub(r"<[^>]+>", "", pre))
        assert shown.strip("\n") == block.strip("\n"), code  # every line, as written, in order
    assert "```" not in body


def test_help_and_rule_pages_have_no_stray_spaces_in_chinese(sample_site):
    pages = [sample_site / "help" / "index.html", *sorted((sample_site / "help" / "rules").glob("R*.html"))]
    for page in pages:
        text = page.read_text(encoding="utf-8")
        article = text.split("<article", 1)[1].split("</article>", 1)[0]
        article = re.sub(r"<pre.*?</pre>", "", article, flags=re.S)
        for paragraph in re.findall(r"<(?:p|li)>(.*?)</(?:p|li)>", article, re.S):
            plain = html.unescape(re.sub(r"<[^>]+>", "", paragraph))
            assert not CJK_SPACE.search(plain), (page.name, plain)
    help_page = (sample_site / "help" / "index.html").read_text(encoding="utf-8")
    assert "<pre" in help_page and "shangbao new incident --unit" in help_page
    assert "```" not in help_page.split("<article", 1)[1]
