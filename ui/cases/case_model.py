"""Case list model: the ids of a filtered, sorted list plus a lazily filled cache of the rows shown.

Only ids are held for the whole list (100,000 cases is 100,000 ints); a row's cells are fetched in
blocks of ROW_BLOCK around the first row Qt paints, formatted once, and kept (the ROW_CACHE most recently
fetched). data() is then a few dictionary and tuple look-ups (Anki's DataModel, house style 8).

In the window the blocks are read on the DB worker (the GUI thread never waits on the database): a row
not fetched yet paints empty and fills in when its block arrives (dataChanged), and the block after it
is read next, so scrolling on finds its rows there; a row edited meanwhile keeps its old cells until the
new ones come, so nothing blinks.

The 买家售后 column (the buyer's how-manieth claim) is read in a second pass, once a block's rows are on
screen and the list has stood still for a moment (HISTORY_DELAY_MS): counting a common nickname's
cases costs several times the rows' own read, and the operator should not wait for a hint to see the
list. A pass overtaken by a jump elsewhere is skipped and asked again when those rows are painted.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from functools import partial
from itertools import islice
from typing import Any, Protocol

from desk.deadlines import describe_due
from desk.domain import DUE_SOON_HOURS, CaseFilter, CaseId, CaseRow, CaseStatus, Resolution
from ui.cases.chips import CHIP_ROLE
from ui.format import money, when
from ui.qt import (
    QAbstractTableModel,
    QColor,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from ui.tasks import Op, TaskRunner

log = logging.getLogger(__name__)

CASE_ID_ROLE = Qt.ItemDataRole.UserRole + 1
DUE_STATE_ROLE = Qt.ItemDataRole.UserRole + 2
ROW_BLOCK = 100  # rows fetched per trip to the services, centred on the row Qt asked for
# Formatted rows kept. Bounded because every cached row is objects the garbage collector walks: an
# unbounded cache after scrolling through 100,000 rows made full collections pause a frame for ~100 ms.
ROW_CACHE = 3000
# The 买家售后 column is read once the list has stood still this long (the second pass).
HISTORY_DELAY_MS = 120
# The block after the rows on screen is read this long after they came: the frame that draws them comes
# first, not sharing the interpreter with the worker's read (bench_cases: it stretched that frame).
READ_AHEAD_DELAY_MS = 40

AnyIndex = QModelIndex | QPersistentModelIndex

_ROLE_DISPLAY = Qt.ItemDataRole.DisplayRole
_ROLE_TOOLTIP = Qt.ItemDataRole.ToolTipRole
_ROLE_BACKGROUND = Qt.ItemDataRole.BackgroundRole
_ROLE_FOREGROUND = Qt.ItemDataRole.ForegroundRole
_ROLE_ALIGNMENT = Qt.ItemDataRole.TextAlignmentRole
_AMOUNT_ALIGNMENT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_ROW_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren
_NO_FLAGS = Qt.ItemFlag.NoItemFlags


class CaseQuery(Protocol):
    """What a query answers (desk's QueryResult, desk/quick.py's QuickResult: frozen, so read-only)."""

    @property
    def ids(self) -> list[CaseId]: ...

    @property
    def hint(self) -> str: ...


class CaseRows(Protocol):
    """The part of CaseService the model needs."""

    def query(self, flt: CaseFilter | str = "") -> CaseQuery: ...

    def rows(self, ids: Sequence[CaseId]) -> dict[CaseId, CaseRow]: ...


class BuyerHistory(Protocol):
    """What the list shows of a buyer's history (desk/services/buyers.py's BuyerHistory)."""

    @property
    def count(self) -> int: ...

    def sentence(self) -> str: ...


# BuyerService.histories: the buyer histories of a block of rows, in a few grouped queries.
Histories = Callable[[Sequence[CaseId]], Mapping[CaseId, BuyerHistory]]


def read_histories(histories: Histories, ids: Sequence[CaseId]) -> Mapping[CaseId, BuyerHistory]:
    """The buyers' histories of a block's rows, on the read worker. The column is a hint: if it cannot
    be read the rows stay as they are, with that column empty."""
    try:
        return histories(list(ids))
    except Exception:
        log.exception("reading the buyers' after-sales counts for the list failed")
        return {}


# Deadline states a row can be in, and how they look.
OVERDUE, SOON, PAUSED, RUNNING, DONE, NONE = "overdue", "soon", "paused", "running", "done", ""
NO_DEADLINE = (CaseStatus.CLOSED, CaseStatus.APPEAL_WON)
ROW_BACKGROUND = {OVERDUE: QColor("#fde2e1"), SOON: QColor("#fff1d6")}
DUE_FOREGROUND = {
    OVERDUE: QColor("#b3261e"),
    SOON: QColor("#a15c00"),
    PAUSED: QColor("#777777"),
    DONE: QColor("#9a9a9a"),  # closed: the deadline no longer matters
}
TRASHED_FOREGROUND = QColor("#8a8a8a")
REPEAT_FROM = 2  # the buyer's second claim in the window on stands out
REPEAT_FOREGROUND = QColor("#8a4b00")


def repeat_text(count: int) -> str:
    """第3次: the buyer's how-manieth after-sales claim within the window; "" when the buyer is unknown."""
    return f"第{count}次" if count > 0 else ""


