"""The sidebar of the case list: queues (全部, 即将超时, 已超时, 暂停计时), saved views, the trash."""

from __future__ import annotations

import logging
from typing import Any

from desk.domain import DUE_SOON_HOURS, CaseFilter, DueFilter, SavedViewData
from ui.qt import (
    QAbstractItemView,
    QColor,
    QFont,
    QMenu,
    QModelIndex,
    QPoint,
    Qt,
    QTreeWidget,
    QTreeWidgetItem,
    Signal,
)

log = logging.getLogger(__name__)

KIND_ROLE = Qt.ItemDataRole.UserRole + 1  # "queue" | "view" | "trash"
KEY_ROLE = Qt.ItemDataRole.UserRole + 2  # queue key or view id

QUEUES: tuple[tuple[str, str, CaseFilter, str], ...] = (
    ("all", "全部售后", CaseFilter(), ""),
    ("soon", "即将超时", CaseFilter(due=DueFilter.SOON, sort="due_at", descending=False), "#a15c00"),
    ("overdue", "已超时", CaseFilter(due=DueFilter.OVERDUE, sort="due_at", descending=False), "#b3261e"),
    ("paused", "暂停计时", CaseFilter(due=DueFilter.PAUSED, sort="due_at", descending=False), "#777777"),
)
TRASH = CaseFilter(trash=True, sort="updated_at")
TIPS = {
    "soon": f"截止时间在 {DUE_SOON_HOURS} 小时内、计时未暂停的售后",
    "overdue": "已过截止时间、还没有结案的售后",
    "paused": "等待退货或等待快递回复期间，截止时间暂停计时的售后",
}


class CaseSidebar(QTreeWidget):
    """Queues, saved views and the trash; choosing one sets the list's filter.

    Signals:
        filter_chosen(CaseFilter, str): the operator picked a queue, a view or the trash (with its name).
        rename_requested(int), delete_requested(int): context menu on a saved view.
    """

    filter_chosen = Signal(object, str)
    rename_requested = Signal(int)
    delete_requested = Signal(int)

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("case_sidebar")
        self.setHeaderHidden(True)
        self.setRootIsDecorated(False)
        self.setIndentation(10)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._on_context_menu)
        self._views: dict[int, SavedViewData] = {}
        self._counts: dict[str, int] = {}
        bold = QFont(self.font())
        bold.setBold(True)

        self.queues_group = QTreeWidgetItem(["队列"])
        self.views_group = QTreeWidgetItem(["我的视图"])
        for group in (self.queues_group, self.views_group):
            group.setFlags(Qt.ItemFlag.ItemIsEnabled)
            group.setFont(0, bold)
            self.addTopLevelItem(group)
        self.queue_items: dict[str, QTreeWidgetItem] = {}
        for key, label, _flt, colour in QUEUES:
            item = QTreeWidgetItem([label])
            item.setData(0, KIND_ROLE, "queue")
            item.setData(0, KEY_ROLE, key)
            if colour:
                item.setForeground(0, QColor(colour))
            if key in TIPS:
                item.setToolTip(0, TIPS[key])
            self.queues_group.addChild(item)
            self.queue_items[key] = item
        self.empty_views = QTreeWidgetItem(["（还没有视图）"])
        self.empty_views.setToolTip(0, "在列表上方设好搜索和筛选后，点“保存为视图…”")
        self.empty_views.setFlags(Qt.ItemFlag.NoItemFlags)
        self.views_group.addChild(self.empty_views)
        self.trash_item = QTreeWidgetItem(["回收站"])
        self.trash_item.setData(0, KIND_ROLE, "trash")
        self.trash_item.setToolTip(0, "删除的售后在这里，可以恢复或彻底删除")
        self.addTopLevelItem(self.trash_item)
        self.expandAll()
        self.setCurrentItem(self.queue_items["all"])
        self.itemClicked.connect(self._on_item_clicked)
        self.currentItemChanged.connect(lambda current, _previous: self._on_item_clicked(current))
        self._last: Any = None

    # -- content ---------------------------------------------------------------------------------

    def set_views(self, views: list[SavedViewData]) -> None:
        current = self.current_key()
        self.blockSignals(True)
        try:
            for i in reversed(range(self.views_group.childCount())):
                child = self.views_group.child(i)
                if child is not None and child is not self.empty_views:
                    self.views_group.removeChild(child)
            self._views = {v.id: v for v in views}
            for view in views:
                item = QTreeWidgetItem([view.name])
                item.setData(0, KIND_ROLE, "view")
                item.setData(0, KEY_ROLE, view.id)
                item.setToolTip(0, "右键可以重命名或删除")
                self.views_group.addChild(item)
            self.empty_views.setHidden(bool(views))
        finally:
            self.blockSignals(False)
        if current is not None:
            self.select_key(*current, emit=False)

    def set_counts(self, counts: dict[str, int]) -> None:
        self._counts = counts
        for key, label, _flt, _colour in QUEUES:
            n = counts.get(key)
            self.queue_items[key].setText(0, f"{label}（{n}）" if n is not None else label)
        n = counts.get("trash")
        self.trash_item.setText(0, f"回收站（{n}）" if n else "回收站")

    # -- choosing --------------------------------------------------------------------------------

    def current_key(self) -> tuple[str, Any] | None:
        item = self.currentItem()
        if item is None:
            return None
        kind = item.data(0, KIND_ROLE)
        return (kind, item.data(0, KEY_ROLE)) if kind else None

    def select_key(self, kind: str, key: Any = None, *, emit: bool = True) -> None:
        target = None
        if kind == "trash":
            target = self.trash_item
        elif kind == "queue":
            target = self.queue_items.get(key)
        elif kind == "view":
            for i in range(self.views_group.childCount()):
                child = self.views_group.child(i)
                if child is not None and child.data(0, KEY_ROLE) == key:
                    target = child
        if target is None:
            return
        self.blockSignals(not emit)
        try:
            self.setCurrentItem(target)
        finally:
            self.blockSignals(False)

    def clear_choice(self) -> None:
        """The operator changed the filters by hand: no queue or view is selected any more."""
        self.blockSignals(True)
        try:
            self.setCurrentIndex(QModelIndex())  # what setCurrentItem(None) does in C++
            self.clearSelection()
        finally:
            self.blockSignals(False)
        self._last = None

    def filter_for(self, item: QTreeWidgetItem) -> tuple[CaseFilter, str] | None:
        kind = item.data(0, KIND_ROLE)
        key = item.data(0, KEY_ROLE)
        if kind == "queue":
            for k, label, flt, _colour in QUEUES:
                if k == key:
                    return flt, label
        if kind == "view" and key in self._views:
            view = self._views[key]
            return view.filter, view.name
        if kind == "trash":
            return TRASH, "回收站"
        return None

    def _on_item_clicked(self, item: QTreeWidgetItem | None, *_args: object) -> None:
        if item is None:
            return
        chosen = self.filter_for(item)
        if chosen is None:
            return
        key = (item.data(0, KIND_ROLE), item.data(0, KEY_ROLE))
        if key == self._last:
            return
        self._last = key
        self.filter_chosen.emit(*chosen)

    def _on_context_menu(self, pos: QPoint) -> None:
        item = self.itemAt(pos)
        if item is None or item.data(0, KIND_ROLE) != "view":
            return
        view_id = int(item.data(0, KEY_ROLE))
        menu = QMenu(self)
        menu.addAction("重命名…", lambda: self.rename_requested.emit(view_id))
        menu.addAction("删除视图", lambda: self.delete_requested.emit(view_id))
        menu.exec(self.viewport().mapToGlobal(pos))
