"""The window reads the database only through its task runner (docs/architecture.md, "The GUI thread and
the database"). Every test runs with the debug check on (tests/gui_thread_guard.py), so opening a case,
painting the list, the order window, the import dialog and the tolerance settings here would fail on any
session opened on the GUI thread; a case chosen while the read worker is busy leaves the window answering
and shows as soon as the worker is free, and a long write on the DB worker does not hold it back."""

# The window fixtures are shared with test_ui_flow by import; pytest injects them by name.
# ruff: noqa: F401, F811

from __future__ import annotations

import threading
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from desk.db.thread_guard import WrongThread
from desk.domain import CaseDraft, CaseId, Platform
from tests.test_evidence_ui import banded, png_bytes
from tests.test_orders_ui import ORDER, export, row
from tests.test_ui_flow import WAIT_MS, make_window, no_modal_dialogs, settings
from tests.ui_wait import column_texts, refresh_list, wait_case_shown
from ui.cases.weight_panel import ToleranceDialog
from ui.main_window import MainWindow
from ui.orders.import_dialog import ImportDialog
from ui.orders.orders_view import OrdersWindow
from ui.qt import QTimer

pytestmark = pytest.mark.gui


def add(desk: Any, order_no: str, buyer: str = "") -> CaseId:
    case, _ = desk.cases.create(CaseDraft(platform=Platform.PDD, order_no=order_no, buyer_nick=buyer))
    return case.id


def test_a_case_chosen_while_the_worker_is_busy_shows_once_it_is_free(
    make_window: Any, desk: Any, qtbot: Any, gui_thread_violations: list[WrongThread]
) -> None:
    first = add(desk, "261120-000000000000001", "张三")
    chosen = add(desk, "261120-000000000000002", "李四")
    desk.evidence.import_bytes(chosen, png_bytes(banded()), "称重.png")
    desk.evidence.import_bytes(first, png_bytes(banded((90, 60))), "聊天.png")
    window: MainWindow = make_window()
    window.select_case(first)
    wait_case_shown(qtbot, window, first)
    form, panel = window.form, window.panel
    assert len(panel.model.items()) == 1

    # Something slow holds the read worker (a read of a locked or very large database).
    release = threading.Event()
    window.runner.submit(lambda: release.wait(WAIT_MS / 1000), pool="read")
    ticks: list[int] = []
    timer = QTimer(window, interval=10)
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start()
    try:
        window.select_case(chosen)
        qtbot.wait(300)
        # The GUI thread kept going: timers fire, the choice is shown as being opened, nothing of it yet.
        assert len(ticks) >= 5
        assert form.opening == chosen and form.case_id == first
        assert "载入中" in form.title.text() and not form.tabs.isEnabled()
        assert form.values()["buyer_nick"] == "张三"  # what it showed, greyed, until the case comes
        assert panel.case_id == chosen and panel.loading and panel.model.items() == []  # no cards of 张三's
        assert window.model.case_id(window.table.currentIndex().row()) == chosen
    finally:
        release.set()
        timer.stop()
    wait_case_shown(qtbot, window, chosen)
    assert form.values()["buyer_nick"] == "李四" and form.tabs.isEnabled()
    assert "载入中" not in form.title.text()
    assert [e.original_name for e in panel.model.items()] == ["称重.png"]
    assert gui_thread_violations == []


def test_a_long_write_does_not_hold_back_the_case_the_operator_opens(
    make_window: Any, desk: Any, qtbot: Any, gui_thread_violations: list[WrongThread]
) -> None:
    """A packet build or an import holds the DB (writer) worker for seconds; opening a case and its
    evidence and painting list rows read on the read worker beside it, so they do not wait for it."""
    first = add(desk, "261120-000000000000001", "张三")
    chosen = add(desk, "261120-000000000000002", "李四")
    desk.evidence.import_bytes(chosen, png_bytes(banded()), "称重.png")
    window: MainWindow = make_window()
    window.select_case(first)
    wait_case_shown(qtbot, window, first)
    release = threading.Event()
    window.runner.submit(lambda: release.wait(WAIT_MS / 1000))  # the writer is busy
    try:
        window.select_case(chosen)
        # Well before the write ends (it holds the writer for WAIT_MS).
        wait_case_shown(qtbot, window, chosen, timeout=WAIT_MS // 4)
        qtbot.waitUntil(lambda: len(window.panel.model.items()) == 1, timeout=WAIT_MS // 4)
        assert window.form.values()["buyer_nick"] == "李四"
    finally:
        release.set()
    assert gui_thread_violations == []


def test_a_newer_choice_wins_over_a_case_still_being_read(make_window: Any, desk: Any, qtbot: Any) -> None:
    a = add(desk, "261120-000000000000001", "张三")
    b = add(desk, "261120-000000000000002", "李四")
    c = add(desk, "261120-000000000000003", "王五")
    window: MainWindow = make_window()
    wait_case_shown(qtbot, window, c)
    release = threading.Event()
    window.runner.submit(lambda: release.wait(WAIT_MS / 1000), pool="read")
    try:
        window.select_case(a)  # read after the slow job…
        window.select_case(b)  # …and so is this, the operator's last choice
    finally:
        release.set()
    wait_case_shown(qtbot, window, b)
    qtbot.wait(200)  # a's answer came first and was dropped: the form stays on b
    assert window.form.case_id == b and window.form.values()["buyer_nick"] == "李四"
    assert window.model.case_id(window.table.currentIndex().row()) == b


def test_the_list_paints_and_the_order_windows_open_without_reading_on_the_gui_thread(
    make_window: Any, desk: Any, qtbot: Any, tmp_path: Path, gui_thread_violations: list[WrongThread]
) -> None:
    made = [add(desk, f"261120-{i:015d}", f"买家{i}") for i in range(150)]  # more than one block of rows
    desk.orders.import_file(export(tmp_path / "o.csv", [row()]))
    shop, _ = desk.shops.create("优品家居旗舰店", Platform.PDD)
    window: MainWindow = make_window()
    refresh_list(qtbot, window)
    model, table = window.model, window.table

    # A block of rows not fetched yet: the paint asks for it and draws empty rows; it never waits.
    table.scrollToBottom()
    table.viewport().repaint()
    last = model.rowCount() - 1
    assert model.case_id(last) == made[0] and not model.row_loaded(last)
    assert model.index(last, 7).data() == ""
    qtbot.waitUntil(lambda: model.index(last, 7).data() == "买家0", timeout=WAIT_MS)
    assert column_texts(qtbot, model, 7)[:2] == ["买家149", "买家148"]

    # 订单…: the list of orders, its rows and the chosen order's details come from the worker.
    window.features.orders.open_orders()
    orders = next(w for w in window.findChildren(OrdersWindow) if w.isVisible())
    qtbot.waitUntil(lambda: ORDER in orders.detail_title.text(), timeout=WAIT_MS)
    qtbot.waitUntil(lambda: orders.model.index(0, 0).data() == ORDER, timeout=WAIT_MS)
    orders.close()

    # 导入…: the shops to choose from and the saved buyer-data choice.
    window.features.orders.open_import()
    dialog = next(d for d in window.findChildren(ImportDialog) if d.isVisible())
    qtbot.waitUntil(lambda: dialog.shop.count() == 2, timeout=WAIT_MS)
    assert dialog.shop.itemData(1) == int(shop.id) and not dialog.store_buyer.isChecked()
    dialog.close()

    # 称重误差设置…: the dialog opens with the stored tolerance, read on the worker.
    desk.weights.set_tolerance(precision_g=20, percent=Decimal("3"), default_packaging_g=90)
    shown: list[int] = []

    def answer(dialog: ToleranceDialog) -> int:
        shown.append(dialog.values()["precision_g"])
        return int(ToleranceDialog.DialogCode.Rejected)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ToleranceDialog, "exec", answer)
        next(a for a in window.features.orders.actions if a.text() == "称重误差设置…").trigger()
        qtbot.waitUntil(lambda: shown == [20], timeout=WAIT_MS)
    assert gui_thread_violations == []


def test_list_rows_come_from_the_worker_and_an_answer_older_than_an_edit_is_dropped(
    qtbot: Any, runner: Any
) -> None:
    from datetime import UTC, datetime

    from desk.domain import CaseRow, CaseStatus, CaseType
    from ui.cases.case_model import CaseTableModel

    when = datetime(2026, 11, 20, tzinfo=UTC)

    class Rows:
        """Each call reads the buyer as it is when the call starts, then waits for its own gate."""

        def __init__(self) -> None:
            self.buyer = "张三"
            self.gates: list[threading.Event] = []

        def rows(self, ids: Any) -> dict[CaseId, CaseRow]:
            buyer = self.buyer
            if self.gates:
                self.gates.pop(0).wait(WAIT_MS / 1000)
            return {
                i: CaseRow(
                    i,
                    Platform.PDD,
                    "店",
                    f"{i:06d}",
                    "",
                    "",
                    buyer,
                    CaseType.QUALITY,
                    CaseStatus.OPEN,
                    None,
                    when,
                    when,
                )
                for i in ids
            }

    source = Rows()
    model = CaseTableModel(source, runner=runner)  # type: ignore[arg-type]
    model.set_ids([CaseId(i) for i in range(1, 11)])
    assert model.index(0, 7).data() == ""  # asked for, not read on this thread
    qtbot.waitUntil(lambda: model.index(0, 7).data() == "张三", timeout=WAIT_MS)

    first, second = threading.Event(), threading.Event()
    source.gates = [first, second]
    model.invalidate({CaseId(1)})
    assert model.index(0, 7).data() == "张三" and not model.row_loaded(0)  # kept until the new cells come
    source.buyer = "李四"  # saved while that read ran: it brings the old name
    model.invalidate({CaseId(1)})
    assert model.index(0, 7).data() == "张三"  # asks again
    first.set()
    qtbot.wait(200)
    assert not model.row_loaded(0) and model.index(0, 7).data() == "张三"  # the older answer was dropped
    second.set()
    qtbot.waitUntil(lambda: model.row_loaded(0), timeout=WAIT_MS)
    assert model.index(0, 7).data() == "李四"


class _Rows:
    """A list source that records which ids each block read asked for."""

    def __init__(self, ids: list[CaseId]) -> None:
        self._ids = ids
        self.asked: list[list[int]] = []

    def rows(self, ids: Any) -> dict[CaseId, Any]:
        from datetime import UTC, datetime

        from desk.domain import CaseRow, CaseStatus, CaseType

        self.asked.append([int(i) for i in ids])
        now = datetime.now(UTC)
        return {
            i: CaseRow(
                i,
                Platform.PDD,
                "",
                f"order-{int(i)}",
                "",
                "",
                "",
                CaseType.MISSING_ITEM,
                CaseStatus.OPEN,
                None,
                now,
            )
            for i in ids
        }


def _first_screen_with_the_read_ahead_held(runner: Any, qtbot: Any) -> tuple[Any, _Rows, threading.Event]:
    """A model over 1,000 cases whose first screen has arrived, with the read worker held busy (by a gate the
    caller opens) just before the first screen's read-ahead is queued behind it."""
    from ui.cases.case_model import CaseTableModel

    ids = [CaseId(i) for i in range(1, 1001)]
    source = _Rows(ids)
    model = CaseTableModel(source, runner=runner)  # type: ignore[arg-type]
    model.set_ids(ids)
    gate = threading.Event()
    gated: list[int] = []

    def hold_the_read_worker(*_: Any) -> None:
        if not gated:
            gated.append(1)
            runner.submit(lambda: gate.wait(WAIT_MS / 1000), pool="read")

    model.dataChanged.connect(hold_the_read_worker)
    model.data(model.index(0, 1))
    qtbot.waitUntil(lambda: model.row_loaded(0), timeout=WAIT_MS)
    return model, source, gate


def test_a_jump_in_the_list_does_not_wait_behind_a_read_ahead(qapp: Any, runner: Any, qtbot: Any) -> None:
    """Scrolling reads the next block ahead; when the operator drags the scroll bar elsewhere before it
    ran, that read is dropped and the rows now on screen are read first."""
    model, source, gate = _first_screen_with_the_read_ahead_held(runner, qtbot)
    assert source.asked == [list(range(1, 101))]

    model.data(model.index(500, 1))  # the jump, while the read-ahead of rows 101–200 waits
    gate.set()
    qtbot.waitUntil(lambda: model.row_loaded(500), timeout=WAIT_MS)
    qtbot.wait(50)
    assert source.asked[1] == list(range(451, 551))  # the screen's rows first
    assert list(range(101, 201)) not in source.asked  # the overtaken read-ahead was dropped
    assert model.data(model.index(500, 4)) == "order-501"
    # Its rows are not left waiting for an answer that will never come: painted, they are read.
    assert not model.row_loaded(150)
    model.data(model.index(150, 1))
    qtbot.waitUntil(lambda: model.row_loaded(150), timeout=WAIT_MS)


def test_the_block_after_the_screen_is_read_ahead_once_the_screen_is_drawn(
    qapp: Any, runner: Any, qtbot: Any
) -> None:
    """The operator paging on finds the next rows there already; their read waits a moment so that it
    does not share the interpreter with the frame drawing the rows that just came (bench_cases)."""
    from ui.cases.case_model import READ_AHEAD_DELAY_MS, CaseTableModel

    ids = [CaseId(i) for i in range(1, 1001)]
    source = _Rows(ids)
    model = CaseTableModel(source, runner=runner)  # type: ignore[arg-type]
    model.set_ids(ids)
    model.data(model.index(0, 1))
    qtbot.waitUntil(lambda: model.row_loaded(0), timeout=WAIT_MS)
    assert source.asked == [list(range(1, 101))] and not model.row_loaded(150)
    qtbot.waitUntil(lambda: model.row_loaded(150), timeout=WAIT_MS)  # not painted: read ahead
    assert source.asked == [list(range(1, 101)), list(range(101, 201))]
    assert READ_AHEAD_DELAY_MS <= 100  # long before the operator pages on


def test_rows_a_read_ahead_was_bringing_are_read_at_once_when_they_come_on_screen(
    qapp: Any, runner: Any, qtbot: Any
) -> None:
    model, source, gate = _first_screen_with_the_read_ahead_held(runner, qtbot)
    model.data(model.index(150, 1))  # scrolled on into the rows the read-ahead was to bring
    gate.set()
    qtbot.waitUntil(lambda: model.row_loaded(150), timeout=WAIT_MS)
    qtbot.wait(50)
    # Read once, for the screen: taken over from the read-ahead, which then had nothing left to read.
    assert source.asked[1] == list(range(101, 201))
    assert sum(list(range(101, 201)) == a for a in source.asked) == 1


class _SlowHistories:
    """A buyer-history source held shut by a gate the test opens: the count of a common nickname is slow."""

    def __init__(self) -> None:
        self.gate = threading.Event()
        self.asked: list[list[int]] = []
        self.count = 3

    def __call__(self, ids: Any) -> dict[CaseId, Any]:
        from desk.services.buyers import BuyerHistory

        self.asked.append([int(i) for i in ids])
        self.gate.wait(WAIT_MS / 1000)
        return {i: BuyerHistory(i, self.count, 1, 90) for i in ids}


def test_the_rows_show_before_the_buyers_counts_and_an_edit_does_not_blank_the_count(
    qapp: Any, runner: Any, qtbot: Any
) -> None:
    """The list's text comes first; the 买家售后 column follows in a second read. A row refetched after an
    edit keeps the count it showed until the new count comes."""
    from ui.cases.case_model import BUYER_COLUMN, CaseTableModel
    from ui.qt import Qt

    ids = [CaseId(i) for i in range(1, 301)]
    source, histories = _Rows(ids), _SlowHistories()
    model = CaseTableModel(source, runner=runner, histories=histories)  # type: ignore[arg-type]
    model.set_ids(ids)
    model.data(model.index(0, 1))
    qtbot.waitUntil(lambda: model.row_loaded(0), timeout=WAIT_MS)
    assert model.index(0, 4).data() == "order-1"  # the rows are drawn with their text …
    qtbot.waitUntil(lambda: bool(histories.asked), timeout=WAIT_MS)
    assert model.index(0, BUYER_COLUMN).data() == ""  # … while their buyers are still being counted
    histories.gate.set()
    qtbot.waitUntil(lambda: model.index(0, BUYER_COLUMN).data() == "第3次", timeout=WAIT_MS)
    assert (
        model.index(0, BUYER_COLUMN).data(Qt.ItemDataRole.ToolTipRole)
        == "该买家 90 天内第 3 次售后（申诉成功 1 次）"
    )
    assert histories.asked[0] == list(range(1, 101))  # one read for the block on screen

    histories.gate.clear()
    histories.count = 4
    model.invalidate({CaseId(1)})
    model.data(model.index(0, 1))
    qtbot.waitUntil(lambda: model.row_loaded(0), timeout=WAIT_MS)
    model.data(model.index(0, 1))  # painted again: the second pass is asked for the refetched row
    qtbot.waitUntil(lambda: len(histories.asked) == 2, timeout=WAIT_MS)
    assert model.index(0, BUYER_COLUMN).data() == "第3次"  # not blanked while the new count is read
    histories.gate.set()
    qtbot.waitUntil(lambda: model.index(0, BUYER_COLUMN).data() == "第4次", timeout=WAIT_MS)
    assert histories.asked[1] == [1]
