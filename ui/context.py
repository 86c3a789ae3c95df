"""The typed context a feature joins the main window through (Picard's plugin API, Anki's hooks).

A feature (工具, 订单, 处理向导, 上传材料包, 售后 menus …) has one entry point, ``install(ctx)``: it gets
a FeatureContext, adds its actions to the menus it names by key, connects to the change signal, and
returns its actions in a small dataclass. It never sets attributes on the window nor looks a menu up by
its title (tests/test_feature_context.py checks both).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from desk.domain import CaseId
from ui.qt import QAction, QKeySequence, QMenu, QWidget, SignalInstance

if TYPE_CHECKING:
    from desk.app import Desk
    from ui.cases.case_form import CaseForm
    from ui.cases.list_pane import CaseListPane
    from ui.tasks import TaskRunner


class MenuKey(enum.Enum):
    """The window's menus, in menu-bar order; features name them by key, never by title."""

    FILE = enum.auto()
    EDIT = enum.auto()
    APPEAL = enum.auto()
    TOOLS = enum.auto()
    ORDERS = enum.auto()
    CASES = enum.auto()
    DATA = enum.auto()
    HELP = enum.auto()


# The one place that turns menu keys into words.
MENU_TITLES: dict[MenuKey, str] = {
    MenuKey.FILE: "文件",
    MenuKey.EDIT: "编辑",
    MenuKey.APPEAL: "申诉",
    MenuKey.TOOLS: "工具",
    MenuKey.ORDERS: "订单",
    MenuKey.CASES: "售后",
    MenuKey.DATA: "资料",
    MenuKey.HELP: "帮助",
}


class ConfirmLeave(Protocol):
    """Save or drop the form's unsaved edits (asking if need be), then run `then`; False if it waits."""

    def __call__(self, then: Callable[[], None], *, question: str = ...) -> bool: ...


@dataclass(frozen=True, slots=True)
class FeatureContext:
    """What a feature may use of the window it joins.

    Attributes:
        desk: the opened desk (its services).
        runner: the task runner; every call to the services goes through it (ui/tasks.py Op).
        parent: the widget dialogs and windows of the feature are parented to.
        changes: the window's changes_applied(Changes) signal: emit after a write, connect to refresh.
        case_changed: emits the id of the case the window now shows (None: a new, unsaved case).
        current_case: the id of the case the window shows now.
        show_status: a short note in the status bar.
        confirm_leave: save (or drop) the form's unsaved edits first, then run the given function.
        menus: the window's menus by key.
        add_toolbar_action: put an action on the main toolbar (after the window's own).
        case_form: the case form (the weight tab adds itself to it, order autofill fills it).
        case_list: the case list (the 售后 menu acts on its selection).
        reopen: after a restore replaced the data underneath: a fresh window replaces this one; returns it.
        jump_to: take the operator to where a 申诉前检查 problem is fixed (ReadinessItem.fix: "field:<name>",
            "evidence:<kind words>", "weights").
    """

    desk: Desk
    runner: TaskRunner
    parent: QWidget
    changes: SignalInstance
    case_changed: SignalInstance
    current_case: Callable[[], CaseId | None]
    show_status: Callable[[str], None]
    confirm_leave: ConfirmLeave
    menus: Mapping[MenuKey, QMenu]
    add_toolbar_action: Callable[[QAction], None]
    case_form: CaseForm
    case_list: CaseListPane
    reopen: Callable[[], QWidget]
    jump_to: Callable[[str], None]

    def menu(self, key: MenuKey) -> QMenu:
        return self.menus[key]

    def action(
        self,
        text: str,
        slot: Callable[[], Any],
        shortcut: QKeySequence | QKeySequence.StandardKey | str | None = None,
        tip: str = "",
    ) -> QAction:
        """A window action (its shortcut works anywhere in the window) that calls slot()."""
        action = QAction(text, self.parent)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        if tip:
            action.setStatusTip(tip)
        action.triggered.connect(lambda _checked=False: slot())
        return action
