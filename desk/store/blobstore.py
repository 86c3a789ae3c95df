"""Content-addressed, write-once storage of evidence originals, keyed by SHA-256."""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import stat
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from desk.faults import crashpoint
from desk.fileops import fsync_dir

log = logging.getLogger(__name__)

CHUNK = 1 << 20


class TooLarge(Exception):
    """The source is (or grew while it was read) past the byte limit; args are (size, limit)."""


@dataclass(frozen=True, slots=True)
class StagedBlob:
    """A fully written temp copy of a source, not yet in the store (fsynced unless staged with durable=False)."""

    tmp_path: Path
    sha256: str
    size: int
    head: bytes
    data: bytes | None = None  # the whole content, kept when small enough to decode from memory


RETIRED_DIR = ".retired"
# Longer than any backup runs; until then deleted evidence still takes its disk space.
RETIRED_GRACE_SECONDS = 6 * 3600


def retired_path(root: Path, sha256: str) -> Path:
    """Where BlobStore.remove() leaves a blob until the sweep."""
    return root / RETIRED_DIR / sha256


class BlobStore:
    """Blobs live at root/ab/cd/<sha256>; temp files in a sibling folder on the same disk."""

    def __init__(self, root: Path, tmp: Path) -> None:
        self.root = root
        self.tmp = tmp
        self.root.mkdir(parents=True, exist_ok=True)
        self.tmp.mkdir(parents=True, exist_ok=True)

    def path_for(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def exists(self, sha256: str) -> bool:
        return self.path_for(sha256).is_file()

    def stage_file(
        self,
        src: Path,
        max_bytes: int | Callable[[bytes], int],
        *,
        keep_bytes: int = 0,
        durable: bool = True,
    ) -> StagedBlob:
        """Copy a regular file into a temp blob, hashing as it reads (the source is read once).

        max_bytes may be a function of the first bytes (the type decides the limit); files up to
        keep_bytes are also returned in memory, so they can be decoded without reading them again.
        With durable=False the temp copy is not fsynced: the caller must sync_staged() it before
        place(), so that a blob in the store is always complete.
        """
        # O_NONBLOCK so a FIFO passed as a "file" cannot hang the import.
        flags = os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_NONBLOCK", 0)
        fd = os.open(src, flags)
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                raise (
                    IsADirectoryError(str(src)) if stat.S_ISDIR(st.st_mode) else OSError("not a regular file")
                )
            if isinstance(max_bytes, int) and st.st_size > max_bytes:
                raise TooLarge(st.st_size, max_bytes)
            with os.fdopen(fd, "rb", closefd=False) as fh:
                return self.stage_stream(
                    fh, max_bytes, keep_bytes=keep_bytes, known_size=st.st_size, durable=durable
                )
        finally:
            os.close(fd)

    def stage_stream(
        self,
        fh: BinaryIO,
        max_bytes: int | Callable[[bytes], int],
        *,
        keep_bytes: int = 0,
        known_size: int | None = None,
        durable: bool = True,
    ) -> StagedBlob:
        digest = hashlib.sha256()
        size = 0
        limit = max_bytes if isinstance(max_bytes, int) else None
        # A file small enough to keep is read in one call (no chunks to join again).
        whole = keep_bytes and known_size is not None and known_size <= keep_bytes
        first = fh.read(known_size + 1 if whole and known_size is not None else CHUNK)
        head = first[:4096]
        if limit is None:
            assert callable(max_bytes)
            limit = max_bytes(head)
        if known_size is not None and known_size > limit:
            raise TooLarge(known_size, limit)
        kept: list[bytes] | None = [] if keep_bytes else None
        fd, name = tempfile.mkstemp(prefix="blob-", suffix=".tmp", dir=self.tmp)
        tmp_path = Path(name)
        try:
            with os.fdopen(fd, "wb") as out:
                chunk = first
                while chunk:
                    size += len(chunk)
                    if size > limit:
                        raise TooLarge(size, limit)
                    digest.update(chunk)
                    out.write(chunk)
                    if kept is not None:
                        if size <= keep_bytes:
                            kept.append(chunk)
                        else:
                            kept = None
                    chunk = fh.read(CHUNK)
                out.flush()
                if durable:
                    os.fsync(out.fileno())
            if durable:
                crashpoint("blob-temp-written")
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                tmp_path.unlink()
            raise
        data = (kept[0] if len(kept) == 1 else b"".join(kept)) if kept is not None else None
        return StagedBlob(tmp_path, digest.hexdigest(), size, head, data)

    def stage_bytes(self, data: bytes, *, durable: bool = True) -> StagedBlob:
        import io

        return self.stage_stream(
            io.BytesIO(data),
            max_bytes=len(data) + 1,
            keep_bytes=len(data),
            known_size=len(data),
            durable=durable,
        )

    @staticmethod
    def sync_staged(staged: StagedBlob) -> None:
        """fsync a temp copy staged with durable=False."""
        # Writable: Windows flushes only handles opened for writing.
        fd = os.open(staged.tmp_path, os.O_RDWR | getattr(os, "O_BINARY", 0))
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        crashpoint("blob-temp-written")

    def commit(self, staged: StagedBlob) -> bool:
        """Move a staged blob into place; True if it is new, False if the content was already stored."""
        created, dirs = self.place(staged)
        if created:
            try:
                self.sync_dirs(dirs)
            except BaseException:
                # Not durable, so not stored: the caller reports the failure and no row will point here.
                self.delete_now(staged.sha256)
                raise
        return created

    def place(self, staged: StagedBlob) -> tuple[bool, list[Path]]:
        """Rename a staged blob into place without syncing folders; returns (new?, folders to fsync).

        For batches: place every blob, then sync_dirs() once over the union of folders, and only
        then commit the rows that point at them.
        """
        dest = self.path_for(staged.sha256)
        if dest.is_file():
            self.discard(staged)
            return False, []
        dirs = [dest.parent]
        # New folders must reach the disk too: their entries live in the parent folder.
        for folder in (dest.parent.parent, dest.parent):
            if not folder.is_dir():
                folder.mkdir(exist_ok=True)
                dirs.append(folder.parent)
        # Originals are never modified: the blob is read-only once in the store.
        with contextlib.suppress(OSError):
            os.chmod(staged.tmp_path, 0o444)
        os.replace(staged.tmp_path, dest)
        crashpoint("blob-renamed")
        return True, dirs

    @staticmethod
    def sync_dirs(dirs: Iterable[Path]) -> None:
        """fsync each folder once (deepest first, so a new folder is durable before its entry)."""
        for folder in sorted(set(dirs), key=lambda p: len(p.parts), reverse=True):
            fsync_dir(folder)

    def discard(self, staged: StagedBlob) -> None:
        with contextlib.suppress(FileNotFoundError):
            staged.tmp_path.unlink()

    def remove(self, sha256: str) -> None:
        """Retire a blob no row uses: moved aside, deleted by a later sweep_retired().

        A backup running in another thread or process may have snapshotted the database while a row
        still named this blob; it finds the file in the retired folder (retired_path) instead of
        missing it. Same disk, so the move is a rename.
        """
        path = self.path_for(sha256)
        retired = retired_path(self.root, sha256)
        with contextlib.suppress(FileNotFoundError):
            os.chmod(path, 0o644)
            retired.parent.mkdir(exist_ok=True)
            os.replace(path, retired)
            os.utime(retired)  # the sweep counts from the retirement, not from the import

    def delete_now(self, sha256: str) -> None:
        """Delete a blob that no committed row ever named (an import that failed after placing it)."""
        path = self.path_for(sha256)
        with contextlib.suppress(FileNotFoundError):
            os.chmod(path, 0o644)
            path.unlink()

    def sweep_retired(self, min_age_seconds: float = RETIRED_GRACE_SECONDS) -> int:
        """Delete retired blobs older than the grace period (any backup that could need them is over)."""
        import time

        folder = self.root / RETIRED_DIR
        removed = 0
        now = time.time()
        if not folder.is_dir():
            return 0
        for p in folder.iterdir():
            with contextlib.suppress(OSError):
                if now - p.stat().st_mtime >= min_age_seconds:
                    p.unlink()
                    removed += 1
        return removed

    def cleanup_tmp(self, min_age_seconds: float = 0) -> int:
        """Remove temp files a crash left behind; they were never referenced by a row.

        min_age_seconds spares younger files: in a shared evidence folder they may belong to an
        import another PC is running right now.
        """
        import time

        removed = 0
        now = time.time()
        for p in self.tmp.iterdir():
            if p.is_file():
                with contextlib.suppress(OSError):
                    if min_age_seconds and now - p.stat().st_mtime < min_age_seconds:
                        continue
                    p.unlink()
                    removed += 1
        return removed
