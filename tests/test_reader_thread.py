"""The window's read worker reads beside a write in progress instead of waiting for the write lock.

An operator scrolling the case list while a packet is being written (or while another desk on the same
folder saves) must see the rows at once; a reader that asked for the write lock waited up to the busy
timeout. SQLite only: PostgreSQL readers never wait for writers.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from pathlib import Path

import pytest

from desk.app import open_desk
from desk.db.thread_guard import mark_reader_thread
from desk.domain import CaseDraft, CaseType


def _run_in_thread(fn, *, reader: bool) -> tuple[float, object]:
    out: dict[str, object] = {}

    def body() -> None:
        if reader:
            mark_reader_thread()
        started = time.perf_counter()
        try:
            out["value"] = fn()
        except Exception as exc:  # reported to the test below
            out["value"] = exc
        out["took"] = time.perf_counter() - started

    t = threading.Thread(target=body)
    t.start()
    t.join(30)
    return float(out["took"]), out["value"]  # type: ignore[arg-type]


@pytest.mark.skipif(
    bool(os.environ.get("DESK_TEST_DATABASE_URL")), reason="the SQLite write lock is the subject"
)
def test_a_reader_thread_reads_while_another_connection_holds_the_write_lock(tmp_path: Path) -> None:
    desk = open_desk(tmp_path / "p")
    try:
        case, _ = desk.cases.create(CaseDraft(order_no="240601-1", case_type=CaseType.MISSING_ITEM))
        blocker = sqlite3.connect(
            tmp_path / "p" / "desk.sqlite3", timeout=0, isolation_level=None, check_same_thread=False
        )
        blocker.execute("BEGIN IMMEDIATE")  # another desk saving: holds the write lock for a while
        blocker.execute("UPDATE cases SET buyer_nick = 'x' WHERE id = ?", (int(case.id),))
        try:
            took, rows = _run_in_thread(lambda: desk.cases.rows([case.id]), reader=True)
            assert not isinstance(rows, BaseException), rows
            assert took < 1.0, f"the read waited {took:.1f} s for another desk's write"
            assert rows[case.id].order_no == "240601-1"  # type: ignore[index]
            assert rows[case.id].buyer_nick != "x"  # type: ignore[index]  # not the uncommitted write
            # The same read on a writer thread queues for the lock: what the reader mark is for.
            blocker_release = threading.Timer(1.5, lambda: blocker.execute("ROLLBACK"))
            blocker_release.start()
            took_writer, _ = _run_in_thread(lambda: desk.cases.rows([case.id]), reader=False)
            blocker_release.join()
            assert took_writer >= 1.0
        finally:
            blocker.close()
    finally:
        desk.close()
