"""Small file helpers shared by the evidence store, packets, upload kits and backups."""

from __future__ import annotations

import os
from pathlib import Path


def fsync_dir(path: Path) -> None:
    """Make a rename into `path` durable; folders cannot be opened (nor need syncing) on Windows."""
    if os.name == "nt":
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def free_path(parent: Path, name: str, suffix: str = "") -> Path:
    """parent/name+suffix, or name-2, name-3 … when that is taken: an export never replaces a file."""
    path = parent / f"{name}{suffix}"
    n = 2
    while path.exists():
        path = parent / f"{name}-{n}{suffix}"
        n += 1
    return path
