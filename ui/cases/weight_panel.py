"""The 称重核对 tab of a case: the order's items and their weights, the recorded weights with their
evidence, and the conclusion in words (the wizard's {重量结论} and the packet's weight table use the same)."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from typing import TYPE_CHECKING, Any

from desk.domain import CaseId, Changes, EvidenceData, EvidenceId
from desk.orders.model import (
    WEIGHT_EVIDENCE_KIND,
    OrderData,
    Verdict,
    WeightCheck,
    WeightKind,
    WeightRecordData,
    grams_text,
)
from desk.orders.parse import CellError, weight_grams
from ui.cases.case_form import WEIGHT_TAB
from ui.errors import APP_TITLE, show_error
from ui.evidence.suggestions import DIFFERS_STYLE
from ui.format import money, when
from ui.qt import (
    QAbstractItemView,
    QApplication,
    QColor,
    QComboBox,
    QDialog,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QKeyEvent,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    Qt,
    QTableWidget,
    QTableWidgetItem,
    QTimer,
    QVBoxLayout,
    QWidget,
    Signal,
    isValid,
)
from ui.tasks import Op, TaskRunner

if TYPE_CHECKING:  # the window's modules load without SQLAlchemy (tests/test_layers.py)
    from desk.app import Desk
    from desk.services.recognition import Accepted, PictureText, WeightSuggestion
    from ui.context import FeatureContext

log = logging.getLogger(__name__)

VERDICT_STYLE = {
    Verdict.MATCH: "background: #e8f6ec; color: #1d6b34; border: 1px solid #9fd3ae;",
    Verdict.SHORT: "background: #fdecea; color: #9b1c1c; border: 1px solid #f1a9a0;",
    Verdict.TRANSIT_LOSS: "background: #fdecea; color: #9b1c1c; border: 1px solid #f1a9a0;",
    Verdict.HEAVY: "background: #fff4e0; color: #8a4b00; border: 1px solid #f0c890;",
    Verdict.UNCERTAIN: "background: #fff4e0; color: #8a4b00; border: 1px solid #f0c890;",
}
NEUTRAL_STYLE = "background: #f3f3f3; color: #444; border: 1px solid #ddd;"
ORDER_LOOKUP_DELAY_MS = 400  # after the last keystroke or paste in 订单号
# The suggestions strip's red, for a table cell, which takes a colour, not a style sheet.
DIFFERS_COLOUR = QColor(re.search(r"color:\s*([#\w]+)", DIFFERS_STYLE).group(1))  # type: ignore[union-attr]
SUGGESTION_ROWS = 6  # rows shown before the list scrolls: a courier page gives up to four weights


@dataclass(frozen=True)
class _Loaded:
    case_id: CaseId
    check: WeightCheck
    records: list[WeightRecordData]
    order: OrderData | None
    evidence: list[EvidenceData]
    suggestions: tuple[WeightSuggestion, ...] = ()  # weights read in the case's pictures, not recorded


class ToleranceDialog(QDialog):
    """Scale precision, percentage and default packaging weight (shared by every case)."""

    def __init__(self, desk: Desk, parent: QWidget | None = None, *, current: Any = None) -> None:
        """current: the tolerance as read on the DB worker; None reads it here, on the calling thread."""
        super().__init__(parent)
        self.setWindowTitle(f"称重误差设置 — {APP_TITLE}")
        if current is None:
            current = desk.weights.tolerance()
        self.precision = QSpinBox()
        self.precision.setRange(0, 5000)
        self.precision.setSuffix(" g")
        self.precision.setValue(current.precision_g)
        self.percent = QDoubleSpinBox()
        self.percent.setRange(0, 50)
        self.percent.setDecimals(1)
        self.percent.setSuffix(" %")
        self.percent.setValue(float(current.percent))
        self.packaging = QSpinBox()
        self.packaging.setRange(0, 50000)
        self.packaging.setSuffix(" g")
        self.packaging.setValue(current.default_packaging_g)
        form = QFormLayout()
        form.addRow("秤的精度：", self.precision)
        form.addRow("另加应有重量的：", self.percent)
        form.addRow("默认包装重量：", self.packaging)
        note = QLabel("允许误差 = 秤的精度 + 应有重量 × 百分比。商品没有设置包装重量时用默认包装重量。")
        note.setWordWrap(True)
        ok = QPushButton("保存")
        ok.setDefault(True)
        ok.clicked.connect(self.accept)
        cancel = QPushButton("取消")
        cancel.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(ok)
        buttons.addWidget(cancel)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addLayout(buttons)

    def values(self) -> dict[str, Any]:
        return {
            "precision_g": self.precision.value(),
            "percent": Decimal(str(round(self.percent.value(), 1))),
            "default_packaging_g": self.packaging.value(),
        }


class SuggestionList(QTableWidget):
    """The weights read in the case's pictures, one row each: Enter accepts the selected one, Delete or
    Esc puts it aside. The buttons in each row do the same for the mouse."""

    accept_chosen = Signal()
    decline_chosen = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, 3, parent)
        self.setObjectName("weightSuggestions")
        self.horizontalHeader().hide()
        self.verticalHeader().hide()
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # One line a row, elided (the whole sentence is the tooltip): a row's height must not depend on
        # the width the column had when the rows were filled, which is none before the tab is laid out.
        self.setWordWrap(False)
        self.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        header = self.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.setToolTip("回车键采用所选；删除键或 Esc 键忽略")

    def keyPressEvent(self, event: QKeyEvent) -> None:
        # Taken here rather than left to the view: it would turn Enter into `activated` and pass Esc on
        # to the window.
        if self.currentRow() >= 0 and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.accept_chosen.emit()
            event.accept()
            return
        if self.currentRow() >= 0 and event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Escape):
            self.decline_chosen.emit()
            event.accept()
            return
        super().keyPressEvent(event)


def _ident(ws: WeightSuggestion) -> tuple[int, str, str, int]:
    """One suggestion across reloads: its picture, its key, and the record it would write."""
    return (int(ws.evidence_id), ws.suggestion.key, ws.kind.value, ws.grams)


class WeightPanel(QWidget):
    """Weights of one case and the conclusion.

    Signals:
        changes_made(Changes): a weight was recorded, changed or removed, or the case filled from its order.
        status_message(str): a short note for the status bar.
    """

    changes_made = Signal(object)
    status_message = Signal(str)

    def __init__(
        self,
        desk: Desk,
        runner: TaskRunner,
        parent: QWidget | None = None,
        *,
        open_products: Callable[[], None] | None = None,
    ) -> None:
        super().__init__(parent)
        self.desk = desk
        self.runner = runner
        self._open_products = open_products  # the 商品与重量 window, when the window has one
        self._case_id: CaseId | None = None
        self._loaded: _Loaded | None = None
        self._generation = 0
        # Weights read in pictures: as loaded, as shown, put aside by the operator (for as long as the
        # panel lives: nothing about a decline is stored), and being accepted right now (hidden meanwhile,
        # so a second Enter takes the next one instead of the same one again).
        self._suggestions: tuple[WeightSuggestion, ...] = ()
        self._shown: list[WeightSuggestion] = []
        self._declined: set[tuple[int, str, str, int]] = set()
        self._accepting: set[tuple[int, str, str, int]] = set()
        self._build()
        self.set_case(None)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusWindowChanged.connect(self._on_focus_window)

    # -- construction ----------------------------------------------------------------------------

    def _build(self) -> None:
        self.conclusion = QLabel()
        self.conclusion.setWordWrap(True)
        self.conclusion.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        font = self.conclusion.font()
        font.setPointSizeF(font.pointSizeF() * 1.2)
        font.setBold(True)
        self.conclusion.setFont(font)
        self.details = QLabel()
        self.details.setWordWrap(True)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.order_line = QLabel()
        self.order_line.setWordWrap(True)
        self.order_line.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.items = QTableWidget(0, 5)
        self.items.setHorizontalHeaderLabels(["商品", "商家编码", "数量", "单件重量", "小计"])
        self.items.verticalHeader().hide()
        self.items.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.items.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.fill_button = QPushButton("按订单填写售后")
        self.fill_button.setToolTip("把订单的平台、店铺、快递单号、快递公司、金额填进这条售后（记入时间线）")
        self.fill_button.clicked.connect(self.fill_from_order)
        self.products_button = QPushButton("商品重量…")
        self.products_button.clicked.connect(self.open_products)
        order_buttons = QHBoxLayout()
        order_buttons.addWidget(self.order_line, 1)
        order_buttons.addWidget(self.fill_button)
        order_buttons.addWidget(self.products_button)
        self.items.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.items.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.items.itemSelectionChanged.connect(self._on_item_chosen)
        # Items typed by hand: no weight check has to wait for an import of the platform's export.
        self.item_name = QLineEdit()
        self.item_name.setPlaceholderText("商品名称")
        self.item_name.setMaxLength(200)
        self.item_quantity = QSpinBox()
        self.item_quantity.setRange(1, 9999)
        self.item_quantity.setPrefix("× ")
        self.item_weight = QLineEdit()
        self.item_weight.setPlaceholderText("单件重量 g")
        self.item_weight.setToolTip(
            "单件重量，克；也可输入 0.35kg、1斤。记在“商品与重量”里，其他订单也会用到"
        )
        self.item_weight.setMaximumWidth(110)
        self.item_weight.returnPressed.connect(self.add_item)
        self.item_add_button = QPushButton("添加商品")
        self.item_add_button.setToolTip("手工录入订单里的商品（没有导入订单时也能核对重量）")
        self.item_add_button.clicked.connect(self.add_item)
        self.item_update_button = QPushButton("修改所选")
        self.item_update_button.clicked.connect(self.update_item)
        self.item_remove_button = QPushButton("删除所选")
        self.item_remove_button.clicked.connect(self.remove_item)
        item_row = QHBoxLayout()
        item_row.addWidget(self.item_name, 1)
        item_row.addWidget(self.item_quantity)
        item_row.addWidget(self.item_weight)
        item_row.addWidget(self.item_add_button)
        item_row.addWidget(self.item_update_button)
        item_row.addWidget(self.item_remove_button)
        order_box = QGroupBox("订单与应有重量")
        ob = QVBoxLayout(order_box)
        ob.addLayout(order_buttons)
        ob.addWidget(self.items)
        ob.addLayout(item_row)

        self.records = QTableWidget(0, 4)
        self.records.setHorizontalHeaderLabels(["称重", "重量", "证据", "备注"])
        self.records.verticalHeader().hide()
        self.records.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.records.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.records.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.kind = QComboBox()
        for k in WeightKind:
            self.kind.addItem(str(k), k.value)
        self.kind.currentIndexChanged.connect(lambda _i: self._fill_evidence_choices())
        self.weight = QLineEdit()
        self.weight.setPlaceholderText("1.25")
        self.weight.setMaximumWidth(90)
        self.weight.returnPressed.connect(self.add_record)
        self.unit = QComboBox()
        self.unit.addItem("千克", "kg")
        self.unit.addItem("克", "g")
        self.unit.addItem("斤", "斤")
        self.evidence = QComboBox()
        self.evidence.setMinimumContentsLength(14)
        self.evidence.currentIndexChanged.connect(self._on_evidence_chosen)
        self.note = QLineEdit()
        self.note.setPlaceholderText("备注（可不填）")
        self.add_button = QPushButton("记录")
        self.add_button.clicked.connect(self.add_record)
        self.remove_button = QPushButton("删除所选")
        self.remove_button.clicked.connect(self.remove_selected)
        add_row = QHBoxLayout()
        for w in (self.kind, self.weight, self.unit, QLabel("证据："), self.evidence):
            add_row.addWidget(w)
        add_row.setStretch(4, 1)
        note_row = QHBoxLayout()
        note_row.addWidget(self.note, 1)
        note_row.addWidget(self.add_button)
        note_row.addWidget(self.remove_button)
        records_box = QGroupBox("称重记录（仓库称重、快递内网 上车/下车、复称）")
        rb = QVBoxLayout(records_box)
        rb.addWidget(self.records)
        rb.addLayout(add_row)
        rb.addLayout(note_row)

        self.suggestion_list = SuggestionList()
        self.suggestion_list.accept_chosen.connect(lambda: self.accept_suggestion())
        self.suggestion_list.decline_chosen.connect(lambda: self.decline_suggestion())
        self.suggestion_note = QLabel()
        self.suggestion_note.setObjectName("weightSuggestionsNote")
        self.suggestion_note.setWordWrap(True)
        self.suggestion_note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.suggestion_note.hide()
        self.suggestion_hint = QLabel("选中一条按回车键采用（记入称重记录，来源为该图片），按删除键忽略")
        self.suggestion_hint.setStyleSheet("color: #666;")
        self.suggestion_hint.setWordWrap(True)
        self.suggestion_box = QGroupBox("图片中识别到的重量")
        sb = QVBoxLayout(self.suggestion_box)
        sb.addWidget(self.suggestion_list)
        sb.addWidget(self.suggestion_note)
        sb.addWidget(self.suggestion_hint)
        self.suggestion_box.hide()

        self.tolerance = QLabel()
        self.tolerance.setStyleSheet("color: #666;")
        settings = QPushButton("误差设置…")
        settings.clicked.connect(self.edit_tolerance)
        tol_row = QHBoxLayout()
        tol_row.addWidget(self.tolerance, 1)
        tol_row.addWidget(settings)

        body = QWidget()
        layout = QVBoxLayout(body)
        layout.addWidget(self.conclusion)
        layout.addWidget(self.details)
        layout.addWidget(order_box)
        layout.addWidget(self.suggestion_box)  # right above the records its rows become
        layout.addWidget(records_box)
        layout.addLayout(tol_row)
        layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(body)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)

    # -- loading ---------------------------------------------------------------------------------

    @property
    def case_id(self) -> CaseId | None:
        return self._case_id

    def set_case(self, case_id: CaseId | None) -> None:
        if case_id != self._case_id:
            # Another case's pictures must not stay on offer while this one loads.
            self._suggestions = ()
            self._set_suggestion_note("")
            self._fill_suggestions()
        self._case_id = case_id
        self._loaded = None
        enabled = case_id is not None
        for w in (
            self.add_button,
            self.remove_button,
            self.fill_button,
            self.weight,
            self.item_name,
            self.item_add_button,
            self.item_update_button,
            self.item_remove_button,
        ):
            w.setEnabled(enabled)
        if case_id is None:
            self._generation += 1
            self._show_message("保存售后后即可记录重量、核对是否少件。")
            self.details.setText("")
            self.order_line.setText("")
            self.items.setRowCount(0)
            self.records.setRowCount(0)
            self.evidence.clear()
            return
        self.reload()

    def reload(self) -> None:
        case_id = self._case_id
        if case_id is None:
            return
        self._generation += 1
        generation = self._generation
        desk = self.desk

        def load() -> _Loaded:
            case = desk.cases.get(case_id)
            return _Loaded(
                case_id=case_id,
                check=desk.weights.check(case_id),
                records=desk.weights.records(case_id),
                order=desk.orders.find(case.order_no, case.platform),
                evidence=desk.evidence.list(case_id),
                suggestions=_weight_suggestions(desk, case_id),
            )

        def loaded(result: _Loaded) -> None:
            if generation == self._generation and result.case_id == self._case_id:
                self.show_loaded(result)

        def failed(exc: BaseException) -> None:
            log.info("weight panel load failed", exc_info=exc)
            if generation == self._generation:
                self._show_message(str(exc))

        Op(load, parent=self).on_success(loaded).on_failure(failed).run(self.runner)

    def apply_changes(self, changes: Changes) -> None:
        if self._case_id is not None and (self._case_id in changes.cases or changes.evidence):
            self.reload()

    def _on_focus_window(self, focused: object) -> None:
        """Back in this window (from 商品与重量, or from the CLI or another program): product weights may
        have changed there, and they carry no case in `Changes`, so read the tab again. One background
        read per return; nothing when the tab is not showing."""
        if focused is None or self._case_id is None or not self.isVisible():
            return
        if focused is self.window().windowHandle():
            self.reload()

    def _show_message(self, text: str) -> None:
        self.conclusion.setText(text)
        self.conclusion.setStyleSheet(f"QLabel {{ {NEUTRAL_STYLE} border-radius: 4px; padding: 8px; }}")

    def show_loaded(self, data: _Loaded) -> None:
        self._loaded = data
        check = data.check
        style = VERDICT_STYLE.get(check.verdict, NEUTRAL_STYLE)
        self.conclusion.setText(check.conclusion)
        self.conclusion.setStyleSheet(f"QLabel {{ {style} border-radius: 4px; padding: 8px; }}")
        self.details.setText("\n".join([*check.details, *check.missing_weights]))
        order = data.order
        if order is None:
            self.order_line.setText(
                "没有找到这个订单号的导入记录：可以在“订单”菜单导入平台的订单导出，或在下面手工录入商品和单件重量。"
                if check.order_no
                else "这条售后还没有填写订单号。"
            )
            self.fill_button.setEnabled(False)
        else:
            parts = [f"订单 {order.order_no}", order.status, f"{order.courier} {order.tracking_no}".strip()]
            if order.shipped_at:
                parts.append(f"发货 {when(order.shipped_at)}")
            if order.signed_at:
                parts.append(f"签收 {when(order.signed_at)}")
            if order.order_amount is not None:
                parts.append(f"实付 ¥{money(order.order_amount)}")
            self.order_line.setText("　·　".join(p for p in parts if p))
            self.fill_button.setEnabled(True)
        lines = check.lines
        self.items.setRowCount(len(lines) + (1 if check.packaging_g is not None else 0))
        for row, line in enumerate(lines):
            unit = "缺重量" if line.unit_weight_g is None else f"{line.unit_weight_g} g"
            subtotal = "—" if line.subtotal_g is None else grams_text(line.subtotal_g)
            for column, text in enumerate((line.name, line.sku_code, str(line.quantity), unit, subtotal)):
                self.items.setItem(row, column, QTableWidgetItem(text))
        if check.packaging_g is not None:
            row = len(lines)
            self.items.setItem(row, 0, QTableWidgetItem("包装"))
            self.items.setItem(row, 4, QTableWidgetItem(grams_text(check.packaging_g)))
        self.records.setRowCount(len(data.records))
        for row, r in enumerate(data.records):
            cells = (str(r.kind), grams_text(r.grams), r.evidence_name or "—", r.note)
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, r.id)
                self.records.setItem(row, column, item)
        self.tolerance.setText(
            f"允许误差：{check.tolerance.describe()}；没有包装重量的商品按 {check.tolerance.default_packaging_g} g 计"
        )
        _fit_height(self.items)
        _fit_height(self.records)
        self._fill_evidence_choices()
        self._suggestions = data.suggestions
        self._fill_suggestions()

    def _fill_evidence_choices(self) -> None:
        data = self._loaded
        self.evidence.blockSignals(True)
        try:
            self.evidence.clear()
            self.evidence.addItem("（不关联）", None)
            if data is None:
                return
            wanted = WEIGHT_EVIDENCE_KIND.get(WeightKind(self.kind.currentData()))
            ordered = sorted(data.evidence, key=lambda e: (e.kind != wanted, e.position, e.id))
            for e in ordered:
                self.evidence.addItem(f"{e.kind}：{e.original_name}", int(e.id))
            if ordered and ordered[0].kind == wanted:
                self.evidence.setCurrentIndex(1)
        finally:
            self.evidence.blockSignals(False)
        self._on_evidence_chosen()

    def _on_evidence_chosen(self, *_args: object) -> None:
        """A picture whose weight the gallery already knows fills the weight field (if it is empty)."""
        data = self._loaded
        evidence_id = self.evidence.currentData()
        if data is None or evidence_id is None or self.weight.text().strip():
            return
        e = next((x for x in data.evidence if x.id == evidence_id), None)
        grams = getattr(e, "weight_grams", None)
        if grams:
            self.unit.setCurrentIndex(self.unit.findData("g"))
            self.weight.setText(str(grams))

    # -- actions ---------------------------------------------------------------------------------

    def add_record(self) -> None:
        case_id = self._case_id
        if case_id is None:
            return
        try:
            grams = weight_grams(self.weight.text(), "重量", default_unit=str(self.unit.currentData()))
        except CellError as exc:
            self.status_message.emit(str(exc))
            show_error(self, ValueError(str(exc)), action="记录重量")
            return
        if grams is None:
            self.status_message.emit("请先填写重量")
            self.weight.setFocus()
            return
        kind = WeightKind(self.kind.currentData())
        evidence = self.evidence.currentData()
        evidence_id = EvidenceId(evidence) if evidence is not None else None
        note = self.note.text()
        weights = self.desk.weights

        def added(result: tuple[WeightRecordData, Changes]) -> None:
            record, changes = result
            self.weight.clear()
            self.note.clear()
            self.status_message.emit(f"已记录：{record.kind} {grams_text(record.grams)}")
            self.changes_made.emit(changes)
            self.reload()

        Op(
            lambda: weights.add(case_id, kind, grams, evidence_id=evidence_id, note=note), parent=self
        ).on_success(added).run(self.runner)

    # -- weights read in the case's pictures -----------------------------------------------------------

    def picture_read(self, case_id: CaseId) -> None:
        """A picture of this case was read in the background and shows a weight: offer it."""
        if case_id == self._case_id:
            self.reload()

    def accept_suggestion(self, chosen: WeightSuggestion | None = None) -> None:
        """Record the chosen weight (the selected row by default) with its picture as the source."""
        ws = chosen if chosen is not None else self._selected_suggestion()
        if ws is None or self._case_id is None:
            return
        ident = _ident(ws)
        if ident in self._accepting:
            return
        self._accepting.add(ident)
        self._fill_suggestions()
        case_id = self._case_id
        recognition = self.desk.recognition
        evidence_id, key = ws.evidence_id, ws.suggestion.key

        def done(result: Accepted) -> None:
            self._accepting.discard(ident)
            self._suggestions = tuple(s for s in self._suggestions if _ident(s) != ident)
            self.status_message.emit(result.message)
            if case_id == self._case_id:
                self._set_suggestion_note(result.message, differs=result.differs)
            self._fill_suggestions()
            if result.applied:
                self.changes_made.emit(result.changes)
            self.reload()

        def failed(exc: BaseException) -> None:
            self._accepting.discard(ident)
            message = getattr(exc, "message", None) or str(exc)
            self.status_message.emit(message)
            if case_id == self._case_id:
                self._set_suggestion_note(f"未能采用：{message}", differs=True)
            self._fill_suggestions()
            self.reload()  # the picture may have changed since: offer what it says now

        Op(lambda: recognition.accept_suggestion(evidence_id, key), parent=self).on_success(done).on_failure(
            failed
        ).run(self.runner)

    def decline_suggestion(self, chosen: WeightSuggestion | None = None) -> None:
        """Put the chosen weight aside: not offered again while the panel lives; nothing is written."""
        ws = chosen if chosen is not None else self._selected_suggestion()
        if ws is None:
            return
        self._declined.add(_ident(ws))
        self._fill_suggestions()
        self.status_message.emit(f"已忽略图片中的{ws.words}")

    def _selected_suggestion(self) -> WeightSuggestion | None:
        row = self.suggestion_list.currentRow()
        return self._shown[row] if 0 <= row < len(self._shown) else None

    def _set_suggestion_note(self, text: str, *, differs: bool = False) -> None:
        self.suggestion_note.setText(text)
        self.suggestion_note.setStyleSheet(DIFFERS_STYLE if differs else "")
        self.suggestion_note.setVisible(bool(text))

    def _fill_suggestions(self) -> None:
        table = self.suggestion_list
        row = max(0, table.currentRow())
        shown = [
            s
            for s in self._suggestions
            if _ident(s) not in self._declined and _ident(s) not in self._accepting
        ]
        self._shown = shown
        # Rows and their buttons made anew: a button clicked now is deleted later by the view, never
        # under its own click.
        table.setRowCount(0)
        table.setRowCount(len(shown))
        for r, ws in enumerate(shown):
            s = ws.suggestion
            item = QTableWidgetItem(ws.words)
            item.setToolTip(ws.words)
            if s.differs:
                item.setForeground(DIFFERS_COLOUR)
                item.setToolTip(
                    f"{ws.words}\n图片中的重量与已有的同类称重记录不一致：采用时另记一条，不会改动已有记录，请核对"
                )
            table.setItem(r, 0, item)
            for column, (words, act) in enumerate(
                (("采用", self.accept_suggestion), ("忽略", self.decline_suggestion)), start=1
            ):
                button = QPushButton(words)
                # The list keeps the keyboard focus: Enter and Delete act on its selected row.
                button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
                button.clicked.connect(partial(act, ws))
                table.setCellWidget(r, column, button)
        if shown:
            table.setCurrentCell(min(row, len(shown) - 1), 0)
        table.resizeRowsToContents()
        visible_rows = range(min(len(shown), SUGGESTION_ROWS))
        table.setFixedHeight(sum(table.rowHeight(r) for r in visible_rows) + 2 * table.frameWidth())
        table.setVisible(bool(shown))
        self.suggestion_hint.setVisible(bool(shown))
        # With the last one accepted the message of what it did stays until another case is shown.
        self.suggestion_box.setVisible(bool(shown or self.suggestion_note.text()))

    # -- order items typed by hand --------------------------------------------------------------------

    def _chosen_line(self) -> int | None:
        """The order line of the selected item row (the packaging row and no order have none)."""
        data = self._loaded
        rows = {i.row() for i in self.items.selectedIndexes()}
        if data is None or data.order is None or len(rows) != 1:
            return None
        row = rows.pop()
        items = data.order.items
        return items[row].line_no if row < len(items) else None

    def _on_item_chosen(self) -> None:
        """A chosen row fills the item editors, so 修改所选 starts from what it shows."""
        data = self._loaded
        line = self._chosen_line()
        if data is None or data.order is None or line is None:
            return
        row = next(r for r, i in enumerate(data.order.items) if i.line_no == line)
        item = data.order.items[row]
        self.item_name.setText(item.product_name)
        self.item_quantity.setValue(max(1, item.quantity))
        unit = data.check.lines[row].unit_weight_g if row < len(data.check.lines) else None
        self.item_weight.setText(str(unit) if unit is not None else "")

    def _item_grams(self) -> tuple[bool, int | None]:
        try:
            return True, weight_grams(self.item_weight.text(), "单件重量", default_unit="g")
        except CellError as exc:
            self.status_message.emit(str(exc))
            show_error(self, ValueError(str(exc)), action="录入商品")
            return False, None

    def _item_done(self, message: str) -> Callable[[Any], None]:
        def done(result: Any) -> None:
            _order, changes = result
            self.item_name.clear()
            self.item_weight.clear()
            self.item_quantity.setValue(1)
            self.status_message.emit(message)
            self.changes_made.emit(changes)
            self.reload()

        return done

    def _run_item(self, work: Callable[[], Any], message: str) -> None:
        Op(work, parent=self).on_success(self._item_done(message)).on_failure(
            lambda exc: show_error(self, exc, action="录入商品")
        ).run(self.runner)

    def add_item(self) -> None:
        case_id = self._case_id
        name = self.item_name.text().strip()
        if case_id is None:
            return
        if not name:
            self.status_message.emit("请先填写商品名称")
            self.item_name.setFocus()
            return
        ok, grams = self._item_grams()
        if not ok:
            return
        quantity = self.item_quantity.value()
        orders = self.desk.orders
        self._run_item(
            lambda: orders.add_item(case_id, name, quantity, grams), f"已添加商品：{name} × {quantity}"
        )

    def update_item(self) -> None:
        case_id = self._case_id
        line = self._chosen_line()
        if case_id is None or line is None:
            self.status_message.emit("请先在上面的商品表里选中一件商品")
            return
        ok, grams = self._item_grams()
        if not ok:
            return
        name = self.item_name.text().strip() or None
        quantity = self.item_quantity.value()
        orders = self.desk.orders
        self._run_item(
            lambda: orders.update_item(case_id, line, name=name, quantity=quantity, unit_weight_g=grams),
            "已修改商品",
        )

    def remove_item(self) -> None:
        case_id = self._case_id
        line = self._chosen_line()
        if case_id is None or line is None:
            self.status_message.emit("请先在上面的商品表里选中一件商品")
            return
        orders = self.desk.orders
        self._run_item(lambda: orders.remove_item(case_id, line), "已删除商品")

    def remove_selected(self) -> None:
        rows = sorted({i.row() for i in self.records.selectedIndexes()})
        cells = [self.records.item(r, 0) for r in rows]
        ids = [cell.data(Qt.ItemDataRole.UserRole) for cell in cells if cell is not None]
        if not ids:
            self.status_message.emit("请先选中要删除的称重记录")
            return
        weights = self.desk.weights

        def remove() -> Changes:
            changes = Changes()
            for record_id in ids:
                changes = changes | weights.remove(int(record_id))
            return changes

        def removed(changes: Changes) -> None:
            self.status_message.emit(f"已删除 {len(ids)} 条称重记录")
            self.changes_made.emit(changes)
            self.reload()

        Op(remove, parent=self).on_success(removed).run(self.runner)

    def fill_from_order(self) -> None:
        case_id = self._case_id
        if case_id is None:
            return
        orders = self.desk.orders

        def filled(result: Any) -> None:
            _case, changes, order = result
            if order is None:
                self.status_message.emit("没有找到这个订单号的导入记录")
            elif changes.cases:
                self.status_message.emit(f"已按订单 {order.order_no} 填写售后")
                self.changes_made.emit(changes)
            else:
                self.status_message.emit("售后已与订单一致")

        Op(lambda: orders.fill_case(case_id), parent=self).on_success(filled).run(self.runner)

    def edit_tolerance(self) -> None:
        weights = self.desk.weights

        def edit(current: Any) -> None:
            dialog = ToleranceDialog(self.desk, self, current=current)
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return
            values = dialog.values()
            Op(lambda: weights.set_tolerance(**values), parent=self).on_success(lambda _t: self.reload()).run(
                self.runner
            )

        Op(weights.tolerance, parent=self).on_success(edit).run(self.runner)

    def open_products(self) -> None:
        if self._open_products is not None:
            self._open_products()


def _fit_height(table: QTableWidget, *, empty_rows: int = 1) -> None:
    """As tall as its rows (no empty grey area, no inner scroll bar): the tab itself scrolls."""
    table.resizeRowsToContents()
    rows = sum(table.rowHeight(r) for r in range(table.rowCount()))
    if table.rowCount() == 0:
        rows = table.verticalHeader().defaultSectionSize() * empty_rows
    scroll = table.horizontalScrollBar().sizeHint().height() if table.horizontalScrollBar().isVisible() else 0
    table.setFixedHeight(table.horizontalHeader().height() + rows + 2 * table.frameWidth() + scroll)


def _weight_suggestions(desk: Desk, case_id: CaseId) -> tuple[WeightSuggestion, ...]:
    """On the DB worker, beside the tab's other reads: cached readings only, nothing is read here."""
    try:
        return desk.recognition.weight_suggestions(case_id)
    except Exception:  # what pictures say is an aid: it must never keep the case's weights from showing
        log.warning("weights read in the pictures of case #%s could not be offered", case_id, exc_info=True)
        return ()


