"""`wizard CASE`: walk a case through its playbook on the terminal (or with --answers) and print the outcome."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from desk.commands import print_json
from desk.domain import CaseId
from desk.errors import ValidationFailed


def register(sub: Any) -> None:
    p = sub.add_parser("wizard", help="按处理流程一步步回答问题，得到处理建议（或用 --answers 一次给出）")
    p.add_argument("case", type=int)
    p.add_argument("--answers", help="各问题所选答案的序号，从 1 开始，逗号分隔，例如 2,1,2,3")
    p.add_argument("--apply", action="store_true", help="把结果的状态和处理方式写入售后记录")
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


def run(desk: Any, args: argparse.Namespace) -> int:
    case_id = CaseId(args.case)
    if args.answers is not None:
        view, _ = desk.wizard.run_answers(case_id, _parse(args.answers))
    else:
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
            if not node.is_question:
                _ask("  按回车继续…")
                view, _ = desk.wizard.answer(case_id, 0)
                continue
            for i, a in enumerate(node.answers, 1):
                print(f"  {i}. {a.label}")
            while True:
                raw = _ask("  请选择：").strip()
                if raw.lower() in ("b", "back", "返回") and view.choices:
                    view, _ = desk.wizard.back(case_id)
                    break
                if raw.isdigit() and 1 <= int(raw) <= len(node.answers):
                    view, _ = desk.wizard.answer(case_id, int(raw) - 1)
                    break
                print(f"  请输入 1–{len(node.answers)} 的数字（b 返回上一步）")
            print()
    if view.state.current is not None:
        print(f"流程尚未结束，停在：{view.state.current.title}", file=sys.stderr)
        return 1
    if args.apply:
        view, _ = desk.wizard.apply_outcome(case_id)
    out = view.state.outcome
    assert out is not None
    scripts = [desk.scripts.fill_for_case(s, case_id) for s in out.scripts]
    if args.json:
        print_json(
            {
                "outcome": out.id,
                "title": out.title,
                "actions": list(out.actions),
                "status": out.status,
                "resolution": out.resolution,
                "appeal": out.appeal_label,
                "appeal_worthwhile": view.advice.worthwhile if view.advice else False,
                "advice": view.advice.reason if view.advice else "",
                "evidence": [
                    {"kind": c.kind, "required": c.required, "present": c.present} for c in view.checklist
                ],
                "missing_required": list(view.missing_required),
                "draft": view.draft.text if view.draft else "",
                "draft_missing": list(view.draft.missing) if view.draft else [],
                "scripts": [s.text for s in scripts],
                "applied": view.applied,
            }
        )
        return 0
    print(f"结果：{out.title}")
    for a in out.actions:
        print(f"  · {a}")
    print(f"建议状态：{out.status}；处理方式：{out.resolution}")
    if view.advice:
        print(f"申诉：{view.advice.reason}")
    for c in view.checklist:
        mark = "✓" if c.present else ("✗ 缺少" if c.required else "○ 建议")
        print(f"  {mark} {c.kind}{'（必需）' if c.required else ''}")
    if view.draft:
        print(f"\n问题描述草稿：\n{view.draft.text}")
        if view.draft.missing:
            print(f"（缺少：{'、'.join(view.draft.missing)}）")
    for s in scripts:
        print(f"\n参考话术：{s.text}")
    if view.applied:
        print("\n已把状态和处理方式写入售后记录。")
    return 0


def _ask(prompt: str) -> str:
    try:
        return input(prompt)
    except EOFError as exc:
        raise ValidationFailed("没有输入（非交互环境请用 --answers）") from exc
