"""Restore a backup archive: extract to staging, validate everything, swap by rename, keep the old data
until the new one opens. A damaged or hostile archive changes nothing.

The swap is guarded by a journal file (`restore-journal.json`, fsynced): if the process dies half-way,
the next `open_desk` rolls back to the previous data, or finishes the clean-up if the restore had
already been confirmed. The profile is therefore always either the old or the new one, never a mix.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
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
    Cancel,
    Cancelled,
    Entry,
    HashChecker,
    Manifest,
    Progress,
    StrictTarReader,
    open_archive,
)
from desk.backup.snapshot import load_snapshot_into_server
from desk.db.engine import database_url, is_sqlite, make_engine
from desk.errors import DeskError, RestoreRefused
from desk.faults import crashpoint
from desk.fileops import fsync_dir
from desk.lock import ProfileLock, held_by_this_process
from desk.profile import Profile
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


@dataclass(frozen=True, slots=True)
class RestoreResult:
    manifest: Manifest
    seconds: float
    safety_backup: Path | None
    warnings: tuple[str, ...]


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
                f"“{archive.name}”是压缩包，不是售后申诉工作台的备份文件（备份文件不压缩）。{UNCHANGED}"
            )
        reader = StrictTarReader(fh, archive)
        manifest = reader.read_manifest()
        free = shutil.disk_usage(staging).free
        if manifest.total_bytes + SPACE_MARGIN > free:
            raise RestoreRefused(
                f"磁盘空间不足：恢复需要约 {manifest.total_bytes / 1e9:.2f} GB，"
                f"“{staging.parent}”所在磁盘只剩 {free / 1e9:.2f} GB。{UNCHANGED}"
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
            raise reader.refuse(f"缺少 {len(names)} 个条目（例如“{names[0]}”），可能不完整")
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
            raise reader.refuse(f"中的条目“{header.name}”不在清单里")
        if entry.size != header.size:
            raise reader.refuse(f"中的条目“{header.name}”大小与清单不符")
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


def _schema(con: sqlite3.Connection) -> set[tuple[str, str, str, str]]:
    rows = con.execute("SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'")
    out = set()
    for kind, name, tbl, sql in rows:
        # Tables and indexes are compared by name; triggers and views, where logic could hide, by text.
        body = re.sub(r"\s+", " ", sql or "").strip() if kind in ("trigger", "view") else ""
        out.add((kind, name, tbl, body))
    return out


def _reference_schema(revision: str, folder: Path) -> set[tuple[str, str, str, str]]:
    from alembic import command

    from desk.db.migrate import alembic_config

    ref = folder / "reference.sqlite3"
    engine = make_engine(f"sqlite:///{ref}")
    try:
        cfg = alembic_config()
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            for rev in revision.split("+"):
                command.upgrade(cfg, rev)
    finally:
        engine.dispose()
    con = sqlite3.connect(ref)
    try:
        return _schema(con)
    finally:
        con.close()
        for suffix in ("", "-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                Path(f"{ref}{suffix}").unlink()


def check_database_file(db: Path, manifest: Manifest, archive: Path) -> None:
    """The snapshot is a sound SQLite file, of a version this desk knows, with the expected schema."""
    from desk.db.migrate import SQLITE_MAGIC, known_revisions

    def refuse(why: str) -> RestoreRefused:
        return RestoreRefused(f"备份文件“{archive.name}”中的数据库{why}，已拒绝恢复。{UNCHANGED}")

    with open(db, "rb") as fh:
        if fh.read(16) != SQLITE_MAGIC:
            raise refuse("不是 SQLite 数据库")
    try:
        con = sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise refuse(f"无法打开（{exc}）") from exc
    try:
        row = con.execute("PRAGMA integrity_check").fetchone()
        if row is None or row[0] != "ok":
            raise refuse(f"未通过完整性检查（{row[0] if row else '无结果'}）")
        if con.execute("PRAGMA foreign_key_check").fetchone() is not None:
            raise refuse("有引用不存在记录的数据（外键检查失败）")
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if "alembic_version" not in tables or "evidence" not in tables:
            raise refuse("不是售后申诉工作台的数据库")
        revision = "+".join(sorted(r[0] for r in con.execute("SELECT version_num FROM alembic_version")))
        if set(revision.split("+")) - known_revisions():
            raise RestoreRefused(
                f"备份文件“{archive.name}”来自更新版本的售后申诉工作台（架构版本 {revision}），"
                f"请先升级软件再恢复。{UNCHANGED}"
            )
        if revision != manifest.schema_revision:
            raise refuse(
                f"版本（{revision}）与清单记载的版本（{manifest.schema_revision}）不一致，可能被替换过"
            )
        shas = {r[0] for r in con.execute("SELECT DISTINCT sha256 FROM evidence")}
        schema = _schema(con)
    except sqlite3.DatabaseError as exc:
        raise refuse(f"已损坏（{exc}）") from exc
    finally:
        con.close()
    listed = {b.sha256 for b in manifest.blobs} | set(manifest.missing_blobs)
    unlisted = shas - listed
    if unlisted:
        raise refuse(f"引用了 {len(unlisted)} 个备份中没有的证据文件")
    reference = _reference_schema(revision, db.parent)
    if schema != reference:
        extra = sorted(f"{k} {n}" for k, n, _t, _s in schema - reference)
        lacking = sorted(f"{k} {n}" for k, n, _t, _s in reference - schema)
        detail = "；".join(
            x
            for x in (
                f"多出：{'、'.join(extra[:3])}" if extra else "",
                f"缺少：{'、'.join(lacking[:3])}" if lacking else "",
            )
            if x
        )
        raise refuse(f"的结构与本软件不一致（{detail}）")


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
            f"数据文件夹“{root}”中有一个无法读取的恢复记录（{JOURNAL}），上次恢复可能被中断。"
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


def _rollback(root: Path, doc: dict[str, object]) -> None:
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
    from desk.db.migrate import check_and_backup, upgrade

    check_and_backup(profile)
    engine = make_engine(f"sqlite:///{profile.database}")
    try:
        upgrade(engine)
        with engine.connect() as conn:
            ok = conn.exec_driver_sql("PRAGMA quick_check").scalar()
            if ok != "ok":
                raise RestoreRefused(f"恢复后的数据库未通过检查（{ok}）")
            conn.exec_driver_sql("SELECT count(*) FROM cases").scalar()
    finally:
        engine.dispose()


def _swap(profile: Profile, staging: Path) -> None:
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
        raise RestoreRefused(f"恢复后的数据无法打开（{exc}），已退回到原来的数据。") from exc
    doc["state"] = "committed"
    _write_journal(root, doc)
    crashpoint("restore-committed")
    _finish(root, doc)


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
                f"无法在数据文件夹“{profile.root}”中准备恢复：{exc.strerror or exc}（文件夹可能是只读的）。{UNCHANGED}"
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
                raise RestoreRefused(f"解开备份时出错：{exc.strerror or exc}。{UNCHANGED}") from exc
            crashpoint("restore-staged")
            _sync_tree(staging)
            settings = load_settings(profile)
            url = database_url(profile)
            blob_root = (
                settings.shared_blob_dir / "blobs"
                if settings.shared_blob_dir is not None
                else profile.evidence_dir / "blobs"
            )
            saved: Path | None = None
            if safety_backup:
                saved = _safety_backup(profile, url, blob_root, settings)
            if before_swap is not None:
                before_swap()
            if is_sqlite(url):
                _swap(profile, staging)
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
    seconds = time.perf_counter() - started
    log.info("restored %s into %s in %.1f s", archive, profile.root, seconds)
    return RestoreResult(manifest, seconds, saved, tuple(warnings))


def _safety_backup(profile: Profile, url: str, blob_root: Path, settings: object) -> Path | None:
    """Before replacing real data, keep it as one more archive in the backups folder."""
    from desk.backup.create import create_backup
    from desk.settings import Settings, backups_folder

    if is_sqlite(url):
        db = profile.database
        if not db.is_file() or db.stat().st_size == 0:
            return None
        try:
            con = sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True)
            try:
                has_cases = con.execute("SELECT 1 FROM cases LIMIT 1").fetchone() is not None
            finally:
                con.close()
        except sqlite3.Error:
            has_cases = True  # unknown: keep a copy to be safe
        if not has_cases:
            return None
    assert isinstance(settings, Settings)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    dest = backups_folder(profile, settings) / f"before-restore-{stamp}.deskbackup"
    return create_backup(dest, db_url=url, blob_root=blob_root).path
