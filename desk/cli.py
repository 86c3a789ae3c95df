"""Command line: `python -m desk --profile DIR <command>` — the same services the window uses."""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Sequence

from desk.errors import DeskError
from desk.profile import Profile, resolve_profile

log = logging.getLogger(__name__)

# One module per command family under desk/commands; each registers its subcommands.
COMMAND_MODULES = (
    "desk.commands.demo",
    "desk.commands.cases",
    "desk.commands.case",
    "desk.commands.evidence",
    "desk.commands.packet",
    "desk.commands.upload_kit",
    "desk.commands.preflight",
    "desk.commands.backup",
    "desk.commands.restore",
    "desk.commands.check",
    "desk.commands.orders",
    "desk.commands.products",
    "desk.commands.weights",
    "desk.commands.wizard",
    "desk.commands.scripts",
)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m desk", description="售后申诉工作台（命令行）")
    p.add_argument("--profile", help="数据文件夹（默认：环境变量 DESK_HOME，否则系统用户数据目录）")
    p.add_argument("--verbose", action="store_true", help="日志写得更详细")
    sub = p.add_subparsers(dest="command", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    profile = resolve_profile(args.profile)
    from desk.app import open_desk
    from desk.logs import setup_logging

    try:
        profile.ensure()
        setup_logging(profile.logs_dir, verbose=args.verbose)
        if getattr(args, "profile_func", None) is not None:
            # Commands that must work on a profile that does not open (restore) get the folder only.
            return _run_on_profile(profile, args)
        desk = open_desk(profile)
    except DeskError as exc:
        print(f"错误：{exc.message}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"错误：无法使用数据文件夹“{profile.root}”：{exc.strerror or exc}", file=sys.stderr)
        return 2
    try:
        result: int = args.func(desk, args)
        return result
    except DeskError as exc:
        log.info("command failed: %s", exc.message, exc_info=True)
        print(f"错误：{exc.message}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        # The reader went away (e.g. `| head`): not an error of ours, and nothing more to print.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception:
        log.exception("command %s crashed", args.command)
        print(f"错误：发生意外错误，详情已写入日志 {profile.logs_dir / 'desk.log'}", file=sys.stderr)
        return 3
    finally:
        desk.close()


def _run_on_profile(profile: Profile, args: argparse.Namespace) -> int:
    try:
        result: int = args.profile_func(profile, args)
        return result
    except DeskError as exc:
        log.info("command failed: %s", exc.message, exc_info=True)
        print(f"错误：{exc.message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("已取消。", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (e.g. `| head`): not an error of ours, and nothing more to print.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception:
        log.exception("command %s crashed", args.command)
        print(f"错误：发生意外错误，详情已写入日志 {profile.logs_dir / 'desk.log'}", file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main())
