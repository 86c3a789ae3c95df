"""The evidence gallery: a model grouped by kind, a card delegate with lazy thumbnails, an icon-mode view.

The rows are the packet's order: kinds in EvidenceKind order, then the items by their gallery
position; the first card of each kind carries a narrow tile naming the kind. Cards paint a
placeholder until ThumbnailCache delivers.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from desk.domain import WEIGHT_KINDS, EvidenceData, EvidenceId, EvidenceKind
from ui.evidence import mime as drops
from ui.evidence.thumbnails import ThumbnailCache
from ui.format import byte_size, when
from ui.qt import (
    QAbstractItemView,
    QAbstractListModel,
    QColor,
    QDrag,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QFont,
    QFontMetrics,
    QKeyEvent,
    QListView,
    QMimeData,
    QModelIndex,
    QObject,
    QPainter,
    QPaintEvent,
    QPen,
    QPersistentModelIndex,
    QRect,
    QSize,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    Qt,
    QWidget,
    Signal,
)

EVIDENCE_ROLE = Qt.ItemDataRole.UserRole + 1
HEADER_ROLE = Qt.ItemDataRole.UserRole + 2
THUMB_BOX = 150  # thumbnail square in the gallery, logical pixels
CARD_PADDING = 6
HEADER_WIDTH = 30
MOVE_MIME = "application/x-desk-evidence-ids"
KIND_ORDER = {kind: i for i, kind in enumerate(EvidenceKind)}

AnyIndex = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True, slots=True)
class Header:
    kind: EvidenceKind
    count: int


def clock(ms: int | None) -> str:
    if ms is None:
        return ""
    seconds = max(0, ms) // 1000
    return f"{seconds // 60}:{seconds % 60:02d}"


def grams_text(grams: int | None) -> str:
    if grams is None:
        return ""
    return f"{grams / 1000:g} kg" if grams >= 1000 else f"{grams} 克"


def badge(item: EvidenceData) -> str:
    """The small line under a card: what sort of file, and anything the operator should notice."""
    parts = []
    if item.is_video:
        parts.append(f"视频 {clock(item.duration_ms)}")
        if item.key_frames:
            parts.append(f"关键帧 {len(item.key_frames)}")
    elif item.is_pdf:
        parts.append(f"PDF {item.page_count or '?'} 页")
    elif item.animated:
        parts.append("动图")
    elif item.page_count:
        parts.append(f"{item.page_count} 页")
    if item.kind in WEIGHT_KINDS and item.weight_grams is not None:
        parts.append(grams_text(item.weight_grams))
    if any(m.shape == "redact" for m in item.marks):
        parts.append("已遮挡")
    return " · ".join(parts)


class GalleryModel(QAbstractListModel):
    """The evidence of one case in packet order: grouped by kind, then by gallery position.

    The first card of each group also carries the group's label (HEADER_ROLE), painted as a
    narrow tile on its left, so several small groups share a row and a label never ends a row alone.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._items: list[EvidenceData] = []
        self._headers: dict[int, Header] = {}

    def set_items(self, items: Sequence[EvidenceData]) -> None:
        ordered = sorted(items, key=lambda e: (KIND_ORDER[e.kind], e.position, e.id))
        counts: dict[EvidenceKind, int] = {}
        for item in ordered:
            counts[item.kind] = counts.get(item.kind, 0) + 1
        headers: dict[int, Header] = {}
        previous: EvidenceKind | None = None
        for row, item in enumerate(ordered):
            if item.kind != previous:
                headers[row] = Header(item.kind, counts[item.kind])
                previous = item.kind
        self.beginResetModel()
        self._items = ordered
        self._headers = headers
        self.endResetModel()

    def items(self) -> list[EvidenceData]:
        """The items in gallery order."""
        return list(self._items)

    def item(self, row: int) -> EvidenceData | None:
        return self._items[row] if 0 <= row < len(self._items) else None

    def header(self, row: int) -> Header | None:
        """The group label carried by this row (the first of its kind), or None."""
        return self._headers.get(row)

    def row_of(self, evidence_id: int) -> int | None:
        for row, item in enumerate(self._items):
            if item.id == evidence_id:
                return row
        return None

    def index_of(self, evidence_id: int) -> QModelIndex:
        row = self.row_of(evidence_id)
        return self.index(row) if row is not None else QModelIndex()

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._items)

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.ItemIsDropEnabled
        return (
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemIsDragEnabled
            | Qt.ItemFlag.ItemIsDropEnabled
        )

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        item = self.item(index.row()) if index.isValid() else None
        if item is None:
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return f"{item.kind} {item.caption or item.original_name}".strip()
        if role == Qt.ItemDataRole.ToolTipRole:
            lines = [item.original_name, f"{item.kind} · {byte_size(item.byte_size)}"]
            if not item.kind_confirmed:
                lines.append("类型是自动推测的，请确认")
            if item.width and item.height:
                lines.append(f"{item.width}×{item.height}")
            extra = badge(item)
            if extra:
                lines.append(extra)
            if item.captured_at:
                lines.append(f"拍摄于 {when(item.captured_at)}")
            lines.append(f"导入于 {when(item.imported_at)}")
            if item.caption:
                lines.append(item.caption)
            return "\n".join(lines)
        if role == EVIDENCE_ROLE:
            return item
        if role == HEADER_ROLE:
            return self._headers.get(index.row())
        return None

    # Internal drags carry ids; the view turns a drop into a move request.
    def mimeTypes(self) -> list[str]:
        return [MOVE_MIME]

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:
        ids = [item.id for index in indexes if (item := self.item(index.row())) is not None]
        mime = QMimeData()
        mime.setData(MOVE_MIME, json.dumps(sorted(set(ids), key=ids.index)).encode())
        return mime

    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction

    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction | Qt.DropAction.CopyAction