def install_weight_tab(
    ctx: FeatureContext, *, open_products: Callable[[], None] | None = None
) -> WeightPanel:
    """Add the 称重核对 tab to the case form; it follows whichever case the window shows
    (read when the tab is visible, so switching cases on other tabs costs nothing)."""
    form = ctx.case_form
    panel = WeightPanel(ctx.desk, ctx.runner, open_products=open_products)
    panel.setObjectName(WEIGHT_TAB)
    form.tabs.addTab(panel, "称重核对")
    panel.changes_made.connect(ctx.changes)
    panel.status_message.connect(ctx.show_status)
    ctx.changes.connect(panel.apply_changes)

    def sync(*_args: object) -> None:
        case_id = ctx.current_case()
        if panel.isVisible() and case_id != panel.case_id:
            panel.set_case(case_id)

    ctx.case_changed.connect(sync)
    form.tabs.currentChanged.connect(sync)
    _offer_pictures_read_later(ctx, panel)
    install_order_autofill(ctx)
    return panel


def _offer_pictures_read_later(ctx: FeatureContext, panel: WeightPanel) -> None:
    """A picture imported while its case is open is read in the background seconds later: once it turns
    out to show a weight, the tab reads its suggestions again. Told on the reading thread; whatever was
    told before is still told."""
    recognition = ctx.desk.recognition
    before = recognition.on_read
    runner = ctx.runner

    def offer(case_id: CaseId) -> None:
        if isValid(panel):  # a restore may have replaced the window meanwhile
            panel.picture_read(case_id)

    def read(picture: PictureText) -> None:
        if any(s.target.startswith("weight:") for s in picture.suggestions):
            runner.run_on_gui(partial(offer, picture.case_id))
        if before is not None:
            before(picture)

    recognition.on_read = read


