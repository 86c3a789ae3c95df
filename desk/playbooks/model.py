"""Playbook data: question and information nodes that lead to outcomes."""

from __future__ import annotations

from dataclasses import dataclass, field

from desk.labels import APPEAL_KIND_LABELS

# Appeal kinds a playbook may name; a platform profile maps each to the platform's own form.
APPEAL_KINDS: dict[str, str] = APPEAL_KIND_LABELS  # key → words (desk.labels)

# The {变量} a script or an appeal draft may use, and where the operator fills each in when it is missing.
# desk.services.wizard.case_values gives every one of them a value (or "" when the case does not know it).
VARIABLES: dict[str, str] = {
    "买家": "售后的“买家昵称”",
    "订单号": "售后的“订单号”",
    "售后单号": "售后的“售后单号”",
    "快递单号": "售后的“快递单号”",
    "快递公司": "售后的“快递公司”",
    "补发单号": "售后的“补发单号”",
    "退货单号": "售后的“退货运单号”",
    "协商补偿金额": "售后的“协商补偿金额”",
    "运费金额": "售后金额里的“运费支出”",
    "退款金额": "售后的“退款金额”",
    "店铺": "售后的“店铺”",
    "退货地址": "店铺管理里的“退货地址”",
    "退换货须知": "店铺管理里的“退换货须知”",
    "重量结论": "称重核对（录入称重数据和商品单件重量）",
}


def missing_words(missing: tuple[str, ...] | list[str]) -> str:
    """ "缺：补发单号（填写售后的“补发单号”）；缺：…" — which value is missing and where it is filled in."""
    return "；".join(
        f"缺：{name}（填写{VARIABLES[name]}）" if name in VARIABLES else f"缺：{name}" for name in missing
    )


@dataclass(frozen=True, slots=True)
class Answer:
    label: str
    next: str
    when: tuple[str, ...] = ()  # values of the question's fact (Node.known) that give this answer


@dataclass(frozen=True, slots=True)
class Node:
    """A question (answers lead on) or an information step (checklist, then `next`)."""

    id: str
    kind: str  # "question" | "info"
    title: str
    advice: str = ""
    answers: tuple[Answer, ...] = ()
    next: str = ""
    checklist: tuple[str, ...] = ()
    evidence: tuple[str, ...] = ()  # EvidenceKind values worth collecting at this step
    scripts: tuple[str, ...] = ()
    weight_check: bool = False  # show the weight check's conclusion here
    known: str = ""  # a fact of the case (desk.playbooks.facts.FACTS) that answers this question
    # An information step that only asks to collect evidence is done once the case holds every one of
    # these EvidenceKind values: the wizard passes over it (and the timeline says so).
    done_when: tuple[str, ...] = ()
    # A question whose every answer stands for a value of its fact: when the case's data has that value,
    # the window takes the data's answer without asking (shown as done; 上一步 goes back to it).
    data_decides: bool = False

    @property
    def is_question(self) -> bool:
        return self.kind == "question"

    def answer_for(self, value: str) -> int | None:
        """The index of the answer a value of the question's fact gives, or None."""
        return next((i for i, a in enumerate(self.answers) if value in a.when), None)


@dataclass(frozen=True, slots=True)
class Outcome:
    """Where a walk ends: what to do, what to say, what to set, and whether to appeal."""

    id: str
    title: str
    actions: tuple[str, ...] = ()
    scripts: tuple[str, ...] = ()
    evidence: tuple[str, ...] = ()
    status: str = ""
    resolution: str = ""
    appeal: str = ""  # key of APPEAL_KINDS, or "" for no appeal
    evidence_required: tuple[str, ...] = ()
    evidence_recommended: tuple[str, ...] = ()
    draft: str = ""  # template of the appeal's 问题描述
    no_appeal_reason: str = ""

    @property
    def appeal_label(self) -> str:
        return APPEAL_KINDS.get(self.appeal, "")


@dataclass(frozen=True, slots=True)
class Playbook:
    id: str
    case_type: str
    title: str
    summary: str
    start: str
    nodes: dict[str, Node] = field(default_factory=dict)
    outcomes: dict[str, Outcome] = field(default_factory=dict)
    source: str = ""  # file it came from, for messages

    def step(self, ident: str) -> Node | Outcome:
        if ident in self.nodes:
            return self.nodes[ident]
        return self.outcomes[ident]


@dataclass(frozen=True, slots=True)
class Script:
    """A reference script (话术) with {变量} placeholders."""

    id: str
    category: str
    title: str
    text: str
    builtin: bool = True
