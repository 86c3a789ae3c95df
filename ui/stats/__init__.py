"""统计: the 售后 ▸ 统计… window (figures by period and grouping, charts, win rates, 导出 Excel…)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ui.context import FeatureContext, MenuKey
from ui.qt import QAction

if TYPE_CHECKING:
    from ui.stats.window import StatsWindow


@dataclass(frozen=True, slots=True)
class StatsFeature:
    """The 统计… action and the window once opened (windows["stats"])."""

    open_action: QAction
    open_stats: Callable[[], StatsWindow]
    windows: dict[str, object]

    @property
    def actions(self) -> tuple[QAction, ...]:
        return (self.open_action,)


def install(ctx: FeatureContext) -> StatsFeature:
    """Add 统计… to the 售后 menu (at its top); the window is made on first use and refreshed by every change."""
    windows: dict[str, object] = {}

    def open_stats() -> StatsWindow:
        # Imported here: the window and its charts are not needed for the list's first paint.
        from ui.stats.window import StatsWindow

        w = windows.get("stats")
        if not isinstance(w, StatsWindow):
            w = StatsWindow(ctx.desk, ctx.runner, parent=ctx.parent)
            w.status_message.connect(ctx.show_status)
            window = w
            ctx.changes.connect(lambda _changes: window.refresh() if window.isVisible() else None)
            windows["stats"] = w
        w.refresh()
        w.show()
        w.raise_()
        w.activateWindow()
        return w

    action = ctx.action("统计…", open_stats, None, "售后支出、追回和申诉成功率，按月份、店铺、商品等分组")
    # Installed before the case entries of the menu (ui/main_window.py): a separator parts them.
    ctx.menu(MenuKey.CASES).addAction(action)
    ctx.menu(MenuKey.CASES).addSeparator()
    return StatsFeature(open_action=action, open_stats=open_stats, windows=windows)
