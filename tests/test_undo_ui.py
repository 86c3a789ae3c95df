"""The window's one 撤销 action over the desk's undo log, with real key presses (qtbot.keyClick):
Ctrl+Z in the case list and in the gallery, the text naming the step, a text field keeping its own
undo, a step refused after a later edit, a log changed behind the window's back."""

# ruff: noqa: F811 - the window fixtures of test_ui_flow are imported by name and used as arguments

from __future__ import annotations

from typing import Any

import pytest

from desk.domain import CaseStatus, EvidenceKind
from desk.services.undo import UndoService
from tests.test_evidence_ui import banded, png_bytes
from tests.test_ui_flow import (  # noqa: F401 - fixtures
    WAIT_MS,
    add_case,
    make_window,
    no_modal_dialogs,
    settings,
    window,
)
from tests.ui_wait import open_case, refresh_list, reload_evidence
from ui.main_window import MainWindow
from ui.qt import QApplication, QItemSelectionModel, Qt, QWidget

pytestmark = pytest.mark.gui


def ids_shown(window: MainWindow) -> set[int]:
    return {int(window.model.case_id(r) or 0) for r in range(window.model.rowCount())}


def select_rows(window: MainWindow, case_ids: list[int]) -> None:
    selection = window.table.selectionModel()
    selection.clearSelection()
    for case_id in case_ids:
        row = window.model.row_of(case_id)  # type: ignore[arg-type]
        assert row is not None
        selection.select(
            window.model.index(row, 0),
            QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows,
        )


def focus(window: MainWindow, widget: QWidget, qtbot: Any) -> None:
    window.activateWindow()
    widget.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is widget, timeout=WAIT_MS)


def wait_undo_text(window: MainWindow, qtbot: Any, text: str) -> None:
    qtbot.waitUntil(lambda: window.undo_action.text() == text, timeout=WAIT_MS)
    assert window.undo_action.isEnabled() == (text != "撤销")


def test_nothing_to_undo_is_a_plain_disabled_action(window: MainWindow, qtbot: Any) -> None:
    edit_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "编辑")
    assert window.undo_action in edit_menu.actions()
    wait_undo_text(window, qtbot, "撤销")
    assert not window.undo_action.isEnabled()


def test_ctrl_z_in_the_case_list_takes_back_a_delete(window: MainWindow, desk: Any, qtbot: Any) -> None:
    a, b = add_case(desk, "261120-1"), add_case(desk, "261120-2")
    refresh_list(qtbot, window)
    select_rows(window, [a, b])
    focus(window, window.table, qtbot)
    qtbot.keyClick(window.table, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: window.model.rowCount() == 0, timeout=WAIT_MS)
    wait_undo_text(window, qtbot, "撤销 移到回收站")
    assert window.undo_action.statusTip() == "撤销 移到回收站（2 条售后）"
    focus(window, window.table, qtbot)
    qtbot.keyClick(window.table, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: ids_shown(window) == {a, b}, timeout=WAIT_MS)
    assert desk.cases.list_ids(window.cases_pane.current_filter()) != []
    qtbot.waitUntil(
        lambda: "已撤销移到回收站（2 条售后）" in window.statusBar().currentMessage(), timeout=WAIT_MS
    )
    wait_undo_text(window, qtbot, "撤销")


def test_ctrl_z_in_the_gallery_brings_items_back_selected(window: MainWindow, desk: Any, qtbot: Any) -> None:
    case_id = add_case(desk, "261120-000000000000001")
    open_case(qtbot, window, case_id)
    keep = desk.evidence.import_bytes(case_id, png_bytes(banded((60, 40))), "留下.png").added[0]
    gone = desk.evidence.import_bytes(case_id, png_bytes(banded((70, 40))), "删掉.png").added[0]
    panel = window.panel
    reload_evidence(qtbot, panel)
    focus(window, panel.view, qtbot)
    panel.select_ids([gone.id])
    qtbot.keyClick(panel.view, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: [e.id for e in panel.model.items()] == [keep.id], timeout=WAIT_MS)
    wait_undo_text(window, qtbot, "撤销 删除证据")
    # The gallery's menu offers the same action, naming the same step.
    assert "撤销 删除证据" in [a.text() for a in panel.context_menu().actions()]
    qtbot.keyClick(panel.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: len(panel.model.items()) == 2, timeout=WAIT_MS)
    (back,) = [e for e in panel.model.items() if e.original_name == "删掉.png"]
    qtbot.waitUntil(lambda: [e.id for e in panel.selected()] == [back.id], timeout=WAIT_MS)
    wait_undo_text(window, qtbot, "撤销")


