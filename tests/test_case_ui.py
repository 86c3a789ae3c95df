"""The case list in the window: queues, colours, saved views, filters, sorting, bulk changes, trash and
undo, export, shops and platform profiles — as an operator uses them."""

# ruff: noqa: F811 - the window fixtures of test_ui_flow are imported by name and used as arguments

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from desk.domain import CaseDraft, CaseFilter, CaseStatus, CaseType, DueFilter, Platform
from tests.test_ui_flow import (  # noqa: F401 - fixtures
    WAIT_MS,
    add_case,
    captured_boxes,
    make_window,
    no_modal_dialogs,
    settings,
    type_text,
    window,
)
from tests.ui_wait import refresh_list, select_case, wait_rows
from ui.cases.case_model import CASE_ID_ROLE, DUE_COLUMN, ROW_BACKGROUND, CaseTableModel
from ui.main_window import MainWindow
from ui.qt import QApplication, QItemSelectionModel, Qt

pytestmark = pytest.mark.gui
REPO = Path(__file__).resolve().parents[1]


def ids_shown(window: MainWindow) -> list[int]:
    return [window.model.case_id(r) for r in range(window.model.rowCount())]  # type: ignore[misc]


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


@pytest.fixture
def due_cases(desk: Any) -> dict[str, int]:
    now = datetime.now(UTC)
    made = {}
    for name, due, status in (
        ("soon", now + timedelta(hours=3), CaseStatus.OPEN),
        ("overdue", now - timedelta(hours=2), CaseStatus.NEGOTIATING),
        ("later", now + timedelta(days=4), CaseStatus.OPEN),
        ("none", None, CaseStatus.OPEN),
    ):
        case, _ = desk.cases.create(CaseDraft(order_no=f"261120-{name}", due_at=due, status=status))
        made[name] = case.id
    return made


def test_queues_show_deadlines_in_colour(
    window: MainWindow, desk: Any, due_cases: dict[str, int], qtbot: Any
) -> None:
    refresh_list(qtbot, window)
    pane = window.cases_pane
    qtbot.waitUntil(lambda: "已超时（1）" in pane.sidebar.queue_items["overdue"].text(0), timeout=WAIT_MS)
    assert "即将超时（1）" in pane.sidebar.queue_items["soon"].text(0)
    assert pane.sidebar.queue_items["all"].text(0) == "全部售后（4）"
    # Rows are coloured by their deadline, and the 截止 column says how long is left.
    wait_rows(qtbot, window.model)
    overdue_row = window.model.row_of(due_cases["overdue"])
    soon_row = window.model.row_of(due_cases["soon"])
    assert (
        window.model.index(overdue_row, 0).data(Qt.ItemDataRole.BackgroundRole) == ROW_BACKGROUND["overdue"]
    )  # type: ignore[arg-type]
    assert window.model.index(soon_row, 0).data(Qt.ItemDataRole.BackgroundRole) == ROW_BACKGROUND["soon"]  # type: ignore[arg-type]
    assert window.model.index(overdue_row, DUE_COLUMN).data().startswith("已超时 ")  # type: ignore[arg-type]
    assert window.model.index(soon_row, DUE_COLUMN).data().startswith("剩余 2 小时")  # type: ignore[arg-type]
    # The queue lists exactly those cases.
    pane.sidebar.setCurrentItem(pane.sidebar.queue_items["overdue"])
    qtbot.waitUntil(lambda: ids_shown(window) == [due_cases["overdue"]], timeout=WAIT_MS)
    assert window.count_label.text() == "找到 1 条售后"
    pane.sidebar.setCurrentItem(pane.sidebar.queue_items["soon"])
    qtbot.waitUntil(lambda: ids_shown(window) == [due_cases["soon"]], timeout=WAIT_MS)
    pane.sidebar.setCurrentItem(pane.sidebar.queue_items["all"])
    qtbot.waitUntil(lambda: len(ids_shown(window)) == 4, timeout=WAIT_MS)


