"""What the 申诉结果 and 快递理赔 dialogs share: the case's entries in a table, a form to add one or edit the
one chosen, removal after a question (the core keeps no undo step for these), and every call through the
runner."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from desk.domain import CaseId, Changes
from desk.errors import DeskError, ValidationFailed
from desk.services.cases import parse_money
from desk.services.outcomes import parse_when
from ui.errors import APP_TITLE
from ui.format import money
from ui.qt import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
    Signal,
)
from ui.tasks import Op, TaskRunner

ERROR_STYLE = "color: #b3261e;"


def day_text(value: datetime | None) -> str:
    """The local calendar day of a moment, as typed in these dialogs."""
    if value is None:
        return ""
    local = value.astimezone() if value.tzinfo is not None else value
    return f"{local.year:04d}-{local.month:02d}-{local.day:02d}"


def today_text() -> str:
    return day_text(datetime.now().astimezone())


def check_money(text: str, label: str) -> Decimal | None:
    """The amount typed, or a refusal in plain words ("-5" is refused, never turned into 5.00)."""
    text = text.strip()
    if text.startswith(("-", "－", "−")):
        raise ValidationFailed(f"{label}不能是负数：{text}")
    return parse_money(text, label)


def check_day(text: str, label: str) -> datetime | None:
    """A day (or moment) that has happened; a day after today is refused."""
    when = parse_when(text, label)
    if when is not None and day_text(when) > today_text():
        raise ValidationFailed(f"{label}不能晚于今天：{day_text(when)}")
    return when


class EntriesDialog(QDialog):
    """A case's entries of one kind, listed, added, edited and removed.

    Subclasses build their fields in `_build_fields`, turn them into service arguments in `_values`, show an
    entry in `_load` and name the service calls. Every call runs on the runner.

    Signals:
        changes_made(Changes): an entry was written; the window refreshes what shows it.
        status_message(str): a short note for the status bar.
    """

    changes_made = Signal(object)
    status_message = Signal(str)

    title_text = ""
    headers: tuple[str, ...] = ()
    what = ""  # the entry in words: 申诉结果, 快递理赔

    def __init__(self, runner: TaskRunner, case_id: CaseId, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.case_id = case_id
        self.entries: list[Any] = []
        self.editing: Any | None = None  # the entry in the fields (None: a new one)
        self._loaded: dict[str, str] = {}  # the fields' texts as the entry being edited left them
        self._reads = 0
        self.busy = False
        self.setWindowTitle(f"{self.title_text} — 售后 #{case_id}")
        self.resize(720, 520)

        self.table = QTableWidget(0, len(self.headers))
        self.table.setHorizontalHeaderLabels(list(self.headers))
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.itemSelectionChanged.connect(self._on_selected)
        self.empty_label = QLabel(f"这条售后还没有记录{self.what}。")
        self.empty_label.setStyleSheet("color: #777;")

        self.form = QFormLayout()
        self._build_fields(self.form)
        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet(ERROR_STYLE)
        self.error_label.hide()

        self.save_button = QPushButton("添加")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.save)
        self.new_button = QPushButton("新增一条")
        self.new_button.setToolTip("清空下面的内容，记录新的一条")
        self.new_button.clicked.connect(self.start_new)
        self.remove_button = QPushButton("删除…")
        self.remove_button.clicked.connect(self.ask_remove)
        self.close_button = QPushButton("关闭")
        self.close_button.setAutoDefault(False)
        self.close_button.clicked.connect(self.close)
        self.buttons = QHBoxLayout()
        self.buttons.addWidget(self.new_button)
        self.buttons.addWidget(self.remove_button)
        self._extra_buttons(self.buttons)
        self.buttons.addStretch(1)
        self.buttons.addWidget(self.save_button)
        self.buttons.addWidget(self.close_button)

        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"已记录的{self.what}（选中一条可修改或删除）："))
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty_label)
        layout.addLayout(self.form)
        layout.addWidget(self.error_label)
        layout.addLayout(self.buttons)
        self.start_new()
        self.refresh()

    # -- what subclasses say -----------------------------------------------------------------------------

    def _build_fields(self, form: QFormLayout) -> None:
        raise NotImplementedError

    def _extra_buttons(self, row: QHBoxLayout) -> None:
        """Buttons of the dialog's own, left of 添加."""

    def _texts(self) -> dict[str, str]:
        """The fields' texts by service argument name."""
        raise NotImplementedError

    def _show(self, entry: Any | None) -> None:
        """Put an entry's values in the fields (None: empty, for a new one)."""
        raise NotImplementedError

    def _row(self, entry: Any) -> Sequence[str]:
        raise NotImplementedError

    def _values(self, texts: dict[str, str]) -> dict[str, Any]:
        """Service arguments from the texts; refuses what cannot be saved in plain words (ValidationFailed)."""
        raise NotImplementedError

    def _list(self) -> list[Any]:
        raise NotImplementedError

    def _add(self, values: dict[str, Any]) -> Any:
        raise NotImplementedError

    def _update(self, entry: Any, values: dict[str, Any]) -> Any:
        raise NotImplementedError

    def _remove(self, entry: Any) -> Changes:
        raise NotImplementedError

    def _name(self, entry: Any) -> str:
        raise NotImplementedError

    # -- the list ------------------------------------------------------------------------------------

    def refresh(self, then: Callable[[], None] | None = None) -> None:
        """Read the case's entries on the read worker and show them."""
        self._reads += 1
        read = self._reads

        def shown(entries: list[Any]) -> None:
            if read != self._reads:
                return
            self._show_entries(entries)
            if then is not None:
                then()

        Op(self._list, parent=self, pool="read").on_success(shown).with_action(f"读取{self.what}").run(
            self.runner
        )

    def _show_entries(self, entries: list[Any]) -> None:
        keep = self.editing.id if self.editing is not None else None
        self.entries = list(entries)
        self.table.blockSignals(True)
        try:
            self.table.setRowCount(len(self.entries))
            for row, entry in enumerate(self.entries):
                for column, text in enumerate(self._row(entry)):
                    self.table.setItem(row, column, QTableWidgetItem(text))
            self.table.clearSelection()
        finally:
            self.table.blockSignals(False)
        self.empty_label.setVisible(not self.entries)
        again = next((e for e in self.entries if e.id == keep), None)
        if again is not None:
            self.select(again.id)
        else:
            self.start_new()

    def select(self, entry_id: int) -> None:
        """Choose an entry to edit (as a click on its row does)."""
        row = next((i for i, e in enumerate(self.entries) if e.id == entry_id), None)
        if row is not None:
            self.table.selectRow(row)

    def _on_selected(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return
        entry = self.entries[rows[0].row()]
        self.editing = entry
        self._show(entry)
        self._loaded = self._texts()
        self.save_button.setText("保存修改")
        self.remove_button.setEnabled(True)
        self._set_error("")
        self._on_entry_changed()

    def start_new(self) -> None:
        self.table.blockSignals(True)
        self.table.clearSelection()
        self.table.blockSignals(False)
        self.editing = None
        self._show(None)
        self._loaded = {}
        self.save_button.setText("添加")
        self.remove_button.setEnabled(False)
        self._set_error("")
        self._on_entry_changed()

    def _on_entry_changed(self) -> None:
        """The chosen entry changed (subclasses enable what needs one)."""

    def _set_error(self, text: str) -> None:
        self.error_label.setText(text)
        self.error_label.setVisible(bool(text))

    # -- writes --------------------------------------------------------------------------------------

    def save(self) -> None:
        """Add the entry in the fields, or save the changes to the one chosen."""
        if self.busy:
            return
        texts = self._texts()
        entry = self.editing
        if entry is not None:
            texts = {k: v for k, v in texts.items() if self._loaded.get(k) != v}
            if not texts:
                self.status_message.emit("没有修改")
                return
        try:
            values = self._values(texts)
        except DeskError as exc:
            self._set_error(exc.message if hasattr(exc, "message") else str(exc))
            return
        self._set_error("")
        call: Callable[[], Any] = (
            (lambda: self._add(values)) if entry is None else (lambda: self._update(entry, values))
        )

        def saved(result: tuple[Any, Changes]) -> None:
            data, changes = result
            self.editing = data  # keeps it chosen once the list is read again
            self.changes_made.emit(changes)
            self.status_message.emit(f"已{'记录' if entry is None else '修改'}{self.what}")
            self.refresh()

        self._run(call, saved, "记录" if entry is None else "修改")

    def ask_remove(self) -> None:
        """Remove the chosen entry after a question: there is no undo for it."""
        entry = self.editing
        if entry is None or self.busy:
            return
        box = QMessageBox(
            QMessageBox.Icon.Question,
            APP_TITLE,
            f"删除{self._name(entry)}？",
            parent=self,
        )
        box.setInformativeText("删除后无法撤销；相关金额会按剩下的记录重新计算。")
        remove = box.addButton("删除", QMessageBox.ButtonRole.DestructiveRole)
        keep = box.addButton("取消", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(keep)
        box.setEscapeButton(keep)
        self.confirm_box = box

        def answered(button: Any) -> None:
            if button is remove:
                self._remove_now(entry)

        box.buttonClicked.connect(answered)
        box.open()

    def _remove_now(self, entry: Any) -> None:
        def removed(changes: Changes) -> None:
            self.editing = None
            self.changes_made.emit(changes)
            self.status_message.emit(f"已删除{self._name(entry)}")
            self.refresh()

        self._run(lambda: self._remove(entry), removed, "删除")

    def _run(self, call: Callable[[], Any], done: Callable[[Any], None], verb: str) -> None:
        self.busy = True
        self.save_button.setEnabled(False)

        def failed(exc: BaseException) -> None:
            # Refusals (a rule of the books, an entry deleted meanwhile) are said here, not in a box.
            message = getattr(exc, "message", None) or str(exc)
            self._set_error(f"未能{verb}：{message}")

        def finished() -> None:
            self.busy = False
            self.save_button.setEnabled(True)

        Op(call, parent=self).on_success(done).on_failure(failed).on_done(finished).with_action(
            f"{verb}{self.what}"
        ).run(self.runner)


def money_cell(value: Decimal | None) -> str:
    return f"¥{money(value)}" if value is not None else ""


def combo_of(members: Sequence[Any]) -> QComboBox:
    combo = QComboBox()
    for member in members:
        combo.addItem(str(member), member.value)
    return combo


def line(placeholder: str = "", max_length: int = 64) -> QLineEdit:
    edit = QLineEdit()
    edit.setPlaceholderText(placeholder)
    edit.setMaxLength(max_length)
    return edit
