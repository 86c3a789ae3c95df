"""`outcome list|add|edit|remove|gaps`: the platform's decision on a case's appeals, and what a case lacks
before it is closed."""

from __future__ import annotations

import argparse
from dataclasses import asdict
from typing import Any

from desk.commands import print_json
from desk.commands.records import CaseRecords
from desk.domain import AppealResult, CaseId
from desk.labels import local_time
from desk.names import shown


def register(sub: Any) -> None:
    p = sub.add_parser("outcome", help="申诉结果：记录平台对每次申诉的决定和追回金额；结案前检查缺什么")
    cmds = p.add_subparsers(dest="outcome_command", required=True)
    APPEALS.register(
        cmds,
        helps={
            "list": "列出售后记录的申诉及结果",
            "add": "记录一次申诉（及平台结果）",
            "edit": "修改一次申诉的结果、金额或时间（编号见 outcome list）",
            "remove": "删除一次申诉记录",
        },
    )
    gaps = cmds.add_parser("gaps", help="结案前检查：未出结果的申诉、未了结的理赔、未填写的金额")
    gaps.add_argument("case", type=int)
    gaps.add_argument("--json", action="store_true")
    gaps.set_defaults(func=run_gaps)


def _options(p: argparse.ArgumentParser) -> None:
    results = "、".join(str(r) for r in AppealResult)
    p.add_argument(
        "--kind", help="申诉类型（goods / freight / dispute_rate 或平台的申诉类型；默认售后记录的申诉类型）"
    )
    p.add_argument("--result", help=f"平台结果：{results}")
    p.add_argument("--submitted", help="提交时间，例如 2026-12-01 或 2026-12-01 14:30")
    p.add_argument("--decided", help="结果时间（默认记录结果的当天）")
    p.add_argument("--amount", help="追回金额（元）")
    p.add_argument("--note", help="备注")


def _line(o: Any) -> str:
    bits = [f"#{o.id}", o.kind_label, str(o.result)]
    if o.amount_returned is not None:
        bits.append(f"追回 ¥{o.amount_returned:.2f}")
    if o.submitted_at:
        bits.append(f"提交 {local_time(o.submitted_at)}")
    if o.decided_at:
        bits.append(f"结果 {local_time(o.decided_at)}")
    if o.note:
        bits.append(shown(o.note))
    return "\t".join(bits)


APPEALS = CaseRecords(
    noun="申诉",
    options={
        "kind": "appeal_kind",
        "result": "result",
        "submitted": "submitted_at",
        "decided": "decided_at",
        "amount": "amount_returned",
        "note": "note",
    },
    add_options=_options,
    line=_line,
    listed=lambda desk, case: desk.outcomes.appeals(case),
    record=lambda desk, case, **f: desk.outcomes.record_appeal(case, **f),
    update=lambda desk, id_, **f: desk.outcomes.update_appeal(id_, **f),
    remove=lambda desk, id_: desk.outcomes.remove_appeal(id_),
    data=lambda o: {**asdict(o), "kind_label": o.kind_label},
)


def run_gaps(desk: Any, args: argparse.Namespace) -> int:
    gaps = desk.outcomes.closing_gaps(CaseId(args.case))
    if args.json:
        print_json([asdict(g) for g in gaps])
        return 0
    if not gaps:
        print("可以结案：申诉、理赔和金额都已记录完整。")
        return 0
    print("结案前还缺：")
    for g in gaps:
        print(f"  - {g.text}")
    return 0
