"""Walking a playbook: answers in, the current step or the outcome out; every path enumerable."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from desk.errors import ValidationFailed
from desk.playbooks.model import Node, Outcome, Playbook


@dataclass(frozen=True, slots=True)
class Visit:
    """A step passed on the way: the node and the answer chosen (None for information steps)."""

    node: Node
    answer: int | None

    @property
    def answer_label(self) -> str:
        return self.node.answers[self.answer].label if self.answer is not None else "已完成"


@dataclass(frozen=True, slots=True)
class WalkState:
    visited: tuple[Visit, ...]
    current: Node | None  # the step waiting for the operator, or None when finished
    outcome: Outcome | None

    @property
    def finished(self) -> bool:
        return self.outcome is not None


def walk(pb: Playbook, choices: Sequence[int], *, auto_info: bool = False) -> WalkState:
    """Follow choices from the start.

    Each choice answers the next question by index. Information steps take a choice of 0
    ("done"), unless auto_info is set, which passes them without one (the CLI's --answers).
    """
    visited: list[Visit] = []
    ident = pb.start
    pending = list(choices)
    for _ in range(len(pb.nodes) + 1):
        if ident in pb.outcomes:
            if pending:
                raise ValidationFailed(f"流程已结束，多余的回答：{pending}")
            return WalkState(tuple(visited), None, pb.outcomes[ident])
        node = pb.nodes[ident]
        if node.kind == "info" and auto_info:
            visited.append(Visit(node, None))
            ident = node.next
            continue
        if not pending:
            return WalkState(tuple(visited), node, None)
        choice = pending.pop(0)
        if node.kind == "info":
            if choice != 0:
                raise ValidationFailed(f"“{node.title}”是说明步骤，只能继续（0）")
            visited.append(Visit(node, None))
            ident = node.next
            continue
        if not 0 <= choice < len(node.answers):
            raise ValidationFailed(f"“{node.title}”没有第 {choice + 1} 个回答（共 {len(node.answers)} 个）")
        visited.append(Visit(node, choice))
        ident = node.answers[choice].next
    raise ValidationFailed("流程没有结束（文件中可能有循环）")


def all_paths(pb: Playbook) -> list[tuple[tuple[int, ...], str]]:
    """Every way through the playbook as (question answers, outcome id), info steps passed."""
    paths: list[tuple[tuple[int, ...], str]] = []

    def go(ident: str, answers: tuple[int, ...]) -> None:
        if ident in pb.outcomes:
            paths.append((answers, ident))
            return
        node = pb.nodes[ident]
        if node.kind == "info":
            go(node.next, answers)
            return
        for i, a in enumerate(node.answers):
            go(a.next, (*answers, i))

    go(pb.start, ())
    return paths


_VAR = re.compile(r"\{([^{}\s]{1,20})\}")
# What fill() leaves where a value is missing: 【缺：补发单号】.
_GAP = re.compile(r"【缺：([^】]{1,20})】")


def variables_in(template: str) -> list[str]:
    """The {变量} a template uses, each once, in order."""
    return list(dict.fromkeys(_VAR.findall(template)))


def unfilled(text: str) -> tuple[str, ...]:
    """The variables a filled text still misses (its 【缺：…】 marks), each once, in order."""
    return tuple(dict.fromkeys(_GAP.findall(text)))


@dataclass(frozen=True, slots=True)
class Filled:
    text: str
    missing: tuple[str, ...]


def fill(template: str, values: Mapping[str, str]) -> Filled:
    """Put case values into {变量}; a missing value stays visible as 【缺：变量】 and is listed."""
    missing: list[str] = []

    def sub(m: re.Match[str]) -> str:
        key = m.group(1)
        value = values.get(key, "")
        if value:
            return value
        if key not in missing:
            missing.append(key)
        return f"【缺：{key}】"

    return Filled(_VAR.sub(sub, template), tuple(missing))


@dataclass(frozen=True, slots=True)
class AppealAdvice:
    worthwhile: bool
    reason: str


def appeal_advice(outcome: Outcome, amount: Decimal | None, threshold: Decimal | None) -> AppealAdvice:
    """Whether appealing is worth it: the outcome must call for one and the amount must be worth it."""
    if not outcome.appeal:
        return AppealAdvice(False, outcome.no_appeal_reason or "此结果不需要申诉。")
    if threshold is not None and amount is not None and amount < threshold:
        return AppealAdvice(
            False,
            f"涉及金额 ¥{amount:.2f} 低于店铺设定的申诉门槛 ¥{threshold:.2f}，申诉耗时可能不值得；"
            "可以直接按协商结果处理，保留证据备查。",
        )
    return AppealAdvice(True, f"建议发起{outcome.appeal_label}。")
