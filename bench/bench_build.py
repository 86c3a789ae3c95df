"""The self-contained build (scripts/build.sh): its folder size, and its cold start against the venv's.

It measures the folder scripts/build.sh left in dist/after-sales-desk (or DESK_BUILT_APP, the program
itself, as scripts/build_smoke.sh sets it); it never builds, since a build takes minutes and both cores.
Without a build the section says so and measures nothing.

- Folder size: every file under the build folder (what a shop unpacks or installs), and the largest parts.
- Cold start: process start → main window painted with the demo's case list (DESK_BENCH_FIRST_PAINT=1, the
  probe ui/startup.py prints), the built program against `python main.py` from the venv, on the same demo
  profile, alternating, median of 5 after one discarded start of each (so both read warm files).
  The demo profile is made by the built program's own command line.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TITLE = "Build: folder size and cold start of the built program"
NOTES = """
Both starts run the same code on the same profile; what differs is how it is loaded: the build's
PyInstaller archive and bundled libraries against the venv's site-packages. The build figures in
docs/install.md (how the build was chosen) were measured the same way.
"""
REPO = Path(__file__).resolve().parents[1]
RUNS = 5
TARGET_RATIO = 1.5  # the build must not feel slower to start than the checkout

Row = tuple[str, str, str, str, str]


def built_app() -> Path:
    given = os.environ.get("DESK_BUILT_APP")
    if given:
        return Path(given)
    app = REPO / "dist" / "after-sales-desk" / "after-sales-desk"
    return app if app.is_file() or os.name != "nt" else app.with_suffix(".exe")


def folder_size(folder: Path) -> tuple[int, int]:
    total = count = 0
    for path in folder.rglob("*"):
        if path.is_file() and not path.is_symlink():
            total += path.stat().st_size
            count += 1
    return total, count


def largest_parts(folder: Path, n: int = 3) -> list[tuple[str, int]]:
    inner = folder / "_internal" if (folder / "_internal").is_dir() else folder
    sizes = []
    for part in inner.iterdir():
        size = folder_size(part)[0] if part.is_dir() else part.stat().st_size
        sizes.append((part.name, size))
    return sorted(sizes, key=lambda s: -s[1])[:n]


def first_paint(cmd: list[str], env: dict[str, str], cwd: Path) -> float:
    started = time.monotonic()
    out = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, encoding="utf-8", timeout=180)
    for line in out.stdout.splitlines():
        if line.startswith("FIRST_PAINT"):
            return float(line.split()[1]) - started
    raise RuntimeError(f"{cmd[0]}: no first paint reported (exit {out.returncode}): {out.stderr[-2000:]}")


def ms(x: float) -> str:
    return f"{x * 1000:.0f} ms"


def run() -> list[Row]:
    app = built_app()
    if not app.is_file():
        return [
            ("built program", "not built", "—", f"run scripts/build.sh first ({app} is missing)", "skipped")
        ]
    folder = app.parent
    size, files = folder_size(folder)
    parts = ", ".join(f"{name} {bytes_ / 1e6:.0f} MB" for name, bytes_ in largest_parts(folder))
    rows: list[Row] = [
        (
            f"build folder {folder.name}/ ({files:,} files)",
            f"{size / 1e6:.0f} MB ({size / 2**20:.0f} MiB)",
            "—",
            f"largest: {parts}",
            "info",
        )
    ]

    workdir = Path(tempfile.mkdtemp(prefix="bench-build-"))
    try:
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "LANG": "C.UTF-8"}
        env["XDG_CONFIG_HOME"] = str(workdir / "config")  # QSettings: never the user's own window state
        env.pop("DESK_DATABASE_URL", None)
        env.pop("DESK_HOME", None)
        profile = workdir / "shop"
        cli = app.with_name(app.name.replace("-desk", "-desk-cli", 1))
        made = subprocess.run(
            [
                str(cli) if cli.is_file() else str(app),
                *([] if cli.is_file() else ["cli"]),
                "--profile",
                str(profile),
                "demo",
            ],
            cwd=workdir,
            env=env,
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=300,
        )
        if made.returncode != 0:
            raise RuntimeError(f"the built program could not make the demo profile: {made.stderr[-2000:]}")
        probe = {**env, "DESK_BENCH_FIRST_PAINT": "1"}
        built_cmd = [str(app), "--profile", str(profile)]
        venv_cmd = [sys.executable, str(REPO / "main.py"), "--profile", str(profile)]
        first_paint(built_cmd, probe, workdir)  # discarded: both then start from warm files
        first_paint(venv_cmd, probe, REPO)
        built: list[float] = []
        venv: list[float] = []
        for _ in range(RUNS):
            built.append(first_paint(built_cmd, probe, workdir))
            venv.append(first_paint(venv_cmd, probe, REPO))
        b, v = statistics.median(built), statistics.median(venv)
        rows.append(
            (
                f"process start → window painted with the demo's case list, built program (median of {RUNS})",
                ms(b),
                f"≤ {TARGET_RATIO}× anchor = {ms(TARGET_RATIO * v)}",
                f"venv `python main.py` {ms(v)} (runs: built {', '.join(ms(x) for x in built)}; "
                f"venv {', '.join(ms(x) for x in venv)}): ratio {b / v:.2f}×",
                "pass" if b <= TARGET_RATIO * v else "FAIL",
            )
        )
        return rows
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    for row in run():
        print(" | ".join(row))
