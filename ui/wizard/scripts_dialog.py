"""The scripts library (话术库): search by category, fill from the current case, copy, edit, restore.

Every read and write goes through the task runner; a list or a script that comes back after the operator
typed another search or chose another script is dropped (the newest read wins)."""

from __future__ import annotations

import logging
from typing import Any

from desk.domain import CaseId
from ui.errors import ask
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
from ui.tasks import Op, TaskRunner

log = logging.getLogger(__name__)


class ScriptsDialog(QDialog):
    status_message = Signal(str)

    def __init__(
        self, desk: Any, runner: TaskRunner, case_id: CaseId | None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.desk = desk
        self.runner = runner
        self.case_id = case_id
        self._list_reads = 0
        self._script_reads = 0
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
        scripts = self.desk.scripts

        def shown(listed: list[Any]) -> None:
            chosen = self.category.currentData() or ""
            self.category.blockSignals(True)
            try:
                self.category.clear()
                self.category.addItem("全部分类", "")
                for c in sorted({s.category for s in listed if s.category}):
                    self.category.addItem(c, c)
                self.category.setCurrentIndex(max(0, self.category.findData(chosen)))
            finally:
                self.category.blockSignals(False)

        Op(scripts.list, parent=self).on_success(shown).run(self.runner)

    def reload(self, *_args: object, select: str | None = None) -> None:
        """Read the list for the search and category shown; keep the script chosen (or choose `select`)."""
        self._list_reads += 1
        read = self._list_reads
        scripts, search, category = self.desk.scripts, self.search.text(), self.category.currentData() or ""

        def shown(listed: list[Any]) -> None:
            if read == self._list_reads:
                self._show_list(listed, select or self.current_id())

        Op(lambda: scripts.list(search, category), parent=self).on_success(shown).run(self.runner)

    def _show_list(self, listed: list[Any], current: str | None) -> None:
        self.items.clear()
        for s in listed:
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
        self._script_reads += 1
        read = self._script_reads
        scripts, case_id = self.desk.scripts, self.case_id

        def work() -> tuple[Any, Any]:
            return scripts.get(ident), scripts.fill_for_case(ident, case_id) if case_id is not None else None

        def shown(result: tuple[Any, Any]) -> None:
            if read == self._script_reads and ident == self.current_id():
                self._show_script(*result)

        Op(work, parent=self).on_success(shown).run(self.runner)

    def _show_script(self, s: Any, filled: Any) -> None:
        self.title.setText(s.title)
        self.text.setPlainText(s.text)
        self.restore.setEnabled(not s.builtin)
        self.origin.setText("软件自带" if s.builtin else "本店修改或新增")
        if filled is not None:
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
        scripts, title, text = self.desk.scripts, self.title.text(), self.text.toPlainText()

        def work() -> None:
            scripts.save(ident, title=title, text=text, category=scripts.get(ident).category)

        def saved(_result: None) -> None:
            self.reload(select=ident)  # choosing it again shows it as saved, filled from the case
            self.status_message.emit("话术已保存")

        Op(work, parent=self).on_success(saved).with_action("保存话术").run(self.runner)

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
        scripts = self.desk.scripts

        def restored(_changes: object) -> None:
            self._fill_categories()
            self.reload(select=ident)

        Op(lambda: scripts.restore_default(ident), parent=self).on_success(restored).with_action(
            "恢复默认话术"
        ).run(self.runner)

    def new(self) -> None:
        scripts = self.desk.scripts

        def work() -> str:
            existing = {s.id for s in scripts.list()}
            n = 1
            while f"本店.话术{n}" in existing:
                n += 1
            ident = f"本店.话术{n}"
            scripts.save(ident, title=f"新话术 {n}", text="亲亲，", category="本店")
            return ident

        def made(ident: str) -> None:
            self._fill_categories()
            self.reload(select=ident)

        Op(work, parent=self).on_success(made).with_action("新建话术").run(self.runner)
