"""A strip of suggestions under an evidence picture: values the desk read in it (weights with their labels,
waybill and order numbers; money and times for reference), each written into the case only when the
operator accepts it. Enter accepts the first suggestion, Esc declines it; a value that disagrees with what
the case holds says so and is never written over it. When that value is another case's number (the picture
was filed under the wrong case), 移到售后 #N (or M) moves the picture there, one step of the undo log.

Self-contained: mounted with ``SuggestionsStrip(ctx)`` (a FeatureContext), or, where only the parts are at
hand (the evidence viewer), ``SuggestionsStrip(StripParts(recognition, runner, changes, show_status))``; the
owner calls ``show_for(evidence_id)`` whenever it shows a picture (None for a video or a PDF). Reading a picture not read yet happens here, on first use, off the GUI thread
(the thumbnail pool: a reading takes seconds and must not hold the database worker); accepting goes
through the database worker like every write.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from ui.qt import QGridLayout, QHBoxLayout, QKeyEvent, QLabel, QPushButton, Qt, QVBoxLayout, QWidget, Signal
from ui.tasks import Op

if TYPE_CHECKING:  # the window's modules load without SQLAlchemy (tests/test_layers.py)
    from desk.domain import EvidenceId
    from desk.services.recognition import Accepted, PictureText, RecognitionService, Suggestion
    from ui.context import FeatureContext
    from ui.tasks import TaskRunner

DIFFERS_STYLE = "color: #b3261e;"
UNDO_HINT = "可用 编辑 ▸ 撤销（Ctrl+Z）移回"


@dataclass(frozen=True)
class StripParts:
    """What the strip uses, for an owner without a FeatureContext: ``changes`` is a signal (or anything
    with ``emit``) told the Changes of an accepted suggestion; ``show_status`` a note for the status bar."""

    recognition: RecognitionService
    runner: TaskRunner
    changes: Any
    show_status: Callable[[str], None]


class SuggestionsStrip(QWidget):
    """Suggestions for one picture. Emits ``accepted(Accepted)`` after a suggestion was written (or found
    to differ), ``declined(Suggestion)`` when the operator put one aside, and ``moved(EvidenceId, str)``
    once the picture was moved to the case its number belongs to (with the sentence saying where): the
    owner shows another picture, this one is no longer the case's."""

    accepted = Signal(object)
    declined = Signal(object)
    moved = Signal(object, str)

    def __init__(self, ctx: FeatureContext | StripParts, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        if isinstance(ctx, StripParts):
            self._parts = ctx
        else:
            self._parts = StripParts(ctx.desk.recognition, ctx.runner, ctx.changes, ctx.show_status)
        self._evidence: EvidenceId | None = None
        self._asked = 0  # the newest request: older answers are dropped
        self._cancel = threading.Event()
        self._shown: list[Suggestion] = []
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.setSpacing(2)
        # A fixed grid of slots, filled and hidden as pictures change: no widget is ever deleted while the
        # strip lives (one of its buttons may be the one being clicked). PER_ROW to a row: in one row the
        # six slots asked ~1,900 px, and the viewer could not be narrower than a 1366 px screen.
        grid = QGridLayout()
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setVerticalSpacing(2)
        self._slots = [_Slot(self, i) for i in range(SLOTS)]
        for i, slot in enumerate(self._slots):
            grid.addWidget(slot.box, i // PER_ROW, i % PER_ROW, Qt.AlignmentFlag.AlignLeft)
        grid.setColumnStretch(PER_ROW, 1)
        layout.addLayout(grid)
        tail = QHBoxLayout()
        self._more = QLabel("", self)
        self._note = QLabel("", self)
        self._note.setObjectName("suggestionsNote")
        self._note.setWordWrap(True)
        tail.addWidget(self._more)
        tail.addWidget(self._note, 1)
        layout.addLayout(tail)
        self.hide()

    # -- what the viewer calls ------------------------------------------------------------------------

    def show_for(self, evidence_id: EvidenceId | None) -> None:
        """Show the suggestions of this picture (None: nothing). A read for the picture shown before is
        cancelled; its answer, should it still come, is dropped."""
        self._cancel.set()
        self._cancel = threading.Event()
        self._asked += 1
        asked = self._asked
        self._evidence = evidence_id
        self._fill([], "")
        if evidence_id is None:
            return
        recognition = self._parts.recognition
        cancel = self._cancel

        def load() -> PictureText | str | None:
            if not recognition.available():
                return recognition.off_notice()  # said once; afterwards the strip just stays away
            return recognition.read(evidence_id, cancel.is_set)

        def show(result: PictureText | str | None) -> None:
            if asked != self._asked:
                return
            if isinstance(result, str):
                self._fill([], result)
            elif result is not None:
                self._fill(list(result.suggestions), "")

        def failed(exc: BaseException) -> None:
            if asked == self._asked:
                self._fill([], f"无法识别图片文字：{getattr(exc, 'message', None) or exc}")

        Op(load, parent=self, pool="cpu").on_success(show).on_failure(failed).run(self._parts.runner)

    def suggestions(self) -> tuple[Suggestion, ...]:
        """What the strip offers now, in order."""
        return tuple(self._shown)

    def accept(self, suggestion: Suggestion) -> None:
        evidence_id = self._evidence
        if evidence_id is None:
            return
        recognition = self._parts.recognition
        asked = self._asked

        def done(result: Accepted) -> None:
            if result.applied:
                self._parts.changes.emit(result.changes)
            self._parts.show_status(result.message)
            if asked == self._asked:
                self._remove(suggestion)
                if result.differs:
                    self._note.setText(result.message)
                    self._note.setStyleSheet(DIFFERS_STYLE)
            self.accepted.emit(result)

        Op(lambda: recognition.accept_suggestion(evidence_id, suggestion.key), parent=self).on_success(
            done
        ).with_action("采用识别结果").run(self._parts.runner)

    def decline(self, suggestion: Suggestion) -> None:
        self._remove(suggestion)
        self.declined.emit(suggestion)

    def move_to_owner(self, suggestion: Suggestion) -> None:
        """Move the picture to the case the suggestion's number belongs to (``elsewhere``), on the database
        worker; the service finds that case again from the reading, so a case trashed meanwhile is refused
        in words, not moved into."""
        evidence_id = self._evidence
        if evidence_id is None or suggestion.elsewhere is None:
            return
        recognition = self._parts.recognition
        asked = self._asked

        def done(result: Accepted) -> None:
            self._parts.changes.emit(result.changes)
            message = f"{result.message}；{UNDO_HINT}"
            self._parts.show_status(message)
            if asked == self._asked:
                self._fill([], "")  # nothing of the picture is this case's to accept any more
            self.moved.emit(evidence_id, message)

        Op(lambda: recognition.move_to_owner(evidence_id, suggestion.key), parent=self).on_success(
            done
        ).with_action("移动证据").run(self._parts.runner)

    # -- keys and drawing ----------------------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:
        owned = next((s for s in self._shown if s.elsewhere is not None), None)
        if owned is not None and event.key() == Qt.Key.Key_M:
            self.move_to_owner(owned)
            event.accept()
            return
        first = next((s for s in self._shown if s.acceptable), None)
        if first is not None and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.accept(first)
            event.accept()
            return
        if first is not None and event.key() == Qt.Key.Key_Escape:
            self.decline(first)
            event.accept()
            return
        super().keyPressEvent(event)

    def _remove(self, suggestion: Suggestion) -> None:
        self._fill([s for s in self._shown if s.key != suggestion.key], self._note.text())

    def _slot_clicked(self, index: int, take: bool) -> None:
        if index < len(self._shown):
            (self.accept if take else self.decline)(self._shown[index])

    def _move_clicked(self, index: int) -> None:
        if index < len(self._shown):
            self.move_to_owner(self._shown[index])

    def _fill(self, suggestions: list[Suggestion], note: str) -> None:
        self._shown = suggestions
        # The case a picture belongs to is one case (desk.services.recognition): one button for it, on the
        # first number that names it.
        owner = next((i for i, s in enumerate(suggestions) if s.elsewhere is not None), None)
        for i, slot in enumerate(self._slots):
            slot.show(suggestions[i] if i < len(suggestions) else None, offer_move=i == owner)
        hidden = len(suggestions) - len(self._slots)
        self._more.setText(f"还有 {hidden} 条" if hidden > 0 else "")
        self._more.setVisible(hidden > 0)
        self._note.setText(note)
        self._note.setStyleSheet("")
        self.setVisible(bool(suggestions or note))


SLOTS = 6  # a courier page gives four weights, a waybill and an order number
PER_ROW = 3


class _Slot:
    """One suggestion's place in the strip: its words, 采用 and 忽略, and 移到售后 #N when the number is
    another case's."""

    def __init__(self, strip: SuggestionsStrip, index: int) -> None:
        self.box = QWidget(strip)
        row = QHBoxLayout(self.box)
        row.setContentsMargins(0, 0, 6, 0)
        self.label = QLabel("", self.box)
        self.take = QPushButton("采用", self.box)
        self.take.setToolTip("写入售后记录（Enter 采用第一条）")
        self.drop = QPushButton("忽略", self.box)
        self.drop.setToolTip("不采用（Esc 忽略第一条）")
        self.take.clicked.connect(partial(strip._slot_clicked, index, True))
        self.drop.clicked.connect(partial(strip._slot_clicked, index, False))
        self.move_button = QPushButton("", self.box)
        self.move_button.clicked.connect(partial(strip._move_clicked, index))
        row.addWidget(self.label)
        row.addWidget(self.take)
        row.addWidget(self.drop)
        row.addWidget(self.move_button)
        self.box.hide()

    def show(self, s: Suggestion | None, *, offer_move: bool = False) -> None:
        if s is None:
            self.box.hide()
            return
        self.move_button.setVisible(offer_move and s.elsewhere is not None)
        if s.elsewhere is not None:
            self.move_button.setText(f"移到售后 #{s.elsewhere}")
            self.move_button.setToolTip(
                f"图片中的{s.words} 是{s.elsewhere_label}的单号：把这张图片（连同标注、遮挡和类型）"
                f"移到那条售后，排在它的证据最后（M；{UNDO_HINT}）"
            )
        words = s.words + (f"（记录中为 {s.current}）" if s.differs else "")
        self.label.setText(words)
        self.label.setStyleSheet(DIFFERS_STYLE if s.differs else "")
        self.label.setEnabled(s.acceptable)  # money and times are for reference only: never written
        if s.differs:
            self.label.setToolTip("图片中的值与售后记录不一致，采用时不会覆盖记录，请核对")
        else:
            self.label.setToolTip("" if s.acceptable else "仅供参考，需要时请手动填写")
        self.take.setVisible(s.acceptable)
        self.drop.setVisible(s.acceptable)
        self.box.show()
