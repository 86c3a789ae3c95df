"""Deadline reminders in the window, on a controlled clock: the summary when the desk opens, a reminder
at a lead time (in the window: the offscreen platform has no system tray), clicking it opens the case,
and 工具 ▸ 提醒设置… saving and refusing bad values."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from desk.domain import CaseDraft
from desk.settings import load_reminder_settings
from ui.main_window import MainWindow
from ui.qt import QApplication, QDialogButtonBox, QSettings, Qt
from ui.reminders import ReminderNotice, Reminders, ReminderScheduler, ReminderSettingsDialog

pytestmark = [pytest.mark.gui]


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC).replace(microsecond=0)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def window(qtbot: Any, desk: Any, runner: Any, tmp_path: Path, clock: Clock) -> Iterator[MainWindow]:
    desk.cases.create(CaseDraft(order_no="LATER-777", due_at=clock.now + timedelta(hours=1, minutes=30)))
    desk.cases.create(CaseDraft(order_no="SOON-123", due_at=clock.now + timedelta(minutes=40)))
    desk.cases.create(CaseDraft(order_no="NO-DEADLINE"))
    settings = QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)
    w = MainWindow(desk, runner=runner, settings=settings)
    scheduler(w).clock = clock  # before its first look (a second after the window is built)
    w.show()
    qtbot.waitExposed(w)
    yield w
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, MainWindow | ReminderSettingsDialog) and widget.isVisible():
            if isinstance(widget, MainWindow):
                widget.form.revert()
            widget.close()


def scheduler(w: MainWindow) -> ReminderScheduler:
    found = w.findChild(ReminderScheduler)
    assert found is not None
    return found


def notice(w: MainWindow) -> ReminderNotice:
    found = w.findChild(ReminderNotice)
    assert found is not None
    return found


def lines(w: MainWindow) -> list[str]:
    return [b.text() for b in notice(w).buttons]


def test_the_desk_opens_with_one_summary_of_what_is_due(window: MainWindow, qtbot: Any) -> None:
    assert window.findChild(Reminders).tray is None  # offscreen: no system tray, so the in-window notice
    qtbot.waitUntil(lambda: notice(window).isVisible(), timeout=10_000)
    assert notice(window).title.text() == "即将超时的售后"
    assert lines(window) == ["售后 SOON-123 40 分后超时", "售后 LATER-777 1 小时 30 分后超时"]
    assert "即将超时 2 件" in window.statusBar().currentMessage()
    # Non-modal: the window still takes clicks and keys.
    assert QApplication.activeModalWidget() is None


def test_a_lead_time_reminds_once_and_clicking_it_opens_the_case(
    window: MainWindow, qtbot: Any, clock: Clock
) -> None:
    s = scheduler(window)
    qtbot.waitUntil(lambda: notice(window).isVisible() and s.timer.isActive(), timeout=10_000)
    assert 0 < s.timer.interval() <= 60_000  # idle, it still looks once a minute
    notice(window).hide()
    clock.now += timedelta(minutes=31)  # LATER-777 is now 59 minutes away: its 1-hour reminder
    s.wake()
    qtbot.waitUntil(lambda: notice(window).isVisible(), timeout=10_000)
    assert notice(window).title.text() == "售后即将超时"
    assert lines(window) == ["售后 LATER-777 59 分后超时"]
    assert window.statusBar().currentMessage() == "售后 LATER-777 59 分后超时"

    # The list is searched down to another case: the reminder still finds its own.
    window.search.setText("SOON-123")
    qtbot.waitUntil(lambda: window.model.rowCount() == 1, timeout=10_000)
    assert window.form.case_id is None or window.desk.cases.get(window.form.case_id).order_no != "LATER-777"
    qtbot.mouseClick(notice(window).buttons[0], Qt.MouseButton.LeftButton)

    def opened() -> bool:
        shown = window.form.case_id
        return shown is not None and window.desk.cases.get(shown).order_no == "LATER-777"

    qtbot.waitUntil(opened, timeout=10_000)
    assert window.search.text() == ""  # shown in the whole list, where it can be seen

    notice(window).hide()
    clock.now += timedelta(minutes=1)
    wakes = s.wakes
    s.wake()
    qtbot.waitUntil(lambda: s.wakes > wakes and not s._asking and s.timer.isActive(), timeout=10_000)
    assert not notice(window).isVisible()  # the same deadline never reminds twice


def test_reminder_settings_save_and_bad_values_are_refused(window: MainWindow, qtbot: Any) -> None:
    tools = {a.text(): a.menu() for a in window.menuBar().actions()}["工具"]
    entry = next(a for a in tools.actions() if a.text() == "提醒设置…")
    entry.trigger()
    qtbot.waitUntil(lambda: window.findChild(ReminderSettingsDialog) is not None, timeout=5_000)
    dialog = window.findChild(ReminderSettingsDialog)
    assert dialog.leads.text() == "4小时, 1小时"
    save = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Save)

    dialog.leads.setText("两小时")
    qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and "看不懂提前时间" in dialog.error.text()

    dialog.leads.setText("2小时, 30")
    dialog.quiet_start.setText("22:00")
    qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and "同时填写" in dialog.error.text()

    dialog.quiet_end.setText("7:30")
    qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=5_000)
    saved = load_reminder_settings(window.desk.profile)
    assert saved.leads_minutes == (120, 30) and (saved.quiet_start, saved.quiet_end) == ("22:00", "07:30")
    assert scheduler(window).settings == saved
    assert window.statusBar().currentMessage() == "提醒设置已保存"


def test_closing_the_window_quits_unless_the_operator_chose_the_tray(window: MainWindow, qtbot: Any) -> None:
    from ui.qt import QSystemTrayIcon

    notices = window.findChild(Reminders)
    qtbot.waitUntil(lambda: scheduler(window).timer.isActive(), timeout=10_000)
    assert not notices.keep_in_tray  # the default: closing quits, as before
    notices.tray = QSystemTrayIcon(notices)  # as on a desktop with a tray
    notices.keep_in_tray = True
    assert not window.close()  # refused: the window hides, the desk stays in the tray
    assert window.isHidden() and scheduler(window).timer.isActive()  # still reminding
    notices.quit()  # the tray menu's 退出 closes for real
    assert window.isHidden() and notices._quitting
    notices._quitting = False
    window.show()
    notices.keep_in_tray = False
    assert window.close()


def test_an_open_notice_grows_to_show_every_new_line(window: MainWindow, qtbot: Any, clock: Clock) -> None:
    """New reminders while the notice is still open: each line is shown whole, none cut off at the bottom."""
    from desk.reminders import Reminder

    qtbot.waitUntil(lambda: notice(window).isVisible(), timeout=10_000)
    n = notice(window)
    first_height = n.height()
    coming = [
        Reminder(1, clock.now + timedelta(minutes=m), f"ORDER-{m}", 60, timedelta(minutes=m))
        for m in (5, 15, 25)
    ]
    n.show_reminders("3 件售后即将超时", coming)
    assert n.height() > first_height
    for button in n.buttons:
        assert button.isVisible()
        bottom = button.mapTo(n, button.rect().bottomLeft()).y()
        assert bottom < n.height(), f"{button.text()} is cut off ({bottom} ≥ {n.height()})"
    assert [b.text() for b in n.buttons] == [
        "售后 ORDER-5 5 分后超时",
        "售后 ORDER-15 15 分后超时",
        "售后 ORDER-25 25 分后超时",
    ]
