"""申诉 menu entries of the guided wizard (处理向导…) and the scripts library (话术库…)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ui.context import FeatureContext, MenuKey
from ui.qt import QAction, QKeySequence


@dataclass(frozen=True, slots=True)
class WizardFeature:
    """处理向导… and 话术库…, and the functions that open them."""

    wizard: QAction
    scripts: QAction
    open_wizard: Callable[[], None]
    open_scripts: Callable[[], None]

    @property
    def actions(self) -> tuple[QAction, ...]:
        return (self.wizard, self.scripts)


def install(ctx: FeatureContext) -> WizardFeature:
    """Add 处理向导… and 话术库… to the 申诉 menu (followed by a separator)."""
    from ui.wizard.scripts_dialog import ScriptsDialog
    from ui.wizard.wizard_dialog import WizardDialog

    opened: dict[str, object] = {}

    def open_wizard() -> None:
        case_id = ctx.current_case()
        if case_id is None:
            ctx.show_status("请先选择或保存一条售后，再打开处理向导")
            return
        old = opened.get("wizard")
        if isinstance(old, WizardDialog):
            ctx.changes.disconnect(old.apply_changes)
            old.close()
            old.deleteLater()
        dialog = WizardDialog(ctx.desk, ctx.runner, case_id, parent=ctx.parent)
        dialog.changes_made.connect(ctx.changes)
        dialog.status_message.connect(ctx.show_status)
        dialog.fix_requested.connect(ctx.jump_to)
        ctx.changes.connect(dialog.apply_changes)
        opened["wizard"] = dialog
        dialog.show()

    def open_scripts() -> None:
        dialog = ScriptsDialog(ctx.desk, ctx.runner, ctx.current_case(), parent=ctx.parent)
        dialog.status_message.connect(ctx.show_status)
        opened["scripts"] = dialog
        dialog.show()

    feature = WizardFeature(
        wizard=ctx.action("处理向导…", open_wizard, QKeySequence("Ctrl+W"), "按指南一步步处理当前售后"),
        scripts=ctx.action("话术库…", open_scripts, QKeySequence("Ctrl+K"), "查找、复制和编辑话术"),
        open_wizard=open_wizard,
        open_scripts=open_scripts,
    )
    menu = ctx.menu(MenuKey.APPEAL)
    menu.addActions(list(feature.actions))
    menu.addSeparator()
    return feature
