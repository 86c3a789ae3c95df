"""今日 in the window, driven with the keyboard and the mouse: the desk opens on the first of its queues that
holds a case, each with its count; a sort chosen by clicking a header is kept for that queue, also after a
restart; Ctrl+J saves the open case and opens the next one of the queue."""

# ruff: noqa: F811 - the window fixtures of test_ui_flow are imported by name and used as arguments

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from desk.domain import CaseDraft, CaseStatus, CaseType, Resolution, start_queue
from tests.test_ui_flow import WAIT_MS, no_modal_dialogs, settings, type_text  # noqa: F401 - fixtures
from tests.ui_wait import wait_case_shown
from ui.main_window import MainWindow
from ui.qt import QLineEdit, QPoint, QSettings, Qt, QTreeWidgetItem

pytestmark = pytest.mark.gui


@pytest.fixture
def start(qtbot: Any, desk: Any, runner: Any, settings: QSettings) -> Iterator[Callable[[], MainWindow]]:
    """Start the desk as the app does (on 今日); again for a restart, with the same window settings."""
    made: list[MainWindow] = []

    def make() -> MainWindow:
        window = MainWindow(desk, runner=runner, settings=settings, start_today=True)
        window.resize(1280, 800)
        window.show()
        qtbot.waitExposed(window)
        made.append(window)
        return window

    yield make
    for window in made:
        if window.isVisible():
            window.form.revert()
            window.close()


def add(desk: Any, order_no: str, **fields: Any) -> int:
    case, _ = desk.cases.create(CaseDraft(order_no=order_no, **fields))
    return int(case.id)


def shown(window: MainWindow) -> list[int]:
    return [int(window.model.case_id(r)) for r in range(window.model.rowCount())]  # type: ignore[arg-type]


def chosen_queue(window: MainWindow) -> Any:
    return window.cases_pane.sidebar.current_key()


def click_item(qtbot: Any, window: MainWindow, item: QTreeWidgetItem) -> None:
    sidebar = window.cases_pane.sidebar
    qtbot.mouseClick(sidebar.viewport(), Qt.MouseButton.LeftButton, pos=sidebar.visualItemRect(item).center())


def click_header(qtbot: Any, window: MainWindow, column: int) -> None:
    header = window.table.horizontalHeader()
    x = header.sectionViewportPosition(column) + header.sectionSize(column) // 2
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, header.height() // 2))


def test_start_queue_is_the_first_of_today_that_holds_a_case() -> None:
    assert start_queue({"all": 5, "overdue": 0, "urgent": 0, "today": 2, "to_reship": 1}) == "today"
    assert start_queue({"all": 5, "overdue": 3, "to_reship": 1}) == "overdue"
    assert start_queue({"all": 5}) == "all"  # nothing due or owed: every case, never an empty list
    assert start_queue({"all": 0}) == "all"  # a new desk: 全部售后, where the first case will show


def test_the_desk_opens_on_today_with_counts(start: Callable[[], MainWindow], desk: Any, qtbot: Any) -> None:
    now = datetime.now(UTC)
    add(desk, "261128-later", due_at=now + timedelta(days=3))
    returning = add(desk, "261128-return", status=CaseStatus.WAITING_RETURN)
    add(desk, "261128-reship", resolution=Resolution.RESHIP)
    window = start()
    pane = window.cases_pane
    # Nothing is late or due today: the first 今日 queue holding a case is the buyer's return.
    assert chosen_queue(window) == ("queue", "waiting_return")
    assert shown(window) == [returning]
    wait_case_shown(qtbot, window, returning)
    items = pane.sidebar.queue_items
    assert pane.sidebar.topLevelItem(0).text(0) == "今日"
    assert items["overdue"].text(0) == "已超时（0）"
    assert items["waiting_return"].text(0) == "等待买家退货（1）"
    assert items["to_reship"].text(0) == "待补发（1）"
    assert "补发单号" in items["to_reship"].toolTip(0)
    assert "等待结果" in items["awaiting_platform"].toolTip(0)
    # A case that turns late shows up in 已超时 and its count, without a restart.
    late = add(desk, "261128-late", due_at=now - timedelta(minutes=5))
    pane.refresh_counts()
    qtbot.waitUntil(lambda: items["overdue"].text(0) == "已超时（1）", timeout=WAIT_MS)
    click_item(qtbot, window, items["overdue"])
    qtbot.waitUntil(lambda: shown(window) == [late], timeout=WAIT_MS)
    assert pane.filters.buttons["due"].text() == "截止：已超时"
    click_item(qtbot, window, items["to_reship"])
    qtbot.waitUntil(lambda: pane.filters.buttons["due"].text() == "截止：待补发", timeout=WAIT_MS)


