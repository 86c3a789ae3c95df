"""A restore keeps what of the previous data no archive holds: the originals that are in neither the
restored archive nor the safety backup, and the raw database files when no safety backup could be made,
in evidence/set-aside/before-restore-<time>/ — hard links where possible, else renames — before the swap is
confirmed. A rollback (an error, or kill -9 at any step) undoes that folder; the profile is always the old
or the new one, never a mix, and an original is never lost.
"""

from __future__ import annotations

import errno
import hashlib
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from desk.app import open_desk
from desk.backup import backup_profile, read_manifest, restore_backup
from desk.backup import restore as restore_module
from desk.errors import RestoreRefused
from desk.profile import Profile
from tests.reliability.oracles import assert_check_clean, blob_map, sha_file
from tests.test_backup import fill, png

pytestmark = pytest.mark.sqlite_only

REPO = Path(__file__).resolve().parents[1]
DB = "desk.sqlite3"
SET_ASIDE = Path("evidence") / "set-aside"


def _checkpoint(root: Path) -> None:
    con = sqlite3.connect(root / DB)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A profile whose backup was made before two more originals were imported (a template, copied)."""
    root = tmp_path_factory.mktemp("made") / "p"
    d = open_desk(root)
    try:
        fill(d, cases=2, per_case=2)
    finally:
        d.close()
    archive = backup_profile(Profile(root), root.parent / "before.deskbackup").path
    d = open_desk(root)
    try:
        case = d.cases.list_ids()[0]
        for seed in (20261201, 20261202):
            assert d.evidence.import_bytes(case, png(seed), f"备份之后导入-{seed}.png").added
    finally:
        d.close()
    _checkpoint(root)
    assert not (root / f"{DB}-wal").exists()
    return root, archive


@pytest.fixture
def profile(made: tuple[Path, Path], tmp_path: Path) -> tuple[Path, Path, set[str]]:
    """A copy of the profile, its archive, and the originals the archive lacks."""
    template, archive = made
    root = tmp_path / "p"
    shutil.copytree(template, root)
    lacks = set(blob_map(root)) - {e.sha256 for e in read_manifest(archive).blobs}
    assert len(lacks) == 2
    return root, archive, lacks


def set_aside_files(root: Path) -> dict[str, str]:
    """Every file under evidence/set-aside, relative to it: sha256 of its bytes."""
    base = root / SET_ASIDE
    if not base.is_dir():
        return {}
    return {p.relative_to(base).as_posix(): sha_file(p) for p in sorted(base.rglob("*")) if p.is_file()}


def expected_layout(folder: str, shas: set[str]) -> dict[str, str]:
    return {f"{folder}/{s[:2]}/{s[2:4]}/{s}": s for s in shas}


def state(root: Path) -> dict[str, Any]:
    """What a restore may change: the raw database files, the originals, and the set-aside folder."""
    return {
        "db": {p.name: sha_file(p) for p in sorted(root.glob(f"{DB}*")) if p.is_file()},
        "blobs": blob_map(root),
        "set_aside": set_aside_files(root),
    }


# -- what is kept, and where ------------------------------------------------------------------------------


def test_a_lost_database_keeps_the_originals_the_backup_lacks(profile: Any) -> None:
    root, archive, lacks = profile
    originals = blob_map(root)
    (root / DB).unlink()
    result = restore_backup(archive, Profile(root))
    # Not one original is lost (before the fix: the two imported after the backup were deleted).
    assert set(blob_map(root)) == set(originals) - lacks  # the restored store is exactly the archive's
    assert {k.rsplit("/", 1)[-1] for k in set_aside_files(root)} == lacks
    assert result.safety_backup is None  # nothing readable to back up
    assert result.set_aside is not None and result.set_aside.parent == root / SET_ASIDE
    assert result.set_aside.name.startswith("before-restore-")
    assert result.set_aside_originals == 2 and result.set_aside_database == ()
    assert set_aside_files(root) == expected_layout(result.set_aside.name, lacks)
    note = next(w for w in result.warnings if "2 个证据原始文件" in w)
    assert str(result.set_aside) in note
    assert_check_clean(root)
    assert not [p for p in root.iterdir() if p.name.startswith((".restore", "restore-journal"))]


@pytest.mark.parametrize("how", ["zero-filled", "garbage-header", "truncated"])
def test_an_unreadable_database_is_kept_byte_for_byte_without_renaming_it_first(
    profile: Any, how: str
) -> None:
    root, archive, lacks = profile
    db = root / DB
    data = db.read_bytes()
    if how == "zero-filled":
        db.write_bytes(bytes(len(data)))
    elif how == "garbage-header":
        db.write_bytes(os.urandom(100) + data[100:])
    else:
        db.write_bytes(data[: len(data) // 2])
    damaged = db.read_bytes()
    (root / f"{DB}-wal").write_bytes(b"left by a crash" * 10)
    # Before the fix: refused ("无法读取数据库来备份"), and the message asked for a rename by hand first.
    result = restore_backup(archive, Profile(root))
    assert result.safety_backup is None
    assert result.set_aside is not None
    assert result.set_aside_database == (DB, f"{DB}-wal")
    assert (result.set_aside / DB).read_bytes() == damaged
    assert (result.set_aside / f"{DB}-wal").read_bytes() == b"left by a crash" * 10
    assert result.set_aside_originals == 2
    assert {k for k in set_aside_files(root) if k.count("/") == 3} == set(
        expected_layout(result.set_aside.name, lacks)
    )
    assert any("原来的数据库文件" in w and str(result.set_aside) in w for w in result.warnings), (
        result.warnings
    )
    d = open_desk(root)  # the restored database, not the damaged one
    d.close()


def test_with_a_safety_backup_only_the_originals_it_lacks_are_kept(profile: Any) -> None:
    root, archive, _lacks = profile
    # An original no row uses (an interrupted import, or rows the database lost): no backup holds it.
    orphan = png(777)
    sha = hashlib.sha256(orphan).hexdigest()
    path = root / "evidence" / "blobs" / sha[:2] / sha[2:4] / sha
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(orphan)
    result = restore_backup(archive, Profile(root))
    assert result.safety_backup is not None  # the two newer originals are in it
    assert result.set_aside is not None and result.set_aside_originals == 1
    assert result.set_aside_database == ()
    assert set_aside_files(root) == expected_layout(result.set_aside.name, {sha})
    assert any("也不在恢复前另存的备份里" in w for w in result.warnings)


def test_nothing_is_set_aside_when_the_archive_and_the_safety_backup_hold_everything(
    profile: Any, tmp_path: Path
) -> None:
    root, _archive, _lacks = profile
    archive = backup_profile(Profile(root), tmp_path / "now.deskbackup").path
    result = restore_backup(archive, Profile(root))
    assert result.set_aside is None and result.set_aside_originals == 0
    assert not (root / SET_ASIDE).exists()


def test_no_safety_backup_means_nothing_of_the_current_data_is_kept(profile: Any) -> None:
    """--no-safety-backup: the operator asked for the current data not to be kept (docs/backup.md)."""
    root, archive, lacks = profile
    (root / DB).unlink()
    result = restore_backup(archive, Profile(root), safety_backup=False)
    assert result.set_aside is None
    assert not (root / SET_ASIDE).exists()
    assert not lacks & set(blob_map(root))


def test_earlier_set_aside_folders_are_left_alone(profile: Any) -> None:
    root, archive, lacks = profile
    earlier = root / SET_ASIDE / "20260101-000000" / "ab" / "cd" / ("ab" + "cd" + "0" * 60)
    earlier.parent.mkdir(parents=True)
    earlier.write_bytes(b"moved here by check --repair")
    before = set_aside_files(root)
    (root / DB).unlink()
    result = restore_backup(archive, Profile(root))
    after = set_aside_files(root)
    assert {k: v for k, v in after.items() if k in before} == before
    assert set(after) - set(before) == set(expected_layout(result.set_aside.name, lacks))  # type: ignore[union-attr]
    # A second restore keeps its own folder and leaves the first one's alone.
    (root / DB).unlink()
    second = restore_backup(archive, Profile(root))
    assert second.set_aside is None  # the store now holds exactly the archive's originals
    assert set_aside_files(root) == after


def test_without_hard_links_the_originals_are_moved_not_copied(
    profile: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    root, archive, lacks = profile
    inodes = {p.name: p.stat().st_ino for p in (root / "evidence" / "blobs").glob("??/??/*")}
    calls: list[str] = []

    def no_links(src: Any, dst: Any, **_kw: Any) -> None:
        calls.append(str(src))
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    monkeypatch.setattr(shutil, "copyfile", lambda *a, **k: pytest.fail("copied"))
    monkeypatch.setattr(shutil, "copy2", lambda *a, **k: pytest.fail("copied"))
    (root / DB).unlink()
    result = restore_backup(archive, Profile(root))
    assert len(calls) == 1  # tried once, then moved the rest
    assert result.set_aside is not None and result.set_aside_originals == 2
    for sha in lacks:
        kept = result.set_aside / sha[:2] / sha[2:4] / sha
        assert kept.stat().st_ino == inodes[sha]  # the same file, renamed
        assert sha_file(kept) == sha


def test_hard_links_share_the_original_file(profile: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    root, archive, lacks = profile
    inodes = {p.name: p.stat().st_ino for p in (root / "evidence" / "blobs").glob("??/??/*")}
    replaced: list[str] = []
    real_replace = os.replace

    def spy(src: Any, dst: Any, **kw: Any) -> None:
        replaced.append(str(dst))
        real_replace(src, dst, **kw)

    monkeypatch.setattr(os, "replace", spy)
    (root / DB).unlink()
    result = restore_backup(archive, Profile(root))
    assert result.set_aside is not None
    assert not [d for d in replaced if "set-aside" in d]  # linked, not moved
    for sha in lacks:
        kept = result.set_aside / sha[:2] / sha[2:4] / sha
        assert kept.stat().st_ino == inodes[sha] and kept.stat().st_nlink == 1  # the old link is gone


@pytest.mark.parametrize("links", [True, False])
def test_a_failure_while_keeping_rolls_everything_back(
    profile: Any, monkeypatch: pytest.MonkeyPatch, links: bool
) -> None:
    root, archive, _lacks = profile
    (root / DB).write_bytes(bytes(4096))  # unreadable: its raw file is kept too
    before = state(root)
    real = restore_module._link_or_move
    calls = [0]

    def second_fails(src: Path, dest: Path, *, link: bool) -> bool:
        calls[0] += 1
        if calls[0] == 2:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(src, dest, link=link and links)

    monkeypatch.setattr(restore_module, "_link_or_move", second_fails)
    with pytest.raises(RestoreRefused) as info:
        restore_backup(archive, Profile(root))
    assert "已退回到原来的数据" in info.value.message and "set-aside" in info.value.message
    assert state(root) == before
    assert (root / DB).read_bytes() == bytes(4096)
    assert not [p for p in root.iterdir() if p.name.startswith((".restore", "restore-journal"))]


# -- kill -9 at every step of keeping ----------------------------------------------------------------------

_NO_LINKS = (
    "import errno, os, sys\n"
    "def _no(*a, **k):\n"
    "    raise OSError(errno.EPERM, 'Operation not permitted')\n"
    "os.link = _no\n"
    "from desk.cli import main\n"
    "sys.exit(main(sys.argv[1:]))\n"
)


def _env(**extra: str) -> dict[str, str]:
    e = {k: v for k, v in os.environ.items() if not k.startswith("DESK_")}
    e.update(PYTHONPATH=str(REPO), DESK_AUTO_BACKUP="0", **extra)
    return e


def _restore_cmd(root: Path, archive: Path, *, links: bool) -> list[str]:
    head = [sys.executable, "-m", "desk"] if links else [sys.executable, "-c", _NO_LINKS]
    return [*head, "--profile", str(root), "restore", str(archive)]


def _expected_new(root_after: dict[str, Any], archive_blobs: set[str], lacks: set[str]) -> bool:
    kept = {k.rsplit("/", 1)[-1] for k in root_after["set_aside"] if k.count("/") == 3}
    return set(root_after["blobs"]) == archive_blobs and kept == lacks


@pytest.mark.crash
@pytest.mark.parametrize("links", [True, False], ids=["links", "moves"])
@pytest.mark.parametrize(
    ("point", "expect"),
    [
        ("restore-swapped", "old"),
        ("restore-setting-aside:1", "old"),
        ("restore-setting-aside:2", "old"),
        ("restore-setting-aside:3", "old"),  # the raw database file, after both originals
        ("restore-set-aside", "old"),
        ("restore-committed", "new"),
    ],
)
def test_killed_while_keeping_is_old_or_new_and_loses_nothing(
    profile: Any, point: str, expect: str, links: bool
) -> None:
    root, archive, lacks = profile
    (root / DB).write_bytes(bytes(8192))  # unreadable: nothing to back up, the raw file is kept
    before = state(root)
    proc = subprocess.run(
        _restore_cmd(root, archive, links=links),
        capture_output=True,
        text=True,
        env=_env(DESK_CRASHPOINT=point),
        cwd=REPO,
        timeout=120,
    )
    assert proc.returncode == -signal.SIGKILL, proc.stdout + proc.stderr
    # The next start (here: a second restore's own recovery, then open_desk) finishes or undoes it.
    restore_module.recover_interrupted_restore(Profile(root))
    after = state(root)
    if expect == "old":
        assert after == before
        assert (root / DB).read_bytes() == bytes(8192)
    else:
        assert _expected_new(after, {e.sha256 for e in read_manifest(archive).blobs}, lacks)
        (folder,) = (root / SET_ASIDE).iterdir()
        assert (folder / DB).read_bytes() == bytes(8192)
        assert_check_clean(root)
    assert not [p for p in root.iterdir() if p.name.startswith((".restore", "restore-journal"))]


@pytest.mark.crash
def test_killed_at_random_moments_never_loses_an_original(profile: Any, tmp_path: Path) -> None:
    root, archive, lacks = profile
    (root / DB).unlink()
    pristine = tmp_path / "pristine"
    shutil.copytree(root, pristine)
    before = state(root)
    every = set(before["blobs"])
    rng = random.Random(20261205)
    outcomes = []
    for i in range(8):
        proc = subprocess.Popen(
            _restore_cmd(root, archive, links=i % 2 == 0),
            env=_env(),
            cwd=REPO,
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(rng.uniform(0.5, 3.0))  # a whole restore takes about 2.5 s
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        restore_module.recover_interrupted_restore(Profile(root))
        after = state(root)
        names = set(after["blobs"]) | {k.rsplit("/", 1)[-1] for k in after["set_aside"]}
        assert every <= names, f"kill {i}: an original was lost"
        assert not [p for p in root.iterdir() if p.name.startswith((".restore", "restore-journal"))]
        if after == before:
            outcomes.append("old")
            continue
        assert _expected_new(after, every - lacks, lacks), f"kill {i}: a mix of old and new"
        outcomes.append("new")
        shutil.rmtree(root)  # back to the lost database for the next kill
        shutil.copytree(pristine, root)
    print("kills ended as:", outcomes)
