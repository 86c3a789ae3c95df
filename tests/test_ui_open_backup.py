"""A double-clicked .deskbackup: `main.py FILE` opens the window on the profile and asks before restoring
(the current data is kept as a backup first; 取消 changes nothing); a second start hands the file to the
window already running; and a data folder made by a newer desk is refused in plain words."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import main
import ui.single_instance as single_instance
from desk.app import open_desk
from desk.backup import backup_profile
from desk.domain import CaseDraft
from desk.profile import Profile
from ui.main_window import MainWindow
from ui.qt import QApplication, QMessageBox, QSettings, QTimer

pytestmark = [pytest.mark.gui, pytest.mark.sqlite_only]

REPO = Path(__file__).resolve().parents[1]
QUESTION = "用这个备份替换当前的全部售后记录和证据吗？"
GIVE_UP_MS = 40_000


def make_profile(root: Path, orders: list[str]) -> Path:
    d = open_desk(root)
    try:
        for order in orders:
            d.cases.create(CaseDraft(order_no=order))
    finally:
        d.close()
    return root


def orders_in(root: Path) -> list[str]:
    d = open_desk(root)
    try:
        return sorted(c.order_no for c in (d.cases.get(i) for i in d.cases.list_ids()))
    finally:
        d.close()


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    source = make_profile(tmp_path / "other-shop", ["261120-000000000000111", "261120-000000000000222"])
    return backup_profile(Profile(source), tmp_path / "从别处拿来的.deskbackup").path


@pytest.fixture
def started(qapp: QApplication, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """main.main as a user's start, kept from leaving anything behind for the next test."""
    settings = QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)
    monkeypatch.setattr("ui.main_window.settings_for_ui", lambda: settings)
    monkeypatch.setattr("desk.logs.setup_logging", lambda *a, **k: None)
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setattr(single_instance, "_current", None)
    yield
    guard = single_instance.current()
    if guard is not None:
        guard.release()
    for w in QApplication.topLevelWidgets():
        if isinstance(w, QMessageBox) and w.isVisible():
            w.close()


def visible_boxes(needle: str) -> list[QMessageBox]:
    return [
        w
        for w in QApplication.topLevelWidgets()
        if isinstance(w, QMessageBox) and w.isVisible() and needle in w.text()
    ]


def click(box: QMessageBox, label: str) -> None:
    (button,) = [b for b in box.buttons() if b.text() == label]
    button.click()


def run_main_answering(argv: list[str], answer: str) -> tuple[int, list[str], list[str]]:
    """Run main.main(argv); answer the restore question with `answer`, then quit once the outcome shows.
    Returns the exit code, the question's words and the report's words."""
    app = QApplication.instance()
    assert app is not None
    asked: list[str] = []
    reported: list[str] = []
    waited = [0]

    def finish() -> None:
        for w in QApplication.topLevelWidgets():
            if isinstance(w, QMessageBox) and w.isVisible():
                w.close()
        for w in QApplication.topLevelWidgets():
            if isinstance(w, MainWindow) and w.isVisible():
                w.close()
        app.exit(0)

    def watch() -> None:
        waited[0] += 50
        if waited[0] > GIVE_UP_MS:
            app.exit(3)  # the test fails instead of hanging
            return
        if not asked:
            for box in visible_boxes(QUESTION):
                asked.append(f"{box.text()}\n{box.informativeText()}")
                click(box, answer)
        elif answer == "恢复":
            done = visible_boxes("已从备份恢复")
            if done:
                reported.append(f"{done[0].text()}\n{done[0].informativeText()}")
                finish()
                return
        elif waited[0] > 1500:  # 取消: give anything a moment to go wrong, then leave
            finish()
            return
        QTimer.singleShot(50, watch)

    QTimer.singleShot(0, watch)
    return main.main(argv), asked, reported


