"""Disk full (reliability plan T2): ENOSPC at every write step of one import, one edit, one packet and one
backup; a real tiny file system; SQLite's own SQLITE_FULL. Each time: a clear message, nothing changed,
no temp file left, and the same operation succeeds once there is space again.
"""

from __future__ import annotations

import builtins
import errno
import io
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from desk.app import Desk, open_desk
from desk.backup import backup_profile
from desk.domain import CaseDraft, CaseId, CaseType, Platform
from desk.errors import DeskError
from tests.reliability.oracles import snapshot
from tests.test_backup import png

pytestmark = pytest.mark.sqlite_only


class DiskFull:
    """Counts every write-like step; raises ENOSPC at step `fail_at` (None: only count)."""

    def __init__(self, fail_at: int | None = None) -> None:
        self.fail_at = fail_at
        self.count = 0
        self.steps: list[str] = []
        self.fired = False

    def step(self, what: str) -> None:
        self.count += 1
        self.steps.append(what)
        if self.count == self.fail_at:
            self.fired = True
            raise OSError(errno.ENOSPC, "No space left on device (injected)")

    def db_error(self, what: str) -> None:
        try:
            self.step(what)
        except OSError:
            exc = sqlite3.OperationalError("database or disk is full")
            exc.sqlite_errorcode = 13  # type: ignore[attr-defined]
            raise exc from None


class _File:
    """A proxy for a file opened for writing, whose writes and flushes are fault points."""

    def __init__(self, inner: Any, owner: DiskFull) -> None:
        self._inner = inner
        self._owner = owner

    def write(self, data: Any) -> int:
        self._owner.step("file.write")
        return int(self._inner.write(data))

    def flush(self) -> None:
        self._owner.step("file.flush")
        self._inner.flush()

    def __enter__(self) -> _File:
        return self

    def __exit__(self, *exc: object) -> None:
        self._inner.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._inner)


