"""`restore FILE`: replace the profile's data with a backup's, after checking every byte of it."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from desk.commands import print_json
from desk.commands.backup import progress_printer
from desk.names import shown


def register(sub: Any) -> None:
    p = sub.add_parser(
        "restore",
        help="从备份文件恢复（先完整校验；原有数据会先另存一份到 backups/，校验不通过则不做任何改动）",
    )
    p.add_argument("file", help="备份文件（.deskbackup）")
    p.add_argument("--no-safety-backup", action="store_true", help="不先另存当前数据（不推荐）")
    p.add_argument("--json", action="store_true")
    p.set_defaults(profile_func=run)


def run(profile: Any, args: argparse.Namespace) -> int:
    from desk.backup import restore_backup

    show = sys.stderr.isatty() and not args.json
    result = restore_backup(
        Path(args.file).expanduser().resolve(),
        profile,
        safety_backup=not args.no_safety_backup,
        progress=progress_printer(show),
    )
    if show:
        print(file=sys.stderr)
    counts = result.manifest.counts
    if args.json:
        print_json(
            {
                "counts": counts,
                "created_at": result.manifest.created_at,
                "safety_backup": result.safety_backup,
                "seconds": round(result.seconds, 3),
                "warnings": list(result.warnings),
            }
        )
        return 0
    for w in result.warnings:
        print(f"注意：{w}", file=sys.stderr)
    print(
        f"已从备份恢复（备份时间 {result.manifest.created_at}）：{counts.get('cases', 0)} 条售后记录，"
        f"{len(result.manifest.blobs)} 个证据文件，全部校验无误。"
    )
    if result.safety_backup is not None:
        print(f"恢复前的数据已另存为“{shown(str(result.safety_backup))}”。")
    return 0