class GalleryDelegate(QStyledItemDelegate):
    """Paints a card (thumbnail or a placeholder while it loads, kind, caption, badges) and group labels."""

    def __init__(self, thumbnails: ThumbnailCache, view: QListView) -> None:
        super().__init__(view)
        self._thumbnails = thumbnails

    def sizeHint(self, option: QStyleOptionViewItem, index: AnyIndex) -> QSize:
        line = QFontMetrics(option.font).height()
        height = THUMB_BOX + 2 * CARD_PADDING + 3 * line + 12
        width = THUMB_BOX + 2 * CARD_PADDING + 8
        if index.data(HEADER_ROLE) is not None:
            width += HEADER_WIDTH  # the group's label tile sits left of its first card
        return QSize(width, height)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: AnyIndex) -> None:
        evidence = index.data(EVIDENCE_ROLE)
        if not isinstance(evidence, EvidenceData):
            return
        header = index.data(HEADER_ROLE)
        rect = QRect(option.rect)
        if isinstance(header, Header):
            tile = QRect(rect.left(), rect.top(), HEADER_WIDTH, rect.height())
            self._paint_header(painter, option, header, tile)
            rect.setLeft(rect.left() + HEADER_WIDTH)
        self._paint_card(painter, option, evidence, rect)

    def _paint_header(
        self, painter: QPainter, option: QStyleOptionViewItem, header: Header, area: QRect
    ) -> None:
        painter.save()
        try:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            tile = area.adjusted(2, 4, -2, -4)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor("#e8eef5"))
            painter.drawRoundedRect(tile, 5, 5)
            bold = QFont(option.font)
            bold.setBold(True)
            painter.setFont(bold)
            painter.setPen(QColor("#2b4a6b"))
            metrics = QFontMetrics(bold)
            step = metrics.height() - 2
            chars = list(str(header.kind))
            room = max(1, (tile.height() - 2 * step) // step)
            if len(chars) > room:
                chars = [*chars[: room - 1], "…"]
            y = tile.top() + 8
            for char in chars:
                painter.drawText(
                    QRect(tile.left(), y, tile.width(), step), Qt.AlignmentFlag.AlignHCenter, char
                )
                y += step
            painter.setFont(option.font)
            painter.setPen(QColor("#5a6f86"))
            painter.drawText(
                QRect(tile.left(), tile.bottom() - step - 6, tile.width(), step),
                Qt.AlignmentFlag.AlignHCenter,
                str(header.count),
            )
        finally:
            painter.restore()

    def _paint_card(
        self, painter: QPainter, option: QStyleOptionViewItem, evidence: EvidenceData, area: QRect
    ) -> None:
        painter.save()
        try:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            card = area.adjusted(4, 4, -4, -4)
            selected = bool(option.state & QStyle.StateFlag.State_Selected)
            palette = option.palette
            fill = palette.highlight().color().lighter(170) if selected else palette.base().color()
            border = palette.highlight().color() if selected else QColor("#cfcfcf")
            painter.setPen(QPen(border, 2 if selected else 1))
            painter.setBrush(fill)
            painter.drawRoundedRect(card, 6, 6)

            image_rect = QRect(
                card.left() + (card.width() - THUMB_BOX) // 2, card.top() + CARD_PADDING, THUMB_BOX, THUMB_BOX
            )
            pixmap = self._thumbnails.pixmap(evidence)
            if pixmap is not None:
                size = pixmap.deviceIndependentSize().toSize()
                target = QRect(0, 0, size.width(), size.height())
                target.moveCenter(image_rect.center())
                painter.drawPixmap(target, pixmap)
                if evidence.is_video:
                    self._paint_play(painter, target)
            else:
                failure = self._thumbnails.failure(evidence)
                painter.setPen(QPen(QColor("#bbbbbb"), 1, Qt.PenStyle.DashLine))
                painter.setBrush(QColor("#f2f2f2"))
                painter.drawRect(image_rect.adjusted(8, 8, -8, -8))
                painter.setPen(QColor("#888888"))
                text = "加载中…" if failure is None else f"无法预览\n{failure}"
                if failure is None and evidence.is_pdf:
                    text = "PDF\n加载中…"
                painter.drawText(
                    image_rect.adjusted(12, 12, -12, -12),
                    Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                    text,
                )

            metrics = QFontMetrics(option.font)
            line = metrics.height()
            text_width = card.width() - 2 * CARD_PADDING
            kind_rect = QRect(card.left() + CARD_PADDING, image_rect.bottom() + 6, text_width, line)
            bold = QFont(option.font)
            bold.setBold(True)
            painter.setFont(bold)
            kind_text = str(evidence.kind)
            if not evidence.kind_confirmed:
                kind_text += "（待确认）"
                painter.setPen(QColor("#b35c00"))
            else:
                painter.setPen(palette.text().color())
            painter.drawText(
                kind_rect,
                Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignVCenter,
                QFontMetrics(bold).elidedText(kind_text, Qt.TextElideMode.ElideRight, text_width),
            )
            painter.setFont(option.font)
            painter.setPen(QColor("#555555"))
            caption = evidence.caption or evidence.original_name
            painter.drawText(
                kind_rect.translated(0, line),
                Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignVCenter,
                metrics.elidedText(caption, Qt.TextElideMode.ElideMiddle, text_width),
            )
            extra = badge(evidence)
            if extra:
                painter.setPen(QColor("#1f6fb2"))
                painter.drawText(
                    kind_rect.translated(0, 2 * line),
                    Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignVCenter,
                    metrics.elidedText(extra, Qt.TextElideMode.ElideRight, text_width),
                )
        finally:
            painter.restore()

    @staticmethod
    def _paint_play(painter: QPainter, target: QRect) -> None:
        from ui.qt import QPointF, QPolygonF

        c = target.center()
        r = min(18, target.width() // 5)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(0, 0, 0, 140))
        painter.drawEllipse(c, r, r)
        painter.setBrush(QColor(255, 255, 255))
        painter.drawPolygon(
            QPolygonF(
                [
                    QPointF(c.x() - r * 0.35, c.y() - r * 0.5),
                    QPointF(c.x() - r * 0.35, c.y() + r * 0.5),
                    QPointF(c.x() + r * 0.55, c.y()),
                ]
            )
        )


class GalleryView(QListView):
    """Icon-mode gallery: cards flow in rows, each kind's cards led by its header tile.

    Accepts dropped files, pictures and links (handed to the panel) and internal drags of cards
    (a reorder request). Enter opens the viewer, Delete removes.

    Signals:
        dropped(object): a mime.Payload dropped onto the view.
        move_requested(list, int, str): evidence ids, the id they go before (0 = end of the group),
            and the kind (value) of the group they were dropped into.
        open_requested(): Enter or a double click on a card.
        remove_requested(): Delete pressed.
    """

    dropped = Signal(object)
    move_requested = Signal(list, int, str)
    open_requested = Signal()
    remove_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setViewMode(QListView.ViewMode.IconMode)
        # Static: the layout decides where cards are; a drag asks the panel to reorder instead.
        self.setMovement(QListView.Movement.Static)
        self.setDragEnabled(True)
        self.setAcceptDrops(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        self.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.setDropIndicatorShown(True)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setLayoutMode(QListView.LayoutMode.Batched)
        self.setBatchSize(200)
        self.setWrapping(True)
        self.setSpacing(4)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.empty_text = ""
        self.accepts_files: Callable[[], bool] = lambda: True
        self.doubleClicked.connect(lambda _index: self.open_requested.emit())

    # -- drags -----------------------------------------------------------------------------------

    def startDrag(self, supportedActions: Qt.DropAction) -> None:
        indexes = [i for i in self.selectedIndexes() if i.flags() & Qt.ItemFlag.ItemIsDragEnabled]
        model = self.model()
        if not indexes or model is None:
            return
        drag = QDrag(self)
        drag.setMimeData(model.mimeData(indexes))
        first = indexes[0]
        rect = self.visualRect(first)
        drag.setPixmap(self.viewport().grab(rect))
        drag.exec(Qt.DropAction.MoveAction)

    def _internal(self, mime: QMimeData) -> bool:
        return mime.hasFormat(MOVE_MIME)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        mime = event.mimeData()
        if self._internal(mime) or (self.accepts_files() and drops.accepts(mime)):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        mime = event.mimeData()
        if self._internal(mime):
            event.setDropAction(Qt.DropAction.MoveAction)
            event.accept()
        elif self.accepts_files() and drops.accepts(mime):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        mime = event.mimeData()
        if self._internal(mime):
            ids = [int(i) for i in json.loads(bytes(mime.data(MOVE_MIME).data()).decode() or "[]")]
            before, kind = self.drop_target(event.position().toPoint())
            event.setDropAction(Qt.DropAction.MoveAction)
            event.accept()
            if ids and kind:
                self.move_requested.emit(ids, before, kind)
            return
        if not self.accepts_files():
            event.ignore()
            return
        payload = drops.payload(mime, prefix="拖入的图片")
        if payload:
            event.acceptProposedAction()
            self.dropped.emit(payload)
        else:
            event.ignore()

    def drop_target(self, pos: Any) -> tuple[int, str]:
        """Where a card dropped at pos goes: (id of the card it goes before, or 0 for "last"), kind key."""
        model = self.model()
        if not isinstance(model, GalleryModel) or model.rowCount() == 0:
            return 0, ""
        index = self.indexAt(pos)
        if not index.isValid():
            # Past the last card: the end of the last group.
            last = model.items()[-1]
            return 0, last.kind.value
        item = model.item(index.row())
        assert item is not None
        rect = self.visualRect(index)
        if model.header(index.row()) is not None:
            rect.setLeft(rect.left() + HEADER_WIDTH)
        if pos.x() > rect.center().x():
            following = model.item(index.row() + 1)
            if following is not None and following.kind == item.kind:
                return following.id, item.kind.value
            return 0, item.kind.value
        return item.id, item.kind.value

    # -- keys and painting -----------------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.selectedIndexes():
            self.open_requested.emit()
            return
        if event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and self.selectedIndexes():
            self.remove_requested.emit()
            return
        super().keyPressEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        model = self.model()
        if self.empty_text and (model is None or model.rowCount() == 0):
            painter = QPainter(self.viewport())
            painter.setPen(QColor("#888888"))
            painter.drawText(
                self.viewport().rect().adjusted(16, 16, -16, -16),
                Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                self.empty_text,
            )
            painter.end()

    def selected_ids(self) -> list[EvidenceId]:
        model = self.model()
        if not isinstance(model, GalleryModel):
            return []
        rows = sorted(i.row() for i in self.selectionModel().selectedIndexes())
        return [item.id for r in rows if (item := model.item(r)) is not None]
