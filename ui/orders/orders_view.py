"""The 订单 window: imported orders, searchable, with the items and facts of the selected one."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any

from desk.orders.model import OrderData, OrderRow
from desk.privacy import mask_phones
from ui.errors import APP_TITLE, show_error
from ui.format import money, when
from ui.packet.fit import fit_on_screen
from ui.qt import (
    QAbstractItemView,
    QAbstractTableModel,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPushButton,
    QSplitter,
    Qt,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QTimer,
    QVBoxLayout,
    QWidget,
    Signal,
)
from ui.tasks import Op, TaskRunner

if TYPE_CHECKING:
    from desk.app import Desk

log = logging.getLogger(__name__)

AnyIndex = QModelIndex | QPersistentModelIndex
ROW_BLOCK = 200
SEARCH_DELAY_MS = 250

COLUMNS: tuple[tuple[str, Callable[[OrderRow], str]], ...] = (
    ("订单号", lambda r: r.order_no),
    ("平台", lambda r: str(r.platform)),
    ("店铺", lambda r: r.shop_name),
    ("订单状态", lambda r: r.status),
    ("商品", lambda r: r.goods),
    ("实付", lambda r: money(r.paid_amount)),
    ("快递", lambda r: f"{r.courier} {r.tracking_no}".strip()),
    ("下单时间", lambda r: when(r.ordered_at)),
    ("售后状态", lambda r: r.after_sales_status),
)


class OrderTableModel(QAbstractTableModel):
    """Rows are order ids; cells come from OrderRows fetched in blocks when Qt first paints them.

    The blocks are read on the DB worker: a row not fetched yet paints empty and fills in when its block
    arrives; an answer for ids shown before a new search is dropped.
    """

    def __init__(self, desk: Desk, runner: TaskRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._desk = desk
        self._runner = runner
        self._ids: list[int] = []
        self._rows: dict[int, OrderRow | None] = {}
        self._loading: set[int] = set()
        self._generation = 0  # a new list of ids: answers for the old one are dropped

    def set_ids(self, ids: Sequence[int]) -> None:
        self.beginResetModel()
        self._ids = list(ids)
        self._rows = {}
        self._loading = set()
        self._generation += 1
        self.endResetModel()

    def order_id(self, row: int) -> int | None:
        return self._ids[row] if 0 <= row < len(self._ids) else None

    def row_loaded(self, row: int) -> bool:
        """The row's cells are there (not waiting for the DB worker)."""
        order_id = self.order_id(row)
        return order_id is not None and order_id in self._rows

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section][0]
        return None

    def _request(self, row: int) -> None:
        """Ask the DB worker for the rows around `row` not fetched yet (at most ROW_BLOCK, by key)."""
        if self._ids[row] in self._loading:
            return  # on its way
        start = max(0, row - ROW_BLOCK // 2)
        block = [
            i for i in self._ids[start : start + ROW_BLOCK] if i not in self._rows and i not in self._loading
        ]
        self._loading.update(block)
        generation, orders = self._generation, self._desk.orders
        Op(lambda: (generation, start, block, orders.rows(block)), pool="read").on_success(
            self._arrived
        ).on_failure(partial(self._fetch_failed, generation, start, block)).run(self._runner)

    def _arrived(self, answer: tuple[int, int, list[int], dict[int, OrderRow]]) -> None:
        generation, start, block, fetched = answer
        if generation != self._generation:
            return  # a new search replaced the list meanwhile
        for i in block:
            self._loading.discard(i)
            self._rows[i] = fetched.get(i)
        last = min(start + ROW_BLOCK, len(self._ids)) - 1
        if last >= start:
            self.dataChanged.emit(self.index(start, 0), self.index(last, len(COLUMNS) - 1))

    def _fetch_failed(self, generation: int, start: int, block: list[int], exc: BaseException) -> None:
        # Shown as gone rather than a message box per block; a new search asks again.
        log.error("loading order rows failed", exc_info=exc)
        self._arrived((generation, start, block, {}))

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        order_id = self._ids[index.row()]
        if order_id not in self._rows:
            self._request(index.row())
            return ""  # on its way
        r = self._rows[order_id]
        if r is None:
            return "（已删除）" if index.column() == 0 else ""
        return COLUMNS[index.column()][1](r)


class OrdersWindow(QWidget):
    """Search and read imported orders; 导入… opens the import dialog.

    Signals:
        changes_made(Changes): an import created or updated cases (after-sales exports).
    """

    changes_made = Signal(object)

    def __init__(self, desk: Desk, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.desk = desk
        self.runner = runner
        self.setWindowTitle(f"订单 — {APP_TITLE}")
        fit_on_screen(self, 1180, 720)  # never taller than a 1280×720 screen
        self._search_timer = QTimer(self, singleShot=True, interval=SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.refresh)
        self._order_reads = 0  # the newest read of the selected order wins
        self._build()

    def _build(self) -> None:
        self.search = QLineEdit()
        self.search.setPlaceholderText("搜索订单号 / 快递单号 / 商品名称 / 商家编码")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(lambda _t: self._search_timer.start())
        self.import_button = QPushButton("导入订单或售后导出…")
        self.import_button.clicked.connect(self.open_import)
        self.count_label = QLabel()
        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.count_label)
        top.addWidget(self.import_button)

        self.model = OrderTableModel(self.desk, self.runner, self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 10)
        for column, width in enumerate((190, 70, 110, 70, 260, 70, 180, 120, 110)):
            self.table.horizontalHeader().resizeSection(column, width)
        self.table.selectionModel().currentRowChanged.connect(lambda cur, _prev: self.show_order(cur.row()))

        self.detail_title = QLabel("选择一个订单查看详情")
        font = self.detail_title.font()
        font.setBold(True)
        self.detail_title.setFont(font)
        self.facts = QFormLayout()
        self.fact_labels: dict[str, QLabel] = {}
        for key, label in (
            ("status", "订单状态"),
            ("amounts", "金额"),
            ("courier", "快递"),
            ("times", "时间"),
            ("buyer", "收货人"),
            ("notes", "留言/备注"),
            ("source", "来源文件"),
        ):
            value = QLabel()
            value.setWordWrap(True)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.fact_labels[key] = value
            self.facts.addRow(label + "：", value)
        self.items = QTableWidget(0, 6)
        self.items.setHorizontalHeaderLabels(["商品", "规格", "商家编码", "数量", "单价", "金额"])
        self.items.verticalHeader().hide()
        self.items.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.items.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        detail = QWidget()
        detail_layout = QVBoxLayout(detail)
        detail_layout.addWidget(self.detail_title)
        detail_layout.addLayout(self.facts)
        detail_layout.addWidget(QLabel("商品明细："))
        detail_layout.addWidget(self.items, 1)

        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(detail)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(splitter, 1)

    # -- data ------------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Search in the background (100,000 orders take longer than a frame), then show the ids."""
        text = self.search.text()
        orders = self.desk.orders

        def done(ids: list[int]) -> None:
            if self.search.text() != text:
                return  # a newer search is on its way
            self.model.set_ids(ids)
            self.count_label.setText(f"找到 {len(ids)} 个订单" if text.strip() else f"共 {len(ids)} 个订单")
            if ids:
                self.table.selectRow(0)
            else:
                self.clear_detail()

        Op(lambda: orders.list_ids(text), parent=self).on_success(done).run(self.runner)

    def clear_detail(self) -> None:
        self._order_reads += 1  # a read still on its way is for an order no longer chosen
        self.detail_title.setText("选择一个订单查看详情")
        for label in self.fact_labels.values():
            label.setText("")
        self.items.setRowCount(0)

    def show_order(self, row: int) -> None:
        """Read the order of that row on the DB worker and show it; an answer for an order the operator
        already left is dropped (until it comes the details say 载入中…)."""
        self._order_reads += 1
        read = self._order_reads
        order_id = self.model.order_id(row)
        if order_id is None:
            self.clear_detail()
            return
        self.detail_title.setText("载入中…")
        orders = self.desk.orders

        def shown(order: OrderData) -> None:
            if read == self._order_reads:
                self.show_detail(order)

        def failed(exc: BaseException) -> None:
            if read == self._order_reads:
                self.clear_detail()
                show_error(self, exc, action="读取订单")

        Op(lambda: orders.get(order_id), parent=self, pool="read").on_success(shown).on_failure(failed).run(
            self.runner
        )

    def show_detail(self, order: OrderData) -> None:
        shop = f" · {order.shop_name}" if order.shop_name else ""
        self.detail_title.setText(f"订单 {order.order_no}（{order.platform}{shop}）")
        f = self.fact_labels
        f["status"].setText(" · ".join(x for x in (order.status, order.after_sales_status) if x) or "—")
        amounts = [
            ("商品总额", order.goods_total),
            ("邮费", order.shipping_fee),
            ("实付", order.paid_amount),
            ("商家实收", order.received_amount),
        ]
        f["amounts"].setText("　".join(f"{k} ¥{money(v)}" for k, v in amounts if v is not None) or "—")
        f["courier"].setText(f"{order.courier} {order.tracking_no}".strip() or "—")
        times = [("下单", order.ordered_at), ("发货", order.shipped_at), ("签收", order.signed_at)]
        f["times"].setText("　".join(f"{k} {when(v)}" for k, v in times if v is not None) or "—")
        buyer = " ".join(x for x in (order.receiver_name, order.receiver_phone, order.receiver_address) if x)
        f["buyer"].setText(mask_phones(buyer) if buyer else "（未保存买家信息）")
        notes = " / ".join(x for x in (order.buyer_message, order.merchant_note) if x)
        f["notes"].setText(mask_phones(notes) or "—")
        f["source"].setText(f"{order.source_file}（{when(order.updated_at)} 导入）")
        self.items.setRowCount(len(order.items))
        for row, item in enumerate(order.items):
            cells = (
                item.product_name,
                item.spec,
                item.sku_code,
                str(item.quantity),
                money(item.unit_price),
                money(item.amount),
            )
            for column, text in enumerate(cells):
                cell = QTableWidgetItem(text)
                cell.setToolTip(text)
                self.items.setItem(row, column, cell)
        if not order.items and order.goods_summary:
            self.items.setRowCount(1)
            self.items.setItem(0, 0, QTableWidgetItem(order.goods_summary))

    def open_import(self) -> None:
        from ui.orders.import_dialog import ImportDialog

        dialog = ImportDialog(self.desk, self.runner, parent=self)
        dialog.imported.connect(self._on_imported)
        dialog.open()

    def _on_imported(self, summary: Any) -> None:
        self.refresh()
        if summary.changes.cases or summary.changes.case_list:
            self.changes_made.emit(summary.changes)

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self.refresh()
