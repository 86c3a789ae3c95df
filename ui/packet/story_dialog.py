"""平台看到的处理经过: the 处理经过 exactly as the platform will read it, before anything is made.

Only what desk/audience.py lets through is listed (business events with their real times; never the edit
log, the wizard's walk or internal notes). The operator can leave an entry out of what the platform sees, or
say it in other words for the platform; the case's own record is never touched (PacketService.
set_platform_entry writes an override beside it). Reads and writes go through the task runner.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from desk.audience import PlatformEntry
from desk.domain import CaseId
from desk.labels import platform_time
from ui.errors import show_error
from ui.packet.fit import fit_on_screen
from ui.qt import (
    QAbstractItemView,
    QColor,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QPushButton,
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

HIDDEN = QColor("#9e9e9e")
COLUMNS = ("给平台看", "时间", "平台看到的内容")


class StoryDialog(QDialog):
    """The platform-facing 处理经过 of one case, with a 给平台看 tick and editable words per entry.

    Signals:
        changes_made(Changes): an entry was hidden, shown or reworded (the window refreshes what it shows).
    """

    changes_made = Signal(object)

    def __init__(
        self, desk: Desk, runner: TaskRunner, case_id: CaseId, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("平台看到的处理经过")
        self.setObjectName("story_dialog")
        self._packets = desk.packets
        self._runner = runner
        self.case_id = case_id
        self.entries: list[PlatformEntry] = []
        self._filling = False
        layout = QVBoxLayout(self)
        note = QLabel(
            "申诉材料和上传材料包里的“处理经过”就是下面这些。取消勾选的一条不给平台看；双击内容可改写给平台看的说法"
            "（清空则恢复原话）。售后记录本身不会改变；内部备注、修改记录和向导步骤从不出现在这里。"
        )
        note.setWordWrap(True)
        layout.addWidget(note)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("story_table")
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked | QAbstractItemView.EditTrigger.EditKeyPressed
        )
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.itemChanged.connect(self._on_item_changed)
        layout.addWidget(self.table)
        self.empty = QLabel("还没有可给平台看的处理经过。")
        self.empty.setVisible(False)
        layout.addWidget(self.empty)
        buttons = QDialogButtonBox()
        self.reset_button = QPushButton("恢复原话")
        self.reset_button.clicked.connect(self._reset_selected)
        buttons.addButton(self.reset_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(QDialogButtonBox.StandardButton.Close).clicked.connect(self.accept)
        layout.addWidget(buttons)
        fit_on_screen(self, 720, 420)
        self.refresh()

    def refresh(self) -> None:
        packets, case_id = self._packets, self.case_id
        Op(lambda: packets.platform_story(case_id), parent=self).on_success(self._show).with_action(
            "读取处理经过"
        ).run(self._runner)

    def _show(self, entries: list[PlatformEntry]) -> None:
        self.entries = list(entries)
        self._filling = True
        try:
            self.table.setRowCount(len(entries))
            for row, entry in enumerate(entries):
                tick = QTableWidgetItem()
                tick.setFlags(Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled)
                tick.setCheckState(Qt.CheckState.Unchecked if entry.hidden else Qt.CheckState.Checked)
                when = QTableWidgetItem(platform_time(entry.at))
                when.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
                text = QTableWidgetItem(entry.text)
                if entry.edited:  # the words differ from the record's: say so where the operator looks
                    font = text.font()
                    font.setItalic(True)
                    text.setFont(font)
                text.setToolTip(
                    ("已改写（斜体）。" if entry.edited else "") + "双击改写给平台看的说法；清空则恢复原话"
                )
                for item in (tick, when, text):
                    if entry.hidden:
                        item.setForeground(HIDDEN)
                self.table.setItem(row, 0, tick)
                self.table.setItem(row, 1, when)
                self.table.setItem(row, 2, text)
        finally:
            self._filling = False
        self.table.resizeRowsToContents()
        self.empty.setVisible(not entries)

    def _on_item_changed(self, item: QTableWidgetItem) -> None:
        if self._filling or item.row() >= len(self.entries):
            return
        entry = self.entries[item.row()]
        if item.column() == 0:
            self._write(entry.key, hidden=item.checkState() != Qt.CheckState.Checked)
        elif item.column() == 2:
            words = item.text().strip()
            if words != entry.text:
                self._write(entry.key, text=words)

    def _reset_selected(self) -> None:
        row = self.table.currentRow()
        if 0 <= row < len(self.entries) and self.entries[row].edited:
            self._write(self.entries[row].key, text="")

    def set_hidden(self, row: int, hidden: bool) -> None:
        """Tick or untick 给平台看 on a row, as a click on its box does."""
        item = self.table.item(row, 0)
        if item is not None:
            item.setCheckState(Qt.CheckState.Unchecked if hidden else Qt.CheckState.Checked)

    def _write(self, key: str, *, hidden: bool | None = None, text: str | None = None) -> None:
        packets, case_id = self._packets, self.case_id

        def done(changes: object) -> None:
            self.changes_made.emit(changes)
            self.refresh()

        Op(
            lambda: packets.set_platform_entry(case_id, key, hidden=hidden, text=text), parent=self
        ).on_success(done).on_failure(self._fail).run(self._runner)

    def _fail(self, exc: BaseException) -> None:
        show_error(self, exc, action="修改处理经过")
        self.refresh()  # the table shows what is stored, not the refused change
