"""Main window: case list on the left, case form and evidence panel on the right."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from desk.domain import CaseId, Changes
from desk.services.readiness import NotReady
from ui.cases.autosave import JOURNAL_NAME
from ui.cases.case_form import CaseForm
from ui.cases.case_model import COLUMNS
from ui.cases.chips import apply_toolbar_icons
from ui.cases.list_pane import COLUMN_WIDTHS, CaseListPane
from ui.context import MENU_TITLES, FeatureContext, MenuKey
from ui.errors import APP_TITLE, show_error
from ui.packet.fit import fit_on_screen
from ui.packet.preview import PacketPreview
from ui.packet.readiness_dialog import ReadinessDialog
from ui.qt import (
    QAction,
    QCloseEvent,
    QItemSelectionModel,
    QKeySequence,
    QLabel,
    QMainWindow,
    QMenu,
    QModelIndex,
    QSettings,
    QSplitter,
    Qt,
    QTimer,
    QToolBar,
    QWidget,
    Signal,
)
from ui.tasks import Op, TaskRunner, guard_gui_thread, read_on_gui_thread

if TYPE_CHECKING:
    from desk.app import Desk
    from desk.profile import Profile
    from desk.services.undo import UndoResult, UndoService, UndoStep
    from ui.about import AboutFeature
    from ui.cases.menus import CaseMenus
    from ui.evidence.panel import EvidencePanel
    from ui.orders import OrdersFeature
    from ui.outcomes import OutcomesFeature
    from ui.packet import UploadKitFeature
    from ui.reminders import RemindersFeature
    from ui.stats import StatsFeature
    from ui.tools import ToolsFeature
    from ui.wizard import WizardFeature

log = logging.getLogger(__name__)

DEFAULT_SIZE = (1280, 800)
# By default the list shows its first five columns whole (类型, 状态, 截止, 平台, 店铺); the rest scroll.
LIST_COLUMNS_SHOWN = 5
_COLUMN_SIGNATURE = "|".join(c.header for c in COLUMNS)  # which columns a saved header layout is for
LIST_CHROME = 24  # frame, left margin and a vertical scroll bar
SIDEBAR_WIDTH = 150
UNDO_TEXT = "撤销"


def settings_for_ui() -> QSettings:
    return QSettings("AfterSalesDesk", "desk")


@dataclass(frozen=True, slots=True)
class Features:
    """What each feature's install(ctx) returned: its actions and openers, by feature."""

    wizard: WizardFeature
    upload_kit: UploadKitFeature
    tools: ToolsFeature
    orders: OrdersFeature
    cases: CaseMenus
    outcomes: OutcomesFeature
    stats: StatsFeature
    reminders: RemindersFeature
    about: AboutFeature

    @property
    def actions(self) -> tuple[QAction, ...]:
        return (
            *self.wizard.actions,
            *self.upload_kit.actions,
            *self.tools.actions,
            *self.orders.actions,
            *self.cases.actions,
            *self.outcomes.actions,
            *self.stats.actions,
            *self.reminders.actions,
            *self.about.actions,
        )


