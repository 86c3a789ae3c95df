"""The guided wizard window: one question at a time, the guide's advice, a live evidence checklist.

A question the case's data answers shows that answer and why; clicking another one asks first (and the
timeline records it). At the outcome, the draft is compared with the 问题描述 the operator wrote, and
应用结果 replaces, appends or keeps as they choose; a draft with a gap (【缺：…】) is never written.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from desk.domain import CaseId, Changes, EvidenceKind
from desk.playbooks.merge import DescriptionMerge, MergeChoice, propose
from desk.playbooks.model import missing_words
from desk.services.readiness import NotReady
from desk.services.wizard import Contradiction
from desk.upload.kit import UploadKitFailed
from ui.errors import ask, show_error
from ui.packet.readiness_dialog import ReadinessDialog
from ui.qt import (
    QApplication,
    QDesktopServices,
    QDialog,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QKeySequence,
    QLabel,
    QLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    Qt,
    QUrl,
    QVBoxLayout,
    QWidget,
    Signal,
    encode_image,
)
from ui.tasks import Op, TaskRunner

log = logging.getLogger(__name__)

IMAGE_FILTER = (
    "图片和 PDF (*.jpg *.jpeg *.png *.gif *.webp *.bmp *.tif *.tiff *.heic *.heif *.avif *.pdf);;所有文件 (*)"
)


def _label(text: str = "", *, bold: bool = False, wrap: bool = True) -> QLabel:
    w = QLabel(text)
    w.setWordWrap(wrap)
    w.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    if bold:
        f = w.font()
        f.setBold(True)
        f.setPointSizeF(f.pointSizeF() * 1.15)
        w.setFont(f)
    return w


@dataclass(frozen=True, slots=True)
class _Page:
    """A wizard view and what its page shows beside it, all read together on the DB worker."""

    view: Any
    scripts: tuple[tuple[str, Any], ...]  # (title, filled script) of each script the step names
    text_limit: int | None  # the platform's limit for the description draft, if set
    kit_primary: bool = False  # an appeal outcome on a platform that takes the upload kit first


def _page(desk: Any, case_id: CaseId, view: Any) -> _Page:
    """Runs on the DB worker: the scripts of the step, filled from the case, and the draft's text limit."""
    node, out = view.state.current, view.state.outcome
    ids = node.scripts if node is not None else (out.scripts if out is not None else ())
    scripts = []
    for script_id in ids:
        try:
            scripts.append(
                (desk.scripts.get(script_id).title, desk.scripts.fill_for_case(script_id, case_id))
            )
        except Exception:  # a script removed by the shop must not break the step
            log.warning("script %s unavailable", script_id, exc_info=True)
    limit = _text_limit(desk, case_id) if node is None and view.draft is not None else None
    kit = out is not None and bool(out.appeal) and _kit_primary(desk, case_id)
    return _Page(view, tuple(scripts), limit, kit)


def _kit_primary(desk: Any, case_id: CaseId) -> bool:
    try:
        return bool(desk.platforms.primary_output(desk.cases.get(case_id).platform) == "upload_kit")
    except Exception:  # no profile to say so: the plain 应用结果 still works
        log.debug("primary output unknown", exc_info=True)
        return False


def _text_limit(desk: Any, case_id: CaseId) -> int | None:
    try:
        case = desk.cases.get(case_id)
        profile = desk.platforms.for_platform(case.platform)
        setting = profile.setting("text_chars") if profile is not None else None
        return setting.value if setting is not None else None
    except Exception:
        log.debug("no text limit", exc_info=True)
        return None


