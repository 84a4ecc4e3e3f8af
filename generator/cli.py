"""The ``shangbao`` command line (also ``python -m generator``).

Each command parses its options and delegates to the module that owns the work; modules
are imported lazily so ``shangbao check`` does not pay for MkDocs.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from . import click_zh
from .config import ConfigError
from .model import REPORT_TYPES
from .pool import WorkerLost
from .timeparse import parse_as_of

click_zh.install()  # before the commands below are declared: click takes some of its words then

AUDIENCES = ("public", "internal", "restricted")


class _Context:
    def __init__(self, root: Path):
        self.root = root


def _config_error(exc: ConfigError) -> None:
    click.echo("组织配置 submissions/_org.yml 有误，请先修正：", err=True)
    for line, message in exc.problems:
        click.echo(f"  {exc.path}:{line}: {message}", err=True)
    sys.exit(2)


def _run(command, *args) -> None:
    """Run a command's delegate; a configuration error or a file that cannot be read or written is
    reported (exit 2), never a traceback."""
    try:
        code = command(*args)
    except ConfigError as exc:
        _config_error(exc)
    except WorkerLost as exc:  # a worker process died (memory, killed): say so, no traceback
        click.echo(str(exc), err=True)
        sys.exit(2)
    except OSError as exc:  # a full disk, a folder that cannot be written: say which, no traceback
        where = f"“{exc.filename}”" if exc.filename else ""
        click.echo(f"无法读写文件{where}：{exc.strerror or exc}。请检查磁盘空间和文件夹权限后重试"
                   "（构建失败时已发布的网站保持不变）。", err=True)
        sys.exit(2)
    sys.exit(code)


def _as_of(value: str | None, root: Path | None = None):
    """``--as-of`` in the organisation's timezone (a time without offset is local to it)."""
    if value is None:
        return None
    tz = None
    if root is not None:
        from .config import load_org

        try:
            tz = load_org(root).timezone
        except ConfigError as exc:
            _config_error(exc)
    moment = parse_as_of(value, tz)
    if moment is None:
        raise click.BadParameter(f"“{value}”不是时间；请写成 2026-11-27 18:00 或 2026-11-27T18:00+08:00", param_hint="--as-of")
    return moment


def _outside_repository(ctx: click.Context, _param: click.Parameter, value: Path | None) -> Path | None:
    """``-o FILE``: never a file of the repository (a report, _org.yml) overwritten by a document."""
    from .project import output_problem

    problem = output_problem(ctx.find_object(_Context).root, Path.cwd() / value) if value is not None else None
    if problem:
        raise click.BadParameter(problem)
    return value


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=".", metavar="文件夹",
              help="报送仓库根目录（默认：当前目录）")
@click.version_option(package_name="shangbao")
@click.pass_context
def main(ctx: click.Context, root: Path) -> None:
    """信息上报：检查报告、生成汇总、构建网站。"""
    ctx.obj = _Context(root.resolve())


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path), metavar="[报告文件或文件夹]…")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "github"]), default="text",
              help="输出格式")
@click.option("--strict", is_flag=True, help="警告（warning）也算不通过")
@click.option("--as-of", "as_of", metavar="时间", help="以此时间为“现在”判断未来时间与迟报（默认：现在）")
@click.pass_obj
def check(obj: _Context, paths: tuple[Path, ...], fmt: str, strict: bool, as_of: str | None) -> None:
    """检查报告是否符合信息上报制度（默认检查整个仓库）。"""
    from .checker import run_check

    _run(run_check, obj.root, list(paths), fmt, strict, _as_of(as_of, obj.root))


_NEW_HELP = (
    "按模板新建一份报告，打印它的路径。例如：shangbao new incident --unit anjianke --title 收费站火情\n\n"
    "报告类型（写代码或中文名均可）：" + "、".join(f"{code}（{label}）" for code, label in REPORT_TYPES.items())
)


@main.command(help=_NEW_HELP)
@click.argument("report_type", metavar="报告类型")
@click.option("--unit", required=True, metavar="单位id", help="单位 id（即单位文件夹名）")
@click.option("--title", metavar="标题", help="报告标题（不写时留待填写，定期报告按周期自动起名）")
@click.option("--author", metavar="姓名",
              help="执笔人，须为本单位报送员或领导（默认：git 用户名；不在花名册中时留待填写）")
