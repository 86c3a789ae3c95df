"""The typing journal: a window killed (SIGKILL) during continuous typing loses at most about a second of
text; the next start offers it back (恢复 / 丢弃); a save removes it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from desk.domain import CaseDraft, Platform
from tests.ui_wait import select_case
from ui.cases.autosave import JOURNAL_NAME, Journal
from ui.main_window import MainWindow
from ui.qt import QSettings
from ui.tasks import TaskRunner

REPO = Path(__file__).resolve().parents[1]
# Typed one character every 60 ms without a pause (2.7 s): the kill comes while it goes on.
TYPED = "买家同意补发一件，快递单号稍后补上。仓库复称重量一致，已拍照留存，等待平台审核结果后再联系买家。"
READY_AT = 20  # the child says READY after this many characters (1.2 s of typing)

TYPIST = r"""
import sys, time
from desk.app import open_desk
from ui.app import setup_application
from ui.main_window import MainWindow
from ui.qt import QApplication, QInputMethodEvent, QSettings
from ui.tasks import TaskRunner

app = setup_application(["typist"])
desk = open_desk(sys.argv[1])
window = MainWindow(desk, runner=TaskRunner(), settings=QSettings(sys.argv[2], QSettings.Format.IniFormat))
window.show()
case_id = desk.cases.list_ids()[0]
window.select_case(case_id)
form = window.form
end = time.monotonic() + 20
while time.monotonic() < end and (form.case_id != case_id or form.opening is not None):
    app.processEvents()
    time.sleep(0.005)
notes = form.fields["notes"]
notes.setFocus()
text = sys.argv[3]
started = time.monotonic()
i = 0
while True:  # typing on: the autosave's pause never comes
    if i < len(text):
        event = QInputMethodEvent()
        event.setCommitString(text[i])
        QApplication.sendEvent(notes, event)
        i += 1
        if i == int(sys.argv[4]):
            print("READY", form.is_dirty(), flush=True)
    stop = time.monotonic() + 0.06
    while time.monotonic() < stop:
        app.processEvents()
        time.sleep(0.005)
"""


def test_journal_write_read_clear(tmp_path: Path) -> None:
    journal = Journal(tmp_path / JOURNAL_NAME)
    assert journal.read() is None
    journal.write(3, {"notes": "正在输入", "platform": Platform.PDD})
    entry = journal.read()
    assert entry is not None and entry.case_id == 3
    assert dict(entry.fields) == {"notes": "正在输入", "platform": "PDD"}
    assert not list(tmp_path.glob("*.partial"))  # replaced whole, nothing left beside it
    journal.write(3, {})
    assert journal.read() is None and not (tmp_path / JOURNAL_NAME).exists()
    (tmp_path / JOURNAL_NAME).write_text("{half", encoding="utf-8")
    assert journal.read() is None  # a damaged file offers nothing rather than failing the start


@pytest.mark.sqlite_only
def test_typing_survives_kill_and_is_offered_back(tmp_path: Path, desk: Any, qtbot: Any) -> None:
    case, _ = desk.cases.create(CaseDraft(platform=Platform.PDD, order_no="240101-123456789012345"))
    root = desk.profile.root
    desk.close()
    env = {**os.environ, "PYTHONPATH": str(REPO), "QT_QPA_PLATFORM": "offscreen"}
    proc = subprocess.Popen(
        [sys.executable, "-c", TYPIST, str(root), str(tmp_path / "ui.ini"), TYPED, str(READY_AT)],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        line = ""
        while time.monotonic() < deadline:
            line = proc.stdout.readline()  # type: ignore[union-attr]
            if line.startswith("READY") or not line:
                break
        assert line.startswith("READY True"), proc.stderr.read()  # type: ignore[union-attr]
        time.sleep(1.0)  # still typing: about 16 more characters went in since READY
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert (root / JOURNAL_NAME).exists()

    from desk.app import open_desk

    again = open_desk(root)
    runner = TaskRunner()
    window = MainWindow(
        again, runner=runner, settings=QSettings(str(tmp_path / "ui2.ini"), QSettings.Format.IniFormat)
    )
    try:
        window.resize(1280, 720)
        window.show()
        qtbot.waitExposed(window)
        assert again.cases.get(case.id).notes == ""  # never saved: typing never paused
        form = window.form
        assert form.journal_bar.isVisible()
        assert "上次未保存的修改" in form.journal_label.text() and "备注" in form.journal_label.text()
        form.journal_restore_button.click()
        select_case(qtbot, window, case.id)
        notes = form.fields["notes"]
        qtbot.waitUntil(lambda: bool(notes.toPlainText()), timeout=20_000)  # type: ignore[attr-defined]
        restored = notes.toPlainText()  # type: ignore[attr-defined]
        # Everything typed up to about a second before the kill is back, and nothing else.
        assert TYPED.startswith(restored) and len(restored) >= READY_AT, restored
        assert not form.journal_bar.isVisible()
        # Saved as any edit (after the usual pause); then the journal is gone.
        qtbot.waitUntil(lambda: again.cases.get(case.id).notes == restored, timeout=20_000)
        qtbot.waitUntil(lambda: not (root / JOURNAL_NAME).exists(), timeout=20_000)
    finally:
        window.form.revert()
        window.close()
        runner.shutdown(wait=True)
        again.close()


def test_discard_removes_the_offer(tmp_path: Path, desk: Any, runner: TaskRunner, qtbot: Any) -> None:
    case, _ = desk.cases.create(CaseDraft(platform=Platform.PDD, order_no="240101-123456789012345"))
    Journal(desk.profile.root / JOURNAL_NAME).write(int(case.id), {"buyer_nick": "张三"})
    window = MainWindow(
        desk, runner=runner, settings=QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)
    )
    try:
        window.show()
        qtbot.waitExposed(window)
        assert window.form.journal_bar.isVisible()
        window.form.journal_discard_button.click()
        assert not window.form.journal_bar.isVisible()
        assert not (desk.profile.root / JOURNAL_NAME).exists()
        assert desk.cases.get(case.id).buyer_nick == ""
    finally:
        window.close()
