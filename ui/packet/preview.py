"""Preview of a generated appeal packet: pages, zoom, print, save a copy, the folder, and older versions."""

from __future__ import annotations

import functools
import logging
import shutil
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

from desk.domain import PacketData
from desk.errors import DeskError
from desk.labels import appeal_kind_label
from desk.progress import Cancel, Progress
from ui.format import byte_size, when
from ui.packet.fit import fit_on_screen
from ui.qt import (
    QAbstractItemView,
    QAbstractPrintDialog,
    QCloseEvent,
    QColor,
    QDesktopServices,
    QDialog,
    QFileDialog,
    QFont,
    QHBoxLayout,
    QIcon,
    QImage,
    QKeySequence,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QPainter,
    QPdfDocument,
    QPdfView,
    QPixmap,
    QPointF,
    QPrintDialog,
    QPrinter,
    QPushButton,
    QRect,
    QShortcut,
    QSize,
    QSplitter,
    Qt,
    QTabWidget,
    QTimer,
    QUrl,
    QVBoxLayout,
    QWidget,
    Signal,
)
from ui.tasks import Op, TaskRunner

log = logging.getLogger(__name__)

ZOOM_STEP = 1.25
MIN_ZOOM, MAX_ZOOM = 0.1, 8.0
MAX_PRINT_DPI = 300  # pages are rendered to images; beyond 300 dpi only memory grows, not legibility
THUMB_WIDTH = 120  # pixels; A4 pages come out 170 high
WARNING_STYLE = (
    "color: #8a4b00; background: #fff4e0; border: 1px solid #f0c890; border-radius: 3px; padding: 6px;"
)
OLD_VERSION_STYLE = (
    "color: #1d4f91; background: #eaf2fc; border: 1px solid #a9c6ea; border-radius: 3px; padding: 6px;"
)
PATH_ROLE = Qt.ItemDataRole.UserRole


def print_plan(printer: QPrinter, page_count: int, current_page: int = 0) -> list[int]:
    """The 0-based pages to send, in order: the range chosen in the print dialog, times the copies.

    Copies are repeated here only when the printer cannot make them itself (a PDF file, many
    drivers); collated copies go 1-2-3, 1-2-3, uncollated 1-1, 2-2, 3-3.
    """
    if page_count <= 0:
        return []
    chosen = printer.printRange()
    if chosen == QPrinter.PrintRange.PageRange and printer.fromPage() > 0:
        first = min(max(1, printer.fromPage()), page_count)
        last = min(max(first, printer.toPage() or page_count), page_count)
        pages = list(range(first - 1, last))
    elif chosen == QPrinter.PrintRange.CurrentPage:
        pages = [min(max(0, current_page), page_count - 1)]
    else:
        pages = list(range(page_count))
    copies = 1 if printer.supportsMultipleCopies() else max(1, printer.copyCount())
    if copies == 1:
        return pages
    if printer.collateCopies():
        return pages * copies
    return [page for page in pages for _ in range(copies)]


def print_pdf(
    path: Path,
    printer: QPrinter,
    *,
    pages: Sequence[int] | None = None,
    progress: Progress,
    cancel: Cancel,
) -> int:
    """Render pages of a PDF onto a printer; runs on a worker (QPainter on QPrinter is thread-safe).

    `pages` are 0-based, in print order (see `print_plan`); None prints every page once. Each page
    is rendered at the printer's resolution (at most MAX_PRINT_DPI). Returns the number of sheets
    sent. A document of its own keeps the worker off the preview's.
    """
    document = QPdfDocument()
    if document.load(str(path)) != QPdfDocument.Error.None_:
        raise DeskError(f"无法打开申诉材料“{path.name}”，文件可能已被移动或删除")
    count = document.pageCount()
    order = [p for p in (range(count) if pages is None else pages) if 0 <= p < count]
    if not order:
        document.close()
        raise DeskError("所选页码范围内没有可打印的页面")
    dpi = min(printer.resolution(), MAX_PRINT_DPI)
    painter = QPainter()
    if not painter.begin(printer):
        document.close()
        raise DeskError("打印机无法开始打印，请检查打印机是否已连接")
    printed = 0
    rendered: tuple[int, QImage] | None = None  # uncollated copies repeat a page: render it once
    try:
        for n, page in enumerate(order):
            if cancel():
                printer.abort()
                raise DeskError("已取消打印")
            progress(n, len(order), f"第 {page + 1} 页")
            if n:
                printer.newPage()
            if rendered is None or rendered[0] != page:
                points = document.pagePointSize(page)
                size = QSize(round(points.width() / 72 * dpi), round(points.height() / 72 * dpi))
                rendered = (page, document.render(page, size))
            image = rendered[1]
            area = painter.viewport()
            scaled = image.size().scaled(area.size(), Qt.AspectRatioMode.KeepAspectRatio)
            target = QRect(area.topLeft(), scaled)
            target.moveCenter(area.center())
            painter.drawImage(target, image)
            printed += 1
    finally:
        painter.end()
        document.close()
    return printed


