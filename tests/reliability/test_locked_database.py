"""Another program holds the database (reliability plan T4): short holds are waited out; long ones give a
plain message within the busy timeout + 1 s, change nothing, and the retry works once it lets go."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from desk.app import open_desk
from desk.domain import CaseDraft
from desk.errors import DatabaseLocked
from tests.reliability.oracles import snapshot
from tests.timing import SLACK

pytestmark = pytest.mark.sqlite_only

HOLD = (
    "import sqlite3, sys, time; con = sqlite3.connect(sys.argv[1], isolation_level=None); "
    "con.execute('BEGIN EXCLUSIVE'); print('LOCKED', flush=True); time.sleep(float(sys.argv[2])); "
    "con.execute('COMMIT')"
)
BUSY_TIMEOUT = 10.0


def hold(db: Path, seconds: float) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(db), str(seconds)], stdout=subprocess.PIPE)
    assert proc.stdout is not None and proc.stdout.readline().strip() == b"LOCKED"
    return proc


def test_a_short_lock_is_waited_out(tmp_path: Path) -> None:
    d = open_desk(tmp_path / "p")
    try:
        case, _ = d.cases.create(CaseDraft(order_no="261120-000000000000001"))
        holder = hold(d.profile.database, 2)
        d.cases.update(case.id, notes="等锁释放后保存")
        holder.wait()
        assert d.cases.get(case.id).notes == "等锁释放后保存"
    finally:
        d.close()


def test_a_long_lock_gives_a_plain_message_and_changes_nothing(tmp_path: Path) -> None:
    d = open_desk(tmp_path / "p")
    try:
        case, _ = d.cases.create(CaseDraft(order_no="261120-000000000000002"))
        before = snapshot(d.profile.root)
        holder = hold(d.profile.database, 30)
        try:
            started = time.monotonic()
            with pytest.raises(DatabaseLocked) as info:
                d.cases.update(case.id, notes="被锁住")
            waited = time.monotonic() - started
        finally:
            holder.kill()
            holder.wait()
        assert waited < BUSY_TIMEOUT + 1 * SLACK
        assert "正被另一个程序占用" in info.value.message and "desk.sqlite3" in info.value.message
        assert snapshot(d.profile.root) == before
        d.cases.update(case.id, notes="重试成功")  # the holder is gone: the retry works
        assert d.cases.get(case.id).notes == "重试成功"
    finally:
        d.close()
