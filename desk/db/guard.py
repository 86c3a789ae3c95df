"""Before the desk touches its SQLite file: is it there, whole and readable, and if not, what now?

SQLite opens a missing or 0-byte file as a valid, empty database. Left alone, the desk would migrate that
into a new, empty desk beside the evidence of the old one, and Check data would then call every original
"unused". So a missing, empty or table-less database is only accepted when the folder holds nothing an
earlier desk leaves behind; otherwise the start is refused, nothing is written, and the message names the
file, what is wrong with it, and where the backups are.

A rollback journal left by a write that was killed ("hot journal") is rolled back here, read-write, the way
SQLite itself does on the next open; a read-only look cannot do that and would otherwise report a healthy
database as damaged.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from desk.errors import DatabaseLocked, DatabaseUnusable, DeskError, StorageReadOnly
from desk.fileops import open_failure_reason, open_regular
from desk.profile import Profile

if TYPE_CHECKING:
    from desk.settings import Settings

log = logging.getLogger(__name__)

SQLITE_MAGIC = b"SQLite format 3\x00"
HEADER_SIZE = 100
JOURNAL_MAGIC = bytes.fromhex("d9d505f920a163d7")
WAL_HEADER_SIZE = 32
BACKUP_SUFFIX = ".deskbackup"

# SQLite primary result codes (the low byte of an extended code).
_BUSY, _LOCKED, _READONLY, _IOERR, _CORRUPT, _CANTOPEN, _NOTADB = 5, 6, 8, 10, 11, 14, 26
_READONLY_ROLLBACK = 776  # a hot journal that this connection may not roll back

UNTOUCHED = "工作台没有打开它，也没有改动任何文件。"


class DatabaseRefused(DatabaseUnusable):
    """The start was refused: the database file is missing, empty, not whole or unreadable.

    The way back is a restore. backups_folder and newest_backup (the one the message names; None when
    the folder holds none) let a window offer that restore without parsing the message.
    """

    def __init__(
        self, message: str, *, backups_folder: Path | None = None, newest_backup: Path | None = None
    ) -> None:
        super().__init__(message)
        self.backups_folder = backups_folder
        self.newest_backup = newest_backup


class DatabaseMissing(DatabaseRefused):
    """The database is missing, empty or has no tables while the folder holds an earlier desk's data."""


def sidecar(db: Path, suffix: str) -> Path:
    """The database's own companion file: `-wal`, `-shm` or `-journal`."""
    return db.with_name(db.name + suffix)


# -- what an earlier desk leaves behind ------------------------------------------------------------------


def _files(folder: Path, pattern: str) -> Iterator[Path]:
    if not folder.is_dir():
        return iter(())
    return (p for p in folder.glob(pattern) if p.is_file())


def _any(it: Iterator[Path]) -> bool:
    return next(it, None) is not None


def journal_holds_pages(journal: Path) -> bool:
    """A rollback journal whose header records a database of at least one page.

    A journal for a database that was still empty holds nothing (SQLite discards it); one whose header is
    zeroed was already committed. Either is no sign that a database with data existed.
    """
    try:
        with open_regular(journal) as fh:
            header = fh.read(28)
    except OSError:
        return False
    return len(header) >= 28 and header[:8] == JOURNAL_MAGIC and int.from_bytes(header[16:20], "big") > 0


def _settings(profile: Profile) -> Settings:
    from desk.settings import Settings, load_settings

    try:
        return load_settings(profile)
    except DeskError:
        return Settings()  # a broken settings.toml is reported by the normal start; here: the defaults


def blob_root(profile: Profile) -> Path:
    shared = _settings(profile).shared_blob_dir
    return shared / "blobs" if shared is not None else profile.evidence_dir / "blobs"


def backup_archives(profile: Profile) -> tuple[Path, list[Path]]:
    """The backups folder and the archives in it, newest first."""
    from desk.settings import backups_folder

    folder = backups_folder(profile, _settings(profile))
    found = list(_files(folder, f"*{BACKUP_SUFFIX}"))
    with contextlib.suppress(OSError):
        found.sort(key=lambda p: p.stat().st_mtime, reverse=True)
    return folder, found


def earlier_desk(profile: Profile, *, own_journals: bool = True) -> list[str]:
    """What in the folder shows that a desk with data lived here, in plain words (empty: nothing does).

    own_journals: count the database's -wal/-shm/-journal files. They prove a database existed when the
    main file is missing or empty; beside a readable file they are just that file's and say nothing.
    settings.toml is not counted: IT may write it before the very first start.
    The log is not counted either: it is opened before the database, at every start.
    """
    db = profile.database
    found: list[str] = []
    root = blob_root(profile)
    originals = sum(1 for _ in _files(root, "??/??/*")) + sum(1 for _ in _files(root / ".retired", "*"))
    originals += sum(1 for _ in _files(root.parent / "set-aside", "*/??/??/*"))
    if originals:
        found.append(f"{originals} 个证据原始文件（在“{root}”）")
    if own_journals:
        companions = [sidecar(db, s) for s in ("-wal", "-shm") if sidecar(db, s).exists()]
        if journal_holds_pages(sidecar(db, "-journal")):
            companions.append(sidecar(db, "-journal"))
        if companions:
            found.append("数据库的附属文件" + "、".join(f"“{p.name}”" for p in companions))
    folder, archives = backup_archives(profile)
    if archives:
        found.append(f"{len(archives)} 份备份（在“{folder}”）")
    pdfs = sum(1 for _ in _files(profile.packets_dir, "*/*.pdf"))
    if pdfs:
        found.append(f"{pdfs} 份申诉材料 PDF")
    if _any(_files(profile.thumbnails_dir, "*/*")):
        found.append("证据缩略图")
    if _any(_files(profile.root / "platforms", "*.toml")):
        found.append("自己修改过的平台资料")
    if _any(_files(profile.root / "playbooks", "**/*")):
        found.append("店铺的申诉方案")
    return found


