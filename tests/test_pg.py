"""Shared PostgreSQL mode: several PCs on one database and one evidence folder, no silent overwrite,
literal search, the same migrations, backup and restore. Needs DESK_TEST_DATABASE_URL
(scripts/pg_test_server.sh starts a local server; .ci/run does it)."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from desk.app import Desk, open_desk
from desk.domain import CaseDraft, CaseType, Platform
from desk.errors import DeskError, EditConflict
from tests.test_backup import png

PG_URL = os.environ.get("DESK_TEST_DATABASE_URL", "")
needs_pg = pytest.mark.skipif(
    not PG_URL, reason="set DESK_TEST_DATABASE_URL (scripts/pg_test_server.sh) to run"
)


def two_pcs(tmp_path: Path) -> tuple[Desk, Desk]:
    """Two operators: separate profile folders, one server database, one shared evidence folder."""
    return open_desk(tmp_path / "pc-a"), open_desk(tmp_path / "pc-b")


@needs_pg
def test_migrations_on_postgresql_match_the_models(tmp_path: Path) -> None:
    from desk.db.migrate import head_revision
    from desk.db.models import Base

    d = open_desk(tmp_path / "p")
    try:
        assert d.engine.dialect.name == "postgresql"
        with d.engine.connect() as conn:
            # pg_trgm search indexes, when the server allows them, are derived data outside the models.
            from desk.db.search_schema import include_object

            ctx = MigrationContext.configure(
                conn, opts={"compare_type": True, "include_object": include_object}
            )
            assert "+".join(sorted(ctx.get_current_heads())) == head_revision()
            assert compare_metadata(ctx, Base.metadata) == []
    finally:
        d.close()


@needs_pg
def test_every_pc_sees_the_same_cases_and_evidence(tmp_path: Path) -> None:
    a, b = two_pcs(tmp_path)
    try:
        case, _ = a.cases.create(
            CaseDraft(
                platform=Platform.PDD, order_no="261120-000000000000123", case_type=CaseType.MISSING_ITEM
            )
        )
        report = a.evidence.import_bytes(case.id, png(42), "仓库称重.png")
        assert report.added
        seen = b.evidence.list(case.id)
        assert [e.original_name for e in seen] == ["仓库称重.png"]
        assert b.evidence.blob_path(seen[0].id).read_bytes() == png(42)
        assert b.cases.get(case.id).order_no == "261120-000000000000123"
    finally:
        a.close()
        b.close()


@needs_pg
def test_a_batch_import_on_the_server_reports_the_rows_every_pc_sees(tmp_path: Path) -> None:
    a, b = two_pcs(tmp_path)
    try:
        case, _ = a.cases.create(CaseDraft(order_no="261120-000000000000456"))
        files = []
        for i in range(20):  # more than one transaction's worth of rows
            f = tmp_path / f"聊天{i:02d}.png"
            f.write_bytes(png(100 + i))
            files.append(f)
        report = a.evidence.import_files(case.id, files)
        assert [e.original_name for e in report.added] == [f.name for f in files]
        seen = b.evidence.list(case.id)
        assert [(e.id, e.original_name, e.position, e.sha256) for e in seen] == [
            (e.id, e.original_name, e.position, e.sha256) for e in report.added
        ]
    finally:
        a.close()
        b.close()


@needs_pg
def test_two_operators_editing_one_case_never_overwrite_silently(tmp_path: Path) -> None:
    a, b = two_pcs(tmp_path)
    try:
        case, _ = a.cases.create(CaseDraft(order_no="261120-000000000000777"))
        loaded_a = a.cases.get(case.id)
        loaded_b = b.cases.get(case.id)
        a.cases.update(case.id, expected_version=loaded_a.version, notes="A 的备注")
        with pytest.raises(EditConflict) as info:
            b.cases.update(case.id, expected_version=loaded_b.version, notes="B 的备注")
        assert "重新载入" in info.value.message
        assert a.cases.get(case.id).notes == "A 的备注"
        # After reloading, B's save goes through.
        fresh = b.cases.get(case.id)
        b.cases.update(case.id, expected_version=fresh.version, notes="B 的备注")
        assert a.cases.get(case.id).notes == "B 的备注"
    finally:
        a.close()
        b.close()


@needs_pg
def test_simultaneous_saves_exactly_one_wins(tmp_path: Path) -> None:
    a, b = two_pcs(tmp_path)
    try:
        case, _ = a.cases.create(CaseDraft(order_no="261120-000000000000888"))
        version = a.cases.get(case.id).version
        start = threading.Barrier(2)
        outcomes: list[str] = []

        def save(d: Desk, text: str) -> None:
            start.wait()
            try:
                d.cases.update(case.id, expected_version=version, notes=text)
                outcomes.append("saved")
            except EditConflict:
                outcomes.append("conflict")

        threads = [threading.Thread(target=save, args=(d, t)) for d, t in ((a, "甲"), (b, "乙"))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(outcomes) == ["conflict", "saved"]
    finally:
        a.close()
        b.close()


@needs_pg
def test_search_is_literal_on_postgresql(tmp_path: Path) -> None:
    d = open_desk(tmp_path / "p")
    try:
        texts = ["100%_off", "a\\b", "'; DROP TABLE cases; --", "普通订单", "退货破损"]
        ids = {}
        for t in texts:
            c, _ = d.cases.create(CaseDraft(order_no="x", buyer_nick=t))
            ids[t] = c.id
        assert d.cases.list_ids("%") == [ids["100%_off"]]
        assert d.cases.list_ids("_") == [ids["100%_off"]]
        assert d.cases.list_ids("\\") == [ids["a\\b"]]
        assert d.cases.list_ids("'; DROP TABLE cases; --") == [ids["'; DROP TABLE cases; --"]]
        assert d.cases.list_ids("破损") == [ids["退货破损"]]
        assert len(d.cases.list_ids()) == len(texts)  # the table is still there
    finally:
        d.close()


@needs_pg
def test_backup_and_restore_on_postgresql(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from desk.backup import backup_profile, restore_backup
    from desk.profile import Profile

    d = open_desk(tmp_path / "p")
    try:
        case, _ = d.cases.create(CaseDraft(order_no="261120-000000000000999", notes="备份前"))
        d.evidence.import_bytes(case.id, png(7), "聊天.png")
        archive = backup_profile(d.profile, tmp_path / "pg.deskbackup").path
        d.cases.update(case.id, notes="备份后改的")
        d.cases.create(CaseDraft(order_no="after"))
        restore_backup(archive, d.profile, before_swap=d.close, safety_backup=False)
    finally:
        d.close()
    d = open_desk(tmp_path / "p")
    try:
        assert [d.cases.get(i).notes for i in d.cases.list_ids()] == ["备份前"]
        # Ids continue after the restored rows (sequences were reset).
        new, _ = d.cases.create(CaseDraft(order_no="next"))
        assert new.id > case.id
    finally:
        d.close()
    # The same archive restores into a plain SQLite profile too.
    monkeypatch.delenv("DESK_DATABASE_URL")
    monkeypatch.delenv("DESK_BLOB_DIR")
    restore_backup(archive, Profile(tmp_path / "local"))
    local = open_desk(tmp_path / "local")
    try:
        (cid,) = local.cases.list_ids()
        assert local.evidence.blob_path(local.evidence.list(cid)[0].id).read_bytes() == png(7)
    finally:
        local.close()


def test_unreachable_server_is_a_plain_message(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DESK_DATABASE_URL", "postgresql://desk:secret@127.0.0.1:1/desk")
    monkeypatch.setenv("DESK_BLOB_DIR", str(tmp_path / "shared"))
    with pytest.raises(DeskError) as info:
        open_desk(tmp_path / "p")
    message = info.value.message
    assert "无法连接" in message and "127.0.0.1" in message
    assert "secret" not in message


def test_shared_database_needs_a_shared_evidence_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DESK_DATABASE_URL", "postgresql://desk:secret@127.0.0.1:1/desk")
    monkeypatch.delenv("DESK_BLOB_DIR", raising=False)
    with pytest.raises(DeskError, match="共享证据文件夹"):
        open_desk(tmp_path / "p")


def test_settings_file_selects_the_shared_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from desk.db.engine import database_url
    from desk.profile import Profile
    from desk.settings import load_settings

    monkeypatch.delenv("DESK_DATABASE_URL", raising=False)
    monkeypatch.delenv("DESK_BLOB_DIR", raising=False)
    root = tmp_path / "p"
    root.mkdir()
    (root / "settings.toml").write_text(
        '[database]\nurl = "postgresql://desk@server/desk"\n[evidence]\nshared_folder = "/mnt/证据"\n',
        encoding="utf-8",
    )
    assert database_url(Profile(root)) == "postgresql+psycopg://desk@server/desk"
    assert load_settings(Profile(root)).shared_blob_dir == Path("/mnt/证据")
    (root / "settings.toml").write_text("[database\n", encoding="utf-8")
    with pytest.raises(DeskError, match=r"settings\.toml"):
        load_settings(Profile(root))


@needs_pg
def test_several_pcs_starting_at_once_on_an_empty_database(tmp_path: Path) -> None:
    opened: list[Desk] = []
    errors: list[BaseException] = []
    start = threading.Barrier(3)

    def boot(i: int) -> None:
        start.wait()
        try:
            opened.append(open_desk(tmp_path / f"pc-{i}"))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=boot, args=(i,)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for d in opened:
        d.close()
    assert errors == [] and len(opened) == 3


@needs_pg
def test_shared_database_is_backed_up_before_an_upgrade(tmp_path: Path) -> None:
    from alembic import command
    from sqlalchemy import create_engine

    from desk.backup import read_manifest
    from desk.db.migrate import alembic_config

    # A server database one revision behind (only the initial schema), holding one case.
    engine = create_engine(PG_URL)
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
        conn.exec_driver_sql(
            "INSERT INTO cases (platform, order_no, after_sales_no, tracking_no, courier, buyer_nick, case_type,"
            " status, description, notes, created_at, updated_at, version) VALUES ('拼多多', 'OLD-1', '', '', '',"
            " '', '漏发少件', '待处理', '', '', now(), now(), 1)"
        )
    engine.dispose()
    from desk.db.migrate import head_revision

    if head_revision() == "0001":
        pytest.skip("only one schema revision exists: nothing to upgrade")
    d = open_desk(tmp_path / "p")
    try:
        assert [d.cases.get(i).order_no for i in d.cases.list_ids()] == ["OLD-1"]
    finally:
        d.close()
    (archive,) = (tmp_path / "p" / "backups").glob("before-upgrade-0001-*.deskbackup")
    manifest = read_manifest(archive)
    assert manifest.schema_revision == "0001" and manifest.counts["cases"] == 1
