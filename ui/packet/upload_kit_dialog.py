"""上传材料包: the budget meter (pictures, sizes, formats, text, missing evidence), the 申诉说明 to copy,
and exporting the kit as a folder or a ZIP in the background."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from desk.domain import CaseId, Changes
from desk.errors import DeskError
from desk.fileops import free_path
from desk.playbooks.model import APPEAL_KINDS
from desk.services.readiness import NotReady
from desk.upload.budget import size_text
from desk.upload.kit import UploadKitFailed, UploadKitResult, default_kit_name
from desk.upload.preflight import BAD, OK, WARN, Preflight
from ui.errors import APP_TITLE, show_error
from ui.packet.fit import fit_on_screen
from ui.packet.readiness_dialog import ReadinessDialog
from ui.qt import (
    QApplication,
    QComboBox,
    QDesktopServices,
    QDialog,
    QFileDialog,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    Qt,
    QTimer,
    QUrl,
    QVBoxLayout,
    QWidget,
    Signal,
)
from ui.tasks import Op, TaskRunner

log = logging.getLogger(__name__)

COLOURS = {OK: "#1e7e34", WARN: "#b86e00", BAD: "#c0392b"}
STATE_WORDS = {OK: "符合", WARN: "需注意", BAD: "不符合"}
NOTE_STYLE = (
    "color: #8a4b00; background: #fff4e0; border: 1px solid #f0c890; border-radius: 3px; padding: 6px;"
)
FAIL_STYLE = (
    "color: #8b1a1a; background: #fdecea; border: 1px solid #e6a5a0; border-radius: 3px; padding: 6px;"
)
DONE_STYLE = (
    "color: #1e5e2e; background: #e9f6ec; border: 1px solid #a8d5b3; border-radius: 3px; padding: 6px;"
)
METER_KEYS = ("image_count", "image_size", "formats", "text", "evidence")
METER_LABELS = {
    "image_count": "图片张数",
    "image_size": "单张大小",
    "formats": "格式",
    "text": "申诉说明",
    "evidence": "缺少的证据",
}


@dataclass(frozen=True, slots=True)
class _Failed:
    """An export that stopped with a DeskError; `cancelled` when the operator had pressed 取消."""

    error: DeskError
    cancelled: bool


class UploadKitDialog(QDialog):
    """Pre-flight and export of one case's upload kit.

    Signals:
        status_message(str): a short note for the main window's status bar.
        fix_requested(str): the 申诉前检查 refused the kit and the operator chose a problem to fix
            (desk.services.readiness.ReadinessItem.fix); the window takes them there.
    """

    status_message = Signal(str)
    fix_requested = Signal(str)

    def __init__(
        self, desk: Any, runner: TaskRunner, case_id: CaseId, *, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.readiness_dialog: ReadinessDialog | None = None
        self.desk = desk
        self.runner = runner
        self.case_id = case_id
        self.check: Preflight | None = None
        self.kit_result: UploadKitResult | None = None
        self._busy = False
        self.setWindowTitle(f"上传材料包 — {APP_TITLE}")
        self._build()
        fit_on_screen(self, 760, 820)
        self.refresh()

    # -- layout ----------------------------------------------------------------------------------

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        self.header = QLabel(f"售后 #{self.case_id}")
        self.header.setStyleSheet("font-weight: bold;")
        layout.addWidget(self.header)
        intro = QLabel(
            "平台申诉只收图片和文字：这里把申诉材料做成编号的 JPEG 图片和一段申诉说明，"
            "按平台资料里的上限压缩；放不下时会说明要改什么，不会悄悄丢掉证据。"
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)

        kind_row = QHBoxLayout()
        kind_row.addWidget(QLabel("申诉类型："))
        self.kind_combo = QComboBox()
        self.kind_combo.addItem("按售后记录", "generic")
        self.kind_combo.currentIndexChanged.connect(lambda _i: self.refresh())
        self._read_kinds()
        kind_row.addWidget(self.kind_combo)
        kind_row.addStretch(1)
        layout.addLayout(kind_row)

        meter_box = QGroupBox("上传前检查")
        grid = QGridLayout(meter_box)
        grid.setColumnStretch(3, 1)
        grid.setHorizontalSpacing(12)
        self.meter: dict[str, tuple[QLabel, QLabel, QLabel]] = {}
        for row, key in enumerate(METER_KEYS):
            dot, value, detail = QLabel("●"), QLabel("…"), QLabel("")
            detail.setWordWrap(True)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            grid.addWidget(dot, row, 0, Qt.AlignmentFlag.AlignTop)
            grid.addWidget(QLabel(METER_LABELS[key]), row, 1, Qt.AlignmentFlag.AlignTop)
            grid.addWidget(value, row, 2, Qt.AlignmentFlag.AlignTop)
            grid.addWidget(detail, row, 3, Qt.AlignmentFlag.AlignTop)
            self.meter[key] = (dot, value, detail)
        layout.addWidget(meter_box)

        self.failure_label = QLabel()
        self.failure_label.setWordWrap(True)
        self.failure_label.setStyleSheet(FAIL_STYLE)
        self.failure_label.setVisible(False)
        layout.addWidget(self.failure_label)
        self.notes_label = QLabel()
        self.notes_label.setWordWrap(True)
        self.notes_label.setStyleSheet(NOTE_STYLE)
        self.notes_label.setVisible(False)
        layout.addWidget(self.notes_label)

        files_box = QGroupBox("将要导出的图片")
        files_layout = QVBoxLayout(files_box)
        self.files = QListWidget()
        self.files.setMinimumHeight(120)
        files_layout.addWidget(self.files)
        layout.addWidget(files_box, 1)

        text_box = QGroupBox("申诉说明（粘贴到平台的申诉说明框）")
        text_layout = QVBoxLayout(text_box)
        self.text = QPlainTextEdit()
        self.text.setReadOnly(True)
        self.text.setMinimumHeight(90)
        text_layout.addWidget(self.text)
        text_bar = QHBoxLayout()
        self.text_count = QLabel("")
        text_bar.addWidget(self.text_count, 1)
        self.copy_button = QPushButton("复制")
        self.copy_button.setToolTip("把申诉说明复制到剪贴板")
        self.copy_button.setAutoDefault(False)
        self.copy_button.clicked.connect(self.copy_text)
        text_bar.addWidget(self.copy_button)
        text_layout.addLayout(text_bar)
        layout.addWidget(text_box, 1)

        self.result_label = QLabel()
        self.result_label.setWordWrap(True)
        self.result_label.setStyleSheet(DONE_STYLE)
        self.result_label.setVisible(False)
        self.result_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.result_label)

        buttons = QHBoxLayout()
        self.folder_button = QPushButton("导出文件夹…")
        self.folder_button.clicked.connect(self.export_folder)
        self.zip_button = QPushButton("导出 ZIP…")
        self.zip_button.clicked.connect(self.export_zip)
        self.open_button = QPushButton("打开文件夹")
        self.open_button.clicked.connect(self.open_folder)
        self.open_button.setVisible(False)
        close = QPushButton("关闭")
        close.clicked.connect(self.close)
        for button in (self.folder_button, self.zip_button, self.open_button, close):
            button.setAutoDefault(False)
        buttons.addWidget(self.folder_button)
        buttons.addWidget(self.zip_button)
        buttons.addWidget(self.open_button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout.addLayout(buttons)
        self._set_export_enabled(False)

    # -- pre-flight ------------------------------------------------------------------------------

    @property
    def kind(self) -> str:
        return str(self.kind_combo.currentData() or "generic")

    def _read_kinds(self) -> None:
        """The platform profile's appeal types, read on the DB worker, join the list after 按售后记录."""
        packets, case_id = self.desk.packets, self.case_id

        def shown(kinds: list[tuple[str, str]]) -> None:
            for key, label in kinds:
                self.kind_combo.addItem(label, key)

        def failed(exc: BaseException) -> None:
            if not isinstance(exc, DeskError):
                show_error(self, exc, action="读取申诉类型")
                return
            log.warning("appeal kinds unavailable", exc_info=exc)
            shown(list(APPEAL_KINDS.items()))

        Op(lambda: packets.kinds(case_id)[1:], parent=self).on_success(shown).on_failure(failed).run(
            self.runner
        )

    def refresh(self) -> Any:
        """Run the pre-flight again (on open, when the appeal type or the case's evidence changes)."""
        packets, case_id, kind = self.desk.packets, self.case_id, self.kind
        return (
            Op(lambda: (packets.preflight(case_id, kind), self.desk.cases.get(case_id)))
            .on_success(lambda r: self.show_check(r[0], r[1]) if kind == self.kind else None)
            .on_failure(lambda exc: show_error(self, exc, action="检查上传材料包"))
            .run(self.runner)
        )

    def apply_changes(self, changes: Changes) -> None:
        if not self._busy and (self.case_id in changes.cases or changes.evidence):
            self.refresh()

    def show_check(self, check: Preflight, case: Any = None) -> None:
        self.check = check
        if case is not None:
            self._order_no: str = case.order_no
            parts = [f"售后 #{self.case_id}", f"订单号 {case.order_no or '（未填写）'}", check.platform]
            self.header.setText(" · ".join(parts))
        for row in check.rows:
            dot, value, detail = self.meter[row.key]
            colour = COLOURS[row.state]
            dot.setStyleSheet(f"color: {colour};")
            dot.setToolTip(STATE_WORDS[row.state])
            value.setText(row.value)
            value.setStyleSheet(f"color: {colour}; font-weight: bold;")
            detail.setText(row.detail)
        self.failure_label.setText("\n".join(f"✗ {f}" for f in check.failures))
        self.failure_label.setVisible(bool(check.failures))
        self.notes_label.setText("\n".join(f"⚠ {n}" for n in check.notes))
        self.notes_label.setVisible(bool(check.notes))
        self.files.clear()
        for entry in check.entries:
            flags = [
                w
                for w, on in (("需压缩", entry.needs_recompression), ("需转换", entry.needs_conversion))
                if on
            ]
            item = QListWidgetItem(entry.file_name + (f"　（{'，'.join(flags)}）" if flags else ""))
            item.setToolTip(entry.title)
            self.files.addItem(item)
        self.text.setPlainText(check.text.kept)
        limit = check.budget.text_chars.value
        if check.text.was_cut:
            self.text_count.setText(
                f"{len(check.text.kept)} / {limit} 字（原文 {check.text_chars} 字，已截断）"
            )
        else:
            self.text_count.setText(f"{len(check.text.kept)} / {limit} 字")
        self._set_export_enabled(check.ok)

    def _set_export_enabled(self, enabled: bool) -> None:
        self.folder_button.setEnabled(enabled and not self._busy)
        self.zip_button.setEnabled(enabled and not self._busy)

    # -- text ------------------------------------------------------------------------------------

    def copy_text(self) -> None:
        text = self.text.toPlainText()
        QApplication.clipboard().setText(text)
        self.copy_button.setText("已复制")
        QTimer.singleShot(1500, self, lambda: self.copy_button.setText("复制"))
        self.status_message.emit(f"已复制申诉说明（{len(text)} 字）")

    # -- export ----------------------------------------------------------------------------------

    def _default_name(self) -> str:
        # The order number the pre-flight read brought (show_check); exporting waits for that read.
        order_no = getattr(self, "_order_no", "")
        return default_kit_name(order_no, self.case_id, datetime.now().astimezone())

    def export_folder(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, "选择保存上传材料包的位置", str(Path.home()))
        if chosen:
            self.export_to(folder=free_path(Path(chosen), self._default_name()))

    def export_zip(self) -> None:
        suggested = free_path(Path.home(), self._default_name(), ".zip")
        chosen, _ = QFileDialog.getSaveFileName(self, "导出 ZIP", str(suggested), "ZIP 压缩包 (*.zip)")
        if chosen:
            target = Path(chosen)
            if target.suffix.lower() != ".zip":
                target = target.with_name(target.name + ".zip")
            self.export_to(zip_path=target)

    def export_to(self, *, folder: Path | None = None, zip_path: Path | None = None) -> Any:
        """Build the kit in the background with progress and 取消; the result shows in the dialog."""
        packets, case_id, kind = self.desk.packets, self.case_id, self.kind
        self._busy = True
        self._set_export_enabled(False)
        self.result_label.setVisible(False)
        self.open_button.setVisible(False)

        def done() -> None:
            self._busy = False
            self._set_export_enabled(self.check is not None and self.check.ok)

        def work(progress: Any, cancel: Any) -> UploadKitResult | _Failed:
            # A DeskError is handed back as a value: Op closes its progress dialog before it looks at
            # the cancel flag, and closing a QProgressDialog emits canceled(), so a raised hard failure
            # would be taken for the operator's 取消 and never shown.
            try:
                return packets.upload_kit_checked(
                    case_id, kind, folder, zip_path=zip_path, progress=progress, cancel=cancel
                )
            except DeskError as exc:
                return _Failed(exc, cancelled=bool(cancel()))

        return (
            Op(work, pool="cpu")
            .with_progress(self, "正在生成上传材料包…")
            .on_success(self._on_export_done)
            .on_failure(self.show_failure)
            .on_cancelled(lambda: self.status_message.emit("已取消生成上传材料包"))
            .on_done(done)
            .run(self.runner)
        )

    def _on_export_done(self, outcome: UploadKitResult | _Failed) -> None:
        if isinstance(outcome, UploadKitResult):
            self.show_result(outcome)
        elif outcome.cancelled:
            self.status_message.emit("已取消生成上传材料包")
        else:
            self.show_failure(outcome.error)

    def show_result(self, result: UploadKitResult) -> None:
        self.kit_result = result
        self.show_check(result.preflight)
        b = result.preflight.budget
        shrunk = sum(
            1 for f in result.files if f.original_bytes is not None and f.byte_size < f.original_bytes
        )
        _dot, value, detail = self.meter["image_size"]
        value.setText(f"最大 {size_text(result.largest)} / {size_text(b.image_bytes)}")
        value.setStyleSheet(f"color: {COLOURS[OK]}; font-weight: bold;")
        detail.setText(f"已导出；{shrunk} 张已压缩" if shrunk else "已导出")
        where = "\n".join(str(p) for p in (result.folder, result.zip_path) if p is not None)
        lines = [f"已导出 {len(result.files)} 张图片和申诉说明.txt：", where]
        lines += [f"⚠ {n}" for n in result.notes if n not in result.preflight.notes]
        self.result_label.setText("\n".join(lines))
        self.result_label.setVisible(True)
        self.open_button.setVisible(True)
        self.status_message.emit(f"已生成上传材料包：{(result.folder or result.zip_path or Path()).name}")

    def show_failure(self, exc: BaseException) -> None:
        if isinstance(exc, NotReady):
            self.show_readiness(exc)
        elif isinstance(exc, UploadKitFailed):
            self.failure_label.setText("\n".join(f"✗ {f}" for f in exc.failures))
            self.failure_label.setVisible(True)
            self.status_message.emit("上传材料包没有生成：请按红色提示修改")
        else:
            show_error(self, exc, action="生成上传材料包")

    def show_readiness(self, refused: NotReady) -> None:
        """The 申诉前检查 refused the kit: its checklist, each problem taking the operator to its fix."""
        self.status_message.emit("上传材料包没有生成：申诉前检查还没通过")
        dialog = ReadinessDialog(refused.readiness, what="上传材料包", allow_draft=False, parent=self)
        dialog.fix_requested.connect(self._go_fix)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.readiness_dialog = dialog
        dialog.show()

    def _go_fix(self, fix: str) -> None:
        if fix == "upload_kit":  # a platform limit: this dialog's own meters say which
            return
        self.fix_requested.emit(fix)
        self.close()

    def open_folder(self) -> None:
        result = self.kit_result
        if result is None:
            return
        target = result.folder or (result.zip_path.parent if result.zip_path is not None else None)
        if target is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(target)))