def render_thumbnails(
    path: Path,
    width: int,
    deliver: Callable[[int, int, QImage], None],
    cancel: Cancel,
) -> int:
    """Render a small picture of every page, handing each to `deliver(page, count, image)`; runs on a worker."""
    document = QPdfDocument()
    try:
        if document.load(str(path)) != QPdfDocument.Error.None_:
            return 0
        count = document.pageCount()
        for page in range(count):
            if cancel():
                return page
            points = document.pagePointSize(page)
            height = max(1, round(width * points.height() / max(points.width(), 1.0)))
            image = document.render(page, QSize(width, height))
            # Pages are transparent where nothing is drawn; thumbnails show paper.
            paper = QImage(image.size(), QImage.Format.Format_RGB32)
            paper.fill(QColor("white"))
            painter = QPainter(paper)
            painter.drawImage(0, 0, image)
            painter.end()
            deliver(page, count, paper)
        return count
    finally:
        document.close()


class PacketPreview(QDialog):
    """Shows one generated packet, the pages as thumbnails, and the case's other packet versions.

    Signals:
        status_message(str): a short note for the main window's status bar.
    """

    status_message = Signal(str)

    def __init__(
        self,
        path: Path,
        *,
        runner: TaskRunner,
        warnings: Sequence[str] = (),
        history: Callable[[], Sequence[PacketData]] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.path = path  # the version shown
        self.latest = path  # the version this preview was opened for
        self._runner = runner
        self._warnings = tuple(warnings)
        self._history_source = history
        self._thumb_generation = 0
        self._thumb_cancel = threading.Event()
        self.thumbnails_ready = 0  # pages of the shown version whose thumbnail arrived
        self._closed = False
        self.document = QPdfDocument(self)
        self.view = QPdfView(self)
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self.view.setDocument(self.document)
        self._build()
        self._load(path)
        self.refresh_history()
        fit_on_screen(self, 1100, 1000)

    # -- layout ----------------------------------------------------------------------------------

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        self.warning_label = QLabel()
        self.warning_label.setWordWrap(True)
        self.warning_label.setStyleSheet(WARNING_STYLE)
        if self._warnings:
            self.warning_label.setText("生成时的提醒：\n" + "\n".join(f"⚠ {w}" for w in self._warnings))
        layout.addWidget(self.warning_label)
        self.version_label = QLabel()
        self.version_label.setWordWrap(True)
        self.version_label.setStyleSheet(OLD_VERSION_STYLE)
        self.version_label.hide()
        layout.addWidget(self.version_label)

        bar = QHBoxLayout()
        self.zoom_label = QLabel()
        self.zoom_label.setMinimumWidth(110)
        self.zoom_label.setStyleSheet("color: #555;")
        self.zoom_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        buttons: list[tuple[str, Callable[[], None], str]] = [
            ("缩小", self.zoom_out, "缩小（Ctrl+-）"),
            ("放大", self.zoom_in, "放大（Ctrl++）"),
            ("适合宽度", self.fit_width, ""),
            ("整页", self.fit_page, ""),
        ]
        for text, slot, tip in buttons:
            button = QPushButton(text)
            button.setAutoDefault(False)
            if tip:
                button.setToolTip(tip)
            button.clicked.connect(slot)
            bar.addWidget(button)
        bar.addWidget(self.zoom_label)
        self.info_label = QLabel()
        bar.addSpacing(12)
        bar.addWidget(self.info_label)
        bar.addStretch(1)
        self.print_button = QPushButton("打印…")
        self.print_button.setToolTip("打印（Ctrl+P）：可选页码范围和份数")
        self.save_button = QPushButton("另存为…")
        self.folder_button = QPushButton("打开所在文件夹")
        self.folder_button.setToolTip("在文件管理器中打开申诉材料所在的文件夹")
        close = QPushButton("关闭")
        actions: list[tuple[QPushButton, Callable[[], object]]] = [
            (self.print_button, self.print_packet),
            (self.save_button, self.save_copy),
            (self.folder_button, self.open_folder),
            (close, self.close),
        ]
        for button, handler in actions:
            button.setAutoDefault(False)
            button.clicked.connect(handler)
            bar.addWidget(button)
        layout.addLayout(bar)

        self.thumbs = QListWidget()
        self.thumbs.setViewMode(QListView.ViewMode.IconMode)
        self.thumbs.setFlow(QListView.Flow.TopToBottom)
        self.thumbs.setWrapping(False)
        self.thumbs.setMovement(QListView.Movement.Static)
        self.thumbs.setResizeMode(QListView.ResizeMode.Adjust)
        self.thumbs.setUniformItemSizes(True)
        self.thumbs.setSpacing(6)
        self.thumbs.setIconSize(QSize(THUMB_WIDTH, round(THUMB_WIDTH * 297 / 210)))
        self.thumbs.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.thumbs.currentRowChanged.connect(self._on_thumb_chosen)

        history = QWidget()
        history_layout = QVBoxLayout(history)
        history_layout.setContentsMargins(4, 4, 4, 4)
        self.history_list = QListWidget()
        self.history_list.setWordWrap(True)
        self.history_list.setSpacing(3)
        self.history_list.itemActivated.connect(self._on_history_activated)
        self.history_list.itemDoubleClicked.connect(self._on_history_activated)
        self.open_version_button = QPushButton("打开所选版本")
        self.open_version_button.setAutoDefault(False)
        self.open_version_button.clicked.connect(self._open_selected_version)
        note = QLabel("每次生成的申诉材料都会保留；可打开任一较早的版本查看、打印或另存。")
        note.setWordWrap(True)
        note.setStyleSheet("color: #666;")
        history_layout.addWidget(note)
        history_layout.addWidget(self.history_list, 1)
        history_layout.addWidget(self.open_version_button)

        self.side = QTabWidget()
        self.side.addTab(self.thumbs, "页面")
        self.side.addTab(history, "历史版本")
        self.side.setTabEnabled(1, self._history_source is not None)
        self.side.setMinimumWidth(THUMB_WIDTH + 70)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.side)
        splitter.addWidget(self.view)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([THUMB_WIDTH + 130, 900])
        layout.addWidget(splitter, 1)

        self.view.pageNavigator().currentPageChanged.connect(self._on_page_changed)
        self.view.zoomFactorChanged.connect(lambda _factor: self._update_zoom_label())
        QShortcut(QKeySequence.StandardKey.Print, self, self.print_packet)
        QShortcut(QKeySequence.StandardKey.ZoomIn, self, self.zoom_in)
        QShortcut(QKeySequence.StandardKey.ZoomOut, self, self.zoom_out)

    # -- the shown version -----------------------------------------------------------------------

    def _load(self, path: Path) -> None:
        self.document.close()
        self.path = path
        # Loading only maps the file; pages are rendered by QPdfView's own render thread.
        self.document.load(str(path))
        self.setWindowTitle(f"申诉材料预览 — {path.name}")
        latest = path == self.latest
        self.warning_label.setVisible(latest and bool(self._warnings))
        self.version_label.setVisible(not latest)
        if not latest:
            self.version_label.setText(
                f"正在查看较早的版本：{path.name}。打印和另存为都针对这个版本。"
                "在“历史版本”里可切换回最新的版本。"
            )
        self._update_labels()
        self._update_zoom_label()
        self._start_thumbnails()
        self._mark_current_version()

    def open_version(self, path: Path) -> None:
        """Show another generated version of the case's packet in this window."""
        if not path.is_file():
            self.status_message.emit(f"找不到文件 {path}（可能已被移动或删除）")
            return
        if path != self.path:
            self._load(path)

    def page_count(self) -> int:
        return self.document.pageCount() if self.document.status() == QPdfDocument.Status.Ready else 0

    def current_page(self) -> int:
        return self.view.pageNavigator().currentPage()

    def _update_labels(self) -> None:
        if self.document.status() == QPdfDocument.Status.Ready:
            self.info_label.setText(f"共 {self.page_count()} 页 · 第 {self.current_page() + 1} 页")
        else:
            self.info_label.setText("无法打开此文件")

    # -- thumbnails ------------------------------------------------------------------------------

    def _start_thumbnails(self) -> None:
        self._thumb_cancel.set()  # the previous version's worker stops at its next page
        self._thumb_cancel = cancel = threading.Event()
        self._thumb_generation += 1
        generation = self._thumb_generation
        self.thumbnails_ready = 0
        self.thumbs.blockSignals(True)
        self.thumbs.clear()
        count = self.page_count()
        blank = QPixmap(self.thumbs.iconSize())
        blank.fill(QColor("#eeeeee"))
        for page in range(count):
            item = QListWidgetItem(QIcon(blank), str(page + 1))
            item.setTextAlignment(Qt.AlignmentFlag.AlignHCenter)
            self.thumbs.addItem(item)
        if count:
            self.thumbs.setCurrentRow(0)
        self.thumbs.blockSignals(False)
        if not count:
            return
        path, runner = self.path, self._runner

        def deliver(page: int, total: int, image: QImage) -> None:
            runner.run_on_gui(functools.partial(self._on_thumbnail, generation, page, image))

        def work() -> int:
            try:
                return render_thumbnails(path, THUMB_WIDTH, deliver, cancel.is_set)
            except Exception:
                log.warning("thumbnails of %s failed", path.name, exc_info=True)
                return 0

        runner.submit(work, pool="cpu")

    def _on_thumbnail(self, generation: int, page: int, image: QImage) -> None:
        if self._closed or generation != self._thumb_generation:
            return
        try:
            item = self.thumbs.item(page)
            if item is None:
                return
            picture = QPixmap.fromImage(image)
            icon = QIcon(picture)
            icon.addPixmap(picture, QIcon.Mode.Selected)  # the page is not tinted when chosen
            item.setIcon(icon)
            self.thumbnails_ready += 1
        except RuntimeError:  # the dialog was deleted while the worker ran
            return

    def _on_thumb_chosen(self, row: int) -> None:
        if row >= 0:
            self.go_to_page(row)

    def go_to_page(self, page: int) -> None:
        if 0 <= page < self.page_count():
            self.view.pageNavigator().jump(page, QPointF(), 0)  # zoom 0: as it is
            self._update_labels()

    def _on_page_changed(self, page: int) -> None:
        self._update_labels()
        if 0 <= page < self.thumbs.count() and self.thumbs.currentRow() != page:
            self.thumbs.blockSignals(True)
            self.thumbs.setCurrentRow(page)
            self.thumbs.blockSignals(False)

    # -- zoom ------------------------------------------------------------------------------------

    def zoom_in(self) -> None:
        self._zoom(self.view.zoomFactor() * ZOOM_STEP)

    def zoom_out(self) -> None:
        self._zoom(self.view.zoomFactor() / ZOOM_STEP)

    def _zoom(self, factor: float) -> None:
        def change() -> None:
            self.view.setZoomMode(QPdfView.ZoomMode.Custom)
            self.view.setZoomFactor(min(MAX_ZOOM, max(MIN_ZOOM, factor)))

        self._keeping_page(change)

    def fit_width(self) -> None:
        self._keeping_page(lambda: self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth))

    def fit_page(self) -> None:
        self._keeping_page(lambda: self.view.setZoomMode(QPdfView.ZoomMode.FitInView))

    def _keeping_page(self, change: Callable[[], object]) -> None:
        """Apply a zoom change and bring the page that was in view back to the top."""
        page = self.current_page()
        change()
        self._update_zoom_label()
        # The view lays the pages out again when it next runs; jump once it has.
        QTimer.singleShot(0, self, lambda: self.go_to_page(page))

    def _update_zoom_label(self) -> None:
        mode = self.view.zoomMode()
        if mode == QPdfView.ZoomMode.FitToWidth:
            self.zoom_label.setText("缩放：适合宽度")
        elif mode == QPdfView.ZoomMode.FitInView:
            self.zoom_label.setText("缩放：整页")
        else:
            self.zoom_label.setText(f"缩放：{round(self.view.zoomFactor() * 100)}%")

    # -- history ---------------------------------------------------------------------------------

    def refresh_history(self) -> None:
        """Read the case's packet versions again (after a new one is generated, for example)."""
        source = self._history_source
        if source is None:
            return
        Op(lambda: list(source()), parent=self).on_success(self._show_history).run(self._runner)

    def _show_history(self, entries: list[PacketData]) -> None:
        if self._closed:
            return
        self.history_list.clear()
        for number, entry in enumerate(entries):
            path = Path(entry.file_name)
            kind = appeal_kind_label(entry.kind)
            text = (
                f"{when(entry.created_at)}{'（最新）' if number == 0 else ''}\n{kind}\n"
                f"SHA-256 {entry.sha256[:12]} · {byte_size(entry.byte_size)} · {entry.page_count} 页"
            )
            item = QListWidgetItem(text)
            item.setData(PATH_ROLE, str(path))
            item.setToolTip(f"{path}\nSHA-256 {entry.sha256}")
            if not path.is_file():
                item.setText(text + "\n（文件已不在原处）")
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEnabled)
            self.history_list.addItem(item)
        self._mark_current_version()

    def _mark_current_version(self) -> None:
        for row in range(self.history_list.count()):
            item = self.history_list.item(row)
            shown = Path(str(item.data(PATH_ROLE))) == self.path
            font = QFont(item.font())
            font.setBold(shown)
            item.setFont(font)
            if shown:
                self.history_list.setCurrentItem(item)

    def _on_history_activated(self, item: QListWidgetItem) -> None:
        self.open_version(Path(str(item.data(PATH_ROLE))))

    def _open_selected_version(self) -> None:
        item = self.history_list.currentItem()
        if item is not None:
            self._on_history_activated(item)

    # -- output ----------------------------------------------------------------------------------

    def print_packet(self) -> None:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setDocName(self.path.stem)
        dialog = QPrintDialog(printer, self)
        dialog.setWindowTitle("打印申诉材料")
        option = QAbstractPrintDialog.PrintDialogOption
        for wanted in (
            option.PrintPageRange,
            option.PrintCurrentPage,
            option.PrintCollateCopies,
            option.PrintToFile,
            option.PrintShowPageSize,
        ):
            dialog.setOption(wanted, True)
        dialog.setOption(option.PrintSelection, False)
        dialog.setMinMax(1, max(1, self.page_count()))
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        self.print_to(printer)

    def print_to(self, printer: QPrinter, pages: Sequence[int] | None = None) -> None:
        """Print in the background; the printer object must not be touched until it finishes.

        Without `pages`, the range, copies and collation set on the printer (by the print dialog)
        decide what is sent.
        """
        order = (
            list(pages) if pages is not None else print_plan(printer, self.page_count(), self.current_page())
        )
        self.print_button.setEnabled(False)
        path = self.path

        def printed(sheets: int) -> None:
            self.status_message.emit(f"已发送打印：{sheets} 页")

        Op(
            lambda progress, cancel: print_pdf(path, printer, pages=order, progress=progress, cancel=cancel),
            pool="cpu",
        ).with_progress(self, "正在打印…").on_success(printed).on_cancelled(
            lambda: self.status_message.emit("已取消打印")
        ).on_done(lambda: self.print_button.setEnabled(True)).run(self._runner)

    def save_copy(self) -> None:
        target, _ = QFileDialog.getSaveFileName(
            self, "另存为", str(Path.home() / self.path.name), "PDF 文件 (*.pdf)"
        )
        if target:
            self.save_copy_to(Path(target))

    def save_copy_to(self, target: Path) -> None:
        if target.suffix.lower() != ".pdf":
            target = target.with_name(target.name + ".pdf")
        source = self.path

        def saved(_: object) -> None:
            self.status_message.emit(f"已另存为 {target}")
            self.info_label.setText(f"共 {self.page_count()} 页 · 已另存为 {target.name}")

        Op(lambda: shutil.copyfile(source, target), parent=self, pool="cpu").on_success(saved).run(
            self._runner
        )

    def open_folder(self) -> None:
        """Open the folder of the shown version in the system's file manager."""
        folder = self.path.parent
        if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder))):
            self.status_message.emit(f"无法打开文件夹 {folder}")
        else:
            self.status_message.emit(f"已打开文件夹 {folder}")

    def closeEvent(self, event: QCloseEvent) -> None:
        self._closed = True
        self._thumb_cancel.set()
        # Release the file now, so the operator can delete or move it while the app runs.
        self.document.close()
        super().closeEvent(event)