def set_aside_folder(profile: Profile) -> Path:
    """Where a restore keeps what of the previous data no archive holds (desk/backup/restore.py)."""
    return profile.evidence_dir / "set-aside"


def restore_advice(profile: Profile, *, damaged: bool = False) -> str:
    """Where the backups are and how to restore one, for every message about an unusable database.

    damaged: the file is there but unreadable. Nothing needs doing by hand first: a restore that cannot
    back up the current data keeps its raw database files, and every original the archive lacks, in
    evidence/set-aside/before-restore-<time>/ before the swap is confirmed.
    """
    db = profile.database
    folder, archives = backup_archives(profile)
    # Nothing to do by hand first: the restore itself keeps what the archive lacks.
    kept = (
        "恢复前会完整校验备份；"
        + ("现在这个无法读取的数据库文件，以及" if damaged else "")
        + ("备份里没有的证据原始文件，都会" if damaged else "备份里没有的证据原始文件会")
        + f"原样保留在“{set_aside_folder(profile)}”中"
        + ("，以便日后抢救" if damaged else "，不会删除")
    )
    moved = "" if damaged else f"如果数据库文件只是被移走或改了名，把它放回“{db}”即可。否则"
    if archives:
        latest = archives[0]
        return (
            f"{moved}请从备份恢复：备份在“{folder}”，共 {len(archives)} 份，最新的是“{latest.name}”。"
            f'在命令行运行 python -m desk --profile "{profile.root}" restore "{latest}"（{kept}）。'
        )
    return (
        f"{moved}请从备份恢复，但备份文件夹“{folder}”中没有备份。如果别处有备份文件（{BACKUP_SUFFIX}），"
        f'在命令行运行 python -m desk --profile "{profile.root}" restore 备份文件（{kept}）。'
    )


def _refused(profile: Profile, message: str, cls: type[DatabaseRefused] = DatabaseRefused) -> DatabaseRefused:
    folder, archives = backup_archives(profile)
    return cls(message, backups_folder=folder, newest_backup=archives[0] if archives else None)


def refuse_if_earlier_desk(profile: Profile, what: str, *, own_journals: bool) -> None:
    """Raise DatabaseMissing if the folder shows an earlier desk; `what` says what is wrong with the file."""
    found = earlier_desk(profile, own_journals=own_journals)
    if not found:
        return
    db = profile.database
    log.error("refusing to start a new database in %s: %s; found %s", profile.root, what, "; ".join(found))
    raise _refused(
        profile,
        f"数据库文件“{db}”{what}，但这个数据文件夹里还有以前的数据：{'、'.join(found)}。"
        f"如果把它当作一个新的空工作台打开，原有的证据会被当作“没有用到的文件”，所以{UNTOUCHED}\n"
        f"{restore_advice(profile)}",
        DatabaseMissing,
    )


# -- a file that is there but cannot be used ------------------------------------------------------------


def unusable(profile: Profile, what: str) -> DatabaseRefused:
    """The file is there but cannot be used: what is wrong, that nothing changed, and the way back."""
    return _refused(
        profile,
        f"数据库文件“{profile.database}”{what}，{UNTOUCHED}\n{restore_advice(profile, damaged=True)}",
    )


def sqlite_problem(profile: Profile, exc: sqlite3.Error, *, doing: str = "读取") -> DeskError:
    """A SQLite error met while looking at the database file, as the error the operator should see."""
    db = profile.database
    code = getattr(exc, "sqlite_errorcode", None)
    primary = int(code) & 0xFF if code is not None else None
    if primary in (_BUSY, _LOCKED):
        return DatabaseLocked(
            f"数据库文件“{db}”正被另一个程序占用，暂时无法{doing}。请关闭占用它的程序后重试。"
        )
    if code == _READONLY_ROLLBACK:
        return StorageReadOnly(
            f"数据库文件“{db}”里有一次没有完成的写入需要撤销，但这个文件或它所在的文件夹是只读的。"
            "数据库本身是好的：请让文件夹可写后再打开。"
        )
    if primary == _READONLY:
        return StorageReadOnly(f"数据库文件“{db}”或它所在的文件夹是只读的，无法{doing}。")
    if primary == _CANTOPEN:
        return StorageReadOnly(f"无法打开数据库文件“{db}”：没有权限，或文件夹不存在。")
    if primary == _IOERR:
        return unusable(profile, f"{doing}时出错（磁盘或文件系统报告了错误：{exc}）")
    if primary in (_CORRUPT, _NOTADB):
        return unusable(profile, f"已损坏，无法{doing}（SQLite 报告：{exc}）")
    return unusable(profile, f"无法{doing}（SQLite 报告：{exc}）")


