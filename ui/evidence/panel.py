"""Evidence panel: gallery of a case's evidence, import by dialog or drag & drop, kind and caption edits."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

from desk.domain import CaseId, Changes, EvidenceData, EvidenceId, EvidenceKind, ImportReport
from ui.errors import APP_TITLE, ask
from ui.evidence.thumbnails import ThumbnailCache
from ui.format import byte_size, when
from ui.qt import (
    QAbstractItemView,
    QAbstractListModel,
    QColor,
    QComboBox,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QFileDialog,
    QFont,
    QFontMetrics,
    QHBoxLayout,
    QItemSelectionModel,
    QLabel,
    QLineEdit,
    QListView,
    QMessageBox,
    QMimeData,
    QModelIndex,
    QObject,
    QPainter,
    QPaintEvent,
    QPen,
    QPersistentModelIndex,
    QPushButton,
    QRect,
    QSize,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    Qt,
    QVBoxLayout,
    QWidget,
    Signal,
)
from ui.tasks import Op, TaskRunner

log = logging.getLogger(__name__)

EVIDENCE_ROLE = Qt.ItemDataRole.UserRole + 1
THUMB_BOX = 150  # thumbnail square in the gallery, logical pixels
CARD_PADDING = 6
FILE_FILTER = (
    "图片或 PDF (*.jpg *.jpeg *.png *.webp *.gif *.bmp *.tif *.tiff *.heic *.heif *.pdf);;所有文件 (*)"
)

AnyIndex = QModelIndex | QPersistentModelIndex


class EvidenceStore(Protocol):
    """The part of EvidenceService the panel needs."""

    def list(self, case_id: CaseId) -> list[EvidenceData]: ...

    def import_files(
        self,
        case_id: CaseId,
        paths: Sequence[Path],
        *,
        kind: EvidenceKind | None = None,
        progress: Callable[[int, int, str], None] | None = None,
        cancel: Callable[[], bool] | None = None,
    ) -> ImportReport: ...

    def update(
        self, evidence_id: EvidenceId, *, kind: EvidenceKind | None = None, caption: str | None = None
    ) -> Changes: ...

    def remove(self, evidence_id: EvidenceId) -> Changes: ...

    def thumbnail(self, evidence_id: EvidenceId, size: int = 256) -> Path: ...


def local_paths(mime: QMimeData) -> list[Path]:
    """The local files of a drop; web links and the like are ignored."""
    if not mime.hasUrls():
        return []
    return [Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile()]


def expand(paths: Sequence[Path]) -> list[Path]:
    """Dropped folders stand for the files inside them (worker thread: this walks the disk)."""
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            out.extend(sorted(p for p in path.rglob("*") if p.is_file()))
        else:
            out.append(path)
    return out


class EvidenceListModel(QAbstractListModel):
    """The evidence of one case, in gallery order."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._items: list[EvidenceData] = []

    def set_items(self, items: Sequence[EvidenceData]) -> None:
        self.beginResetModel()
        self._items = list(items)
        self.endResetModel()

    def items(self) -> list[EvidenceData]:
        return list(self._items)

    def item(self, row: int) -> EvidenceData | None:
        return self._items[row] if 0 <= row < len(self._items) else None

    def row_of(self, evidence_id: int) -> int | None:
        for row, item in enumerate(self._items):
            if item.id == evidence_id:
                return row
        return None

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._items)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        item = self.item(index.row()) if index.isValid() else None
        if item is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{item.kind.value} {item.caption}".strip()
        if role == Qt.ItemDataRole.ToolTipRole:
            lines = [item.original_name, f"{item.kind.value} · {byte_size(item.byte_size)}"]
            if item.width and item.height:
                lines.append(f"{item.width}×{item.height}")
            if item.captured_at:
                lines.append(f"拍摄于 {when(item.captured_at)}")
            lines.append(f"导入于 {when(item.imported_at)}")
            if item.caption:
                lines.append(item.caption)
            return "\n".join(lines)
        if role == EVIDENCE_ROLE:
            return item
        return None


