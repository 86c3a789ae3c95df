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

    # A double-clicked .deskbackup (the installer's and the .desktop file's association) arrives as the only
    # argument; main.py opens the window on it and offers the restore.
    return window.main(rest)


if __name__ == "__main__":
    sys.exit(run())
