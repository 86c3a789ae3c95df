"""检查数据: run the check off the GUI thread, show the report in plain words, offer the safe repairs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from desk.check import CheckReport, check_profile, repair_profile
from ui.errors import APP_TITLE
from ui.qt import QApplication, QDialog, QHBoxLayout, QLabel, QPlainTextEdit, QPushButton, QVBoxLayout
from ui.tasks import Op

if TYPE_CHECKING:
    from ui.context import FeatureContext


class CheckDialog(QDialog):
    """Shows a CheckReport; 修复 applies the safe repairs and checks again."""

    def __init__(self, ctx: FeatureContext) -> None:
        super().__init__(ctx.parent)
        self.ctx = ctx
        self.report: CheckReport | None = None
        self.setWindowTitle(f"{APP_TITLE} — 检查数据")
        self.resize(720, 460)
        self.summary = QLabel("正在检查…")
        self.summary.setWordWrap(True)
        self.text = QPlainTextEdit()
        self.text.setReadOnly(True)
        self.repair_button = QPushButton("修复可修复的问题")
        self.repair_button.setEnabled(False)
        self.repair_button.clicked.connect(self.repair)
        self.copy_button = QPushButton("复制报告")
        self.copy_button.clicked.connect(lambda: QApplication.clipboard().setText(self.text.toPlainText()))
        close = QPushButton("关闭")
        close.clicked.connect(self.accept)
        buttons = QHBoxLayout()
        buttons.addWidget(self.repair_button)
        buttons.addStretch(1)
        buttons.addWidget(self.copy_button)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.text, 1)
        layout.addLayout(buttons)

    def start(self) -> Any:
        self.show()
        desk = self.ctx.desk
        return (
            Op(lambda progress, cancel: check_profile(desk, progress=progress, cancel=cancel))
            .with_progress(self, "正在检查数据…")
            .on_success(self.show_report)
            .run(self.ctx.runner)
        )

    def show_report(self, report: CheckReport, done: list[str] | None = None) -> None:
        self.report = report
        if report.errors:
            self.summary.setText(f"发现 {len(report.errors)} 个问题需要处理。")
        elif report.warnings:
            self.summary.setText("数据完好；有一些可以清理的小问题。")
        else:
            self.summary.setText("数据完好，没有发现任何问题。")
        prefix = "".join(f"已修复：{line}\n" for line in done or [])
        self.text.setPlainText(prefix + report.text())
        self.repair_button.setEnabled(bool(report.repairable))

    def repair(self) -> Any:
        report = self.report
        if report is None:
            return None
        desk = self.ctx.desk
        self.repair_button.setEnabled(False)

        def work() -> tuple[list[str], CheckReport]:
            done = repair_profile(desk, report)
            return done, check_profile(desk, verify_hashes=False)

        return Op(work).on_success(lambda r: self.show_report(r[1], r[0])).run(self.ctx.runner)
