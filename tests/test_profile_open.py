"""Opening a profile whose database is missing, empty, cut short, unreadable or was killed mid-write.

SQLite opens a missing or 0-byte file as a valid empty database. The desk must never turn that into a new,
empty desk beside an earlier desk's evidence (Check data would then call every original unused), must never
lose an original, and must say which file is wrong, why, and where the backups are.
"""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desk.app import open_desk
from desk.backup import run_daily_backup
from desk.check import check_profile
from desk.domain import CaseId
from desk.errors import DatabaseUnusable, DeskError
from desk.profile import Profile
from tests.reliability.oracles import blob_map, db_dump, sha_file
from tests.test_backup import fill, png

pytestmark = pytest.mark.sqlite_only

REPO = Path(__file__).resolve().parents[1]
DB = "desk.sqlite3"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A closed profile with cases, evidence and one automatic backup."""
    root = tmp_path_factory.mktemp("template") / "p"
    d = open_desk(root)
    try:
        fill(d, cases=2, per_case=2)
    finally:
        d.close()
    assert run_daily_backup(Profile(root)) is not None
    con = sqlite3.connect(root / DB)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    assert not (root / f"{DB}-wal").exists()  # closed cleanly: everything is in the main file
    return root


def clone(template: Path, dest: Path) -> Path:
    shutil.copytree(template, dest)
    return dest


def all_files(root: Path) -> dict[str, str]:
    """Every file under root except the log and the lock, which any start touches."""
    return {
        p.relative_to(root).as_posix(): sha_file(p)
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != "desk.lock" and "logs" not in p.relative_to(root).parts
    }


# -- ways the database file goes wrong -------------------------------------------------------------------


def _missing(db: Path) -> None:
    db.unlink()


def _zero_bytes(db: Path) -> None:
    db.write_bytes(b"")


def _truncated(db: Path) -> None:
    data = db.read_bytes()
    db.write_bytes(data[: len(data) // 2])


def _header_only(db: Path) -> None:
    db.write_bytes(db.read_bytes()[:60])


def _garbage_header(db: Path) -> None:
    data = db.read_bytes()
    db.write_bytes(os.urandom(100) + data[100:])


def _zero_filled(db: Path) -> None:
    db.write_bytes(bytes(db.stat().st_size))


def _no_tables(db: Path) -> None:
    db.unlink()
    con = sqlite3.connect(db)
    con.execute("PRAGMA user_version = 0")
    con.execute("VACUUM")  # writes the header: a valid SQLite file with no tables at all
    con.close()


BREAKERS: dict[str, tuple[Callable[[Path], None], str]] = {
    "missing": (_missing, "不见了"),
    "zero-bytes": (_zero_bytes, "0 字节"),
    "truncated": (_truncated, "不完整"),
    "header-only": (_header_only, "不完整"),
    "garbage-header": (_garbage_header, "不是售后申诉工作台的数据库"),
    "zero-filled": (_zero_filled, "全是 0"),
    "no-tables": (_no_tables, "没有任何表"),
}


def assert_refusal_names_the_way_back(message: str, root: Path) -> None:
    assert str(root / DB) in message, message
    assert str(root / "backups") in message and "auto-" in message, message  # where the backups are
    assert "restore" in message, message
    assert "Traceback" not in message


@pytest.mark.parametrize("how", list(BREAKERS))
def test_a_broken_database_beside_evidence_is_refused_and_nothing_is_touched(
    template: Path, tmp_path: Path, how: str
) -> None:
    root = clone(template, tmp_path / "p")
    breaker, reason = BREAKERS[how]
    breaker(root / DB)
    before = all_files(root)
    blobs = blob_map(root)
    assert blobs and all(name == sha for name, sha in blobs.items())
    with pytest.raises(DatabaseUnusable) as info:
        open_desk(root)
    assert reason in info.value.message, info.value.message
    assert_refusal_names_the_way_back(info.value.message, root)
    assert all_files(root) == before  # no new database, no changed byte, every original still there
    assert blob_map(root) == blobs


def test_the_cli_refuses_with_the_message_and_a_non_zero_exit(template: Path, tmp_path: Path) -> None:
    root = clone(template, tmp_path / "p")
    (root / DB).unlink()
    blobs = blob_map(root)
    for args in (["check"], ["check", "--repair"], ["cases"]):
        proc = subprocess.run(
            [sys.executable, "-m", "desk", "--profile", str(root), *args],
            capture_output=True,
            text=True,
            cwd=REPO,
            env={**os.environ, "PYTHONPATH": str(REPO)},
            timeout=120,
        )
        assert proc.returncode == 2, proc.stdout + proc.stderr
        assert "不见了" in proc.stderr and "Traceback" not in proc.stderr
        assert_refusal_names_the_way_back(proc.stderr, root)
        assert not (root / DB).exists()
        assert blob_map(root) == blobs


@pytest.mark.parametrize(
    "marker",
    ["wal", "shm", "journal", "backup", "thumbnail", "packet", "platform", "retired"],
)
def test_traces_of_an_earlier_desk_also_count(template: Path, tmp_path: Path, marker: str) -> None:
    """No originals, but other things only a desk that had a database leaves behind."""
    root = tmp_path / "p"
    root.mkdir()
    if marker in ("wal", "shm"):
        (root / f"{DB}-{marker}").write_bytes(b"\0" * 32)
    elif marker == "journal":
        # A rollback journal whose header records a database of 5 pages: that database existed.
        header = bytes.fromhex("d9d505f920a163d7") + (0).to_bytes(4, "big") * 2 + (5).to_bytes(4, "big")
        (root / f"{DB}-journal").write_bytes(header + bytes(512 - len(header)))
    elif marker == "backup":
        (root / "backups").mkdir()
        src = next((template / "backups").glob("auto-*"))
        shutil.copy(src, root / "backups" / src.name)
    elif marker == "thumbnail":
        (root / "cache" / "thumbnails" / "ab").mkdir(parents=True)
        (root / "cache" / "thumbnails" / "ab" / f"{'ab' * 32}-256.jpg").write_bytes(b"\xff\xd8")
    elif marker == "packet":
        (root / "packets" / "case-1").mkdir(parents=True)
        (root / "packets" / "case-1" / "申诉材料-1.pdf").write_bytes(b"%PDF-1.4")
    elif marker == "platform":
        (root / "platforms").mkdir()
        (root / "platforms" / "pdd.toml").write_text("[limits]\n", encoding="utf-8")
    elif marker == "retired":
        (root / "evidence" / "blobs" / ".retired").mkdir(parents=True)
        (root / "evidence" / "blobs" / ".retired" / ("cd" * 32)).write_bytes(b"x")
    before = all_files(root)
    with pytest.raises(DatabaseUnusable) as info:
        open_desk(root)
    assert str(root / DB) in info.value.message and "没有打开" in info.value.message
    assert all_files(root) == before


@pytest.mark.parametrize(
    "state", ["new-folder", "empty-folder", "zero-byte-db", "settings-only", "stale-journal"]
)
def test_a_truly_new_profile_still_opens(tmp_path: Path, state: str) -> None:
    root = tmp_path / "p"
    if state != "new-folder":
        root.mkdir()
    if state == "zero-byte-db":
        (root / DB).write_bytes(b"")
    elif state == "settings-only":
        # Written by IT before the first start: it says how to run, not that a desk lived here.
        (root / "settings.toml").write_text("[backup]\nkeep_daily = 3\n", encoding="utf-8")
    elif state == "stale-journal":
        # A crash while the very first page was being written: the journal holds no page of old data.
        (root / DB).write_bytes(b"")
        header = bytes.fromhex("d9d505f920a163d7") + bytes(12)
        (root / f"{DB}-journal").write_bytes(header + bytes(512 - len(header)))
    d = open_desk(root)
    try:
        assert d.cases.list_ids() == []
    finally:
        d.close()
    assert (root / DB).stat().st_size > 0


# -- a database killed in the middle of a write (rollback-journal mode) -----------------------------------

CHILD = r"""
import os, signal, sqlite3, sys
con = sqlite3.connect(sys.argv[1], isolation_level=None)
con.execute("PRAGMA cache_size = 10")  # a tiny cache: the changes spill into the file before COMMIT
con.execute("BEGIN IMMEDIATE")
con.execute("UPDATE cases SET description = 'half-written ' || id")
con.execute("CREATE TABLE junk (x BLOB)")
for _ in range(3000):
    con.execute("INSERT INTO junk VALUES (randomblob(900))")
