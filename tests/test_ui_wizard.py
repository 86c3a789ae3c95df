"""The wizard window: one path per case type through real clicks; status, timeline and checklist follow."""

# The window fixtures are shared with test_ui_flow by import; pytest injects them by name.
# ruff: noqa: F401, F811

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from desk.domain import CaseType
from desk.playbooks.merge import MergeChoice
from tests.test_ui_flow import WAIT_MS, add_case, make_window, no_modal_dialogs, settings, window
from tests.test_wizard import order_case
from ui.qt import QMessageBox, QPushButton
from ui.wizard.scripts_dialog import ScriptsDialog
from ui.wizard.wizard_dialog import WizardDialog

# (case type, buttons to click in order — the text each button starts with, expected status, resolution)
PATHS = [
    (CaseType.MISSING_ITEM, ["完成", "1. 外包装有破损"], "已补发", "补发"),
    (CaseType.WRONG_ITEM, ["完成", "1. 确实发错了", "2. 换货"], "等待退货", "换货"),
    (CaseType.QUALITY, ["完成", "1. 轻微瑕疵", "1. 接受补贴"], "已结案", "补差价"),
    (CaseType.UNWANTED, ["完成", "2. 没有运费险", "2. 拒绝"], "申诉中", "申诉"),
    (CaseType.MALICIOUS, ["2. 平台不允许商家拒绝"], "已结案", "仅退款"),
]


def buttons(dialog: WizardDialog) -> list[QPushButton]:
    return [b for b in dialog.findChildren(QPushButton) if b.isVisible()]


def click(qtbot: Any, dialog: WizardDialog, prefix: str) -> None:
    def ready() -> None:
        assert any(b.text().startswith(prefix) for b in buttons(dialog)), [b.text() for b in buttons(dialog)]

    qtbot.waitUntil(ready, timeout=WAIT_MS)
    steps = len(dialog.view.choices)
    next(b for b in buttons(dialog) if b.text().startswith(prefix)).click()
    # Wait for this answer's own result, not for any re-read that happens meanwhile (steps the evidence
    # completes may be passed over with it).
    qtbot.waitUntil(lambda: len(dialog.view.choices) > steps, timeout=WAIT_MS)
    # The new step's buttons are shown by their layout on the next turn of the event loop.
    box = dialog.answers_box
    qtbot.waitUntil(
        lambda: all((w := box.itemAt(i).widget()) is None or w.isVisible() for i in range(box.count())),
        timeout=WAIT_MS,
    )


@pytest.mark.parametrize(("case_type", "clicks", "status", "resolution"), PATHS)
def test_one_path_per_case_type(
    qtbot: Any,
    desk: Any,
    make_window: Any,
    case_type: CaseType,
    clicks: list[str],
    status: str,
    resolution: str,
) -> None:
    case_id = add_case(desk, "240101-123456789012345", case_type=case_type)
    window = make_window()
    window.select_case(case_id)
    qtbot.waitUntil(lambda: window.form.case_id == case_id, timeout=WAIT_MS)
    window.features.wizard.open_wizard()
    dialog = next(w for w in window.findChildren(WizardDialog))
    qtbot.waitUntil(lambda: dialog.view is not None, timeout=WAIT_MS)
    assert dialog.header.text().startswith(dialog.view.playbook.title)
    for prefix in clicks:
        click(qtbot, dialog, prefix)
    assert dialog.view.state.outcome is not None
    assert dialog.apply_button.isVisible()
    if dialog.view.state.outcome.appeal:
        assert any(c.required and not c.present for c in dialog.view.checklist)
        assert "240101-123456789012345" in dialog.draft.toPlainText()
    before = dialog.view
    dialog.apply_button.click()
    qtbot.waitUntil(lambda: dialog.view is not before and dialog.view.applied, timeout=WAIT_MS)
    case = desk.cases.get(case_id)
    assert str(case.status) == status
    assert str(getattr(case, "resolution", resolution)) == resolution
    said = [e.words().line() for e in desk.cases.timeline(case_id)]
    assert sum(1 for n in said if n.startswith("处理流程：")) >= len(clicks)
    dialog.close()


