"""工具 menu (备份…, 恢复…, 检查数据) and the reliability services a window starts with."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ui.context import FeatureContext, MenuKey
from ui.qt import QAction, QTimer

if TYPE_CHECKING:
    from ui.main_window import MainWindow

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ToolsFeature:
    """The 工具 menu's actions."""

    backup: QAction
    restore: QAction
    check: QAction

    @property
    def actions(self) -> tuple[QAction, ...]:
        return (self.backup, self.restore, self.check)


def install(ctx: FeatureContext) -> ToolsFeature:
    """Fill the 工具 menu."""
    from ui.tools.backup_dialog import ask_backup, ask_restore
    from ui.tools.check_dialog import CheckDialog

    feature = ToolsFeature(
        backup=ctx.action("备份…", lambda: ask_backup(ctx), tip="把全部售后记录和证据备份为一个文件"),
        restore=ctx.action("恢复…", lambda: ask_restore(ctx), tip="从备份文件恢复（先完整校验）"),
        check=ctx.action("检查数据", lambda: CheckDialog(ctx).start(), tip="检查数据库和每个证据原始文件"),
    )
    menu = ctx.menu(MenuKey.TOOLS)
    menu.addActions([feature.backup, feature.restore])
    menu.addSeparator()
    menu.addAction(feature.check)
    return feature


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
    QTimer.singleShot(1500, window, lambda: run_daily_backup_in_background(window.feature_context))
