"""Crash safety for the window: unexpected exceptions become a dialog (with 复制详情) and a log entry
while the desk keeps running; native crashes are written by faulthandler and offered at the next start.
"""

from __future__ import annotations

import contextlib
import faulthandler
import logging
import sys
import threading
import traceback
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from ui.errors import APP_TITLE
from ui.qt import QApplication, QMessageBox, QObject, QPlainTextEdit, Qt, QVBoxLayout, QWidget, Signal, Slot
from ui.qt import QDialog as _QDialog

log = logging.getLogger(__name__)

NATIVE_LOG = "native-crash.log"
COPY_LABEL = "复制详情"

_native_file: IO[str] | None = None
# A report found (and set aside) at start, before faulthandler took the file over for this run.
_previous_report: tuple[Path, str] | None = None


def describe(exc: BaseException) -> str:
    """One plain line about what happened, for the dialog's main text."""
    name = type(exc).__name__
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{name}：{text}" if text else name


def crash_box(parent: QWidget | None, exc: BaseException, details: str) -> QMessageBox:
    """Build the unexpected-error dialog: what happened, that work can go on, and a Copy details button."""
    box = QMessageBox(
        QMessageBox.Icon.Critical, APP_TITLE, "发生了意外错误，这一步操作没有完成。", parent=parent
    )
    box.setInformativeText(
        f"{describe(exc)}\n\n工作台仍可继续使用，已保存的数据不受影响。详细信息已写入日志；"
        "如需联系技术支持，请点“复制详情”后粘贴给对方。"
    )
    box.setDetailedText(details)
    copy = box.addButton(COPY_LABEL, QMessageBox.ButtonRole.ActionRole)
    ok = box.addButton("确定", QMessageBox.ButtonRole.AcceptRole)
    box.setDefaultButton(ok)
    box.setEscapeButton(ok)
    # Copying must not close the dialog.
    copy.clicked.disconnect()
    copy.clicked.connect(lambda: QApplication.clipboard().setText(details))
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.setWindowModality(Qt.WindowModality.ApplicationModal)
    return box


class CrashHandler(QObject):
    """Owns the hooks. Exceptions from any thread are shown on the GUI thread, one dialog at a time.

    Signals:
        caught(object, str): an exception and its formatted traceback, delivered to the GUI thread.
    """

    caught = Signal(object, str)

    def __init__(self) -> None:
        super().__init__()
        self.caught.connect(self._show, Qt.ConnectionType.QueuedConnection)
        self.shown: list[QMessageBox] = []
        self._previous_hook = sys.excepthook
        self._previous_thread_hook = threading.excepthook

    def install(self) -> CrashHandler:
        sys.excepthook = self.excepthook
        threading.excepthook = self.thread_excepthook
        return self

    def uninstall(self) -> None:
        sys.excepthook = self._previous_hook
        threading.excepthook = self._previous_thread_hook
        disable_native_crash_log()

    def excepthook(self, exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            sys.__excepthook__(exc_type, exc, tb)
            return
        details = "".join(traceback.format_exception(exc_type, exc, tb))
        log.error("unhandled exception\n%s", details)
        _to_console(details)
        self.caught.emit(exc, details)

    def thread_excepthook(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_type is SystemExit or args.exc_value is None:
            return
        details = "".join(traceback.format_exception(args.exc_type, args.exc_value, args.exc_traceback))
        name = args.thread.name if args.thread is not None else "?"
        log.error("unhandled exception in thread %s\n%s", name, details)
        _to_console(details)
        self.caught.emit(args.exc_value, details)

    @Slot(object, str)
    def _show(self, exc: BaseException, details: str) -> None:
        self.shown = [b for b in self.shown if _alive(b)]
        if len(self.shown) >= 3:
            return  # an error storm: the log has them all; do not bury the window in dialogs
        try:
            box = crash_box(QApplication.activeWindow(), exc, details)
            self.shown.append(box)
            box.open()  # not exec(): no nested event loop inside an exception hook
        except Exception:
            log.exception("could not show the error dialog")


def _to_console(details: str) -> None:
    # Also to the console, if there is one: an error that ends the program (no event loop left to
    # show the dialog) must not vanish silently for someone who started it from a terminal.
    stream = sys.__stderr__
    if stream is not None:
        with contextlib.suppress(Exception):
            stream.write(details)
            stream.flush()


def _alive(box: QMessageBox) -> bool:
    try:
        return box.isVisible()
    except RuntimeError:  # the C++ dialog is already deleted
        return False


def install(logs_dir: Path) -> CrashHandler:
    """Hooks for Python exceptions (main and worker threads) and faulthandler for native crashes.

    A report left by the previous run is set aside first (offered later by offer_native_crash_report),
    so this run's faulthandler starts on a fresh file.
    """
    global _previous_report
    found = pending_native_crash(logs_dir)
    if found is not None:
        _previous_report = (archive_native_crash(found[0]), found[1])
    enable_native_crash_log(logs_dir)
    return CrashHandler().install()


def enable_native_crash_log(logs_dir: Path) -> Path:
    """faulthandler writes a native crash (segfault, abort) with every thread's stack to this file."""
    global _native_file
    logs_dir.mkdir(parents=True, exist_ok=True)
    path = logs_dir / NATIVE_LOG
    if _native_file is not None:
        _native_file.close()
    _native_file = open(path, "a", encoding="utf-8")  # noqa: SIM115 - must stay open for faulthandler
    faulthandler.enable(file=_native_file, all_threads=True)
    return path


def disable_native_crash_log() -> None:
    """Back to faulthandler on stderr (the window has closed; also keeps test runs tidy)."""
    global _native_file
    if _native_file is not None:
        faulthandler.enable(file=sys.__stderr__ or sys.stderr, all_threads=True)
        _native_file.close()
        _native_file = None


def pending_native_crash(logs_dir: Path) -> tuple[Path, str] | None:
    """A native crash report from an earlier run that nobody has looked at yet."""
    path = logs_dir / NATIVE_LOG
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return None
    return (path, text) if text.strip() else None


def archive_native_crash(path: Path) -> Path:
    """Keep the report under a dated name, so the next start does not offer it again."""
    dest = path.with_name(f"native-crash-{datetime.now().strftime('%Y%m%d-%H%M%S')}.log")
    path.replace(dest)
    return dest


class CrashReportDialog(_QDialog):
    """Shows a native crash report read-only, for copying to support."""

    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"{APP_TITLE} — 上次崩溃的记录")
        self.resize(760, 480)
        view = QPlainTextEdit(text)
        view.setReadOnly(True)
        layout = QVBoxLayout(self)
        layout.addWidget(view)


def offer_native_crash_report(parent: QWidget | None, logs_dir: Path, *, ask: Any = None) -> bool:
    """At start: if the last run crashed natively, say so and offer to show the report. True if offered."""
    global _previous_report
    report, _previous_report = _previous_report, None
    if report is None:
        found = pending_native_crash(logs_dir)
        if found is None:
            return False
        report = (archive_native_crash(found[0]), found[1])
    kept, text = report
    log.warning("the previous run crashed natively; report kept as %s", kept)
    if ask is None:
        from ui.errors import ask as ask_user

        ask = ask_user
    choice = ask(
        parent,
        "上次运行时工作台意外退出了（程序崩溃）。",
        ["查看崩溃记录", "以后再说"],
        informative=f"已保存的数据不受影响。崩溃记录已保存在“{kept}”，可以发给技术支持。",
    )
    if choice == 0:
        CrashReportDialog(text, parent).exec()
    return True
