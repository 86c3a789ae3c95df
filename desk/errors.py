"""Errors the operator sees: each names the thing and the reason in plain words."""

from __future__ import annotations


class DeskError(Exception):
    """A failure the UI and CLI show as its message, without a traceback."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class EvidenceRejected(DeskError):
    """A file cannot become evidence (corrupt, wrong type, too large, unreadable)."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"无法导入“{name}”：{reason}")
        self.name = name
        self.reason = reason


class NotFound(DeskError):
    """A case, shop or evidence item that does not exist (or no longer)."""


class EditConflict(DeskError):
    """Someone else saved the same record since it was loaded; reload before saving again."""


class ValidationFailed(DeskError):
    """Input the desk refuses to store."""


class DatabaseTooNew(DeskError):
    """The database was written by a newer version of the desk."""


class DatabaseUnusable(DeskError):
    """The database file is not a desk database or is damaged."""


class PacketFailed(DeskError):
    """An appeal packet could not be built."""


class StorageFull(DeskError):
    """The disk (or the database server's disk) is full; nothing was saved."""


class StorageReadOnly(DeskError):
    """The data folder or database cannot be written to."""


class DatabaseLocked(DeskError):
    """Another program holds the database lock for longer than we wait."""


class ProfileInUse(DeskError):
    """Another desk window (or a restore) is using this profile."""


class BackupFailed(DeskError):
    """A backup archive could not be written or verified; no archive was left behind."""


class RestoreRefused(DeskError):
    """An archive is damaged, hostile or from another version; the profile was not changed."""


def write_failure_reason(exc: OSError, *, holder: str = "") -> str:
    """Why writing a file failed, in the operator's words; holder names a program that may hold it open."""
    import errno

    if exc.errno == errno.ENOSPC:
        return "磁盘空间不足"
    if isinstance(exc, PermissionError):
        return f"没有写入权限，或文件正被其他程序{f'（如 {holder}）' if holder else ''}打开"
    if isinstance(exc, FileNotFoundError):
        return "保存位置不存在"
    if isinstance(exc, IsADirectoryError):
        return "已有同名文件夹"
    return exc.strerror or "写入文件失败"
