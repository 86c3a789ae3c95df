"""Start the window fast: the case list paints before the database layer is even imported.

`python main.py` reaches here with the profile claimed. The main window is shown at once with the
list read by desk/quick.py (standard library sqlite3, read-only); meanwhile a worker imports the
database layer and opens the desk (checks, backups before an upgrade, migrations), and the window then
gets its form, evidence panel and menus. A desk that cannot be opened is reported in plain words and
the window closes (exit code 2), as before. When the refusal is one a restore mends (the database file
is missing, empty or unusable), the message offers 从备份恢复…: the operator picks an archive (the newest
backup is suggested), the same restore service as 工具 ▸ 恢复… runs off the GUI thread, and the desk
then opens on the restored data.

DESK_BENCH_FIRST_PAINT=1 (bench/bench_cases.py): print the monotonic time of the first paint of the
list with rows, then exit — the start-up benchmark's probe, nothing else reads it. =today waits instead
for the paint of 今日: the sidebar's queue counts read and the start queue's rows shown.
"""

from __future__ import annotations

import gc
import logging
import os
import sys
import threading
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from types import EllipsisType
from typing import TYPE_CHECKING, Any

from desk.domain import DueFilter
from desk.errors import DatabaseUnusable, DeskError
from ui.app import setup_application, show_startup_error
from ui.main_window import MainWindow
from ui.qt import QEvent, QObject, QTimer
from ui.tasks import TaskRunner

if TYPE_CHECKING:
    from desk.app import Desk
    from desk.backup import RestoreResult
    from desk.profile import Profile
    from desk.quick import QuickCases

log = logging.getLogger(__name__)

BENCH_ENV = "DESK_BENCH_FIRST_PAINT"
FALLBACK_START_MS = 500
RESTORE_BUTTON = "从备份恢复…"
QUIT_BUTTON = "退出"


def restore_offer(exc: BaseException, profile: Profile) -> tuple[Path, Path | None] | None:
    """Where to look for a backup, if the start was refused for a reason a restore mends.

    The guard's refusal carries the backups folder and the newest backup its message names; damage
    met later in the start (a plain DatabaseUnusable of the profile's own SQLite file) is mended the
    same way. None: not such a refusal (a shared database, a newer desk, a locked or read-only file).
    """
    from desk.db.guard import DatabaseRefused, backup_archives
    from desk.quick import uses_sqlite_file

    if isinstance(exc, DatabaseRefused) and exc.backups_folder is not None:
        return exc.backups_folder, exc.newest_backup
    if isinstance(exc, DatabaseUnusable) and uses_sqlite_file(profile):
        folder, archives = backup_archives(profile)
        return folder, archives[0] if archives else None
    return None


