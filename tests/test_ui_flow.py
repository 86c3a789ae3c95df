"""The main window end to end on a real desk: create, import, drop, search, packet preview, errors."""

from __future__ import annotations

import itertools
import logging
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from desk.domain import CaseDraft, CaseId, CaseType, EvidenceKind, Platform
from desk.errors import ValidationFailed
from tests.timing import SLACK
from tests.ui_wait import column_texts, open_case, refresh_list
from ui.app import FONT_FAMILY, register_font, run
from ui.cases.case_model import CASE_ID_ROLE, CaseTableModel
from ui.main_window import MainWindow
from ui.qt import (
    QAbstractButton,
    QApplication,
    QComboBox,
    QDragEnterEvent,
    QDropEvent,
    QFontDatabase,
    QInputMethodEvent,
    QLabel,
    QLineEdit,
    QMessageBox,
    QMimeData,
    QPdfDocument,
    QPointF,
    QPrinter,
    QSettings,
    Qt,
    QTabWidget,
    QTimer,
    QUrl,
    QWidget,
)
from ui.tasks import TaskRunner

pytestmark = pytest.mark.gui

WAIT_MS = 20_000  # generous: CI machines are slow, and the first packet loads the PDF font


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def make_window(qtbot: Any, desk: Any, runner: TaskRunner, settings: QSettings) -> Iterator[Any]:
    made: list[MainWindow] = []

    def make() -> MainWindow:
        # Not qtbot.addWidget: qtbot would close it before we can drop unsaved edits (see below).
        window = MainWindow(desk, runner=runner, settings=settings)
        window.resize(1280, 800)
        window.show()
        qtbot.waitExposed(window)
        made.append(window)
        return window

    yield make
    for window in made:
        # Closing with unsaved edits would ask a modal question and hang the run.
        window.form.revert()
        window.close()


@pytest.fixture
def window(make_window: Any) -> MainWindow:
    return make_window()


@pytest.fixture
def jpeg(tmp_path: Path) -> Path:
    path = tmp_path / "仓库称重.jpg"
    Image.new("RGB", (640, 480), (40, 140, 200)).save(path, "JPEG", quality=85)
    return path


def add_case(
    desk: Any, order_no: str, buyer: str = "", case_type: CaseType = CaseType.MISSING_ITEM
) -> CaseId:
    case, _ = desk.cases.create(
        CaseDraft(platform=Platform.PDD, order_no=order_no, buyer_nick=buyer, case_type=case_type)
    )
    return case.id


def add_ready_case(desk: Any, order_no: str, jpeg: Path, platform: Platform = Platform.PDD) -> CaseId:
    """A 漏发少件 case whose 货款申诉 passes the 申诉前检查: kind, amount, statement, both weighings."""
    case, _ = desk.cases.create(
        CaseDraft(
            platform=platform,
            order_no=order_no,
            case_type=CaseType.MISSING_ITEM,
            appeal_type="goods",
            refund_amount=Decimal("29.90"),
            description="买家称少发一件。仓库称重与快递揽收重量一致，发货无误，恳请平台核实。",
        )
    )
    desk.evidence.import_files(case.id, [jpeg], kind=EvidenceKind.WAREHOUSE_WEIGHT)
    courier = jpeg.with_name("揽收重量.jpg")
    Image.new("RGB", (640, 480), (200, 140, 40)).save(courier, quality=90)
    desk.evidence.import_files(case.id, [courier], kind=EvidenceKind.COURIER_WEIGHT)
    return CaseId(case.id)


@pytest.fixture(autouse=True)
def no_modal_dialogs(monkeypatch: pytest.MonkeyPatch) -> None:
    """A modal dialog nobody answers hangs the run: fail instead. Tests that expect one override this."""

    def refuse(*_args: Any, **_kwargs: Any) -> int:
        raise AssertionError("unexpected modal dialog")

    monkeypatch.setattr(QMessageBox, "exec", refuse)
    monkeypatch.setattr("ui.cases.case_form.ask", refuse)
    monkeypatch.setattr("ui.evidence.panel.ask", refuse)


@pytest.fixture
def captured_boxes(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, str]]:
    """Message boxes are modal: record what they would have said instead of showing them."""
    boxes: list[dict[str, str]] = []

    def fake_exec(box: QMessageBox) -> int:
        boxes.append(
            {"text": box.text(), "informative": box.informativeText(), "details": box.detailedText()}
        )
        return 0

    monkeypatch.setattr(QMessageBox, "exec", fake_exec)
    return boxes


def type_text(widget: QWidget, text: str) -> None:
    """Type like an input method commits Chinese (QTest.keyClicks aborts on non-ASCII characters)."""
    event = QInputMethodEvent()
    event.setCommitString(text)
    QApplication.sendEvent(widget, event)


# -- creating ------------------------------------------------------------------------------------


def test_new_case_is_saved_and_listed(window: MainWindow, qtbot: Any) -> None:
    assert window.model.rowCount() == 0
    new_button = window.findChild(QWidget, "main_toolbar").widgetForAction(window.new_action)  # type: ignore[union-attr]
    qtbot.mouseClick(new_button, Qt.MouseButton.LeftButton)
    form = window.form
    assert form.case_id is None

    qtbot.keyClicks(form.fields["order_no"], "240101-123456789012345")
    case_type = form.fields["case_type"]
    assert isinstance(case_type, QComboBox)
    case_type.setCurrentIndex(case_type.findText("漏发少件"))
    qtbot.keyClicks(form.fields["refund_amount"], "19.9")
    qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)

    qtbot.waitUntil(lambda: window.model.rowCount() == 1 and form.case_id is not None, timeout=WAIT_MS)
    assert column_texts(qtbot, window.model, 0) == ["漏发少件"]
    assert column_texts(qtbot, window.model, 4) == ["240101-123456789012345"]
    assert column_texts(qtbot, window.model, 8) == ["19.90"]
    assert window.table.currentIndex().data(CASE_ID_ROLE) == form.case_id
    assert not form.is_dirty()
    assert form.timeline_table.rowCount() >= 1
    assert form.timeline_table.item(0, 1).text() == "新建售后"
    # The evidence panel now belongs to the new case.
    assert window.panel.case_id == form.case_id
    assert window.panel.add_button.isEnabled()


def test_edit_records_timeline_in_chinese(window: MainWindow, desk: Any, qtbot: Any) -> None:
    case_id = add_case(desk, "240101-123456789012345")
    open_case(qtbot, window, case_id)
    form = window.form
    assert form.case_id == case_id
    status = form.fields["status"]
    assert isinstance(status, QComboBox)
    status.setCurrentIndex(status.findText("协商中"))
    assert form.is_dirty()
    window.save_action.trigger()
    qtbot.waitUntil(lambda: not form.is_dirty() and form.timeline_table.rowCount() == 2, timeout=WAIT_MS)
    assert form.timeline_table.item(0, 1).text() == "修改状态"
    assert form.timeline_table.item(0, 2).text() == "待处理 → 协商中"
    assert column_texts(qtbot, window.model, 1) == ["协商中"]


def test_warnings_are_shown_but_do_not_block(window: MainWindow, qtbot: Any) -> None:
    form = window.form
    form.new_case()
    qtbot.keyClicks(form.fields["order_no"], "12345")
    # A new form already warns that no order number is filled in; typing one changes the advice.
    assert "还没有填写订单号" in form.warning_label.text()
    qtbot.waitUntil(lambda: "拼多多订单号通常形如" in form.warning_label.text(), timeout=WAIT_MS)
    assert form.warning_label.isVisible()
    qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.model.rowCount() == 1, timeout=WAIT_MS)


# -- evidence ------------------------------------------------------------------------------------


def wait_for_gallery(window: MainWindow, qtbot: Any, count: int) -> None:
    panel = window.panel

    def loaded() -> bool:
        items = panel.model.items()
        return len(items) == count and all(panel.thumbnails.has(item) for item in items)

    qtbot.waitUntil(loaded, timeout=WAIT_MS)


def test_import_shows_item_with_thumbnail(window: MainWindow, desk: Any, qtbot: Any, jpeg: Path) -> None:
    case_id = add_case(desk, "240101-123456789012345")
    open_case(qtbot, window, case_id)
    assert window.panel.case_id == case_id

    window.panel.import_paths([jpeg])
    wait_for_gallery(window, qtbot, 1)
    item = window.panel.model.items()[0]
    assert item.original_name == "仓库称重.jpg"
    assert window.panel.title.text() == "证据（1）"
    assert "导入 1 个" in window.statusBar().currentMessage()
    # The thumbnail is painted: the card is no longer the grey placeholder.
    shot = window.panel.view.viewport().grab().toImage()
    rect = window.panel.view.visualRect(window.panel.model.index(0))
    centre = shot.pixelColor(rect.center().x(), rect.top() + 10 + 75)
    assert (centre.red(), centre.green(), centre.blue()) != (242, 242, 242)


@pytest.mark.parametrize("target", ["panel", "gallery"])
def test_dropped_file_is_imported(window: MainWindow, desk: Any, qtbot: Any, jpeg: Path, target: str) -> None:
    case_id = add_case(desk, "240101-123456789012345")
    open_case(qtbot, window, case_id)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(jpeg))])
    widget = window.panel if target == "panel" else window.panel.view.viewport()
    # Qt delivers a drop only to the widget that accepted the drag's enter event, as in a real drag.
    args = (Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    enter = QDragEnterEvent(QPointF(20, 20), *args)
    QApplication.sendEvent(widget, enter)
    assert enter.isAccepted()
    drop = QDropEvent(QPointF(20, 20), *args)
    QApplication.sendEvent(widget, drop)
    assert drop.isAccepted()
    wait_for_gallery(window, qtbot, 1)


def test_drop_is_refused_until_the_case_is_saved(window: MainWindow, jpeg: Path) -> None:
    window.new_case()
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(jpeg)), QUrl("https://example.com/a.jpg")])
    args = (Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    for widget in (window.panel, window.panel.view.viewport()):
        enter = QDragEnterEvent(QPointF(20, 20), *args)
        QApplication.sendEvent(widget, enter)
        assert not enter.isAccepted()


def test_rejected_files_are_listed_in_a_message(
    window: MainWindow,
    desk: Any,
    qtbot: Any,
    tmp_path: Path,
    jpeg: Path,
    captured_boxes: list[dict[str, str]],
) -> None:
    case_id = add_case(desk, "240101-123456789012345")
    open_case(qtbot, window, case_id)
    bogus = tmp_path / "不是图片.jpg"
    bogus.write_text("hello", encoding="utf-8")
    window.panel.import_paths([jpeg, bogus])
    qtbot.waitUntil(lambda: bool(captured_boxes), timeout=WAIT_MS)
    assert "导入 1 个" in captured_boxes[0]["text"]
    assert "拒绝 1 个" in captured_boxes[0]["text"]
    assert "不是图片.jpg：" in captured_boxes[0]["informative"]
    wait_for_gallery(window, qtbot, 1)


def test_kind_and_caption_edits(window: MainWindow, desk: Any, qtbot: Any, jpeg: Path) -> None:
    case_id = add_case(desk, "240101-123456789012345")
    desk.evidence.import_files(case_id, [jpeg])
    open_case(qtbot, window, case_id)
    panel = window.panel
    panel.view.setCurrentIndex(panel.model.index(0))
    assert panel.caption_edit.isEnabled()
    combo = panel.kind_combo
    combo.setCurrentIndex(combo.findText("复称图"))
    combo.activated.emit(combo.currentIndex())
    qtbot.waitUntil(lambda: str(desk.evidence.list(case_id)[0].kind) == "复称图", timeout=WAIT_MS)
    panel.caption_edit.setText("复称 1.25kg")
    panel.caption_edit.editingFinished.emit()
    qtbot.waitUntil(lambda: desk.evidence.list(case_id)[0].caption == "复称 1.25kg", timeout=WAIT_MS)
    qtbot.waitUntil(lambda: panel.model.items()[0].caption == "复称 1.25kg", timeout=WAIT_MS)


def test_remove_asks_then_removes(
    window: MainWindow, desk: Any, qtbot: Any, jpeg: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    case_id = add_case(desk, "240101-123456789012345")
    desk.evidence.import_files(case_id, [jpeg])
    open_case(qtbot, window, case_id)
    window.panel.view.setCurrentIndex(window.panel.model.index(0))
    monkeypatch.setattr("ui.evidence.panel.ask", lambda *a, **k: 0)  # 删除
    window.panel.remove_selected()
    qtbot.waitUntil(lambda: window.panel.model.rowCount() == 0, timeout=WAIT_MS)
    assert desk.evidence.list(case_id) == []


# -- packets -------------------------------------------------------------------------------------


def test_generate_packet_opens_preview(
    window: MainWindow, desk: Any, qtbot: Any, jpeg: Path, tmp_path: Path
) -> None:
    case_id = add_ready_case(desk, "240101-123456789012345", jpeg)
    open_case(qtbot, window, case_id)

    # Measure how long the GUI thread goes without running its timer while the packet builds.
    ticks: list[float] = []
    timer = QTimer(interval=20)
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    timer.start()
    window.packet_action.trigger()

    def ready() -> bool:
        p = window.preview
        return (
            p is not None and p.document.status() == QPdfDocument.Status.Ready and p.document.pageCount() >= 1
        )

    qtbot.waitUntil(ready, timeout=WAIT_MS)
    timer.stop()
    preview = window.preview
    assert preview is not None
    assert preview.isVisible()
    assert preview.info_label.text().startswith("共 ")
    gap = max((b - a for a, b in itertools.pairwise(ticks)), default=0.0)
    logging.getLogger(__name__).info("largest GUI pause while building: %.0f ms", gap * 1000)
    assert gap < 1.0 * SLACK, f"GUI thread blocked for {gap * 1000:.0f} ms"

    # Zoom buttons and 另存为 work without dialogs.
    preview.zoom_in()
    preview.fit_page()
    copy = tmp_path / "copy.pdf"
    preview.save_copy_to(copy)
    qtbot.waitUntil(
        lambda: copy.is_file() and copy.stat().st_size == preview.path.stat().st_size, timeout=WAIT_MS
    )

    # Printing renders every page onto the printer; a PDF printer lets us check the result.
    printed = tmp_path / "printed.pdf"
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(printed))
    preview.print_to(printer)
    qtbot.waitUntil(lambda: preview.print_button.isEnabled() and printed.is_file(), timeout=WAIT_MS)
    pages = QPdfDocument()
    pages.load(str(printed))
    assert pages.pageCount() == preview.document.pageCount()
    # The timeline records the packet.
    qtbot.waitUntil(lambda: window.form.timeline_table.item(0, 1).text() == "生成申诉材料", timeout=WAIT_MS)


def test_packet_needs_a_saved_case(window: MainWindow) -> None:
    window.new_case()
    assert not window.packet_action.isEnabled()
    assert not window.print_action.isEnabled()


# -- search and list -----------------------------------------------------------------------------


def test_search_box_filters_list(window: MainWindow, desk: Any, qtbot: Any) -> None:
    add_case(desk, "240101-111111111111111", "张三")
    add_case(desk, "240102-222222222222222", "李四")
    add_case(desk, "240103-333333333333333", "王五")
    refresh_list(qtbot, window)
    assert window.model.rowCount() == 3
    type_text(window.search, "李四")
    qtbot.waitUntil(lambda: window.model.rowCount() == 1, timeout=WAIT_MS)
    assert column_texts(qtbot, window.model, 7) == ["李四"]
    assert window.count_label.text() == "找到 1 条售后"
    window.search.clear()
    qtbot.waitUntil(lambda: window.model.rowCount() == 3, timeout=WAIT_MS)
    # Odd input never breaks the list.
    for odd in ("%", "_", "'\"", "\\"):
        window.search.setText(odd)
        qtbot.waitUntil(lambda odd=odd: window.model.search == odd, timeout=WAIT_MS)
    window.find_action.trigger()
    assert window.search.hasFocus() or QApplication.focusWidget() is window.search


def test_case_model_passes_modeltester(qtmodeltester: Any, desk: Any) -> None:
    for i in range(120):
        add_case(desk, f"240101-{i:015d}", f"买家{i}")
    calls: list[int] = []
    real_rows = desk.cases.rows

    def counting_rows(ids: Any) -> Any:
        calls.append(len(ids))
        return real_rows(ids)

    desk.cases.rows = counting_rows
    model = CaseTableModel(desk.cases)
    model.refresh()
    assert model.rowCount() == 120
    assert model.index(0, 4).data() == f"240101-{119:015d}"  # newest first
    assert calls == [100]  # one block, not one query per row
    assert model.index(110, 7).data() == "买家9"
    qtmodeltester.check(model)
    # An id that no longer exists shows a placeholder instead of failing.
    model.set_ids([CaseId(99999)])
    assert model.index(0, 0).data() == "（已删除）"
    qtmodeltester.check(model)


def test_case_model_keeps_a_bounded_row_cache_and_refetches_evicted_rows(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Scrolling through a long list keeps memory (and full GC passes) bounded; an evicted row shows right."""
    from datetime import UTC, datetime

    from desk.domain import CaseRow, CaseStatus, CaseType, Platform
    from ui.cases import case_model

    monkeypatch.setattr(case_model, "ROW_CACHE", 500)
    when = datetime(2026, 11, 20, tzinfo=UTC)

    class Rows:
        def __init__(self) -> None:
            self.fetched: list[int] = []

        def rows(self, ids: Any) -> dict[CaseId, CaseRow]:
            self.fetched.extend(ids)
            return {
                i: CaseRow(
                    i,
                    Platform.PDD,
                    "店",
                    f"{i:06d}",
                    "",
                    "",
                    f"买家{i}",
                    CaseType.QUALITY,
                    CaseStatus.OPEN,
                    None,
                    when,
                    when,
                )
                for i in ids
            }

    source = Rows()
    model = CaseTableModel(source)  # type: ignore[arg-type]
    model.set_ids([CaseId(i) for i in range(20_000)])
    for row in range(0, 20_000, 50):
        assert model.index(row, 4).data() == f"{row:06d}"
        assert len(model._rows) <= 500
    before = len(source.fetched)
    assert model.index(0, 7).data() == "买家0"  # long evicted: fetched again, same text
    assert len(source.fetched) > before


# -- errors and leaving --------------------------------------------------------------------------


def test_desk_error_is_shown_and_window_stays_usable(
    window: MainWindow,
    desk: Any,
    qtbot: Any,
    monkeypatch: pytest.MonkeyPatch,
    captured_boxes: list[dict[str, str]],
) -> None:
    case_id = add_case(desk, "240101-123456789012345")
    open_case(qtbot, window, case_id)

    def refuse(*_args: Any, **_kwargs: Any) -> Any:
        raise ValidationFailed("退款金额不能大于订单金额")

    monkeypatch.setattr(desk.cases, "update", refuse)
    form = window.form
    type_text(form.fields["buyer_nick"], "张三")
    qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(captured_boxes), timeout=WAIT_MS)
    assert captured_boxes[0]["text"] == "退款金额不能大于订单金额"
    assert captured_boxes[0]["details"] == ""  # no traceback for the operator
    assert window.isEnabled()
    assert form.is_dirty()  # the edit is kept so the operator can fix it
    qtbot.waitUntil(lambda: form.save_button.isEnabled(), timeout=WAIT_MS)


def test_unexpected_error_shows_details_and_logs(
    window: MainWindow,
    desk: Any,
    qtbot: Any,
    monkeypatch: pytest.MonkeyPatch,
    captured_boxes: list[dict[str, str]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    case_id = add_case(desk, "240101-123456789012345")
    open_case(qtbot, window, case_id)

    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(desk.packets, "build_checked", broken)
    with caplog.at_level(logging.ERROR):
        window.packet_action.trigger()
        qtbot.waitUntil(lambda: bool(captured_boxes), timeout=WAIT_MS)
    assert captured_boxes[0]["text"].startswith("发生意外错误")
    assert "RuntimeError: disk on fire" in captured_boxes[0]["details"]
    assert any(r.exc_info and "disk on fire" in str(r.exc_info[1]) for r in caplog.records)
    assert window.isEnabled()


def test_leaving_saves_edits_and_asks_only_about_invalid_input(
    window: MainWindow, desk: Any, qtbot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Edits are saved on their own: leaving a case never loses them and asks nothing, unless some
    input cannot be saved (then: 返回修改 stays, 放弃这些内容 moves on without it)."""
    first = add_case(desk, "240101-111111111111111", "张三")
    second = add_case(desk, "240102-222222222222222", "李四")
    open_case(qtbot, window, first)
    form = window.form
    type_text(form.fields["courier"], "圆通")
    assert form.is_dirty()
    window.select_case(second)  # no question: the edit is saved, then the next case opens
    qtbot.waitUntil(lambda: form.case_id == second, timeout=WAIT_MS)
    assert desk.cases.get(first).courier == "圆通"
    assert not form.is_dirty()

    # A deadline that cannot be read is marked at once and blocks leaving with a question.
    type_text(form.fields["due_at"], "下周吧")
    assert "due_at" in form.invalid_fields() and "无法识别" in form.invalid_fields()["due_at"]
    answers = iter([0, 1])  # 返回修改, then 放弃这些内容
    monkeypatch.setattr("ui.cases.case_form.ask", lambda *a, **k: next(answers))
    window.select_case(first)
    qtbot.waitUntil(lambda: window.table.currentIndex().data(CASE_ID_ROLE) == second, timeout=WAIT_MS)
    assert form.case_id == second and form.invalid_fields()
    window.select_case(first)
    qtbot.waitUntil(lambda: form.case_id == first, timeout=WAIT_MS)
    assert desk.cases.get(second).due_at is None

    # Closing the window with a pending edit saves it instead of asking.
    monkeypatch.setattr("ui.cases.case_form.ask", lambda *a, **k: pytest.fail("no question expected"))
    # A loaded field shows the start of its text (its cursor at 0); End is where a click after the text puts it.
    qtbot.keyClick(form.fields["courier"], Qt.Key.Key_End)
    type_text(form.fields["courier"], "中通")
    window.close()
    qtbot.waitUntil(lambda: desk.cases.get(first).courier == "圆通中通", timeout=WAIT_MS)


def test_autosave_after_a_pause_records_one_timeline_entry(window: MainWindow, desk: Any, qtbot: Any) -> None:
    case_id = add_case(desk, "240101-123456789012345")
    open_case(qtbot, window, case_id)
    form = window.form
    version = form.version
    type_text(form.fields["buyer_nick"], "王")
    type_text(form.fields["buyer_nick"], "芳")
    qtbot.waitUntil(lambda: desk.cases.get(case_id).buyer_nick == "王芳", timeout=WAIT_MS)  # nothing pressed
    qtbot.waitUntil(lambda: not form.is_dirty() and form.version == version + 1, timeout=WAIT_MS)
    entries = [e for e in desk.cases.timeline(case_id) if e.field == "buyer_nick"]
    assert [(e.old, e.new) for e in entries] == [("", "王芳")]
    assert "已自动保存" in window.statusBar().currentMessage()


def test_edit_conflict_asks_to_reload(
    window: MainWindow, desk: Any, qtbot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    case_id = add_case(desk, "240101-123456789012345")
    open_case(qtbot, window, case_id)
    form = window.form
    desk.cases.update(case_id, notes="别的窗口保存的")  # someone else saves meanwhile
    asked: list[str] = []

    def answer(_parent: Any, text: str, buttons: list[str], **_k: Any) -> int:
        asked.append(text)
        return buttons.index("重新载入")

    monkeypatch.setattr("ui.cases.case_form.ask", answer)
    type_text(form.fields["courier"], "韵达")
    form.save()
    qtbot.waitUntil(lambda: bool(asked), timeout=WAIT_MS)
    assert "已被他人" in asked[0]
    qtbot.waitUntil(lambda: form.values()["notes"] == "别的窗口保存的", timeout=WAIT_MS)
    assert desk.cases.get(case_id).courier == ""  # nothing overwritten
    assert not form.is_dirty()


def test_geometry_and_splitters_are_remembered(make_window: Any, settings: QSettings) -> None:
    first = make_window()
    first.main_splitter.setSizes([400, 880])
    first.close()
    assert settings.contains("main/geometry") and settings.contains("main/main_splitter")
    second = make_window()
    assert second.main_splitter.sizes()[0] == pytest.approx(400, abs=20)


# -- looks ---------------------------------------------------------------------------------------

ALLOWED_LATIN = {"PDF", "Ctrl", "kg", "SHA"}


def visible_texts(root: QWidget) -> list[str]:
    texts: list[str] = []
    for widget in root.findChildren(QWidget):
        if isinstance(widget, QLabel | QAbstractButton):
            texts.append(widget.text())
        if isinstance(widget, QLineEdit):
            texts.append(widget.placeholderText())
        if isinstance(widget, QComboBox):
            texts.extend(widget.itemText(i) for i in range(widget.count()))
        if isinstance(widget, QTabWidget):
            texts.extend(widget.tabText(i) for i in range(widget.count()))
        texts.extend(action.text() for action in widget.actions())
    return texts


def test_no_english_in_the_window(window: MainWindow, desk: Any, qtbot: Any) -> None:
    case_id = add_case(desk, "240101-123456789012345")
    open_case(qtbot, window, case_id)
    texts = visible_texts(window)
    texts += [
        window.model.headerData(c, Qt.Orientation.Horizontal) for c in range(window.model.columnCount())
    ]
    texts += [a.text() for menu in window.menuBar().actions() for a in [menu, *menu.menu().actions()]]
    english = {w for t in texts for w in re.findall(r"[A-Za-z]{2,}", t or "")} - ALLOWED_LATIN
    assert not english, english


GLYPH_PROBE = """
import sys
from PySide6.QtGui import QTextLayout
from PySide6.QtWidgets import QApplication
app = QApplication([])
if sys.argv[1] == "register":
    from ui.app import register_font
    register_font(app)
layout = QTextLayout("售后申诉", app.font())
layout.beginLayout(); layout.createLine(); layout.endLayout()
for run in layout.glyphRuns():
    print(run.rawFont().familyName(), *run.glyphIndexes())
"""


@pytest.mark.skipif(sys.platform != "linux", reason="fontconfig decides the system fonts only on Linux")
@pytest.mark.parametrize("mode", ["plain", "register"])
def test_chinese_renders_without_any_system_font(tmp_path: Path, mode: str) -> None:
    """A machine with no fonts at all (fontconfig pointed at an empty folder) still shapes Chinese."""
    (tmp_path / "empty").mkdir()
    conf = tmp_path / "fonts.conf"
    conf.write_text(
        f'<?xml version="1.0"?><fontconfig><dir>{tmp_path / "empty"}</dir>'
        f"<cachedir>{tmp_path / 'cache'}</cachedir></fontconfig>",
        encoding="utf-8",
    )
    env = {**os.environ, "FONTCONFIG_FILE": str(conf), "QT_QPA_PLATFORM": "offscreen"}
    repo = Path(__file__).resolve().parents[1]
    out = subprocess.run(
        [sys.executable, "-c", GLYPH_PROBE, mode],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    runs = [line.split() for line in out.stdout.splitlines() if line.strip()]
    glyphs = [int(g) for run in runs for g in run if g.isdigit()]
    if mode == "plain":
        # The control: without the bundled font every character is a missing glyph (a box).
        assert all(g <= 1 for g in glyphs)
    else:
        assert [" ".join(r[:-4]) for r in runs] == [FONT_FAMILY]
        assert all(g > 1 for g in glyphs)


def test_run_shows_the_window_and_returns(
    qapp: QApplication, desk: Any, monkeypatch: pytest.MonkeyPatch, settings: QSettings
) -> None:
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # run() installs its own; put it back after
    monkeypatch.setattr("ui.main_window.settings_for_ui", lambda: settings)
    add_case(desk, "240101-123456789012345")
    seen: list[str] = []

    def close_main() -> None:
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, MainWindow) and widget.isVisible():
                seen.append(widget.windowTitle())
                widget.close()

    QTimer.singleShot(300, close_main)
    assert run(desk, demo=True) == 0
    assert seen and seen[0].startswith("售后申诉工作台 — ") and seen[0].endswith("（演示数据）")
    assert settings.contains("main/geometry")


def test_bundled_font_is_the_fallback(qapp: QApplication) -> None:
    family = register_font(qapp)
    assert family == FONT_FAMILY
    assert FONT_FAMILY in QFontDatabase.families()
    assert qapp.font().families()[-1] == FONT_FAMILY


def test_money_fields_refuse_negative_and_extra_decimals(window: MainWindow, qtbot: Any) -> None:
    field = window.form.fields["order_amount"]
    assert isinstance(field, QLineEdit)
    qtbot.keyClicks(field, "-12.345")
    # The third decimal cannot be typed; the minus stays, so it is refused in words instead of dropped.
    assert field.text() == "-12.34"
    assert "不能为负数" in window.form.invalid_fields()["order_amount"]
    field.clear()
    qtbot.keyClicks(field, "12.345")
    assert window.form.values()["order_amount"] == Decimal("12.34")
    assert "order_amount" not in window.form.invalid_fields()


def test_list_layout_from_another_column_set_is_not_restored(make_window: Any, settings: QSettings) -> None:
    """A header layout saved by a version with other columns would push new ones (截止) out of sight."""
    from ui.cases.case_model import COLUMNS, DUE_COLUMN

    first = make_window()
    header = first.table.horizontalHeader()
    assert header.visualIndex(DUE_COLUMN) == 2  # 截止 right after 状态
    header.moveSection(header.visualIndex(0), 5)  # the operator moves 售后类型
    first.save_state()
    first.form.revert()
    first.close()
    again = make_window().table.horizontalHeader()
    assert again.visualIndex(0) == 5  # the same columns: the operator's layout comes back

    settings.setValue("main/case_columns", "|".join(c.header for c in COLUMNS[:-1]))  # an older version's
    after_upgrade = make_window().table.horizontalHeader()
    assert after_upgrade.visualIndex(DUE_COLUMN) == 2 and after_upgrade.visualIndex(0) == 0
    assert not any(after_upgrade.isSectionHidden(i) for i in range(len(COLUMNS)))
