"""The case form: every change is saved by itself (debounced, one transaction per save), with inline
warnings, the status workflow, deadlines typed as the platform shows them, money, and the timeline."""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Protocol

from desk import workflow
from desk.deadlines import EXAMPLES as DUE_EXAMPLES
from desk.deadlines import describe_due, parse_due
from desk.domain import (
    CASE_FIELD_LABELS,
    COST_FIELDS,
    MONEY_FIELDS,
    RECOVERED_FIELDS,
    CaseData,
    CaseDraft,
    CaseId,
    CaseStatus,
    CaseType,
    Changes,
    EventData,
    Platform,
    Resolution,
    ShopData,
    ShopId,
)
from desk.errors import DeskError
from desk.labels import FLAG_CHOICES, FLAG_FIELDS, appeal_kind_label
from ui.cases.autosave import (
    JOURNAL_EVERY_S,
    Autosave,
    Batch,
    Do,
    Elsewhere,
    Failed,
    Journal,
    JournalEntry,
    Step,
)
from ui.cases.chips import type_font
from ui.errors import ask, show_error
from ui.format import money, when
from ui.qt import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QFont,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRegularExpression,
    QRegularExpressionValidator,
    QScrollArea,
    Qt,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QTimer,
    QToolButton,
    QVBoxLayout,
    QWidget,
    Signal,
)
from ui.tasks import Op, TaskRunner

log = logging.getLogger(__name__)

# The objectName of the 称重核对 tab's page, so a fix can show it without knowing its title.
WEIGHT_TAB = "weight_check"
ENUM_FIELDS: dict[str, type[enum.Enum]] = {
    "platform": Platform,
    "case_type": CaseType,
    "status": CaseStatus,
    "resolution": Resolution,
}
AMOUNT_FIELDS = MONEY_FIELDS
TEXT_FIELDS = ("description", "notes")
# Free text with suggestions from the platform profile (the operator may type a value of their own).
SUGGEST_FIELDS = ("after_sales_type", "after_sales_reason", "appeal_type")
LINE_FIELDS = (
    "order_no",
    "after_sales_no",
    "tracking_no",
    "courier",
    "return_tracking_no",
    "reship_tracking_no",
    "buyer_nick",
)
LINE_LIMITS = {
    "order_no": 64,
    "after_sales_no": 64,
    "tracking_no": 64,
    "courier": 64,
    "return_tracking_no": 64,
    "reship_tracking_no": 64,
    "buyer_nick": 128,
}
# What a field is for, where its label alone does not say (shown as the editor's tooltip).
FIELD_TIPS = {
    "return_tracking_no": "买家寄回商品的运单号。平台售后导出会填入；导出里没有时可以自己填写（导出为空不会清掉它）",
    "reship_tracking_no": "补发给买家的运单号，话术里的{补发单号}",
    "agreed_compensation": "和买家谈好的补偿（补差价）金额，话术里的{协商补偿金额}；真正付款后记入“金额”里的“补差价”",
    "freight_insurance": "买家是否买了运费险（订单有“退货包运费”也选“有”）；处理向导据此回答运费险的问题",
    "express_refund": "平台是否已给买家极速退款（未等商家处理就先退款）",
}
NO_SHOP = -1
WARNING_DELAY_MS = 300  # warnings are re-checked once typing pauses, not on every key
AUTOSAVE_DELAY_MS = 800  # a change is saved this long after the last keystroke (or when the field is left)
WARNING_STYLE = (
    "color: #b35c00; background: #fff4e0; border: 1px solid #f0c890; border-radius: 3px; padding: 4px;"
)
ERROR_STYLE = (
    "color: #b3261e; background: #fde2e1; border: 1px solid #f1a9a4; border-radius: 3px; padding: 4px;"
)
INVALID_STYLE = "QLineEdit { border: 1px solid #d93025; background: #fff5f5; }"
DUE_COLOURS = {"overdue": "#b3261e", "soon": "#a15c00", "paused": "#777777"}

# Grid placement on the 基本信息 tab: (field, row, column pair).
GRID: tuple[tuple[str, int, int], ...] = (
    ("platform", 0, 0),
    ("shop_id", 1, 0),
    ("case_type", 2, 0),
    ("status", 3, 0),
    ("resolution", 4, 0),
    ("due_at", 5, 0),
    ("order_amount", 6, 0),
    ("refund_amount", 7, 0),
    ("agreed_compensation", 8, 0),
    ("freight_insurance", 9, 0),
    ("express_refund", 10, 0),
    ("order_no", 0, 1),
    ("after_sales_no", 1, 1),
    ("tracking_no", 2, 1),
    ("courier", 3, 1),
    ("return_tracking_no", 4, 1),
    ("reship_tracking_no", 5, 1),
    ("buyer_nick", 6, 1),
    ("after_sales_type", 7, 1),
    ("after_sales_reason", 8, 1),
    ("appeal_type", 9, 1),
)
# The 金额 tab: what was paid out, then what came back.
MONEY_TAB = (
    "refund_paid",
    "compensation_paid",
    "reship_cost",
    "freight_paid",
    "recovered_appeal",
    "recovered_courier",
)
# Numbers the operator pastes into the platform's back-end all day: each gets a 复制 button.
COPY_FIELDS = ("order_no", "after_sales_no", "tracking_no", "return_tracking_no", "reship_tracking_no")
# Fields whose change alone makes a new case worth creating (a platform or type picked alone does not).
CONTENT_FIELDS = (*LINE_FIELDS, *TEXT_FIELDS, *MONEY_FIELDS, "due_at")


class CaseEditing(Protocol):
    """The part of CaseService the form needs."""

    def get(self, case_id: CaseId) -> CaseData: ...

    def create(self, draft: CaseDraft) -> tuple[CaseData, Changes]: ...

    def update(
        self, case_id: CaseId, *, expected_version: int | None = None, **fields: Any
    ) -> tuple[CaseData, Changes]: ...

    def warnings(self, draft: CaseDraft) -> list[str]: ...

    def timeline(self, case_id: CaseId) -> list[EventData]: ...

    def add_note(self, case_id: CaseId, text: str) -> Changes: ...


class ShopListing(Protocol):
    """The part of ShopService the form needs."""

    def list(self) -> list[ShopData]: ...

    def create(self, name: str, platform: Platform) -> tuple[ShopData, Changes]: ...


class PlatformLists(Protocol):
    """What the form reads from the platform profiles (suggestions and the default timer)."""

    def for_platform(self, platform: Platform) -> Any: ...


def parse_money(text: str) -> Decimal | None:
    """'' → None; '12.5' → Decimal('12.50'). The validator already keeps the text ≥ 0 with 2 decimals."""
    text = text.strip()
    if not text:
        return None
    try:
        return Decimal(text).quantize(Decimal("0.01"))
    except InvalidOperation:
        return None


def due_text(value: datetime | None) -> str:
    """A stored deadline as the form shows it: local time, which parses back to the same minute."""
    return value.astimezone().strftime("%Y-%m-%d %H:%M") if value is not None else ""


