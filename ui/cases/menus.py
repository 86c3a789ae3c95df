"""The 售后 and 资料 menus: delete/trash, bulk changes, export, saved views, shops, platform profiles."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from desk.domain import CaseStatus
from desk.workflow import FINISHED_STATUSES
from ui.context import FeatureContext, MenuKey
from ui.qt import QAction, QKeySequence, QMenu, Qt

if TYPE_CHECKING:
    from ui.cases.platform_dialog import PlatformDialog
    from ui.cases.shop_dialog import ShopDialog


@dataclass(frozen=True, slots=True)
class CaseMenus:
    """The 售后 and 资料 menus' actions, and the functions that open the 资料 dialogs."""

    delete: QAction
    export: QAction
    save_view: QAction
    trash: QAction
    shops: QAction
    platforms: QAction
    open_shops: Callable[[], ShopDialog]
    open_platforms: Callable[[], PlatformDialog]

    @property
    def actions(self) -> tuple[QAction, ...]:
        return (self.delete, self.export, self.save_view, self.trash, self.shops, self.platforms)


def install(ctx: FeatureContext) -> CaseMenus:
    """Fill the 售后 menu (acting on the list's selection) and the 资料 menu."""
    pane = ctx.case_list
    delete = ctx.action("删除（移入回收站）", pane.delete_selected, QKeySequence.StandardKey.Delete)
    # Only while the list has focus: in a text field Delete keeps deleting text.
    delete.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
    pane.table.addAction(delete)
    menus = CaseMenus(
        delete=delete,
        export=ctx.action(
            "导出选中的售后…", pane.export_selected, tip="导出为电子表格（未选中时导出列表里的全部售后）"
        ),
        save_view=ctx.action("保存当前筛选为视图…", pane.save_view),
        trash=ctx.action("回收站", pane.show_trash),
        shops=ctx.action(
            "店铺管理…", lambda: open_shops(ctx), tip="店铺名称、平台、退货地址、退换货须知、联系方式"
        ),
        platforms=ctx.action(
            "平台资料…",
            lambda: open_platforms(ctx),
            tip="各平台的售后状态、退款类型与原因、申诉类型、限额与时限",
        ),
        open_shops=lambda: open_shops(ctx),
        open_platforms=lambda: open_platforms(ctx),
    )
    menu = ctx.menu(MenuKey.CASES)
    menu.addAction(menus.delete)
    menu.addSeparator()
    status = QMenu("选中的售后改状态", menu)
    for s in CaseStatus:
        status.addAction(str(s), partial(set_status, ctx, s))
    menu.addMenu(status)
    shop = QMenu("选中的售后改店铺", menu)
    shop.aboutToShow.connect(lambda: pane.fill_shop_menu(shop))
    menu.addMenu(shop)
    menu.addAction(menus.export)
    menu.addSeparator()
    menu.addActions([menus.save_view, menus.trash])
    ctx.menu(MenuKey.DATA).addActions([menus.shops, menus.platforms])
    return menus


def set_status(ctx: FeatureContext, status: CaseStatus) -> None:
    """Set the selected cases' status; closing them also asks what their books lack (the form's hook: the
    check runs on the DB worker after this write, so it sees which cases the write really closed)."""
    pane = ctx.case_list
    ids = pane.selected_ids()
    pane.set_status_of_selected(status)
    if ids and status in FINISHED_STATUSES:
        ctx.case_form.cases_closed.emit(tuple(ids))


def open_shops(ctx: FeatureContext) -> ShopDialog:
    from ui.cases.shop_dialog import ShopDialog

    dialog = ShopDialog(ctx.desk, ctx.runner, parent=ctx.parent)
    dialog.changes_made.connect(ctx.changes)
    dialog.open()
    return dialog


def open_platforms(ctx: FeatureContext) -> PlatformDialog:
    from ui.cases.platform_dialog import PlatformDialog

    dialog = PlatformDialog(ctx.desk.platforms, ctx.runner, parent=ctx.parent)
    dialog.profiles_changed.connect(ctx.case_form.reload_platform_lists)
    dialog.open()
    return dialog