def due_state(row: CaseRow, now: datetime) -> str:
    if row.due_at is None:
        return NONE
    if row.status in NO_DEADLINE:
        return DONE
    if row.due_paused_at is not None:
        return PAUSED
    if row.due_at < now:
        return OVERDUE
    if row.due_at < now + timedelta(hours=DUE_SOON_HOURS):
        return SOON
    return RUNNING


@dataclass(frozen=True, slots=True)
class Column:
    header: str
    sort_key: str
    text: Callable[[CaseRow], str]


# Logical columns (tests and saved header states rely on their order; the view may show them moved).
COLUMNS: tuple[Column, ...] = (
    Column("售后类型", "case_type", lambda r: str(r.case_type)),
    Column("状态", "status", lambda r: str(r.status)),
    Column("平台", "platform", lambda r: str(r.platform)),
    Column("店铺", "shop", lambda r: r.shop_name),
    Column("订单号", "order_no", lambda r: r.order_no),
    Column("售后单号", "after_sales_no", lambda r: r.after_sales_no),
    Column("快递单号", "tracking_no", lambda r: r.tracking_no),
    Column("买家", "buyer_nick", lambda r: r.buyer_nick),
    Column("退款金额", "refund_amount", lambda r: money(r.refund_amount)),
    Column("更新时间", "updated_at", lambda r: when(r.updated_at)),
    Column("截止", "due_at", lambda r: ""),  # filled with the time left, which changes by the minute
    Column("处理方式", "resolution", lambda r: "" if r.resolution == Resolution.NONE else str(r.resolution)),
    Column("新建时间", "created_at", lambda r: when(r.created_at)),
    # Filled from the buyer's history read with the row's block; not a sort key of the query ("").
    Column("买家售后", "", lambda r: ""),
)
STATUS_COLUMN = 1
AMOUNT_COLUMN = 8
UPDATED_COLUMN = 9
DUE_COLUMN = 10
BUYER_COLUMN = 13


@dataclass(slots=True)
class _Cells:
    row: CaseRow
    texts: list[str]
    due: str
    repeat: int = 0  # the buyer's claims in the window (0: unknown)
    repeat_tip: str = ""
    stale: bool = False  # the case changed (or the source did): shown until the new cells come
    history_read: bool = False  # the 买家售后 column has been read for these cells (second pass)


CHIP_COLUMNS = (STATUS_COLUMN, DUE_COLUMN, BUYER_COLUMN)  # the only columns chip_of names a chip for


def chip_of(cells: _Cells, column: int) -> tuple[str, str] | None:
    """The chip a cell is painted on (ui/cases/chips.py): the status, a deadline overdue or close, a
    repeat buyer; None for plain text. A trashed case's cells stay plain (grey)."""
    if cells.row.deleted_at is not None:
        return None
    if column == STATUS_COLUMN:
        return ("status", cells.row.status.value)
    if column == DUE_COLUMN:
        return ("due", cells.due) if cells.due in (OVERDUE, SOON) else None
    if column == BUYER_COLUMN:
        return ("repeat", "repeat") if cells.repeat >= REPEAT_FROM else None
    return None


