"""Bring a profile's database to the current schema and refuse newer ones.

Whether to back up before an upgrade is decided by the code that opens a profile (desk/opening.py):
storage knows revisions, not backups.
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect

from desk.db.guard import SQLITE_MAGIC as SQLITE_MAGIC  # restore checks archives' databases with it
from desk.db.guard import check_database_file, refuse_if_earlier_desk, sqlite_problem, unusable
from desk.errors import DatabaseTooNew
from desk.profile import Profile

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


def head_revisions() -> set[str]:
    """Every head: parallel feature branches are allowed until a merge revision joins them."""
    return set(ScriptDirectory.from_config(alembic_config()).get_heads())


def head_revision() -> str:
    """The revisions a current database is stamped with, as one sortable string."""
    return "+".join(sorted(head_revisions()))


def known_revisions() -> set[str]:
    script = ScriptDirectory.from_config(alembic_config())
    return {rev.revision for rev in script.walk_revisions()}


def _sqlite_revision_readonly(profile: Profile) -> str | None:
    """The file's Alembic revision(s) joined by "+", read without writing a byte to it.

    None: a SQLite file without tables (or without a version row), which only a new desk may take.
    """
    path = profile.database
    try:
        con = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
        try:
            tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            if "alembic_version" not in tables:
                if tables:
                    raise unusable(
                        profile, "不是售后申诉工作台的数据库（缺少版本记录），可能是别的程序的数据库"
                    )
                return None
            rows = con.execute("SELECT version_num FROM alembic_version").fetchall()
            return "+".join(sorted(r[0] for r in rows)) if rows else None
        finally:
            con.close()
    except sqlite3.Error as exc:
        log.error("reading the schema version of %s failed", path, exc_info=True)
        raise sqlite_problem(profile, exc) from exc


def check_database(profile: Profile) -> str | None:
    """Refuse a database from a newer desk. Returns its revision (None = a new profile).

    A missing, empty or table-less file is "new" only in a folder without an earlier desk's data
    (desk/db/guard.py); a hot journal is rolled back first, so the file is read as last committed.
    """
    path = profile.database
    if not check_database_file(profile):
        return None
    revision = _sqlite_revision_readonly(profile)
    if revision is None:
        # The database's own -wal/-journal were applied or rolled back on the way here: not evidence.
        refuse_if_earlier_desk(profile, "是一个空数据库（里面没有任何表）", own_journals=False)
        return None
    unknown = set(revision.split("+")) - known_revisions()
    if unknown:
        raise DatabaseTooNew(
            f"数据库“{path}”由更新版本的售后申诉工作台创建（架构版本 {revision}），"
            "当前版本无法打开。请升级软件后再打开；数据库文件已保持原样，未作任何修改。"
        )
    return revision


def server_revision_to_upgrade(engine: Engine) -> str | None:
    """A shared database's revision when an upgrade is pending, else None."""
    revision = current_revision(engine)
    if not revision or revision == head_revision():
        return None
    return revision


def upgrade(engine: Engine) -> None:
    """Apply every pending migration in one transaction on the given engine."""
    cfg = alembic_config()
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # Several PCs may start at once on a shared database: one migrates, the others wait.
            conn.exec_driver_sql("SELECT pg_advisory_xact_lock(804580)")
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "heads")


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        heads = MigrationContext.configure(conn).get_current_heads()
    return "+".join(sorted(heads)) if heads else None


def check_server_revision(engine: Engine) -> None:
    """For a shared server database: refuse one that a newer desk already upgraded."""
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return
        revs = set(MigrationContext.configure(conn).get_current_heads())
    rev = "+".join(sorted(revs))
    if revs - known_revisions():
        raise DatabaseTooNew(
            f"共享数据库由更新版本的售后申诉工作台升级过（架构版本 {rev}），请先升级本机软件。"
        )
