"""Background work: a one-writer DB executor, a thumbnail pool, and Op to land results on the GUI thread."""

from __future__ import annotations

import functools
import logging
import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, Generic, Literal, TypeVar

from desk.db import thread_guard
from desk.errors import DeskError
from ui.errors import APP_TITLE, show_error
from ui.qt import QObject, QProgressDialog, Qt, QWidget, Signal, Slot, isValid

log = logging.getLogger(__name__)

T = TypeVar("T")
Pool = Literal["db", "read", "cpu"]

DEBUG_THREADS_ENV = "DESK_DEBUG_THREADS"
# The window's own code: a session it opens on the GUI thread is the mistake the check is for.
WINDOW_PACKAGES = ("ui",)


def guard_gui_thread() -> None:
    """With DESK_DEBUG_THREADS=1, make a call to the services from the window's code on this (the GUI)
    thread raise WrongThread (desk/db/thread_guard.py) instead of freezing the window while it waits.

    Called once the main window is shown: the profile was opened before, on a thread of its own
    (ui/startup.py). Leaves a check someone else set up (the tests', which also records) as it is.
    """
    if os.environ.get(DEBUG_THREADS_ENV) != "1" or thread_guard.forbidden_thread() == threading.get_ident():
        return
    thread_guard.forbid_thread(callers=WINDOW_PACKAGES)
    log.info("debug check on: the window's code may not call the database on the GUI thread")


@contextmanager
def read_on_gui_thread(why: str) -> Iterator[None]:
    """A read the window makes on the GUI thread on purpose, so the debug check lets it through.

    For the few reads the operator is waiting to see in this very frame (opening the desk, opening the
    case chosen in the list, painting list rows); `why` says which, for whoever reads the code. Writes
    never belong here.
    """
    with thread_guard.allowed():
        yield


class _Dispatcher(QObject):
    """Lives on the GUI thread; worker threads hand it closures to run there.

    Signals:
        call: a zero-argument callable to run on the GUI thread (queued).
    """

    call = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        self.call.connect(self._on_call, Qt.ConnectionType.QueuedConnection)

    @Slot(object)
    def _on_call(self, fn: Callable[[], None]) -> None:
        fn()


class TaskRunner:
    """Owns the worker threads of the window.

    The DB executor has one worker because SQLite has one writer and long writes (imports, packets)
    must not interleave; thumbnails are CPU bound and release the GIL, so they get a small pool.

    The read executor ("read", one worker) takes the quick reads the operator waits to see: list rows
    coming into view, the case just chosen, its evidence, order rows. They must not queue behind a packet
    build, an import or the sidebar's counts on the DB worker (up to seconds), and SQLite in WAL mode
    (PostgreSQL anyway) lets a reader run beside the writer. A read there sees what was committed when it
    starts: the window re-reads on every change it applies, so a row read beside a write is refreshed
    once the write is done. Writes never go there (calibre's read/write split of its database API).
    """

    def __init__(self, *, thumbnail_workers: int | None = None) -> None:
        workers = thumbnail_workers or max(2, min(4, os.cpu_count() or 2))
        self._db = ThreadPoolExecutor(max_workers=1, thread_name_prefix="desk-db")
        self._read = ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="desk-read", initializer=thread_guard.mark_reader_thread
        )
        self._cpu = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="desk-thumb")
        self._dispatcher = _Dispatcher()
        self._closed = False

    @property
    def closed(self) -> bool:
        return self._closed

    def submit(self, fn: Callable[[], T], *, pool: Pool = "db") -> Future[T]:
        """Run fn on a worker; the caller deals with the future (see Op for the usual path)."""
        if self._closed:
            # The window is going away (e.g. a late paint asked for a thumbnail): do nothing.
            dropped: Future[T] = Future()
            dropped.cancel()
            return dropped
        executor = {"db": self._db, "read": self._read}.get(pool, self._cpu)
        return executor.submit(fn)

    def run_on_gui(self, fn: Callable[[], None]) -> None:
        """Queue fn to run on the GUI thread; safe to call from any thread, a no-op after shutdown."""
        if self._closed:
            return
        try:
            self._dispatcher.call.emit(fn)
        except RuntimeError:
            # The dispatcher's C++ side is gone (application shutting down): nobody to tell.
            log.debug("result dropped after shutdown")

    def shutdown(self, *, wait: bool = True) -> None:
        """Stop taking work; queued jobs are dropped, running ones finish (a DB write is never cut)."""
        self._closed = True
        self._db.shutdown(wait=wait, cancel_futures=True)
        self._read.shutdown(wait=wait, cancel_futures=True)
        self._cpu.shutdown(wait=wait, cancel_futures=True)


