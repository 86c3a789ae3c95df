"""备份… and 恢复…: file choice, confirmation, progress with 取消, and a plain report."""

from __future__ import annotations

import logging
from collections.abc import Callable
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
    from desk.profile import Profile
    from ui.context import FeatureContext
    from ui.qt import QWidget
    from ui.tasks import TaskRunner

log = logging.getLogger(__name__)

FILTER = f"售后申诉工作台备份 (*{SUFFIX});;所有文件 (*)"


def _info(window: Any, text: str, informative: str = "") -> QMessageBox:
    box = QMessageBox(QMessageBox.Icon.Information, APP_TITLE, text, parent=window)
    if informative:
        box.setInformativeText(informative)
    box.addButton("确定", QMessageBox.ButtonRole.AcceptRole)
    box.open()
    return box


def default_backup_path(ctx: FeatureContext) -> Path:
    profile = ctx.desk.profile
    folder = backups_folder(profile, load_settings(profile))
    return folder / f"售后备份-{datetime.now().strftime('%Y%m%d-%H%M%S')}{SUFFIX}"


def ask_backup(ctx: FeatureContext) -> None:
    suggested = default_backup_path(ctx)
    suggested.parent.mkdir(parents=True, exist_ok=True)
    chosen, _ = QFileDialog.getSaveFileName(ctx.parent, "备份到文件", str(suggested), FILTER)
    if chosen:
        path = Path(chosen)
        if path.suffix != SUFFIX:
            path = path.with_name(path.name + SUFFIX)
        start_backup(ctx, path)


def start_backup(ctx: FeatureContext, dest: Path) -> Any:
    """Back up in the background with a progress dialog; 取消 leaves no file behind."""
    profile = ctx.desk.profile

    def done(result: BackupResult) -> None:
        counts = result.manifest.counts
        ctx.show_status(f"已备份到 {result.path.name}")
        _info(
            ctx.parent,
            f"备份完成，已读回校验无误：{counts.get('cases', 0)} 条售后记录，{len(result.manifest.blobs)} 个证据文件。",
            f"文件：{result.path}\n大小：{result.byte_size / 1e6:.1f} MB"
            + ("\n\n" + "\n".join(result.warnings) if result.warnings else ""),
        )

    return (
        Op(lambda progress, cancel: backup_profile(profile, dest, progress=progress, cancel=cancel))
        .with_progress(ctx.parent, "正在备份…")
        .on_success(done)
        .run(ctx.runner)
    )


def ask_restore(ctx: FeatureContext) -> None:
    folder = backups_folder(ctx.desk.profile, load_settings(ctx.desk.profile))
    chosen, _ = QFileDialog.getOpenFileName(ctx.parent, "选择要恢复的备份文件", str(folder), FILTER)
    if chosen:
        confirm_and_restore(ctx, Path(chosen))


def confirm_and_restore(ctx: FeatureContext, archive: Path, *, confirm: Any = ask) -> Any:
    """Show what the backup holds, ask, then restore; the current data is kept as a backup first."""
    try:
        manifest = read_manifest(archive)
    except DeskError as exc:
        show_error(ctx.parent, exc, action="读取备份")
        return None
    counts = manifest.counts
    choice = confirm(
        ctx.parent,
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
        return _run_restore(ctx, archive)

    if ctx.case_form.is_dirty():
        ctx.confirm_leave(go, question="当前售后有未保存的修改，恢复前要保存吗？")
        return None
    return go()


def _run_restore(ctx: FeatureContext, archive: Path) -> Any:
    desk = ctx.desk

    def done(result: RestoreResult) -> None:
        show_restore_report(ctx.reopen(), result)

    return restore_in_background(
        ctx.parent, ctx.runner, desk.profile, archive, before_swap=desk.engine.dispose, on_success=done
    )


def restore_in_background(
    parent: QWidget,
    runner: TaskRunner,
    profile: Profile,
    archive: Path,
    *,
    on_success: Callable[[RestoreResult], None],
    before_swap: Callable[[], None] | None = None,
    on_failure: Callable[[BaseException], None] | None = None,
    on_cancelled: Callable[[], None] | None = None,
) -> Any:
    """The restore service off the GUI thread, with progress and 取消; 工具 ▸ 恢复… and the start-up
    refusal's 从备份恢复… both run it. The window's own profile lock is handed to the restore."""
    from ui.single_instance import current

    guard = current()
    lock = guard.lock if guard is not None and guard.lock.held else None

    def work(progress: Any, cancel: Any) -> RestoreResult:
        return restore_backup(
            archive, profile, lock=lock, before_swap=before_swap, progress=progress, cancel=cancel
        )

    op = Op(work).with_progress(parent, "正在校验并恢复备份…").on_success(on_success)
    if on_failure is not None:
        op.on_failure(on_failure)
    if on_cancelled is not None:
        op.on_cancelled(on_cancelled)
    return op.run(runner)


def show_restore_report(parent: QWidget, result: RestoreResult) -> QMessageBox:
    """What was restored, where the previous data was kept, and any warnings."""
    text = f"已从备份恢复：{result.manifest.counts.get('cases', 0)} 条售后记录，全部校验无误。"
    extra = f"恢复前的数据已另存为：{result.safety_backup}" if result.safety_backup else ""
    return _info(parent, text, "\n".join([extra, *result.warnings]).strip())


def run_daily_backup_in_background(ctx: FeatureContext) -> Any:
    """Today's automatic backup, quietly; a failure shows in the status bar and the log, not a dialog."""
    profile = ctx.desk.profile

    def done(result: BackupResult | None) -> None:
        if result is not None:
            ctx.show_status(f"已自动备份：{result.path.name}")

    def failed(exc: BaseException) -> None:
        log.error("automatic backup failed", exc_info=exc)
        message = exc.message if isinstance(exc, DeskError) else "自动备份失败，详情见日志"
        ctx.show_status(f"自动备份未完成：{message}")

    if ctx.runner.closed or not ctx.parent.isVisible():
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
        Op(lambda: run_daily_backup(profile), pool="cpu").on_success(done).on_failure(failed).run(ctx.runner)
    )
