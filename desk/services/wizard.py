"""The guided wizard: a case walked through its playbook, answers on the timeline, outcome applied.

The wizard knows what the desk knows: a question whose answer the case's data already holds (the weight
check's verdict, whether the refund happened, whether the after-sales period has passed) is shown with
that answer and its reason, and an answer that contradicts it is refused (`Contradiction`) until the
operator confirms it, which the timeline records. 应用结果 sets the status, the resolution and the appeal
kind, and merges the draft into the 问题描述 only as the operator chooses (desk.playbooks.merge).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from desk.db import models as m
from desk.db import models_wizard as mw
from desk.db.types import utcnow
from desk.domain import CaseData, CaseId, CaseStatus, CaseType, Changes, EventKind, Resolution
from desk.errors import DeskError, NotFound, ValidationFailed
from desk.orders.model import SHIPPING_KINDS, Verdict
from desk.orders.weighing import _explain_shortfall as explain_shortfall
from desk.playbooks.facts import (
    Known,
    flags_known,
    period_known,
    refund_known,
    repeat_buyer_known,
    weight_known,
)
from desk.playbooks.loader import PlaybookSet, load_playbooks
from desk.playbooks.merge import DescriptionMerge, MergeChoice, merged, propose
from desk.playbooks.model import Node, Outcome, Playbook, missing_words
from desk.playbooks.walker import AppealAdvice, Filled, WalkState, appeal_advice, fill, unfilled, walk
from desk.services.events import new_event
from desk.services.readiness import CLAIM_FIELDS

log = logging.getLogger(__name__)

# The platform profile's timer that says how long after the sign-off a buyer may still ask (天).
PERIOD_SETTING = "after_sales_days"


@dataclass(frozen=True, slots=True)
class ChecklistItem:
    """An evidence kind the current step or outcome asks for, ticked when the gallery has it."""

    kind: str
    required: bool
    present: int  # how many items of this kind the case has


@dataclass(frozen=True, slots=True)
class PassedStep:
    """A step passed over without asking: an evidence-only step the case's evidence completes, or a
    question the case's data decides (Node.data_decides). Shown as done."""

    node_id: str
    title: str
    kinds: tuple[str, ...] = ()  # the evidence kinds the case holds that complete it
    answer: str = ""  # the answer the data gave (a question)
    reason: str = ""  # and why

    @property
    def words(self) -> str:
        if self.answer:
            return f"✓ 按售后数据：{self.answer}（{self.reason}）"
        return f"✓ 已有：{'、'.join(self.kinds)}"


@dataclass(frozen=True, slots=True)
class KnownAnswer:
    """A question the case's data answers: which answer, and why."""

    node_id: str
    question: str
    choice: int  # index of the answer the data gives
    answer: str  # its words
    fact: Known

    @property
    def reason(self) -> str:
        return self.fact.reason

    def data(self) -> dict[str, Any]:
        """What the timeline keeps of it: keys and the words the operator saw."""
        return {
            "fact": self.fact.fact,
            "value": self.fact.value,
            "choice": self.choice,
            "answer": self.answer,
            "reason": self.fact.reason,
        }


class Contradiction(ValidationFailed):
    """An answer the case's data contradicts; given again with confirm=True it is recorded as overridden."""

    def __init__(self, known: KnownAnswer, choice: int, chosen: str) -> None:
        super().__init__(
            f"“{known.question}”：售后数据给出的回答是“{known.answer}”（{known.reason}），"
            f"你选的是“{chosen}”。确认与数据不符仍按你的选择，需要再确认一次。"
        )
        self.known = known
        self.choice = choice
        self.chosen = chosen