def _expected_size(header: bytes) -> int | None:
    """The size the header says the file has, when SQLite itself would trust that number."""
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    change_counter, valid_for = header[24:28], header[92:96]
    if page_size < 512 or page_size & (page_size - 1) or pages == 0 or change_counter != valid_for:
        return None
    return page_size * pages


def _read_head(path: Path, n: int) -> tuple[bytes, int]:
    """The first n bytes and the size, from the opened file (a pipe or folder in its place is refused)."""
    try:
        with open_regular(path) as fh:
            return fh.read(n), os.fstat(fh.fileno()).st_size
    except OSError as exc:
        raise StorageReadOnly(f"无法读取“{path}”：{open_failure_reason(exc)}。") from exc


def check_header(profile: Profile) -> None:
    """Refuse a file that is not a SQLite database, is all zeros, or is shorter than its header says."""
    db = profile.database
    header, size = _read_head(db, HEADER_SIZE)
    if not any(header):
        raise unusable(
            profile, f"的开头全是 0 字节（文件共 {size} 字节），多半是断电或磁盘出错后只留下了一个空壳"
        )
    if len(header) < HEADER_SIZE and SQLITE_MAGIC.startswith(header[:16]):
        raise unusable(profile, f"不完整：只有 {size} 字节，连文件头都不全（可能复制或保存时被截断）")
    if header[:16] != SQLITE_MAGIC:
        raise unusable(profile, "不是售后申诉工作台的数据库（文件头不对），可能已被其他文件覆盖或已损坏")
    wal = sidecar(db, "-wal")
    with contextlib.suppress(OSError):
        if wal.exists() and wal.stat().st_size > WAL_HEADER_SIZE:
            return  # pages may still live in the -wal file; the main file may lag behind its header
    expected = _expected_size(header)
    if expected is not None and size < expected:
        raise unusable(
            profile,
            f"不完整：按文件头应有 {expected} 字节，实际只有 {size} 字节（可能复制、下载或保存时被截断）",
        )


def roll_back_hot_journal(profile: Profile) -> bool:
    """Undo a write that was killed half-way, as SQLite does on the next read-write open.

    Read-write, so SQLite rolls the journal back (a read-only connection cannot, and fails). SQLite's own
    file locks make this safe beside any other connection; the profile lock is taken as well when it is
    free, so no other desk starts in the middle. Returns True if a journal was there to roll back.
    """
    db = profile.database
    journal = sidecar(db, "-journal")
    if not journal.exists():
        return False
    head, _size = _read_head(journal, len(JOURNAL_MAGIC))
    if head != JOURNAL_MAGIC:
        return False  # committed (zeroed) or empty: SQLite ignores it
    from desk.lock import ProfileLock, held_by_this_process

    lock: ProfileLock | None = None
    if not held_by_this_process(profile.root):
        lock = ProfileLock(profile.root)
        try:
            if not lock.try_acquire():
                lock = None  # another desk owns the profile; SQLite's locks still serialise the rollback
        except DeskError:
            lock = None
    try:
        con = sqlite3.connect(f"{db.as_uri()}?mode=rw", uri=True, timeout=10)
        try:
            con.execute("SELECT count(*) FROM sqlite_master").fetchone()
        finally:
            con.close()
    except sqlite3.Error as exc:
        log.error("rolling back the journal of %s failed", db, exc_info=True)
        raise sqlite_problem(profile, exc, doing="撤销上次没有完成的写入") from exc
    finally:
        if lock is not None:
            lock.release()
    log.warning("rolled back an unfinished write in %s (its -journal was left by a crash)", db)
    return True


def check_database_file(profile: Profile) -> bool:
    """Before the desk reads its SQLite file: True if there is one to read, False if a new one may be made.

    Raises DatabaseMissing (missing or empty while the folder holds an earlier desk's data) or
    DatabaseUnusable (not a database, all zeros, cut short) without writing a byte; rolls back a hot
    journal first, since that is what makes the file consistent again.
    """
    db = profile.database
    try:
        size = db.stat().st_size if db.exists() else None
    except OSError as exc:
        raise StorageReadOnly(f"无法读取数据库文件“{db}”：{exc.strerror or exc}。") from exc
    if size is None:
        refuse_if_earlier_desk(profile, "不见了", own_journals=True)
        return False
    if size == 0:
        refuse_if_earlier_desk(profile, "是空的（0 字节）", own_journals=True)
        return False
    head, _size = _read_head(db, len(SQLITE_MAGIC))
    if head == SQLITE_MAGIC:
        # Before the size check: a rollback can shrink or restore the file.
        roll_back_hot_journal(profile)
    check_header(profile)
    return True
