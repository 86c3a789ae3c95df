"""Import dialog: choose a file, see what the desk makes of it (encoding, export, columns, first rows),
import it in the background with progress and cancel, read the report."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desk.domain import Platform, ShopData, ShopId
from desk.orders.model import ExportKind, FilePreview, ImportSummary
from desk.privacy import mask_phones
from ui.errors import APP_TITLE
from ui.qt import (
    QAbstractItemView,
    QApplication,
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    Qt,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
    Signal,
)
from ui.tasks import Op, TaskRunner

if TYPE_CHECKING:
    from desk.app import Desk

log = logging.getLogger(__name__)

FILE_FILTER = "平台导出文件 (*.csv *.xlsx *.txt);;所有文件 (*)"
AUTO = "（按表头自动识别）"
NO_SHOP = -1


class ImportDialog(QDialog):
    """Two pages: the preview (with options) and the report.

    Signals:
        imported(ImportSummary): an import finished (also when it was cancelled part-way).
    """

    imported = Signal(object)

    def __init__(
        self, desk: Desk, runner: TaskRunner, *, products: bool = False, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.desk = desk
        self.runner = runner
        self.products = products
        self.preview: FilePreview | None = None
        self.summary: ImportSummary | None = None
        self.setWindowTitle(("导入商品资料" if products else "导入订单或售后导出") + f" — {APP_TITLE}")
        self.resize(980, 680)
        self._build()

    # -- construction ----------------------------------------------------------------------------

    def _build(self) -> None:
        self.path_edit = QLineEdit()
        self.path_edit.setReadOnly(True)
        self.path_edit.setPlaceholderText("选择拼多多 / 淘宝 / 京东 / 抖店导出的 CSV 或 XLSX 文件")
        browse = QPushButton("选择文件…")
        browse.clicked.connect(self.choose_file)
        row = QHBoxLayout()
        row.addWidget(self.path_edit, 1)
        row.addWidget(browse)

        self.info = QLabel("还没有选择文件。")
        self.info.setWordWrap(True)
        self.info.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.mapping = QTableWidget(0, 2)
        self.mapping.setHorizontalHeaderLabels(["文件中的列", "导入为"])
        self.mapping.verticalHeader().hide()
        self.mapping.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.mapping.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.sample = QTableWidget(0, 0)
        self.sample.verticalHeader().hide()
        self.sample.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        tables = QHBoxLayout()
        left = QVBoxLayout()
        left.addWidget(QLabel("表头对应："))
        left.addWidget(self.mapping)
        right = QVBoxLayout()
        right.addWidget(QLabel("前几行（手机号已遮挡）："))
        right.addWidget(self.sample)
        tables.addLayout(left, 2)
        tables.addLayout(right, 5)

        self.platform = QComboBox()
        self.platform.addItem(AUTO, "")
        for p in Platform:
            self.platform.addItem(str(p), p.value)
        self.shop = QComboBox()
        self.store_buyer = QCheckBox("保存买家收货信息（收货人、手机、地址）")
        self.store_buyer.setToolTip("默认不保存。保存后，界面和申诉材料里手机号一律显示为 138****8000。")
        self.store_buyer.toggled.connect(lambda _on: self.refresh_preview())
        options = QFormLayout()
        if not self.products:
            options.addRow("平台：", self.platform)
            options.addRow("店铺：", self.shop)
            options.addRow("", self.store_buyer)

        preview_page = QWidget()
        pv = QVBoxLayout(preview_page)
        pv.setContentsMargins(0, 0, 0, 0)
        pv.addLayout(row)
        pv.addWidget(self.info)
        pv.addLayout(tables, 1)
        pv.addLayout(options)

        self.report_title = QLabel()
        self.report_title.setWordWrap(True)
        font = self.report_title.font()
        font.setPointSizeF(font.pointSizeF() * 1.15)
        font.setBold(True)
        self.report_title.setFont(font)
        self.report_notes = QLabel()
        self.report_notes.setWordWrap(True)
        self.problems = QTableWidget(0, 3)
        self.problems.setHorizontalHeaderLabels(["行", "结果", "原因"])
        self.problems.verticalHeader().hide()
        self.problems.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.problems.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        report_page = QWidget()
        rv = QVBoxLayout(report_page)
        rv.setContentsMargins(0, 0, 0, 0)
        rv.addWidget(self.report_title)
        rv.addWidget(self.report_notes)
        rv.addWidget(self.problems, 1)

        self.pages = QStackedWidget()
        self.pages.addWidget(preview_page)
        self.pages.addWidget(report_page)

        self.import_button = QPushButton("导入")
        self.import_button.setDefault(True)
        self.import_button.setEnabled(False)
        self.import_button.clicked.connect(self.start_import)
        self.copy_button = QPushButton("复制报告")
        self.copy_button.clicked.connect(self.copy_report)
        self.copy_button.hide()
        self.again_button = QPushButton("再导入一个文件")
        self.again_button.clicked.connect(self.back_to_preview)
        self.again_button.hide()
        close = QPushButton("关闭")
        close.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        for b in (self.copy_button, self.again_button, self.import_button, close):
            buttons.addWidget(b)

        layout = QVBoxLayout(self)
        layout.addWidget(self.pages, 1)
        layout.addLayout(buttons)
        if not self.products:
            self._load_options()

    def _load_options(self) -> None:
        """The shops to choose from and the saved 保存买家收货信息 choice, read on the DB worker."""
        self.shop.addItem("（不指定）", NO_SHOP)
        shops, orders = self.desk.shops, self.desk.orders

        def shown(options: tuple[list[ShopData], bool]) -> None:
            listed, store = options
            for s in listed:
                self.shop.addItem(f"{s.name}（{s.platform}）", int(s.id))
            # A preview read meanwhile with the other choice is read again (toggled).
            self.store_buyer.setChecked(store)

        Op(lambda: (shops.list(), orders.store_buyer_info()), parent=self).on_success(shown).on_failure(
            lambda exc: log.error("loading import options failed", exc_info=exc)
        ).run(self.runner)

    # -- preview ---------------------------------------------------------------------------------

    def choose_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "选择导出文件", "", FILE_FILTER)
        if path:
            self.set_file(Path(path))

    def set_file(self, path: Path) -> None:
        self.path_edit.setText(str(path))
        self.refresh_preview()

    def refresh_preview(self, then: Callable[[], None] | None = None) -> None:
        """Read the file's head in the background (an XLSX can take a moment to open)."""
        text = self.path_edit.text()
        if not text:
            return
        path = Path(text)
        self.import_button.setEnabled(False)
        self.info.setText(f"正在读取“{path.name}”…")
        store = self.store_buyer.isChecked()
        products, orders = self.desk.products, self.desk.orders
        for_products = self.products

        def read() -> FilePreview:
            if for_products:
                return products.inspect(path)
            return orders.inspect(path, store_pii=store)

        def shown(preview: FilePreview) -> None:
            self.show_preview(preview)
            if then is not None:
                then()

        Op(read, parent=self, pool="cpu").on_success(shown).run(self.runner)

    def show_preview(self, preview: FilePreview) -> None:
        self.preview = preview
        if not preview.importable:
            self.info.setText(f"⚠ {preview.problem}")
            self.mapping.setRowCount(0)
            self.sample.setRowCount(0)
            self.sample.setColumnCount(0)
            self.import_button.setEnabled(False)
            return
        parts = [f"识别为：{preview.profile_title}"]
        if preview.encoding:
            parts.append(f"编码：{preview.encoding}（{preview.encoding_note}）")
        elif preview.encoding_note:
            parts.append(preview.encoding_note)
        parts.append(f"表头在第 {preview.header_row} 行")
        if preview.kind == ExportKind.AFTER_SALES:
            parts.append("每一行会新建或更新一条售后记录（按售后编号）")
        self.info.setText("　·　".join(parts))
        used = [m for m in preview.mapping if m.field]
        unused = [m for m in preview.mapping if not m.field]
        self.mapping.setRowCount(len(preview.mapping))
        for row, m in enumerate([*used, *unused]):
            self.mapping.setItem(row, 0, QTableWidgetItem(m.header))
            item = QTableWidgetItem(m.label)
            if not m.field or "不导入" in m.label:
                item.setForeground(Qt.GlobalColor.gray)
            self.mapping.setItem(row, 1, item)
        self.mapping.resizeColumnToContents(0)
        self.sample.setColumnCount(len(preview.headers))
        self.sample.setHorizontalHeaderLabels(list(preview.headers))
        self.sample.setRowCount(len(preview.rows))
        for r, cells in enumerate(preview.rows):
            for c, value in enumerate(cells[: len(preview.headers)]):
                text = mask_phones(value.replace("\n", " "))
                self.sample.setItem(r, c, QTableWidgetItem(text))
        self.sample.resizeColumnsToContents()
        for c in range(self.sample.columnCount()):
            self.sample.setColumnWidth(c, min(self.sample.columnWidth(c), 220))
        if preview.platform is not None:
            self.platform.setCurrentIndex(max(0, self.platform.findData(preview.platform.value)))
        self.import_button.setEnabled(True)

    # -- import ----------------------------------------------------------------------------------

    def start_import(self) -> None:
        if self.preview is None or not self.preview.importable:
            return
        path = Path(self.preview.path)
        self.import_button.setEnabled(False)
        op: Op[ImportSummary]
        if self.products:
            products = self.desk.products

            def work_products(progress: Any, cancel: Any) -> ImportSummary:
                return products.import_file(path, progress=progress, cancel=cancel)

            op = Op(work_products)
        else:
            orders = self.desk.orders
            chosen = self.platform.currentData()
            platform = Platform(chosen) if chosen else None
            shop = self.shop.currentData()
            shop_id = ShopId(shop) if shop not in (None, NO_SHOP) else None
            store = self.store_buyer.isChecked()

            def work(progress: Any, cancel: Any) -> ImportSummary:
                if store != orders.store_buyer_info():
                    orders.set_store_buyer_info(store)  # the choice sticks for the next import
                return orders.import_file(
                    path,
                    platform=platform,
                    shop_id=shop_id,
                    store_pii=store,
                    progress=progress,
                    cancel=cancel,
                )

            op = Op(work)
        op.with_progress(self, f"正在导入“{path.name}”…")
        op.on_success(self.show_report).on_done(lambda: self.import_button.setEnabled(True))
        op.run(self.runner)

    def show_report(self, summary: ImportSummary) -> None:
        self.summary = summary
        self.report_title.setText(summary.summary())
        notes = [
            f"文件：{Path(summary.path).name}（{summary.kind.value}，{summary.platform}，{summary.encoding}）"
        ]
        notes += list(summary.notes)
        if summary.failed:
            notes.append("失败的行没有导入，其余各行已导入；改正后重新导入同一个文件即可，已导入的不会重复。")
        self.report_notes.setText("\n".join(notes))
        problems = [(p, "失败") for p in summary.failed] + [(p, "跳过") for p in summary.skipped]
        problems.sort(key=lambda x: x[0].row)
        self.problems.setRowCount(len(problems))
        for row, (p, what) in enumerate(problems):
            self.problems.setItem(row, 0, QTableWidgetItem(f"第 {p.row} 行"))
            self.problems.setItem(row, 1, QTableWidgetItem(what))
            item = QTableWidgetItem(p.reason)
            item.setToolTip(p.reason)
            self.problems.setItem(row, 2, item)
        self.problems.resizeColumnToContents(0)
        self.pages.setCurrentIndex(1)
        self.import_button.hide()
        self.copy_button.show()
        self.again_button.show()
        self.imported.emit(summary)

    def report_text(self) -> str:
        if self.summary is None:
            return ""
        lines = [self.report_title.text(), self.report_notes.text()]
        for r in range(self.problems.rowCount()):
            cells = [self.problems.item(r, c) for c in range(3)]
            lines.append("\t".join(c.text() if c is not None else "" for c in cells))
        return "\n".join(line for line in lines if line)

    def copy_report(self) -> None:
        QApplication.clipboard().setText(self.report_text())

    def back_to_preview(self) -> None:
        self.pages.setCurrentIndex(0)
        self.import_button.show()
        self.copy_button.hide()
        self.again_button.hide()
        self.summary = None
        self.choose_file()