def test_checklist_ticks_when_missing_evidence_added_in_the_wizard(
    qtbot: Any,
    desk: Any,
    make_window: Any,
    tmp_path: Path,
) -> None:
    case_id = add_case(desk, "240101-123456789012345", case_type=CaseType.UNWANTED)
    desk.wizard.run_answers(case_id, [1, 1])  # resumed at the freight appeal
    window = make_window()
    window.select_case(case_id)
    qtbot.waitUntil(lambda: window.form.case_id == case_id, timeout=WAIT_MS)
    window.features.wizard.open_wizard()
    dialog = next(w for w in window.findChildren(WizardDialog))
    qtbot.waitUntil(lambda: dialog.view is not None, timeout=WAIT_MS)
    assert dialog.view.missing_required == ("运费凭证",)
    voucher = tmp_path / "运费凭证.png"
    Image.new("RGB", (300, 200), "white").save(voucher)
    dialog.import_files([voucher], "运费凭证")
    qtbot.waitUntil(lambda: dialog.view.missing_required == (), timeout=WAIT_MS)
    assert [str(e.kind) for e in desk.evidence.list(case_id)] == ["运费凭证"]


def test_scripts_library_fills_and_edits(qtbot: Any, desk: Any, window: Any) -> None:
    case_id = add_case(desk, "240101-123456789012345", buyer="小雨点")
    dialog = ScriptsDialog(desk, window.runner, case_id, parent=window)
    qtbot.addWidget(dialog)
    dialog.search.setText("补寄单号")
    qtbot.waitUntil(
        lambda: dialog.items.count() == 1 and "【缺：补发单号】" in dialog.filled.text(), timeout=WAIT_MS
    )
    assert "补发单号" in dialog.missing.text()
    dialog.search.setText("感谢理解")
    qtbot.waitUntil(lambda: dialog.title.text() == "感谢理解", timeout=WAIT_MS)
    dialog.text.setPlainText("谢谢{买家}！")
    dialog.save()
    qtbot.waitUntil(lambda: dialog.filled.text() == "谢谢小雨点！", timeout=WAIT_MS)
    assert "（本店）" in dialog.items.currentItem().text()


def open_wizard(qtbot: Any, make_window: Any, case_id: Any) -> WizardDialog:
    window = make_window()
    window.select_case(case_id)
    qtbot.waitUntil(lambda: window.form.case_id == case_id, timeout=WAIT_MS)
    window.features.wizard.open_wizard()
    dialog = next(w for w in window.findChildren(WizardDialog))
    qtbot.waitUntil(lambda: dialog.view is not None, timeout=WAIT_MS)
    return dialog


def answer_box(monkeypatch: pytest.MonkeyPatch, button: str) -> list[str]:
    """The confirmation is a real message box: its button is clicked as the operator would; what it said
    is kept."""
    said: list[str] = []

    def click_in(box: QMessageBox) -> int:
        said.append(f"{box.text()}\n{box.informativeText()}")
        next(b for b in box.buttons() if b.text() == button).click()
        return 0

    monkeypatch.setattr(QMessageBox, "exec", click_in)
    return said