def test_a_new_desk_opens_on_all_cases(start: Callable[[], MainWindow]) -> None:
    window = start()
    assert chosen_queue(window) == ("queue", "all")


def test_header_sort_is_kept_per_queue_and_across_a_restart(
    start: Callable[[], MainWindow], desk: Any, qtbot: Any
) -> None:
    now = datetime.now(UTC)
    # Deadline order and case-type order differ.
    a = add(desk, "261128-a", due_at=now - timedelta(hours=3), case_type=CaseType.QUALITY)
    b = add(desk, "261128-b", due_at=now - timedelta(hours=2), case_type=CaseType.MISSING_ITEM)
    c = add(desk, "261128-c", due_at=now - timedelta(hours=1), case_type=CaseType.QUALITY)
    window = start()
    assert chosen_queue(window) == ("queue", "overdue")
    assert shown(window) == [a, b, c]  # 截止, earliest first
    assert (window.model.filter.sort, window.model.filter.descending) == ("due_at", False)
    click_header(qtbot, window, 0)  # 售后类型
    qtbot.waitUntil(lambda: window.model.filter.sort == "case_type", timeout=WAIT_MS)
    chosen = window.model.filter.descending
    by_type = desk.cases.query(window.cases_pane.current_filter()).ids
    qtbot.waitUntil(lambda: shown(window) == by_type, timeout=WAIT_MS)
    assert shown(window) != [a, b, c]
    # Another queue has its own sort; back on 已超时 the chosen one returns.
    items = window.cases_pane.sidebar.queue_items
    click_item(qtbot, window, items["all"])
    qtbot.waitUntil(lambda: window.model.filter.sort == "updated_at", timeout=WAIT_MS)
    click_item(qtbot, window, items["overdue"])
    qtbot.waitUntil(lambda: shown(window) == by_type, timeout=WAIT_MS)
    assert (window.model.filter.sort, window.model.filter.descending) == ("case_type", chosen)
    assert window.table.horizontalHeader().sortIndicatorSection() == 0
    # Restart: the desk opens on 已超时 again, sorted as the operator left it.
    window.close()
    again = start()
    assert chosen_queue(again) == ("queue", "overdue")
    assert (again.model.filter.sort, again.model.filter.descending) == ("case_type", chosen)
    assert shown(again) == by_type


def test_ctrl_j_saves_and_opens_the_next_case_of_the_queue(
    start: Callable[[], MainWindow], desk: Any, qtbot: Any
) -> None:
    now = datetime.now(UTC)
    first = add(desk, "261128-1", due_at=now - timedelta(hours=3))
    second = add(desk, "261128-2", due_at=now - timedelta(hours=2))
    third = add(desk, "261128-3", due_at=now - timedelta(hours=1))
    add(desk, "261128-later", due_at=now + timedelta(days=3))  # not in 已超时
    window = start()
    wait_case_shown(qtbot, window, first)
    nick = window.form.fields["buyer_nick"]
    assert isinstance(nick, QLineEdit)
    nick.setFocus()
    type_text(nick, "张三")
    qtbot.keyClick(nick, Qt.Key.Key_J, Qt.KeyboardModifier.ControlModifier)
    wait_case_shown(qtbot, window, second)
    assert desk.cases.get(first).buyer_nick == "张三"  # saved before moving on
    assert window.model.case_id(window.table.currentIndex().row()) == second
    qtbot.keyClick(window.table, Qt.Key.Key_J, Qt.KeyboardModifier.ControlModifier)
    wait_case_shown(qtbot, window, third)
    qtbot.keyClick(window.table, Qt.Key.Key_J, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: "最后一条" in window.statusBar().currentMessage(), timeout=WAIT_MS)
    assert window.form.case_id == third


