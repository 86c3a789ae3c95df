"""Outcomes and money in the window: the platform's decision on an appeal and a courier claim are recorded
with the keyboard and mouse and show where a user looks (the dialog, the case's money, the statistics);
closing a case asks for what its books lack without blocking; the form says when the buyer keeps claiming."""

# The window fixtures are shared with test_ui_flow by import; pytest injects them by name.
# ruff: noqa: F401, F811

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from desk.domain import AppealResult, CaseDraft, CaseId, CaseStatus, CaseType, ClaimStatus, Platform
from tests import ui_wait
from tests.test_ui_flow import WAIT_MS, add_ready_case, jpeg, make_window, no_modal_dialogs, settings, window
from ui.context import MenuKey
from ui.main_window import MainWindow
from ui.outcomes.appeal_dialog import AppealDialog
from ui.outcomes.claim_dialog import ClaimDialog
from ui.qt import QAction, QComboBox, QMessageBox, Qt, QWidget

pytestmark = pytest.mark.gui


def _case(desk: Any, order_no: str = "261201-583920174650321", **kw: Any) -> CaseId:
    fields: dict[str, Any] = {
        "platform": Platform.PDD,
        "order_no": order_no,
        "case_type": CaseType.MISSING_ITEM,
        "appeal_type": "goods",
        "refund_paid": Decimal("59.90"),
    }
    case, _ = desk.cases.create(CaseDraft(**{**fields, **kw}))
    return CaseId(case.id)


def _menu_action(window: MainWindow, text: str) -> QAction:
    menu = window.feature_context.menu(MenuKey.APPEAL)
    return next(a for a in menu.actions() if a.text() == text)


def _dialog(window: MainWindow, qtbot: Any, cls: type) -> Any:
    qtbot.waitUntil(lambda: any(d.isVisible() for d in window.findChildren(cls)), timeout=WAIT_MS)
    return next(d for d in window.findChildren(cls) if d.isVisible())


def _type(qtbot: Any, edit: QWidget, text: str) -> None:
    qtbot.mouseClick(edit, Qt.MouseButton.LeftButton)
    edit.selectAll()  # type: ignore[attr-defined]
    qtbot.keyClick(edit, Qt.Key.Key_Delete)
    qtbot.keyClicks(edit, text)


def _choose(qtbot: Any, combo: QComboBox, words: str) -> None:
    """Pick an entry of a combo box with the keyboard, as an operator tabbing through would."""
    combo.setFocus()
    while combo.currentText() != words:
        before = combo.currentIndex()
        qtbot.keyClick(combo, Qt.Key.Key_Down)
        assert combo.currentIndex() != before, f"{words} is not offered"


def _rows(dialog: Any) -> list[list[str]]:
    t = dialog.table
    return [[t.item(r, c).text() for c in range(t.columnCount())] for r in range(t.rowCount())]


def _box(window: MainWindow, qtbot: Any, words: str) -> QMessageBox:
    def shown() -> QMessageBox | None:
        return next(
            (b for b in window.findChildren(QMessageBox) if b.isVisible() and words in b.text()), None
        )

    qtbot.waitUntil(lambda: shown() is not None, timeout=WAIT_MS)
    box = shown()
    assert box is not None
    return box


