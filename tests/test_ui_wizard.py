"""The wizard window: one path per case type through real clicks; status, timeline and checklist follow."""

# The window fixtures are shared with test_ui_flow by import; pytest injects them by name.
# ruff: noqa: F401, F811

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from desk.domain import CaseType
from tests.test_ui_flow import WAIT_MS, add_case, make_window, no_modal_dialogs, settings, window
from ui.qt import QPushButton
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
    # Wait for this answer's own result, not for any re-read that happens meanwhile.
    qtbot.waitUntil(lambda: len(dialog.view.choices) == steps + 1, timeout=WAIT_MS)


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
