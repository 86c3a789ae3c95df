"""Case list model: the ids of a search plus a lazily filled cache of the rows actually shown."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from desk.domain import CaseId, CaseRow
from ui.format import money, when
from ui.qt import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt

log = logging.getLogger(__name__)

CASE_ID_ROLE = Qt.ItemDataRole.UserRole + 1
ROW_BLOCK = 100  # rows fetched per trip to the services, centred on the row Qt asked for

AnyIndex = QModelIndex | QPersistentModelIndex


class CaseRows(Protocol):
    """The part of CaseService the model needs."""

    def list_ids(self, search: str = "") -> list[CaseId]: ...

    def rows(self, ids: Sequence[CaseId]) -> dict[CaseId, CaseRow]: ...


# (header, how to show a CaseRow in that column)
COLUMNS: tuple[tuple[str, Callable[[CaseRow], str]], ...] = (
    ("售后类型", lambda r: r.case_type.value),
    ("状态", lambda r: r.status.value),
    ("平台", lambda r: r.platform.value),
    ("店铺", lambda r: r.shop_name),
    ("订单号", lambda r: r.order_no),
    ("售后单号", lambda r: r.after_sales_no),
    ("快递单号", lambda r: r.tracking_no),
    ("买家", lambda r: r.buyer_nick),
    ("退款金额", lambda r: money(r.refund_amount)),
    ("更新时间", lambda r: when(r.updated_at)),
)
AMOUNT_COLUMN = 8


class CaseTableModel(QAbstractTableModel):
    """Rows are case ids; a row's cells come from a CaseRow fetched on first paint (Anki's DataModel)."""

    def __init__(self, cases: CaseRows, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._cases = cases
        self._ids: list[CaseId] = []
        self._index_of: dict[CaseId, int] = {}
        # None marks an id the services no longer know (deleted meanwhile), so we do not refetch it.
        self._rows: dict[CaseId, CaseRow | None] = {}
        self._search = ""

    # -- loading -------------------------------------------------------------------------------

    @property
    def search(self) -> str:
        return self._search

    def refresh(self, search: str | None = None) -> None:
        """Run the search again (a new one if given); cached rows stay valid unless invalidated."""
        if search is not None:
            self._search = search
        self.set_ids(self._cases.list_ids(self._search))

    def set_ids(self, ids: Sequence[CaseId]) -> None:
        self.beginResetModel()
        self._ids = list(ids)
        self._index_of = {case_id: i for i, case_id in enumerate(self._ids)}
        self.endResetModel()

    def invalidate(self, case_ids: frozenset[CaseId] | set[CaseId]) -> None:
        """Forget cached rows of edited cases; visible ones are refetched on the next paint."""
        for case_id in case_ids:
            self._rows.pop(case_id, None)
            row = self._index_of.get(case_id)
            if row is not None:
                self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))

    def case_id(self, row: int) -> CaseId | None:
        return self._ids[row] if 0 <= row < len(self._ids) else None

    def row_of(self, case_id: CaseId) -> int | None:
        return self._index_of.get(case_id)

    def _row(self, row: int) -> CaseRow | None:
        case_id = self._ids[row]
        if case_id not in self._rows:
            self._fetch_around(row)
        return self._rows.get(case_id)

    def _fetch_around(self, row: int) -> None:
        start = max(0, row - ROW_BLOCK // 2)
        wanted = [i for i in self._ids[start : start + ROW_BLOCK] if i not in self._rows]
        fetched = self._cases.rows(wanted)
        for case_id in wanted:
            self._rows[case_id] = fetched.get(case_id)

    # -- Qt model API --------------------------------------------------------------------------

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._ids):
            return None
        if role == CASE_ID_ROLE:
            return int(self._ids[index.row()])
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() == AMOUNT_COLUMN:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            row = self._row(index.row())
            if row is None:
                return "（已删除）" if index.column() == 0 else ""
            return COLUMNS[index.column()][1](row)
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(COLUMNS):
            return COLUMNS[section][0]
        if orientation == Qt.Orientation.Vertical and 0 <= section < len(self._ids):
            return str(section + 1)
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren
