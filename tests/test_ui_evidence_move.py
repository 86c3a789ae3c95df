"""A picture filed under the wrong case, as the operator meets it in the window: the viewer's suggestions
strip says the courier page's order number is another case's and offers 移到售后 #N; a real click moves the
picture there (the viewer goes on to the next picture and says where it went, the gallery drops it, the
other case's gallery shows it last), and the window's 撤销 (Ctrl+Z) puts it back in its place. A stand-in
reader plays the engine (tests/test_recognition_service.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from desk.domain import CaseDraft, CaseId
from tests import ui_wait
from tests.test_evidence_move import PAGE_ORDER
from tests.test_recognition_service import BLUE, RED, TEXTS, FakeReader, add, picture, service
from ui.main_window import MainWindow
from ui.qt import QApplication, QMessageBox, QPushButton, QSettings, Qt
from ui.tasks import TaskRunner

pytestmark = [pytest.mark.gui, pytest.mark.usefixtures("collect_on_the_gui_thread")]

WAIT_MS = 20_000


@pytest.fixture(autouse=True)
def no_modal_dialogs(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: Any, **_kwargs: Any) -> int:
        raise AssertionError("unexpected modal dialog")

    monkeypatch.setattr(QMessageBox, "exec", refuse)


def names(desk: Any, case_id: CaseId) -> list[str]:
    return [e.original_name for e in desk.evidence.list(case_id)]


def move_buttons(widget: Any) -> list[QPushButton]:
    return [b for b in widget.findChildren(QPushButton) if b.isVisible() and b.text().startswith("移到售后")]


def test_a_click_moves_the_picture_to_its_case_and_ctrl_z_brings_it_back(
    qtbot: Any, desk: Any, runner: TaskRunner, tmp_path: Path
) -> None:
    desk.recognition = service(desk, FakeReader(TEXTS))
    home, _ = desk.cases.create(CaseDraft(order_no="261120-999999999999999"))
    owner, _ = desk.cases.create(CaseDraft(order_no=PAGE_ORDER, buyer_nick="小王"))
    page = add(desk, home.id, picture(tmp_path, "快递页面.png", BLUE))  # its order number is the owner's
    chat = add(desk, home.id, picture(tmp_path, "聊天.png", RED))
    window = MainWindow(
        desk, runner=runner, settings=QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)
    )
    window.resize(1280, 900)
    window.show()
    qtbot.waitExposed(window)
    try:
        ui_wait.open_case(qtbot, window, home.id)
        panel = window.panel
        qtbot.waitUntil(lambda: len(panel.model.items()) == 2, timeout=WAIT_MS)
        viewer = panel.open_viewer(desk.evidence.get(page))
        assert viewer is not None and viewer.suggestions is not None
        qtbot.waitExposed(viewer)
        qtbot.waitUntil(lambda: len(move_buttons(viewer.suggestions)) == 1, timeout=WAIT_MS)
        (button,) = move_buttons(viewer.suggestions)
        assert button.text() == f"移到售后 #{owner.id}"
        assert "小王" in button.toolTip()

        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)

        qtbot.waitUntil(lambda: names(desk, owner.id) == ["快递页面.png"], timeout=WAIT_MS)
        assert names(desk, home.id) == ["聊天.png"]
        # The viewer goes on to the next picture of the case and says where this one went.
        qtbot.waitUntil(lambda: viewer.current is not None and viewer.current.id == chat, timeout=WAIT_MS)
        assert [e.id for e in viewer.items] == [chat]
        assert f"已把“快递页面.png”移到售后 #{owner.id}（小王）" in viewer.hint_label.text()
        assert "撤销" in viewer.hint_label.text()
        # The gallery drops it, the status bar says it, 撤销 names the step.
        qtbot.waitUntil(lambda: [e.id for e in panel.model.items()] == [chat], timeout=WAIT_MS)
        assert f"移到售后 #{owner.id}" in window.statusBar().currentMessage()
        qtbot.waitUntil(lambda: window.undo_action.text() == "撤销 移动证据", timeout=WAIT_MS)

        # The other case's gallery shows it, after what it had.
        ui_wait.select_case(qtbot, window, owner.id)
        qtbot.waitUntil(lambda: [e.id for e in panel.model.items()] == [page], timeout=WAIT_MS)

        # Ctrl+Z in the window takes the move back: the picture is first in its case again.
        window.activateWindow()
        panel.view.setFocus()
        qtbot.waitUntil(lambda: QApplication.focusWidget() is panel.view, timeout=WAIT_MS)
        qtbot.keyClick(panel.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
        qtbot.waitUntil(lambda: names(desk, home.id) == ["快递页面.png", "聊天.png"], timeout=WAIT_MS)
        assert names(desk, owner.id) == []
        qtbot.waitUntil(lambda: panel.model.items() == [], timeout=WAIT_MS)
    finally:
        window.form.revert()
        window.close()


def test_m_on_the_strip_moves_the_last_picture_and_the_viewer_closes(
    qtbot: Any, desk: Any, runner: TaskRunner, tmp_path: Path
) -> None:
    from ui.evidence.viewer import EvidenceViewer

    desk.recognition = service(desk, FakeReader(TEXTS))
    home, _ = desk.cases.create(CaseDraft(order_no="261120-999999999999998"))
    owner, _ = desk.cases.create(CaseDraft(order_no=PAGE_ORDER))
    page = add(desk, home.id, picture(tmp_path, "快递页面.png", BLUE))
    viewer = EvidenceViewer(desk.evidence, runner, desk.evidence.list(home.id), recognition=desk.recognition)
    qtbot.addWidget(viewer)
    statuses: list[str] = []
    changed: list[Any] = []
    viewer.status_message.connect(statuses.append)
    viewer.changes_made.connect(changed.append)
    viewer.show()
    qtbot.waitExposed(viewer)
    strip = viewer.suggestions
    assert strip is not None
    qtbot.waitUntil(lambda: len(move_buttons(strip)) == 1, timeout=WAIT_MS)

    strip.setFocus()
    qtbot.keyClick(strip, Qt.Key.Key_M)

    qtbot.waitUntil(lambda: not viewer.isVisible(), timeout=WAIT_MS)  # nothing of this case left to show
    assert [e.id for e in desk.evidence.list(owner.id)] == [page] and names(desk, home.id) == []
    assert statuses and f"移到售后 #{owner.id}" in statuses[-1] and "Ctrl+Z" in statuses[-1]
    assert changed and changed[-1].cases == {home.id, owner.id}
