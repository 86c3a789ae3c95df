"""The evidence viewer: fit, zoom, pan, turn, previous/next, all from the keyboard; marks and redactions.

Marks are data (desk.domain.Mark, 0..1 coordinates of the upright picture) saved with the item and
applied whenever the picture leaves the desk (export, packet); the original file is never changed.
Pictures are decoded on a worker; the GUI thread only paints.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from desk.domain import Changes, EvidenceData, EvidenceId, Mark, MarkShape
from desk.errors import DeskError
from ui.errors import APP_TITLE, show_error
from ui.evidence.gallery import clock, grams_text
from ui.evidence.marks import hit_test, paint_marks
from ui.evidence.suggestions import StripParts, SuggestionsStrip
from ui.format import when
from ui.packet.fit import fit_on_screen
from ui.qt import (
    QAction,
    QActionGroup,
    QColor,
    QFileDialog,
    QHBoxLayout,
    QImage,
    QInputDialog,
    QKeySequence,
    QLabel,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPointF,
    QPushButton,
    QRectF,
    QSizePolicy,
    QSlider,
    Qt,
    QTimer,
    QToolBar,
    QTransform,
    QVBoxLayout,
    QWheelEvent,
    QWidget,
    Signal,
)
from ui.tasks import Op, TaskRunner

if TYPE_CHECKING:  # the window's modules load without SQLAlchemy (tests/test_layers.py)
    from desk.services.recognition import RecognitionService

log = logging.getLogger(__name__)

PREVIEW_SIDE = 2400  # pixels of the decoded preview's longer side
MIN_MARK = 0.004  # a drag shorter than this (fraction of the picture) is a click, not a mark
ZOOM_STEP = 1.25
HINT_MS = 10_000  # how long a note (where a moved picture went) replaces the key hints
MAX_ZOOM = 16.0
TOOLS = {
    "pan": ("移动", "V", "拖动画面；点击标注可选中、拖动它"),
    "redact": ("遮挡", "B", "拖出黑色方块，盖住手机号、地址等隐私信息"),
    "box": ("方框", "X", "拖出红色方框，圈出重点"),
    "arrow": ("箭头", "A", "拖出红色箭头，指向重点"),
    "text": ("文字", "T", "点击放置文字说明"),
    "detail": (
        "放大区域",
        "D",
        "拖出要放大的一块（聊天里的关键一句、屏幕上的重量）：申诉材料把它放大印在原图下方，首页的关键证据也用它",
    ),
}
SHAPES = {
    "redact": MarkShape.REDACT,
    "box": MarkShape.BOX,
    "arrow": MarkShape.ARROW,
    "text": MarkShape.TEXT,
    "detail": MarkShape.DETAIL,
}


class ViewerStore(Protocol):
    """The part of EvidenceService the viewer needs."""

    def preview(self, evidence: EvidenceData, *, max_side: int = 2048, at_ms: int | None = None) -> bytes: ...

    def set_marks(self, evidence_id: EvidenceId, marks: Sequence[Mark]) -> Changes: ...

    def set_key_frames(self, evidence_id: EvidenceId, at_ms: Sequence[int]) -> Changes: ...

    def update(self, evidence_id: EvidenceId, *, rotation: int | None = None) -> Changes: ...

    def export_copy(self, evidence_id: EvidenceId, folder: Path) -> Path: ...


def decode(data: bytes) -> QImage:
    """Worker: encoded picture bytes to a QImage."""
    image = QImage.fromData(data)
    if image.isNull():
        raise DeskError("预览图无法解码")
    return image


class Canvas(QWidget):
    """One picture with zoom, pan, rotation and its marks; draws new marks with the chosen tool.

    Signals:
        marks_changed(list): the marks after an edit (a finished drag, a deletion, a text label).
    """

    marks_changed = Signal(list)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(320, 240)
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.image: QImage | None = None
        self.full_size = (1, 1)
        self.rotation = 0
        self.marks: list[Mark] = []
        self.editable = False
        self.selected: int | None = None
        self.tool = "pan"
        self.message = ""
        self.zoom: float | None = None  # None: fit the window
        self.offset = QPointF(0, 0)
        self._drag_start: QPointF | None = None  # widget position
        self._drag_origin: QPointF | None = None  # picture position (0..1)
        self._draft: Mark | None = None
        self._moving: tuple[int, Mark] | None = None
        self._pan_from = QPointF(0, 0)
        # Asked for the text of a label; replaced in tests (a modal dialog would wait forever).
        self.ask_text: Callable[[], str | None] = self._ask_text

    # -- state -----------------------------------------------------------------------------------

    def set_picture(
        self,
        image: QImage | None,
        full_size: tuple[int, int],
        rotation: int,
        marks: Sequence[Mark],
        *,
        editable: bool,
        message: str = "",
    ) -> None:
        self.image = image
        self.full_size = (max(1, full_size[0]), max(1, full_size[1]))
        self.rotation = rotation % 360
        self.marks = list(marks)
        self.editable = editable
        self.selected = None
        self.message = message
        self.zoom = None
        self.offset = QPointF(0, 0)
        self.update()

    def set_rotation(self, rotation: int) -> None:
        self.rotation = rotation % 360
        self.offset = QPointF(0, 0)
        self.update()

    def set_marks(self, marks: Sequence[Mark]) -> None:
        self.marks = list(marks)
        if self.selected is not None and self.selected >= len(self.marks):
            self.selected = None
        self.update()

    # -- geometry --------------------------------------------------------------------------------

    def _picture_size(self) -> tuple[float, float]:
        if self.image is None:
            return 1.0, 1.0
        return float(self.image.width()), float(self.image.height())

    def fit_scale(self) -> float:
        w, h = self._picture_size()
        if self.rotation in (90, 270):
            w, h = h, w
        return max(0.01, min((self.width() - 8) / w, (self.height() - 8) / h, 4.0))

    def scale(self) -> float:
        return self.zoom if self.zoom is not None else self.fit_scale()

    def transform(self) -> QTransform:
        """Picture pixels → widget coordinates."""
        w, h = self._picture_size()
        s = self.scale()
        return (
            QTransform()
            .translate(self.width() / 2 + self.offset.x(), self.height() / 2 + self.offset.y())
            .rotate(self.rotation)
            .scale(s, s)
            .translate(-w / 2, -h / 2)
        )

    def to_picture(self, pos: QPointF) -> QPointF:
        """Widget position → picture coordinates from 0 to 1."""
        inverted, ok = self.transform().inverted()
        p = inverted.map(pos) if ok else QPointF(0, 0)
        w, h = self._picture_size()
        return QPointF(p.x() / w, p.y() / h)

    def fit(self) -> None:
        self.zoom = None
        self.offset = QPointF(0, 0)
        self.update()

    def zoom_by(self, factor: float, around: QPointF | None = None) -> None:
        old = self.scale()
        new = max(0.02, min(MAX_ZOOM, old * factor))
        if around is not None:
            centre = QPointF(self.width() / 2, self.height() / 2) + self.offset
            self.offset += (around - centre) * (1 - new / old)
        self.zoom = new
        self.update()

    def actual_size(self) -> None:
        self.zoom = 1.0
        self.offset = QPointF(0, 0)
        self.update()

    # -- painting --------------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("#3a3a3a"))
        if self.image is None:
            painter.setPen(QColor("#dddddd"))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self.message or "加载中…")
            painter.end()
            return
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.setTransform(self.transform())
        w, h = self._picture_size()
        area = QRectF(0, 0, w, h)
        painter.drawImage(area, self.image)
        marks = [*self.marks, self._draft] if self._draft is not None else self.marks
        paint_marks(painter, marks, area, self.full_size, selected=self.selected)
        painter.end()

    # -- mouse -----------------------------------------------------------------------------------

    def _tolerance(self) -> float:
        w, _h = self._picture_size()
        return 6 / max(1.0, w * self.scale())

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton or self.image is None:
            super().mousePressEvent(event)
            return
        pos = event.position()
        p = self.to_picture(pos)
        self._drag_start = pos
        self._drag_origin = p
        if self.tool == "pan" or not self.editable:
            hit = hit_test(self.marks, p.x(), p.y(), self._tolerance()) if self.editable else None
            self.selected = hit
            if hit is not None:
                self._moving = (hit, self.marks[hit])
            else:
                self._pan_from = QPointF(self.offset)
            self.update()
            return
        if self.tool == "text":
            text = self.ask_text()
            if text and text.strip():
                self.add_mark(Mark(MarkShape.TEXT, p.x(), p.y(), p.x(), p.y(), text.strip()))
            self._drag_start = None
            return
        self._draft = Mark(SHAPES[self.tool], p.x(), p.y(), p.x(), p.y())

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._drag_start is None or self._drag_origin is None:
            return
        pos = event.position()
        p = self.to_picture(pos)
        if self._draft is not None:
            self._draft = replace(self._draft, x1=_clamp(p.x()), y1=_clamp(p.y()))
        elif self._moving is not None:
            index, original = self._moving
            dx, dy = p.x() - self._drag_origin.x(), p.y() - self._drag_origin.y()
            self.marks[index] = replace(
                original, x0=original.x0 + dx, y0=original.y0 + dy, x1=original.x1 + dx, y1=original.y1 + dy
            )
        else:
            self.offset = self._pan_from + (pos - self._drag_start)
        self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        draft, moving = self._draft, self._moving
        self._draft = None
        self._moving = None
        self._drag_start = None
        if draft is not None:
            if abs(draft.x1 - draft.x0) >= MIN_MARK or abs(draft.y1 - draft.y0) >= MIN_MARK:
                start = Mark(draft.shape, _clamp(draft.x0), _clamp(draft.y0), draft.x1, draft.y1)
                self.add_mark(start)
            self.update()
        elif moving is not None and self.marks[moving[0]] != moving[1]:
            self.marks_changed.emit(list(self.marks))

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        if self.zoom is None:
            self.actual_size()
        else:
            self.fit()

    def wheelEvent(self, event: QWheelEvent) -> None:
        steps = event.angleDelta().y() / 120
        if steps:
            self.zoom_by(ZOOM_STEP**steps, event.position())

    # -- edits -----------------------------------------------------------------------------------

    def add_mark(self, mark: Mark) -> None:
        self.marks.append(mark)
        self.selected = len(self.marks) - 1
        self.update()
        self.marks_changed.emit(list(self.marks))

    def delete_selected(self) -> bool:
        if self.selected is None or not self.editable:
            return False
        del self.marks[self.selected]
        self.selected = None
        self.update()
        self.marks_changed.emit(list(self.marks))
        return True

    def _ask_text(self) -> str | None:
        text, ok = QInputDialog.getText(self, APP_TITLE, "标注文字：")
        return text if ok else None


def _clamp(v: float) -> float:
    return min(1.0, max(0.0, v))


class EvidenceViewer(QWidget):
    """A window showing one evidence item at a time, in gallery order.

    Signals:
        changes_made(Changes): marks, rotation or key frames were saved.
        status_message(str): a short note for the status bar.
    """

    changes_made = Signal(object)
    status_message = Signal(str)

    def __init__(
        self,
        evidence: ViewerStore,
        runner: TaskRunner,
        items: Sequence[EvidenceData],
        index: int = 0,
        *,
        open_external: Callable[[EvidenceData], None] | None = None,
        recognition: RecognitionService | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self._recognition = recognition  # what pictures say, offered as suggestions under the picture
        self.setWindowTitle(f"查看证据 — {APP_TITLE}")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, False)
        self._evidence = evidence
        self._runner = runner
        self._open_external = open_external
        self.items = list(items)
        self.index = max(0, min(index, len(self.items) - 1))
        self._token = 0
        self._history: dict[int, list[list[Mark]]] = {}
        self._saving = 0
        self.loaded = False  # the current picture is on screen (tests wait for it)
        self._build()
        fit_on_screen(self, 1000, 760)  # never taller than a 1280×720 screen
        if self.items:
            self.show_index(self.index)

    # -- construction ----------------------------------------------------------------------------

    def _action(self, text: str, slot: Callable[[], Any], keys: Sequence[Any] = (), tip: str = "") -> QAction:
        action = QAction(text, self)
        if keys:
            action.setShortcuts([QKeySequence(k) for k in keys])
        action.setToolTip(f"{tip or text}（{QKeySequence(keys[0]).toString()}）" if keys else (tip or text))
        action.triggered.connect(lambda _checked=False: slot())
        self.addAction(action)
        return action

    def _build(self) -> None:
        K = QKeySequence.StandardKey
        self.prev_action = self._action("上一张", self.previous, [Qt.Key.Key_Left, Qt.Key.Key_PageUp])
        self.next_action = self._action("下一张", self.next, [Qt.Key.Key_Right, Qt.Key.Key_PageDown])
        self.fit_action = self._action("适应窗口", lambda: self.canvas.fit(), [Qt.Key.Key_F, Qt.Key.Key_0])
        self.zoom_in_action = self._action(
            "放大", lambda: self.canvas.zoom_by(ZOOM_STEP), [K.ZoomIn, Qt.Key.Key_Plus, Qt.Key.Key_Equal]
        )
        self.zoom_out_action = self._action(
            "缩小", lambda: self.canvas.zoom_by(1 / ZOOM_STEP), [K.ZoomOut, Qt.Key.Key_Minus]
        )
        self.actual_action = self._action("原始大小", lambda: self.canvas.actual_size(), [Qt.Key.Key_1])
        self.rotate_left_action = self._action("向左转", lambda: self.rotate(-1), [Qt.Key.Key_L])
        self.rotate_right_action = self._action("向右转", lambda: self.rotate(1), [Qt.Key.Key_R])
        self.delete_mark_action = self._action(
            "删除标注", self.delete_mark, [Qt.Key.Key_Delete, Qt.Key.Key_Backspace], "删除选中的标注"
        )
        self.undo_action = self._action("撤销标注", self.undo_marks, [K.Undo])
        self.export_action = self._action("导出副本…", self.export_copy, ["Ctrl+E"], "导出带遮挡和标注的副本")
        self.close_action = self._action("关闭", self.close, [Qt.Key.Key_Escape])
        self.tool_group = QActionGroup(self)
        self.tool_actions: dict[str, QAction] = {}
        for name, (text, key, tip) in TOOLS.items():
            action = self._action(text, partial(self.set_tool, name), [key], tip)
            action.setCheckable(True)
            self.tool_group.addAction(action)
            self.tool_actions[name] = action
        self.tool_actions["pan"].setChecked(True)

        toolbar = QToolBar("查看")
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        toolbar.addActions([self.prev_action, self.next_action])
        toolbar.addSeparator()
        toolbar.addActions([self.fit_action, self.zoom_in_action, self.zoom_out_action, self.actual_action])
        toolbar.addActions([self.rotate_left_action, self.rotate_right_action])
        toolbar.addSeparator()
        toolbar.addActions(list(self.tool_actions.values()))
        toolbar.addActions([self.delete_mark_action, self.undo_action])
        toolbar.addSeparator()
        toolbar.addAction(self.export_action)
        if self._open_external is not None:
            self.open_action = self._action("用系统程序打开", self.open_external)
            toolbar.addAction(self.open_action)
        self.toolbar = toolbar

        self.canvas = Canvas()
        self.canvas.marks_changed.connect(self._on_marks_changed)
        self.info_label = QLabel()
        self.info_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.hint_label = QLabel("滚轮缩放，拖动平移；← → 切换；R/L 旋转；B 遮挡；D 放大区域；Esc 关闭")
        self.hint_label.setStyleSheet("color: #777777;")
        self.hint_label.setWordWrap(True)  # a note naming a long file name must not widen the window

        # Videos: a position slider and the key frames that packets will show.
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setEnabled(False)
        self.time_label = QLabel("0:00")
        self.add_frame_button = QPushButton("设为关键帧")
        self.add_frame_button.setToolTip("申诉材料里会显示视频的这一帧")
        self.add_frame_button.clicked.connect(self.add_key_frame)
        self.remove_frame_button = QPushButton("删除关键帧")
        self.remove_frame_button.clicked.connect(self.remove_key_frame)
        self.frames_label = QLabel()
        self._seek_timer = QTimer(self, singleShot=True, interval=150)
        self._seek_timer.timeout.connect(self._load_current)
        self.slider.valueChanged.connect(self._on_slider_moved)
        video_row = QHBoxLayout()
        video_row.addWidget(self.slider, 1)
        video_row.addWidget(self.time_label)
        video_row.addWidget(self.add_frame_button)
        video_row.addWidget(self.remove_frame_button)
        self.video_box = QWidget()
        video_layout = QVBoxLayout(self.video_box)
        video_layout.setContentsMargins(0, 0, 0, 0)
        video_layout.addLayout(video_row)
        video_layout.addWidget(self.frames_label)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(toolbar)
        layout.addWidget(self.canvas, 1)
        layout.addWidget(self.video_box)
        layout.addWidget(self.info_label)
        self.suggestions: SuggestionsStrip | None = None
        if self._recognition is not None:
            parts = StripParts(self._recognition, self._runner, self.changes_made, self.status_message.emit)
            self.suggestions = SuggestionsStrip(parts, self)
            self.suggestions.moved.connect(self._picture_left)
            layout.addWidget(self.suggestions)
        layout.addWidget(self.hint_label)
        self._hint = self.hint_label.text()

    # -- navigation ------------------------------------------------------------------------------

    @property
    def current(self) -> EvidenceData | None:
        return self.items[self.index] if 0 <= self.index < len(self.items) else None

    def previous(self) -> None:
        if self.index > 0:
            self.show_index(self.index - 1)

    def next(self) -> None:
        if self.index < len(self.items) - 1:
            self.show_index(self.index + 1)

    def show_index(self, index: int) -> None:
        self.index = index
        item = self.items[index]
        self.loaded = False
        self.canvas.set_picture(None, (1, 1), 0, (), editable=False)
        is_picture = not item.is_video and not item.is_pdf
        for name, action in self.tool_actions.items():
            action.setEnabled(is_picture or name == "pan")
        if not is_picture:
            self.set_tool("pan")
        self.delete_mark_action.setEnabled(is_picture)
        self.undo_action.setEnabled(is_picture)
        self.prev_action.setEnabled(index > 0)
        self.next_action.setEnabled(index < len(self.items) - 1)
        self.video_box.setVisible(item.is_video)
        if item.is_video:
            self.slider.blockSignals(True)
            self.slider.setRange(0, max(0, (item.duration_ms or 0) - 1))
            self.slider.setValue(item.key_frames[0] if item.key_frames else 0)
            self.slider.blockSignals(False)
            self.slider.setEnabled(bool(item.duration_ms))
            self._update_video_labels()
        self._update_info()
        self._load_current()

    def _load_current(self) -> None:
        item = self.current
        if item is None:
            return
        if self.suggestions is not None:
            self.suggestions.show_for(item.id if item.media_type.startswith("image/") else None)
        self._token += 1
        token = self._token
        at_ms = self.slider.value() if item.is_video else None
        store = self._evidence

        def work() -> QImage:
            return decode(store.preview(item, max_side=PREVIEW_SIDE, at_ms=at_ms))

        def loaded(image: QImage) -> None:
            if token != self._token:
                return
            current = self.current
            if current is None:
                return
            full = (current.width or image.width(), current.height or image.height())
            if current.is_video or current.is_pdf:
                full = (image.width(), image.height())
            zoom, offset = self.canvas.zoom, self.canvas.offset
            keep_view = current.is_video and self.canvas.image is not None
            self.canvas.set_picture(
                image,
                full,
                current.rotation,
                current.marks,
                editable=not (current.is_video or current.is_pdf),
            )
            if keep_view:  # scrubbing through a video keeps the zoom
                self.canvas.zoom, self.canvas.offset = zoom, offset
            self.loaded = True

        def failed(exc: BaseException) -> None:
            if token != self._token:
                return
            message = exc.message if isinstance(exc, DeskError) else "无法显示这个证据"
            if not isinstance(exc, DeskError):
                log.error("preview failed", exc_info=exc)
            self.canvas.set_picture(None, (1, 1), 0, (), editable=False, message=message)
            self.loaded = True

        Op(work, parent=self, pool="cpu").on_success(loaded).on_failure(failed).run(self._runner)

    def _update_info(self) -> None:
        item = self.current
        if item is None:
            self.info_label.setText("")
            return
        parts = [f"{self.index + 1}/{len(self.items)}", str(item.kind), item.original_name]
        if item.width and item.height:
            parts.append(f"{item.width}×{item.height}")
        if item.is_pdf:
            parts.append(f"PDF 共 {item.page_count or '?'} 页（这里显示第 1 页）")
        if item.is_video:
            parts.append(f"视频 {clock(item.duration_ms)}")
        if item.weight_grams is not None:
            parts.append(grams_text(item.weight_grams))
        if item.captured_at:
            parts.append(f"拍摄于 {when(item.captured_at)}")
        if item.caption:
            parts.append(item.caption)
        self.info_label.setText("　·　".join(parts))

    def _picture_left(self, evidence_id: EvidenceId, message: str) -> None:
        """A picture was moved to another case (the strip's 移到售后 #N): it is no longer in this case's
        list, so the viewer goes on to the next one (the one before, at the end) or closes when none is
        left. The sentence saying where it went shows here for a while too: the window's status bar may
        be hidden behind this one."""
        index = next((i for i, e in enumerate(self.items) if e.id == evidence_id), None)
        if index is None:
            return
        del self.items[index]
        self._history.pop(evidence_id, None)
        if not self.items:
            self.close()
            return
        self.hint_label.setText(message)
        QTimer.singleShot(HINT_MS, self, self._restore_hint)
        if index == self.index:
            self.show_index(min(index, len(self.items) - 1))
            return
        if index < self.index:  # the operator went on meanwhile: the same picture stays on screen
            self.index -= 1
        self.prev_action.setEnabled(self.index > 0)
        self.next_action.setEnabled(self.index < len(self.items) - 1)
        self._update_info()

    def _restore_hint(self) -> None:
        self.hint_label.setText(self._hint)

    # -- tools and edits -------------------------------------------------------------------------

    def set_tool(self, name: str) -> None:
        self.canvas.tool = name
        self.tool_actions[name].setChecked(True)
        self.canvas.setCursor(Qt.CursorShape.OpenHandCursor if name == "pan" else Qt.CursorShape.CrossCursor)

    def _replace_current(self, item: EvidenceData) -> None:
        for i, existing in enumerate(self.items):
            if existing.id == item.id:
                self.items[i] = item

    def _on_marks_changed(self, marks: list[Mark]) -> None:
        item = self.current
        if item is None:
            return
        self._history.setdefault(item.id, []).append(list(item.marks))
        self._save_marks(item, marks)

    def _save_marks(self, item: EvidenceData, marks: Sequence[Mark]) -> None:
        self._replace_current(replace(item, marks=tuple(marks)))
        store = self._evidence
        evidence_id = item.id
        frozen = tuple(marks)
        self._saving += 1

        def done() -> None:
            self._saving -= 1

        Op(lambda: store.set_marks(evidence_id, frozen), parent=self).on_success(
            self.changes_made.emit
        ).on_done(done).run(self._runner)

    @property
    def saving(self) -> bool:
        return self._saving > 0

    def delete_mark(self) -> None:
        self.canvas.delete_selected()

    def undo_marks(self) -> None:
        item = self.current
        history = self._history.get(item.id) if item is not None else None
        if item is None or not history:
            self.status_message.emit("没有可以撤销的标注")
            return
        previous = history.pop()
        self.canvas.set_marks(previous)
        self._save_marks(item, previous)

    def rotate(self, quarter_turns: int) -> None:
        item = self.current
        if item is None:
            return
        rotation = (item.rotation + 90 * quarter_turns) % 360
        self._replace_current(replace(item, rotation=rotation))
        self.canvas.set_rotation(rotation)
        store = self._evidence
        Op(lambda: store.update(item.id, rotation=rotation), parent=self).on_success(
            self.changes_made.emit
        ).run(self._runner)

    # -- video -----------------------------------------------------------------------------------

    def _on_slider_moved(self, value: int) -> None:
        self.time_label.setText(clock(value) + f".{value % 1000 // 100}")
        self._seek_timer.start()

    def _update_video_labels(self) -> None:
        item = self.current
        if item is None or not item.is_video:
            return
        value = self.slider.value()
        self.time_label.setText(clock(value) + f".{value % 1000 // 100}")
        frames = "、".join(f"{clock(t)}.{t % 1000 // 100}" for t in item.key_frames)
        self.frames_label.setText(
            f"关键帧：{frames}" if frames else "还没有选关键帧：申诉材料里将显示视频的第一帧"
        )
        self.remove_frame_button.setEnabled(bool(item.key_frames))

    def add_key_frame(self) -> None:
        item = self.current
        if item is None or not item.is_video:
            return
        self._save_frames(item, sorted({*item.key_frames, self.slider.value()}))

    def remove_key_frame(self) -> None:
        item = self.current
        if item is None or not item.key_frames:
            return
        value = self.slider.value()
        nearest = min(item.key_frames, key=lambda t: abs(t - value))
        self._save_frames(item, [t for t in item.key_frames if t != nearest])

    def _save_frames(self, item: EvidenceData, frames: Sequence[int]) -> None:
        self._replace_current(replace(item, key_frames=tuple(frames)))
        self._update_video_labels()
        store = self._evidence
        Op(lambda: store.set_key_frames(item.id, frames), parent=self).on_success(self.changes_made.emit).run(
            self._runner
        )

    # -- leaving the desk ------------------------------------------------------------------------

    def export_copy(self, folder: Path | None = None) -> None:
        item = self.current
        if item is None:
            return
        if folder is None:
            chosen = QFileDialog.getExistingDirectory(self, "导出副本到…")
            if not chosen:
                return
            folder = Path(chosen)
        store = self._evidence
        target = folder

        def exported(path: Path) -> None:
            self.status_message.emit(f"已导出：{path}")

        Op(lambda: store.export_copy(item.id, target), parent=self, pool="cpu").on_success(exported).run(
            self._runner
        )

    def open_external(self) -> None:
        item = self.current
        if item is not None and self._open_external is not None:
            try:
                self._open_external(item)
            except Exception as exc:
                show_error(self, exc, action="用系统程序打开")
