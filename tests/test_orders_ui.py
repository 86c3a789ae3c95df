"""The 订单 / 商品 windows, the import dialog and the 称重核对 tab, driven as an operator would."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from desk.domain import CaseDraft, CaseType, Platform
from desk.orders.model import WeightKind
from tests.ui_wait import open_case, select_case
from ui.cases.weight_panel import WeightPanel
from ui.main_window import MainWindow
from ui.orders.import_dialog import ImportDialog
from ui.orders.orders_view import OrdersWindow
from ui.products.products_view import ProductsWindow
from ui.qt import QMessageBox, QSettings, Qt
from ui.tasks import TaskRunner

pytestmark = pytest.mark.gui

WAIT_MS = 20_000
HEADER = [
    "商品",
    "订单号",
    "订单状态",
    "商品数量(件)",
    "支付时间",
    "发货时间",
    "确认收货时间",
    "商品id",
    "商品规格",
    "样式ID",
    "商家编码-SKU维度",
    "商品总价(元)",
    "用户实付金额(元)",
    "快递单号",
    "快递公司",
    "收货人",
    "手机",
    "省",
    "市",
    "区",
    "详细地址",
]
ORDER = "261120-583920174650321"


def export(path: Path, rows: list[list[str]]) -> Path:
    buf = io.StringIO(newline="")
    w = csv.writer(buf)
    w.writerow(HEADER)
    w.writerows(rows)
    path.write_bytes(buf.getvalue().encode("gbk"))
    return path


def row(order_no: str = ORDER, qty: str = "3", sku: str = "SNH", name: str = "加厚收纳盒") -> list[str]:
    return [
        name, order_no, "已收货", qty, "2026-11-20 10:00:00", "2026-11-20 18:30:00", "2026-11-23 09:00:00",
        "418273645", "灰色", "1001", sku, "89.70", "89.70", "YT7512049386021", "圆通速递", "张三", "13812348000",
        "浙江省", "杭州市", "西湖区", "文三路 1 号",
    ]  # fmt: skip


@pytest.fixture(autouse=True)
def no_modal_dialogs(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: Any, **_kwargs: Any) -> int:
        raise AssertionError("unexpected modal dialog")

    monkeypatch.setattr(QMessageBox, "exec", refuse)


def test_import_dialog_shows_encoding_mapping_rows_then_the_report(
    qtbot: Any, desk: Any, runner: TaskRunner, tmp_path: Path
) -> None:
    path = export(
        tmp_path / "orders_export.csv",
        [row(), row("261121-000000000000002", qty="三"), row("261121-000000000000003")],
    )
    dialog = ImportDialog(desk, runner)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.set_file(path)
    qtbot.waitUntil(dialog.import_button.isEnabled, timeout=WAIT_MS)
    info = dialog.info.text()
    assert "拼多多 订单导出" in info and "GB18030" in info
    mapping = {
        dialog.mapping.item(r, 0).text(): dialog.mapping.item(r, 1).text()
        for r in range(dialog.mapping.rowCount())
    }
    assert mapping["商家编码-SKU维度"] == "商家编码（规格）"
    assert "不导入" in mapping["手机"]  # buyer data is off unless the operator ticks the box
    cells = [dialog.sample.item(0, c).text() for c in range(dialog.sample.columnCount())]
    assert "138****8000" in cells and "13812348000" not in cells
    assert dialog.platform.currentText() == str(Platform.PDD)

    dialog.start_import()
    qtbot.waitUntil(lambda: dialog.summary is not None, timeout=WAIT_MS)
    assert "新增 2 个订单" in dialog.report_title.text() and "失败 1 行" in dialog.report_title.text()
    assert dialog.problems.item(0, 0).text() == "第 3 行"
    assert dialog.problems.item(0, 2).text() == "商品数量(件)“三”不是整数"
    assert "第 3 行" in dialog.report_text()
    assert desk.orders.find(ORDER).receiver_phone == ""


def test_import_dialog_explains_a_file_it_cannot_read(
    qtbot: Any, desk: Any, runner: TaskRunner, tmp_path: Path
) -> None:
    bad = tmp_path / "导出.xls"
    bad.write_bytes("<html><table><tr><td>订单号</td></tr></table></html>".encode())
    dialog = ImportDialog(desk, runner)
    qtbot.addWidget(dialog)
    dialog.set_file(bad)
    qtbot.waitUntil(lambda: "另存为" in dialog.info.text(), timeout=WAIT_MS)
    assert not dialog.import_button.isEnabled()


def test_orders_window_searches_and_masks_the_phone(
    qtbot: Any, desk: Any, runner: TaskRunner, tmp_path: Path
) -> None:
    desk.orders.import_file(
        export(tmp_path / "o.csv", [row(), row("261121-000000000000002", sku="GZ", name="挂钩")]),
        store_pii=True,
    )
    window = OrdersWindow(desk, runner)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.model.rowCount() == 2, timeout=WAIT_MS)
    window.search.setText("挂钩")
    qtbot.waitUntil(lambda: window.model.rowCount() == 1, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: "261121-000000000000002" in window.detail_title.text(), timeout=WAIT_MS)
    assert window.items.item(0, 0).text() == "挂钩" and window.items.item(0, 3).text() == "3"
    buyer = window.fact_labels["buyer"].text()
    assert "138****8000" in buyer and "13812348000" not in buyer
    assert "发货" in window.fact_labels["times"].text()


def test_products_window_edits_weights_inline(
    qtbot: Any, desk: Any, runner: TaskRunner, tmp_path: Path
) -> None:
    desk.orders.import_file(export(tmp_path / "o.csv", [row()]))
    window = ProductsWindow(desk, runner)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.model.rowCount() == 1, timeout=WAIT_MS)
    assert "1 个没有单件重量" in window.summary.text()
    assert window.model.data(window.model.index(0, 3)) == "缺重量"
    assert window.model.setData(window.model.index(0, 3), "0.48kg")
    qtbot.waitUntil(lambda: desk.products.list()[0].unit_weight_g == 480, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: window.model.data(window.model.index(0, 3)) == "480", timeout=WAIT_MS)
    assert not window.model.setData(window.model.index(0, 4), "很轻")
    assert "⚠" in window.summary.text() and desk.products.list()[0].packaging_g is None


@pytest.fixture
def window(qtbot: Any, desk: Any, runner: TaskRunner, tmp_path: Path) -> Iterator[MainWindow]:
    w = MainWindow(
        desk, runner=runner, settings=QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)
    )
    w.resize(1280, 800)
    w.show()
    qtbot.waitExposed(w)
    yield w
    w.form.revert()
    w.close()


def test_weight_panel_records_a_weight_and_concludes(
    qtbot: Any, desk: Any, runner: TaskRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    desk.orders.import_file(export(tmp_path / "o.csv", [row()]))
    product = desk.products.list()[0]
    desk.products.update(product.id, unit_weight_g=480, packaging_g=110)
    case, _ = desk.cases.create(CaseDraft(order_no=ORDER, case_type=CaseType.MISSING_ITEM))
    panel = WeightPanel(desk, runner)
    qtbot.addWidget(panel)
    panel.show()
    seen: list[Any] = []
    panel.changes_made.connect(seen.append)
    panel.set_case(case.id)
    qtbot.waitUntil(lambda: "还没有发货时的重量" in panel.conclusion.text(), timeout=WAIT_MS)
    assert panel.items.item(0, 3).text() == "480 g"
    assert "应有重量 = 加厚收纳盒（灰色） 480 g × 3 + 包装 110 g = 1,550 g" in panel.details.text()
    assert "订单 261120-583920174650321" in panel.order_line.text() and "发货" in panel.order_line.text()

    panel.kind.setCurrentIndex(panel.kind.findData(WeightKind.WAREHOUSE.value))
    panel.unit.setCurrentIndex(panel.unit.findData("kg"))
    panel.weight.setText("1.07")
    qtbot.mouseClick(panel.add_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "疑似少发" in panel.conclusion.text(), timeout=WAIT_MS)
    assert panel.conclusion.text() == "相差 480 g ≈ 1 件 〈加厚收纳盒（灰色）〉（单件 480 g），疑似少发"
    assert panel.records.item(0, 1).text() == "1,070 g"
    assert any("记录重量：仓库称重 1,070 g" in e.words().line() for e in desk.cases.timeline(case.id))
    assert seen and case.id in seen[0].cases  # the main window refreshes the case (timeline)

    # 按订单填写售后: the tracking no., courier and amount come from the imported order (timeline).
    qtbot.mouseClick(panel.fill_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: desk.cases.get(case.id).tracking_no == "YT7512049386021", timeout=WAIT_MS)
    assert desk.cases.get(case.id).order_amount == Decimal("89.70")

    # A wrong weight is refused in words, nothing is recorded.
    panel.weight.setText("很重")
    captured: list[str] = []
    monkeypatch.setattr(
        "ui.cases.weight_panel.show_error", lambda _p, exc, action="": captured.append(str(exc))
    )
    qtbot.mouseClick(panel.add_button, Qt.MouseButton.LeftButton)
    assert captured and "不是重量" in captured[0]
    assert len(desk.weights.records(case.id)) == 1


def test_main_window_has_the_order_menu_and_the_weight_tab(
    qtbot: Any, desk: Any, window: MainWindow, tmp_path: Path
) -> None:
    case, _ = desk.cases.create(CaseDraft(order_no=ORDER, case_type=CaseType.MISSING_ITEM))
    open_case(qtbot, window, case.id)
    assert any(a.text() == "订单" for a in window.menuBar().actions())
    panel = window.features.orders.weight_panel
    window.form.tabs.setCurrentWidget(panel)
    qtbot.waitUntil(lambda: panel.case_id == case.id, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: "还没有发货时的重量" in panel.conclusion.text(), timeout=WAIT_MS)
    # With the tab open, choosing another case in the list shows that case's weights (no polling).
    other, _ = desk.cases.create(
        CaseDraft(order_no="261122-000000000000077", case_type=CaseType.MISSING_ITEM)
    )
    desk.weights.add(other.id, WeightKind.WAREHOUSE, 1530)
    open_case(qtbot, window, other.id)
    assert panel.case_id == other.id  # once the form shows it, from its case_shown signal
    qtbot.waitUntil(
        lambda: panel.records.rowCount() == 1 and panel.records.item(0, 0).text() == "仓库称重",
        timeout=WAIT_MS,
    )
    select_case(qtbot, window, case.id)
    assert panel.case_id == case.id


def test_typing_an_imported_order_number_fills_the_form(
    qtbot: Any, desk: Any, window: MainWindow, tmp_path: Path
) -> None:
    desk.orders.import_file(export(tmp_path / "o.csv", [row()]))
    window.new_case()
    editor = window.form.fields["order_no"]
    editor.setFocus()
    editor.setText(ORDER)  # type: ignore[attr-defined]
    editor.editingFinished.emit()  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: window.form.fields["tracking_no"].text() == "YT7512049386021", timeout=WAIT_MS)  # type: ignore[attr-defined]
    assert window.form.fields["courier"].text() == "圆通速递"  # type: ignore[attr-defined]
    assert window.form.is_dirty()
    assert "已按导入的订单填写" in window.statusBar().currentMessage()
