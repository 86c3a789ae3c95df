"""Restore a backup archive: extract to staging, validate everything, swap by rename, keep the old data
until the new one opens. A damaged or hostile archive changes nothing.

The swap is guarded by a journal file (`restore-journal.json`, fsynced): if the process dies half-way,
the next `open_desk` rolls back to the previous data, or finishes the clean-up if the restore had
already been confirmed. The profile is therefore always either the old or the new one, never a mix.

What of the previous data no archive holds is kept, before the restore is confirmed, in
`evidence/set-aside/before-restore-<time>/`: every original that is neither in the restored archive nor
in the safety backup, and the raw database files when no safety backup could be made (the database is
missing or unreadable, which is exactly when an operator restores). Hard links where the file system
allows, else renames; never copies. A rollback undoes that folder; once confirmed, nothing deletes it.
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import os
import secrets
import shutil
import sqlite3
import stat
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from desk.backup.archive import (
    DATABASE_NAME,
    Entry,
    HashChecker,
    Manifest,
    StrictTarReader,
    open_archive,
)
from desk.backup.create import BackupResult
from desk.backup.schema import integrity_summary, reference_schema, same_definition, schema_differences
from desk.backup.snapshot import load_snapshot_into_server
from desk.db.engine import database_url, is_sqlite, make_engine
from desk.errors import DeskError, RestoreRefused
from desk.faults import crashpoint
from desk.fileops import fsync_dir, open_regular
from desk.lock import ProfileLock, held_by_this_process
from desk.names import shown
from desk.profile import Profile
from desk.progress import Cancel, Cancelled, Progress
from desk.settings import load_settings

log = logging.getLogger(__name__)

JOURNAL = "restore-journal.json"
STAGING_PREFIX = ".restore-staging-"
PREVIOUS_PREFIX = ".restore-previous-"
TRASH_PREFIX = ".restore-trash-"
# What a restore replaces, relative to the profile root. Logs, packets, backups and settings stay.
SWAP_ITEMS = (
    "desk.sqlite3",
    "desk.sqlite3-wal",
    "desk.sqlite3-shm",
    "desk.sqlite3-journal",
    "evidence/blobs",
)
UNCHANGED = "数据文件夹没有任何改动。"
SPACE_MARGIN = 64 << 20
# Where a restore keeps what of the previous data no archive holds (beside check --repair's folders).
SET_ASIDE = "evidence/set-aside"
SET_ASIDE_PREFIX = "before-restore-"
# The raw database files kept when no safety backup could be made (-shm is rebuilt by SQLite).
RAW_DATABASE = ("desk.sqlite3", "desk.sqlite3-wal", "desk.sqlite3-journal")


@dataclass(frozen=True, slots=True)
class RestoreResult:
    manifest: Manifest
    seconds: float
    safety_backup: Path | None
    warnings: tuple[str, ...]
    # What of the previous data was kept in evidence/set-aside/before-restore-<time>/ (None: nothing).
    set_aside: Path | None = None
    set_aside_originals: int = 0
    set_aside_database: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class _KeepPlan:
    """What of the previous data to keep aside before the restore is confirmed."""

    folder: str  # relative to the profile root, posix
    known: frozenset[str]  # originals the archive or the safety backup holds: no need to keep them
    database: bool  # keep the raw database files (no safety backup could be made)


@dataclass(frozen=True, slots=True)
class _Kept:
    folder: Path | None = None
    originals: int = 0
    database: tuple[str, ...] = ()


def _rmtree(path: Path) -> None:
    def onerror(func: Callable[..., object], p: str, _exc: object) -> None:
        # Blobs are read-only; on Windows that blocks deletion, so make them writable and retry.
        with contextlib.suppress(OSError):
            os.chmod(p, stat.S_IWRITE | stat.S_IREAD | stat.S_IEXEC)
            func(p)

    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, onerror=onerror)
    elif path.exists() or path.is_symlink():
        path.unlink()


def _sync_tree(root: Path) -> None:
    if hasattr(os, "sync"):
        os.sync()
        return
    for p in root.rglob("*"):  # pragma: no cover - Windows
        if p.is_file():
            with open(p, "rb+") as fh:
                os.fsync(fh.fileno())


# -- extraction and validation ----------------------------------------------------------------


def extract_and_validate(
    archive: Path, staging: Path, *, progress: Progress | None = None, cancel: Cancel | None = None
) -> Manifest:
    """Extract archive into the (new, empty) staging folder, checking every entry; raises RestoreRefused."""
    with open_archive(archive) as fh:
        head = fh.read(4)
        fh.seek(0)
        if head[:2] in (b"\x1f\x8b", b"BZ", b"PK") or head[:4] == b"\xfd7zX" or head[:4] == b"(\xb5/\xfd":
            raise RestoreRefused(
                f"“{shown(archive.name)}”是压缩包，不是售后申诉工作台的备份文件（备份文件不压缩）。{UNCHANGED}"
            )
        reader = StrictTarReader(fh, archive)
        manifest = reader.read_manifest()
        free = shutil.disk_usage(staging).free
        if manifest.total_bytes + SPACE_MARGIN > free:
            raise RestoreRefused(
                f"磁盘空间不足：恢复需要约 {manifest.total_bytes / 1e9:.2f} GB，"
                f"“{shown(str(staging.parent))}”所在磁盘只剩 {free / 1e9:.2f} GB。{UNCHANGED}"
            )
        expected = manifest.entries()
        checker = HashChecker()
        checker.start()
        try:
            _extract_entries(reader, expected, staging, checker, len(expected), progress, cancel)
        except BaseException:
            checker.jobs.put(None)
            checker.join()
            raise
        checker.finish()
        if checker.bad:
            first = checker.bad[0]
            what = "数据库" if first == DATABASE_NAME else f"证据文件 {first.rsplit('/', 1)[-1][:12]}"
            raise reader.refuse(f"中的{what}已损坏（内容与校验值不符）")
        if expected:
            names = sorted(expected)
            raise reader.refuse(f"缺少 {len(names)} 个条目（例如“{shown(names[0])}”），可能不完整")
        # Anything after the end-of-archive marker must be tar padding, not hidden data.
        while rest := fh.read(1 << 20):
            if rest.strip(b"\0"):
                raise reader.refuse("末尾有多余的数据")
    check_database_file(staging / DATABASE_NAME, manifest, archive)
    return manifest


def _extract_entries(
    reader: StrictTarReader,
    expected: dict[str, Entry],
    staging: Path,
    checker: HashChecker,
    total: int,
    progress: Progress | None,
    cancel: Cancel | None,
) -> None:
    for done, header in enumerate(reader.headers(), 1):
        entry = expected.pop(header.name, None)
        if entry is None:
            raise reader.refuse(f"中的条目“{shown(header.name)}”不在清单里")
        if entry.size != header.size:
            raise reader.refuse(f"中的条目“{shown(header.name)}”大小与清单不符")
        target = staging / header.name
        target.parent.mkdir(parents=True, exist_ok=True)
        flags = (
            os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
        )
        fd = os.open(target, flags, 0o600)
        try:
            reader.copy_data(header, fd, cancel)
        finally:
            os.close(fd)
        checker.check(target, 0, header.size, entry.sha256, header.name)
        os.chmod(target, 0o644 if header.name == DATABASE_NAME else 0o444)
        if progress is not None and done % 50 == 0:
            progress(done, total, "正在解开并校验备份")


def _read_revision(con: sqlite3.Connection, work_dir: Path, refuse: Callable[[str], RestoreRefused]) -> str:
    """The database's Alembic revision(s), read only once alembic_version is known to be a plain table.

    It is read before the rest of the schema is checked (which reference to compare with depends on
    it), so it must not be a view or anything else that would run SQL the archive chose.
    """
    from desk.db.migrate import head_revision

    # lower(): SQLite matches names without regard to ASCII case, so "ALEMBIC_VERSION" counts too.
    rows = con.execute(
        "SELECT type, name, tbl_name, sql FROM sqlite_master "
        "WHERE lower(name) IN ('alembic_version', 'evidence')"
    ).fetchall()
    if sorted((str(r[0]), str(r[1])) for r in rows) != [("table", "alembic_version"), ("table", "evidence")]:
        raise refuse("不是售后申诉工作台的数据库")
    # Alembic's own table is the same in every revision: any reference will do.
    head = reference_schema(head_revision(), work_dir)
    version_table = next(r for r in rows if r[1] == "alembic_version")
    if not same_definition(head, ("table", "alembic_version"), str(version_table[2]), version_table[3]):
        raise refuse("的结构与本软件不一致（定义不同：表 alembic_version），可能被改动过")
    found = sorted(str(r[0]) for r in con.execute("SELECT version_num FROM alembic_version LIMIT 16"))
    if not found:
        raise refuse("没有版本记录")
    return "+".join(found)


def check_database_file(db: Path, manifest: Manifest, archive: Path) -> None:
    """The snapshot is a sound SQLite file, of a version this desk knows, with exactly its schema.

    The order matters. Only the header, sqlite_master and the plain alembic_version table are read
    until the schema is known to be the desk's own, so a hostile CHECK constraint, index expression or
    view is never evaluated (integrity_check evaluates CHECK constraints, and a crafted one could
    allocate a gigabyte per row). Then the full integrity_check, because quick_check does not compare
    indexes with their tables.
    """
    from desk.db.migrate import SQLITE_MAGIC, known_revisions

    name = shown(archive.name)

    def refuse(why: str) -> RestoreRefused:
        return RestoreRefused(f"备份文件“{name}”中的数据库{why}，已拒绝恢复。{UNCHANGED}")

    def too_new(revision: str) -> RestoreRefused:
        return RestoreRefused(
            f"备份文件“{name}”来自更新版本的售后申诉工作台（架构版本 {shown(revision)[:80]}），"
            f"请先升级软件再恢复。{UNCHANGED}"
        )

    with open_regular(db) as fh:
        header = fh.read(100)
    if header[:16] != SQLITE_MAGIC or len(header) < 100:
        raise refuse("不是 SQLite 数据库")
    if header[18] != 1 or header[19] != 1:
        # 2 = WAL. A backup's database is written in rollback-journal mode as one self-contained file;
        # in WAL mode committed rows may live in a -wal file the archive cannot carry.
        raise refuse("处于 WAL 日志模式（本软件写出的备份数据库不是这种模式，部分数据可能不在文件里）")
    try:
        con = sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise refuse(f"无法打开（{exc}）") from exc
    try:
        found = _read_revision(con, db.parent, refuse)
        if set(found.split("+")) - known_revisions():
            raise too_new(found)
        if found != manifest.schema_revision:
            raise refuse(
                f"版本（{shown(found)[:80]}）与清单记载的版本（{shown(manifest.schema_revision)[:80]}）"
                "不一致，可能被替换过"
            )
        try:
            reference = reference_schema(found, db.parent)
        except Exception as exc:
            # Known revisions that still cannot be built together (an ancestor beside its descendant).
            log.error("no reference schema for revision %s", shown(found), exc_info=True)
            raise refuse(f"记载的架构版本（{shown(found)[:80]}）无效") from exc
        extra, missing, changed, settings = schema_differences(con, reference)
        if extra or missing or changed:
            parts = [
                f"{label}：{'、'.join(items[:3])}{' 等' if len(items) > 3 else ''}"
                for label, items in (("多出", extra), ("缺少", missing), ("定义不同", changed))
                if items
            ]
            log.error(
                "restore of %s refused: schema differs; extra=%s missing=%s changed=%s",
                name,
                extra,
                missing,
                changed,
            )
            raise refuse(f"的结构与本软件不一致（{'；'.join(parts)}），可能被改动过")
        if settings:
            raise refuse(f"的设置与本软件写出的不同（{'；'.join(settings)}），可能被改动过")
        rows = [r[0] for r in con.execute("PRAGMA integrity_check")]
        if rows != ["ok"]:
            first, count = integrity_summary(rows)
            log.error("restore of %s refused: integrity_check reports:\n%s", name, "\n".join(map(str, rows)))
            # integrity_check stops after 100 problems.
            many = f"{count} 处以上" if count >= 100 else f"{count} 处"
            raise refuse(f"已损坏，未通过完整性检查（发现 {many}问题，例如：{first}；详情见日志）")
        orphans = con.execute("PRAGMA foreign_key_check").fetchmany(1000)
        if orphans:
            table = shown(str(orphans[0][0]))[:60]
            raise refuse(f"有 {len(orphans)} 行引用了不存在的记录（外键检查失败，例如表 {table}）")
        shas = {r[0] for r in con.execute("SELECT DISTINCT sha256 FROM evidence")}
    except sqlite3.DatabaseError as exc:
        log.error("restore of %s refused: database unreadable", name, exc_info=True)
        raise refuse(f"已损坏（{shown(str(exc))[:200]}）") from exc
    finally:
        con.close()
    listed = {b.sha256 for b in manifest.blobs} | set(manifest.missing_blobs)
    unlisted = shas - listed
    if unlisted:
        raise refuse(f"引用了 {len(unlisted)} 个备份中没有的证据文件")


# -- the swap ----------------------------------------------------------------------------------


def _write_journal(root: Path, doc: dict[str, object]) -> None:
    path = root / JOURNAL
    tmp = root / (JOURNAL + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(doc, fh)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    fsync_dir(root)


def _read_journal(root: Path) -> dict[str, object] | None:
    path = root / JOURNAL
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        log.error("restore journal %s unreadable", path, exc_info=True)
        raise DeskError(
            f"数据文件夹“{shown(str(root))}”中有一个无法读取的恢复记录（{JOURNAL}），上次恢复可能被中断。"
            "请联系技术支持，不要删除文件夹中的任何内容。"
        ) from None
    return doc if isinstance(doc, dict) else None


def _move_aside(root: Path, path: Path) -> None:
    """Remove a file or folder by first renaming it (atomic), then deleting the renamed copy."""
    if not (path.exists() or path.is_symlink()):
        return
    trash = root / f"{TRASH_PREFIX}{secrets.token_hex(6)}"
    os.replace(path, trash)
    _rmtree(trash)


def _set_aside_folder(root: Path, doc: dict[str, object]) -> Path | None:
    """The set-aside folder this restore records in its journal (None: it keeps nothing aside)."""
    name = doc.get("set_aside")
    if not isinstance(name, str) or not name:
        return None
    parts = Path(name).parts
    if len(parts) != 3 or "/".join(parts[:2]) != SET_ASIDE or not parts[2].startswith(SET_ASIDE_PREFIX):
        raise DeskError(  # our own journal never says this: do not touch anything it names
            f"数据文件夹“{shown(str(root))}”中的恢复记录（{JOURNAL}）不对。请联系技术支持，不要删除文件夹中的任何内容。"
        )
    return root / name


def _previous_of(previous: Path, rel: Path) -> Path:
    """Where a file in the set-aside folder came from, in the previous data."""
    if len(rel.parts) == 1 and rel.name in RAW_DATABASE:
        return previous / rel.name
    return previous / "evidence" / "blobs" / rel


def _undo_set_aside(root: Path, doc: dict[str, object]) -> None:
    """Rolling back: the set-aside folder goes; every file in it that was moved goes back first.

    A hard link is removed (the previous data still has the file); a moved file is renamed back.
    Idempotent, so a rollback killed half-way is simply run again.
    """
    folder = _set_aside_folder(root, doc)
    if folder is None or not folder.is_dir():
        return
    previous = root / str(doc["previous"])
    touched: set[Path] = set()
    for path in sorted(p for p in folder.rglob("*") if not p.is_dir()):
        origin = _previous_of(previous, path.relative_to(folder))
        if os.path.lexists(origin):
            if not os.path.samefile(origin, path):
                # Never happens (a restore only links or moves into this folder): stop, delete nothing.
                log.error("restore rollback: %s is not %s; stopping", path, origin)
                raise DeskError(
                    f"上次恢复被中断，退回时发现“{shown(str(path))}”与原来的文件不同。"
                    "请联系技术支持，不要删除文件夹中的任何内容。"
                )
            path.unlink()
            continue
        origin.parent.mkdir(parents=True, exist_ok=True)
        os.replace(path, origin)
        touched.add(origin.parent)
    for d in sorted(touched):
        fsync_dir(d)
    for d in sorted((p for p in folder.rglob("*") if p.is_dir()), key=lambda p: len(p.parts), reverse=True):
        d.rmdir()
    folder.rmdir()
    fsync_dir(folder.parent)


def _rollback(root: Path, doc: dict[str, object]) -> None:
    _undo_set_aside(root, doc)
    previous = root / str(doc["previous"])
    moved = set(doc.get("moved", []))  # type: ignore[call-overload]
    for item in SWAP_ITEMS:
        current = root / item
        saved = previous / item
        if item in moved:
            if saved.exists():
                _move_aside(root, current)
                current.parent.mkdir(parents=True, exist_ok=True)
                os.replace(saved, current)
            # else: already put back by an earlier, interrupted rollback
        else:
            _move_aside(root, current)  # came with the new data
    (root / "evidence" / "blobs").mkdir(parents=True, exist_ok=True)
    fsync_dir(root)
    fsync_dir(root / "evidence")


def _finish(root: Path, doc: dict[str, object]) -> None:
    for key in ("previous", "staging"):
        name = doc.get(key)
        if isinstance(name, str) and name:
            _rmtree(root / name)
    with contextlib.suppress(FileNotFoundError):
        (root / JOURNAL).unlink()
    fsync_dir(root)


def recover_interrupted_restore(profile: Profile) -> str | None:
    """Called by open_desk before anything else: undo or finish a restore a crash interrupted.

    Only when no other live process owns the profile: a restore that is running right now (it holds
    the lock) must not be "recovered" under its feet.
    """
    root = profile.root
    if not root.is_dir():
        return None
    if held_by_this_process(root):
        return _recover(root)
    probe = ProfileLock(root)
    try:
        if not probe.try_acquire():
            log.info("profile %s is owned by another process; leaving any restore to it", root)
            return None
    except DeskError:
        return None  # read-only folder: nothing could have been half restored here by us
    try:
        return _recover(root)
    finally:
        probe.release()


def _recover(root: Path) -> str | None:
    doc = _read_journal(root)
    message = None
    if doc is not None:
        if doc.get("state") == "committed":
            _finish(root, doc)
            log.info("finished the clean-up of a confirmed restore")
        else:
            _rollback(root, doc)
            _finish(root, doc)
            message = "上次的恢复操作被中断，已自动退回到恢复之前的数据。"
            log.warning("rolled back an interrupted restore in %s", root)
    for leftover in root.iterdir():
        if leftover.name.startswith((STAGING_PREFIX, TRASH_PREFIX)) and leftover.is_dir():
            _rmtree(leftover)
    return message


def _open_check(profile: Profile) -> None:
    """The new data must open: version check, migrations, a quick check, a read."""
    from desk.db.migrate import check_database, upgrade

    # No backup before this upgrade: the archive being restored is that backup.
    check_database(profile)
    engine = make_engine(f"sqlite:///{profile.database}")
    try:
        upgrade(engine)
        with engine.connect() as conn:
            ok = conn.exec_driver_sql("PRAGMA quick_check").scalar()
            if ok != "ok":
                raise RestoreRefused(f"恢复后的数据库未通过检查（{shown(str(ok))[:200]}）")
            conn.exec_driver_sql("SELECT count(*) FROM cases").scalar()
    finally:
        engine.dispose()


def _link_or_move(src: Path, dest: Path, *, link: bool) -> bool:
    """Put src at dest as well (a hard link), or else only at dest (a rename); False once links fail."""
    if link:
        try:
            os.link(src, dest)
            return True
        except OSError as exc:
            if exc.errno == errno.EEXIST:
                raise
            log.info("restore: hard links unavailable (%s); moving the previous originals instead", exc)
    os.replace(src, dest)
    return False


def _set_aside(root: Path, previous: Path, plan: _KeepPlan) -> _Kept:
    """Keep what of the previous data no archive holds: originals the archive and the safety backup
    lack, and the raw database files if the plan says so. Runs before the restore is confirmed and is
    undone by a rollback (the journal names the folder); durable before it returns."""
    blobs = previous / "evidence" / "blobs"
    wanted: list[tuple[Path, Path]] = []
    if blobs.is_dir():
        for src in sorted(blobs.glob("??/??/*")):
            if src.name not in plan.known and stat.S_ISREG(src.lstat().st_mode):
                wanted.append((src, src.relative_to(blobs)))
    originals = len(wanted)
    database: list[str] = []
    if plan.database:
        for name in RAW_DATABASE:
            src = previous / name
            with contextlib.suppress(OSError):
                if stat.S_ISREG(src.lstat().st_mode) and src.stat().st_size > 0:
                    wanted.append((src, Path(name)))
                    database.append(name)
    if not wanted:
        return _Kept()
    folder = root / plan.folder
    folder.mkdir(parents=True)
    touched = {folder}
    link = True
    for src, rel in wanted:
        dest = folder / rel
        if dest.parent not in touched:
            dest.parent.mkdir(parents=True, exist_ok=True)
            touched.add(dest.parent)
        link = _link_or_move(src, dest, link=link)
        crashpoint("restore-setting-aside")
    # The folder must be durable before the journal says "committed" and the previous data goes.
    for d in sorted(touched, key=lambda p: len(p.parts), reverse=True):
        fsync_dir(d)
    fsync_dir(folder.parent)
    fsync_dir(folder.parent.parent)
    crashpoint("restore-set-aside")
    log.warning(
        "restore kept %d previous originals%s in %s",
        originals,
        f" and the database files {', '.join(database)}" if database else "",
        folder,
    )
    return _Kept(folder, originals, tuple(database))


def _swap(profile: Profile, staging: Path, plan: _KeepPlan | None = None) -> _Kept:
    root = profile.root
    previous = root / f"{PREVIOUS_PREFIX}{secrets.token_hex(6)}"
    (previous / "evidence").mkdir(parents=True)
    moved = [item for item in SWAP_ITEMS if (root / item).exists()]
    doc: dict[str, object] = {
        "state": "swapping",
        "previous": previous.name,
        "staging": staging.name,
        "moved": moved,
        "started": datetime.now().isoformat(timespec="seconds"),
    }
    if plan is not None:
        doc["set_aside"] = plan.folder
    _write_journal(root, doc)
    for item in moved:
        os.replace(root / item, previous / item)
    (root / "evidence").mkdir(exist_ok=True)
    os.replace(staging / DATABASE_NAME, root / "desk.sqlite3")
    blobs = staging / "blobs"
    if not blobs.exists():
        blobs.mkdir()
    os.replace(blobs, root / "evidence" / "blobs")
    fsync_dir(root)
    fsync_dir(root / "evidence")
    crashpoint("restore-swapped")
    try:
        _open_check(profile)
    except BaseException as exc:
        log.error("restored data does not open; rolling back", exc_info=True)
        _rollback(root, doc)
        _finish(root, doc)
        if isinstance(exc, DeskError):
            raise RestoreRefused(f"恢复后的数据无法打开（{exc.message}），已退回到原来的数据。") from exc
        raise RestoreRefused(
            f"恢复后的数据无法打开（{shown(str(exc))[:300]}），已退回到原来的数据。"
        ) from exc
    kept = _Kept()
    if plan is not None:
        try:
            kept = _set_aside(root, previous, plan)
        except BaseException as exc:
            log.error("keeping the previous data aside failed; rolling back", exc_info=True)
            _rollback(root, doc)
            _finish(root, doc)
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            raise RestoreRefused(
                f"无法把恢复前的数据保留到“{shown(str(root / plan.folder))}”（{shown(reason)[:300]}），"
                "所以没有恢复，已退回到原来的数据。"
            ) from exc
    doc["state"] = "committed"
    _write_journal(root, doc)
    crashpoint("restore-committed")
    _finish(root, doc)
    return kept


def _copy_blobs_to(staging: Path, blob_root: Path) -> None:
    """Add the archive's blobs to a shared folder; existing blobs (same name = same content) stay."""
    tmp_dir = blob_root.parent / "tmp" if blob_root.name == "blobs" else blob_root / ".tmp"
    tmp_dir.mkdir(parents=True, exist_ok=True)
    for src in (staging / "blobs").glob("??/??/*"):
        dest = blob_root / src.relative_to(staging / "blobs")
        if dest.is_file():
            continue
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = tmp_dir / f"restore-{secrets.token_hex(6)}.tmp"
        shutil.copyfile(src, tmp)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o444)
        os.replace(tmp, dest)


