"""Fast paths an operator takes all day: `case new` from the command line with the window's checks and the
imported order's facts, order items typed by hand for the weight check."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from desk.domain import CaseDraft, Platform
from desk.errors import ValidationFailed
from desk.orders.model import Verdict, WeightKind
from tests.test_cli import run
from tests.test_weights import import_orders

ORDER = "261120-583920174650321"


def _import_cup(desk: Any, tmp_path: Path) -> None:
    row = ["保温杯", ORDER, "已收货", "2", "蓝色", "SKU-CUP", "59.00", "59.00", "YT75120493", "圆通速递", ""]
    import_orders(desk, tmp_path, [row])


def test_case_new_fills_from_the_imported_order(desk: Any, tmp_path: Path) -> None:
    _import_cup(desk, tmp_path)
    root = desk.profile.root
    desk.close()
    out = run(root, "case", "new", "--order-no", ORDER, "--type", "漏发少件", "退款金额=29.90")
    assert "已新建售后 #1" in out.stdout
    assert "快递单号" in out.stdout  # what the order filled is named
    shown = json.loads(run(root, "case", "show", "1", "--json").stdout)
    assert shown["case_type"] == "漏发少件"
    assert shown["tracking_no"] == "YT75120493"
    assert shown["courier"] == "圆通速递"
    assert shown["refund_amount"] in ("29.90", 29.9, "29.9")


def test_case_new_refuses_what_the_window_refuses(tmp_path: Path) -> None:
    root = tmp_path / "profile"
    bad = run(root, "case", "new", "--order-no", "240101-1", "--type", "漏发少件", "退款金额=-5", check=False)
    assert bad.returncode != 0
    assert "退款金额不能为负数" in bad.stderr
    bad_type = run(root, "case", "new", "--type", "不存在的类型", check=False)
    assert bad_type.returncode != 0 and "售后类型" in bad_type.stderr
    listed = json.loads(run(root, "cases", "--json").stdout)
    assert listed == []  # nothing half made
    far = run(root, "case", "new", "--order-no", "240101-123456789012345", "--due", "2020-01-01 10:00")
    assert "已过去" in far.stdout and "已新建售后" in far.stdout  # a warning, still saved


def test_items_typed_by_hand_feed_the_weight_check(desk: Any) -> None:
    case, _ = desk.cases.create(CaseDraft(platform=Platform.PDD, order_no=ORDER))
    order, changes = desk.orders.add_item(case.id, "保温杯", 2, 350)
    assert case.id in changes.cases
    assert [(i.product_name, i.quantity) for i in order.items] == [("保温杯", 2)]
    desk.orders.add_item(case.id, "杯套", 1)
    check = desk.weights.check(case.id)
    assert [(line.name, line.quantity, line.unit_weight_g) for line in check.lines] == [
        ("保温杯", 2, 350),
        ("杯套", 1, None),
    ]
    desk.orders.update_item(case.id, 2, quantity=2, unit_weight_g=40)
    desk.orders.remove_item(case.id, 1)
    check = desk.weights.check(case.id)
    assert [(line.name, line.quantity, line.unit_weight_g) for line in check.lines] == [("杯套", 2, 40)]
    # A warehouse weighing now has an expected weight to be compared with.
    desk.weights.add(case.id, WeightKind.WAREHOUSE, 80 + (check.packaging_g or 0))
    assert desk.weights.check(case.id).verdict is Verdict.MATCH


def test_items_typed_by_hand_are_checked(desk: Any) -> None:
    case, _ = desk.cases.create(CaseDraft(platform=Platform.PDD, order_no=ORDER))
    with pytest.raises(ValidationFailed, match="商品名称"):
        desk.orders.add_item(case.id, "  ", 1)
    with pytest.raises(ValidationFailed, match="数量"):
        desk.orders.add_item(case.id, "保温杯", 0)
    with pytest.raises(ValidationFailed, match="单件重量"):
        desk.orders.add_item(case.id, "保温杯", 1, -3)
    no_order, _ = desk.cases.create(CaseDraft(platform=Platform.PDD))
    with pytest.raises(ValidationFailed, match="订单号"):
        desk.orders.add_item(no_order.id, "保温杯", 1)
    assert desk.orders.find(ORDER) is None  # nothing made by a refused call


def test_imported_order_takes_a_hand_typed_item_too(desk: Any, tmp_path: Path) -> None:
    _import_cup(desk, tmp_path)
    case, _ = desk.cases.create(CaseDraft(platform=Platform.PDD, order_no=ORDER))
    desk.orders.add_item(case.id, "赠品杯刷", 1, 30)
    names = [line.name for line in desk.weights.check(case.id).lines]
    assert len(names) == 2 and names[1] == "赠品杯刷"


# -- in the window ----------------------------------------------------------------------------------


@pytest.fixture
def window(qtbot: Any, desk: Any, runner: Any, tmp_path: Path) -> Any:
    from ui.main_window import MainWindow
    from ui.qt import QSettings

    made = MainWindow(
        desk, runner=runner, settings=QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)
    )
    made.resize(1280, 720)
    made.show()
    qtbot.waitExposed(made)
    yield made
    made.form.revert()
    made.close()


def test_one_paste_of_an_order_number_fills_a_new_case(
    window: Any, desk: Any, qtbot: Any, tmp_path: Path
) -> None:
    from ui.qt import QApplication, Qt

    _import_cup(desk, tmp_path)
    window.new_action.trigger()
    form = window.form
    order_field, tracking = form.fields["order_no"], form.fields["tracking_no"]
    qtbot.waitUntil(order_field.hasFocus, timeout=20_000)
    QApplication.clipboard().setText(ORDER)
    qtbot.keyClick(order_field, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)  # no Enter, no Tab
    assert order_field.text() == ORDER
    qtbot.waitUntil(lambda: tracking.text() == "YT75120493", timeout=20_000)
    assert form.fields["courier"].text() == "圆通速递"
    assert order_field.hasFocus()  # the cursor stayed where the operator pasted


def test_copy_buttons_put_the_numbers_on_the_clipboard(window: Any, desk: Any, qtbot: Any) -> None:
    from tests.ui_wait import open_case
    from ui.qt import QApplication

    case, _ = desk.cases.create(
        CaseDraft(platform=Platform.PDD, order_no=ORDER, after_sales_no="AS-1", tracking_no="YT75120493")
    )
    open_case(qtbot, window, case.id)
    notes: list[str] = []
    window.form.status_message.connect(notes.append)
    for name, text, label in (
        ("order_no", ORDER, "已复制订单号"),
        ("after_sales_no", "AS-1", "已复制售后单号"),
        ("tracking_no", "YT75120493", "已复制快递单号"),
    ):
        window.form.copy_buttons[name].click()
        assert QApplication.clipboard().text() == text
        assert notes[-1].startswith(label)
    window.form.copy_buttons["reship_tracking_no"].click()  # empty: said, clipboard left alone
    assert "空" in notes[-1] and QApplication.clipboard().text() == "YT75120493"
