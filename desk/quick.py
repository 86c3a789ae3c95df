"""The case list read at start-up with the standard library alone, before the database layer is loaded.

`import sqlalchemy.orm` (and Alembic) cost more than Qt itself; the window shows the list from here
first, while the desk opens (migrations, services) in the background, then switches to the services.
Read-only and defensive: any doubt (no file, an older or unknown schema, a lock, damage) and it steps
aside (open() returns None) so the normal path decides — and reports — what is wrong.
"""

from __future__ import annotations

import logging
import os
import re
import sqlite3
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desk import quick_sql
from desk.domain import (
    COUNTED_QUEUES,
    DUE_SOON_HOURS,
    DUE_URGENT_HOURS,
    CaseFilter,
    CaseId,
    CaseRow,
    CaseStatus,
    CaseType,
    Platform,
    Resolution,
    end_of_local_day,
    start_queue,
)

if TYPE_CHECKING:
    from desk.profile import Profile

log = logging.getLogger(__name__)

VERSIONS = Path(__file__).resolve().parent / "db" / "migrations" / "versions"
_REVISION = re.compile(r'^revision\s*=\s*["\']([^"\']+)["\']', re.MULTILINE)
_DOWN = re.compile(r"^down_revision\s*=\s*(.+)$", re.MULTILINE)
_QUOTED = re.compile(r'["\']([^"\']+)["\']')

_ROWS_SQL = (
    "SELECT c.id, c.platform, coalesce(s.name, ''), c.order_no, c.after_sales_no, c.tracking_no, "
    "c.buyer_nick, c.case_type, c.status, c.refund_amount, c.updated_at, c.created_at, c.due_at, "
    "c.due_paused_at, c.resolution, c.deleted_at FROM cases c LEFT JOIN shops s ON s.id = c.shop_id "
    "WHERE c.id IN ({})"
)


@dataclass(frozen=True, slots=True)
class QuickResult:
    ids: list[CaseId]
    hint: str = ""


def head_revisions() -> set[str] | None:
    """The heads of the migration scripts, read from their text (no Alembic import); None if unsure."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in VERSIONS.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        match, down = _REVISION.search(text), _DOWN.search(text)
        if match is None:
            continue  # __init__.py
        if down is None:
            return None
        revisions.add(match.group(1))
        parents.update(_QUOTED.findall(down.group(1)))
    return revisions - parents or None


def moments(now: datetime) -> dict[str, datetime]:
    """The moments the queues of 今日 depend on, by their parameter names in desk/quick_sql.py."""
    return {
        "now": now,
        "urgent_end": now + timedelta(hours=DUE_URGENT_HOURS),
        "soon_end": now + timedelta(hours=DUE_SOON_HOURS),
        "day_end": end_of_local_day(now),
    }


def stored_time(moment: datetime) -> str:
    """A moment as the database stores it (desk/db/types.py UTCDateTime on SQLite: naive UTC text)."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def _params(now: datetime) -> dict[str, str]:
    return {name: stored_time(moment) for name, moment in moments(now).items()}


_DEFAULT = CaseFilter()


def _queue_key(flt: CaseFilter) -> str | None:
    """The queue of 今日 (or 全部) a filter shows, whatever its sort; None for any other filter."""
    plain = replace(flt, sort=_DEFAULT.sort, descending=_DEFAULT.descending)
    for key, queue in COUNTED_QUEUES.items():
        if queue == plain and key in quick_sql.QUEUE_WHERE:
            return key
    return None


def _time(value: Any) -> datetime | None:
    if value is None:
        return None
    return datetime.fromisoformat(str(value)).replace(tzinfo=UTC)


def _money(value: Any) -> Decimal | None:
    return None if value is None else (Decimal(int(value)) / 100).quantize(Decimal("0.01"))


def uses_sqlite_file(profile: Profile) -> bool:
    """The profile keeps its cases in its own SQLite file (not a shared database server)."""
    from desk.settings import ENV_DATABASE_URL

    if os.environ.get(ENV_DATABASE_URL):
        return False
    settings = profile.root / "settings.toml"
    try:
        return not (settings.is_file() and "[database]" in settings.read_text(encoding="utf-8"))
    except OSError:
        return False


def open_for(profile: Profile) -> QuickCases | None:
    """The quick reader of a profile's cases, counting 今日 from now on; None when there is none to read."""
    return QuickCases.open(profile.database) if uses_sqlite_file(profile) else None


def _connect(database: Path) -> sqlite3.Connection:
    return sqlite3.connect(
        f"{database.resolve().as_uri()}?mode=ro", uri=True, timeout=0.2, check_same_thread=False
    )


