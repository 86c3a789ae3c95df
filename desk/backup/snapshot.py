"""A consistent copy of the database as one SQLite file, and loading such a copy into a server.

SQLite: the online backup API (never a raw file copy, which would miss the -wal file).
PostgreSQL: a logical copy of every table inside one REPEATABLE READ transaction, into a SQLite file
with the same schema, so an archive looks the same whichever database the desk ran on.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import sqlite3
import tempfile
from pathlib import Path

from sqlalchemy import Connection, MetaData, Table, make_url, select, text

from desk.db.engine import is_sqlite, make_engine, normalise_url
from desk.errors import BackupFailed
from desk.fileops import open_regular
from desk.names import shown

log = logging.getLogger(__name__)

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
        raise BackupFailed(f"找不到数据库文件“{shown(str(src))}”，无法备份。")
    if has_hot_journal(src):
        _snapshot_after_rollback(src, dest)
        return
    _backup_api_copy(src, dest)


def _backup_api_copy(src: Path, dest: Path) -> None:
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


# The first 8 bytes of a rollback journal that still holds a transaction to undo (sqlite.org/fileformat.html).
JOURNAL_MAGIC = bytes.fromhex("d9d505f920a163d7")


def has_hot_journal(db: Path) -> bool:
    """A -journal left by a write that never finished: SQLite must undo it before the file is consistent.

    Only for a database in rollback-journal mode (header bytes 18-19 are 1): in WAL mode committed rows
    may also be in the -wal file, which the copy-and-roll-back below does not carry.
    """
    try:
        with open_regular(db) as fh:
            header = fh.read(20)
        with open_regular(Path(f"{db}-journal")) as fh:
            hot = fh.read(8) == JOURNAL_MAGIC
    except OSError:
        return False
    return hot and header[18:20] == b"\x01\x01"


def _snapshot_after_rollback(src: Path, dest: Path) -> None:
    """Snapshot a database whose last write was interrupted, as of its last commit.

    A read-only connection cannot roll a hot journal back (SQLite then reports "attempt to write a
    readonly database"), and the data folder is not ours to change here. So the file and its journal
    are copied beside the snapshot, SQLite rolls the copy back read-write, and the snapshot is taken
    from the copy. The original stays byte for byte as it was.
    """
    journal = Path(f"{src}-journal")
    with tempfile.TemporaryDirectory(prefix=".rollback-", dir=dest.parent) as tmp:
        copy = Path(tmp) / "database.sqlite3"
        # The database first, then the journal: a journal is written before the pages it protects,
        # so a journal copied later still holds the original of every page changed in the copy.
        shutil.copyfile(src, copy)
        try:
            shutil.copyfile(journal, Path(f"{copy}-journal"))
        except FileNotFoundError:
            # Another process finished or undid the write meanwhile: the original is whole again,
            # while the copy may hold half of it. Snapshot the original the usual way.
            _backup_api_copy(src, dest)
            return
        try:
            con = sqlite3.connect(copy)
            try:
                con.execute("SELECT count(*) FROM sqlite_master").fetchone()
            finally:
                con.close()
        except sqlite3.Error as exc:
            log.error("rolling back a copy of %s with its journal failed", shown(str(src)), exc_info=True)
            raise BackupFailed(
                f"数据库“{shown(str(src))}”上次的写入没有完成（留下了 -journal 日志），"
                f"在副本中撤销这次写入失败：{shown(str(exc))[:200]}。数据库文件没有被改动，没有留下不完整的备份。"
            ) from exc
        log.warning(
            "backed up %s as of its last commit (an unfinished write was undone in a copy)", shown(str(src))
        )
        _backup_api_copy(copy, dest)


def _common_tables(source: Connection, target: Connection) -> list[tuple[Table, Table]]:
    """Tables (and their shared columns) present on both sides, parents before children.

    Reflection, not the ORM models: a snapshot of an older schema (before an upgrade) copies too.
    """
    src_meta, dst_meta = MetaData(), MetaData()
    src_meta.reflect(source)
    dst_meta.reflect(target)
    pairs = []
    for table in dst_meta.sorted_tables:
        if table.name == "alembic_version" or table.name not in src_meta.tables:
            continue
        pairs.append((src_meta.tables[table.name], table))
    return pairs


def _copy_tables(source: Connection, target: Connection, *, clear_target: bool) -> None:
    pairs = _common_tables(source, target)
    if clear_target:
        for _src, dst in reversed(pairs):
            target.execute(dst.delete())
    for src, dst in pairs:
        names = [c.name for c in dst.columns if c.name in src.columns]
        query = select(*(src.c[n] for n in names))
        result = source.execution_options(stream_results=True, yield_per=BATCH).execute(query)
        for chunk in result.partitions(BATCH):
            target.execute(dst.insert(), [dict(zip(names, row, strict=True)) for row in chunk])


def _rebuild_search_indexes(conn: Connection) -> None:
    """FTS5 indexes are SQLite-only and derived: rebuild them from the copied rows."""
    rows = conn.exec_driver_sql(
        "SELECT name FROM sqlite_master WHERE type='table' AND lower(sql) LIKE '%using fts5%'"
    ).fetchall()
    for (name,) in rows:
        quoted = '"' + name.replace('"', '""') + '"'
        conn.exec_driver_sql(f"INSERT INTO {quoted}({quoted}) VALUES('rebuild')")


def _server_snapshot(url: str, dest: Path) -> None:
    from alembic import command

    from desk.db.migrate import alembic_config, current_revision

    server = make_engine(url)
    local = make_engine(f"sqlite:///{dest}")
    try:
        revision = current_revision(server)
        if not revision:
            raise BackupFailed("共享数据库还是空的，没有可备份的内容。")
        cfg = alembic_config()
        with local.begin() as lconn:
            cfg.attributes["connection"] = lconn
            for rev in revision.split("+"):
                command.upgrade(cfg, rev)  # the same schema the server has, even before an upgrade
        with server.connect() as sconn:
            sconn = sconn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
            with sconn.begin(), local.begin() as lconn:
                _copy_tables(sconn, lconn, clear_target=False)
                _rebuild_search_indexes(lconn)
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
    server = make_engine(url)
    local = make_engine(f"sqlite:///{snap}")
    try:
        with local.connect() as lconn, server.begin() as sconn:
            pairs = _common_tables(lconn, sconn)
            names = ", ".join(f'"{dst.name}"' for _src, dst in pairs)
            sconn.execute(text(f"LOCK TABLE {names} IN ACCESS EXCLUSIVE MODE"))
            _copy_tables(lconn, sconn, clear_target=True)
            for _src, dst in pairs:
                if "id" in dst.c:
                    sconn.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('{dst.name}', 'id'), "
                            f'COALESCE((SELECT max(id) FROM "{dst.name}"), 0) + 1, false)'
                        )
                    )
    finally:
        with contextlib.suppress(Exception):
            local.dispose()
        server.dispose()
