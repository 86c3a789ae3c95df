"""What deadline reminders read: the live, running cases due soon, and how many are overdue."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session, sessionmaker

from desk.db import models as m
from desk.domain import CaseId
from desk.reminders import DueCase
from desk.services.cases import NO_DEADLINE

# More than an operator can read in a notice; the nearest deadlines come first.
MAX_DUE = 500


class ReminderService:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    @staticmethod
    def _running(c: type[m.Case]) -> list[ColumnElement[bool]]:
        # Trashed, paused (the clock is held while waiting for the buyer) and finished cases never remind.
        return [
            c.deleted_at.is_(None),
            c.due_at.is_not(None),
            c.due_paused_at.is_(None),
            c.status.not_in(NO_DEADLINE),
        ]

    def due_within(self, within: timedelta, now: datetime | None = None) -> tuple[DueCase, ...]:
        """Cases whose deadline is between now and now + within, nearest first."""
        now = now or datetime.now(UTC)
        c = m.Case
        stmt = (
            select(c.id, c.due_at, c.order_no, c.after_sales_no)
            .where(*self._running(c), c.due_at > now, c.due_at <= now + within)
            .order_by(c.due_at, c.id)
            .limit(MAX_DUE)
        )
        with self._sessions() as s:
            rows = s.execute(stmt).all()
        return tuple(
            DueCase(CaseId(cid), due, order_no or after_sales_no or f"#{cid}")
            for cid, due, order_no, after_sales_no in rows
            if due is not None  # the query asks for a deadline; this tells the type checker so
        )

    def overdue_count(self, now: datetime | None = None) -> int:
        now = now or datetime.now(UTC)
        c = m.Case
        stmt = select(func.count()).select_from(c).where(*self._running(c), c.due_at <= now)
        with self._sessions() as s:
            return int(s.execute(stmt).scalar_one())
