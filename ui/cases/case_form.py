"""The case form: create or edit one case, with inline warnings and its timeline."""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from desk.domain import (
    CASE_FIELD_LABELS,
    CaseData,
    CaseDraft,
    CaseId,
    CaseStatus,
    CaseType,
    Changes,
    EventData,
    EventKind,
    Platform,
    ShopData,
    ShopId,
)
from ui.errors import ask, show_error
from ui.format import money, when
from ui.qt import (
    QAbstractItemView,
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

ENUM_FIELDS: dict[str, type[enum.Enum]] = {"platform": Platform, "case_type": CaseType, "status": CaseStatus}
AMOUNT_FIELDS = ("order_amount", "refund_amount")
TEXT_FIELDS = ("description", "notes")
LINE_FIELDS = ("order_no", "after_sales_no", "tracking_no", "courier", "buyer_nick")
NO_SHOP = -1
WARNING_DELAY_MS = 300  # warnings are re-checked once typing pauses, not on every key
WARNING_STYLE = (
    "color: #b35c00; background: #fff4e0; border: 1px solid #f0c890; border-radius: 3px; padding: 4px;"
)

EVENT_TITLES = {
    EventKind.CREATED: "新建售后",
    EventKind.EVIDENCE_ADDED: "添加证据",
    EventKind.EVIDENCE_REMOVED: "删除证据",
    EventKind.PACKET_GENERATED: "生成申诉材料",
    EventKind.NOTE: "备注",
}
# Timeline fields that are not case fields (written by the evidence service).
OTHER_FIELD_LABELS = {"evidence.kind": "证据类型", "evidence.caption": "证据说明"}

# Grid placement of the single-line fields: (field, row, column pair).
GRID: tuple[tuple[str, int, int], ...] = (
    ("platform", 0, 0),
    ("shop_id", 1, 0),
    ("case_type", 2, 0),
    ("status", 3, 0),
    ("order_amount", 4, 0),
    ("refund_amount", 5, 0),
    ("order_no", 0, 1),
    ("after_sales_no", 1, 1),
    ("tracking_no", 2, 1),
    ("courier", 3, 1),
    ("buyer_nick", 4, 1),
)


class CaseEditing(Protocol):
    """The part of CaseService the form needs."""

    def get(self, case_id: CaseId) -> CaseData: ...

    def create(self, draft: CaseDraft) -> tuple[CaseData, Changes]: ...

    def update(self, case_id: CaseId, **fields: Any) -> tuple[CaseData, Changes]: ...

    def warnings(self, draft_or_fields: CaseDraft) -> list[str]: ...

    def timeline(self, case_id: CaseId) -> list[EventData]: ...


class ShopListing(Protocol):
    """The part of ShopService the form needs."""

    def list(self) -> list[ShopData]: ...

    def create(self, name: str, platform: Platform) -> tuple[ShopData, Changes]: ...


def parse_money(text: str) -> Decimal | None:
    """'' → None; '12.5' → Decimal('12.50'). The validator already keeps the text ≥ 0 with 2 decimals."""
    text = text.strip()
    if not text:
        return None
    try:
        return Decimal(text).quantize(Decimal("0.01"))
    except InvalidOperation:
        return None


class CaseForm(QWidget):
    """Edits one case; 保存 creates (新建 mode) or updates only the changed fields (edit mode).

    Signals:
        changes_made(Changes): a save went through; the main window broadcasts it.
        case_saved(int): the id of the case just created or updated.
        save_failed(): a save was refused; callers waiting to navigate stay put.
        dirty_changed(bool): whether the form holds unsaved edits.
        status_message(str): a short note for the status bar.
    """

    changes_made = Signal(object)
    case_saved = Signal(int)
    save_failed = Signal()
    dirty_changed = Signal(bool)
    status_message = Signal(str)

    def __init__(
        self, cases: CaseEditing, shops: ShopListing, runner: TaskRunner, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._cases = cases
        self._shops = shops
        self._runner = runner
        self._case_id: CaseId | None = None
        self._snapshot: dict[str, Any] = {}
        self._dirty = False
        self._saving = False
        self._loading = False
        self._shop_names: dict[int, str] = {}
        self._warn_timer = QTimer(self, singleShot=True, interval=WARNING_DELAY_MS)
        self._warn_timer.timeout.connect(self.check_warnings)
        self._build()
        self.reload_shops()
        self.new_case()

    # -- construction ----------------------------------------------------------------------------

    def _build(self) -> None:
        self.title = QLabel()
        title_font = QFont(self.title.font())
        title_font.setPointSizeF(title_font.pointSizeF() * 1.25)
        title_font.setBold(True)
        self.title.setFont(title_font)

        self.fields: dict[str, QWidget] = {}
        grid = QGridLayout()
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(6)
        for name, row, pair in GRID:
            label = QLabel(CASE_FIELD_LABELS[name] + "：")
            editor = self._make_editor(name)
            label.setBuddy(editor)
            grid.addWidget(label, row, pair * 2)
            if name == "shop_id":
                box = QHBoxLayout()
                box.setContentsMargins(0, 0, 0, 0)
                box.addWidget(editor, 1)
                self.add_shop_button = QToolButton()
                self.add_shop_button.setText("新建店铺…")
                self.add_shop_button.setToolTip("按当前平台新建一个店铺")
                self.add_shop_button.clicked.connect(self.add_shop)
                box.addWidget(self.add_shop_button)
                grid.addLayout(box, row, pair * 2 + 1)
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

        self.save_button = QPushButton("保存")
        self.save_button.setToolTip("保存（Ctrl+S）")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(lambda: self.save())
        self.revert_button = QPushButton("撤销修改")
        self.revert_button.clicked.connect(self.revert)
        self.dirty_label = QLabel()
        self.dirty_label.setStyleSheet("color: #666;")
        buttons = QHBoxLayout()
        buttons.addWidget(self.dirty_label, 1)
        buttons.addWidget(self.revert_button)
        buttons.addWidget(self.save_button)

        details = QWidget()
        details_layout = QVBoxLayout(details)
        details_layout.addLayout(grid)
        details_layout.addLayout(texts, 1)
        details_layout.addWidget(self.warning_label)
        details_layout.addLayout(buttons)

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

        self.tabs = QTabWidget()
        self.tabs.addTab(details, "基本信息")
        self.tabs.addTab(self.timeline_table, "时间线")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.tabs, 1)

    def _make_editor(self, name: str) -> QWidget:
        editor: QWidget
        if name in ENUM_FIELDS:
            combo = QComboBox()
            for member in ENUM_FIELDS[name]:
                combo.addItem(str(member.value), member.name)
            combo.currentIndexChanged.connect(self._on_edited)
            editor = combo
        elif name == "shop_id":
            combo = QComboBox()
            combo.setMinimumContentsLength(8)
            combo.currentIndexChanged.connect(self._on_edited)
            editor = combo
        elif name in AMOUNT_FIELDS:
            line = QLineEdit()
            line.setPlaceholderText("0.00")
            # Money ≥ 0 with at most two decimals; a minus sign cannot even be typed.
            line.setValidator(QRegularExpressionValidator(QRegularExpression(r"\d{0,9}(\.\d{0,2})?"), line))
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
        else:
            line = QLineEdit()
            line.textChanged.connect(self._on_edited)
            editor = line
        editor.setObjectName(name)
        self.fields[name] = editor
        return editor

    # -- values ----------------------------------------------------------------------------------

    @property
    def case_id(self) -> CaseId | None:
        return self._case_id

    def is_dirty(self) -> bool:
        return self._dirty

    def values(self) -> dict[str, Any]:
        """Every editable field, typed as CaseDraft wants it."""
        out: dict[str, Any] = {}
        for name in CASE_FIELD_LABELS:
            editor = self.fields[name]
            if name in ENUM_FIELDS:
                assert isinstance(editor, QComboBox)
                out[name] = ENUM_FIELDS[name][editor.currentData()]
            elif name == "shop_id":
                assert isinstance(editor, QComboBox)
                shop = editor.currentData()
                out[name] = None if shop in (None, NO_SHOP) else ShopId(int(shop))
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
        return CaseDraft(**self.values())

    def _show_values(self, values: dict[str, Any]) -> None:
        self._loading = True
        try:
            for name, value in values.items():
                editor = self.fields.get(name)
                if isinstance(editor, QComboBox) and name in ENUM_FIELDS:
                    editor.setCurrentIndex(max(0, editor.findData(value.name)))
                elif isinstance(editor, QComboBox):
                    self._select_shop(value)
                elif isinstance(editor, QLineEdit) and name in AMOUNT_FIELDS:
                    editor.setText(money(value))
                elif isinstance(editor, QLineEdit):
                    editor.setText(value or "")
                elif isinstance(editor, QPlainTextEdit):
                    editor.setPlainText(value or "")
        finally:
            self._loading = False

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
        if value is not None and line.text() != money(value):
            line.setText(money(value))

    # -- modes -----------------------------------------------------------------------------------

    def new_case(self) -> None:
        """Empty form in 新建 mode; 保存 will create."""
        self._case_id = None
        self._show_values({name: getattr(CaseDraft(), name) for name in CASE_FIELD_LABELS})
        self._snapshot = self.values()
        self.title.setText("新建售后")
        self.timeline_table.setRowCount(0)
        self.tabs.setTabEnabled(1, False)
        self._set_dirty(False)
        self.check_warnings()

    def load_case(self, case_id: CaseId) -> None:
        """Show a stored case in edit mode (a quick read, done on the GUI thread)."""
        self.show_case(self._cases.get(case_id))

    def show_case(self, case: CaseData) -> None:
        self._case_id = case.id
        if case.shop_id is not None:
            self._shop_names[int(case.shop_id)] = case.shop_name
        self._show_values({name: getattr(case, name) for name in CASE_FIELD_LABELS})
        self._snapshot = self.values()
        label = case.order_no or case.after_sales_no or "未填订单号"
        self.title.setText(f"售后 #{case.id} · {case.case_type.value} · {label}")
        self.tabs.setTabEnabled(1, True)
        self._set_dirty(False)
        self.refresh_timeline()
        self.check_warnings()

    def revert(self) -> None:
        """Throw away unsaved edits."""
        self._show_values(self._snapshot)
        self._set_dirty(False)
        self.check_warnings()

    def focus_first_field(self) -> None:
        self.tabs.setCurrentIndex(0)
        self.fields["order_no"].setFocus()

    # -- editing ---------------------------------------------------------------------------------

    def _on_edited(self, *_args: object) -> None:
        if self._loading:
            return
        self._set_dirty(self.values() != self._snapshot)
        self._warn_timer.start()

    def _set_dirty(self, dirty: bool) -> None:
        new_mode = self._case_id is None
        self.save_button.setEnabled((dirty or new_mode) and not self._saving)
        self.revert_button.setEnabled(dirty)
        self.dirty_label.setText("有未保存的修改" if dirty else "")
        if dirty != self._dirty:
            self._dirty = dirty
            self.dirty_changed.emit(dirty)

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

    def save(self, then: Callable[[], None] | None = None) -> None:
        """Create or update in the background; then() runs after a successful save."""
        if self._saving:
            return
        values = self.values()
        case_id = self._case_id
        op: Op[tuple[CaseData, Changes]]
        if case_id is None:
            draft = CaseDraft(**values)
            op = Op(lambda: self._cases.create(draft), parent=self)
        else:
            changed = {k: v for k, v in values.items() if v != self._snapshot.get(k)}
            if not changed:
                if then is not None:
                    then()
                return
            op = Op(lambda: self._cases.update(case_id, **changed), parent=self)
        self._saving = True
        self.save_button.setEnabled(False)

        def failed(exc: BaseException) -> None:
            show_error(self, exc, action="保存售后")
            self.save_failed.emit()

        def done() -> None:
            self._saving = False
            self._set_dirty(self._dirty)

        op.on_success(lambda result: self._on_saved(result, then)).on_failure(failed).on_done(done)
        op.run(self._runner)

    def _on_saved(self, result: tuple[CaseData, Changes], then: Callable[[], None] | None) -> None:
        case, changes = result
        created = self._case_id is None
        self.show_case(case)
        self.status_message.emit("已新建售后" if created else "已保存")
        self.changes_made.emit(changes)
        self.case_saved.emit(int(case.id))
        if then is not None:
            then()

    def confirm_leave(self, then: Callable[[], None], *, question: str = "当前售后有未保存的修改。") -> bool:
        """Run then() now if nothing is unsaved; otherwise ask 保存 / 不保存 / 取消.

        Returns False when the operator chose to stay (then() will not run).
        """
        if not self._dirty:
            then()
            return True
        choice = ask(self, question, ["保存", "不保存", "取消"], informative="要先保存这些修改吗？")
        if choice == 0:
            self.save(then=then)
            return True
        if choice == 1:
            self.revert()
            then()
            return True
        return False

    # -- shops -----------------------------------------------------------------------------------

    def reload_shops(self) -> None:
        combo = self.fields["shop_id"]
        assert isinstance(combo, QComboBox)
        current = combo.currentData()
        shops = self._shops.list()
        self._shop_names.update({int(s.id): s.name for s in shops})
        self._loading = True
        try:
            combo.clear()
            combo.addItem("（无）", NO_SHOP)
            for shop in sorted(shops, key=lambda s: (s.platform.value, s.name)):
                combo.addItem(f"{shop.name}（{shop.platform.value}）", int(shop.id))
            index = combo.findData(current) if current is not None else 0
            combo.setCurrentIndex(max(0, index))
        finally:
            self._loading = False

    def add_shop(self) -> None:
        platform = self.values()["platform"]
        name, ok = QInputDialog.getText(self, "新建店铺", f"店铺名称（{platform.value}）：")
        name = name.strip()
        if not ok or not name:
            return

        def created(result: tuple[ShopData, Changes]) -> None:
            shop, changes = result
            self.changes_made.emit(changes)
            self.reload_shops()
            self._select_shop(shop.id)
            self._on_edited()
            self.status_message.emit(f"已新建店铺“{shop.name}”")

        Op(lambda: self._shops.create(name, platform), parent=self).on_success(created).run(self._runner)

    # -- refresh ---------------------------------------------------------------------------------

    def apply_changes(self, changes: Changes) -> None:
        """React to a change made anywhere: new shops, or this case edited elsewhere."""
        if changes.shops:
            self.reload_shops()
        if self._case_id is None or self._case_id not in changes.cases or self._saving:
            return
        if self._dirty:
            # Keep the operator's edits; only the timeline is safe to refresh.
            self.refresh_timeline()
        else:
            self.load_case(self._case_id)

    def refresh_timeline(self) -> None:
        if self._case_id is None:
            return
        # Newest first: the operator usually wants to know what happened last.
        events = list(reversed(self._cases.timeline(self._case_id)))
        table = self.timeline_table
        table.setRowCount(len(events))
        for row, event in enumerate(events):
            what, detail = self.describe(event)
            for column, text in enumerate((when(event.at), what, detail)):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                table.setItem(row, column, item)

    def describe(self, event: EventData) -> tuple[str, str]:
        """(事件, 内容) in Chinese for one timeline entry."""
        if event.kind == EventKind.FIELD_CHANGED:
            label = CASE_FIELD_LABELS.get(event.field) or OTHER_FIELD_LABELS.get(event.field, event.field)
            old = self._display_value(event.field, event.old) or "（空）"
            new = self._display_value(event.field, event.new) or "（空）"
            subject = f"{event.detail}：" if event.detail else ""
            return f"修改{label}", f"{subject}{old} → {new}"
        title = EVENT_TITLES.get(event.kind, "记录")
        parts = [p for p in (event.new or event.old, event.detail) if p]
        if len(parts) == 2:
            return title, f"{parts[0]}（{parts[1]}）"
        return title, parts[0] if parts else ""

    def _display_value(self, field: str, raw: str) -> str:
        """Timeline values are stored as text; show enum members by their Chinese value, shops by name."""
        if not raw:
            return ""
        enum_type = ENUM_FIELDS.get(field)
        if enum_type is not None:
            for member in enum_type:
                if raw in (member.name, str(member.value), f"{enum_type.__name__}.{member.name}"):
                    return str(member.value)
            return raw
        if field == "shop_id":
            try:
                return self._shop_names.get(int(raw), raw)
            except ValueError:
                return raw
        if field in AMOUNT_FIELDS:
            try:
                return money(Decimal(raw))
            except InvalidOperation:
                return raw
        return raw
