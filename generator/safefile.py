"""Reading a file of the repository without following links or opening special files (SPEC §14).

A committed symlink ``x.md -> /dev/zero`` would be read until memory runs out, a FIFO would
block forever, and a symlink to a file outside the repository would be published. So a file
is only read when it is a regular file: ``lstat`` first (never followed), then ``open`` with
``O_NOFOLLOW | O_NONBLOCK`` and ``fstat`` on the open descriptor (the file cannot be swapped
for a link or a pipe in between).
"""

from __future__ import annotations

import os
import stat


class NotRegular(OSError):
    """The path is not a regular file; ``kind`` says what it is, in Chinese."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


def kind_of(mode: int, full: str = "") -> str | None:
    """What a non-regular file is, in Chinese (None for a regular file)."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISLNK(mode):
        try:
            target = os.readlink(full) if full else ""
        except OSError:
            target = ""
        return f"符号链接（指向 {target}）" if target else "符号链接"
    if stat.S_ISDIR(mode):
        return "文件夹"
    if stat.S_ISFIFO(mode):
        return "命名管道（FIFO）"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "设备文件"
    if stat.S_ISSOCK(mode):
        return "套接字（socket）"
    return "特殊文件"


_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)


class TooLarge(OSError):
    """The regular file is larger than the limit it was read with; ``size`` in bytes."""

    def __init__(self, size: int) -> None:
        super().__init__(f"{size} bytes")
        self.size = size


def read_regular(full: str, limit: int | None = None) -> bytes:
    """The bytes of the regular file ``full``; ``NotRegular`` for anything else, ``TooLarge``
    when it holds more than ``limit`` bytes (nothing is read then), ``OSError`` when it cannot
    be read."""
    kind = kind_of(os.lstat(full).st_mode, full)
    if kind is not None:
        raise NotRegular(kind)
    try:
        fd = os.open(full, _FLAGS)
    except OSError as exc:
        if exc.errno == getattr(os, "ELOOP", -1):  # became a link after lstat
            raise NotRegular("符号链接") from None
        raise
    try:
        info = os.fstat(fd)
        kind = kind_of(info.st_mode)
        if kind is not None:
            raise NotRegular(kind)
        if limit is not None and info.st_size > limit:
            raise TooLarge(info.st_size)
        data = _read_all(fd, info.st_size, None if limit is None else limit + 1)
        if limit is not None and len(data) > limit:  # grew while being read
            raise TooLarge(max(len(data), info.st_size))
        return data
    finally:
        os.close(fd)


def _read_all(fd: int, size: int, cap: int | None) -> bytes:
    """The bytes of ``fd`` up to its end, or ``cap`` bytes. The first read asks for the size it
    had plus one (asking for the cap, 1 MiB, made every read of a 4 KB report allocate 1 MiB:
    three times slower at 50,000 files); a file that grew is read on in pieces."""
    parts = []
    got = 0
    ask = size + 1
    while cap is None or got < cap:
        want = ask if cap is None else min(ask, cap - got)
        piece = os.read(fd, want)
        parts.append(piece)
        got += len(piece)
        if len(piece) < want:  # a regular file reads short only at its end
            break
        ask = max(ask, 1 << 16)
    return parts[0] if len(parts) == 1 else b"".join(parts)
