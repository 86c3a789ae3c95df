"""`preflight`: the upload kit's budget — pictures, sizes, text — against the platform's limits."""

from __future__ import annotations

import argparse
from typing import Any

from desk.commands import print_json
from desk.commands.upload_kit import KIND_HELP
from desk.domain import CaseId
from desk.names import shown

MARKS = {"ok": "✓", "warn": "!", "bad": "✗"}


def register(sub: Any) -> None:
    p = sub.add_parser("preflight", help="检查上传材料包：图片张数、单张大小、申诉说明字数与缺少的证据")
    p.add_argument("case", type=int)
    p.add_argument("--kind", default="generic", help=KIND_HELP)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=run)


def run(desk: Any, args: argparse.Namespace) -> int:
    """Exit status 0 when the kit can be built, 1 when there is a hard failure (the sentences say why)."""
    check = desk.packets.preflight(CaseId(args.case), args.kind)
    if args.json:
        print_json(check.as_json())
        return 0 if check.ok else 1
    print(f"上传材料包检查（{check.platform}{'，' + check.appeal if check.appeal else ''}）")
    for row in check.rows:
        detail = f"（{row.detail}）" if row.detail else ""
        print(f"  {MARKS[row.state]} {row.label}：{row.value}{detail}")
    for entry in check.entries:
        flags = [
            w for w, on in (("需压缩", entry.needs_recompression), ("需转换", entry.needs_conversion)) if on
        ]
        print(f"    {shown(entry.file_name)}" + (f"  [{'，'.join(flags)}]" if flags else ""))
    for note in check.notes:
        print(f"注意：{note}")
    for failure in check.failures:
        print(f"无法生成：{failure}")
    return 0 if check.ok else 1