def export_to_default_folder(
    desk: Any,
    runner: TaskRunner,
    case_id: CaseId,
    parent: QWidget,
    *,
    done: Callable[[UploadKitResult], None],
    failed: Callable[[BaseException], None],
    cancelled: Callable[[], None],
) -> Any:
    """The case's upload kit as a ZIP in its packets folder, with progress and 取消 but no file dialog
    (the wizard's 应用并导出上传材料包). A refusal of the 申诉前检查 comes to failed() as NotReady."""
    packets = desk.packets

    def work(progress: Any, cancel: Any) -> UploadKitResult | _Failed:
        # A DeskError comes back as a value, as in UploadKitDialog.export_to (a closing progress
        # dialog would otherwise make a hard failure look like 取消).
        try:
            return packets.upload_kit_to_default(case_id, None, progress=progress, cancel=cancel)
        except DeskError as exc:
            return _Failed(exc, cancelled=bool(cancel()))

    def finished(outcome: UploadKitResult | _Failed) -> None:
        if isinstance(outcome, UploadKitResult):
            done(outcome)
        elif outcome.cancelled:
            cancelled()
        else:
            failed(outcome.error)

    return (
        Op(work, pool="cpu")
        .with_progress(parent, "正在生成上传材料包…")
        .on_success(finished)
        .on_failure(failed)
        .on_cancelled(cancelled)
        .run(runner)
    )
