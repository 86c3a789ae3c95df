"""备份… and 恢复…: file choice, confirmation, progress with 取消, and a plain report."""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desk.backup import SUFFIX, BackupResult, RestoreResult, backup_profile, read_manifest, restore_backup
from desk.backup.auto import run_daily_backup
from desk.errors import DeskError
from desk.settings import backups_folder, load_settings
from ui.errors import APP_TITLE, ask, show_error
from ui.qt import QFileDialog, QMessageBox
from ui.tasks import Op

if TYPE_CHECKING:
    from ui.main_window import MainWindow

log = logging.getLogger(__name__)

FILTER = f"售后申诉工作台备份 (*{SUFFIX});;所有文件 (*)"


def _info(window: Any, text: str, informative: str = "") -> QMessageBox:
    box = QMessageBox(QMessageBox.Icon.Information, APP_TITLE, text, parent=window)
    if informative:
        box.setInformativeText(informative)
    box.addButton("确定", QMessageBox.ButtonRole.AcceptRole)
    box.open()
    return box


def default_backup_path(window: MainWindow) -> Path:
    profile = window.opened_desk.profile
    folder = backups_folder(profile, load_settings(profile))
    return folder / f"售后备份-{datetime.now().strftime('%Y%m%d-%H%M%S')}{SUFFIX}"


def ask_backup(window: MainWindow) -> None:
    suggested = default_backup_path(window)
    suggested.parent.mkdir(parents=True, exist_ok=True)
    chosen, _ = QFileDialog.getSaveFileName(window, "备份到文件", str(suggested), FILTER)
    if chosen:
        path = Path(chosen)
        if path.suffix != SUFFIX:
            path = path.with_name(path.name + SUFFIX)
        start_backup(window, path)


def start_backup(window: MainWindow, dest: Path) -> Any:
    """Back up in the background with a progress dialog; 取消 leaves no file behind."""
    profile = window.opened_desk.profile

    def done(result: BackupResult) -> None:
        counts = result.manifest.counts
        window.show_status(f"已备份到 {result.path.name}")
        _info(
            window,
            f"备份完成，已读回校验无误：{counts.get('cases', 0)} 条售后记录，{len(result.manifest.blobs)} 个证据文件。",
            f"文件：{result.path}\n大小：{result.byte_size / 1e6:.1f} MB"
            + ("\n\n" + "\n".join(result.warnings) if result.warnings else ""),
        )

    return (
        Op(lambda progress, cancel: backup_profile(profile, dest, progress=progress, cancel=cancel))
        .with_progress(window, "正在备份…")
        .on_success(done)
        .run(window.runner)
    )


def ask_restore(window: MainWindow) -> None:
    folder = backups_folder(window.opened_desk.profile, load_settings(window.opened_desk.profile))
    chosen, _ = QFileDialog.getOpenFileName(window, "选择要恢复的备份文件", str(folder), FILTER)
    if chosen:
        confirm_and_restore(window, Path(chosen))


def confirm_and_restore(window: MainWindow, archive: Path, *, confirm: Any = ask) -> Any:
    """Show what the backup holds, ask, then restore; the current data is kept as a backup first."""
    try:
        manifest = read_manifest(archive)
    except DeskError as exc:
        show_error(window, exc, action="读取备份")
        return None
    counts = manifest.counts
    choice = confirm(
        window,
        f"用这个备份替换当前的全部售后记录和证据吗？\n{archive.name}",
        ["恢复", "取消"],
        informative=(
            f"备份时间：{manifest.created_at}\n内容：{counts.get('cases', 0)} 条售后记录，"
            f"{len(manifest.blobs)} 个证据文件。\n\n恢复前会先完整校验备份；当前数据会先另存到 backups 文件夹。"
            "校验不通过则不做任何改动。"
        ),
    )
    if choice != 0:
        return None

    def go() -> Any:
        return _run_restore(window, archive)

    if window.form.is_dirty():
        window.form.confirm_leave(go, question="当前售后有未保存的修改，恢复前要保存吗？")
        return None
    return go()


def _run_restore(window: MainWindow, archive: Path) -> Any:
    from ui.single_instance import current

    desk = window.opened_desk
    guard = current()
    lock = guard.lock if guard is not None and guard.lock.held else None

    def work(progress: Any, cancel: Any) -> RestoreResult:
        return restore_backup(
            archive,
            desk.profile,
            lock=lock,
            before_swap=desk.engine.dispose,
            progress=progress,
            cancel=cancel,
        )

    def done(result: RestoreResult) -> None:
        new = reopen_window(window)
        text = f"已从备份恢复：{result.manifest.counts.get('cases', 0)} 条售后记录，全部校验无误。"
        extra = f"恢复前的数据已另存为：{result.safety_backup}" if result.safety_backup else ""
        _info(new, text, "\n".join([extra, *result.warnings]).strip())

    return Op(work).with_progress(window, "正在校验并恢复备份…").on_success(done).run(window.runner)


def reopen_window(window: MainWindow) -> MainWindow:
    """Every view re-reads the restored data: a fresh main window replaces the old one."""
    from ui.main_window import MainWindow as Window
    from ui.single_instance import current

    window.opened_desk.engine.dispose()
    new = Window(window.opened_desk, runner=window.runner)
    new.show()
    guard = current()
    if guard is not None:
        guard.attach(new)
    window._close_confirmed = True  # nothing unsaved: asked before restoring
    window.close()
    window.deleteLater()
    return new


def run_daily_backup_in_background(window: MainWindow) -> Any:
    """Today's automatic backup, quietly; a failure shows in the status bar and the log, not a dialog."""
    profile = window.opened_desk.profile

    def done(result: BackupResult | None) -> None:
        if result is not None:
            window.show_status(f"已自动备份：{result.path.name}")

    def failed(exc: BaseException) -> None:
        log.error("automatic backup failed", exc_info=exc)
        message = exc.message if isinstance(exc, DeskError) else "自动备份失败，详情见日志"
        window.show_status(f"自动备份未完成：{message}")

    if window.runner.closed or not window.isVisible():
        return None
    try:
        if not load_settings(profile).backup.daily:
            return None
    except DeskError as exc:
        failed(exc)
        return None
    # Not on the one-writer DB worker: the backup reads through its own connection, so imports and
    # edits go on while it runs.
    return (
        Op(lambda: run_daily_backup(profile), pool="cpu")
        .on_success(done)
        .on_failure(failed)
        .run(window.runner)
    )
