"""申诉 menu: 记录申诉结果… and 快递理赔…; closing a case asks for what its books lack; the form's line on a
buyer who keeps claiming (该买家 90 天内第 N 次售后)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from desk.domain import CaseId, Changes
from desk.errors import DeskError
from desk.workflow import FINISHED_STATUSES
from ui.context import FeatureContext, MenuKey
from ui.errors import APP_TITLE
from ui.qt import QAction, QMessageBox, Qt
from ui.tasks import Op

if TYPE_CHECKING:
    from desk.services.buyers import BuyerHistory
    from desk.services.outcomes import ClosingGap
    from ui.outcomes.appeal_dialog import AppealDialog
    from ui.outcomes.claim_dialog import ClaimDialog

# How many cases of one bulk change are checked and named in the question (the rest are counted).
MAX_NAMED = 5
FILL_IN = "现在补上"
CLOSE_ANYWAY = "仍然结案"


@dataclass(slots=True)
class OutcomesState:
    """What the feature has open: its dialogs and the closing question (for whoever looks, e.g. tests)."""

    appeal_dialog: AppealDialog | None = None
    claim_dialog: ClaimDialog | None = None
    closing_question: QMessageBox | None = None
    buyer_reads: int = 0
    gaps: dict[CaseId, tuple[ClosingGap, ...]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class OutcomesFeature:
    """记录申诉结果… and 快递理赔…, the functions that open them, and what is open."""

    appeal: QAction
    claim: QAction
    open_appeals: Callable[..., None]
    open_claims: Callable[..., None]
    state: OutcomesState

    @property
    def actions(self) -> tuple[QAction, ...]:
        return (self.appeal, self.claim)


def install(ctx: FeatureContext) -> OutcomesFeature:
    """Add the two entries to the 申诉 menu; hook the closing question and the repeat-claimer line."""
    state = OutcomesState()

    def open_appeals(case_id: CaseId | None = None) -> None:
        _open(ctx, state, "appeal", case_id)

    def open_claims(case_id: CaseId | None = None) -> None:
        _open(ctx, state, "claim", case_id)

    feature = OutcomesFeature(
        appeal=ctx.action(
            "记录申诉结果…", open_appeals, tip="记录平台对申诉的结果：成功、驳回或部分支持，以及追回金额"
        ),
        claim=ctx.action("快递理赔…", open_claims, tip="记录向快递公司的理赔，并生成理赔材料"),
        open_appeals=open_appeals,
        open_claims=open_claims,
        state=state,
    )
    menu = ctx.menu(MenuKey.APPEAL)
    menu.addActions(list(feature.actions))
    menu.addSeparator()

    form = ctx.case_form
    form.cases_closed.connect(lambda ids: check_closing(ctx, state, tuple(ids)))
    ctx.case_changed.connect(lambda case_id: show_buyer_history(ctx, state, case_id, changed=True))
    ctx.changes.connect(lambda changes: _on_changes(ctx, state, changes))
    return feature


def _open(ctx: FeatureContext, state: OutcomesState, which: str, case_id: CaseId | None) -> None:
    target = case_id if case_id is not None else ctx.current_case()
    if target is None:
        ctx.show_status("请先选择或保存一条售后，再记录申诉结果或快递理赔")
        return

    def show() -> None:
        from ui.outcomes.appeal_dialog import AppealDialog
        from ui.outcomes.claim_dialog import ClaimDialog

        old = state.appeal_dialog if which == "appeal" else state.claim_dialog
        if old is not None:
            old.close()
            old.deleteLater()
        dialog: AppealDialog | ClaimDialog
        if which == "appeal":
            dialog = state.appeal_dialog = AppealDialog(ctx.desk.outcomes, ctx.runner, target, ctx.parent)
        else:
            dialog = state.claim_dialog = ClaimDialog(ctx.desk.outcomes, ctx.runner, target, ctx.parent)
        dialog.changes_made.connect(ctx.changes)
        dialog.status_message.connect(ctx.show_status)
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()

    # The form's pending edits go in first: these writes change the case's money too.
    if target == ctx.current_case():
        ctx.confirm_leave(show)
    else:
        show()


# -- closing -------------------------------------------------------------------------------------------


def check_closing(ctx: FeatureContext, state: OutcomesState, case_ids: Sequence[CaseId]) -> None:
    """Cases just set to a closed status: ask (without blocking) about what their books still lack.

    Runs on the DB worker, after the write that closed them (it has one worker, in order); a case the write
    refused, or one that is not closed, is left alone.
    """
    cases, outcomes = ctx.desk.cases, ctx.desk.outcomes
    ids = tuple(dict.fromkeys(case_ids))

    def read() -> dict[CaseId, tuple[ClosingGap, ...]]:
        found: dict[CaseId, tuple[ClosingGap, ...]] = {}
        for case_id in ids:
            try:
                if cases.get(case_id).status not in FINISHED_STATUSES:
                    continue
                gaps = outcomes.closing_gaps(case_id)
            except DeskError:
                continue  # deleted meanwhile: nothing to ask about
            if gaps:
                found[case_id] = gaps
        return found

    Op(read, parent=ctx.parent).on_success(lambda found: _ask_closing(ctx, state, found)).with_action(
        "检查结案所缺内容"
    ).run(ctx.runner)


def closing_text(found: dict[CaseId, tuple[ClosingGap, ...]]) -> tuple[str, str]:
    """The question and its details: 结案前还缺：… ."""
    if len(found) == 1:
        ((case_id, gaps),) = found.items()
        return f"售后 #{case_id} 结案前还缺：", "\n".join(f"• {g.text}" for g in gaps)
    lines = []
    for case_id, gaps in list(found.items())[:MAX_NAMED]:
        lines.append(f"售后 #{case_id}：" + "；".join(g.text for g in gaps))
    if len(found) > MAX_NAMED:
        lines.append(f"……另有 {len(found) - MAX_NAMED} 条售后")
    return f"{len(found)} 条售后结案前还缺：", "\n".join(lines)


def _ask_closing(
    ctx: FeatureContext, state: OutcomesState, found: dict[CaseId, tuple[ClosingGap, ...]]
) -> None:
    if not found:
        return
    state.gaps = found
    text, details = closing_text(found)
    old = state.closing_question
    if old is not None:
        old.close()
        old.deleteLater()
    box = QMessageBox(QMessageBox.Icon.Question, APP_TITLE, text, parent=ctx.parent)
    box.setInformativeText(details)
    fill = box.addButton(FILL_IN, QMessageBox.ButtonRole.AcceptRole)
    anyway = box.addButton(CLOSE_ANYWAY, QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(fill)
    box.setEscapeButton(anyway)
    # Not modal: the operator may look at the case before answering.
    box.setWindowModality(Qt.WindowModality.NonModal)
    state.closing_question = box
    first, gaps = next(iter(found.items()))

    def answered(button: Any) -> None:
        state.closing_question = None
        if button is fill:
            fill_in(ctx, state, first, gaps)
        else:
            ctx.show_status(f"已结案（还缺 {sum(len(g) for g in found.values())} 项内容）")

    box.buttonClicked.connect(answered)
    box.show()


def fill_in(ctx: FeatureContext, state: OutcomesState, case_id: CaseId, gaps: tuple[ClosingGap, ...]) -> None:
    """Take the operator to where the first gap is filled: the appeals, the claims, or the money field."""
    keys = [g.key for g in gaps]
    if any(k.startswith("appeal") for k in keys):
        _open(ctx, state, "appeal", case_id)
    elif any(k.startswith("claim") for k in keys):
        _open(ctx, state, "claim", case_id)
    elif keys and keys[0].startswith("money:") and ctx.current_case() == case_id:
        ctx.jump_to("field:" + keys[0].partition(":")[2])
    else:
        ctx.show_status(f"请打开售后 #{case_id}，在“金额”里补上：" + "；".join(g.text for g in gaps))


# -- repeat claimers -----------------------------------------------------------------------------------


def show_buyer_history(
    ctx: FeatureContext, state: OutcomesState, case_id: CaseId | None, *, changed: bool = False
) -> None:
    """Read the shown case's buyer history on the read worker; the form shows the line for N ≥ 2.

    changed: another case is shown now, so the line of the one before goes at once.
    """
    state.buyer_reads += 1
    read = state.buyer_reads
    form = ctx.case_form
    if case_id is None or changed:
        form.show_buyer_history("")
    if case_id is None:
        return
    buyers = ctx.desk.buyers

    def shown(history: BuyerHistory) -> None:
        if read == state.buyer_reads and ctx.current_case() == case_id:
            form.show_buyer_history(history.sentence() if history.count >= 2 else "")

    def failed(exc: BaseException) -> None:
        if read == state.buyer_reads:
            form.show_buyer_history("")  # a case purged meanwhile: nothing to say

    Op(lambda: buyers.history(case_id), parent=form, pool="read").on_success(shown).on_failure(failed).run(
        ctx.runner
    )


def _on_changes(ctx: FeatureContext, state: OutcomesState, changes: Changes) -> None:
    case_id = ctx.current_case()
    if case_id is not None and case_id in changes.cases:
        show_buyer_history(ctx, state, case_id)