@contextmanager
def injected(monkeypatch: pytest.MonkeyPatch, desk: Desk, fault: DiskFull) -> Iterator[DiskFull]:
    real_open = builtins.open

    def faulty_open(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        f = real_open(file, mode, *args, **kwargs)
        if any(c in mode for c in "wax+") and not str(file).endswith((".log", "desk.lock")):
            return _File(f, fault)
        return f

    def wrap(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def inner(*a: Any, **k: Any) -> Any:
            fault.step(name)
            return fn(*a, **k)

        return inner

    with monkeypatch.context() as mp:
        mp.setattr(builtins, "open", faulty_open)
        mp.setattr(io, "open", faulty_open)
        for name in ("write", "fsync", "replace", "rename", "copy_file_range", "mkdir", "makedirs"):
            mp.setattr(os, name, wrap(f"os.{name}", getattr(os, name)))
        dialect = desk.engine.dialect
        real_commit = dialect.do_commit

        def do_commit(conn: Any) -> None:
            fault.db_error("db.commit")
            real_commit(conn)

        def do_execute(cursor: Any, statement: str, parameters: Any, context: Any) -> None:
            if statement.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
                fault.db_error("db.write")

        mp.setattr(dialect, "do_commit", do_commit)
        event.listen(desk.engine, "do_execute", do_execute)
        try:
            yield fault
        finally:
            event.remove(desk.engine, "do_execute", do_execute)


def make_base(root: Path, source_dir: Path) -> CaseId:
    d = open_desk(root)
    try:
        data, _ = d.cases.create(
            CaseDraft(platform=Platform.PDD, order_no="261120-000000000000001", case_type=CaseType.WRONG_ITEM)
        )
        d.evidence.import_bytes(data.id, png(1), "称重.png")
        d.packets.build(data.id)
    finally:
        d.close()
    (source_dir / "复称.png").write_bytes(png(2, 300))
    return data.id


def op_import(d: Desk, case_id: CaseId, src: Path, out: Path) -> object:
    report = d.evidence.import_files(case_id, [src / "复称.png"])
    if report.rejected:
        raise DeskError(report.rejected[0].reason)
    return report


def op_edit(d: Desk, case_id: CaseId, src: Path, out: Path) -> object:
    current = d.cases.get(case_id)
    return d.cases.update(case_id, expected_version=current.version, courier="顺丰", notes="已联系买家")


def op_packet(d: Desk, case_id: CaseId, src: Path, out: Path) -> object:
    return d.packets.build(case_id)


def op_backup(d: Desk, case_id: CaseId, src: Path, out: Path) -> object:
    return backup_profile(d.profile, out / "b.deskbackup")


OPS = {"import": op_import, "edit": op_edit, "packet": op_packet, "backup": op_backup}


def _temp_files(root: Path, out: Path) -> list[Path]:
    found = [p for p in (root / "evidence" / "tmp").iterdir()]
    found += list(root.rglob("*.partial")) + list(root.rglob("*.tmp")) + list(out.glob("*"))
    return found


@pytest.mark.parametrize("op", list(OPS))
def test_enospc_at_every_write_step(op: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    base, src = tmp_path / "base", tmp_path / "src"
    src.mkdir()
    case_id = make_base(base, src)
    run = OPS[op]

    # First count the write steps of a successful run.
    probe = tmp_path / "probe"
    shutil.copytree(base, probe)
    (tmp_path / "probe-out").mkdir()
    d = open_desk(probe)
    with injected(monkeypatch, d, DiskFull()) as counter:
        run(d, case_id, src, tmp_path / "probe-out")
    d.close()
    total = counter.count
    assert total >= 3, counter.steps

    for k in range(1, total + 1):
        root, out = tmp_path / f"k{k}", tmp_path / f"k{k}-out"
        shutil.copytree(base, root)
        out.mkdir()
        d = open_desk(root)
        try:
            before = snapshot(root)
            error: DeskError | None = None
            with injected(monkeypatch, d, DiskFull(fail_at=k)) as fault:
                try:
                    run(d, case_id, src, out)
                except DeskError as exc:
                    error = exc
            assert fault.fired, (k, fault.steps)
            if error is not None:
                # A clear sentence about the disk; the data exactly as before; nothing half written.
                assert any(w in error.message for w in ("磁盘空间", "空间已满", "空间不足")), (
                    k,
                    fault.steps[-1],
                    error,
                )
                assert snapshot(root) == before, (k, fault.steps[-1])
            # else: the failed step was optional (a thumbnail cache write), and the op completed.
            assert _temp_files(root, out) == [] or error is None, (k, _temp_files(root, out))
            # Space is back: the same operation now succeeds.
            run(d, case_id, src, out)
        finally:
            d.close()
        shutil.rmtree(root)
        shutil.rmtree(out)


def test_sqlite_full_gives_a_plain_message(tmp_path: Path) -> None:
    d = open_desk(tmp_path / "p")
    try:
        before = snapshot(tmp_path / "p")
        with d.engine.connect() as conn:
            pages = conn.exec_driver_sql("PRAGMA page_count").scalar()

        @event.listens_for(d.engine, "connect")
        def limit(dbapi_conn: Any, _rec: Any) -> None:
            dbapi_conn.execute(f"PRAGMA max_page_count={pages}")

        d.engine.dispose()
        with pytest.raises(DeskError, match="磁盘空间已满") as info:
            for i in range(200):
                d.cases.create(CaseDraft(order_no=f"X{i}", description="长" * 4000))
        assert "本次修改没有保存" in info.value.message
        assert len(d.cases.list_ids()) == len(before["db"]["cases"]) + i
    finally:
        d.close()


def test_real_tiny_file_system(tmp_path: Path) -> None:
    """A 32 MiB tmpfs with 2 MiB free: an 8 MiB import and a packet fail cleanly, then work after freeing."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root (CI runs as root)")
    mnt = tmp_path / "small"
    mnt.mkdir()
    if subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=32m", "tmpfs", str(mnt)], capture_output=True
    ).returncode:
        pytest.skip(
            "mount -t tmpfs is not permitted here (no CAP_SYS_ADMIN); layer 1 covers ENOSPC in-process"
        )
    try:
        root = mnt / "p"
        d = open_desk(root)
        try:
            data, _ = d.cases.create(CaseDraft(order_no="261120-000000000000009"))
            filler = mnt / "filler"
            free = shutil.disk_usage(mnt).free
            subprocess.run(["fallocate", "-l", str(free - (2 << 20)), str(filler)], check=True)
            big = tmp_path / "big.png"
            from PIL import Image

            Image.frombytes("RGB", (1700, 1700), os.urandom(1700 * 1700 * 3)).save(big, compress_level=0)
            assert big.stat().st_size > 8 << 20
            before = snapshot(root)
            report = d.evidence.import_files(data.id, [big])
            assert report.rejected and "磁盘空间已满" in report.rejected[0].reason
            assert snapshot(root) == before
            assert list((root / "evidence" / "tmp").iterdir()) == []
            filler.unlink()
            assert d.evidence.import_files(data.id, [big]).added
        finally:
            d.close()
    finally:
        subprocess.run(["umount", str(mnt)], check=False)
