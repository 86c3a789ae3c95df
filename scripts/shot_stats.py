"""The 统计 window on a fresh demo profile, offscreen, saved as docs/screenshots/stats.png (the table by
shop with the net-cost bars) and stats_months.png (by month, the spending pie).

scripts/screenshots.py has no registry of shots to add this to; it reuses that script's demo profile and
font isolation, and can be called from it (`shoot_stats(desk, runner, pump, out)`).
"""

from __future__ import annotations

import sys
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
    from screenshots import arguments, start

    args = arguments(__doc__)
    _workdir, profile, _app, pump = start(args)

    from desk.app import open_desk
    from ui.tasks import TaskRunner

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
