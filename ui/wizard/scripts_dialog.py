"""The scripts library (话术库): search by category, fill from the current case, copy, edit, restore."""

from __future__ import annotations

import logging
from typing import Any

from desk.domain import CaseId
from ui.errors import ask, show_error
from ui.qt import (
    QApplication,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    Qt,
    QVBoxLayout,
    QWidget,
    Signal,
)

log = logging.getLogger(__name__)


class ScriptsDialog(QDialog):
    status_message = Signal(str)

    def __init__(self, desk: Any, case_id: CaseId | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.desk = desk
        self.case_id = case_id
        self.setWindowTitle("话术库" + (f" — 售后 #{case_id}" if case_id is not None else ""))
        self.resize(900, 560)
        self.search = QLineEdit()
        self.search.setPlaceholderText("搜索话术")
        self.search.textChanged.connect(self.reload)
        self.category = QComboBox()
        self.category.currentIndexChanged.connect(self.reload)
        self.items = QListWidget()
        self.items.currentItemChanged.connect(self._show)
        self.title = QLineEdit()
        self.text = QPlainTextEdit()
        self.filled = QLabel()
        self.filled.setWordWrap(True)
        self.filled.setStyleSheet("background: #f4f7fb; border: 1px solid #d6e0ec; padding: 8px;")
        self.missing = QLabel()
        self.missing.setStyleSheet("color: #b35c00;")
        self.origin = QLabel()
        copy = QPushButton("复制（已填入变量）")
        copy.clicked.connect(self.copy)
        save = QPushButton("保存修改")
        save.clicked.connect(self.save)
        self.restore = QPushButton("恢复默认")
        self.restore.clicked.connect(self.restore_default)
        new = QPushButton("新建话术…")
        new.clicked.connect(self.new)

        left = QWidget()
        ll = QVBoxLayout(left)
        row = QHBoxLayout()
        row.addWidget(self.search, 1)
        row.addWidget(self.category)
        ll.addLayout(row)
        ll.addWidget(self.items, 1)
        ll.addWidget(new)
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.addWidget(QLabel("标题："))
        rl.addWidget(self.title)
        rl.addWidget(QLabel("内容（变量写成 {订单号} {快递单号} {补发单号} {买家} {店铺} {退货地址} …）："))
        rl.addWidget(self.text, 1)
        rl.addWidget(
            QLabel(
                "填入当前售后后的效果：" if case_id is not None else "（从售后打开时会显示填入变量后的效果）"
            )
        )
        rl.addWidget(self.filled)
        rl.addWidget(self.missing)
        rl.addWidget(self.origin)
        buttons = QHBoxLayout()
        buttons.addWidget(copy)
        buttons.addStretch(1)
        buttons.addWidget(self.restore)
        buttons.addWidget(save)
        rl.addLayout(buttons)
        split = QSplitter()
        split.addWidget(left)
        split.addWidget(right)
        split.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.addWidget(split)
        self._fill_categories()
        self.reload()

    def _fill_categories(self) -> None:
        cats = sorted({s.category for s in self.desk.scripts.list() if s.category})
        self.category.blockSignals(True)
        self.category.clear()
        self.category.addItem("全部分类", "")
        for c in cats:
            self.category.addItem(c, c)
        self.category.blockSignals(False)

    def reload(self, *_args: object) -> None:
        current = self.current_id()
        self.items.clear()
        for s in self.desk.scripts.list(self.search.text(), self.category.currentData() or ""):
            it = QListWidgetItem(f"[{s.category}] {s.title}" + ("" if s.builtin else "（本店）"))
            it.setData(Qt.ItemDataRole.UserRole, s.id)
            self.items.addItem(it)
            if s.id == current:
                self.items.setCurrentItem(it)
        if self.items.currentItem() is None and self.items.count():
            self.items.setCurrentRow(0)

    def current_id(self) -> str | None:
        it = self.items.currentItem()
        return str(it.data(Qt.ItemDataRole.UserRole)) if it is not None else None

    def _show(self, *_args: object) -> None:
        ident = self.current_id()
        if ident is None:
            return
        s = self.desk.scripts.get(ident)
        self.title.setText(s.title)
        self.text.setPlainText(s.text)
        self.restore.setEnabled(not s.builtin)
        self.origin.setText("软件自带" if s.builtin else "本店修改或新增")
        if self.case_id is not None:
            filled = self.desk.scripts.fill_for_case(ident, self.case_id)
            self.filled.setText(filled.text)
            self.missing.setText(f"缺少：{'、'.join(filled.missing)}" if filled.missing else "")
        else:
            self.filled.setText(s.text)
            self.missing.setText("")

    def copy(self) -> None:
        text = self.filled.text() or self.text.toPlainText()
        QApplication.clipboard().setText(text)
        self.status_message.emit("已复制话术")

    def save(self) -> None:
        ident = self.current_id()
        if ident is None:
            return
        s = self.desk.scripts.get(ident)
        try:
            self.desk.scripts.save(
                ident, title=self.title.text(), text=self.text.toPlainText(), category=s.category
            )
        except Exception as exc:
            show_error(self, exc, action="保存话术")
            return
        self.reload()
        self._show()
        self.status_message.emit("话术已保存")

    def restore_default(self) -> None:
        ident = self.current_id()
        if ident is None:
            return
        if (
            ask(
                self, "恢复为软件自带的版本？本店的修改将被丢弃（本店新增的话术会被删除）。", ["恢复", "取消"]
            )
            != 0
        ):
            return
        try:
            self.desk.scripts.restore_default(ident)
        except Exception as exc:
            show_error(self, exc, action="恢复默认话术")
            return
        self._fill_categories()
        self.reload()

    def new(self) -> None:
        n = 1
        existing = {s.id for s in self.desk.scripts.list()}
        while f"本店.话术{n}" in existing:
            n += 1
        ident = f"本店.话术{n}"
        self.desk.scripts.save(ident, title=f"新话术 {n}", text="亲亲，", category="本店")
        self._fill_categories()
        self.reload()
        for i in range(self.items.count()):
            if self.items.item(i).data(Qt.ItemDataRole.UserRole) == ident:
                self.items.setCurrentRow(i)
