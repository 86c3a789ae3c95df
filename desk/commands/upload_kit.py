"""`upload-kit`: the appeal as numbered JPEGs and a trimmed 申诉说明 for a platform's upload form."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from desk.commands import output_path, print_json
from desk.domain import CaseId
from desk.services.readiness import NotReady

KIND_HELP = (
    "申诉类型：generic（默认，用售后记录里的申诉类型），或该平台资料里的申诉类型，如 goods / freight "
    "/ dispute_rate（拼多多维权申诉的货款 / 运费 / 纠纷退款率）、极速退款申诉、订单赔偿申诉、退款纠纷举证（淘宝）；写错时会列出可选项"
)


def register(sub: Any) -> None:
    p = sub.add_parser("upload-kit", help="生成上传材料包（编号 JPEG 图片 + 申诉说明.txt，可另存 ZIP）")
    p.add_argument("case", type=int)
    p.add_argument("--kind", default="generic", help=KIND_HELP)
    p.add_argument(
        "-o",
        "--output",
        required=True,
        help="输出文件夹（不能是已有的非空文件夹）；以 .zip 结尾时只生成 ZIP",
    )
    p.add_argument("--zip", action="store_true", help="另外生成同名 ZIP（文件夹名.zip）")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=run)


def refusal(ready: Any, what: str) -> str:
    """Why nothing went out, as the checklist (problems first)."""
    return f"申诉前检查没有通过，未生成{what}：\n{ready.report()}"


def run(desk: Any, args: argparse.Namespace) -> int:
    out = output_path(args.output)
    folder: Path | None
    zip_path: Path | None
    if out.suffix.lower() == ".zip":
        folder, zip_path = None, out
    else:
        folder, zip_path = out, (out.with_name(out.name + ".zip") if args.zip else None)
    try:
        result = desk.packets.upload_kit_checked(CaseId(args.case), args.kind, folder, zip_path=zip_path)
    except NotReady as exc:
        print(refusal(exc.readiness, "上传材料包"), file=sys.stderr)
        return 2
    if args.json:
        print_json(
            {
                "folder": result.folder,
                "zip": result.zip_path,
                "files": [
                    {
                        "name": f.name,
                        "bytes": f.byte_size,
                        "width": f.width,
                        "height": f.height,
                        "quality": f.quality,
                        "scaled": f.scaled,
                    }
                    for f in result.files
                ],
                "text": result.text,
                "notes": list(result.notes),
                "preflight": result.preflight.as_json(),
            }
        )
        return 0
    print(result.summary())  # several lines: the guarded output escapes controls a name in it carries
    if result.preflight.missing:
        print(f"缺少必需证据：{'、'.join(result.preflight.missing)}", file=sys.stderr)
    return 0
