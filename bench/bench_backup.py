"""Backup and restore of a 10,000-case profile with 2 GB of evidence, against a plain `cp` of the same files.

Targets: backup at >= 80 % of the speed of a sequential copy of the same files; restore with
full verification in <= 2x that copy's time. Both sides are timed warm (files in the page cache) and
both include getting the bytes to disk: the anchor is `cp -r` followed by `sync`, the backup fsyncs
its archive, the restore syncs its staging folder before the swap. Each figure is the best of 2 runs.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

TITLE = "Backup and restore (10,000 cases, 2 GB of evidence)"
CASES = int(os.environ.get("BENCH_BACKUP_CASES", "10000"))
EVIDENCE_BYTES = int(os.environ.get("BENCH_BACKUP_BYTES", str(2 * 1024**3)))
BLOB_SIZE = 512 * 1024
RUNS = 2


def _make_profile(root: Path) -> tuple[int, int]:
    """Cases through the real schema (bulk insert), evidence blobs written in the store's own layout."""
    from desk.app import open_desk

    # The desk first: a folder that already holds originals but no database is refused (desk/db/guard.py).
    d = open_desk(root)
    blobs = root / "evidence" / "blobs"
    n_blobs = EVIDENCE_BYTES // BLOB_SIZE
    rows = []
    total = 0
    for i in range(n_blobs):
        data = os.urandom(BLOB_SIZE)  # incompressible, like real JPEG photos
        sha = hashlib.sha256(data).hexdigest()
        path = blobs / sha[:2] / sha[2:4] / sha
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        path.chmod(0o444)
        total += len(data)
        rows.append((1 + i % CASES, sha, len(data), i))
    from sqlalchemy import insert

    from desk.db import models as m
    from desk.domain import CaseType, EvidenceKind, Platform

    now = datetime.now(UTC)
    try:
        # Core inserts still apply the models' column defaults, whatever columns later versions add.
        with d.engine.begin() as conn:
            conn.execute(
                insert(m.Case),
                [
                    {
                        "platform": Platform.PDD,
                        "order_no": f"261120-{i:015d}",
                        "tracking_no": f"SF{i:010d}",
                        "case_type": CaseType.MISSING_ITEM,
                        "description": "买家申请退货退款，称重差 0.3 kg" * 3,
                        "created_at": now,
                        "updated_at": now,
                    }
                    for i in range(CASES)
                ],
            )
            conn.execute(
                insert(m.Evidence),
                [
                    {
                        "case_id": c,
                        "kind": EvidenceKind.WAREHOUSE_WEIGHT,
                        "sha256": sha,
                        "original_name": "称重.jpg",
                        "media_type": "image/jpeg",
                        "byte_size": size,
                        "imported_at": now,
                        "position": pos,
                    }
                    for c, sha, size, pos in rows
                ],
            )
    finally:
        d.close()
    return CASES, total


def _timed(fn: object) -> float:
    start = time.perf_counter()
    fn()  # type: ignore[operator]
    return time.perf_counter() - start


def run() -> list[tuple[str, str, str, str, str]]:
    from desk.backup import backup_profile, restore_backup
    from desk.profile import Profile

    work = Path(tempfile.mkdtemp(prefix="bench-backup-", dir=os.environ.get("BENCH_TMP")))
    try:
        src = work / "src"
        cases, total = _make_profile(src)
        subprocess.run(["sync"], check=True)
        gb = total / 1e9

        def cp_once() -> None:
            dst = work / "cp"
            shutil.rmtree(dst, ignore_errors=True)
            (dst / "evidence").mkdir(parents=True)
            subprocess.run(["cp", "-r", str(src / "evidence" / "blobs"), str(dst / "evidence")], check=True)
            subprocess.run(["cp", str(src / "desk.sqlite3"), str(dst)], check=True)
            subprocess.run(["sync"], check=True)

        def backup_once() -> None:
            archive = work / "b.deskbackup"
            archive.unlink(missing_ok=True)
            backup_profile(Profile(src), archive)

        def restore_once() -> None:
            dst = work / "restored"
            if dst.exists():
                for p in dst.rglob("*"):
                    if p.is_file():
                        p.chmod(0o644)
                shutil.rmtree(dst)
            restore_backup(work / "b.deskbackup", Profile(dst), safety_backup=False)

        cp_times, backup_times, restore_times = [], [], []
        for _ in range(RUNS):
            cp_times.append(_timed(cp_once))
            shutil.rmtree(work / "cp")
            backup_times.append(_timed(backup_once))
            restore_times.append(_timed(restore_once))
        cp_t, b_t, r_t = min(cp_times), min(backup_times), min(restore_times)
        speed = cp_t / b_t  # backup speed relative to the copy's speed
        return [
            (
                f"backup, {cases:,} cases + {gb:.2f} GB evidence (verified archive)",
                f"{b_t:.2f} s ({gb / b_t:.2f} GB/s) = {speed * 100:.0f} % of cp speed",
                ">= 80 % of cp speed",
                f"cp -r + sync {cp_t:.2f} s ({gb / cp_t:.2f} GB/s)",
                "pass" if speed >= 0.8 else "FAIL",
            ),
            (
                "restore into an empty profile, full verification",
                f"{r_t:.2f} s = {r_t / cp_t:.2f}x cp time",
                "<= 2x cp time",
                f"cp -r + sync {cp_t:.2f} s",
                "pass" if r_t <= 2 * cp_t else "FAIL",
            ),
            (
                "runs (cp / backup / restore, s)",
                " / ".join(
                    ",".join(f"{t:.2f}" for t in ts) for ts in (cp_times, backup_times, restore_times)
                ),
                "",
                "best of each is used above",
                "",
            ),
        ]
    finally:
        for p in work.rglob("*"):
            if p.is_file() and not os.access(p, os.W_OK):
                p.chmod(0o644)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    for row in run():
        print(" | ".join(row))