print("SPILLED", flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


def leave_hot_journal(db: Path) -> None:
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA journal_mode = DELETE").fetchone()[0] == "delete"
    con.close()
    size = db.stat().st_size
    proc = subprocess.run([sys.executable, "-c", CHILD, str(db)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == -signal.SIGKILL and "SPILLED" in proc.stdout, proc.stderr
    journal = db.with_name(db.name + "-journal")
    assert journal.stat().st_size > 0 and db.stat().st_size > size  # the file really holds half a write
    with pytest.raises(sqlite3.OperationalError):  # what a read-only look sees: it cannot roll back
        ro = sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True)
        try:
            ro.execute("SELECT count(*) FROM cases").fetchone()
        finally:
            ro.close()


def test_a_hot_journal_is_rolled_back_not_called_damaged(template: Path, tmp_path: Path) -> None:
    root = clone(template, tmp_path / "p")
    db = root / DB
    before = db_dump(db)
    blobs = blob_map(root)
    leave_hot_journal(db)
    d = open_desk(root)  # before the fix: "数据库文件 … 已损坏"
    try:
        report = check_profile(d)
        assert report.clean, report.text()
        with d.engine.connect() as conn:
            assert (
                conn.exec_driver_sql("SELECT count(*) FROM sqlite_master WHERE name = 'junk'").scalar() == 0
            )
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    finally:
        d.close()
    assert db_dump(db) == before  # exactly the last committed state
    assert not db.with_name(DB + "-journal").exists()
    assert blob_map(root) == blobs


def test_a_hot_journal_that_cannot_be_rolled_back_is_described_not_called_damaged(
    template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = clone(template, tmp_path / "p")
    leave_hot_journal(root / DB)
    before = all_files(root)
    real = sqlite3.connect

    def read_only(target: str, **kw: Any) -> sqlite3.Connection:
        # What a read-only folder or file gives: SQLite may read, but not undo the journal.
        return real(str(target).replace("mode=rw", "mode=ro"), **kw)

    monkeypatch.setattr(sqlite3, "connect", read_only)
    with pytest.raises(DeskError) as info:
        open_desk(root)
    monkeypatch.undo()
    message = info.value.message
    assert "损坏" not in message and "只读" in message and "没有完成的写入" in message, message
    assert all_files(root) == before


@pytest.mark.parametrize("where", ["every-page", "cases-table"])
def test_a_damaged_database_names_the_file_and_the_backups(
    template: Path, tmp_path: Path, where: str
) -> None:
    root = clone(template, tmp_path / "p")
    db = root / DB
    con = sqlite3.connect(db)
    cases_root = con.execute("SELECT rootpage FROM sqlite_master WHERE name = 'cases'").fetchone()[0]
    con.close()
    data = bytearray(db.read_bytes())
    page = int.from_bytes(data[16:18], "big")
    # Page 1 (header and schema) stays; the rest, or only the case table, becomes rubbish.
    damaged = range(1, len(data) // page) if where == "every-page" else [cases_root - 1]
    for n in damaged:
        data[n * page : (n + 1) * page] = b"\xff" * page
    db.write_bytes(bytes(data))
    try:
        d = open_desk(root)
    except DatabaseUnusable as exc:
        assert where == "every-page"
        message = exc.message
    else:
        try:
            with pytest.raises(DatabaseUnusable) as info:  # before the fix: an unexpected-error dialog
                d.cases.get(CaseId(1))
            message = info.value.message
        finally:
            d.close()
    assert "损坏" in message and str(db) in message and str(root / "backups") in message, message
    assert "auto-" in message and "restore" in message


# -- generated profile states --------------------------------------------------------------------------

DB_STATES = ["valid", "missing", "zero-bytes", "truncated", "garbage-header", "zero-filled", "no-tables"]
EMPTY_IS_NEW = {"missing", "zero-bytes", "no-tables"}  # what an untouched new folder may look like


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    db_state=st.sampled_from(DB_STATES),
    keep_blobs=st.booleans(),
    keep_backups=st.booleans(),
    keep_cache=st.booleans(),
)
def test_generated_profile_states_never_lose_an_original(
    template: Path, db_state: str, keep_blobs: bool, keep_backups: bool, keep_cache: bool
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = clone(template, Path(tmp) / "p")
        if not keep_blobs:
            shutil.rmtree(root / "evidence" / "blobs")
        if not keep_backups:
            shutil.rmtree(root / "backups")
        if not keep_cache:
            shutil.rmtree(root / "cache", ignore_errors=True)
            shutil.rmtree(root / "packets", ignore_errors=True)
        if db_state != "valid":
            BREAKERS[db_state][0](root / DB)
        blobs = blob_map(root)
        earlier = keep_blobs or keep_backups or (keep_cache and any((root / "cache").rglob("*.jpg")))
        expect_open = db_state == "valid" or (db_state in EMPTY_IS_NEW and not earlier)
        outcome: Any
        try:
            d = open_desk(root)
        except DatabaseUnusable as exc:
            outcome = exc.message
        else:
            d.close()
            outcome = None
        if expect_open:
            assert outcome is None, outcome
        else:
            assert outcome is not None and str(root / DB) in outcome
            if db_state in EMPTY_IS_NEW:
                assert "没有打开" in outcome
            if keep_backups:
                assert "auto-" in outcome
        assert blob_map(root) == blobs


# -- the way back the messages point to ------------------------------------------------------------------


def _cli(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "desk", "--profile", str(root), *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        timeout=180,
    )


@pytest.mark.parametrize("how", ["missing", "zero-filled"])
def test_following_the_message_brings_the_desk_back(template: Path, tmp_path: Path, how: str) -> None:
    root = clone(template, tmp_path / "p")
    cases = db_dump(root / DB)["cases"]
    breaker, _reason = BREAKERS[how]
    breaker(root / DB)
    damaged = (root / DB).read_bytes() if how != "missing" else None
    with pytest.raises(DatabaseUnusable) as info:
        open_desk(root)
    message = info.value.message
    latest = next((root / "backups").glob("auto-*"))
    assert f'restore "{latest}"' in message
    # Nothing to do by hand first: no renaming, no copying of evidence/blobs.
    assert ".damaged" not in message and "复制到别处" not in message, message
    assert str(root / "evidence" / "set-aside") in message, message
    proc = _cli(root, "restore", str(latest))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    d = open_desk(root)
    d.close()
    assert db_dump(root / DB)["cases"] == cases
    kept = list((root / "evidence" / "set-aside").glob(f"before-restore-*/{DB}"))
    if damaged is not None:
        # The unreadable file could not be backed up: the restore kept it, byte for byte, for a rescue.
        assert [p.read_bytes() for p in kept] == [damaged]
        assert "原样保留" in proc.stderr and DB in proc.stderr, proc.stderr
    else:
        assert kept == []


def test_restoring_after_a_lost_database_keeps_originals_the_backup_lacks(
    template: Path, tmp_path: Path
) -> None:
    root = clone(template, tmp_path / "p")
    d = open_desk(root)
    try:
        case = d.cases.list_ids()[0]
        assert d.evidence.import_bytes(case, png(20261204), "备份之后导入.png").added
    finally:
        d.close()
    con = sqlite3.connect(root / DB)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    originals = blob_map(root)
    (root / DB).unlink()
    latest = next((root / "backups").glob("auto-*"))
    proc = _cli(root, "restore", str(latest))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    kept = {p.name for p in (root / "evidence").rglob("*") if p.is_file() and len(p.name) == 64}
    assert set(originals) <= kept
    # The one imported after the backup is in set-aside, under its ab/cd folders, and the output says so.
    newer = set(originals) - set(blob_map(root))
    assert len(newer) == 1
    (folder,) = (root / "evidence" / "set-aside").glob("before-restore-*")
    assert {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()} == {
        f"{s[:2]}/{s[2:4]}/{s}" for s in newer
    }
    assert "1 个证据原始文件" in proc.stderr and str(folder) in proc.stderr, proc.stderr
