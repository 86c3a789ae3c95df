"""Small helpers both halves of evidence share: the thumbnail cache, storage failures in plain words,
and removing an original nothing uses any more."""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import threading
from pathlib import Path

from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from desk.db import models as m
from desk.store import media
from desk.store.blobstore import BlobStore


def thumb_path(thumbnails_dir: Path, sha256: str) -> Path:
    return thumbnails_dir / sha256[:2] / f"{sha256}-{media.THUMB_SIZE}.jpg"


def save_thumb_bytes(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def jpeg(im: Image.Image) -> bytes:
    """A thumbnail for the cache: pixels only, no optimisation pass (it is rebuilt if lost)."""
    buf = io.BytesIO()
    media.to_rgb(im, keep_grey=True).save(buf, "JPEG", quality=85)
    return buf.getvalue()


def storage_reason(exc: BaseException) -> str:
    errno = getattr(exc, "errno", None)
    if errno == 28:
        return "磁盘空间已满，未能保存"
    if isinstance(exc, PermissionError) or errno == 30:
        return "证据文件夹没有写入权限（只读），未能保存"
    return f"保存失败（{getattr(exc, 'strerror', None) or exc}）"


def remove_blob_if_orphan(
    sessions: sessionmaker[Session],
    store: BlobStore,
    thumbnails_dir: Path,
    sha256: str,
    *,
    retire: bool = False,
) -> None:
    """retire: a committed row named the blob, so a running backup may still want it (see BlobStore.remove)."""
    with sessions() as s:
        used = s.scalar(select(m.Evidence.id).where(m.Evidence.sha256 == sha256).limit(1))
    if used is None:
        if retire:
            store.remove(sha256)
        else:
            store.delete_now(sha256)
        with contextlib.suppress(OSError):
            thumb_path(thumbnails_dir, sha256).unlink()
        shutil.rmtree(thumbnails_dir.parent / "open" / sha256[:16], ignore_errors=True)