def restore_backup(
    archive: Path,
    profile: Profile,
    *,
    lock: ProfileLock | None = None,
    before_swap: Callable[[], None] | None = None,
    safety_backup: bool = True,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
) -> RestoreResult:
    """Replace the profile's database and evidence with the archive's, atomically.

    lock: the caller's ProfileLock if it already owns the profile (the window does); otherwise the
    profile is locked here and a running window makes this fail with ProfileInUse.
    before_swap: called after validation, before the old data is touched (the window closes its
    database connections there).
    """
    started = time.perf_counter()
    archive = Path(archive)
    own_lock = None
    if lock is None:
        own_lock = ProfileLock(profile.root).acquire()
    try:
        staging = profile.root / f"{STAGING_PREFIX}{secrets.token_hex(6)}"
        try:
            profile.ensure()
            recover_interrupted_restore(profile)
            staging.mkdir(mode=0o700)
        except OSError as exc:
            raise RestoreRefused(
                f"无法在数据文件夹“{shown(str(profile.root))}”中准备恢复：{exc.strerror or exc}（文件夹可能是只读的）。{UNCHANGED}"
            ) from exc
        try:
            try:
                manifest = extract_and_validate(archive, staging, progress=progress, cancel=cancel)
            except Cancelled:
                raise RestoreRefused(f"恢复已取消。{UNCHANGED}") from None
            except OSError as exc:
                log.error("restore extraction failed", exc_info=True)
                if exc.errno == 28:
                    raise RestoreRefused(f"磁盘空间已满，无法解开备份。{UNCHANGED}") from exc
                raise RestoreRefused(
                    f"解开备份时出错：{shown(str(exc.strerror or exc))[:300]}。{UNCHANGED}"
                ) from exc
            crashpoint("restore-staged")
            _sync_tree(staging)
            settings = load_settings(profile)
            url = database_url(profile)
            blob_root = (
                settings.shared_blob_dir / "blobs"
                if settings.shared_blob_dir is not None
                else profile.evidence_dir / "blobs"
            )
            saved: BackupResult | None = None
            plan: _KeepPlan | None = None
            failure = ""
            if safety_backup:
                if is_sqlite(url):
                    saved, needed, failure = _sqlite_safety_backup(profile, url, blob_root, settings)
                    plan = _keep_plan(profile, manifest, saved, database=saved is None and needed)
                else:
                    saved = _create_safety_backup(profile, url, blob_root, settings)
            if before_swap is not None:
                before_swap()
            kept = _Kept()
            if is_sqlite(url):
                kept = _swap(profile, staging, plan)
            else:
                _copy_blobs_to(staging, blob_root)
                load_snapshot_into_server(staging / DATABASE_NAME, url)
        finally:
            _rmtree(staging)
    finally:
        if own_lock is not None:
            own_lock.release()
    warnings = []
    if manifest.missing_blobs:
        warnings.append(f"备份制作时已有 {len(manifest.missing_blobs)} 个证据文件缺失，恢复后它们仍然缺失。")
    warnings += _kept_notes(kept, saved is not None, failure)
    seconds = time.perf_counter() - started
    log.info("restored %s into %s in %.1f s", shown(str(archive)), shown(str(profile.root)), seconds)
    return RestoreResult(
        manifest,
        seconds,
        saved.path if saved is not None else None,
        tuple(warnings),
        set_aside=kept.folder,
        set_aside_originals=kept.originals,
        set_aside_database=kept.database,
    )


