"""Defects an operator met in the window, each as the operator would meet it: Ctrl+click in the list,
Ctrl+V of a screenshot with the cursor in a field, a negative amount, a deadline years away, the 称重核对
tab after a product weight is edited, order items typed by hand."""

# ruff: noqa: F811 - the window fixtures of test_ui_flow are imported by name and used as arguments

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from desk.domain import CaseDraft, Platform
from desk.errors import ValidationFailed
from tests.test_ui_flow import (  # noqa: F401 - fixtures
    WAIT_MS,
    add_case,
    make_window,
    settings,
    window,
)
from tests.test_weights import import_orders
from tests.ui_wait import open_case, refresh_list, select_case
from ui.main_window import MainWindow
from ui.qt import QApplication, QColor, QImage, QLineEdit, QPoint, Qt

pytestmark = pytest.mark.gui


def _row_centre(window: MainWindow, row: int) -> QPoint:
    return window.table.visualRect(window.model.index(row, 1)).center()


def test_ctrl_click_adds_to_the_selection(window: MainWindow, desk: Any, qtbot: Any) -> None:
    first = add_case(desk, "240101-000000000000001")
    add_case(desk, "240101-000000000000002")
    add_case(desk, "240101-000000000000003")
    open_case(qtbot, window, first)
    rows = [window.model.row_of(first)]
    others = [r for r in range(window.model.rowCount()) if r not in rows]
    viewport = window.table.viewport()
    for row in others:
        qtbot.mouseClick(
            viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ControlModifier, _row_centre(window, row)
        )
        rows.append(row)
        selected = sorted(i.row() for i in window.table.selectionModel().selectedRows())
        assert selected == sorted(rows)
    assert len(window.cases_pane.selected_ids()) == 3
    # Ctrl+click on a selected row takes only that row out.
    qtbot.mouseClick(
        viewport,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.ControlModifier,
        _row_centre(window, others[0]),
    )
    assert sorted(i.row() for i in window.table.selectionModel().selectedRows()) == sorted(
        r for r in rows if r != others[0]
    )
    # A plain click afterwards selects that row alone (and lets go of Ctrl for the tests that follow).
    qtbot.mouseClick(
        viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, _row_centre(window, rows[0])
    )
    assert [i.row() for i in window.table.selectionModel().selectedRows()] == [rows[0]]


def _screenshot() -> QImage:
    image = QImage(320, 200, QImage.Format.Format_RGB32)
    image.fill(QColor(30, 120, 200))
    return image


