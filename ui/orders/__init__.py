"""订单 menu: the order list, the import dialog, the product catalog, weight settings."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ui.context import FeatureContext, MenuKey
from ui.errors import ask
from ui.qt import QAction
from ui.tasks import Op

if TYPE_CHECKING:
    from ui.cases.weight_panel import WeightPanel

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class OrdersFeature:
    """The 订单 menu's actions, its windows, and the case form's 称重核对 tab.

    Attributes:
        windows: the order list and the product catalog once opened ("orders", "products").
    """

    menu_actions: tuple[QAction, ...]
    open_orders: Callable[[], None]
    open_products: Callable[[], None]
    open_import: Callable[[], None]
    windows: dict[str, object]
    weight_panel: WeightPanel

    @property
    def actions(self) -> tuple[QAction, ...]:
        return self.menu_actions


def install(ctx: FeatureContext) -> OrdersFeature:
    """Fill the 订单 menu (订单…, 导入…, 商品与重量…, 称重误差设置…, 清除买家信息…); add the 称重核对 tab."""
    from ui.cases.weight_panel import ToleranceDialog, install_weight_tab
    from ui.orders.import_dialog import ImportDialog
    from ui.orders.orders_view import OrdersWindow
    from ui.products.products_view import ProductsWindow

    windows: dict[str, object] = {}

    def orders_window() -> OrdersWindow:
        w = windows.get("orders")
        if not isinstance(w, OrdersWindow):
            w = OrdersWindow(ctx.desk, ctx.runner, parent=ctx.parent)
            w.changes_made.connect(ctx.changes)
            windows["orders"] = w
        return w

    def open_orders() -> None:
        w = orders_window()
        w.show()
        w.raise_()
        w.activateWindow()

    def open_products() -> None:
        w = windows.get("products")
        if not isinstance(w, ProductsWindow):
            w = ProductsWindow(ctx.desk, ctx.runner, parent=ctx.parent)
            w.status_message.connect(ctx.show_status)
            windows["products"] = w
        w.show()
        w.raise_()
        w.activateWindow()

    def open_import() -> None:
        dialog = ImportDialog(ctx.desk, ctx.runner, parent=ctx.parent)

        def imported(summary: object) -> None:
            changes = getattr(summary, "changes", None)
            if changes is not None and (changes.cases or changes.case_list):
                ctx.changes.emit(changes)
            w = windows.get("orders")
            if isinstance(w, OrdersWindow) and w.isVisible():
                w.refresh()

        dialog.imported.connect(imported)
        dialog.open()

    def edit_tolerance() -> None:
        weights = ctx.desk.weights

        def edit(current: object) -> None:  # the tolerance as stored, read on the DB worker
            dialog = ToleranceDialog(ctx.desk, ctx.parent, current=current)
            if dialog.exec() == ToleranceDialog.DialogCode.Accepted:
                values = dialog.values()
                Op(lambda: weights.set_tolerance(**values), parent=ctx.parent).on_success(
                    lambda t: ctx.show_status(f"称重误差：{t.describe()}")
                ).run(ctx.runner)

        Op(weights.tolerance, parent=ctx.parent).on_success(edit).run(ctx.runner)

    def forget_buyers() -> None:
        choice = ask(
            ctx.parent,
            "清除所有已导入订单里保存的买家收货信息（收货人、手机、地址）？",
            ["清除", "取消"],
            informative="此后导入时也不再保存。订单本身、商品和金额不受影响。",
        )
        if choice != 0:
            return
        orders = ctx.desk.orders

        def forget() -> int:
            orders.set_store_buyer_info(False)
            return int(orders.forget_buyer_info())

        Op(forget, parent=ctx.parent).on_success(
            lambda n: ctx.show_status(f"已清除 {n} 个订单的买家信息")
        ).run(ctx.runner)

    menu = ctx.menu(MenuKey.ORDERS)
    actions = (
        ("订单…", open_orders, "Ctrl+Shift+O", "查看和搜索已导入的订单"),
        ("导入订单或售后导出…", open_import, "Ctrl+I", "导入平台导出的订单或售后（CSV / XLSX）"),
        ("商品与重量…", open_products, "", "商品资料：单件重量和包装重量"),
        (None, None, "", ""),
        ("称重误差设置…", edit_tolerance, "", "秤的精度、百分比和默认包装重量"),
        ("清除已保存的买家信息…", forget_buyers, "", "删除订单里保存的收货人、手机、地址"),
    )
    made: list[QAction] = []
    for text, slot, shortcut, tip in actions:
        if text is None or slot is None:
            menu.addSeparator()
            continue
        action = ctx.action(text, slot, shortcut or None, tip)
        menu.addAction(action)
        made.append(action)
    return OrdersFeature(
        menu_actions=tuple(made),
        open_orders=open_orders,
        open_products=open_products,
        open_import=open_import,
        windows=windows,
        weight_panel=install_weight_tab(ctx, open_products=open_products),
    )
