"""Check data (工具 ▸ 检查数据): finds what an operator would lose, repairs only what is safe, twice is a no-op."""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from desk.app import Desk, open_desk
from desk.check import GRACE_SECONDS, check_profile, repair_profile
from tests.test_backup import fill, png

pytestmark = pytest.mark.sqlite_only


@pytest.fixture
def filled(tmp_path: Path) -> Iterator[Desk]:
    d = open_desk(tmp_path / "p")
    fill(d, cases=3, per_case=2)
    try:
        yield d
    finally:
        d.close()


def blobs(d: Desk) -> list[Path]:
    return sorted((d.profile.evidence_dir / "blobs").glob("??/??/*"))


def age(path: Path, seconds: float = GRACE_SECONDS + 60) -> None:
    old = time.time() - seconds
    os.utime(path, (old, old))


def test_healthy_profile_is_clean(filled: Desk) -> None:
    report = check_profile(filled)
    assert report.clean, report.text()
    assert report.stats["evidence"] == 9 and report.stats["blobs_checked"] == len(blobs(filled))
    assert "没有发现任何问题" in report.text()


def test_missing_and_damaged_originals_are_named(filled: Desk) -> None:
    gone, rotten = blobs(filled)[:2]
    gone.unlink()
    rotten.chmod(0o644)
    rotten.write_bytes(b"x" + rotten.read_bytes()[1:])
    report = check_profile(filled)
    codes = {f.code for f in report.errors}
    assert codes == {"blob-missing", "blob-damaged"}
    text = report.text()
    assert "不见了" in text and "已损坏" in text and "售后 #" in text
    # No safe automatic repair exists for lost originals: nothing is offered, nothing deleted.
    assert not [f for f in report.errors if f.repair]
    rows = sum(len(filled.evidence.list(c)) for c in filled.cases.list_ids())
    repair_profile(filled, report)
    assert sum(len(filled.evidence.list(c)) for c in filled.cases.list_ids()) == rows


def test_quick_check_notices_a_size_change_without_hashing(filled: Desk) -> None:
    blob = blobs(filled)[0]
    blob.chmod(0o644)
    blob.write_bytes(blob.read_bytes() + b"tail")
    report = check_profile(filled, verify_hashes=False)
    assert [f.code for f in report.errors] == ["blob-damaged"]
    assert "大小不符" in report.text()


def test_orphans_and_leftovers_are_repaired_once(filled: Desk) -> None:
    store = filled.evidence._store  # type: ignore[attr-defined]
    staged = store.stage_bytes(png(123456))
    store.commit(staged)  # a blob whose row never committed (a crash in between)
    orphan = store.path_for(staged.sha256)
    young = store.stage_bytes(png(654321))
    store.commit(young)
    leftover = filled.profile.evidence_tmp / "blob-x.tmp"
    leftover.write_bytes(b"half")
    partial = filled.profile.packets_dir / "case-1" / "a.pdf.partial"
    partial.parent.mkdir(parents=True)
    partial.write_bytes(b"%PDF-half")
    for p in (orphan, leftover, partial):
        age(p)
    report = check_profile(filled)
    assert not report.errors
    assert {f.code for f in report.warnings} == {"blob-orphan", "leftovers"}
    assert "没有被任何证据使用" in report.text() and "可自动修复" in report.text()
    done = repair_profile(filled, report)
    assert any("已删除 1 个没有被使用的原始文件" in d for d in done), done
    assert not orphan.exists() and not leftover.exists() and not partial.exists()
    # The young orphan may belong to an import committing right now: kept for now.
    assert store.path_for(young.sha256).exists()
    again = check_profile(filled)
    assert {f.code for f in again.findings} == {"blob-orphan"}
    assert again.orphan_blobs == (young.sha256,)
    assert repair_profile(filled, again) == ["已删除 0 个没有被使用的原始文件（1 个较新的暂时保留）"]
    assert all(len(filled.evidence.list(c)) for c in filled.cases.list_ids())


def test_foreign_key_damage_is_reported(filled: Desk) -> None:
    con = sqlite3.connect(filled.profile.database)
    con.execute("PRAGMA foreign_keys=OFF")
    con.execute("DELETE FROM cases WHERE id = (SELECT min(id) FROM cases)")
    con.commit()
    con.close()
    report = check_profile(filled)
    assert "db-foreign-keys" in {f.code for f in report.errors}
    assert "外键" in report.text()