class EvidenceDelegate(QStyledItemDelegate):
    """Paints a card: thumbnail (or a placeholder while it loads), kind, caption."""

    def __init__(self, thumbnails: ThumbnailCache, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thumbnails = thumbnails

    def sizeHint(self, option: QStyleOptionViewItem, index: AnyIndex) -> QSize:
        line = QFontMetrics(option.font).height()
        return QSize(THUMB_BOX + 2 * CARD_PADDING + 8, THUMB_BOX + 2 * CARD_PADDING + 2 * line + 12)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: AnyIndex) -> None:
        evidence = index.data(EVIDENCE_ROLE)
        if not isinstance(evidence, EvidenceData):
            return
        painter.save()
        try:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            card = option.rect.adjusted(4, 4, -4, -4)
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
            else:
                failure = self._thumbnails.failure(evidence)
                painter.setPen(QPen(QColor("#bbbbbb"), 1, Qt.PenStyle.DashLine))
                painter.setBrush(QColor("#f2f2f2"))
                painter.drawRect(image_rect.adjusted(8, 8, -8, -8))
                painter.setPen(QColor("#888888"))
                text = "加载中…" if failure is None else f"无法预览\n{failure}"
                if failure is None and evidence.media_type == "application/pdf":
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
            painter.setPen(palette.text().color())
            painter.drawText(
                kind_rect,
                Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignVCenter,
                QFontMetrics(bold).elidedText(evidence.kind.value, Qt.TextElideMode.ElideRight, text_width),
            )
            painter.setFont(option.font)
            painter.setPen(QColor("#666666"))
            caption = evidence.caption or evidence.original_name
            painter.drawText(
                kind_rect.translated(0, line),
                Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignVCenter,
                metrics.elidedText(caption, Qt.TextElideMode.ElideMiddle, text_width),
            )
        finally:
            painter.restore()


