"""TaskRunner and Op: results land on the GUI thread, failures become messages, 取消 reaches the worker."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from desk.errors import DeskError
from ui.qt import QApplication, QMessageBox, QProgressDialog, QPushButton, Qt, QWidget
from ui.tasks import Op, TaskRunner

pytestmark = pytest.mark.gui


@pytest.fixture
def runner(qapp: QApplication) -> Iterator[TaskRunner]:
    r = TaskRunner()
    yield r
    r.shutdown(wait=True)


@pytest.fixture
def boxes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    seen: list[str] = []
    monkeypatch.setattr(QMessageBox, "exec", lambda box: seen.append(box.text()) or 0)
    return seen


def test_success_runs_on_gui_thread(runner: TaskRunner, qtbot: Any) -> None:
    got: list[tuple[int, bool]] = []
    worker: list[bool] = []

    def work() -> int:
        worker.append(threading.current_thread() is threading.main_thread())
        return 42

    Op(work).on_success(lambda v: got.append((v, threading.current_thread() is threading.main_thread()))).run(
        runner
    )
    qtbot.waitUntil(lambda: bool(got))
    assert got == [(42, True)]
    assert worker == [False]


def test_db_jobs_never_overlap(runner: TaskRunner, qtbot: Any) -> None:
    active = 0
    worst = 0
    lock = threading.Lock()
    done: list[int] = []

    def work() -> None:
        nonlocal active, worst
        with lock:
            active += 1
            worst = max(worst, active)
        time.sleep(0.02)
        with lock:
            active -= 1

    for i in range(5):
        Op(work).on_success(lambda _r, i=i: done.append(i)).run(runner)
    qtbot.waitUntil(lambda: len(done) == 5)
    assert worst == 1
    assert done == [0, 1, 2, 3, 4]


def test_desk_error_message_is_shown(runner: TaskRunner, qtbot: Any, boxes: list[str]) -> None:
    finished: list[bool] = []

    def work() -> None:
        raise DeskError("售后记录 #7 不存在")

    Op(work).on_done(lambda: finished.append(True)).run(runner)
    qtbot.waitUntil(lambda: bool(finished))
    assert boxes == ["售后记录 #7 不存在"]


def test_failure_callback_replaces_message(runner: TaskRunner, qtbot: Any, boxes: list[str]) -> None:
    errors: list[BaseException] = []
    Op(lambda: 1 / 0).on_failure(errors.append).run(runner)
    qtbot.waitUntil(lambda: bool(errors))
    assert isinstance(errors[0], ZeroDivisionError)
    assert boxes == []


def test_bug_in_success_callback_is_reported(runner: TaskRunner, qtbot: Any, boxes: list[str]) -> None:
    def bad(_value: int) -> None:
        raise KeyError("oops")

    Op(lambda: 1).on_success(bad).run(runner)
    qtbot.waitUntil(lambda: bool(boxes))
    assert boxes[0].startswith("发生意外错误")


def test_progress_and_cancel(runner: TaskRunner, qtbot: Any) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    parent.show()
    seen_cancel: list[bool] = []
    results: list[str] = []

    def work(progress: Callable[[int, int, str], None], cancel: Callable[[], bool]) -> str:
        for i in range(500):
            if cancel():
                seen_cancel.append(True)
                return "cancelled"
            progress(i, 500, f"文件{i}.jpg")
            time.sleep(0.01)
        return "finished"

    Op(work).with_progress(parent, "正在导入证据…").on_success(results.append).run(runner)
    qtbot.waitUntil(
        lambda: any(
            isinstance(w, QProgressDialog) and w.isVisible() for w in parent.findChildren(QProgressDialog)
        )
    )
    dialog = parent.findChildren(QProgressDialog)[0]
    qtbot.waitUntil(lambda: "文件" in dialog.labelText())
    cancel_button = next(b for b in dialog.findChildren(QPushButton) if b.text() == "取消")
    qtbot.mouseClick(cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(results))
    assert results == ["cancelled"]
    assert seen_cancel == [True]


def test_results_after_shutdown_are_dropped(qapp: QApplication) -> None:
    r = TaskRunner()
    got: list[int] = []
    gate = threading.Event()

    def work() -> int:
        gate.wait(2)
        return 1

    Op(work).on_success(got.append).run(r)
    r.shutdown(wait=False)
    gate.set()
    time.sleep(0.1)
    qapp.processEvents()
    assert got == []


def test_cancelled_desk_error_is_not_an_error(runner: TaskRunner, qtbot: Any, boxes: list[str]) -> None:
    """Services report 取消 as DeskError("已取消"); that must not pop up a warning."""
    parent = QWidget()
    qtbot.addWidget(parent)
    parent.show()
    cancelled: list[bool] = []

    def work(progress: Callable[[int, int, str], None], cancel: Callable[[], bool]) -> None:
        for i in range(500):
            if cancel():
                raise DeskError("已取消")
            progress(i, 500, "")
            time.sleep(0.01)

    Op(work).with_progress(parent, "正在生成申诉材料…").on_cancelled(lambda: cancelled.append(True)).run(
        runner
    )
    qtbot.waitUntil(lambda: any(d.isVisible() for d in parent.findChildren(QProgressDialog)))
    parent.findChildren(QProgressDialog)[0].canceled.emit()
    qtbot.waitUntil(lambda: bool(cancelled))
    assert boxes == []


def test_failure_of_a_job_with_progress_is_shown_not_taken_for_cancel(
    runner: TaskRunner, qtbot: Any, boxes: list[str]
) -> None:
    """Closing the progress dialog emits canceled(); a real failure must still reach the operator."""
    parent = QWidget()
    qtbot.addWidget(parent)
    parent.show()
    finished: list[bool] = []
    cancelled: list[bool] = []

    def work(progress: Callable[[int, int, str], None], cancel: Callable[[], bool]) -> None:
        progress(1, 3, "封面")
        raise DeskError("磁盘空间已满，申诉材料未生成")

    (
        Op(work)
        .with_progress(parent, "正在生成申诉材料…")
        .on_cancelled(lambda: cancelled.append(True))
        .on_done(lambda: finished.append(True))
        .run(runner)
    )
    qtbot.waitUntil(lambda: bool(finished))
    assert boxes == ["磁盘空间已满，申诉材料未生成"] and cancelled == []
