"""`evidence add|list`: import files as evidence of a case, list a case's evidence."""

from __future__ import annotations

import argparse
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

from desk.commands import print_json
from desk.domain import CaseId, EvidenceKind


def register(sub: Any) -> None:
    ev = sub.add_parser("evidence", help="证据")
    ev_sub = ev.add_subparsers(dest="evidence_command", required=True)
    add = ev_sub.add_parser("add", help="给售后记录添加证据文件")
    add.add_argument("case", type=int)
    add.add_argument("files", nargs="+")
    add.add_argument("--kind", choices=[k.value for k in EvidenceKind], help="证据类别（默认按文件名推测）")
    add.add_argument("--json", action="store_true")
    add.set_defaults(func=run_add)
    lst = ev_sub.add_parser("list", help="列出售后记录的证据")
    lst.add_argument("case", type=int)
    lst.add_argument("--json", action="store_true")
    lst.set_defaults(func=run_list)


def run_add(desk: Any, args: argparse.Namespace) -> int:
    kind = EvidenceKind(args.kind) if args.kind else None
    report = desk.evidence.import_files(CaseId(args.case), [Path(f) for f in args.files], kind=kind)
    if args.json:
        print_json(
            {
                "added": [asdict(e) for e in report.added],
                "duplicates": list(report.duplicates),
                "rejected": [asdict(r) for r in report.rejected],
            }
        )
    else:
        for e in report.added:
            print(f"已导入：{e.original_name}（{e.kind}，#{e.id}，SHA-256 {e.sha256[:12]}）")
        for name in report.duplicates:
            print(f"已存在：{name}（内容相同，未重复保存）")
        for r in report.rejected:
            print(f"未导入：{r.name}——{r.reason}", file=sys.stderr)
        print(report.summary())
    return 1 if report.rejected and not report.added and not report.duplicates else 0


def run_list(desk: Any, args: argparse.Namespace) -> int:
    case_id = CaseId(args.case)
    desk.cases.get(case_id)
    items = desk.evidence.list(case_id)
    if args.json:
        print_json([asdict(e) for e in items])
        return 0
    for e in items:
        size = f"{e.width}×{e.height}" if e.width else f"{e.page_count or '?'} 页"
        print(f"#{e.id}\t{e.kind}\t{e.original_name}\t{size}\t{e.sha256[:12]}\t{e.caption}")
    return 0
