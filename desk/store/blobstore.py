"""Content-addressed, write-once storage of evidence originals, keyed by SHA-256."""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from desk.faults import crashpoint

log = logging.getLogger(__name__)

CHUNK = 1 << 20


class TooLarge(Exception):
    """The source grew past the byte limit while it was being read."""


@dataclass(frozen=True, slots=True)
class StagedBlob:
    """A fully written, fsynced temp copy of a source, not yet in the store."""

    tmp_path: Path
    sha256: str
    size: int
    head: bytes


def fsync_dir(path: Path) -> None:
    # Makes a rename durable; not possible (nor needed) on Windows.
    if os.name == "nt":
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


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

    def stage_file(self, src: Path, max_bytes: int) -> StagedBlob:
        """Copy a regular file into a temp blob, hashing as it reads (the source is read once)."""
        # O_NONBLOCK so a FIFO passed as a "file" cannot hang the import.
        flags = os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_NONBLOCK", 0)
        fd = os.open(src, flags)
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                raise (
                    IsADirectoryError(str(src)) if stat.S_ISDIR(st.st_mode) else OSError("not a regular file")
                )
            if st.st_size > max_bytes:
                raise TooLarge(st.st_size)
            with os.fdopen(fd, "rb", closefd=False) as fh:
                return self.stage_stream(fh, max_bytes)
        finally:
            os.close(fd)

    def stage_stream(self, fh: BinaryIO, max_bytes: int) -> StagedBlob:
        digest = hashlib.sha256()
        size = 0
        head = b""
        fd, name = tempfile.mkstemp(prefix="blob-", suffix=".tmp", dir=self.tmp)
        tmp_path = Path(name)
        try:
            with os.fdopen(fd, "wb") as out:
                while True:
                    chunk = fh.read(CHUNK)
                    if not chunk:
                        break
                    if len(head) < 4096:
                        head += chunk[: 4096 - len(head)]
                    size += len(chunk)
                    if size > max_bytes:
                        raise TooLarge(size)
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            crashpoint("blob-temp-written")
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                tmp_path.unlink()
            raise
        return StagedBlob(tmp_path, digest.hexdigest(), size, head)

    def stage_bytes(self, data: bytes) -> StagedBlob:
        import io

        return self.stage_stream(io.BytesIO(data), max_bytes=len(data) + 1)

    def commit(self, staged: StagedBlob) -> bool:
        """Move a staged blob into place; True if it is new, False if the content was already stored."""
        dest = self.path_for(staged.sha256)
        if dest.is_file():
            self.discard(staged)
            return False
        dest.parent.mkdir(parents=True, exist_ok=True)
        # Originals are never modified: the blob is read-only once in the store.
        with contextlib.suppress(OSError):
            os.chmod(staged.tmp_path, 0o444)
        os.replace(staged.tmp_path, dest)
        crashpoint("blob-renamed")
        try:
            fsync_dir(dest.parent)
        except BaseException:
            # Not durable, so not stored: the caller reports the failure and no row will point here.
            with contextlib.suppress(OSError):
                os.chmod(dest, 0o644)
                dest.unlink()
            raise
        return True

    def discard(self, staged: StagedBlob) -> None:
        with contextlib.suppress(FileNotFoundError):
            staged.tmp_path.unlink()

    def remove(self, sha256: str) -> None:
        path = self.path_for(sha256)
        with contextlib.suppress(FileNotFoundError):
            os.chmod(path, 0o644)
            path.unlink()

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

    def iter_blobs(self) -> list[str]:
        return [p.name for p in self.root.glob("??/??/*") if p.is_file() and len(p.name) == 64]
