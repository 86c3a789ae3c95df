"""Weights read in a case's pictures, offered in its 称重核对 tab (ui/cases/weight_panel.py), driven in the
main window with real keys: the section lists each weight with the picture it came from, Enter records the
selected one with the picture as its source (it shows in the weight records and leaves the list), a weight
that disagrees with a record of its kind is red and says what is recorded, Delete / Esc put one aside, a
picture read in the background while the tab is open is offered without reopening the case, and with
reading off the section never shows. A stand-in reader plays the engine (tests/test_recognition_service.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from desk.domain import CaseDraft, CaseType
from desk.orders.model import WeightKind
from tests.test_recognition_service import FakeReader, add, picture, service
from tests.test_recognition_weight_suggestions import GREEN, PAGE
from tests.ui_wait import open_case
from ui.cases.weight_panel import DIFFERS_COLOUR, WeightPanel
from ui.evidence.suggestions import DIFFERS_STYLE
from ui.main_window import MainWindow
from ui.qt import QSettings, Qt
from ui.tasks import Op, TaskRunner

WAIT_MS = 10_000
ORDER = "261120-000000000000031"
pytestmark = pytest.mark.usefixtures("collect_on_the_gui_thread")


def open_window(qtbot: Any, desk: Any, runner: TaskRunner, tmp_path: Path) -> MainWindow:
    w = MainWindow(
        desk, runner=runner, settings=QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)
    )
    w.resize(1280, 800)
    w.show()
    qtbot.waitExposed(w)
    return w


def weight_tab(qtbot: Any, window: MainWindow, case_id: Any) -> WeightPanel:
    open_case(qtbot, window, case_id)
    panel: WeightPanel = window.features.orders.weight_panel
    window.form.tabs.setCurrentWidget(panel)
    qtbot.waitUntil(lambda: panel.case_id == case_id, timeout=WAIT_MS)
    return panel


def drain(qtbot: Any, panel: WeightPanel, runner: TaskRunner) -> None:
    """Until what the panel asked the DB worker so far has been answered and shown: the worker takes jobs
    in order and hands their answers to the GUI thread in order."""
    done: list[bool] = []
    Op(lambda: None, parent=panel).on_success(lambda _r: done.append(True)).run(runner)
    qtbot.waitUntil(lambda: bool(done), timeout=WAIT_MS)


def rows(panel: WeightPanel) -> list[str]:
    table = panel.suggestion_list
    return [table.item(r, 0).text() for r in range(table.rowCount())]


def records(panel: WeightPanel) -> list[tuple[str, str, str]]:
    t = panel.records
    return [(t.item(r, 0).text(), t.item(r, 1).text(), t.item(r, 2).text()) for r in range(t.rowCount())]


def test_enter_records_the_selected_weight_with_its_picture_and_delete_puts_one_aside(
    qtbot: Any, desk: Any, runner: TaskRunner, tmp_path: Path
) -> None:
    desk.recognition = service(desk, FakeReader({str(GREEN): PAGE}))
    case, _ = desk.cases.create(CaseDraft(order_no=ORDER, case_type=CaseType.MISSING_ITEM))
    page = add(desk, case.id, picture(tmp_path, "快递内网截图.png", GREEN))
    desk.recognition.read(page)  # read after its import, before the case is opened
    desk.weights.add(case.id, WeightKind.COURIER_LOAD, 1300)  # weighed by hand: the page says 1.24 kg
    window = open_window(qtbot, desk, runner, tmp_path)
    try:
        panel = weight_tab(qtbot, window, case.id)
        qtbot.waitUntil(lambda: len(rows(panel)) == 3, timeout=WAIT_MS)
        assert panel.suggestion_box.isVisible() and panel.suggestion_box.title() == "图片中识别到的重量"
        assert rows(panel) == [
            "快递揽收重量 1.25 kg · 来自 快递内网截图.png",
            "快递上车重量 1.24 kg（记录中为 1300 克） · 来自 快递内网截图.png",
            "快递下车重量 1.26 kg · 来自 快递内网截图.png",
        ]
        table = panel.suggestion_list
        assert table.item(1, 0).foreground().color() == DIFFERS_COLOUR  # red, like the viewer's strip
        assert table.item(0, 0).foreground().color() != DIFFERS_COLOUR
        assert desk.weights.records(case.id)[0].grams == 1300 and len(desk.weights.records(case.id)) == 1

        # Enter on the first row: recorded with the picture as its source, and gone from the list.
        table.setFocus()
        assert table.currentRow() == 0
        qtbot.keyClick(table, Qt.Key.Key_Return)
        qtbot.waitUntil(
            lambda: ("快递揽收重量", "1,250 g", "快递内网截图.png") in records(panel), timeout=WAIT_MS
        )
        qtbot.waitUntil(lambda: len(rows(panel)) == 2, timeout=WAIT_MS)
        assert "快递揽收重量" not in " ".join(rows(panel))
        assert panel.suggestion_note.text() == "已记录快递揽收重量 1250 克（来源：快递内网截图.png）"
        pickup = [r for r in desk.weights.records(case.id) if r.kind == WeightKind.COURIER_PICKUP]
        assert [(r.grams, r.evidence_id) for r in pickup] == [(1250, page)]

        # The differing one, now first: Enter records it beside the operator's, never over it, and the
        # message says to check, in red.
        assert table.currentRow() == 0 and rows(panel)[0].startswith("快递上车重量 1.24 kg")
        qtbot.keyClick(table, Qt.Key.Key_Enter)
        qtbot.waitUntil(
            lambda: ("快递上车重量", "1,240 g", "快递内网截图.png") in records(panel), timeout=WAIT_MS
        )
        qtbot.waitUntil(lambda: len(rows(panel)) == 1, timeout=WAIT_MS)
        assert ("快递上车重量", "1,300 g", "—") in records(panel)
        assert "不一致" in panel.suggestion_note.text()
        assert panel.suggestion_note.styleSheet() == DIFFERS_STYLE

        # Delete puts the last one aside: nothing written, not offered again in this window.
        qtbot.keyClick(table, Qt.Key.Key_Delete)
        assert rows(panel) == []
        panel.reload()
        drain(qtbot, panel, runner)
        assert rows(panel) == [] and not panel.suggestion_list.isVisible()
        assert not any(r.kind == WeightKind.COURIER_UNLOAD for r in desk.weights.records(case.id))
        assert [w.kind for w in desk.recognition.weight_suggestions(case.id)] == [WeightKind.COURIER_UNLOAD]
    finally:
        window.form.revert()
        window.close()


def test_esc_declines_and_the_mouse_buttons_accept(
    qtbot: Any, desk: Any, runner: TaskRunner, tmp_path: Path
) -> None:
    desk.recognition = service(desk, FakeReader({str(GREEN): PAGE}))
    case, _ = desk.cases.create(CaseDraft(order_no=ORDER, case_type=CaseType.MISSING_ITEM))
    page = add(desk, case.id, picture(tmp_path, "page.png", GREEN))
    desk.recognition.read(page)
    window = open_window(qtbot, desk, runner, tmp_path)
    try:
        panel = weight_tab(qtbot, window, case.id)
        qtbot.waitUntil(lambda: len(rows(panel)) == 3, timeout=WAIT_MS)
        table = panel.suggestion_list
        table.setFocus()
        qtbot.keyClick(table, Qt.Key.Key_Escape)
        assert [r.split(" ")[0] for r in rows(panel)] == ["快递上车重量", "快递下车重量"]
        take = table.cellWidget(1, 1)
        assert take.text() == "采用"
        qtbot.mouseClick(take, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: ("快递下车重量", "1,260 g", "page.png") in records(panel), timeout=WAIT_MS)
        qtbot.waitUntil(lambda: [r.split(" ")[0] for r in rows(panel)] == ["快递上车重量"], timeout=WAIT_MS)
        assert not any(r.kind == WeightKind.COURIER_PICKUP for r in desk.weights.records(case.id))
    finally:
        window.form.revert()
        window.close()


def test_a_picture_read_in_the_background_is_offered_while_the_tab_is_open(
    qtbot: Any, desk: Any, runner: TaskRunner, tmp_path: Path
) -> None:
    desk.recognition = service(desk, FakeReader({str(GREEN): PAGE}))
    case, _ = desk.cases.create(CaseDraft(order_no=ORDER, case_type=CaseType.MISSING_ITEM))
    window = open_window(qtbot, desk, runner, tmp_path)  # switches background reading on
    try:
        panel = weight_tab(qtbot, window, case.id)
        drain(qtbot, panel, runner)
        assert panel.records.rowCount() == 0 and not panel.suggestion_box.isVisible()
        add(desk, case.id, picture(tmp_path, "page.png", GREEN))  # read after the import, off the window
        qtbot.waitUntil(lambda: len(rows(panel)) == 3, timeout=WAIT_MS)
        assert panel.suggestion_box.isVisible()
    finally:
        window.form.revert()
        window.close()


def test_with_reading_off_the_section_never_shows(
    qtbot: Any, desk: Any, runner: TaskRunner, tmp_path: Path
) -> None:
    reader = FakeReader({str(GREEN): PAGE})
    on = service(desk, reader)
    case, _ = desk.cases.create(CaseDraft(order_no=ORDER, case_type=CaseType.MISSING_ITEM))
    page = add(desk, case.id, picture(tmp_path, "page.png", GREEN))
    on.read(page)  # read while it was on: the reading is cached
    desk.weights.add(case.id, WeightKind.WAREHOUSE, 1500)
    desk.recognition = service(desk, reader, installed=False)
    reads = len(reader.reads)
    window = open_window(qtbot, desk, runner, tmp_path)
    try:
        panel = weight_tab(qtbot, window, case.id)
        qtbot.waitUntil(lambda: ("仓库称重", "1,500 g", "—") in records(panel), timeout=WAIT_MS)
        drain(qtbot, panel, runner)
        assert not panel.suggestion_box.isVisible() and rows(panel) == []
        assert len(reader.reads) == reads
    finally:
        window.form.revert()
        window.close()
