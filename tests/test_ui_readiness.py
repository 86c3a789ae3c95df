"""申诉前检查 in the window: a packet for the platform waits until the checklist is clean; each problem
leads to its fix; a 草稿 stays possible; Ctrl+Enter sends the platform's primary output; the operator
reviews (and hides or rewords) the 处理经过 the platform will read."""

# The window fixtures are shared with test_ui_flow by import; pytest injects them by name.
# ruff: noqa: F401, F811

from __future__ import annotations

from pathlib import Path
from typing import Any

import pypdf
import pytest

from desk.domain import CaseDraft, CaseId, CaseType, Platform, WeightKind
from tests import ui_wait
from tests.test_ui_flow import WAIT_MS, add_ready_case, jpeg, make_window, no_modal_dialogs, settings, window
from ui.main_window import MainWindow
from ui.packet.readiness_dialog import ReadinessDialog
from ui.packet.story_dialog import StoryDialog
from ui.packet.upload_kit_dialog import UploadKitDialog
from ui.qt import QApplication, QComboBox, QPdfDocument, Qt

pytestmark = pytest.mark.gui


def open_case(window: MainWindow, qtbot: Any, case_id: CaseId) -> None:
    ui_wait.open_case(qtbot, window, case_id)


def shown_checklist(window: MainWindow, qtbot: Any) -> ReadinessDialog:
    qtbot.waitUntil(
        lambda: window.readiness_dialog is not None and window.readiness_dialog.isVisible(), timeout=WAIT_MS
    )
    dialog = window.readiness_dialog
    assert dialog is not None
    return dialog


def test_an_unready_packet_is_refused_with_the_checklist_and_its_fix_is_one_click_away(
    window: MainWindow, desk: Any, qtbot: Any
) -> None:
    case, _ = desk.cases.create(
        CaseDraft(platform=Platform.PDD, order_no="240101-123456789012345", case_type=CaseType.MISSING_ITEM)
    )
    open_case(window, qtbot, CaseId(case.id))
    window.packet_action.trigger()
    dialog = shown_checklist(window, qtbot)
    problems = [dialog.items.item(i).text() for i in range(dialog.items.count())]
    assert all(p.startswith("✗ ") for p in problems[: len(dialog.readiness.problems)])
    assert any("申诉类型" in p for p in problems) and any("问题描述" in p for p in problems)
    assert desk.packets.history(case.id) == []  # nothing was made, not even a file
    assert window.preview is None

    # The first problem is the missing appeal kind: 去处理 shows its field with the cursor in it.
    qtbot.mouseClick(dialog.fix_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=WAIT_MS)
    editor = window.form.fields["appeal_type"]
    assert window.form.tabs.currentIndex() == 0
    qtbot.waitUntil(
        lambda: QApplication.focusWidget() in (editor, *editor.findChildren(QComboBox)), timeout=WAIT_MS
    )

    # A money field lives on the 金额 tab: its fix opens that tab.
    window.jump_to("field:refund_amount")
    assert window.form.tabs.currentWidget().isAncestorOf(window.form.fields["refund_amount"])


def test_a_draft_is_still_possible_and_carries_the_watermark(
    window: MainWindow, desk: Any, qtbot: Any, tmp_path: Path
) -> None:
    case, _ = desk.cases.create(
        CaseDraft(platform=Platform.PDD, order_no="240101-123456789012345", case_type=CaseType.MISSING_ITEM)
    )
    open_case(window, qtbot, CaseId(case.id))
    window.packet_action.trigger()
    dialog = shown_checklist(window, qtbot)
    assert dialog.draft_button is not None
    qtbot.mouseClick(dialog.draft_button, Qt.MouseButton.LeftButton)

    def ready() -> bool:
        p = window.preview
        return p is not None and p.document.status() == QPdfDocument.Status.Ready

    qtbot.waitUntil(ready, timeout=WAIT_MS)
    assert window.preview is not None
    text = "".join(pypdf.PdfReader(str(window.preview.path)).pages[0].extract_text().split())
    assert "草稿·仅供内部核对" in text


