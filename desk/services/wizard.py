"""The guided wizard: a case walked through its playbook, answers on the timeline, outcome applied."""

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
from desk.domain import CaseData, CaseId, CaseStatus, Changes, EventKind, Resolution
from desk.errors import DeskError, NotFound
from desk.playbooks.loader import PlaybookSet, load_playbooks
from desk.playbooks.model import Node, Outcome, Playbook
from desk.playbooks.walker import AppealAdvice, Filled, WalkState, appeal_advice, fill, walk
from desk.services.events import new_event

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ChecklistItem:
    """An evidence kind the current step or outcome asks for, ticked when the gallery has it."""

    kind: str
    required: bool
    present: int  # how many items of this kind the case has


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

    @property
    def step(self) -> Node | Outcome:
        return self.state.outcome if self.state.outcome is not None else self.state.current  # type: ignore[return-value]

    @property
    def missing_required(self) -> tuple[str, ...]:
        return tuple(c.kind for c in self.checklist if c.required and not c.present)


def case_values(case: CaseData, shop: Any | None, extra: dict[str, str] | None = None) -> dict[str, str]:
    """The {变量} a script or appeal draft can use, from the case, its shop and the weight check."""
    values = {
        "买家": case.buyer_nick,
        "订单号": case.order_no,
        "售后单号": case.after_sales_no,
        "快递单号": case.tracking_no,
        "快递公司": case.courier,
        "店铺": case.shop_name,
        "退款金额": f"{case.refund_amount:.2f}" if case.refund_amount is not None else "",
        "补发单号": str(getattr(case, "reship_tracking_no", "") or ""),
        "退货地址": str(getattr(shop, "return_address", "") or ""),
        "退换货须知": str(getattr(shop, "return_policy", "") or getattr(shop, "return_notice", "") or ""),
    }
    values.update(extra or {})
    return values


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
    ) -> None:
        self._sessions = sessions
        self._cases = cases
        self._evidence = evidence
        self._shops = shops
        self._weights = weights
        self._shop_playbooks = shop_playbooks
        self._threshold = threshold or (lambda _case: None)
        self._playbooks: PlaybookSet | None = None

    @property
    def playbooks(self) -> PlaybookSet:
        if self._playbooks is None:
            self._playbooks = load_playbooks(self._shop_playbooks)
        return self._playbooks

    def reload(self) -> tuple[str, ...]:
        self._playbooks = None
        return self.playbooks.problems

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
        counts: dict[str, int] = {}
        for e in self._evidence.list(case.id):
            counts[str(e.kind)] = counts.get(str(e.kind), 0) + 1
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
        weight_text = ""
        show_weight = (state.current is not None and state.current.weight_check) or any(
            v.node.weight_check for v in state.visited
        )
        extra: dict[str, str] = {}
        if self._weights is not None:
            try:
                extra = dict(self._weights.template_values(case.id))
            except DeskError:
                extra = {}
            if show_weight:
                weight_text = extra.get("重量结论", "")
                if not weight_text:
                    # No sentence for a template (e.g. a SKU weight is missing): say why in the check's words.
                    try:
                        weight_text = str(self._weights.check(case.id).conclusion)
                    except DeskError:
                        weight_text = ""
                weight_text = (
                    weight_text or "尚未记录称重数据：请在“称重核对”里录入仓库称重、快递内网重量和复称。"
                )
        advice = draft = None
        if out is not None:
            advice = appeal_advice(out, case.refund_amount, self._threshold(case))
            if out.appeal:
                draft = fill(out.draft, case_values(case, self._shop_of(case), extra))
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
        )

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

    # -- writes -----------------------------------------------------------------------------
    def answer(self, case_id: CaseId, choice: int) -> tuple[WizardView, Changes]:
        """Answer the current step (0 = continue on an information step); recorded on the timeline."""
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
        else:
            step.update(action="done")
        if new_state.outcome is not None:
            step.update(outcome_id=new_state.outcome.id, outcome=new_state.outcome.title)
        self._save(case_id, pb.id, new_choices, new_state, step)
        return self._compose(case, pb, new_choices, new_state, False), Changes(cases=frozenset({case_id}))

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

    def run_answers(self, case_id: CaseId, answers: list[int]) -> tuple[WizardView, Changes]:
        """Answer questions in one go (information steps pass by themselves): the CLI's --answers."""
        view, changes = self.restart(case_id)
        for a in answers:
            while view.state.current is not None and not view.state.current.is_question:
                view, more = self.answer(case_id, 0)
                changes |= more
            view, more = self.answer(case_id, a)
            changes |= more
        while view.state.current is not None and not view.state.current.is_question:
            view, more = self.answer(case_id, 0)
            changes |= more
        return view, changes

    def apply_outcome(self, case_id: CaseId, *, description: str | None = None) -> tuple[WizardView, Changes]:
        """Set the outcome's status and resolution on the case (and the drafted 问题描述 if given)."""
        view = self.view(case_id)
        out = view.state.outcome
        if out is None:
            raise DeskError("流程还没有走到结果，无法应用。")
        fields: dict[str, Any] = {}
        case = self._cases.get(case_id)
        if out.status and str(case.status) != out.status:
            fields["status"] = out.status
        if out.resolution and hasattr(case, "resolution") and str(case.resolution) != out.resolution:
            fields["resolution"] = out.resolution
        if description is not None:
            fields["description"] = description
        changes = Changes(cases=frozenset({case_id}))
        if fields:
            _, more = self._cases.update(case_id, expected_version=case.version, **fields)
            changes |= more
        with self._sessions.begin() as s:
            run = s.scalar(select(mw.WizardRun).where(mw.WizardRun.case_id == case_id))
            if run is not None:
                run.applied_at = utcnow()
            s.add(
                new_event(
                    case_id,
                    EventKind.WIZARD,
                    data={
                        "action": "apply",
                        "outcome_id": out.id,
                        "outcome": out.title,
                        "set": {
                            k: (CaseStatus if k == "status" else Resolution)(v)
                            for k, v in fields.items()
                            if k in ("status", "resolution")
                        },
                    },
                )
            )
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
