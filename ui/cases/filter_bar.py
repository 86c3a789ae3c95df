"""Filters of the case list: type, status, shop, platform, deadline and date range, each a drop-down
of check boxes; the search box sits above them."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from desk.domain import CaseFilter, CaseStatus, CaseType, DueFilter, Platform, ShopData
from desk.labels import DUE_QUEUE_LABELS
from ui.qt import (
    QAction,
    QDate,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QMenu,
    QPushButton,
    QToolButton,
    QWidget,
    Signal,
)

DUE_CHOICES = (
    (DueFilter.ANY, "不限"),
    (DueFilter.SOON, "即将超时"),
    (DueFilter.OVERDUE, "已超时"),
    (DueFilter.PAUSED, "暂停计时"),
    (DueFilter.HAS_DUE, "有截止时间"),
    (DueFilter.NO_DUE, "无截止时间"),
)


class DateRangeDialog(QDialog):
    def __init__(self, start: date | None, end: date | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("按新建日期筛选")
        today = date.today()
        self.start = QDateEdit(_qdate(start or today - timedelta(days=30)))
        self.end = QDateEdit(_qdate(end or today))
        for edit in (self.start, self.end):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
        form = QFormLayout(self)
        form.addRow("从：", self.start)
        form.addRow("到：", self.end)
        buttons = QDialogButtonBox()
        buttons.addButton("确定", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton("取消", QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def values(self) -> tuple[date, date]:
        a, b = _pydate(self.start.date()), _pydate(self.end.date())
        return (a, b) if a <= b else (b, a)


def _qdate(d: date) -> QDate:
    return QDate(d.year, d.month, d.day)


def _pydate(q: QDate) -> date:
    return date(q.year(), q.month(), q.day())


class FilterBar(QWidget):
    """Drop-downs that together make the list's filter (its search and sort are kept by the owner).

    Signals:
        changed(): the operator changed a filter.
        save_requested(): 保存为视图….
    """

    changed = Signal()
    save_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._filter = CaseFilter()
        self._shops: list[ShopData] = []
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        self.buttons: dict[str, QToolButton] = {}
        for key, label in (
            ("case_types", "类型"),
            ("statuses", "状态"),
            ("shop_ids", "店铺"),
            ("platforms", "平台"),
            ("due", "截止"),
            ("dates", "日期"),
        ):
            button = QToolButton()
            button.setText(label)
            button.setObjectName(f"filter_{key}")
            button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
            menu = QMenu(button)
            menu.aboutToShow.connect(lambda key=key, menu=menu: self._fill_menu(key, menu))
            button.setMenu(menu)
            layout.addWidget(button)
            self.buttons[key] = button
        layout.addStretch(1)
        self.clear_button = QPushButton("清除筛选")
        self.clear_button.setFlat(True)
        self.clear_button.clicked.connect(self.clear)
        self.save_button = QPushButton("保存为视图…")
        self.save_button.setFlat(True)
        self.save_button.setToolTip("把当前的搜索、筛选和排序存为侧栏里的一个视图")
        self.save_button.clicked.connect(self.save_requested)
        layout.addWidget(self.clear_button)
        layout.addWidget(self.save_button)
        self._update_texts()

    # -- state -----------------------------------------------------------------------------------

    def filter(self) -> CaseFilter:
        return self._filter

    def set_filter(self, flt: CaseFilter) -> None:
        self._filter = flt
        self._update_texts()

    def set_shops(self, shops: list[ShopData]) -> None:
        self._shops = sorted(shops, key=lambda s: (str(s.platform), s.name))
        self._update_texts()

    def clear(self) -> None:
        self._filter = CaseFilter(
            search=self._filter.search, sort=self._filter.sort, descending=self._filter.descending
        )
        self._update_texts()
        self.changed.emit()

    def _set(self, **values: Any) -> None:
        self._filter = replace(self._filter, **values)
        self._update_texts()
        self.changed.emit()

    # -- menus -----------------------------------------------------------------------------------

    def _fill_menu(self, key: str, menu: QMenu) -> None:
        menu.clear()
        flt = self._filter
        if key in ("case_types", "statuses", "platforms", "shop_ids"):
            chosen: tuple[Any, ...] = getattr(flt, key)
            every = menu.addAction("全部")
            every.setCheckable(True)
            every.setChecked(not chosen)
            every.triggered.connect(lambda _c=False, key=key: self._set(**{key: ()}))
            menu.addSeparator()
            for value, label in self._choices(key):
                action = menu.addAction(label)
                action.setCheckable(True)
                action.setChecked(value in chosen)
                action.triggered.connect(
                    lambda checked, key=key, value=value: self._toggle(key, value, checked)
                )
        elif key == "due":
            for value, label in DUE_CHOICES:
                action = menu.addAction(label)
                action.setCheckable(True)
                action.setChecked(flt.due == value)
                action.triggered.connect(lambda _c=False, value=value: self._set(due=value))
        elif key == "dates":
            today = date.today()
            presets: list[tuple[str, date | None, date | None]] = [
                ("不限", None, None),
                ("今天", today, today),
                ("最近 7 天", today - timedelta(days=6), today),
                ("最近 30 天", today - timedelta(days=29), today),
                ("本月", today.replace(day=1), today),
            ]
            for label, start, end in presets:
                action = menu.addAction(label)
                action.setCheckable(True)
                action.setChecked((flt.created_from, flt.created_to) == (start, end))
                action.triggered.connect(
                    lambda _c=False, s=start, e=end: self._set(created_from=s, created_to=e)
                )
            menu.addSeparator()
            custom: QAction = menu.addAction("指定日期…")
            custom.triggered.connect(self._pick_dates)

    def _choices(self, key: str) -> list[tuple[Any, str]]:
        if key == "case_types":
            return [(t, str(t)) for t in CaseType]
        if key == "statuses":
            return [(s, str(s)) for s in CaseStatus]
        if key == "platforms":
            return [(p, str(p)) for p in Platform]
        return [(0, "（未指定店铺）"), *((int(s.id), f"{s.name}（{s.platform}）") for s in self._shops)]

    def _toggle(self, key: str, value: Any, checked: bool) -> None:
        current = list(getattr(self._filter, key))
        if checked and value not in current:
            current.append(value)
        elif not checked and value in current:
            current.remove(value)
        self._set(**{key: tuple(current)})

    def _pick_dates(self) -> None:
        dialog = DateRangeDialog(self._filter.created_from, self._filter.created_to, self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            start, end = dialog.values()
            self._set(created_from=start, created_to=end)

    def _update_texts(self) -> None:
        flt = self._filter
        names = {"case_types": "类型", "statuses": "状态", "shop_ids": "店铺", "platforms": "平台"}
        for key, label in names.items():
            chosen = getattr(flt, key)
            button = self.buttons[key]
            if not chosen:
                button.setText(label)
            elif len(chosen) == 1:
                value = chosen[0]
                text = dict(self._choices(key)).get(value, str(value))
                button.setText(f"{label}：{text}")
            else:
                button.setText(f"{label}：{len(chosen)} 项")
            button.setToolTip(
                "、".join(dict(self._choices(key)).get(v, str(v)) for v in chosen) or f"按{label}筛选"
            )
        due = dict(DUE_CHOICES).get(flt.due) or DUE_QUEUE_LABELS.get(flt.due.value, "")  # 今日's too
        self.buttons["due"].setText("截止" if flt.due == DueFilter.ANY else f"截止：{due}")
        if flt.created_from or flt.created_to:
            a = flt.created_from.isoformat() if flt.created_from else "…"
            b = flt.created_to.isoformat() if flt.created_to else "…"
            self.buttons["dates"].setText(f"日期：{a[5:]}～{b[5:]}")
            self.buttons["dates"].setToolTip(f"新建日期 {a} 至 {b}")
        else:
            self.buttons["dates"].setText("日期")
            self.buttons["dates"].setToolTip("按新建日期筛选")
        active = flt.without_search() != CaseFilter(sort=flt.sort, descending=flt.descending, trash=flt.trash)
        self.clear_button.setVisible(active)
        for key, button in self.buttons.items():
            on = (key == "due" and flt.due != DueFilter.ANY) or (
                key == "dates" and bool(flt.created_from or flt.created_to)
            )
            on = on or (key in names and bool(getattr(flt, key)))
            font = button.font()
            font.setBold(on)
            button.setFont(font)
