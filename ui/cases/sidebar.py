"""The sidebar of the case list: 今日 (what is due or owed today: the start screen), the queues (全部,
即将超时, 暂停计时), saved views, the trash."""

from __future__ import annotations

import logging
from typing import Any

from desk.domain import (
    DUE_SOON_HOURS,
    DUE_URGENT_HOURS,
    TODAY_QUEUE_KEYS,
    CaseFilter,
    CaseStatus,
    DueFilter,
    SavedViewData,
)
from desk.labels import DUE_QUEUE_LABELS
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

Queue = tuple[str, str, CaseFilter, str]  # key (as CaseService.counts names it), label, filter, colour


def _by_deadline(**kw: Any) -> CaseFilter:
    return CaseFilter(sort="due_at", descending=False, **kw)


# 今日, in the order the operator works through them; the window opens on the first that holds a case.
TODAY_QUEUES: tuple[Queue, ...] = (
    ("overdue", "已超时", _by_deadline(due=DueFilter.OVERDUE), "#b3261e"),
    ("urgent", DUE_QUEUE_LABELS["urgent"], _by_deadline(due=DueFilter.URGENT), "#a15c00"),
    ("today", DUE_QUEUE_LABELS["today"], _by_deadline(due=DueFilter.TODAY), "#a15c00"),
    ("waiting_return", "等待买家退货", _by_deadline(statuses=(CaseStatus.WAITING_RETURN,)), ""),
    (
        "awaiting_platform",
        DUE_QUEUE_LABELS["awaiting_platform"],
        _by_deadline(due=DueFilter.AWAITING_PLATFORM),
        "",
    ),
    ("to_reship", DUE_QUEUE_LABELS["to_reship"], _by_deadline(due=DueFilter.TO_RESHIP), ""),
)
QUEUES: tuple[Queue, ...] = (
    ("all", "全部售后", CaseFilter(), ""),
    ("soon", "即将超时", _by_deadline(due=DueFilter.SOON), "#a15c00"),
    ("paused", "暂停计时", _by_deadline(due=DueFilter.PAUSED), "#777777"),
)
ALL_QUEUES = TODAY_QUEUES + QUEUES
TODAY_KEYS = frozenset(q[0] for q in TODAY_QUEUES)
assert tuple(q[0] for q in TODAY_QUEUES) == TODAY_QUEUE_KEYS, "the start queue follows the sidebar's order"
TRASH = CaseFilter(trash=True, sort="updated_at")
TIPS = {
    "overdue": "已过截止时间、还没有结案的售后",
    "urgent": f"还没超时、{DUE_URGENT_HOURS} 小时内到期的售后（计时未暂停）",
    "today": "还没超时、今天 24 点前到期的售后（计时未暂停）",
    "waiting_return": "状态为“等待退货”的售后：买家寄回后记得改状态",
    "awaiting_platform": (
        "申诉已提交、平台还没给出结果的售后：状态为“已提交申诉”，\n"
        "或记录过一次结果为“等待结果”的申诉（已结案、申诉成功的除外）。\n"
        "平台有结果后，在“申诉结果”里记下，或把状态改为申诉成功 / 申诉失败"
    ),
    "to_reship": "处理方式为“补发”、还没有填写补发单号的售后（已结案的除外）",
    "soon": f"截止时间在 {DUE_SOON_HOURS} 小时内、计时未暂停的售后",
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

        self.today_group = QTreeWidgetItem(["今日"])
        self.today_group.setToolTip(
            0, "今天要处理的售后；启动时打开第一个有售后的队列。Ctrl+J：保存并打开下一条"
        )
        self.queues_group = QTreeWidgetItem(["队列"])
        self.views_group = QTreeWidgetItem(["我的视图"])
        for group in (self.today_group, self.queues_group, self.views_group):
            group.setFlags(Qt.ItemFlag.ItemIsEnabled)
            group.setFont(0, bold)
            self.addTopLevelItem(group)
        self.queue_items: dict[str, QTreeWidgetItem] = {}
        for key, label, _flt, colour in ALL_QUEUES:
            item = QTreeWidgetItem([label])
            item.setData(0, KIND_ROLE, "queue")
            item.setData(0, KEY_ROLE, key)
            if colour:
                item.setForeground(0, QColor(colour))
            if key in TIPS:
                item.setToolTip(0, TIPS[key])
            (self.today_group if key in TODAY_KEYS else self.queues_group).addChild(item)
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

    def has_counts(self) -> bool:
        return bool(self._counts)

    def set_counts(self, counts: dict[str, int]) -> None:
        self._counts = counts
        for key, label, _flt, _colour in ALL_QUEUES:
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
            for k, label, flt, _colour in ALL_QUEUES:
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
