"""Readings kept per picture content: `recognized/ab/<sha256>.json` in the profile, one small file each.

A reading is keyed by the picture's SHA-256 and names the engine, models and settings that made it
(desk/recognition/engine.py:engine_id); a reading by another engine counts as absent, so a new engine reads
every picture again and a rerun reads none. Files, not a table: a reading is a disposable cache that can be
deleted whole, and it needs no schema change. Each is written to a temporary file, synced and renamed, so a
crash leaves either the old file or the new one, never half of one.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path

from desk.fileops import fsync_dir
from desk.recognition.client import Reader
from desk.recognition.engine import engine_id
from desk.recognition.types import Line, Quad, Reading

FOLDER = "recognized"
_SHA256 = re.compile(r"[0-9a-f]{64}")


def _quad(raw: list[list[float]]) -> Quad:
    return ((raw[0][0], raw[0][1]), (raw[1][0], raw[1][1]), (raw[2][0], raw[2][1]), (raw[3][0], raw[3][1]))


class ReadingCache:
    def __init__(self, profile_root: Path) -> None:
        self.root = profile_root / FOLDER

    def path_for(self, sha256: str) -> Path:
        if not _SHA256.fullmatch(sha256):
            raise ValueError(f"not a SHA-256 value: {sha256!r}")
        return self.root / sha256[:2] / f"{sha256}.json"

    def get(self, sha256: str, engine: str) -> Reading | None:
        """The cached reading of this content by this engine, or None (absent, another engine, damaged)."""
        try:
            data = json.loads(self.path_for(sha256).read_text(encoding="utf-8"))
            if data.get("engine") != engine:
                return None
            lines = tuple(Line(str(t), _quad(b), float(c)) for b, t, c in data["lines"])
            return Reading(sha256, engine, int(data["width"]), int(data["height"]), lines, 0.0)
        except (OSError, ValueError, KeyError, TypeError, IndexError):
            return None  # a damaged cache file is read again, never an error

    def put(self, reading: Reading) -> None:
        path = self.path_for(reading.sha256)
        path.parent.mkdir(parents=True, exist_ok=True)
        data = {
            "sha256": reading.sha256,
            "engine": reading.engine,
            "width": reading.width,
            "height": reading.height,
            "seconds": round(reading.seconds, 3),
            "lines": [[[list(p) for p in ln.box], ln.text, ln.confidence] for ln in reading.lines],
        }
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".json", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(data, f, ensure_ascii=False, separators=(",", ":"))
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        fsync_dir(path.parent)


def read_cached(reader: Reader, cache: ReadingCache, path: Path, sha256: str) -> tuple[Reading, bool]:
    """The reading of one picture and whether it came from the cache: the worker reads only what this
    engine has not read before."""
    engine = reader.engine or engine_id()
    if engine is not None:
        hit = cache.get(sha256, engine)
        if hit is not None:
            return hit, True
    reading = reader.read_path(path, sha256)
    cache.put(reading)
    return reading, False
