"""Everything a reader or a staff member meets is Chinese (SPEC §7): the command line's help, usage
and errors, the site's 404 page and the preview server's error pages."""

from __future__ import annotations

import http.client
import http.server
import re
import threading

import click
import pytest
from click.testing import CliRunner
from helpers_org import make_org, write_good

from generator.cli import main
from generator.model import REPORT_TYPES

# click's own English, as it prints it without a catalogue
ENGLISH = re.compile(r"Usage|Options|Commands|Show this|Show the|Error|Missing|Invalid|Try '|No such|"
                     r"is not|required|default:|TEXT|INTEGER|PATH|DIRECTORY|OPTIONS|COMMAND|ARGS|REPORT\b|REPORT_TYPE|"
                     # click's TEXT in Chinese: says nothing of what to write (时间, 周期 …)
                     r" 文本 ")
CJK = re.compile(r"[\u4e00-\u9fff]")


def _invoke(*args: str):
    return CliRunner().invoke(main, list(args))


@pytest.mark.parametrize("command", [None, *sorted(main.commands)])
def test_every_help_page_is_chinese(command):
    result = _invoke(*([command] if command else []), "--help")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("用法：")
    assert "选项：" in result.output
    assert not ENGLISH.search(result.output), ENGLISH.search(result.output)


@pytest.mark.parametrize("command", sorted(main.commands))
def test_every_option_says_what_it_is_for(command):
    for param in main.commands[command].params:
        if isinstance(param, click.Option):
            assert param.help and CJK.search(param.help), (command, param.name)


def test_new_help_lists_the_report_types():
    output = _invoke("new", "--help").output
    for code, label in REPORT_TYPES.items():
        assert f"{code}（{label}）" in output


@pytest.mark.parametrize(("args", "says"), [
    (("new",), "缺少参数"),
    (("new", "incident"), "缺少选项 '--unit'"),
    (("summary",), "缺少选项 '--period'"),
    (("summary", "--period", "2026", "--format", "xml"), "不是可选的值"),
    (("serve", "--port", "abc"), "不是有效的整数"),
    (("check", "--bogus"), "没有选项"),
    (("nosuch",), "没有命令"),
    (("export",), "缺少参数 '报告编号'"),
])
def test_usage_errors_are_chinese(args, says):
    result = _invoke(*args)
    assert result.exit_code == 2
    assert "错误：" in result.output and says in result.output, result.output
    assert "用法：" in result.output and "查看帮助" in result.output
    assert not ENGLISH.search(result.output), ENGLISH.search(result.output)


def test_the_404_page_is_chinese(sample_site):
    page = (sample_site / "404.html").read_text(encoding="utf-8")
    assert "找不到这个页面" in page and "返回首页" in page
    assert "Not found" not in page


def _request(port: int, method: str, path: str) -> tuple[int, str, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request(method, path)
    response = conn.getresponse()
    return response.status, response.getheader("Content-Type", ""), response.read().decode("utf-8")


def test_serve_error_pages_are_chinese(tmp_path):
    from generator.site.serve import Preview

    root = make_org(tmp_path)
    write_good(root, "info")
    preview = Preview(root, "internal", out=tmp_path / "out")
    assert preview.full_build()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), preview.handler())
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        port = server.server_address[1]
        status, kind, body = _request(port, "GET", "/no/such/page.html")
        assert status == 404 and "charset=utf-8" in kind
        assert "找不到这个页面" in body and "Not Found" not in body
        status, kind, body = _request(port, "POST", "/")
        assert status == 501 and "不支持这种请求方式" in body and "Unsupported" not in body
    finally:
        server.shutdown()
        server.server_close()
        preview.close()
