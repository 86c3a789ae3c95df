"""`evidence add|list|move`: import files as evidence of a case, list a case's evidence, move items to
another case (undoable: `undo`)."""

from __future__ import annotations

import argparse
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

from desk.commands import print_json
from desk.commands.evidence_read import read_pictures, register_read
from desk.domain import CaseId, EvidenceId, EvidenceKind
from desk.names import shown


def register(sub: Any) -> None:
    ev = sub.add_parser("evidence", help="证据")
    ev_sub = ev.add_subparsers(dest="evidence_command", required=True)
    add = ev_sub.add_parser(
        "add",
        help="给售后记录添加证据：图片（JPEG/PNG/WebP/GIF/BMP/TIFF/HEIC/AVIF）、PDF、视频（MP4/MOV 等）或整个文件夹",
    )
    add.add_argument("case", type=int)
    add.add_argument("files", nargs="+", help="文件或文件夹（文件夹导入其中全部文件）")
    add.add_argument(
        "--kind", choices=[str(k) for k in EvidenceKind], help="证据类别（默认按文件名推测，待确认）"
    )
    add.add_argument("--json", action="store_true")
    add.add_argument(
        "--no-read", action="store_true", help="不识别导入图片中的文字（以后可用 evidence read --all）"
    )
    add.set_defaults(func=run_add)
    lst = ev_sub.add_parser("list", help="列出售后记录的证据")
    lst.add_argument("case", type=int)
    lst.add_argument("--json", action="store_true")
    lst.set_defaults(func=run_list)
    move = ev_sub.add_parser(
        "move",
        help="把证据移到另一条售后（放错了售后的图片；标注、遮挡和类型随图片一起，可用 undo 撤销）",
    )
    move.add_argument("evidence", type=int, nargs="+", help="证据编号（evidence list 中的 #）")
    move.add_argument("--case", type=int, required=True, help="移到这条售后（排在它的证据最后）")
    move.add_argument("--json", action="store_true")
    move.set_defaults(func=run_move)
    register_read(ev_sub)


def run_add(desk: Any, args: argparse.Namespace) -> int:
    kind = EvidenceKind(args.kind) if args.kind else None
    report = desk.evidence.import_files(
        CaseId(args.case), [Path(f) for f in args.files], kind=kind, folders=True
    )
    if args.json:
        print_json(
            {
                "added": [asdict(e) for e in report.added],
                "duplicates": list(report.duplicates),
                "rejected": [asdict(r) for r in report.rejected],
                "summary": report.summary(),
            }
        )
    else:
        for e in report.added:
            print(f"已导入：{shown(e.original_name)}（{e.kind}，#{e.id}，SHA-256 {e.sha256[:12]}）")
        for name in report.duplicates:
            print(f"已存在：{shown(name)}（内容相同，未重复保存）")
        for r in report.rejected:
            print(f"未导入：{shown(r.name)}——{r.reason}", file=sys.stderr)
        print(report.summary())
    code = 1 if report.rejected and not report.added and not report.duplicates else 0
    pictures = [e.id for e in report.added if e.media_type.startswith("image/")]
    if pictures and not args.no_read and not args.json:
        # Read in front: a background reader would die with this process. Quietly on stderr (an import's
        # stderr is for refused files); reading off is said, not failed.
        if desk.recognition.available():
            read_pictures(desk, pictures, as_json=False, progress=False)
        else:
            notice = desk.recognition.off_notice()
            if notice:
                print(notice, file=sys.stderr)
    return code


def run_list(desk: Any, args: argparse.Namespace) -> int:
    case_id = CaseId(args.case)
    desk.cases.get(case_id)
    items = desk.evidence.list(case_id)
    if args.json:
        print_json([asdict(e) for e in items])
        return 0
    for e in items:
        if e.duration_ms is not None:
            size = f"{e.width}×{e.height} 视频 {e.duration_ms / 1000:.1f} 秒"
        elif e.width:
            size = f"{e.width}×{e.height}" + (f"，{e.page_count} 页" if e.page_count else "")
        else:
            size = f"{e.page_count or '?'} 页"
        extra = []
        if not e.kind_confirmed:
            extra.append("类型待确认")
        if e.weight_grams is not None:
            extra.append(f"{e.weight_grams} 克")
        if e.marks:
            extra.append(f"标注 {len(e.marks)} 处")
        if e.key_frames:
            extra.append(f"关键帧 {len(e.key_frames)} 个")
        note = "，".join(extra)
        # One line per item: a tab or line end inside a name or caption must not shift the columns.
        name, caption = shown(e.original_name), shown(e.caption)
        print(f"#{e.id}\t{e.kind}\t{name}\t{size}\t{e.sha256[:12]}\t{caption}\t{note}".rstrip())
    return 0


def run_move(desk: Any, args: argparse.Namespace) -> int:
    ids = [EvidenceId(i) for i in dict.fromkeys(args.evidence)]
    before = [desk.evidence.get(i) for i in ids]  # an unknown number is refused before anything moves
    target = CaseId(args.case)
    changes = desk.evidence.move_to_case(ids, target)
    if args.json:
        print_json(
            {
                "moved": [
                    {"evidence": e.id, "name": e.original_name, "from_case": e.case_id} for e in before
                ],
                "case": target,
                "cases": sorted(changes.cases),
            }
        )
        return 0
    for e in before:
        print(f"已移动：#{e.id} {shown(e.original_name)}（售后 #{e.case_id} → 售后 #{target}）")
    print("撤销：python -m desk undo")
    return 0
