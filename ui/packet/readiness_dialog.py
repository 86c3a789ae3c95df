"""申诉前检查: the checklist shown when a packet or upload kit for the platform is asked for too early.

Each problem names the place to fix it; 去处理 (or a double-click) closes the list and takes the operator
there. A watermarked 草稿 stays possible for internal printing (the PDF only: an upload kit only ever goes
to the platform). The rules are the core's (desk/services/readiness.py), so the CLI says the same.
"""

from __future__ import annotations

from desk.services.readiness import Readiness, ReadinessItem
from ui.packet.fit import fit_on_screen
from ui.qt import (
    QColor,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    Qt,
    QVBoxLayout,
    QWidget,
    Signal,
)

BAD = QColor("#b3261e")
GOOD = QColor("#2e7d32")


class ReadinessDialog(QDialog):
    """The checklist of one case, problems first.

    Signals:
        fix_requested(str): the operator chose a problem to fix; its ReadinessItem.fix ("field:description",
            "evidence:聊天截图", "weights", "upload_kit").
        draft_requested(): make the watermarked 草稿 anyway (offered for the PDF only).
        story_requested(): show the 处理经过 as the platform will read it.
    """

    fix_requested = Signal(str)
    draft_requested = Signal()
    story_requested = Signal()

    def __init__(
        self,
        readiness: Readiness,
        *,
        what: str = "申诉材料",
        allow_draft: bool = True,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("申诉前检查")
        self.setObjectName("readiness_dialog")
        self.readiness = readiness
        problems = readiness.problems
        layout = QVBoxLayout(self)
        self.summary = QLabel(
            f"还有 {len(problems)} 项没通过，{what}暂不能交给平台。选一项，点“去处理”。"
            if problems
            else f"检查都通过了，可以生成{what}。"
        )
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.items = QListWidget()
        self.items.setObjectName("readiness_items")
        for item in (*problems, *(i for i in readiness.items if i.ok)):
            self.items.addItem(self._row(item))
        self.items.itemActivated.connect(lambda _row: self._fix())
        layout.addWidget(self.items)
        buttons = QDialogButtonBox()
        self.fix_button = QPushButton("去处理")
        self.fix_button.setObjectName("readiness_fix")
        self.fix_button.setEnabled(bool(problems))
        self.fix_button.setDefault(True)
        self.fix_button.clicked.connect(self._fix)
        buttons.addButton(self.fix_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.story_button = QPushButton("平台看到的处理经过…")
        self.story_button.clicked.connect(self._story)
        buttons.addButton(self.story_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.draft_button: QPushButton | None = None
        if allow_draft:
            self.draft_button = QPushButton("生成草稿（带水印，仅内部核对）")
            self.draft_button.setObjectName("readiness_draft")
            self.draft_button.clicked.connect(self._draft)
            buttons.addButton(self.draft_button, QDialogButtonBox.ButtonRole.ActionRole)
        close = buttons.addButton(QDialogButtonBox.StandardButton.Close)
        close.clicked.connect(self.reject)
        layout.addWidget(buttons)
        if problems:
            self.items.setCurrentRow(0)
        fit_on_screen(self, 560, 360)

    @staticmethod
    def _row(item: ReadinessItem) -> QListWidgetItem:
        row = QListWidgetItem(("✗ " if not item.ok else "✓ ") + item.message)
        row.setData(Qt.ItemDataRole.UserRole, item.fix if not item.ok else "")
        row.setForeground(BAD if not item.ok else GOOD)
        if item.ok:
            row.setFlags(row.flags() & ~Qt.ItemFlag.ItemIsSelectable)
        return row

    def chosen_fix(self) -> str:
        row = self.items.currentItem()
        return str(row.data(Qt.ItemDataRole.UserRole) or "") if row is not None else ""

    def _fix(self) -> None:
        fix = self.chosen_fix()
        if not fix:
            return
        self.accept()
        self.fix_requested.emit(fix)

    def _draft(self) -> None:
        self.accept()
        self.draft_requested.emit()

    def _story(self) -> None:
        self.story_requested.emit()
