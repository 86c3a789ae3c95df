"""Hostile backups found by an outside test run: each is refused in plain words, and the profile is unchanged.

- a database whose same-named index or table was redefined, whose settings differ, or that is damaged;
- a pipe (or device, or folder) given as the archive: refused at once, never waited on;
- manifests nested thousands deep or far larger than any real one;
- archive entry names and backup paths with control or direction characters: shown escaped;
- a format_version that is not a version at all, and integrity reports of a hundred lines;
- a profile whose last write was interrupted (a hot rollback journal) can still be restored over.
"""

from __future__ import annotations

import io
import json
import logging
import os
import sqlite3
import subprocess
import sys
import tarfile
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from desk.app import open_desk
from desk.backup import backup_profile, read_manifest, restore_backup
from desk.errors import RestoreRefused
from desk.profile import Profile
from tests.reliability.oracles import assert_check_clean, db_dump, snapshot
from tests.test_backup import _db_bytes, _info, assert_refused_unchanged, fill, hostile, rewrite
from tests.timing import SLACK

pytestmark = pytest.mark.sqlite_only

REPO = Path(__file__).resolve().parents[1]
ESC = "\x1b"


@pytest.fixture(scope="module")
def good(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One real backup of a small profile, shared by the tests of this module (they never modify it)."""
    root = tmp_path_factory.mktemp("hostile-source") / "source"
    d = open_desk(root)
    try:
        fill(d, cases=3, per_case=2)
    finally:
        d.close()
    return backup_profile(Profile(root), root.parent / "good.deskbackup").path


@pytest.fixture
def target(tmp_path: Path) -> Path:
    root = tmp_path / "target"
    d = open_desk(root)
    try:
        fill(d, cases=1, per_case=1)
    finally:
        d.close()
    return root


def with_database(good: Path, out: Path, change: Callable[[sqlite3.Connection], object]) -> Path:
    """The good archive with its database changed by `change` (manifest re-signed, as a forger would)."""
    db = out.with_suffix(".sqlite3")
    db.write_bytes(_db_bytes(good))
    con = sqlite3.connect(db, isolation_level=None)
    try:
        change(con)
    finally:
        con.close()
    return rewrite(good, out, replace={"database.sqlite3": db.read_bytes()})


def edit_sql(con: sqlite3.Connection, name: str, old: str, new: str) -> None:
    """Rewrite one object's stored CREATE statement in place, the way a hand-edited file would."""
    sql = con.execute("SELECT sql FROM sqlite_master WHERE name = ?", (name,)).fetchone()[0]
    assert old in sql, sql
    version = con.execute("PRAGMA schema_version").fetchone()[0]
    con.execute("PRAGMA writable_schema=ON")
    con.execute("UPDATE sqlite_master SET sql = ? WHERE name = ?", (sql.replace(old, new, 1), name))
    con.execute(f"PRAGMA schema_version={version + 1}")
    con.execute("PRAGMA writable_schema=OFF")


# -- the database: whole schema, settings, integrity ------------------------------------------------


def test_same_named_index_redefined_as_partial_unique_is_refused(
    good: Path, target: Path, tmp_path: Path
) -> None:
    def redefine(con: sqlite3.Connection) -> None:
        con.execute("DROP INDEX ix_events_case_id_id")
        con.execute("CREATE UNIQUE INDEX ix_events_case_id_id ON events (case_id) WHERE id > 1000000")

    out = with_database(good, tmp_path / "index.deskbackup", redefine)
    assert_refused_unchanged(out, target, "结构", "ix_events_case_id_id")


@pytest.mark.parametrize(
    "label",
    ["extra-column", "column-type", "check-trap", "default-value", "view-text"],
)
def test_same_named_table_redeclared_is_refused(label: str, good: Path, target: Path, tmp_path: Path) -> None:
    changes: dict[str, Callable[[sqlite3.Connection], object]] = {
        "extra-column": lambda c: c.execute("ALTER TABLE evidence ADD COLUMN note TEXT"),
        "column-type": lambda c: edit_sql(c, "evidence", "sha256 VARCHAR(64)", "sha256 BLOB"),
        # Every new evidence whose SHA-256 starts with 0 would be refused by the database.
        "check-trap": lambda c: edit_sql(
            c,
            "evidence",
            "sha256 VARCHAR(64) NOT NULL",
            "sha256 VARCHAR(64) NOT NULL CHECK (sha256 NOT LIKE '0%')",
        ),
        "default-value": lambda c: edit_sql(c, "case_search", "DEFAULT ''", "DEFAULT 'x'"),
        "view-text": lambda c: edit_sql(c, "case_search_doc", "char(10)", "char(13)"),
    }
    out = with_database(good, tmp_path / f"{label}.deskbackup", changes[label])
    message = assert_refused_unchanged(out, target, "结构", "定义不同")
    assert "evidence" in message or "case_search" in message


@pytest.mark.parametrize(
    ("label", "word"),
    [
        ("user_version", "user_version"),
        ("application_id", "application_id"),
        ("auto_vacuum", "auto_vacuum"),
        ("encoding", "encoding"),
        ("wal", "WAL"),
    ],
)
def test_database_settings_must_be_the_desks(
    label: str, word: str, good: Path, target: Path, tmp_path: Path
) -> None:
    def change(con: sqlite3.Connection) -> None:
        if label == "user_version":
            con.execute("PRAGMA user_version=7")
        elif label == "application_id":
            con.execute("PRAGMA application_id=1128350532")
        elif label == "auto_vacuum":
            con.execute("PRAGMA auto_vacuum=FULL")
            con.execute("VACUUM")
        elif label == "wal":
            con.execute("PRAGMA journal_mode=WAL")

    if label == "encoding":
        # The encoding is fixed when a file is created: dump a new (empty) desk database into a UTF-16
        # file. Empty, because loading rows would fire the search triggers before their tables exist.
        open_desk(tmp_path / "empty").close()
        with sqlite3.connect(tmp_path / "empty" / "desk.sqlite3") as s:
            dump = list(s.iterdump())
        db = tmp_path / "utf16.sqlite3"
        con = sqlite3.connect(db, isolation_level=None)
        con.execute("PRAGMA encoding='UTF-16le'")
        con.executescript(";\n".join(dump))
        con.close()
        out = rewrite(good, tmp_path / "enc.deskbackup", replace={"database.sqlite3": db.read_bytes()})
    else:
        out = with_database(good, tmp_path / f"{label}.deskbackup", change)
    assert_refused_unchanged(out, target, word)


def _corrupt_index_page(data: bytes, tmp_path: Path, index: str) -> bytes:
    """Scramble the keys in one index's leaf page: quick_check does not compare indexes with tables."""
    db = tmp_path / "probe.sqlite3"
    db.write_bytes(data)
    with sqlite3.connect(db) as con:
        root = con.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (index,)).fetchone()[0]
        page_size = con.execute("PRAGMA page_size").fetchone()[0]
    raw = bytearray(data)
    start = (root - 1) * page_size
    for i in range(start + page_size - 1, start + page_size - 400, -1):
        if chr(raw[i]) in "0123456789abcdef":
            raw[i] = ord("z")
    return bytes(raw)