@dataclass(frozen=True, slots=True)
class WizardView:
    """Everything the wizard screen shows for a case at its current step."""

    case_id: CaseId
    playbook: Playbook
    choices: tuple[int, ...]
    state: WalkState
    checklist: tuple[ChecklistItem, ...]
    weight_conclusion: str
    applied: bool
    advice: AppealAdvice | None
    draft: Filled | None
    problems: tuple[str, ...] = ()
    facts: tuple[Known, ...] = ()  # what the case's data settles
    known_answers: tuple[KnownAnswer, ...] = ()  # every question of the playbook the data answers
    merge: DescriptionMerge | None = None  # the 问题描述 and the draft, when the outcome has a draft
    passed: tuple[PassedStep, ...] = ()  # steps of the walk (and the one shown) the evidence completes
    refund_note: str = ""  # how 应用结果 fills (or filled) an empty 退款金额 from the weight check
    # The amount the outcome's appeal must state and the case lacks: (case field, its words), asked for
    # on the outcome's page and written by 应用结果 (apply_outcome's claim_amount).
    claim_needed: tuple[str, str] | None = None

    @property
    def step(self) -> Node | Outcome:
        return self.state.outcome if self.state.outcome is not None else self.state.current  # type: ignore[return-value]

    @property
    def missing_required(self) -> tuple[str, ...]:
        return tuple(c.kind for c in self.checklist if c.required and not c.present)

    def known_for(self, node_id: str) -> KnownAnswer | None:
        return next((k for k in self.known_answers if k.node_id == node_id), None)

    @property
    def known(self) -> KnownAnswer | None:
        """The data's answer to the question waiting for the operator, if it has one."""
        node = self.state.current
        return self.known_for(node.id) if node is not None else None


def case_values(case: CaseData, shop: Any | None, extra: dict[str, str] | None = None) -> dict[str, str]:
    """The {变量} a script or appeal draft can use (desk.playbooks.model.VARIABLES), from the case, its shop
    and the weight check; "" where the case does not know it (fill() then names it)."""

    def money(value: Decimal | None) -> str:
        return f"{value:.2f}" if value is not None else ""

    values = {
        "买家": case.buyer_nick,
        "订单号": case.order_no,
        "售后单号": case.after_sales_no,
        "快递单号": case.tracking_no,
        "快递公司": case.courier,
        "店铺": case.shop_name,
        "退款金额": money(case.refund_amount),
        "补发单号": case.reship_tracking_no,
        "退货单号": case.return_tracking_no,
        # What the buyer accepted, never the refund asked for: a "small" compensation is small.
        "协商补偿金额": money(case.agreed_compensation),
        "运费金额": money(case.freight_paid),
        "退货地址": str(getattr(shop, "return_address", "") or ""),
        "退换货须知": str(getattr(shop, "return_policy", "") or getattr(shop, "return_notice", "") or ""),
        "重量结论": "",
    }
    values.update(extra or {})
    return values


def _piece_price(item: Any) -> Decimal | None:
    """What one piece of an order line cost: its unit price, else the line's amount over its quantity."""
    if item.unit_price is not None:
        return Decimal(item.unit_price)
    if item.amount is not None and item.quantity:
        return (Decimal(item.amount) / item.quantity).quantize(Decimal("0.01"))
    return None


def _passed(node: Node, counts: dict[str, int]) -> PassedStep | None:
    """The step as done by evidence, when it is an evidence-only step and the case holds all it asks for."""
    if node.is_question or not node.done_when or not all(counts.get(k) for k in node.done_when):
        return None
    return PassedStep(node.id, node.title, node.done_when)


