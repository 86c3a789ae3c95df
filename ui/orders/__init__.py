"""订单 menu: the order list, the import dialog, the product catalog, weight settings."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from ui.errors import ask
from ui.tasks import Op

if TYPE_CHECKING:
    from ui.main_window import MainWindow

log = logging.getLogger(__name__)


def install_orders_menu(window: MainWindow) -> None:
    """Add the 订单 menu (订单…, 导入…, 商品与重量…, 称重误差设置…, 清除买家信息…) and the 称重核对 tab."""
    from ui.cases.weight_panel import ToleranceDialog, install_weight_tab
    from ui.orders.import_dialog import ImportDialog
    from ui.orders.orders_view import OrdersWindow
    from ui.products.products_view import ProductsWindow

    windows: dict[str, object] = {}

    def orders_window() -> OrdersWindow:
        w = windows.get("orders")
        if not isinstance(w, OrdersWindow):
            w = OrdersWindow(window.opened_desk, window.runner, parent=window)
            w.changes_made.connect(window.changes_applied)
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
            w = ProductsWindow(window.opened_desk, window.runner, parent=window)
            w.status_message.connect(window.show_status)
            windows["products"] = w
        w.show()
        w.raise_()
        w.activateWindow()

    def open_import() -> None:
        dialog = ImportDialog(window.opened_desk, window.runner, parent=window)

        def imported(summary: object) -> None:
            changes = getattr(summary, "changes", None)
            if changes is not None and (changes.cases or changes.case_list):
                window.changes_applied.emit(changes)
            w = windows.get("orders")
            if isinstance(w, OrdersWindow) and w.isVisible():
                w.refresh()

        dialog.imported.connect(imported)
        dialog.open()

    def edit_tolerance() -> None:
        dialog = ToleranceDialog(window.opened_desk, window)
        if dialog.exec() == ToleranceDialog.DialogCode.Accepted:
            values = dialog.values()
            weights = window.opened_desk.weights
            Op(lambda: weights.set_tolerance(**values), parent=window).on_success(
                lambda t: window.show_status(f"称重误差：{t.describe()}")
            ).run(window.runner)

    def forget_buyers() -> None:
        choice = ask(
            window,
            "清除所有已导入订单里保存的买家收货信息（收货人、手机、地址）？",
            ["清除", "取消"],
            informative="此后导入时也不再保存。订单本身、商品和金额不受影响。",
        )
        if choice != 0:
            return
        orders = window.opened_desk.orders

        def forget() -> int:
            orders.set_store_buyer_info(False)
            return int(orders.forget_buyer_info())

        Op(forget, parent=window).on_success(
            lambda n: window.show_status(f"已清除 {n} 个订单的买家信息")
        ).run(window.runner)

    menu = window.menuBar().addMenu("订单")
    actions = (
        ("订单…", open_orders, "Ctrl+Shift+O", "查看和搜索已导入的订单"),
        ("导入订单或售后导出…", open_import, "Ctrl+I", "导入平台导出的订单或售后（CSV / XLSX）"),
        ("商品与重量…", open_products, "", "商品资料：单件重量和包装重量"),
        (None, None, "", ""),
        ("称重误差设置…", edit_tolerance, "", "秤的精度、百分比和默认包装重量"),
        ("清除已保存的买家信息…", forget_buyers, "", "删除订单里保存的收货人、手机、地址"),
    )
    for text, slot, shortcut, tip in actions:
        if text is None or slot is None:
            menu.addSeparator()
            continue
        action = menu.addAction(text)
        if shortcut:
            action.setShortcut(shortcut)
        action.setStatusTip(tip)
        action.triggered.connect(lambda _checked=False, slot=slot: slot())
    window.open_orders_window = open_orders
    window.open_products_window = open_products
    window.open_import_dialog = open_import
    window.orders_windows = windows
    window.weight_panel = install_weight_tab(window)