class CaseForm(QWidget):
    """Edits one case. Each change is saved on its own after a short pause in typing (or at once when
    the operator leaves the field, the case or the window); 保存 saves immediately.

    Signals:
        changes_made(Changes): a save went through; the main window broadcasts it.
        case_saved(int): the id of the case just created or updated.
        save_failed(): a save was refused; callers waiting to navigate stay put.
        dirty_changed(bool): whether the form holds edits not yet saved.
        status_message(str): a short note for the status bar.
    """

    changes_made = Signal(object)
    case_saved = Signal(int)
    case_shown = Signal(object)  # the case id the form now shows (None: a new, unsaved case)
    save_failed = Signal()
    dirty_changed = Signal(bool)
    status_message = Signal(str)
    # Ids of cases the operator just set to a finished status here (or in the 售后 menu, which emits it too):
    # the outcomes feature asks what their books still lack.
    cases_closed = Signal(object)
    # 恢复 of the typing journal names a case the form does not show (None: a new case): the window opens it.
    open_case_requested = Signal(object)

    def __init__(
        self,
        cases: CaseEditing,
        shops: ShopListing,
        runner: TaskRunner,
        parent: QWidget | None = None,
        *,
        platforms: PlatformLists | None = None,
    ) -> None:
        super().__init__(parent)
        self._cases = cases
        self._shops = shops
        self._platforms = platforms
        self._runner = runner
        # What is saved, what is pending and when to save it; the widgets below only show it.
        self._autosave: Autosave[CaseId] = Autosave(CONTENT_FIELDS)
        self._loaded: CaseData | None = None
        self._dirty = False  # as last announced through dirty_changed
        self._loading = False
        self._shop_names: dict[int, str] = {}
        # Each background read counts up its own number: an answer that is not the newest, or that is for a
        # case the form no longer shows, is dropped.
        self._case_reads = 0
        self._opening: CaseId | None = None  # the case being read to be shown (载入中…)
        self._timeline_reads = 0
        self._shop_reads = 0
        self._warn_timer = QTimer(self, singleShot=True, interval=WARNING_DELAY_MS)
        self._warn_timer.timeout.connect(self.check_warnings)
        self._save_timer = QTimer(self, singleShot=True, interval=AUTOSAVE_DELAY_MS)
        self._save_timer.timeout.connect(self._save_if_due)
        self._due_timer = QTimer(self, interval=30_000)
        self._due_timer.timeout.connect(self._show_due_left)
        self._due_timer.start()
        # The typing journal (keep_journal): written at most JOURNAL_EVERY_S after a keystroke, even while
        # typing goes on and the autosave's pause never comes.
        self._journal: Journal | None = None
        self._journal_offer: JournalEntry | None = None  # what the last run left, until 恢复 or 丢弃
        self._journal_restore: JournalEntry | None = None  # 恢复 chosen: applied once its case shows
        self._journal_timer = QTimer(self, singleShot=True, interval=int(JOURNAL_EVERY_S * 1000))
        self._journal_timer.timeout.connect(self._write_journal)
        self._build()
        self._show_shops(shops.list())  # built while the desk opens (MainWindow.attach_desk)
        self.new_case()
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._on_focus_changed)

    # -- construction ----------------------------------------------------------------------------

    def _build(self) -> None:
        self.title = QLabel()
        self.title.setFont(type_font(self.title.font(), "title", bold=True))
        # 该买家 90 天内第 N 次售后…: filled by the outcomes feature (show_buyer_history), hidden below N = 2.
        self.buyer_label = QLabel()
        self.buyer_label.setObjectName("buyer_history")
        self.buyer_label.setStyleSheet(WARNING_STYLE)
        self.buyer_label.hide()

        self.fields: dict[str, QWidget] = {}
        self.copy_buttons: dict[str, QToolButton] = {}
        grid = QGridLayout()
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(6)
        for name, row, pair in GRID:
            label = QLabel(CASE_FIELD_LABELS[name] + "：")
            editor = self._make_editor(name)
            label.setBuddy(editor)
            if name in FIELD_TIPS:
                editor.setToolTip(FIELD_TIPS[name])
            grid.addWidget(label, row, pair * 2)
            if name == "shop_id":
                grid.addLayout(self._with_button(editor, self._shop_button()), row, pair * 2 + 1)
            elif name == "due_at":
                grid.addLayout(self._due_row(editor), row, pair * 2 + 1)
            elif name in COPY_FIELDS:
                grid.addLayout(self._with_button(editor, self._copy_button(name)), row, pair * 2 + 1)
            else:
                grid.addWidget(editor, row, pair * 2 + 1)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        grid.setColumnMinimumWidth(2, 12)

        texts = QGridLayout()
        texts.setHorizontalSpacing(8)
        for column, name in enumerate(TEXT_FIELDS):
            label = QLabel(CASE_FIELD_LABELS[name] + "：")
            editor = self._make_editor(name)
            label.setBuddy(editor)
            texts.addWidget(label, 0, column)
            texts.addWidget(editor, 1, column)

        self.warning_label = QLabel()
        self.warning_label.setWordWrap(True)
        self.warning_label.setStyleSheet(WARNING_STYLE)
        self.warning_label.hide()
        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet(ERROR_STYLE)
        self.error_label.hide()

        self.save_button = QPushButton("保存")
        self.save_button.setToolTip("修改会自动保存；点这里立即保存（Ctrl+S）")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(lambda: self.save())
        self.revert_button = QPushButton("撤销修改")
        self.revert_button.setToolTip("放弃还没有保存的修改")
        self.revert_button.clicked.connect(self.revert)
        self.reload_button = QPushButton("重新载入")
        self.reload_button.setToolTip("放弃这里的修改，载入别人保存的最新内容")
        self.reload_button.clicked.connect(self.reload)
        self.reload_button.hide()
        self.dirty_label = QLabel()
        self.dirty_label.setStyleSheet("color: #666;")
        buttons = QHBoxLayout()
        buttons.addWidget(self.dirty_label, 1)
        buttons.addWidget(self.reload_button)
        buttons.addWidget(self.revert_button)
        buttons.addWidget(self.save_button)

        details = QWidget()
        details_layout = QVBoxLayout(details)
        details_layout.addLayout(grid)
        details_layout.addLayout(texts, 1)
        details_layout.addWidget(self.warning_label)

        money_tab = QWidget()
        money_grid = QGridLayout(money_tab)
        money_grid.setHorizontalSpacing(8)
        money_grid.setVerticalSpacing(6)
        for i, name in enumerate(MONEY_TAB):
            label = QLabel(CASE_FIELD_LABELS[name] + "：")
            editor = self._make_editor(name)
            label.setBuddy(editor)
            money_grid.addWidget(label, i, 0)
            money_grid.addWidget(editor, i, 1)
        self.net_label = QLabel()
        net_font = QFont(self.net_label.font())
        net_font.setBold(True)
        self.net_label.setFont(net_font)
        money_grid.addWidget(QLabel("净支出："), len(MONEY_TAB), 0)
        money_grid.addWidget(self.net_label, len(MONEY_TAB), 1)
        explain = QLabel("净支出 = 实退金额 + 补差价 + 补发成本 + 运费支出 − 申诉追回 − 快递赔付")
        explain.setStyleSheet("color: #666;")
        explain.setWordWrap(True)
        money_grid.addWidget(explain, len(MONEY_TAB) + 1, 0, 1, 2)
        money_grid.setColumnStretch(1, 1)
        money_grid.setRowStretch(len(MONEY_TAB) + 2, 1)

        self.timeline_table = QTableWidget(0, 3)
        self.timeline_table.setHorizontalHeaderLabels(["时间", "事件", "内容"])
        self.timeline_table.verticalHeader().hide()
        self.timeline_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.timeline_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.timeline_table.setWordWrap(False)
        header = self.timeline_table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.note_edit = QLineEdit()
        self.note_edit.setPlaceholderText("写一条备注，记在时间线上（回车添加）")
        self.note_edit.setMaxLength(2000)
        self.note_edit.returnPressed.connect(self.add_note)
        self.note_button = QPushButton("添加备注")
        self.note_button.clicked.connect(self.add_note)
        note_row = QHBoxLayout()
        note_row.addWidget(self.note_edit, 1)
        note_row.addWidget(self.note_button)
        timeline = QWidget()
        timeline_layout = QVBoxLayout(timeline)
        timeline_layout.setContentsMargins(0, 4, 0, 0)
        timeline_layout.addLayout(note_row)
        timeline_layout.addWidget(self.timeline_table, 1)

        self.tabs = QTabWidget()
        # Scrolled on a 720-px screen rather than making the window taller than the screen.
        details_page = QScrollArea()
        details_page.setWidgetResizable(True)
        details_page.setFrameShape(QScrollArea.Shape.NoFrame)
        details_page.setWidget(details)
        self.tabs.addTab(details_page, "基本信息")
        self.tabs.addTab(timeline, "时间线")
        self.tabs.addTab(money_tab, "金额")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.buyer_label)
        layout.addWidget(self._journal_bar())
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.error_label)
        layout.addLayout(buttons)

    def _journal_bar(self) -> QWidget:
        self.journal_bar = QWidget()
        self.journal_bar.setObjectName("journal_bar")
        self.journal_label = QLabel()
        self.journal_label.setWordWrap(True)
        self.journal_label.setStyleSheet(WARNING_STYLE)
        self.journal_restore_button = QPushButton("恢复")
        self.journal_restore_button.setToolTip("把这些修改填回表单，随后自动保存")
        self.journal_restore_button.clicked.connect(self.restore_journal)
        self.journal_discard_button = QPushButton("丢弃")
        self.journal_discard_button.clicked.connect(self.discard_journal)
        row = QHBoxLayout(self.journal_bar)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.journal_label, 1)
        row.addWidget(self.journal_restore_button)
        row.addWidget(self.journal_discard_button)
        self.journal_bar.hide()
        return self.journal_bar

    def _with_button(self, editor: QWidget, button: QWidget) -> QHBoxLayout:
        box = QHBoxLayout()
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(editor, 1)
        box.addWidget(button)
        return box

    def _copy_button(self, name: str) -> QToolButton:
        button = QToolButton()
        button.setText("复制")
        button.setObjectName(f"copy_{name}")
        button.setToolTip(f"复制{CASE_FIELD_LABELS[name]}，到平台后台粘贴")
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # a click leaves the cursor where it was
        button.clicked.connect(lambda _checked=False, name=name: self.copy_field(name))
        self.copy_buttons[name] = button
        return button

    def copy_field(self, name: str) -> None:
        """Put the number on the clipboard (the operator pastes it into the platform all day)."""
        label = CASE_FIELD_LABELS[name]
        text = self._line(name).text().strip()
        if not text:
            self.status_message.emit(f"{label}是空的，没有可复制的内容")
            return
        QApplication.clipboard().setText(text)
        self.status_message.emit(f"已复制{label}：{text}")

    def _shop_button(self) -> QToolButton:
        self.add_shop_button = QToolButton()
        self.add_shop_button.setText("新建店铺…")
        self.add_shop_button.setToolTip("按当前平台新建一个店铺")
        self.add_shop_button.clicked.connect(self.add_shop)
        return self.add_shop_button

    def _due_row(self, editor: QWidget) -> QHBoxLayout:
        self.due_left = QLabel()
        editor.setMinimumWidth(editor.fontMetrics().horizontalAdvance("2026-11-28 18:00") + 16)
        self.due_default_button = QToolButton()
        self.due_default_button.setText("按时限")
        self.due_default_button.setToolTip("按平台资料里的商家处理时限，从现在起算")
        self.due_default_button.clicked.connect(self.fill_default_due)
        box = QHBoxLayout()
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(editor, 3)
        box.addWidget(self.due_left, 2)
        box.addWidget(self.due_default_button)
        return box

    def _make_editor(self, name: str) -> QWidget:
        editor: QWidget
        if name in ENUM_FIELDS:
            combo = QComboBox()
            for member in ENUM_FIELDS[name]:
                combo.addItem(str(member), member.name)
            combo.currentIndexChanged.connect(self._on_edited)
            if name == "platform":
                combo.currentIndexChanged.connect(self._on_platform_changed)
            editor = combo
        elif name == "shop_id":
            combo = QComboBox()
            combo.setMinimumContentsLength(8)
            combo.currentIndexChanged.connect(self._on_edited)
            editor = combo
        elif name in FLAG_FIELDS:
            combo = QComboBox()  # 未知 / 有 / 没有, in FLAG_CHOICES' order
            for words, _value in FLAG_CHOICES:
                combo.addItem(words)
            combo.currentIndexChanged.connect(self._on_edited)
            editor = combo
        elif name in SUGGEST_FIELDS:
            combo = QComboBox()
            combo.setEditable(True)
            combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
            combo.setMinimumContentsLength(8)
            line = combo.lineEdit()
            assert line is not None
            line.setMaxLength(64 if name != "after_sales_type" else 32)
            line.setPlaceholderText("可从列表选择或自己填写")
            combo.currentTextChanged.connect(self._on_edited)
            editor = combo
        elif name in AMOUNT_FIELDS:
            line = QLineEdit()
            line.setPlaceholderText("0.00")
            # At most two decimals. A minus sign may be typed so that it is refused with a word (red frame,
            # the reason beside 保存) instead of silently dropped, which turned "-5" into 5.00.
            line.setValidator(QRegularExpressionValidator(QRegularExpression(r"-?\d{0,9}(\.\d{0,2})?"), line))
            line.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            line.textChanged.connect(self._on_edited)
            line.editingFinished.connect(lambda line=line: self._normalize_money(line))
            editor = line
        elif name in TEXT_FIELDS:
            text = QPlainTextEdit()
            text.setTabChangesFocus(True)
            text.setMinimumHeight(60)
            text.textChanged.connect(self._on_edited)
            editor = text
        elif name == "due_at":
            line = QLineEdit()
            line.setPlaceholderText("如 剩余 23 小时")
            line.setToolTip(f"照平台显示的写：{DUE_EXAMPLES}；保存后记为具体时间")
            line.setMaxLength(60)
            line.textChanged.connect(self._on_edited)
            editor = line
        else:
            line = QLineEdit()
            line.setMaxLength(LINE_LIMITS.get(name, 64))
            line.textChanged.connect(self._on_edited)
            editor = line
        editor.setObjectName(name)
        self.fields[name] = editor
        return editor

    # -- values ----------------------------------------------------------------------------------

    @property
    def case_id(self) -> CaseId | None:
        return self._autosave.case_id

    @property
    def version(self) -> int | None:
        return self._autosave.version

    @property
    def _snapshot(self) -> Mapping[str, Any]:
        """What the form takes as stored, as it shows it."""
        return self._autosave.saved

    def is_dirty(self) -> bool:
        return self._autosave.dirty

    def is_saving(self) -> bool:
        return self._autosave.saving

    def invalid_fields(self) -> dict[str, str]:
        """Fields whose text cannot be saved as it is, with the reason."""
        return self._autosave.invalid

    def values(self) -> dict[str, Any]:
        """Every editable field, typed as CaseDraft wants it (the deadline as the text typed)."""
        out: dict[str, Any] = {}
        for name in CASE_FIELD_LABELS:
            editor = self.fields[name]
            if name in ENUM_FIELDS:
                assert isinstance(editor, QComboBox)
                data = editor.currentData()
                enum_type = ENUM_FIELDS[name]
                out[name] = enum_type[data] if data is not None else next(iter(enum_type))
            elif name in FLAG_FIELDS:
                assert isinstance(editor, QComboBox)
                out[name] = FLAG_CHOICES[max(0, editor.currentIndex())][1]
            elif name == "shop_id":
                assert isinstance(editor, QComboBox)
                shop = editor.currentData()
                out[name] = None if shop in (None, NO_SHOP) else ShopId(int(shop))
            elif name in SUGGEST_FIELDS:
                assert isinstance(editor, QComboBox)
                out[name] = " ".join(editor.currentText().split())
            elif name in AMOUNT_FIELDS:
                assert isinstance(editor, QLineEdit)
                out[name] = parse_money(editor.text())
            elif name in TEXT_FIELDS:
                assert isinstance(editor, QPlainTextEdit)
                out[name] = editor.toPlainText().strip()
            else:
                assert isinstance(editor, QLineEdit)
                out[name] = editor.text().strip()
        return out

    def draft(self) -> CaseDraft:
        values = self.values()
        # The service parses the typed text when saving; here it is read only so the warnings can say
        # when a deadline looks mistyped (text it cannot read is marked red instead).
        try:
            values["due_at"] = parse_due(values["due_at"]) if values["due_at"] else None
        except DeskError:
            values["due_at"] = None
        return CaseDraft(**values)

    def _show_values(self, values: Mapping[str, Any], *, new_case: bool) -> None:
        self._loading = True
        try:
            if "platform" in values:
                self._fill_suggestions(values["platform"])
            for name, value in values.items():
                editor = self.fields.get(name)
                if name == "status" and isinstance(editor, QComboBox):
                    self._fill_statuses(value, new_case=new_case)
                    editor.setCurrentIndex(max(0, editor.findData(value.name)))
                elif isinstance(editor, QComboBox) and name in ENUM_FIELDS:
                    editor.setCurrentIndex(max(0, editor.findData(value.name)))
                elif isinstance(editor, QComboBox) and name == "appeal_type":
                    editor.setCurrentText(appeal_kind_label(value) if value else "")  # stored as a key
                elif isinstance(editor, QComboBox) and name in SUGGEST_FIELDS:
                    editor.setCurrentText(value or "")
                elif isinstance(editor, QComboBox) and name in FLAG_FIELDS:
                    editor.setCurrentIndex([v for _w, v in FLAG_CHOICES].index(value))
                elif isinstance(editor, QComboBox):
                    self._select_shop(value)
                elif isinstance(editor, QLineEdit) and name in AMOUNT_FIELDS:
                    editor.setText(money(value))
                elif isinstance(editor, QLineEdit) and name == "due_at":
                    editor.setText(value if isinstance(value, str) else due_text(value))
                elif isinstance(editor, QLineEdit):
                    editor.setText(value or "")
                    # A long number in a narrow field shows its start (where the operator reads it from),
                    # not its end where setText leaves the cursor.
                    editor.setCursorPosition(0)
                elif isinstance(editor, QPlainTextEdit):
                    editor.setPlainText(value or "")
        finally:
            self._loading = False
        self._check_due_text()
        self._check_money_texts()
        self._show_net()

    def _fill_statuses(self, current: CaseStatus, *, new_case: bool) -> None:
        """The status list offers the current status and those the workflow allows next."""
        combo = self.fields["status"]
        assert isinstance(combo, QComboBox)
        allowed = list(CaseStatus) if new_case else workflow.allowed_next(current)
        combo.blockSignals(True)
        try:
            combo.clear()
            for member in allowed:
                combo.addItem(str(member), member.name)
        finally:
            combo.blockSignals(False)
        combo.setToolTip("" if new_case else "只列出当前状态可以改成的状态")

    def _fill_suggestions(self, platform: Platform) -> None:
        profile = self._platforms.for_platform(platform) if self._platforms is not None else None
        lists = {
            "after_sales_type": list(profile.after_sales_types) if profile else [],
            "after_sales_reason": list(profile.reasons) if profile else [],
            "appeal_type": profile.appeal_labels() if profile else [],
        }
        keys = {
            "after_sales_type": "after_sales_types",
            "after_sales_reason": "reasons",
            "appeal_type": "appeal_types",
        }
        for name, items in lists.items():
            combo = self.fields[name]
            assert isinstance(combo, QComboBox)
            text = combo.currentText()
            combo.blockSignals(True)
            try:
                combo.clear()
                combo.addItems(items)
                combo.setCurrentText(text)
            finally:
                combo.blockSignals(False)
            facts = profile.lists.get(keys[name]) if profile is not None else None
            unverified = facts is not None and not facts.verified
            combo.setToolTip(
                f"{platform}资料中的选项（未核实：{facts.source}）"
                if unverified and facts
                else "可从列表选择或自己填写"
            )

    def reload_platform_lists(self) -> None:
        """The platform profiles changed: refresh the suggestions (the texts typed stay)."""
        self._fill_suggestions(self.values()["platform"])

    def _select_shop(self, shop_id: ShopId | None) -> None:
        combo = self.fields["shop_id"]
        assert isinstance(combo, QComboBox)
        index = combo.findData(NO_SHOP if shop_id is None else int(shop_id))
        if index < 0 and shop_id is not None:
            # A shop the list does not know (yet): show it rather than silently dropping it.
            combo.addItem(self._shop_names.get(int(shop_id), f"店铺 {shop_id}"), int(shop_id))
            index = combo.count() - 1
        combo.setCurrentIndex(max(0, index))

    def _normalize_money(self, line: QLineEdit) -> None:
        value = parse_money(line.text())
        if value is not None and value >= 0 and line.text() != money(value):
            line.setText(money(value))

    def _show_net(self) -> None:
        values = {name: parse_money(self._line(name).text()) for name in (*COST_FIELDS, *RECOVERED_FIELDS)}
        paid = sum((values[f] or Decimal(0) for f in COST_FIELDS), Decimal(0))
        back = sum((values[f] or Decimal(0) for f in RECOVERED_FIELDS), Decimal(0))
        net = paid - back
        self.net_label.setText(f"{net:.2f} 元" + ("（追回多于支出）" if net < 0 else ""))

    def _line(self, name: str) -> QLineEdit:
        editor = self.fields[name]
        assert isinstance(editor, QLineEdit)
        return editor

    # -- modes -----------------------------------------------------------------------------------

    def new_case(self) -> None:
        """Empty form in 新建 mode: the case is created with the first real content typed (or 保存)."""
        self._save_timer.stop()
        self._loaded = None
        self._case_reads += 1
        self._set_opening(None)
        self._show_values({name: getattr(CaseDraft(), name) for name in CASE_FIELD_LABELS}, new_case=True)
        self._autosave.loaded(None, None, self.values())
        self.title.setText("新建售后")
        self._show_timeline([])
        self.tabs.setTabEnabled(1, False)
        self.note_edit.setEnabled(False)
        self.note_button.setEnabled(False)
        self._set_error("")
        self._show_state()
        self._show_due_left()
        self.check_warnings()
        self.case_shown.emit(None)

    @property
    def opening(self) -> CaseId | None:
        """The case being read to be shown (the form says 载入中… meanwhile), or None."""
        return self._opening

    def load_case(self, case_id: CaseId) -> None:
        """Open a stored case: read it and its timeline on the DB worker, then show them.

        Until they come the form keeps what it showed, greyed out under 载入中… (`opening` names the case),
        so nothing is typed into the case being left. A newer choice (another case, 新建) drops the
        answer. A case that cannot be read leaves the form as it was and says why.
        """
        self._case_reads += 1  # a read still on its way is for what was chosen before
        read = self._case_reads
        cases = self._cases
        self._set_opening(case_id)

        def shown(result: tuple[CaseData, list[EventData]]) -> None:
            if read == self._case_reads:
                self.show_case(*result)

        def failed(exc: BaseException) -> None:
            if read != self._case_reads:
                return
            self._set_opening(None)
            show_error(self, exc, action="打开售后")
            # The form shows what it showed before: whoever follows it (the list) goes back there.
            self.case_shown.emit(self.case_id)

        Op(lambda: (cases.get(case_id), cases.timeline(case_id)), parent=self, pool="read").on_success(
            shown
        ).on_failure(failed).run(self._runner)

    def _set_opening(self, case_id: CaseId | None) -> None:
        if case_id is None and self._opening is None:
            return
        self._opening = case_id
        self.tabs.setEnabled(case_id is None)
        if case_id is not None:
            self.title.setText(f"售后 #{case_id} · 载入中…")
        elif self._loaded is not None:
            self._update_title(self._loaded)
        else:
            self.title.setText("新建售后")

    def reload(self) -> None:
        """Throw away local edits and show what is stored now (after someone else saved the case)."""
        if self.case_id is not None:
            self._save_timer.stop()
            self._reread(self.case_id, keep_edits=False)

    def _reread(self, case_id: CaseId, *, keep_edits: bool) -> None:
        """Read the case and its timeline on the DB worker, then show them, unless the operator moved on.

        keep_edits: edits typed while the read ran are kept (a change made elsewhere); else the operator
        asked to throw them away (重新载入). A case purged meanwhile leaves an empty new form.
        """
        if self._opening is not None:
            return  # the operator is leaving this case: the read of the one being opened decides
        self._case_reads += 1
        read = self._case_reads
        cases = self._cases

        def current() -> bool:
            return read == self._case_reads and case_id == self.case_id

        def shown(result: tuple[CaseData, list[EventData]]) -> None:
            if not current():
                return
            if keep_edits and self._autosave.changed_elsewhere() is not Elsewhere.RELOAD:
                self._show_timeline(result[1])  # typed meanwhile: as when the edits came first
                return
            self.show_case(*result)

        def failed(exc: BaseException) -> None:
            if not current():
                return
            if keep_edits and isinstance(exc, DeskError):
                self.new_case()  # purged meanwhile: nothing left to show
            else:
                show_error(self, exc, action="载入售后")

        Op(lambda: (cases.get(case_id), cases.timeline(case_id)), parent=self, pool="read").on_success(
            shown
        ).on_failure(failed).run(self._runner)

    def show_case(self, case: CaseData, timeline: list[EventData] | None = None) -> None:
        """Show a stored case; its timeline as given (oldest first), else read in the background."""
        self._save_timer.stop()
        self._set_opening(None)
        self._loaded = case
        if case.shop_id is not None:
            self._shop_names[int(case.shop_id)] = case.shop_name
        self._show_values({name: getattr(case, name) for name in CASE_FIELD_LABELS}, new_case=False)
        self._autosave.loaded(case.id, case.version, self.values())
        self._update_title(case)
        self.tabs.setTabEnabled(1, True)
        self.note_edit.setEnabled(True)
        self.note_button.setEnabled(True)
        self._set_error("")
        self._show_state()
        if timeline is None:
            self.refresh_timeline()
        else:
            self._show_timeline(timeline)
        self._show_due_left()
        self.check_warnings()
        self.case_shown.emit(case.id)

    def show_buyer_history(self, text: str) -> None:
        """The line on the buyer's earlier after-sales; "" hides it."""
        self.buyer_label.setText(text)
        self.buyer_label.setVisible(bool(text))

    def _update_title(self, case: CaseData) -> None:
        label = case.order_no or case.after_sales_no or "未填订单号"
        trashed = "（在回收站）" if case.deleted_at is not None else ""
        self.title.setText(f"售后 #{case.id} · {case.case_type} · {label}{trashed}")

    def revert(self) -> None:
        """Throw away edits not saved yet."""
        self._save_timer.stop()
        self._show_values(self._autosave.saved, new_case=self.case_id is None)
        self._autosave.reverted()
        self._mark_invalid()
        self._show_state()
        self.check_warnings()

    def focus_first_field(self) -> None:
        self.tabs.setCurrentIndex(0)
        self.fields["order_no"].setFocus()

    def focus_field(self, name: str) -> None:
        """Show the tab holding field `name` and put the cursor in it (a 申诉前检查 item's 去处理)."""
        editor = self.fields.get(name)
        if editor is None:
            return
        for index in range(self.tabs.count()):
            page = self.tabs.widget(index)
            if page is not None and page.isAncestorOf(editor):
                self.tabs.setCurrentIndex(index)
                break
        editor.setFocus(Qt.FocusReason.OtherFocusReason)

    def focus_weights(self) -> None:
        """Show the 称重核对 tab (added by the orders feature; objectName "weight_check")."""
        for index in range(self.tabs.count()):
            page = self.tabs.widget(index)
            if page is not None and page.objectName() == WEIGHT_TAB:
                self.tabs.setCurrentIndex(index)
                return

    # -- editing ---------------------------------------------------------------------------------

    def _on_edited(self, *_args: object) -> None:
        if self._loading:
            return
        self._check_due_text()
        self._check_money_texts()
        self._show_net()
        due = self._autosave.edited(self.values())
        self._show_state()
        self._warn_timer.start()
        if self._journal is not None and not self._journal_timer.isActive():
            self._journal_timer.start()
        if due:
            self._save_timer.start()

    def _on_platform_changed(self, *_args: object) -> None:
        if not self._loading:
            self._fill_suggestions(self.values()["platform"])

    def _on_focus_changed(self, old: QWidget | None, new: QWidget | None) -> None:
        """Leaving a field saves it at once: a crash then costs at most the field being typed."""
        if old is None or not self._autosave.dirty or not self._save_timer.isActive():
            return
        if not (old is self or self.isAncestorOf(old)):
            return
        if (
            new is not None
            and self._editor_of(new) is self._editor_of(old)
            and self._editor_of(old) is not None
        ):
            return
        self._save_timer.stop()
        self._save_if_due()

    def _editor_of(self, widget: QWidget) -> QWidget | None:
        for editor in self.fields.values():
            if widget is editor or editor.isAncestorOf(widget):
                return editor
        return None

    def _check_due_text(self) -> None:
        text = self._line("due_at").text().strip()
        reason = None
        if text and text != due_text(self._loaded.due_at if self._loaded else None):
            try:
                parse_due(text)
            except DeskError as exc:
                reason = exc.message
        self._autosave.set_invalid("due_at", reason)
        self._mark_invalid()

    def _check_money_texts(self) -> None:
        """An amount typed below zero cannot be saved: marked and said, never saved as its absolute value."""
        for name in AMOUNT_FIELDS:
            text = self._line(name).text().strip()
            reason = f"{CASE_FIELD_LABELS[name]}不能为负数" if text.startswith("-") else None
            if reason is not None or name in self._autosave.invalid:
                self._autosave.set_invalid(name, reason)
        self._mark_invalid()

    def _mark_invalid(self) -> None:
        invalid = self._autosave.invalid
        for name, editor in self.fields.items():
            if isinstance(editor, QLineEdit):
                editor.setStyleSheet(INVALID_STYLE if name in invalid else "")
                if name == "due_at":
                    editor.setToolTip(
                        invalid.get(name) or f"照平台显示的写：{DUE_EXAMPLES}；保存后记为具体时间"
                    )
                elif name in AMOUNT_FIELDS:
                    editor.setToolTip(invalid.get(name) or FIELD_TIPS.get(name, ""))
        self._show_due_left()

    def _show_due_left(self) -> None:
        if "due_at" in self._autosave.invalid:
            self.due_left.setText("无法识别")
            self.due_left.setStyleSheet(f"color: {DUE_COLOURS['overdue']};")
            return
        case = self._loaded
        text = self._line("due_at").text().strip()
        due: datetime | None = None
        paused = None
        if case is not None and text == due_text(case.due_at):
            due, paused = case.due_at, case.due_paused_at
        elif text:
            try:
                due = parse_due(text)
            except DeskError:
                due = None
        now = datetime.now(UTC)
        left = describe_due(due, now=now, paused_at=paused)
        state = "paused" if paused else ("overdue" if due is not None and due < now else "")
        if due is not None and not state and (due - now).total_seconds() < 24 * 3600:
            state = "soon"
        self.due_left.setText(left)
        self.due_left.setStyleSheet(f"color: {DUE_COLOURS[state]};" if state else "color: #555;")

    def fill_default_due(self) -> None:
        platform = self.values()["platform"]
        profile = self._platforms.for_platform(platform) if self._platforms is not None else None
        timer = profile.setting("merchant_response") if profile is not None else None
        if timer is None or timer.value is None:
            self.status_message.emit(
                f"{platform}资料里没有商家处理时限，请照后台倒计时填写（可在“平台资料”中设置）"
            )
            return
        hours = timer.value * (24 if timer.unit == "天" else 1)
        self._line("due_at").setText(f"剩余 {hours} 小时")
        note = "" if timer.verified else "（该时限未经核实，请以后台倒计时为准）"
        self.status_message.emit(f"已按{platform}的{timer.label}（{timer.value} {timer.unit}）填写{note}")

    def _show_state(self) -> None:
        """Buttons, the note beside them and dirty_changed follow the autosave's state."""
        state = self._autosave
        dirty = state.dirty
        new_mode = state.case_id is None
        # Stays enabled while an autosave runs: pressing it then asks for that save's outcome.
        self.save_button.setEnabled(dirty or new_mode or state.saving)
        self.revert_button.setEnabled(dirty)
        if state.conflict:
            text = "别人保存过这条售后，请重新载入"
        elif state.saving:
            text = "正在保存…"
        elif state.invalid:
            text = "有无法保存的内容（红框）：" + "；".join(state.invalid.values())
        elif dirty:
            text = "有修改，稍后自动保存"
        else:
            text = ""
        self.dirty_label.setText(text)
        if dirty != self._dirty:
            self._dirty = dirty
            self.dirty_changed.emit(dirty)
        if not dirty and self._journal is not None and self._journal_offer is None:
            self._journal_timer.stop()
            self._journal.clear()  # saved (or thrown away): nothing left to offer after a crash

    def _set_error(self, message: str) -> None:
        self.error_label.setText(message)
        self.error_label.setVisible(bool(message))

    def check_warnings(self) -> None:
        """Ask the services for non-blocking warnings and show them in orange; they never stop a save."""
        try:
            warnings = self._cases.warnings(self.draft())
        except Exception:
            # Warnings are advice; a failure to compute them must not get in the operator's way.
            log.exception("case warnings failed")
            warnings = []
        self.warning_label.setText("\n".join(f"⚠ {w}" for w in warnings))
        self.warning_label.setVisible(bool(warnings))

    # -- saving ----------------------------------------------------------------------------------

    def _save_if_due(self) -> None:
        self._do(self._autosave.due())

    def flush(self, then: Callable[[], None] | None = None) -> None:
        """Save what is pending now (no question), then run then()."""
        self._save_timer.stop()
        self.save(then=then, explicit=False)

    def save(self, then: Callable[[], None] | None = None, *, explicit: bool = True) -> None:
        """Save the edits in the background (create in 新建 mode); then() runs after a successful save.

        explicit: the operator asked (保存, Ctrl+S): a refusal is shown in a message box. Autosaves
        show it in the form instead, so typing is never interrupted by a dialog.
        """
        self._save_timer.stop()
        self._do(self._autosave.request(explicit=explicit, then=then))

    def _do(self, step: Step[CaseId]) -> None:
        """Carry out what the autosave decided."""
        self._show_state()
        if step.do is Do.SEND:
            assert step.batch is not None
            self._send(step.batch)
        elif step.do is Do.RUN_THEN:
            for then in step.then:
                then()
        elif step.do is Do.ASK_RELOAD:
            self._ask_reload()
        elif step.do is Do.REPORT_INVALID:
            self._report_invalid()
        elif step.do is Do.START_TIMER:
            self._save_timer.start()

    def _send(self, batch: Batch[CaseId]) -> None:
        op: Op[tuple[CaseData, Changes]]
        case_id = batch.case_id
        if case_id is None:
            try:
                due = parse_due(batch.fields.get("due_at") or "")
            except DeskError:
                due = None
            draft = CaseDraft(**{**batch.fields, "due_at": due})
            op = Op(lambda: self._cases.create(draft), parent=self)
        else:
            changed = dict(batch.fields)
            version = batch.version
            op = Op(lambda: self._cases.update(case_id, expected_version=version, **changed), parent=self)
        op.on_success(lambda result: self._on_saved(result, batch.values))
        op.on_failure(self._on_save_failed)
        op.on_done(lambda: self._do(self._autosave.finished()))
        op.run(self._runner)

    def _report_invalid(self) -> None:
        reasons = "；".join(self._autosave.invalid.values())
        show_error(self, DeskError(f"有内容无法保存：{reasons}"), action="保存售后")

    def _on_saved(self, result: tuple[CaseData, Changes], sent: Mapping[str, Any]) -> None:
        case, changes = result
        created = self._autosave.saved_as(case.id, case.version)
        if created:
            self.case_shown.emit(case.id)  # the new case got its id
        self._loaded = case
        if case.shop_id is not None:
            self._shop_names[int(case.shop_id)] = case.shop_name
        due_line = self._line("due_at")
        if "due_at" in sent and not due_line.hasFocus() and due_line.text().strip() == (sent["due_at"] or ""):
            self._loading = True
            try:
                due_line.setText(due_text(case.due_at))
            finally:
                self._loading = False
            self._autosave.settled("due_at", due_text(case.due_at))
        if "status" in sent:
            self._loading = True
            try:
                self._fill_statuses(case.status, new_case=False)
                combo = self.fields["status"]
                assert isinstance(combo, QComboBox)
                combo.setCurrentIndex(max(0, combo.findData(case.status.name)))
            finally:
                self._loading = False
            self._autosave.settled("status", case.status)
            if case.status in workflow.FINISHED_STATUSES:
                self.cases_closed.emit((case.id,))
        self._update_title(case)
        self.tabs.setTabEnabled(1, True)
        self.note_edit.setEnabled(True)
        self.note_button.setEnabled(True)
        self._set_error("")
        self._show_due_left()
        self.refresh_timeline()
        self.status_message.emit("已新建售后" if created else f"已自动保存 {datetime.now():%H:%M:%S}")
        self.changes_made.emit(changes)
        self.case_saved.emit(int(case.id))

    def _on_save_failed(self, exc: BaseException) -> None:
        failure = self._autosave.failed(exc)
        if failure.kind is Failed.CONFLICT:
            self.reload_button.show()
            self._set_error(failure.message)
            self._ask_reload()
        elif failure.kind is Failed.REFUSED:
            # Keep the edit, say why here, and wait for the next change instead of retrying in a loop.
            log.info("autosave refused: %s", failure.message, exc_info=exc)
            self._set_error(f"未保存：{failure.message}")
        else:
            if failure.kind is Failed.REFUSED_ASKED:
                self._set_error(f"未保存：{failure.message}")
            show_error(self, exc, action="保存售后")
        self.save_failed.emit()

    def _ask_reload(self) -> None:
        choice = ask(
            self,
            "这条售后已被他人（或另一个窗口）修改并保存过，这里的修改没有保存。",
            ["重新载入", "暂不载入"],
            informative="重新载入会显示对方保存的内容，这里还没保存的修改将被放弃。",
        )
        if choice == 0:
            self.reload_button.hide()
            self.reload()

    def confirm_leave(self, then: Callable[[], None], *, question: str = "当前售后有未保存的修改。") -> bool:
        """Save what is pending and run then() once saved; only input that cannot be saved asks first.

        Returns False when the operator chose to stay (then() will not run).
        """
        invalid = self._autosave.invalid
        if invalid:
            reasons = "；".join(f"{CASE_FIELD_LABELS.get(k, k)}：{v}" for k, v in invalid.items())
            choice = ask(
                self,
                "有内容无法保存，离开后这些内容会丢失。",
                ["返回修改", "放弃这些内容"],
                informative=reasons,
            )
            if choice != 1:
                self.fields[next(iter(invalid))].setFocus()
                return False
            self._discard_invalid()
        if self._autosave.conflict and self._autosave.dirty:
            choice = ask(
                self, question, ["放弃修改", "取消"], informative="别人已保存过这条售后，这里的修改无法保存。"
            )
            if choice != 0:
                return False
            self.revert()
        if not self._autosave.dirty and not self._autosave.saving:
            then()
            return True
        self.flush(then)
        return True

    def _discard_invalid(self) -> None:
        restore = self._autosave.discard_invalid()
        self._loading = True
        try:
            for name, value in restore.items():
                editor = self.fields[name]
                if isinstance(editor, QLineEdit):
                    editor.setText(money(value) if name in AMOUNT_FIELDS else (value or ""))
        finally:
            self._loading = False
        self._mark_invalid()
        self._show_state()

    # -- notes -----------------------------------------------------------------------------------

    def add_note(self) -> None:
        text = self.note_edit.text().strip()
        case_id = self.case_id
        if not text or case_id is None:
            return

        def added(changes: Changes) -> None:
            self.note_edit.clear()
            self.refresh_timeline()
            self.changes_made.emit(changes)
            self.status_message.emit("已添加备注")

        Op(lambda: self._cases.add_note(case_id, text), parent=self).on_success(added).run(self._runner)

    # -- shops -----------------------------------------------------------------------------------

    def reload_shops(self, then: Callable[[], None] | None = None) -> None:
        """Re-read the shops on the DB worker and refill the list (the choice shown stays); then then()."""
        self._shop_reads += 1
        read = self._shop_reads
        shops = self._shops

        def shown(listed: list[ShopData]) -> None:
            if read == self._shop_reads:
                self._show_shops(listed)
            if then is not None:
                then()

        Op(shops.list, parent=self).on_success(shown).run(self._runner)

    def _show_shops(self, shops: list[ShopData]) -> None:
        self._shop_reads += 1  # what an older read would bring is out of date now
        combo = self.fields["shop_id"]
        assert isinstance(combo, QComboBox)
        current = combo.currentData()
        self._shop_names.update({int(s.id): s.name for s in shops})
        self._loading = True
        try:
            combo.clear()
            combo.addItem("（无）", NO_SHOP)
            for shop in sorted(shops, key=lambda s: (str(s.platform), s.name)):
                combo.addItem(f"{shop.name}（{shop.platform}）", int(shop.id))
            index = combo.findData(current) if current is not None else 0
            combo.setCurrentIndex(max(0, index))
        finally:
            self._loading = False
        self._autosave.shown({"shop_id": self.values()["shop_id"]})

    def add_shop(self) -> None:
        platform = self.values()["platform"]
        name, ok = QInputDialog.getText(self, "新建店铺", f"店铺名称（{platform}）：")
        name = name.strip()
        if not ok or not name:
            return

        def created(result: tuple[ShopData, Changes]) -> None:
            shop, changes = result
            self.changes_made.emit(changes)

            def choose() -> None:
                self._select_shop(shop.id)
                self._on_edited()
                self.status_message.emit(f"已新建店铺“{shop.name}”")

            self.reload_shops(then=choose)

        Op(lambda: self._shops.create(name, platform), parent=self).on_success(created).run(self._runner)

    # -- refresh ---------------------------------------------------------------------------------

    def apply_changes(self, changes: Changes) -> None:
        """React to a change made anywhere: shops, or this case edited elsewhere."""
        if changes.shops:
            loaded = self._loaded

            def reselect() -> None:
                if loaded is not None and self._loaded is loaded:
                    self._select_shop(self.values()["shop_id"])

            self.reload_shops(then=reselect)
        case_id = self.case_id
        if case_id is None or case_id not in changes.cases:
            return
        what = self._autosave.changed_elsewhere()
        if what is Elsewhere.KEEP_EDITS:
            # Keep the operator's edits; only the timeline is safe to refresh.
            self.refresh_timeline()
        elif what is Elsewhere.RELOAD:
            self._reread(case_id, keep_edits=True)

    def refresh_timeline(self) -> None:
        """Re-read the timeline on the DB worker; an answer for a case the form no longer shows is dropped
        (until it comes, the rows shown stay: no flicker)."""
        case_id = self.case_id
        if case_id is None:
            return
        self._timeline_reads += 1
        read = self._timeline_reads
        cases = self._cases

        def shown(events: list[EventData]) -> None:
            if read == self._timeline_reads and case_id == self.case_id:
                self._show_timeline(events)

        Op(lambda: cases.timeline(case_id), parent=self).on_success(shown).run(self._runner)

    def _show_timeline(self, events: list[EventData]) -> None:
        """Fill the timeline table from entries oldest first, as the services give them."""
        self._timeline_reads += 1  # what an older read would bring is out of date now
        # Newest first: the operator usually wants to know what happened last.
        events = list(reversed(events))
        table = self.timeline_table
        table.setRowCount(len(events))
        for row, event in enumerate(events):
            what, detail = self.describe(event)
            for column, text in enumerate((when(event.at), what, detail)):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                table.setItem(row, column, item)

    def describe(self, event: EventData) -> tuple[str, str]:
        """(事件, 内容) for one timeline entry: the same words as the CLI and the PDF (desk.labels)."""
        words = event.words(self._shop_names)
        return words.title, words.text

    # -- the typing journal ----------------------------------------------------------------------

    def keep_journal(self, path: Path) -> None:
        """Keep unsaved edits in `path` (the profile folder) and offer back what a crash left there."""
        self._journal = Journal(path)
        entry = self._journal.read()
        if entry is None:
            self._journal.clear()  # unreadable or empty: nothing to offer
            return
        self._journal_offer = entry
        where = f"售后 #{entry.case_id}" if entry.case_id is not None else "新建的售后"
        names = "、".join(CASE_FIELD_LABELS.get(k, k) for k in entry.fields)
        stamp = entry.written_at
        try:
            stamp = f"，{datetime.fromisoformat(entry.written_at).astimezone():%m-%d %H:%M:%S}"
        except ValueError:
            stamp = ""
        self.journal_label.setText(f"上次未保存的修改：{where}的{names}{stamp}。恢复这些修改，还是丢弃？")
        self.journal_bar.show()

    def _write_journal(self) -> None:
        if self._journal is None:
            return
        pending = self._autosave.pending()
        if not pending and self._journal_offer is not None:
            return  # the offer stays on disk until the operator answers it
        try:
            self._journal.write(int(self.case_id) if self.case_id is not None else None, pending)
        except OSError as exc:
            # The journal is a safety net; a full disk must not stop the typing it protects.
            log.warning("typing journal not written: %s", exc)

    def restore_journal(self) -> None:
        entry = self._journal_offer
        self._journal_offer = None
        self.journal_bar.hide()
        if entry is None:
            return
        self._journal_restore = entry
        same = entry.case_id == (int(self.case_id) if self.case_id is not None else None)
        if same and self.opening is None:
            self._apply_journal()
        else:
            self.case_shown.connect(self._apply_journal_when_shown)
            self.open_case_requested.emit(CaseId(entry.case_id) if entry.case_id is not None else None)

    def discard_journal(self) -> None:
        self._journal_offer = None
        self.journal_bar.hide()
        self._journal_timer.stop()
        self._write_journal()  # keeps edits typed meanwhile; removes the file when there are none

    def _apply_journal_when_shown(self, case_id: object) -> None:
        entry = self._journal_restore
        if entry is None or self.opening is not None:
            return
        if (int(case_id) if isinstance(case_id, int) else None) == entry.case_id:
            self.case_shown.disconnect(self._apply_journal_when_shown)
            self._apply_journal()

    def _apply_journal(self) -> None:
        """Fill the form with the journal's edits as if typed: they are pending and saved as usual."""
        entry, self._journal_restore = self._journal_restore, None
        if entry is None:
            return
        values: dict[str, Any] = {}
        for name, text in entry.fields.items():
            if name not in self.fields:
                continue
            try:
                values[name] = _decode_journal(name, text)
            except (KeyError, ValueError, InvalidOperation):
                continue  # a value this version cannot show: the rest is still worth having
        if "platform" in values:
            self._fill_suggestions(values["platform"])
        self._show_values(values, new_case=self.case_id is None)
        self._loading = False
        self._on_edited()
        self.status_message.emit("已恢复上次未保存的修改（稍后自动保存）")


def _decode_journal(name: str, text: str) -> Any:
    """A value as the typing journal wrote it (Journal.encode), typed as the form's values() give it."""
    if name in ENUM_FIELDS:
        return ENUM_FIELDS[name][text]
    if name == "shop_id":
        return ShopId(int(text)) if text else None
    if name in FLAG_FIELDS:
        return {"True": True, "False": False, "": None}[text]
    if name in AMOUNT_FIELDS:
        return Decimal(text) if text else None
    return text
