"""Deadline reminders in the window: a tray notification per reminder (an in-window notice where the
system has no tray), one summary of what is due when the desk opens, 工具 ▸ 提醒设置…, and, if the
operator wants it, the desk kept running in the tray when its window is closed.

What is due and when to look again comes from the core (desk/reminders.py); this module only keeps the
timer, reads on the runner's read worker and shows what the plan says.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from desk.domain import CaseId
from desk.errors import DeskError
from desk.reminders import GivenRecord, Reminder, plan, summary_text, wake_delay
from desk.settings import (
    ReminderSettings,
    load_reminder_settings,
    reminder_settings_from,
    save_reminder_settings,
)
from ui.context import FeatureContext, MenuKey
from ui.qt import (
    QAction,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QEvent,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QObject,
    QPushButton,
    QStyle,
    QSystemTrayIcon,
    Qt,
    QTimer,
    QVBoxLayout,
    QWidget,
    Signal,
)
from ui.tasks import Op

log = logging.getLogger(__name__)

APP_NAME = "售后申诉工作台"
SHOWN_IN_NOTICE = 5  # reminders listed in the in-window notice; the rest as "还有 N 件"


def open_case(ctx: FeatureContext, case_id: CaseId) -> None:
    """Bring the window up and open the case, through the list (which asks about unsaved edits first).

    A case the list's current queue or search leaves out is found under 全部售后."""
    window = ctx.parent.window()
    if window.isHidden() or window.isMinimized():
        window.showNormal()
    window.raise_()
    window.activateWindow()
    pane = ctx.case_list

    def select() -> bool:
        row = pane.model.row_of(case_id)
        if row is None:
            return False
        pane.table.setCurrentIndex(pane.model.index(row, 0))
        pane.table.scrollTo(pane.model.index(row, 0))
        return True

    if select():
        return

    def refreshed() -> None:
        pane.refreshed.disconnect(refreshed)
        if not select():
            ctx.show_status("这条售后已不在列表中（可能已删除或已结案）")

    pane.refreshed.connect(refreshed)
    pane.search.clear()
    pane.show_all()
    pane.request_refresh()


class ReminderNotice(QFrame):
    """The in-window notice: a small panel at the window's bottom right that never blocks; one at a time
    (a new reminder replaces what it said). Each line opens its case."""

    case_clicked = Signal(object)

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("reminder_notice")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        self.setStyleSheet(
            "#reminder_notice { background: #fffbe6; border: 1px solid #e0b84c; border-radius: 4px; }"
        )
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 6, 6, 8)
        top = QHBoxLayout()
        self.title = QLabel()
        self.title.setStyleSheet("font-weight: bold;")
        close = QPushButton("×")
        close.setFlat(True)
        close.setFixedWidth(24)
        close.setToolTip("关闭提醒")
        close.clicked.connect(self.hide)
        top.addWidget(self.title, 1)
        top.addWidget(close)
        layout.addLayout(top)
        self._lines = QVBoxLayout()
        self._lines.setSpacing(2)
        layout.addLayout(self._lines)
        self.more = QLabel()
        self.more.setStyleSheet("color: #777;")
        layout.addWidget(self.more)
        self.buttons: list[QPushButton] = []
        parent.installEventFilter(self)
        self.hide()

    def show_reminders(self, title: str, reminders: Sequence[Reminder], more_text: str = "") -> None:
        self.title.setText(title)
        for button in self.buttons:
            self._lines.removeWidget(button)
            button.hide()  # at once: deleteLater waits for the event loop, and it would show till then
            button.deleteLater()
        self.buttons = []
        for reminder in reminders[:SHOWN_IN_NOTICE]:
            button = QPushButton(reminder.text)
            button.setFlat(True)
            button.setCursor(Qt.CursorShape.PointingHandCursor)
            button.setStyleSheet("text-align: left; color: #0b57d0;")
            button.setToolTip("打开这条售后")
            button.clicked.connect(lambda _c=False, cid=reminder.case_id: self.case_clicked.emit(cid))
            self._lines.addWidget(button)
            # Shown now, not on the layout's next turn: the size below must count the new lines, or a
            # notice that is already open keeps the height of its previous text and cuts the new one.
            button.show()
            self.buttons.append(button)
        rest = len(reminders) - SHOWN_IN_NOTICE
        extra = [f"还有 {rest} 件" if rest > 0 else "", more_text]
        self.more.setText("；".join(t for t in extra if t))
        self.more.setVisible(bool(self.more.text()))
        self.adjustSize()
        self._place()
        self.show()
        self.raise_()

    def _place(self) -> None:
        parent = self.parentWidget()
        if parent is None:
            return
        bottom = parent.height() - 8
        if isinstance(parent, QMainWindow) and parent.statusBar().isVisible():
            bottom -= parent.statusBar().height()
        width = min(max(self.sizeHint().width(), 280), max(parent.width() - 16, 200))
        self.resize(width, self.sizeHint().height())
        self.move(parent.width() - width - 8, bottom - self.height())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.parentWidget() and event.type() == QEvent.Type.Resize and self.isVisible():
            self._place()
        return False


