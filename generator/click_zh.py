"""Click's own words in Chinese: usage, help headings, usage errors (SPEC §7: everything a staff
member reads is Chinese).

Click marks these texts for gettext (``from gettext import gettext as _`` in each module) but ships
no Chinese catalogue, and a gettext catalogue would only be used when the reader's locale asks for
it. So ``install()`` puts a translating ``_`` (and ``ngettext``) into those modules: a text in the
table below is shown in Chinese, anything else as click wrote it.
"""

from __future__ import annotations

import gettext
import importlib

_TEXT = {
    "Usage:": "用法：",
    "Options": "选项",
    "Commands": "命令",
    "Positional arguments": "参数",
    "Show this message and exit.": "显示本帮助并退出。",
    "Show the version and exit.": "显示版本并退出。",
    "%(prog)s, version %(version)s": "%(prog)s，版本 %(version)s",
    "Error: {message}": "错误：{message}",
    "Try '{command} {option}' for help.": "运行“{command} {option}”查看帮助。",
    "Missing argument": "缺少参数",
    "Missing option": "缺少选项",
    "Missing parameter": "缺少参数",
    "Missing {param_type}": "缺少{param_type}",
    "Missing parameter: {param_name}": "缺少参数：{param_name}",
    "Missing command.": "缺少命令。",
    "No such command {name!r}.": "没有命令 {name!r}。",
    "No such option {name!r}.": "没有选项 {name!r}。",
    "Option {name!r} does not take a value.": "选项 {name!r} 不带值。",
    "Invalid value for {param_hint}: {message}": "{param_hint} 的值不对：{message}",
    "Invalid value: {message}": "值不对：{message}",
    "Choose from:\n\t{choices}": "可选：\n\t{choices}",
    "{value!r} is not a valid {number_type}.": "{value!r} 不是有效的{number_type}。",
    "{value} is not in the range {range}.": "{value} 不在 {range} 范围内。",
    "{value!r} is not a valid boolean. Recognized values: {states}": "{value!r} 不是是/否值；可写：{states}",
    "{name} {filename!r} does not exist.": "{name} {filename!r} 不存在。",
    "{name} {filename!r} is a file.": "{name} {filename!r} 是文件，不是文件夹。",
    "{name} {filename!r} is a directory.": "{name} {filename!r} 是文件夹，不是文件。",
    "{name} {filename!r} is not readable.": "{name} {filename!r} 不可读。",
    "{name} {filename!r} is not writable.": "{name} {filename!r} 不可写。",
    "file": "文件",
    "directory": "文件夹",
    "path": "路径",
    "default: {default}": "默认：{default}",
    "env var: {var}": "环境变量：{var}",
    "Aborted!": "已中止。",
    "unknown error": "未知错误",
    "required": "必填",
}
#: plural forms: click passes every placeholder of both forms, so one Chinese text serves for both
_PLURAL = {
    "Got unexpected extra argument ({args})": "多余的参数（{args}）",
    "Option {name!r} requires an argument.": "选项 {name!r} 后面要写值。",
    "{value!r} is not {choice}.": "{value!r} 不是可选的值（{choices}）。",
    "Did you mean {possibility}?": "是不是要写 {possibility}？",
}
_MODULES = ("core", "decorators", "exceptions", "formatting", "parser", "types", "termui")


def _gettext(message: str) -> str:
    return _TEXT.get(message, message)


def _ngettext(singular: str, plural: str, n: int) -> str:
    text = _PLURAL.get(singular)
    return text if text is not None else gettext.ngettext(singular, plural, n)


def install() -> None:
    """Make click speak Chinese; call before the commands are declared (some texts are taken then)."""
    import click.types

    for name in _MODULES:
        module = importlib.import_module(f"click.{name}")
        if hasattr(module, "_"):
            module._ = _gettext
        if hasattr(module, "ngettext"):
            module.ngettext = _ngettext
    formatting = importlib.import_module("click.formatting")
    formatter = formatting.HelpFormatter
    if not getattr(formatter, "_sb_chinese", False):
        english_usage = formatter.write_usage

        def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
            english_usage(self, prog, args, "用法：" if prefix is None else prefix)  # no space after "："

        def write_heading(self, heading: str) -> None:
            self.write(f"{'':>{self.current_indent}}{heading}：\n")

        formatter.write_usage, formatter.write_heading, formatter._sb_chinese = write_usage, write_heading, True
    # the words click shows for a value's kind: in "--port 整数" and in "… 不是有效的整数"
    click.types.StringParamType.name = "文本"
    click.types.IntParamType.name = "整数"
    click.types.FloatParamType.name = "数"
    click.types.IntRange.name = "整数范围"


def localise(group) -> None:
    """Chinese placeholders in the usage lines of ``group`` and its commands."""
    group.subcommand_metavar = "命令 [参数]…"
    for command in [group, *group.commands.values()]:
        command.options_metavar = "[选项]"
