"""`wizard CASE`: walk a case through its playbook on the terminal (or with --answers) and print the outcome.

Each step prints its scripts filled from the case; a question the case's data answers shows that answer and
its reason (Enter takes it); an answer that contradicts the data needs a yes (or --confirm) and is recorded
as such. A broken playbook copy in the profile stops the command with "file:line: reason" (exit 2).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from desk.commands import print_json
from desk.domain import CaseId
from desk.errors import DeskError, ValidationFailed
from desk.playbooks.merge import MergeChoice
from desk.playbooks.model import missing_words
from desk.services.wizard import Contradiction, KnownAnswer, WizardView


def register(sub: Any) -> None:
    p = sub.add_parser("wizard", help="按处理流程一步步回答问题，得到处理建议（或用 --answers 一次给出）")
    p.add_argument("case", type=int)
    p.add_argument("--answers", help="各问题所选答案的序号，从 1 开始，逗号分隔，例如 2,1,2,3")
    p.add_argument(
        "--confirm",
        action="store_true",
        help="--answers 里与售后数据不符的回答是有意的（记在时间线上）",
    )
    p.add_argument("--apply", action="store_true", help="把结果的状态、处理方式和申诉类型写入售后记录")
    p.add_argument(
        "--description",
        choices=[c.value for c in MergeChoice],
        default=MergeChoice.KEEP.value,
        help="--apply 时问题描述怎么办：replace 用草稿替换，append 追加在后面，keep 保留（默认）",
    )
    p.add_argument(
        "--amount",
        help="--apply 时一并写入申诉要写明的金额（维权申诉：退款金额；运费申诉：运费金额），例如 59.00",
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=run)


def _parse(answers: str) -> list[int]:
    try:
        values = [int(a.strip()) - 1 for a in answers.replace("，", ",").split(",") if a.strip()]
    except ValueError as exc:
        raise ValidationFailed(f"--answers 只能是逗号分隔的数字：{answers}") from exc
    if any(v < 0 for v in values):
        raise ValidationFailed("答案序号从 1 开始")
    return values


def _scripts(desk: Any, case_id: CaseId, ids: tuple[str, ...]) -> list[dict[str, Any]]:
    """The scripts of a step, filled from the case; one the shop removed is named, not fatal."""
    out = []
    for ident in ids:
        try:
            script = desk.scripts.get(ident)
            filled = desk.scripts.fill_for_case(ident, case_id)
        except DeskError as exc:
            out.append({"id": ident, "title": ident, "text": "", "missing": [], "error": exc.message})
            continue
        out.append({"id": ident, "title": script.title, "text": filled.text, "missing": list(filled.missing)})
    return out


def _print_scripts(scripts: list[dict[str, Any]], indent: str = "  ") -> None:
    for s in scripts:
        if s.get("error"):
            print(f"{indent}参考话术“{s['id']}”无法使用：{s['error']}")
            continue
        print(f"{indent}参考话术（{s['title']}）：{s['text']}")
        if s["missing"]:
            print(f"{indent}  {missing_words(s['missing'])}")


def _known_line(known: KnownAnswer) -> str:
    return f"数据已给出：{known.choice + 1}. {known.answer}（{known.reason}）"


def run(desk: Any, args: argparse.Namespace) -> int:
    broken = desk.wizard.playbooks.broken
    if broken:
        for problem in broken:
            print(str(problem), file=sys.stderr)
        print(
            "处理流程文件有误：请改正上面的问题（或删除这个文件改用软件自带的流程）后再运行。",
            file=sys.stderr,
        )
        return 2
    case_id = CaseId(args.case)
    if args.answers is not None:
        try:
            view, _ = desk.wizard.run_answers(case_id, _parse(args.answers), confirm=args.confirm)
        except Contradiction as exc:
            print(
                f"错误：“{exc.known.question}”——售后数据给出“{exc.known.answer}”（{exc.known.reason}），"
                f"--answers 给的是“{exc.chosen}”。确认要按你的回答，请加 --confirm 再运行。",
                file=sys.stderr,
            )
            return 1
    else:
        view = _interactive(desk, case_id)
    if view.state.current is not None:
        print(f"流程尚未结束，停在：{view.state.current.title}", file=sys.stderr)
        return 1
    steps = _steps(desk, case_id, view)
    if args.apply:
        view, _ = desk.wizard.apply_outcome(case_id, description=args.description, claim_amount=args.amount)
    elif args.amount:
        print("错误：--amount 只和 --apply 一起用（应用结果时写入）。", file=sys.stderr)
        return 2
    out = view.state.outcome
    assert out is not None
    scripts = _scripts(desk, case_id, out.scripts)
    merge = view.merge
    if args.json:
        print_json(
            {
                "outcome": out.id,
                "title": out.title,
                "actions": list(out.actions),
                "status": out.status,
                "resolution": out.resolution,
                "appeal": out.appeal_label,
                "appeal_key": out.appeal,
                "appeal_worthwhile": view.advice.worthwhile if view.advice else False,
                "advice": view.advice.reason if view.advice else "",
                "evidence": [
                    {"kind": c.kind, "required": c.required, "present": c.present} for c in view.checklist
                ],
                "missing_required": list(view.missing_required),
                "draft": view.draft.text if view.draft else "",
                "draft_missing": list(view.draft.missing) if view.draft else [],
                "description": (
                    {
                        "current": merge.current,
                        "draft": merge.draft,
                        "diff": [{"kind": p.kind, "text": p.text} for p in merge.diff],
                        "missing": list(merge.missing),
                    }
                    if merge is not None
                    else None
                ),
                "steps": steps,
                "scripts": [s["text"] for s in scripts],
                "outcome_scripts": scripts,
                "applied": view.applied,
                "amount_needed": view.claim_needed[0] if view.claim_needed else None,
            }
        )
        return 0
    if args.answers is not None:
        print("经过的步骤：")
        for step in steps:
            note = ""
            if step["known"] is not None:
                note = (
                    f"（与数据不符，已确认：{step['known']['reason']}）"
                    if step["override"]
                    else f"（按数据：{step['known']['reason']}）"
                )
            print(f"■ {step['title']} → {step['answer']}{note}")
            _print_scripts(step["scripts"])
        print()
    print(f"结果：{out.title}")
    for a in out.actions:
        print(f"  · {a}")
    if view.claim_needed is not None:
        print(f"申诉要写明{view.claim_needed[1]}，售后记录里还没有：加 --apply --amount 金额 一并写入")
    print(
        f"建议状态：{out.status}；处理方式：{out.resolution}"
        + (f"；申诉类型：{out.appeal_label}" if out.appeal else "")
    )
    if view.advice:
        print(f"申诉：{view.advice.reason}")
    for c in view.checklist:
        mark = "✓" if c.present else ("✗ 缺少" if c.required else "○ 建议")
        print(f"  {mark} {c.kind}{'（必需）' if c.required else ''}")
    if view.draft:
        print(f"\n问题描述草稿：\n{view.draft.text}")
        if view.draft.missing:
            print(f"（{missing_words(view.draft.missing)}）")
    if merge is not None and not view.applied:
        _print_merge(merge)
    _print_scripts(scripts, indent="")
    if view.applied:
        said = "状态、处理方式和申诉类型" if out.appeal else "状态和处理方式"
        print(f"\n已把{said}写入售后记录；问题描述：{MergeChoice(args.description).words}。")
    return 0


def _print_merge(merge: Any) -> None:
    if merge.same:
        print("\n问题描述已与草稿相同。")
        return
    if not merge.current.strip():
        print("\n问题描述目前为空：加 --apply --description replace 可把草稿写进去。")
        return
    print("\n问题描述现有内容与草稿的差别（- 只在现有内容里，+ 只在草稿里）：")
    marks = {"same": "  ", "removed": "- ", "added": "+ "}
    for part in merge.diff:
        print(f"  {marks[part.kind]}{part.text.strip()}")
    print("应用时：--description replace 用草稿替换，append 追加在后面，keep 保留原来的（默认）。")


def _steps(desk: Any, case_id: CaseId, view: WizardView) -> list[dict[str, Any]]:
    """The steps passed, with the answer, what the data said about it, and the step's scripts filled."""
    out = []
    for v in view.state.visited:
        known = view.known_for(v.node.id) if v.answer is not None else None
        out.append(
            {
                "id": v.node.id,
                "title": v.node.title,
                "answer": v.answer_label,
                "known": known.data() if known is not None else None,
                "override": known is not None and known.choice != v.answer,
                "scripts": _scripts(desk, case_id, v.node.scripts),
            }
        )
    return out


