"""The 统计 window on a fresh demo profile, offscreen, saved as docs/screenshots/stats.png (the table by
shop with the net-cost bars) and stats_months.png (by month, the spending pie).

scripts/screenshots.py has no registry of shots to add this to; it reuses that script's demo profile and
font isolation, and can be called from it (`shoot_stats(desk, runner, pump, out)`).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "scripts"))


def shoot_stats(desk: Any, runner: Any, pump: Callable[..., None], out: Path) -> list[Path]:
    from ui.stats.window import SIZE, StatsWindow

    window = StatsWindow(desk, runner)
    window.resize(*SIZE)
    window.show()
    shots = []
    try:
        for name, group, tab in (("stats", "shop", 0), ("stats_months", "month", 1)):
            window.set_group_by(group)
            window.report = None
            window.set_period("all")
            pump(30, lambda: window.report is not None)
            window.charts.setCurrentIndex(tab)
            pump(0.3)
            path = out / f"{name}.png"
            window.grab().save(str(path))
            shots.append(path)
    finally:
        window.close()
        window.deleteLater()  # gone while the application still runs, not at interpreter exit
        pump(0.2)
    return shots


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "screenshots")
    parser.add_argument("--system-fonts", action="store_true", help="use the machine's fonts as they are")
    args = parser.parse_args()
    from screenshots import isolate_fonts, make_demo

    workdir = Path(tempfile.mkdtemp(prefix="desk-shots-"))
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    if not args.system_fonts:
        isolate_fonts(workdir)
    profile = workdir / "演示资料"
    make_demo(profile)

    from desk.app import open_desk
    from ui.app import setup_application
    from ui.tasks import TaskRunner

    app = setup_application([sys.argv[0]])

    def pump(seconds: float, until: Callable[[], bool] | None = None) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            app.processEvents()
            if until is not None and until():
                return
            time.sleep(0.01)
        if until is not None:
            raise SystemExit("timed out waiting for the window")

    desk = open_desk(profile)
    runner = TaskRunner()
    args.out.mkdir(parents=True, exist_ok=True)
    try:
        for shot in shoot_stats(desk, runner, pump, args.out):
            print(shot)
    finally:
        runner.shutdown(wait=True)
        desk.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
