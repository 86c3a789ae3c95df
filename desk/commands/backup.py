"""`backup [FILE]`: write the whole profile to one verified archive (Ctrl+C cancels, nothing is left)."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from desk.commands import print_json
from desk.names import shown


def register(sub: Any) -> None:
    p = sub.add_parser("backup", help="把数据库和全部证据备份为一个文件（写完后会读回校验）")
    p.add_argument("file", nargs="?", help="备份文件路径（默认：数据文件夹的 backups/ 下，按时间命名）")
    p.add_argument("--json", action="store_true")
    p.set_defaults(profile_func=run)


def progress_printer(enabled: bool) -> Any:
    last = [-1]

    def progress(done: int, total: int, label: str) -> None:
        if not enabled:
            return
        pct = int(done * 100 / max(total, 1))
        if pct != last[0]:
            last[0] = pct
            # The CR redraws the line on purpose, so it bypasses the CLI's guard; the label (it may
            # name a file) is escaped here instead.
            out = getattr(sys.stderr, "unguarded", sys.stderr)
            out.write(f"\r{shown(label or '完成')}… {pct}%")
            out.flush()

    return progress


def run(profile: Any, args: argparse.Namespace) -> int:
    from desk.backup import SUFFIX, backup_profile
    from desk.settings import backups_folder, load_settings

    if args.file:
        dest = Path(args.file).expanduser().resolve()
    else:
        folder = backups_folder(profile, load_settings(profile))
        dest = folder / f"manual-{datetime.now().strftime('%Y%m%d-%H%M%S')}{SUFFIX}"
    if dest.is_dir():
        dest = dest / f"售后备份-{datetime.now().strftime('%Y%m%d-%H%M%S')}{SUFFIX}"
    show = sys.stderr.isatty() and not args.json
    result = backup_profile(profile, dest, progress=progress_printer(show))
    if show:
        print(file=sys.stderr)
    counts = result.manifest.counts
    if args.json:
        print_json(
            {
                "path": result.path,
                "bytes": result.byte_size,
                "seconds": round(result.seconds, 3),
                "counts": counts,
                "blobs": len(result.manifest.blobs),
                "missing_blobs": list(result.manifest.missing_blobs),
                "warnings": list(result.warnings),
            }
        )
    else:
        for w in result.warnings:
            print(f"注意：{w}", file=sys.stderr)
        print(
            f"已备份到“{shown(str(result.path))}”：{counts.get('cases', 0)} 条售后记录，"
            f"{len(result.manifest.blobs)} 个证据文件，共 {result.byte_size / 1e6:.1f} MB，已读回校验无误。"
        )
    return 0
