"""Unexpected errors (reliability plan T13): a dialog with 复制详情, the traceback in the log, the window
keeps working; a native crash is written by faulthandler and offered at the next start."""

from __future__ import annotations

import logging
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from ui.crash import COPY_LABEL, CrashHandler, offer_native_crash_report, pending_native_crash
from ui.qt import QApplication, QMessageBox, QPushButton, QTimer, QWidget

pytestmark = pytest.mark.gui

REPO = Path(__file__).resolve().parents[1]


def crash_dialogs() -> list[QMessageBox]:
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()]


@pytest.fixture
def handler(qtbot):  # type: ignore[no-untyped-def]
    h = CrashHandler().install()
    yield h
    h.uninstall()
    for box in crash_dialogs():
        box.done(0)
    qtbot.waitUntil(lambda: not crash_dialogs(), timeout=2000)


@pytest.mark.qt_no_exception_capture
def test_exception_in_a_slot_shows_dialog_logs_and_keeps_running(handler, qtbot, caplog) -> None:  # type: ignore[no-untyped-def]
    window = QWidget()
    qtbot.addWidget(window)
    window.show()
    clicks = []

    def broken() -> None:
        raise RuntimeError("称重图读取失败")

    caplog.set_level(logging.ERROR)
    QTimer.singleShot(0, broken)
    qtbot.waitUntil(lambda: len(crash_dialogs()) == 1, timeout=3000)
    box = crash_dialogs()[0]
    assert "意外错误" in box.text() and "称重图读取失败" in box.informativeText()
    assert "Traceback" not in box.text() + box.informativeText()
    copy = next(b for b in box.findChildren(QPushButton) if b.text() == COPY_LABEL)
    copy.click()
    assert "RuntimeError: 称重图读取失败" in QApplication.clipboard().text()
    assert box.isVisible()  # copying does not close it
    assert "RuntimeError" in caplog.text and "Traceback" in caplog.text
    # The event loop is alive: a later normal action still runs.
    QTimer.singleShot(0, lambda: clicks.append(1))
    qtbot.waitUntil(lambda: clicks == [1], timeout=2000)
    assert window.isEnabled()


@pytest.mark.qt_no_exception_capture
def test_exception_in_a_worker_thread_reaches_the_gui_thread(handler, qtbot, caplog) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level(logging.ERROR)

    def work() -> None:
        raise ValueError("后台任务出错")

    t = threading.Thread(target=work, name="desk-db-test")
    t.start()
    t.join()
    qtbot.waitUntil(lambda: len(crash_dialogs()) == 1, timeout=3000)
    assert "后台任务出错" in crash_dialogs()[0].informativeText()
    assert "desk-db-test" in caplog.text


def test_native_crash_is_logged_and_offered_once(tmp_path: Path, qtbot) -> None:  # type: ignore[no-untyped-def]
    logs = tmp_path / "logs"
    code = (
        "import faulthandler, sys; from pathlib import Path; from ui.crash import enable_native_crash_log; "
        f"enable_native_crash_log(Path({str(logs)!r})); faulthandler._sigsegv()"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        capture_output=True,
        timeout=60,
        env={"PYTHONPATH": str(REPO), "QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin"},
    )
    assert proc.returncode != 0
    found = pending_native_crash(logs)
    assert found is not None and "Segmentation fault" in found[1]
    asked = []

    def ask(parent, text, buttons, informative=""):  # type: ignore[no-untyped-def]
        asked.append((text, informative))
        return 1  # 以后再说

    assert offer_native_crash_report(None, logs, ask=ask)
    assert "意外退出" in asked[0][0] and "native-crash-" in asked[0][1]
    assert list(logs.glob("native-crash-*.log"))
    assert pending_native_crash(logs) is None
    assert not offer_native_crash_report(None, logs, ask=ask)


def test_report_is_set_aside_before_this_runs_faulthandler_takes_the_file(tmp_path: Path) -> None:
    import ui.crash as crash

    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "native-crash.log").write_text("Fatal Python error: Segmentation fault\n", encoding="utf-8")
    handler = crash.install(logs)
    try:
        # This run's faulthandler writes to a fresh native-crash.log; the old report waits to be offered.
        assert pending_native_crash(logs) is None
        asked = []
        assert offer_native_crash_report(None, logs, ask=lambda *a, **k: asked.append(a) or 1)
        assert asked and list(logs.glob("native-crash-*.log"))
    finally:
        handler.uninstall()  # faulthandler back on stderr
