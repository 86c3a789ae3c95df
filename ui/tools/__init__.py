"""工具 menu (备份…, 恢复…, 检查数据) and the reliability services a window starts with."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from ui.qt import QTimer

if TYPE_CHECKING:
    from ui.main_window import MainWindow

log = logging.getLogger(__name__)


def install_tools_menu(window: MainWindow) -> None:
    """Add the 工具 menu to a main window."""
    from ui.tools.backup_dialog import ask_backup, ask_restore
    from ui.tools.check_dialog import CheckDialog

    menu = window.menuBar().addMenu("工具")
    window.backup_action = menu.addAction("备份…")
    window.backup_action.setStatusTip("把全部售后记录和证据备份为一个文件")
    window.backup_action.triggered.connect(lambda _=False: ask_backup(window))
    window.restore_action = menu.addAction("恢复…")
    window.restore_action.setStatusTip("从备份文件恢复（先完整校验）")
    window.restore_action.triggered.connect(lambda _=False: ask_restore(window))
    menu.addSeparator()
    window.check_action = menu.addAction("检查数据")
    window.check_action.setStatusTip("检查数据库和每个证据原始文件")
    window.check_action.triggered.connect(lambda _=False: CheckDialog(window).start())


def start_reliability_services(window: MainWindow) -> None:
    """After the window shows: hand-over target, last native crash report, today's automatic backup."""
    from ui.crash import offer_native_crash_report
    from ui.single_instance import current
    from ui.tools.backup_dialog import run_daily_backup_in_background

    guard = current()
    if guard is not None:
        guard.attach(window)
    logs = window.opened_desk.profile.logs_dir
    # The window is the timers' context: if it is gone, they never fire.
    QTimer.singleShot(0, window, lambda: offer_native_crash_report(window, logs))
    QTimer.singleShot(1500, window, lambda: run_daily_backup_in_background(window))
