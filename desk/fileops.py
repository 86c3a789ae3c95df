"""Small file helpers shared by the evidence store, packets, upload kits and backups."""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO


def fsync_dir(path: Path) -> None:
    """Make a rename into `path` durable; folders cannot be opened (nor need syncing) on Windows."""
    if os.name == "nt":
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def free_path(parent: Path, name: str, suffix: str = "") -> Path:
    """parent/name+suffix, or name-2, name-3 … when that is taken: an export never replaces a file."""
    path = parent / f"{name}{suffix}"
    n = 2
    while path.exists():
        path = parent / f"{name}-{n}{suffix}"
        n += 1
    return path


class NotAFile(OSError):
    """The path names a pipe, device, socket or folder: reading it could block forever or never end."""


def open_regular(path: Path) -> BinaryIO:
    """Open a file for reading only if it is a regular file, without ever blocking on a FIFO.

    The check is made on the opened descriptor (fstat), not on the name, so a path swapped for a pipe
    between a check and the open cannot slip through. O_NONBLOCK makes opening a FIFO with no writer
    return at once; it is cleared again so ordinary reads behave as usual.
    """
    flags = os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_NONBLOCK", 0)
    fd = os.open(path, flags)
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise IsADirectoryError(errno.EISDIR, "是文件夹，不是文件", str(path))
        if not stat.S_ISREG(st.st_mode):
            raise NotAFile(errno.EINVAL, "不是普通文件（可能是管道或设备）", str(path))
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def open_failure_reason(exc: OSError) -> str:
    """Why a file could not be opened for reading, in the operator's words."""
    if isinstance(exc, NotAFile):
        return "不是普通文件（可能是管道或设备），不能读取"
    if isinstance(exc, IsADirectoryError):
        return "是文件夹，不是文件"
    if isinstance(exc, FileNotFoundError):
        return "文件不存在"
    if isinstance(exc, PermissionError):
        return "没有读取权限"
    return exc.strerror or "无法读取"


def write_atomically(path: Path, write: Callable[[Path], None]) -> Path:
    """Make `path` by `write`-ing a partial file beside it, flushed to disk, then renamed over it: a crash or a
    full disk leaves the old file or the new one, never half of either, and no partial file behind.

    OSError is raised as it came (callers turn it into their own sentence naming the file)."""
    partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
    try:
        write(partial)
        with open(partial, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(partial, path)
        fsync_dir(path.parent)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return path


def write_text_atomically(path: Path, text: str) -> Path:
    """write_atomically for a small UTF-8 text file (settings, records), with Unix line ends."""

    def write(target: Path) -> None:
        with open(target, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)

    return write_atomically(path, write)
