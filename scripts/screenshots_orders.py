"""Screenshots of the order screens (called by scripts/screenshots.py): orders, products, import, weights."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

NAMES = ("orders", "products", "import", "import_report", "weight")


def _broken_export(path: Path) -> Path:
    """A small 拼多多 订单导出 in GBK with two broken rows, for the import dialog's report."""
    from desk_demo.orders import demo_export_rows, write_pdd_export

    rows = demo_export_rows({}, extra=12, seed=11)
    rows[3][3] = "三"  # 商品数量(件)
    rows[7][9] = "昨天下午"  # 发货时间
    return write_pdd_export(path, rows)


def weight_tab_in_view(window: Any) -> Callable[[], None]:
    """The case form's 称重核对 tab shown whole (the gallery folded away); returns what puts it back."""
    form = window.form
    form.tabs.setCurrentIndex(form.tabs.indexOf(window.features.orders.weight_panel))
    splitter = getattr(window, "right_splitter", None)
    sizes = splitter.sizes() if splitter is not None else None
    if splitter is not None and sizes is not None:
        splitter.setSizes([sum(sizes) - 60, 60])

    def restore() -> None:
        form.tabs.setCurrentIndex(0)
        if splitter is not None and sizes is not None:
            splitter.setSizes(sizes)

    return restore


def shoot_orders(desk: Any, window: Any, pump: Callable[..., None], out: Path, workdir: Path) -> list[str]:
    """Render the 订单 and 商品 windows, the import dialog (preview and report) and the 称重核对 tab."""
    ids = desk.cases.list_ids()
    weighed = next((c for c in ids if desk.weights.records(c)), ids[-1] if ids else None)

    window.features.orders.open_orders()
    orders = window.features.orders.windows["orders"]
    orders.resize(1180, 720)
    case = desk.cases.get(weighed) if weighed is not None else None
    if case is not None:
        orders.search.setText(case.order_no[:6])
    pump(1.5, lambda: orders.model.rowCount() > 0)
    pump(0.5)
    orders.grab().save(str(out / "orders.png"))
    orders.close()

    window.features.orders.open_products()
    products = window.features.orders.windows["products"]
    products.resize(980, 560)
    pump(1.5, lambda: products.model.rowCount() > 0)
    pump(0.3)
    products.grab().save(str(out / "products.png"))
    products.close()

    from ui.orders.import_dialog import ImportDialog

    dialog = ImportDialog(desk, window.runner, parent=window)
    dialog.resize(1100, 700)
    dialog.show()
    dialog.set_file(_broken_export(workdir / "orders_export20261127.csv"))
    pump(10, lambda: dialog.import_button.isEnabled())
    pump(0.3)
    dialog.grab().save(str(out / "import.png"))
    dialog.start_import()
    pump(30, lambda: dialog.summary is not None)
    pump(0.3)
    dialog.grab().save(str(out / "import_report.png"))
    dialog.close()

    if weighed is not None:
        window.select_case(weighed)
        pump(10, lambda: window.form.opening is None and not window.panel.loading)  # read on the DB worker
        panel = window.features.orders.weight_panel
        restore = weight_tab_in_view(window)
        pump(10, lambda: panel.case_id == weighed and panel.records.rowCount() > 0)
        pump(0.5)
        window.grab().save(str(out / "weight.png"))
        restore()
    return [str(out / f"{name}.png") for name in NAMES]