def _kept_notes(kept: _Kept, saved: bool, failure: str) -> list[str]:
    """What the operator is told about the previous data kept aside."""
    if kept.folder is None:
        return []
    where = shown(str(kept.folder))
    notes = []
    if kept.originals:
        also = "，也不在恢复前另存的备份里" if saved else ""
        notes.append(
            f"恢复前有 {kept.originals} 个证据原始文件不在这份备份里{also}，已原样保留在“{where}”"
            "（需要时把其中的文件夹放回 evidence/blobs）。"
        )
    if kept.database:
        why = f"（{failure.rstrip('。')}）" if failure else ""
        names = "、".join(kept.database)
        notes.append(
            f"恢复前的数据库无法另存为备份{why}，已把原来的数据库文件（{names}）原样保留在“{where}”，以便日后抢救。"
        )
    return notes


def _keep_plan(
    profile: Profile, manifest: Manifest, saved: BackupResult | None, *, database: bool
) -> _KeepPlan:
    """Which previous data the swap keeps aside, and in which new folder of evidence/set-aside."""
    known = {b.sha256 for b in manifest.blobs}
    if saved is not None:
        known |= {b.sha256 for b in saved.manifest.blobs}
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    parent = profile.root / SET_ASIDE
    name, n = f"{SET_ASIDE_PREFIX}{stamp}", 2
    while (parent / name).exists():
        name, n = f"{SET_ASIDE_PREFIX}{stamp}-{n}", n + 1
    return _KeepPlan(f"{SET_ASIDE}/{name}", frozenset(known), database)