def test_index_damage_quick_check_misses_is_refused(good: Path, target: Path, tmp_path: Path) -> None:
    damaged = _corrupt_index_page(_db_bytes(good), tmp_path, "ix_evidence_sha256")
    probe = tmp_path / "check.sqlite3"
    probe.write_bytes(damaged)
    with sqlite3.connect(probe) as con:
        assert con.execute("PRAGMA quick_check").fetchall() == [("ok",)]  # the premise
        assert con.execute("PRAGMA integrity_check").fetchall() != [("ok",)]
    out = rewrite(good, tmp_path / "index-damage.deskbackup", replace={"database.sqlite3": damaged})
    assert_refused_unchanged(out, target, "完整性检查")


def test_a_damaged_page_is_summarised_and_logged_in_full(
    good: Path, target: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    data = bytearray(_db_bytes(good))
    probe = tmp_path / "p.sqlite3"
    probe.write_bytes(data)
    with sqlite3.connect(probe) as con:
        root = con.execute("SELECT rootpage FROM sqlite_master WHERE name = 'events'").fetchone()[0]
        page_size = con.execute("PRAGMA page_size").fetchone()[0]
    for i in range(8, 68):  # the cell pointer array of the events table's page
        data[(root - 1) * page_size + i] ^= 0x5A
    out = rewrite(good, tmp_path / "page.deskbackup", replace={"database.sqlite3": bytes(data)})
    with caplog.at_level(logging.ERROR, logger="desk.backup.restore"):
        message = assert_refused_unchanged(out, target, "完整性检查", "详情见日志")
    assert message.count("\n") == 0 and len(message) < 400, message
    assert "处" in message  # how many problems there are
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert logged.count("missing from index") >= 5  # the full report went to the log


def test_harmless_spelling_differences_are_accepted(good: Path, tmp_path: Path) -> None:
    """Whitespace, keyword case, comments and quoting of plain names change nothing: restored."""

    def respell(con: sqlite3.Connection) -> None:
        edit_sql(con, "cases", "CREATE TABLE cases (", 'create   table\n\t"cases" /* the cases */ (')
        edit_sql(con, "ix_events_case_id_id", "ON events (case_id, id)", "on [events](\n  `case_id` ,id )")
        edit_sql(con, "case_search_doc", "SELECT case_id", "select  CASE_ID")

    out = with_database(good, tmp_path / "respelt.deskbackup", respell)
    restore_backup(out, Profile(tmp_path / "r"))
    assert_check_clean(tmp_path / "r")


def test_version_is_read_from_the_database_and_checked_against_the_manifest(
    good: Path, target: Path, tmp_path: Path
) -> None:
    def stamp(con: sqlite3.Connection) -> None:
        con.execute("UPDATE alembic_version SET version_num = '9999_future'")

    def future(manifest: dict[str, object]) -> None:
        manifest["schema_revision"] = "9999_future"

    newer = with_database(good, tmp_path / "newer.deskbackup", stamp)
    newer = rewrite(newer, tmp_path / "newer2.deskbackup", manifest_edit=future)
    assert_refused_unchanged(newer, target, "更新版本", "请先升级")
    # Only the manifest claims a newer version: the database is this desk's, so it is a mismatch.
    claimed = rewrite(good, tmp_path / "claimed.deskbackup", manifest_edit=future)
    assert_refused_unchanged(claimed, target, "不一致", "9999_future")


def test_alembic_version_must_be_a_plain_table(good: Path, target: Path, tmp_path: Path) -> None:
    """It is read before the rest of the schema is compared: a view there would run the archive's SQL."""

    def as_view(con: sqlite3.Connection) -> None:
        con.execute("ALTER TABLE alembic_version RENAME TO av_rows")
        con.execute(
            "CREATE VIEW alembic_version AS WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
            "WHERE i < 100000000) SELECT '0007_packet_kind' AS version_num FROM n WHERE i = 100000000"
        )

    out = with_database(good, tmp_path / "view.deskbackup", as_view)
    started = time.monotonic()
    assert_refused_unchanged(out, target, "不是售后申诉工作台的数据库")
    assert time.monotonic() - started < 5 * SLACK


# -- pipes, devices, folders --------------------------------------------------------------------------


def _run_restore_in_child(archive: Path, profile: Path, timeout: float = 20) -> str:
    """restore_backup in a child process, so that a hang fails the test instead of freezing the suite."""
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from desk.backup import restore_backup, read_manifest\n"
        "from desk.errors import RestoreRefused\n"
        "from desk.profile import Profile\n"
        "for call in (lambda: read_manifest(Path(sys.argv[1])), "
        "lambda: restore_backup(Path(sys.argv[1]), Profile(Path(sys.argv[2])))):\n"
        "    try:\n"
        "        call()\n"
        "    except RestoreRefused as exc:\n"
        "        print(exc.message)\n"
        "    else:\n"
        "        print('ACCEPTED')\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    try:
        proc = subprocess.run(
            [sys.executable, "-c", code, str(archive), str(profile)],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=env,
            cwd=REPO,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"restoring {archive} did not return within {timeout} s (blocked on opening it?)")
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_a_pipe_given_as_the_archive_is_refused_at_once(target: Path, tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.deskbackup"
    os.mkfifo(fifo)
    before = snapshot(target)
    started = time.monotonic()
    out = _run_restore_in_child(fifo, target)
    assert time.monotonic() - started < 15 * SLACK
    lines = out.strip().splitlines()
    assert len(lines) == 2 and all("不是普通文件" in line for line in lines), out
    assert "没有任何改动" in lines[1]
    assert snapshot(target) == before


def test_a_device_or_folder_given_as_the_archive_is_refused(target: Path, tmp_path: Path) -> None:
    if Path("/dev/zero").exists():
        with pytest.raises(RestoreRefused, match="不是普通文件"):
            restore_backup(Path("/dev/zero"), Profile(target))
    with pytest.raises(RestoreRefused, match="是文件夹"):
        restore_backup(tmp_path, Profile(target))


# -- manifests ------------------------------------------------------------------------------------------


def archive_with_manifest(good: Path, out: Path, body: bytes) -> Path:
    """The good archive with its manifest replaced by raw bytes (no re-signing)."""
    with tarfile.open(good) as src, tarfile.open(out, "w", format=tarfile.USTAR_FORMAT) as dst:
        members = src.getmembers()
        info = tarfile.TarInfo("manifest.json")
        info.size = len(body)
        dst.addfile(info, io.BytesIO(body))
        for m in members[1:]:
            dst.addfile(m, src.extractfile(m))
    return out


def _manifest(good: Path) -> dict[str, object]:
    with tarfile.open(good) as tar:
        return json.loads(tar.extractfile("manifest.json").read())  # type: ignore[union-attr]


def test_deeply_nested_manifest_is_refused_in_plain_words(good: Path, target: Path, tmp_path: Path) -> None:
    from tests.test_cli import run

    body = b'{"format":"after-sales-desk-backup","x":' + b"[" * 200_000 + b"]" * 200_000 + b"}"
    out = archive_with_manifest(good, tmp_path / "deep.deskbackup", body)
    assert_refused_unchanged(out, target, "清单", "嵌套")
    res = run(target, "restore", str(out), check=False)
    assert res.returncode == 1, res.stderr  # a refusal, not "unexpected error" (3)
    assert "嵌套" in res.stderr and "Traceback" not in res.stderr and "意外" not in res.stderr


def test_manifest_far_larger_than_any_real_one_is_refused_unread(
    good: Path, target: Path, tmp_path: Path
) -> None:
    """The header says 64 MiB: refused from the header, without reading or parsing it."""
    out = tmp_path / "huge.deskbackup"
    size = 64 << 20
    header = tarfile.TarInfo("manifest.json")
    header.size = size
    with open(out, "wb") as fh:
        fh.write(header.tobuf(format=tarfile.USTAR_FORMAT))
        fh.truncate(512 + size + 1024)  # sparse: nothing to read, nothing spent on disk
    started = time.monotonic()
    assert_refused_unchanged(out, target, "清单", "上限")
    assert time.monotonic() - started < 2 * SLACK


@pytest.mark.parametrize(
    ("value", "word"),
    [
        (0, "无效"),
        (-1, "无效"),
        ("1", "无效"),
        (1.5, "无效"),
        (True, "无效"),
        (None, "无效"),
        (2, "比本软件新"),
    ],
)
def test_format_version_that_is_not_a_version_is_called_invalid(
    value: object, word: str, good: Path, target: Path, tmp_path: Path
) -> None:
    def edit(manifest: dict[str, object]) -> None:
        manifest["format_version"] = value

    out = rewrite(good, tmp_path / "v.deskbackup", manifest_edit=edit)
    message = assert_refused_unchanged(out, target, word)
    if word == "无效":
        assert "比本软件新" not in message and "升级" not in message


# -- names from outside are shown escaped ------------------------------------------------------------


def test_control_characters_in_entry_names_are_escaped(good: Path, target: Path, tmp_path: Path) -> None:
    name = f"blobs/aa/bb/{ESC}[31mred{ESC}[0m\u202egnp.exe"
    out = hostile(good, tmp_path / "esc.deskbackup", _info(name, size=4), b"evil")
    message = assert_refused_unchanged(out, target)
    assert ESC not in message and "\u202e" not in message, repr(message)
    assert "\\u001b[31mred" in message and "\\u202e" in message


def test_control_characters_in_backup_paths_are_escaped(good: Path, target: Path, tmp_path: Path) -> None:
    from tests.test_cli import run

    odd = tmp_path / f"{ESC}[2J{ESC}[31m\u202eevil.deskbackup"
    odd.write_bytes(b"not a backup at all" * 100)
    missing = tmp_path / f"gone{ESC}]0;title\a.deskbackup"
    for path in (odd, missing):
        with pytest.raises(RestoreRefused) as info:
            restore_backup(path, Profile(target))
        assert ESC not in info.value.message and "\a" not in info.value.message, repr(info.value.message)
        assert "\\u001b" in info.value.message
        res = run(target, "restore", str(path), check=False)
        assert res.returncode == 1
        assert ESC not in res.stderr and "\u202e" not in res.stderr, repr(res.stderr)


# -- restoring over a profile whose last write was interrupted -----------------------------------------


def _leave_hot_journal(db: Path) -> None:
    """Switch to a rollback journal, then die in the middle of a write: the journal is left 'hot'."""
    with sqlite3.connect(db) as con:
        con.execute("PRAGMA journal_mode=DELETE")
    code = (
        "import os, sqlite3, sys\n"
        "con = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
        "con.execute('PRAGMA cache_size=1')\n"
        "con.execute('BEGIN')\n"
        "con.execute(\"UPDATE cases SET description = 'HALF-WRITTEN'\")\n"
        "con.execute('DELETE FROM events')\n"
        "os._exit(0)\n"
    )
    subprocess.run([sys.executable, "-c", code, str(db)], check=True)
    journal = Path(f"{db}-journal")
    assert journal.is_file() and journal.stat().st_size > 0


def test_backup_of_a_profile_with_a_hot_journal_is_its_last_commit(tmp_path: Path) -> None:
    root = tmp_path / "p"
    d = open_desk(root)
    fill(d, cases=2, per_case=1)
    d.close()
    db = root / "desk.sqlite3"
    committed = db_dump(db)
    _leave_hot_journal(db)
    files = {p: p.read_bytes() for p in (db, Path(f"{db}-journal"))}
    archive = backup_profile(Profile(root), tmp_path / "hot.deskbackup").path
    assert {p: p.read_bytes() for p in files} == files  # the data folder was not touched
    restored = tmp_path / "restored"
    restore_backup(archive, Profile(restored))
    assert db_dump(restored / "desk.sqlite3") == committed
    assert_check_clean(restored)


def test_restore_over_a_profile_with_a_hot_journal(good: Path, tmp_path: Path) -> None:
    root = tmp_path / "p"
    d = open_desk(root)
    fill(d, cases=2, per_case=1)
    d.close()
    committed = db_dump(root / "desk.sqlite3")
    _leave_hot_journal(root / "desk.sqlite3")
    result = restore_backup(good, Profile(root))
    assert result.safety_backup is not None
    assert not Path(f"{root / 'desk.sqlite3'}-journal").exists()
    assert_check_clean(root)
    # The safety copy holds the data as last committed, not the half-written change.
    back = tmp_path / "back"
    restore_backup(result.safety_backup, Profile(back), safety_backup=False)
    assert db_dump(back / "desk.sqlite3") == committed


# -- the restored data still works --------------------------------------------------------------------


def test_manifest_read_for_display_uses_the_same_checks(good: Path, tmp_path: Path) -> None:
    body = b'{"format":"after-sales-desk-backup","x":' + b"[" * 5000 + b"]" * 5000 + b"}"
    out = archive_with_manifest(good, tmp_path / "deep.deskbackup", body)
    with pytest.raises(RestoreRefused, match="嵌套"):
        read_manifest(out)
    assert read_manifest(good).counts["cases"] == 3


def test_reference_schema_is_built_once_per_revision(good: Path, tmp_path: Path) -> None:
    from desk.backup import schema

    revision = _manifest(good)["schema_revision"]
    assert isinstance(revision, str)
    first = schema.reference_schema(revision)
    started = time.perf_counter()
    assert schema.reference_schema(revision) is first
    assert time.perf_counter() - started < 0.01 * SLACK
