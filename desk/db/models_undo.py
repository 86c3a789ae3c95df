"""The undo log: reversible operations, newest last, one row per operation (desk/services/undo.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from desk.db.models import Base
from desk.db.types import utcnow


class UndoEntry(Base):
    """One operation that can be taken back.

    `op` is an operation key (desk.services.undo.UndoOp, e.g. "cases.trash"); `payload` is JSON with
    the ids it touched and their values before (and after) it: keys and data only, never display
    text. `actor` says whose step it is (this computer's user), so on a shared database each operator
    undoes their own steps.
    """

    __tablename__ = "undo_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    actor: Mapped[str] = mapped_column(String(64))
    op: Mapped[str] = mapped_column(String(32))
    payload: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_undo_log_actor_id", "actor", "id"),)
