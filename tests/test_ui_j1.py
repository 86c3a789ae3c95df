"""Journey J1 with real keys and clicks: an imported 拼多多 order → a new 漏发少件 case from its order number →
a pasted warehouse weighing photo and a pasted courier page, with their weights → the wizard → the upload kit.

Every key chord, click and paste counts as one action, and so does typing one value into one field; the
journey prints its count. Pictures are generated (desk_demo), read by the real recognition engine."""

# The window fixtures are shared with test_ui_flow by import; pytest injects them by name.
# ruff: noqa: F401, F811

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import pytest

from desk.domain import EvidenceKind
from desk.recognition.engine import engine_id
from desk_demo.images.courier import courier_system_screenshot
from desk_demo.images.scale import scale_display_photo
from tests.test_ui_flow import WAIT_MS, make_window, no_modal_dialogs, settings
from tests.test_ui_wizard import buttons
from tests.test_weights import import_orders
from ui.packet.upload_kit_dialog import UploadKitDialog
from ui.qt import QApplication, QFileDialog, QImage, Qt, QWidget
from ui.wizard.wizard_dialog import WizardDialog

pytestmark = [
    pytest.mark.gui,
    pytest.mark.skipif(engine_id() is None, reason="the recognition engine is not installed"),
]

ORDER = "261120-583920174650321"
ACTION_BUDGET = 12  # the target: printed, and judged by bench/bench_journey.py


class Operator:
    """Drives the window with real events and counts what the operator did."""

    def __init__(self, qtbot: Any) -> None:
        self.qtbot = qtbot
        self.actions: list[str] = []

    def chord(self, widget: QWidget, key: Qt.Key, modifier: Qt.KeyboardModifier, what: str) -> None:
        self.actions.append(what)
        self.qtbot.keyClick(widget, key, modifier)

    def key(self, widget: QWidget, key: Qt.Key, what: str) -> None:
        self.chord(widget, key, Qt.KeyboardModifier.NoModifier, what)

    def click(self, widget: QWidget, what: str) -> None:
        self.actions.append(what)
        self.qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)

    def type(self, widget: QWidget, text: str, what: str) -> None:
        """Type one value into the field that has the focus (the operator did not have to put it there)."""
        assert widget.hasFocus(), f"the cursor is not in the field for {what}"
        self.actions.append(what)
        self.qtbot.keyClicks(widget, text)

    def paste_picture(self, data: bytes, what: str) -> None:
        image = QImage.fromData(data)
        assert not image.isNull()
        QApplication.clipboard().setImage(image)
        self.chord(focused(), Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier, what)

    def answer(self, dialog: WizardDialog, prefix: str) -> None:
        """Click the wizard's button that starts with prefix, once the wizard shows it."""

        def shown() -> None:
            assert any(b.text().startswith(prefix) for b in buttons(dialog)), [
                b.text() for b in buttons(dialog)
            ]

        self.qtbot.waitUntil(shown, timeout=WAIT_MS)
        steps = len(dialog.view.choices)
        self.click(next(b for b in buttons(dialog) if b.text().startswith(prefix)), f"向导：{prefix}")
        # Steps the evidence completes are passed over with the answer.
        self.qtbot.waitUntil(lambda: len(dialog.view.choices) > steps, timeout=WAIT_MS)


def focused() -> QWidget:
    """The widget with the keyboard focus. Offscreen there is no window manager to give the window back
    its activation when a progress dialog closes (a desktop does); so it is given back here, which is not
    something the operator does."""
    window = QApplication.activeWindow()
    if window is None:
        windows = [w for w in QApplication.topLevelWidgets() if w.isVisible() and w.isWindow()]
        main = next(w for w in windows if w.objectName() == "main_window" or type(w).__name__ == "MainWindow")
        main.activateWindow()
        QApplication.processEvents()
    focus = QApplication.focusWidget()
    assert focus is not None
    return focus


def test_j1_new_missing_item_case_to_an_upload_kit(
    qtbot: Any, desk: Any, make_window: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DESK_RECOGNITION", "on")  # tests/conftest.py switches reading off for other tests
    row = ["保温杯", ORDER, "已收货", "2", "蓝色", "SKU-CUP", "59.00", "59.00", "YT75120493", "圆通速递", ""]
    import_orders(desk, tmp_path, [row])
    # The shop's product weights are kept once for every case (商品与重量): two cups and their box weigh 1.25 kg.
    for product in desk.products.list():
        desk.products.update(product.id, unit_weight_g=560, packaging_g=130)
    photo = scale_display_photo(1250, seed=1, tracking_no="YT75120493")
    page = courier_system_screenshot("YT75120493", "圆通速递", "1.25", seed=3)  # 揽收 1.25 kg

    def no_file_dialog(*_a: Any, **_k: Any) -> tuple[str, str]:
        raise AssertionError("the upload kit went to its default folder: no file dialog is asked")

    monkeypatch.setattr(QFileDialog, "getSaveFileName", no_file_dialog)
    window = make_window()
    op = Operator(qtbot)
    form, panel = window.form, window.panel

    # A new case from the order number: one paste fills it, and it is saved as it is filled.
    op.chord(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier, "新建售后 Ctrl+N")
    order_field = form.fields["order_no"]
    qtbot.waitUntil(order_field.hasFocus, timeout=WAIT_MS)
    QApplication.clipboard().setText(ORDER)
    op.chord(order_field, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier, "粘贴订单号")
    qtbot.waitUntil(lambda: form.fields["tracking_no"].text() == "YT75120493", timeout=WAIT_MS)
    qtbot.waitUntil(lambda: panel.case_id is not None and not panel.loading, timeout=WAIT_MS)
    case_id = panel.case_id

    # The weighing photo: its kind is guessed from its text, the cursor waits in its weight field.
    op.paste_picture(photo, "粘贴仓库称重照片")
    qtbot.waitUntil(lambda: len(panel.model.items()) == 1, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: focused() is panel.weight_edit, timeout=WAIT_MS)
    op.type(panel.weight_edit, "1.25", "输入称重照片上的重量")

    # The courier page: guessed too, its 揽收 weight offered; Enter takes it. The paste saved the weight
    # typed before it.
    op.paste_picture(page, "粘贴快递内网页面")
    qtbot.waitUntil(lambda: len(panel.model.items()) == 2, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: focused() is panel.weight_edit, timeout=WAIT_MS)
    assert panel.weight_edit.placeholderText().startswith("图中 1.25kg")
    op.key(panel.weight_edit, Qt.Key.Key_Return, "回车采用识别到的重量")

    def weighed() -> None:
        kinds = {e.kind: e.weight_grams for e in desk.evidence.list(case_id)}
        assert kinds == {EvidenceKind.WAREHOUSE_WEIGHT: 1250, EvidenceKind.COURIER_WEIGHT: 1250}, kinds

    qtbot.waitUntil(weighed, timeout=WAIT_MS)

    # The wizard, to the goods appeal. The steps that only ask for the two weight pictures the case
    # already holds are passed over (shown as done), and so is the weight question the check answers.
    op.chord(focused(), Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier, "处理向导 Ctrl+W")
    qtbot.waitUntil(lambda: bool(window.findChildren(WizardDialog)), timeout=WAIT_MS)
    wizard = window.findChildren(WizardDialog)[-1]
    qtbot.waitUntil(lambda: wizard.view is not None, timeout=WAIT_MS)
    for prefix in ("2. 外包装完好", "1. 本人签收", "3. 协商无果"):
        op.answer(wizard, prefix)
    passed = wizard.passed_label.text()
    assert "✓ 已有：仓库称重图、快递内网重量图" in passed
    assert "重量对比的结论？　✓ 按售后数据：重量相符" in passed

    # A goods appeal names the amount refunded, which an order export does not carry (it says what was
    # paid): the outcome's page asks for it, the cursor waiting in the field.
    qtbot.waitUntil(wizard.apply_kit_button.isVisible, timeout=WAIT_MS)
    wizard.activateWindow()  # offscreen has no window manager to activate the new dialog (a desktop does)
    qtbot.waitUntil(lambda: QApplication.activeWindow() is wizard, timeout=WAIT_MS)
    assert wizard.claim_label.text() == "申诉要写明退款金额："
    op.type(wizard.claim_edit, "59.00", "输入退款金额")

    # The platform's primary output in one key: for 拼多多 the outcome and the amount are applied and the
    # upload kit written beside the case's packets, no file dialog.
    op.chord(
        wizard,
        Qt.Key.Key_Return,
        Qt.KeyboardModifier.ControlModifier,
        "向导：应用并导出上传材料包 Ctrl+Enter",
    )
    qtbot.waitUntil(lambda: wizard.kit_result is not None, timeout=WAIT_MS)
    assert wizard.view.applied
    kit_zip = wizard.kit_result.zip_path
    assert kit_zip.exists() and kit_zip.parent.name == f"case-{case_id}"
    assert str(kit_zip) in wizard.kit_label.text() and wizard.open_kit_button.isVisible()

    count = len(op.actions)
    print(f"\nJ1: {count} actions (budget {ACTION_BUDGET}):")
    for n, what in enumerate(op.actions, 1):
        print(f"  {n:2d}. {what}")

    # What the operator has: the case with its kind, appeal kind and weights, and the kit to upload.
    case = desk.cases.get(case_id)
    assert str(case.case_type) == "漏发少件" and case.appeal_type == "goods"
    assert str(case.refund_amount) == "59.00"
    check = desk.weights.check(case_id)
    assert str(check.verdict) == "重量相符" and "仓库称重 1,250 g，快递揽收重量 1,250 g" in check.sentence()
    with zipfile.ZipFile(kit_zip) as archive:
        names = archive.namelist()
    pictures = [n for n in names if n.lower().endswith((".jpg", ".jpeg", ".png"))]
    assert len(pictures) >= 2 and any(n.lower().endswith(".txt") for n in names), names
    assert count <= ACTION_BUDGET, f"J1 takes {count} actions, more than {ACTION_BUDGET}: {op.actions}"