@click.pass_obj
def new(obj: _Context, report_type: str, unit: str, title: str | None, author: str | None) -> None:
    from .newreport import run_new

    _run(run_new, obj.root, report_type, unit, title, author)


@main.command()
@click.option("--period", required=True, metavar="汇总期", help="汇总期：2026-W48、2026-11、2026-Q4 或 2026")
@click.option("--format", "fmt", type=click.Choice(["md", "json", "csv", "docx", "pdf"]), default="md",
              help="md 通报（Markdown）、json 数据、csv 表格（Excel/WPS 可直接打开）打印到屏幕；docx/pdf 写成公文格式的情况通报文件")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None, metavar="文件",
              callback=_outside_repository, help="docx/pdf 的输出文件（默认：当前文件夹下以周期命名）")
@click.option("--audience", type=click.Choice(AUDIENCES), default="internal",
              help="读者范围：只计入该范围可见的报告；public 不列考核数字（应报、漏报、迟报、得分等）")
@click.option("--as-of", "as_of", metavar="时间", help="以此时间为“现在”计算漏报（默认：现在）")
@click.option("--rollup", is_flag=True, help="把下级单位的数字汇总到上级单位")
@click.option("--members", is_flag=True, help="并列显示各下级单位（_org.yml 的 members，读其网站数据源）的数字")
@click.pass_obj
def summary(obj: _Context, period: str, fmt: str, output: Path | None, audience: str, as_of: str | None,
            rollup: bool, members: bool) -> None:
    """打印一个周期（周/月/季/年）的汇总：报送、迟报、瞒报、漏报、得分、指标；--format docx/pdf 写成情况通报。"""
    if output is not None and fmt not in ("docx", "pdf"):
        raise click.UsageError("-o/--output 只用于 --format docx 或 pdf；md、json、csv 打印到屏幕，可用 > 文件名 保存。")
    if members:
        if fmt in ("docx", "pdf"):
            raise click.UsageError("--members 只支持 --format md、json 或 csv。")
        from .members import run_members_summary

        _run(run_members_summary, obj.root, period, fmt, audience)
    if fmt in ("docx", "pdf"):
        from .documents.commands import run_notice

        _run(run_notice, obj.root, period, fmt, output, audience, _as_of(as_of, obj.root), rollup)
    from .summary_writers import run_summary

    _run(run_summary, obj.root, period, fmt, audience, _as_of(as_of, obj.root), rollup)


_DOCUMENT_OPTIONS = [
    click.option("--format", "fmt", type=click.Choice(["docx", "pdf"]), default="docx",
                 help="docx：Word 文件；pdf：经 LibreOffice 转换"),
    click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None, metavar="文件",
                 callback=_outside_repository, help="输出文件（默认：当前文件夹，按报告或周期命名）"),
    click.option("--audience", type=click.Choice(AUDIENCES), default="internal",
                 help="读者范围：文件中不含该范围以上的内容"),
    click.option("--as-of", "as_of", metavar="时间", help="以此时间为“现在”（默认：现在）"),
]


def _document_options(command):
    for option in reversed(_DOCUMENT_OPTIONS):
        command = option(command)
    return command


@main.command()
@click.argument("report", metavar="报告编号")
@_document_options
@click.pass_obj
def export(obj: _Context, report: str, fmt: str, output: Path | None, audience: str, as_of: str | None) -> None:
    """把一份报告导出为公文格式（GB/T 9704）的 Word 或 PDF 文件，例如：shangbao export anjianke/2026/2026-11-03-收费站火情"""
    from .documents.commands import run_export

    _run(run_export, obj.root, report, fmt, output, audience, _as_of(as_of, obj.root))


@main.command()
@click.option("--period", required=True, metavar="周期", help="简报所辑的周期：2026-W48、2026-11、2026-Q4 或 2026")
@click.option("--number", type=click.IntRange(min=1), default=None, help="期号（默认：周期在当年的序号，如 11 月为第 11 期）")
@_document_options
@click.pass_obj
def bulletin(obj: _Context, period: str, number: int | None, fmt: str, output: Path | None, audience: str,
             as_of: str | None) -> None:
    """编印信息简报：本期被领导批示或采用的报告，附批示原文，前有本期要目。"""
    from .documents.commands import run_bulletin

    _run(run_bulletin, obj.root, period, number, fmt, output, audience, _as_of(as_of, obj.root))


