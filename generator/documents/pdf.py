"""DOCX → PDF with LibreOffice headless (``soffice --headless --convert-to pdf``).

Each conversion runs in a fresh temporary profile (two conversions at once would otherwise
fight over ``~/.config/libreoffice`` and a stale lock makes soffice exit silently), with a
timeout, and with ``fonts.conf`` so that 仿宋/小标宋/楷体, which servers lack, print in a serif
CJK face instead of fontconfig's default sans.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

FONTS_CONF = Path(__file__).with_name("fonts.conf")
TIMEOUT = 180  # seconds; a first start of LibreOffice in a new profile takes a few


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
                   "--nodefault", "--nolockcheck", "--convert-to", "pdf:writer_pdf_Export", "--outdir", str(work),
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


def _kill(proc: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate()
