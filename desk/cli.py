"""Command line: `python -m desk --profile DIR <command>` — the same services the window uses."""

from __future__ import annotations

import argparse
import importlib
import io
import logging
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TextIO

from desk.errors import DeskError
from desk.names import shown
from desk.profile import Profile, resolve_profile

log = logging.getLogger(__name__)

# One module per command family under desk/commands; each registers its subcommands.
COMMAND_MODULES = (
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
    "desk.commands.undo",
    "desk.commands.outcome",
    "desk.commands.claim",
    "desk.commands.stats",
)
# Command modules shipped beside the core (the demo, desk_demo/cli.py) name themselves in this entry-point
# group (pyproject.toml); the core never imports them by name, so it works and ships without them.
PLUGIN_GROUP = "desk.commands"


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m desk", description="售后申诉工作台（命令行）")
    p.add_argument("--profile", help="数据文件夹（默认：环境变量 DESK_HOME，否则系统用户数据目录）")
    p.add_argument("--verbose", action="store_true", help="日志写得更详细")
    sub = p.add_subparsers(dest="command", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    _register_plugins(sub)
    return p


def _register_plugins(sub: Any) -> None:
    """Add the commands of every `desk.commands` entry point. One that cannot be loaded (its package gone or
    broken, no register) does not take the other commands down: its name stays, and running it says what
    is wrong and how to mend it instead of the whole CLI failing with a traceback."""
    from importlib.metadata import entry_points

    for ep in sorted(entry_points(group=PLUGIN_GROUP), key=lambda e: e.name):
        if ep.name in sub.choices:
            continue  # the same distribution found twice on the path (an installed copy and a checkout)
        try:
            ep.load().register(sub)
        except Exception as exc:
            why = (
                f"命令“{ep.name}”无法加载：{ep.value} 出错（{exc or type(exc).__name__}）。"
                "请重新安装提供这个命令的软件包。"
            )
            # It may have added its parser before failing: that one then says the same instead of running.
            parser = sub.choices.get(ep.name) or sub.add_parser(ep.name, help="（无法加载）")
            parser.set_defaults(unloadable=why)


class GuardedStream(io.TextIOBase):
    """A terminal stream on which nothing the desk prints can steer the terminal.

    Names, messages and descriptions come from outside (file and archive entry names, imported sheets,
    shop text). Written raw, an ESC sequence in one recolours or rewrites the terminal, a CR overwrites
    the line, a U+202E turns "gpj.exe" into "exe.jpg". Every such character is written as a visible
    escape (names.shown); line ends and tabs pass, they are the layout of the output. Commands that
    draw on the terminal on purpose (the progress line's CR) write to `unguarded`.
    """

    def __init__(self, stream: TextIO) -> None:
        super().__init__()
        self.unguarded = stream

    def write(self, text: str) -> int:
        self.unguarded.write(shown(text, keep="\n\t"))
        return len(text)

    def flush(self) -> None:
        self.unguarded.flush()

    def fileno(self) -> int:
        return self.unguarded.fileno()

    def isatty(self) -> bool:
        return self.unguarded.isatty()

    def writable(self) -> bool:
        return True

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return str(getattr(self.unguarded, "encoding", "utf-8"))

    @property
    def errors(self) -> str:  # type: ignore[override]
        return str(getattr(self.unguarded, "errors", "strict"))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.unguarded, name)


@contextmanager
def _guarded_output() -> Iterator[None]:
    saved = sys.stdout, sys.stderr
    sys.stdout = GuardedStream(saved[0])
    sys.stderr = GuardedStream(saved[1])
    try:
        yield
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):  # a closed pipe: nothing more can be said there
                pass
        sys.stdout, sys.stderr = saved


def main(argv: Sequence[str] | None = None) -> int:
    with _guarded_output():
        return _main(argv)


def _main(argv: Sequence[str] | None) -> int:
    args = build_parser().parse_args(argv)
    if getattr(args, "unloadable", None) is not None:
        print(f"错误：{args.unloadable}", file=sys.stderr)
        return 2
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
