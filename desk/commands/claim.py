"""`claim list|add|edit|remove|packet`: courier claims (快递理赔) of a case, and the claim packet."""

from __future__ import annotations

import argparse
from typing import Any

from desk.commands import output_path, print_json
from desk.commands.records import CaseRecords
from desk.domain import ClaimStatus
from desk.labels import local_time
from desk.names import shown


def register(sub: Any) -> None:
    p = sub.add_parser("claim", help="快递理赔：记录理赔单号、状态和赔付金额，生成理赔材料")
    cmds = p.add_subparsers(dest="claim_command", required=True)
    CLAIMS.register(
        cmds,
        helps={
            "list": "列出售后记录的快递理赔",
            "add": "记录一次快递理赔",
            "edit": "修改理赔状态、金额或单号（编号见 claim list）",
            "remove": "删除一次理赔记录",
        },
    )
    pk = cmds.add_parser("packet", help="用称重等证据生成给快递公司的理赔材料（PDF）")
    pk.add_argument("id", type=int)
    pk.add_argument("--out", metavar="文件", help="保存位置（默认数据文件夹的 packets/case-N/）")
    pk.add_argument("--json", action="store_true")
    pk.set_defaults(func=run_packet)


def _options(p: argparse.ArgumentParser) -> None:
    statuses = "、".join(str(s) for s in ClaimStatus)
    p.add_argument("--courier", help="快递公司（默认售后记录的快递公司）")
    p.add_argument("--no", dest="claim_no", help="理赔单号")
    p.add_argument("--status", help=f"理赔状态：{statuses}")
    p.add_argument("--filed", help="提交时间，例如 2026-12-01（默认今天）")
    p.add_argument("--claimed", help="索赔金额（元）")
    p.add_argument("--paid", help="赔付金额（元）")
    p.add_argument("--paid-at", dest="paid_at", help="赔付时间")
    p.add_argument("--note", help="备注")


def _line(c: Any) -> str:
    bits = [f"#{c.id}", shown(c.courier or "（未填写快递公司）"), shown(c.name), str(c.status)]
    if c.amount_claimed is not None:
        bits.append(f"索赔 ¥{c.amount_claimed:.2f}")
    if c.amount_paid is not None:
        bits.append(f"赔付 ¥{c.amount_paid:.2f}")
    if c.filed_at:
        bits.append(f"提交 {local_time(c.filed_at)}")
    if c.paid_at:
        bits.append(f"赔付 {local_time(c.paid_at)}")
    return "\t".join(bits)


CLAIMS = CaseRecords(
    noun="理赔",
    options={
        "courier": "courier",
        "claim_no": "claim_no",
        "status": "status",
        "filed": "filed_at",
        "claimed": "amount_claimed",
        "paid": "amount_paid",
        "paid_at": "paid_at",
        "note": "note",
    },
    add_options=_options,
    line=_line,
    listed=lambda desk, case: desk.outcomes.claims(case),
    record=lambda desk, case, **f: desk.outcomes.record_claim(case, **f),
    update=lambda desk, id_, **f: desk.outcomes.update_claim(id_, **f),
    remove=lambda desk, id_: desk.outcomes.remove_claim(id_),
)


def run_packet(desk: Any, args: argparse.Namespace) -> int:
    out = output_path(args.out) if args.out else None
    result = desk.outcomes.claim_packet(args.id, out)
    if args.json:
        print_json(
            {
                "path": result.path,
                "pages": result.page_count,
                "sha256": result.sha256,
                "warnings": result.warnings,
            }
        )
        return 0
    print(f"已生成理赔材料：{shown(str(result.path))}（{result.page_count} 页）")
    for w in result.warnings:
        print(f"  注意：{w}")
    return 0