def install_order_autofill(ctx: FeatureContext) -> None:
    """Typing an order number that was imported fills the form's empty fields (platform, shop,
    tracking no., courier, amount); the operator sees them as unsaved edits and saves as usual."""
    form = ctx.case_form
    editor = form.fields.get("order_no")
    if not isinstance(editor, QLineEdit):
        return
    orders = ctx.desk.orders

    def lookup() -> None:
        order_no = editor.text().strip()
        if not order_no:
            return
        case_id = form.case_id

        def find() -> dict[str, Any] | None:
            order = orders.find(order_no)
            return orders.case_values(order) if order is not None else None

        def found(values: dict[str, Any] | None) -> None:
            # Only into the form it was typed in: not after the operator moved to another case or number
            # (a new case may have been saved meanwhile, leaving the field: it is still that form).
            moved = editor.text().strip() != order_no or (case_id is not None and form.case_id != case_id)
            if values is None or moved:
                return
            filled = _fill_form(form, values)
            if filled:
                ctx.show_status(f"已按导入的订单填写：{'、'.join(filled)}（尚未保存）")

        Op(find, parent=form).on_success(found).on_failure(
            lambda exc: log.error("order lookup failed", exc_info=exc)
        ).run(ctx.runner)

    editor.editingFinished.connect(lookup)
    # A pasted (or typed) number is looked up once typing pauses, without Enter or leaving the field:
    # textEdited, not textChanged, so a case being shown never fills itself.
    pause = QTimer(form, singleShot=True, interval=ORDER_LOOKUP_DELAY_MS)
    pause.timeout.connect(lookup)
    editor.textEdited.connect(lambda _text: pause.start())


def _fill_form(form: Any, values: dict[str, Any]) -> list[str]:
    from desk.domain import CASE_FIELD_LABELS

    filled: list[str] = []
    for name, value in values.items():
        editor = form.fields.get(name)
        if editor is None:
            continue
        if isinstance(editor, QLineEdit):
            if editor.text().strip():
                continue
            editor.setText(money(value) if isinstance(value, Decimal) else str(value))
        elif isinstance(editor, QComboBox):
            data = getattr(value, "name", None) if name == "platform" else int(value)
            index = editor.findData(data)
            if index < 0 or index == editor.currentIndex():
                continue
            if name == "shop_id" and editor.currentData() not in (None, -1):
                continue  # the operator chose a shop already
            editor.setCurrentIndex(index)
        else:
            continue
        filled.append(CASE_FIELD_LABELS.get(name, name))
    return filled