def test_waiting_status_pauses_the_clock_in_the_form(
    window: MainWindow, desk: Any, due_cases: dict[str, int], qtbot: Any
) -> None:
    refresh_list(qtbot, window)
    select_case(qtbot, window, due_cases["soon"])
    form = window.form
    status = form.fields["status"]
    status.setCurrentIndex(status.findText("等待快递回复"))  # type: ignore[attr-defined]
    form.save()
    qtbot.waitUntil(lambda: desk.cases.get(due_cases["soon"]).due_paused_at is not None, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: form.due_left.text().startswith("已暂停"), timeout=WAIT_MS)
    qtbot.waitUntil(lambda: form.timeline_table.item(0, 1).text() == "暂停计时", timeout=WAIT_MS)
    model = window.model  # the saved case moves to the top once the list's query comes back
    qtbot.waitUntil(
        lambda: model.index(model.row_of(due_cases["soon"]), DUE_COLUMN).data().startswith("暂停 · 剩余"),  # type: ignore[arg-type]
        timeout=WAIT_MS,
    )


def test_status_list_offers_only_allowed_changes(window: MainWindow, desk: Any, qtbot: Any) -> None:
    case, _ = desk.cases.create(CaseDraft(order_no="261120-1", status=CaseStatus.APPEAL_SUBMITTED))
    refresh_list(qtbot, window)
    select_case(qtbot, window, case.id)
    combo = window.form.fields["status"]
    offered = [combo.itemText(i) for i in range(combo.count())]  # type: ignore[attr-defined]
    assert offered == ["已提交申诉", "申诉成功", "申诉失败"]


def test_due_typed_like_the_platform_is_saved_as_a_time(window: MainWindow, desk: Any, qtbot: Any) -> None:
    case_id = add_case(desk, "240101-123456789012345")
    refresh_list(qtbot, window)
    select_case(qtbot, window, case_id)
    form = window.form
    type_text(form.fields["due_at"], "剩余２３小时１５分")
    assert not form.invalid_fields()
    form.save()
    qtbot.waitUntil(lambda: desk.cases.get(case_id).due_at is not None, timeout=WAIT_MS)
    left = desk.cases.get(case_id).due_at - datetime.now(UTC)
    assert timedelta(hours=23, minutes=13) < left <= timedelta(hours=23, minutes=15)
    qtbot.waitUntil(lambda: form.fields["due_at"].text().startswith("20"), timeout=WAIT_MS)  # type: ignore[attr-defined]
    assert form.due_left.text().startswith("剩余 23 小时")


def test_saved_view_restores_filters_and_search(window: MainWindow, desk: Any, qtbot: Any) -> None:
    a, _ = desk.cases.create(
        CaseDraft(order_no="261120-a", case_type=CaseType.QUALITY, description="灯罩破损")
    )
    b, _ = desk.cases.create(
        CaseDraft(order_no="261120-b", case_type=CaseType.QUALITY, description="外壳划痕")
    )
    desk.cases.create(
        CaseDraft(order_no="261120-c", case_type=CaseType.WRONG_ITEM, description="灯罩颜色不对")
    )
    pane = window.cases_pane
    refresh_list(qtbot, window)
    pane.filters.set_filter(CaseFilter(case_types=(CaseType.QUALITY,)))
    pane.filters.changed.emit()
    qtbot.waitUntil(lambda: set(ids_shown(window)) == {a.id, b.id}, timeout=WAIT_MS)
    assert pane.filters.buttons["case_types"].text() == "类型：质量问题"
    type_text(window.search, "灯罩")
    qtbot.waitUntil(lambda: ids_shown(window) == [a.id], timeout=WAIT_MS)
    pane.save_view_as("质量问题·灯罩")
    qtbot.waitUntil(lambda: [v.name for v in desk.views.list()] == ["质量问题·灯罩"], timeout=WAIT_MS)
    qtbot.waitUntil(lambda: pane.sidebar.views_group.childCount() == 2, timeout=WAIT_MS)
    # Back to everything, then the view again.
    pane.sidebar.setCurrentItem(pane.sidebar.queue_items["all"])
    qtbot.waitUntil(lambda: len(ids_shown(window)) == 3, timeout=WAIT_MS)
    assert window.search.text() == ""
    view_item = next(
        pane.sidebar.views_group.child(i)
        for i in range(pane.sidebar.views_group.childCount())
        if pane.sidebar.views_group.child(i).text(0) == "质量问题·灯罩"
    )
    pane.sidebar.setCurrentItem(view_item)
    qtbot.waitUntil(lambda: ids_shown(window) == [a.id], timeout=WAIT_MS)
    assert window.search.text() == "灯罩" and pane.filters.filter().case_types == (CaseType.QUALITY,)


