"""The 统计 window, opened from the 售后 menu as an operator would: its totals are those of the cases and
outcomes made through the services (added up here, not written down), the grouping changes the rows, 导出
Excel… writes a workbook with the same totals, and the window fits a 1280×720 screen."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from desk.domain import COST_FIELDS, AppealResult, CaseDraft, CaseType, ClaimStatus, Platform
from desk.labels import CASE_FIELD_LABELS
from ui.context import MenuKey
from ui.qt import QFileDialog, QMessageBox, QSettings, Qt
from ui.stats.chart import PALETTE
from ui.stats.window import StatsWindow

pytestmark = pytest.mark.gui

WAIT_MS = 20_000
CASES = [  # shop, case type, courier, refund, compensation, reship, freight
    (0, CaseType.MISSING_ITEM, "中通快递", "39.90", "5.00", "12.00", "6.00"),
    (0, CaseType.QUALITY, "顺丰速运", "120.00", None, None, "8.50"),
    (1, CaseType.MISSING_ITEM, "中通快递", "15.00", "3.00", "9.00", None),
    (1, CaseType.WRONG_ITEM, "圆通速递", None, "20.00", None, "4.00"),
]
SHOPS = [("优品家居旗舰店", Platform.PDD), ("暖暖童装小店", Platform.TAOBAO)]


@pytest.fixture(autouse=True)
def no_modal_dialogs(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: Any, **_kwargs: Any) -> int:
        raise AssertionError("unexpected modal dialog")

    monkeypatch.setattr(QMessageBox, "exec", refuse)


@pytest.fixture
def made(desk: Any) -> dict[str, Any]:
    """Cases with money, an appeal won and one rejected, a courier claim paid; what they add up to."""
    shop_ids = [desk.shops.create(name, platform)[0].id for name, platform in SHOPS]
    ids = []
    for shop, case_type, courier, *money in CASES:
        draft = CaseDraft(
            platform=SHOPS[shop][1],
            shop_id=shop_ids[shop],
            case_type=case_type,
            courier=courier,
            **{f: Decimal(v) if v else None for f, v in zip(COST_FIELDS, money, strict=True)},
        )
        ids.append(desk.cases.create(draft)[0].id)
    desk.outcomes.record_appeal(ids[0], appeal_kind="goods", result=AppealResult.WON, amount_returned="30")
    desk.outcomes.record_appeal(ids[1], appeal_kind="goods", result=AppealResult.REJECTED)
    desk.outcomes.record_claim(ids[2], status=ClaimStatus.PAID, amount_paid="18.80")
    recovered = {ids[0]: Decimal("30"), ids[2]: Decimal("18.80")}

    def paid(row: tuple[Any, ...]) -> Decimal:
        return sum((Decimal(v) for v in row[3:] if v), Decimal(0))

    by_shop: dict[str, Decimal] = defaultdict(Decimal)
    by_courier: dict[str, Decimal] = defaultdict(Decimal)
    for case_id, row in zip(ids, CASES, strict=True):
        net = paid(row) - recovered.get(case_id, Decimal(0))
        by_shop[SHOPS[row[0]][0]] += net
        by_courier[row[2]] += net
    spent = {
        f: sum((Decimal(r[3 + i]) for r in CASES if r[3 + i]), Decimal(0)) for i, f in enumerate(COST_FIELDS)
    }
    return {
        "cases": len(CASES),
        "spent": spent,
        "recovered": sum(recovered.values(), Decimal(0)),
        "net": sum(spent.values(), Decimal(0)) - sum(recovered.values(), Decimal(0)),
        "by_shop": dict(by_shop),
        "by_courier": dict(by_courier),
    }


@pytest.fixture
def stats(qtbot: Any, desk: Any, runner: Any, made: dict[str, Any]) -> Iterator[StatsWindow]:
    from ui.tasks import guard_gui_thread

    window = StatsWindow(desk, runner)
    qtbot.addWidget(window)
    window.show()
    guard_gui_thread()  # as the main window does once shown: its reads must go through the runner
    qtbot.waitExposed(window)
    with qtbot.waitSignal(window.shown_report, timeout=WAIT_MS):
        window.refresh()
    yield window
    window.close()


def rows(window: StatsWindow) -> dict[str, list[str]]:
    t = window.table
    return {
        t.item(r, 0).text(): [t.item(r, c).text() for c in range(1, t.columnCount())]
        for r in range(t.rowCount())
    }


def header(window: StatsWindow) -> list[str]:
    t = window.table
    return [t.horizontalHeaderItem(c).text() for c in range(t.columnCount())]


def yuan(value: Decimal) -> str:
    return f"{value:,.2f}"


def shown_after(qtbot: Any, window: StatsWindow, change: Any) -> None:
    with qtbot.waitSignal(window.shown_report, timeout=WAIT_MS):
        change()


def test_the_table_shows_the_totals_of_what_was_recorded(stats: StatsWindow, made: dict[str, Any]) -> None:
    head = header(stats)
    total = rows(stats)["合计"]
    cell = {name: total[i - 1] for i, name in enumerate(head) if i}
    assert cell["售后数"] == str(made["cases"])
    assert cell["净支出"] == yuan(made["net"])
    for field in COST_FIELDS:
        assert cell[CASE_FIELD_LABELS[field]] == yuan(made["spent"][field])
    assert f"追回 ¥{yuan(made['recovered'])}" in stats.summary.text()
    assert f"净支出 ¥{yuan(made['net'])}" in stats.summary.text()
    # Win rates: one appeal won, one rejected.
    kinds = stats.kind_table
    last = kinds.rowCount() - 1
    assert kinds.item(last, 0).text() == "全部申诉" and kinds.item(last, 6).text() == "50.0%"


def test_changing_the_grouping_changes_the_rows_and_the_chart(
    qtbot: Any, stats: StatsWindow, made: dict[str, Any]
) -> None:
    shown_after(qtbot, stats, lambda: stats.set_group_by("shop"))
    assert header(stats)[0] == "店铺"
    net_column = header(stats).index("净支出") - 1
    seen = {label: cells[net_column] for label, cells in rows(stats).items() if label != "合计"}
    assert seen == {shop: yuan(net) for shop, net in made["by_shop"].items()}
    assert set(stats.bar_chart.categories) == set(made["by_shop"])

    shown_after(qtbot, stats, lambda: stats.group_by.setCurrentIndex(stats.group_by.findText("快递公司")))
    assert header(stats)[0] == "快递公司"
    seen = {label: cells[net_column] for label, cells in rows(stats).items() if label != "合计"}
    assert seen == {courier: yuan(net) for courier, net in made["by_courier"].items()}
    # The chart draws the bars: its first colour is on screen.
    image = stats.bar_chart.grab().toImage()
    colours = {
        image.pixelColor(x, y).name() for x in range(0, image.width(), 3) for y in range(0, image.height(), 3)
    }
    assert PALETTE[0].lower() in colours


def test_a_period_without_cases_shows_nothing_spent(qtbot: Any, stats: StatsWindow) -> None:
    from datetime import date

    shown_after(qtbot, stats, lambda: stats.set_period("custom", date(2001, 1, 1), date(2001, 12, 31)))
    assert rows(stats) == {"合计": ["0", *["0.00"] * (len(header(stats)) - 2)]}
    assert "2001-01-01 至 2001-12-31：0 条售后" in stats.summary.text()
    # Dates the wrong way round are said plainly, and nothing is read.
    stats.set_period("custom", date(2001, 12, 31), date(2001, 1, 1))
    assert "晚于结束日期" in stats.summary.text()


def test_export_writes_the_workbook_with_the_same_totals(
    qtbot: Any, stats: StatsWindow, made: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from openpyxl import load_workbook

    target = tmp_path / "out" / "本月统计"
    target.parent.mkdir()
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *_a, **_k: (str(target), ""))
    with qtbot.waitSignal(stats.exported, timeout=WAIT_MS) as done:
        qtbot.mouseClick(stats.export_button, Qt.MouseButton.LeftButton)
    written = Path(done.args[0])
    assert written == target.with_name("本月统计.xlsx") and written.is_file()
    wb = load_workbook(written)
    summary = wb["汇总"]
    head = [c.value for c in summary[1]]
    total = dict(zip(head, [c.value for c in summary[2]], strict=True))
    assert total[None] == "合计" and total["售后数"] == made["cases"]
    assert Decimal(str(total["净支出"])) == made["net"]
    for field in COST_FIELDS:
        assert Decimal(str(total[CASE_FIELD_LABELS[field]])) == made["spent"][field]
    by_shop = wb["按店铺"]
    net_col = [c.value for c in by_shop[1]].index("净支出")
    seen = {
        r[0].value: Decimal(str(r[net_col].value))
        for r in by_shop.iter_rows(min_row=2)
        if r[0].value != "合计"
    }
    assert seen == made["by_shop"]


def test_the_window_fits_a_1280_by_720_screen(stats: StatsWindow) -> None:
    frame = stats.frameGeometry()
    assert frame.width() <= 1280 and frame.height() <= 720 - 40  # a task bar
    hint = stats.minimumSizeHint()
    assert hint.width() <= 1280 and hint.height() <= 680


def test_the_case_menu_opens_it(
    qtbot: Any, desk: Any, runner: Any, tmp_path: Path, made: dict[str, Any]
) -> None:
    from ui.main_window import MainWindow

    settings = QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)
    main = MainWindow(desk, runner=runner, settings=settings)
    main.show()
    qtbot.waitExposed(main)
    try:
        action = next(a for a in main.menus[MenuKey.CASES].actions() if a.text() == "统计…")
        action.trigger()
        (window,) = main.findChildren(StatsWindow)
        qtbot.waitExposed(window)
        qtbot.waitUntil(lambda: window.report is not None, timeout=WAIT_MS)
        assert rows(window)["合计"][0] == str(made["cases"])
        window.close()
    finally:
        main.form.revert()
        main.close()
