"""The 统计 window: what after-sales cost and what came back over a period, by the grouping the operator
picks, as a table and a chart; appeal win rates by appeal kind and by evidence; 导出 Excel….

Every figure comes from desk.services.stats on the runner's read worker; the window only lays it out.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from desk.domain import COST_FIELDS
from desk.labels import (
    CASE_FIELD_LABELS,
    STATS_CHART_NET_COST,
    STATS_CHART_SPENDING,
    STATS_CHART_WIN_RATES,
    STATS_DIMENSION_LABELS,
    STATS_MEASURE_LABELS,
    STATS_PERIOD_LABELS,
    STATS_TOTAL,
)
from desk.services.stats import DIMENSIONS, StatsReport, Totals, WinRate, export_xlsx, measure_columns
from ui.errors import APP_TITLE
from ui.qt import (
    QAbstractItemView,
    QComboBox,
    QDate,
    QDateEdit,
    QFileDialog,
    QFont,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    Qt,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
    Signal,
)
from ui.stats.chart import BarChart, PieChart, Series
from ui.tasks import Op, TaskRunner

if TYPE_CHECKING:
    from desk.app import Desk

log = logging.getLogger(__name__)

SIZE = (1180, 660)  # inside a 1280×720 screen with its task bar and the window's frame
CHART_ROWS = 15  # bars beyond these would be too thin to read; the table has them all
RATE_HEAD = ("decided", "won", "partial", "rejected", "pending", "win_rate")


def period_range(key: str, today: date, custom: tuple[date, date]) -> tuple[date | None, date | None]:
    """The first and last day (inclusive) of a period of STATS_PERIOD_LABELS; None: open-ended."""
    if key == "this_month":
        return today.replace(day=1), today
    if key == "last_month":
        last = today.replace(day=1) - timedelta(days=1)
        return last.replace(day=1), last
    if key == "last_90_days":
        return today - timedelta(days=89), today
    if key == "custom":
        return custom
    return None, None


def _yuan(value: Decimal) -> str:
    return f"{value:,.2f}"


def _item(text: str, *, number: bool = False, bold: bool = False) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setFlags(Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEnabled)
    if number:
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    if bold:
        font = QFont(item.font())
        font.setBold(True)
        item.setFont(font)
    return item


def _table(headers: list[str]) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setAlternatingRowColors(True)
    table.setWordWrap(False)
    table.verticalHeader().hide()
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.horizontalHeader().setStretchLastSection(False)
    return table


class StatsWindow(QWidget):
    """统计 over a period, grouped as chosen.

    Signals:
        shown_report(object): a report arrived and is on screen (the StatsReport).
        exported(object): the workbook was written (its Path).
        status_message(str): a line for the main window's status bar.
    """

    shown_report = Signal(object)
    exported = Signal(object)
    status_message = Signal(str)

    def __init__(self, desk: Desk, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.desk = desk
        self.runner = runner
        self.report: StatsReport | None = None
        self._reads = 0  # the newest read wins: an older answer for another period is dropped
        self.setWindowTitle(f"统计 — {APP_TITLE}")
        self._build()
        self.resize(*SIZE)

    # -- construction ----------------------------------------------------------------------------

    def _build(self) -> None:
        self.period = QComboBox()
        for key, words in STATS_PERIOD_LABELS.items():
            self.period.addItem(words, key)
        today = QDate.currentDate()
        self.since_edit = QDateEdit(today.addDays(-29))
        self.until_edit = QDateEdit(today)
        for edit in (self.since_edit, self.until_edit):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.dateChanged.connect(lambda _d: self._custom_changed())
        self.group_by = QComboBox()
        for key in DIMENSIONS:
            self.group_by.addItem(STATS_DIMENSION_LABELS[key], key)
        self.export_button = QPushButton("导出 Excel…")
        self.export_button.setToolTip("把这段时间的全部统计（每种分组一页，加申诉成功率）导出为 .xlsx")
        self.export_button.clicked.connect(self.export_excel)
        self.period.currentIndexChanged.connect(lambda _i: self._period_changed())
        self.group_by.currentIndexChanged.connect(lambda _i: self.refresh())

        top = QHBoxLayout()
        top.addWidget(QLabel("时间"))
        top.addWidget(self.period)
        top.addWidget(self.since_edit)
        self.to_label = QLabel("至")
        top.addWidget(self.to_label)
        top.addWidget(self.until_edit)
        top.addSpacing(16)
        top.addWidget(QLabel("分组"))
        top.addWidget(self.group_by)
        top.addStretch(1)
        top.addWidget(self.export_button)

        self.summary = QLabel("正在统计…")
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.measures = measure_columns()
        self.table = _table(["", *(w for _k, w in self.measures)])
        self.bar_chart = BarChart()
        self.pie_chart = PieChart()
        self.rate_chart = BarChart()
        self.charts = QTabWidget()
        self.charts.addTab(self.bar_chart, "净支出")
        self.charts.addTab(self.pie_chart, STATS_CHART_SPENDING)
        self.charts.addTab(self.rate_chart, "按证据的成功率")
        upper = QSplitter(Qt.Orientation.Horizontal)
        upper.addWidget(self.table)
        upper.addWidget(self.charts)
        upper.setStretchFactor(0, 3)
        upper.setStretchFactor(1, 2)
        upper.setChildrenCollapsible(False)

        rate_words = [STATS_MEASURE_LABELS[k] for k in RATE_HEAD]
        self.kind_table = _table(["申诉类型", *rate_words])
        self.evidence_table = _table(["证据", *rate_words])
        lower = QSplitter(Qt.Orientation.Horizontal)
        for title, table in (
            ("申诉成功率（按申诉类型，部分支持算成功）", self.kind_table),
            ("按证据组合", self.evidence_table),
        ):
            box = QWidget()
            layout = QVBoxLayout(box)
            layout.setContentsMargins(0, 0, 0, 0)
            layout.addWidget(QLabel(title))
            layout.addWidget(table)
            lower.addWidget(box)
        lower.setChildrenCollapsible(False)

        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(upper)
        self.splitter.addWidget(lower)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setChildrenCollapsible(False)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.summary)
        layout.addWidget(self.splitter, 1)
        self._period_changed(refresh=False)

    # -- the period and the grouping -------------------------------------------------------------

    def set_period(self, key: str, since: date | None = None, until: date | None = None) -> None:
        """Choose a period of STATS_PERIOD_LABELS (custom: with its days) and read again."""
        if since is not None:
            self.since_edit.setDate(QDate(since.year, since.month, since.day))
        if until is not None:
            self.until_edit.setDate(QDate(until.year, until.month, until.day))
        self.period.setCurrentIndex(self.period.findData(key))
        self.refresh()

    def set_group_by(self, dimension: str) -> None:
        self.group_by.setCurrentIndex(self.group_by.findData(dimension))

    @property
    def dimension(self) -> str:
        return str(self.group_by.currentData())

    def dates(self) -> tuple[date | None, date | None]:
        custom = (self.since_edit.date().toPython(), self.until_edit.date().toPython())
        return period_range(str(self.period.currentData()), date.today(), custom)  # type: ignore[arg-type]

    def _period_changed(self, *, refresh: bool = True) -> None:
        custom = self.period.currentData() == "custom"
        for edit in (self.since_edit, self.until_edit):
            edit.setEnabled(custom)
        if not custom:  # the days the period covers, for the operator to read
            since, until = self.dates()
            first = since or date(2000, 1, 1)
            last = until or date.today()
            self.since_edit.blockSignals(True)
            self.until_edit.blockSignals(True)
            self.since_edit.setDate(QDate(first.year, first.month, first.day))
            self.until_edit.setDate(QDate(last.year, last.month, last.day))
            self.since_edit.blockSignals(False)
            self.until_edit.blockSignals(False)
        for widget in (self.since_edit, self.to_label, self.until_edit):  # 全部 has no days to show
            widget.setVisible(self.period.currentData() != "all")
        if refresh:
            self.refresh()

    def _custom_changed(self) -> None:
        if self.period.currentData() == "custom":
            self.refresh()

    # -- reading ---------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Read the figures of the chosen period and grouping on the read worker; the newest answer wins."""
        since, until = self.dates()
        if since and until and since > until:
            self.summary.setText(f"开始日期 {since} 晚于结束日期 {until}，请改一下日期。")
            return
        self._reads += 1
        # What is on screen stays until the answer comes (no flicker while the operator flips groupings).
        n, dim, stats = self._reads, self.dimension, self.desk.stats
        Op(lambda: stats.report(by=[dim], since=since, until=until), parent=self, pool="read").on_success(
            lambda report: self._show(n, report)
        ).with_action("统计").run(self.runner)

    def _show(self, n: int, report: StatsReport) -> None:
        if n != self._reads:
            return
        self.report = report
        self._show_summary(report)
        dim, rows = report.groups[0] if report.groups else (self.dimension, ())
        self.table.setHorizontalHeaderItem(0, QTableWidgetItem(STATS_DIMENSION_LABELS[dim]))
        self.table.setRowCount(len(rows) + 1)
        for r, group in enumerate(rows):
            self._fill_row(r, group.label, group.totals)
        self._fill_row(len(rows), STATS_TOTAL, report.totals, bold=True)
        shown = rows[:CHART_ROWS]
        more = f"（净支出最高的 {CHART_ROWS} 项）" if len(rows) > CHART_ROWS and dim != "month" else ""
        if dim == "month":
            shown = rows[-CHART_ROWS:]  # the latest months, in calendar order
            more = f"（最近 {CHART_ROWS} 个月）" if len(rows) > CHART_ROWS else ""
        self.bar_chart.set_data(
            f"{STATS_CHART_NET_COST}，按{STATS_DIMENSION_LABELS[dim]}{more}",
            [g.label for g in shown],
            [Series(STATS_MEASURE_LABELS["net_cost"], tuple(float(g.totals.net_cost) for g in shown))],
        )
        self.pie_chart.set_data(
            f"{STATS_CHART_SPENDING}（共 ¥{_yuan(report.totals.paid)}）",
            [(CASE_FIELD_LABELS[f], float(getattr(report.totals, f))) for f in COST_FIELDS],
        )
        self._show_rates(report)
        self.shown_report.emit(report)

    def _show_summary(self, report: StatsReport) -> None:
        t = report.totals
        since, until = report.since, report.until
        span = f"{since} 至 {until}" if since and until else "全部时间"
        self.summary.setText(
            f"{span}：{t.cases} 条售后，支出 ¥{_yuan(t.paid)}，追回 ¥{_yuan(t.recovered)}，"
            f"净支出 ¥{_yuan(t.net_cost)}；申诉成功率 {report.appeals.rate_text()}"
            f"（已出结果 {report.appeals.decided}，等待结果 {report.appeals.pending}）。不含回收站。"
        )

    def _fill_row(self, row: int, label: str, totals: Totals, *, bold: bool = False) -> None:
        data = totals.as_dict()
        self.table.setItem(row, 0, _item(label, bold=bold))
        for c, (key, _words) in enumerate(self.measures, 1):
            value = data[key]
            text = str(value) if key == "cases" else _yuan(value)
            self.table.setItem(row, c, _item(text, number=True, bold=bold))

    def _show_rates(self, report: StatsReport) -> None:
        def fill(table: QTableWidget, rows: list[tuple[str, WinRate, bool]]) -> None:
            table.setRowCount(len(rows))
            for r, (label, w, bold) in enumerate(rows):
                table.setItem(r, 0, _item(label, bold=bold))
                for c, value in enumerate((w.decided, w.won, w.partial, w.rejected, w.pending), 1):
                    table.setItem(r, c, _item(str(value), number=True, bold=bold))
                table.setItem(r, 6, _item(w.rate_text(), number=True, bold=bold))

        fill(
            self.kind_table,
            [(w.label, w, False) for w in report.by_appeal_kind]
            + [(report.appeals.label, report.appeals, True)],
        )
        fill(
            self.evidence_table,
            [(w.label, w, False) for e in report.by_evidence for w in (e.present, e.absent)],
        )

        def percent(w: WinRate) -> float:
            return float(w.rate * 100) if w.rate is not None else 0.0

        self.rate_chart.set_data(
            STATS_CHART_WIN_RATES,
            [str(e.kind) for e in report.by_evidence],
            [
                Series("有", tuple(percent(e.present) for e in report.by_evidence)),
                Series("无", tuple(percent(e.absent) for e in report.by_evidence)),
            ],
            value_text=lambda v: f"{v:.0f}%",
        )

    # -- export ----------------------------------------------------------------------------------

    def export_excel(self) -> None:
        since, until = self.dates()
        span = f"{since}至{until}" if since and until else "全部"
        path, _chosen = QFileDialog.getSaveFileName(
            self, "导出统计", f"统计-{span}.xlsx", "电子表格 (*.xlsx)"
        )
        if not path:
            return
        target = Path(path)
        if target.suffix.lower() != ".xlsx":
            target = target.with_name(target.name + ".xlsx")
        self.export_to(target)

    def export_to(self, path: Path) -> None:
        """The workbook of `python -m desk stats --xlsx` for the chosen period, every grouping."""
        since, until = self.dates()
        stats = self.desk.stats

        def export() -> Path:
            return export_xlsx(stats.report(by=DIMENSIONS, since=since, until=until), path)

        def done(written: Path) -> None:
            self.status_message.emit(f"已导出统计到“{written}”")
            self.exported.emit(written)

        self.export_button.setEnabled(False)
        Op(export, parent=self, pool="read").on_success(done).on_done(
            lambda: self.export_button.setEnabled(True)
        ).with_action("导出统计").run(self.runner)