def test_a_ready_case_goes_straight_to_the_preview(
    window: MainWindow, desk: Any, qtbot: Any, jpeg: Path
) -> None:
    case_id = add_ready_case(desk, "240101-123456789012345", jpeg)
    open_case(window, qtbot, case_id)
    window.packet_action.trigger()
    qtbot.waitUntil(lambda: window.preview is not None, timeout=WAIT_MS)
    assert window.readiness_dialog is None
    assert len(desk.packets.history(case_id)) == 1
    text = "".join(pypdf.PdfReader(str(window.preview.path)).pages[0].extract_text().split())
    assert "草稿" not in text and "240101-123456789012345" in text


def test_ctrl_enter_sends_the_platforms_primary_output(
    window: MainWindow, desk: Any, qtbot: Any, jpeg: Path, tmp_path: Path
) -> None:
    """拼多多's 维权申诉 takes pictures and text: Ctrl+Enter opens the upload kit, shown in bold on the
    toolbar; for a 淘宝 case the same key makes the PDF."""
    pdd = add_ready_case(desk, "240101-123456789012345", jpeg)
    other_jpeg = tmp_path / "other" / "称重.jpg"
    other_jpeg.parent.mkdir()
    other_jpeg.write_bytes(jpeg.read_bytes())
    taobao = add_ready_case(desk, "3456789012345678", other_jpeg, platform=Platform.TAOBAO)
    feature = window.features.upload_kit

    open_case(window, qtbot, pdd)
    qtbot.waitUntil(feature.primary_is_kit, timeout=WAIT_MS)
    assert feature.upload_kit.font().bold()
    window.cases_pane.table.setFocus()
    qtbot.keyClick(window.cases_pane.table, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: any(d.isVisible() for d in window.findChildren(UploadKitDialog)), timeout=WAIT_MS)
    for d in window.findChildren(UploadKitDialog):
        d.close()
    assert window.preview is None

    open_case(window, qtbot, taobao)
    qtbot.waitUntil(lambda: not feature.primary_is_kit(), timeout=WAIT_MS)
    assert not feature.upload_kit.font().bold()
    window.activateWindow()  # the closed dialog's own activation may have come in meanwhile (offscreen)
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=WAIT_MS)
    window.cases_pane.table.setFocus()
    qtbot.keyClick(window.cases_pane.table, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.preview is not None, timeout=WAIT_MS)
    assert len(desk.packets.history(taobao)) == 1


def test_the_operator_reviews_hides_and_rewords_what_the_platform_reads(
    window: MainWindow, desk: Any, qtbot: Any, jpeg: Path
) -> None:
    case_id = add_ready_case(desk, "240101-123456789012345", jpeg)
    desk.cases.add_note(case_id, "内部：这单别对平台提仓库漏检的事")
    desk.weights.add(case_id, WeightKind.WAREHOUSE, 1520)  # business events the platform reads
    desk.weights.add(case_id, WeightKind.COURIER_PICKUP, 1530)
    open_case(window, qtbot, case_id)
    window.features.upload_kit.story.trigger()
    qtbot.waitUntil(lambda: any(d.isVisible() for d in window.findChildren(StoryDialog)), timeout=WAIT_MS)
    dialog = next(d for d in window.findChildren(StoryDialog) if d.isVisible())
    qtbot.waitUntil(lambda: dialog.table.rowCount() > 0, timeout=WAIT_MS)
    texts = [dialog.table.item(r, 2).text() for r in range(dialog.table.rowCount())]
    assert not any("内部" in t or "漏检" in t for t in texts)  # the note never reaches this list
    timeline_before = desk.cases.timeline(case_id)

    first = dialog.entries[0]
    dialog.set_hidden(0, True)
    qtbot.waitUntil(lambda: desk.packets.platform_story(case_id)[0].hidden, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: dialog.table.item(0, 0).checkState() == Qt.CheckState.Unchecked, timeout=WAIT_MS)

    # Reword the second entry by editing its cell, as a double-click and typing do.
    qtbot.waitUntil(lambda: len(dialog.entries) > 1, timeout=WAIT_MS)
    dialog.table.item(1, 2).setText("买家于当日申请退款，称少发一件")
    qtbot.waitUntil(
        lambda: desk.packets.platform_story(case_id)[1].text == "买家于当日申请退款，称少发一件",
        timeout=WAIT_MS,
    )
    story = desk.packets.platform_story(case_id)
    assert story[1].edited and story[0].key == first.key and story[0].hidden
    assert desk.cases.timeline(case_id) == timeline_before  # the record is untouched
