"""Migrations: empty → head equals the models, older databases are backed up, newer ones refused."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine

from desk.app import open_desk
from desk.db.engine import make_engine
from desk.db.migrate import head_revision, upgrade
from desk.db.models import Base
from desk.db.search_schema import include_object
from desk.errors import DatabaseTooNew, DatabaseUnusable
from desk.labels import appeal_kind_label


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.sqlite_only  # a SQLite file of its own; tests/test_pg.py checks the same on PostgreSQL
def test_empty_to_head_matches_models(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'x.sqlite3'}")
    upgrade(engine)
    with engine.connect() as conn:
        # The search index (FTS5 tables, their shadow tables, triggers) is derived data outside the models.
        ctx = MigrationContext.configure(conn, opts={"compare_type": True, "include_object": include_object})
        diff = compare_metadata(ctx, Base.metadata)
        assert "+".join(sorted(ctx.get_current_heads())) == head_revision()
    assert diff == []


@pytest.mark.sqlite_only  # compares two SQLite files
def test_migrated_schema_has_every_table_and_index(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'x.sqlite3'}")
    upgrade(engine)
    created = create_engine(f"sqlite:///{tmp_path / 'y.sqlite3'}")
    Base.metadata.create_all(created)

    def schema(path: Path) -> set[tuple[str, str]]:
        con = sqlite3.connect(path)
        rows = con.execute(
            "SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' AND name != 'alembic_version'"
        ).fetchall()
        con.close()
        return set(rows)

    assert schema(tmp_path / "x.sqlite3") == schema(tmp_path / "y.sqlite3")


@pytest.mark.sqlite_only
def test_pragmas_durable(desk) -> None:  # type: ignore[no-untyped-def]
    with desk.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL


@pytest.mark.sqlite_only
def test_newer_database_refused_untouched(tmp_path: Path) -> None:
    d = open_desk(tmp_path / "p")
    d.close()
    db = tmp_path / "p" / "desk.sqlite3"
    con = sqlite3.connect(db)
    con.execute("DELETE FROM alembic_version")  # one row per head; parallel branches may exist
    con.execute("INSERT INTO alembic_version VALUES ('9999_future')")
    con.commit()
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    before = _sha(db)
    with pytest.raises(DatabaseTooNew) as info:
        open_desk(tmp_path / "p")
    assert "更新版本" in info.value.message
    assert _sha(db) == before


@pytest.mark.sqlite_only
def test_older_database_backed_up_before_upgrade(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from desk import opening
    from desk.db import migrate

    d = open_desk(tmp_path / "p")
    d.shops.create("老店", "拼多多")
    d.close()
    current = head_revision()
    # Make this desk's code one revision ahead of the file, as after an upgrade of the software.
    monkeypatch.setattr(migrate, "head_revision", lambda: "0002_next")
    monkeypatch.setattr(migrate, "known_revisions", lambda: {*current.split("+"), "0002_next"})
    assert opening.check_and_backup(migrate.Profile(tmp_path / "p")) == current
    backups = list((tmp_path / "p" / "backups").glob(f"before-upgrade-{current}-*.deskbackup"))
    assert len(backups) == 1
    # The automatic backup is a full, verified archive (docs/backup.md) holding the old database.
    import tarfile

    with tarfile.open(backups[0]) as tar:
        tar.extract("database.sqlite3", tmp_path / "x", filter="data")
    con = sqlite3.connect(tmp_path / "x" / "database.sqlite3")
    assert con.execute("SELECT name FROM shops").fetchall() == [("老店",)]
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    con.close()


@pytest.mark.sqlite_only
@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"this is not a database at all, just text" * 10, "不是"),
        (b"SQLite format 3\x00" + b"\xff" * 2000, "损坏"),
    ],
)
def test_bad_database_refused_untouched(tmp_path: Path, content: bytes, reason: str) -> None:
    root = tmp_path / "p"
    root.mkdir()
    db = root / "desk.sqlite3"
    db.write_bytes(content)
    with pytest.raises(DatabaseUnusable) as info:
        open_desk(root)
    assert reason in info.value.message
    assert db.read_bytes() == content


@pytest.mark.sqlite_only
def test_foreign_database_refused(tmp_path: Path) -> None:
    root = tmp_path / "p"
    root.mkdir()
    con = sqlite3.connect(root / "desk.sqlite3")
    con.execute("CREATE TABLE other (x)")
    con.commit()
    con.close()
    before = _sha(root / "desk.sqlite3")
    with pytest.raises(DatabaseUnusable):
        open_desk(root)
    assert _sha(root / "desk.sqlite3") == before


@pytest.mark.sqlite_only
def test_packet_kind_migration_keeps_the_history_of_older_packets(tmp_path: Path) -> None:
    """0007 moves the appeal type of packets made before it from their timeline entry into its column."""
    from datetime import UTC, datetime

    from alembic import command

    from desk.db.migrate import alembic_config
    from desk.domain import CaseDraft, CaseType

    root = tmp_path / "p"
    d = open_desk(root)
    case, _ = d.cases.create(CaseDraft(order_no="261120-583920174650321", case_type=CaseType.MISSING_ITEM))
    when = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
    d.packets.build(case.id, tmp_path / "a.pdf", kind="freight", generated_at=when)
    d.packets.build(case.id, tmp_path / "b.pdf", generated_at=when)
    d.close()
    # Back to the schema before the column, as a desk of the previous version left it.
    engine = make_engine(f"sqlite:///{root / 'desk.sqlite3'}")
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0006_merge")
    engine.dispose()
    con = sqlite3.connect(root / "desk.sqlite3")
    assert "kind" not in [r[1] for r in con.execute("PRAGMA table_info(packets)")]
    con.close()
    d = open_desk(root)  # upgrades (after a backup)
    try:
        kinds = [p.kind for p in d.packets.history(case.id)]
    finally:
        d.close()
    # Newest first: the generic one, then the freight appeal; kept as keys, read as words.
    assert kinds == ["", "freight"]
    assert [appeal_kind_label(k) for k in kinds] == ["通用申诉", "维权申诉 · 运费申诉"]
    assert list((root / "backups").glob("before-upgrade-*.deskbackup"))


@pytest.mark.sqlite_only
def test_case_script_fields_migration_keeps_existing_cases(tmp_path: Path) -> None:
    """0012 adds 补发单号 and 协商补偿金额 to a database of the previous head: its cases stay as they were,
    the new fields start empty, can be written, and the search index still follows the cases."""
    from decimal import Decimal

    from alembic import command

    from desk.db.migrate import alembic_config
    from desk.domain import CaseDraft, CaseType

    root = tmp_path / "p"
    d = open_desk(root)
    case, _ = d.cases.create(
        CaseDraft(
            order_no="261120-583920174650321",
            case_type=CaseType.QUALITY,
            refund_amount=Decimal("29.90"),
            compensation_paid=Decimal("5.00"),
            description="灯罩有裂痕",
        )
    )
    d.close()
    engine = make_engine(f"sqlite:///{root / 'desk.sqlite3'}")
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0011_platform_overrides")
    engine.dispose()
    con = sqlite3.connect(root / "desk.sqlite3")
    columns = [r[1] for r in con.execute("PRAGMA table_info(cases)")]
    con.close()
    assert "reship_tracking_no" not in columns and "agreed_compensation" not in columns
    d = open_desk(root)  # upgrades (after a backup)
    try:
        again = d.cases.get(case.id)
        assert (again.order_no, again.refund_amount, again.compensation_paid, again.description) == (
            "261120-583920174650321",
            Decimal("29.90"),
            Decimal("5.00"),
            "灯罩有裂痕",
        )
        assert (again.reship_tracking_no, again.agreed_compensation) == ("", None)
        d.cases.update(
            case.id, reship_tracking_no="SF1234567890", agreed_compensation="12.50", notes="补发了"
        )
        after = d.cases.get(case.id)
        assert (after.reship_tracking_no, after.agreed_compensation) == ("SF1234567890", Decimal("12.50"))
        assert after.net_cost == Decimal("5.00")  # agreed is not a cost
        assert d.cases.search("补发了").ids == frozenset({case.id})  # triggers survived the upgrade
    finally:
        d.close()
    assert list((root / "backups").glob("before-upgrade-0011_platform_overrides-*.deskbackup"))