class ReminderScheduler(QObject):
    """Looks at the deadlines when the core says something falls due, and at least once a minute.

    One single-shot timer, re-planned when cases change; the read runs on the runner's read worker.
    `clock` and `tz` are there for tests (a controlled clock).
    """

    def __init__(
        self, ctx: FeatureContext, notify: Callable[[Sequence[Reminder], Sequence[Reminder], int, bool], None]
    ):
        super().__init__(ctx.parent)
        self._ctx = ctx
        self._notify = notify
        self.clock: Callable[[], datetime] = lambda: datetime.now(UTC)
        self.tz: tzinfo | None = None
        self.wakes = 0
        self._opening = True
        self._asking = False
        self._again = False
        self.settings = ReminderSettings()
        self.problem = ""
        self.reload_settings()
        self.record = GivenRecord.load(ctx.desk.profile.root)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self.wake)

    def reload_settings(self) -> None:
        try:
            self.settings = load_reminder_settings(self._ctx.desk.profile)
            self.problem = ""
        except DeskError as exc:
            self.settings, self.problem = ReminderSettings(), exc.message
            log.warning("reminder settings: %s", exc.message)

    def replan(self) -> None:
        """Look again now (cases changed, settings saved)."""
        self.timer.stop()
        self.wake()

    def wake(self) -> None:
        self.wakes += 1
        if self._asking:
            self._again = True  # a read is on its way; look once more when it is back
            return
        if not self.settings.enabled:
            self._opening = False
            return  # nothing to plan; saving the settings wakes it again
        now = self.clock()
        within = timedelta(minutes=max(self.settings.leads_minutes))
        service, opening = self._ctx.desk.reminders, self._opening

        def read() -> tuple[Any, int]:
            due = service.due_within(within, now=now)
            return due, service.overdue_count(now=now) if opening else 0

        def failed(exc: BaseException) -> None:
            self._asking = False
            log.warning("reading deadlines for reminders failed: %s", exc)
            self.timer.start(int(wake_delay(None, now).total_seconds() * 1000))

        self._asking = True
        # Parented to the window: an answer that comes back after the window was replaced is dropped.
        Op(read, parent=self._ctx.parent, pool="read").on_success(
            lambda result: self._planned(now, opening, *result)
        ).on_failure(failed).run(self._ctx.runner)

    def _planned(self, now: datetime, opening: bool, due: Any, overdue: int) -> None:
        self._asking = False
        p = plan(due, self.settings, self.record.keys, now, opening=opening, tz=self.tz)
        self.record.add(p.given, now)
        self._opening = False
        if p.reminders or p.summary or (opening and overdue):
            self._notify(p.reminders, p.summary, overdue, opening)
        if self._again:
            self._again = False
            QTimer.singleShot(0, self, self.wake)
            return
        self.timer.start(int(wake_delay(p.next_wake, self.clock()).total_seconds() * 1000))


