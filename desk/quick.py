"""The case list read at start-up with the standard library alone, before the database layer is loaded.

`import sqlalchemy.orm` (and Alembic) cost more than Qt itself; the window shows the list from here
first, while the desk opens (migrations, services) in the background, then switches to the services.
Read-only and defensive: any doubt (no file, an older or unknown schema, a lock, damage) and it steps
aside (open() returns None) so the normal path decides — and reports — what is wrong.
"""

from __future__ import annotations

import logging
import re
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from desk.domain import CaseFilter, CaseId, CaseRow, CaseStatus, CaseType, Platform, Resolution

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


def _time(value: Any) -> datetime | None:
    if value is None:
        return None
    return datetime.fromisoformat(str(value)).replace(tzinfo=UTC)


def _money(value: Any) -> Decimal | None:
    return None if value is None else (Decimal(int(value)) / 100).quantize(Decimal("0.01"))


class QuickCases:
    """Implements what the list model needs (query, rows) for the default list only."""

    def __init__(self, con: sqlite3.Connection) -> None:
        self._con = con

    @classmethod
    def open(cls, database: Path) -> QuickCases | None:
        if not database.is_file():
            return None
        try:
            con = sqlite3.connect(
                f"{database.resolve().as_uri()}?mode=ro", uri=True, timeout=0.2, check_same_thread=False
            )
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
        return cls(con)

    def close(self) -> None:
        self._con.close()

    def query(self, flt: CaseFilter | str = "") -> QuickResult:
        if isinstance(flt, str) or flt.without_search() != CaseFilter() or flt.search:
            return QuickResult([])  # only the default list is shown before the desk is open
        try:
            cur = self._con.execute(
                "SELECT id FROM cases WHERE deleted_at IS NULL ORDER BY updated_at DESC, id DESC"
            )
            return QuickResult([CaseId(r[0]) for r in cur.fetchall()])
        except sqlite3.Error as exc:
            log.info("quick list failed: %s", exc)
            return QuickResult([])

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
