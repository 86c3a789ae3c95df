"""Start the window fast: the case list paints before the database layer is even imported.

`python main.py` reaches here with the profile claimed. The main window is shown at once with the
list read by desk/quick.py (standard library sqlite3, read-only); meanwhile a worker imports the
database layer and opens the desk (checks, backups before an upgrade, migrations), and the window then
gets its form, evidence panel and menus. A desk that cannot be opened is reported in plain words and
the window closes (exit code 2), as before.

DESK_BENCH_FIRST_PAINT=1 (bench/bench_cases.py): print the monotonic time of the first paint of the
list with rows, then exit — the start-up benchmark's probe, nothing else reads it.
"""

from __future__ import annotations

import gc
import logging
import os
import sys
import threading
import time
from functools import partial
from typing import TYPE_CHECKING, Any

from desk.errors import DeskError
from ui.app import setup_application, show_startup_error
from ui.main_window import MainWindow
from ui.qt import QEvent, QObject, QTimer
from ui.tasks import TaskRunner

if TYPE_CHECKING:
    from desk.app import Desk
    from desk.profile import Profile

log = logging.getLogger(__name__)

BENCH_ENV = "DESK_BENCH_FIRST_PAINT"
FALLBACK_START_MS = 500


def _uses_sqlite_file(profile: Profile) -> bool:
    from desk.settings import ENV_DATABASE_URL

    if os.environ.get(ENV_DATABASE_URL):
        return False
    settings = profile.root / "settings.toml"
    try:
        return not (settings.is_file() and "[database]" in settings.read_text(encoding="utf-8"))
    except OSError:
        return False


class _FirstPaintProbe(QObject):
    """Benchmark probe: reports the first paint of the list viewport once it has rows."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self._window = window

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and self._window.model.rowCount() > 0:
            # The paint is delivered to the viewport before it draws; finish it, then report.
            QTimer.singleShot(0, self._report)
            watched.removeEventFilter(self)
        return False

    def _report(self) -> None:
        print(f"FIRST_PAINT {time.monotonic():.6f} ROWS {self._window.model.rowCount()}", flush=True)
        os._exit(0)


class _AfterFirstPaint(QObject):
    """Calls back once the watched widget has painted for the first time."""

    def __init__(self, parent: QObject, callback: Any) -> None:
        super().__init__(parent)
        self._callback = callback

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            watched.removeEventFilter(self)
            QTimer.singleShot(0, self._callback)
        return False


def run_profile(profile: Profile, *, demo: bool = False) -> int:
    """Show the window for a claimed profile, open the desk behind it, run the event loop."""
    from desk.quick import QuickCases

    app = setup_application()
    from ui.crash import install as install_crash_handlers

    # Unexpected errors: a dialog with 复制详情 and the log; native crashes go to logs/native-crash.log.
    state: dict[str, Any] = {"desk": None, "handler": install_crash_handlers(profile.logs_dir)}
    quick = QuickCases.open(profile.database) if _uses_sqlite_file(profile) else None
    runner = TaskRunner()
    window = MainWindow(None, runner=runner, demo=demo, profile=profile, quick_cases=quick)
    if os.environ.get(BENCH_ENV):
        window.table.viewport().installEventFilter(_FirstPaintProbe(window))
    window.show()

    def opened(desk: Desk) -> None:
        state["desk"] = desk
        window.attach_desk(desk)
        # Everything loaded so far (Qt wrappers, SQLAlchemy, the list) lives as long as the app: keep it out
        # of the collector's full passes, which otherwise walk it all and stall a frame (bench_cases scroll).
        gc.freeze()
        from ui.tools import start_reliability_services

        start_reliability_services(window)  # hand-over target, last crash report, daily backup

    def failed(exc: BaseException) -> None:
        if isinstance(exc, DeskError):
            message = exc.message
        elif isinstance(exc, OSError):
            message = f"无法使用数据文件夹“{profile.root}”：{exc}"
        else:
            log.error("opening the desk failed", exc_info=exc)
            message = f"无法打开数据文件夹“{profile.root}”：发生意外错误，详情已写入日志。"
        window.hide()
        show_startup_error(message)
        app.exit(2)

    def open_in_background() -> None:
        try:
            from desk.app import open_desk

            desk = open_desk(profile)
            if demo and not desk.cases.list_ids():
                from desk.demo import fill_demo

                fill_demo(desk)
        except BaseException as exc:
            log.info("desk did not open", exc_info=True)
            runner.run_on_gui(partial(failed, exc))  # not a lambda: exc itself is unbound after the block
            return
        runner.run_on_gui(lambda: opened(desk))

    # A plain thread, not the DB worker: the worker is for the desk's own calls once it exists. It starts
    # once the list has painted: its imports would otherwise compete with the first paint for the GIL.
    started = threading.Event()

    def start_opening() -> None:
        if not started.is_set():
            started.set()
            threading.Thread(target=open_in_background, name="desk-open", daemon=True).start()

    window.table.viewport().installEventFilter(_AfterFirstPaint(window, start_opening))
    QTimer.singleShot(FALLBACK_START_MS, start_opening)  # e.g. started minimised: no paint comes
    try:
        code = app.exec()
    finally:
        runner.shutdown(wait=True)
        desk = state["desk"]
        if desk is not None:
            desk.close()
        state["handler"].uninstall()
        if quick is not None:
            quick.close()
    return code


if __name__ == "__main__":  # pragma: no cover - use main.py
    sys.exit("start the desk with main.py")