def test_pre_answered_question_and_a_contradicting_click(
    qtbot: Any, desk: Any, make_window: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = order_case(desk, tmp_path, warehouse_g=1190)  # the weight check: one 收纳盒 short
    dialog = open_wizard(qtbot, make_window, case.id)
    for prefix in ("完成", "2. 外包装完好", "1. 本人签收", "完成"):
        click(qtbot, dialog, prefix)
    # The weight check decides the question: the window took its answer without asking, and says so.
    qtbot.waitUntil(lambda: dialog.view.state.outcome is not None, timeout=WAIT_MS)
    assert dialog.view.state.outcome.id == "short_confirmed"
    assert "重量对比的结论？　✓ 按售后数据：核实少件" in dialog.passed_label.text()
    # 上一步 asks it after all, with the data's answer marked.
    dialog.back_button.click()
    qtbot.waitUntil(lambda: any("按售后数据" in b.text() for b in buttons(dialog)), timeout=WAIT_MS)
    assert dialog.known_label.isVisible()
    assert "售后数据已给出回答：1. 核实少件" in dialog.known_label.text()
    assert "依据：称重核对：相差 430 g ≈ 1 件 〈收纳盒（灰色）〉" in dialog.known_label.text()
    marked = [b.text() for b in buttons(dialog) if "按售后数据" in b.text()]
    assert marked == ["1. 核实少件（重量偏轻，差值约为漏发商品的重量）　✓ 按售后数据"]
    # "Weights match" asks first; 取消 leaves the question where it was, nothing recorded.
    said = answer_box(monkeypatch, "取消")
    steps = len(dialog.view.choices)
    next(b for b in buttons(dialog) if b.text().startswith("2. 重量相符")).click()
    assert said and "与售后数据不符" in said[0] and "称重核对：相差 430 g" in said[0]
    qtbot.wait(200)
    assert len(dialog.view.choices) == steps and dialog.step_title.text() == "问题：重量对比的结论？"
    assert not any("与数据不符" in e.words().line() for e in desk.cases.timeline(case.id))
    # 仍按我的选择: the walk goes on, and the timeline says the data was overridden.
    said = answer_box(monkeypatch, "仍按我的选择")
    click(qtbot, dialog, "2. 重量相符")
    assert said and dialog.step_title.text() == "问题：与买家友好协商的结果？"
    lines = [e.words().line() for e in desk.cases.timeline(case.id)]
    assert any("重量相符，买家仍坚持漏发（与数据不符，已确认：数据给出“核实少件" in line for line in lines)


def test_apply_shows_the_difference_and_keeps_what_the_operator_wrote(
    qtbot: Any, desk: Any, make_window: Any, tmp_path: Path
) -> None:
    mine = "买家说少了一个收纳盒，聊天里有照片。"
    case = order_case(desk, tmp_path, warehouse_g=1610, description=mine, refund_paid=Decimal("29.90"))
    dialog = open_wizard(qtbot, make_window, case.id)
    for prefix in ("完成", "2. 外包装完好", "1. 本人签收", "完成", "3. 协商无果"):
        click(qtbot, dialog, prefix)
    assert dialog.view.state.outcome.id == "appeal_weights"
    assert dialog.merge_diff.isVisible() and "line-through" in dialog.merge_diff.text()
    assert mine in dialog.merge_diff.text() and "恳请平台核实后支持商家" in dialog.merge_diff.text()
    assert dialog.merge_buttons[MergeChoice.KEEP].isChecked()  # nothing is replaced unasked
    dialog.merge_buttons[MergeChoice.APPEND].click()
    before = dialog.view
    dialog.apply_button.click()
    qtbot.waitUntil(lambda: dialog.view is not before and dialog.view.applied, timeout=WAIT_MS)
    after = desk.cases.get(case.id)
    assert after.description.startswith(mine) and after.description.endswith(dialog.draft.toPlainText())
    assert (after.appeal_type, str(after.resolution)) == ("goods", "申诉")


def test_a_draft_with_a_gap_cannot_be_written_until_filled(qtbot: Any, desk: Any, make_window: Any) -> None:
    case_id = add_case(desk, "240101-123456789012345")  # no weighing: the draft misses 重量结论
    desk.wizard.run_answers(case_id, [1, 0, 1, 2])
    dialog = open_wizard(qtbot, make_window, case_id)
    assert "【缺：重量结论】" in dialog.draft.toPlainText()
    replace = dialog.merge_buttons[MergeChoice.REPLACE]
    assert not replace.isEnabled() and dialog.merge_buttons[MergeChoice.KEEP].isChecked()
    assert "缺：重量结论（填写称重核对" in dialog.merge_warning.text()
    dialog.draft.setPlainText(dialog.draft.toPlainText().replace("【缺：重量结论】", "复称与发货重量一致"))
    assert replace.isEnabled() and not dialog.merge_warning.isVisible()
    replace.click()
    before = dialog.view
    dialog.apply_button.click()
    qtbot.waitUntil(lambda: dialog.view is not before and dialog.view.applied, timeout=WAIT_MS)
    assert "复称与发货重量一致" in desk.cases.get(case_id).description


def test_a_broken_playbook_copy_is_named_with_its_line(qtbot: Any, desk: Any, make_window: Any) -> None:
    from desk.playbooks.loader import PLAYBOOK_DIR

    copy = desk.profile.root / "playbooks" / "missing_item.toml"
    copy.parent.mkdir(exist_ok=True)
    text = (PLAYBOOK_DIR / "missing_item.toml").read_text("utf-8")
    copy.write_text(text.replace('when = ["short"]', 'when = ["shortish"]'), encoding="utf-8")
    line = next(i for i, ln in enumerate(copy.read_text("utf-8").splitlines(), 1) if "shortish" in ln)
    desk.wizard.reload()
    dialog = open_wizard(qtbot, make_window, add_case(desk, "240101-123456789012345"))
    assert dialog.problems.isVisible()
    assert f"流程文件“missing_item.toml”第 {line} 行" in dialog.problems.text()
    assert "shortish" in dialog.problems.text() and "暂时使用软件自带的流程" in dialog.problems.text()


def weighed_case(desk: Any, tmp_path: Path, **kw: Any) -> Any:
    """A 拼多多 漏发少件 case whose weights match, with its warehouse and courier weight pictures."""
    import io

    from desk.domain import EvidenceKind

    case = order_case(desk, tmp_path, warehouse_g=1610, **kw)
    for n, kind in enumerate((EvidenceKind.WAREHOUSE_WEIGHT, EvidenceKind.COURIER_WEIGHT)):
        out = io.BytesIO()
        Image.new("RGB", (60, 40), (40 * n, 120, 200)).save(out, "PNG")
        assert not desk.evidence.import_bytes(case.id, out.getvalue(), f"{kind}.png", kind=kind).rejected
    return case


def to_appeal(qtbot: Any, dialog: WizardDialog) -> None:
    # 先让买家拍照 and 复称 are passed over: the case holds the pictures they ask for.
    for prefix in ("2. 外包装完好", "1. 本人签收", "3. 协商无果"):  # the weights answer their question
        click(qtbot, dialog, prefix)
    assert dialog.view.state.outcome.id == "appeal_weights"


def test_steps_the_evidence_completes_are_shown_done_and_passed_over(
    qtbot: Any, desk: Any, make_window: Any, tmp_path: Path
) -> None:
    case = weighed_case(desk, tmp_path)
    dialog = open_wizard(qtbot, make_window, case.id)
    qtbot.waitUntil(lambda: dialog.step_title.text() == "问题：签收时外包装是否有破损？", timeout=WAIT_MS)
    assert dialog.passed_label.isVisible()
    assert (
        "先让买家拍照，确定漏发的是哪件商品　✓ 已有：仓库称重图、快递内网重量图" in dialog.passed_label.text()
    )
    assert not any(b.text() == "完成，下一步" for b in buttons(dialog))


def test_one_key_from_the_outcome_to_the_upload_kit(
    qtbot: Any, desk: Any, make_window: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ui.qt import QApplication, QFileDialog, Qt

    def no_dialog(*_a: Any, **_k: Any) -> tuple[str, str]:
        raise AssertionError("no file dialog")

    monkeypatch.setattr(QFileDialog, "getSaveFileName", no_dialog)
    case = weighed_case(desk, tmp_path, refund_paid=Decimal("29.90"), refund_amount=Decimal("29.90"))
    dialog = open_wizard(qtbot, make_window, case.id)
    to_appeal(qtbot, dialog)
    qtbot.waitUntil(dialog.apply_kit_button.isVisible, timeout=WAIT_MS)
    assert dialog.apply_kit_button.text() == "应用并导出上传材料包"
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog, timeout=WAIT_MS)
    qtbot.keyClick(dialog, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: dialog.kit_result is not None, timeout=WAIT_MS)
    kit = dialog.kit_result.zip_path
    assert kit.exists() and kit.parent == desk.profile.packets_dir / f"case-{case.id}"
    assert dialog.view.applied and desk.cases.get(case.id).appeal_type == "goods"
    assert dialog.open_kit_button.isVisible() and str(kit) in dialog.kit_label.text()


def test_the_readiness_check_still_refuses_and_nothing_is_written(
    qtbot: Any, desk: Any, make_window: Any, tmp_path: Path
) -> None:
    case = weighed_case(desk, tmp_path, refund_paid=Decimal("29.90"))  # no 退款金额: a goods appeal needs it
    dialog = open_wizard(qtbot, make_window, case.id)
    to_appeal(qtbot, dialog)
    qtbot.waitUntil(dialog.apply_kit_button.isVisible, timeout=WAIT_MS)
    dialog.apply_kit_button.click()
    qtbot.waitUntil(lambda: dialog.readiness_dialog is not None, timeout=WAIT_MS)
    assert dialog.view.applied and dialog.kit_result is None
    folder = desk.profile.packets_dir / f"case-{case.id}"
    assert not list(folder.glob("*.zip"))  # a folder that is not there holds nothing either
    dialog.readiness_dialog.close()


def test_no_kit_button_where_the_platform_takes_the_pdf_first(
    qtbot: Any, desk: Any, make_window: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = weighed_case(desk, tmp_path)
    monkeypatch.setattr(desk.platforms, "primary_output", lambda _platform: "pdf")  # as 抖店's profile says
    dialog = open_wizard(qtbot, make_window, case.id)
    to_appeal(qtbot, dialog)
    qtbot.wait(100)
    assert dialog.apply_button.isVisible() and not dialog.apply_kit_button.isVisible()