class GalleryView(QListView):
    """Icon-mode list that hands dropped files to the panel instead of moving items around.

    Signals:
        files_dropped(list): local paths dropped onto the view.
    """

    files_dropped = Signal(list)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setViewMode(QListView.ViewMode.IconMode)
        # Static + no internal drag: IconMode otherwise lets the operator drag cards around.
        self.setMovement(QListView.Movement.Static)
        self.setDragEnabled(False)
        self.setAcceptDrops(True)
        self.setDropIndicatorShown(False)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setUniformItemSizes(True)
        self.setWrapping(True)
        self.setSpacing(4)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.empty_text = ""
        self.accepts_files: Callable[[], bool] = lambda: True

    def _wanted(self, mime: QMimeData) -> list[Path]:
        return local_paths(mime) if self.accepts_files() else []

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self._wanted(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if self._wanted(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = self._wanted(event.mimeData())
        if paths:
            event.acceptProposedAction()
            self.files_dropped.emit(paths)
        else:
            event.ignore()

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


class EvidencePanel(QWidget):
    """The evidence of the current case.

    Signals:
        changes_made(Changes): an import, edit or removal went through.
        status_message(str): a short note for the status bar.
    """

    changes_made = Signal(object)
    status_message = Signal(str)

    def __init__(self, evidence: EvidenceStore, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._evidence = evidence
        self._runner = runner
        self._case_id: CaseId | None = None
        self._editing: EvidenceData | None = None
        self._importing = False
        self.thumbnails = ThumbnailCache(
            lambda evidence_id, size: evidence.thumbnail(evidence_id, size),
            runner,
            box=THUMB_BOX,
            device_pixel_ratio=self.devicePixelRatioF(),
            parent=self,
        )
        self.model = EvidenceListModel(self)
        self._build()
        self.thumbnails.ready.connect(self._on_thumbnail_ready)
        self.setAcceptDrops(True)
        self.set_case(None)

    def _build(self) -> None:
        self.title = QLabel("证据")
        font = QFont(self.title.font())
        font.setBold(True)
        self.title.setFont(font)
        self.add_button = QPushButton("添加证据…")
        self.add_button.setToolTip("选择图片或 PDF 文件；也可以把文件直接拖到下面")
        self.add_button.clicked.connect(self.add_files)
        self.remove_button = QPushButton("删除")
        self.remove_button.clicked.connect(self.remove_selected)
        top = QHBoxLayout()
        top.addWidget(self.title)
        top.addStretch(1)
        top.addWidget(self.add_button)
        top.addWidget(self.remove_button)

        self.view = GalleryView()
        self.view.setModel(self.model)
        self.view.setItemDelegate(EvidenceDelegate(self.thumbnails, self.view))
        self.view.files_dropped.connect(self.import_paths)
        self.view.accepts_files = lambda: self._case_id is not None
        self.view.selectionModel().selectionChanged.connect(self._on_selection_changed)

        self.kind_combo = QComboBox()
        for kind in EvidenceKind:
            self.kind_combo.addItem(kind.value, kind.name)
        self.kind_combo.activated.connect(self._on_kind_chosen)
        self.caption_edit = QLineEdit()
        self.caption_edit.setPlaceholderText("说明，例如：仓库出库称重 1.25kg")
        self.caption_edit.editingFinished.connect(self._commit_caption)
        kind_label = QLabel("类型：")
        kind_label.setBuddy(self.kind_combo)
        caption_label = QLabel("说明：")
        caption_label.setBuddy(self.caption_edit)
        bottom = QHBoxLayout()
        bottom.addWidget(kind_label)
        bottom.addWidget(self.kind_combo)
        bottom.addSpacing(8)
        bottom.addWidget(caption_label)
        bottom.addWidget(self.caption_edit, 1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(top)
        layout.addWidget(self.view, 1)
        layout.addLayout(bottom)

    # -- case ------------------------------------------------------------------------------------

    @property
    def case_id(self) -> CaseId | None:
        return self._case_id

    def set_case(self, case_id: CaseId | None) -> None:
        self._commit_caption()
        self._case_id = case_id
        self.thumbnails.drop_pending()
        self.reload()

    def reload(self) -> None:
        """Re-read the list (a quick query); selection is kept by evidence id."""
        selected = {e.id for e in self.selected()}
        items = self._evidence.list(self._case_id) if self._case_id is not None else []
        self.model.set_items(items)
        for evidence_id in selected:
            row = self.model.row_of(evidence_id)
            if row is not None:
                self.view.selectionModel().select(
                    self.model.index(row), QItemSelectionModel.SelectionFlag.Select
                )
        has_case = self._case_id is not None
        self.add_button.setEnabled(has_case and not self._importing)
        self.view.empty_text = (
            "把图片或 PDF 拖到这里，或点击“添加证据…”" if has_case else "保存售后后即可添加证据"
        )
        self.view.viewport().update()
        self.title.setText(f"证据（{len(items)}）" if has_case else "证据")
        self._on_selection_changed()

    def apply_changes(self, changes: Changes) -> None:
        if self._case_id is None:
            return
        shown = {e.id for e in self.model.items()}
        if self._case_id in changes.cases or changes.evidence & shown or (changes.evidence and not shown):
            self.reload()

    # -- selection and edits ---------------------------------------------------------------------

    def selected(self) -> list[EvidenceData]:
        rows = sorted(index.row() for index in self.view.selectionModel().selectedIndexes())
        return [item for row in rows if (item := self.model.item(row)) is not None]

    def _on_selection_changed(self, *_args: object) -> None:
        self._commit_caption()
        selected = self.selected()
        self.remove_button.setEnabled(bool(selected))
        one = selected[0] if len(selected) == 1 else None
        self._editing = one
        self.kind_combo.setEnabled(bool(selected))
        self.caption_edit.setEnabled(one is not None)
        # No selection: an empty combo, rather than a kind that belongs to nothing.
        self.kind_combo.setCurrentIndex(self.kind_combo.findData(selected[0].kind.name) if selected else -1)
        self.caption_edit.setText(one.caption if one else "")

    def _on_kind_chosen(self, index: int) -> None:
        kind = EvidenceKind[self.kind_combo.itemData(index)]
        targets = [e.id for e in self.selected() if e.kind != kind]
        if not targets:
            return

        def work() -> Changes:
            changes = Changes()
            for evidence_id in targets:
                changes = changes | self._evidence.update(evidence_id, kind=kind)
            return changes

        Op(work, parent=self).on_success(self.changes_made.emit).run(self._runner)

    def _commit_caption(self) -> None:
        editing = self._editing
        if editing is None:
            return
        caption = self.caption_edit.text().strip()
        if caption == editing.caption:
            return
        self._editing = None  # the reload after the change picks the fresh item again
        Op(lambda: self._evidence.update(editing.id, caption=caption), parent=self).on_success(
            lambda changes: self.changes_made.emit(changes)
        ).run(self._runner)

    def _on_thumbnail_ready(self, evidence_id: int) -> None:
        row = self.model.row_of(evidence_id)
        if row is not None:
            self.view.update(self.model.index(row))

    # -- import ----------------------------------------------------------------------------------

    def add_files(self) -> None:
        if self._case_id is None:
            return
        names, _ = QFileDialog.getOpenFileNames(self, "添加证据", "", FILE_FILTER)
        if names:
            self.import_paths([Path(n) for n in names])

    def import_paths(self, paths: Sequence[Path], kind: EvidenceKind | None = None) -> None:
        """Import files into the current case in the background, with progress and 取消."""
        case_id = self._case_id
        if case_id is None:
            self.status_message.emit("请先保存售后，再添加证据")
            return
        if not paths:
            return
        files = list(paths)

        def work(progress: Callable[[int, int, str], None], cancel: Callable[[], bool]) -> ImportReport:
            return self._evidence.import_files(
                case_id, expand(files), kind=kind, progress=progress, cancel=cancel
            )

        def done() -> None:
            self._importing = False
            self.add_button.setEnabled(self._case_id is not None)

        self._importing = True
        self.add_button.setEnabled(False)
        Op(work).with_progress(self, "正在导入证据…").on_success(self._on_imported).on_done(done).run(
            self._runner
        )

    def _on_imported(self, report: ImportReport) -> None:
        self.changes_made.emit(report.changes)
        summary = report.summary()
        if report.rejected:
            box = QMessageBox(QMessageBox.Icon.Warning, APP_TITLE, summary, parent=self)
            box.setInformativeText("\n".join(f"{r.name}：{r.reason}" for r in report.rejected))
            box.addButton("确定", QMessageBox.ButtonRole.AcceptRole)
            box.exec()
        else:
            self.status_message.emit(summary)

    # Drops onto the buttons or margins count too, not only onto the gallery itself.
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self._case_id is not None and local_paths(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = local_paths(event.mimeData())
        if self._case_id is not None and paths:
            event.acceptProposedAction()
            self.import_paths(paths)
        else:
            event.ignore()

    # -- removal ---------------------------------------------------------------------------------

    def remove_selected(self) -> None:
        targets = self.selected()
        if not targets:
            return
        what = (
            f"“{targets[0].caption or targets[0].original_name}”"
            if len(targets) == 1
            else f"选中的 {len(targets)} 个证据"
        )
        if ask(self, f"删除{what}？", ["删除", "取消"], informative="删除后不会出现在申诉材料中。") != 0:
            return
        ids = [e.id for e in targets]

        def work() -> Changes:
            changes = Changes()
            for evidence_id in ids:
                changes = changes | self._evidence.remove(evidence_id)
            return changes

        def removed(changes: Changes) -> None:
            self.changes_made.emit(changes)
            self.status_message.emit(f"已删除 {len(ids)} 个证据")

        self._editing = None
        Op(work, parent=self).on_success(removed).run(self._runner)
