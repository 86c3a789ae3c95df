"""The window's start on a profile whose database is gone: the refusal in words, never a new empty desk."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from desk.app import open_desk
from desk.backup import run_daily_backup
from desk.profile import Profile
from tests.reliability.oracles import blob_map
from tests.test_backup import fill
from ui.main_window import MainWindow
from ui.qt import QApplication, QMessageBox, QSettings, QTimer

pytestmark = [pytest.mark.gui, pytest.mark.sqlite_only]


@pytest.mark.parametrize("how", ["missing", "zero-bytes"])
def test_the_window_shows_the_refusal_and_creates_no_database(
    qapp: QApplication,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    how: str,
) -> None:
    from ui.startup import run_profile

    root = tmp_path / "p"
    d = open_desk(root)
    try:
        fill(d, cases=1, per_case=2)
    finally:
        d.close()
    assert run_daily_backup(Profile(root)) is not None
    for suffix in ("", "-wal", "-shm"):
        (root / f"desk.sqlite3{suffix}").unlink(missing_ok=True)
    if how == "zero-bytes":
        (root / "desk.sqlite3").write_bytes(b"")
    blobs = blob_map(root)
    assert blobs
    settings = QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)
    monkeypatch.setattr("ui.main_window.settings_for_ui", lambda: settings)
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    told: list[str] = []
    monkeypatch.setattr(QMessageBox, "exec", lambda box: told.append(box.text()) or 0)
    opened: list[bool] = []
    # Windows other tests left behind, held so that none is freed during this test and its id reused.
    left_behind = QApplication.topLevelWidgets()
    earlier = {id(w) for w in left_behind}
    running = [True]

    def watch() -> None:
        # Before the fix the desk opened as a new, empty one: close it so the test fails instead of hanging.
        if not running[0]:
            return
        for w in QApplication.topLevelWidgets():
            if isinstance(w, MainWindow) and id(w) not in earlier and w.desk is not None:
                opened.append(True)
                w.close()
                return
        QTimer.singleShot(20, watch)

    QTimer.singleShot(0, watch)
    try:
        code = run_profile(Profile(root))
    finally:
        running[0] = False
    assert code == 2 and not opened
    assert len(told) == 1, told
    message = told[0]
    assert str(root / "desk.sqlite3") in message and ("不见了" if how == "missing" else "0 字节") in message
    assert str(root / "backups") in message and "auto-" in message and "restore" in message
    assert "Traceback" not in message
    # Not a new empty desk: no database was made, and every original is still there.
    assert not (root / "desk.sqlite3").exists() or (root / "desk.sqlite3").stat().st_size == 0
    assert blob_map(root) == blobs
    assert any(
        r.levelname == "ERROR" and "refusing to start a new database" in r.getMessage()
        for r in caplog.records
    )