class CaseTableModel(QAbstractTableModel):
    """Rows are case ids; a row's cells come from a CaseRow fetched on first paint (Anki's DataModel).

    Signals:
        sort_requested(): the operator clicked a column header; the owner re-runs the query
            (in the background) with the model's new filter. Without a listener the model re-runs it itself.
    """

    sort_requested = Signal()

    def __init__(
        self,
        cases: CaseRows,
        parent: QObject | None = None,
        *,
        runner: TaskRunner | None = None,
        histories: Histories | None = None,
    ) -> None:
        """runner: read the rows on its DB worker (the window). Without one they are read when Qt asks,
        on the calling thread (a model used alone, e.g. by a test). histories: the buyers' histories of
        a block (BuyerService.histories), read with the block for the 买家售后 column."""
        super().__init__(parent)
        self._cases = cases
        self._histories = histories
        self._runner = runner
        self._ids: list[CaseId] = []
        self._index_of: dict[CaseId, int] = {}
        # None marks an id the services no longer know (deleted meanwhile), so we do not refetch it.
        self._rows: dict[CaseId, _Cells | None] = {}
        # Ids whose rows are on their way, with the number of the request bringing them: an answer is
        # kept only for the ids still waiting for that very request (not changed or re-sourced since).
        self._loading: dict[CaseId, int] = {}
        self._requests = 0
        # Read-ahead requests not answered yet, and the number of the newest request for rows on screen:
        # a read-ahead still queued when the operator jumps elsewhere is dropped, and rows it was to bring
        # are taken over by the request for what is on screen, so that request never waits behind it.
        self._ahead: set[int] = set()
        self._demand = 0
        # Cells whose buyer histories are on their way (the second pass), by id: an answer is kept only
        # for the very cells it was asked for (not replaced by a refetch since).
        self._history_loading: dict[CaseId, _Cells] = {}
        # Asked for but not sent yet: the second pass waits until the list stands still, so that while
        # the operator scrolls the read worker serves rows only (and the GUI thread does not share the
        # interpreter with a count it would throw away).
        self._history_pending: dict[CaseId, _Cells] = {}
        self._history_timer = QTimer(self, singleShot=True, interval=HISTORY_DELAY_MS)
        self._history_timer.timeout.connect(self._send_histories)
        self._filter = CaseFilter()
        self._hint = ""
        self._now = datetime.now(UTC)
        self.refresh_handler: Callable[[], None] | None = None  # set by an owner that refreshes async

    # -- loading -------------------------------------------------------------------------------

    @property
    def search(self) -> str:
        return self._filter.search

    @property
    def filter(self) -> CaseFilter:
        return self._filter

    @property
    def hint(self) -> str:
        """Why the last search found nothing (input that cannot be searched as typed), or ""."""
        return self._hint

    def set_source(self, cases: CaseRows, histories: Histories | None = None) -> None:
        """Read rows from another source from now on (the full desk once it has opened). The rows shown
        stay until the new source's come: the same cases, so nothing blinks."""
        self._cases = cases
        self._histories = histories
        self._mark_stale(list(self._rows))

    def refresh(self, search: str | None = None) -> None:
        """Run the query again, now, on this thread (a new search if given); cached rows stay valid unless
        invalidated. Only while the desk opens (MainWindow, which lets this read through) and for a model
        used alone: the window's own queries run on the DB worker (CaseListPane.request_refresh)."""
        if search is not None:
            self._filter = replace(self._filter, search=search)
        result = self._cases.query(self._filter)
        self.apply_result(self._filter, result.ids, result.hint)

    def set_filter(self, flt: CaseFilter) -> None:
        """Change what the list shows without querying (the owner queries, usually in the background)."""
        self._filter = flt

    def apply_result(self, flt: CaseFilter, ids: Sequence[CaseId], hint: str = "") -> None:
        self._filter = flt
        self._hint = hint
        if list(ids) != self._ids:
            self.set_ids(ids)

    def set_ids(self, ids: Sequence[CaseId]) -> None:
        self.beginResetModel()
        self._ids = list(ids)
        self._index_of = {case_id: i for i, case_id in enumerate(self._ids)}
        self.endResetModel()

    def ids(self) -> list[CaseId]:
        return list(self._ids)

    def invalidate(self, case_ids: frozenset[CaseId] | set[CaseId]) -> None:
        """Cached rows of edited cases are out of date; visible ones are refetched on the next paint."""
        self._mark_stale(case_ids)

    def invalidate_all(self) -> None:
        self._mark_stale(list(self._rows))

    def _mark_stale(self, case_ids: Iterable[CaseId]) -> None:
        """Refetch these rows when next painted, showing the cells they have until then; an answer on its
        way for them may predate the change and is dropped."""
        rows: list[int] = []
        for case_id in case_ids:
            self._loading.pop(case_id, None)
            cells = self._rows.get(case_id)
            if cells is None:
                self._rows.pop(case_id, None)  # gone or never fetched: asked for again when painted
            else:
                cells.stale = True
            row = self._index_of.get(case_id)
            if row is not None:
                rows.append(row)
        if rows:
            self.dataChanged.emit(self.index(min(rows), 0), self.index(max(rows), len(COLUMNS) - 1))

    def refresh_due(self, now: datetime | None = None) -> None:
        """Time passes: recompute the time left (and overdue colours) of the rows fetched so far."""
        self._now = now or datetime.now(UTC)
        for cells in self._rows.values():
            if cells is not None and cells.row.due_at is not None:
                cells.due = due_state(cells.row, self._now)
                cells.texts[DUE_COLUMN] = describe_due(
                    cells.row.due_at, now=self._now, paused_at=cells.row.due_paused_at, compact=True
                )
        if self._ids:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._ids) - 1, len(COLUMNS) - 1))

    def case_id(self, row: int) -> CaseId | None:
        return self._ids[row] if 0 <= row < len(self._ids) else None

    def row_of(self, case_id: CaseId) -> int | None:
        return self._index_of.get(case_id)

    def row_loaded(self, row: int) -> bool:
        """The row's cells are there and up to date (not waiting for the DB worker)."""
        case_id = self.case_id(row)
        if case_id is None or case_id in self._loading or case_id not in self._rows:
            return False
        cells = self._rows[case_id]
        return cells is None or not cells.stale

    def _cells(self, row: int) -> _Cells | None:
        """The row's cells; None while they are on their way, or for a case that is gone."""
        case_id = self._ids[row]
        if case_id not in self._rows:
            self._request(row)
            cells = self._rows.get(case_id)  # without a runner they are there now
        else:
            cells = self._rows[case_id]
            if cells is not None and cells.stale:
                self._request(row)
                cells = self._rows.get(case_id, cells)
        if (
            cells is not None
            and not cells.history_read
            and not cells.stale
            and self._histories is not None
            and case_id not in self._history_loading
        ):
            self._ask_histories(row)
        return cells

    def _request(self, row: int) -> None:
        """Ask for the rows around `row` that are missing or out of date: at most ROW_BLOCK, by key."""
        if self._ids[row] in self._loading:
            return  # on its way (data() asks ~35 times per row and paint)
        self._ask(max(0, row - ROW_BLOCK // 2), ahead=True)

    def _ask(self, start: int, *, ahead: bool) -> None:
        """Fetch the rows from `start` on (ROW_BLOCK of them) not there or out of date; ahead: then the
        block after it too, so the operator scrolling on finds those rows there already."""
        rows, loading, pending_ahead = self._rows, self._loading, self._ahead
        wanted = [
            i
            for i in self._ids[start : start + ROW_BLOCK]
            if (i not in loading or (ahead and loading[i] in pending_ahead))
            and (i not in rows or ((c := rows[i]) is not None and c.stale))
        ]
        if not wanted:
            return
        self._requests += 1
        request = self._requests
        for case_id in wanted:
            loading[case_id] = request
        source = self._cases
        if self._runner is None:
            try:
                fetched = source.rows(wanted)
            except Exception:
                # A paint must never fail: show the rows as gone and try again on the next refresh.
                log.exception("fetching list rows failed")
                fetched = {}
            self._store(request, wanted, fetched)
            return
        if ahead:  # rows on screen: an answer asked for by the operator
            self._demand = request
            after: int | None = start + ROW_BLOCK
            work: Callable[[], dict[CaseId, CaseRow] | None] = partial(source.rows, wanted)
        else:
            after = None
            pending_ahead.add(request)
            demand = self._demand
            work = partial(self._read_ahead, source, wanted, demand)
        Op(lambda: (request, wanted, work(), after), pool="read").on_success(self._arrived).on_failure(
            partial(self._fetch_failed, request, wanted)
        ).run(self._runner)

    def _read_on_after(self, start: int, demand: int) -> None:
        """The read-ahead, unless the operator has asked for other rows since (a jump overtakes it)."""
        if self._demand == demand and start < len(self._ids):
            self._ask(start, ahead=False)

    def _read_ahead(
        self, source: CaseRows, wanted: list[CaseId], demand: int
    ) -> dict[CaseId, CaseRow] | None:
        """On the read worker: None (skipped) when the operator has asked for other rows since."""
        if self._demand != demand:
            return None
        return source.rows(wanted)

    def _ask_histories(self, row: int) -> None:
        """The second pass: the 买家售后 column of the fetched rows around `row` that lack it."""
        histories = self._histories
        if histories is None:
            return
        start = max(0, row - ROW_BLOCK // 2)
        rows, loading = self._rows, self._history_loading
        wanted: dict[CaseId, _Cells] = {}
        for case_id in self._ids[start : start + ROW_BLOCK]:
            cells = rows.get(case_id)
            if cells is not None and not cells.history_read and not cells.stale and case_id not in loading:
                wanted[case_id] = cells
        if not wanted:
            return
        loading.update(wanted)
        if self._runner is None:
            self._histories_arrived((wanted, read_histories(histories, list(wanted))))
            return
        self._history_pending.update(wanted)
        self._history_timer.start()  # (re)started: read once the list stands still

    def defer_histories(self) -> None:
        """The list moved (its scroll bar): the second pass waits until it stands still again."""
        if self._history_timer.isActive():
            self._history_timer.start()

    def _send_histories(self) -> None:
        """The list has stood still for HISTORY_DELAY_MS: read the counts of the rows painted last (at
        most two blocks; rows scrolled past are asked for again if they come back on screen)."""
        pending, self._history_pending = self._history_pending, {}
        histories = self._histories
        keep = list(pending)[-2 * ROW_BLOCK :]
        wanted = {
            case_id: pending[case_id] for case_id in keep if self._rows.get(case_id) is pending[case_id]
        }
        for case_id, cells in pending.items():
            if case_id not in wanted and self._history_loading.get(case_id) is cells:
                del self._history_loading[case_id]
        if not wanted or histories is None or self._runner is None:
            self._history_loading = {k: v for k, v in self._history_loading.items() if k not in wanted}
            return
        demand = self._demand
        Op(lambda: (wanted, self._read_histories(histories, list(wanted), demand)), pool="read").on_success(
            self._histories_arrived
        ).on_failure(partial(self._histories_failed, wanted)).run(self._runner)

    def _read_histories(
        self, histories: Histories, ids: list[CaseId], demand: int
    ) -> Mapping[CaseId, BuyerHistory] | None:
        """On the read worker: None (skipped) when the operator has jumped elsewhere since: the rows
        now on screen come first, and these are asked for again when painted."""
        if self._demand != demand:
            return None
        return read_histories(histories, ids)

    def _histories_arrived(
        self, answer: tuple[dict[CaseId, _Cells], Mapping[CaseId, BuyerHistory] | None]
    ) -> None:
        wanted, found = answer
        rows: list[int] = []
        for case_id, cells in wanted.items():
            if self._history_loading.get(case_id) is cells:
                del self._history_loading[case_id]
            if found is None or self._rows.get(case_id) is not cells:
                continue  # skipped, or the row was refetched meanwhile: asked for again when painted
            cells.history_read = True
            history = found.get(case_id)
            if history is not None:
                cells.repeat, cells.repeat_tip = history.count, history.sentence()
                cells.texts[BUYER_COLUMN] = repeat_text(history.count)
            row = self._index_of.get(case_id)
            if row is not None:
                rows.append(row)
        if rows and self._runner is not None:  # without a runner this runs inside data(): no signal
            self.dataChanged.emit(self.index(min(rows), BUYER_COLUMN), self.index(max(rows), BUYER_COLUMN))

    def _histories_failed(self, wanted: dict[CaseId, _Cells], exc: BaseException) -> None:
        log.error("reading the buyers' after-sales counts for the list failed", exc_info=exc)
        self._histories_arrived((wanted, {}))

    def _arrived(self, answer: tuple[int, list[CaseId], dict[CaseId, CaseRow] | None, int | None]) -> None:
        request, wanted, fetched, after = answer
        self._ahead.discard(request)
        if fetched is None:  # a read-ahead overtaken by a jump: forget it, asked for again when shown
            for case_id in wanted:
                if self._loading.get(case_id) == request:
                    del self._loading[case_id]
            return
        self._store(request, wanted, fetched)
        if after is not None and after < len(self._ids):
            # Read while the operator looks at these, once they are drawn.
            QTimer.singleShot(READ_AHEAD_DELAY_MS, self, partial(self._read_on_after, after, self._demand))

    def _fetch_failed(self, request: int, wanted: list[CaseId], exc: BaseException) -> None:
        # Shown as gone (not a message box per block) until the next refresh asks again.
        log.error("fetching list rows failed", exc_info=exc)
        self._ahead.discard(request)
        self._store(request, wanted, {})

    def _store(self, request: int, wanted: list[CaseId], fetched: dict[CaseId, CaseRow]) -> None:
        """Format and keep the rows of one request (those still waiting for it), then repaint them."""
        now = self._now = datetime.now(UTC)
        rows: list[int] = []
        for case_id in wanted:
            if self._loading.get(case_id) != request:
                continue  # changed, invalidated or re-sourced while on its way: asked for again
            del self._loading[case_id]
            before = self._rows.pop(case_id, None)  # kept as the newest: the oldest are evicted first
            r = fetched.get(case_id)
            if r is None:
                self._rows[case_id] = None
            else:
                texts = [c.text(r) for c in COLUMNS]
                texts[DUE_COLUMN] = describe_due(r.due_at, now=now, paused_at=r.due_paused_at, compact=True)
                cells = _Cells(r, texts, due_state(r, now))
                if before is not None:  # the buyer's count shown so far stays until the second pass
                    cells.repeat, cells.repeat_tip = before.repeat, before.repeat_tip
                    texts[BUYER_COLUMN] = before.texts[BUYER_COLUMN]
                self._rows[case_id] = cells
            row = self._index_of.get(case_id)
            if row is not None:
                rows.append(row)
        excess = len(self._rows) - ROW_CACHE
        if excess > 0:  # the oldest fetched first (dicts keep insertion order); refetched if shown again
            for case_id in list(islice(self._rows, excess)):
                del self._rows[case_id]
        if rows and self._runner is not None:  # without a runner this runs inside data(): no signal
            self.dataChanged.emit(self.index(min(rows), 0), self.index(max(rows), len(COLUMNS) - 1))

    # -- Qt model API --------------------------------------------------------------------------

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        # Called ~35 times per visible row per paint: plain module constants, no enum attribute look-ups.
        row = index.row()
        if not 0 <= row < len(self._ids) or not index.isValid():
            return None
        if role == _ROLE_DISPLAY:
            cells = self._cells(row)
            if cells is None:  # gone, or on its way (empty until it comes)
                return "（已删除）" if index.column() == 0 and self._ids[row] in self._rows else ""
            return cells.texts[index.column()]
        if role == _ROLE_TOOLTIP:
            cells = self._cells(row)
            if cells is None:
                return ""
            column = index.column()
            return cells.repeat_tip if column == BUYER_COLUMN else cells.texts[column]
        if role == _ROLE_BACKGROUND:
            cells = self._cells(row)
            return ROW_BACKGROUND.get(cells.due) if cells is not None else None
        if role == _ROLE_FOREGROUND:
            cells = self._cells(row)
            if cells is None:
                return None
            if cells.row.deleted_at is not None:
                return TRASHED_FOREGROUND
            column = index.column()
            if column == BUYER_COLUMN:
                return REPEAT_FOREGROUND if cells.repeat >= REPEAT_FROM else None
            return DUE_FOREGROUND.get(cells.due) if column == DUE_COLUMN else None
        if role == CHIP_ROLE:
            cells = self._cells(row)
            return chip_of(cells, index.column()) if cells is not None else None
        if role == CASE_ID_ROLE:
            return int(self._ids[row])
        if role == DUE_STATE_ROLE:
            cells = self._cells(row)
            return cells.due if cells is not None else NONE
        if role == _ROLE_ALIGNMENT and index.column() == AMOUNT_COLUMN:
            return _AMOUNT_ALIGNMENT
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(COLUMNS):
            return COLUMNS[section].header
        if orientation == Qt.Orientation.Vertical and 0 <= section < len(self._ids):
            return str(section + 1)
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        return _ROW_FLAGS if index.isValid() else _NO_FLAGS

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(COLUMNS) or not COLUMNS[column].sort_key:
            return  # a column the query cannot sort by (买家售后): the list keeps its order
        key = COLUMNS[column].sort_key
        descending = order == Qt.SortOrder.DescendingOrder
        if (key, descending) == (self._filter.sort, self._filter.descending):
            return
        self._filter = replace(self._filter, sort=key, descending=descending)
        if self.refresh_handler is not None:
            self.refresh_handler()
        else:
            self.refresh()
        self.sort_requested.emit()

    def sort_column(self) -> int:
        for i, c in enumerate(COLUMNS):
            if c.sort_key == self._filter.sort:
                return i
        return UPDATED_COLUMN
