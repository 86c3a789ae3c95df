"""Appeal packet preview and printing; the 申诉 menu's 上传材料包… (the upload kit dialog) and 平台看到的处理经过….

Where a platform's profile names the upload kit as its primary output (拼多多's 维权申诉 takes pictures and
text, not a document), 上传材料包 is the window's main action for its cases: on the toolbar in bold, and
the window's 发往平台 key (Ctrl+Enter, MainWindow.send_to_platform) opens it; elsewhere that key makes the
PDF (生成申诉材料).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from desk.domain import Platform
from ui.context import FeatureContext, MenuKey
from ui.qt import QAction, QComboBox

if TYPE_CHECKING:
    from ui.packet.story_dialog import StoryDialog
    from ui.packet.upload_kit_dialog import UploadKitDialog


@dataclass(frozen=True, slots=True)
class UploadKitFeature:
    """上传材料包…, 平台看到的处理经过…, and the functions that open them for the current case.

    primary_is_kit(): whether the upload kit is the main action for the case shown now.
    """

    upload_kit: QAction
    story: QAction
    open_upload_kit: Callable[[], None]
    open_story: Callable[[], None]
    primary_is_kit: Callable[[], bool]

    @property
    def actions(self) -> tuple[QAction, ...]:
        return (self.upload_kit, self.story)


def install(ctx: FeatureContext) -> UploadKitFeature:
    """申诉 ▸ 上传材料包…: the current case's upload kit (saving pending edits first)."""
    opened: dict[str, UploadKitDialog] = {}
    stories: dict[str, StoryDialog] = {}

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
            dialog.fix_requested.connect(ctx.jump_to)
            ctx.changes.connect(dialog.apply_changes)
            opened["dialog"] = dialog
            dialog.show()

        if ctx.current_case() is None:
            ctx.show_status("请先选择或保存一条售后，再生成上传材料包")
            return
        # Unsaved edits (the 问题描述 is the 申诉说明) would silently be missing from the kit.
        ctx.confirm_leave(show, question="当前售后有未保存的修改，生成上传材料包前要保存吗？")

    def open_story() -> None:
        from ui.packet.story_dialog import StoryDialog

        case_id = ctx.current_case()
        if case_id is None:
            ctx.show_status("请先选择或保存一条售后，再查看平台看到的处理经过")
            return
        old = stories.pop("story", None)
        if old is not None:
            old.close()
            old.deleteLater()
        dialog = StoryDialog(ctx.desk, ctx.runner, case_id, parent=ctx.parent)
        dialog.changes_made.connect(ctx.changes)
        stories["story"] = dialog
        dialog.show()

    upload_kit = ctx.action("上传材料包…", open_dialog, None, "把申诉材料做成符合平台上限的图片和申诉说明")
    story = ctx.action(
        "平台看到的处理经过…", open_story, None, "申诉材料里给平台看的处理经过：可隐藏或改写某一条，不改记录"
    )
    primary = {"kit": False}

    def follow_platform(*_args: object) -> None:
        """Make the upload kit the main action when the shown case's platform sends it first."""
        platform = ctx.case_form.values().get("platform")
        is_kit = (
            isinstance(platform, Platform) and ctx.desk.platforms.primary_output(platform) == "upload_kit"
        )
        primary["kit"] = is_kit
        font = upload_kit.font()
        font.setBold(is_kit)
        upload_kit.setFont(font)
        upload_kit.setToolTip(
            f"上传材料包（{platform}的申诉表单收图片和文字：首选，Ctrl+Enter）"
            if is_kit
            else "把申诉材料做成符合平台上限的图片和申诉说明"
        )

    feature = UploadKitFeature(
        upload_kit=upload_kit,
        story=story,
        open_upload_kit=open_dialog,
        open_story=open_story,
        primary_is_kit=lambda: primary["kit"],
    )
    menu = ctx.menu(MenuKey.APPEAL)
    menu.addAction(upload_kit)
    menu.addAction(story)
    ctx.add_toolbar_action(upload_kit)
    ctx.case_changed.connect(follow_platform)
    platform_box = ctx.case_form.fields["platform"]
    if isinstance(platform_box, QComboBox):
        platform_box.currentIndexChanged.connect(follow_platform)
    follow_platform()
    return feature