def test_a_second_start_hands_the_backup_to_the_running_window(tmp_path: Path, archive: Path) -> None:
    """Two real processes, as a double click on a backup file makes them while the desk runs: the second
    start cannot own the profile, hands the file to the running window and exits; the running window asks
    whether to restore it (its log says so; the question stays open until the window is closed)."""
    root = make_profile(tmp_path / "shop", ["261120-000000000000333"])
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": str(tmp_path / "config")}
    log_file = root / "logs" / "desk.log"

    def logged(words: str) -> bool:
        return log_file.is_file() and words in log_file.read_text(encoding="utf-8", errors="replace")

    running = subprocess.Popen(
        [sys.executable, "main.py", "--profile", str(root)],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + GIVE_UP_MS / 1000
        while not logged("single instance: listening") and time.monotonic() < deadline:
            assert running.poll() is None, "the first start ended by itself"
            time.sleep(0.1)
        second = subprocess.run(
            [sys.executable, "main.py", "--profile", str(root), str(archive)],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=GIVE_UP_MS / 1000,
        )
        assert second.returncode == 0, second.stderr
        assert "已切换到那个窗口" in second.stdout and "询问是否用这个备份恢复" in second.stdout
        while not logged(f"offering to restore {archive}") and time.monotonic() < deadline:
            time.sleep(0.1)
        assert logged(f"offering to restore {archive}"), "the running window never asked"
        assert running.poll() is None  # still running, the question open in it
    finally:
        running.kill()
        running.wait()
    assert orders_in(root) == ["261120-000000000000333"]  # asked, never restored behind the operator's back


def test_a_double_clicked_backup_asks_then_restores_keeping_the_current_data(
    started: None, tmp_path: Path, archive: Path
) -> None:
    root = make_profile(tmp_path / "shop", ["261120-000000000000999"])

    code, asked, reported = run_main_answering(["--profile", str(root), str(archive)], "恢复")

    assert code == 0
    (question,) = asked
    assert archive.name in question and "2 条售后记录" in question
    assert "当前数据会先另存到 backups 文件夹" in question
    assert reported and "2 条售后记录" in reported[0] and "before-restore-" in reported[0]
    assert orders_in(root) == ["261120-000000000000111", "261120-000000000000222"]
    # The data it replaced is kept: restoring the automatic backup brings the shop's own case back.
    (kept,) = (root / "backups").glob("before-restore-*.deskbackup")
    elsewhere = tmp_path / "check-kept"
    from desk.backup import restore_backup

    restore_backup(kept, Profile(elsewhere))
    assert orders_in(elsewhere) == ["261120-000000000000999"]


def test_cancelling_the_question_changes_nothing(started: None, tmp_path: Path, archive: Path) -> None:
    root = make_profile(tmp_path / "shop", ["261120-000000000000999"])

    code, asked, reported = run_main_answering(["--profile", str(root), str(archive)], "取消")

    assert code == 0 and len(asked) == 1 and not reported
    assert orders_in(root) == ["261120-000000000000999"]
    assert not list((root / "backups").glob("before-restore-*"))


def test_a_file_that_is_not_a_backup_is_refused_in_plain_words(
    started: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_profile(tmp_path / "shop", ["261120-000000000000999"])
    fake = tmp_path / "照片.deskbackup"
    fake.write_bytes(b"\x89PNG not a backup")
    told: list[str] = []

    def watch(left: list[int] = [GIVE_UP_MS]) -> None:  # noqa: B006 - the count of one watch
        left[0] -= 50
        errors = [
            w
            for w in QApplication.topLevelWidgets()
            if isinstance(w, QMessageBox) and w.isVisible() and w.icon() != QMessageBox.Icon.NoIcon
        ]
        if errors or left[0] <= 0:
            told.extend(f"{b.text()}\n{b.informativeText()}" for b in errors)
            for w in QApplication.topLevelWidgets():
                if isinstance(w, QMessageBox | MainWindow) and w.isVisible():
                    w.close()
            QApplication.instance().exit(0)  # type: ignore[union-attr]
            return
        QTimer.singleShot(50, watch)

    QTimer.singleShot(0, watch)
    assert main.main(["--profile", str(root), str(fake)]) == 0
    assert told and "Traceback" not in told[0] and "备份" in told[0]
    assert orders_in(root) == ["261120-000000000000999"]


def test_a_folder_made_by_a_newer_desk_is_refused_untouched(
    started: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_profile(tmp_path / "shop", ["261120-000000000000999"])
    with sqlite3.connect(root / "desk.sqlite3") as con:
        con.execute("UPDATE alembic_version SET version_num = '9999_from_the_future'")
    con.close()
    before = (root / "desk.sqlite3").read_bytes()
    told: list[str] = []
    monkeypatch.setattr(QMessageBox, "exec", lambda box: told.append(box.text()) or 0)

    assert main.main(["--profile", str(root)]) == 2

    (message,) = told
    assert "更新版本的售后申诉工作台" in message and "请升级软件" in message and "未作任何修改" in message
    assert "Traceback" not in message
    assert (root / "desk.sqlite3").read_bytes() == before
