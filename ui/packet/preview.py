"""Preview of a generated appeal packet: zoom, print, save a copy, and the build's warnings on top."""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path

from desk.errors import DeskError
from ui.qt import (
    QCloseEvent,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QKeySequence,
    QLabel,
    QPainter,
    QPdfDocument,
    QPdfView,
    QPrintDialog,
    QPrinter,
    QPushButton,
    QRect,
    QShortcut,
    QSize,
    Qt,
    QVBoxLayout,
    QWidget,
    Signal,
)
from ui.tasks import Op, TaskRunner

log = logging.getLogger(__name__)

ZOOM_STEP = 1.25
MAX_PRINT_DPI = 300  # pages are rendered to images; beyond 300 dpi only memory grows, not legibility
WARNING_STYLE = (
    "color: #8a4b00; background: #fff4e0; border: 1px solid #f0c890; border-radius: 3px; padding: 6px;"
)


def print_pdf(
    path: Path, printer: QPrinter, *, progress: Callable[[int, int, str], None], cancel: Callable[[], bool]
) -> int:
    """Render every page of a PDF onto a printer; runs on a worker (QPainter on QPrinter is thread-safe).

    Returns the number of pages printed. A document of its own keeps the worker off the preview's.
    """
    document = QPdfDocument()
    if document.load(str(path)) != QPdfDocument.Error.None_:
        raise DeskError(f"无法打开申诉材料“{path.name}”，文件可能已被移动或删除")
    pages = document.pageCount()
    dpi = min(printer.resolution(), MAX_PRINT_DPI)
    painter = QPainter()
    if not painter.begin(printer):
        raise DeskError("打印机无法开始打印，请检查打印机是否已连接")
    printed = 0
    try:
        for page in range(pages):
            if cancel():
                printer.abort()
                raise DeskError("已取消打印")
            progress(page, pages, f"第 {page + 1} 页")
            if page:
                printer.newPage()
            points = document.pagePointSize(page)
            image = document.render(
                page, QSize(round(points.width() / 72 * dpi), round(points.height() / 72 * dpi))
            )
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


class PacketPreview(QDialog):
    """Shows one generated packet.

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
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.path = path
        self._runner = runner
        self.setWindowTitle(f"申诉材料预览 — {path.name}")
        self.document = QPdfDocument(self)
        self.view = QPdfView(self)
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self.view.setDocument(self.document)
        self._build(warnings)
        # Loading only maps the file; pages are rendered by QPdfView's own render thread.
        self.document.load(str(path))
        self._update_labels()
        self.resize(900, 1000)

    def _build(self, warnings: Sequence[str]) -> None:
        layout = QVBoxLayout(self)
        self.warning_label = QLabel()
        self.warning_label.setWordWrap(True)
        self.warning_label.setStyleSheet(WARNING_STYLE)
        if warnings:
            self.warning_label.setText("生成时的提醒：\n" + "\n".join(f"⚠ {w}" for w in warnings))
        self.warning_label.setVisible(bool(warnings))
        layout.addWidget(self.warning_label)

        bar = QHBoxLayout()
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
        self.info_label = QLabel()
        bar.addSpacing(12)
        bar.addWidget(self.info_label)
        bar.addStretch(1)
        self.print_button = QPushButton("打印…")
        self.print_button.setToolTip("打印（Ctrl+P）")
        self.print_button.setAutoDefault(False)
        self.print_button.clicked.connect(self.print_packet)
        self.save_button = QPushButton("另存为…")
        self.save_button.setAutoDefault(False)
        self.save_button.clicked.connect(self.save_copy)
        close = QPushButton("关闭")
        close.setAutoDefault(False)
        close.clicked.connect(self.close)
        bar.addWidget(self.print_button)
        bar.addWidget(self.save_button)
        bar.addWidget(close)
        layout.addLayout(bar)
        layout.addWidget(self.view, 1)

        QShortcut(QKeySequence.StandardKey.Print, self, self.print_packet)
        QShortcut(QKeySequence.StandardKey.ZoomIn, self, self.zoom_in)
        QShortcut(QKeySequence.StandardKey.ZoomOut, self, self.zoom_out)

    # -- zoom ------------------------------------------------------------------------------------

    def zoom_in(self) -> None:
        self._zoom(self.view.zoomFactor() * ZOOM_STEP)

    def zoom_out(self) -> None:
        self._zoom(self.view.zoomFactor() / ZOOM_STEP)

    def _zoom(self, factor: float) -> None:
        self.view.setZoomMode(QPdfView.ZoomMode.Custom)
        self.view.setZoomFactor(min(8.0, max(0.1, factor)))
        self._update_labels()

    def fit_width(self) -> None:
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self._update_labels()

    def fit_page(self) -> None:
        self.view.setZoomMode(QPdfView.ZoomMode.FitInView)
        self._update_labels()

    def _update_labels(self) -> None:
        if self.document.status() == QPdfDocument.Status.Ready:
            self.info_label.setText(f"共 {self.document.pageCount()} 页")
        else:
            self.info_label.setText("无法打开此文件")

    # -- output ----------------------------------------------------------------------------------

    def print_packet(self) -> None:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setDocName(self.path.stem)
        dialog = QPrintDialog(printer, self)
        dialog.setWindowTitle("打印申诉材料")
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        self.print_to(printer)

    def print_to(self, printer: QPrinter) -> None:
        """Print in the background; the printer object must not be touched until it finishes."""
        self.print_button.setEnabled(False)

        def printed(pages: int) -> None:
            self.status_message.emit(f"已发送打印：{pages} 页")

        Op(
            lambda progress, cancel: print_pdf(self.path, printer, progress=progress, cancel=cancel),
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
            self.info_label.setText(f"共 {self.document.pageCount()} 页 · 已另存为 {target.name}")

        Op(lambda: shutil.copyfile(source, target), parent=self, pool="cpu").on_success(saved).run(
            self._runner
        )

    def closeEvent(self, event: QCloseEvent) -> None:
        # Release the file now, so the operator can delete or move it while the app runs.
        self.document.close()
        super().closeEvent(event)