def test_ctrl_v_of_a_screenshot_in_a_form_field_adds_evidence(
    window: MainWindow, desk: Any, qtbot: Any
) -> None:
    case_id = add_case(desk, "240101-000000000000010")
    open_case(qtbot, window, case_id)
    field = window.form.fields["buyer_nick"]
    assert isinstance(field, QLineEdit)
    field.setFocus()
    qtbot.waitUntil(field.hasFocus, timeout=WAIT_MS)
    # What screenshot tools put on the clipboard: picture data, no text (setImage: a QMimeData owned by
    # both Python and the clipboard crashes the exit).
    QApplication.clipboard().setImage(_screenshot())
    qtbot.keyClick(field, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: len(desk.evidence.list(case_id)) == 1, timeout=WAIT_MS)
    assert field.text() == ""  # nothing typed into the field
    # Text on the clipboard still goes into the field, as anywhere else.
    QApplication.clipboard().setText("买家张三")
    qtbot.keyClick(field, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert field.text() == "买家张三"
    assert len(desk.evidence.list(case_id)) == 1


def test_negative_money_is_refused_naming_the_field(window: MainWindow, desk: Any, qtbot: Any) -> None:
    case_id = add_case(desk, "240101-000000000000020")
    open_case(qtbot, window, case_id)
    form = window.form
    line = form.fields["refund_amount"]
    assert isinstance(line, QLineEdit)
    line.setFocus()
    qtbot.keyClicks(line, "-5")
    line.editingFinished.emit()
    assert line.text() != "5.00"  # the minus sign is not silently dropped
    assert "refund_amount" in form.invalid_fields()
    assert "退款金额" in form.dirty_label.text() + form.error_label.text() + line.toolTip()
    assert "负" in form.invalid_fields()["refund_amount"]
    form.flush()
    qtbot.wait(300)
    assert desk.cases.get(case_id).refund_amount is None
    # Typing it right clears the mark.
    line.clear()
    qtbot.keyClicks(line, "5")
    assert "refund_amount" not in form.invalid_fields()


def test_core_refuses_negative_money_naming_the_field(desk: Any) -> None:
    case_id = add_case(desk, "240101-000000000000021")
    with pytest.raises(ValidationFailed, match="退款金额"):
        desk.cases.update(case_id, refund_amount="-5")
    with pytest.raises(ValidationFailed, match="实退金额"):
        desk.cases.update(case_id, refund_paid="−5")  # a typographic minus is no way round
    with pytest.raises(ValidationFailed, match="退款金额"):
        desk.cases.create(CaseDraft(platform=Platform.PDD, refund_amount="-0.01"))  # type: ignore[arg-type]


def test_far_deadline_is_a_warning_not_a_refusal(desk: Any) -> None:
    now = datetime.now(UTC)
    past = desk.cases.warnings(CaseDraft(order_no="x", due_at=now - timedelta(days=3 * 365)))
    assert any("已过去" in w for w in past), past
    ahead = desk.cases.warnings(CaseDraft(order_no="x", due_at=now + timedelta(days=90)))
    assert any("之后" in w for w in ahead), ahead
    normal = desk.cases.warnings(CaseDraft(order_no="x", due_at=now + timedelta(days=2)))
    assert not [w for w in normal if "截止" in w]
    case, _ = desk.cases.create(CaseDraft(order_no="x", due_at=now - timedelta(days=3 * 365)))
    assert case.due_at is not None  # still saveable


def test_form_warns_about_a_deadline_years_ago(window: MainWindow, desk: Any, qtbot: Any) -> None:
    case_id = add_case(desk, "240101-000000000000030")
    open_case(qtbot, window, case_id)
    form = window.form
    line = form.fields["due_at"]
    assert isinstance(line, QLineEdit)
    line.setFocus()
    qtbot.keyClicks(line, "2021-03-01 18:00")
    qtbot.waitUntil(lambda: "截止" in form.warning_label.text(), timeout=WAIT_MS)
    assert form.warning_label.isVisible()
    assert "已过去" in form.warning_label.text()
    form.save()
    qtbot.waitUntil(lambda: desk.cases.get(case_id).due_at is not None, timeout=WAIT_MS)


def _order_with_item(desk: Any, tmp_path: Path, order_no: str) -> None:
    row = ["保温杯", order_no, "已收货", "2", "蓝色", "SKU-CUP", "59.00", "59.00", "YT123456", "圆通速递", ""]
    import_orders(desk, tmp_path, [row])


def _weight_tab(window: MainWindow) -> Any:
    from ui.cases.case_form import WEIGHT_TAB

    for index in range(window.form.tabs.count()):
        page = window.form.tabs.widget(index)
        if page is not None and page.objectName() == WEIGHT_TAB:
            window.form.tabs.setCurrentIndex(index)
            return page
    raise AssertionError("no 称重核对 tab")


def _item_texts(panel: Any) -> list[str]:
    return [
        panel.items.item(r, 3).text()
        for r in range(panel.items.rowCount())
        if panel.items.item(r, 3) is not None
    ]


def test_weight_tab_follows_a_product_weight_edit(
    window: MainWindow, desk: Any, qtbot: Any, tmp_path: Path
) -> None:
    order_no = "240101-000000000000040"
    _order_with_item(desk, tmp_path, order_no)
    case_id = add_case(desk, order_no)
    open_case(qtbot, window, case_id)
    panel = _weight_tab(window)
    qtbot.waitUntil(lambda: "缺重量" in _item_texts(panel), timeout=WAIT_MS)
    # The operator opens 商品与重量 from the tab and types the weight there.
    panel.products_button.click()
    products = next(w for w in QApplication.topLevelWidgets() if type(w).__name__ == "ProductsWindow")
    qtbot.waitUntil(lambda: products.model.rowCount() > 0, timeout=WAIT_MS)
    index = products.model.index(0, 3)
    assert products.model.setData(index, "350", Qt.ItemDataRole.EditRole)
    qtbot.waitUntil(lambda: desk.products.list()[0].unit_weight_g == 350, timeout=WAIT_MS)
    # Back to the main window, as the operator clicks it: the tab shows the weight without another case.
    window.activateWindow()
    qtbot.waitUntil(lambda: "350 g" in _item_texts(panel), timeout=WAIT_MS)
    assert "缺重量" not in _item_texts(panel)
    products.close()


def test_order_items_typed_by_hand(window: MainWindow, desk: Any, qtbot: Any) -> None:
    order_no = "240101-000000000000050"
    case_id = add_case(desk, order_no)
    open_case(qtbot, window, case_id)
    panel = _weight_tab(window)
    qtbot.waitUntil(lambda: panel.case_id == case_id and panel.item_name.isEnabled(), timeout=WAIT_MS)
    panel.item_name.setText("保温杯")
    panel.item_quantity.setValue(2)
    panel.item_weight.setText("350")
    panel.item_add_button.click()
    qtbot.waitUntil(lambda: "350 g" in _item_texts(panel), timeout=WAIT_MS)
    check = desk.weights.check(case_id)
    assert [(line.name, line.quantity, line.unit_weight_g) for line in check.lines] == [("保温杯", 2, 350)]
    # Edit: the quantity typed wrong; then remove.
    panel.items.selectRow(0)
    panel.item_quantity.setValue(3)
    panel.item_update_button.click()
    qtbot.waitUntil(lambda: desk.weights.check(case_id).lines[0].quantity == 3, timeout=WAIT_MS)
    panel.items.selectRow(0)
    panel.item_remove_button.click()
    qtbot.waitUntil(lambda: not desk.weights.check(case_id).lines, timeout=WAIT_MS)


def test_select_case_helper_still_works(window: MainWindow, desk: Any, qtbot: Any) -> None:
    a = add_case(desk, "240101-000000000000060")
    b = add_case(desk, "240101-000000000000061")
    refresh_list(qtbot, window)
    select_case(qtbot, window, a)
    select_case(qtbot, window, b)
    assert window.cases_pane.selected_ids() == [b]


def test_packet_dialogs_fit_a_720_px_screen(
    desk: Any, runner: Any, qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every packet dialog opens no taller than a 1280×720 screen (the preview asked for 1000 px)."""
    from reportlab.pdfgen.canvas import Canvas

    from ui.packet import fit
    from ui.packet.preview import PacketPreview
    from ui.packet.readiness_dialog import ReadinessDialog
    from ui.packet.story_dialog import StoryDialog
    from ui.packet.upload_kit_dialog import UploadKitDialog
    from ui.qt import QRect

    monkeypatch.setattr(fit, "available_geometry", lambda _widget: QRect(0, 0, 1280, 720))
    case_id = add_case(desk, "240101-000000000000070")
    pdf = tmp_path / "packet.pdf"
    canvas = Canvas(str(pdf))
    canvas.drawString(72, 720, "packet")
    canvas.save()
    dialogs = [
        PacketPreview(pdf, runner=runner),
        ReadinessDialog(desk.packets.readiness(case_id)),
        StoryDialog(desk, runner, case_id),
        UploadKitDialog(desk, runner, case_id),
    ]
    for dialog in dialogs:
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitExposed(dialog)
        size = dialog.size()
        assert size.height() <= 720 and size.width() <= 1280, (type(dialog).__name__, size)
    for dialog in dialogs:
        dialog.close()


def test_a_long_number_shows_its_start_in_a_narrow_field(window: MainWindow, desk: Any, qtbot: Any) -> None:
    """The operator reads an order number from its start; a field narrower than the number showed its end."""
    case_id = add_case(desk, "261118-204715938260174-0099887766")
    open_case(qtbot, window, case_id)
    field = window.form.fields["order_no"]
    assert isinstance(field, QLineEdit)
    field.setFixedWidth(120)  # narrower than the number, as beside its 复制 button on a small screen
    window.form.reload()
    qtbot.waitUntil(lambda: window.form.opening is None, timeout=WAIT_MS)
    assert field.text().startswith("261118-")
    assert field.cursorPosition() == 0
