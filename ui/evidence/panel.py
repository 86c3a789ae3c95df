"""Evidence panel: the gallery of a case, every way in (dialog, folder, drop, paste), edits, viewer.

Removing items and changing their kind are steps of the desk's undo log (desk/services/undo.py); the
window's one 撤销 action (Ctrl+Z) takes them back, and the gallery's menu offers it too."""

from __future__ import annotations

import hashlib
import logging
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple, Protocol

from desk.domain import (
    WEIGHT_KINDS,
    CaseId,
    Changes,
    EvidenceData,
    EvidenceId,
    EvidenceKind,
    ImportRejected,
    ImportReport,
    Mark,
)
from desk.errors import DeskError
from desk.progress import Cancel, Cancelled, Progress
from desk.recognition.cache import ReadingCache, read_cached
from desk.recognition.client import EngineMissing, Reader, RecognitionFailed, say_missing_once
from desk.recognition.engine import engine_if_on
from desk.recognition.kinds import guess_kind, suggested_weight
from ui.errors import APP_TITLE, ask, show_error
from ui.evidence import mime as drops
from ui.evidence.gallery import EVIDENCE_ROLE, THUMB_BOX, GalleryDelegate, GalleryModel, GalleryView
from ui.evidence.thumbnails import ThumbnailCache
from ui.evidence.viewer import EvidenceViewer
from ui.qt import (
    QAction,
    QApplication,
    QComboBox,
    QContextMenuEvent,
    QDesktopServices,
    QDragEnterEvent,
    QDropEvent,
    QEvent,
    QFileDialog,
    QFont,
    QHBoxLayout,
    QImage,
    QItemSelection,
    QItemSelectionModel,
    QKeyEvent,
    QKeySequence,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QMimeData,
    QModelIndex,
    QObject,
    QPlainTextEdit,
    QPoint,
    QPushButton,
    Qt,
    QUrl,
    QVBoxLayout,
    QWidget,
    Signal,
    encode_image,
)
from ui.tasks import Op, TaskRunner

if TYPE_CHECKING:
    from desk.services.recognition import RecognitionService

log = logging.getLogger(__name__)

FILE_FILTER = (
    "图片、PDF 或视频 (*.jpg *.jpeg *.png *.webp *.gif *.bmp *.tif *.tiff *.heic *.heif *.avif *.mpo "
    "*.pdf *.mp4 *.mov *.m4v *.3gp *.mkv *.webm *.avi);;所有文件 (*)"
)
FOLDER_CONFIRM = 300  # a folder with more files than this asks first
_WEIGHT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(kg|公斤|千克|g|克)?\s*$", re.IGNORECASE)

# Kept for callers and tests of the earlier panel.
EvidenceListModel = GalleryModel
EvidenceDelegate = GalleryDelegate
__all__ = ["EVIDENCE_ROLE", "EvidenceDelegate", "EvidenceListModel", "EvidencePanel", "parse_weight"]


class EvidenceStore(Protocol):
    """The part of EvidenceService the panel needs."""

    def list(self, case_id: CaseId) -> list[EvidenceData]: ...

    def import_files(
        self,
        case_id: CaseId,
        paths: Sequence[Path],
        *,
        kind: EvidenceKind | None = None,
        suggest: EvidenceKind | None = None,
        folders: bool = False,
        progress: Progress | None = None,
        cancel: Cancel | None = None,
    ) -> ImportReport: ...

    def import_bytes(
        self,
        case_id: CaseId,
        data: bytes,
        name: str,
        *,
        kind: EvidenceKind | None = None,
        suggest: EvidenceKind | None = None,
    ) -> ImportReport: ...

    def update(
        self,
        evidence_id: EvidenceId,
        *,
        kind: EvidenceKind | None = ...,
        caption: str | None = ...,
        weight_grams: int | None = ...,  # left out: the weight stays as it is
        rotation: int | None = ...,
        confirm_kind: bool = ...,
    ) -> Changes: ...

    def move_many(self, evidence_ids: Sequence[EvidenceId], new_position: int) -> Changes: ...

    def remove_many(self, evidence_ids: Sequence[EvidenceId]) -> tuple[Changes, tuple[EvidenceData, ...]]: ...

    def set_kind(self, evidence_ids: Sequence[EvidenceId], kind: EvidenceKind) -> Changes: ...

    def thumbnail_for(self, evidence: EvidenceData) -> Path: ...

    def preview(self, evidence: EvidenceData, *, max_side: int = 2048, at_ms: int | None = None) -> bytes: ...

    def set_marks(self, evidence_id: EvidenceId, marks: Sequence[Mark]) -> Changes: ...

    def set_key_frames(self, evidence_id: EvidenceId, at_ms: Sequence[int]) -> Changes: ...

    def export_copy(self, evidence_id: EvidenceId, folder: Path) -> Path: ...

    def open_copy(self, evidence_id: EvidenceId) -> Path: ...