class WizardDialog(QDialog):
    """Walks one case through its playbook; every answer is saved (and on the timeline) at once."""

    changes_made = Signal(object)
    status_message = Signal(str)
    # The 申诉前检查 refused the upload kit and the operator chose a problem to fix (ReadinessItem.fix).
    fix_requested = Signal(str)

    def __init__(self, desk: Any, runner: TaskRunner, case_id: CaseId, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.desk = desk
        self.runner = runner
        self.case_id = case_id
        self.view: Any = None
        self._limit: int | None = None  # the draft's text limit, read with the view
        self.setWindowTitle("处理向导")
        self.resize(980, 680)

        self.header = _label(bold=True)
        self.summary = _label()
        self.problems = _label()
        self.problems.setStyleSheet("color: #b35c00;")
        self.problems.hide()

        # Left: the step.
        self.step_title = _label(bold=True)
        self.advice = _label()
        self.advice.setStyleSheet("background: #f4f7fb; border: 1px solid #d6e0ec; padding: 8px;")
        self.weight = _label()
        self.weight.setStyleSheet("background: #eef8ee; border: 1px solid #bcdcbc; padding: 8px;")
        self.checklist = QListWidget()
        self.checklist.setMaximumHeight(130)
        self.answers_box = QVBoxLayout()
        self.outcome_text = _label()
        self.draft_label = _label("问题描述草稿（可修改）：")
        self.draft = QPlainTextEdit()
        self.draft.textChanged.connect(self._update_count)
        self.count = _label()
        self.copy_draft = QPushButton("复制草稿")
        self.copy_draft.clicked.connect(lambda: self._copy(self.draft.toPlainText(), "问题描述草稿"))
        self.scripts_box = QVBoxLayout()
        # The data's answer to the question shown, and why.
        self.known_label = _label()
        self.known_label.setStyleSheet("background: #eef4ff; border: 1px solid #9db7e0; padding: 8px;")
        self.known_label.hide()
        # Evidence-only steps the case's evidence already completes: shown as done, passed over.
        self.passed_label = _label()
        self.passed_label.setStyleSheet("color: #1e7b1e;")
        self.passed_label.hide()
        # The 问题描述 against the draft, and what 应用结果 does with it.
        self.merge_title = _label(
            "问题描述：现有内容与草稿的差别（红色删除线只在现有内容里，绿色只在草稿里）"
        )
        self.merge_diff = _label()
        self.merge_diff.setTextFormat(Qt.TextFormat.RichText)
        self.merge_diff.setStyleSheet("background: #fafafa; border: 1px solid #dddddd; padding: 8px;")
        self.merge_warning = _label()
        self.merge_warning.setStyleSheet("color: #b35c00;")
        self.merge_box = QWidget()  # the three choices share a parent: auto-exclusive
        choices = QHBoxLayout(self.merge_box)
        choices.setContentsMargins(0, 0, 0, 0)
        choices.addWidget(_label("应用结果时：", wrap=False))
        self.merge_buttons: dict[MergeChoice, QPushButton] = {}
        for choice in MergeChoice:
            button = QPushButton(choice.words)
            button.setCheckable(True)
            button.setAutoExclusive(True)
            choices.addWidget(button)
            self.merge_buttons[choice] = button
        choices.addStretch(1)
        # The amount the appeal must state when the case lacks it (WizardView.claim_needed): typed here,
        # written by 应用结果 with the rest; the cursor waits in it on the outcome's page.
        self.claim_box = QWidget()
        claim_row = QHBoxLayout(self.claim_box)
        claim_row.setContentsMargins(0, 0, 0, 0)
        self.claim_label = _label(wrap=False)
        self.claim_edit = QLineEdit()
        self.claim_edit.setObjectName("claim_amount")
        self.claim_edit.setMaximumWidth(160)
        claim_row.addWidget(self.claim_label)
        claim_row.addWidget(self.claim_edit)
        claim_row.addWidget(_label("元（应用结果时写进售后记录）", wrap=False))
        claim_row.addStretch(1)
        self.claim_box.hide()
        self._merge: DescriptionMerge | None = None
        self._shown_draft: tuple[str, str] | None = None  # (outcome id, draft text) last put in the editor
        self.draft.textChanged.connect(self._update_merge)

        step = QWidget()
        sl = QVBoxLayout(step)
        sl.addWidget(self.passed_label)
        sl.addWidget(self.step_title)
        sl.addWidget(self.advice)
        sl.addWidget(self.known_label)
        sl.addWidget(self.weight)
        sl.addWidget(self.checklist)
        sl.addLayout(self.answers_box)
        sl.addWidget(self.outcome_text)
        sl.addWidget(self.claim_box)
        sl.addWidget(self.draft_label)
        sl.addWidget(self.draft, 1)
        row = QHBoxLayout()
        row.addWidget(self.count, 1)
        row.addWidget(self.copy_draft)
        sl.addLayout(row)
        sl.addWidget(self.merge_title)
        sl.addWidget(self.merge_diff)
        sl.addWidget(self.merge_warning)
        sl.addWidget(self.merge_box)
        sl.addLayout(self.scripts_box)
        sl.addStretch(0)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(step)

        # Right: the evidence checklist, live from the gallery.
        self.evidence = QWidget()
        self.evidence_layout = QVBoxLayout(self.evidence)
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.addWidget(_label("证据清单", bold=True))
        rl.addWidget(
            _label(
                "✓ 已有　✗ 必需但缺少　○ 建议补充。缺少的证据可以在这里直接添加文件，或粘贴剪贴板里的截图。"
            )
        )
        rl.addWidget(self.evidence)
        rl.addStretch(1)

        split = QSplitter()
        split.addWidget(scroll)
        split.addWidget(right)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)

        self.back_button = QPushButton("上一步")
        self.back_button.clicked.connect(lambda: self._call(lambda: desk.wizard.back(case_id)))
        self.restart_button = QPushButton("重新开始")
        self.restart_button.clicked.connect(lambda: self._call(lambda: desk.wizard.restart(case_id)))
        self.apply_button = QPushButton("应用结果（设置状态、处理方式和申诉类型）")
        self.apply_button.clicked.connect(lambda: self._apply())
        # Where the platform takes the upload kit first, the outcome goes straight to it: applied, then the
        # kit written beside the case's PDFs, no file dialog.
        self.apply_kit_button = QPushButton("应用并导出上传材料包")
        self.apply_kit_button.setShortcut(QKeySequence("Ctrl+Return"))
        self.apply_kit_button.setToolTip(
            "应用结果，并把上传材料包（ZIP）存进这条售后的申诉材料文件夹（Ctrl+Enter）"
        )
        self.apply_kit_button.clicked.connect(lambda: self.apply_and_export())
        self.apply_kit_button.hide()
        self.kit_label = _label()
        self.kit_label.setStyleSheet(
            "color: #1e5e2e; background: #e9f6ec; border: 1px solid #a8d5b3; padding: 6px;"
        )
        self.kit_label.hide()
        self.open_kit_button = QPushButton("打开文件夹")
        self.open_kit_button.clicked.connect(self.open_kit_folder)
        self.open_kit_button.hide()
        self.kit_result: Any = None
        self.readiness_dialog: Any = None
        close = QPushButton("关闭")
        close.clicked.connect(self.close)
        buttons = QHBoxLayout()
        buttons.addWidget(self.back_button)
        buttons.addWidget(self.restart_button)
        buttons.addStretch(1)
        buttons.addWidget(self.apply_button)
        buttons.addWidget(self.apply_kit_button)
        buttons.addWidget(close)
        kit_row = QHBoxLayout()
        kit_row.addWidget(self.kit_label, 1)
        kit_row.addWidget(self.open_kit_button)

        layout = QVBoxLayout(self)
        layout.addWidget(self.header)
        layout.addWidget(self.summary)
        layout.addWidget(self.problems)
        layout.addWidget(split, 1)
        layout.addLayout(kit_row)
        layout.addLayout(buttons)
        # Opening passes over the steps the evidence already completes (later re-reads do not, so
        # 上一步 can still go back to one).
        self._call(lambda: desk.wizard.open(case_id, take_data_answers=True))

    # -- data ----------------------------------------------------------------------------------
    def refresh(self) -> None:
        case_id, desk = self.case_id, self.desk
        Op(lambda: _page(desk, case_id, desk.wizard.view(case_id)), parent=self).on_success(
            self.show_page
        ).run(self.runner)

    def _call(
        self,
        fn: Callable[[], tuple[Any, Changes]],
        then: Callable[[], None] | None = None,
        failed: Callable[[BaseException], None] | None = None,
    ) -> None:
        """Run a step of the wizard on the DB worker and show where it leads; then then()."""
        case_id, desk = self.case_id, self.desk

        def work() -> tuple[_Page, Changes]:
            view, changes = fn()
            return _page(desk, case_id, view), changes

        def done(result: tuple[_Page, Changes]) -> None:
            page, changes = result
            self.show_page(page)
            self._emit_own(changes)
            if then is not None:
                then()

        op = Op(work, parent=self).on_success(done)
        if failed is not None:
            op.on_failure(failed)
        op.run(self.runner)

    def _emit_own(self, changes: Changes) -> None:
        # Our own answers come back through the window's changes signal: they need no re-read.
        self._own = True
        try:
            self.changes_made.emit(changes)
        finally:
            self._own = False

    def answer(self, choice: int) -> None:
        """Answer the step shown; an answer the case's data contradicts is asked about first."""
        case_id, wizard = self.case_id, self.desk.wizard
        node = self.view.state.current if self.view is not None else None
        known = self.view.known if self.view is not None else None
        if node is not None and known is not None and choice != known.choice:
            if self._confirm(known.answer, known.reason, node.answers[choice].label):
                self._call(lambda: wizard.answer(case_id, choice, confirm=True, take_data_answers=True))
            return

        def failed(exc: BaseException) -> None:
            # The data changed after the page was shown (a weighing recorded meanwhile): ask now.
            if isinstance(exc, Contradiction):
                if self._confirm(exc.known.answer, exc.known.reason, exc.chosen):
                    self._call(lambda: wizard.answer(case_id, choice, confirm=True, take_data_answers=True))
                self.refresh()
                return
            show_error(self, exc, action="回答处理流程")

        self._call(lambda: wizard.answer(case_id, choice, take_data_answers=True), failed=failed)

    def _confirm(self, data_answer: str, reason: str, chosen: str) -> bool:
        return (
            ask(
                self,
                "这个回答与售后数据不符，仍按你的选择继续吗？",
                ["仍按我的选择", "取消"],
                informative=f"数据给出的回答是“{data_answer}”：{reason}。\n你选的是“{chosen}”。"
                "确认后会记在时间线上。",
            )
            == 0
        )

    def merge_choice(self) -> MergeChoice:
        return next((c for c, b in self.merge_buttons.items() if b.isChecked()), MergeChoice.KEEP)

    def _apply(self, then: Callable[[], None] | None = None) -> None:
        case_id, wizard = self.case_id, self.desk.wizard
        has_draft = self.view is not None and self.view.draft is not None
        choice = self.merge_choice() if has_draft else MergeChoice.KEEP
        text = self.draft.toPlainText() if has_draft else None
        what = "状态、处理方式和申诉类型" if has_draft else "状态和处理方式"

        def applied() -> None:
            self.status_message.emit(f"已应用处理结果：{what}已写入售后记录；{choice.words}")
            if then is not None:
                then()

        def failed(exc: BaseException) -> None:
            self.apply_kit_button.setEnabled(True)
            show_error(self, exc, action="应用结果")

        amount = self.claim_edit.text().strip() if not self.claim_box.isHidden() else ""
        self._call(
            lambda: wizard.apply_outcome(
                case_id, description=choice, draft=text, claim_amount=amount or None
            ),
            then=applied,
            failed=failed,
        )

    def apply_and_export(self) -> None:
        """应用并导出上传材料包: the outcome applied (unless it already is), then the upload kit written to
        the case's packets folder. The 申诉前检查 runs first: a refusal shows its checklist, no kit."""
        if self.view is None or self.view.state.outcome is None or not self.apply_kit_button.isVisible():
            return
        self.apply_kit_button.setEnabled(False)
        if self.view.applied:
            self._export_kit()
        else:
            self._apply(then=self._export_kit)

    def _export_kit(self) -> None:
        from ui.packet.upload_kit_dialog import export_to_default_folder

        def done(result: Any) -> None:
            self.kit_result = result
            where = result.zip_path.parent if result.zip_path is not None else None
            self.kit_label.setText(
                f"已导出上传材料包（{len(result.files)} 张图片和申诉说明）：{result.zip_path}"
            )
            self.kit_label.show()
            self.open_kit_button.setVisible(where is not None)
            self.apply_kit_button.setEnabled(True)
            self.status_message.emit(f"已应用处理结果，上传材料包已存到 {where}")

        def failed(exc: BaseException) -> None:
            self.apply_kit_button.setEnabled(True)
            if isinstance(exc, NotReady):
                self.status_message.emit("已应用处理结果；上传材料包没有生成：申诉前检查还没通过")
                dialog = ReadinessDialog(exc.readiness, what="上传材料包", allow_draft=False, parent=self)
                dialog.fix_requested.connect(self.fix_requested)
                dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
                self.readiness_dialog = dialog
                dialog.show()
            elif isinstance(exc, UploadKitFailed):
                self.status_message.emit("上传材料包没有生成：" + "；".join(exc.failures))
                show_error(self, exc, action="生成上传材料包")
            else:
                show_error(self, exc, action="生成上传材料包")

        def cancelled() -> None:
            self.apply_kit_button.setEnabled(True)
            self.status_message.emit("已取消生成上传材料包")

        export_to_default_folder(
            self.desk, self.runner, self.case_id, self, done=done, failed=failed, cancelled=cancelled
        )

    def open_kit_folder(self) -> None:
        result = self.kit_result
        if result is not None and result.zip_path is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(result.zip_path.parent)))

    def apply_changes(self, changes: Changes) -> None:
        """Evidence added elsewhere (the gallery) re-ticks the checklist."""
        if getattr(self, "_own", False):
            return
        if self.case_id in changes.cases or changes.evidence:
            self.refresh()

    # -- presentation --------------------------------------------------------------------------
    def show_page(self, page: _Page) -> None:
        view = page.view
        self.view = view
        self._limit = page.text_limit
        pb = view.playbook
        self.header.setText(f"{pb.title}（售后 #{view.case_id}）")
        self.summary.setText(pb.summary)
        self.problems.setVisible(bool(view.problems))
        self.problems.setText("；".join(view.problems))
        _clear(self.answers_box)
        _clear(self.scripts_box)
        self.checklist.clear()
        state = view.state
        node = state.current
        out = state.outcome
        self.back_button.setEnabled(bool(view.choices))
        self.apply_button.setVisible(out is not None)
        self.apply_button.setEnabled(out is not None and not view.applied)
        self.apply_kit_button.setVisible(out is not None and page.kit_primary)
        if out is None:
            self.kit_label.hide()
            self.open_kit_button.hide()
        needed = view.claim_needed if out is not None else None
        if needed is not None and self.claim_box.isHidden():
            self.claim_edit.clear()
        self.claim_box.setVisible(needed is not None)
        if needed is not None:
            self.claim_label.setText(f"申诉要写明{needed[1]}：")
            self.claim_edit.setPlaceholderText(
                "平台实际退给买家的金额" if needed[0] == "refund_amount" else "这单实际支出的运费"
            )
            self.claim_edit.setFocus()
        self.weight.setVisible(bool(view.weight_conclusion))
        self.weight.setText(f"称重结论：{view.weight_conclusion}")
        passed = getattr(view, "passed", ())
        self.passed_label.setVisible(bool(passed))
        self.passed_label.setText("\n".join(f"{p.title}　{p.words}" for p in passed))
        known = view.known
        self.known_label.setVisible(known is not None)
        if known is not None:
            self.known_label.setText(
                f"售后数据已给出回答：{known.choice + 1}. {known.answer}\n依据：{known.reason}\n"
                "选别的回答需要确认，并会记在时间线上。"
            )
        if node is not None:
            self.step_title.setText(("问题：" if node.is_question else "步骤：") + node.title)
            self.advice.setVisible(bool(node.advice))
            self.advice.setText(f"指南：{node.advice}")
            self.checklist.setVisible(bool(node.checklist))
            for item in node.checklist:
                it = QListWidgetItem(item)
                it.setFlags(it.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                it.setCheckState(Qt.CheckState.Unchecked)
                self.checklist.addItem(it)
            if node.is_question:
                for i, a in enumerate(node.answers):
                    by_data = known is not None and known.choice == i
                    b = QPushButton(f"{i + 1}. {a.label}" + ("　✓ 按售后数据" if by_data else ""))
                    b.setStyleSheet(
                        "text-align: left; padding: 6px;" + (" font-weight: bold;" if by_data else "")
                    )
                    b.clicked.connect(lambda _=False, i=i: self.answer(i))
                    self.answers_box.addWidget(b)
            else:
                b = QPushButton("完成，下一步")
                b.clicked.connect(lambda: self.answer(0))
                self.answers_box.addWidget(b)
            self.outcome_text.hide()
            for w in self._draft_widgets():
                w.hide()
        elif out is not None:
            self.step_title.setText(f"结果：{out.title}")
            self.advice.setVisible(view.advice is not None)
            self.advice.setText(view.advice.reason if view.advice is not None else "")
            self.checklist.hide()
            lines = [f"· {a}" for a in out.actions]
            appeal = f"；申诉类型：{out.appeal_label}" if out.appeal else ""
            lines.append(f"建议状态：{out.status}；处理方式：{out.resolution}{appeal}")
            if getattr(view, "refund_note", ""):
                lines.append(view.refund_note)
            if view.applied:
                lines.append("（已应用到售后记录）")
            self.outcome_text.setText("\n".join(lines))
            self.outcome_text.show()
            has_draft = view.draft is not None
            for w in self._draft_widgets():
                w.setVisible(has_draft)
            if has_draft:
                self._show_draft(view)
        for title, filled in page.scripts:
            self._add_script(title, filled)
        self._show_evidence(view)

    def _draft_widgets(self) -> tuple[QWidget, ...]:
        return (
            self.draft_label,
            self.draft,
            self.count,
            self.copy_draft,
            self.merge_title,
            self.merge_diff,
            self.merge_warning,
            self.merge_box,
        )

    def _show_draft(self, view: Any) -> None:
        """The outcome's draft, unless the operator is editing the same outcome's draft (a re-read after
        evidence was added keeps their edits); then the 问题描述 it would merge into."""
        shown = (view.state.outcome.id, view.draft.text)
        edited = (
            self._shown_draft is not None
            and self._shown_draft[0] == shown[0]
            and self.draft.toPlainText() != self._shown_draft[1]
        )
        self._merge = view.merge
        if not edited:
            self.draft.blockSignals(True)
            try:
                self.draft.setPlainText(view.draft.text)
            finally:
                self.draft.blockSignals(False)
        self._shown_draft = shown
        self._update_count()
        self._update_merge(default=True)

    def _update_merge(self, *, default: bool = False) -> None:
        """The difference with the 问题描述 as the draft stands; a draft with a gap cannot be written."""
        if self._merge is None:
            return
        proposal = propose(self._merge.current, self.draft.toPlainText())
        self.merge_diff.setText(_diff_html(proposal))
        writable = not proposal.missing
        for choice in (MergeChoice.REPLACE, MergeChoice.APPEND):
            self.merge_buttons[choice].setEnabled(writable)
        if proposal.missing:
            self.merge_warning.setText(
                f"草稿里还有没填上的内容，不能写入问题描述：{missing_words(proposal.missing)}。"
                "补全售后信息，或直接在草稿里改写。"
            )
        else:
            self.merge_warning.setText("")
        self.merge_warning.setVisible(bool(proposal.missing))
        if default or not self.merge_buttons[self.merge_choice()].isEnabled():
            self.merge_buttons[proposal.default].setChecked(True)

    def _add_script(self, title: str, filled: Any) -> None:
        box = QFrame()
        box.setFrameShape(QFrame.Shape.StyledPanel)
        lay = QVBoxLayout(box)
        lay.addWidget(_label(f"参考话术：{title}", bold=False))
        text = _label(filled.text)
        lay.addWidget(text)
        if filled.missing:
            warn = _label(f"{missing_words(filled.missing)}。补全后再发送")
            warn.setStyleSheet("color: #b35c00;")
            lay.addWidget(warn)
        copy = QPushButton("复制")
        copy.clicked.connect(lambda: self._copy(filled.text, title))
        lay.addWidget(copy, 0, Qt.AlignmentFlag.AlignRight)
        self.scripts_box.addWidget(box)

    def _show_evidence(self, view: Any) -> None:
        _clear(self.evidence_layout)
        if not view.checklist:
            self.evidence_layout.addWidget(_label("这一步没有需要的证据。"))
            return
        for item in view.checklist:
            row = QHBoxLayout()
            if item.present:
                mark, color = f"✓ {item.kind}（{item.present}）", "#1e7b1e"
            elif item.required:
                mark, color = f"✗ {item.kind}（必需）", "#c0392b"
            else:
                mark, color = f"○ {item.kind}（建议）", "#777777"
            lab = _label(mark, wrap=False)
            lab.setStyleSheet(f"color: {color};")
            row.addWidget(lab, 1)
            add = QPushButton("添加…")
            add.clicked.connect(lambda _=False, k=item.kind: self.add_files(k))
            paste = QPushButton("粘贴")
            paste.clicked.connect(lambda _=False, k=item.kind: self.paste(k))
            row.addWidget(add)
            row.addWidget(paste)
            holder = QWidget()
            holder.setLayout(row)
            self.evidence_layout.addWidget(holder)

    def _update_count(self) -> None:
        n = len(self.draft.toPlainText())
        limit = self._limit
        if limit is None:
            self.count.setText(f"{n} 字（平台字数上限未设置，可在平台设置中填写）")
            self.count.setStyleSheet("")
        else:
            over = n > limit
            self.count.setText(f"{n} / {limit} 字" + ("，超出上限，请精简" if over else ""))
            self.count.setStyleSheet("color: #c0392b;" if over else "")

    # -- evidence ways in ----------------------------------------------------------------------
    def add_files(self, kind: str) -> None:
        names, _ = QFileDialog.getOpenFileNames(self, f"添加{kind}", "", IMAGE_FILTER)
        if names:
            self.import_files([Path(n) for n in names], kind)

    def import_files(self, paths: list[Path], kind: str) -> None:
        case_id, ev = self.case_id, self.desk.evidence

        def done(report: Any) -> None:
            self.changes_made.emit(report.changes)
            self.status_message.emit(report.summary())
            if report.rejected:
                ask(
                    self,
                    "有文件未能导入：",
                    ["确定"],
                    informative="\n".join(f"{r.name}：{r.reason}" for r in report.rejected),
                )
            self.refresh()

        op = Op(
            lambda progress, cancel: ev.import_files(
                case_id, paths, kind=EvidenceKind(kind), progress=progress, cancel=cancel
            )
        )
        op.with_progress(self, "正在导入证据…").on_success(done).run(self.runner)

    def paste(self, kind: str) -> None:
        image = QApplication.clipboard().image()
        if image.isNull():
            self.status_message.emit("剪贴板里没有图片")
            return
        payload = encode_image(image)
        if payload is None:
            self.status_message.emit("剪贴板里的图片无法保存")
            return
        case_id, ev = self.case_id, self.desk.evidence

        def done(report: Any) -> None:
            self.changes_made.emit(report.changes)
            self.status_message.emit(report.summary())
            self.refresh()

        Op(
            lambda: ev.import_bytes(case_id, payload, f"粘贴的{kind}.png", kind=EvidenceKind(kind)),
            parent=self,
        ).on_success(done).run(self.runner)

    def _copy(self, text: str, what: str) -> None:
        QApplication.clipboard().setText(text)
        self.status_message.emit(f"已复制：{what}")


def _diff_html(merge: DescriptionMerge) -> str:
    """The difference as rich text: removed struck through in red, added in green, the rest as it is."""
    if not merge.current.strip():
        return "问题描述目前为空。"
    if merge.same:
        return "问题描述已与草稿相同。"
    styles = {
        "same": "",
        "removed": "color: #b3261e; text-decoration: line-through;",
        "added": "color: #1e7b1e; background: #e8f5e9;",
    }
    parts = []
    for part in merge.diff:
        text = html.escape(part.text.strip()).replace("\n", "<br>")
        parts.append(f'<span style="{styles[part.kind]}">{text}</span>' if styles[part.kind] else text)
    return "<br>".join(parts)  # each run on its own line, as a diff reads


def _clear(layout: QLayout) -> None:
    while (item := layout.takeAt(0)) is not None:
        w = item.widget()
        inner = item.layout()
        if w is not None:
            # Hidden at once: deleteLater runs on the next turn of the event loop, and until then the
            # previous step's buttons would still show (and be clickable) beside the new ones.
            w.hide()
            w.deleteLater()
        elif inner is not None:
            _clear(inner)