def test_search_hint_instead_of_an_error(window: MainWindow, desk: Any, qtbot: Any) -> None:
    add_case(desk, "240101-123456789012345")
    refresh_list(qtbot, window)
    window.search.setText("退" * 150)
    qtbot.waitUntil(lambda: window.cases_pane.hint_label.isVisible(), timeout=WAIT_MS)
    assert "太长" in window.cases_pane.hint_label.text() and window.model.rowCount() == 0
    for hostile in ('"', "NEAR(", "*", ")", "AND OR NOT", "\x00", "\ud800"):
        window.search.setText(hostile)
        typed = window.search.text().strip()  # as the box holds it (Qt may replace a lone surrogate)
        qtbot.waitUntil(lambda typed=typed: window.model.search == typed, timeout=WAIT_MS)
        assert window.model.rowCount() in (0, 1)
    window.search.clear()
    qtbot.waitUntil(
        lambda: window.model.rowCount() == 1 and not window.cases_pane.hint_label.isVisible(), timeout=WAIT_MS
    )


def test_header_click_sorts(window: MainWindow, desk: Any, qtbot: Any) -> None:
    for nick, amount in (("乙", "30"), ("甲", "10"), ("丙", "20")):
        case, _ = desk.cases.create(CaseDraft(order_no=f"261120-{nick}", buyer_nick=nick))
        desk.cases.update(case.id, refund_amount=amount)
    refresh_list(qtbot, window)
    window.table.sortByColumn(8, Qt.SortOrder.AscendingOrder)  # 退款金额
    amounts = lambda: [window.model.index(r, 8).data() for r in range(3)]  # noqa: E731
    qtbot.waitUntil(lambda: amounts() == ["10.00", "20.00", "30.00"], timeout=WAIT_MS)
    window.table.sortByColumn(8, Qt.SortOrder.DescendingOrder)
    qtbot.waitUntil(lambda: amounts() == ["30.00", "20.00", "10.00"], timeout=WAIT_MS)