def parse_weight(text: str) -> int | None:
    """Grams from what an operator types: "1250", "1250g", "1.25kg", "1.25 公斤"; None if empty.

    A bare number is grams when it has no decimal point and kilograms when it has one.
    Raises ValueError with a plain sentence otherwise.
    """
    if not text.strip():
        return None
    match = _WEIGHT.match(text.replace("，", ".").replace(",", "."))
    if match is None:
        raise ValueError(f"“{text}”不是重量，请写成 1250、1250g 或 1.25kg")
    number, unit = float(match.group(1)), (match.group(2) or "").lower()
    kilos = unit in ("kg", "公斤", "千克") or (not unit and "." in match.group(1))
    grams = round(number * 1000) if kilos else round(number)
    if grams <= 0:
        raise ValueError("重量必须大于 0")
    return grams


class Guess(NamedTuple):
    """What the text of a pasted picture suggests: its kind (None: no idea) and the weight it shows."""

    kind: EvidenceKind | None
    grams: int | None


def read_guess(
    reader: Reader, cache: ReadingCache | None, data: bytes, name: str, *, has_warehouse_weight: bool
) -> Guess:
    """Worker: read the text of one picture and guess its kind. Raises EngineMissing when reading is off;
    a picture the engine cannot read gets no guess."""
    sha = hashlib.sha256(data).hexdigest()
    suffix = Path(name).suffix or ".png"
    with tempfile.TemporaryDirectory(prefix="desk-guess-") as folder:
        path = Path(folder) / f"picture{suffix}"
        path.write_bytes(data)
        try:
            if cache is not None:
                reading, _cached = read_cached(reader, cache, path, sha)
            else:
                reading = reader.read_path(path, sha)
        except RecognitionFailed as exc:
            log.info("no kind guessed for %s: %s", name, exc)
            return Guess(None, None)
    kind = guess_kind(reading.lines, reading.width, reading.height, has_warehouse_weight=has_warehouse_weight)
    grams = suggested_weight(reading.lines, kind) if kind is not None else None
    return Guess(kind, grams)


def encode_png(image: QImage) -> bytes:
    """Worker: a raw clipboard picture as PNG bytes (lossless: a screenshot stays sharp)."""
    data = encode_image(image)
    if data is None:
        raise DeskError("剪贴板里的图片无法保存")
    return data


