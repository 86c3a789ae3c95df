"""Appeal packet preview and printing; the 申诉 menu's 上传材料包… (the upload kit dialog)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ui.context import FeatureContext, MenuKey
from ui.qt import QAction

if TYPE_CHECKING:
    from ui.packet.upload_kit_dialog import UploadKitDialog


@dataclass(frozen=True, slots=True)
class UploadKitFeature:
    """上传材料包… and the function that opens it for the current case."""

    upload_kit: QAction
    open_upload_kit: Callable[[], None]

    @property
    def actions(self) -> tuple[QAction, ...]:
        return (self.upload_kit,)


def install(ctx: FeatureContext) -> UploadKitFeature:
    """申诉 ▸ 上传材料包…: the current case's upload kit (saving pending edits first)."""
    opened: dict[str, UploadKitDialog] = {}

    def open_dialog() -> None:
        from ui.packet.upload_kit_dialog import UploadKitDialog

        def show() -> None:
            case_id = ctx.current_case()
            if case_id is None:
                ctx.show_status("请先选择或保存一条售后，再生成上传材料包")
                return
            old = opened.pop("dialog", None)
            if old is not None:
                ctx.changes.disconnect(old.apply_changes)
                old.close()
                old.deleteLater()
            dialog = UploadKitDialog(ctx.desk, ctx.runner, case_id, parent=ctx.parent)
            dialog.status_message.connect(ctx.show_status)
            ctx.changes.connect(dialog.apply_changes)
            opened["dialog"] = dialog
            dialog.show()

        if ctx.current_case() is None:
            ctx.show_status("请先选择或保存一条售后，再生成上传材料包")
            return
        # Unsaved edits (the 问题描述 is the 申诉说明) would silently be missing from the kit.
        ctx.confirm_leave(show, question="当前售后有未保存的修改，生成上传材料包前要保存吗？")

    feature = UploadKitFeature(
        upload_kit=ctx.action("上传材料包…", open_dialog, None, "把申诉材料做成符合平台上限的图片和申诉说明"),
        open_upload_kit=open_dialog,
    )
    ctx.menu(MenuKey.APPEAL).addAction(feature.upload_kit)
    return feature
