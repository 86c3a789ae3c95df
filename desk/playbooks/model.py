"""Playbook data: question and information nodes that lead to outcomes."""

from __future__ import annotations

from dataclasses import dataclass, field

from desk.labels import APPEAL_KIND_LABELS

# Appeal kinds a playbook may name; a platform profile maps each to the platform's own form.
APPEAL_KINDS: dict[str, str] = APPEAL_KIND_LABELS  # key → words (desk.labels)


@dataclass(frozen=True, slots=True)
class Answer:
    label: str
    next: str


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

    @property
    def is_question(self) -> bool:
        return self.kind == "question"


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