def _sqlite_safety_backup(
    profile: Profile, url: str, blob_root: Path, settings: object
) -> tuple[BackupResult | None, bool, str]:
    """Before replacing the profile's database, keep it as one more archive in the backups folder.

    Returns the archive (None if none was made), whether the database holds something worth keeping
    (or that cannot be told), and why no archive could be made. A database that is missing, empty or
    unreadable cannot be archived; the swap then keeps its raw files aside instead of failing.
    """
    db = profile.database
    try:
        size = db.stat().st_size if db.is_file() else 0
    except OSError:
        size = 0
    if size == 0:
        return None, True, "数据库文件不见了或是空的"
    try:
        con = sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True)
        try:
            has_cases = con.execute("SELECT 1 FROM cases LIMIT 1").fetchone() is not None
        finally:
            con.close()
    except sqlite3.Error:
        has_cases = True  # unknown: keep a copy to be safe
    if not has_cases:
        return None, False, ""
    try:
        return _create_safety_backup(profile, url, blob_root, settings), True, ""
    except DeskError as exc:
        log.warning("no safety backup before the restore; keeping the raw files aside: %s", exc.message)
        return None, True, exc.message


def _create_safety_backup(profile: Profile, url: str, blob_root: Path, settings: object) -> BackupResult:
    from desk.backup.create import create_backup
    from desk.settings import Settings, backups_folder

    assert isinstance(settings, Settings)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    dest = backups_folder(profile, settings) / f"before-restore-{stamp}.deskbackup"
    return create_backup(dest, db_url=url, blob_root=blob_root)