def test_search_index_mismatch_is_rebuilt(filled: Desk) -> None:
    # An FTS5 index over the cases table, as the search feature keeps one, then let it drift.
    with filled.engine.begin() as conn:
        conn.exec_driver_sql(
            "CREATE VIRTUAL TABLE check_fts USING fts5(order_no, content='cases', content_rowid='id')"
        )
        conn.exec_driver_sql("INSERT INTO check_fts(check_fts) VALUES('rebuild')")
    assert check_profile(filled, verify_hashes=False).clean
    with filled.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE cases SET order_no = 'changed-behind-the-index'")
    report = check_profile(filled, verify_hashes=False)
    assert [f.code for f in report.findings] == ["search-index"]
    assert "搜索索引" in report.text()
    assert repair_profile(filled, report) == ["已重建搜索索引“check_fts”"]
    assert check_profile(filled, verify_hashes=False).clean


def test_cli_check_exit_codes(filled: Desk) -> None:
    from tests.test_cli import run

    root = filled.profile.root
    ok = run(root, "check")
    assert "没有发现任何问题" in ok.stdout
    blobs(filled)[0].unlink()
    bad = run(root, "check", check=False)
    assert bad.returncode == 1
    assert "不见了" in bad.stdout and "Traceback" not in bad.stderr


# -- a database that lost its rows beside a full evidence store ------------------------------------------


def _empty_the_database(d: Desk) -> None:
    """What an empty database put in place of the real one looks like to Check data."""
    with d.engine.begin() as conn:
        for table in ("evidence", "events", "packets", "cases"):
            conn.exec_driver_sql(f"DELETE FROM {table}")


def _originals_anywhere(root: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in root.rglob("*") if p.is_file() and len(p.name) == 64}


def test_an_emptied_database_is_called_missing_data_not_unused_originals(filled: Desk) -> None:
    root = filled.profile.root
    originals = _originals_anywhere(root / "evidence")
    assert len(originals) == 7
    _empty_the_database(filled)
    for p in blobs(filled):
        age(p)
    report = check_profile(filled)
    codes = {f.code for f in report.findings}
    assert "db-missing-data" in codes and "blob-orphan" not in codes, report.text()
    text = report.text()
    assert "数据库似乎缺少数据" in text and "删除这些文件" not in text, text
    assert "备份" in text and "工具 ▸ 恢复" in text
    done = repair_profile(filled, report)
    assert done and all("已删除" not in line for line in done), done
    assert any("移到" in line for line in done), done
    # Nothing was deleted: every original is still in the evidence folder, byte for byte.
    assert _originals_anywhere(root / "evidence") == originals
    again = check_profile(filled)
    assert "db-missing-data" not in {f.code for f in again.findings}, again.text()
    assert all("已删除" not in line for line in repair_profile(filled, again))


def test_a_database_far_smaller_than_the_store_keeps_every_original(filled: Desk) -> None:
    root = filled.profile.root
    originals = _originals_anywhere(root / "evidence")
    with filled.engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM evidence WHERE case_id <> (SELECT min(id) FROM cases)")
    for p in blobs(filled):
        age(p)
    report = check_profile(filled)
    assert "db-missing-data" in {f.code for f in report.errors}, report.text()
    repair_profile(filled, report)
    assert _originals_anywhere(root / "evidence") == originals


def test_cli_check_repair_on_an_emptied_database_deletes_nothing(filled: Desk) -> None:
    from tests.test_cli import run

    root = filled.profile.root
    originals = _originals_anywhere(root / "evidence")
    _empty_the_database(filled)
    for p in blobs(filled):
        age(p)
    filled.close()
    plain = run(root, "check", check=False)
    assert plain.returncode == 1 and "数据库似乎缺少数据" in plain.stdout, plain.stdout + plain.stderr
    assert "删除这些文件" not in plain.stdout
    fixed = run(root, "check", "--repair", check=False)
    assert "已删除" not in fixed.stdout and "移到" in fixed.stdout, fixed.stdout + fixed.stderr
    assert _originals_anywhere(root / "evidence") == originals


def test_originals_an_undo_step_can_bring_back_are_not_unused(filled: Desk) -> None:
    # Removing every photo of every case is one undoable step: its originals are held, not left over, so the
    # check neither calls the database "missing data" nor offers to delete or move them.
    from desk.services.undo import UndoService

    items = [e for c in filled.cases.list_ids() for e in filled.evidence.list(c)]
    filled.evidence.remove_many([e.id for e in items])
    for p in blobs(filled):
        age(p)
    report = check_profile(filled)
    assert not report.errors, report.text()
    assert "blob-orphan" not in {f.code for f in report.findings}, report.text()
    before = {p.name for p in blobs(filled)}
    repair_profile(filled, report)
    assert {p.name for p in blobs(filled)} == before
    UndoService.for_desk(filled).undo()
    assert sum(len(filled.evidence.list(c)) for c in filled.cases.list_ids()) == len(items)
