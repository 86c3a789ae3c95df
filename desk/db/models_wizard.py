"""Tables of the guided wizard: a case's walk through its playbook, and the shop's own scripts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from desk.db.models import Base
from desk.db.types import utcnow


class WizardRun(Base):
    """Where a case stands in its playbook: the answers given so far (JSON list of ints)."""

    __tablename__ = "wizard_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    playbook_id: Mapped[str] = mapped_column(String(64))
    choices: Mapped[str] = mapped_column(Text, default="[]")
    outcome_id: Mapped[str] = mapped_column(String(64), default="")
    applied_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("case_id"),)


class ShopScript(Base):
    """A script (话术) the shop wrote or changed; same ident as a shipped one means it overrides it."""

    __tablename__ = "shop_scripts"

    id: Mapped[int] = mapped_column(primary_key=True)
    ident: Mapped[str] = mapped_column(String(64), unique=True)
    category: Mapped[str] = mapped_column(String(64), default="")
    title: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
