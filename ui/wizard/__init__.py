"""申诉 menu entries of the guided wizard (处理向导…) and the scripts library (话术库…)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ui.qt import QKeySequence

if TYPE_CHECKING:
    from ui.main_window import MainWindow


def install_wizard_menu(window: MainWindow) -> None:
    from ui.wizard.scripts_dialog import ScriptsDialog
    from ui.wizard.wizard_dialog import WizardDialog

    opened: dict[str, object] = {}

    def open_wizard() -> None:
        case_id = window.form.case_id
        if case_id is None:
            window.show_status("请先选择或保存一条售后，再打开处理向导")
            return
        old = opened.get("wizard")
        if isinstance(old, WizardDialog):
            window.changes_applied.disconnect(old.apply_changes)
            old.close()
            old.deleteLater()
        dialog = WizardDialog(window.opened_desk, window.runner, case_id, parent=window)
        dialog.changes_made.connect(window.changes_applied)
        dialog.status_message.connect(window.show_status)
        window.changes_applied.connect(dialog.apply_changes)
        opened["wizard"] = dialog
        dialog.show()

    def open_scripts() -> None:
        dialog = ScriptsDialog(window.opened_desk, window.form.case_id, parent=window)
        dialog.status_message.connect(window.show_status)
        opened["scripts"] = dialog
        dialog.show()

    window.wizard_action = window._action(
        "处理向导…", open_wizard, QKeySequence("Ctrl+W"), "按指南一步步处理当前售后"
    )
    window.scripts_action = window._action(
        "话术库…", open_scripts, QKeySequence("Ctrl+K"), "查找、复制和编辑话术"
    )
    window.open_wizard = open_wizard
    window.open_scripts = open_scripts
    appeal_menu = window.appeal_menu
    appeal_menu.insertActions(appeal_menu.actions()[0], [window.wizard_action, window.scripts_action])
    appeal_menu.insertSeparator(appeal_menu.actions()[2])
