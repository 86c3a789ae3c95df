"""The one script a self-contained build starts: the window, or the command line.

A frozen build has no `python -m desk`, so the command line rides on the same program: the executable whose
name ends in "-cli" (a console program on Windows, where the window's executable has no console to print
to), or the window's executable given `cli` as its first argument, runs desk.cli with the remaining
arguments. Anything else starts the window exactly as main.py does from a checkout.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def wants_cli(executable: str, argv: list[str]) -> tuple[bool, list[str]]:
    """The console program runs the command line, except `window …`, which starts the window with a console
    beside it (what the desk logs to the terminal shows there: for support, and for the Windows smoke test,
    whose window program has nowhere to print)."""
    if Path(executable).stem.lower().endswith("-cli"):
        if argv[:1] == ["window"]:
            return False, argv[1:]
        return True, argv
    if argv[:1] == ["cli"]:
        return True, argv[1:]
    return False, argv


def _give_streams_somewhere() -> None:
    # A Windows program without a console starts with sys.stdout and sys.stderr set to None; anything that
    # writes to them (a library's warning, faulthandler when the window closes) would then fail.
    for name in ("stdout", "stderr"):
        if getattr(sys, name) is None:
            setattr(sys, name, open(os.devnull, "w", encoding="utf-8"))  # noqa: SIM115 - lives as long as the program


def run() -> int:
    _give_streams_somewhere()
    is_cli, rest = wants_cli(sys.executable, sys.argv[1:])
    if is_cli:
        from desk.cli import main as cli_main

        return cli_main(rest)
    import main as window

    return window.main(window_args(rest))


def window_args(argv: list[str]) -> list[str]:
    """Double-clicking a .deskbackup file (the installer's file association) starts the program with the
    file's path as its only argument. The window has no such argument yet: it opens as usual, and the file
    is restored through 工具 ▸ 恢复… (docs/install.md), rather than the start failing on an unknown argument."""
    if len(argv) == 1 and argv[0].lower().endswith(".deskbackup"):
        return []
    return argv


if __name__ == "__main__":
    sys.exit(run())
