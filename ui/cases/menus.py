"""The 售后 and 资料 menus: delete/restore/trash, bulk changes, export, saved views, shops, platform profiles."""

from __future__ import annotations

from typing import TYPE_CHECKING

from desk.domain import CaseStatus
from ui.qt import QAction, QKeySequence, QMenu, Qt

if TYPE_CHECKING:
    from ui.main_window import MainWindow


def install_case_menus(window: MainWindow) -> None:
    pane = window.cases_pane
    menu = window.menuBar().addMenu("售后")
    window.delete_case_action = QAction("删除（移入回收站）", window)
    window.delete_case_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Delete))
    # Only while the list has focus: in a text field Delete keeps deleting text.
    window.delete_case_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
    window.delete_case_action.triggered.connect(lambda _c=False: pane.delete_selected())
    pane.table.addAction(window.delete_case_action)
    menu.addAction(window.delete_case_action)
    undo = menu.addAction("撤销删除")
    undo.setStatusTip("把最近删除的售后从回收站取回（Ctrl+Z）")
    undo.triggered.connect(lambda _c=False: pane.undo())
    menu.addSeparator()
    status = QMenu("选中的售后改状态", menu)
    for s in CaseStatus:
        status.addAction(s.value, lambda s=s: pane.set_status_of_selected(s))
    menu.addMenu(status)
    shop = QMenu("选中的售后改店铺", menu)
    shop.aboutToShow.connect(lambda: pane._fill_shop_menu(shop))
    menu.addMenu(shop)
    export = menu.addAction("导出选中的售后…")
    export.setStatusTip("导出为电子表格（未选中时导出列表里的全部售后）")
    export.triggered.connect(lambda _c=False: pane.export_selected())
    menu.addSeparator()
    view = menu.addAction("保存当前筛选为视图…")
    view.triggered.connect(lambda _c=False: pane.save_view())
    trash = menu.addAction("回收站")
    trash.triggered.connect(lambda _c=False: pane.show_trash())

    data = window.menuBar().addMenu("资料")
    shops = data.addAction("店铺管理…")
    shops.setStatusTip("店铺名称、平台、退货地址、退换货须知、联系方式")
    shops.triggered.connect(lambda _c=False: open_shops(window))
    platforms = data.addAction("平台资料…")
    platforms.setStatusTip("各平台的售后状态、退款类型与原因、申诉类型、限额与时限")
    platforms.triggered.connect(lambda _c=False: open_platforms(window))


def open_shops(window: MainWindow) -> None:
    from ui.cases.shop_dialog import ShopDialog

    dialog = ShopDialog(window.opened_desk, window.runner, parent=window)
    dialog.changes_made.connect(window.changes_applied)
    dialog.open()
    window.shop_dialog = dialog


def open_platforms(window: MainWindow) -> None:
    from ui.cases.platform_dialog import PlatformDialog

    dialog = PlatformDialog(window.opened_desk.platforms, window.runner, parent=window)
    dialog.profiles_changed.connect(lambda: window.form.reload_platform_lists())
    dialog.open()
    window.platform_dialog = dialog
