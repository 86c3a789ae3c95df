"""Reminders: how often the scheduler wakes over an idle hour (issue target: at most once a minute).

The window's own scheduler (ui/reminders.py ReminderScheduler, offscreen) runs on a controlled clock: at
each wake it reads the deadlines (a stand-in service answering at once, on the runner's read worker like
the real one), plans, and sets its single-shot timer; the bench then moves the clock on by exactly the
timer's interval instead of waiting, and counts wakes until an hour has passed. Three hours are simulated:
no case with a deadline; 200 cases due in 6 to 30 hours (nothing falls due within the hour); and a busy
hour in which 10 reminders fall due (each lead time adds a wake; not an idle hour, shown for scale).
"""

from __future__ import annotations

import os
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

TITLE = "Reminders: scheduler wake-ups over a simulated idle hour"
TARGET_PER_HOUR = 60
NOTES = """
An idle wake costs one indexed read of the cases due within the longest lead time (`desk.reminders.due_within`)
on the read worker; the timer never sleeps longer than 60 s so that a changed clock or a case edited on
another computer is noticed within a minute, which is where the 60 wake-ups an hour come from.
"""

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class _Service:
    """Answers like desk.services.reminders.ReminderService, from a list."""

    def __init__(self, cases: list[Any]) -> None:
        self.cases = cases
        self.reads = 0

    def due_within(self, within: timedelta, now: datetime) -> tuple[Any, ...]:
        self.reads += 1
        return tuple(c for c in self.cases if now < c.due_at <= now + within)

    def overdue_count(self, now: datetime) -> int:
        return sum(1 for c in self.cases if c.due_at <= now)


def _hour(cases: list[Any], folder: Path) -> tuple[int, int, int]:
    """(wakes, reminders given, reads) over one simulated hour."""
    from desk.profile import Profile
    from ui.qt import QApplication, QWidget
    from ui.reminders import ReminderScheduler
    from ui.tasks import TaskRunner

    app = QApplication.instance() or QApplication([])
    runner = TaskRunner()
    parent = QWidget()
    service = _Service(cases)
    given: list[Any] = []
    ctx = SimpleNamespace(
        parent=parent,
        runner=runner,
        desk=SimpleNamespace(profile=Profile(folder), reminders=service),
    )
    scheduler = ReminderScheduler(ctx, lambda r, s, _o, _opening: given.extend([*r, *s]))  # type: ignore[arg-type]
    now = T0
    scheduler.clock = lambda: now
    scheduler.tz = UTC
    try:
        while now < T0 + timedelta(hours=1):
            scheduler.timer.stop()
            scheduler.wake()
            while not scheduler.timer.isActive():  # the read comes back, the plan sets the timer
                app.processEvents()
                time.sleep(0.0005)
            now += timedelta(milliseconds=scheduler.timer.interval())
    finally:
        scheduler.timer.stop()
        runner.shutdown(wait=True)
        parent.deleteLater()
    return scheduler.wakes, len(given), service.reads


def run() -> list[tuple[str, str, str, str, str]]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from desk.domain import CaseId
    from desk.reminders import DueCase

    far = [DueCase(CaseId(i), T0 + timedelta(hours=6, minutes=7 * i), f"O-{i}") for i in range(200)]
    busy = [DueCase(CaseId(i), T0 + timedelta(hours=1, minutes=5 * i + 3), f"B-{i}") for i in range(10)]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, cases in (("no deadlines", []), ("200 deadlines 6–30 h away", far), ("busy", busy)):
            folder = Path(tmp) / name.split()[0]
            folder.mkdir()
            started = time.perf_counter()
            wakes, given, _reads = _hour(cases, folder)
            took = time.perf_counter() - started
            idle = name != "busy"
            rows.append(
                (
                    f"wake-ups in an hour, {name}" + ("" if idle else f" ({given} reminders given)"),
                    f"{wakes}/h ({took * 1000:.0f} ms to simulate)",
                    f"≤ {TARGET_PER_HOUR}/h" if idle else "—",
                    "timer cap 60 s → 60/h",
                    ("ok" if wakes <= TARGET_PER_HOUR else "over") if idle else "for scale",
                )
            )
    return rows


if __name__ == "__main__":
    for row in run():
        print(" | ".join(row))
