"""Backup and restore as an operator relies on them: identical round trips, refusals that change nothing."""

from __future__ import annotations

import io
import json
import os
import random
import sqlite3
import tarfile
import time
import unicodedata
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image

from desk.app import Desk, open_desk
from desk.backup import backup_profile, read_manifest, restore_backup, run_daily_backup
from desk.backup.auto import auto_backups, to_keep
from desk.domain import CaseDraft, CaseId, CaseType, Platform
from desk.errors import BackupFailed, DeskError, RestoreRefused
from desk.profile import Profile
from desk.settings import BackupPolicy
from tests.reliability.oracles import assert_check_clean, blob_map, db_dump, snapshot
from tests.timing import SLACK

pytestmark = pytest.mark.sqlite_only

ODD_NAMES = [
    "称重图.jpg",
    unicodedata.normalize("NFD", "café-复称.png"),
    "\u202eevil-gnp.png",  # right-to-left override
    "😀 聊天截图 (1).png",
    "x" * 200 + ".png",
]


def png(seed: int, size: int = 48) -> bytes:
    rng = random.Random(seed)
    im = Image.new("RGB", (size, size), (rng.randrange(256), rng.randrange(256), rng.randrange(256)))
    im.putpixel((seed % size, (seed // size) % size), (seed % 256, 7, 9))
    buf = io.BytesIO()
    im.save(buf, "PNG")
    return buf.getvalue()


def fill(desk: Desk, cases: int = 6, per_case: int = 3) -> list[CaseId]:
    ids = []
    for i in range(cases):
        data, _ = desk.cases.create(
            CaseDraft(
                platform=Platform.PDD,
                order_no=f"261120-{i:015d}",
                case_type=CaseType.MISSING_ITEM,
                description=f"买家申请退货退款 {i}；'; DROP TABLE cases; --",
                refund_amount=None,
            )
        )
        ids.append(data.id)
        for j in range(per_case):
            name = ODD_NAMES[(i + j) % len(ODD_NAMES)]
            report = desk.evidence.import_bytes(data.id, png(i * 100 + j), name)
            assert report.added, report
        # The same content in two cases: one blob, two rows.
        desk.evidence.import_bytes(data.id, png(9999), "共用.png")
    return ids


@pytest.fixture
def source(tmp_path: Path) -> Iterator[Path]:
    root = tmp_path / "source"
    d = open_desk(root)
    try:
        fill(d)
    finally:
        d.close()
    yield root


@pytest.fixture
def archive(source: Path, tmp_path: Path) -> Path:
    return backup_profile(Profile(source), tmp_path / "b.deskbackup").path


# -- round trips -------------------------------------------------------------------------------


def test_round_trip_into_empty_profile_is_identical(source: Path, archive: Path, tmp_path: Path) -> None:
    target = tmp_path / "restored"
    result = restore_backup(archive, Profile(target))
    assert result.safety_backup is None  # nothing there to keep
    assert db_dump(target / "desk.sqlite3") == db_dump(source / "desk.sqlite3")
    restored = blob_map(target)
    assert restored == blob_map(source)
    assert all(name == sha for name, sha in restored.items())
    d = open_desk(target)
    try:
        names = {e.original_name for cid in d.cases.list_ids() for e in d.evidence.list(cid)}
    finally:
        d.close()
    assert {unicodedata.normalize("NFD", "café-复称.png"), "\u202eevil-gnp.png", "x" * 200 + ".png"} <= names
    assert_check_clean(target)


def test_packet_after_restore_is_byte_identical(source: Path, archive: Path, tmp_path: Path) -> None:
    when = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
    d = open_desk(source)
    try:
        case_id = d.cases.list_ids()[0]
        before = d.packets.build(case_id, tmp_path / "before.pdf", generated_at=when).path.read_bytes()
    finally:
        d.close()
    restore_backup(archive, Profile(tmp_path / "r"))
    d = open_desk(tmp_path / "r")
    try:
        after = d.packets.build(case_id, tmp_path / "after.pdf", generated_at=when).path.read_bytes()
    finally:
        d.close()
    assert after == before


def test_restore_over_current_profile_keeps_a_safety_copy(source: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    d = open_desk(other)
    fill(d, cases=2, per_case=1)
    d.close()
    before = snapshot(other)
    archive = backup_profile(Profile(source), tmp_path / "s.deskbackup").path
    result = restore_backup(archive, Profile(other))
    assert db_dump(other / "desk.sqlite3") == db_dump(source / "desk.sqlite3")
    assert blob_map(other) == blob_map(source)
    # Nothing of the old data is mixed in, no staging or journal is left over.
    assert not [p for p in other.iterdir() if p.name.startswith((".restore", "restore-journal"))]
    # The previous data is one restore away.
    assert result.safety_backup is not None and result.safety_backup.is_file()
    restore_backup(result.safety_backup, Profile(tmp_path / "back"), safety_backup=False)
    assert snapshot(tmp_path / "back")["db"] == before["db"]


def test_backup_sees_rows_only_in_the_wal(tmp_path: Path) -> None:
    root = tmp_path / "p"
    d = open_desk(root)
    try:
        with d.engine.connect() as conn:  # keep the WAL from being checkpointed into the main file
            conn.exec_driver_sql("PRAGMA wal_autocheckpoint=0")
        fill(d, cases=3, per_case=1)
        assert (root / "desk.sqlite3-wal").stat().st_size > 0
        archive = backup_profile(Profile(root), tmp_path / "w.deskbackup").path
    finally:
        d.close()
    assert read_manifest(archive).counts["cases"] == 3


def test_cli_backup_and_restore(source: Path, tmp_path: Path) -> None:
    from tests.test_cli import run

    out = run(source, "backup", str(tmp_path / "cli.deskbackup"))
    assert "已读回校验无误" in out.stdout
    res = run(tmp_path / "cli-target", "restore", str(tmp_path / "cli.deskbackup"))
    assert "全部校验无误" in res.stdout
    assert db_dump(tmp_path / "cli-target" / "desk.sqlite3") == db_dump(source / "desk.sqlite3")
    bad = tmp_path / "bad.deskbackup"
    bad.write_bytes(b"not a backup" * 100)
    refused = run(tmp_path / "cli-target", "restore", str(bad), check=False)
    assert refused.returncode == 1
    assert "已拒绝恢复" in refused.stderr and "Traceback" not in refused.stderr


# -- damaged archives --------------------------------------------------------------------------


def assert_refused_unchanged(archive: Path, target: Path, *words: str) -> str:
    before = snapshot(target)
    with pytest.raises(RestoreRefused) as info:
        restore_backup(archive, Profile(target))
    message = info.value.message
    assert "没有任何改动" in message or "原来的数据" in message, message
    for w in words:
        assert w in message, message
    assert snapshot(target) == before
    assert not [p for p in target.iterdir() if p.name.startswith(".restore")]
    return message


@pytest.fixture
def target(tmp_path: Path) -> Path:
    root = tmp_path / "target"
    d = open_desk(root)
    fill(d, cases=1, per_case=1)
    d.close()
    return root


def test_every_flipped_byte_is_refused(archive: Path, target: Path, tmp_path: Path) -> None:
    data = archive.read_bytes()
    rng = random.Random(8)
    size = len(data)
    # Header bytes, the manifest, the database, blob data, padding and the end marker.
    offsets = {0, 100, 124, 148, 156, 257, 512, 600, 1024 + 5, size - 10, size - 600}
    offsets |= {rng.randrange(size) for _ in range(20)}
    for off in sorted(offsets):
        damaged = tmp_path / f"flip-{off}.deskbackup"
        damaged.write_bytes(data[:off] + bytes([data[off] ^ 0x55]) + data[off + 1 :])
        assert_refused_unchanged(damaged, target)
        damaged.unlink()


def test_truncated_archive_is_refused(archive: Path, target: Path, tmp_path: Path) -> None:
    data = archive.read_bytes()
    for cut in (0, 10, 511, 512, 700, len(data) // 2, len(data) - 1024, len(data) - 1):
        damaged = tmp_path / f"cut-{cut}.deskbackup"
        damaged.write_bytes(data[:cut])
        assert_refused_unchanged(damaged, target)


def sign(manifest: dict[str, object]) -> bytes:
    """Serialise a manifest with a correct self-checksum, as a forger would (it detects damage, not forgery)."""
    import hashlib

    manifest["checksum"] = "0" * 64
    body = json.dumps(manifest, ensure_ascii=False, separators=(",", ":")).encode()
    digest = hashlib.sha256(body).hexdigest()
    return body.replace(b'"checksum":"' + b"0" * 64 + b'"', f'"checksum":"{digest}"'.encode(), 1)


def rewrite(
    archive: Path,
    out: Path,
    *,
    drop: str | None = None,
    replace: dict[str, bytes] | None = None,
    manifest_edit: object = None,
) -> Path:
    """Copy an archive entry by entry, optionally dropping or replacing entries (and fixing the manifest)."""
    replace = replace or {}
    with tarfile.open(archive) as src, tarfile.open(out, "w", format=tarfile.USTAR_FORMAT) as dst:
        members = src.getmembers()
        manifest = json.loads(src.extractfile(members[0]).read())  # type: ignore[union-attr]
        for name, data in replace.items():
            if name == "database.sqlite3":
                import hashlib

                manifest["database"]["size"] = len(data)
                manifest["database"]["sha256"] = hashlib.sha256(data).hexdigest()
        if callable(manifest_edit):
            manifest_edit(manifest)
        body = sign(manifest)
        info = tarfile.TarInfo("manifest.json")
        info.size = len(body)
        dst.addfile(info, io.BytesIO(body))
        for m in members[1:]:
            if m.name == drop:
                continue
            data = replace.get(m.name)
            if data is None:
                data = src.extractfile(m).read()  # type: ignore[union-attr]
            info = tarfile.TarInfo(m.name)
            info.size = len(data)
            dst.addfile(info, io.BytesIO(data))
    return out


def test_missing_blob_is_refused(archive: Path, target: Path, tmp_path: Path) -> None:
    with tarfile.open(archive) as tar:
        first_blob = next(n for n in tar.getnames() if n.startswith("blobs/"))
    damaged = rewrite(archive, tmp_path / "missing.deskbackup", drop=first_blob)
    assert_refused_unchanged(damaged, target, "缺少")


def _db_bytes(archive: Path) -> bytes:
    with tarfile.open(archive) as tar:
        return tar.extractfile("database.sqlite3").read()  # type: ignore[union-attr]


def test_database_from_another_version_is_refused(archive: Path, target: Path, tmp_path: Path) -> None:
    for revision, word in (("9999_future", "更新版本"), ("0000_other", "更新版本")):
        db = tmp_path / f"{revision}.sqlite3"
        db.write_bytes(_db_bytes(archive))
        con = sqlite3.connect(db)
        con.execute("DELETE FROM alembic_version")
        con.execute("INSERT INTO alembic_version VALUES (?)", (revision,))
        con.commit()
        con.close()
        swapped = rewrite(
            archive, tmp_path / f"{revision}.deskbackup", replace={"database.sqlite3": db.read_bytes()}
        )
        assert_refused_unchanged(swapped, target, word)


def test_database_swapped_for_one_with_a_trigger_is_refused(
    archive: Path, target: Path, tmp_path: Path
) -> None:
    db = tmp_path / "trap.sqlite3"
    db.write_bytes(_db_bytes(archive))
    con = sqlite3.connect(db)
    con.execute("CREATE TRIGGER trap AFTER INSERT ON cases BEGIN DELETE FROM evidence; END")
    con.commit()
    con.close()
    swapped = rewrite(archive, tmp_path / "trap.deskbackup", replace={"database.sqlite3": db.read_bytes()})
    assert_refused_unchanged(swapped, target, "trap")


def test_not_a_backup_and_compressed_files_are_refused(archive: Path, target: Path, tmp_path: Path) -> None:
    import gzip

    gz = tmp_path / "x.deskbackup"
    gz.write_bytes(gzip.compress(archive.read_bytes()))
    assert_refused_unchanged(gz, target, "压缩包")
    text = tmp_path / "notes.deskbackup"
    text.write_text("hello", encoding="utf-8")
    assert_refused_unchanged(text, target)
    with pytest.raises(RestoreRefused, match="找不到"):
        restore_backup(tmp_path / "nope.deskbackup", Profile(target))


# -- hostile archives --------------------------------------------------------------------------


def hostile(
    archive: Path,
    out: Path,
    info: tarfile.TarInfo,
    data: bytes = b"",
    *,
    fmt: int = tarfile.GNU_FORMAT,
    first: bool = False,
) -> Path:
    """A real backup with one extra hostile entry (right after the manifest, or first)."""
    with tarfile.open(archive) as src, tarfile.open(out, "w", format=fmt) as dst:
        members = src.getmembers()
        if first:
            dst.addfile(info, io.BytesIO(data) if info.isreg() else None)
        for i, m in enumerate(members):
            dst.addfile(m, src.extractfile(m))
            if i == 0 and not first:
                dst.addfile(info, io.BytesIO(data) if info.isreg() else None)
    return out


def _info(name: str, kind: bytes = tarfile.REGTYPE, size: int = 0, **kw: object) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.size = size
    for k, v in kw.items():
        setattr(info, k, v)
    return info


def hostile_cases(tmp_path: Path) -> list[tuple[str, tarfile.TarInfo, bytes, str]]:
    canary = tmp_path / "canary-abs"
    blob = "blobs/aa/bb/aabb" + "0" * 60
    return [
        ("traversal", _info("../../canary-dotdot", size=4), b"evil", "跳出"),
        ("traversal-in-blobs", _info("blobs/../../canary-dotdot2", size=4), b"evil", "跳出"),
        ("absolute", _info(str(canary), size=4), b"evil", "绝对路径"),
        ("backslash", _info("blobs\\..\\..\\canary-bs", size=4), b"evil", "反斜杠"),
        ("symlink", _info("blobs/aa/bb/link", tarfile.SYMTYPE, linkname=str(tmp_path)), b"", "符号链接"),
        ("hardlink", _info("blobs/aa/bb/hard", tarfile.LNKTYPE, linkname="/etc/passwd"), b"", "硬链接"),
        ("chardev", _info("blobs/aa/bb/dev", tarfile.CHRTYPE, devmajor=1, devminor=3), b"", "字符设备"),
        ("blockdev", _info("blobs/aa/bb/blk", tarfile.BLKTYPE, devmajor=8, devminor=0), b"", "块设备"),
        ("fifo", _info("blobs/aa/bb/fifo", tarfile.FIFOTYPE), b"", "FIFO"),
        ("directory", _info("blobs/aa", tarfile.DIRTYPE), b"", "文件夹"),
        ("setuid", _info(blob, size=4, mode=0o4755), b"evil", "setuid"),
        ("world-writable", _info(blob, size=4, mode=0o666), b"evil", "任何人可写"),
        ("unknown-name", _info("autorun.sh", size=4), b"evil", "不是本软件"),
        ("long-name", _info("blobs/" + "a" * 300, size=4), b"evil", "GNU 长文件名"),
        ("lying-size", _info("blobs/cc/dd/ccdd" + "1" * 60, size=1 << 30), b"", "截断"),
    ]


@pytest.mark.parametrize("case", range(15))
def test_hostile_archive_is_refused_and_writes_nothing_outside(
    case: int, archive: Path, target: Path, tmp_path: Path
) -> None:
    label, info, data, word = hostile_cases(tmp_path)[case]
    if label == "lying-size":
        # A header claiming 1 GiB that the file cannot hold: write the header by hand, no data.
        out = tmp_path / "lying.deskbackup"
        raw = archive.read_bytes()
        end = len(raw) - 1024
        out.write_bytes(raw[:end] + info.tobuf(format=tarfile.USTAR_FORMAT) + b"\0" * 1024)
    else:
        out = hostile(archive, tmp_path / f"{label}.deskbackup", info, data)
    before = {p for p in tmp_path.rglob("*")}
    started = time.monotonic()
    message = assert_refused_unchanged(out, target, word)
    assert time.monotonic() - started < 10 * SLACK
    assert "Traceback" not in message
    after = {p for p in tmp_path.rglob("*")}
    expected = {"desk.lock", "desk.sqlite3-wal", "desk.sqlite3-shm"}  # the lock, and SQLite's own files
    assert {p for p in after - before if p.name not in expected} == set(), after - before
    assert not list(tmp_path.rglob("canary*"))
    assert not [p for p in tmp_path.rglob("*") if p.is_symlink()]


def test_duplicate_entry_is_refused(archive: Path, target: Path, tmp_path: Path) -> None:
    with tarfile.open(archive) as src:
        db = src.getmember("database.sqlite3")
        data = src.extractfile(db).read()  # type: ignore[union-attr]
    out = hostile(archive, tmp_path / "dup.deskbackup", _info("database.sqlite3", size=len(data)), data)
    assert_refused_unchanged(out, target, "重复")


def test_pax_and_sparse_entries_are_refused(archive: Path, target: Path, tmp_path: Path) -> None:
    info = _info("blobs/aa/bb/aabb" + "0" * 60, size=4)
    info.pax_headers = {"comment": "x" * 10}
    out = hostile(archive, tmp_path / "pax.deskbackup", info, b"evil", fmt=tarfile.PAX_FORMAT)
    assert_refused_unchanged(out, target, "PAX")
    sparse = _info("blobs/aa/bb/aabb" + "0" * 60, b"S", size=0)
    out = hostile(archive, tmp_path / "sparse.deskbackup", sparse)
    assert_refused_unchanged(out, target, "稀疏")


def test_manifest_bomb_is_refused_before_extracting(archive: Path, target: Path, tmp_path: Path) -> None:
    """A manifest promising 256 MiB and 1 GiB entries the file does not hold: nothing is extracted."""
    for size in (256 << 20, 1 << 30):

        def grow(manifest: dict[str, object], size: int = size) -> None:
            manifest["blobs"][0][1] = size  # type: ignore[index]

        out = rewrite(archive, tmp_path / f"bomb-{size}.deskbackup", manifest_edit=grow)
        assert_refused_unchanged(out, target, "比清单记载的内容小")


def test_manifest_first_and_well_formed(archive: Path, target: Path, tmp_path: Path) -> None:
    # The manifest moved behind the database: refused, nothing read into the profile.
    with (
        tarfile.open(archive) as src,
        tarfile.open(tmp_path / "late.deskbackup", "w", format=tarfile.USTAR_FORMAT) as dst,
    ):
        members = src.getmembers()
        for m in [members[1], members[0], *members[2:]]:
            dst.addfile(m, src.extractfile(m))
    assert_refused_unchanged(tmp_path / "late.deskbackup", target, "清单")

    def foreign(manifest: dict[str, object]) -> None:
        manifest["format"] = "something-else"

    assert_refused_unchanged(
        rewrite(archive, tmp_path / "f.deskbackup", manifest_edit=foreign), target, "不是"
    )


# -- writing backups ---------------------------------------------------------------------------


def test_backup_never_leaves_a_partial_file(
    source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    good = backup_profile(Profile(source), tmp_path / "good.deskbackup").path
    good_bytes = good.read_bytes()
    real_write = os.write
    calls = {"n": 0}

    def full_disk(fd: int, data: bytes) -> int:
        calls["n"] += 1
        if calls["n"] > 5:
            raise OSError(28, "No space left on device")
        return real_write(fd, data)

    monkeypatch.setattr(os, "write", full_disk)
    monkeypatch.setattr(os, "copy_file_range", lambda *a, **k: (_ for _ in ()).throw(OSError(28, "No space")))
    with pytest.raises(BackupFailed, match="磁盘空间已满"):
        backup_profile(Profile(source), good)  # over the existing good backup
    monkeypatch.undo()
    assert good.read_bytes() == good_bytes
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix in (".partial", ".deskbackup")) == [
        "good.deskbackup"
    ]


def test_cancelled_backup_leaves_nothing(source: Path, tmp_path: Path) -> None:
    with pytest.raises(BackupFailed, match="已取消"):
        backup_profile(Profile(source), tmp_path / "c.deskbackup", cancel=lambda: True)
    assert list(tmp_path.glob("c.deskbackup*")) == []


def test_backup_refuses_a_damaged_original(source: Path, tmp_path: Path) -> None:
    blob = next((source / "evidence" / "blobs").glob("??/??/*"))
    blob.chmod(0o644)
    blob.write_bytes(b"rotten" + blob.read_bytes()[6:])
    with pytest.raises(BackupFailed) as info:
        backup_profile(Profile(source), tmp_path / "d.deskbackup")
    assert blob.name[:12] in info.value.message and "检查数据" in info.value.message
    assert list(tmp_path.glob("d.deskbackup*")) == []


def test_backup_of_a_profile_with_a_missing_original_says_so(source: Path, tmp_path: Path) -> None:
    blob = next((source / "evidence" / "blobs").glob("??/??/*"))
    blob.unlink()
    result = backup_profile(Profile(source), tmp_path / "m.deskbackup")
    assert result.manifest.missing_blobs == (blob.name,)
    assert result.warnings and "缺失" in result.warnings[0]
    restored = restore_backup(result.path, Profile(tmp_path / "r"))
    assert restored.warnings


def test_restore_refuses_while_a_window_holds_the_profile(archive: Path, target: Path) -> None:
    from desk.lock import ProfileLock

    held = ProfileLock(target).acquire()
    try:
        before = snapshot(target)
        with pytest.raises(DeskError, match="正被另一个"):
            restore_backup(archive, Profile(target))
        assert snapshot(target) == before
    finally:
        held.release()


# -- automatic backups -------------------------------------------------------------------------


def test_daily_backup_once_a_day_then_rotated(source: Path) -> None:
    day = datetime(2026, 11, 27, 9, 0)
    first = run_daily_backup(Profile(source), now=day)
    assert first is not None and first.path.name.startswith("auto-20261127")
    assert run_daily_backup(Profile(source), now=day + timedelta(hours=3)) is None
    assert run_daily_backup(Profile(source), now=day + timedelta(days=1)) is not None
    assert len(auto_backups(source / "backups")) == 2


def test_daily_backup_can_be_switched_off(source: Path) -> None:
    (source / "settings.toml").write_text("[backup]\ndaily = false\n", encoding="utf-8")
    assert run_daily_backup(Profile(source)) is None


def test_rotation_keeps_7_daily_4_weekly_12_monthly() -> None:
    start = datetime(2025, 1, 1, 9, 0)
    stamps = [start + timedelta(days=d) for d in range(500)]
    keep = to_keep(stamps, BackupPolicy())
    newest = stamps[-1]
    assert newest in keep
    daily = {d.date() for d in keep if newest - d < timedelta(days=7)}
    assert len(daily) == 7
    months = {(d.year, d.month) for d in keep}
    assert len(months) == 12 + 0 or len(months) == 12  # one per month for 12 months
    assert len(keep) <= 7 + 4 + 12
    assert all(newest - d < timedelta(days=400) for d in keep)


# -- evidence deleted while a backup runs ------------------------------------------------------


def test_evidence_deleted_after_the_snapshot_is_still_in_the_backup(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The snapshot still lists the row; the delete lands before the blobs are copied. The archive must
    hold the original all the same (it used to fail or miss it), and restore clean."""
    import desk.backup.create as create_mod

    root = tmp_path / "p"
    d = open_desk(root)
    try:
        case_id = fill(d, cases=1, per_case=2)[0]
        victim = next(e for e in d.evidence.list(case_id) if e.original_name != "共用.png")
        real_snapshot = create_mod.snapshot_database

        def snapshot_then_delete(url: str, dest: Path) -> None:
            real_snapshot(url, dest)
            d.evidence.remove(victim.id)  # another window, same moment
            assert not (
                root / "evidence" / "blobs" / victim.sha256[:2] / victim.sha256[2:4] / victim.sha256
            ).exists()

        monkeypatch.setattr(create_mod, "snapshot_database", snapshot_then_delete)
        archive = backup_profile(Profile(root), tmp_path / "race.deskbackup").path
    finally:
        d.close()
    manifest = read_manifest(archive)
    assert victim.sha256 in {e.sha256 for e in manifest.blobs} and not manifest.missing_blobs
    target = tmp_path / "restored"
    restore_backup(archive, Profile(target))
    assert victim.sha256 in blob_map(target)
    assert_check_clean(target)


def test_retired_originals_are_swept_after_the_grace_period(tmp_path: Path) -> None:
    root = tmp_path / "p"
    d = open_desk(root)
    case_id = fill(d, cases=1, per_case=2)[0]
    gone = [e for e in d.evidence.list(case_id) if e.original_name != "共用.png"]
    for e in gone:
        d.evidence.remove(e.id)
    d.close()
    retired = root / "evidence" / "blobs" / ".retired"
    assert sorted(p.name for p in retired.iterdir()) == sorted(e.sha256 for e in gone)
    open_desk(root).close()  # too young: kept for a backup that may be running
    assert len(list(retired.iterdir())) == 2
    old = time.time() - 7 * 3600
    for p in retired.iterdir():
        os.utime(p, (old, old))
    open_desk(root).close()
    assert list(retired.iterdir()) == []
    assert_check_clean(root)