class MainWindow(QMainWindow):
    """The desk's one main window.

    Features (menus, dialogs, tabs) join it through a FeatureContext (ui/context.py) in attach_desk();
    what they return is kept in `features`.

    Signals:
        changes_applied(Changes): any write went through; every view refreshes what it shows.
    """

    changes_applied = Signal(object)

    def __init__(
        self,
        desk: Desk | None,
        *,
        runner: TaskRunner,
        settings: QSettings | None = None,
        demo: bool = False,
        profile: Profile | None = None,
        quick_cases: Any = None,
        start_today: bool | None = None,
    ) -> None:
        """desk None: the window shows the case list from quick_cases (desk/quick.py) at once and the
        rest once attach_desk() hands it the opened desk (ui/startup.py opens it in the background)."""
        super().__init__()
        self.desk: Desk | None = desk  # None until attach_desk(): see opened_desk
        self.runner = runner
        self._settings = settings if settings is not None else settings_for_ui()
        self._syncing = False  # set while we move the list selection ourselves
        self._close_confirmed = False
        self.preview: PacketPreview | None = None
        self.readiness_dialog: ReadinessDialog | None = None
        self._undo_step: UndoStep | None = None  # what 撤销 takes back now (as last read)
        self._context: FeatureContext | None = None  # made by attach_desk(), with the menus
        self._undo_generation = 0
        # The app's start (ui/startup.py: built before the desk opens) opens on 今日; a window handed an open
        # desk (a test, a tool) shows 全部售后 unless asked.
        self._start_today = desk is None if start_today is None else start_today

        profile = desk.profile if desk is not None else profile
        assert profile is not None, "MainWindow needs a desk or, before it opens, its profile"
        name = getattr(profile, "name", None) or profile.root.name or str(profile.root)
        self.setWindowTitle(f"{APP_TITLE} — {name}" + ("（演示数据）" if demo else ""))

        # The case list side: sidebar, search, filters, list, bulk actions (ui/cases/list_pane.py).
        with read_on_gui_thread("opening the desk: the window is built (again, after a restore)"):
            self.cases_pane = CaseListPane(desk, runner, self, quick=quick_cases, settings=self._settings)
        self.model = self.cases_pane.model
        self.search = self.cases_pane.search
        self.table = self.cases_pane.table
        self._build_central()
        if desk is None:
            if self._start_today:
                self.cases_pane.open_on_today()  # 今日 and its counts from the quick reader, if it can
            else:
                self.cases_pane.refresh_now()
            self._update_count()
            self._restore_state()
            self.show_status("正在打开数据…")
            return
        self.attach_desk(desk)

    @property
    def opened_desk(self) -> Desk:
        """The open desk. The form, the evidence panel, the menus and the toolbar are built by
        attach_desk(), so nothing they run can come before it; asking earlier is a bug."""
        if self.desk is None:
            raise RuntimeError("the desk is still opening: nothing that needs it exists yet")
        return self.desk

    def attach_desk(self, desk: Desk) -> None:
        """Build everything that needs the opened desk: the form, the evidence panel, menus, toolbar."""
        # Part of opening the desk, while the window says 正在打开数据…: the views read what they first show
        # on this thread, so it comes in one piece (the list as the quick one showed it: nothing jumps).
        with read_on_gui_thread("opening the desk"):
            self._attach_desk(desk)

    def _attach_desk(self, desk: Desk) -> None:
        # Imported here, as the database layer is: not needed for the list's first paint (ui/startup.py).
        from desk.services.undo import UndoService

        self.desk = desk
        runner = self.runner
        self.undo_log: UndoService = UndoService.for_desk(desk)
        self.cases_pane.attach_desk(desk)
        self.form = CaseForm(desk.cases, desk.shops, runner, platforms=desk.platforms)
        self.form.keep_journal(desk.profile.root / JOURNAL_NAME)  # typing a crash would lose
        # Imported here: the gallery's modules (and Pillow) are not needed for the list's first paint.
        from ui.evidence.panel import EvidencePanel

        self.panel: EvidencePanel = EvidencePanel(
            desk.evidence, runner, profile_root=desk.profile.root, recognition=desk.recognition
        )
        # Pictures imported from now on are read in the background (one worker process, lower priority);
        # nothing happens when the engine is missing or reading is switched off (docs/recognition.md).
        desk.recognition.background = True
        self._build_right()
        self._build_actions()
        self.panel.set_undo_action(self.undo_action)
        self.features = self._install_features()
        apply_toolbar_icons(self.toolbar)  # the window's own actions and those the features added

        self.form.changes_made.connect(self.changes_applied)
        self.form.case_saved.connect(self._on_case_saved)
        self.form.save_failed.connect(self._sync_list_to_form)
        self.form.case_shown.connect(self._on_case_shown)
        self.form.open_case_requested.connect(
            lambda cid: (
                self.new_case() if cid is None else self.form.confirm_leave(lambda: self._open_case(cid))
            )
        )
        self.form.status_message.connect(self.show_status)
        self.form.dirty_changed.connect(self._update_actions)
        self.panel.changes_made.connect(self.changes_applied)
        self.panel.status_message.connect(self.show_status)
        self.changes_applied.connect(self._on_changes_applied)
        self.cases_pane.refreshed.connect(self._on_list_refreshed)
        self.cases_pane.changes_made.connect(self.changes_applied)
        self.cases_pane.status_message.connect(self.show_status)

        # Through the services now (the same list as the quick one, so nothing jumps; ~40 ms for 100,000,
        # the sidebar's counts follow off this thread), or 今日 (its counts ~90 ms for 100,000) when the
        # quick reader could not open on it, unless the operator already chose a case meanwhile.
        # A case chosen counts only as a selection: the list's first focus sets a current row by itself.
        if (
            self._start_today
            and not self.cases_pane.opened_on_today
            and not self.table.selectionModel().hasSelection()
        ):
            self.cases_pane.open_on_today()
        else:
            self.cases_pane.refresh_now()
        self._update_count()
        self._restore_state()
        self._update_actions()
        self.refresh_undo()
        current = self.model.case_id(self.table.currentIndex().row())
        if current is not None:
            self._open_case(current)  # chosen (or focused) while the desk was opening
        elif self.model.rowCount() > 0:
            self.select_case(self.model.case_id(0))
        else:
            self.new_case()
        self.statusBar().clearMessage()

    @property
    def feature_context(self) -> FeatureContext:
        """What features get of this window (ui/context.py); made once the desk is open."""
        if self._context is None:
            raise RuntimeError("the desk is still opening: no feature has joined the window yet")
        return self._context

    # -- construction ----------------------------------------------------------------------------

    def _build_central(self) -> None:
        self.table.selectionModel().currentRowChanged.connect(self._on_current_row_changed)
        left = self.cases_pane
        self.opening_label = QLabel("正在打开数据…")
        self.opening_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.opening_label.setStyleSheet("color: #777;")

        self.main_splitter = QSplitter(Qt.Orientation.Horizontal)
        self.main_splitter.setObjectName("main_splitter")
        self.main_splitter.addWidget(left)
        self.main_splitter.addWidget(self.opening_label)
        self.main_splitter.setStretchFactor(0, 2)
        self.main_splitter.setStretchFactor(1, 3)
        self.main_splitter.setChildrenCollapsible(False)
        self.setCentralWidget(self.main_splitter)

        self.count_label = QLabel()
        self.statusBar().addPermanentWidget(self.count_label)

    def _build_right(self) -> None:
        self.right_splitter = QSplitter(Qt.Orientation.Vertical)
        self.right_splitter.setObjectName("right_splitter")
        self.right_splitter.addWidget(self.form)
        self.right_splitter.addWidget(self.panel)
        self.right_splitter.setStretchFactor(0, 3)
        self.right_splitter.setStretchFactor(1, 2)
        self.right_splitter.setChildrenCollapsible(False)
        sizes = self.main_splitter.sizes()
        self.main_splitter.replaceWidget(1, self.right_splitter)
        self.opening_label.deleteLater()
        self.main_splitter.setSizes(sizes)

    def _action(
        self,
        text: str,
        slot: Any,
        shortcut: QKeySequence | QKeySequence.StandardKey | str | None = None,
        tip: str = "",
    ) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        if tip:
            action.setStatusTip(tip)
        action.triggered.connect(lambda _checked=False: slot())
        return action

    def _build_actions(self) -> None:
        self.new_action = self._action(
            "新建售后", self.new_case, QKeySequence.StandardKey.New, "新建一条售后记录"
        )
        self.save_action = self._action(
            "保存", lambda: self.form.save(), QKeySequence.StandardKey.Save, "保存当前售后"
        )
        self.quit_action = self._action("退出", self.close, "Ctrl+Q")
        self.find_action = self._action("查找", self.focus_search, QKeySequence.StandardKey.Find, "搜索售后")
        # Window-wide, yet a focused text field still pastes and undoes its own text (it takes the
        # shortcut first); everywhere else Ctrl+V adds the clipboard's screenshot as evidence.
        self.paste_action = self._action(
            "粘贴证据",
            lambda: self.panel.paste(),
            QKeySequence.StandardKey.Paste,
            "把剪贴板里的截图或文件添加为当前售后的证据",
        )
        # The desk's one undo log (the case list, the gallery and the CLI share it): the text names
        # the step it takes back ("撤销 删除证据"); plain 撤销, disabled, when there is none.
        self.undo_action = self._action(UNDO_TEXT, self.undo_last, QKeySequence.StandardKey.Undo)
        self.undo_action.setEnabled(False)
        self.packet_action = self._action(
            "生成申诉材料", self.generate_packet, "Ctrl+G", "为当前售后生成申诉 PDF"
        )
        self.print_action = self._action(
            "打印", self.print_packet, QKeySequence.StandardKey.Print, "生成并打印申诉材料"
        )
        # The one key for "send this appeal": the upload kit where the case's platform takes pictures and
        # text first (its profile's primary_output), the PDF elsewhere.
        self.send_action = self._action(
            "发往平台", self.send_to_platform, "Ctrl+Return", "按平台首选的方式生成申诉（上传材料包或 PDF）"
        )
        self.addAction(self.send_action)
        self.next_action = self._action(
            "下一条", self.open_next_case, "Ctrl+J", "保存当前售后，打开当前列表（队列）里的下一条"
        )

        bar = self.menuBar()
        self.menus: dict[MenuKey, QMenu] = {key: bar.addMenu(MENU_TITLES[key]) for key in MenuKey}
        file_menu = self.menus[MenuKey.FILE]
        file_menu.addActions([self.new_action, self.save_action, self.next_action])
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        edit_menu = self.menus[MenuKey.EDIT]
        edit_menu.addAction(self.find_action)
        edit_menu.addSeparator()
        edit_menu.addActions([self.paste_action, self.undo_action])

        self.toolbar = QToolBar("工具栏")
        self.toolbar.setObjectName("main_toolbar")
        self.toolbar.setMovable(False)
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.toolbar.addActions([self.new_action, self.save_action, self.next_action])
        self.toolbar.addSeparator()
        self.toolbar.addActions([self.packet_action, self.print_action])
        self.addToolBar(self.toolbar)

        self._context = FeatureContext(
            desk=self.opened_desk,
            runner=self.runner,
            parent=self,
            changes=self.changes_applied,
            case_changed=self.form.case_shown,
            current_case=lambda: self.form.case_id,
            show_status=self.show_status,
            confirm_leave=self.form.confirm_leave,
            menus=self.menus,
            add_toolbar_action=self.toolbar.addAction,
            case_form=self.form,
            case_list=self.cases_pane,
            reopen=self.reopen,
            jump_to=self.jump_to,
        )

    def _install_features(self) -> Features:
        """Each feature joins through the context and returns its actions; the order of the calls is
        the order of their entries in a shared menu (申诉: 处理向导…, 话术库… | 生成申诉材料, 打印, 上传材料包…)."""
        from ui import about, orders, outcomes, packet, reminders, stats, tools, wizard
        from ui.cases import menus

        ctx = self.feature_context
        wizard_feature = wizard.install(ctx)  # 申诉: 处理向导…, 话术库…
        outcomes_feature = outcomes.install(
            ctx
        )  # 申诉: 记录申诉结果…, 快递理赔…; closing question; repeat buyers
        ctx.menu(MenuKey.APPEAL).addActions([self.packet_action, self.print_action])
        stats_feature = stats.install(ctx)  # 售后 (first, then the case entries): 统计…
        upload_kit = packet.install(ctx)  # 申诉: 上传材料包…
        tools_feature = tools.install(ctx)  # 工具: 备份…, 恢复…, 检查数据
        orders_feature = orders.install(ctx)  # 订单: 订单…, 导入…, 商品与重量…; the form's 称重核对 tab
        case_menus = menus.install(ctx)  # 售后: 删除, 改状态/店铺, 导出, 视图, 回收站; 资料: 店铺, 平台
        return Features(
            wizard=wizard_feature,
            upload_kit=upload_kit,
            tools=tools_feature,
            orders=orders_feature,
            cases=case_menus,
            outcomes=outcomes_feature,
            stats=stats_feature,
            reminders=reminders.install(ctx),  # 工具, after 检查数据: 提醒设置…; reminders, the tray
            about=about.install(ctx),  # 帮助: 关于
        )

    # -- state -----------------------------------------------------------------------------------

    def _restore_state(self) -> None:
        s = self._settings
        geometry = s.value("main/geometry")
        if geometry is None or not self.restoreGeometry(geometry):
            fit_on_screen(self, *DEFAULT_SIZE)  # a 1280×720 laptop gets what its screen has room for
        state = s.value("main/main_splitter")
        if state is None or not self.main_splitter.restoreState(state):
            shown = (0, 1, 10, 2, 3)  # the first five columns as shown: 类型, 状态, 截止, 平台, 店铺
            left = SIDEBAR_WIDTH + sum(COLUMN_WIDTHS[c] for c in shown[:LIST_COLUMNS_SHOWN]) + LIST_CHROME
            self.main_splitter.setSizes([left, DEFAULT_SIZE[0] - left])
            self.cases_pane.splitter.setSizes([SIDEBAR_WIDTH, left - SIDEBAR_WIDTH])
        state = s.value("main/list_splitter")
        if state is not None:
            self.cases_pane.splitter.restoreState(state)
        state = s.value("main/right_splitter")
        if not hasattr(self, "right_splitter"):
            pass  # still opening: the right side comes with the desk
        elif state is None or not self.right_splitter.restoreState(state):
            self.right_splitter.setSizes([DEFAULT_SIZE[1] * 11 // 20, DEFAULT_SIZE[1] * 9 // 20])
        header_state = s.value("main/case_header")
        # A layout saved by a version with other columns would hide or misplace the new ones
        # (e.g. 截止 at the far end): only the same set of columns restores; otherwise the defaults stand.
        if header_state is not None and s.value("main/case_columns") == _COLUMN_SIGNATURE:
            self.table.horizontalHeader().restoreState(header_state)

    def save_state(self) -> None:
        s = self._settings
        s.setValue("main/geometry", self.saveGeometry())
        s.setValue("main/main_splitter", self.main_splitter.saveState())
        if hasattr(self, "right_splitter"):
            s.setValue("main/right_splitter", self.right_splitter.saveState())
        s.setValue("main/case_header", self.table.horizontalHeader().saveState())
        s.setValue("main/case_columns", _COLUMN_SIGNATURE)
        s.setValue("main/list_splitter", self.cases_pane.splitter.saveState())
        s.sync()

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        # From here on the window's code may not wait on the database on this thread (a debug check).
        guard_gui_thread()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.desk is None:  # closed while the data was still opening
            self.save_state()
            super().closeEvent(event)
            return
        if not self._close_confirmed and self.form.is_dirty():
            event.ignore()

            def close_now() -> None:
                self._close_confirmed = True
                self.close()

            self.form.confirm_leave(close_now, question="当前售后有未保存的修改，退出前要保存吗？")
            return
        self.panel.shutdown()
        self.save_state()
        if self.preview is not None:
            self.preview.close()
        super().closeEvent(event)

    # -- list and selection ----------------------------------------------------------------------

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def _on_list_refreshed(self) -> None:
        if self.desk is not None:
            self._sync_list_to_form()
        self._update_count()

    def _update_count(self) -> None:
        self.count_label.setText(self.cases_pane.count_text())

    # -- undo ------------------------------------------------------------------------------------

    def refresh_undo(self) -> None:
        """Read which step 撤销 would take back (on the DB worker) and show it on the action."""
        if self.desk is None:
            return
        self._undo_generation += 1
        generation = self._undo_generation
        undo_log = self.undo_log

        def shown(step: UndoStep | None) -> None:
            if generation == self._undo_generation:
                self._show_undo_step(step)

        Op(undo_log.status, parent=self).on_success(shown).on_failure(
            lambda exc: log.warning("reading the undo log failed: %s", exc)
        ).run(self.runner)

    def _show_undo_step(self, step: UndoStep | None) -> None:
        self._undo_step = step
        text = f"{UNDO_TEXT} {step.label}" if step is not None else UNDO_TEXT
        self.undo_action.setText(text)
        self.undo_action.setStatusTip(
            f"{text}（{step.amount}）" if step is not None else "没有可以撤销的操作"
        )
        self.undo_action.setEnabled(step is not None)

    def undo_last(self) -> None:
        """撤销 (Ctrl+Z, in the list, the gallery or anywhere else): take back the step the action names."""
        step = self._undo_step
        if step is None:
            self.show_status("没有可以撤销的操作")
            return
        self._undo_generation += 1  # a status read still on its way is out of date now
        self._show_undo_step(None)  # one undo at a time
        undo_log = self.undo_log

        def failed(exc: BaseException) -> None:
            from desk.services.undo import UndoMoved

            self.refresh_undo()
            if isinstance(exc, UndoMoved):  # nothing changed: say so, and show the step there is now
                self.show_status(exc.message)
            else:  # a refused step (UndoConflict) says why in plain words, and that nothing changed
                show_error(self, exc, action=UNDO_TEXT)

        Op(lambda: undo_log.undo(expected=step.id), parent=self).on_success(self._on_undone).on_failure(
            failed
        ).run(self.runner)

    def _on_undone(self, result: UndoResult) -> None:
        from desk.services.undo import UndoOp

        if result.step.op == UndoOp.EVIDENCE_REMOVE:
            self.panel.select_after_refresh(result.changes.evidence)  # they come back selected
        self.changes_applied.emit(result.changes)
        self.show_status(result.message)

    def _on_current_row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if self._syncing or self.desk is None:
            return
        case_id = self.model.case_id(current.row())
        if case_id is None or case_id == self._form_case():
            return
        if not self.form.confirm_leave(lambda: self._open_case(case_id)):
            # The operator stays on the unsaved case: put the list back (after this signal returns).
            QTimer.singleShot(0, self._sync_list_to_form)

    def select_case(self, case_id: CaseId | None) -> None:
        """Select a case in the list, which opens it (asking about unsaved edits first)."""
        row = self.model.row_of(case_id) if case_id is not None else None
        if row is None:
            return
        self.table.setCurrentIndex(self.model.index(row, 0))

    def _open_case(self, case_id: CaseId) -> None:
        # Both read on the DB worker, one after the other, so they land in the same moment; until then the
        # list shows the choice, the form says 载入中… and the gallery has no cards of the case left.
        # Features follow the form's case_shown once the case is there.
        self.form.load_case(case_id)
        self.panel.set_case(case_id)
        self._sync_list_to_form()
        self._update_actions()

    def _form_case(self) -> CaseId | None:
        """The case the form shows, or the one it is opening (what the list should have selected)."""
        opening = self.form.opening
        return opening if opening is not None else self.form.case_id

    def _on_case_shown(self, _case_id: object) -> None:
        self._sync_list_to_form()
        self._update_actions()

    def _sync_list_to_form(self) -> None:
        """Make the list's selection show the case the form holds, without reopening it."""
        self._syncing = True
        try:
            shown = self._form_case()
            row = self.model.row_of(shown) if shown is not None else None
            selection = self.table.selectionModel()
            if row is None:
                selection.clearSelection()
                selection.setCurrentIndex(QModelIndex(), QItemSelectionModel.SelectionFlag.NoUpdate)
            elif selection.currentIndex().row() == row and selection.hasSelection():
                # Already shown (perhaps with more rows selected for a bulk action): keep it. A Ctrl+click
                # moves the current row before it toggles the row's selection: clearing here lost it all.
                pass
            else:
                index = self.model.index(row, 0)
                selection.setCurrentIndex(
                    index,
                    QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
                )
                self.table.scrollTo(index)
        finally:
            self._syncing = False

    def open_next_case(self) -> None:
        """Ctrl+J: save the open case, then open the one after it in the list (by deadline in 今日)."""
        target = self.cases_pane.next_case(self._form_case())
        if target is None:
            self.show_status("这已是列表里的最后一条售后")
            return
        self.form.confirm_leave(lambda: self.select_case(target))

    def new_case(self) -> None:
        def start() -> None:
            self.form.new_case()
            self.panel.set_case(None)
            self._sync_list_to_form()
            self._update_actions()
            self.form.focus_first_field()

        self.form.confirm_leave(start)

    def _on_case_saved(self, case_id: int) -> None:
        if self.panel.case_id != case_id:
            self.panel.set_case(CaseId(case_id))
        self._sync_list_to_form()
        self._update_actions()

    def _on_changes_applied(self, changes: Changes) -> None:
        # First, so the step 撤销 names is known before the views' own re-reads come back.
        self.refresh_undo()
        # The list forgets the changed rows and re-runs its query in the background (then re-selects).
        self.cases_pane.apply_changes(changes)
        self.form.apply_changes(changes)
        self.panel.apply_changes(changes)

    def _update_actions(self, *_args: object) -> None:
        has_case = self.form.case_id is not None and self.form.opening is None
        self.packet_action.setEnabled(has_case)
        self.print_action.setEnabled(has_case)

    def show_status(self, message: str) -> None:
        self.statusBar().showMessage(message, 8000)

    def reopen(self) -> QWidget:
        """The data was replaced underneath (a restore): a fresh main window replaces this one.

        Nothing is left unsaved (the restore asked first), so this window closes without asking.
        """
        from ui.single_instance import current

        desk = self.opened_desk
        desk.engine.dispose()
        new = MainWindow(desk, runner=self.runner, start_today=True)
        new.show()
        guard = current()
        if guard is not None:
            guard.attach(new)
        self._close_confirmed = True
        self.close()
        self.deleteLater()
        return new

    # -- packets ---------------------------------------------------------------------------------

    def send_to_platform(self) -> None:
        """Ctrl+Enter: the upload kit where the case's platform takes it first, else the PDF."""
        if self.features.upload_kit.primary_is_kit():
            self.features.upload_kit.open_upload_kit()
        else:
            self.generate_packet()

    def generate_packet(self, *, then_print: bool = False, draft: bool = False) -> None:
        """Build the appeal PDF of the current case off the GUI thread, then preview it.

        The 申诉前检查 runs first, in the same job: a packet that fails it is not made; its checklist
        opens instead (each problem leading to its fix), with 生成草稿 for a watermarked internal copy.
        """

        def build() -> None:
            case_id = self.form.case_id
            if case_id is None:
                self.show_status("请先保存售后，再生成申诉材料")
                return
            packets = self.opened_desk.packets
            op = Op(
                lambda progress, cancel: packets.build_checked(
                    case_id, draft=draft, progress=progress, cancel=cancel
                )
            )
            op.with_progress(self, "正在检查并生成申诉材料…")
            op.on_success(lambda result: self._on_packet_built(result, then_print))
            op.on_failure(lambda exc: self._on_packet_refused(exc, then_print))
            op.on_cancelled(lambda: self.show_status("已取消生成申诉材料"))
            op.run(self.runner)

        # Unsaved edits would silently be missing from the packet.
        self.form.confirm_leave(build, question="当前售后有未保存的修改，生成申诉材料前要保存吗？")

    def print_packet(self) -> None:
        self.generate_packet(then_print=True)

    def _on_packet_refused(self, exc: BaseException, then_print: bool) -> None:
        if not isinstance(exc, NotReady):
            show_error(self, exc, action="生成申诉材料")
            return
        self.show_status("申诉材料没有生成：申诉前检查还没通过")
        if self.readiness_dialog is not None:
            self.readiness_dialog.close()
        dialog = ReadinessDialog(exc.readiness, what="申诉材料", allow_draft=True, parent=self)
        dialog.fix_requested.connect(self.jump_to)
        dialog.draft_requested.connect(lambda: self.generate_packet(then_print=then_print, draft=True))
        dialog.story_requested.connect(self.features.upload_kit.open_story)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.destroyed.connect(lambda *_: setattr(self, "readiness_dialog", None))
        self.readiness_dialog = dialog
        dialog.show()

    def jump_to(self, fix: str) -> None:
        """Take the operator to where a 申诉前检查 problem is fixed (ReadinessItem.fix)."""
        place, _, what = fix.partition(":")
        self.activateWindow()  # the checklist that asked had the focus
        if place == "field":
            self.form.focus_field(what)
        elif place == "evidence":
            self.panel.setFocus()
            self.show_status(f"请在右侧证据区添加：{what}" if what else "请检查右侧的证据")
        elif place == "weights":
            self.form.focus_weights()
        elif place == "upload_kit":
            self.features.upload_kit.open_upload_kit()

    def _on_packet_built(self, result: Any, then_print: bool) -> None:
        self.changes_applied.emit(result.changes)
        if self.preview is not None:
            self.preview.close()
            self.preview.deleteLater()
        packets, case_id = self.opened_desk.packets, result.packet.case_id
        self.preview = PacketPreview(
            result.path,
            runner=self.runner,
            warnings=tuple(result.warnings),
            history=lambda: packets.history(case_id),
            parent=self,
        )
        self.preview.status_message.connect(self.show_status)
        self.preview.show()
        self.show_status(f"已生成申诉材料：{result.path.name}")
        if then_print:
            self.preview.print_packet()