def test_one_log_for_the_whole_window(window: MainWindow, desk: Any, qtbot: Any) -> None:
    """Anki's model: Ctrl+Z takes back the newest step, wherever the focus is."""
    other = add_case(desk, "261120-000000000000002")
    case_id = add_case(desk, "261120-000000000000001")
    item = desk.evidence.import_bytes(case_id, png_bytes(banded()), "a.png", kind=EvidenceKind.OTHER).added[0]
    open_case(qtbot, window, case_id)
    reload_evidence(qtbot, window.panel)
    select_rows(window, [other])
    window.cases_pane.set_status_of_selected(CaseStatus.NEGOTIATING)
    wait_undo_text(window, qtbot, "撤销 批量修改状态")
    window.panel.set_kind(EvidenceKind.CHAT, [item])
    wait_undo_text(window, qtbot, "撤销 修改证据类型")
    focus(window, window.table, qtbot)  # in the list, yet the newest step is the gallery's
    qtbot.keyClick(window.table, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: desk.evidence.get(item.id).kind == EvidenceKind.OTHER, timeout=WAIT_MS)
    wait_undo_text(window, qtbot, "撤销 批量修改状态")
    focus(window, window.panel.view, qtbot)
    qtbot.keyClick(window.panel.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: desk.cases.get(other).status == CaseStatus.OPEN, timeout=WAIT_MS)
    wait_undo_text(window, qtbot, "撤销")


def test_a_text_field_keeps_its_own_ctrl_z(window: MainWindow, desk: Any, qtbot: Any) -> None:
    a = add_case(desk, "261120-1")
    desk.cases.trash([a])
    window.refresh_undo()
    wait_undo_text(window, qtbot, "撤销 移到回收站")
    search = window.search
    focus(window, search, qtbot)
    qtbot.keyClicks(search, "abc")
    qtbot.keyClick(search, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert search.text() == ""  # the field's own undo
    qtbot.wait(300)
    assert desk.cases.get(a).deleted_at is not None  # the log was not touched
    assert window.undo_action.text() == "撤销 移到回收站"


def test_a_restarted_window_sees_the_log(make_window: Any, desk: Any, qtbot: Any) -> None:
    a = add_case(desk, "261120-1")
    desk.cases.trash([a])  # e.g. `python -m desk case delete`, or the last window before a restart
    window = make_window()
    wait_undo_text(window, qtbot, "撤销 移到回收站")
    window.undo_action.trigger()
    qtbot.waitUntil(lambda: desk.cases.get(a).deleted_at is None, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: ids_shown(window) == {a}, timeout=WAIT_MS)


def test_a_later_edit_refuses_the_step_in_plain_words(
    window: MainWindow, desk: Any, qtbot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    a = add_case(desk, "261120-1")
    refresh_list(qtbot, window)
    select_rows(window, [a])
    window.cases_pane.set_status_of_selected(CaseStatus.NEGOTIATING)
    wait_undo_text(window, qtbot, "撤销 批量修改状态")
    desk.cases.update(a, status=CaseStatus.CLOSED)  # another window, meanwhile
    shown: list[str] = []
    monkeypatch.setattr("ui.main_window.show_error", lambda _parent, exc, action="": shown.append(str(exc)))
    window.undo_action.trigger()
    qtbot.waitUntil(lambda: bool(shown), timeout=WAIT_MS)
    assert "无法撤销“批量修改状态”" in shown[0] and "之后又被修改过" in shown[0]
    assert desk.cases.get(a).status == CaseStatus.CLOSED  # nothing undone
    wait_undo_text(window, qtbot, "撤销")  # the refused step left the log


def test_a_step_done_elsewhere_is_not_undone_by_surprise(window: MainWindow, desk: Any, qtbot: Any) -> None:
    a, b = add_case(desk, "261120-1"), add_case(desk, "261120-2")
    desk.cases.trash([a])
    window.refresh_undo()
    wait_undo_text(window, qtbot, "撤销 移到回收站")
    desk.cases.bulk_update([b], status=CaseStatus.NEGOTIATING)  # the CLI: the window does not know yet
    window.undo_action.trigger()
    qtbot.waitUntil(lambda: "要撤销的操作已变化" in window.statusBar().currentMessage(), timeout=WAIT_MS)
    assert desk.cases.get(a).deleted_at is not None and desk.cases.get(b).status == CaseStatus.NEGOTIATING
    wait_undo_text(window, qtbot, "撤销 批量修改状态")  # now it names the newest step
    assert UndoService.for_desk(desk).status().label == "批量修改状态"  # type: ignore[union-attr]
