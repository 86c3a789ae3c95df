"""工具 menu: 备份…, 恢复…, 检查数据 from the window, as an operator uses them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from desk.backup import backup_profile
from desk.domain import CaseDraft
from ui.main_window import MainWindow
from ui.qt import QApplication, QMessageBox, QSettings
from ui.tasks import TaskRunner
from ui.tools.backup_dialog import confirm_and_restore, start_backup
from ui.tools.check_dialog import CheckDialog

pytestmark = [pytest.mark.gui, pytest.mark.sqlite_only]


@pytest.fixture
def window(qtbot: Any, desk: Any, runner: TaskRunner, tmp_path: Path) -> Iterator[MainWindow]:
    desk.cases.create(CaseDraft(order_no="261120-000000000000321", notes="原来的"))
    settings = QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)
    w = MainWindow(desk, runner=runner, settings=settings)
    w.show()
    qtbot.waitExposed(w)
    yield w
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, QMessageBox | MainWindow | CheckDialog) and widget.isVisible():
            if isinstance(widget, MainWindow):
                widget.form.revert()
            widget.close()


def info_boxes() -> list[QMessageBox]:
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()]


def test_tools_menu_has_backup_restore_check(window: MainWindow) -> None:
    menus = {a.text(): a.menu() for a in window.menuBar().actions()}
    assert "工具" in menus
    entries = [a.text() for a in menus["工具"].actions() if a.text()]
    assert entries == ["备份…", "恢复…", "检查数据", "提醒设置…"]


def test_backup_then_restore_from_the_window(window: MainWindow, qtbot: Any, tmp_path: Path) -> None:
    dest = tmp_path / "ui.deskbackup"
    start_backup(window.feature_context, dest)
    qtbot.waitUntil(lambda: dest.exists() and bool(info_boxes()), timeout=20_000)
    assert "已读回校验无误" in info_boxes()[0].text()
    info_boxes()[0].close()
    # Change the data, then restore the backup through the window.
    (case_id,) = window.desk.cases.list_ids()
    window.desk.cases.update(case_id, notes="之后改的")
    window.desk.cases.create(CaseDraft(order_no="after-backup"))
    confirm_and_restore(window.feature_context, dest, confirm=lambda *a, **k: 0)
    qtbot.waitUntil(lambda: bool(info_boxes()), timeout=20_000)
    assert "已从备份恢复" in info_boxes()[0].text()
    assert "恢复前的数据已另存为" in info_boxes()[0].informativeText()
    new = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]
    assert len(new) == 1 and new[0] is not window
    assert new[0].model.rowCount() == 1
    assert [window.desk.cases.get(i).notes for i in window.desk.cases.list_ids()] == ["原来的"]


def test_damaged_backup_is_refused_in_plain_words(
    window: MainWindow, tmp_path: Path, monkeypatch: Any
) -> None:
    good = backup_profile(window.desk.profile, tmp_path / "g.deskbackup").path
    bad = tmp_path / "bad.deskbackup"
    data = bytearray(good.read_bytes())
    data[len(data) // 2] ^= 0xFF
    bad.write_bytes(bytes(data))
    shown: list[str] = []
    monkeypatch.setattr(
        "ui.tools.backup_dialog.show_error", lambda parent, exc, action="": shown.append(str(exc))
    )
    # The manifest is fine, so the question comes; the damage is found while checking, before any change.
    failures: list[BaseException] = []
    from ui.tools import backup_dialog

    real = backup_dialog.Op

    class RecordingOp(real):  # type: ignore[misc, valid-type]
        def run(self, runner: TaskRunner) -> Any:
            self.on_failure(failures.append)
            return super().run(runner)

    monkeypatch.setattr(backup_dialog, "Op", RecordingOp)
    future = confirm_and_restore(window.feature_context, bad, confirm=lambda *a, **k: 0)
    with pytest.raises(Exception) as info:
        future.result(timeout=20)
    assert "已拒绝恢复" in str(info.value) and "没有任何改动" in str(info.value)
    assert [window.desk.cases.get(i).notes for i in window.desk.cases.list_ids()] == ["原来的"]


def test_check_dialog_reports_in_plain_words(window: MainWindow, qtbot: Any) -> None:
    dialog = CheckDialog(window.feature_context)
    dialog.start()
    qtbot.waitUntil(lambda: dialog.report is not None, timeout=20_000)
    assert "没有发现任何问题" in dialog.summary.text()
    assert "检查了 1 条售后记录" in dialog.text.toPlainText()
    assert not dialog.repair_button.isEnabled()
    dialog.close()