class WizardService:
    """One unit of work per answer; the walk is stored per case so it can be resumed or re-run."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        cases: Any,
        evidence: Any,
        shops: Any,
        weights: Any | None = None,
        shop_playbooks: Path | None = None,
        threshold: Callable[[CaseData], Decimal | None] | None = None,
        orders: Any | None = None,
        platforms: Any | None = None,
    ) -> None:
        self._sessions = sessions
        self._cases = cases
        self._evidence = evidence
        self._shops = shops
        self._weights = weights
        self._shop_playbooks = shop_playbooks
        self._threshold = threshold or (lambda _case: None)
        self._orders = orders
        self._platforms = platforms
        # The buyer's history (BuyerService) for the 恶意售后 question; the desk sets it, as it is made later.
        self.buyers: Any | None = None
        self._playbooks: PlaybookSet | None = None

    @property
    def playbooks(self) -> PlaybookSet:
        if self._playbooks is None:
            self._playbooks = load_playbooks(self._shop_playbooks)
        return self._playbooks

    def reload(self) -> tuple[str, ...]:
        self._playbooks = None
        return self.playbooks.problems

    # -- what the data says -----------------------------------------------------------------
    def _check(self, case_id: CaseId) -> Any | None:
        if self._weights is None:
            return None
        try:
            return self._weights.check(case_id)
        except DeskError:
            return None

    def _facts(self, case: CaseData, check: Any | None) -> tuple[Known, ...]:
        found: list[Known | None] = []
        if check is not None:
            found.append(weight_known(check.verdict.name, check.conclusion))
        days = self._period_days(case)
        if days is not None:
            order = self._order(case)
            applied = case.facts.applied_at
            found.append(
                period_known(
                    days=days,
                    ordered_at=order.ordered_at if order is not None else None,
                    signed_at=order.signed_at if order is not None else None,
                    asked_at=applied or case.created_at,
                    asked_label="买家申请售后" if applied is not None else "登记售后",
                )
            )
        found.append(
            refund_known(
                refund_paid=case.refund_paid,
                status_refunded=case.status == CaseStatus.REFUNDED,
                platform_status=case.facts.platform_status,
            )
        )
        found += flags_known(freight_insurance=case.freight_insurance, express_refund=case.express_refund)
        found.append(self._repeat_buyer(case.id))
        return tuple(k for k in found if k is not None)

    def _repeat_buyer(self, case_id: CaseId) -> Known | None:
        if self.buyers is None:
            return None
        try:
            h = self.buyers.history(case_id)
        except DeskError:
            return None
        return repeat_buyer_known(count=h.count, wins=h.wins, window_days=h.window_days)

    def _period_days(self, case: CaseData) -> int | None:
        if self._platforms is None:
            return None
        try:
            profile = self._platforms.for_platform(case.platform)
        except DeskError:  # a broken copy of the profile: the period is simply unknown
            return None
        setting = profile.setting(PERIOD_SETTING) if profile is not None else None
        return setting.value if setting is not None and setting.value is not None else None

    def _order(self, case: CaseData) -> Any | None:
        if self._orders is None or not case.order_no:
            return None
        try:
            return self._orders.find(case.order_no, case.platform)
        except DeskError:
            return None

    @staticmethod
    def _known_answers(pb: Playbook, facts: tuple[Known, ...]) -> tuple[KnownAnswer, ...]:
        by_fact = {k.fact: k for k in facts}
        out = []
        for node in pb.nodes.values():
            known = by_fact.get(node.known) if node.known else None
            choice = node.answer_for(known.value) if known is not None else None
            if known is not None and choice is not None:
                out.append(KnownAnswer(node.id, node.title, choice, node.answers[choice].label, known))
        return tuple(out)

    # -- reads ------------------------------------------------------------------------------
    def view(self, case_id: CaseId) -> WizardView:
        case = self._cases.get(case_id)
        pb = self.playbooks.for_case_type(case.case_type)
        choices, applied = self._stored(case_id, pb.id)
        try:
            state = walk(pb, choices)
        except DeskError:
            # The playbook changed under a stored walk: start again rather than show a wrong step.
            log.warning("stored wizard answers no longer fit %s; restarting", pb.id)
            choices, state = (), walk(pb, ())
        return self._compose(case, pb, choices, state, applied)

    def _compose(
        self, case: CaseData, pb: Playbook, choices: tuple[int, ...], state: WalkState, applied: bool
    ) -> WizardView:
        counts = self._counts(case.id)
        check = self._check(case.id)
        facts = self._facts(case, check)
        steps = [v.node for v in state.visited] + ([state.current] if state.current is not None else [])
        passed = tuple(p for n in steps if (p := _passed(n, counts)) is not None)
        known_answers = self._known_answers(pb, facts)
        decided = {k.node_id: k for k in known_answers if pb.nodes[k.node_id].data_decides}
        passed += tuple(
            PassedStep(v.node.id, v.node.title, answer=k.answer, reason=k.reason)
            for v in state.visited
            if (k := decided.get(v.node.id)) is not None and k.choice == v.answer
        )
        items: list[ChecklistItem] = []
        seen: set[str] = set()
        out = state.outcome

        def add(kinds: tuple[str, ...], required: bool) -> None:
            for k in kinds:
                if k not in seen:
                    seen.add(k)
                    items.append(ChecklistItem(k, required, counts.get(k, 0)))

        if out is not None:
            add(out.evidence_required, True)
            add(out.evidence_recommended + out.evidence, False)
        elif state.current is not None:
            add(state.current.evidence, False)
        show_weight = (state.current is not None and state.current.weight_check) or any(
            v.node.weight_check for v in state.visited
        )
        extra = {"重量结论": check.sentence()} if check is not None else {}
        weight_text = ""
        if show_weight:
            # No sentence for a template (e.g. a SKU weight is missing): say why in the check's words.
            weight_text = extra.get("重量结论", "") or (str(check.conclusion) if check is not None else "")
            weight_text = (
                weight_text or "尚未记录称重数据：请在“称重核对”里录入仓库称重、快递内网重量和复称。"
            )
        advice = draft = merge = None
        refund_note = ""
        claim_needed: tuple[str, str] | None = None
        if out is not None:
            claim = self._short_claim(case, check)
            if claim is not None and case.refund_amount is None:
                refund_note = f"应用结果时，{claim[1]}"
            elif claim is not None and case.refund_amount == claim[0]:
                refund_note = claim[1]
            needed = CLAIM_FIELDS.get(out.appeal) if out.appeal and not applied else None
            if needed is not None and not getattr(case, needed[0]) and claim is None:
                claim_needed = needed
            advice = appeal_advice(out, case.refund_amount, self._threshold(case))
            if out.appeal:
                draft = fill(out.draft, case_values(case, self._shop_of(case), extra))
                merge = propose(case.description, draft.text)
        return WizardView(
            case_id=case.id,
            playbook=pb,
            choices=choices,
            state=state,
            checklist=tuple(items),
            weight_conclusion=weight_text,
            applied=applied,
            advice=advice,
            draft=draft,
            problems=self.playbooks.problems,
            facts=facts,
            known_answers=known_answers,
            merge=merge,
            passed=passed,
            refund_note=refund_note,
            claim_needed=claim_needed,
        )

    def _short_claim(self, case: CaseData, check: Any | None) -> tuple[Decimal, str] | None:
        """The price of the pieces a 漏发少件 case's weight check says are missing, with the words saying
        so; None unless the check names them and the order's items say what each piece cost."""
        if case.case_type != CaseType.MISSING_ITEM or check is None or check.verdict != Verdict.SHORT:
            return None
        if check.reference_g is None or check.allowed_g is None:
            return None
        shipped = next(
            (
                same[-1]
                for kind in SHIPPING_KINDS
                if (same := [c for c in check.comparisons if c.kind == kind])
            ),
            None,
        )
        order = self._order(case)
        if shipped is None or order is None:
            return None
        found = explain_shortfall(check.reference_g - shipped.grams, check.lines, check.allowed_g)
        if not found:
            return None
        total, words = Decimal(0), []
        for count, line in found[0].pieces:
            item = next((i for i in order.items if line.sku_code and i.sku_code == line.sku_code), None)
            item = item or next(
                (i for i in order.items if i.product_name and line.name.startswith(i.product_name)), None
            )
            price = _piece_price(item) if item is not None else None
            if item is None or price is None:
                return None
            total += price * count
            words.append(f"{count} 件{item.product_name or line.name}")
        return total, f"退款金额按少发的 {'、'.join(words)}填写：¥{total:.2f}，可修改"

    def _counts(self, case_id: CaseId) -> dict[str, int]:
        counts: dict[str, int] = {}
        for e in self._evidence.list(case_id):
            counts[str(e.kind)] = counts.get(str(e.kind), 0) + 1
        return counts

    def _shop_of(self, case: CaseData) -> Any | None:
        if case.shop_id is None:
            return None
        return next((s for s in self._shops.list() if s.id == case.shop_id), None)

    def _stored(self, case_id: CaseId, playbook_id: str) -> tuple[tuple[int, ...], bool]:
        with self._sessions() as s:
            run = s.scalar(select(mw.WizardRun).where(mw.WizardRun.case_id == case_id))
            if run is None or run.playbook_id != playbook_id:
                return (), False
            try:
                choices = tuple(int(c) for c in json.loads(run.choices))
            except (ValueError, TypeError):
                choices = ()
            return choices, run.applied_at is not None

    def description_merge(self, case_id: CaseId, draft: str) -> DescriptionMerge:
        """The 问题描述 as stored now against a draft (e.g. one the operator edited)."""
        return propose(self._cases.get(case_id).description, draft)

    # -- writes -----------------------------------------------------------------------------
    def answer(
        self, case_id: CaseId, choice: int, *, confirm: bool = False, take_data_answers: bool = False
    ) -> tuple[WizardView, Changes]:
        """Answer the current step (0 = continue on an information step); recorded on the timeline.

        An answer the case's data contradicts raises Contradiction unless confirm is set; a confirmed one
        is recorded as overriding the data, with the data's answer and reason. take_data_answers (the
        window): the questions after it that the data decides are answered by the data, on the timeline
        as such; the CLI's answers stay one per question.
        """
        case = self._cases.get(case_id)
        pb = self.playbooks.for_case_type(case.case_type)
        choices, _ = self._stored(case_id, pb.id)
        state = walk(pb, choices)
        if state.current is None:
            raise DeskError("流程已经走完：可以“应用结果”，或“重新开始”。")
        node = state.current
        new_choices = (*choices, choice)
        new_state = walk(pb, new_choices)  # validates the choice
        # Ids for the desk, and the words the operator saw (a shop's playbook may be edited later).
        step: dict[str, Any] = {"playbook_id": pb.id, "step": node.id, "question": node.title}
        if node.is_question:
            step.update(action="answer", choice=choice, answer=node.answers[choice].label)
            known = next(
                (
                    k
                    for k in self._known_answers(pb, self._facts(case, self._check(case_id)))
                    if k.node_id == node.id
                ),
                None,
            )
            if known is not None:
                if known.choice != choice and not confirm:
                    raise Contradiction(known, choice, node.answers[choice].label)
                step["known"] = known.data()
                if known.choice != choice:
                    step["override"] = True
        else:
            step.update(action="done")
        if new_state.outcome is not None:
            step.update(outcome_id=new_state.outcome.id, outcome=new_state.outcome.title)
        self._save(case_id, pb.id, new_choices, new_state, step)
        new_choices, new_state = self._pass_done(
            case_id, pb, new_choices, new_state, take_data_answers=take_data_answers
        )
        return self._compose(case, pb, new_choices, new_state, False), Changes(cases=frozenset({case_id}))

    def open(self, case_id: CaseId, *, take_data_answers: bool = False) -> tuple[WizardView, Changes]:
        """The wizard as it opens: the view, with the evidence-only steps the case's evidence already
        completes passed over (each on the timeline, like an answer), and with take_data_answers the
        questions the case's data decides."""
        case = self._cases.get(case_id)
        view = self.view(case_id)
        if view.applied or view.state.current is None:
            return view, Changes()
        choices, state = self._pass_done(
            case_id, view.playbook, view.choices, view.state, take_data_answers=take_data_answers
        )
        if choices == view.choices:
            return view, Changes()
        return self._compose(case, view.playbook, choices, state, False), Changes(cases=frozenset({case_id}))

    def _pass_done(
        self,
        case_id: CaseId,
        pb: Playbook,
        choices: tuple[int, ...],
        state: WalkState,
        *,
        take_data_answers: bool = False,
    ) -> tuple[tuple[int, ...], WalkState]:
        """Pass over the steps at the walk's head that only ask for evidence the case already holds and,
        with take_data_answers, the questions the case's data decides (Node.data_decides)."""
        counts: dict[str, int] | None = None
        decided: dict[str, KnownAnswer] | None = None
        while state.current is not None:
            node = state.current
            step: dict[str, Any] = {"playbook_id": pb.id, "step": node.id, "question": node.title}
            if node.done_when:
                counts = self._counts(case_id) if counts is None else counts
                done = _passed(node, counts)
                if done is None:
                    break
                choice = 0
                # Rendered like a step done by hand; the evidence that completed it is kept beside.
                step.update(action="done", passed=done.words, evidence=list(done.kinds))
            elif take_data_answers and node.data_decides:
                if decided is None:
                    case = self._cases.get(case_id)
                    facts = self._facts(case, self._check(case_id))
                    decided = {k.node_id: k for k in self._known_answers(pb, facts)}
                known = decided.get(node.id)
                if known is None:
                    break
                choice = known.choice
                step.update(
                    action="answer", choice=choice, answer=known.answer, known=known.data(), by_data=True
                )
            else:
                break
            choices = (*choices, choice)
            next_state = walk(pb, choices)
            if next_state.outcome is not None:
                step.update(outcome_id=next_state.outcome.id, outcome=next_state.outcome.title)
            self._save(case_id, pb.id, choices, next_state, step)
            state = next_state
        return choices, state

    def back(self, case_id: CaseId) -> tuple[WizardView, Changes]:
        case = self._cases.get(case_id)
        pb = self.playbooks.for_case_type(case.case_type)
        choices, _ = self._stored(case_id, pb.id)
        new_choices = choices[:-1]
        state = walk(pb, new_choices)
        self._save(case_id, pb.id, new_choices, state, None)
        return self._compose(case, pb, new_choices, state, False), Changes(cases=frozenset({case_id}))

    def restart(self, case_id: CaseId) -> tuple[WizardView, Changes]:
        case = self._cases.get(case_id)
        pb = self.playbooks.for_case_type(case.case_type)
        state = walk(pb, ())
        self._save(
            case_id, pb.id, (), state, {"action": "restart", "playbook_id": pb.id, "playbook": pb.title}
        )
        return self._compose(case, pb, (), state, False), Changes(cases=frozenset({case_id}))

    def run_answers(
        self, case_id: CaseId, answers: list[int], *, confirm: bool = False
    ) -> tuple[WizardView, Changes]:
        """Answer questions in one go (information steps pass by themselves): the CLI's --answers.

        confirm: answers that contradict the case's data are meant (and recorded as such)."""
        view, changes = self.restart(case_id)
        for a in answers:
            while view.state.current is not None and not view.state.current.is_question:
                view, more = self.answer(case_id, 0)
                changes |= more
            view, more = self.answer(case_id, a, confirm=confirm)
            changes |= more
        while view.state.current is not None and not view.state.current.is_question:
            view, more = self.answer(case_id, 0)
            changes |= more
        return view, changes

    def apply_outcome(
        self,
        case_id: CaseId,
        *,
        description: MergeChoice | str = MergeChoice.KEEP,
        draft: str | None = None,
        claim_amount: Decimal | str | None = None,
    ) -> tuple[WizardView, Changes]:
        """Set the outcome's status, resolution and appeal kind on the case; merge the draft into the
        问题描述 as chosen (replace, append, keep). `draft` is the draft as the operator edited it (else the
        wizard's own). A draft that still misses a value (【缺：…】) is never written. claim_amount: the
        amount the appeal states (WizardView.claim_needed: 退款金额 or 运费金额), typed on the outcome's
        page; written with the rest, in the same save."""
        try:
            choice = MergeChoice(description)
        except ValueError as exc:
            allowed = "、".join(c.value for c in MergeChoice)
            raise ValidationFailed(f"问题描述的处理方式“{description}”无效，可选：{allowed}") from exc
        view = self.view(case_id)
        out = view.state.outcome
        if out is None:
            raise DeskError("流程还没有走到结果，无法应用。")
        fields: dict[str, Any] = {}
        case = self._cases.get(case_id)
        if out.status and str(case.status) != out.status:
            fields["status"] = out.status
        if out.resolution and str(case.resolution) != out.resolution:
            fields["resolution"] = out.resolution
        if out.appeal and case.appeal_type != out.appeal:
            fields["appeal_type"] = out.appeal
        # What the operator typed is never overwritten; an empty amount takes the missing pieces' price.
        claim = self._short_claim(case, self._check(case_id)) if case.refund_amount is None else None
        if claim is not None:
            fields["refund_amount"] = claim[0]
        needed = CLAIM_FIELDS.get(out.appeal) if out.appeal else None
        if claim_amount is not None and str(claim_amount).strip():
            if needed is None:
                raise ValidationFailed(f"结果“{out.title}”不是要写明金额的申诉，没有地方记下这个金额。")
            text = str(claim_amount).strip()
            try:
                positive = Decimal(text.replace(",", "").removeprefix("¥")) > 0
            except ArithmeticError:
                positive = True  # not a number: the case's own check says so, in its words
            if not positive:
                raise ValidationFailed(f"申诉要写明的{needed[1]}要大于 0。")
            fields[needed[0]] = text
        written = ""
        if choice != MergeChoice.KEEP:
            text = draft if draft is not None else (view.draft.text if view.draft is not None else "")
            if not text.strip():
                raise ValidationFailed("这个结果没有问题描述草稿可以写入；请选择“保留原来的问题描述”。")
            gaps = unfilled(text)
            if gaps:
                raise ValidationFailed(
                    f"草稿里还有没填上的内容（{missing_words(gaps)}）。补全后再写入问题描述，"
                    "或选择“保留原来的问题描述”。"
                )
            new = merged(case.description, text, choice)
            if new != case.description:
                fields["description"] = new
                written = choice.value
        changes = Changes(cases=frozenset({case_id}))
        if fields:
            case, more = self._cases.update(case_id, expected_version=case.version, **fields)
            changes |= more
        set_: dict[str, Any] = {}
        for key in ("status", "resolution", "appeal_type"):
            if key in fields:
                value = fields[key]
                set_[key] = (
                    CaseStatus(value)
                    if key == "status"
                    else Resolution(value)
                    if key == "resolution"
                    else value
                )
        if claim is not None:
            set_["refund_amount"] = str(claim[0])
        if needed is not None and needed[0] in fields and needed[0] not in set_:
            set_[needed[0]] = str(getattr(case, needed[0]))  # as the case saved it
        data: dict[str, Any] = {"action": "apply", "outcome_id": out.id, "outcome": out.title, "set": set_}
        if written:
            data["description"] = written
        with self._sessions.begin() as s:
            run = s.scalar(select(mw.WizardRun).where(mw.WizardRun.case_id == case_id))
            if run is not None:
                run.applied_at = utcnow()
            s.add(new_event(case_id, EventKind.WIZARD, data=data))
        return self.view(case_id), changes

    def _save(
        self,
        case_id: CaseId,
        playbook_id: str,
        choices: tuple[int, ...],
        state: WalkState,
        step: dict[str, Any] | None,
    ) -> None:
        with self._sessions.begin() as s:
            if s.get(m.Case, case_id) is None:
                raise NotFound(f"售后记录 #{case_id} 不存在")
            run = s.scalar(select(mw.WizardRun).where(mw.WizardRun.case_id == case_id))
            if run is None:
                run = mw.WizardRun(case_id=case_id, playbook_id=playbook_id)
                s.add(run)
            run.playbook_id = playbook_id
            run.choices = json.dumps(list(choices))
            run.outcome_id = state.outcome.id if state.outcome is not None else ""
            run.applied_at = None
            run.updated_at = utcnow()
            if step:
                s.add(new_event(case_id, EventKind.WIZARD, data=step))