class ReminderSettingsDialog(QDialog):
    """工具 ▸ 提醒设置…: on/off, lead times, quiet hours, keep in the tray."""

    def __init__(
        self,
        settings: ReminderSettings,
        *,
        tray: bool,
        save: Callable[[ReminderSettings], None],
        parent: QWidget,
    ):
        super().__init__(parent)
        self.setWindowTitle("提醒设置")
        self._save = save
        form = QFormLayout()
        self.enabled = QCheckBox("在截止前提醒我")
        self.enabled.setChecked(settings.enabled)
        self.leads = QLineEdit(", ".join(_minutes_text(m) for m in settings.leads_minutes))
        self.leads.setPlaceholderText("例如：4小时, 1小时 或 240, 60（分钟）")
        self.leads.setToolTip("截止前多久提醒，可以写几个，用逗号隔开；只写数字表示分钟")
        self.quiet_start = QLineEdit(settings.quiet_start)
        self.quiet_start.setPlaceholderText("例如 22:00，留空表示不设")
        self.quiet_end = QLineEdit(settings.quiet_end)
        self.quiet_end.setPlaceholderText("例如 08:00")
        self.keep_in_tray = QCheckBox("关闭窗口后留在系统托盘里继续提醒")
        self.keep_in_tray.setChecked(settings.keep_in_tray)
        if not tray:
            self.keep_in_tray.setEnabled(False)
            self.keep_in_tray.setToolTip("这台电脑没有系统托盘：关闭窗口即退出")
        form.addRow(self.enabled)
        form.addRow("提前提醒：", self.leads)
        form.addRow("免打扰开始：", self.quiet_start)
        form.addRow("免打扰结束：", self.quiet_end)
        form.addRow(self.keep_in_tray)
        note = QLabel("免打扰时段内的提醒会在时段结束时汇总成一条。")
        note.setStyleSheet("color: #777;")
        form.addRow(note)
        self.error = QLabel()
        self.error.setStyleSheet("color: #b3261e;")
        self.error.setWordWrap(True)
        self.error.hide()
        form.addRow(self.error)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Save).setText("保存")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.setLayout(form)

    def accept(self) -> None:
        try:
            leads = _parse_leads(self.leads.text())
            chosen = reminder_settings_from(
                {
                    "enabled": self.enabled.isChecked(),
                    "lead_minutes": leads,
                    "quiet_start": self.quiet_start.text(),
                    "quiet_end": self.quiet_end.text(),
                    "keep_in_tray": self.keep_in_tray.isChecked(),
                }
            )
            self._save(chosen)
        except DeskError as exc:
            self.error.setText(exc.message)
            self.error.show()
            return
        super().accept()


