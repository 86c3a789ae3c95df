"""Shared oracles: a canonical snapshot of a profile, and the integrity check the app itself ships."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path
from typing import Any

DATA_TABLES = ("shops", "cases", "evidence", "events", "packets", "alembic_version")


def sha_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def db_dump(db: Path) -> dict[str, list[Any]]:
    """Every data table's rows, sorted, as JSON-able lists (read-only, WAL included)."""
    con = sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True)
    try:
        out = {}
        for table in DATA_TABLES:
            rows = con.execute(f"SELECT * FROM {table}").fetchall()
            out[table] = sorted(json.loads(json.dumps(list(r), default=str)) for r in rows)
        return out
    finally:
        con.close()


def file_map(
    root: Path, *, skip: tuple[str, ...] = ("logs", "backups", "cache", "desk.lock")
) -> dict[str, str]:
    """relative path -> sha256 of every file under root, except logs, backups, caches and the lock."""
    out = {}
    for p in sorted(root.rglob("*")):
        rel = p.relative_to(root).as_posix()
        if rel.split("/")[0] in skip or p.is_dir():
            continue
        if rel.startswith("desk.sqlite3"):
            continue  # compared logically, through db_dump
        out[rel] = sha_file(p) if p.is_file() else f"<special {p.lstat().st_mode:o}>"
    return out


def snapshot(root: Path) -> dict[str, Any]:
    db = root / "desk.sqlite3"
    return {"db": db_dump(db) if db.exists() else None, "files": file_map(root)}


def blob_map(root: Path) -> dict[str, str]:
    """Every evidence original: name -> sha256 of its bytes (must equal the name)."""
    return {p.name: sha_file(p) for p in (root / "evidence" / "blobs").glob("??/??/*")}


def assert_check_clean(root: Path) -> None:
    """The app's own Check data finds no error (young orphan originals after a crash are allowed)."""
    from desk.app import open_desk
    from desk.check import check_profile

    desk = open_desk(root)
    try:
        report = check_profile(desk)
    finally:
        desk.close()
    assert not report.errors, report.text()
    assert {f.code for f in report.warnings} <= {"blob-orphan", "leftovers"}, report.text()