def test_the_apps_start_shows_the_quick_list_then_opens_on_today(
    qtbot: Any, desk: Any, runner: Any, settings: QSettings
) -> None:
    """As ui/startup.py starts: the window's first paint is already 今日 with its counts, read by the quick
    reader before the desk opens; the desk then takes over the same list (nothing on screen changes)."""
    from desk.quick import QuickCases

    now = datetime.now(UTC)
    add(desk, "261128-later", due_at=now + timedelta(days=3))
    late = add(desk, "261128-late", due_at=now - timedelta(hours=1))
    add(desk, "261128-late2", due_at=now - timedelta(hours=2))
    quick = QuickCases.open(desk.profile.database)
    window = MainWindow(None, runner=runner, settings=settings, profile=desk.profile, quick_cases=quick)
    window.show()
    qtbot.waitExposed(window)
    try:
        assert window.desk is None
        assert chosen_queue(window) == ("queue", "overdue")
        first = shown(window)
        assert len(first) == 2 and first[1] == late  # by deadline: the older one first
        sidebar = window.cases_pane.sidebar
        assert sidebar.queue_items["overdue"].text(0) == "已超时（2）"
        assert sidebar.queue_items["all"].text(0) == "全部售后（3）"
        # The list takes the focus as the app's window comes up, and Qt makes its first row current on
        # its own: that is not the operator choosing a case.
        window.activateWindow()
        window.table.setFocus()
        qtbot.waitUntil(lambda: window.table.currentIndex().isValid(), timeout=WAIT_MS)
        window.attach_desk(desk)
        assert chosen_queue(window) == ("queue", "overdue")
        assert shown(window) == first
        wait_case_shown(qtbot, window, first[0])
        assert sidebar.queue_items["overdue"].text(0) == "已超时（2）"
    finally:
        window.form.revert()
        window.close()


def test_the_desk_starts_opening_only_once_the_quick_list_is_drawn_with_its_rows(
    qtbot: Any, desk: Any, runner: Any, settings: QSettings
) -> None:
    """As ui/startup.py starts: the desk's opening (its imports compete for the interpreter) waits for the
    paint that shows the quick reader's rows, not the first paint of still empty rows."""
    from desk.quick import QuickCases
    from ui.startup import AfterFirstPaint, list_drawn

    now = datetime.now(UTC)
    for i in range(3):
        add(desk, f"261128-late{i}", due_at=now - timedelta(hours=i + 1))
    quick = QuickCases.open(desk.profile.database)
    window = MainWindow(None, runner=runner, settings=settings, profile=desk.profile, quick_cases=quick)
    seen: list[bool] = []  # for each row of the list, whether its text was there when the desk would open

    def start_opening() -> None:
        seen.extend(window.model.row_loaded(r) for r in range(window.model.rowCount()))

    window.table.viewport().installEventFilter(
        AfterFirstPaint(window, start_opening, lambda: list_drawn(window))
    )
    window.show()
    try:
        qtbot.waitUntil(lambda: bool(seen), timeout=WAIT_MS)
        assert seen == [True, True, True]
    finally:
        window.close()


def test_the_first_paint_keeps_the_sort_the_operator_chose_for_the_start_queue(
    qtbot: Any, desk: Any, runner: Any, settings: QSettings
) -> None:
    """The quick reader cannot use the list it read ahead (by deadline) when the operator keeps another
    sort for that queue: it reads the queue in that sort, and the desk then shows the same rows."""
    from desk.quick import QuickCases
    from ui.cases.list_pane import SORT_SETTING

    now = datetime.now(UTC)
    early = add(desk, "261128-a", due_at=now - timedelta(hours=5))
    late = add(desk, "261128-b", due_at=now - timedelta(hours=1))
    settings.setValue(SORT_SETTING.format(kind="queue", key="overdue"), "due_at:desc")
    quick = QuickCases.open(desk.profile.database)
    window = MainWindow(None, runner=runner, settings=settings, profile=desk.profile, quick_cases=quick)
    window.show()
    qtbot.waitExposed(window)
    try:
        assert chosen_queue(window) == ("queue", "overdue")
        assert shown(window) == [late, early]
        window.attach_desk(desk)
        assert shown(window) == [late, early]
    finally:
        window.form.revert()
        window.close()