def _click_button(qtbot: Any, box: QMessageBox, words: str) -> None:
    button = next(b for b in box.buttons() if b.text() == words)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def test_an_appeal_decision_recorded_with_keys_and_mouse_shows_and_counts(
    window: MainWindow, desk: Any, qtbot: Any
) -> None:
    case_id = _case(desk)
    ui_wait.open_case(qtbot, window, case_id)
    _menu_action(window, "记录申诉结果…").trigger()
    dialog: AppealDialog = _dialog(window, qtbot, AppealDialog)
    qtbot.waitUntil(lambda: dialog.empty_label.isVisible(), timeout=WAIT_MS)
    assert dialog.result_combo.currentText() == "申诉成功"

    # A negative amount and a day still to come are refused in plain words; nothing is written.
    _type(qtbot, dialog.amount_edit, "-5")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert "追回金额不能是负数" in dialog.error_label.text() and dialog.error_label.isVisible()
    _type(qtbot, dialog.amount_edit, "5yuan")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert "不是有效的金额" in dialog.error_label.text()
    _type(qtbot, dialog.amount_edit, "59.9")
    tomorrow = (datetime.now() + timedelta(days=1)).strftime("%Y-%m-%d")
    _type(qtbot, dialog.decided_edit, tomorrow)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert f"结果日期不能晚于今天：{tomorrow}" in dialog.error_label.text()
    assert desk.outcomes.appeals(case_id) == []

    _type(qtbot, dialog.decided_edit, datetime.now().strftime("%Y-%m-%d"))
    qtbot.keyClick(dialog.decided_edit, Qt.Key.Key_Return)  # Enter: 添加, the default button
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 1, timeout=WAIT_MS)
    assert _rows(dialog)[0][2:5] == ["申诉成功", datetime.now().strftime("%Y-%m-%d"), "¥59.90"]
    assert not dialog.error_label.isVisible()
    assert desk.cases.get(case_id).recovered_appeal == Decimal("59.90")
    assert desk.stats.report().appeals.won == 1
    # The form's 金额 tab follows (the window re-reads the case after the write).
    qtbot.waitUntil(lambda: window.form.fields["recovered_appeal"].text() == "59.90", timeout=WAIT_MS)

    # Edit: the row chosen with a click, the result changed with the keyboard.
    qtbot.mouseClick(
        dialog.table.viewport(),
        Qt.MouseButton.LeftButton,
        pos=dialog.table.visualItemRect(dialog.table.item(0, 0)).center(),
    )
    assert dialog.save_button.text() == "保存修改"
    _choose(qtbot, dialog.result_combo, "部分支持")
    _type(qtbot, dialog.amount_edit, "20")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: _rows(dialog)[0][2] == "部分支持", timeout=WAIT_MS)
    assert desk.cases.get(case_id).recovered_appeal == Decimal("20.00")
    report = desk.stats.report().appeals
    assert (report.won, report.partial) == (0, 1)


def test_removing_an_entry_asks_first(window: MainWindow, desk: Any, qtbot: Any) -> None:
    case_id = _case(desk)
    desk.outcomes.record_appeal(case_id, result=AppealResult.REJECTED)
    ui_wait.open_case(qtbot, window, case_id)
    _menu_action(window, "记录申诉结果…").trigger()
    dialog: AppealDialog = _dialog(window, qtbot, AppealDialog)
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 1, timeout=WAIT_MS)
    assert not dialog.remove_button.isEnabled()  # nothing chosen yet
    dialog.select(desk.outcomes.appeals(case_id)[0].id)

    qtbot.mouseClick(dialog.remove_button, Qt.MouseButton.LeftButton)
    _click_button(qtbot, _box(window, qtbot, "删除这条申诉结果"), "取消")
    assert len(desk.outcomes.appeals(case_id)) == 1

    qtbot.mouseClick(dialog.remove_button, Qt.MouseButton.LeftButton)
    _click_button(qtbot, _box(window, qtbot, "删除这条申诉结果"), "删除")
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 0, timeout=WAIT_MS)
    assert desk.outcomes.appeals(case_id) == []
    assert dialog.empty_label.isVisible()


def test_a_courier_claim_and_its_packet(
    window: MainWindow, desk: Any, qtbot: Any, jpeg: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[Path] = []
    monkeypatch.setattr("ui.outcomes.claim_dialog.open_folder", lambda folder: opened.append(folder) or True)
    case_id = add_ready_case(desk, "240101-123456789012345", jpeg)
    desk.cases.update(case_id, courier="中通快递")
    ui_wait.open_case(qtbot, window, case_id)
    _menu_action(window, "快递理赔…").trigger()
    dialog: ClaimDialog = _dialog(window, qtbot, ClaimDialog)
    assert not dialog.packet_button.isEnabled()  # no claim chosen yet

    _type(qtbot, dialog.claim_no_edit, "LP20261201")
    _type(qtbot, dialog.claimed_edit, "29.90")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 1, timeout=WAIT_MS)
    row = _rows(dialog)[0]
    assert row[:4] == ["LP20261201", "中通快递", "已提交", "¥29.90"]
    # The claim just added stays chosen: its packet is one click away.
    qtbot.waitUntil(dialog.packet_button.isEnabled, timeout=WAIT_MS)

    # Paid: status and amount, written with the keyboard.
    _choose(qtbot, dialog.status_combo, str(ClaimStatus.PAID))
    _type(qtbot, dialog.paid_edit, "25")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: _rows(dialog)[0][4] == "¥25.00", timeout=WAIT_MS)
    assert desk.cases.get(case_id).recovered_courier == Decimal("25.00")

    qtbot.mouseClick(dialog.packet_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.last_packet is not None, timeout=WAIT_MS)
    assert dialog.last_packet is not None
    pdf = dialog.last_packet.path
    assert pdf.is_file() and pdf.read_bytes().startswith(b"%PDF")
    assert opened == [pdf.parent]
    assert any("理赔材料" in e.words().line() for e in desk.cases.timeline(case_id))