@main.command()
@click.option("--audience", type=click.Choice(AUDIENCES), default="internal",
              help="读者范围：public 公开 · internal 内部 · restricted 限定（仅领导）")
@click.option("--site-dir", type=click.Path(file_okay=False, path_type=Path), default=None, metavar="文件夹",
              help="网站输出目录（默认：site/）")
@click.option("--as-of", "as_of", metavar="时间", help="以此时间为“现在”（默认：现在）")
@click.pass_obj
def build(obj: _Context, audience: str, site_dir: Path | None, as_of: str | None) -> None:
    """检查全部报告，生成汇总，构建网站（含搜索索引）。有错误时拒绝发布。"""
    from .project import site_dir_problem
    from .site.build import run_build

    problem = site_dir_problem(obj.root, Path.cwd() / site_dir) if site_dir is not None else None
    if problem:
        raise click.UsageError(problem)
    _run(run_build, obj.root, audience, site_dir, _as_of(as_of, obj.root))


@main.command()
@click.option("--audience", type=click.Choice(AUDIENCES), default="internal",
              help="读者范围：public 公开 · internal 内部 · restricted 限定（仅领导）")
@click.option("--host", default="127.0.0.1", show_default=True, metavar="地址",
              help="监听地址；局域网内其他电脑访问时写 0.0.0.0")
@click.option("--port", default=8000, show_default=True, type=int, metavar="端口", help="端口号")
@click.option("--as-of", "as_of", metavar="时间",
              help="以此时间为“现在”（默认：现在；示例数据按 _org.yml 的 sample_as_of）")
@click.pass_obj
def serve(obj: _Context, audience: str, host: str, port: int, as_of: str | None) -> None:
    """本地预览网站；报告有改动时自动重新生成并刷新浏览器。"""
    from .site.serve import run_serve

    _run(run_serve, obj.root, audience, host, port, _as_of(as_of, obj.root))


@main.command()
@click.option("--host", type=click.Choice(["github", "gitlab", "gitea"]), default="github",
              help="代码托管平台（Gitea 的 CODEOWNERS 用正则表达式）")
@click.pass_obj
def codeowners(obj: _Context, host: str) -> None:
    """打印 CODEOWNERS：各单位文件夹由本单位领导审核，_org.yml 由办公室审核。"""
    from .codeowners import run_codeowners

    _run(run_codeowners, obj.root, host)


@main.command()
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv",
              help="输出格式：csv 表格（Excel/WPS 可直接打开）或 json")
@click.pass_obj
def receipts(obj: _Context, fmt: str) -> None:
    """打印回执台账：每份报告的报送时间、接收时间、提交与内容哈希。"""
    from .history import run_receipts

    _run(run_receipts, obj.root, fmt)


@main.command()
@click.option("--since", required=True, metavar="提交号", help="从这个提交之后到现在（HEAD）新到的报告；CI 传入推送前的提交号")
@click.option("--dry-run", is_flag=True, help="只打印每个渠道将收到的消息，不发送")
@click.option("--as-of", "as_of", metavar="时间", help="以此时间为“现在”检查报告（默认：现在）")
@click.pass_obj
def notify(obj: _Context, since: str, dry_run: bool, as_of: str | None) -> None:
    """把新到的突发事件、迟报瞒报、批示采用推送到企业微信、钉钉、飞书、Webhook 或邮件。"""
    from .notify.run import run_notify

    _run(run_notify, obj.root, since, dry_run, _as_of(as_of, obj.root))


@main.command()
@click.option("--dry-run", is_flag=True, help="只打印每个渠道将收到的催报消息，不发送")
@click.option("--as-of", "as_of", metavar="时间", help="以此时间为“现在”计算即将到期和漏报（默认：现在）")
@click.pass_obj
def remind(obj: _Context, dry_run: bool, as_of: str | None) -> None:
    """催报：向各渠道发送即将到期和逾期未报的定期报告清单（CI 每天定时运行）。"""
    from .notify.run import run_remind

    _run(run_remind, obj.root, dry_run, _as_of(as_of, obj.root))


click_zh.localise(main)
