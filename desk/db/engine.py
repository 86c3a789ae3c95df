"""The SQLAlchemy engine: durable SQLite pragmas, PostgreSQL for shared desks, plain-word storage errors."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.orm import Session, sessionmaker

from desk.db import thread_guard
from desk.db.guard import restore_advice
from desk.errors import DatabaseLocked, DatabaseUnusable, StorageFull, StorageReadOnly
from desk.profile import Profile
from desk.settings import ENV_DATABASE_URL, load_settings

__all__ = [
    "ENV_DATABASE_URL",
    "database_url",
    "describe_url",
    "is_sqlite",
    "make_engine",
    "make_sessionmaker",
    "normalise_url",
]

log = logging.getLogger(__name__)

# SQLite primary result codes (the low byte of an extended code).
SQLITE_BUSY, SQLITE_LOCKED, SQLITE_READONLY, SQLITE_IOERR, SQLITE_FULL, SQLITE_CANTOPEN = 5, 6, 8, 10, 13, 14
SQLITE_CORRUPT, SQLITE_NOTADB = 11, 26
# PostgreSQL SQLSTATEs the operator can do something about.
PG_DISK_FULL = {"53100", "53000"}
PG_READ_ONLY = {"25006"}
PG_LOCKED = {"55P03", "57014", "40P01"}


def normalise_url(url: str) -> str:
    """postgresql://… means the psycopg 3 driver (the one the desk ships with)."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def database_url(profile: Profile) -> str:
    """DESK_DATABASE_URL, else settings.toml [database] url, else the profile's SQLite file."""
    url = load_settings(profile).database_url
    return normalise_url(url) if url else f"sqlite:///{profile.database}"


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def describe_url(url: str) -> str:
    """Where the data is, for messages: the file, or the server and database (never the password)."""
    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        return f"数据库文件“{u.database}”"
    return f"共享数据库“{u.database}”（服务器 {u.host or 'localhost'}:{u.port or 5432}）"


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # Let SQLAlchemy, not pysqlite, open transactions, so BEGIN IMMEDIATE below takes effect.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=FULL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


def _sqlite_begin(conn: Any) -> None:
    # IMMEDIATE takes the write lock up front, so two writers wait for each other
    # instead of one failing half-way with "database is locked". A reader thread needs no lock at all.
    conn.exec_driver_sql("BEGIN" if thread_guard.is_reader_thread() else "BEGIN IMMEDIATE")


def _translate_error(ctx: ExceptionContext) -> None:
    """Turn disk-full, read-only and lock errors into sentences; the transaction is rolled back."""
    orig = ctx.original_exception
    url = ctx.engine.url.render_as_string(hide_password=True) if ctx.engine is not None else ""
    where = describe_url(url) if url else "数据库"
    code = getattr(orig, "sqlite_errorcode", None)
    if code is not None:
        primary = int(code) & 0xFF
        if primary == SQLITE_FULL:
            raise StorageFull(
                f"磁盘空间已满，无法写入{where}。本次修改没有保存；请清理磁盘空间后重试。"
            ) from orig
        if primary == SQLITE_READONLY:
            raise StorageReadOnly(
                f"{where}或它所在的文件夹是只读的，无法保存。本次修改没有保存；请检查文件夹的写入权限。"
            ) from orig
        if primary in (SQLITE_BUSY, SQLITE_LOCKED):
            raise DatabaseLocked(
                f"{where}正被另一个程序占用（已等待 10 秒）。本次修改没有保存；请关闭占用它的程序后重试。"
            ) from orig
        if primary == SQLITE_IOERR and "disk" in str(orig).lower() and "full" in str(orig).lower():
            raise StorageFull(f"磁盘空间已满，无法写入{where}。本次修改没有保存。") from orig
        if primary == SQLITE_CANTOPEN:
            raise StorageReadOnly(f"无法打开{where}：文件夹不存在或没有权限。") from orig
        if primary in (SQLITE_CORRUPT, SQLITE_NOTADB):
            # Damage the start-up checks could not see (they read only the header and the schema).
            raise DatabaseUnusable(_damaged_message(url, where, orig)) from orig
        return
    state = getattr(orig, "sqlstate", None)
    if state in PG_DISK_FULL:
        raise StorageFull(f"{where}所在服务器的磁盘已满。本次修改没有保存；请联系管理员。") from orig
    if state in PG_READ_ONLY:
        raise StorageReadOnly(f"{where}当前只读（可能是备用服务器）。本次修改没有保存。") from orig
    if state in PG_LOCKED:
        raise DatabaseLocked(f"{where}中的这条记录正被其他人占用。本次修改没有保存；请稍后重试。") from orig
    is_pg = ctx.dialect is not None and ctx.dialect.name == "postgresql"
    if is_pg and state is None and (ctx.is_disconnect or type(orig).__name__ == "OperationalError"):
        raise DatabaseUnusable(f"无法连接{where}：{connection_problem(orig)}") from orig


def _damaged_message(url: str, where: str, orig: BaseException) -> str:
    text = f"{where}已损坏，这次操作没有完成（SQLite 报告：{orig}）。请关闭工作台，从备份恢复。"
    path = make_url(url).database if url else None
    if not path:
        return text
    # The profile's own database lives at the root of its profile folder.
    return f"{text}\n{restore_advice(Profile(Path(path).parent), damaged=True)}"


def connection_problem(exc: BaseException) -> str:
    """The first line of a driver's connection error, which names host, port and reason."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text.removeprefix("connection failed: ")


def make_engine(url: str) -> Engine:
    url = normalise_url(url)
    if is_sqlite(url):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 10})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
    else:
        # A row lock held by another operator fails after 10 s instead of hanging the window.
        engine = create_engine(
            url,
            pool_pre_ping=True,
            connect_args={"connect_timeout": 10, "options": "-c lock_timeout=10000"},
        )
    event.listen(engine, "handle_error", _translate_error)
    return engine


class _CheckedSessionmaker(sessionmaker[Session]):
    """Every session of the services passes here, so the GUI-thread check (thread_guard) sits here."""

    def __call__(self, **local_kw: Any) -> Session:
        thread_guard.check()
        return super().__call__(**local_kw)


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    # Results outlive the session as DTOs, so nothing needs expiring after commit.
    return _CheckedSessionmaker(engine, expire_on_commit=False)