def test_bulk_status_and_shop(
    window: MainWindow, desk: Any, qtbot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    shop, _ = desk.shops.create("优品家居旗舰店", Platform.PDD)
    a = add_case(desk, "261120-1")
    b = add_case(desk, "261120-2")
    c, _ = desk.cases.create(CaseDraft(order_no="261120-3", status=CaseStatus.APPEAL_SUBMITTED))
    window.cases_pane.reload_shops()
    refresh_list(qtbot, window)
    select_rows(window, [a, b, c.id])
    assert (
        window.cases_pane.bulk_bar.isVisibleTo(window) and window.cases_pane.bulk_label.text() == "已选 3 条"
    )
    told: list[str] = []
    monkeypatch.setattr(
        "ui.cases.list_pane.ask", lambda _p, text, _b, **k: told.append(text + k.get("informative", "")) or 0
    )
    window.cases_pane.set_status_of_selected(CaseStatus.NEGOTIATING)
    qtbot.waitUntil(lambda: bool(told), timeout=WAIT_MS)
    assert "已修改 2 条售后，1 条未修改" in told[0] and f"#{c.id}" in told[0] and "只能等平台结果" in told[0]
    assert [desk.cases.get(i).status for i in (a, b, c.id)] == [
        CaseStatus.NEGOTIATING,
        CaseStatus.NEGOTIATING,
        CaseStatus.APPEAL_SUBMITTED,
    ]
    select_rows(window, [a, b])
    window.cases_pane.set_shop_of_selected(shop.id)
    qtbot.waitUntil(
        lambda: {desk.cases.get(i).shop_name for i in (a, b)} == {"优品家居旗舰店"}, timeout=WAIT_MS
    )
    qtbot.waitUntil(
        lambda: window.model.index(window.model.row_of(a), 3).data() == "优品家居旗舰店", timeout=WAIT_MS
    )  # type: ignore[arg-type]


def test_delete_goes_to_trash_and_ctrl_z_brings_it_back(
    window: MainWindow, desk: Any, qtbot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    a = add_case(desk, "261120-1")
    b = add_case(desk, "261120-2")
    pane = window.cases_pane
    refresh_list(qtbot, window)
    select_rows(window, [a, b])
    window.table.setFocus()
    window.features.cases.delete.trigger()
    qtbot.waitUntil(lambda: window.model.rowCount() == 0, timeout=WAIT_MS)
    assert "Ctrl+Z" in window.statusBar().currentMessage()
    qtbot.waitUntil(lambda: pane.sidebar.trash_item.text(0) == "回收站（2）", timeout=WAIT_MS)
    window.table.setFocus()
    qtbot.waitUntil(lambda: window.undo_action.text() == "撤销 移到回收站", timeout=WAIT_MS)
    window.undo_action.trigger()  # Ctrl+Z
    qtbot.waitUntil(lambda: set(ids_shown(window)) == {a, b}, timeout=WAIT_MS)
    # Delete again, then restore one and purge the other from the trash.
    select_rows(window, [a, b])
    pane.delete_selected()
    qtbot.waitUntil(lambda: window.model.rowCount() == 0, timeout=WAIT_MS)
    pane.show_trash()
    qtbot.waitUntil(lambda: set(ids_shown(window)) == {a, b}, timeout=WAIT_MS)
    assert window.count_label.text() == "回收站里有 2 条售后"
    select_rows(window, [a])
    pane.restore_selected()
    qtbot.waitUntil(lambda: ids_shown(window) == [b], timeout=WAIT_MS)
    select_rows(window, [b])
    answers = iter([1, 0])  # 取消, then 彻底删除
    monkeypatch.setattr("ui.cases.list_pane.ask", lambda *a, **k: next(answers))
    pane.purge_selected()
    assert desk.cases.list_ids(CaseFilter(trash=True)) == [b]  # cancelled: still there
    pane.purge_selected()
    qtbot.waitUntil(lambda: window.model.rowCount() == 0, timeout=WAIT_MS)
    assert desk.cases.list_ids(CaseFilter(trash=True)) == [] and desk.cases.list_ids() == [a]


def test_export_selection(window: MainWindow, desk: Any, qtbot: Any, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    a = add_case(desk, "261120-000000000000001", "张三")
    add_case(desk, "261120-000000000000002", "李四")
    desk.cases.update(a, refund_amount=Decimal("19.90"))
    refresh_list(qtbot, window)
    select_rows(window, [a])
    target = tmp_path / "选中的售后.xlsx"
    window.cases_pane.export_to(target)
    qtbot.waitUntil(lambda: "已导出 1 条" in window.statusBar().currentMessage(), timeout=WAIT_MS)
    rows = list(load_workbook(target, read_only=True).active.iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][rows[0].index("买家昵称")] == "张三"


def test_shop_editor(window: MainWindow, desk: Any, qtbot: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    dialog = window.features.cases.open_shops()
    dialog.new_shop()
    dialog.name.setText("暖暖童装小店")
    dialog.platform.setCurrentIndex(dialog.platform.findText("淘宝/天猫"))
    dialog.address.setPlainText("浙江省杭州市余杭区某某路 1 号 王仓管 13800000000")
    dialog.policy.setPlainText("吊牌完好、未洗未穿，拒收到付件")
    dialog.save()
    qtbot.waitUntil(lambda: len(desk.shops.list()) == 1, timeout=WAIT_MS)
    shop = desk.shops.list()[0]
    assert shop.platform == Platform.TAOBAO and "吊牌完好" in shop.return_policy
    # The form and the filters learn about the new shop.
    form_shops = window.form.fields["shop_id"]
    qtbot.waitUntil(lambda: form_shops.findData(int(shop.id)) >= 0, timeout=WAIT_MS)  # type: ignore[attr-defined]
    dialog.contact.setText("旺旺：暖暖童装")
    dialog.save()
    qtbot.waitUntil(lambda: desk.shops.get(shop.id).contact == "旺旺：暖暖童装", timeout=WAIT_MS)
    monkeypatch.setattr("ui.cases.shop_dialog.ask", lambda *a, **k: 0)
    dialog.delete_shop()
    qtbot.waitUntil(lambda: desk.shops.list() == [], timeout=WAIT_MS)
    dialog.close()


def test_platform_profile_dialog_sets_unverified_values(
    window: MainWindow, desk: Any, qtbot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ui.qt import QCheckBox, QLineEdit

    dialog = window.features.cases.open_platforms()
    assert dialog.chooser.currentText() == "拼多多"
    keys = [dialog.table.item(r, 0).data(256) for r in range(dialog.table.rowCount())]
    row = keys.index("image_count")
    assert dialog.table.item(row, 0).background().color().name() == "#fff1d6"  # unverified: highlighted
    value = dialog.table.cellWidget(row, 1)
    check = dialog.table.cellWidget(row, 3)
    assert isinstance(value, QLineEdit) and isinstance(check, QCheckBox) and value.text() == ""
    value.setText("9")
    check.setChecked(True)
    dialog.save()
    qtbot.waitUntil(lambda: desk.platforms.get("pdd").setting("image_count").value == 9, timeout=WAIT_MS)
    assert (desk.profile.root / "platforms" / "pdd.toml").is_file()
    qtbot.waitUntil(lambda: dialog.restore_button.isEnabled(), timeout=WAIT_MS)
    monkeypatch.setattr("ui.cases.platform_dialog.ask", lambda *a, **k: 0)
    dialog.restore_defaults()
    qtbot.waitUntil(lambda: desk.platforms.get("pdd").setting("image_count").value is None, timeout=WAIT_MS)
    dialog.close()


def test_form_suggests_the_platform_lists(window: MainWindow) -> None:
    form = window.form
    form.new_case()
    appeal = form.fields["appeal_type"]
    items = [appeal.itemText(i) for i in range(appeal.count())]  # type: ignore[attr-defined]
    assert "维权申诉 · 运费申诉" in items
    platform = form.fields["platform"]
    platform.setCurrentIndex(platform.findText("微信小店"))  # type: ignore[attr-defined]
    items = [appeal.itemText(i) for i in range(appeal.count())]  # type: ignore[attr-defined]
    assert "纠纷单 · 补充凭证" in items and "维权申诉 · 运费申诉" not in items
    form.revert()


def test_timeline_note_and_money(window: MainWindow, desk: Any, qtbot: Any) -> None:
    case_id = add_case(desk, "240101-123456789012345")
    refresh_list(qtbot, window)
    select_case(qtbot, window, case_id)
    form = window.form
    form.note_edit.setText("买家电话无人接听，明天再打")
    form.add_note()
    qtbot.waitUntil(lambda: form.timeline_table.item(0, 1).text() == "备注", timeout=WAIT_MS)
    assert form.timeline_table.item(0, 2).text() == "买家电话无人接听，明天再打"
    form.fields["refund_paid"].setText("29.90")  # type: ignore[attr-defined]
    form.fields["recovered_appeal"].setText("20")  # type: ignore[attr-defined]
    assert form.net_label.text() == "9.90 元"
    form.save()
    qtbot.waitUntil(lambda: desk.cases.get(case_id).net_cost == Decimal("9.90"), timeout=WAIT_MS)
    qtbot.waitUntil(lambda: form.timeline_table.item(0, 1).text().startswith("修改"), timeout=WAIT_MS)


def test_case_model_with_deadlines_passes_modeltester(
    qtmodeltester: Any, desk: Any, due_cases: dict[str, int]
) -> None:
    model = CaseTableModel(desk.cases)
    model.refresh()
    assert model.rowCount() == 4
    qtmodeltester.check(model)
    model.sort(DUE_COLUMN, Qt.SortOrder.AscendingOrder)
    assert [model.case_id(r) for r in range(4)] == [
        due_cases[k] for k in ("overdue", "soon", "later", "none")
    ]
    qtmodeltester.check(model)
    model.set_filter(CaseFilter(due=DueFilter.OVERDUE))
    model.refresh()
    assert model.rowCount() == 1 and model.index(0, 0).data(CASE_ID_ROLE) == due_cases["overdue"]


# -- edits survive a kill ---------------------------------------------------------------------------

EDITOR = r"""
import os, sys, time
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from desk.app import open_desk
from ui.app import setup_application
from ui.main_window import MainWindow
from ui.qt import QApplication, QInputMethodEvent, QSettings
from ui.tasks import TaskRunner

def type_text(widget, text):
    event = QInputMethodEvent()
    event.setCommitString(text)
    QApplication.sendEvent(widget, event)

app = setup_application(["editor"])
desk = open_desk(sys.argv[1])
window = MainWindow(desk, runner=TaskRunner(), settings=QSettings(sys.argv[2], QSettings.Format.IniFormat))
window.show()
case_id = desk.cases.list_ids()[0]
window.select_case(case_id)
form = window.form
end = time.monotonic() + 20
while time.monotonic() < end and (form.case_id != case_id or form.opening is not None):
    app.processEvents()  # the case is read on the DB worker
    time.sleep(0.005)
notes, nick = form.fields["notes"], form.fields["buyer_nick"]
notes.setFocus()
type_text(notes, "第一处修改：买家同意补发")
nick.setFocus()  # leaving the field saves it, without any button
type_text(nick, "正在输入的")
# The first field's save was committed (the form took it as saved); the second is still pending.
end = time.monotonic() + 20
while time.monotonic() < end and (form.is_saving() or form._snapshot.get("notes") != "第一处修改：买家同意补发"):
    app.processEvents()
    time.sleep(0.005)
print("READY", form.is_dirty(), flush=True)
while True:  # still editing when the kill comes
    app.processEvents()
    time.sleep(0.005)
"""


@pytest.mark.sqlite_only
def test_edit_survives_kill(tmp_path: Path, desk: Any) -> None:
    """A window edits a case and is killed (SIGKILL) while typing the next field: the edit made before
    the field being typed is in the database, whole; nothing is half written."""
    case_id = add_case(desk, "240101-123456789012345", "原来的买家")
    root = desk.profile.root
    desk.close()
    env = {**os.environ, "PYTHONPATH": str(REPO), "QT_QPA_PLATFORM": "offscreen"}
    proc = subprocess.Popen(
        [sys.executable, "-c", EDITOR, str(root), str(tmp_path / "ui.ini")],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        line = ""
        while time.monotonic() < deadline:
            line = proc.stdout.readline()  # type: ignore[union-attr]
            if line.startswith("READY") or not line:
                break
        assert line.startswith("READY"), proc.stderr.read()  # type: ignore[union-attr]
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    from desk.app import open_desk

    again = open_desk(root)
    try:
        case = again.cases.get(case_id)
        assert case.notes == "第一处修改：买家同意补发"
        assert case.buyer_nick in ("原来的买家", "原来的买家正在输入的")  # the field being typed: either
        with again.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
        assert [e.new for e in again.cases.timeline(case_id) if e.field == "notes"] == [
            "第一处修改：买家同意补发"
        ]
    finally:
        again.close()


def test_no_english_in_the_new_parts(window: MainWindow, desk: Any) -> None:
    """The sidebar, the filters, the bulk bar and the dialogs read Chinese."""
    import re

    from tests.test_ui_flow import ALLOWED_LATIN, visible_texts

    add_case(desk, "240101-123456789012345")
    shops = window.features.cases.open_shops()
    platforms = window.features.cases.open_platforms()
    pane = window.cases_pane
    texts = visible_texts(pane) + visible_texts(shops) + visible_texts(platforms)
    texts += [pane.sidebar.topLevelItem(i).text(0) for i in range(pane.sidebar.topLevelItemCount())]
    for key, button in pane.filters.buttons.items():
        button.menu().aboutToShow.emit()
        texts += [a.text() for a in button.menu().actions()]
        assert key
    texts += [platforms.table.horizontalHeaderItem(i).text() for i in range(5)]
    english = {w for t in texts for w in re.findall(r"[A-Za-z]{2,}", t or "")} - ALLOWED_LATIN
    assert not english, english
    shops.close()
    platforms.close()
    QApplication.processEvents()


# -- start-up: the list first, the desk behind it ---------------------------------------------------


def test_startup_shows_the_list_then_opens_the_desk(
    qapp: QApplication, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from desk.app import open_desk
    from desk.profile import Profile
    from ui.qt import QSettings, QTimer
    from ui.startup import run_profile

    root = tmp_path / "p"
    desk = open_desk(root)
    made = [desk.cases.create(CaseDraft(order_no=f"261120-{i:015d}"))[0].id for i in range(3)]
    desk.close()
    settings = QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)
    monkeypatch.setattr("ui.main_window.settings_for_ui", lambda: settings)
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setattr("ui.tools.start_reliability_services", lambda window: None)
    seen: dict[str, Any] = {}
    give_up = time.monotonic() + 60  # a failure must fail, never hang the run

    def watch() -> None:
        windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]
        if time.monotonic() > give_up:
            seen["gave_up"] = True
            for w in windows:
                w.close()
            QApplication.exit(1)
            return
        if not windows:
            QTimer.singleShot(10, watch)
            return
        window = windows[0]
        seen.setdefault("rows_before_desk", window.model.rowCount() if window.desk is None else None)
        if window.desk is None or window.form.case_id is None:
            QTimer.singleShot(10, watch)
            return
        seen["rows"] = [window.model.case_id(r) for r in range(window.model.rowCount())]
        seen["form"] = window.form.case_id
        window.close()

    QTimer.singleShot(0, watch)
    assert run_profile(Profile(root)) == 0, seen
    assert "gave_up" not in seen
    assert seen["rows_before_desk"] == 3  # the list was there before the desk was open
    assert seen["rows"] == made[::-1] and seen["form"] == made[-1]


def test_startup_reports_a_desk_that_cannot_open(
    qapp: QApplication, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from desk.profile import Profile
    from ui.qt import QMessageBox, QSettings
    from ui.startup import run_profile

    root = tmp_path / "p"
    root.mkdir()
    (root / "desk.sqlite3").write_bytes(b"this is not a database" * 20)
    settings = QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)
    monkeypatch.setattr("ui.main_window.settings_for_ui", lambda: settings)
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    told: list[str] = []
    monkeypatch.setattr(QMessageBox, "exec", lambda box: told.append(box.text()) or 0)
    assert run_profile(Profile(root)) == 2
    assert told and "不是售后申诉工作台的数据库" in told[0]
