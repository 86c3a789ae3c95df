"""`undo [--list|--clear]`: take back the newest step (the window's 撤销 and this share one log), or show the log."""

from __future__ import annotations

import argparse
from typing import Any

from desk.commands import print_json
from desk.services.undo import DEPTH, UndoService, UndoStep


def register(sub: Any) -> None:
    p = sub.add_parser(
        "undo",
        help="撤销最近一步操作（移到回收站、从回收站恢复、批量修改、删除证据、修改证据类型、移动证据）",
        description="撤销最近一步操作；与窗口里的“撤销”（Ctrl+Z）是同一份撤销记录。",
    )
    p.add_argument("--list", action="store_true", help="只列出可以撤销的操作（最近的在前），不撤销")
    p.add_argument(
        "--clear", action="store_true", help="清空撤销记录（之后无法撤销；只为撤销而保留的证据原件随之删除）"
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=run_undo)


def _describe(step: UndoStep) -> str:
    cases = "、".join(f"#{i}" for i in step.case_ids[:10])
    more = f" 等 {len(step.case_ids)} 条" if len(step.case_ids) > 10 else ""
    return f"{step.label}（{step.amount}；售后 {cases}{more}）"


def _json(step: UndoStep) -> dict[str, Any]:
    return {
        "id": step.id,
        "op": step.op.value,
        "label": step.label,
        "at": step.at.isoformat(),
        "count": step.count,
        "fields": list(step.fields),
        "cases": list(step.case_ids),
    }


def run_undo(desk: Any, args: argparse.Namespace) -> int:
    undo = UndoService.for_desk(desk)
    if args.clear:
        print(f"已清空撤销记录：{undo.clear()} 步。")
        return 0
    if args.list:
        steps = undo.steps(DEPTH)
        if args.json:
            print_json([_json(s) for s in steps])
            return 0
        if not steps:
            print("没有可以撤销的操作。")
            return 0
        for n, step in enumerate(steps, 1):
            print(f"{n:>2}. {step.at.astimezone():%Y-%m-%d %H:%M}  {_describe(step)}")
        return 0
    result = undo.undo()
    if args.json:
        print_json({"undone": _json(result.step), "next": _json(result.next) if result.next else None})
        return 0
    print(f"已撤销：{_describe(result.step)}")
    print(f"下一步可撤销：{result.next.label}" if result.next else "已没有可以撤销的操作。")
    return 0
