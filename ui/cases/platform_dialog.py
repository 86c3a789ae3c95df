"""平台资料: each platform's statuses, types, reasons and appeal types, and its limits and timers —
the ones the profile marks as unverified are shown as such and can be set by the operator."""

from __future__ import annotations

import logging
from typing import Any

from desk.platforms import PlatformProfile, Setting
from ui.errors import APP_TITLE, ask
from ui.qt import (
    QAbstractItemView,
    QCheckBox,
    QColor,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRegularExpression,
    QRegularExpressionValidator,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
    Signal,
)
from ui.tasks import Op, TaskRunner

log = logging.getLogger(__name__)

UNVERIFIED = QColor("#fff1d6")


class PlatformDialog(QDialog):
    """Browse the platform profiles and set limits and timers.

    Signals:
        profiles_changed(): a profile was saved or restored.
    """

    profiles_changed = Signal()

    def __init__(self, profiles: Any, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"平台资料 — {APP_TITLE}")
        self.resize(860, 620)
        self._profiles = profiles
        self._runner = runner
        self._profile: PlatformProfile | None = None

        self.chooser = QComboBox()
        for p in profiles.all():
            self.chooser.addItem(p.title, p.key)
        self.chooser.currentIndexChanged.connect(lambda _i: self._show(self.chooser.currentData()))
        self.origin = QLabel()
        self.origin.setStyleSheet("color: #666;")
        top = QHBoxLayout()
        top.addWidget(QLabel("平台："))
        top.addWidget(self.chooser)
        top.addWidget(self.origin, 1)

        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.lists = QPlainTextEdit()
        self.lists.setReadOnly(True)
        self.table = QTableWidget(0, 5)
        self.table.setHorizontalHeaderLabels(["项目", "数值", "单位", "已核实", "出处 / 说明"])
        self.table.verticalHeader().hide()
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Fixed)
        header.resizeSection(1, 90)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.legend = QLabel("橙色行：数值未经核实（或未找到），请按商家后台实际显示的填写并勾选“已核实”。")
        self.legend.setWordWrap(True)
        self.legend.setStyleSheet("color: #a15c00;")

        self.save_button = QPushButton("保存修改")
        self.save_button.clicked.connect(self.save)
        self.restore_button = QPushButton("恢复默认")
        self.restore_button.setToolTip("删除这里的修改，改回随软件附带的资料")
        self.restore_button.clicked.connect(self.restore_defaults)
        close = QPushButton("关闭")
        close.clicked.connect(self.close)
        buttons = QHBoxLayout()
        buttons.addWidget(self.restore_button)
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        buttons.addWidget(close)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.summary)
        layout.addWidget(QLabel("售后状态、退款类型、退款原因、申诉类型："))
        layout.addWidget(self.lists, 2)
        layout.addWidget(QLabel("限额与时限："))
        layout.addWidget(self.table, 3)
        layout.addWidget(self.legend)
        layout.addLayout(buttons)
        problems = getattr(profiles, "problems", [])
        if problems:
            warn = QLabel("\n".join(problems))
            warn.setWordWrap(True)
            warn.setStyleSheet("color: #b3261e;")
            layout.insertWidget(1, warn)
        if self.chooser.count():
            self._show(self.chooser.currentData())

    def _show(self, key: str | None) -> None:
        if key is None:
            return
        p = self._profiles.get(key)
        self._profile = p
        self.origin.setText(
            "（已按本店修改，保存在数据文件夹）" if p.user_copy else "（随软件附带的默认资料）"
        )
        self.restore_button.setEnabled(p.user_copy)
        self.summary.setText(p.summary)
        names = {
            "statuses": "售后状态",
            "after_sales_types": "退款类型",
            "reasons": "退款原因",
            "appeal_types": "申诉类型",
        }
        lines = []
        for k, title in names.items():
            facts = p.lists.get(k)
            mark = "" if facts is None or facts.verified else "（未核实）"
            lines.append(f"【{title}{mark}】出处：{facts.source if facts else '未注明'}")
            if k == "statuses":
                for s in p.statuses:
                    target = f" → 工作台状态“{s.desk_status}”" if s.desk_status else ""
                    lines.append(f"  {s.name}{target}")
            elif k == "appeal_types":
                for a in p.appeal_types:
                    lines.append(f"  {a.name}" + (f"：{'、'.join(a.subtypes)}" if a.subtypes else ""))
            else:
                lines.append("  " + "、".join(getattr(p, k)))
        self.lists.setPlainText("\n".join(lines))
        settings: list[Setting] = [*p.limits, *p.timers]
        self.table.setRowCount(len(settings))
        for row, s in enumerate(settings):
            label = QTableWidgetItem(s.label)
            label.setData(256, s.key)
            self.table.setItem(row, 0, label)
            value = QLineEdit("" if s.value is None else str(s.value))
            value.setPlaceholderText("未知")
            value.setValidator(QRegularExpressionValidator(QRegularExpression(r"\d{0,9}"), value))
            self.table.setCellWidget(row, 1, value)
            self.table.setItem(row, 2, QTableWidgetItem(s.unit))
            check = QCheckBox()
            check.setChecked(s.verified)
            self.table.setCellWidget(row, 3, check)
            note = "；".join(x for x in (s.source, s.note) if x)
            item = QTableWidgetItem(note)
            item.setToolTip(note)
            self.table.setItem(row, 4, item)
            if not s.verified:
                for column in (0, 2, 4):
                    cell = self.table.item(row, column)
                    if cell is not None:
                        cell.setBackground(UNVERIFIED)

    def edited(self) -> list[tuple[str, int | None, bool]]:
        """(key, value, verified) of every row that differs from the profile shown."""
        p = self._profile
        if p is None:
            return []
        out = []
        for row, s in enumerate([*p.limits, *p.timers]):
            value_edit = self.table.cellWidget(row, 1)
            check = self.table.cellWidget(row, 3)
            assert isinstance(value_edit, QLineEdit) and isinstance(check, QCheckBox)
            text = value_edit.text().strip()
            value = int(text) if text else None
            verified = check.isChecked() and value is not None
            if (value, verified) != (s.value, s.verified):
                out.append((s.key, value, verified))
        return out

    def save(self) -> None:
        p = self._profile
        changes = self.edited()
        if p is None or not changes:
            return
        profiles = self._profiles

        def write() -> PlatformProfile:
            result = p
            for key, value, verified in changes:
                result = profiles.set_setting(
                    p.key, key, value=value, verified=verified, source="操作员按商家后台设置"
                )
            return result

        def saved(_result: PlatformProfile) -> None:
            self.profiles_changed.emit()
            self._show(p.key)

        Op(write, parent=self).on_success(saved).run(self._runner)

    def restore_defaults(self) -> None:
        p = self._profile
        if p is None or not p.user_copy:
            return
        if (
            ask(
                self,
                f"把{p.title}的平台资料恢复为默认？",
                ["恢复默认", "取消"],
                informative="这里做过的修改会被删除。",
            )
            != 0
        ):
            return
        profiles = self._profiles

        def restored(_result: PlatformProfile) -> None:
            self.profiles_changed.emit()
            self._show(p.key)

        Op(lambda: profiles.restore_defaults(p.key), parent=self).on_success(restored).run(self._runner)