class EvidencePanel(QWidget):
    """The evidence of the current case.

    Signals:
        changes_made(Changes): an import, edit or removal went through.
        status_message(str): a short note for the status bar.
        imported(object): an ImportReport, after a batch finished (tests wait for it).
        evidence_shown(object): the gallery shows the list just read for this case id (None: no case).
    """

    changes_made = Signal(object)
    status_message = Signal(str)
    imported = Signal(object)
    evidence_shown = Signal(object)

    def __init__(
        self,
        evidence: EvidenceStore,
        runner: TaskRunner,
        parent: QWidget | None = None,
        *,
        profile_root: Path | None = None,
        recognition: RecognitionService | None = None,
    ) -> None:
        super().__init__(parent)
        self._recognition = recognition  # the viewer's suggestions of what a picture says
        self._evidence = evidence
        self._runner = runner
        # Pasted pictures are read to guess their kind; the readings go to the profile's cache (when the
        # panel has a profile) so reading them again later costs nothing.
        self._reading_cache = ReadingCache(profile_root) if profile_root is not None else None
        self._reader: Reader | None = None
        self._reading_off = False  # the engine is missing: pastes keep the plain 聊天截图 suggestion
        self._suggested_grams: dict[str, int] = {}  # by picture content: the weight its text shows
        self._focus_weight_for: set[str] = set()  # just pasted weighing pictures: their weight comes next
        self._case_id: CaseId | None = None
        self._editing: EvidenceData | None = None
        self._importing = False
        self._select_after: set[int] = set()
        self._refresh_token = 0
        self._loading_case = False  # the cards of the case just given are on their way
        self._undo_action: QAction | None = None
        self.viewer: EvidenceViewer | None = None
        self.thumbnails = ThumbnailCache(
            evidence.thumbnail_for,
            runner,
            box=THUMB_BOX,
            device_pixel_ratio=self.devicePixelRatioF(),
            parent=self,
        )
        self.model = GalleryModel(self)
        self._build()
        self.thumbnails.ready.connect(self._on_thumbnail_ready)
        app = QApplication.instance()
        if app is not None:
            # Goes with the panel: Qt removes an object's event filter when the object is destroyed.
            self._paste_router = PasteRouter(self)
            app.installEventFilter(self._paste_router)
        self.setAcceptDrops(True)
        self.set_case(None)

    def _build(self) -> None:
        self.title = QLabel("证据")
        font = QFont(self.title.font())
        font.setBold(True)
        self.title.setFont(font)
        self.add_button = QPushButton("添加证据…")
        self.add_button.setToolTip(
            "选择图片、PDF 或视频；也可以把文件或图片直接拖到下面，或按 Ctrl+V 粘贴截图"
        )
        self.add_button.clicked.connect(self.add_files)
        self.folder_button = QPushButton("导入文件夹…")
        self.folder_button.setToolTip("导入一个文件夹里的全部图片、PDF 和视频")
        self.folder_button.clicked.connect(self.add_folder)
        self.paste_button = QPushButton("粘贴")
        self.paste_button.setToolTip("粘贴剪贴板里的截图或文件（Ctrl+V）")
        self.paste_button.clicked.connect(self.paste)
        self.view_button = QPushButton("查看")
        self.view_button.setToolTip("放大查看、旋转、遮挡隐私、标注（回车）")
        self.view_button.clicked.connect(self.open_viewer)
        self.remove_button = QPushButton("删除")
        self.remove_button.setToolTip("删除选中的证据（Delete；可按 Ctrl+Z 撤销）")
        self.remove_button.clicked.connect(self.remove_selected)
        top = QHBoxLayout()
        top.addWidget(self.title)
        top.addStretch(1)
        for button in (
            self.add_button,
            self.folder_button,
            self.paste_button,
            self.view_button,
            self.remove_button,
        ):
            top.addWidget(button)

        self.view = GalleryView()
        self.view.setModel(self.model)
        self.view.setItemDelegate(GalleryDelegate(self.thumbnails, self.view))
        self.view.dropped.connect(self.import_payload)
        self.view.move_requested.connect(self._on_move_requested)
        self.view.open_requested.connect(self.open_viewer)
        self.view.remove_requested.connect(self.remove_selected)
        self.view.accepts_files = lambda: self._case_id is not None
        self.view.selectionModel().selectionChanged.connect(self._on_selection_changed)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._on_context_menu)

        self.kind_combo = QComboBox()
        for kind in EvidenceKind:
            self.kind_combo.addItem(str(kind), kind.name)
        self.kind_combo.activated.connect(self._on_kind_chosen)
        self.confirm_button = QPushButton("确认类型")
        self.confirm_button.setToolTip("类型是按文件名或来源自动推测的；确认无误后点这里")
        self.confirm_button.clicked.connect(self.confirm_kind)
        self.caption_edit = QLineEdit()
        self.caption_edit.setPlaceholderText("说明，例如：仓库出库称重 1.25kg")
        self.caption_edit.editingFinished.connect(self._commit_caption)
        self.weight_edit = QLineEdit()
        self.weight_edit.setPlaceholderText("如 1.25kg")
        self.weight_edit.setMaximumWidth(130)
        self.weight_edit.setToolTip("图中显示的重量；称重核对会用到。可写 1250、1250g 或 1.25kg")
        # Enter in the empty field takes the weight read in the picture (shown as the placeholder); the
        # suggestion goes in before editingFinished, which follows returnPressed, saves it.
        self.weight_edit.returnPressed.connect(self._accept_suggested_weight)
        self.weight_edit.editingFinished.connect(self._commit_weight)
        kind_label = QLabel("类型：")
        kind_label.setBuddy(self.kind_combo)
        caption_label = QLabel("说明：")
        caption_label.setBuddy(self.caption_edit)
        self.weight_label = QLabel("重量：")
        self.weight_label.setBuddy(self.weight_edit)
        bottom = QHBoxLayout()
        bottom.addWidget(kind_label)
        bottom.addWidget(self.kind_combo)
        bottom.addWidget(self.confirm_button)
        bottom.addSpacing(8)
        bottom.addWidget(caption_label)
        bottom.addWidget(self.caption_edit, 1)
        bottom.addWidget(self.weight_label)
        bottom.addWidget(self.weight_edit)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(top)
        layout.addWidget(self.view, 1)
        layout.addLayout(bottom)

    # -- case ------------------------------------------------------------------------------------

    @property
    def case_id(self) -> CaseId | None:
        return self._case_id

    @property
    def loading(self) -> bool:
        """The gallery waits for the list of the case it was just given (it says 载入中…)."""
        return self._loading_case

    def set_case(self, case_id: CaseId | None) -> None:
        """Show the evidence of another case (None: none), read on the DB worker.

        The cards of the case left go at once, so nothing is done to another case's evidence by mistake;
        adding works at once and the gallery says 载入中… until the list comes. The same case again keeps
        its cards until then.
        """
        self._commit_caption()
        self._commit_weight()
        other = case_id != self._case_id
        self._case_id = case_id
        self.thumbnails.drop_pending()
        if self.viewer is not None:
            self.viewer.close()
        if other and case_id is not None:
            self._show_loading()
        self.refresh()

    def _show_loading(self) -> None:
        self._loading_case = True
        self._select_after = set()
        self.model.set_items([])
        self.title.setText("证据（载入中…）")
        self._show_controls()
        self._on_selection_changed()

    def refresh(self) -> None:
        """Re-read the list on the database worker and show it when it arrives (after imports and edits).

        The GUI thread never waits for the query; if several refreshes overlap, the last one wins.
        """
        self._refresh_token += 1
        case_id = self._case_id
        if case_id is None:
            self._show([])  # nothing to read
            return
        token = self._refresh_token
        store = self._evidence

        def current() -> bool:
            return token == self._refresh_token and case_id == self._case_id

        def loaded(items: list[EvidenceData]) -> None:
            if current():
                self._show(items)

        def failed(exc: BaseException) -> None:
            if current() and self._loading_case:  # no longer 载入中…: there is nothing coming
                self._loading_case = False
                self.title.setText("证据")
                self._show_controls()
            show_error(self, exc, action="读取证据")

        Op(lambda: store.list(case_id), parent=self, pool="read").on_success(loaded).on_failure(failed).run(
            self._runner
        )

    def _show(self, items: Sequence[EvidenceData]) -> None:
        self._loading_case = False
        selected = set(self.view.selected_ids()) | self._select_after
        self._select_after = set()
        self.model.set_items(items)
        self._select(selected)
        self._show_controls()
        self.title.setText(f"证据（{len(items)}）" if self._case_id is not None else "证据")
        self._on_selection_changed()
        self._focus_pasted_weight()
        self.evidence_shown.emit(self._case_id)

    def _focus_pasted_weight(self) -> None:
        """A weighing picture just pasted and selected: its weight is what the operator gives next."""
        if not self._focus_weight_for:
            return
        one = self._editing
        if one is None or one.sha256 not in self._focus_weight_for:
            return
        self._focus_weight_for.clear()
        if self.weight_edit.isVisible():
            self.weight_edit.setFocus()

    def _show_controls(self) -> None:
        """The ways to add evidence, and the hint in an empty gallery, follow whether there is a case."""
        has_case = self._case_id is not None
        for button in (self.add_button, self.folder_button, self.paste_button):
            button.setEnabled(has_case and not self._importing)
        if self._loading_case:
            self.view.empty_text = "载入中…"
        elif has_case:
            self.view.empty_text = "把图片、PDF 或视频拖到这里，按 Ctrl+V 粘贴截图，或点击“添加证据…”"
        else:
            self.view.empty_text = "保存售后后即可添加证据"
        self.view.viewport().update()

    def apply_changes(self, changes: Changes) -> None:
        if self._case_id is None:
            return
        shown = {e.id for e in self.model.items()}
        if self._case_id in changes.cases or changes.evidence & shown or (changes.evidence and not shown):
            self.refresh()

    # -- selection and edits ---------------------------------------------------------------------

    def visible_items(self) -> list[EvidenceData]:
        """The items whose cards are (at least partly) on screen now."""
        area = self.view.viewport().rect()
        return [
            item
            for item in self.model.items()
            if self.view.visualRect(self.model.index_of(item.id)).intersects(area)
        ]

    def thumbnails_shown(self) -> bool:
        """Every card on screen shows its thumbnail (or why it cannot)."""
        return all(self.thumbnails.has(e) or self.thumbnails.failure(e) for e in self.visible_items())

    def selected(self) -> list[EvidenceData]:
        rows = sorted(index.row() for index in self.view.selectionModel().selectedIndexes())
        return [item for row in rows if (item := self.model.item(row)) is not None]

    def select_ids(self, ids: Sequence[int]) -> None:
        self.view.selectionModel().clearSelection()
        last = self._select(ids)
        if last is not None:
            self.view.scrollTo(last)

    def _select(self, ids: Iterable[int]) -> QModelIndex | None:
        """Select items in one go (one selectionChanged, however many), returning the last one's index."""
        wanted = set(ids)
        if not wanted:
            return None
        selection = QItemSelection()
        last = None
        for row, item in enumerate(self.model.items()):
            if item.id in wanted:
                last = self.model.index(row)
                selection.select(last, last)
        if last is not None:
            self.view.selectionModel().select(selection, QItemSelectionModel.SelectionFlag.Select)
        return last

    def _on_selection_changed(self, *_args: object) -> None:
        self._commit_caption()
        self._commit_weight()
        selected = self.selected()
        self.remove_button.setEnabled(bool(selected))
        self.view_button.setEnabled(bool(self.model.items()))
        one = selected[0] if len(selected) == 1 else None
        self._editing = one
        self.kind_combo.setEnabled(bool(selected))
        self.caption_edit.setEnabled(one is not None)
        # No selection: an empty combo, rather than a kind that belongs to nothing.
        self.kind_combo.setCurrentIndex(self.kind_combo.findData(selected[0].kind.name) if selected else -1)
        self.confirm_button.setVisible(any(not e.kind_confirmed for e in selected))
        self.caption_edit.setText(one.caption if one else "")
        weighs = one is not None and one.kind in WEIGHT_KINDS
        self.weight_label.setVisible(weighs)
        self.weight_edit.setVisible(weighs)
        self.weight_edit.setEnabled(weighs)
        grams = one.weight_grams if one is not None else None
        self.weight_edit.setText(f"{grams / 1000:g}kg" if grams is not None else "")
        read = self._suggested_grams.get(one.sha256) if one is not None and grams is None else None
        self.weight_edit.setPlaceholderText(f"图中 {read / 1000:g}kg，回车采用" if read else "如 1.25kg")

    def suggested_weight(self) -> int | None:
        """Grams read in the one selected picture that has no weight yet (the weight field's suggestion)."""
        one = self._editing
        if one is None or one.weight_grams is not None:
            return None
        return self._suggested_grams.get(one.sha256)

    def _accept_suggested_weight(self) -> None:
        grams = self.suggested_weight()
        if grams is not None and not self.weight_edit.text().strip():
            self.weight_edit.setText(f"{grams / 1000:g}kg")

    def _on_kind_chosen(self, index: int) -> None:
        self.set_kind(EvidenceKind[self.kind_combo.itemData(index)])

    def set_kind(self, kind: EvidenceKind, items: Sequence[EvidenceData] | None = None) -> None:
        """File the items (default: the selection) under a kind; choosing confirms it. Undoable."""
        targets = list(items if items is not None else self.selected())
        if not targets:
            return
        store = self._evidence
        ids = [e.id for e in targets]
        Op(lambda: store.set_kind(ids, kind), parent=self).on_success(self.changes_made.emit).run(
            self._runner
        )

    def confirm_kind(self) -> None:
        targets = [e for e in self.selected() if not e.kind_confirmed]
        if not targets:
            return
        store = self._evidence
        ids = [e.id for e in targets]

        def work() -> Changes:
            changes = Changes()
            for evidence_id in ids:
                changes = changes | store.update(evidence_id, confirm_kind=True)
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
        store = self._evidence
        Op(lambda: store.update(editing.id, caption=caption), parent=self).on_success(
            lambda changes: self.changes_made.emit(changes)
        ).run(self._runner)

    def _commit_weight(self) -> None:
        editing = self._editing
        if editing is None or editing.kind not in WEIGHT_KINDS or not self.weight_edit.isEnabled():
            return
        try:
            grams = parse_weight(self.weight_edit.text())
        except ValueError as exc:
            self.status_message.emit(str(exc))
            return
        if grams == editing.weight_grams:
            return
        self._editing = None
        store = self._evidence
        Op(lambda: store.update(editing.id, weight_grams=grams), parent=self).on_success(
            self.changes_made.emit
        ).run(self._runner)

    def _on_thumbnail_ready(self, evidence_id: int) -> None:
        index = self.model.index_of(evidence_id)
        if index.isValid():
            self.view.update(index)

    def _on_move_requested(self, ids: list[int], before: int, kind_value: str) -> None:
        """Cards dropped within the gallery: place them before `before` (0: end of the group)."""
        kind = EvidenceKind(kind_value)
        items = self.model.items()
        moving = [e for e in items if e.id in ids]
        if not moving:
            return
        rest = [e for e in items if e.id not in ids]
        if before:
            position = next((i for i, e in enumerate(rest) if e.id == before), len(rest))
        else:
            group = [i for i, e in enumerate(rest) if e.kind == kind]
            position = group[-1] + 1 if group else len(rest)
        store = self._evidence
        order = [EvidenceId(e.id) for e in moving]
        changing_kind = [e for e in moving if e.kind != kind]

        def work() -> Changes:
            changes = Changes()
            for e in changing_kind:
                changes = changes | store.update(e.id, kind=kind)
            return changes | store.move_many(order, position)

        def done(changes: Changes) -> None:
            self._select_after = set(ids)
            self.changes_made.emit(changes)
            if changing_kind:
                self.status_message.emit(f"已移到“{kind}”")

        Op(work, parent=self).on_success(done).run(self._runner)

    # -- import ----------------------------------------------------------------------------------

    def add_files(self) -> None:
        if self._case_id is None:
            return
        names, _ = QFileDialog.getOpenFileNames(self, "添加证据", "", FILE_FILTER)
        if names:
            self.import_paths([Path(n) for n in names])

    def add_folder(self) -> None:
        if self._case_id is None:
            return
        chosen = QFileDialog.getExistingDirectory(self, "导入文件夹")
        if chosen:
            self.import_folder(Path(chosen))

    def import_folder(self, folder: Path) -> None:
        # Counting stops early: a huge tree (or a slow network drive) must not hold up the window.
        count = 0
        for _root, _dirs, files in os.walk(folder):
            count += len(files)
            if count > FOLDER_CONFIRM:
                break
        if count > FOLDER_CONFIRM and (
            ask(self, f"文件夹里有超过 {FOLDER_CONFIRM} 个文件，全部导入吗？", ["导入", "取消"]) != 0
        ):
            return
        self.import_paths([folder])

    def import_paths(
        self,
        paths: Sequence[Path],
        kind: EvidenceKind | None = None,
        *,
        suggest: EvidenceKind | None = None,
    ) -> None:
        """Import files or folders into the current case in the background, with progress and 取消."""
        case_id = self._case_id
        if case_id is None:
            self.status_message.emit("请先保存售后，再添加证据")
            return
        if not paths:
            return
        files = list(paths)
        store = self._evidence

        def work(progress: Progress, cancel: Cancel) -> ImportReport:
            return store.import_files(
                case_id, files, kind=kind, suggest=suggest, folders=True, progress=progress, cancel=cancel
            )

        self._start_import(work)

    def import_payload(self, payload: drops.Payload, *, pasted: bool = False) -> None:
        """Import what a drop or paste carried; picture data without a file is suggested as 聊天截图."""
        if self._case_id is None:
            self.status_message.emit("请先保存售后，再添加证据")
            return
        if payload.paths:
            self.import_paths(payload.paths)
            return
        prefix = "粘贴的截图" if pasted else "拖入的图片"
        if (payload.blobs or payload.images) and not payload.urls and self._reads_pictures():
            self._guess_then_import(list(payload.blobs), list(payload.images), prefix)
            return
        self._import_payload(payload, prefix, {})

    def _reads_pictures(self) -> bool:
        """Whether pasted pictures are read to guess their kind: not when the engine is missing."""
        if not self._reading_off and engine_if_on() is None:  # not installed, or switched off
            self._reading_off = True
        return not self._reading_off

    def _guess_then_import(self, blobs: list[tuple[bytes, str]], images: list[QImage], prefix: str) -> None:
        """Read the pictures' text on a worker (a child process does the reading), guess each one's kind,
        then import them with the guess as the suggestion the operator confirms or changes."""
        if self._reader is None:
            self._reader = Reader()
            self.destroyed.connect(self._reader.close)
        reader = self._reader
        cache = self._reading_cache
        has_warehouse = any(e.kind is EvidenceKind.WAREHOUSE_WEIGHT for e in self.model.items())

        def work(
            progress: Progress, cancel: Cancel
        ) -> tuple[list[tuple[bytes, str]], dict[str, Guess], bool]:
            encoded = blobs + [(encode_png(image), drops.stamp_name(prefix, ".png")) for image in images]
            guesses: dict[str, Guess] = {}
            warehouse = has_warehouse
            for done, (data, name) in enumerate(encoded):
                if cancel():
                    break
                progress(done, len(encoded), name)
                try:
                    guess = read_guess(reader, cache, data, name, has_warehouse_weight=warehouse)
                except EngineMissing as exc:
                    say_missing_once(exc.message)
                    return encoded, guesses, True
                except Cancelled:
                    break
                guesses[hashlib.sha256(data).hexdigest()] = guess
                warehouse = warehouse or guess.kind is EvidenceKind.WAREHOUSE_WEIGHT
            return encoded, guesses, False

        def read(result: tuple[list[tuple[bytes, str]], dict[str, Guess], bool]) -> None:
            encoded, guesses, missing = result
            self._reading_off = self._reading_off or missing
            for sha, guess in guesses.items():
                if guess.grams is not None:
                    self._suggested_grams[sha] = guess.grams
            if len(encoded) == 1 and any(g.kind in WEIGHT_KINDS for g in guesses.values()):
                self._focus_weight_for = set(guesses)
            self._import_payload(drops.Payload(blobs=encoded), prefix, guesses)

        Op(work, pool="cpu").with_progress(self, "正在识别图中文字…").on_success(read).run(self._runner)

    def _import_payload(self, payload: drops.Payload, prefix: str, guesses: dict[str, Guess]) -> None:
        case_id = self._case_id
        if case_id is None:
            return
        store = self._evidence
        chat = EvidenceKind.CHAT
        blobs = list(payload.blobs)
        images = list(payload.images)
        urls = list(payload.urls)

        def suggestion(data: bytes) -> EvidenceKind:
            if not guesses:
                return chat
            guess = guesses.get(hashlib.sha256(data).hexdigest())
            return guess.kind if guess is not None and guess.kind is not None else chat

        def work(progress: Progress, cancel: Cancel) -> ImportReport:
            from desk.store.fetch import FetchFailed, fetch

            reports: list[ImportReport] = []
            failed: list[ImportRejected] = []
            total = len(blobs) + len(images) + len(urls)
            done = 0
            for data, name in blobs:
                progress(done, total, name)
                reports.append(store.import_bytes(case_id, data, name, suggest=suggestion(data)))
                done += 1
            for image in images:
                name = drops.stamp_name(prefix, ".png")
                progress(done, total, name)
                reports.append(store.import_bytes(case_id, encode_png(image), name, suggest=chat))
                done += 1
            for url in urls:
                if cancel():
                    break
                progress(done, total, url[:60])
                try:
                    data, name = fetch(url)
                except FetchFailed as exc:
                    failed.append(ImportRejected(url[:80], exc.message))
                    continue
                # A picture dragged from a chat window's web view is a chat screenshot too; from
                # anywhere else the name decides.
                reports.append(store.import_bytes(case_id, data, name))
                done += 1
            return merge_reports(reports, failed, cancelled=cancel())

        self._start_import(work)

    def paste(self) -> bool:
        """Ctrl+V: import the clipboard's picture (screenshots from WeChat, QQ, the system) or files."""
        mime = QApplication.clipboard().mimeData()
        return self.paste_mime(mime)

    def takes_paste(self, mime: QMimeData | None) -> bool:
        """Whether Ctrl+V in a text field of this window should bring this clipboard here instead: a
        picture or files and no text (text goes into the field as anywhere else)."""
        if mime is None or (mime.hasText() and mime.text().strip()):
            return False
        return drops.accepts(mime)

    def paste_mime(self, mime: QMimeData | None) -> bool:
        if self._case_id is None:
            self.status_message.emit("请先保存售后，再粘贴证据")
            return False
        payload = drops.payload(mime, prefix="粘贴的截图") if mime is not None else drops.Payload()
        if not payload:
            self.status_message.emit("剪贴板里没有图片或文件")
            return False
        self.import_payload(payload, pasted=True)
        return True

    def _start_import(self, work: Callable[..., ImportReport]) -> None:
        def done() -> None:
            self._importing = False
            has_case = self._case_id is not None
            for button in (self.add_button, self.folder_button, self.paste_button):
                button.setEnabled(has_case)

        self._importing = True
        for button in (self.add_button, self.folder_button, self.paste_button):
            button.setEnabled(False)
        Op(work).with_progress(self, "正在导入证据…").on_success(self._on_imported).on_done(done).run(
            self._runner
        )

    def _on_imported(self, report: ImportReport) -> None:
        # The new items come up selected, so the operator can confirm their kind at once.
        self._select_after = {e.id for e in report.added}
        if report.added:
            self.view.selectionModel().clearSelection()
        self.changes_made.emit(report.changes)
        summary = report.summary()
        self.imported.emit(report)
        if report.rejected:
            box = QMessageBox(QMessageBox.Icon.Warning, APP_TITLE, summary, parent=self)
            box.setInformativeText("\n".join(f"{r.name}：{r.reason}" for r in report.rejected))
            box.addButton("确定", QMessageBox.ButtonRole.AcceptRole)
            box.exec()
        else:
            self.status_message.emit(summary)

    # Drops onto the buttons or margins count too, not only onto the gallery itself.
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self._case_id is not None and drops.accepts(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        payload = drops.payload(event.mimeData(), prefix="拖入的图片")
        if self._case_id is not None and payload:
            event.acceptProposedAction()
            self.import_payload(payload)
        else:
            event.ignore()

    # -- context menu ----------------------------------------------------------------------------

    def _on_context_menu(self, pos: QPoint) -> None:
        index = self.view.indexAt(pos)
        selection = self.view.selectionModel()
        if index.isValid() and index.data(EVIDENCE_ROLE) is not None and not selection.isSelected(index):
            self.view.selectionModel().select(index, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        menu = self.context_menu()
        menu.exec(self.view.viewport().mapToGlobal(pos))

    def context_menu(self) -> QMenu:
        """The menu for the selection: view, kind, caption, open, show in folder, export, turn, remove."""
        selected = self.selected()
        one = selected[0] if len(selected) == 1 else None
        menu = QMenu(self)
        menu.addAction("查看…", self.open_viewer).setEnabled(bool(selected))
        kinds = menu.addMenu("类型")
        kinds.setEnabled(bool(selected))
        for kind in EvidenceKind:
            action = kinds.addAction(str(kind), partial(self.set_kind, kind))
            action.setCheckable(True)
            action.setChecked(bool(selected) and all(e.kind == kind for e in selected))
        if any(not e.kind_confirmed for e in selected):
            menu.addAction("确认类型", self.confirm_kind)
        menu.addAction("编辑说明", self._focus_caption).setEnabled(one is not None)
        menu.addSeparator()
        menu.addAction("用系统程序打开", self.open_external).setEnabled(one is not None)
        menu.addAction("在文件夹中显示", self.show_in_folder).setEnabled(one is not None)
        menu.addAction("导出副本…", self.export_selected).setEnabled(bool(selected))
        menu.addSeparator()
        menu.addAction("向右转", lambda: self.rotate_selected(1)).setEnabled(
            any(not e.is_pdf for e in selected)
        )
        menu.addAction("向左转", lambda: self.rotate_selected(-1)).setEnabled(
            any(not e.is_pdf for e in selected)
        )
        menu.addSeparator()
        menu.addAction("删除", self.remove_selected).setEnabled(bool(selected))
        if self._undo_action is not None:
            menu.addAction(self._undo_action)  # the window's one 撤销 (it names the step it takes back)
        return menu

    def set_undo_action(self, action: QAction | None) -> None:
        """The window's 撤销 action, offered in the gallery's menu."""
        self._undo_action = action

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        event.accept()

    def _focus_caption(self) -> None:
        self.caption_edit.setFocus()
        self.caption_edit.selectAll()

    def _one(self) -> EvidenceData | None:
        selected = self.selected()
        return selected[0] if len(selected) == 1 else None

    def open_external(self, item: EvidenceData | None = None) -> None:
        """Open a named copy of the original with the system's program (the original stays read-only)."""
        target = item or self._one()
        if target is None:
            return
        store = self._evidence

        def opened(path: Path) -> None:
            if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(path))):
                self.status_message.emit(f"没有找到能打开“{path.name}”的程序")

        Op(lambda: store.open_copy(target.id), parent=self, pool="cpu").on_success(opened).run(self._runner)

    def show_in_folder(self) -> None:
        target = self._one()
        if target is None:
            return
        store = self._evidence

        def shown(path: Path) -> None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(path.parent)))
            self.status_message.emit(f"已打开文件夹：{path.parent}")

        Op(lambda: store.open_copy(target.id), parent=self, pool="cpu").on_success(shown).run(self._runner)

    def export_selected(self, folder: Path | None = None) -> None:
        """Export copies (marks and rotation applied, no EXIF/GPS) of the selection into a folder."""
        targets = self.selected()
        if not targets:
            return
        if folder is None:
            chosen = QFileDialog.getExistingDirectory(self, "导出副本到…")
            if not chosen:
                return
            folder = Path(chosen)
        store = self._evidence
        ids = [e.id for e in targets]
        destination = folder

        def work() -> list[Path]:
            return [store.export_copy(evidence_id, destination) for evidence_id in ids]

        def exported(paths: list[Path]) -> None:
            self.status_message.emit(f"已导出 {len(paths)} 个副本到 {destination}")

        Op(work, parent=self, pool="cpu").on_success(exported).run(self._runner)

    def rotate_selected(self, quarter_turns: int) -> None:
        targets = [e for e in self.selected() if not e.is_pdf]
        if not targets:
            return
        store = self._evidence
        turns = {e.id: (e.rotation + 90 * quarter_turns) % 360 for e in targets}

        def work() -> Changes:
            changes = Changes()
            for evidence_id, rotation in turns.items():
                changes = changes | store.update(evidence_id, rotation=rotation)
            return changes

        Op(work, parent=self).on_success(self.changes_made.emit).run(self._runner)

    # -- viewer ----------------------------------------------------------------------------------

    def open_viewer(self, item: EvidenceData | None = None) -> EvidenceViewer | None:
        items = self.model.items()
        if not items:
            return None
        target = item or (self.selected() or items)[0]
        index = next((i for i, e in enumerate(items) if e.id == target.id), 0)
        if self.viewer is not None:
            self.viewer.close()
            self.viewer.deleteLater()
        viewer = EvidenceViewer(
            self._evidence,
            self._runner,
            items,
            index,
            open_external=self.open_external,
            recognition=self._recognition,
            parent=self,
        )
        viewer.changes_made.connect(self.changes_made.emit)
        viewer.status_message.connect(self.status_message.emit)
        self.viewer = viewer
        viewer.show()
        return viewer

    # -- removal ---------------------------------------------------------------------------------

    def remove_selected(self) -> None:
        """Remove the selection at once; 撤销 (Ctrl+Z) brings it back (the originals are kept until then)."""
        targets = self.selected()
        if not targets:
            return
        ids = [e.id for e in targets]
        store = self._evidence
        self._editing = None

        def removed(result: tuple[Changes, tuple[EvidenceData, ...]]) -> None:
            changes, items = result
            self.changes_made.emit(changes)
            self.status_message.emit(f"已删除 {len(items)} 个证据（Ctrl+Z 撤销）")

        Op(lambda: store.remove_many(ids), parent=self).on_success(removed).run(self._runner)

    def select_after_refresh(self, ids: Iterable[int]) -> None:
        """Select these items once the next refresh shows them (e.g. items an undo brought back)."""
        self._select_after = set(ids)

    def shutdown(self) -> None:
        """The window closes: pending caption and weight edits are saved, the viewer closes."""
        self._commit_caption()
        self._commit_weight()
        if self.viewer is not None:
            self.viewer.close()
        if self._reader is not None:
            self._reader.close()


