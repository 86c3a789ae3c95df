"""`packet`: build a case's appeal packet PDF."""

from __future__ import annotations

import argparse
import sys
from dataclasses import asdict
from typing import Any

from desk.commands import output_path, print_json
from desk.commands.upload_kit import KIND_HELP, refusal
from desk.domain import CaseId
from desk.names import shown
from desk.services.readiness import NotReady


def register(sub: Any) -> None:
    p = sub.add_parser("packet", help="生成申诉材料 PDF")
    p.add_argument("case", type=int)
    p.add_argument("-o", "--output", help="输出 PDF 路径（默认存入数据文件夹的 packets/）")
    p.add_argument(
        "--kind",
        default="generic",
        help=KIND_HELP,
    )
    p.add_argument(
        "--draft",
        action="store_true",
        help="申诉前检查没通过也生成，但每页印“草稿”水印（仅供内部核对，不可提交平台）",
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=run)


def run(desk: Any, args: argparse.Namespace) -> int:
    out = output_path(args.output) if args.output else None
    try:
        result = desk.packets.build_checked(CaseId(args.case), out, kind=args.kind, draft=args.draft)
    except NotReady as exc:
        print(
            refusal(exc.readiness, "申诉材料") + "\n（加 --draft 可生成带“草稿”水印的内部核对版）",
            file=sys.stderr,
        )
        return 2
    draft = result.draft
    if args.json:
        print_json({"path": result.path, "packet": asdict(result.packet), "warnings": list(result.warnings)})
        return 0
    for w in result.warnings:
        print(f"注意：{w}", file=sys.stderr)
    if draft:
        print("这是草稿：每页有水印，不可提交平台。", file=sys.stderr)
    print(
        f"已生成{'草稿' if draft else ''}：{shown(str(result.path))}（{result.packet.page_count} 页，{result.packet.byte_size / 1024:.0f} KB）"
    )
    return 0
