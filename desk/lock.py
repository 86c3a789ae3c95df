"""One owner per profile: an OS file lock on `<profile>/desk.lock`, released by the kernel on any exit.

Because the operating system drops the lock when the owning process dies (even by kill -9 or a power
cut), a stale lock file never blocks the next start: there is nothing to delete by hand.
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path
from types import TracebackType
from typing import IO

from desk.errors import ProfileInUse, StorageReadOnly

LOCK_NAME = "desk.lock"


def _try_lock(fh: IO[bytes]) -> bool:
    if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
        import msvcrt

        try:
            fh.seek(0)
            msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


_held_here: set[Path] = set()


def held_by_this_process(root: Path) -> bool:
    """True if this very process owns the profile (a second flock from here would fail)."""
    return (root / LOCK_NAME).resolve() in _held_here


class ProfileLock:
    """Exclusive ownership of a profile folder for this process.

    Use `acquire()` (raises ProfileInUse) or `try_acquire()`; `release()` or process exit frees it.
    """

    def __init__(self, root: Path) -> None:
        self.path = root / LOCK_NAME
        self._fh: IO[bytes] | None = None

    @property
    def held(self) -> bool:
        return self._fh is not None

    def try_acquire(self) -> bool:
        if self._fh is not None:
            return True
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fh = open(self.path, "a+b")  # noqa: SIM115 - kept open while the lock is held
        except OSError as exc:
            raise StorageReadOnly(
                f"无法在数据文件夹“{self.path.parent}”中创建锁文件：{exc.strerror or exc}"
                "（文件夹可能是只读的）。没有做任何改动。"
            ) from exc
        if not _try_lock(fh):
            fh.close()
            return False
        # Who holds it, for people reading the folder; the lock itself is the kernel's.
        with contextlib.suppress(OSError):
            fh.seek(0)
            fh.truncate()
            fh.write(f"{os.getpid()}\n".encode())
            fh.flush()
        self._fh = fh
        _held_here.add(self.path.resolve())
        return True

    def acquire(self) -> ProfileLock:
        if not self.try_acquire():
            raise ProfileInUse(
                f"数据文件夹“{self.path.parent}”正被另一个售后申诉工作台窗口（或恢复操作）使用。"
                "请先关闭那个窗口再试。"
            )
        return self

    def owner_pid(self) -> int | None:
        try:
            text = self.path.read_text(encoding="ascii").strip()
        except (OSError, UnicodeDecodeError):
            return None
        return int(text) if text.isdigit() else None

    def release(self) -> None:
        if self._fh is None:
            return
        fh, self._fh = self._fh, None
        _held_here.discard(self.path.resolve())
        with contextlib.suppress(OSError):
            fh.close()

    def __enter__(self) -> ProfileLock:
        return self.acquire()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()
