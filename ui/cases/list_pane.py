"""The left side of the main window: sidebar (queues, saved views, trash), search, filters, the case list
and its bulk actions (status, shop, export, delete/restore).

Every query runs on the DB worker; only the newest answer is shown, so typing fast never queues up
stale lists. Deleting moves cases to the trash; like the bulk changes it is a step of the desk's undo
log, which the window's 撤销 (Ctrl+Z) takes back."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desk.domain import SORT_KEYS, CaseFilter, CaseId, CaseStatus, Changes, ShopData, start_queue
from ui.cases.case_model import BUYER_COLUMN, CHIP_COLUMNS, COLUMNS, DUE_COLUMN, CaseTableModel
from ui.cases.chips import ChipDelegate
from ui.cases.filter_bar import FilterBar
from ui.cases.sidebar import ALL_QUEUES, CaseSidebar
from ui.errors import ask
from ui.qt import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QItemSelection,
    QItemSelectionModel,
    QLabel,
    QLineEdit,
    QMenu,
    QPoint,
    QPushButton,
    QSettings,
    QSizePolicy,
    QSplitter,
    Qt,
    QTableView,
    QTimer,
    QToolButton,
    QVBoxLayout,
    QWidget,
    Signal,
)
from ui.tasks import Op, TaskRunner

if TYPE_CHECKING:
    from desk.app import Desk

log = logging.getLogger(__name__)

SEARCH_DELAY_MS = 200
COUNTS_DELAY_MS = 400
DUE_TICK_MS = 60_000  # the time left in the list is recomputed every minute
# Initial column widths (px), by logical column.
COLUMN_WIDTHS = (72, 80, 72, 112, 172, 130, 130, 90, 72, 120, 150, 72, 120, 72)
# Where the 截止 column shows: right after 状态 (logical order stays for saved header states and tests).
DUE_VISUAL_INDEX = 2
BUYER_NICK_COLUMN = 7  # 买家售后 (第3次) shows right after the buyer's nickname
HINT_STYLE = "color: #a15c00;"
SORT_SETTING = "list/sort/{kind}/{key}"  # the sort the operator chose for one queue, view or the trash


class CaseListPane(QWidget):
    """Sidebar + search + filters + list + bulk bar.

    Signals:
        refreshed(): the list shows the answer to a new query (the owner re-selects the open case).
        changes_made(Changes): a bulk change, delete, restore or shop edit went through.
        status_message(str): a note for the status bar.
    """

    refreshed = Signal()
    changes_made = Signal(object)
    status_message = Signal(str)

    def __init__(
        self,
        desk: Desk | None,
        runner: TaskRunner,
        parent: QWidget | None = None,
        *,
        quick: Any = None,
        settings: QSettings | None = None,
    ) -> None:
        """settings: where the sort chosen per queue is kept (the window's); without, it lasts the session."""
        super().__init__(parent)
        self._settings = settings
        self._desk: Any = desk
        self._runner = runner
        self._generation = 0
        self._shops: list[ShopData] = []
        self._quick = quick
        self.opened_on_today = False  # the start queue of 今日 was chosen (before or as the desk opened)
        self._shop_reads = 0  # the newest read of each list wins
        self._view_reads = 0

        # Before the desk opens, the default list comes from the quick reader (desk/quick.py).
        self.model = CaseTableModel(
            desk.cases if desk is not None else (quick or _NoCases()),
            self,
            runner=runner,
            histories=desk.buyers.histories if desk is not None else None,
        )
        self.model.refresh_handler = self.request_refresh
        self.model.sort_requested.connect(self._remember_sort)

        self.sidebar = CaseSidebar()
        self.sidebar.filter_chosen.connect(self._on_sidebar_choice)
        self.sidebar.rename_requested.connect(self.rename_view)
        self.sidebar.delete_requested.connect(self.delete_view)

        self.search = QLineEdit()
        self.search.setObjectName("case_search")
        self.search.setPlaceholderText("搜索订单号 / 售后单号 / 快递单号 / 买家 / 问题描述 / 备注 / 证据说明")
        self.search.setClearButtonEnabled(True)
        self._search_timer = QTimer(self, singleShot=True, interval=SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self._on_search)
        self.search.textChanged.connect(lambda _text: self._search_timer.start())
        self.filters = FilterBar()
        # The list may be made narrower than the row of filters (they are then cut off, not the list).
        self.filters.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.filters.changed.connect(self._on_filters_changed)
        self.filters.save_requested.connect(self.save_view)
        self.hint_label = QLabel()
        self.hint_label.setStyleSheet(HINT_STYLE)
        self.hint_label.setWordWrap(True)
        self.hint_label.hide()

        self.table = QTableView()
        self.table.setObjectName("case_table")
        self.table.setModel(self.model)
        # Status, deadline and repeat-buyer chips, on the only columns that have them: the other cells
        # keep Qt's own delegate, so a paint does not call into Python for each of them.
        self.chips = ChipDelegate(self.table)
        for column in CHIP_COLUMNS:
            self.table.setItemDelegateForColumn(column, self.chips)
        self.table.verticalScrollBar().valueChanged.connect(lambda _value: self.model.defer_histories())
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        vertical = self.table.verticalHeader()
        vertical.hide()
        vertical.setSectionResizeMode(vertical.ResizeMode.Fixed)  # uniform rows: no per-row size queries
        vertical.setDefaultSectionSize(self.fontMetrics().height() + 10)
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        header.setSectionsMovable(True)
        for column, width in enumerate(COLUMN_WIDTHS[: len(COLUMNS)]):
            header.resizeSection(column, width)
        header.moveSection(header.visualIndex(DUE_COLUMN), DUE_VISUAL_INDEX)
        header.moveSection(header.visualIndex(BUYER_COLUMN), header.visualIndex(BUYER_NICK_COLUMN) + 1)
        header.setSortIndicator(self.model.sort_column(), Qt.SortOrder.DescendingOrder)
        header.sortIndicatorChanged.connect(self._on_sort_indicator)
        self.table.setSortingEnabled(True)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._on_context_menu)
        self.table.selectionModel().selectionChanged.connect(lambda *_a: self._update_bulk())

        self.bulk_bar = QWidget()
        self.bulk_bar.setObjectName("bulk_bar")
        bulk = QHBoxLayout(self.bulk_bar)
        bulk.setContentsMargins(0, 0, 0, 0)
        self.bulk_label = QLabel()
        self.bulk_status = QToolButton()
        self.bulk_status.setText("改状态")
        self.bulk_status.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.bulk_status.setMenu(self._status_menu(self.bulk_status))
        self.bulk_shop = QToolButton()
        self.bulk_shop.setText("改店铺")
        self.bulk_shop.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        shop_menu = QMenu(self.bulk_shop)
        shop_menu.aboutToShow.connect(lambda: self.fill_shop_menu(shop_menu))
        self.bulk_shop.setMenu(shop_menu)
        self.bulk_export = QPushButton("导出…")
        self.bulk_export.clicked.connect(self.export_selected)
        self.bulk_delete = QPushButton("删除")
        self.bulk_delete.clicked.connect(self.delete_selected)
        self.bulk_restore = QPushButton("恢复")
        self.bulk_restore.clicked.connect(self.restore_selected)
        self.bulk_purge = QPushButton("彻底删除…")
        self.bulk_purge.clicked.connect(self.purge_selected)
        bulk.addWidget(self.bulk_label)
        bulk.addStretch(1)
        for w in (
            self.bulk_status,
            self.bulk_shop,
            self.bulk_export,
            self.bulk_delete,
            self.bulk_restore,
            self.bulk_purge,
        ):
            bulk.addWidget(w)
        self.bulk_bar.hide()

        list_side = QWidget()
        lay = QVBoxLayout(list_side)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(4)
        lay.addWidget(self.search)
        lay.addWidget(self.filters)
        lay.addWidget(self.hint_label)
        lay.addWidget(self.bulk_bar)
        lay.addWidget(self.table, 1)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("list_splitter")
        self.splitter.addWidget(self.sidebar)
        self.splitter.addWidget(list_side)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setSizes([150, 600])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 0, 6)
        layout.addWidget(self.splitter)

        self._counts_timer = QTimer(self, singleShot=True, interval=COUNTS_DELAY_MS)
        self._counts_timer.timeout.connect(self.refresh_counts)
        self._due_timer = QTimer(self, interval=DUE_TICK_MS)
        self._due_timer.timeout.connect(self._on_minute)
        self._due_timer.start()
        if desk is None:
            self.setEnabledParts(False)
        else:
            self._read_lists_now()
        self._update_bulk()

    def setEnabledParts(self, enabled: bool) -> None:
        """While the desk opens only the list itself works (searching needs the services)."""
        for w in (self.search, self.filters, self.sidebar, self.bulk_bar):
            w.setEnabled(enabled)

    def attach_desk(self, desk: Desk) -> None:
        if self._desk is desk:
            return
        self._desk = desk
        self.model.set_source(desk.cases, desk.buyers.histories)
        if self._quick is not None:
            self._runner.submit(self._quick.close, pool="read")  # after its row reads queued on that worker
            self._quick = None
        self.setEnabledParts(True)
        self._read_lists_now()

    def _read_lists_now(self) -> None:
        """The shops and saved views, read on this thread: only while the desk opens (MainWindow)."""
        self._show_shops(self._desk.shops.list())
        try:
            self._show_views(self._desk.views.list())
        except Exception:
            log.exception("saved views could not be read")

    # -- the query -------------------------------------------------------------------------------

    def current_filter(self) -> CaseFilter:
        bar = self.filters.filter()
        model = self.model.filter
        return replace(bar, search=self.search.text().strip(), sort=model.sort, descending=model.descending)

    def request_refresh(self) -> None:
        """Run the list's query on the DB worker; an older query still running is ignored when it ends."""
        if self._desk is None:
            return
        flt = self.current_filter()
        self.model.set_filter(flt)
        self._generation += 1
        generation = self._generation
        cases = self._desk.cases

        def done(result: Any) -> None:
            if generation != self._generation:
                return  # a newer query was asked for meanwhile
            self._apply(flt, result.ids, result.hint)

        Op(lambda: cases.query(flt), parent=self).on_success(done).run(self._runner)

    def refresh_now(self) -> None:
        """The same query, on this thread: only while the desk opens (MainWindow; before, the quick list)."""
        self.model.set_filter(self.current_filter())
        self.model.refresh()
        self._after_refresh()

    def open_on_today(self) -> None:
        """Choose the queue the window starts on (今日: the first that holds a case) and show it, on this
        thread: only while the window is built or the desk opens (MainWindow), with the counts read for the
        sidebar at once. Before the desk is open they come from the quick reader (desk/quick.py, counted
        while the window was built); when it cannot give them, the list it shows stays as it is."""
        if self._desk is not None:
            counts: dict[str, int] | None = self._desk.cases.counts()
        else:
            counts = self._quick.counts() if self._quick is not None else None
        if counts is None:
            self.refresh_now()
            return
        self.opened_on_today = True
        self.sidebar.set_counts(counts)
        key = start_queue(counts)
        self.sidebar.select_key("queue", key, emit=False)
        chosen = self.sidebar.filter_for(self.sidebar.queue_items[key])
        assert chosen is not None
        self._show_choice(chosen[0])
        self.refresh_now()

    def _apply(self, flt: CaseFilter, ids: list[CaseId], hint: str) -> None:
        selected = self.selected_ids()
        current = self.model.case_id(self.table.currentIndex().row())
        self.model.apply_result(flt, ids, hint)
        self._reselect(selected, current)
        self._after_refresh()

    def _after_refresh(self) -> None:
        hint = self.model.hint
        self.hint_label.setText(hint)
        self.hint_label.setVisible(bool(hint))
        self._show_sort_indicator()
        self._update_bulk()
        self.refreshed.emit()
        self._counts_timer.start()

    def _reselect(self, ids: list[CaseId], current: CaseId | None) -> None:
        selection = QItemSelection()
        last = self.model.columnCount() - 1
        for case_id in ids:
            row = self.model.row_of(case_id)
            if row is not None:
                selection.select(self.model.index(row, 0), self.model.index(row, last))
        model = self.table.selectionModel()
        model.blockSignals(True)
        try:
            if current is not None and self.model.row_of(current) is not None:
                model.setCurrentIndex(
                    self.model.index(self.model.row_of(current) or 0, 0),
                    QItemSelectionModel.SelectionFlag.NoUpdate,
                )
            model.select(selection, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        finally:
            model.blockSignals(False)
        self.table.viewport().update()

    def count_text(self) -> str:
        n = self.model.rowCount()
        if self.model.filter.trash:
            return f"回收站里有 {n} 条售后"
        if self.model.search or self.model.filter.without_search() != CaseFilter(
            sort=self.model.filter.sort, descending=self.model.filter.descending
        ):
            return f"找到 {n} 条售后"
        return f"共 {n} 条售后"

    def refresh_counts(self) -> None:
        if self._desk is None:
            return
        cases = self._desk.cases
        Op(cases.counts, parent=self).on_success(self.sidebar.set_counts).on_failure(
            lambda exc: log.warning("queue counts failed: %s", exc)
        ).run(self._runner)

    def _on_minute(self) -> None:
        self.model.refresh_due()
        self._counts_timer.start()
        if self.model.filter.due.value:
            self.request_refresh()  # a queue by deadline changes as time passes

    # -- filters, search, sidebar ----------------------------------------------------------------

    def _on_search(self) -> None:
        self.request_refresh()

    def _on_filters_changed(self) -> None:
        self._match_sidebar()
        self.request_refresh()

    def _match_sidebar(self) -> None:
        """Select the queue the filters now equal, or nothing (a hand-made filter)."""
        bar = self.filters.filter()
        for key, _label, flt, _colour in ALL_QUEUES:
            if replace(flt, sort=bar.sort, descending=bar.descending) == bar:
                self.sidebar.select_key("queue", key, emit=False)
                return
        if bar.trash:
            self.sidebar.select_key("trash", emit=False)
            return
        self.sidebar.clear_choice()

    def _on_sidebar_choice(self, flt: CaseFilter, name: str) -> None:
        self._show_choice(flt)
        self.request_refresh()

    def _show_choice(self, flt: CaseFilter) -> None:
        """Set the search, the filters and the sort to a queue's, a view's or the trash's (the sort the
        operator last chose there, if any)."""
        sort, descending = self._stored_sort(flt)
        flt = replace(flt, sort=sort, descending=descending)
        self.filters.set_filter(replace(flt, search=""))
        self.search.blockSignals(True)
        try:
            self.search.setText(flt.search)
        finally:
            self.search.blockSignals(False)
        self.model.set_filter(replace(self.model.filter, sort=flt.sort, descending=flt.descending))
        self._update_bulk()

    # -- the sort of each queue --------------------------------------------------------------------

    def _sort_setting(self) -> str | None:
        chosen = self.sidebar.current_key()
        if chosen is None:
            return None  # a hand-made filter: its sort is not kept
        kind, key = chosen
        return SORT_SETTING.format(kind=kind, key=key if key is not None else "")

    def _stored_sort(self, flt: CaseFilter) -> tuple[str, bool]:
        """The sort the operator chose for the selected queue, or the filter's own (deadline first for
        the deadline queues)."""
        name = self._sort_setting()
        value = self._settings.value(name) if self._settings is not None and name else None
        if isinstance(value, str) and ":" in value:
            sort, order = value.rsplit(":", 1)
            if sort in SORT_KEYS and order in ("asc", "desc"):
                return sort, order == "desc"
        return flt.sort, flt.descending

    def _on_sort_indicator(self, column: int, _order: Qt.SortOrder) -> None:
        """A click on a column the list cannot be sorted by (买家售后) leaves the arrow where the sort is."""
        if 0 <= column < len(COLUMNS) and not COLUMNS[column].sort_key:
            self._show_sort_indicator()

    def _show_sort_indicator(self) -> None:
        header = self.table.horizontalHeader()
        order = Qt.SortOrder.DescendingOrder if self.model.filter.descending else Qt.SortOrder.AscendingOrder
        header.blockSignals(True)
        try:
            header.setSortIndicator(self.model.sort_column(), order)
        finally:
            header.blockSignals(False)

    def _remember_sort(self) -> None:
        """The operator clicked a column header: keep that sort for this queue (across restarts too)."""
        name = self._sort_setting()
        if name is None or self._settings is None:
            return
        flt = self.model.filter
        self._settings.setValue(name, f"{flt.sort}:{'desc' if flt.descending else 'asc'}")

    # -- next case --------------------------------------------------------------------------------

    def next_case(self, current: CaseId | None) -> CaseId | None:
        """The case after `current` in the list's order (the queue's next to do); the first when
        `current` is not in the list; None after the last."""
        row = self.model.row_of(current) if current is not None else None
        return self.model.case_id(0 if row is None else row + 1)

    def show_trash(self) -> None:
        self.sidebar.select_key("trash")

    def show_all(self) -> None:
        self.sidebar.select_key("queue", "all")

    # -- saved views -----------------------------------------------------------------------------

    def reload_views(self, then: Callable[[], None] | None = None) -> None:
        """Re-read the saved views on the DB worker and show them in the sidebar; then then()."""
        self._view_reads += 1
        read = self._view_reads
        views = self._desk.views

        def shown(listed: list[Any]) -> None:
            if read == self._view_reads:
                self._show_views(listed)
            if then is not None:
                then()

        Op(views.list, parent=self).on_success(shown).on_failure(
            lambda exc: log.error("saved views could not be read", exc_info=exc)
        ).run(self._runner)

    def _show_views(self, views: list[Any]) -> None:
        self._view_reads += 1  # what an older read would bring is out of date now
        self.sidebar.set_views(views)

    def save_view(self) -> None:
        name, ok = QInputDialog.getText(self, "保存为视图", "视图名称：", text="")
        if ok and name.strip():
            self.save_view_as(name)

    def save_view_as(self, name: str) -> None:
        flt = self.current_filter()
        views = self._desk.views

        def saved(view: Any) -> None:
            self.reload_views(then=lambda: self.sidebar.select_key("view", view.id, emit=False))
            self.status_message.emit(f"已保存视图“{view.name}”")

        Op(lambda: views.save(name, flt), parent=self).on_success(saved).run(self._runner)

    def rename_view(self, view_id: int) -> None:
        name, ok = QInputDialog.getText(self, "重命名视图", "新名称：")
        if not ok or not name.strip():
            return
        views = self._desk.views
        Op(lambda: views.rename(view_id, name), parent=self).on_success(lambda _v: self.reload_views()).run(
            self._runner
        )

    def delete_view(self, view_id: int) -> None:
        views = self._desk.views

        def deleted(_result: object) -> None:
            self.reload_views()
            self.status_message.emit("已删除视图（其中的售后不受影响）")

        Op(lambda: views.delete(view_id), parent=self).on_success(deleted).run(self._runner)

    # -- selection and bulk ----------------------------------------------------------------------

    def selected_ids(self) -> list[CaseId]:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        out = []
        for row in rows:
            case_id = self.model.case_id(row)
            if case_id is not None:
                out.append(case_id)
        return out

    def _update_bulk(self) -> None:
        ids = self.selected_ids()
        trash = self.model.filter.trash
        self.bulk_bar.setVisible(len(ids) > 1 or (trash and bool(ids)))
        self.bulk_label.setText(f"已选 {len(ids)} 条")
        for w in (self.bulk_status, self.bulk_shop, self.bulk_delete):
            w.setVisible(not trash)
        for w in (self.bulk_restore, self.bulk_purge):
            w.setVisible(trash)

    def _status_menu(self, parent: QWidget) -> QMenu:
        menu = QMenu(parent)
        for status in CaseStatus:
            menu.addAction(str(status), partial(self.set_status_of_selected, status))
        return menu

    def fill_shop_menu(self, menu: QMenu) -> None:
        menu.clear()
        menu.addAction("（不属于任何店铺）", lambda: self.set_shop_of_selected(None))
        for shop in self._shops:
            menu.addAction(f"{shop.name}（{shop.platform}）", partial(self.set_shop_of_selected, shop.id))

    def reload_shops(self) -> None:
        """Re-read the shops on the DB worker for the filter bar and the 改店铺 menus."""
        self._shop_reads += 1
        read = self._shop_reads
        shops = self._desk.shops

        def shown(listed: list[ShopData]) -> None:
            if read == self._shop_reads:
                self._show_shops(listed)

        Op(shops.list, parent=self).on_success(shown).run(self._runner)

    def _show_shops(self, shops: list[ShopData]) -> None:
        self._shop_reads += 1  # what an older read would bring is out of date now
        self._shops = sorted(shops, key=lambda s: (str(s.platform), s.name))
        self.filters.set_shops(self._shops)

    def set_status_of_selected(self, status: CaseStatus) -> None:
        self._bulk(status=status)

    def set_shop_of_selected(self, shop_id: int | None) -> None:
        self._bulk(shop_id=shop_id)

    def _bulk(self, **values: Any) -> None:
        ids = self.selected_ids()
        if not ids:
            return
        cases = self._desk.cases

        def done(result: Any) -> None:
            self.changes_made.emit(result.changes)
            self.status_message.emit(result.summary())
            if result.refused:
                lines = "\n".join(f"#{case_id}：{why}" for case_id, why in result.refused[:20])
                more = f"\n……另有 {len(result.refused) - 20} 条" if len(result.refused) > 20 else ""
                ask(self, f"{result.summary()}。", ["知道了"], informative=lines + more)

        Op(lambda: cases.bulk_update(ids, **values), parent=self).on_success(done).run(self._runner)

    # -- trash -----------------------------------------------------------------------------------

    def delete_selected(self) -> None:
        """Move the selected cases to the trash (no question: 撤销, Ctrl+Z, brings them back)."""
        ids = self.selected_ids()
        if not ids or self.model.filter.trash:
            return
        cases = self._desk.cases

        def done(changes: Changes) -> None:
            self.changes_made.emit(changes)
            self.status_message.emit(f"已将 {len(ids)} 条售后移入回收站（Ctrl+Z 撤销）")

        Op(lambda: cases.trash(ids), parent=self).on_success(done).run(self._runner)

    def restore_selected(self) -> None:
        ids = self.selected_ids()
        if not ids:
            return
        cases = self._desk.cases

        def done(changes: Changes) -> None:
            self.changes_made.emit(changes)
            self.status_message.emit(f"已恢复 {len(ids)} 条售后")

        Op(lambda: cases.restore(ids), parent=self).on_success(done).run(self._runner)

    def purge_selected(self) -> None:
        ids = self.selected_ids()
        if not ids or not self.model.filter.trash:
            return
        choice = ask(
            self,
            f"彻底删除这 {len(ids)} 条售后？",
            ["彻底删除", "取消"],
            informative="售后记录、时间线、申诉材料和只属于它们的证据原件都会被删除，无法恢复。",
        )
        if choice != 0:
            return
        desk = self._desk

        def purge() -> Changes:
            changes, shas = desk.cases.purge(ids)
            desk.evidence.purge(shas)  # originals no other case uses
            return changes

        def done(changes: Changes) -> None:
            self.changes_made.emit(changes)
            self.status_message.emit(f"已彻底删除 {len(ids)} 条售后")

        Op(purge, parent=self).on_success(done).run(self._runner)

    # -- export ----------------------------------------------------------------------------------

    def export_selected(self) -> None:
        ids = self.selected_ids() or self.model.ids()
        if not ids:
            self.status_message.emit("列表是空的，没有可导出的售后")
            return
        path, chosen = QFileDialog.getSaveFileName(
            self, "导出售后", f"售后记录-{len(ids)}条.xlsx", "电子表格 (*.xlsx);;逗号分隔文本 (*.csv)"
        )
        if not path:
            return
        target = Path(path)
        if target.suffix.lower() not in (".xlsx", ".csv"):
            target = target.with_suffix(".csv" if "csv" in chosen else ".xlsx")
        self.export_to(target, ids)

    def export_to(self, path: Path, ids: list[CaseId] | None = None) -> None:
        ids = ids if ids is not None else (self.selected_ids() or self.model.ids())
        cases = self._desk.cases

        def export() -> Path:
            from desk.services.export import export_cases

            return export_cases(cases.get_many(ids), path)

        Op(export, parent=self).on_success(
            lambda p: self.status_message.emit(f"已导出 {len(ids)} 条售后到“{p}”")
        ).run(self._runner)

    # -- context menu ----------------------------------------------------------------------------

    def _on_context_menu(self, pos: QPoint) -> None:
        index = self.table.indexAt(pos)
        if index.isValid() and index.row() not in {
            i.row() for i in self.table.selectionModel().selectedRows()
        }:
            self.table.setCurrentIndex(index)
        ids = self.selected_ids()
        if not ids:
            return
        menu = QMenu(self)
        if self.model.filter.trash:
            menu.addAction(f"恢复（{len(ids)} 条）", self.restore_selected)
            menu.addAction("彻底删除…", self.purge_selected)
        else:
            status = menu.addMenu("改状态")
            for s in CaseStatus:
                status.addAction(str(s), partial(self.set_status_of_selected, s))
            shop = menu.addMenu("改店铺")
            self.fill_shop_menu(shop)
            menu.addSeparator()
            menu.addAction(f"删除（{len(ids)} 条，移入回收站）", self.delete_selected)
        menu.addSeparator()
        menu.addAction("导出选中的售后…", self.export_selected)
        menu.exec(self.table.viewport().mapToGlobal(pos))

    # -- changes ---------------------------------------------------------------------------------

    def apply_changes(self, changes: Changes) -> None:
        """Someone saved: forget those rows and ask the query again (in the background)."""
        if changes.shops:
            self.reload_shops()
            if changes.case_list:
                self.model.invalidate_all()
        if changes.cases or changes.case_list:
            self.model.invalidate(changes.cases)
            self.request_refresh()


class _NoCases:
    """The list before the desk opens when there is nothing to read quickly (new or older database)."""

    def query(self, _flt: Any = "") -> Any:
        from desk.quick import QuickResult

        return QuickResult([])

    def rows(self, _ids: Any) -> dict[CaseId, Any]:
        return {}

    def close(self) -> None:
        pass
