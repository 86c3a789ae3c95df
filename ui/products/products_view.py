"""The 商品 window: the SKU catalog with unit and packaging weights, edited in place."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from desk.orders.model import ProductData
from desk.orders.parse import CellError, weight_grams
from ui.errors import APP_TITLE
from ui.qt import (
    QAbstractItemView,
    QAbstractTableModel,
    QCheckBox,
    QColor,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPushButton,
    Qt,
    QTableView,
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
HEADERS = ("商家编码", "商品名称", "规格", "单件重量 (g)", "包装重量 (g)", "来源")
EDITABLE = {1: "name", 2: "spec", 3: "unit_weight_g", 4: "packaging_g"}
SOURCES = {"learned": "从订单学到", "import": "导入", "manual": "手动"}
MISSING_BRUSH = QColor("#fff4e0")


class ProductTableModel(QAbstractTableModel):
    """Products as rows; the name, spec and weight cells are editable (saved through ProductService).

    Signals:
        edit_requested(int, str, object): (product id, field, new value) — the window saves it.
    """

    edit_requested = Signal(int, str, object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.products: list[ProductData] = []

    def set_products(self, products: list[ProductData]) -> None:
        self.beginResetModel()
        self.products = products
        self.endResetModel()

    def replace(self, product: ProductData) -> None:
        for row, p in enumerate(self.products):
            if p.id == product.id:
                self.products[row] = product
                self.dataChanged.emit(self.index(row, 0), self.index(row, len(HEADERS) - 1))
                return

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self.products)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return HEADERS[section]
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        base = super().flags(index)
        if index.isValid() and index.column() in EDITABLE:
            return base | Qt.ItemFlag.ItemIsEditable
        return base

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        p = self.products[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.BackgroundRole and column == 3 and p.unit_weight_g is None:
            return MISSING_BRUSH
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (3, 4):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole, Qt.ItemDataRole.ToolTipRole):
            return None
        if column == 0:
            return p.sku_code or p.key
        if column == 1:
            return p.name
        if column == 2:
            return p.spec
        if column == 3:
            if p.unit_weight_g is None:
                return "" if role == Qt.ItemDataRole.EditRole else "缺重量"
            return str(p.unit_weight_g)
        if column == 4:
            return "" if p.packaging_g is None else str(p.packaging_g)
        return SOURCES.get(p.source, p.source)

    def setData(self, index: AnyIndex, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid() or index.column() not in EDITABLE:
            return False
        p = self.products[index.row()]
        field = EDITABLE[index.column()]
        text = str(value or "").strip()
        new: Any = text
        if field in ("unit_weight_g", "packaging_g"):
            try:
                new = weight_grams(text, HEADERS[index.column()], default_unit="g")
            except CellError as exc:
                self.edit_requested.emit(p.id, "error", str(exc))
                return False
            if new == getattr(p, field):
                return False
        elif new == getattr(p, field):
            return False
        self.edit_requested.emit(p.id, field, new)
        return True


class ProductsWindow(QWidget):
    """The catalog: search, only-missing filter, inline weight editing, import, add.

    Signals:
        status_message(str): what happened, for whoever shows it.
    """

    status_message = Signal(str)

    def __init__(self, desk: Desk, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.desk = desk
        self.runner = runner
        self.setWindowTitle(f"商品与重量 — {APP_TITLE}")
        self.resize(980, 640)
        self._timer = QTimer(self, singleShot=True, interval=250)
        self._timer.timeout.connect(self.refresh)
        self._build()

    def _build(self) -> None:
        self.search = QLineEdit()
        self.search.setPlaceholderText("搜索商家编码 / 名称 / 规格")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(lambda _t: self._timer.start())
        self.missing_only = QCheckBox("只看缺重量的")
        self.missing_only.toggled.connect(lambda _on: self.refresh())
        self.import_button = QPushButton("导入商品资料…")
        self.import_button.clicked.connect(self.open_import)
        self.add_button = QPushButton("新增商品…")
        self.add_button.clicked.connect(self.add_product)
        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.missing_only)
        top.addWidget(self.add_button)
        top.addWidget(self.import_button)

        self.summary = QLabel()
        self.summary.setWordWrap(True)
        hint = QLabel(
            "双击“单件重量”或“包装重量”即可修改（克；也可输入 0.48kg、1斤）。重量核对用它们计算应有重量。"
        )
        hint.setStyleSheet("color: #666;")
        hint.setWordWrap(True)

        self.model = ProductTableModel(self)
        self.model.edit_requested.connect(self._save_edit)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
        )
        for column, width in enumerate((150, 260, 160, 110, 110, 100)):
            self.table.horizontalHeader().resizeSection(column, width)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.summary)
        layout.addWidget(hint)
        layout.addWidget(self.table, 1)

    def refresh(self) -> None:
        products = self.desk.products
        text = self.search.text()
        missing = self.missing_only.isChecked()

        def load() -> tuple[list[ProductData], tuple[int, int], list[ProductData]]:
            return products.list(text, missing_only=missing), products.counts(), products.missing_weights()

        def show(result: tuple[list[ProductData], tuple[int, int], list[ProductData]]) -> None:
            items, (total, without), used_missing = result
            self.model.set_products(items)
            text_ = f"共 {total} 个商品，{without} 个没有单件重量。"
            if used_missing:
                names = "、".join(p.label for p in used_missing[:5])
                more = f" 等 {len(used_missing)} 个" if len(used_missing) > 5 else ""
                text_ += f" 已导入订单里用到但缺重量的：{names}{more}——重量核对需要它们。"
            self.summary.setText(text_)

        Op(load, parent=self).on_success(show).run(self.runner)

    def _save_edit(self, product_id: int, field: str, value: Any) -> None:
        if field == "error":  # a weight the operator typed that is not one: say so, keep the old value
            self.summary.setText(f"⚠ {value}，未保存。")
            self.status_message.emit(str(value))
            return
        products = self.desk.products

        def saved(product: ProductData) -> None:
            self.model.replace(product)
            self.status_message.emit(f"已保存 {product.label}")

        Op(lambda: products.update(product_id, **{field: value}), parent=self).on_success(saved).run(
            self.runner
        )

    def add_product(self) -> None:
        sku, ok = QInputDialog.getText(self, "新增商品", "商家编码：")
        if not ok or not sku.strip():
            return
        name, ok = QInputDialog.getText(self, "新增商品", "商品名称：")
        if not ok:
            return
        products = self.desk.products
        Op(lambda: products.create(sku, name), parent=self).on_success(lambda _p: self.refresh()).run(
            self.runner
        )

    def open_import(self) -> None:
        from ui.orders.import_dialog import ImportDialog

        dialog = ImportDialog(self.desk, self.runner, products=True, parent=self)
        dialog.imported.connect(lambda _s: self.refresh())
        dialog.open()

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self.refresh()
