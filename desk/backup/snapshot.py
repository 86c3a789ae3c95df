"""A consistent copy of the database as one SQLite file, and loading such a copy into a server.

SQLite: the online backup API (never a raw file copy, which would miss the -wal file).
PostgreSQL: a logical copy of every table inside one REPEATABLE READ transaction, into a SQLite file
with the same schema, so an archive looks the same whichever database the desk ran on.
"""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

from sqlalchemy import Connection, make_url, text

from desk.db.engine import is_sqlite, make_engine, normalise_url
from desk.errors import BackupFailed

BATCH = 2000


def sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database:
        raise BackupFailed("内存数据库无法备份。")
    return Path(database)


def snapshot_database(url: str, dest: Path) -> None:
    url = normalise_url(url)
    if is_sqlite(url):
        _sqlite_snapshot(sqlite_path(url), dest)
    else:
        _server_snapshot(url, dest)


def _sqlite_snapshot(src: Path, dest: Path) -> None:
    if not src.is_file():
        raise BackupFailed(f"找不到数据库文件“{src}”，无法备份。")
    source = sqlite3.connect(f"{src.as_uri()}?mode=ro", uri=True, timeout=30)
    try:
        target = sqlite3.connect(dest)
        try:
            # One step: the source stays read-locked (not write-locked: WAL) for a consistent copy.
            source.backup(target)
            target.execute("PRAGMA journal_mode=DELETE")
        finally:
            target.close()
    finally:
        source.close()


def _copy_tables(source: Connection, target: Connection, *, clear_target: bool) -> None:
    from desk.db.models import Base

    tables = Base.metadata.sorted_tables
    if clear_target:
        for table in reversed(tables):
            target.execute(table.delete())
    for table in tables:
        result = source.execution_options(stream_results=True, yield_per=BATCH).execute(table.select())
        for chunk in result.mappings().partitions(BATCH):
            target.execute(table.insert(), [dict(r) for r in chunk])


def _server_snapshot(url: str, dest: Path) -> None:
    from desk.db.migrate import current_revision, head_revision, upgrade

    server = make_engine(url)
    local = make_engine(f"sqlite:///{dest}")
    try:
        if current_revision(server) != head_revision():
            raise BackupFailed("共享数据库的架构版本与本机软件不一致，请先升级本机软件再备份。")
        upgrade(local)
        with server.connect() as sconn:
            sconn = sconn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
            with sconn.begin(), local.begin() as lconn:
                _copy_tables(sconn, lconn, clear_target=False)
    finally:
        server.dispose()
        local.dispose()
    con = sqlite3.connect(dest)
    try:
        con.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
    finally:
        con.close()


def load_snapshot_into_server(snap: Path, url: str) -> None:
    """Replace every row on the server with the snapshot's, in one transaction (all or nothing)."""
    from desk.db.models import Base

    server = make_engine(url)
    local = make_engine(f"sqlite:///{snap}")
    try:
        with local.connect() as lconn, server.begin() as sconn:
            names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
            sconn.execute(text(f"LOCK TABLE {names} IN ACCESS EXCLUSIVE MODE"))
            _copy_tables(lconn, sconn, clear_target=True)
            for table in Base.metadata.sorted_tables:
                if "id" in table.c:
                    sconn.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                            f'COALESCE((SELECT max(id) FROM "{table.name}"), 0) + 1, false)'
                        )
                    )
    finally:
        with contextlib.suppress(Exception):
            local.dispose()
        server.dispose()
