"""On-disk cache of prepared packet pictures, so a rebuilt packet does not decode its photos again.

A prepared picture (the small, upright, marked, metadata-free JPEG a packet embeds) depends only on
the original's content, the box it is fitted into, the marks and rotation, and the preparation code.
All of these go into the key, so a changed mark or a new desk version simply misses. An entry is
one file, written to a temporary name and renamed, that carries the SHA-256 of its JPEG: a damaged
entry (power cut, disk error, someone editing files) is detected, deleted and prepared again. The
cache is an optimisation only: any error reading or writing it falls back to preparing the picture.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from desk.pdf.images import PreparedImage

log = logging.getLogger(__name__)

MAGIC = b"DESK-PREPARED-1\n"
SUFFIX = ".prep"
# Enough for the pictures of a few hundred packets; the least recently used entries go first.
DEFAULT_MAX_BYTES = 512 * 1024 * 1024


@dataclass(slots=True)
class CacheStats:
    """What the cache did since it was made (one build, usually)."""

    hits: int = 0
    misses: int = 0
    rebuilt: int = 0  # damaged entries found, deleted and prepared again
    write_errors: int = 0


def cache_key(*parts: object) -> str:
    """A stable key for JSON-able parts (floats keep their exact value)."""
    text = json.dumps(parts, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _encode(image: PreparedImage) -> bytes:
    header = {
        "w": image.pixel_width,
        "h": image.pixel_height,
        "wpt": image.width_pt,
        "hpt": image.height_pt,
        "n": len(image.jpeg),
        "sha256": hashlib.sha256(image.jpeg).hexdigest(),
    }
    return MAGIC + json.dumps(header, separators=(",", ":")).encode("ascii") + b"\n" + image.jpeg


def _decode(data: bytes) -> PreparedImage | None:
    """The entry's picture, or None when it is damaged in any way."""
    if not data.startswith(MAGIC):
        return None
    end = data.find(b"\n", len(MAGIC))
    if end < 0:
        return None
    try:
        header = json.loads(data[len(MAGIC) : end])
        jpeg = data[end + 1 :]
        if len(jpeg) != header["n"] or hashlib.sha256(jpeg).hexdigest() != header["sha256"]:
            return None
        return PreparedImage(
            jpeg=jpeg,
            pixel_width=int(header["w"]),
            pixel_height=int(header["h"]),
            width_pt=float(header["wpt"]),
            height_pt=float(header["hpt"]),
        )
    except (ValueError, KeyError, TypeError):
        return None


class PreparedCache:
    """Prepared pictures under `folder/<key[:2]>/<key>.prep`; safe to use from several threads."""

    def __init__(self, folder: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.folder = folder
        self.max_bytes = max_bytes
        self.stats = CacheStats()
        self._lock = threading.Lock()

    def path_for(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}{SUFFIX}"

    def _count(self, field: str) -> None:
        with self._lock:
            setattr(self.stats, field, getattr(self.stats, field) + 1)

    def get(self, key: str) -> PreparedImage | None:
        path = self.path_for(key)
        try:
            data = path.read_bytes()
        except OSError:
            return None
        image = _decode(data)
        if image is None:
            log.warning("damaged packet cache entry %s; preparing the picture again", path.name)
            self._count("rebuilt")
            with contextlib.suppress(OSError):
                path.unlink()
            return None
        with contextlib.suppress(OSError):
            os.utime(path)  # recently used: pruned last
        return image

    def put(self, key: str, image: PreparedImage) -> None:
        path = self.path_for(key)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_bytes(_encode(image))
            os.replace(tmp, path)
        except OSError as exc:
            self._count("write_errors")
            log.warning("could not write packet cache entry %s: %s", path.name, exc)
            with contextlib.suppress(OSError):
                tmp.unlink()

    def fetch(self, key: str, make: Callable[[], PreparedImage]) -> PreparedImage:
        """The cached picture for `key`, or `make()`'s, which is then kept."""
        image = self.get(key)
        if image is not None:
            self._count("hits")
            return image
        self._count("misses")
        image = make()
        self.put(key, image)
        return image

    def prune(self) -> int:
        """Delete the least recently used entries until the cache fits `max_bytes`; returns how many."""
        entries: list[tuple[float, int, Path]] = []
        try:
            for sub in os.scandir(self.folder):
                if not sub.is_dir(follow_symlinks=False):
                    continue
                for entry in os.scandir(sub.path):
                    if entry.is_file(follow_symlinks=False):
                        st = entry.stat(follow_symlinks=False)
                        entries.append((st.st_mtime, st.st_size, Path(entry.path)))
        except OSError:
            return 0
        total = sum(size for _, size, _ in entries)
        removed = 0
        for _, size, path in sorted(entries, key=lambda e: (e[0], str(e[2]))):
            if total <= self.max_bytes:
                break
            with contextlib.suppress(OSError):
                path.unlink()
                removed += 1
            total -= size
        return removed
