"""Background work: a one-writer DB executor, a thumbnail pool, and Op to land results on the GUI thread."""

from __future__ import annotations

import functools
import logging
import os
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Generic, Literal, TypeVar

from desk.errors import DeskError
from ui.errors import APP_TITLE, show_error
from ui.qt import QObject, QProgressDialog, Qt, QWidget, Signal, Slot

log = logging.getLogger(__name__)

T = TypeVar("T")
Pool = Literal["db", "cpu"]


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
    """

    def __init__(self, *, thumbnail_workers: int | None = None) -> None:
        workers = thumbnail_workers or max(2, min(4, os.cpu_count() or 2))
        self._db = ThreadPoolExecutor(max_workers=1, thread_name_prefix="desk-db")
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
        executor = self._db if pool == "db" else self._cpu
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
        self._cpu.shutdown(wait=wait, cancel_futures=True)


class Op(Generic[T]):
    """One call to the services, run off the GUI thread, with its outcome delivered on the GUI thread.

    Usage: ``Op(fn).on_success(cb).with_progress(parent, "正在导入…").run(runner)``.
    Without progress fn is called with no arguments; with progress it is called as
    ``fn(progress=..., cancel=...)`` where ``progress(done, total, name)`` may be called from the
    worker and ``cancel()`` returns True once the operator pressed 取消.
    fn must not touch widgets: it runs on a worker thread.
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
            if finished or dialog is None:
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
            if dialog is not None:
                dialog.close()
                dialog.deleteLater()
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
