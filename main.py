"""Start the desk window: the one place where the core, the Qt UI and the demo (--demo) are wired together."""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from desk.app import Desk


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description="售后申诉工作台")
    p.add_argument("--profile", help="数据文件夹（默认：环境变量 DESK_HOME，否则系统用户数据目录）")
    p.add_argument(
        "--demo", action="store_true", help="打开演示数据（未指定 --profile 时使用一个新的临时文件夹）"
    )
    p.add_argument("--verbose", action="store_true", help="日志写得更详细")
    # What a double-clicked .deskbackup passes (the .desktop entry's %f, the Windows association's "%1").
    p.add_argument(
        "backup",
        nargs="?",
        help="备份文件（.deskbackup）：打开窗口后询问是否用它恢复（当前数据会先另存一份），不会直接覆盖",
    )
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    # Not desk.app here: it imports the database layer, which ui/startup.py loads behind the window.
    from desk.errors import DeskError
    from desk.logs import setup_logging
    from desk.profile import Profile, resolve_profile

    backup = Path(args.backup).expanduser().absolute() if args.backup else None
    if args.demo and not args.profile:
        profile = Profile(Path(tempfile.mkdtemp(prefix="desk-demo-")))
    else:
        profile = resolve_profile(args.profile)
    quick = None
    try:
        profile.ensure()
        setup_logging(profile.logs_dir, verbose=args.verbose)
        # The cases of 今日 are counted (standard library sqlite3, off the GIL) while Qt loads.
        from desk.quick import open_for

        quick = open_for(profile)
        # One window per profile: a second start hands over to the first one (with the backup file to
        # offer, if one was given) and exits.
        from ui.app import setup_application
        from ui.single_instance import claim_or_hand_over

        setup_application()
        if claim_or_hand_over(profile.root, open_backup=backup) is None:
            if quick is not None:
                quick.close()
            return 0
    except (DeskError, OSError) as exc:
        if quick is not None:
            quick.close()
        logging.getLogger(__name__).exception("cannot open profile %s", profile.root)
        message = exc.message if isinstance(exc, DeskError) else f"无法使用数据文件夹“{profile.root}”：{exc}"
        from ui.app import show_startup_error

        show_startup_error(message)
        return 2
    # The window (with the case list) shows first; the desk opens behind it (ui/startup.py).
    from ui.startup import run_profile

    return run_profile(
        profile, demo=args.demo, prepare=_fill_demo_if_empty if args.demo else None, quick=quick
    )


def _fill_demo_if_empty(desk: Desk) -> None:
    """--demo: an empty profile gets the demo data; one that has cases is opened as it is."""
    if not desk.cases.list_ids():
        from desk_demo.cases import fill_demo

        fill_demo(desk)


if __name__ == "__main__":
    sys.exit(main())