def _minutes_text(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    if hours and not rest:
        return f"{hours}小时"
    return str(minutes)


def _parse_leads(text: str) -> list[int]:
    """ "4小时, 1小时", "240，60", "1.5h, 30分" → minutes; DeskError names what cannot be read."""
    out = []
    for raw in text.replace("，", ",").replace("、", ",").split(","):
        part = raw.strip().lower().replace(" ", "")
        if not part:
            continue
        factor = 1.0
        for unit, f in (("小时", 60.0), ("h", 60.0), ("分钟", 1.0), ("分", 1.0), ("min", 1.0), ("m", 1.0)):
            if part.endswith(unit):
                part, factor = part[: -len(unit)], f
                break
        try:
            value = float(part) * factor
        except ValueError:
            raise DeskError(
                f"看不懂提前时间“{raw.strip()}”：请写成 4小时 或 60（分钟），多个用逗号隔开。"
            ) from None
        if value != int(value):
            raise DeskError(f"提前时间“{raw.strip()}”不是整分钟。")
        out.append(int(value))
    return out


@dataclass(frozen=True, slots=True)
class RemindersFeature:
    """工具 ▸ 提醒设置… and the reminders that run behind it."""

    settings_action: QAction
    scheduler: ReminderScheduler
    notices: Reminders

    @property
    def actions(self) -> tuple[QAction, ...]:
        return (self.settings_action,)


class Reminders(QObject):
    """Where reminders are shown: the system tray when there is one, else the in-window notice; and
    the window kept in the tray on close when the operator chose so."""

    def __init__(self, ctx: FeatureContext) -> None:
        super().__init__(ctx.parent)
        self._ctx = ctx
        self.notice = ReminderNotice(ctx.parent)
        self.notice.case_clicked.connect(lambda cid: open_case(ctx, cid))
        self.tray: QSystemTrayIcon | None = None
        self._tray_case: CaseId | None = None
        self._quitting = False
        self.keep_in_tray = False
        if QSystemTrayIcon.isSystemTrayAvailable():
            self._make_tray()
        ctx.parent.installEventFilter(self)

    def _make_tray(self) -> None:
        window = self._ctx.parent
        icon = window.windowIcon()
        if icon.isNull():
            icon = window.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxInformation)
        tray = QSystemTrayIcon(icon, self)
        tray.setToolTip(APP_NAME)
        menu = QMenu(window)
        menu.addAction("打开工作台", lambda: self._show_window())
        menu.addAction("退出", self.quit)
        tray.setContextMenu(menu)
        tray.activated.connect(self._on_tray_activated)
        tray.messageClicked.connect(self._on_message_clicked)
        tray.show()
        self.tray = tray

    def _show_window(self) -> None:
        window = self._ctx.parent.window()
        window.showNormal()
        window.raise_()
        window.activateWindow()

    def _on_tray_activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason in (QSystemTrayIcon.ActivationReason.Trigger, QSystemTrayIcon.ActivationReason.DoubleClick):
            self._show_window()

    def _on_message_clicked(self) -> None:
        if self._tray_case is not None:
            open_case(self._ctx, self._tray_case)

    def show(
        self, reminders: Sequence[Reminder], summary: Sequence[Reminder], overdue: int, opening: bool
    ) -> None:
        """The desk just opened: one in-window notice of what is due. Later: a tray notification (an
        in-window notice without a tray); reminders held by quiet hours come together as one."""
        if opening:
            self._ctx.show_status(summary_text(summary, overdue))
            title = "即将超时的售后" if summary else "有已超时的售后"
            more = f"{overdue} 件已超时，见“已超时”队列" if overdue else ""
            self.notice.show_reminders(title, summary, more)
            return
        every = sorted([*reminders, *summary], key=lambda r: r.due_at)
        if not every:
            return
        title = "售后即将超时" if len(every) == 1 else f"{len(every)} 件售后即将超时"
        line = every[0].text if len(every) == 1 else "；".join(r.text for r in every[:SHOWN_IN_NOTICE])
        self._ctx.show_status(line)
        if self.tray is not None:
            # One message at a time: a second would replace the first before it is read.
            self._tray_case = every[0].case_id
            self.tray.showMessage(title, line, QSystemTrayIcon.MessageIcon.Warning, 15_000)
        else:
            self.notice.show_reminders(title, every)

    def quit(self) -> None:
        self._quitting = True
        window = self._ctx.parent.window()
        window.showNormal()
        if not window.close():
            self._quitting = False  # the operator kept unsaved edits open

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            watched is self._ctx.parent
            and event.type() == QEvent.Type.Close
            and self.keep_in_tray
            and self.tray is not None
            and not self._quitting
        ):
            event.ignore()
            self._ctx.parent.hide()
            self.tray.showMessage(APP_NAME, "工作台仍在托盘中运行，到期前会提醒你。右键托盘图标可退出。")
            return True
        return False


def install(ctx: FeatureContext) -> RemindersFeature:
    """工具 ▸ 提醒设置…; reminders start once the window has shown (with one summary of what is due)."""
    notices = Reminders(ctx)
    scheduler = ReminderScheduler(ctx, notices.show)
    notices.keep_in_tray = scheduler.settings.keep_in_tray

    def save(chosen: ReminderSettings) -> None:
        save_reminder_settings(ctx.desk.profile, chosen)
        scheduler.settings, scheduler.problem = chosen, ""
        notices.keep_in_tray = chosen.keep_in_tray
        ctx.show_status("提醒设置已保存" if chosen.enabled else "提醒已关闭")
        scheduler.replan()

    def open_dialog() -> None:
        dialog = ReminderSettingsDialog(
            scheduler.settings, tray=notices.tray is not None, save=save, parent=ctx.parent
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    action = ctx.action("提醒设置…", open_dialog, tip="截止前多久提醒、免打扰时段、关闭窗口后是否留在托盘")
    menu = ctx.menu(MenuKey.TOOLS)
    menu.addSeparator()
    menu.addAction(action)
    ctx.changes.connect(lambda _changes: scheduler.replan())
    if scheduler.problem:
        ctx.show_status(f"提醒设置有误，暂按默认提醒：{scheduler.problem}")
    # After the window shows and its list is there: the summary of what is due is the first thing said.
    QTimer.singleShot(1000, scheduler, scheduler.wake)
    return RemindersFeature(settings_action=action, scheduler=scheduler, notices=notices)
