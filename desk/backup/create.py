"""Write a backup archive: snapshot, blobs, manifest — to a .partial, verified by reading back, renamed."""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import sqlite3
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from desk import __version__
from desk.backup.archive import (
    BLOCK,
    CHUNK,
    DATABASE_NAME,
    MANIFEST_NAME,
    MAX_MANIFEST_BYTES,
    USTAR_MAX_SIZE,
    Entry,
    HashChecker,
    Manifest,
    StrictTarReader,
    blob_entry_name,
    copy_file_into,
    padding,
    tar_header,
    write_all,
)
from desk.backup.schema import integrity_summary
from desk.backup.snapshot import snapshot_database
from desk.errors import BackupFailed, DeskError
from desk.faults import crashpoint
from desk.fileops import fsync_dir, open_regular
from desk.names import shown
from desk.progress import Cancel, Cancelled, Progress, stop_if_cancelled
from desk.store.blobstore import retired_path

log = logging.getLogger(__name__)

COUNTED_TABLES = ("shops", "cases", "evidence", "events", "packets")


@dataclass(frozen=True, slots=True)
class BackupResult:
    """A finished, verified archive."""

    path: Path
    manifest: Manifest
    byte_size: int
    seconds: float
    warnings: tuple[str, ...]


def _sha_file(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _describe_os_error(exc: OSError, dest: Path) -> str:
    where, folder = shown(str(dest)), shown(str(dest.parent))
    if exc.errno == 28:
        return f"磁盘空间已满，无法写入备份文件“{where}”。没有留下不完整的备份；请清理磁盘空间或换一个位置后重试。"
    if isinstance(exc, PermissionError) or exc.errno in (13, 30):
        return f"没有权限写入“{folder}”（文件夹只读或无写入权限）。没有留下不完整的备份。"
    return f"写入备份文件“{where}”失败：{shown(str(exc.strerror or exc))[:300]}。没有留下不完整的备份。"


def create_backup(
    dest: Path,
    *,
    db_url: str,
    blob_root: Path,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
) -> BackupResult:
    """Write a verified archive of the database at db_url and the blobs it references to dest.

    Nothing appears at dest unless the whole archive was written, read back and matched its
    manifest; on any failure or cancel the .partial is removed and BackupFailed is raised.
    """
    started = time.perf_counter()
    dest = Path(dest)
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BackupFailed(_describe_os_error(exc, dest)) from exc
    partial = dest.with_name(dest.name + ".partial")
    snap = dest.with_name(dest.name + ".db.partial")
    for leftover in (partial, snap):
        with contextlib.suppress(FileNotFoundError):
            leftover.unlink()
    try:
        return _create(dest, partial, snap, db_url, blob_root, progress, cancel, started)
    except Cancelled:
        raise BackupFailed("备份已取消，没有留下不完整的备份文件。") from None
    except DeskError:
        raise
    except OSError as exc:
        log.error("backup to %s failed", dest, exc_info=True)
        raise BackupFailed(_describe_os_error(exc, dest)) from exc
    except sqlite3.Error as exc:
        log.error("backup snapshot failed", exc_info=True)
        msg = str(exc)
        if "full" in msg.lower():
            raise BackupFailed(_describe_os_error(OSError(28, msg), dest)) from exc
        raise BackupFailed(f"无法读取数据库来备份：{shown(msg)[:300]}。没有留下不完整的备份。") from exc
    finally:
        for leftover in (partial, snap):
            with contextlib.suppress(OSError):
                leftover.unlink()


def _create(
    dest: Path,
    partial: Path,
    snap: Path,
    db_url: str,
    blob_root: Path,
    progress: Progress | None,
    cancel: Cancel | None,
    started: float,
) -> BackupResult:
    if progress is not None:
        progress(0, 1, "正在复制数据库快照")
    # Claim the archive's .partial first: an unwritable folder fails here, in plain words.
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    fd = os.open(partial, flags, 0o644)
    try:
        return _write(dest, partial, snap, fd, db_url, blob_root, progress, cancel, started)
    finally:
        os.close(fd)


def _write(
    dest: Path,
    partial: Path,
    snap: Path,
    fd: int,
    db_url: str,
    blob_root: Path,
    progress: Progress | None,
    cancel: Cancel | None,
    started: float,
) -> BackupResult:
    snapshot_database(db_url, snap)
    revision, shas, counts = _describe_snapshot(snap)
    db_sha, db_size = _sha_file(snap)
    if db_size > USTAR_MAX_SIZE:
        raise BackupFailed("数据库超过 8 GB，超出备份格式的单个条目上限。")
    blobs: list[tuple[Entry, Path]] = []
    missing: list[str] = []
    for sha in sorted(shas):
        path = blob_root / sha[:2] / sha[2:4] / sha
        try:
            size = path.stat().st_size
        except FileNotFoundError:
            path = retired_path(blob_root, sha)  # deleted after the snapshot was taken
            try:
                size = path.stat().st_size
            except FileNotFoundError:
                missing.append(sha)
                continue
        blobs.append((Entry(blob_entry_name(sha), size, sha), path))
    manifest = Manifest(
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        app_version=__version__,
        schema_revision=revision,
        database=Entry(DATABASE_NAME, db_size, db_sha),
        blobs=tuple(e for e, _ in blobs),
        missing_blobs=tuple(missing),
        counts=counts,
    )
    manifest_bytes = manifest.to_bytes()
    if len(manifest_bytes) > MAX_MANIFEST_BYTES:
        # A restore refuses a manifest this large (it bounds what a hostile one may cost), so an
        # archive with it could never be restored: say so now rather than write it.
        raise BackupFailed(
            f"证据文件太多（{len(blobs)} 个），备份清单将有 {len(manifest_bytes) / 2**20:.0f} MB，"
            f"超过一份备份的上限（{MAX_MANIFEST_BYTES / 2**20:.0f} MB，约 40 万个证据文件）。没有留下不完整的备份。"
        )
    total = len(blobs) + 2
    now = time.time()
    verifier = HashChecker()
    verifier_started = False
    try:
        pos = 0

        def put(name: str, size: int) -> int:
            nonlocal pos
            header = tar_header(name, size, now)
            write_all(fd, header)
            pos += len(header)
            return pos

        data = manifest_bytes
        put(MANIFEST_NAME, len(data))
        write_all(fd, data + padding(len(data)))
        pos += len(data) + len(padding(len(data)))
        verifier.start()
        verifier_started = True
        offset = put(DATABASE_NAME, db_size)
        copy_file_into(fd, snap, db_size, cancel)
        write_all(fd, padding(db_size))
        pos += db_size + len(padding(db_size))
        verifier.check(partial, offset, db_size, db_sha, DATABASE_NAME)
        half = len(blobs) // 2
        for i, (entry, path) in enumerate(blobs):
            stop_if_cancelled(cancel)
            if progress is not None and i % 50 == 0:
                progress(i + 1, total, "正在写入证据文件")
            if i == half:
                crashpoint("backup-middle")
            offset = put(entry.name, entry.size)
            try:
                try:
                    copy_file_into(fd, path, entry.size, cancel)
                except FileNotFoundError:
                    # Retired between the listing and now; nothing was written for it yet.
                    copy_file_into(fd, retired_path(blob_root, entry.sha256), entry.size, cancel)
            except FileNotFoundError as exc:
                raise BackupFailed(
                    f"证据文件 {entry.sha256[:12]} 在备份过程中消失了（可能刚被删除）。请重新备份。"
                ) from exc
            write_all(fd, padding(entry.size))
            pos += entry.size + len(padding(entry.size))
            verifier.check(partial, offset, entry.size, entry.sha256, entry.name)
        write_all(fd, b"\0" * (2 * BLOCK))
        if progress is not None:
            progress(total - 1, total, "正在校验备份")
        verifier_started = False
        verifier.finish()
        os.fsync(fd)
    finally:
        if verifier_started:
            verifier.jobs.put_nowait(None)
            verifier.join(timeout=30)
    if verifier.bad:
        first = verifier.bad[0]
        what = "数据库快照" if first == DATABASE_NAME else f"证据文件 {first.rsplit('/', 1)[-1][:12]}"
        raise BackupFailed(
            f"备份校验失败：{what}的内容与校验值不符（共 {len(verifier.bad)} 项）。"
            "可能是磁盘上的证据文件已损坏，请先运行“工具 ▸ 检查数据”。没有留下不完整的备份。"
        )
    _verify_structure(partial, manifest)
    crashpoint("backup-before-rename")
    os.replace(partial, dest)
    try:
        fsync_dir(dest.parent)
    except OSError:
        # The archive itself is complete, verified and fsynced; only the folder entry's flush failed.
        log.warning("fsync of %s failed after the backup was renamed", dest.parent, exc_info=True)
    if progress is not None:
        progress(total, total, "")
    warnings = []
    if missing:
        warnings.append(
            f"有 {len(missing)} 个证据文件在数据文件夹中已缺失，备份中也没有它们（请运行“检查数据”）。"
        )
    size = dest.stat().st_size
    seconds = time.perf_counter() - started
    log.info("backup %s: %d blobs, %d bytes, %.1f s", dest, len(blobs), size, seconds)
    return BackupResult(dest, manifest, size, seconds, tuple(warnings))


def _describe_snapshot(snap: Path) -> tuple[str, set[str], dict[str, int]]:
    con = sqlite3.connect(f"{snap.as_uri()}?mode=ro", uri=True)
    try:
        rows = [r[0] for r in con.execute("PRAGMA integrity_check")]
        if rows != ["ok"]:
            log.error("backup snapshot fails integrity_check:\n%s", "\n".join(map(str, rows)))
            first, count = integrity_summary(rows)
            raise BackupFailed(
                f"数据库快照未通过完整性检查（发现 {count} 处问题，例如：{first}；详情见日志），备份未完成。"
                "请先运行“工具 ▸ 检查数据”。"
            )
        revs = sorted(r[0] for r in con.execute("SELECT version_num FROM alembic_version"))
        shas = {r[0] for r in con.execute("SELECT DISTINCT sha256 FROM evidence")}
        counts = {t: int(con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]) for t in COUNTED_TABLES}
    finally:
        con.close()
    return "+".join(revs), shas, counts


def _verify_structure(partial: Path, manifest: Manifest) -> None:
    """Walk the written headers with the same strict reader a restore uses."""
    with open_regular(partial) as fh:
        reader = StrictTarReader(fh, partial)
        reader.read_manifest()
        expected = manifest.entries()
        for header in reader.headers():
            entry = expected.pop(header.name, None)
            if entry is None or entry.size != header.size:
                raise BackupFailed(
                    f"备份校验失败：条目“{shown(header.name)}”与清单不符。没有留下不完整的备份。"
                )
            reader.skip_data(header)
        if expected:
            raise BackupFailed("备份校验失败：有条目没有写入。没有留下不完整的备份。")