def merge_reports(
    reports: Sequence[ImportReport], failed: Sequence[ImportRejected] = (), *, cancelled: bool = False
) -> ImportReport:
    """One summary for a drop or paste that was imported piece by piece."""
    added = tuple(e for r in reports for e in r.added)
    changes = Changes()
    for r in reports:
        changes = changes | r.changes
    return ImportReport(
        added=added,
        duplicates=tuple(d for r in reports for d in r.duplicates),
        rejected=tuple(x for r in reports for x in r.rejected) + tuple(failed),
        cancelled=cancelled,
        changes=changes,
    )


class PasteRouter(QObject):
    """Ctrl+V of a screenshot while the cursor is in a text field of the panel's window goes to the
    gallery: the field takes the key before the window's 粘贴证据 shortcut, and has nothing to paste
    from a clipboard holding only a picture, so the screenshot used to vanish without a word."""

    def __init__(self, panel: EvidencePanel) -> None:
        super().__init__(panel)
        self._panel = panel

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.KeyPress or not isinstance(event, QKeyEvent):
            return False
        if not event.matches(QKeySequence.StandardKey.Paste):
            return False
        focus = QApplication.focusWidget()
        panel = self._panel
        if watched is not focus or not isinstance(focus, QLineEdit | QPlainTextEdit):
            return False
        window = panel.window()
        if window is panel or focus.window() is not window or not panel.isVisible():
            return False
        if not panel.takes_paste(QApplication.clipboard().mimeData()):
            return False
        panel.paste()
        return True