def _interactive(desk: Any, case_id: CaseId) -> WizardView:
    view: WizardView
    view, _ = desk.wizard.restart(case_id)
    print(f"【{view.playbook.title}】{view.playbook.summary}\n")
    while view.state.current is not None:
        node = view.state.current
        print(f"■ {node.title}")
        if node.advice:
            print(f"  指南：{node.advice}")
        for item in node.checklist:
            print(f"  □ {item}")
        if view.weight_conclusion:
            print(f"  称重结论：{view.weight_conclusion}")
        _print_scripts(_scripts(desk, case_id, node.scripts))
        if not node.is_question:
            _ask("  按回车继续…")
            view, _ = desk.wizard.answer(case_id, 0)
            continue
        for i, a in enumerate(node.answers, 1):
            print(f"  {i}. {a.label}")
        known = view.known
        if known is not None:
            print(f"  {_known_line(known)}——直接回车即采用")
        while True:
            raw = _ask("  请选择：").strip()
            if raw.lower() in ("b", "back", "返回") and view.choices:
                view, _ = desk.wizard.back(case_id)
                break
            if not raw and known is not None:
                raw = str(known.choice + 1)
            if raw.isdigit() and 1 <= int(raw) <= len(node.answers):
                choice = int(raw) - 1
                confirm = False
                if known is not None and choice != known.choice:
                    sure = _ask(f"  这与售后数据不符（{known.reason}）。仍按你的选择？(y/N) ").strip().lower()
                    if sure not in ("y", "yes", "是"):
                        continue
                    confirm = True
                view, _ = desk.wizard.answer(case_id, choice, confirm=confirm)
                break
            print(f"  请输入 1–{len(node.answers)} 的数字（b 返回上一步）")
        print()
    return view


def _ask(prompt: str) -> str:
    try:
        return input(prompt)
    except EOFError as exc:
        raise ValidationFailed("没有输入（非交互环境请用 --answers）") from exc
