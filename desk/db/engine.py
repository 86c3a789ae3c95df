"""The SQLAlchemy engine with the pragmas that keep a SQLite desk durable."""

from __future__ import annotations

import os
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from desk.profile import Profile

ENV_DATABASE_URL = "DESK_DATABASE_URL"


def database_url(profile: Profile) -> str:
    return os.environ.get(ENV_DATABASE_URL) or f"sqlite:///{profile.database}"


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
    # instead of one failing half-way with "database is locked".
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 10})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True)


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    # Results outlive the session as DTOs, so nothing needs expiring after commit.
    return sessionmaker(engine, expire_on_commit=False)