class QuickCases:
    """Implements what the list model needs (query, rows) for 全部 and the queues of 今日, and their
    counts (counted on a thread of their own from open() on: sqlite3 lets go of the GIL while it reads,
    so the count runs beside the window being built)."""

    def __init__(
        self,
        con: sqlite3.Connection,
        database: Path | None = None,
        *,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self._con = con
        self._now = clock or (lambda: datetime.now(UTC))
        self._counts: dict[str, int] | None = None
        self._ready: tuple[CaseFilter, list[CaseId]] | None = None  # the start queue, read ahead
        self._counting: threading.Thread | None = None
        if database is not None:
            self._counting = threading.Thread(
                target=self._count, args=(database,), name="quick-counts", daemon=True
            )
            self._counting.start()

    def _count(self, database: Path) -> None:
        """The counts, then the list of the queue the window will open on, in its default order (by
        deadline, as the sidebar sorts 今日's queues; 全部: newest first): query() hands it over if that is
        what the window asks for (the operator may have kept another sort for that queue)."""
        try:
            con = _connect(database)
            try:
                row = con.execute(quick_sql.COUNTS_SQL, _params(self._now())).fetchone()
                self._counts = {key: int(n or 0) for key, n in zip(quick_sql.COUNT_KEYS, row, strict=True)}
                key = start_queue(self._counts)
                flt = (
                    CaseFilter()
                    if key == "all"
                    else replace(COUNTED_QUEUES[key], sort="due_at", descending=False)
                )
                self._ready = (flt, self._ids(con, key, flt))
            finally:
                con.close()
        except (sqlite3.Error, OSError, TypeError, ValueError) as exc:
            log.info("quick counts failed: %s", exc)

    def counts(self, timeout: float = 2.0) -> dict[str, int] | None:
        """The sidebar's queue counts as CaseService.counts() gives them; None when they could not be read
        (in time): the window then opens on the list it shows before the desk is open."""
        if self._counting is not None:
            self._counting.join(timeout)
            if self._counting.is_alive():
                return None
        return self._counts

    @classmethod
    def open(cls, database: Path, *, clock: Callable[[], datetime] | None = None) -> QuickCases | None:
        if not database.is_file():
            return None
        try:
            con = _connect(database)
        except sqlite3.Error:
            return None
        try:
            revisions = {r[0] for r in con.execute("SELECT version_num FROM alembic_version")}
            if revisions != head_revisions():
                con.close()
                return None  # to be upgraded (or too new): the normal path handles it
            con.execute("SELECT deleted_at, due_at, resolution FROM cases LIMIT 1").fetchall()
        except (sqlite3.Error, OSError) as exc:
            log.info("quick list not used: %s", exc)
            con.close()
            return None
        return cls(con, database, clock=clock)

    def close(self) -> None:
        self._con.close()

    def query(self, flt: CaseFilter | str = "") -> QuickResult:
        key = None if isinstance(flt, str) or flt.search else _queue_key(flt)
        if key is None or isinstance(flt, str):
            return QuickResult([])  # only 全部 and the queues are shown before the desk is open
        ready, self._ready = self._ready, None
        if ready is not None and ready[0] == flt:
            return QuickResult(ready[1])
        try:
            return QuickResult(self._ids(self._con, key, flt))
        except sqlite3.Error as exc:
            log.info("quick list failed: %s", exc)
            return QuickResult([])

    def _ids(self, con: sqlite3.Connection, key: str, flt: CaseFilter) -> list[CaseId]:
        # A sort that needs another table (店铺) shows the newest first until the desk is open.
        order = quick_sql.ORDERS.get(f"{flt.sort}:{'desc' if flt.descending else 'asc'}")
        if order is None:
            order = quick_sql.ORDERS["updated_at:desc"]
        sql = f"SELECT cases.id FROM cases {quick_sql.QUEUE_WHERE[key]} ORDER BY {order}"
        return [CaseId(r[0]) for r in con.execute(sql, _params(self._now()))]

    def rows(self, ids: Sequence[CaseId]) -> dict[CaseId, CaseRow]:
        if not ids:
            return {}
        sql = _ROWS_SQL.format(",".join("?" * len(ids)))
        out: dict[CaseId, CaseRow] = {}
        try:
            for r in self._con.execute(sql, list(ids)):
                out[CaseId(r[0])] = CaseRow(
                    id=CaseId(r[0]),
                    platform=Platform(r[1]),
                    shop_name=r[2],
                    order_no=r[3],
                    after_sales_no=r[4],
                    tracking_no=r[5],
                    buyer_nick=r[6],
                    case_type=CaseType(r[7]),
                    status=CaseStatus(r[8]),
                    refund_amount=_money(r[9]),
                    updated_at=_time(r[10]) or datetime.now(UTC),
                    created_at=_time(r[11]),
                    due_at=_time(r[12]),
                    due_paused_at=_time(r[13]),
                    resolution=Resolution(r[14]),
                    deleted_at=_time(r[15]),
                )
        except (sqlite3.Error, ValueError) as exc:
            log.info("quick rows failed: %s", exc)
        return out