def test_closing_a_case_with_a_gap_asks_and_leads_to_the_fix(
    window: MainWindow, desk: Any, qtbot: Any
) -> None:
    case_id = _case(desk)
    desk.outcomes.record_appeal(case_id)  # sent, no decision recorded
    ui_wait.open_case(qtbot, window, case_id)
    _choose(qtbot, window.form.fields["status"], str(CaseStatus.CLOSED))  # type: ignore[arg-type]
    window.form.save()

    box = _box(window, qtbot, "结案前还缺")
    assert "还没有平台结果" in box.informativeText()
    assert not box.isModal()  # the operator may look at the case before answering
    assert desk.cases.get(case_id).status == CaseStatus.CLOSED  # closing is not held back
    _click_button(qtbot, box, "现在补上")
    dialog: AppealDialog = _dialog(window, qtbot, AppealDialog)
    assert dialog.case_id == case_id


def test_closing_from_the_cases_menu_asks_too_and_a_complete_case_does_not(
    window: MainWindow, desk: Any, qtbot: Any
) -> None:
    from ui.cases.menus import set_status

    complete = _case(desk, "261201-000000000000001")
    gap = _case(desk, "261201-000000000000002", resolution="快递理赔")  # no claim recorded
    ui_wait.refresh_list(qtbot, window)
    ctx = window.feature_context

    window.select_case(complete)
    ui_wait.wait_case_shown(qtbot, window, complete)
    set_status(ctx, CaseStatus.CLOSED)
    qtbot.waitUntil(lambda: desk.cases.get(complete).status == CaseStatus.CLOSED, timeout=WAIT_MS)
    qtbot.wait(300)  # the check runs after the write; a complete case asks nothing
    assert not any(b.isVisible() for b in window.findChildren(QMessageBox))

    window.select_case(gap)
    ui_wait.wait_case_shown(qtbot, window, gap)
    set_status(ctx, CaseStatus.CLOSED)
    box = _box(window, qtbot, "结案前还缺")
    assert "处理方式是快递理赔，但还没有记录理赔" in box.informativeText()
    _click_button(qtbot, box, "仍然结案")
    assert desk.cases.get(gap).status == CaseStatus.CLOSED
    assert not any(isinstance(w, ClaimDialog) and w.isVisible() for w in window.findChildren(QWidget))


def test_the_form_names_a_repeat_claimer_and_not_a_first_timer(
    window: MainWindow, desk: Any, qtbot: Any
) -> None:
    for n in range(2):
        _case(desk, f"26110{n}-00000000000000{n}", buyer_nick="薅羊毛的小王")
    third = _case(desk, "261103-000000000000003", buyer_nick="薅羊毛的小王")
    desk.outcomes.record_appeal(third, result="申诉成功", amount_returned="5")
    once = _case(desk, "261104-000000000000004", buyer_nick="第一次来的小李")
    label = window.form.buyer_label

    ui_wait.open_case(qtbot, window, third)
    qtbot.waitUntil(label.isVisible, timeout=WAIT_MS)
    assert label.text() == "该买家 90 天内第 3 次售后（申诉成功 1 次）"

    ui_wait.select_case(qtbot, window, once)
    qtbot.wait(200)
    assert not label.isVisible()

    ui_wait.select_case(qtbot, window, third)
    qtbot.waitUntil(label.isVisible, timeout=WAIT_MS)