class _RestoreAtStart:
    """The start-up refusal with 从备份恢复…: choose an archive, restore it off the GUI thread, reopen.

    Until the desk opens, the operator can only restore or quit: a failed or cancelled restore (which
    changed nothing) shows the refusal again, with what went wrong.
    """

    def __init__(
        self,
        window: MainWindow,
        runner: TaskRunner,
        profile: Profile,
        *,
        release_database: Callable[[], None],
        reopen: Callable[[], None],
        quit_app: Callable[[], None],
    ) -> None:
        self._window = window
        self._runner = runner
        self._profile = profile
        self._release_database = release_database
        self._reopen = reopen
        self._quit = quit_app
        self.result: RestoreResult | None = None

    def refuse(self, message: str, folder: Path, newest: Path | None, *, before: str = "") -> None:
        from ui.errors import APP_TITLE
        from ui.qt import QMessageBox

        box = QMessageBox(
            QMessageBox.Icon.Critical, APP_TITLE, f"{before}\n\n{message}" if before else message
        )
        latest = f"（建议用最新的“{newest.name}”）" if newest is not None else ""
        box.setInformativeText(
            f"点“{RESTORE_BUTTON}”选择一份备份{latest}：先完整校验，无误后恢复，然后打开工作台；"
            "备份里没有的证据原始文件和无法另存的数据库文件会原样保留，不会删除。详细信息已写入日志。"
        )
        restore = box.addButton(RESTORE_BUTTON, QMessageBox.ButtonRole.AcceptRole)
        leave = box.addButton(QUIT_BUTTON, QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(restore)
        box.setEscapeButton(leave)
        box.exec()
        if box.clickedButton() is not restore:
            self._quit()
            return
        archive = self._choose(folder, newest)
        if archive is None:
            QTimer.singleShot(0, lambda: self.refuse(message, folder, newest, before=before))
            return
        self._restore(archive, message, folder, newest)

    def _choose(self, folder: Path, newest: Path | None) -> Path | None:
        from ui.qt import QFileDialog
        from ui.tools.backup_dialog import FILTER

        start = newest if newest is not None and newest.is_file() else folder
        chosen, _ = QFileDialog.getOpenFileName(None, "选择要恢复的备份文件", str(start), FILTER)
        return Path(chosen) if chosen else None

    def _restore(self, archive: Path, message: str, folder: Path, newest: Path | None) -> None:
        from ui.tools.backup_dialog import restore_in_background

        def done(result: RestoreResult) -> None:
            self.result = result
            self._reopen()

        def failed(exc: BaseException) -> None:
            if isinstance(exc, DeskError):
                why = exc.message
            else:
                log.error("restoring at start failed", exc_info=exc)
                why = "发生意外错误，详情已写入日志。数据文件夹没有任何改动。"
            self.refuse(message, folder, newest, before=f"没有从备份恢复：{why}")

        def cancelled() -> None:
            self.refuse(message, folder, newest, before="恢复已取消，数据文件夹没有任何改动。")

        # The quick list's read-only connection must not hold the file the restore renames (Windows).
        self._release_database()
        restore_in_background(
            self._window,
            self._runner,
            self._profile,
            archive,
            on_success=done,
            on_failure=failed,
            on_cancelled=cancelled,
        )


class _FirstPaintProbe(QObject):
    """Benchmark probe: reports the first paint of the list viewport once its top row's cells are there
    (they come from the DB worker: the paints before show empty rows)."""

    def __init__(self, window: MainWindow, *, today: bool = False) -> None:
        super().__init__(window)
        self._window = window
        self._today = today

    def _today_shown(self) -> bool:
        """今日 is on screen: the queue counts are in the sidebar and the list holds the queue the window
        started on (from the quick reader before the desk is open, or through the services)."""
        w = self._window
        if not w.cases_pane.sidebar.has_counts():
            return False
        key = w.cases_pane.sidebar.current_key()
        return key is not None and key[0] == "queue" and w.model.filter.due is not DueFilter.ANY

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        model = self._window.model
        if (
            event.type() == QEvent.Type.Paint
            and (not self._today or self._today_shown())
            and model.row_loaded(max(0, self._window.table.rowAt(0)))
        ):
            # The paint is delivered to the viewport before it draws; finish it, then report.
            QTimer.singleShot(0, self._report)
            watched.removeEventFilter(self)
        return False

    def _report(self) -> None:
        print(f"FIRST_PAINT {time.monotonic():.6f} ROWS {self._window.model.rowCount()}", flush=True)
        os._exit(0)


class AfterFirstPaint(QObject):
    """Calls back once the watched widget has painted with what it is waiting for (``ready``)."""

    def __init__(self, parent: QObject, callback: Any, ready: Callable[[], bool] = lambda: True) -> None:
        super().__init__(parent)
        self._callback = callback
        self._ready = ready

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and self._ready():
            watched.removeEventFilter(self)
            QTimer.singleShot(0, self._callback)
        return False


def list_drawn(window: MainWindow) -> bool:
    """The list has rows to draw at its top, or none at all. Its first paint is of empty rows: the quick
    reader's block comes a moment later, on the read worker. The desk opens after this, not after that first
    paint: its imports would compete with the block and its paint for the GIL (bench_cases: ~60 ms later on
    screen)."""
    model = window.model
    return model.rowCount() == 0 or model.row_loaded(max(0, window.table.rowAt(0)))


def run_profile(
    profile: Profile,
    *,
    demo: bool = False,
    prepare: Callable[[Desk], object] | None = None,
    quick: QuickCases | EllipsisType | None = ...,
) -> int:
    """Show the window for a claimed profile, open the desk behind it, run the event loop. prepare (the
    demo's filling, from main.py: ui never imports the demo) runs on the opened desk before it is shown.
    quick: the profile's quick reader, if main.py opened it before Qt was loaded (its counts of 今日 run
    meanwhile); by default it is opened here."""
    from desk.quick import open_for

    if quick is ...:
        quick = open_for(profile)
    app = setup_application()
    from ui.crash import install as install_crash_handlers

    # Unexpected errors: a dialog with 复制详情 and the log; native crashes go to logs/native-crash.log.
    state: dict[str, Any] = {"desk": None, "handler": install_crash_handlers(profile.logs_dir)}
    runner = TaskRunner()
    window = MainWindow(None, runner=runner, demo=demo, profile=profile, quick_cases=quick)
    if os.environ.get(BENCH_ENV):
        probe = _FirstPaintProbe(window, today=os.environ[BENCH_ENV] == "today")
        window.table.viewport().installEventFilter(probe)
    window.show()

    def opened(desk: Desk) -> None:
        state["desk"] = desk
        window.attach_desk(desk)
        restored = state["restore"].result if state.get("restore") is not None else None
        if restored is not None:
            from ui.tools.backup_dialog import show_restore_report

            state["restore"].result = None
            window.show()  # hidden while the refusal was shown
            show_restore_report(window, restored)
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
        offer = restore_offer(exc, profile) if isinstance(exc, DeskError) else None
        if offer is None:
            show_startup_error(message)
            app.exit(2)
            return
        if state.get("restore") is None:
            state["restore"] = _RestoreAtStart(
                window,
                runner,
                profile,
                release_database=release_quick,
                reopen=open_now,
                quit_app=lambda: app.exit(2),
            )
        state["restore"].refuse(message, *offer)

    def release_quick() -> None:
        if quick is not None:
            quick.close()

    def open_in_background() -> None:
        try:
            from desk.app import open_desk

            desk = open_desk(profile)
            if prepare is not None:
                prepare(desk)
        except BaseException as exc:
            log.info("desk did not open", exc_info=True)
            runner.run_on_gui(partial(failed, exc))  # not a lambda: exc itself is unbound after the block
            return
        runner.run_on_gui(lambda: opened(desk))

    # A plain thread, not the DB worker: the worker is for the desk's own calls once it exists. It starts
    # once the list has painted: its imports would otherwise compete with the first paint for the GIL.
    started = threading.Event()

    def open_now() -> None:
        threading.Thread(target=open_in_background, name="desk-open", daemon=True).start()

    def start_opening() -> None:
        if not started.is_set():
            started.set()
            open_now()

    window.table.viewport().installEventFilter(
        AfterFirstPaint(window, start_opening, partial(list_drawn, window))
    )
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