class Op(Generic[T]):
    """One call to the services, run off the GUI thread, with its outcome delivered on the GUI thread.

    Usage: ``Op(fn).on_success(cb).with_progress(parent, "正在导入…").run(runner)``.
    Without progress fn is called with no arguments; with progress it is called as
    ``fn(progress=..., cancel=...)`` where ``progress(done, total, name)`` may be called from the
    worker and ``cancel()`` returns True once the operator pressed 取消.
    fn must not touch widgets: it runs on a worker thread.

    When the parent, or a Qt object whose method is one of the callbacks, was deleted before the outcome
    arrives (the window was replaced, a dialog closed), the outcome is dropped and no callback runs: there
    is nothing left to show it on.
    """

    def __init__(self, fn: Callable[..., T], *, parent: QWidget | None = None, pool: Pool = "db") -> None:
        self._fn = fn
        self._parent = parent
        self._pool: Pool = pool
        self._success: Callable[[T], None] | None = None
        self._failure: Callable[[BaseException], None] | None = None
        self._done: Callable[[], None] | None = None
        self._cancelled: Callable[[], None] | None = None
        self._label: str | None = None
        self._action = ""

    def on_success(self, cb: Callable[[T], None]) -> Op[T]:
        self._success = cb
        return self

    def on_failure(self, cb: Callable[[BaseException], None]) -> Op[T]:
        """Replace the default failure handling (a message box over the parent)."""
        self._failure = cb
        return self

    def on_done(self, cb: Callable[[], None]) -> Op[T]:
        """Run cb after success or failure, e.g. to re-enable a button."""
        self._done = cb
        return self

    def on_cancelled(self, cb: Callable[[], None]) -> Op[T]:
        """Run cb instead of an error message when the operator pressed 取消 and the call gave up."""
        self._cancelled = cb
        return self

    def with_action(self, action: str) -> Op[T]:
        """Name what the operator did (保存话术) in the message a failure shows."""
        self._action = action
        return self

    def with_progress(self, parent: QWidget, label: str) -> Op[T]:
        self._parent = parent
        self._label = label
        self._action = label.rstrip("…. ")
        return self

    def run(self, runner: TaskRunner) -> Future[T]:
        cancel_event = threading.Event()
        dialog = self._make_dialog(cancel_event) if self._label is not None else None
        finished = False

        def on_progress(done: int, total: int, name: str) -> None:
            if finished or dialog is None or not isValid(dialog):
                return
            dialog.setMaximum(max(total, 1))
            dialog.setValue(min(done, max(total, 1)))
            if name:
                dialog.setLabelText(f"{self._label}\n{name}")

        def progress(done: int, total: int, name: str = "") -> None:
            runner.run_on_gui(functools.partial(on_progress, done, total, name))

        def finish(result: Any, error: BaseException | None) -> None:
            nonlocal finished
            finished = True
            # Read before closing: QProgressDialog.close() emits canceled() (even if never shown),
            # which would make every failure look like the operator's 取消.
            cancelled = cancel_event.is_set()
            if dialog is not None and isValid(dialog):
                dialog.close()
                dialog.deleteLater()
            gone = self._receiver_gone()
            if gone:
                log.debug("outcome of %s dropped: %s was deleted meanwhile", _name(self._fn), gone)
                return
            try:
                if error is None:
                    if self._success is not None:
                        self._success(result)
                elif cancelled and isinstance(error, DeskError):
                    # The services report a cancelled job as a DeskError ("已取消"): the operator
                    # asked for it, so it is not an error worth a message box.
                    log.info("cancelled: %s", error)
                    if self._cancelled is not None:
                        self._cancelled()
                elif self._failure is not None:
                    self._failure(error)
                else:
                    show_error(self._parent, error, action=self._action)
            except thread_guard.WrongThread:
                raise  # the debug check: a bug to fix, not a message for the operator
            except Exception as exc:  # a bug in a callback must not kill the event loop
                show_error(self._parent, exc, action=self._action)
            finally:
                if self._done is not None:
                    self._done()

        def work() -> T:
            try:
                if self._label is not None:
                    result = self._fn(progress=progress, cancel=cancel_event.is_set)
                else:
                    result = self._fn()
            except BaseException as exc:
                runner.run_on_gui(functools.partial(finish, None, exc))
                raise
            runner.run_on_gui(functools.partial(finish, result, None))
            return result

        return runner.submit(work, pool=self._pool)

    def _receiver_gone(self) -> str:
        """Which widget the outcome was meant for is deleted now (as a word for the log), or ""."""
        if self._parent is not None and not isValid(self._parent):
            return "the parent widget"
        for cb in (self._success, self._failure, self._done, self._cancelled):
            receiver = getattr(cb, "__self__", None)
            if isinstance(receiver, QObject) and not isValid(receiver):
                return f"the receiver {type(receiver).__name__}"
        return ""

    def _make_dialog(self, cancel_event: threading.Event) -> QProgressDialog:
        dialog = QProgressDialog(self._label or "", "取消", 0, 0, self._parent)
        dialog.setWindowTitle(APP_TITLE)
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        # Quick jobs finish before the dialog would flash up.
        dialog.setMinimumDuration(400)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        dialog.setMinimumWidth(360)

        def on_canceled() -> None:
            cancel_event.set()

        dialog.canceled.connect(on_canceled)
        return dialog


def _name(fn: Callable[..., Any]) -> str:
    return getattr(fn, "__qualname__", None) or repr(fn)
