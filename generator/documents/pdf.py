"""DOCX → PDF with LibreOffice headless (``soffice --headless --convert-to pdf``).

Each conversion runs in a fresh temporary profile (two conversions at once would otherwise
fight over ``~/.config/libreoffice`` and a stale lock makes soffice exit silently), with a
timeout, and with ``fonts.conf`` so that 仿宋/小标宋/楷体, which servers lack, print in a serif
CJK face instead of fontconfig's default sans.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

FONTS_CONF = Path(__file__).with_name("fonts.conf")
TIMEOUT = 180  # seconds; a first start of LibreOffice in a new profile takes a few


#: Writer's PDF export, with the blank pages layout inserts (a page left blank so that the 版记
#: starts on an even page) printed as blank pages, not skipped
EXPORT_FILTER = 'pdf:writer_pdf_Export:{"IsSkipEmptyPages":{"type":"boolean","value":"false"}}'


class PdfError(Exception):
    """The PDF could not be made; the message is Chinese and says what to do."""


def soffice() -> str | None:
    """The LibreOffice program, or None when it is not installed."""
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    return None


MISSING = ("没有找到 LibreOffice（soffice），无法生成 PDF。请安装后重试："
           "Debian/Ubuntu 运行 sudo apt-get install libreoffice-writer-nogui fonts-noto-cjk；"
           "或改用 --format docx 生成 Word 文件，用 WPS/Word 打开后另存为 PDF。")


def docx_to_pdf(docx: bytes, name: str = "document") -> bytes:
    """The PDF of a DOCX, made by LibreOffice; ``PdfError`` when that is not possible."""
    program = soffice()
    if program is None:
        raise PdfError(MISSING)
    with tempfile.TemporaryDirectory(prefix="sb-pdf-") as tmp:
        work = Path(tmp)
        source = work / f"{name}.docx"
        source.write_bytes(docx)
        profile = (work / "profile").as_uri()
        env = dict(os.environ, FONTCONFIG_FILE=str(FONTS_CONF), HOME=str(work), SAL_USE_VCLPLUGIN="svp")
        env.pop("DISPLAY", None)
        command = [program, f"-env:UserInstallation={profile}", "--headless", "--norestore", "--nologo",
                   "--nodefault", "--nolockcheck", "--convert-to", EXPORT_FILTER, "--outdir", str(work),
                   str(source)]
        # its own process group: on a timeout the whole of LibreOffice (oosplash, soffice.bin) goes
        proc = subprocess.Popen(command, env=env, cwd=work, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, start_new_session=True)
        try:
            out, err = proc.communicate(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            _kill(proc)
            raise PdfError(f"LibreOffice 在 {TIMEOUT} 秒内没有完成 PDF 转换；请稍后重试，"
                           "或改用 --format docx。") from None
        except BaseException:  # Ctrl-C: take LibreOffice down with us
            _kill(proc)
            raise
        target = work / f"{name}.pdf"
        if not target.is_file():
            detail = (err or out or b"").decode("utf-8", "replace").strip()[-500:]
            raise PdfError(f"LibreOffice 没有生成 PDF（退出码 {proc.returncode}）：{detail or '无输出'}。"
                           "请确认已安装 libreoffice-writer-nogui，或改用 --format docx。")
        return target.read_bytes()


_PAGE_TREE = re.compile(rb"/Type\s*/Pages\b(?:(?!endobj).)*?/Count\s+(\d+)", re.DOTALL)


def page_count(pdf: bytes) -> int:
    """Pages in a PDF LibreOffice wrote (its page tree's /Count: the largest, the root's)."""
    return max((int(n) for n in _PAGE_TREE.findall(pdf)), default=0)


def document_to_pdf(doc, name: str = "document") -> bytes:
    """The PDF of a python-docx 公文 whose 版记 ends on an even page (GB/T 9704: the last face of a
    document printed on both sides): laid out once, and when that ends on an odd page, again with
    the 版记 on the next even page (a blank page before it when need be)."""
    from .layout import colophon_on_even_page, to_bytes

    pdf = docx_to_pdf(to_bytes(doc), name)
    if page_count(pdf) % 2 and colophon_on_even_page(doc):
        pdf = docx_to_pdf(to_bytes(doc), name)
    return pdf


def _kill(proc: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate()
