"""Read-only folders (reliability plan T3), run as an unprivileged user: root ignores permission bits.

Under root (CI) each scenario runs in a forked child that drops to uid/gid 65534 (nobody) first, so the
kernel enforces the permission bits; as a normal user the scenarios run directly. Each must end in a
plain sentence naming the folder or file, and leave the data byte-for-byte as it was.
"""

from __future__ import annotations

import os
import pickle
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from desk.app import open_desk
from desk.backup import backup_profile, restore_backup
from desk.domain import CaseDraft
from desk.errors import DeskError
from desk.profile import Profile
from tests.reliability.oracles import snapshot
from tests.test_backup import png

pytestmark = [pytest.mark.perms, pytest.mark.sqlite_only]

NOBODY = 65534


def as_unprivileged(fn: Callable[[], Any]) -> tuple[str, Any]:
    """Run fn as a non-root user; returns ("ok", value) or ("DeskError"/type name, message)."""

    def call() -> tuple[str, Any]:
        try:
            return "ok", fn()
        except DeskError as exc:
            return "DeskError", exc.message
        except BaseException as exc:
            import traceback

            return type(exc).__name__, "".join(traceback.format_exception(exc))

    if os.geteuid() != 0:
        return call()
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        os.close(r)
        try:
            os.setgroups([])
            os.setgid(NOBODY)
            os.setuid(NOBODY)
            result = call()
        except BaseException as exc:
            result = ("setup", repr(exc))
        with os.fdopen(w, "wb") as fh:
            pickle.dump(result, fh)
        os._exit(0)
    os.close(w)
    with os.fdopen(r, "rb") as fh:
        data = fh.read()
    os.waitpid(pid, 0)
    return pickle.loads(data)


@pytest.fixture(scope="module", autouse=True)
def unprivileged_can_run() -> None:
    if os.geteuid() != 0:
        return
    # Everything the scenarios need is imported now, so the child reads no file from root-only folders.
    from PIL import Image

    Image.init()
    probe = as_unprivileged(
        lambda: os.access(
            Path(__file__).resolve().parents[2] / "desk" / "db" / "migrations", os.R_OK | os.X_OK
        )
    )
    if probe != ("ok", True):
        pytest.skip(
            f"SKIPPED LOUDLY: the checkout is not readable by uid {NOBODY}, so permission tests cannot run "
            f"as a non-root user here ({probe})"
        )


@pytest.fixture
def base() -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="desk-perms-"))
    folder.chmod(0o755)
    try:
        yield folder
    finally:
        for p in [folder, *folder.rglob("*")]:
            if not p.is_symlink():
                p.chmod(0o755 if p.is_dir() else 0o644)
        shutil.rmtree(folder)


def make_profile(base: Path) -> Path:
    root = base / "p"
    d = open_desk(root)
    data, _ = d.cases.create(CaseDraft(order_no="261120-000000000000007"))
    d.evidence.import_bytes(data.id, png(3), "称重.png")
    d.close()
    if os.geteuid() == 0:
        for p in [base, *base.rglob("*")]:
            os.chown(p, NOBODY, NOBODY, follow_symlinks=False)
    return root


def test_read_only_profile_folder(base: Path) -> None:
    root = make_profile(base)
    root.chmod(0o555)
    before = snapshot(root)
    kind, message = as_unprivileged(lambda: open_desk(root).close())
    assert kind == "DeskError", message
    assert str(root) in message and "只读" in message
    assert snapshot(root) == before


def test_read_only_database_file(base: Path) -> None:
    root = make_profile(base)
    for suffix in ("", "-wal", "-shm"):
        p = root / f"desk.sqlite3{suffix}"
        if p.exists():
            p.chmod(0o444)
    before = snapshot(root)

    def edit() -> object:
        d = open_desk(root)
        try:
            case_id = d.cases.list_ids()[0]
            return d.cases.update(case_id, notes="写不进去")
        finally:
            d.close()

    kind, message = as_unprivileged(edit)
    assert kind == "DeskError", message
    assert "只读" in message and "desk.sqlite3" in message
    assert "attempt to write" not in message
    assert snapshot(root) == before


def test_read_only_evidence_store(base: Path) -> None:
    root = make_profile(base)
    for p in [root / "evidence" / "blobs", *(root / "evidence" / "blobs").rglob("*")]:
        if p.is_dir():
            p.chmod(0o555)
    before = snapshot(root)

    def add() -> object:
        d = open_desk(root)
        try:
            report = d.evidence.import_bytes(d.cases.list_ids()[0], png(99, 64), "复称.png")
            return [r.reason for r in report.rejected], len(report.added)
        finally:
            d.close()

    kind, value = as_unprivileged(add)
    assert kind == "ok", value
    reasons, added = value
    assert added == 0 and reasons and "只读" in reasons[0]
    assert snapshot(root) == before


def test_missing_temp_folder_that_cannot_be_created(base: Path) -> None:
    root = make_profile(base)
    (root / "evidence" / "tmp").rmdir()
    (root / "evidence").chmod(0o555)
    before = snapshot(root)
    kind, message = as_unprivileged(lambda: open_desk(root).close())
    assert kind == "DeskError", message
    assert str(root) in message
    assert snapshot(root) == before


def test_backup_into_a_read_only_folder(base: Path) -> None:
    root = make_profile(base)
    target = base / "ro-backups"
    target.mkdir()
    if os.geteuid() == 0:
        os.chown(target, NOBODY, NOBODY)
    target.chmod(0o555)
    kind, message = as_unprivileged(lambda: backup_profile(Profile(root), target / "b.deskbackup"))
    assert kind == "DeskError", message
    assert "没有权限" in message and str(target) in message
    assert list(target.iterdir()) == []


def test_restore_into_a_read_only_profile(base: Path, tmp_path: Path) -> None:
    root = make_profile(base)
    archive = backup_profile(Profile(root), base / "a.deskbackup").path
    if os.geteuid() == 0:
        os.chown(archive, NOBODY, NOBODY)
    root.chmod(0o555)
    before = snapshot(root)
    kind, message = as_unprivileged(lambda: restore_backup(archive, Profile(root)))
    assert kind == "DeskError", message
    assert snapshot(root) == before
